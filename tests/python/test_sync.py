# SPDX-License-Identifier: MIT
"""Coordination from Python: locks (with, owner death, threads, the GIL),
versions and snapshots, wait_change (also from asyncio), notify, wait_any,
element atomics and rings."""
import asyncio
import multiprocessing as mp
import sys
import threading
import time

import pytest

import arrayshare
from conftest import needs_numpy
import sync_workers


@pytest.fixture
def counter(name):
    with arrayshare.create(name, 4, "int64") as v:
        yield v


def test_lock_is_a_context_manager(counter):
    with counter.lock(timeout=1) as lk:
        assert lk.held
        assert counter.lock_state[0] == "held"
        with pytest.raises(arrayshare.DeadlockError):
            counter.lock(timeout=0.01)
        counter[0] += 1
    assert not lk.held
    assert counter.lock_state == ("free", 0)
    with pytest.raises(arrayshare.NotOwnerError) as e:
        counter.unlock()
    assert isinstance(e.value, RuntimeError)
    assert counter.try_lock() is not None
    counter.unlock()


def test_threads_exclude_each_other_and_the_gil_is_released(counter):
    lk = counter.lock()
    ticks, got = [], []

    def waiter():
        with counter.lock(timeout=5):
            got.append(counter[1])

    t = threading.Thread(target=waiter)
    t.start()
    for _ in range(5):  # the main thread runs while the other waits
        ticks.append(1)
        time.sleep(0.01)
    assert got == []
    counter[1] = 7
    lk.release()
    t.join(5)
    assert got == [7] and len(ticks) == 5


def test_timeout_raises_the_builtin_too(counter):
    lk = counter.lock()
    t0 = time.monotonic()
    result = []
    th = threading.Thread(target=lambda: result.append(
        pytest.raises(TimeoutError, counter.lock, timeout=0.1)))
    th.start()
    th.join(5)
    assert 0.09 <= time.monotonic() - t0 < 2
    assert isinstance(result[0].value, arrayshare.TimeoutError)
    lk.release()


def test_owner_death_hands_over_with_the_lock_held(counter):
    ready = mp.get_context("fork").Event()
    p = mp.get_context("fork").Process(
        target=sync_workers.hold_and_die, args=(counter.descriptor, ready))
    p.start()
    p.join(10)
    assert counter.lock_state[0] == "owner_dead"
    with pytest.raises(arrayshare.OwnerDeadError) as e:
        counter.lock(timeout=5)
    assert e.value.lock.held and counter.lock_state[0] == "inconsistent"
    e.value.lock.consistent()
    e.value.lock.release()
    # repair= does the dance itself
    p = mp.get_context("fork").Process(
        target=sync_workers.hold_and_die, args=(counter.descriptor, ready))
    p.start()
    p.join(10)
    repaired = []
    with counter.lock(timeout=5, repair=lambda: repaired.append(1)):
        assert counter.lock_state[0] == "held"
    assert repaired == [1]


def test_not_consistent_is_not_recoverable(counter):
    ready = mp.get_context("fork").Event()
    p = mp.get_context("fork").Process(
        target=sync_workers.hold_and_die, args=(counter.descriptor, ready))
    p.start()
    p.join(10)
    with pytest.raises(arrayshare.OwnerDeadError) as e:
        counter.lock()
    e.value.lock.release()
    with pytest.raises(arrayshare.NotRecoverableError):
        counter.lock(timeout=0.1)


@needs_numpy
def test_versions_snapshots_and_waits(counter):
    import numpy as np
    assert counter.version == 0
    with counter.writing() as w:
        assert not w.owner_died
        counter[...] = 5
    assert counter.version == 1
    version, copy = counter.snapshot()
    assert version == 1 and copy.tolist() == [5, 5, 5, 5]
    assert copy.dtype == np.int64 and not copy.flags.writeable
    assert counter.wait_change(1, timeout=0.02) is None
    assert counter.wait_change(0, timeout=0.02) == 1

    def publish():
        time.sleep(0.05)
        with counter.writing():
            counter[0] = 9

    t = threading.Thread(target=publish)
    t.start()
    assert counter.wait_change(1, timeout=5) == 2
    t.join()
    assert counter.notify() == 0  # nobody waits
    assert counter.version == 3


def test_low_level_results_are_tuples(counter, names):
    """The generated module's pairs of results are tuples, as documented
    (docstrings, arrayshare_core.pyi), the copies' too."""
    core = arrayshare.core
    with counter.writing():
        counter[...] = 3
    got = core.ash_view_read_snapshot(counter, counter.nbytes, 1.0)
    assert type(got) is tuple
    assert got == ((3).to_bytes(8, sys.byteorder) * 4, 1)
    assert core.ash_view_lock_state(counter) == (core.ASH_LOCK_FREE, 0)
    n = names()
    with arrayshare.Ring.create(n, "r", 2, "int16", 2) as p, \
            arrayshare.Ring.attach(n + "/r") as c:
        p.write(bytes([1, 2, 3, 4]))
        got = core.ash_ring_read(c._h, 4, 1.0)
        assert type(got) is tuple and got == (bytes([1, 2, 3, 4]), 0)
        assert type(core.ash_ring_producer(p._h)) is tuple


