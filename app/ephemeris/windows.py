"""Time windows (ET intervals) and the little arithmetic coverage needs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Window(NamedTuple):
    """A closed interval of ephemeris time, TDB seconds past J2000."""

    start: float
    stop: float

    def contains(self, et: float) -> bool:
        return self.start <= et <= self.stop


def merge(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Union of possibly overlapping windows, sorted."""
    out: list[Window] = []
    for w in sorted(windows):
        if out and w.start <= out[-1].stop:
            out[-1] = Window(out[-1].start, max(out[-1].stop, w.stop))
        else:
            out.append(Window(*w))
    return tuple(out)


def intersect(a: Iterable[Window], b: Iterable[Window]) -> tuple[Window, ...]:
    """Intersection of two window lists."""
    out = []
    for wa in merge(a):
        for wb in merge(b):
            lo, hi = max(wa.start, wb.start), min(wa.stop, wb.stop)
            if lo < hi:
                out.append(Window(lo, hi))
    return merge(out)
