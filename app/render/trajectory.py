"""Juno's path as a line: sampled where it bends, through the spacecraft at every time.

Samples are spaced by the time it takes to move a small fraction of the
distance to the nearest body, so the line is smooth 1,500 km from Io and
does not waste vertices a million kilometres out. The current position is
inserted as a vertex each frame, so the trail always ends exactly at the
spacecraft (the bug other viewers show when the trail lags the model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perijove.ephemeris import CoverageError, Ephemeris
from perijove.ephemeris.windows import Window

RESOLUTION = 0.01  # fraction of the distance to the nearest body per sample
MIN_STEP, MAX_STEP = 0.5, 3600.0  # seconds
COARSE = 4000


@dataclass(frozen=True)
class Path:
    ets: np.ndarray  # (N,)
    positions: np.ndarray  # (N, 3) km relative to Jupiter, J2000, float64


def _clip(window: Window, coverage: tuple[Window, ...]) -> Window | None:
    for w in coverage:
        lo, hi = max(window.start, w.start), min(window.stop, w.stop)
        if lo < hi:
            return Window(lo, hi)
    return None


def sample_path(
    eph: Ephemeris, spacecraft: int, start: float, stop: float, bodies: tuple[int, ...] = (599, 501, 502, 503, 504)
) -> Path:
    """Adaptive samples of the spacecraft relative to Jupiter over [start, stop]."""
    coarse = np.linspace(start, stop, COARSE)
    sc = eph.state(spacecraft, coarse, 599)
    nearest = np.full(len(coarse), np.inf)
    speed = np.full(len(coarse), 1e-9)
    for body in bodies:
        try:
            rel = sc - (eph.state(body, coarse, 599) if body != 599 else 0.0)
        except CoverageError:
            continue
        d = np.linalg.norm(rel[:, :3], axis=1)
        closer = d < nearest
        nearest = np.where(closer, d, nearest)
        speed = np.where(closer, np.linalg.norm(rel[:, 3:], axis=1), speed)
    step = np.clip(RESOLUTION * nearest / np.maximum(speed, 1e-9), MIN_STEP, MAX_STEP)
    # Integrate the step field: the sample density at t is 1/step(t).
    density = 1.0 / step
    cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(coarse))])
    count = int(min(max(cumulative[-1], 2), 200_000))
    ets = np.interp(np.linspace(0, cumulative[-1], count + 1), cumulative, coarse)
    return Path(ets, eph.position(spacecraft, ets, 599))


class TrajectoryCache:
    """Keeps a sampled window around the current time; resamples only when it must."""

    def __init__(self, eph: Ephemeris, spacecraft: int, past_s: float, future_s: float) -> None:
        self.eph, self.sc = eph, spacecraft
        self.past, self.future = past_s, future_s
        self._path: Path | None = None
        self._window: Window | None = None
        self._distances: dict[int, np.ndarray] = {}  # per target body, over the whole cached path

    def distances(self, target: int, lo: int, hi: int) -> np.ndarray:
        """Distance from ``target`` of the cached samples lo..hi, computed once per resampling."""
        assert self._path is not None
        if target not in self._distances:
            where = self.eph.position(target, self._path.ets, 599)
            self._distances[target] = np.linalg.norm(self._path.positions - where, axis=1)
        return self._distances[target][lo:hi]

    def around(self, et: float) -> tuple[Path, int, tuple[int, int]] | None:
        """Samples covering [et - past, et + future], the index where ``et`` goes, and their slice."""
        coverage = self.eph.covered(self.sc)
        want = _clip(Window(et - self.past, et + self.future), coverage)
        if want is None:
            return None
        w = self._window
        if self._path is None or w is None or want.start < w.start or want.stop > w.stop:
            margin = 0.5 * (self.past + self.future)
            wide = _clip(Window(et - self.past - margin, et + self.future + margin), coverage) or want
            self._path = sample_path(self.eph, self.sc, wide.start, wide.stop)
            self._window = wide
            self._distances.clear()
        path = self._path
        lo, hi = np.searchsorted(path.ets, [want.start, want.stop])
        ets, pos = path.ets[lo:hi], path.positions[lo:hi]
        split = int(np.searchsorted(ets, et))
        return Path(ets, pos), split, (int(lo), int(hi))


def trail_vertices(
    path: Path, split: int, current: np.ndarray, et: float, past_s: float, colour_by: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Line vertices (J2000 km rel. Jupiter) and RGBA colours; the current position sits between past and future."""
    pos = np.concatenate([path.positions[:split], current[None], path.positions[split:]])
    ets = np.concatenate([path.ets[:split], [et], path.ets[split:]])
    age = (et - ets) / max(past_s, 1.0)
    colours = np.empty((len(pos), 4))
    past = ets <= et
    # Past: warm, fading with age; future: cool and fainter.
    t = np.clip(age, 0, 1)
    colours[past] = np.c_[np.full(past.sum(), 1.0), 0.75 - 0.35 * t[past], 0.25 + 0.0 * t[past], 0.95 - 0.85 * t[past]]
    colours[~past] = [0.45, 0.75, 1.0, 0.45]
    if colour_by is not None:  # distance to the target: near = bright yellow, far = deep red
        d = np.concatenate([colour_by[:split], [colour_by[split - 1] if split else colour_by[0]], colour_by[split:]])
        k = np.clip(np.log10(np.maximum(d, 1.0)) / 7.0, 0, 1)
        colours[:, 0], colours[:, 1], colours[:, 2] = 1.0, 1.0 - 0.8 * k, 0.3 * (1 - k)
    return pos, colours
