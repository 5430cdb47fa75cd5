#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cross-language pair, Python side: see README.md beside this file.

    pair.py SPEC lead NAME FOLLOWER-COMMAND...
    pair.py SPEC follow NAME
"""
import gc
import json
import os
import subprocess
import sys

import numpy as np

import arrayshare as ash


def expected(a, key):
    vals = a[key]
    if a["dtype"].startswith("complex"):
        vals = [complex(re, im) for re, im in vals]
    return np.array(vals, dtype=a["dtype"]).reshape(
        a["shape"] if key != "write" else -1)


def check(arr, a, key, who):
    want = expected(a, key).reshape(a["shape"])
    if arr.dtype != np.dtype(a["dtype"]) or list(arr.shape) != a["shape"]:
        print(f"pair-python {who}: {a['name']} is {arr.dtype} {arr.shape}",
              file=sys.stderr)
        return 1
    if not np.array_equal(arr, want):
        print(f"pair-python {who}: {a['name']} = {arr.tolist()}, "
              f"expected {want.tolist()}", file=sys.stderr)
        return 1
    return 0


def lead(spec, name, cmd):
    name = f"{name}_{os.getpid()}"
    arrays = spec["arrays"]
    bad = 0
    seg = ash.Segment.create(
        name, arrays=[(a["name"], tuple(a["shape"]), a["dtype"]) for a in arrays])
    for a in arrays:
        with seg[a["name"]] as v:
            np.asarray(v)[...] = expected(a, "initial").reshape(a["shape"])
    follower = subprocess.run(cmd + [name])
    if follower.returncode != 0:
        print(f"pair-python lead: the follower failed ({follower.returncode})",
              file=sys.stderr)
        bad = 1
    for a in arrays:
        with seg[a["name"]] as v:
            arr = np.asarray(v)
            bad |= check(arr, a, "final", "lead")
            del arr
    seg.close()  # policy auto: the last attacher unlinks
    gc.collect()
    if os.path.exists(f"/dev/shm/ash.{name}"):
        print(f"pair-python lead: {name} still exists after the last close",
              file=sys.stderr)
        bad = 1
    print("pair lead python:", "FAIL" if bad else "ok")
    return bad


def follow(spec, name):
    bad = 0
    with ash.Segment.open(name) as seg:
        names = seg.arrays
        if names != [a["name"] for a in spec["arrays"]]:
            print(f"pair-python follow: arrays {names}", file=sys.stderr)
            return 1
        for a in spec["arrays"]:
            with seg[a["name"]] as v:
                arr = np.asarray(v)  # dtype and shape come from the segment
                bad |= check(arr, a, "initial", "follow")
                del arr
            with ash.attach(f"{name}/{a['name']}{a['index']}") as w:
                np.asarray(w)[...] = expected(a, "write").reshape(w.shape)
    print("pair follow python:", "FAIL" if bad else "ok")
    return bad


def main(argv):
    spec = json.load(open(argv[1]))
    if argv[2] == "lead":
        return lead(spec, argv[3], argv[4:])
    return follow(spec, argv[3])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
