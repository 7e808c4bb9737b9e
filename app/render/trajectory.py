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
        self._bodies: dict[int, np.ndarray] = {}  # per body, its positions at the cached samples

    def body_positions(self, body: int, lo: int, hi: int) -> np.ndarray:
        """Where ``body`` is (J2000 km from Jupiter) at the cached samples lo..hi, once per resampling."""
        assert self._path is not None
        if body not in self._bodies:
            self._bodies[body] = self.eph.position(body, self._path.ets, 599)
        return self._bodies[body][lo:hi]

    def distances(self, target: int, lo: int, hi: int) -> np.ndarray:
        """Distance from ``target`` of the cached samples lo..hi, computed once per resampling."""
        assert self._path is not None
        if target not in self._distances:
            where = self.body_positions(target, 0, len(self._path.ets))
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
            self._bodies.clear()
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
    colours[:, 0], colours[:, 1], colours[:, 2], colours[:, 3] = 1.0, 0.75 - 0.35 * t, 0.25, 0.95 - 0.85 * t
    colours[~past] = [*FUTURE_RGB, 0.45]
    if colour_by is not None:  # distance to the target: near = bright yellow, far = deep red
        d = np.concatenate([colour_by[:split], [colour_by[split - 1] if split else colour_by[0]], colour_by[split:]])
        colours[:, :3] = distance_colour(d)
        # The future keeps its distance's hue, cooled halfway to the future's blue: told apart from
        # the past by colour, not only by a fainter alpha.
        colours[~past, :3] = 0.5 * colours[~past, :3] + 0.5 * np.array(FUTURE_RGB)
    return pos, colours


FUTURE_RGB = (0.45, 0.75, 1.0)
MIN_SEGMENT_PX = 5.0  # the shortest segment a drawn trail keeps on screen


def thin_on_screen(
    verts: np.ndarray, colours: np.ndarray, pose, keep: int | None = None, min_px: float = MIN_SEGMENT_PX
) -> tuple[np.ndarray, np.ndarray]:
    """A polyline without the vertices that lie less than ``min_px`` along it, on screen, after the
    last one kept: the adaptive sampling puts Juno's samples a pixel or two apart near a flyby, and
    GL's smoothed lines darken each joint, so the trail there looked dashed. The ends, vertex
    ``keep`` (Juno's own position, where the past's colour meets the future's) and every vertex at
    or behind the near plane (clipped later, in float64, by ``eye_segments``) are always kept;
    what is dropped lies within a fraction of a pixel of the chord that replaces it.
    """
    n = len(verts)
    if n < 3:
        return verts, colours
    m = pose.clip
    w, h = pose.size
    # Every frame, on about 2,000 vertices: one matrix-vector product a coordinate, steps in pixels
    # without forming the pixel positions, and ``take`` rather than boolean indexing (half the time).
    depth = verts @ m[3, :3] + m[3, 3]  # clip w: the distance in front of the eye along its axis
    with np.errstate(divide="ignore", invalid="ignore"):  # a vertex at the eye (the view from Juno)
        sx = (verts @ m[0, :3] + m[0, 3]) / depth * (0.5 * w)
        sy = (verts @ m[1, :3] + m[1, 3]) / depth * (0.5 * h)
        step = np.hypot(np.diff(sx), np.diff(sy))
    ahead = depth > pose.near * 2.0
    # A segment reaching behind the camera (or to the eye itself): both ends kept, no length counted.
    bad = ~(ahead[:-1] & ahead[1:] & np.isfinite(step))
    step[bad] = 0.0
    along = np.empty(n)
    along[0] = 0.0
    np.cumsum(step, out=along[1:])
    protect = np.zeros(n, bool)  # kept whatever their spacing
    protect[0] = protect[-1] = True
    protect[1:] |= bad
    protect[:-1] |= bad
    if keep is not None and 0 <= keep < n:
        protect[keep] = True
    bucket = np.floor(along / min_px)
    mask = protect.copy()
    mask[1:] |= bucket[1:] != bucket[:-1]  # the first vertex of each min_px stretch of the line
    # That vertex can lie just after the one kept before it: dropped then, unless protected, so that
    # no kept segment is shorter than half of min_px.
    kept = np.flatnonzero(mask)
    later = kept[1:]
    drop = later[(np.diff(along[kept]) < 0.5 * min_px) & ~protect[later]]
    if len(drop):
        mask[drop] = False
        kept = np.flatnonzero(mask)
    return verts.take(kept, axis=0), colours.take(kept, axis=0)


