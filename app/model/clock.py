"""The clock: the one current time (ET, float64), its rate, and its bounds.

Widgets set it, renderers and the HUD listen to ``changed``. Playback advances
it only when told a frame was drawn (see ``ui.canvas``), so a slow machine
drops frames instead of queueing them.
"""

from __future__ import annotations

import math

from psygnal import Signal

RATES = (1.0, 10.0, 60.0, 600.0, 3600.0, 6 * 3600.0, 86400.0)  # simulated seconds per second


class Clock:
    changed = Signal(float)  # the new ET
    playing_changed = Signal(bool)
    rate_changed = Signal(float)

    def __init__(self, et: float = 0.0, start: float = -1e12, stop: float = 1e12) -> None:
        self._et = float(et)
        self.start, self.stop = float(start), float(stop)
        self._rate = 60.0
        self._direction = 1.0
        self._playing = False
        self._until: float | None = None  # playback pauses here once (play_until)

    @property
    def et(self) -> float:
        return self._et

    def set_et(self, et: float) -> None:
        self._until = None  # a jump or a scrub leaves the stretch being played
        self._move(et)

    def _move(self, et: float) -> None:
        et = float(et)
        if not math.isfinite(et):
            raise ValueError(f"time must be a finite number of seconds, not {et}")
        et = min(max(et, self.start), self.stop)
        if et != self._et:
            self._et = et
            self.changed.emit(et)

    def set_bounds(self, start: float, stop: float) -> None:
        if not (math.isfinite(start) and math.isfinite(stop)) or stop <= start:
            raise ValueError("the clock's stop must be after its start")
        self.start, self.stop = float(start), float(stop)
        self._move(self._et)  # new kernels keep the stretch being played

    @property
    def rate(self) -> float:
        return self._rate * self._direction

    def set_rate(self, rate: float) -> None:
        rate = float(rate)
        if rate == 0 or not math.isfinite(rate):
            raise ValueError(f"rate must be a finite, non-zero number of seconds per second, not {rate}")
        direction = 1.0 if rate > 0 else -1.0
        if direction != self._direction:
            self._until = None  # turning back leaves the stretch being played (G's hour)
        self._rate, self._direction = abs(rate), direction
        self.rate_changed.emit(self.rate)

    def faster(self) -> None:
        bigger = [r for r in RATES if r > self._rate]
        self.set_rate((bigger[0] if bigger else RATES[-1]) * self._direction)

    def slower(self) -> None:
        smaller = [r for r in RATES if r < self._rate]
        self.set_rate((smaller[-1] if smaller else RATES[0]) * self._direction)

    def reverse(self) -> None:
        self.set_rate(-self.rate)

    @property
    def playing(self) -> bool:
        return self._playing

    def set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)

    @property
    def until(self) -> float | None:
        return self._until

    def play_until(self, et: float) -> None:
        """Pause playback when it reaches ``et`` (once; forgotten on any jump): "play this hour"."""
        self._until = float(et)

    def advance(self, wall_seconds: float) -> None:
        """Move by ``rate`` x ``wall_seconds``; stops at the bounds and at ``until``."""
        et = self._et + self.rate * wall_seconds
        until = self._until
        if until is not None and min(self._et, et) <= until <= max(self._et, et) and until != self._et:
            self._until = None
            self._move(until)
            self.set_playing(False)
            return
        self._move(et)
        if self._et in (self.start, self.stop):
            self.set_playing(False)

    def step(self, seconds: float) -> None:
        self._move(self._et + seconds)  # a step inside the stretch being played keeps its end
