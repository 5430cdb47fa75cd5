# SPDX-License-Identifier: MIT
"""arrayshare.mpi under mpiexec (4 ranks, 2 simulated nodes).

A plain script rather than pytest: every rank runs every test in the same
order (the calls are collective); a failure is printed with its rank and the
job fails when any rank failed. mpi4py is started at MPI_THREAD_FUNNELED:
Open MPI's software RMA (osc pt2pt, used when no RDMA-capable transport is
there) refuses MPI_THREAD_MULTIPLE.
"""

import gc
import os
import pickle
import sys
import traceback

import mpi4py

mpi4py.rc.thread_level = "funneled"
from mpi4py import MPI  # noqa: E402

import numpy as np  # noqa: E402

import arrayshare  # noqa: E402
import arrayshare.mpi as ampi  # noqa: E402

WORLD = MPI.COMM_WORLD
RANK, SIZE = WORLD.Get_rank(), WORLD.Get_size()
PREFIX = "tmpy%d_" % WORLD.bcast(os.getpid(), root=0)
_count = [0]
failures = []


def name():
    _count[0] += 1
    return "%s%d" % (PREFIX, _count[0])


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def raises(exc, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        return e
    raise AssertionError("%s did not raise %s" % (fn, exc.__name__))


def test_nodes():
    with ampi.Nodes(WORLD, simulate=2) as nodes:
        check(nodes.rank == RANK and nodes.size == SIZE, repr(nodes))
        check(nodes.node == RANK * 2 // SIZE and nodes.node_count == 2,
              repr(nodes))
        check(nodes.simulated == 2, "simulated")
        node = nodes.comm("node")
        check(isinstance(node, MPI.Comm) and node.Get_size() == nodes.node_size,
              "node communicator")
        check(nodes.comm("cross").Get_size() == 2, "cross communicator")
        raises(ValueError, nodes.comm, "everyone")
    check(nodes.closed and "freed" in repr(nodes), "closed")
    raises(arrayshare.ClosedError, lambda: nodes.rank)
    # An mpi4py sub-communicator, handed over as comm.py2f().
    sub = WORLD.Split(RANK % 2, RANK)
    with ampi.Nodes(sub) as nodes:
        check(nodes.size == sub.Get_size() and nodes.node_count == 1, "sub")
    sub.Free()
    # A Fortran handle as an int; the environment switch.
    os.environ["ASH_MPI_SIMULATE_NODES"] = "2"
    with ampi.Nodes(WORLD.py2f()) as nodes:
        check(nodes.node_count == 2, "env switch")
    del os.environ["ASH_MPI_SIMULATE_NODES"]
    raises(TypeError, ampi.Nodes, "world")
    e = raises(arrayshare.InvalidArgumentError, ampi.Nodes, WORLD,
               simulate=SIZE + 1)
    check("ranks" in str(e), str(e))


def test_open():
    with ampi.Nodes(WORLD, simulate=2) as nodes:
        nm = name()
        v = nodes.open(nm, (3, 4), "float64")
        check(isinstance(v, arrayshare.View), type(v))
        check(v.segment_name == "%s.node%d" % (nm, nodes.node), v.segment_name)
        check(v.shape == (3, 4) and v.dtype == "float64", v)
        a = np.asarray(v)  # zero-copy
        if nodes.node_rank == nodes.node_size - 1:
            a[...] = 10 * nodes.node + np.arange(12).reshape(3, 4)
        nodes.barrier()
        check((a == 10 * nodes.node + np.arange(12).reshape(3, 4)).all(),
              "node-local sharing")
        # A normal view: it pickles by descriptor, in this process too.
        w = pickle.loads(pickle.dumps(v[1:, ::2]))
        check((np.asarray(w) == a[1:, ::2]).all(), "pickled view")
        nodes.barrier()
        del a, w, v
        # Errors: the binding's classes, on every rank.
        raises(arrayshare.InvalidNameError, nodes.open, "a/b", 3, "int8")
        raises(arrayshare.DtypeError, nodes.open, name(), 3, "float128")
        raises(TypeError, nodes.open, name(), "three", "int8")
        nm = name()
        squat = (arrayshare.create("%s.node1" % nm, 4, "int32")
                 if RANK == 0 else None)
        WORLD.Barrier()
        e = raises(arrayshare.ExistsError, nodes.open, nm, 4, "int32")
        check("%s.node1" % nm in str(e), str(e))
        v = nodes.open(nm, 4, "int32", or_open=True)
        check(v.segment_name == "%s.node%d" % (nm, nodes.node), "or_open")
        del v
        WORLD.Barrier()
        if squat is not None:
            squat.close()
        # persist: the copies outlive the views until unlinked.
        nm = name()
        v = nodes.open(nm, 2, "uint8", persist=True)
        seg = v.segment_name
        del v
        WORLD.Barrier()
        if nodes.node_rank == 0:
            check(seg in arrayshare.ls(), "persist")
            arrayshare.unlink(seg)


def test_replicate_and_reduce():
    with ampi.Nodes(WORLD, simulate=2) as nodes:
        lead = nodes.node_rank == 0
        v = nodes.open(name(), (6, 8), "int64")
        a = np.asarray(v)
        if lead:
            a[...] = np.arange(48).reshape(6, 8) if nodes.node == 1 else -1
        nodes.replicate(v[1:5, ::-2], root=1)
        want = np.full((6, 8), -1)
        want[1:5, ::-2] = np.arange(48).reshape(6, 8)[1:5, ::-2]
        if nodes.node == 1:
            want = np.arange(48).reshape(6, 8)
        check((a == want).all(), "replicated slice on node %d" % nodes.node)
        del a, v

        v = nodes.open(name(), 1000, "float32")
        if lead:
            v[...] = nodes.node + 1.5
        nodes.allreduce_nodes(v, "sum")
        check((np.asarray(v) == 4.0).all(), "sum over nodes")
        nodes.allreduce_nodes(v[::7], "max")
        raises(ValueError, nodes.allreduce_nodes, v, "mean")
        raises(arrayshare.DtypeError, nodes.allreduce_nodes, v, "bxor")
        raises(TypeError, nodes.replicate, np.zeros(3), 0)
        e = raises(arrayshare.InvalidArgumentError, nodes.replicate, v, 7)
        check("root node 7" in str(e), str(e))
        del v


def test_each_rank():
    with ampi.Nodes(WORLD, simulate=2) as nodes:
        v = arrayshare.create("%s_r%d" % (name(), RANK), (4, 5), "int32")
        a = np.asarray(v)
        a[...] = RANK
        nodes.bcast(v.T, root=SIZE - 1)  # strided, same shape everywhere
        check((a == SIZE - 1).all(), "bcast")
        a[...] = 1
        nodes.allreduce(v[:, 1:], "sum", comm="node")
        check((a[:, 1:] == nodes.node_size).all() and (a[:, 0] == 1).all(),
              "allreduce over the node")
        raises(ValueError, nodes.bcast, v, 0, "world")
        del a
        v.close()


def test_window():
    with ampi.Nodes(WORLD, simulate=2) as nodes:
        v = nodes.open(name(), (10, 10), "float64")
        if nodes.node_rank == 0:
            np.asarray(v)[...] = 1000 * nodes.node + np.arange(100).reshape(10, 10)
        nodes.barrier()
        other = 1 - nodes.node
        out = arrayshare.create("%s_r%d" % (name(), RANK), (2, 4), "float64")
        with nodes.window(v) as win:
            win.get(other, v[2:4, ::3], out)
            want = 1000 * other + np.arange(100).reshape(10, 10)[2:4, ::3]
            check((np.asarray(out) == want).all(), "get")
            WORLD.Barrier()
            if RANK == 0:
                src = arrayshare.create(name() + "_src", 10, "float64")
                src[...] = -7
                win.put(1, v[0], src)
                src.close()
            WORLD.Barrier()
            check((np.asarray(v)[0] == (-7 if nodes.node == 1 else
                                        np.arange(10))).all(), "put")
            raises(arrayshare.IndexOutOfRangeError, win.get, other, out, out)
            WORLD.Barrier()
        raises(arrayshare.ClosedError, win.get, other, v[0], out)
        out.close()
        del v


def main():
    tests = [test_nodes, test_open, test_replicate_and_reduce, test_each_rank,
             test_window]
    for t in tests:
        WORLD.Barrier()
        if RANK == 0:
            print("--", t.__name__, flush=True)
        try:
            t()
        except Exception:
            failures.append(t.__name__)
            sys.stderr.write("[rank %d] %s failed:\n%s" % (
                RANK, t.__name__, traceback.format_exc()))
    # Views kept by exception tracebacks (reference cycles) and by the
    # unpickling cache: release them, then nothing of ours may remain.
    gc.collect()
    arrayshare.clear_cache()
    WORLD.Barrier()
    left = [n for n in arrayshare.ls() if n.startswith(PREFIX)]
    if RANK == 0 and left:
        failures.append("left behind: %s" % left)
        sys.stderr.write("left behind: %s\n" % left)
        for n in left:
            arrayshare.unlink(n)
    total = WORLD.allreduce(len(failures))
    if RANK == 0:
        print("%s: %d failures on %d ranks" % ("FAIL" if total else "OK",
                                               total, SIZE))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
