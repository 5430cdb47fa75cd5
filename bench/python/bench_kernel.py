#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Kernels from Python: call overhead, element-wise sin, cblas_dgemm.

Prints "RESULT key seconds" lines (medians of --runs) for bench/kernels_langs.sh:
  call        one arrayshare.Kernel call of cblas_daxpy (n = 16), per call
              (process CPU time: not inflated by other processes)
  sin         map sin over --n float64 through the kernel (1 thread)
  sin_numpy   numpy.sin(x, out=y) on the same shared arrays (information)
  dgemm       cblas_dgemm --m x --m through the kernel API on shared views
  dgemm_numpy a @ b with NumPy (OpenBLAS through Debian's libblas.so.3), the
              anchor of the Lua and Ruby dgemm rows
    . build/ash-env.sh; /usr/bin/python3 bench/python/bench_kernel.py [--quick]
"""
import argparse
import os
import statistics
import sys
import time

import arrayshare
from kernel_common import DAXPY, DAXPY_BIND, DGEMM, DGEMM_BIND, OPENBLAS

try:
    import numpy as np
except ImportError:
    np = None


def median(fn, runs, clock=time.perf_counter):
    times = []
    fn()
    for _ in range(runs):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--m", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.n, a.m, a.runs = 100_000, 200, 3
    tag = "pybk%d" % os.getpid()
    views = []

    def make(name, shape):
        v = arrayshare.create(f"{tag}{name}", shape, "float64")
        views.append(v)
        return v

    try:
        x16, y16 = make("a", (16,)), make("b", (16,))
        daxpy = arrayshare.kernel(OPENBLAS, DAXPY, DAXPY_BIND)
        calls = 20_000
        per = median(lambda: [daxpy(x16, y16, 1e-9) for _ in range(calls)],
                     a.runs, time.process_time) / calls  # CPU time
        print(f"RESULT call {per:.9f}")
        x, y = make("x", (a.n,)), make("y", (a.n,))
        if np is not None:
            xa, ya = np.asarray(x), np.asarray(y)
            xa[:] = np.arange(a.n) % 100003 * 0.001
        sin = arrayshare.kernel("libm.so.6", "map double sin(double)")
        print(f"RESULT sin {median(lambda: sin(x, y), a.runs):.6f}")
        if np is not None:
            print(f"RESULT sin_numpy {median(lambda: np.sin(xa, out=ya), a.runs):.6f}")
        A, B, C = make("A", (a.m, a.m)), make("B", (a.m, a.m)), make("C", (a.m, a.m))
        if np is not None:
            for i, M in enumerate((A, B)):
                np.asarray(M)[...] = (np.arange(a.m * a.m).reshape(a.m, a.m)
                                      * 7 + i) % 13 * 0.1
        dgemm = arrayshare.kernel(OPENBLAS, DGEMM, DGEMM_BIND)
        print(f"RESULT dgemm {median(lambda: dgemm(A, B, C, 1.0, 0.0), a.runs):.6f}")
        if np is not None:
            an, bn, cn = np.asarray(A), np.asarray(B), np.asarray(C)
            print(f"RESULT dgemm_numpy {median(lambda: np.matmul(an, bn, out=cn), a.runs):.6f}")
    finally:
        for v in views:
            arrayshare.unlink(v.segment_name)
            v.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
