#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Pool round trip parent -> child -> parent of a float64 array.

The parent hands an array to a persistent ``multiprocessing.Pool`` worker,
the worker adds 1 to every element in place, and the parent then sees the
result. Timed per round trip (``pool.apply`` until the parent holds the
result), for these methods, interleaved (the order rotates every
repetition), on one Pool per size whose worker is started and warmed (every
attachment made, every page touched) before timing:

  pickle      pool.apply(f, (arr,)): the array is pickled to the child, which
              adds 1 and returns it (pickled back); the parent stores it back
              into its array (arr[...] = result).
  mp.Array    a multiprocessing.Array(lock=False) made before the Pool and
              passed with initializer=...; the child wraps it with
              np.frombuffer and adds 1.
  shm-kept    multiprocessing.shared_memory.SharedMemory: the child attaches
              SharedMemory(name) once (cached in a module global) and adds 1
              through np.ndarray(buffer=shm.buf). The anchor.
  ash-desc    arrayshare, fresh descriptor per task: pool.apply(f, (view,));
              the view pickles to its descriptor, the child does
              np.asarray(view) += 1 (the per-process attach cache reuses the
              mapping across tasks).
  ash-kept    arrayshare, attachment kept: the child attaches once
              (arrayshare.attach(name), cached in a global) and adds 1.

From 1 MB on, a repetition runs pickle once (the slow one) and every
other method --inner-mid (below 100 MB) or --inner-large times. After each pickle round trip an
untimed empty task lets the worker finish freeing its copies, so that cost
does not land on the next method's timing.

And, for information (no targets): noop (pool.apply of an empty task: the
Pool's own latency) and compute (a += 1 on a private array in the parent, no
IPC: the floor every method pays at large sizes).

After every timed round trip the parent checks that it sees old + 1 (every
element up to --check-all bytes, else a fixed sample of ~2000 elements
including the first and last). Targets (PASS/MISS, printed; the exit status
is 0 unless --strict):
  * at 800 MB, ash-desc at least 100x faster than pickle;
  * at every size, ash-desc / shm-kept <= 1.1 (ratio of medians).
Ratios are always taken between methods measured in the same run.

