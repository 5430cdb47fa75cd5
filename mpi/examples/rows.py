# SPDX-License-Identifier: MIT
"""rows.py - one program, any number of machines (docs/mpi.md).

    mpiexec -n 4 python3 rows.py                         # one machine
    ASH_MPI_SIMULATE_NODES=2 mpiexec -n 4 python3 rows.py # two "nodes", one host
    mpiexec -n 64 --hostfile hosts python3 rows.py        # a cluster

Every node holds ONE copy of the input, whatever its number of ranks. Rank 0
makes the input; replicate() sends it to the other nodes. Each rank then
normalises its share of the rows in place, in its node's copy of the output
(the node's ranks write disjoint rows of one shared array); allreduce_nodes()
merges the nodes' rows, so every node ends with the whole result. While the
job runs, any process on a node can look at the arrays by name:
`arrayshare ls`, `arrayshare dump rows-out`, or ash.attach("rows-out") in Lua.
"""

import os
import sys

import mpi4py

mpi4py.rc.thread_level = "funneled"
from mpi4py import MPI  # noqa: E402

import numpy as np  # noqa: E402

import arrayshare.mpi as ampi  # noqa: E402

# A name for the arrays, the same on every rank ("{pid}": rank 0's pid).
name = sys.argv[1] if len(sys.argv) > 1 else "rows"
name = MPI.COMM_WORLD.bcast(name.replace("{pid}", str(os.getpid())), root=0)
n, m = 1024, 512

with ampi.Nodes(MPI.COMM_WORLD) as nodes:
    data = nodes.open(name + "-in", (n, m), "float64")
    out = nodes.open(name + "-out", (n, m), "float64")

    if nodes.rank == 0:                       # the input, made once
        rng = np.random.default_rng(42)
        np.asarray(data)[...] = rng.random((n, m)) * 100
    nodes.replicate(data, root=0)             # ... and on every node

    # This rank's rows: a share of all the job's rows.
    mine = np.array_split(np.arange(n), nodes.size)[nodes.rank]
    a, b = np.asarray(data), np.asarray(out)
    b[mine] = a[mine] / a[mine].max(axis=1, keepdims=True)

    # Each node's copy has its own ranks' rows (zeros elsewhere): summing
    # over nodes gives every node all rows.
    nodes.allreduce_nodes(out, "sum")

    ok = np.allclose(b, a / a.max(axis=1, keepdims=True))
    if nodes.node_rank == 0:
        print("node %d of %d (%d ranks): %s holds the whole result: %s"
              % (nodes.node, nodes.node_count, nodes.node_size,
                 out.segment_name, ok))
    del a, b
    data.close()
    out.close()
    if not MPI.COMM_WORLD.allreduce(ok, MPI.LAND):
        sys.exit(1)
