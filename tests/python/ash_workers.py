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


def cache_probe(views):
    """Unpickled in a worker: how many segments does its cache hold?"""
    for v in views:
        v[0] = v[0] + 1
    return len(arrayshare._cache), os.getpid()


def attach_and_write(name, value):
    v = arrayshare.attach(name)
    v[...] = value
    v.close()
    return True


def raise_index(v):
    return v[10 ** 6]
