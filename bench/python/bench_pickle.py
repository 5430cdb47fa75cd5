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

Then a Pool chunk (512 tasks of a 4096-task map with Pool.map's default
chunking): per task, building the list of task arguments, dumps of the
chunk, loads of it (in the process holding the array), for the view, the
ndarray slice, the name tuple (the anchor), and two objects that only
carry the rows, to show the floor of sending any object per task: a
range(r0, r1) (a C type that pickles by __reduce__) and a small Python
class with __reduce__ (what a user who wraps the tuple writes). Pickle
saves such an object as its class, its arguments and a REDUCE, and
memoizes it: that, not the library, is what separates an object per task
from a tuple of ints.

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


class Rows:
    """A task's rows as a Python object pickled by __reduce__."""
    __slots__ = ("name", "shape", "r0", "r1")

    def __init__(self, name, shape, r0, r1):
        self.name, self.shape, self.r0, self.r1 = name, shape, r0, r1

    def __reduce__(self):
        return (Rows, (self.name, self.shape, self.r0, self.r1))


def chunk_table(v, shm_name, runs):
    """Per task of a 512-task chunk: build, dumps, loads (us)."""
    n, sh = 512, SHAPE
    kinds = {"view": lambda: [(v[k:k + 1], 1.0) for k in range(n)]}
    if hasattr(arrayshare, "view_of"):
        a = v.ndarray()
        kinds["ndarray"] = lambda: [(a[k:k + 1], 1.0) for k in range(n)]
    kinds["name"] = lambda: [(shm_name, sh, k, k + 1, 1.0) for k in range(n)]
    kinds["range"] = lambda: [(range(k, k + 1), 1.0) for k in range(n)]
    kinds["Rows"] = lambda: [(Rows(shm_name, sh, k, k + 1), 1.0)
                             for k in range(n)]
    out = {}
    for kind, make in kinds.items():
        tasks = make()
        blob = pickle.dumps(tasks, 5)
        out[kind] = {"bytes/task": len(blob) / n,
                     "build": per_op_us(make, 20, runs) / n,
                     "dumps": per_op_us(lambda: pickle.dumps(tasks, 5), 20,
                                        runs) / n,
                     "loads": per_op_us(lambda: pickle.loads(blob), 20,
                                        runs) / n}
        del tasks
    return out


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
        ch = chunk_table(v, shm_name, args.runs)
        print("\nper task of a 512-task Pool chunk (us, process CPU time, "
              "median of %d)" % args.runs)
        cols = ["bytes/task", "build", "dumps", "loads"]
        print("%-9s" % "" + "".join("%11s" % c for c in cols) +
              "%11s" % "sum" + "%11s" % "/ name")
        for kind, r in ch.items():
            tot = r["build"] + r["dumps"] + r["loads"]
            base = sum(ch["name"][c] for c in cols[1:])
            print("%-9s" % kind + "%11.1f" % r["bytes/task"] + "".join(
                "%11.3f" % r[c] for c in cols[1:]) + "%11.3f%10.2fx" % (
                    tot, tot / base))
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
