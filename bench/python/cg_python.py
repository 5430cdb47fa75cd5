#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python operations for instruction counting under callgrind: each runs
OP N times after a warm-up, so that (count(2N) - count(N)) / N is the cost
of one operation (the convention of bench/callgrind/run.py; start-up and
warm-up cancel out).

    cg_python.py OP N
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        /usr/bin/python3 bench/python/cg_python.py pickle-view 2000

Operations (the seed's task argument: a 1-row slice of a (4096, 256)
float64 array, with the value to write):
  pickle-view      pickle.dumps((v[i:i+1], 1.0)), one task per pickle
  unpickle-view    pickle.loads of it, in the process holding the array
  chunk64-dumps    pickle.dumps of a list of 64 such tasks (a Pool chunk)
  chunk64-loads    pickle.loads of it
  name64-dumps     the same 64 tasks as SharedMemory's (name, shape, r0,
  name64-loads     r1, value) tuples (the anchor)
  task-fresh       a worker's task with chunksize=1: pickle.loads of one
                   task, view[...] = value, the view released, in a
                   process that holds nothing else of the segment (so the
                   view attaches from the cache of released mappings and
                   detaches; the segment is made persist, its view closed)
  name-task        the anchor: loads of a (name, shape, r0, r1, value)
                   tuple and the write through a kept ndarray
  elem-get-set     v[i, j] = v[i, j] + 1.0 on the 2-d view
  reattach         arrayshare.attach(name) + close, the mapping kept
  create-unlink    arrayshare.create of 1000 float64 + unlink + close
                   (user-space instructions; the system calls' kernel
                   work is bench_attach.py's to time)
"""
import os
import pickle
import sys

import numpy as np

import arrayshare

SHAPE = (4096, 256)


def _create_unlink(name):
    w = arrayshare.create(name, 1000, "float64")
    arrayshare.unlink(name)
    w.close()


def main():
    op, n = sys.argv[1], int(sys.argv[2])
    name = "cg-py-%d" % os.getpid()
    fresh = op == "task-fresh"
    v = arrayshare.create(name, SHAPE, "float64", persist=fresh)
    try:
        one = pickle.dumps((v[10:11], 1.0), 5)
        chunk = pickle.dumps([(v[i:i + 1], 1.0) for i in range(64)], 5)
        names = pickle.dumps([(name, SHAPE, i, i + 1, 1.0)
                              for i in range(64)], 5)
        task = pickle.dumps((v[10:11], 1.0), 5)
        if fresh:
            v.close()
        kept = np.zeros(SHAPE)
        ntask = pickle.dumps((name, SHAPE, 10, 11, 1.0), 5)

        def task_fresh():
            t = pickle.loads(task)
            t[0][...] = t[1]

        def name_task():
            nm, shape, r0, r1, x = pickle.loads(ntask)
            kept[r0:r1] = x

        ops = {
            "task-fresh": task_fresh,
            "name-task": name_task,
            "pickle-view": lambda: pickle.dumps((v[10:11], 1.0), 5),
            "unpickle-view": lambda: pickle.loads(one),
            "chunk64-dumps": lambda: pickle.dumps(
                [(v[i:i + 1], 1.0) for i in range(64)], 5),
            "chunk64-loads": lambda: pickle.loads(chunk),
            "name64-dumps": lambda: pickle.dumps(
                [(name, SHAPE, i, i + 1, 1.0) for i in range(64)], 5),
            "name64-loads": lambda: pickle.loads(names),
            "reattach": lambda: arrayshare.attach(name).close(),
            "create-unlink": lambda: _create_unlink(name + "-c"),
        }
        if op == "elem-get-set":
            def f():
                for k in range(n):
                    j = k & 255
                    v[7, j] = v[7, j] + 1.0
            f()
            return 0
        fn = ops[op]
        for _ in range(10):
            fn()
        for _ in range(n):
            fn()
    finally:
        v.close()
        try:
            arrayshare.unlink(name)
        except arrayshare.NotFoundError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
