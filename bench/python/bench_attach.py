#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Attach and create costs against multiprocessing.shared_memory.

1. attach: ``arrayshare.attach(name)`` + ``numpy.asarray`` + close, against
   ``SharedMemory(name=...)`` + ``np.ndarray(buffer=shm.buf)`` + close.
   The segment exists and nothing in this process maps it between
   iterations, so every iteration really maps it (arrayshare: a "persist"
   segment, so closing the last view does not remove it).
2. create: ``arrayshare.create`` + unlink + close, against
   ``SharedMemory(create=True)`` + unlink + close.

Anchors are measured in the same run, as users run them (SharedMemory
registers every segment it opens with multiprocessing's resource_tracker: a
message to the tracker process). The registrations made by the attach loop
are withdrawn once at the end, so the tracker neither unlinks anything nor
warns at exit. For information the anchors are also measured with the
tracker calls disabled ("no tracker": faster than real use). Prints the
median of several runs in microseconds per operation and the ratios
(target: <= 1.0 against the anchor as users run it).

    PYTHONPATH=build-py/python /usr/bin/python3 bench/python/bench_attach.py
    options: --iters K (per run, default 2000), --runs R (default 7),
             --shape N (float64 elements, default 1000), --quick
"""
import argparse
import os
import statistics
import sys
import time
from multiprocessing import resource_tracker, shared_memory

import numpy as np

import arrayshare


def per_op_us(fn, iters):
    t0 = time.perf_counter_ns()
    for _ in range(iters):
        fn()
    return (time.perf_counter_ns() - t0) / iters / 1000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--shape", type=int, default=1000)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.iters, args.runs = 200, 3
    n, pid = args.shape, os.getpid()
    nbytes = n * 8
    ash_name = "bench-attach-%d" % pid
    shm_name = "bench_attach_shm_%d" % pid
    ash_new = "bench-create-%d" % pid
    shm_new = "bench_create_shm_%d" % pid

    real = (resource_tracker.register, resource_tracker.unregister)

    def tracker(on):
        if on:
            resource_tracker.register, resource_tracker.unregister = real
        else:
            resource_tracker.register = lambda *a, **k: None
            resource_tracker.unregister = lambda *a, **k: None

    created = []
    try:
        arrayshare.create(ash_name, n, "float64", persist=True).close()
        created.append(("ash", ash_name))
        tracker(False)
        s = shared_memory.SharedMemory(shm_name, create=True, size=nbytes)
        s.close()
        tracker(True)
        created.append(("shm", shm_name))

        def ash_attach():
            v = arrayshare.attach(ash_name)
            a = np.asarray(v)
            v.close()
            del a

        def shm_attach():
            m = shared_memory.SharedMemory(name=shm_name)
            a = np.ndarray((n,), np.float64, buffer=m.buf)
            del a
            m.close()

        def ash_create():
            v = arrayshare.create(ash_new, n, "float64")
            arrayshare.unlink(ash_new)
            v.close()

        def shm_create():
            m = shared_memory.SharedMemory(shm_new, create=True, size=nbytes)
            m.unlink()
            m.close()

        subjects = {"attach": (ash_attach, shm_attach),
                    "create": (ash_create, shm_create)}
        res = {k: ([], [], []) for k in subjects}
        for fn in (ash_attach, shm_attach, ash_create, shm_create):
            fn()  # warm up (starts the tracker process)
        for _ in range(args.runs):
            for k, (ours, anchor) in subjects.items():
                res[k][0].append(per_op_us(ours, args.iters))
                res[k][1].append(per_op_us(anchor, args.iters))
                tracker(False)
                res[k][2].append(per_op_us(anchor, args.iters))
                tracker(True)
        resource_tracker.unregister("/" + shm_name, "shared_memory")
        print("float64[%d] (%d bytes), %d iterations x %d runs, median us/op"
              % (n, nbytes, args.iters, args.runs))
        for k in subjects:
            ours, anchor, bare = (statistics.median(x) for x in res[k])
            print("  %-6s arrayshare %6.2f  SharedMemory %6.2f  ratio %.2f "
                  "(target <= 1.0) %-6s | no tracker: %6.2f, ratio %.2f"
                  % (k, ours, anchor, ours / anchor,
                     "OK" if ours <= anchor else "SLOWER", bare, ours / bare))
    finally:
        tracker(True)
        for kind, nm in created:
            try:
                if kind == "ash":
                    arrayshare.unlink(nm)
                else:
                    shared_memory._posixshmem.shm_unlink("/" + nm)
            except (OSError, arrayshare.Error):
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
