# SPDX-License-Identifier: MIT
"""Every line marked "# error" must be reported by mypy --strict (CTest
python.mypy), and no other: the stubs catch typos and wrong types."""
import arrayshare
from arrayshare import core

v = arrayshare.create("x", 3)
v.shpe  # error
v.descripter  # error
v.reshape("3")  # error
arrayshare.create("x", 3, persit=True)  # error
arrayshare.attach(3)  # error
arrayshare.unlink("x", missing=True)  # error
arrayshare.Segment.create("x", capcity=3)  # error
arrayshare.Segment.open("x").arays  # error
core.ash_view_size("x")  # error
core.ash_atach("x", 0)  # error
core.ASH_FLOT64  # error
n: str = v.size  # error
d: int = v.dtype  # error
arrayshare.nonexistent  # error
