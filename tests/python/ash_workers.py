# SPDX-License-Identifier: MIT
"""Worker functions for the multiprocessing tests (importable by spawned
children, so they live at module top level, outside the test modules)."""
import os

import arrayshare


def fill_slice(v):
    """Writes 100 + its index (taken from the view's offset) into a 1-element
    slice of a float64 view; returns the pid and the descriptor seen."""
    i = v.offset // v.itemsize
    v[0] = 100.0 + i
    return os.getpid(), v.descriptor


def fill_rows(args):
    v, value = args
    v[...] = value
    return v.shape


def read_sum(v):
    return sum(v.tolist())


def mappings_of(name):
    """Regions of this process's address space that map segment ``name``,
    found by inode (a creator's mapping shows the nameless file it was
    built in); a region split by mprotect counts once."""
    try:
        ino = os.stat("/dev/shm/ash." + name).st_ino
    except FileNotFoundError:
        return 0
    n, prev = 0, None
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and int(parts[4]) == ino:
                lo, hi = parts[0].split("-")
                if lo != prev:
                    n += 1
                prev = hi
    return n


def cache_probe(views, name):
    """Unpickled in a worker: how many mappings of the segment does it make
    for all these views?"""
    for v in views:
        v[0] = v[0] + 1
    for v in views:
        v.close()
    return mappings_of(name), os.getpid()


def row_number(v):
    """A Pool task: writes its row's number (from the view's offset) into
    every element of its 1-row slice."""
    v[...] = float(v.offset // (v.itemsize * v.shape[1]))


def attach_and_write(name, value):
    v = arrayshare.attach(name)
    v[...] = value
    v.close()
    return True


def raise_index(v):
    return v[10 ** 6]


def pool_idiom(method, names):
    """The with-Pool idiom, once per name: prints "ok" when every row of
    the shared array was written by the workers."""
    import multiprocessing as mp
    for name in names:
        with mp.get_context(method).Pool(2) as p:
            v = arrayshare.create(name, (16, 1024), "float64")
            p.map(row_number, [v[i:i + 1] for i in range(16)])
            ok = v[15, 1023] == 15.0 and v[3, 0] == 3.0
            v.close()
        print("ok" if ok else "wrong", flush=True)


def nd_row_number(a):
    """A Pool task on an arrayshare.ndarray slice (1 row of a 2-d array),
    with plain NumPy: writes the row's number into it, found from where its
    memory is (arrayshare.view_of)."""
    import numpy as np
    v = arrayshare.view_of(a)
    a[...] = np.float64(v.offset // (v.itemsize * a.shape[1]))
    return type(a).__name__


def add_one(x):
    """In place, through NumPy's operators: x is a View or an ndarray."""
    x += 1
    return type(x).__name__
