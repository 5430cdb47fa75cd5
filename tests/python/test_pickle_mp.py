# SPDX-License-Identifier: MIT
"""Pickling by descriptor, the per-process attach cache, and every
multiprocessing start method (Pool and concurrent.futures)."""
import concurrent.futures
import gc
import multiprocessing as mp
import os
import pickle
import subprocess
import sys

import pytest

import arrayshare
import ash_workers

METHODS = [m for m in ("fork", "spawn", "forkserver")
           if m in mp.get_all_start_methods()]


def test_pickle_sends_the_descriptor_not_the_data(name):
    v = arrayshare.create(name, 1_000_000, "float64")
    v[103] = 4.5
    data = pickle.dumps(v[100:200:3])
    assert len(data) < 300
    w = pickle.loads(data)
    assert isinstance(w, arrayshare.View)
    assert w.shape == (34,) and w.strides == (24,)
    assert w[1] == 4.5
    w[0] = 1.0
    assert v[100] == 1.0  # same memory
    f, args = v.__reduce__()
    seg = arrayshare.core.ash_view_segment(v)
    gen = arrayshare.core.ash_segment_ctime(seg)
    seg.close()
    # One C call: the class and the descriptor pinned by gen=, nothing else.
    assert f is arrayshare.View
    assert args == (v.descriptor + "?gen=%d" % gen,)
    assert v.__reduce_ex__(5) == (f, args)
    assert f(*args).shape == v.shape
    # Pickles of arrayshare 0.1 still load.
    assert arrayshare._unpickle_view(*args, v.segment_name, gen).shape == v.shape
    ro = pickle.loads(pickle.dumps(v.as_readonly()))
    assert ro.readonly
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(v[5], proto)) == v[5]
    v.close()
    with pytest.raises(arrayshare.ClosedError):
        pickle.dumps(v)


def test_low_level_handles_do_not_pickle(name):
    v = arrayshare.create(name, 1, "int8")
    h = arrayshare.core.ash_view_retain(v)
    with pytest.raises(TypeError):
        pickle.dumps(h)
    h.close()
    v.close()


def test_exceptions_pickle(name):
    e = arrayshare.core.make_error(arrayshare.core.ASH_E_INDEX, "detail")
    f = pickle.loads(pickle.dumps(e))
    assert type(f) is arrayshare.IndexOutOfRangeError
    assert (f.code, f.name, f.detail) == (e.code, e.name, e.detail)
    g = pickle.loads(pickle.dumps(arrayshare.core.make_error(-1004, "x")))
    assert isinstance(g, FileNotFoundError) and g.name == "NOENT"


def _mappings(name):
    """Regions of this process's address space that map segment ``name``."""
    return ash_workers.mappings_of(name)


def test_cache_one_mapping_per_segment(names):
    a, b = names(), names()
    va = arrayshare.create(a, 10, "float64")
    vb = arrayshare.create(b, 10, "float64")
    arrayshare.clear_cache()
    got = [pickle.loads(pickle.dumps(va[i:i + 1])) for i in range(10)]
    got += [pickle.loads(pickle.dumps(vb[i:])) for i in range(3)]
    assert _mappings(a) == 1 and _mappings(b) == 1
    # All unpickled views share the creator's mapping in this process.
    assert len({g.address - g.offset for g in got[:10]}) == 1
    arrayshare.clear_cache()
    assert got[3][0] == 0.0  # views keep working after clear_cache()
    for x in got + [va, vb]:
        x.close()


def test_released_mappings_are_bounded(names):
    made = [names() for _ in range(11)]
    for n in made:
        v = arrayshare.create(n, 1, "int8", persist=True)
        pickle.loads(pickle.dumps(v)).close()
        v.close()
    assert sum(_mappings(n) > 0 for n in made) <= 8
    assert _mappings(made[-1]) == 1  # the most recent is kept
    arrayshare.clear_cache()
    assert sum(_mappings(n) for n in made) == 0
    for n in made:
        arrayshare.unlink(n)


def test_cache_revalidates_recreated_names(name):
    v = arrayshare.create(name, 3, "int32", persist=True)
    v[0] = 1
    w = pickle.loads(pickle.dumps(v))
    arrayshare.unlink(name)
    v.close()
    w.close()
    v2 = arrayshare.create(name, 5, "int32", persist=True)
    v2[0] = 2
    w2 = pickle.loads(pickle.dumps(v2))
    assert w2.shape == (5,) and w2[0] == 2
    w2.close()
    v2.close()
    arrayshare.unlink(name)


