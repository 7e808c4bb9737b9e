"""Juno's path as a line: sampled where it bends, through the spacecraft at every time.

Samples are spaced by the time it takes to move a small fraction of the
distance to the nearest body, so the line is smooth 1,500 km from Io and
does not waste vertices a million kilometres out. The current position is
inserted as a vertex each frame, so the trail always ends exactly at the
spacecraft (the bug other viewers show when the trail lags the model).
"""

from __future__ import annotations

import numpy as np

from perijove.ephemeris import Ephemeris
from perijove.ephemeris.sampling import COARSE, MAX_STEP, MIN_STEP, RESOLUTION, Path, clip_window, sample_path
from perijove.ephemeris.windows import Window

__all__ = ["COARSE", "MAX_STEP", "MIN_STEP", "RESOLUTION", "Path", "TrajectoryCache", "sample_path", "trail_vertices"]


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
        want = clip_window(Window(et - self.past, et + self.future), coverage)
        if want is None:
            return None
        w = self._window
        if self._path is None or w is None or want.start < w.start or want.stop > w.stop:
            margin = 0.5 * (self.past + self.future)
            wide = clip_window(Window(et - self.past - margin, et + self.future + margin), coverage) or want
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
