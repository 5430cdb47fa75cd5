# SPDX-License-Identifier: MIT
"""Type-checked with mypy --strict against the package's stubs (CTest
python.mypy): the documented API, as users write it. Not run."""
import asyncio
import multiprocessing as mp
import pickle
from typing import Any, List, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

import arrayshare
from arrayshare import core


def work(part: arrayshare.ndarray) -> float:
    part[...] = 1.0
    return float(part.sum())


def row(v: arrayshare.View) -> Tuple[int, ...]:
    v += 1
    return v.shape


def main(name: str) -> None:
    v: arrayshare.View = arrayshare.create(name, (100, 4), "float64")
    w = arrayshare.attach(name, readonly=True, noattach=False)
    seg: arrayshare.Segment = v.segment()
    assert v.dtype == np.float64 and v.dtype.itemsize == 8
    d: arrayshare.DType = v.dtype
    nd: np.dtype[np.float64] = np.dtype(np.float64)
    print(d == nd, v.numpy_dtype, arrayshare.DTYPES[0].kind)
    x: float = float(v[0, 0:1])
    n: int = int(v[0, 0:1]) + len(v) + v.ndim + v.size
    total = v.sum()
    mask: npt.NDArray[np.bool_] = v == 1.0
    s: npt.NDArray[np.float64] = v + 1
    v *= 2
    a: arrayshare.ndarray = v.ndarray()
    b = arrayshare.ndarray(name)
    c: arrayshare.View = arrayshare.view_of(a[1:3])
    t: arrayshare.View = v.T.transpose(1, 0).reshape(400)[::2].view("int64")
    with mp.get_context("spawn").Pool(2) as pool:
        got: List[float] = pool.map(work, [a[i:i + 1] for i in range(100)])
        pool.map(row, [v[i] for i in range(100)])
    blob: bytes = pickle.dumps(v[3:4])
    back = pickle.loads(blob)
    assert isinstance(back, arrayshare.View)
    with arrayshare.Segment.create(name + "-s", arrays={"a": ((2, 2), "i4")},
                                   arena_bytes=4096, max_arrays=4,
                                   or_open=True) as s2:
        lab: arrayshare.View = s2.add_array("labels", 10)
        first: arrayshare.View = s2.view()
        maybe: Optional[arrayshare.View] = s2.get("nope")
        names: List[str] = s2.arrays
        alive, dead = s2.attachers
        print(lab.shape, first.shape, maybe, names, alive + dead, s2.policy)
        s2.unlink()
    ok: bool = arrayshare.unlink(name, missing_ok=True)
    there: bool = arrayshare.exists(name)
    h = core.ash_attach(name, core.ASH_RDONLY)
    sz: int = core.ash_view_size(h)
    shape: List[int] = core.ash_view_shape(h)
    core.ash_view_release(h)
    try:
        arrayshare.attach(name)
    except arrayshare.NotFoundError as exc:
        code: Optional[int] = exc.code
        print(code, exc.detail)
    print(x, n, total, mask, s, b, c, t, got, seg.name, w.readonly, ok,
          there, sz, shape, arrayshare.arena_bytes(10), arrayshare.ls())
    seg.close()
    v.close()


async def follow(v: arrayshare.View, version: int) -> Optional[int]:
    return await v.wait_change_async(version, timeout=0.5)


def coordinate(name: str) -> None:
    seg = arrayshare.Segment.create(name, arrays={"a": (4, "int64"),
                                                  "b": (4, "uint64")},
                                   arena_bytes=1 << 16)
    a, b = seg["a"], seg["b"]
    lk: arrayshare.Lock
    with a.lock(timeout=1.0) as lk:
        held: bool = lk.held
        a[0] += 1
    maybe: Optional[arrayshare.Lock] = a.try_lock(repair=lambda: None)
    if maybe is not None:
        maybe.release()
    try:
        a.lock(0.5).release()
    except arrayshare.OwnerDeadError as e:
        e.lock.consistent()
        e.lock.release()
    except (arrayshare.TimeoutError, arrayshare.DeadlockError,
            arrayshare.NotRecoverableError, arrayshare.NotOwnerError):
        pass
    with seg.lock(timeout=1, repair=lambda: None) as sl:
        print(sl.held, seg.lock_state)
    state, pid = a.lock_state
    with a.writing() as w:
        a[...] = [1, 2, 3, 4]
        died: bool = w.owner_died
    version: int = a.version
    seen, copy = a.snapshot(timeout=1)
    if isinstance(copy, bytes):
        raw: bytes = copy
    else:
        arr: npt.NDArray[Any] = copy
    later: Optional[int] = a.wait_change(version, timeout=0.01)
    changed = asyncio.run(follow(a, version))
    woke: int = a.notify(all=False)
    old: int = a.atomic_add(0) + a.atomic_sub(1, 2) + a.atomic_cas((2,), 0, 7)
    a.atomic_store(3, 5)
    u: int = b.atomic_or(0, 2**63) + b.atomic_load([1])
    olds: List[int] = a.atomic_many("xor", [0, 1], [1, 2]) + \
        a.atomic_add_many(np.array([0, 0, 3]), 1)
    which: Optional[int] = arrayshare.wait_any([(a, a.version), (b, 0)],
                                               timeout=0.01)
    with arrayshare.Ring.create(seg, "frames", (2, 3), "float32", 4,
                                backpressure=True) as p, \
            arrayshare.Ring.attach(name + "/frames", consumer=True) as c:
        p.write(np.zeros((2, 3), np.float32))
        p.write(bytes(24), timeout=0.5)
        with p.write_slot() as slot:
            slot[...] = 1.5
        got: Optional[Tuple[int, Union[npt.NDArray[Any], bytes]]] = c.read(0.1)
        with c.read_slot(timeout=1) as (seq, view):
            first: float = float(view[0, 0])
        counts: int = c.missed + c.cursor + p.head + p.nslots + p.slot_nbytes
        ppid, alive = p.producer
        ring_view: arrayshare.View = p.view
    try:
        arrayshare.Ring.attach(name + "/nope")
    except (arrayshare.OverrunError, arrayshare.TornError,
            arrayshare.NotFoundError) as exc:
        print(exc.code)
    print(held, state, pid, died, seen, later, changed, woke, old, u, olds,
          which, got, seq, first, counts, ppid, alive, ring_view, maybe)
    seg.unlink()
    seg.close()


if __name__ == "__main__":
    main("typing-example")
    coordinate("typing-sync")