def test_a_stale_pickle_refuses_a_recreated_name(name):
    # A pickle names one segment (its creation time travels with it): once
    # the name was unlinked and re-created, it does not attach the new one.
    v = arrayshare.create(name, 3, "int32", persist=True)
    data = pickle.dumps(v[1:])
    v.close()
    arrayshare.clear_cache()
    arrayshare.unlink(name)
    v2 = arrayshare.create(name, 3, "int32", persist=True)
    try:
        with pytest.raises(arrayshare.NotFoundError, match="re-created"):
            pickle.loads(data)
    finally:
        v2.close()
        arrayshare.unlink(name)


def test_released_views_do_not_keep_an_auto_segment(name):
    v = arrayshare.create(name, 2, "int8")
    pickle.loads(pickle.dumps(v)).close()
    v.close()
    # The last view gone, this process no longer counts as an attacher,
    # though it keeps the mapping: the auto segment is removed at once.
    assert not os.path.exists("/dev/shm/ash." + name)


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_fork_child_attaches_on_its_own(name):
    v = arrayshare.create(name, 2, "int8")
    pid = os.fork()
    if pid == 0:  # child: inherited views work; its own opens attach it
        ok = v[0] == 0
        w = pickle.loads(pickle.dumps(v))
        with w.segment() as seg:
            ok = ok and seg.attachers[0] == 2  # parent and child
        w[1] = 7
        w.close()
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert v[1] == 7
    with v.segment() as seg:
        assert seg.attachers == (1, 0)  # the child left
    v.close()


@pytest.mark.parametrize("method", METHODS)
def test_pool_map_writes_land_in_parent(name, method):
    n = 12
    v = arrayshare.create(name, n, "float64")
    with mp.get_context(method).Pool(2) as p:
        res = p.map(ash_workers.fill_slice, [v[i:i + 1] for i in range(n)])
    assert v.tolist() == [100.0 + i for i in range(n)]
    assert all(pid != os.getpid() for pid, _ in res)
    assert res[3][1] == v[3:4].descriptor
    v.close()


@pytest.mark.parametrize("method", METHODS)
def test_process_pool_executor(name, method):
    v = arrayshare.create(name, (4, 3), "int32")
    ctx = mp.get_context(method)
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        shapes = list(ex.map(ash_workers.fill_rows,
                             [(v[i], i + 1) for i in range(4)]))
        assert shapes == [(3,)] * 4
        total = ex.submit(ash_workers.read_sum, v[:, 0]).result()
        with pytest.raises(arrayshare.IndexOutOfRangeError) as ei:
            ex.submit(ash_workers.raise_index, v[0]).result()
        assert ei.value.code == arrayshare.core.ASH_E_INDEX
    assert v.tolist() == [[1] * 3, [2] * 3, [3] * 3, [4] * 3]
    assert total == 1 + 2 + 3 + 4
    v.close()


@pytest.mark.parametrize("method", METHODS)
def test_worker_maps_each_segment_once(name, method):
    v = arrayshare.create(name, 50, "float64")
    with mp.get_context(method).Pool(1) as p:
        nmapped, pid = p.apply(ash_workers.cache_probe,
                               ([v[i:i + 1] for i in range(50)], name))
        with v.segment() as seg:
            alive, dead = seg.attachers
        assert nmapped == 1 and pid != os.getpid()
        assert alive == 1  # the worker's views are gone: it does not count
    assert v.tolist() == [1.0] * 50
    v.close()
    gc.collect()


@pytest.mark.parametrize("method", METHODS)
def test_with_pool_leaves_nothing(names, method):
    # The idiom of the seed, in a program of its own: the parent closes its
    # auto segment inside the with block, Pool.__exit__ terminates the
    # workers (one may be killed while it still holds its task's views).
    # Once the program has ended, nothing may be left in /dev/shm, without
    # gc, every time.
    runs = 20 if method == "fork" else 4
    made = [names() for _ in range(runs)]
    here = os.path.dirname(os.path.abspath(__file__))
    code = ("import sys; sys.path.insert(0, %r); import ash_workers; "
            "ash_workers.pool_idiom(%r, %r)" % (here, method, made))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok"] * runs
    left = [n for n in made if os.path.exists("/dev/shm/ash." + n)]
    assert left == []


def test_attach_by_name_in_child(name):
    v = arrayshare.create(name, 3, "uint8")
    ctx = mp.get_context(METHODS[-1])
    p = ctx.Process(target=ash_workers.attach_and_write, args=(name, 9))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert v.tolist() == [9, 9, 9]
    v.close()


