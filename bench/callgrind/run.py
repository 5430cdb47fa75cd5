#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instruction counts of arrayshare's hot paths under callgrind, compared
with a committed baseline (bench/callgrind/baseline.json).

Timing on a shared, loaded machine is noisy; the number of instructions an
operation executes is not. Each operation is a command that runs it N times
after a warm-up (cg_core.c, cg_lua.lua, cg_ruby.rb, ../python/cg_python.py); it is run under
`valgrind --tool=callgrind` with two values of N and the difference of the
totals, divided by the difference of N, is the cost of one operation:
start-up, warm-up and the lazy binding of symbols cancel out. The counts
are of user-space instructions: a system call counts as the instructions
that make it, not as the kernel's work (bench_core's timed rows show that).

    bench/callgrind/run.py                  # measure, compare, report
    bench/callgrind/run.py --only c.        # operations whose name starts so
    bench/callgrind/run.py --update         # measure and rewrite the baseline
    bench/callgrind/run.py --check          # exit status 1 on a regression

A regression is a count above the baseline by more than the threshold
(--threshold PCT, else the baseline's "threshold_pct", per language:
interpreters vary by a percent or two between runs, C by nothing).
Improvements are reported too; --update records them. Needs valgrind (a benchmark-only
dependency: install it with apt-get install valgrind) and a build with
ash-cg-core (BUILD_DIR, default build/); the Python (/usr/bin/python3), Lua and Ruby operations run
when the build has those bindings.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BASELINE = os.path.join(HERE, "baseline.json")

# name -> (language, command template, description). {build}, {here} and
# {n} are substituted. Two values of N per operation: N1 and 2 * N1.
OPS = {
    "c.elem-get-set": ("c", ["{build}/bench/ash-cg-core", "elem-get-set", "{n}"],
                       "ash_view_get_f64 + ash_view_set_f64 at (i, j) of a 2-d float64 view"),
    "c.elem-anchor": ("c", ["{build}/bench/ash-cg-core", "elem-anchor", "{n}"],
                      "the same through a checked pointer access (the anchor)"),
    "c.attach-cold": ("c", ["{build}/bench/ash-cg-core", "attach-cold", "{n}"],
                      "ash_attach(name) + ash_view_release + ash_cache_clear"),
    "c.seg-view-cold": ("c", ["{build}/bench/ash-cg-core", "seg-view-cold", "{n}"],
                        "ash_segment_open + ash_segment_view + release + close + ash_cache_clear"),
    "c.reopen": ("c", ["{build}/bench/ash-cg-core", "reopen", "{n}"],
                 "ash_attach(name) + ash_view_release, the mapping kept"),
    "c.attach-desc-gen": ("c", ["{build}/bench/ash-cg-core", "attach-desc-gen", "{n}"],
                          "ash_attach of a gen= descriptor of a segment held (unpickling)"),
    "c.create-small": ("c", ["{build}/bench/ash-cg-core", "create-small", "{n}"],
                       "ash_create of 8 KiB + ash_view_release + ash_unlink"),
    "py.pickle-task": ("py", ["{python}", "{pyhere}/cg_python.py", "pickle-view", "{n}"],
                       "pickle.dumps((v[i:i+1], x)): one task, chunksize=1"),
    "py.unpickle-task": ("py", ["{python}", "{pyhere}/cg_python.py", "unpickle-view", "{n}"],
                         "pickle.loads of it, the array held"),
    "py.task-fresh": ("py", ["{python}", "{pyhere}/cg_python.py", "task-fresh", "{n}"],
                      "a worker's task: loads + view[...] = x + release, holding nothing"),
    "py.name-task": ("py", ["{python}", "{pyhere}/cg_python.py", "name-task", "{n}"],
                     "the anchor: loads of (name, shape, r0, r1, x) + write to a kept ndarray"),
    "py.chunk64-dumps": ("py", ["{python}", "{pyhere}/cg_python.py", "chunk64-dumps", "{n}"],
                         "a Pool chunk of 64 tasks (v[i:i+1], x): slicing + dumps"),
    "py.chunk64-loads": ("py", ["{python}", "{pyhere}/cg_python.py", "chunk64-loads", "{n}"],
                         "pickle.loads of it"),
    "py.name64-dumps": ("py", ["{python}", "{pyhere}/cg_python.py", "name64-dumps", "{n}"],
                        "the anchor: 64 (name, shape, r0, r1, x) tuples, dumps"),
    "py.name64-loads": ("py", ["{python}", "{pyhere}/cg_python.py", "name64-loads", "{n}"],
                        "the anchor's loads"),
    "py.elem-get-set": ("py", ["{python}", "{pyhere}/cg_python.py", "elem-get-set", "{n}"],
                        "v[i, j] = v[i, j] + 1.0 on a 2-d float64 view", 50000),
    "py.reattach": ("py", ["{python}", "{pyhere}/cg_python.py", "reattach", "{n}"],
                    "arrayshare.attach(name) + close, the mapping kept"),
    "lua.get2d": ("lua", ["{lua}", "{here}/cg_lua.lua", "get2d", "{n}"],
                  "s = s + v[i][j] on a 2-d float64 view"),
    "lua.getm2d": ("lua", ["{lua}", "{here}/cg_lua.lua", "getm2d", "{n}"],
                   "s = s + v:get(i, j)"),
    "lua.rw1d": ("lua", ["{lua}", "{here}/cg_lua.lua", "rw1d", "{n}"],
                 "v[i] = v[i] + 1 on a 1-d float64 view"),
    "lua.table2d": ("lua", ["{lua}", "{here}/cg_lua.lua", "table2d", "{n}"],
                    "s = s + t[i][j] on a Lua table of tables (anchor)"),
    "ruby.get2d": ("ruby", ["{ruby}", "{here}/cg_ruby.rb", "get2d", "{n}"],
                   "s += v[i, j] on a 2-d float64 view"),
    "ruby.rw1d": ("ruby", ["{ruby}", "{here}/cg_ruby.rb", "rw1d", "{n}"],
                  "v[i] = v[i] + 1 on a 1-d float64 view"),
    "ruby.ary2d": ("ruby", ["{ruby}", "{here}/cg_ruby.rb", "ary2d", "{n}"],
                   "s += a[i][j] on an Array of Arrays (anchor)"),
}

