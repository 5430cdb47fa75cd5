# SPDX-License-Identifier: MIT
# Type stub of arrayshare.ndarray (arrayshare/_ndarray.py).
import os
from typing import Any, Optional, Tuple, Type, TypeVar, Union

import numpy

from . import View

_A = TypeVar("_A", bound="ndarray")


class ndarray(numpy.ndarray[Any, numpy.dtype[Any]]):
    """A numpy.ndarray on a shared array; slices pickle as descriptors."""
    def __new__(cls: Type[_A],
                source: Union[View, str, "os.PathLike[str]",
                              "numpy.ndarray[Any, Any]", memoryview],
                geometry: Optional[Tuple[int, ...]] = ...,
                *, readonly: bool = ...) -> _A: ...
    # Basic indexing keeps the class (slices stay shared); elements are
    # NumPy scalars.
    def __getitem__(self, key: Any) -> Any: ...
    def __reduce_ex__(self, protocol: Any) -> Tuple[Any, ...]: ...
    def copy(self, order: str = ...) -> numpy.ndarray[Any, numpy.dtype[Any]]: ...  # type: ignore[override]
    def __copy__(self) -> numpy.ndarray[Any, numpy.dtype[Any]]: ...  # type: ignore[override]
    def __deepcopy__(self, memo: Any) -> numpy.ndarray[Any, numpy.dtype[Any]]: ...  # type: ignore[override]