def test_derived_views_pickle_relative_to_their_root(names):
    import random
    rng = random.Random(1130)
    v = arrayshare.create(names(), (9, 7, 5), "int16")
    root = v.__reduce_ex__(5)[1]
    assert root == (v.descriptor + "?gen=%d" % _gen(v),)  # whole: descriptor
    keys = [(slice(2, 3),), (4,), (1, slice(None, None, -2)), (Ellipsis, 3),
            (slice(8, 0, -3), 2, slice(1, 4))]
    for _ in range(200):
        keys.append(tuple(
            rng.choice([slice(rng.randint(-9, 9), rng.randint(-9, 9),
                              rng.choice([1, 2, -1, -3])),
                        rng.randint(0, 4), slice(None)])
            for _ in range(rng.randint(1, 3))))
    geometry = 0
    for key in keys:
        s = v[key]
        if not isinstance(s, arrayshare.View):
            continue
        for x in (s, s.as_readonly()):
            f, args = x.__reduce_ex__(5)
            if len(args) == 2:
                geometry += 1
                assert args[0] is v  # the root, the same object every time
            t = pickle.loads(pickle.dumps(x))
            assert (t.shape, t.strides, t.offset, t.readonly, t.dtype,
                    t.address) == (x.shape, x.strides, x.offset, x.readonly,
                                   x.dtype, x.address), key
            assert t.descriptor == x.descriptor
    assert geometry > 200
    # empty views (a Pool's tasks beyond the last row) pickle against the
    # root too, when the geometry gives their very layout
    for x in (v[3:3], v[9:9], v[:, 2:2], v[1, 4:4], v[2:2, 1:3],
              v[..., 5:5].as_readonly()):
        f, args = x.__reduce_ex__(5)
        assert len(args) == 2 and args[0] is v, x
        t = pickle.loads(pickle.dumps(x))
        assert (t.shape, t.strides, t.offset, t.readonly) == (
            x.shape, x.strides, x.offset, x.readonly)
    # views NumPy's basic indexing cannot express relative to the root
    # (other dtype, permuted or reshaped axes, an empty view whose offset
    # slicing the root does not give) send their descriptor
    for x in (v.T, v.view("uint8"), v[0].reshape(35), v[5:6][0:0], v[0].T):
        f, args = x.__reduce_ex__(5)
        assert len(args) == 1 and isinstance(args[0], str)
        t = pickle.loads(pickle.dumps(x))
        assert (t.shape, t.strides, t.offset) == (x.shape, x.strides, x.offset)
    # an unpickled view keeps the root it came with: it and its slices
    # pickle against it again (a worker handing views on)
    t = pickle.loads(pickle.dumps(v[2:6]))
    u = t[1:3]
    for x in (t, u):
        f, args = x.__reduce_ex__(5)
        assert len(args) == 2 and args[0] is t.__reduce_ex__(5)[1][0]
        y = pickle.loads(pickle.dumps(x))
        assert (y.shape, y.strides, y.address) == (x.shape, x.strides,
                                                   x.address)
    # a Pool chunk of tasks holds the root once
    one = len(pickle.dumps([v[1:2]], 5))
    many = len(pickle.dumps([v[i:i + 1] for i in range(9)], 5))
    assert many - one < 8 * 40
    # derived views of a closed root still pickle (by descriptor)
    w = v[2:4]
    v.close()
    t = pickle.loads(pickle.dumps(w))
    assert t.shape == (2, 7, 5)
    # a geometry that does not fit the root is refused, never clamped
    root = t._whole()
    with pytest.raises(arrayshare.IndexOutOfRangeError):
        arrayshare.View(root, (0, 8, 2, 1))  # rows 8 and 9 of 9
    with pytest.raises(arrayshare.DescriptorError):
        arrayshare.View(root, (0, 1, 2))
    with pytest.raises(arrayshare.DescriptorError):
        arrayshare.View(root, (4 << 1,))  # 4 indexed axes of 3
    assert arrayshare.View(root, (2 << 1, 3, 4)).shape == (5,)  # root[3, 4]
    assert arrayshare.View(root, (0, 1, 2, 1)).shape == (2, 7, 5)
    assert root[1:3].__reduce_ex__(5)[1] == (root, (0, 1, 2, 1))  # whole
    # axes after the last sliced one are implied
    with pytest.raises(TypeError):
        arrayshare.View(root, ("a",))


def _gen(v):
    seg = arrayshare.core.ash_view_segment(v)
    try:
        return arrayshare.core.ash_segment_ctime(seg)
    finally:
        seg.close()


def test_roots_keep_nothing_attached(name):
    # A view's root (a whole-array view made for pickling) lives only while
    # an open view uses it: closing the views detaches this process.
    arrayshare.create(name, (6, 4), "float32", persist=True).close()
    arrayshare.clear_cache()

    def attached():
        with arrayshare.Segment.open(name, noattach=True) as s:
            return s.attachers[0]
    assert attached() == 0
    p = arrayshare.attach(name + "/data[1:5]")  # not its whole array
    c = p[1:2]
    assert c.__reduce_ex__(5)[1][0] is not p  # the root made for it
    assert attached() == 1
    p.close()
    assert attached() == 1  # c is open
    c.close()
    assert attached() == 0  # p and c objects are alive, but closed
    arrayshare.unlink(name)
