#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""arrayshare demo: one array, three languages, no copies.

A Python parent creates a (rows, cols) float64 array in shared memory. A Pool
of Python workers started with "spawn" fills its rows, each task receiving
its slice as a plain argument (a view pickles to a short descriptor). Then a
Ruby process and a Lua process attach the same array by name alone and each
transform their own block of rows. The parent checks every value and
compares the time with pickling the same rows through the same Pool.
"""
import multiprocessing as mp
import os
import subprocess
import sys
import time

import numpy as np

import arrayshare as ash
from demo_tasks import fill_row, fill_row_pickled

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 60  # seconds for each batch of tasks


def main() -> int:
    rows, cols, workers = 64, 50_000, 4
    name = f"demo-{os.getpid()}"
    view = ash.create(name, (rows, cols), "float64")   # policy auto
    arr = np.asarray(view)                             # zero-copy
    mb = arr.nbytes / 1e6
    print(f"parent {os.getpid()}: created {view.descriptor}: float64 "
          f"{arr.shape}, {mb:.1f} MB")

    ctx = mp.get_context("spawn")
    with ctx.Pool(workers) as pool:
        # (map_async + timeout: a worker killed mid-run loses its task, and
        # a plain map would wait for it forever)
        pool.map_async(fill_row, [(view[i:i + 1], 0) for i in range(workers)]
                       ).get(TIMEOUT)  # warm up
        t0 = time.perf_counter()
        done = pool.map_async(fill_row, [(view[i:i + 1], i) for i in range(rows)]
                              ).get(TIMEOUT)
        t_ash = time.perf_counter() - t0
        assert done == list(range(rows))
        print(f"{workers} spawn workers filled {rows} rows, each task got its "
              f"slice as a plain argument: {t_ash * 1e3:.1f} ms")
        expected = (np.arange(rows * cols, dtype=np.float64)).reshape(rows, cols)
        t0 = time.perf_counter()
        back = pool.map_async(fill_row_pickled,
                              [(arr[i].copy(), i) for i in range(rows)]).get(TIMEOUT)
        copy = np.stack(back)
        t_pickle = time.perf_counter() - t0
        assert np.array_equal(copy, expected)
        print(f"the same work pickling the rows to the workers and back: "
              f"{t_pickle * 1e3:.1f} ms ({t_pickle / t_ash:.1f}x slower)")
    ash.clear_cache()

    q = rows // 4
    ruby = [os.environ.get("ASH_RUBY", "ruby"), os.path.join(HERE, "transform.rb"),
            name, "0", str(q)]
    lua = [os.environ.get("ASH_LUA", "lua5.4"), os.path.join(HERE, "transform.lua"),
           name, str(q), str(2 * q)]
    for cmd in (ruby, lua):
        subprocess.run(cmd, check=True, timeout=TIMEOUT)

    expected[0:q] *= -1          # Ruby negated its block
    expected[q:2 * q] *= 2       # Lua doubled its block
    wrong = np.count_nonzero(arr != expected)
    print(f"parent: checked all {arr.size} values: "
          f"{'all correct' if wrong == 0 else f'{wrong} WRONG'}")
    del arr
    view.close()     # the last attacher: policy auto unlinks the segment
    left = os.path.exists(f"/dev/shm/ash.{name}")
    print(f"/dev/shm: {'ash.' + name + ' is STILL THERE' if left else 'as it was (the segment is gone)'}")
    return 0 if wrong == 0 and not left else 1


if __name__ == "__main__":
    sys.exit(main())
