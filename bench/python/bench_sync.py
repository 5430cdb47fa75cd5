#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Coordination from Python against multiprocessing's primitives, in the
same run, medians of several runs.

1. uncontended ``with v.lock(): pass`` against ``with multiprocessing.Lock():
   pass`` (process CPU time per operation; target: faster);
2. two processes each adding 1 to a shared counter N times (default
   100,000): ``with v.lock(): v[0] += 1`` and ``v.atomic_add(0)`` against
   ``multiprocessing.Array("q", 1)`` with ``get_lock()`` (wall-clock time
   from the start signal to both processes done; the count must be exact;
   target: the lock faster than mp.Array + get_lock(), atomics faster
   again).

    PYTHONPATH=build/python /usr/bin/python3 bench/python/bench_sync.py
    options: --n N (increments per process), --runs R (default 5), --quick
"""
import argparse
import multiprocessing as mp
import os
import statistics
import time

import arrayshare


def per_op_ns(fn, iters, runs):
    out = []
    for _ in range(runs):
        t0 = time.process_time_ns()
        fn(iters)
        out.append((time.process_time_ns() - t0) / iters)
    return statistics.median(out)


def ours_uncontended(v):
    def loop(n):
        for _ in range(n):
            with v.lock():
                pass
    return loop


def mp_uncontended(lk):
    def loop(n):
        for _ in range(n):
            with lk:
                pass
    return loop


# -- two processes -------------------------------------------------------------

def inc_lock(desc, n, go):
    v = arrayshare.attach(desc)
    go.wait()
    for _ in range(n):
        with v.lock():
            v[0] += 1


def inc_atomic(desc, n, go):
    v = arrayshare.attach(desc)
    go.wait()
    for _ in range(n):
        v.atomic_add(0)


def inc_mp(arr, n, go):
    go.wait()
    for _ in range(n):
        with arr.get_lock():
            arr[0] += 1


def two_processes(target, arg, n, ctx):
    go = ctx.Event()
    ps = [ctx.Process(target=target, args=(arg, n, go)) for _ in range(2)]
    for p in ps:
        p.start()
    time.sleep(0.2)  # both started and attached
    t0 = time.perf_counter()
    go.set()
    for p in ps:
        p.join()
        if p.exitcode:
            raise SystemExit("a worker failed")
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.n, a.runs = 5000, 1
    ctx = mp.get_context("fork")
    name = "ashbench-pysync-%d" % os.getpid()
    v = arrayshare.create(name, 2, "int64")
    try:
        iters = 20000 if a.quick else 200000
        ours = per_op_ns(ours_uncontended(v), iters, a.runs)
        theirs = per_op_ns(mp_uncontended(ctx.Lock()), iters, a.runs)
        print("%-40s %8.0f ns  %8.0f ns  ratio %.2f  target < 1"
              % ("with v.lock(): pass / mp.Lock", ours, theirs, ours / theirs))
        rows = {"lock": [], "atomic": [], "mp": []}
        for _ in range(a.runs):
            for key, fn, arg in (("lock", inc_lock, v.descriptor),
                                 ("atomic", inc_atomic, v.descriptor)):
                v[0] = 0
                rows[key].append(two_processes(fn, arg, a.n, ctx))
                if v[0] != 2 * a.n:
                    raise SystemExit("%s: count %d, expected %d"
                                     % (key, v[0], 2 * a.n))
            arr = ctx.Array("q", 1)
            rows["mp"].append(two_processes(inc_mp, arr, a.n, ctx))
            if arr[0] != 2 * a.n:
                raise SystemExit("mp.Array: count %d" % arr[0])
        med = {k: statistics.median(x) for k, x in rows.items()}
        print("%-40s %8.3f s   %8.3f s   ratio %.2f  target < 1"
              % ("2 x %d: v.lock() / mp.Array+get_lock" % a.n, med["lock"],
                 med["mp"], med["lock"] / med["mp"]))
        print("%-40s %8.3f s   %8.3f s   ratio %.2f  target < lock's"
              % ("2 x %d: v.atomic_add / mp.Array+get_lock" % a.n,
                 med["atomic"], med["mp"], med["atomic"] / med["mp"]))
    finally:
        v.close()
        try:
            arrayshare.unlink(name)
        except arrayshare.NotFoundError:
            pass


if __name__ == "__main__":
    main()