# N1 per language (an operation's own as a fourth field): enough
# operations that the difference dwarfs noise
# (callgrind's counts of a deterministic program are exact; interpreters
# vary by a few hundred instructions between runs)
N1 = {"c": 2000, "lua": 20000, "ruby": 20000, "py": 2000}


def env_for(build):
    """The environment the build tree's bindings need (ash-env.sh's)."""
    env = dict(os.environ)
    env["LUA_INIT_5_4"] = "@%s/bindings/lua/lua/buildtree.lua" % build
    lib = os.path.join(build, "bindings", "ruby", "lib")
    env["RUBYLIB"] = lib + (":" + env["RUBYLIB"] if env.get("RUBYLIB") else "")
    env["PYTHONPATH"] = os.path.join(build, "python") + (
        ":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def total_instructions(cmd, env):
    """Instructions of one run of @cmd under callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if r.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), r.returncode, r.stderr[-2000:]))
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    raise RuntimeError("no totals in callgrind output of %s" % " ".join(cmd))


def measure(name, build, tools, env):
    lang, template = OPS[name][:2]
    n1 = OPS[name][3] if len(OPS[name]) > 3 else N1[lang]
    counts = []
    for n in (n1, 2 * n1):
        cmd = [a.format(build=build, here=HERE, n=n, lua=tools.get("lua"), ruby=tools.get("ruby"),
                        python=tools.get("python"), pyhere=os.path.join(ROOT, "bench", "python"))
               for a in template]
        counts.append(total_instructions(cmd, env))
    return (counts[1] - counts[0]) / n1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")))
    ap.add_argument("--only", default="", help="operations whose name starts with this (comma list)")
    ap.add_argument("--threshold", type=float, help="regression threshold in percent")
    ap.add_argument("--update", action="store_true", help="rewrite the baseline with these counts")
    ap.add_argument("--check", action="store_true", help="exit status 1 on a regression")
    ap.add_argument("--json", help="also write the counts to this file")
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("run.py: valgrind is not installed (apt-get install valgrind)")
    build = os.path.abspath(args.build)
    tools = {"lua": shutil.which("lua5.4"), "ruby": shutil.which("ruby"),
             "python": "/usr/bin/python3"}
    have = {
        "c": os.path.exists(os.path.join(build, "bench", "ash-cg-core")),
        "lua": bool(tools["lua"]) and os.path.exists(os.path.join(build, "bindings", "lua", "lua",
                                                                  "arrayshare_core.so")),
        "ruby": bool(tools["ruby"]) and os.path.exists(os.path.join(build, "bindings", "ruby", "lib",
                                                                    "arrayshare_core.so")),
        "py": os.path.exists(tools["python"]) and os.path.isdir(os.path.join(build, "python",
                                                                             "arrayshare")),
    }
    base = {"threshold_pct": {"c": 2.0, "lua": 5.0, "ruby": 5.0, "py": 5.0}, "ops": {}}
    if os.path.exists(BASELINE):
        with open(BASELINE) as f:
            base = json.load(f)
    thresholds = dict(base.get("threshold_pct") or {})
    if args.threshold is not None:
        thresholds = {lang: args.threshold for lang in N1}
    prefixes = [p for p in args.only.split(",") if p]
    env = env_for(build)
    results = {}
    regressions = []
    print("%-20s %12s %12s %9s  %s" % ("operation", "instr/op", "baseline", "change", "what"))
    for name in OPS:
        lang = OPS[name][0]
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        if not have[lang]:
            print("%-20s %12s   (no %s in %s)" % (name, "skipped", lang, build))
            continue
        x = measure(name, build, tools, env)
        results[name] = round(x, 1)
        b = base["ops"].get(name, {}).get("instructions")
        threshold = thresholds.get(lang, 3.0)
        if b:
            change = 100.0 * (x - b) / b
            flag = ""
            if change > threshold:
                flag = "  REGRESSION"
                regressions.append(name)
            elif change < -threshold:
                flag = "  improved"
            print("%-20s %12.1f %12.1f %+8.1f%%  %s%s" % (name, x, b, change, OPS[name][2], flag))
        else:
            print("%-20s %12.1f %12s %9s  %s" % (name, x, "-", "", OPS[name][2]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, sort_keys=True)
    if args.update:
        for name, x in results.items():
            base["ops"][name] = {"instructions": x, "what": OPS[name][2]}
        base["threshold_pct"] = thresholds
        vg = subprocess.run(["valgrind", "--version"], stdout=subprocess.PIPE,
                            universal_newlines=True).stdout.strip()
        btype = ""
        cache = os.path.join(build, "CMakeCache.txt")
        if os.path.exists(cache):
            with open(cache) as f:
                btype = next((ln.split("=", 1)[1].strip() for ln in f
                              if ln.startswith("CMAKE_BUILD_TYPE:")), "")
        base["recorded_with"] = {
            "valgrind": vg, "python": sys.version.split()[0],
            "build_type": btype or "(none)",
            "note": "user-space instructions per operation; rep-prefixed string "
                    "instructions (memset, memcpy, fills) count once per "
                    "iteration under valgrind"}
        with open(BASELINE, "w") as f:
            json.dump(base, f, indent=2, sort_keys=True)
            f.write("\n")
        print("baseline written: %s" % BASELINE)
    if regressions:
        print("%d regression(s) beyond the threshold: %s" % (len(regressions), ", ".join(regressions)))
        if args.check:
            sys.exit(1)


if __name__ == "__main__":
    main()