def test_wait_change_async(counter):
    async def main():
        waiting = asyncio.ensure_future(counter.wait_change_async(0, 5))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        counter.notify()
        return await waiting

    assert asyncio.run(main()) == 1

    async def times_out():
        return await counter.wait_change_async(1, 0.05)

    assert asyncio.run(times_out()) is None


def test_wait_any(names):
    seg = arrayshare.Segment.create(names(), arrays={"a": (2, "int32"),
                                                     "b": (2, "int32")})
    with seg, seg["a"] as a, seg["b"] as b:
        assert arrayshare.wait_any([(a, 0), (b, 0)], timeout=0.02) is None
        b.notify()
        assert arrayshare.wait_any([(a, 0), (b, 0)], timeout=1) == 1


def test_atomics(counter):
    assert counter.atomic_add(0) == 0
    assert counter.atomic_add(0, 5) == 1
    assert counter.atomic_sub(0, 2) == 6
    assert counter.atomic_cas(0, 1, 99) == 4  # not equal: unchanged
    assert counter.atomic_cas(0, 4, 99) == 4
    assert counter.atomic_load(0) == 99
    assert counter.atomic_exchange(0, 3) == 99
    counter.atomic_store(0, 12)
    assert counter.atomic_or(0, 1) == 12 and counter.atomic_and(0, 5) == 13
    assert counter.atomic_xor(0, 5) == 5 and counter[0] == 0
    assert counter.atomic_add_many([1, 2, 1], 1) == [0, 0, 1]
    assert counter.atomic_many("load", [1, 2]) == [2, 1]
    with pytest.raises(OverflowError):
        counter.atomic_many("add", [0, 1], [1, 2 ** 63])
    with counter.view("int8") as small:
        with pytest.raises(arrayshare.ConversionError):
            small.atomic_many("add", [0, 1], [1, 300])
        assert small.atomic_load(1) == 0  # nothing changed
    with pytest.raises(ValueError):
        counter.atomic_many("nope", [0])


def test_atomics_refuse_floats_and_read_only(name):
    with arrayshare.create(name, 4, "float64") as f:
        with pytest.raises(arrayshare.DtypeError):
            f.atomic_add(0)
        with f.view("uint64") as u:
            assert u.atomic_add(0, 2 ** 64 - 1) == 0
            assert u.atomic_load(0) == 2 ** 64 - 1
        with arrayshare.attach(name, readonly=True) as r, \
                r.view("int64") as ri:
            with pytest.raises(arrayshare.ReadOnlyError):
                ri.atomic_add(0)
            assert ri.atomic_load(0) == -1


@pytest.mark.parametrize("atomics", [False, True])
def test_two_processes_count_exactly(counter, atomics):
    ctx = mp.get_context("spawn")
    ps = [ctx.Process(target=sync_workers.count,
                      args=(counter.descriptor, 2000, atomics))
          for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join(60)
        assert p.exitcode == 0
    assert counter[0] == 4000


def test_segment_lock(names):
    with arrayshare.Segment.create(names(), size=4096) as seg:
        with seg.lock(timeout=1):
            assert seg.lock_state[0] == "held"
            with pytest.raises(arrayshare.DeadlockError):
                seg.try_lock()
        assert seg.lock_state == ("free", 0)
        assert seg.try_lock() is not None
        seg.unlock()


@needs_numpy
def test_ring(names):
    import numpy as np
    n = names()
    with arrayshare.Ring.create(n, "frames", (2, 3), "float32", 4,
                                backpressure=True) as p, \
            arrayshare.Ring.attach(n + "/frames", consumer=True) as c:
        assert (p.nslots, p.slot_nbytes, c.consumers) == (4, 24, 1)
        assert c.read(timeout=0.01) is None
        p.write(np.full((2, 3), 1.5, dtype=np.float32))
        with p.write_slot() as s:
            s[...] = 2.5
        seq, a = c.read()
        assert seq == 0 and a.tolist() == [[1.5] * 3] * 2
        with c.read_slot() as (seq, view):
            assert seq == 1 and view[1, 2] == 2.5 and view.readonly
        assert c.cursor == 2 and c.missed == 0 and p.head == 2
        assert p.view.version == 2
        assert p.producer[1] == 1
        with pytest.raises(arrayshare.ExistsError):
            c.write(bytes(24))


def test_a_wait_without_limit_is_interruptible(counter):
    import os
    import signal
    main = threading.get_ident()
    t = threading.Timer(0.2, lambda: signal.pthread_kill(main, signal.SIGINT))
    t0 = time.monotonic()
    t.start()
    with pytest.raises(KeyboardInterrupt):
        counter.wait_change(0)  # no timeout: only the signal ends it
    assert time.monotonic() - t0 < 2
    t.join()
    assert os.getpid()  # the process goes on; the view still works
    assert counter.version == 0
