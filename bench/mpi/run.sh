#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/mpi/run.sh BUILD_DIR [--quick]
# Runs the three MPI benchmarks on this machine (medians, same run) and
# writes BUILD_DIR/bench/mpi-*.json. --quick: tiny sizes, one repetition
# (the CTest smoke run; no figure means anything then).
# Open MPI settings for a single host, as root, without ssh; the transport
# is Open MPI's default (set OMPI_MCA_btl_vader_single_copy_mechanism=none
# to measure without cross-memory attach).
set -eu
build=${1:?usage: run.sh BUILD_DIR [--quick]}
quick=${2:-}
bench="$build/mpi/bench/ash-bench-mpi"
out="$build/bench"
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm=isolated
export PMIX_MCA_gds=hash
: "${OMPI_MCA_btl:=self,vader}"
export OMPI_MCA_btl
run() {
  np=$1
  shift
  mpiexec -n "$np" "$bench" "$@"
}
if [ "$quick" = "--quick" ]; then
  run 2 memory 1 1
  run 2 replicate 1 1
  run 2 open 4,64 1
  exit 0
fi
nmem=${ASH_BENCH_MPI_RANKS:-4}
run "$nmem" memory "${ASH_BENCH_MPI_MEM_MIB:-256}" 3 --json "$out/mpi-memory.json"
run 2 replicate 256 9 --json "$out/mpi-replicate.json"
run 2 open 4,1024,65536,262144 11 --json "$out/mpi-open.json"
