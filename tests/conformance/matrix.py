#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints every conformance case against every language.

usage: matrix.py RESULTS_DIR LANG...
Each runner writes RESULTS_DIR/<lang>.tsv: case <TAB> pass|fail|na <TAB> detail.
Fails when a language's results are missing or any case failed.
"""
import pathlib
import sys


def main():
    out = pathlib.Path(sys.argv[1])
    langs = sys.argv[2:]
    results, order = {}, []
    missing = []
    for lang in langs:
        f = out / f"{lang}.tsv"
        if not f.exists():
            missing.append(lang)
            continue
        for line in f.read_text().splitlines():
            case, status, *detail = line.split("\t") + [""]
            if case not in order:
                order.append(case)
            results[(case, lang)] = (status, detail[0] if detail else "")
    width = max([len(c) for c in order] + [4])
    print(f"{'case':{width}}  " + "  ".join(f"{l:6}" for l in langs))
    failed = passed = 0
    notes = []
    for case in order:
        cells = []
        for lang in langs:
            status, detail = results.get((case, lang), ("-", ""))
            cells.append(f"{ {'pass': 'pass', 'fail': 'FAIL', 'na': 'n/a'}.get(status, status):6}")
            if status == "fail":
                failed += 1
            elif status == "pass":
                passed += 1
            if status == "na":
                notes.append(f"  n/a {lang} {case}: {detail}")
            if status == "-" and lang not in missing:
                failed += 1
                notes.append(f"  missing: {lang} did not run {case}")
        print(f"{case:{width}}  " + "  ".join(cells))
    for n in notes:
        print(n)
    for lang in missing:
        print(f"no results from {lang}: its runner did not run")
    print(f"matrix: {len(order)} cases x {len(langs)} languages")
    print(f"{passed} passed, {failed + len(missing)} failed")
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