def distance_colour(distance_km) -> np.ndarray:
    """The trail's colour for a distance to the target (log scale, 1 km to 10 million km): bright
    yellow near, deep red far. The View panel's scale is drawn from the same function."""
    k = np.clip(np.log10(np.maximum(np.asarray(distance_km, dtype=float), 1.0)) / 7.0, 0, 1)
    return np.stack([np.ones_like(k), 1.0 - 0.8 * k, 0.3 * (1 - k)], axis=-1)


def eye_segments(
    verts: np.ndarray, colours: np.ndarray, view: np.ndarray, near: float, starts: np.ndarray | None = None
) -> np.ndarray:
    """A polyline as line-pair vertices relative to the eye, clipped in float64 at the near plane.

    Returns (2K, 3 + C) float32 rows for ``GL_LINES``: each vertex's position in world axes but
    centred on the eye (so float32 keeps metres next to the camera), then its colour's C channels,
    side by side as the line program's vertex buffer holds them (written once, no pair and colour
    arrays copied again: a frame's trail and orbits are about 3,000 vertices, and this runs every
    frame). The view from the spacecraft puts the eye on its own trail: left to the GPU, the
    segments through the eye (or, with the eye's vertex dropped, the chord that skips it) project
    to lines across the whole picture. Clipped here, the trail ahead starts exactly in the
    direction of flight and the trail behind the camera is gone.

    ``starts``: indices of vertices that begin a new polyline (several lines in one call, as a
    frame's moon orbits are: one pass of array work instead of one per line); no segment joins
    the vertex before one to it.
    """
    verts = np.asarray(verts, dtype=np.float64)
    channels = colours.shape[1] if np.ndim(colours) == 2 else 4
    if len(verts) < 2:
        return np.zeros((0, 3 + channels), np.float32)
    rot, eye = view[:3, :3], -view[:3, :3].T @ view[:3, 3]
    rel = verts - eye
    depth = rel @ -rot[2]  # distance in front of the camera along its axis
    front = depth > near
    keep = front[:-1] | front[1:]
    if starts is not None and len(starts):
        starts = np.asarray(starts)
        keep[starts[(starts > 0) & (starts < len(verts))] - 1] = False
    first = np.flatnonzero(keep)  # segment i joins vertex i to i + 1
    # Each vertex's row (position, colour) in float32 once, then the pairs gathered in one take:
    # a gather of float64 parts into a strided float32 array costs several times as much.
    rows = np.empty((len(verts), 3 + channels), np.float32)
    rows[:, :3], rows[:, 3:] = rel, colours
    pairs = np.empty((len(first), 2), np.intp)
    pairs[:, 0], pairs[:, 1] = first, first + 1
    out = np.take(rows, pairs, axis=0)
    crossing = keep & ~(front[:-1] & front[1:])  # kept segments with an end behind the near plane
    if crossing.any():  # most frames: none
        seg = np.flatnonzero(crossing)
        at = np.searchsorted(first, seg)  # their places in ``out``
        a, b = rel[seg], rel[seg + 1]
        da, db = depth[seg], depth[seg + 1]
        t = np.clip((near - da) / np.where(db != da, db - da, 1.0), 0.0, 1.0)[:, None]
        cut = a + t * (b - a)  # where the segment crosses the near plane
        behind_a, behind_b = ~front[seg], ~front[seg + 1]
        out[at[behind_a], 0, :3] = cut[behind_a]
        out[at[behind_b], 1, :3] = cut[behind_b]
    return out.reshape(-1, 3 + channels)


def relative_to(
    verts: np.ndarray, split: int, body_at_samples: np.ndarray, body_now: np.ndarray
) -> np.ndarray:
    """The trail as the spacecraft moved relative to a body, drawn around where the body is now.

    A flyby is seen from a camera that stays with the moon: Juno's path relative to Jupiter would
    cross the moon's disc (the moon moves 17 km/s while Juno passes), so the trail is each sample
    minus the body's position at that sample's time, plus the body's current position. ``verts``
    is ``trail_vertices``' output, whose vertex ``split`` is the current position.
    """
    body = np.concatenate([body_at_samples[:split], body_now[None], body_at_samples[split:]])
    return verts - body + body_now
