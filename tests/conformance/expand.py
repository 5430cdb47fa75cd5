#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The one pre-pass of the conformance runners: expands cases/*.json into
one file per language that a runner only has to call, resolve and compare.

usage: expand.py OUT.json [NAME=VALUE...] CASE.json...

NAME=VALUE defines the value of {"env": NAME} (the build passes the test
kernel library's path as ASH_TEST_KERNELS).

Writes OUT.json, every case of every file, numbered:

  {"cases": [{"name": ..., "number": N, "steps": [STEP, ...],
              "na": {LANG: "why it does not apply"}}, ...]}

STEP: {"call": FUNCTION} or {"op": OPERATION}, "args": [VALUE, ...], and
"expect": VALUE, "error": CODE-NAME and "save": NAME as in the cases.
Every value is in one of the forms below; everything else the case format
allows (flags, repeat, concat, desc, name, path, packed numbers, hex) is
resolved here:

  JSON number, string, true/false, null, list    itself
  {"const": "ASH_X"} or {"const": ["ASH_A", ...]}  the constant, or the OR
  {"str": [PART, ...]}   the parts joined: a string, {"name": key} (the
                         unique segment name of key in this case),
                         {"path": key} (a unique file path), {"ref": var}
                         (a saved value, in decimal if a number)
  {"ref": var}           a saved value
  {"float": "nan"|"inf"|"-inf"}   a special double (args only)
  {"int": "decimal"}     an exact 64-bit integer (beyond 2^53), signed, or
                         above 2^63 for uint64 (languages without unsigned
                         integers take its two's complement)
  {"bytes": "hex"}       packed bytes (arguments), or the expected hex of a
                         read

In expectations, special doubles become the strings "nan", "inf", "-inf"
(the runners turn results into the same), and four matchers stay:
{"nonnull": true}, {"min": N}, {"prefix": S}, {"contains": S}.
"""
import json
import pathlib
import re
import struct
import sys

PACKS = {"i8": "b", "i16": "h", "i32": "i", "i64": "q", "u8": "B", "u16": "H",
         "u32": "I", "u64": "Q", "f32": "f", "f64": "d", "bool": "B"}
SPECIAL = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def integer(text):
    """{"int"/"uint": "0x..."} as a Python int."""
    return int(text, 0)


def packed(v):
    for key, code in PACKS.items():
        if key in v:
            vals = []
            for x in v[key]:
                if isinstance(x, dict) and "float" in x:
                    x = SPECIAL[x["float"]]
                elif isinstance(x, dict):
                    x = integer(x.get("int", x.get("uint")))
                vals.append(x)
            return struct.pack("<" + code * len(vals), *vals).hex()
    if "hex" in v:
        return v["hex"]
    return None


def desc_parts(text):
    parts = []
    for i, piece in enumerate(re.split(r"\{([^}]*)\}", text)):
        if i % 2:
            parts.append({"name": piece})
        elif piece:
            parts.append(piece)
    return parts


ENV = {}


def str_parts(v):
    """The parts of a string value (name, path, desc, concat, env), or None."""
    if "env" in v:
        if v["env"] not in ENV:
            raise SystemExit("expand.py: %s is not defined" % v["env"])
        return [ENV[v["env"]]]
    if "name" in v:
        return [{"name": v["name"]}]
    if "path" in v:
        return [{"path": v["path"]}]
    if "desc" in v:
        return desc_parts(v["desc"])
    if "concat" in v:
        parts = []
        for x in v["concat"]:
            if isinstance(x, dict):
                parts += str_parts(x) or [x]  # {"ref": ...} stays
            else:
                parts.append(str(x))
        return parts
    return None


def value(v, expect=False):
    if isinstance(v, list):
        return [value(x, expect) for x in v]
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**63:
        return int(v)
    if not isinstance(v, dict):
        return v
    if "flags" in v:
        return {"const": v["flags"]}
    if "repeat" in v:
        return v["repeat"] * v["count"]
    if "float" in v:
        return v["float"] if expect else v
    if "int" in v or "uint" in v:
        n = integer(v.get("int", v.get("uint")))
        return n if abs(n) < 2**53 else {"int": str(n)}
    parts = str_parts(v)
    if parts is not None:
        return {"str": parts}
    b = packed(v)
    if b is not None:
        return {"bytes": b}
    if set(v) <= {"const", "ref", "nonnull", "min", "prefix", "contains"}:
        return v
    raise ValueError(f"not a case value: {v}")


def step(s):
    out = {k: s[k] for k in ("call", "op", "error", "save") if k in s}
    out["args"] = [value(a) for a in s.get("args", [])]
    if "expect" in s:
        out["expect"] = value(s["expect"], expect=True)
    return out


def main():
    out = pathlib.Path(sys.argv[1])
    cases = []
    files = []
    for arg in sys.argv[2:]:
        if "=" in arg and not arg.endswith(".json"):
            k, _, v = arg.partition("=")
            ENV[k] = v
        else:
            files.append(arg)
    for path in files:
        for case in json.loads(pathlib.Path(path).read_text())["cases"]:
            cases.append({"name": case["name"], "number": len(cases) + 1,
                          "na": case.get("not_applicable", {}),
                          "steps": [step(s) for s in case["steps"]]})
    text = json.dumps({"cases": cases}, indent=1, allow_nan=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.read_text() != text:
        out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
