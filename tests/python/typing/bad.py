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
v.atomic_ad(0)  # error
v.lock(timout=1.0)  # error
v.atomic_add(0, value=2)  # error
v.atomic_many("mul", [0])  # error
v.wait_change("3")  # error
arrayshare.wait_any([v])  # error
arrayshare.Segment.open("x").lock(1.0, lambda: None)  # error
v.writing().owner_dead  # error
arrayshare.Ring.create("x", "r", 2, "int8")  # error
arrayshare.Ring.attach("x/r").head = 3  # error
arrayshare.Ring.attach("x/r").read_slot().__enter__().shape  # error
arrayshare.OwnerDeadError().lock.relase()  # error
core.ash_view_lock(v, None)  # error
core.ash_ring_head(v)  # error
snap: bytes = v.snapshot()[1]  # error
arrayshare.DeadlokError  # error
