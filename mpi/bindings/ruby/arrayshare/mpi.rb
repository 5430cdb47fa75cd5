# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# ArrayShare::MPI: the same arrays across the nodes of an MPI job.
#
#   require "arrayshare/mpi"
#
#   ArrayShare::MPI.init                 # unless ruby-mpi's MPI.Init ran
#   ArrayShare::MPI::Nodes.open do |nodes|   # MPI_COMM_WORLD
#     v = nodes.open("frames", shape: [480, 640], dtype: :uint8)
#     v.fill(255) if nodes.node.zero? && nodes.node_rank.zero?
#     nodes.replicate(v, root: 0)        # every node's copy now holds it
#   end
#   ArrayShare::MPI.finalize
#
# Each node has one copy of an array, an ordinary arrayshare segment; every
# rank gets an ordinary ArrayShare::View of its node's copy. Communicators:
# nil (MPI_COMM_WORLD), an Integer Fortran handle, or ruby-mpi's
# MPI::Comm::WORLD (ruby-mpi offers no MPI_Comm_c2f, so its other
# communicators cannot be handed over). Collective methods must be called by
# every rank in the same order; free (or the block forms) before MPI is
# finalised: the garbage collector does not free MPI objects. See
# docs/mpi.md.
require "arrayshare"
require "arrayshare_mpi_core"

