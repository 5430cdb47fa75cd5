#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Conformance runner for the Python binding: executes
tests/conformance/cases/*.json against arrayshare.arrayshare_core, the SWIG
module that mirrors arrayshare.h. See tests/conformance/README.md.

usage: runner.py CASE.json...
"""
import json
import math
import os
import signal
import struct
import subprocess
import sys
import tempfile

import arrayshare
from arrayshare import arrayshare_core as core

RUN_ID = os.getpid()
TMPDIR = tempfile.mkdtemp(prefix="ash-conformance-py-")
PACKS = {"i8": "b", "i16": "h", "i32": "i", "i64": "q", "u8": "B", "u16": "H",
         "u32": "I", "u64": "Q", "f32": "f", "f64": "d", "bool": "B"}
RELEASE = {"ash_view_release", "ash_segment_close", "ash_list_free"}


class Fail(Exception):
    pass


class Case:
    def __init__(self, number):
        self.number = number
        self.names = {}
        self.paths = {}
        self.vars = {}
        self.order = []

    def name(self, key):
        if key not in self.names:
            self.names[key] = f"cfp{RUN_ID}_{self.number}_{key}"
        return self.names[key]

    def path(self, key):
        if key not in self.paths:
            self.paths[key] = os.path.join(TMPDIR, f"p{self.number}_{key}")
        return self.paths[key]

    # ---- arguments --------------------------------------------------------
    def value(self, a):
        if a is None or isinstance(a, (bool, int, float, str)):
            if isinstance(a, float) and a.is_integer() and abs(a) < 2**63:
                return int(a)
            return a
        if isinstance(a, list):
            return [self.value(x) for x in a]
        if "const" in a:
            return getattr(core, a["const"])
        if "flags" in a:
            f = 0
            for n in a["flags"]:
                f |= getattr(core, n)
            return f
        if "name" in a:
            return self.name(a["name"])
        if "path" in a:
            return self.path(a["path"])
        if "desc" in a:
            return self.desc(a["desc"])
        if "repeat" in a:
            return a["repeat"] * a["count"]
        if "concat" in a:
            return "".join(str(self.value(x)) for x in a["concat"])
        if "ref" in a:
            if a["ref"] not in self.vars:
                raise Fail(f"no saved value named {a['ref']}")
            return self.vars[a["ref"]]
        if "float" in a:
            return float(a["float"])
        if "int" in a or "uint" in a:
            return int(a.get("int", a.get("uint")), 0)
        return pack(a)

    def desc(self, text):
        out, i = [], 0
        while i < len(text):
            if text[i] == "{":
                j = text.index("}", i)
                out.append(self.name(text[i + 1:j]))
                i = j + 1
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    # ---- cleanup ------------------------------------------------------------
    def end(self):
        for key in reversed(self.order):
            h = self.vars.get(key)
            close = getattr(h, "close", None)
            if close is not None:
                try:
                    close()
                except arrayshare.Error:
                    pass
        self.vars.clear()
        for n in self.names.values():
            try:
                os.unlink(f"/dev/shm/ash.{n}")
            except FileNotFoundError:
                pass
        for p in self.paths.values():
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass


def pack(a):
    if "hex" in a:
        return bytes.fromhex(a["hex"])
    for key, code in PACKS.items():
        if key in a:
            vals = [float(v["float"]) if isinstance(v, dict) and "float" in v
                    else int(v["int"] if "int" in v else v["uint"], 0)
                    if isinstance(v, dict) else v for v in a[key]]
            return struct.pack("<" + code * len(vals), *vals)
    raise Fail(f"not a value: {a}")


def result(v):
    """A call's result in the comparable form of the README."""
    if isinstance(v, tuple):
        return [result(x) for x in v]
    if isinstance(v, list):
        return [result(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, complex):
        return [result(v.real), result(v.imag)]
    return v


def match(exp, act, case):
    if isinstance(exp, dict):
        if "const" in exp:
            return act == getattr(core, exp["const"])
        if "float" in exp:
            return act == exp["float"]
        if "nonnull" in exp:
            return bool(act)
        if "min" in exp:
            return isinstance(act, (int, float)) and act >= exp["min"]
        if "prefix" in exp:
            return isinstance(act, str) and act.startswith(exp["prefix"])
        if "contains" in exp:
            return isinstance(act, str) and exp["contains"] in act
        if "int" in exp or "uint" in exp:
            return act == int(exp.get("int", exp.get("uint")), 0)
        if "name" in exp or "desc" in exp or "path" in exp:
            return act == case.value(exp)
        return act == pack(exp).hex()
    if isinstance(exp, bool):
        return act == exp
    if isinstance(exp, (int, float)) and not isinstance(act, str):
        return act is not None and not isinstance(act, list) and act == exp
    if isinstance(exp, list):
        return (isinstance(act, list) and len(act) == len(exp)
                and all(match(e, a, case) for e, a in zip(exp, act)))
    return exp == act


# ---- runner operations -------------------------------------------------------

HELPER = r"""
import sys
from arrayshare import arrayshare_core as c
if sys.argv[1] == "create":
    v = c.ash_create(sys.argv[2], c.ASH_FLOAT64, [4], 0, 0o600)
else:
    v = c.ash_attach(sys.argv[2], 0)
print("ready", flush=True)
sys.stdin.read()
"""


def op(name, args, case):
    vals = [case.value(a) for a in args]
    shm = (lambda n: f"/dev/shm/ash.{n}")
    if name in ("kill_attacher", "kill_creator"):
        mode = "create" if name == "kill_creator" else "attach"
        p = subprocess.Popen([sys.executable, "-c", HELPER, mode, vals[0]],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = p.stdout.readline()
        p.kill()  # SIGKILL
        p.wait()
        p.stdin.close()
        p.stdout.close()
        if line.strip() != b"ready":
            raise Fail(f"{name}: the helper could not {mode}")
        return None
    if name == "poke":
        with open(shm(vals[0]), "r+b") as f:
            f.seek(vals[1])
            f.write(vals[2])
        return None
    if name == "truncate":
        os.truncate(shm(vals[0]), vals[1])
        return None
    if name == "write_file":
        target = vals[0] if "path" in args[0] else shm(vals[0])
        with open(target, "wb") as f:
            f.write(vals[1])
        return None
    if name == "exists":
        return os.path.exists(shm(vals[0]))
    if name == "list_has":
        lst, want = vals
        return any(core.ash_list_name(lst, i) == want
                   for i in range(core.ash_list_count(lst)))
    if name == "shm_total":
        st = os.statvfs("/dev/shm")
        return st.f_blocks * st.f_frsize
    raise Fail(f"unknown op {name}")


def step(s, i, case):
    what = s.get("call") or s.get("op")
    args = s.get("args", [])
    try:
        if "call" in s:
            fn = getattr(core, s["call"], None)
            if fn is None:
                raise Fail(f"the binding has no {s['call']}")
            out = fn(*[case.value(a) for a in args])
            if s["call"] in RELEASE and args and "ref" in args[0]:
                case.vars.pop(args[0]["ref"], None)
        else:
            out = op(s["op"], args, case)
    except arrayshare.Error as e:
        if "error" not in s:
            raise Fail(f"step {i} ({what}): unexpected error {e.name}: {e}")
        if e.name != s["error"]:
            raise Fail(f"step {i} ({what}): expected error {s['error']}, "
                       f"got {e.name} ({e})")
        return
    except Fail as e:
        raise Fail(f"step {i} ({what}): {e}")
    if "error" in s:
        raise Fail(f"step {i} ({what}): expected error {s['error']}, got success")
    if "expect" in s and not match(s["expect"], result(out), case):
        raise Fail(f"step {i} ({what}): expected {json.dumps(s['expect'])}, "
                   f"got {result(out)!r}")
    if "save" in s:
        case.vars[s["save"]] = out
        case.order.append(s["save"])


def main(files):
    results = []
    passed = failed = na = 0
    number = 0
    for path in files:
        for c in json.load(open(path))["cases"]:
            why = c.get("not_applicable", {}).get("python")
            if why:
                print(f"N/A   {c['name']}: {why}")
                results.append((c["name"], "na", why))
                na += 1
                continue
            number += 1
            case = Case(number)
            err = ""
            try:
                for i, s in enumerate(c["steps"]):
                    step(s, i, case)
            except Fail as e:
                err = str(e)
            except Exception as e:  # a binding bug: report, go on
                err = f"{type(e).__name__}: {e}"
            finally:
                case.end()
            if err:
                print(f"FAIL  {c['name']}: {err}")
                failed += 1
            else:
                print(f"PASS  {c['name']}")
                passed += 1
            results.append((c["name"], "fail" if err else "pass", err))
    out = os.environ.get("ASH_CONFORMANCE_OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "python.tsv"), "w") as f:
            for r in results:
                f.write("\t".join(x.replace("\t", " ").replace("\n", " ")
                                  for x in r) + "\n")
    os.rmdir(TMPDIR)
    print(f"conformance (python): {passed} passed, {failed} failed, "
          f"{na} not applicable")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
