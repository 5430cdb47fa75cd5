#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Kernels from Python: call overhead, element-wise sin, cblas_dgemm.

Prints "RESULT key seconds" lines (medians of --runs, process CPU time: run
with OPENBLAS_NUM_THREADS=1, as bench/kernels_langs.sh does, every row is
single-threaded and other processes on shared CPUs do not inflate it):
  call        one arrayshare.Kernel call of cblas_daxpy (n = 16), per call
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


def median(fn, runs, clock=time.process_time):
    return medians([fn], runs, clock)[0]


def medians(fns, runs, clock=time.process_time):
    """Median times of each function, run alternately (one warm-up each)."""
    times = [[] for _ in fns]
    for f in fns:
        f()
    for _ in range(runs):
        for f, t in zip(fns, times):
            t0 = clock()
            f()
            t.append(clock() - t0)
    return [statistics.median(t) for t in times]


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
                     a.runs) / calls
        print(f"RESULT call {per:.9f}")
        x, y = make("x", (a.n,)), make("y", (a.n,))
        if np is not None:
            xa, ya = np.asarray(x), np.asarray(y)
            xa[:] = np.arange(a.n) % 100003 * 0.001
        sin = arrayshare.kernel("libm.so.6", "map double sin(double)")
        fns = [lambda: sin(x, y)]
        if np is not None:
            fns.append(lambda: np.sin(xa, out=ya))
        times = medians(fns, a.runs)
        print(f"RESULT sin {times[0]:.6f}")
        if np is not None:
            print(f"RESULT sin_numpy {times[1]:.6f}")
        A, B, C = make("A", (a.m, a.m)), make("B", (a.m, a.m)), make("C", (a.m, a.m))
        if np is not None:
            for i, M in enumerate((A, B)):
                np.asarray(M)[...] = (np.arange(a.m * a.m).reshape(a.m, a.m)
                                      * 7 + i) % 13 * 0.1
        dgemm = arrayshare.kernel(OPENBLAS, DGEMM, DGEMM_BIND)
        fns = [lambda: dgemm(A, B, C, 1.0, 0.0)]
        if np is not None:
            an, bn, cn = np.asarray(A), np.asarray(B), np.asarray(C)
            fns.append(lambda: np.matmul(an, bn, out=cn))
        times = medians(fns, a.runs)
        print(f"RESULT dgemm {times[0]:.6f}")
        if np is not None:
            print(f"RESULT dgemm_numpy {times[1]:.6f}")
    finally:
        for v in views:
            arrayshare.unlink(v.segment_name)
            v.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
