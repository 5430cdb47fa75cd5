# SPDX-License-Identifier: MIT
"""arrayshare.mpi: the same arrays across the nodes of an MPI job (mpi4py).

On every node, one shared copy per array: the node's first rank creates an
ordinary arrayshare segment, the node's other ranks attach it, and each rank
gets a normal ``arrayshare.View`` (NumPy-ready, picklable, attachable by name
from any process on the node, in any language). Copies move between nodes
through MPI.

    from mpi4py import MPI
    import numpy as np
    import arrayshare.mpi as ampi

    with ampi.Nodes(MPI.COMM_WORLD) as nodes:
        v = nodes.open("frames", (480, 640), "uint8")    # this node's copy
        if nodes.node == 0 and nodes.node_rank == 0:
            np.asarray(v)[...] = 255
        nodes.replicate(v, root=0)                      # now on every node

``Nodes(comm, simulate=k)`` (or ASH_MPI_SIMULATE_NODES=k) cuts the ranks into
k "nodes" so that the cross-node paths run on one machine. Operators are
"sum", "prod", "min", "max", "land", "lor", "lxor", "band", "bor", "bxor";
communicators (for bcast and allreduce of each rank's own view) "all",
"node", "cross". Errors raise the arrayshare error classes.

Collective methods must be called by every rank, in the same order. Call
free() (or use ``with``) before MPI is finalised: garbage collection does
not free the MPI objects, because that is collective.

Wraps libarrayshare-mpi (see docs/mpi.md); the generated low-level module is
``arrayshare.arrayshare_mpi_core``.
"""

from __future__ import annotations

import operator

import arrayshare as _ash
from . import arrayshare_mpi_core as _m

core = _m
"""The generated low-level module (``arrayshare.arrayshare_mpi_core``)."""

_core = _ash.core

OPS = {
    "sum": _m.ASH_MPI_SUM, "prod": _m.ASH_MPI_PROD, "min": _m.ASH_MPI_MIN,
    "max": _m.ASH_MPI_MAX, "land": _m.ASH_MPI_LAND, "lor": _m.ASH_MPI_LOR,
    "lxor": _m.ASH_MPI_LXOR, "band": _m.ASH_MPI_BAND, "bor": _m.ASH_MPI_BOR,
    "bxor": _m.ASH_MPI_BXOR,
}
COMMS = {"all": _m.ASH_MPI_COMM_ALL, "node": _m.ASH_MPI_COMM_NODE,
         "cross": _m.ASH_MPI_COMM_CROSS}

__all__ = ["Nodes", "Window", "OPS", "COMMS", "core"]


def _raise():
    raise _core.make_error(_m.ash_mpi_swig_status(), _m.ash_mpi_swig_error())


def _check(rc):
    if rc:
        _raise()


def _pin(view):
    """(descriptor, generation) of a View: re-made by the library from this
    process's mapping of the very same segment."""
    if not isinstance(view, _ash.View):
        raise TypeError("expected an arrayshare.View, not %s"
                        % type(view).__name__)
    seg = _core.ash_view_segment(view)
    try:
        gen = _core.ash_segment_ctime(seg)
    finally:
        seg.close()
    return view.descriptor, str(gen)


def _choice(table, value, what):
    try:
        return table[value]
    except (KeyError, TypeError):
        raise ValueError("%s must be one of %s, not %r"
                         % (what, ", ".join(sorted(table)), value)) from None


def _fint(comm):
    """A communicator's Fortran handle: mpi4py's comm.py2f(), or an int."""
    if comm is None:
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
    if isinstance(comm, int) and not isinstance(comm, bool):
        return comm
    py2f = getattr(comm, "py2f", None)
    if py2f is None:
        raise TypeError("comm must be an mpi4py communicator (or its Fortran "
                        "handle, an int), not %s" % type(comm).__name__)
    return py2f()


