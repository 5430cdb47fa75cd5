#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Kernels across languages: Python creates the arrays, Lua runs
cblas_daxpy on x and y, Ruby runs cblas_dgemm on a and b, C checks every
value. Nothing is copied between processes: each attaches by name.

    . build/ash-env.sh; ASH_CHECKER=build/examples/ash-kernel-check \
        $ASH_PYTHON examples/kernels/scenario.py [--compare]

--compare (the demo) also times the same work done element by element in
Lua and Ruby (into y2 and c2, which C checks too) and with NumPy. BLAS is
Debian's OpenBLAS when it is installed, else the reference functions of the
test kernel library (ASH_TEST_KERNELS), so the test runs everywhere.
Needs ASH_LUA, ASH_RUBY (build/ash-env.sh) and the C checker in ASH_CHECKER
(build/examples/ash-kernel-check).
"""
import argparse
import ctypes
import os
import subprocess
import sys
import time
from typing import Any, Dict, List, Tuple

import arrayshare as ash

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 300


def blas() -> Tuple[str, str, str]:
    """(library, daxpy symbol, dgemm symbol). ASH_SCENARIO_BLAS=test uses
    the test kernels even where OpenBLAS is installed."""
    try:
        if os.environ.get("ASH_SCENARIO_BLAS") == "test":
            raise OSError("the test kernels were asked for")
        ctypes.CDLL("libopenblas.so.0")
        return "libopenblas.so.0", "cblas_daxpy", "cblas_dgemm"
    except OSError:
        lib = os.environ.get("ASH_TEST_KERNELS")
        if not lib:
            sys.exit("scenario: neither libopenblas.so.0 nor ASH_TEST_KERNELS")
        return lib, "tk_axpy", "tk_dgemm"


def run(cmd: List[str]) -> str:
    r = subprocess.run(cmd, timeout=TIMEOUT, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode:
        sys.exit(f"scenario: {os.path.basename(cmd[1])} failed ({r.returncode})")
    return r.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--m", type=int, default=None)
    a = ap.parse_args()
    n = a.n or (2_000_000 if a.compare else 100_003)
    m = a.m or (200 if a.compare else 64)   # a: m x k, b: k x p
    k, p = m * 3 // 4 + 1, m // 2 + 3
    lib, daxpy, dgemm = blas()
    tag = f"kscn{os.getpid()}"
    shapes = {"x": (n,), "y": (n,), "y2": (n,), "a": (m, k), "b": (k, p),
              "c": (m, p), "c2": (m, p)}
    names = {key: f"{tag}{key}" for key in shapes}
    views: Dict[str, ash.View] = {}
    try:
        for key, shape in shapes.items():  # persist: they outlive this process
            views[key] = ash.create(names[key], shape, "float64", persist=True)
        np: Any = None  # the scenario also runs without NumPy
        try:
            import numpy
            np = numpy
        except ImportError:
            pass
        if np is not None:
            x = np.asarray(views["x"])
            x[:] = np.arange(n) % 1000
            np.asarray(views["y"])[:] = 1
            np.asarray(views["y2"])[:] = 1
            i, j = np.indices((m, k))
            np.asarray(views["a"])[...] = (i + j) % 7
            i, j = np.indices((k, p))
            np.asarray(views["b"])[...] = (3 * i + j) % 5
        else:
            for i in range(n):
                views["x"][i] = i % 1000
            views["y"][...] = 1
            views["y2"][...] = 1
            for i in range(m):
                for j in range(k):
                    views["a"][i, j] = (i + j) % 7
            for i in range(k):
                for j in range(p):
                    views["b"][i, j] = (3 * i + j) % 5
        print(f"python {os.getpid()}: created x, y ({n},), a ({m},{k}), "
              f"b ({k},{p}), c ({m},{p}) in /dev/shm; BLAS: {lib}")
        for v in views.values():
            v.close()
        cmp = ["--compare"] if a.compare else []
        run([os.environ.get("ASH_LUA", "lua5.4"), os.path.join(HERE, "daxpy.lua"),
             lib, daxpy, names["x"], names["y"], names["y2"]] + cmp)
        run([os.environ.get("ASH_RUBY", "ruby"), os.path.join(HERE, "dgemm.rb"),
             lib, dgemm, names["a"], names["b"], names["c"], names["c2"]] + cmp)
        if a.compare and np is not None:
            xv, yv = ash.attach(names["x"]), ash.attach(names["y"])
            xs, ys = np.asarray(xv), np.asarray(yv).copy()
            ys += 0.0 * xs  # warm-up, as in Lua
            t0 = time.perf_counter()
            ys += 2.0 * xs
            t_np = time.perf_counter() - t0
            av, bv = ash.attach(names["a"]), ash.attach(names["b"])
            an, bn = np.asarray(av), np.asarray(bv)
            an @ bn
            t0 = time.perf_counter()
            an @ bn
            t_mm = time.perf_counter() - t0
            print(f"python: the same with NumPy: y + 2x {t_np * 1e3:.2f} ms, "
                  f"a @ b {t_mm * 1e3:.2f} ms")
            del xs, an, bn
            for v in (xv, yv, av, bv):
                v.close()
        checker = os.environ.get("ASH_CHECKER")
        if not checker:
            sys.exit("scenario: set ASH_CHECKER to build/examples/ash-kernel-check")
        run([checker, names["x"], names["y"], names["y2"] if a.compare else "-",
             names["a"], names["b"], names["c"], names["c2"] if a.compare else "-"])
    finally:
        ash.clear_cache()
        for nm in names.values():
            try:
                ash.unlink(nm)
            except ash.NotFoundError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
