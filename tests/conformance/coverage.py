#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when a public function of arrayshare.h is called by no conformance case.

usage: coverage.py HEADER CASES_DIR
"""
import json
import pathlib
import re
import sys


def public_functions(header):
    text = pathlib.Path(header).read_text()
    # ASH_EXTERN <type> <name>(  -- declarations may span lines
    names = re.findall(r"ASH_EXTERN\s+[^;(]*?\b(ash_[a-z0-9_]+)\s*\(", text)
    return sorted(set(names))


def called(cases_dir):
    seen = {}
    for path in sorted(pathlib.Path(cases_dir).glob("*.json")):
        doc = json.loads(path.read_text())
        for case in doc["cases"]:
            for step in case["steps"]:
                if "call" in step:
                    seen.setdefault(step["call"], set()).add(case["name"])
    return seen


def main():
    header, cases_dir = sys.argv[1], sys.argv[2]
    funcs = public_functions(header)
    seen = called(cases_dir)
    missing = [f for f in funcs if f not in seen]
    unknown = sorted(set(seen) - set(funcs))
    for f in funcs:
        n = len(seen.get(f, ()))
        print(f"{'ok ' if n else 'MISSING'} {f:32s} {n} case(s)")
    if unknown:
        print("cases call functions the header does not declare:", ", ".join(unknown))
    covered = len(funcs) - len(missing)
    print(f"coverage: {covered} of {len(funcs)} public functions are called by a case")
    print(f"{covered} passed, {len(missing) + len(unknown)} failed")
    return 1 if missing or unknown or not funcs else 0


if __name__ == "__main__":
    sys.exit(main())
