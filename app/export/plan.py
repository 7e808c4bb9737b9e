"""Which ET each frame shows: uniform steps, or eased to linger near an event.

With easing, frames are spread with a density that rises near the chosen
event, so a 40-day orbit and a 5-minute flyby fit in one movie; the mapping
from frame index to ET is computed once, in float64, and is the same every
time for the same plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_FRAMES = 1_000_000
MIN_FPS, MAX_FPS = 0.01, 240.0  # below 0.01 the MP4 time base rounds to zero


@dataclass(frozen=True)
class FramePlan:
    start_et: float
    stop_et: float
    fps: float = 30.0
    frames: int | None = None  # exactly this many frames ...
    speed: float | None = None  # ... or simulated seconds per second of video
    ease_et: float | None = None  # linger near this ET
    ease_window_s: float = 1800.0  # ... over about this long
    ease_factor: float = 200.0  # ... slowing the movie by up to this much

    def __post_init__(self) -> None:
        for name in ("start_et", "stop_et", "fps", "speed", "ease_et", "ease_window_s", "ease_factor"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name.replace('_', ' ')} must be a finite number, not {value}")
        if not self.stop_et > self.start_et:
            raise ValueError("the export's stop must be after its start")
        if not MIN_FPS <= self.fps <= MAX_FPS:
            raise ValueError(f"fps must be between {MIN_FPS:g} and {MAX_FPS:g}")
        if (self.frames is None) == (self.speed is None):
            raise ValueError("give either a frame count or a playback speed")
        if self.frames is not None and not 1 <= self.frames <= MAX_FRAMES:
            raise ValueError(f"frame count must be between 1 and {MAX_FRAMES:,}")
        if self.speed is not None and self.speed <= 0:
            raise ValueError("speed must be positive")
        if self.ease_et is not None and not self.start_et <= self.ease_et <= self.stop_et:
            raise ValueError("the eased event must lie between start and stop")
        if self.speed is not None:
            # In floats first: a tiny speed makes this overflow an int (or reach infinity).
            n = (self.stop_et - self.start_et) / self.speed * self.fps
            if not n < MAX_FRAMES:
                shown = f"{n:,.0f}" if n < 1e12 else f"about {n:.1e}"
                raise ValueError(
                    f"that would be {shown} frames (at most {MAX_FRAMES:,}); lower the fps or raise the speed"
                )

    @property
    def count(self) -> int:
        if self.frames is not None:
            return self.frames
        assert self.speed is not None
        return max(math.floor((self.stop_et - self.start_et) / self.speed * self.fps) + 1, 1)

    def ets(self) -> np.ndarray:
        """ET of every frame; the first is ``start_et`` and the last ``stop_et``."""
        n = self.count
        if n == 1:
            return np.array([self.start_et])
        u = np.arange(n) / (n - 1)
        if self.ease_et is None:
            ets = self.start_et + (self.stop_et - self.start_et) * np.arange(n) / (n - 1)
        else:
            grid = np.linspace(self.start_et, self.stop_et, 200_001)
            density = 1.0 + (self.ease_factor - 1.0) * np.exp(-(((grid - self.ease_et) / self.ease_window_s) ** 2))
            cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(grid))])
            ets = np.interp(u * cumulative[-1], cumulative, grid)
        ets[0], ets[-1] = self.start_et, self.stop_et
        if self.ease_et is not None and n >= 3:
            # The eased event itself gets a frame: the one nearest it, which lies between its two
            # neighbours, moves onto it (an even count centred on a closest approach put it between
            # two frames, and the movie never showed the approach).
            i = int(np.argmin(np.abs(ets - self.ease_et)))
            if 0 < i < n - 1:
                ets[i] = self.ease_et
        return ets
