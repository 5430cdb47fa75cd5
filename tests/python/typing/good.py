# SPDX-License-Identifier: MIT
"""Type-checked with mypy --strict against the package's stubs (CTest
python.mypy): the documented API, as users write it. Not run."""
import multiprocessing as mp
import pickle
from typing import List, Optional, Tuple

import numpy as np
import numpy.typing as npt

import arrayshare
from arrayshare import core


def work(part: arrayshare.ndarray) -> float:
    part[...] = 1.0
    return float(part.sum())


def row(v: arrayshare.View) -> Tuple[int, ...]:
    v += 1
    return v.shape


def main(name: str) -> None:
    v: arrayshare.View = arrayshare.create(name, (100, 4), "float64")
    w = arrayshare.attach(name, readonly=True, noattach=False)
    seg: arrayshare.Segment = v.segment()
    assert v.dtype == np.float64 and v.dtype.itemsize == 8
    d: arrayshare.DType = v.dtype
    nd: np.dtype[np.float64] = np.dtype(np.float64)
    print(d == nd, v.numpy_dtype, arrayshare.DTYPES[0].kind)
    x: float = float(v[0, 0:1])
    n: int = int(v[0, 0:1]) + len(v) + v.ndim + v.size
    total = v.sum()
    mask: npt.NDArray[np.bool_] = v == 1.0
    s: npt.NDArray[np.float64] = v + 1
    v *= 2
    a: arrayshare.ndarray = v.ndarray()
    b = arrayshare.ndarray(name)
    c: arrayshare.View = arrayshare.view_of(a[1:3])
    t: arrayshare.View = v.T.transpose(1, 0).reshape(400)[::2].view("int64")
    with mp.get_context("spawn").Pool(2) as pool:
        got: List[float] = pool.map(work, [a[i:i + 1] for i in range(100)])
        pool.map(row, [v[i] for i in range(100)])
    blob: bytes = pickle.dumps(v[3:4])
    back = pickle.loads(blob)
    assert isinstance(back, arrayshare.View)
    with arrayshare.Segment.create(name + "-s", arrays={"a": ((2, 2), "i4")},
                                   arena_bytes=4096, max_arrays=4,
                                   or_open=True) as s2:
        lab: arrayshare.View = s2.add_array("labels", 10)
        first: arrayshare.View = s2.view()
        maybe: Optional[arrayshare.View] = s2.get("nope")
        names: List[str] = s2.arrays
        alive, dead = s2.attachers
        print(lab.shape, first.shape, maybe, names, alive + dead, s2.policy)
        s2.unlink()
    ok: bool = arrayshare.unlink(name, missing_ok=True)
    there: bool = arrayshare.exists(name)
    h = core.ash_attach(name, core.ASH_RDONLY)
    sz: int = core.ash_view_size(h)
    shape: List[int] = core.ash_view_shape(h)
    core.ash_view_release(h)
    try:
        arrayshare.attach(name)
    except arrayshare.NotFoundError as exc:
        code: Optional[int] = exc.code
        print(code, exc.detail)
    print(x, n, total, mask, s, b, c, t, got, seg.name, w.readonly, ok,
          there, sz, shape, arrayshare.arena_bytes(10), arrayshare.ls())
    seg.close()
    v.close()


if __name__ == "__main__":
    main("typing-example")
