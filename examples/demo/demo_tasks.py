# SPDX-License-Identifier: MIT
"""Worker functions of demo.py (importable: the spawn start method re-imports
them in each worker)."""
from typing import Tuple

import numpy as np
import numpy.typing as npt

import arrayshare


def fill_row(args: Tuple[arrayshare.View, int]) -> int:
    """Receives a view (pickled as a descriptor, never the data) and writes
    row i in place: element (i, j) = i * cols + j."""
    view, i = args
    row = np.asarray(view)          # zero-copy, in the worker's mapping
    cols = row.shape[-1]
    row[...] = i * cols + np.arange(cols, dtype=np.float64)
    return i


def fill_row_pickled(args: Tuple[npt.NDArray[np.float64], int]
                     ) -> npt.NDArray[np.float64]:
    """The same work on a row that was pickled to the worker; the result is
    pickled back, as a Pool does without shared memory."""
    row, i = args
    cols = row.shape[-1]
    row[...] = i * cols + np.arange(cols, dtype=np.float64)
    return row
