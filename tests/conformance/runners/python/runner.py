#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Conformance runner for the Python binding: executes the expanded cases
(expand.py's output) against arrayshare.arrayshare_core, the SWIG module
that mirrors arrayshare.h: call, resolve references, compare. See
tests/conformance/README.md.

usage: runner.py CASES.json   (ASH_CONFORMANCE_OPS: the ops helper)
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import arrayshare
from arrayshare import arrayshare_core as core

LANG, PREFIX = "python", "cfp"
RUN_ID = os.getpid()
TMPDIR = tempfile.mkdtemp(prefix="ash-conformance-py-")
RELEASE = {"ash_view_release", "ash_segment_close", "ash_list_free",
           "ash_kernel_close", "ash_ring_close"}


class Fail(Exception):
    pass


class Case:
    def __init__(self, number):
        self.number, self.vars, self.order, self.files = number, {}, [], set()

    def part(self, p):
        if isinstance(p, str):
            return p
        if "name" in p:
            name = f"{PREFIX}{RUN_ID}_{self.number}_{p['name']}"
            self.files.add("/dev/shm/ash." + name)
            return name
        if "path" in p:
            path = os.path.join(TMPDIR, f"{self.number}_{p['path']}")
            self.files.add(path)
            return path
        return str(self.value(p))

    def value(self, a):
        """An expanded value (expand.py) as a Python value."""
        if isinstance(a, list):
            return [self.value(x) for x in a]
        if not isinstance(a, dict):
            return a
        if "const" in a:
            names = a["const"] if isinstance(a["const"], list) else [a["const"]]
            f = 0
            for n in names:
                f |= getattr(core, n)
            return f
        if "str" in a:
            return "".join(self.part(p) for p in a["str"])
        if "ref" in a:
            if a["ref"] not in self.vars:
                raise Fail(f"no saved value named {a['ref']}")
            return self.vars[a["ref"]]
        if "float" in a:
            return float(a["float"])
        if "int" in a:
            return int(a["int"])
        return bytes.fromhex(a["bytes"])

    def end(self):
        for key in reversed(self.order):
            close = getattr(self.vars.get(key), "close", None)
            if close is not None:
                try:
                    close()
                except arrayshare.Error:
                    pass
        for f in self.files:
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass


def result(v):
    """A call's result in the form expectations use."""
    if isinstance(v, (tuple, list)):
        return [result(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def match(exp, act, case):
    if isinstance(exp, dict):
        if "nonnull" in exp:
            return bool(act)
        if "min" in exp:
            return isinstance(act, (int, float)) and act >= exp["min"]
        if "prefix" in exp:
            return isinstance(act, str) and act.startswith(exp["prefix"])
        if "contains" in exp:
            return isinstance(act, str) and exp["contains"] in act
        if "bytes" in exp:
            return act == exp["bytes"]
        return act == case.value(exp)
    if isinstance(exp, list):
        return (isinstance(act, list) and len(act) == len(exp)
                and all(match(e, a, case) for e, a in zip(exp, act)))
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        return isinstance(act, (int, float)) and act == exp
    return exp == act


def op(name, args, case):
    vals = [case.value(a) for a in args]
    if name == "list_has":
        lst, want = vals
        return any(core.ash_list_name(lst, i) == want
                   for i in range(core.ash_list_count(lst)))
    if name == "symbol_address":  # an address in this process
        import ctypes
        fn = getattr(ctypes.CDLL(vals[0]), vals[1])
        return ctypes.cast(fn, ctypes.c_void_p).value
    argv = [os.environ["ASH_CONFORMANCE_OPS"], name] + [
        v.hex() if isinstance(v, bytes) else str(v) for v in vals]
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode:
        raise Fail(f"{name}: {p.stderr.strip()}")
    return json.loads(p.stdout) if p.stdout.strip() else None


def step(s, i, case):
    what = s.get("call") or s.get("op")
    try:
        if "call" in s:
            fn = getattr(core, s["call"], None)
            if fn is None:
                raise Fail(f"the binding has no {s['call']}")
            out = fn(*[case.value(a) for a in s["args"]])
            if s["call"] in RELEASE and s["args"] and "ref" in s["args"][0]:
                case.vars.pop(s["args"][0]["ref"], None)
        else:
            out = op(s["op"], s["args"], case)
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


def main(path):
    rows, counts = [], {"pass": 0, "fail": 0, "na": 0}
    for c in json.load(open(path))["cases"]:
        why = c["na"].get(LANG)
        if why:
            print(f"N/A   {c['name']}: {why}")
            rows.append((c["name"], "na", why))
            counts["na"] += 1
            continue
        case, err = Case(c["number"]), ""
        try:
            for i, s in enumerate(c["steps"]):
                step(s, i, case)
        except Fail as e:
            err = str(e)
        except Exception as e:  # a binding bug: report, go on
            err = f"{type(e).__name__}: {e}"
        finally:
            case.end()
        print(f"FAIL  {c['name']}: {err}" if err else f"PASS  {c['name']}")
        rows.append((c["name"], "fail" if err else "pass", err))
        counts["fail" if err else "pass"] += 1
    out = os.environ.get("ASH_CONFORMANCE_OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, f"{LANG}.tsv"), "w") as f:
            for r in rows:
                f.write("\t".join(x.replace("\t", " ").replace("\n", " ")
                                  for x in r) + "\n")
    os.rmdir(TMPDIR)
    print(f"conformance ({LANG}): {counts['pass']} passed, {counts['fail']} "
          f"failed, {counts['na']} not applicable")
    print(f"{counts['pass']} passed, {counts['fail']} failed")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