Segments: arrayshare "bench-rt-PID-*" (/dev/shm/ash.bench-rt-PID-*),
SharedMemory "bench_rt_PID_*" (registered with the resource tracker, as
users do); all are unlinked at the end (also on errors and SIGTERM), and
/dev/shm is checked for leftovers.

    PYTHONPATH=build-int/python /usr/bin/python3 bench/python/bench_roundtrip.py
    options: --sizes 8e3,8e6,8e8 (bytes), --quick (drops sizes >= 100 MB,
             fewer repetitions), --start-method spawn|fork|forkserver,
             --reps N (default 1000 below 1 MB, else 60), --reps-large N
             (sizes >= 100 MB, default 4), --inner-mid K (default 3),
             --inner-large K (default 5),
             --plot PNG (default bench/python/roundtrip.png), --json FILE
             (default: the plot's path with .json), --strict,
             --replot JSON (redraw the PNG from a JSON, no measurement)
"""
import argparse
import datetime
import gc
import json
import multiprocessing as mp
import os
import pickle
import platform
import signal
import statistics
import sys
import time
from multiprocessing import shared_memory

import numpy as np

import arrayshare as ash

HERE = os.path.dirname(os.path.abspath(__file__))
LARGE = 100e6           # sizes from here on are "large" (few repetitions)

METHODS = ["pickle", "mp.Array", "shm-kept", "ash-desc", "ash-kept"]
INFO = ["noop", "compute"]
LABELS = {
    "pickle": "(1) pickle both ways",
    "mp.Array": "(2) mp.Array via initializer",
    "shm-kept": "(3) SharedMemory, attachment kept",
    "ash-desc": "(4) arrayshare, descriptor per task",
    "ash-kept": "(5) arrayshare, attachment kept",
    "noop": "noop task (Pool latency)",
    "compute": "a += 1 in parent (no IPC)",
}

# ---------------------------------------------------------------------------
# worker side (module level: the spawn and forkserver start methods import it)

_MP_ARRAY = None        # the multiprocessing.Array, from the initializer
_SHM = {}               # SharedMemory name -> SharedMemory (kept attached)
_ASH = {}               # arrayshare name -> View (kept attached)


def w_init(mp_array):
    global _MP_ARRAY
    _MP_ARRAY = mp_array


def w_noop(_):
    return None


def w_pickle(a):
    a += 1              # on the child's unpickled copy
    return a            # pickled back to the parent


def w_mparray(_):
    a = np.frombuffer(_MP_ARRAY, dtype=np.float64)
    a += 1


def w_shm(name, n):
    shm = _SHM.get(name)
    if shm is None:
        shm = _SHM[name] = shared_memory.SharedMemory(name=name)
    a = np.ndarray((n,), np.float64, buffer=shm.buf)
    a += 1


def w_ash_desc(view):
    a = np.asarray(view)
    a += 1


def w_ash_kept(name):
    v = _ASH.get(name)
    if v is None:
        v = _ASH[name] = ash.attach(name)
    a = np.asarray(v)
    a += 1


_LAST_UNPICKLE = [0]


def w_timed_unpickle(descriptor):
    """What unpickling a View runs (arrayshare._unpickle_view), timed."""
    t0 = time.perf_counter_ns()
    v = ash._unpickle_view(descriptor)
    _LAST_UNPICKLE[0] = time.perf_counter_ns() - t0
    return v


class TimedView:
    """Pickles like a View (its descriptor, rebuilt by _unpickle_view) but
    the worker times the rebuild (breakdown only)."""

    def __init__(self, view):
        self.descriptor = view.descriptor

    def __reduce__(self):
        return (w_timed_unpickle, (self.descriptor,))


def w_ash_desc_timed(view):
    a = np.asarray(view)
    a += 1
    return _LAST_UNPICKLE[0]


def w_release(_):
    """Drops every attachment this worker keeps (run before the Pool closes)."""
    global _MP_ARRAY
    gc.collect()
    for shm in _SHM.values():
        shm.close()
    _SHM.clear()
    for v in _ASH.values():
        v.close()
    _ASH.clear()
    ash.clear_cache()
    _MP_ARRAY = None
    return os.getpid()


# ---------------------------------------------------------------------------
# parent side

def fmt_bytes(b):
    for unit, f in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if b >= f:
            x = b / f
            return ("%d %s" % (x, unit)) if x == int(x) else ("%.3g %s" % (x, unit))
    return "%d B" % b


def fmt_time(s):
    if s >= 1:
        return "%.3f s" % s
    if s >= 1e-3:
        return "%.2f ms" % (s * 1e3)
    return "%.1f us" % (s * 1e6)


class Checker:
    """The parent's expectation for one array: element i == i + count."""

    def __init__(self, n, check_all_bytes, rng):
        self.n = n
        self.full = n * 8 <= check_all_bytes
        if self.full:
            self.base = np.arange(n, dtype=np.float64)
        else:
            idx = np.concatenate([[0, n - 1], rng.integers(0, n, 1024),
                                  np.arange(0, n, max(1, n // 1024))])
            self.idx = np.unique(idx)
            self.base = self.idx.astype(np.float64)

    def check(self, arr, count, what):
        got = arr if self.full else arr[self.idx]
        if not np.array_equal(got, self.base + count):
            bad = np.flatnonzero(got != self.base + count)
            i = bad[0]
            raise AssertionError(
                "%s: after %d round trips element %d is %r, expected %r "
                "(%d of %d checked elements wrong)"
                % (what, count, i if self.full else self.idx[i], got[i],
                   self.base[i] + count, len(bad), len(got)))


def reps_for(nbytes, args):
    if nbytes >= LARGE:
        return args.reps_large
    if args.reps:
        return args.reps
    if args.quick:
        return 100 if nbytes < 1e6 else 10
    return 1000 if nbytes < 1e6 else 60


def warmups_for(nbytes):
    return 1 if nbytes >= LARGE else (3 if nbytes >= 1e6 else 20)


def run_size(nbytes, args, ctx, tag, resources):
    """Times every method at one size; returns {method: [seconds...]}."""
    n = int(nbytes) // 8
    pid = os.getpid()
    rng = np.random.default_rng(12345)
    init = np.arange(n, dtype=np.float64)

    # the arrays, one per method (each has its own expectation)
    arr_p = init.copy()                                   # (1) pickle
    mp_arr = ctx.Array("d", n, lock=False)                # (2) before the Pool
    a_mp = np.frombuffer(mp_arr, dtype=np.float64)
    a_mp[:] = init
    shm_name = "bench_rt_%d_%s" % (pid, tag)              # (3)
    shm = shared_memory.SharedMemory(name=shm_name, create=True, size=n * 8)
    resources.append(("shm", shm_name, shm))
    a_shm = np.ndarray((n,), np.float64, buffer=shm.buf)
    a_shm[:] = init
    desc_name = "bench-rt-%d-desc-%s" % (pid, tag)        # (4)
    v_desc = ash.create(desc_name, n, "float64")
    resources.append(("ash", desc_name, v_desc))
    a_desc = np.asarray(v_desc)
    a_desc[:] = init
    kept_name = "bench-rt-%d-kept-%s" % (pid, tag)        # (5)
    v_kept = ash.create(kept_name, n, "float64")
    resources.append(("ash", kept_name, v_kept))
    a_kept = np.asarray(v_kept)
    a_kept[:] = init
    a_cmp = init.copy()                                   # compute (info)
    del init

    checker = Checker(n, args.check_all, rng)
    count = {m: 0 for m in METHODS + INFO}
    samples = {m: [] for m in METHODS + INFO}

    pool = ctx.Pool(1, initializer=w_init, initargs=(mp_arr,))
    try:
        def rt_pickle():
            out = pool.apply(w_pickle, (arr_p,))
            arr_p[...] = out            # the parent stores it back

        actions = {
            "pickle": (rt_pickle, lambda: arr_p),
            "mp.Array": (lambda: pool.apply(w_mparray, (None,)), lambda: a_mp),
            "shm-kept": (lambda: pool.apply(w_shm, (shm_name, n)), lambda: a_shm),
            "ash-desc": (lambda: pool.apply(w_ash_desc, (v_desc,)), lambda: a_desc),
            "ash-kept": (lambda: pool.apply(w_ash_kept, (kept_name,)), lambda: a_kept),
            "noop": (lambda: pool.apply(w_noop, (None,)), None),
            "compute": (lambda: np.add(a_cmp, 1, out=a_cmp), lambda: a_cmp),
        }
        order = METHODS + INFO

        def one(m, timed):
            fn, arr = actions[m]
            t0 = time.perf_counter_ns()
            fn()
            t = (time.perf_counter_ns() - t0) * 1e-9
            if arr is not None:
                count[m] += 1
                checker.check(arr(), count[m], "%s at %s" % (m, fmt_bytes(nbytes)))
            if timed:
                samples[m].append(t)
            if m == "pickle":
                # untimed: the worker frees its copies (for 800 MB, a munmap
                # of tens of ms) after sending the result; let it finish so
                # that the cost does not land on the next method's timing.
                pool.apply(w_noop, (None,))

        pool.apply(w_noop, (None,))     # the worker runs
        for _ in range(warmups_for(nbytes)):
            for m in order:
                one(m, False)
        reps = reps_for(nbytes, args)
        inner = (args.inner_large if nbytes >= LARGE else
                 args.inner_mid if nbytes >= 1e6 else 1)
        others = order[1:]      # everything but pickle
        t_start = time.perf_counter()
        for r in range(reps):
            if inner == 1:
                k = r % len(order)
                for m in order[k:] + order[:k]:
                    one(m, True)
                continue
            # >= 1 MB: pickle once (the slow one: up to seconds), the
            # others `inner` times each, rotated
            one("pickle", True)
            for j in range(inner):
                k = (r * inner + j) % len(others)
                for m in others[k:] + others[:k]:
                    one(m, True)
            if nbytes >= LARGE and not args.quiet:
                print("    %s rep %d/%d done (%.0f s)" % (
                    fmt_bytes(nbytes), r + 1, reps,
                    time.perf_counter() - t_start), flush=True)
        pool.apply(w_release, (None,))
    finally:
        pool.close()
        pool.join()
    return samples, (reps, inner)


def breakdown(args, ctx, tag, resources):
    """In-process costs of the per-task steps that differ between ash-desc
    and shm-kept (size-independent): what a small round trip pays extra."""
    n = 1000
    pid = os.getpid()
    name = "bench-rt-%d-bd-%s" % (pid, tag)
    v = ash.create(name, n, "float64")
    resources.append(("ash", name, v))
    shm_name = "bench_rt_%d_bd_%s" % (pid, tag)
    shm = shared_memory.SharedMemory(name=shm_name, create=True, size=n * 8)
    resources.append(("shm", shm_name, shm))
    cache = {shm_name: shm}
    blob = pickle.dumps(v)
    sblob = pickle.dumps((shm_name, n))
    pickle.loads(blob)          # fills this process's attach cache
    kept = ash.attach(name)

    def ash_dumps():
        pickle.dumps(v)

    def ash_loads():
        pickle.loads(blob)      # attach via the cache, view dropped again

    def ash_asarray():
        np.asarray(kept)

    def ash_all():
        w = pickle.loads(pickle.dumps(v))
        a = np.asarray(w)
        del a, w

    def shm_all():
        nm, k = pickle.loads(pickle.dumps((shm_name, n)))
        a = np.ndarray((k,), np.float64, buffer=cache[nm].buf)
        del a

    def kept_all():
        nm = pickle.loads(pickle.dumps(name))
        a = np.asarray(kept)
        del a, nm

    def core_attach():
        ash.core.ash_attach(desc, 0).close()

    def cache_keep():
        ash._cache_keep(handle, seg_name, gen)

    def raw_open():             # the syscalls ash_attach makes per lookup
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        os.fstat(fd)
        os.close(fd)

    path = "/dev/shm/ash." + name
    _, (desc, seg_name, gen) = v.__reduce__()   # what a task receives
    handle = ash.core.ash_attach(desc, 0)
    items = [("view pickle.dumps", ash_dumps),
             ("view pickle.loads (attach + cache)", ash_loads),
             ("  of which core.ash_attach(descriptor)", core_attach),
             ("  of which _cache_keep (Python)", cache_keep),
             ("  (os.open+fstat+close: what attaching by name alone costs)", raw_open),
             ("np.asarray(view)", ash_asarray),
             ("ash-desc: dumps+loads+asarray", ash_all),
             ("ash-kept: name dumps+loads+asarray", kept_all),
             ("shm-kept: name dumps+loads+dict+ndarray", shm_all)]
    iters = 2000 if args.quick else 20000
    runs = 5
    res = {k: [] for k, _ in items}
    for _ in range(runs):
        for k, fn in items:
            t0 = time.perf_counter_ns()
            for _ in range(iters):
                fn()
            res[k].append((time.perf_counter_ns() - t0) / iters / 1e3)
    kept.close()
    handle.close()
    out = {k: statistics.median(x) for k, x in res.items()}
    # the same rebuild inside a Pool worker, during real round trips (cold
    # caches, a process just woken up): what ash-desc pays per task there
    pool = ctx.Pool(1)
    try:
        tv = TimedView(v)
        for _ in range(20):
            pool.apply(w_ash_desc_timed, (tv,))
        xs = [pool.apply(w_ash_desc_timed, (tv,)) / 1e3
              for _ in range(100 if args.quick else 500)]
        pool.apply(w_release, (None,))
    finally:
        pool.close()
        pool.join()
    out["view unpickle in the worker, during round trips"] = \
        statistics.median(xs)
    out["view pickle bytes"] = len(blob)
    out["shm args pickle bytes"] = len(sblob)
    return out


def cleanup(resources):
    """Unlinks and closes everything this run created; returns problems."""
    problems = []
    gc.collect()
    for kind, name, obj in reversed(resources):
        try:
            if kind == "ash":
                try:
                    ash.unlink(name)
                except ash.NotFoundError:
                    pass        # "auto" policy: already gone
                obj.close()
            else:
                try:
                    obj.unlink()    # also unregisters from the resource tracker
                except FileNotFoundError:
                    pass
                obj.close()
        except Exception as e:  # keep going: unlink everything we can
            problems.append("%s %s: %r" % (kind, name, e))
    resources.clear()
    ash.clear_cache()
    return problems


def leftovers():
    pid = os.getpid()
    mine = ("ash.bench-rt-%d-" % pid, "bench_rt_%d_" % pid, "pym-%d-" % pid)
    try:
        return sorted(f for f in os.listdir("/dev/shm") if f.startswith(mine))
    except FileNotFoundError:
        return []


def evaluate(results, sizes):
    """Targets, from medians of the same run."""
    targets = []
    big = [s for s in sizes if abs(s - 8e8) / 8e8 < 0.01]
    if big:
        r = results[fmt_bytes(big[0])]
        sp = r["pickle"]["median"] / r["ash-desc"]["median"]
        targets.append({"name": "ash-desc >= 100x faster than pickle at 800 MB",
                        "value": sp, "limit": 100.0, "size": big[0],
                        "pass": sp >= 100.0})
    else:
        targets.append({"name": "ash-desc >= 100x faster than pickle at 800 MB",
                        "value": None, "limit": 100.0, "size": 8e8, "pass": None})
    for s in sizes:
        r = results[fmt_bytes(s)]
        q = r["ash-desc"]["median"] / r["shm-kept"]["median"]
        targets.append({"name": "ash-desc / shm-kept <= 1.1 at %s" % fmt_bytes(s),
                        "value": q, "limit": 1.1, "size": s, "pass": q <= 1.1})
    return targets


def plot(path, sizes, results, targets, meta):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 5),
                                 gridspec_kw={"width_ratios": [3, 2]})
    style = {"pickle": ("C3", "o", "-"), "mp.Array": ("C1", "s", "-"),
             "shm-kept": ("C0", "D", "-"), "ash-desc": ("C2", "^", "-"),
             "ash-kept": ("C4", "v", "-"), "noop": ("0.5", ".", ":"),
             "compute": ("0.3", "x", "--")}
    xs = list(sizes)
    for m in METHODS + INFO:
        c, mk, ls = style[m]
        ys = [results[fmt_bytes(s)][m]["median"] for s in sizes]
        ax.plot(xs, ys, color=c, marker=mk, ls=ls, label=LABELS[m],
                lw=1.6 if m in METHODS else 1.1, ms=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels([fmt_bytes(s) for s in xs])
    ax.minorticks_off()
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        lambda y, _: fmt_time(y).replace(".0 ", " ").replace(".00 ", " ")
        .replace(".000 ", " ")))
    ax.set_xlabel("array size (float64)")
    ax.set_ylabel("round trip, median")
    ax.set_title("parent -> child (a += 1 in place) -> parent")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    t0 = targets[0]
    if t0["value"] is not None:
        r = results[fmt_bytes(t0["size"])]
        ax.annotate("pickle / ash-desc = %.1fx\n(target >= 100x: %s)"
                    % (t0["value"], "PASS" if t0["pass"] else "MISS"),
                    xy=(t0["size"], r["ash-desc"]["median"]),
                    xytext=(0.55, 0.12), textcoords="axes fraction", fontsize=9,
                    arrowprops={"arrowstyle": "->", "color": "0.3"},
                    bbox={"boxstyle": "round", "fc": "w", "ec": "0.6"})

    for m in ("mp.Array", "ash-desc", "ash-kept"):
        c, mk, _ = style[m]
        ys = [results[fmt_bytes(s)][m]["median"] /
              results[fmt_bytes(s)]["shm-kept"]["median"] for s in sizes]
        bx.plot(xs, ys, color=c, marker=mk, label=LABELS[m].split(") ")[1])
    for s in sizes:
        q = results[fmt_bytes(s)]["ash-desc"]["median"] / \
            results[fmt_bytes(s)]["shm-kept"]["median"]
        bx.annotate("%.2f" % q, (s, q), textcoords="offset points",
                    xytext=(-6, 6), ha="right", fontsize=8, color="C2")
    bx.axhline(1.1, color="C3", ls="--", lw=1)
    bx.text(xs[0], 1.1, " target: ash-desc <= 1.1x", color="C3", fontsize=8,
            va="bottom")
    bx.axhline(1.0, color="0.5", lw=0.8)
    bx.set_xscale("log")
    bx.set_xticks(xs)
    bx.set_xticklabels([fmt_bytes(s) for s in xs])
    bx.minorticks_off()
    lo = min(0.8, min(l.get_ydata().min() for l in bx.get_lines()[:3]) * 0.95)
    hi = max(1.3, max(l.get_ydata().max() for l in bx.get_lines()[:3]) * 1.08)
    bx.set_ylim(lo, hi)
    bx.set_xlabel("array size (float64)")
    bx.set_ylabel("time / SharedMemory (3)  (lower is better)")
    bx.set_title("ratio to the SharedMemory anchor, same run")
    bx.grid(True, alpha=0.3)
    bx.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14),
              ncol=2, frameon=False)
    fig.suptitle("arrayshare Pool round trip, start method %r, %s, reps %s"
                 % (meta["start_method"], meta["date"],
                    "/".join(str(meta["reps"][fmt_bytes(s)]) for s in sizes)),
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def parse_sizes(text):
    out = []
    for part in text.split(","):
        v = float(part)
        if v < 8:
            raise argparse.ArgumentTypeError("size %r: at least 8 bytes" % part)
        out.append(int(v) // 8 * 8)
    return out


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]))
    ap.add_argument("--sizes", type=parse_sizes, default=None,
                    help="bytes, comma separated (default 8e3,8e6,8e8)")
    ap.add_argument("--quick", action="store_true",
                    help="drop sizes >= 100 MB, fewer repetitions")
    ap.add_argument("--start-method", default="spawn",
                    choices=mp.get_all_start_methods())
    ap.add_argument("--reps", type=int, default=0,
                    help="repetitions for sizes < 100 MB (default 1000 below "
                         "1 MB, else 60; --quick: 100/10)")
    ap.add_argument("--reps-large", type=int, default=4,
                    help="repetitions for sizes >= 100 MB (default 4)")
    ap.add_argument("--inner-mid", type=int, default=3,
                    help="sizes 1 MB to 100 MB: per repetition, pickle runs "
                         "once and every other method this many times "
                         "(default 3)")
    ap.add_argument("--inner-large", type=int, default=5,
                    help="sizes >= 100 MB: per repetition, pickle runs once "
                         "and every other method this many times (default 5)")
    ap.add_argument("--check-all", type=float, default=64e6,
                    help="check every element up to this many bytes "
                         "(default 64e6), a sample above")
    ap.add_argument("--plot", default=os.path.join(HERE, "roundtrip.png"))
    ap.add_argument("--json", default=None,
                    help="default: the --plot path with .json")
    ap.add_argument("--no-breakdown", action="store_true")
    ap.add_argument("--strict", action="store_true",
                    help="exit status 1 when a target is missed")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--replot", metavar="JSON",
                    help="only redraw --plot from a JSON this script wrote")
    args = ap.parse_args()
    if args.replot:
        with open(args.replot) as f:
            doc = json.load(f)
        plot(args.plot, doc["sizes_bytes"], doc["results"], doc["targets"],
             doc["meta"])
        print("wrote %s" % args.plot)
        return 0
    sizes = args.sizes or parse_sizes("8e3,8e6,8e8")
    if args.quick:
        sizes = [s for s in sizes if s < LARGE]
        if not sizes:
            ap.error("--quick drops every size >= 100 MB: nothing left")
    if args.json is None:
        args.json = os.path.splitext(args.plot)[0] + ".json"

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(128 + signal.SIGTERM))
    ctx = mp.get_context(args.start_method)
    resources = []
    results, reps_used, problems = {}, {}, []
    bd = None
    meta = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "start_method": args.start_method,
        "python": sys.version.split()[0], "numpy": np.__version__,
        "arrayshare": ash.__version__, "machine": platform.machine(),
        "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
    }
    print("round trip parent -> child (a += 1) -> parent, start method %r, "
          "1 worker, median of interleaved repetitions" % args.start_method,
          flush=True)
    t_all = time.perf_counter()
    try:
        for i, s in enumerate(sizes):
            t0 = time.perf_counter()
            samples, (reps, inner) = run_size(s, args, ctx, str(i), resources)
            problems += cleanup(resources)
            key = fmt_bytes(s)
            reps_used[key] = reps if inner == 1 else "%dx%d" % (reps, inner)
            results[key] = {}
            for m in METHODS + INFO:
                xs = samples[m]
                results[key][m] = {"median": statistics.median(xs),
                                   "min": min(xs), "max": max(xs),
                                   "samples_s": xs}
            # paired ratio: sample by sample (same repetition, same
            # conditions); pickle has fewer samples at large sizes
            for m in METHODS:
                step = len(samples["shm-kept"]) // len(samples[m])
                pr = [a / b for a, b in zip(samples[m],
                                            samples["shm-kept"][::step])]
                results[key][m]["paired_ratio_vs_shm"] = statistics.median(pr)
            if not args.quiet:
                print("  %s: %s reps in %.1f s" % (key, reps_used[key],
                                                   time.perf_counter() - t0),
                      flush=True)
        if not args.no_breakdown:
            bd = breakdown(args, ctx, "x", resources)
    finally:
        problems += cleanup(resources)
    left = leftovers()
    meta["loadavg_end"] = os.getloadavg()
    meta["reps"] = reps_used
    meta["wall_s"] = time.perf_counter() - t_all

    targets = evaluate(results, sizes)
    print()
    print("%-8s %-10s %12s %13s %11s" % ("size", "method", "median",
                                         "pickle/this", "this/shm"))
    for s in sizes:
        r = results[fmt_bytes(s)]
        for m in METHODS + INFO:
            med = r[m]["median"]
            print("%-8s %-10s %12s %12.1fx %10.2fx" % (
                fmt_bytes(s), m, fmt_time(med), r["pickle"]["median"] / med,
                med / r["shm-kept"]["median"]))
    print("(noop, compute: information only; 'this/shm' is ratio of medians; "
          "paired per-rep ratios are in the JSON)")
    print()
    print("targets:")
    for t in targets:
        if t["value"] is None:
            print("  %-46s  n/a (size not run)" % t["name"])
        else:
            print("  %-46s  %8.2f%s  %s" % (
                t["name"], t["value"], "x" if "faster" in t["name"] else "",
                "PASS" if t["pass"] else "MISS"))
    if bd:
        print()
        print("per-task costs, us (median; size-independent; in the parent "
              "unless said):")
        for k, x in bd.items():
            print("  %-48s %8.2f" % (k, x) if "bytes" not in k
                  else "  %-48s %5d" % (k, x))
    print()
    print("load average %.2f at start, %.2f at end; %.0f s in all"
          % (meta["loadavg_start"][0], meta["loadavg_end"][0], meta["wall_s"]))
    if problems:
        print("cleanup problems:", *problems, sep="\n  ")
    print("/dev/shm: %s" % ("nothing of this run left" if not left else
                            "LEFT BEHIND: " + ", ".join(left)))

    doc = {"meta": meta, "sizes_bytes": sizes, "methods": METHODS, "info": INFO,
           "labels": LABELS, "results": results, "targets": targets,
           "breakdown_us": bd, "dev_shm_leftovers": left,
           "cleanup_problems": problems}
    with open(args.json, "w") as f:
        json.dump(doc, f, indent=1)
    plot(args.plot, sizes, results, targets, meta)
    print("wrote %s and %s" % (args.json, args.plot))
    if left or problems:
        return 2
    if args.strict and any(t["pass"] is False for t in targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
