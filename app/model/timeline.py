"""The span of time the timeline shows: zoomed from the whole coverage down to seconds.

A 10-minute encounter inside a 38-day orbit is 0.02% of the coverage, less than a pixel; users
zoom onto it, pan along it, and jump to an event's span (N/P, a double-click). The span is state
of its own, not the widget's, so jumps and tests set it the same way a wheel does.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from psygnal import Signal

MIN_SPAN_S = 30.0  # the narrowest view: seconds per pixel on any screen
FLYBY_HALF_SPAN_S = 1800.0  # ±30 min around a close approach


class TimelineView:
    changed = Signal(float, float)  # start, stop (ET)

    def __init__(self, start: float = 0.0, stop: float = 1.0) -> None:
        self.lo, self.hi = float(start), float(stop)  # what may be shown: the data's bounds
        self.start, self.stop = self.lo, self.hi

    @property
    def span(self) -> float:
        return self.stop - self.start

    @property
    def zoomed(self) -> bool:
        return self.span < (self.hi - self.lo) * 0.999

    def set_bounds(self, lo: float, hi: float) -> None:
        """New data bounds: show all of them (kernels changed)."""
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            raise ValueError("timeline bounds must be finite and increasing")
        self.lo, self.hi = float(lo), float(hi)
        self.show(self.lo, self.hi)

    def show(self, start: float, stop: float) -> None:
        """Show [start, stop], kept inside the bounds and at least MIN_SPAN_S wide."""
        if not (math.isfinite(start) and math.isfinite(stop)) or stop <= start:
            raise ValueError("a timeline span must be finite and increasing")
        whole = self.hi - self.lo
        span = min(max(stop - start, min(MIN_SPAN_S, whole)), whole)
        centre = 0.5 * (start + stop)
        start = min(max(centre - span / 2, self.lo), self.hi - span)
        stop = start + span
        if (start, stop) != (self.start, self.stop):
            self.start, self.stop = start, stop
            self.changed.emit(start, stop)

    def zoom(self, factor: float, around: float) -> None:
        """Scale the span by ``factor`` (< 1 zooms in) keeping ``around`` where it is on screen."""
        if not (math.isfinite(factor) and factor > 0 and math.isfinite(around)):
            raise ValueError("zoom needs a positive factor and a finite time")
        frac = (around - self.start) / self.span
        whole = self.hi - self.lo
        span = min(max(self.span * factor, min(MIN_SPAN_S, whole)), whole)  # clamped here, so it stays put
        self.show(around - frac * span, around - frac * span + span)

    def pan(self, seconds: float) -> None:
        self.show(self.start + seconds, self.stop + seconds)

    def show_all(self) -> None:
        self.show(self.lo, self.hi)

    def focus(self, et: float, end_et: float | None = None) -> None:
        """A span around an event: ±30 min for an instant, the interval with a quarter each side."""
        if end_et is not None and end_et > et:
            pad = 0.25 * (end_et - et)
            self.show(et - pad, end_et + pad)
        else:
            self.show(et - FLYBY_HALF_SPAN_S, et + FLYBY_HALF_SPAN_S)

    def follow(self, et: float, playing: float = 0.0) -> None:
        """Keep the clock in view. Played past the edge it moves toward (``playing``: the rate, its
        sign the direction; 0 when paused), the span is paged so the clock has most of it ahead; any
        other move out of the span (a bookmark, a typed time, a step) centres the time."""
        if self.start <= et <= self.stop:
            return
        span = self.span
        if playing > 0 and self.stop < et <= self.stop + span:
            self.pan(et - (self.start + 0.1 * span))
        elif playing < 0 and self.start - span <= et < self.start:
            self.pan(et - (self.start + 0.9 * span))
        else:
            self.pan(et - (self.start + 0.5 * span))


# Tick spacings in seconds; from 30 days on, calendar months (1, 2, 3, 6, 12).
TICK_STEPS = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
    86400, 2 * 86400, 5 * 86400, 10 * 86400, 15 * 86400,
)  # fmt: skip
MONTH_STEPS = (1, 2, 3, 6, 12)


def _utc(et: float) -> datetime:
    from perijove.ephemeris import et_to_utc

    return datetime.fromisoformat(et_to_utc(et, 0))


def _et(moment: datetime) -> float:
    from perijove.ephemeris import to_et

    return to_et(moment.strftime("%Y-%m-%dT%H:%M:%S"))


def tick_step(span: float, max_ticks: int) -> tuple[int, str]:
    """The spacing for at most ``max_ticks`` ticks over ``span`` seconds: (amount, "s" | "month")."""
    for step in TICK_STEPS:
        if span / step <= max_ticks:
            return step, "s"
    for months in MONTH_STEPS:
        if span / (months * 30.44 * 86400) <= max_ticks:
            return months, "month"
    return 12 * math.ceil(span / (365.25 * 86400 * max_ticks)), "month"


def utc_ticks(start: float, stop: float, max_ticks: int) -> list[tuple[float, str]]:
    """Round UTC times in [start, stop] (ET) and their labels, spaced for the zoom."""
    step, unit = tick_step(stop - start, max(max_ticks, 1))
    t0 = _utc(start)
    if unit == "month":
        month = (t0.month - 1) // step * step + 1 if step < 12 else 1
        moment = datetime(t0.year, month, 1)
    elif step >= 86400:
        days = step // 86400
        base = datetime(2000, 1, 1)
        moment = base + timedelta(days=(t0 - base).days // days * days)
    else:
        midnight = datetime(t0.year, t0.month, t0.day)
        moment = midnight + timedelta(seconds=int((t0 - midnight).total_seconds()) // step * step)
    ticks: list[tuple[float, str]] = []
    while len(ticks) <= max_ticks + 2:
        et = _et(moment)
        if et > stop:
            break
        if et >= start:
            label = _label(moment, step, unit)
            if not ticks and unit != "month" and step < 86400:  # hours, minutes, seconds: the day once
                label = moment.strftime("%Y-%m-%d") if label.count("-") == 1 else f"{moment:%Y-%m-%d} {label}"
            ticks.append((et, label))
        if unit == "month":
            total = moment.year * 12 + moment.month - 1 + step
            moment = datetime(total // 12, total % 12 + 1, 1)
        else:
            moment += timedelta(seconds=step)
    return ticks


def _label(moment: datetime, step: int, unit: str) -> str:
    if unit == "month":
        return moment.strftime("%Y-%m")
    if step >= 86400:
        return moment.strftime("%Y-%m-%d")
    if moment.hour == moment.minute == moment.second == 0:
        return moment.strftime("%m-%d")  # a new day on an hours or minutes axis
    if step >= 60:
        return moment.strftime("%H:%M")
    return moment.strftime("%H:%M:%S")
