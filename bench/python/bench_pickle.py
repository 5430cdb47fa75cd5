#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What a task argument costs to pickle and unpickle: an arrayshare view (a
1-row slice of a (4096, 256) float64 array, as the seed's task sends), an
arrayshare.ndarray slice, and what SharedMemory users send instead, the
tuple (name, shape, r0, r1, value).

Per operation, process CPU time (other processes on shared CPUs do not
inflate it), median of --runs runs of --iters operations:

  size        bytes of pickle.dumps((arg, 1.0), protocol 5)
  dumps       pickle.dumps((arg, 1.0)) with a fresh slice each time
              (what Pool's task handler does per task)
  loads hot   pickle.loads in the process that holds the array (the
              mapping and its attachment are there)
  loads+use   in a child process that keeps no view of the segment between
              tasks (a Pool worker with chunksize=1): loads, one write,
              release, i.e. attach and detach every time
  loads kept  the same in a child that keeps another view of the segment
              alive (a worker in the middle of a chunk)

    PYTHONPATH=build/python /usr/bin/python3 bench/python/bench_pickle.py
    options: --iters N (default 20000), --runs R (7), --quick
"""
import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time

import numpy as np

import arrayshare

SHAPE = (4096, 256)


def per_op_us(fn, iters, runs):
    out = []
    for _ in range(runs):
        t0 = time.process_time_ns()
        for _ in range(iters):
            fn()
        out.append((time.process_time_ns() - t0) / iters / 1e3)
    return statistics.median(out)


def child(blobs, iters, runs):
    """In a process that has not mapped the segment yet."""
    res = {}
    for kind, blob in blobs.items():
        if kind == "name":
            cache = {}

            def use():
                (name, shape, r0, r1), v = pickle.loads(blob)
                a = cache.get(name)
                if a is None:
                    from multiprocessing import resource_tracker, shared_memory
                    shm = shared_memory.SharedMemory(name=name)
                    # this process is not its owner: keep the tracker from
                    # unlinking it at exit
                    resource_tracker.unregister(shm._name, "shared_memory")
                    a = cache[name] = np.ndarray(shape, np.float64,
                                                 buffer=shm.buf)
                    cache["shm"] = shm
                a[r0:r1] = v
            use()
            res[kind] = {"loads+use": per_op_us(use, iters, runs)}
            continue

        def use():
            x, v = pickle.loads(blob)
            x[...] = v
        use()
        r = {"loads+use": per_op_us(use, iters, runs)}
        keep = pickle.loads(blob)[0]
        r["loads kept"] = per_op_us(use, iters, runs)
        del keep
        res[kind] = r
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.iters, args.runs = 1000, 3
    if args.child:
        blobs = {k: bytes.fromhex(v) for k, v in json.loads(args.child).items()}
        print(json.dumps(child(blobs, args.iters, args.runs)))
        return 0
    pid = os.getpid()
    name = "bench-pickle-%d" % pid
    shm_name = "bench_pickle_%d" % pid
    v = arrayshare.create(name, SHAPE, "float64")
    from multiprocessing import shared_memory
    shm = shared_memory.SharedMemory(shm_name, create=True,
                                     size=SHAPE[0] * SHAPE[1] * 8)
    try:
        has_nd = hasattr(arrayshare, "view_of")
        subjects = {"view": lambda: v[10:11]}
        if has_nd:
            a = v.ndarray()
            subjects["ndarray"] = lambda: a[10:11]
        subjects["name"] = lambda: (shm_name, SHAPE, 10, 11)
        res, blobs = {}, {}
        for kind, make in subjects.items():
            blob = pickle.dumps((make(), 1.0), 5)
            blobs[kind] = blob.hex()
            r = {"size": len(blob)}
            r["dumps"] = per_op_us(lambda: pickle.dumps((make(), 1.0), 5),
                                   args.iters, args.runs)
            r["loads hot"] = per_op_us(lambda: pickle.loads(blob),
                                       args.iters, args.runs)
            res[kind] = r
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child",
             json.dumps(blobs), "--iters", str(args.iters // 4),
             "--runs", str(args.runs)],
            capture_output=True, text=True, timeout=600)
        if out.returncode:
            sys.exit(out.stderr)
        for kind, r in json.loads(out.stdout).items():
            res[kind].update(r)
        print("a task argument, per operation (us, process CPU time, median "
              "of %d x %d); load %.1f" % (args.runs, args.iters,
                                          os.getloadavg()[0]))
        cols = ["size", "dumps", "loads hot", "loads+use", "loads kept"]
        print("%-9s" % "" + "".join("%11s" % c for c in cols))
        for kind, r in res.items():
            print("%-9s" % kind + "".join(
                ("%11d" % r[c] if c == "size" else "%11.2f" % r[c])
                if c in r else "%11s" % "-" for c in cols))
    finally:
        v.close()
        shm.close()
        shm.unlink()
        try:
            arrayshare.unlink(name)
        except arrayshare.NotFoundError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
