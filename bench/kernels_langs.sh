#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernels from Python, Ruby and Lua, against anchors measured in the same run:
#   call    per-call CPU time of a cblas_daxpy (n = 16) kernel in each
#           language, against the direct C call (ash-bench-kernel's
#           call-overhead row): target <= 3 us more
#   sin     map sin through the kernel against the language's own element
#           loop (Ruby, Lua): target >= 50x faster
#   dgemm   cblas_dgemm 2000x2000 through the kernel API from Lua and Ruby,
#           against NumPy's a @ b (the same OpenBLAS): target <= 1.05x
# Every row is single-threaded (OPENBLAS_NUM_THREADS=1 unless set) and
# measured in process CPU time, so that other processes on shared CPUs do
# not inflate it. Needs a full build (BUILD_DIR, default <repo>/build) and
# OpenBLAS (installed by bench/kernels.sh). Options: --quick.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
quick=${1:-}
. "$build/ash-env.sh"
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# The kernels' signatures and binders, in one place for the three languages.
eval "$($ASH_PYTHON "$here/python/kernel_common.py" | sed 's/^/export /')"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/bench/ash-bench-kernel" --only call --json "$out/c.json" $quick >/dev/null
PYTHONPATH="$PYTHONPATH:$here/python" $ASH_PYTHON "$here/python/bench_kernel.py" $quick > "$out/python.txt"
$ASH_RUBY "$here/ruby/bench_kernel.rb" $quick > "$out/ruby.txt"
$ASH_LUA "$here/lua/bench_kernel.lua" $quick > "$out/lua.txt"
$ASH_PYTHON - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
c = json.load(open(os.path.join(out, "c.json")))["rows"][0]
direct = c["anchor"] * 1e-9
r = {}
for lang in ("python", "ruby", "lua"):
    for line in open(os.path.join(out, lang + ".txt")):
        if line.startswith("RESULT "):
            _, key, val = line.split()
            r[(lang, key)] = float(val)
print("load average:", open("/proc/loadavg").read().split()[:3],
      "OPENBLAS_NUM_THREADS=" + os.environ.get("OPENBLAS_NUM_THREADS", ""))
print(f"{'row':28s} {'ours':>12s} {'anchor':>12s} {'ratio':>9s}  target")
def row(name, ours, anchor, ratio, target):
    print(f"{name:28s} {ours:12.6g} {anchor:12.6g} {ratio:9.3f}  {target}")
for lang in ("python", "ruby", "lua"):
    t = r[(lang, "call")]
    row(f"{lang} call (us)", t * 1e6, direct * 1e6, t / direct,
        f"+{(t - direct) * 1e6:.2f} us (<= +3 us)")
for lang in ("ruby", "lua"):
    row(f"{lang} sin vs loop (s)", r[(lang, "sin")], r[(lang, "sin_loop")],
        r[(lang, "sin_loop")] / r[(lang, "sin")], ">= 50x faster")
if ("python", "sin_numpy") in r:
    row("python sin vs numpy.sin (s)", r[("python", "sin")], r[("python", "sin_numpy")],
        r[("python", "sin")] / r[("python", "sin_numpy")], "info")
npd = r.get(("python", "dgemm_numpy"))
for lang in ("python", "ruby", "lua"):
    if npd:
        row(f"{lang} dgemm vs numpy a@b (s)", r[(lang, "dgemm")], npd,
            r[(lang, "dgemm")] / npd, "<= 1.05x")
PY