module ArrayShare
  module MPI
    # The generated low-level module.
    Core = ::Arrayshare_mpi_core

    OPS = {
      sum: Core::ASH_MPI_SUM, prod: Core::ASH_MPI_PROD, min: Core::ASH_MPI_MIN,
      max: Core::ASH_MPI_MAX, land: Core::ASH_MPI_LAND, lor: Core::ASH_MPI_LOR,
      lxor: Core::ASH_MPI_LXOR, band: Core::ASH_MPI_BAND,
      bor: Core::ASH_MPI_BOR, bxor: Core::ASH_MPI_BXOR
    }.freeze
    COMMS = { all: Core::ASH_MPI_COMM_ALL, node: Core::ASH_MPI_COMM_NODE,
              cross: Core::ASH_MPI_COMM_CROSS }.freeze

    module_function

    # Initialises MPI unless it is already (by ruby-mpi, for instance).
    def init
      check(Core.ash_mpi_swig_init)
    end

    # Finalises MPI if init started it.
    def finalize
      check(Core.ash_mpi_swig_finalize)
    end

    # Raises the ArrayShare error for a failed call of the MPI library.
    def check(status)
      return if status.zero?

      raise ArrayShare::Error.for_code(Core.ash_mpi_swig_status), Core.ash_mpi_swig_error
    end

    # [descriptor, generation] of a view: the library re-makes it from this
    # process's mapping of that very segment. The view's Marshal form is
    # already pinned to its segment ("...gen=<ctime>").
    def pin(view)
      raise TypeError, "expected an ArrayShare::View, not #{view.class}" unless view.is_a?(ArrayShare::View)

      [view._dump(0), ""]
    end

    # A communicator's Fortran handle.
    def fint(comm)
      case comm
      when nil
        init
        Core.ash_mpi_comm_world
      when Integer
        comm
      else
        if defined?(::MPI::Comm) && comm.is_a?(::MPI::Comm)
          return Core.ash_mpi_comm_world if comm.equal?(::MPI::Comm::WORLD)

          raise ArgumentError, "ruby-mpi communicators other than MPI::Comm::WORLD " \
                               "cannot be handed over (ruby-mpi has no MPI_Comm_c2f)"
        end
        raise TypeError, "comm must be nil, an Integer handle or MPI::Comm::WORLD, not #{comm.class}"
      end
    end

    def choice(table, value, what)
      table.fetch(value.is_a?(String) ? value.to_sym : value) do
        raise ArgumentError, "#{what} must be one of #{table.keys.join(', ')}, not #{value.inspect}"
      end
    end

    # A communicator split into nodes (collective to make and to free).
    class Nodes
      # Yields a Nodes and frees it when the block ends; without a block,
      # same as new.
      def self.open(comm = nil, simulate: 0)
        nodes = new(comm, simulate: simulate)
        return nodes unless block_given?

        begin
          yield nodes
        ensure
          nodes.free
        end
      end

      # +comm+: see ArrayShare::MPI. +simulate+: k > 0 cuts the ranks into k
      # groups of consecutive ranks that act as separate nodes.
      def initialize(comm = nil, simulate: 0)
        @ctx = Core.ash_mpi_swig_ctx_create(MPI.fint(comm), Integer(simulate))
        MPI.check(Core.ash_mpi_swig_status) if @ctx.nil?
      end

      def rank
        Core.ash_mpi_rank(ctx)
      end

      def size
        Core.ash_mpi_size(ctx)
      end

      def node
        Core.ash_mpi_node(ctx)
      end

      def node_count
        Core.ash_mpi_node_count(ctx)
      end

      def node_rank
        Core.ash_mpi_node_rank(ctx)
      end

      def node_size
        Core.ash_mpi_node_size(ctx)
      end

      def simulated
        Core.ash_mpi_simulated(ctx)
      end

      # The Fortran handle of the context's communicator :all, :node or
      # :cross (owned by this Nodes).
      def comm_handle(which = :all)
        f = Core.ash_mpi_swig_ctx_comm(ctx, MPI.choice(COMMS, which, "which"))
        MPI.check(Core.ash_mpi_swig_status) if f == -1
        f
      end

      # Opens the node-shared array +name+ (collective): a View of this
      # node's copy. Simulated nodes on one host name node k's segment
      # "NAME.node<k>".
      def open(name, shape:, dtype:, persist: false, or_open: false, mode: 0o600, &block)
        flags = (persist ? ArrayShare::Core::ASH_PERSIST : 0) |
                (or_open ? ArrayShare::Core::ASH_OR_OPEN : 0)
        dims = ArrayShare.shape_list(shape).map { |d| Integer(d) }.join(",")
        h = Core.ash_mpi_swig_open(ctx, name.to_s, ArrayShare.dtype_code(dtype), dims, flags, mode)
        MPI.check(Core.ash_mpi_swig_status) if h.nil?
        begin
          desc = Core.ash_mpi_swig_descriptor(h)
          MPI.check(Core.ash_mpi_swig_status) if desc.nil?
          ArrayShare.attach(desc, &block)
        ensure
          Core.ash_mpi_swig_release(h)
        end
      end

      # Copies +view+'s elements on node +root+ into every node's copy.
      def replicate(view, root: 0)
        collective(Core::ASH_MPI_SWIG_REPLICATE, view, Integer(root))
      end

      # Every node's copy becomes +op+ over the nodes' copies.
      def allreduce_nodes(view, op: :sum)
        collective(Core::ASH_MPI_SWIG_ALLREDUCE_NODES, view, MPI.choice(OPS, op, "op"))
      end

      # MPI_Bcast of each rank's own view from +root+ of +comm+.
      def bcast(view, root: 0, comm: :all)
        collective(Core::ASH_MPI_SWIG_BCAST, view, Integer(root), MPI.choice(COMMS, comm, "comm"))
      end

      # In-place MPI_Allreduce of each rank's own view over +comm+.
      def allreduce(view, op: :sum, comm: :all)
        collective(Core::ASH_MPI_SWIG_ALLREDUCE, view, MPI.choice(OPS, op, "op"),
                   MPI.choice(COMMS, comm, "comm"))
      end

      # Waits for the ranks of this node.
      def barrier
        MPI.check(Core.ash_mpi_swig_node_barrier(ctx))
      end

      # An RMA Window over the nodes' copies of +view+ (collective); with a
      # block, yields it and frees it afterwards.
      def window(view)
        w = Core.ash_mpi_swig_win_create(ctx, *MPI.pin(view))
        MPI.check(Core.ash_mpi_swig_status) if w.nil?
        win = Window.new(w)
        return win unless block_given?

        begin
          yield win
        ensure
          win.free
        end
      end

      def freed?
        @ctx.nil?
      end

      # Frees the communicators (collective; idempotent). Views stay valid.
      def free
        c = @ctx
        @ctx = nil
        Core.ash_mpi_ctx_free(c) if c
        nil
      end

      private

      def ctx
        @ctx or raise ArrayShare::ClosedError, "this Nodes was freed"
      end

      def collective(kind, view, arg, which = 0)
        MPI.check(Core.ash_mpi_swig_collective(ctx, kind, *MPI.pin(view), arg, which))
      end
    end

    # One-sided access to other nodes' copies (Nodes#window).
    class Window
      def initialize(handle)
        @w = handle
      end

      # Reads node +node+'s elements at +region+'s positions into +dst+.
      def get(node, region, dst)
        access(node, region, dst, 1)
      end

      # Writes +src+ into node +node+'s copy at +region+'s positions.
      def put(node, region, src)
        access(node, region, src, 0)
      end

      # Frees the window (collective; idempotent).
      def free
        w = @w
        @w = nil
        Core.ash_mpi_win_free(w) if w
        nil
      end

      private

      def access(node, region, local, is_get)
        raise ArrayShare::ClosedError, "this Window was freed" if @w.nil?

        MPI.check(Core.ash_mpi_swig_access(@w, Integer(node), is_get, *MPI.pin(region), *MPI.pin(local)))
      end
    end
  end
end
