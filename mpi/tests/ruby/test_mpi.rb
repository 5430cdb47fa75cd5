# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# ArrayShare::MPI under mpiexec (2 ranks, 2 simulated nodes), with ruby-mpi's
# MPI.Init and MPI::Comm::WORLD when ruby-mpi is installed, else the
# library's own MPI start-up. Every rank runs every check in the same order;
# the job fails when any rank failed.
begin
  require "mpi"
  RUBY_MPI = true
rescue LoadError
  RUBY_MPI = false
end
require "arrayshare/mpi"

AMPI = ArrayShare::MPI
if RUBY_MPI
  ::MPI.Init
  WORLD = ::MPI::Comm::WORLD
else
  AMPI.init
  WORLD = nil
end

$failures = 0
def check(cond, what)
  return if cond

  $failures += 1
  warn "check failed: #{what} (#{caller(1, 1).first})"
end

def raises(klass)
  yield
  check(false, "no #{klass} raised")
  nil
rescue klass => e
  e
end

# Node-shared names must be equal on every rank: mpiexec's pid is.
prefix = "tmrb#{Process.ppid}"
nodes = AMPI::Nodes.new(WORLD, simulate: 2)
rank = nodes.rank
h = nodes.comm_handle(:all)
check(h.is_a?(Integer), "comm handle #{h.inspect}")
check(nodes.node_count == 2 && nodes.node == rank * 2 / nodes.size, "nodes")

v = nodes.open("#{prefix}_a", shape: [3, 4], dtype: :int32)
check(v.is_a?(ArrayShare::View), "open gives a View")
check(v.segment_name.end_with?(".node#{nodes.node}"), v.segment_name)
v.fill(nodes.node == 1 ? 5 : 0) if nodes.node_rank.zero?
nodes.replicate(v[1, 0..3], root: 1)
check(v[1, 2] == 5 && v[0, 0] == (nodes.node == 1 ? 5 : 0), "replicate: #{v.to_a}")
nodes.allreduce_nodes(v, op: :max)
check(v.to_a.flatten.uniq == [5], "allreduce_nodes max: #{v.to_a}")
nodes.window(v) do |w|
  v.fill(nodes.node + 1) if nodes.node_rank.zero?
  nodes.barrier
  ::MPI::Comm::WORLD.Barrier if RUBY_MPI
  other = 1 - nodes.node
  dst = ArrayShare.create("#{prefix}_dst#{rank}", shape: [4], dtype: :int32)
  w.get(other, v[2, 0..3], dst)
  check(dst.to_a == [other + 1] * 4, "window get: #{dst.to_a}")
  dst.close
  ::MPI::Comm::WORLD.Barrier if RUBY_MPI
end
e = raises(ArrayShare::InvalidArgument) { nodes.replicate(v, root: 9) }
check(e && e.message.include?("root node 9"), e&.message)
raises(ArgumentError) { nodes.allreduce_nodes(v, op: :mean) }
raises(TypeError) { nodes.replicate([1, 2], root: 0) }
raises(ArrayShare::DtypeError) { nodes.open("#{prefix}_b", shape: 2, dtype: :float128) }
check(ArrayShare.ls.none? { |n| n.start_with?("#{prefix}_dst") }, "private arrays left")
v.close
nodes.free
raises(ArrayShare::ClosedError) { nodes.rank }
warn "ruby rank #{rank}: #{$failures} failures" if $failures.positive?
total = $failures
if RUBY_MPI
  ::MPI.Finalize
else
  AMPI.finalize
end
exit(total.zero? ? 0 : 1)
