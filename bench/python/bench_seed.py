#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The seed's task, the full grid: a parent's float64 array, T tasks each
writing its own rows, through a Pool of 2 workers.

Grid: sizes 8 KB, 8 MiB, 800 MB x T = 64 and 4096 tasks x start methods
spawn and fork x chunking (Pool.map's default chunksize, and chunksize=1).
The array is (R, C) float64 with R = min(4096, elements) rows; task k
writes the value (run, k) into its rows [k*R//T, (k+1)*R//T) (at 8 KB and
T=4096 most tasks have no row: what is left is the per-task cost). One
sample is one whole map, from building the task arguments to the parent
holding every result. The methods, as their users write them:

  pickle     the rows as ndarrays (pool.map(f, [(arr[r0:r1], v), ...])):
             pickled to the worker, which fills and returns them (pickled
             back); the parent stores them (arr[r0:r1] = result)
  mp.Array   a multiprocessing.Array(lock=False) made before the Pool and
             passed with initializer=; tasks are (r0, r1, v)
  shm-kept   SharedMemory kept attached: tasks are (name, shape, r0, r1, v);
             the worker attaches SharedMemory(name) once per process
  shm-task   SharedMemory attached and closed by every task
  joblib     joblib.Parallel(n_jobs=2) writing into an np.memmap (joblib's
             documented way to write results in shared memory), tasks
             delayed(f)(mm, r0, r1, v); "default chunking" is batch_size=
             "auto", chunksize=1 is batch_size=1; start method spawn is
             joblib's default backend (loky), fork its "multiprocessing"
             backend (a multiprocessing Pool)
  torch      torch.multiprocessing Pool (the same start method), the array a
             shared tensor, tasks (t[r0:r1], v)
  ash        arrayshare: tasks (v[r0:r1], v): a view pickles as its
             descriptor; the worker does view[...] = v
  ash-nd     arrayshare.ndarray (for information): tasks (a[r0:r1], v)
             with plain NumPy slicing; the worker does a[...] = v
  ash-held   (for information: where ash's time goes) ash's tasks, on a
             Pool whose initializer attaches the array in every worker
             (arrayshare.attach(name), kept): a task's view then attaches
             with no system call, so ash - ash-held is the per-task
             attach/detach of a worker that holds nothing (the lifetime
             protocol: the worker counts as a holder while its view lives)
  shm-obj    (for information: the floor of passing an object per task)
             shm-kept with each task's (name, shape, r0, r1) in a small
             Python object that pickles by __reduce__ (as a view, a NumPy
             slice or a tensor must), instead of a plain tuple

Methods are interleaved (the order rotates every repetition), each on a
Pool of its own (no method runs in workers that another left garbage,
freed copies or attachments in), made and warmed before timing; after
every timed map the parent checks the first and last element of every
task's rows (untimed). Reported per cell: the median of every method, the
fastest peer (every method but ash, ash-nd, ash-held and shm-obj) and ash
/ fastest peer (target <= 1.1). Outputs: the table, a JSON
(--json, default bench/python/seed.json) with every sample, a PNG (--plot,
default bench/python/seed.png).

Benchmark-only dependencies (joblib, torch, matplotlib) are installed from
Debian (python3-joblib, python3-torch, python3-matplotlib) with apt-get when
missing and running as root, unless --no-install; a method whose module is
still missing is skipped (said in the output).

    PYTHONPATH=build/python /usr/bin/python3 bench/python/bench_seed.py
    options: --quick (8 KB and 8 MiB, T=64, 2 repetitions: a smoke test),
             --sizes 8e3,8388608,8e8, --tasks 64,4096, --starts spawn,fork,
             --chunks default,1, --only ash,shm-kept,...,
             --reps-small N (default 11), --reps-mid N (7), --reps-large N (3),
             --plot PNG, --json FILE, --replot JSON (redraw, no measurement),
             --no-install

Segments: arrayshare "bench-seed-PID-*", SharedMemory "bench_seed_PID_*",
the memmap /dev/shm/bench-seed-PID.mmap: all removed at the end (also on
errors and SIGTERM); /dev/shm is checked for leftovers.
"""
import argparse
import datetime
import gc
import importlib.util
import json
import multiprocessing as mp
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from multiprocessing import shared_memory

import numpy as np

import arrayshare as ash

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = ["pickle", "mp.Array", "shm-kept", "shm-task", "joblib", "torch"]
OURS = ["ash", "ash-nd", "ash-held"]
FLOORS = ["shm-obj"]
METHODS = PEERS + OURS + FLOORS
TARGET = 1.1
DEPS = {"joblib": "python3-joblib", "torch": "python3-torch",
        "matplotlib": "python3-matplotlib"}

# ---- worker side ------------------------------------------------------------

_W = {}  # per worker process: the mp.Array's ndarray, kept SharedMemory


def w_init_mparray(arr, shape):
    _W["mp"] = np.frombuffer(arr, dtype=np.float64).reshape(shape)


def w_init_held(name):
    _W["held"] = ash.attach(name)


def w_noop(_):
    return None


class Rows:
    """shm-obj's task: the rows of a SharedMemory array, an object that
    pickles by __reduce__ (a view's, slice's or tensor's minimum)."""
    __slots__ = ("name", "shape", "r0", "r1")

    def __init__(self, name, shape, r0, r1):
        self.name, self.shape, self.r0, self.r1 = name, shape, r0, r1

    def __reduce__(self):
        return (Rows, (self.name, self.shape, self.r0, self.r1))


def w_shm_obj(args):
    rows, v = args
    w_shm_kept((rows.name, rows.shape, rows.r0, rows.r1, v))


def w_pickle(args):
    block, v = args
    block[...] = v
    return block


def w_mparray(args):
    r0, r1, v = args
    _W["mp"][r0:r1] = v


def w_shm_kept(args):
    name, shape, r0, r1, v = args
    a = _W.get(name)
    if a is None:
        shm = shared_memory.SharedMemory(name=name)
        a = _W[name] = np.ndarray(shape, np.float64, buffer=shm.buf)
        _W["shm:" + name] = shm
    a[r0:r1] = v


def w_shm_task(args):
    name, shape, r0, r1, v = args
    shm = shared_memory.SharedMemory(name=name)
    a = np.ndarray(shape, np.float64, buffer=shm.buf)
    a[r0:r1] = v
    del a
    shm.close()


def w_ash(args):
    view, v = args
    view[...] = v


def w_ash_nd(args):
    a, v = args
    a[...] = v


def w_torch(args):
    t, v = args
    t.fill_(v)


def w_joblib(mm, r0, r1, v):
    mm[r0:r1] = v


def w_release(_):
    """Drops what a worker keeps, so that the segments can go."""
    for k in [k for k in _W if k.startswith("shm:")]:
        _W.pop(k[4:], None)
        _W.pop(k).close()
    _W.pop("mp", None)
    held = _W.pop("held", None)
    if held is not None:
        held.close()
    gc.collect()
    ash.clear_cache()


# ---- parent side ------------------------------------------------------------

def ensure_deps(install):
    """Imports the benchmark-only modules, installing the Debian packages
    of the missing ones when allowed; returns the set still missing."""
    missing = [m for m in DEPS if importlib.util.find_spec(m) is None]
    if missing and install and os.geteuid() == 0:
        pkgs = [DEPS[m] for m in missing]
        print("bench_seed: installing %s (apt-get)" % " ".join(pkgs), flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq",
                        "--no-install-recommends"] + pkgs, env=env,
                       stdout=subprocess.DEVNULL, check=False)
        importlib.invalidate_caches()
        missing = [m for m in DEPS if importlib.util.find_spec(m) is None]
    return set(missing)


def shape_for(nbytes):
    n = max(1, int(nbytes) // 8)
    rows = min(4096, n)
    return rows, n // rows


def bounds(rows, tasks):
    r = np.arange(tasks + 1, dtype=np.int64) * rows // tasks
    return r[:-1], r[1:]


def fmt_bytes(b):
    for unit, f in (("GB", 1e9), ("MiB", 2 ** 20), ("MB", 1e6), ("KB", 1e3)):
        if b >= f and (b / f == int(b / f) or unit == "GB"):
            return "%g %s" % (b / f, unit)
    return "%g MB" % (b / 1e6) if b >= 1e6 else "%d B" % b


def fmt_time(s):
    if s >= 1:
        return "%.2f s" % s
    if s >= 1e-3:
        return "%.1f ms" % (s * 1e3)
    return "%.0f us" % (s * 1e6)


class Group:
    """Everything one (size, start method) needs: the arrays of every
    method, its pools, and its timed runs."""

    def __init__(self, nbytes, start, methods, tag, resources):
        self.nbytes, self.start = nbytes, start
        self.rows, self.cols = shape_for(nbytes)
        self.shape = (self.rows, self.cols)
        self.methods = methods
        self.ctx = mp.get_context(start)
        self.run_id = 0
        self.res = resources
        shape = self.shape
        if "pickle" in methods:
            self.parr = np.zeros(shape)
        if "mp.Array" in methods:
            self.marr = self.ctx.Array("d", self.rows * self.cols, lock=False)
            self.mview = np.frombuffer(self.marr, dtype=np.float64).reshape(shape)
        if any(m in methods for m in ("shm-kept", "shm-task", "shm-obj")):
            self.shm_name = "bench_seed_%s" % tag
            self.shm = shared_memory.SharedMemory(self.shm_name, create=True,
                                                  size=self.rows * self.cols * 8)
            resources["shm"].append(self.shm_name)
            self.sarr = np.ndarray(shape, np.float64, buffer=self.shm.buf)
        if any(m in methods for m in ("ash", "ash-nd", "ash-held")):
            name = "bench-seed-%s" % tag
            self.ash_name = name
            self.view = ash.create(name, shape, "float64")
            resources["ash"].append(name)
            self.varr = np.asarray(self.view)
            if "ash-nd" in methods:
                self.nd = self.view.ndarray()
        if "joblib" in methods:
            import joblib
            path = "/dev/shm/bench-seed-%s.mmap" % tag
            resources["files"].append(path)
            self.mm = np.memmap(path, dtype=np.float64, mode="w+", shape=shape)
            backend = "loky" if start == "spawn" else "multiprocessing"
            self.joblib = joblib
            self.par = {b: joblib.Parallel(n_jobs=2, backend=backend,
                                           batch_size=b).__enter__()
                        for b in ("auto", 1)}
        if "torch" in methods:
            import torch
            import torch.multiprocessing as tmp
            self.torch = torch
            self.tt = torch.zeros(shape, dtype=torch.float64).share_memory_()
            self.tpool = tmp.get_context(start).Pool(2)
        # Every method its own Pool: no method runs in workers another
        # method left garbage, freed copies or attachments in.
        self.pools = {}
        for m in methods:
            if m == "mp.Array":
                init = (w_init_mparray, (self.marr, shape))
            elif m == "ash-held":
                init = (w_init_held, (self.ash_name,))
            else:
                init = (None, ())
            if m not in ("joblib", "torch"):
                self.pools[m] = self.ctx.Pool(2, initializer=init[0],
                                              initargs=init[1])

    def pool_of(self, m):
        if m == "torch":
            return self.tpool
        return self.pools[m]

    def array_of(self, m):
        return {"pickle": lambda: self.parr, "mp.Array": lambda: self.mview,
                "shm-kept": lambda: self.sarr, "shm-task": lambda: self.sarr,
                "shm-obj": lambda: self.sarr, "ash-held": lambda: self.varr,
                "joblib": lambda: self.mm, "torch": lambda: self.tt.numpy(),
                "ash": lambda: self.varr, "ash-nd": lambda: self.varr}[m]()

    def run(self, m, tasks, chunk):
        """One timed map of method m: seconds (the check is not timed)."""
        self.run_id += 1
        base = float(self.run_id * 8192)
        r0s, r1s = bounds(self.rows, tasks)
        vals = base + np.arange(tasks, dtype=np.float64)
        cs = None if chunk == "default" else 1
        r0l, r1l, vl = r0s.tolist(), r1s.tolist(), vals.tolist()
        idx = range(tasks)
        t0 = time.perf_counter()
        if m == "pickle":
            a = self.parr
            out = self.pool_of(m).map(w_pickle, [(a[r0l[k]:r1l[k]], vl[k]) for k in idx], cs)
            for k in idx:
                a[r0l[k]:r1l[k]] = out[k]
        elif m == "mp.Array":
            self.pool_of(m).map(w_mparray, [(r0l[k], r1l[k], vl[k]) for k in idx], cs)
        elif m in ("shm-kept", "shm-task"):
            fn = w_shm_kept if m == "shm-kept" else w_shm_task
            nm, sh = self.shm_name, self.shape
            self.pool_of(m).map(fn, [(nm, sh, r0l[k], r1l[k], vl[k])
                                     for k in idx], cs)
        elif m == "shm-obj":
            nm, sh = self.shm_name, self.shape
            self.pool_of(m).map(w_shm_obj, [(Rows(nm, sh, r0l[k], r1l[k]), vl[k])
                                      for k in idx], cs)
        elif m in ("ash", "ash-held"):
            v = self.view
            self.pool_of(m).map(w_ash, [(v[r0l[k]:r1l[k]], vl[k])
                                        for k in idx], cs)
        elif m == "ash-nd":
            a = self.nd
            self.pool_of(m).map(w_ash_nd, [(a[r0l[k]:r1l[k]], vl[k]) for k in idx], cs)
        elif m == "torch":
            t = self.tt
            self.tpool.map(w_torch, [(t[r0l[k]:r1l[k]], vl[k]) for k in idx], cs)
        elif m == "joblib":
            d, mm = self.joblib.delayed(w_joblib), self.mm
            self.par["auto" if chunk == "default" else 1](
                d(mm, r0l[k], r1l[k], vl[k]) for k in idx)
        dt = time.perf_counter() - t0
        if m == "pickle" and self.nbytes >= 1e8:
            self.pool_of(m).map(w_noop, [None] * 4, 1)  # free copies
        self.check(m, r0s, r1s, vals)
        return dt

    def check(self, m, r0s, r1s, vals):
        a = self.array_of(m)
        nz = r1s > r0s
        first = a[r0s[nz], 0]
        last = a[r1s[nz] - 1, -1]
        want = vals[nz]
        if not (np.array_equal(first, want) and np.array_equal(last, want)):
            bad = int(np.count_nonzero((first != want) | (last != want)))
            raise SystemExit("bench_seed: %s wrote wrong values (%d of %d tasks)"
                             % (m, bad, int(nz.sum())))

    def warm(self, tasks_list):
        for m in self.methods:
            for t in tasks_list:
                for c in ("default", 1):
                    self.run(m, t, c)

    def close(self):
        for p in self.pools.values():
            p.map(w_release, [None] * 8, 1)
            p.close()
            p.join()
        if hasattr(self, "tpool"):
            self.tpool.close()
            self.tpool.join()
        if hasattr(self, "par"):
            for p in self.par.values():
                p.__exit__(None, None, None)
            del self.mm
        if hasattr(self, "shm"):
            del self.sarr
            self.shm.close()
            self.shm.unlink()  # also withdraws it from the resource tracker
        if hasattr(self, "view"):
            self.__dict__.pop("nd", None)
            del self.varr
            self.view.close()
        gc.collect()


def reps_for(nbytes, args):
    if nbytes >= 1e8:
        return args.reps_large
    if nbytes >= 1e6:
        return args.reps_mid
    return args.reps_small


def cleanup(resources):
    ok = True
    for name in resources["ash"]:
        try:
            ash.unlink(name)
        except ash.NotFoundError:
            pass
    for name in resources["shm"]:
        try:
            shared_memory._posixshmem.shm_unlink("/" + name)
        except FileNotFoundError:
            pass
        except OSError:
            ok = False
    for path in resources["files"]:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    return ok


def leftovers(pid):
    return [e for e in os.listdir("/dev/shm")
            if ("bench-seed-%d-" % pid) in e or ("bench_seed_%d_" % pid) in e
            or e == "bench-seed-%d.mmap" % pid]


def evaluate(cells):
    """Per cell: the fastest peer, ash / it (PASS when <= TARGET), and
    the informational methods / it."""
    out = []
    for key, med in cells.items():
        peers = {m: t for m, t in med.items() if m in PEERS}
        if not peers or "ash" not in med:
            continue
        best = min(peers, key=peers.get)
        info = {m: med[m] / peers[best] for m in ("ash-nd", "ash-held",
                                                   "shm-obj") if m in med}
        out.append((key, best, med["ash"] / peers[best], info))
    return out


def cell_key(nbytes, tasks, start, chunk):
    return "%s|%d|%s|%s" % (fmt_bytes(nbytes), tasks, start, chunk)


def plot(path, data):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cells = data["medians"]
    sizes = data["config"]["sizes"]
    tasks = data["config"]["tasks"]
    methods = [m for m in METHODS
               if any(m in med for med in cells.values())]
    combos = [(s, c) for s in data["config"]["starts"]
              for c in data["config"]["chunks"]]
    fig, axes = plt.subplots(len(sizes), len(tasks), squeeze=False,
                             figsize=(6.5 * len(tasks), 3.2 * len(sizes)))
    colors = plt.get_cmap("tab10")
    width = 0.8 / max(1, len(methods))
    for i, nb in enumerate(sizes):
        for j, t in enumerate(tasks):
            ax = axes[i][j]
            for k, m in enumerate(methods):
                ys = [cells.get(cell_key(nb, t, s, c), {}).get(m, np.nan)
                      for s, c in combos]
                xs = [x + (k - len(methods) / 2 + 0.5) * width
                      for x in range(len(combos))]
                ax.bar(xs, ys, width, label=m, color=colors(k),
                       edgecolor="black" if m == "ash" else None,
                       linewidth=1.2 if m == "ash" else 0)
            ax.set_yscale("log")
            ax.set_xticks(range(len(combos)))
            ax.set_xticklabels(["%s\nchunk %s" % sc for sc in combos],
                               fontsize=8)
            ax.set_ylabel("seconds per map")
            ax.set_title("%s, T = %d tasks" % (fmt_bytes(nb), t), fontsize=10)
            ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(methods),
               fontsize=8, bbox_to_anchor=(0.5, 0.955))
    fig.suptitle("The seed's task: a parent's float64 array, T tasks writing "
                 "their rows, Pool of 2 (median of each cell; lower is "
                 "better; %s)" % data["meta"]["when"], fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path, dpi=90)
    print("plot: %s" % path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default="8e3,8388608,8e8")
    ap.add_argument("--tasks", default="64,4096")
    ap.add_argument("--starts", default="spawn,fork")
    ap.add_argument("--chunks", default="default,1")
    ap.add_argument("--only", default=None)
    ap.add_argument("--reps-small", type=int, default=11)
    ap.add_argument("--reps-mid", type=int, default=7)
    ap.add_argument("--reps-large", type=int, default=3)
    ap.add_argument("--plot", default=os.path.join(HERE, "seed.png"))
    ap.add_argument("--json", default=None)
    ap.add_argument("--replot", default=None)
    ap.add_argument("--no-install", action="store_true")
    args = ap.parse_args()
    if args.json is None:
        args.json = os.path.splitext(args.plot)[0] + ".json"
    if args.replot:
        with open(args.replot) as f:
            plot(args.plot, json.load(f))
        return 0
    if args.quick:
        args.sizes, args.tasks, args.starts = "8e3,8388608", "64", "spawn"
        args.reps_small = args.reps_mid = 2
        args.plot = args.json = None
    sizes = [float(s) for s in args.sizes.split(",")]
    tasks_list = [int(t) for t in args.tasks.split(",")]
    starts = args.starts.split(",")
    chunks = [c if c == "default" else int(c) for c in args.chunks.split(",")]
    methods = args.only.split(",") if args.only else list(METHODS)
    missing = ensure_deps(not args.no_install)
    for m in ("joblib", "torch"):
        if m in missing and m in methods:
            print("bench_seed: %s is not installed: skipped" % m)
            methods.remove(m)
    pid = os.getpid()
    resources = {"ash": [], "shm": [], "files": []}

    def on_term(signum, frame):
        if os.getpid() != pid:  # a forked worker (joblib's terminate())
            os._exit(1)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    samples = {}
    try:
        print("the seed's task: Pool of 2, %s; load %.1f" %
              (", ".join(methods), os.getloadavg()[0]), flush=True)
        for nb in sizes:
            for start in starts:
                tag = "%d-%d-%s" % (pid, int(nb), start)
                g = Group(nb, start, methods, tag, resources)
                try:
                    t_w = time.perf_counter()
                    g.warm(tasks_list)
                    reps = reps_for(nb, args)
                    cells = [(t, c) for t in tasks_list for c in chunks]
                    for rep in range(reps):
                        order = methods[rep % len(methods):] + \
                            methods[:rep % len(methods)]
                        for t, c in cells:
                            for m in order:
                                key = cell_key(nb, t, start, c)
                                samples.setdefault(key, {}).setdefault(
                                    m, []).append(g.run(m, t, c))
                    print("  %s %s: %d repetitions, %.0f s" % (
                        fmt_bytes(nb), start, reps, time.perf_counter() - t_w),
                        flush=True)
                finally:
                    g.close()
                cleanup(resources)
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        ok = cleanup(resources)
        left = leftovers(pid)
    medians = {k: {m: statistics.median(v) for m, v in d.items()}
               for k, d in samples.items()}
    # the table
    cols = [m for m in METHODS if m in methods]
    print("\n%-22s" % "cell (size|T|start|chunk)" +
          "".join("%10s" % m for m in cols) + "   fastest peer   ash/peer")
    for key in medians:
        med = medians[key]
        row = "%-22s" % key + "".join(
            "%10s" % (fmt_time(med[m]) if m in med else "-") for m in cols)
        print(row)
    print()
    verdicts = evaluate(medians)
    worst = 0.0
    for key, best, ratio, info in verdicts:
        worst = max(worst, ratio)
        print("%-22s fastest peer %-9s ash %.2fx %s   (%s)" % (
            key, best, ratio, "PASS" if ratio <= TARGET else "MISS",
            ", ".join("%s %.2fx" % mi for mi in info.items())))
    if verdicts:
        npass = sum(r <= TARGET for _, _, r, _ in verdicts)
        print("target ash <= %.1fx the fastest peer: %d of %d cells (worst "
              "%.2fx)" % (TARGET, npass, len(verdicts), worst))
    data = {"config": {"sizes": sizes, "tasks": tasks_list, "starts": starts,
                       "chunks": [str(c) for c in chunks], "methods": methods,
                       "workers": 2},
            "meta": {"when": datetime.datetime.now().isoformat(
                timespec="seconds"), "python": sys.version.split()[0],
                "numpy": np.__version__, "machine": platform.platform(),
                "cpus": os.cpu_count(), "load": os.getloadavg()},
            "medians": medians, "samples": samples}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1)
        print("json: %s" % args.json)
    if args.plot and "matplotlib" not in missing and medians:
        plot(args.plot, data)
    if left or not ok:
        print("LEFT IN /dev/shm: %s" % left)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
