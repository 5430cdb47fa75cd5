#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Per-element speed: ``v[i] = v[i] + 1`` over a 1-d float64 view.

Anchor: the same loop on a NumPy float64 array, measured in the same run.
Also reported, for information: a Python list. Prints the median of several
runs in ns per element and the ratio view / numpy (target: <= 1.0).

    PYTHONPATH=build-py/python /usr/bin/python3 bench/python/bench_element.py
    options: --n N (elements, default 200000), --runs R (default 9),
             --quick (small n, 3 runs: a smoke test)
"""
import argparse
import os
import statistics
import sys
import time

import arrayshare

try:
    import numpy as np
except ImportError:  # the anchor needs NumPy
    np = None


def loop(v, n):
    t0 = time.perf_counter_ns()
    for i in range(n):
        v[i] = v[i] + 1
    return (time.perf_counter_ns() - t0) / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.n, args.runs = 20_000, 3
    n = args.n
    name = "bench-element-%d" % os.getpid()
    v = arrayshare.create(name, n, "float64")
    try:
        subjects = {"arrayshare.View": v, "list": [0.0] * n}
        if np is not None:
            subjects["numpy.ndarray"] = np.zeros(n)
        times = {k: [] for k in subjects}
        for _ in range(args.runs):  # interleaved, so drift hits all alike
            for k, obj in subjects.items():
                times[k].append(loop(obj, n))
        assert v[0] == args.runs and v[n - 1] == args.runs
        med = {k: statistics.median(t) for k, t in times.items()}
        print("per element v[i] = v[i] + 1, float64, n=%d, median of %d runs"
              % (n, args.runs))
        for k in subjects:
            print("  %-16s %7.1f ns" % (k, med[k]))
        if "numpy.ndarray" in med:
            r = med["arrayshare.View"] / med["numpy.ndarray"]
            print("ratio View/numpy: %.2f (target <= 1.0) %s"
                  % (r, "OK" if r <= 1.0 else "SLOWER"))
        print("ratio View/list:  %.2f (information)"
              % (med["arrayshare.View"] / med["list"]))
    finally:
        arrayshare.unlink(name)
        v.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