class Nodes:
    """A communicator split into nodes (collective to make and to free).

    comm: an mpi4py intracommunicator (default MPI.COMM_WORLD) or its
    Fortran handle. simulate: 0 for the real nodes (unless
    ASH_MPI_SIMULATE_NODES is set), k > 0 to cut the ranks into k groups of
    consecutive ranks that behave as separate nodes.
    """

    __slots__ = ("_ctx", "__weakref__")

    def __init__(self, comm=None, *, simulate=0):
        ctx = _m.ash_mpi_swig_ctx_create(_fint(comm),
                                         operator.index(simulate))
        if ctx is None:
            _raise()
        self._ctx = ctx

    def _c(self):
        if self._ctx is None:
            raise _ash.ClosedError("this Nodes was freed")
        return self._ctx

    rank = property(lambda self: _m.ash_mpi_rank(self._c()),
                    doc="This rank in the communicator.")
    size = property(lambda self: _m.ash_mpi_size(self._c()),
                    doc="Number of ranks.")
    node = property(lambda self: _m.ash_mpi_node(self._c()),
                    doc="This rank's node, 0 .. node_count - 1.")
    node_count = property(lambda self: _m.ash_mpi_node_count(self._c()),
                          doc="Number of nodes.")
    node_rank = property(lambda self: _m.ash_mpi_node_rank(self._c()),
                         doc="Rank within the node (0 creates the copies).")
    node_size = property(lambda self: _m.ash_mpi_node_size(self._c()),
                         doc="Number of ranks on this node.")
    simulated = property(lambda self: _m.ash_mpi_simulated(self._c()),
                         doc="k when simulating k nodes, else 0.")

    def comm(self, which="all"):
        """The context's communicator "all", "node" or "cross" as an mpi4py
        communicator (owned by this Nodes: do not free it)."""
        from mpi4py import MPI
        f = _m.ash_mpi_swig_ctx_comm(self._c(), _choice(COMMS, which, "which"))
        return MPI.Comm.f2py(f)

    def open(self, name, shape, dtype, *, persist=False, or_open=False,
             mode=0o600):
        """Opens the node-shared array ``name`` (collective) and returns an
        arrayshare.View of this node's copy, zero-filled when created.
        When nodes share a host (simulated), node k's segment is named
        "NAME.node<k>" (``view.segment_name``)."""
        flags = ((_core.ASH_PERSIST if persist else 0) |
                 (_core.ASH_OR_OPEN if or_open else 0))
        shp = ",".join(str(d) for d in _ash._shape(shape))
        h = _m.ash_mpi_swig_open(self._c(), name, _ash._dtype_code(dtype),
                                 shp, flags, operator.index(mode))
        if h is None:
            _raise()
        try:
            desc = _m.ash_mpi_swig_descriptor(h)
            if desc is None:
                _raise()
            return _ash.attach(desc)
        finally:
            _m.ash_mpi_swig_release(h)

    def _collective(self, kind, view, arg, which=0):
        _check(_m.ash_mpi_swig_collective(self._c(), kind, *_pin(view),
                                          arg, which))

    def replicate(self, view, root=0):
        """Copies the elements of ``view`` on node ``root`` into every other
        node's copy (collective; view: every rank's view of the same part of
        its node's copy)."""
        self._collective(_m.ASH_MPI_SWIG_REPLICATE, view,
                         operator.index(root))

    def allreduce_nodes(self, view, op="sum"):
        """Every node's copy of ``view``'s elements becomes ``op`` over the
        nodes' copies (each node counted once; collective)."""
        self._collective(_m.ASH_MPI_SWIG_ALLREDUCE_NODES, view,
                         _choice(OPS, op, "op"))

    def bcast(self, view, root=0, comm="all"):
        """MPI_Bcast of each rank's own view from ``root`` of ``comm``
        ("all", "node" or "cross"; collective)."""
        self._collective(_m.ASH_MPI_SWIG_BCAST, view, operator.index(root),
                         _choice(COMMS, comm, "comm"))

    def allreduce(self, view, op="sum", comm="all"):
        """In-place MPI_Allreduce of each rank's own view over ``comm``."""
        self._collective(_m.ASH_MPI_SWIG_ALLREDUCE, view,
                         _choice(OPS, op, "op"), _choice(COMMS, comm, "comm"))

    def barrier(self):
        """Waits for the ranks of this node (MPI_Barrier, with fences)."""
        _check(_m.ash_mpi_swig_node_barrier(self._c()))

    def window(self, view):
        """An RMA Window over the nodes' copies of ``view`` (collective)."""
        w = _m.ash_mpi_swig_win_create(self._c(), *_pin(view))
        if w is None:
            _raise()
        return Window(w)

    @property
    def closed(self):
        """True once free() was called."""
        return self._ctx is None

    def free(self):
        """Frees the communicators (collective; idempotent). Views stay."""
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            _m.ash_mpi_ctx_free(ctx)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()

    def __repr__(self):
        if self._ctx is None:
            return "Nodes(<freed>)"
        return "Nodes(rank=%d/%d, node=%d/%d, node_rank=%d/%d%s)" % (
            self.rank, self.size, self.node, self.node_count, self.node_rank,
            self.node_size, ", simulated" if self.simulated else "")


class Window:
    """One-sided access to other nodes' copies (from Nodes.window)."""

    __slots__ = ("_w",)

    def __init__(self, handle):
        self._w = handle

    def _access(self, node, region, local, is_get):
        if self._w is None:
            raise _ash.ClosedError("this Window was freed")
        _check(_m.ash_mpi_swig_access(self._w, operator.index(node), is_get,
                                      *_pin(region), *_pin(local)))

    def get(self, node, region, out):
        """Reads node ``node``'s elements at the positions ``region`` (a view
        of this rank's copy) names into ``out`` (any view of the same dtype
        and shape). Complete on return."""
        self._access(node, region, out, 1)

    def put(self, node, region, src):
        """Writes ``src`` into node ``node``'s copy at ``region``'s
        positions. Complete on return."""
        self._access(node, region, src, 0)

    def free(self):
        """Frees the window (collective; idempotent)."""
        w, self._w = self._w, None
        if w is not None:
            _m.ash_mpi_win_free(w)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()
