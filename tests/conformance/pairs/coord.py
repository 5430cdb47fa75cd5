#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cross-language coordination pair, Python side: see coord.json and
README.md beside this file.

    coord.py SPEC lead NAME FOLLOWER-COMMAND...
    coord.py SPEC follow NAME
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

import arrayshare as ash


def payload(n, i):
    p = np.arange(n, dtype=np.int64) * 7 + i * 1000003
    p[-1] = p[:-1].sum()
    return p


def check(arr, n, i, what, who):
    if not np.array_equal(np.asarray(arr).reshape(-1), payload(n, i)):
        print(f"coord-python {who}: {what} {i} has a wrong payload or "
              "checksum", file=sys.stderr)
        return 1
    return 0


def count(counter, spec):
    for _ in range(spec["increments"]):
        with counter.lock(timeout=spec["timeout"]):
            counter[0] += 1
        counter.atomic_add(1)


def lead(spec, base, cmd):
    name = f"{base}_{os.getpid()}"
    t, bad = spec["timeout"], 0
    size = sum(ash.arena_bytes(n, "int64") for n in (spec["data_len"], 1, 2))
    size += ash.core.ash_ring_arena_bytes(ash.core.ASH_INT64,
                                          [spec["slot_len"]], spec["nslots"], 0)
    seg = ash.Segment.create(name, size=size, capacity=4)
    data = seg.add_array("data", spec["data_len"], "int64")
    ack = seg.add_array("ack", 1, "int64")
    counter = seg.add_array("counter", 2, "int64")
    ring = ash.Ring.create(seg, "ring", spec["slot_len"], "int64",
                           spec["nslots"], backpressure=True)
    follower = subprocess.Popen(cmd + [name])
    ackver = 0
    for i in range(1, spec["versions"] + 1):
        with data.writing(timeout=t):
            np.asarray(data)[...] = payload(spec["data_len"], i)
        while ack.atomic_load(0) < i:
            ackver = ack.wait_change(ackver, timeout=t)
            if ackver is None:
                print("coord-python lead: no ack", file=sys.stderr)
                return 1
    deadline = time.monotonic() + t
    while ring.consumers < 1:
        if time.monotonic() > deadline:
            print("coord-python lead: no ring consumer", file=sys.stderr)
            return 1
        time.sleep(0.01)
    for i in range(1, spec["slots"] + 1):
        ring.write(payload(spec["slot_len"], i), timeout=t)
    count(counter, spec)
    if follower.wait() != 0:
        print(f"coord-python lead: the follower failed ({follower.returncode})",
              file=sys.stderr)
        bad = 1
    want = 2 * spec["increments"]
    if (counter[0], counter[1]) != (want, want):
        print(f"coord-python lead: counters {counter[0]} {counter[1]}, "
              f"expected {want}", file=sys.stderr)
        bad = 1
    ring.close()
    for v in (data, ack, counter):
        v.close()
    seg.close()
    print("coord lead python:", "FAIL" if bad else "ok")
    return bad


def follow(spec, name):
    t, bad, ver = spec["timeout"], 0, 0
    with ash.Segment.open(name) as seg, seg["data"] as data, \
            seg["ack"] as ack, seg["counter"] as counter, \
            ash.Ring.attach(name + "/ring", consumer=True) as ring:
        for i in range(1, spec["versions"] + 1):
            if data.wait_change(ver, timeout=t) is None:
                print("coord-python follow: no version", file=sys.stderr)
                return 1
            ver, copy = data.snapshot(timeout=t)
            if ver != i:
                print(f"coord-python follow: version {ver}, expected {i}",
                      file=sys.stderr)
                return 1
            bad |= check(copy, spec["data_len"], i, "version", "follow")
            ack.atomic_store(0, i)
            ack.notify()
        for i in range(1, spec["slots"] + 1):
            got = ring.read(timeout=t)
            if got is None or got[0] != i - 1:
                print(f"coord-python follow: slot {got and got[0]}, "
                      f"expected {i - 1}", file=sys.stderr)
                return 1
            bad |= check(got[1], spec["slot_len"], i, "slot", "follow")
        if ring.missed:
            print("coord-python follow: missed slots", file=sys.stderr)
            bad = 1
        count(counter, spec)
    print("coord follow python:", "FAIL" if bad else "ok")
    return bad


def main(argv):
    spec = json.load(open(argv[1]))
    if argv[2] == "lead":
        return lead(spec, argv[3], argv[4:])
    return follow(spec, argv[3])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
