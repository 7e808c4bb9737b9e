"""Geometry of a flyby over time, sampled straight from SPICE for plots and ground tracks.

What a plot of an encounter needs: the spacecraft's distance to the target's centre, its altitude
above the target's reference ellipsoid, its speed relative to the target, the solar phase angle,
and the planetocentric latitude and east longitude of the sub-spacecraft point (the ground track).

Definitions, all geometric (no aberration correction, as the event search's ``gfdist``; light time
over 1,500 km is 5 ms, and correcting the Sun's direction for its 43 minutes moves the phase angle
by about 0.003°):

- the sub-spacecraft point is SPICE's ``NEAR POINT/ELLIPSOID`` (``subpnt``), as in the event list;
  its altitude is the distance to that point;
- the phase angle is taken at the **target's centre** (Sun–centre–spacecraft, SPICE's ``phaseq``).
  The near point lies on the line from the centre to the spacecraft for a sphere, and the Sun is
  a billion kilometres away, so at the sub-spacecraft point the angle differs only by Io's
  ellipticity (hundredths of a degree); the centre needs no surface model and vectorises;
- ``lat_pg_deg``/``lon_pg_deg`` give the direction of the surface normal there (planetographic),
  for maps whose rows are planetographic (``DisplayOptions.map_latitudes``).

Sampling adapts to the encounter: a uniform base of ``BASE_SAMPLES`` over the span, plus, around
every close approach in it, samples spaced ``RESOLUTION`` x (distance / relative speed). Every
quantity here changes on that time scale (the phase angle swings through up to 180° in about twice
altitude / speed, 3 minutes at Io), so each step moves the sub-spacecraft point by at most about
``RESOLUTION`` radians as seen from the centre (1.1°), whether the span is one hour or ten days;
the refined time of closest approach itself is always a sample. A 10-minute flyby inside a
multi-hour span gets the same few hundred samples it gets alone. Where SPICE has no data (a body
outside its coverage, a missing frame or shape), values are NaN; SPICE's error state is reset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from perijove.ephemeris.approach import refine_minimum
from perijove.ephemeris.bodies import SPACECRAFT, SUN, Body, body_frame, body_id, display_name, radii
from perijove.ephemeris.bulk import spkezr_many
from perijove.ephemeris.errors import PerijoveError, QueryError
from perijove.ephemeris.geometry import Ephemeris
from perijove.ephemeris.provenance import body_provenance

BASE_SAMPLES = 400  # uniform over the span: a smooth line across a plot 600+ pixels wide
RESOLUTION = 0.02  # near a close approach: this fraction of distance / speed per step
COARSE_STEP = 300.0  # seconds: the search grid for close approaches (a flyby lasts longer)
MAX_SAMPLES = 50_000
CA_TOL = 1e-3  # seconds: closest approach refined to this
SUN_STEP = 600.0  # seconds between SPICE states of the Sun (see _sun_from)


@dataclass(frozen=True)
class GeometrySeries:
    """Arrays over ``ets``; NaN where SPICE has no answer."""

    spacecraft: int
    target: int
    ets: np.ndarray
    distance_km: np.ndarray  # to the target's centre
    altitude_km: np.ndarray  # above the reference ellipsoid (to the near point)
    speed_km_s: np.ndarray  # relative to the target
    phase_deg: np.ndarray  # Sun-target centre-spacecraft
    lat_deg: np.ndarray  # sub-spacecraft point, planetocentric
    lon_deg: np.ndarray  # sub-spacecraft point, planetocentric east longitude in [0, 360)
    lat_pg_deg: np.ndarray  # surface normal there (planetographic latitude)
    lon_pg_deg: np.ndarray  # surface normal there, east longitude in [0, 360)
    closest: tuple[tuple[float, float], ...] = ()  # (ET, distance km) of each close approach in the span
    provenance: dict[str, str] = field(default_factory=dict)  # body -> synthetic / predicted / ...

    @property
    def start(self) -> float:
        return float(self.ets[0])

    @property
    def stop(self) -> float:
        return float(self.ets[-1])

    def closest_approach(self) -> tuple[float, float] | None:
        """The closest of the close approaches (ET, km), or None when there is none in the span."""
        return min(self.closest, key=lambda c: c[1]) if self.closest else None

    def at(self, et: float) -> dict[str, float]:
        """Values interpolated at ``et`` (the window's readout under the cursor)."""
        out = {}
        for name in ("distance_km", "altitude_km", "speed_km_s", "phase_deg", "lat_deg"):
            out[name] = float(np.interp(et, self.ets, getattr(self, name)))
        return out


def _covered(eph: Ephemeris, code: int, ets: np.ndarray) -> np.ndarray:
    """Mask of the ETs inside the body's recorded SPK coverage (the barycentre always is)."""
    if code == 0:
        return np.ones(ets.shape, bool)
    windows = eph.covered(code)
    mask = np.zeros(ets.shape, bool)
    for w in windows:
        mask |= (ets >= w.start) & (ets <= w.stop)
    return mask


def _states(target: int, observer: int, ets: np.ndarray, frame: str = "J2000") -> np.ndarray:
    """States of ``target`` from ``observer``; NaN rows where SPICE fails."""
    return spkezr_many(str(target), ets, frame, "NONE", str(observer), nan_on_error=True)


def _masked_states(eph: Ephemeris, target: int, observer: int, ets: np.ndarray, frame: str = "J2000") -> np.ndarray:
    ok = _covered(eph, target, ets) & _covered(eph, observer, ets)
    out = np.full((ets.size, 6), np.nan)
    out[ok] = _states(target, observer, ets[ok], frame)
    return out


def _close_approaches(eph: Ephemeris, sc: int, target: int, start: float, stop: float) -> list[tuple[float, float]]:
    """Local minima of the distance in [start, stop] (the span's ends included), refined."""
    count = int(min(max(math.ceil((stop - start) / COARSE_STEP), 8), MAX_SAMPLES))
    grid = np.linspace(start, stop, count + 1)
    d = np.linalg.norm(_masked_states(eph, sc, target, grid)[:, :3], axis=1)
    finite = np.isfinite(d)
    padded = np.concatenate([[np.inf], np.where(finite, d, np.inf), [np.inf]])
    minima = np.flatnonzero(finite & (padded[1:-1] <= padded[:-2]) & (padded[1:-1] < padded[2:]))

    def distance(et: float) -> float:
        state = _states(sc, target, np.array([et]))[0]
        value = float(np.linalg.norm(state[:3]))
        return value if math.isfinite(value) else math.inf

    found = []
    for i in minima:
        lo, hi = float(grid[max(i - 1, 0)]), float(grid[min(i + 1, count)])
        et = refine_minimum(distance, lo, hi, CA_TOL)
        # The search may end a hair inside the span's end; an end point counts as it is.
        for edge in (start, stop):
            if abs(et - edge) < 2 * CA_TOL:
                et = edge
        value = distance(et)
        if math.isfinite(value):
            found.append((et, value))
    return found


def _sample_times(
    start: float, stop: float, approaches: list[tuple[float, float, float, float]], base: int, resolution: float
) -> np.ndarray:
    """The base grid, and around each (ET, distance, speed, radius) samples ``resolution`` x d / v apart.

    With d(t) ≈ √(h² + v²t²) near closest approach (h its distance to the surface), offsets
    t = (h/v) sinh(u) for u in steps of ``resolution`` space the samples by that x d(t) / v;
    they stop where the base grid is as dense.
    """
    base_step = (stop - start) / base
    parts = [np.linspace(start, stop, base + 1)]
    for et, dist, speed, radius in approaches:
        parts.append(np.array([et]))
        if not (speed > 0 and math.isfinite(speed)):
            continue
        h = max(dist - radius, 1e-3 * max(dist, 1.0), 1e-3)  # km above the surface (or the centre)
        scale = h / speed  # seconds
        reach = base_step / resolution / scale  # sinh(u) where the cluster's step equals the base step
        if reach <= 1.0:
            continue
        u_max = math.asinh(reach)
        u = np.arange(-u_max, u_max + resolution / 2, resolution)
        offsets = scale * np.sinh(u)
        parts.append(et + offsets)
    ets = np.concatenate(parts)
    ets = np.unique(ets[(ets >= start) & (ets <= stop)])
    if ets.size > MAX_SAMPLES:  # keep the ends and the closest approaches, thin the rest evenly
        keep = np.unique(np.concatenate([ets[:: math.ceil(ets.size / MAX_SAMPLES)], [start, stop]]))
        ets = np.unique(np.concatenate([keep, [a[0] for a in approaches]]))
    return ets


def _sun_from(eph: Ephemeris, target: int, ets: np.ndarray) -> np.ndarray:
    """The Sun's position from the target at ``ets``, from SPICE every ``SUN_STEP`` and linear between.

    Seen from a moon the Sun's direction turns by about 0.005° an hour, and over ``SUN_STEP`` its
    path departs from a straight line by under 2e-6° (Io: 3 mm/s² x (600 s)² / 8 over 780 million
    km): a state per sample would be half the sampling time for nothing.
    """
    count = int(min(max(math.ceil((ets[-1] - ets[0]) / SUN_STEP), 2), MAX_SAMPLES))
    grid = np.linspace(ets[0], ets[-1], count + 1)
    sun = _masked_states(eph, SUN, target, grid)[:, :3]
    return np.stack([np.interp(ets, grid, sun[:, k]) for k in range(3)], axis=1)


def _surface(
    sc: int, target: int, ets: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Altitude, planetocentric lat/lon and normal lat/lon of the sub-spacecraft near point."""
    n = ets.size
    alt, lat, lon, lat_pg, lon_pg = (np.full(n, np.nan) for _ in range(5))
    try:
        frame = body_frame(target)
        axes = radii(target)
    except PerijoveError:
        return alt, lat, lon, lat_pg, lon_pg  # no shape or frame for the target: no surface
    points = np.full((n, 3), np.nan)
    vectors = np.full((n, 3), np.nan)
    tname, oname = str(target), str(sc)
    for i in np.flatnonzero(ok).tolist():
        try:
            spoint, _trgepc, srfvec = spiceypy.subpnt(
                "NEAR POINT/ELLIPSOID", tname, float(ets[i]), frame, "NONE", oname
            )
        except SpiceyError:
            spiceypy.reset()
            continue
        points[i] = spoint
        vectors[i] = srfvec
    inside = np.sum(((points - vectors) / axes) ** 2, axis=1) < 1.0
    alt = np.linalg.norm(vectors, axis=1) * np.where(inside, -1.0, 1.0)
    lat = np.degrees(np.arctan2(points[:, 2], np.hypot(points[:, 0], points[:, 1])))
    lon = np.degrees(np.arctan2(points[:, 1], points[:, 0])) % 360.0
    normal = points / axes**2
    lat_pg = np.degrees(np.arctan2(normal[:, 2], np.hypot(normal[:, 0], normal[:, 1])))
    lon_pg = np.degrees(np.arctan2(normal[:, 1], normal[:, 0])) % 360.0
    return alt, lat, lon, lat_pg, lon_pg


def _provenance(eph: Ephemeris, bodies: tuple[int, ...], ets: np.ndarray) -> dict[str, str]:
    """What supplies each body over the span: 'synthetic', or 'predicted / reconstructed' when it changes."""
    out: dict[str, list[str]] = {}
    probe = np.unique(np.concatenate([ets[:: max(1, ets.size // 16)], ets[-1:]]))
    for et in probe.tolist():
        for name, kind in body_provenance(eph.kernels, bodies, et).items():
            kinds = out.setdefault(name, [])
            if kind not in kinds:
                kinds.append(kind)
    return {name: " / ".join(kinds) for name, kinds in out.items()}


def geometry_series(
    eph: Ephemeris,
    target: Body,
    start: float,
    stop: float,
    spacecraft: Body = SPACECRAFT,
    base_samples: int = BASE_SAMPLES,
    resolution: float = RESOLUTION,
) -> GeometrySeries:
    """The spacecraft's geometry relative to ``target`` over [start, stop] (ET), adaptively sampled.

    Raises ``QueryError`` only for a question that cannot be asked (an unknown body, an empty or
    reversed span); missing data anywhere in the span are NaN, never an error. ``base_samples``
    and ``resolution`` trade smoothness for time (the window's dock takes fewer than a file).
    """
    if not (math.isfinite(start) and math.isfinite(stop)) or stop <= start:
        raise QueryError("the plot's stop must be after its start")
    sc, tid = body_id(spacecraft), body_id(target)
    if sc == tid:
        raise QueryError(f"the spacecraft and the target are the same body ({display_name(tid)})")
    try:
        radius = float(np.max(radii(tid)))
    except PerijoveError:
        radius = 0.0
    found = _close_approaches(eph, sc, tid, float(start), float(stop))
    approaches = []
    for et, dist in found:
        speed = float(np.linalg.norm(_states(sc, tid, np.array([et]))[0, 3:]))
        approaches.append((et, dist, speed, radius))
    if not (0.0 < resolution <= 1.0):
        raise QueryError("the sampling resolution must be in (0, 1]")
    ets = _sample_times(float(start), float(stop), approaches, max(int(base_samples), 2), float(resolution))
    states = _masked_states(eph, sc, tid, ets)
    distance = np.linalg.norm(states[:, :3], axis=1)
    speed = np.linalg.norm(states[:, 3:], axis=1)
    ok = np.isfinite(distance)
    sun = _sun_from(eph, tid, ets)
    to_sc = states[:, :3]
    cos = np.sum(sun * to_sc, axis=1) / (np.linalg.norm(sun, axis=1) * distance)
    phase = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    alt, lat, lon, lat_pg, lon_pg = _surface(sc, tid, ets, ok)
    return GeometrySeries(
        spacecraft=sc,
        target=tid,
        ets=ets,
        distance_km=distance,
        altitude_km=alt,
        speed_km_s=speed,
        phase_deg=phase,
        lat_deg=lat,
        lon_deg=lon,
        lat_pg_deg=lat_pg,
        lon_pg_deg=lon_pg,
        closest=tuple((et, d) for et, d in found if start < et < stop),  # the span's ends are no approach
        provenance=_provenance(eph, (sc, tid), ets),
    )


def first_encounter(
    eph: Ephemeris, target: Body, spacecraft: Body = SPACECRAFT, within_km: float | None = None
) -> tuple[float, float] | None:
    """ET and distance of the spacecraft's first close approach to ``target`` in the loaded data.

    A flyby of a moon (closer than the event search's flyby distance), or a perijove for
    Jupiter (closer than 10 Jupiter radii); None when there is none.
    """
    from perijove.ephemeris.approach import first_close_approach
    from perijove.ephemeris.events import DEFAULT_FLYBY_KM
    from perijove.ephemeris.windows import intersect

    sc, tid = body_id(spacecraft), body_id(target)
    if within_km is None:
        within_km = 10 * 71_492.0 if tid == 599 else DEFAULT_FLYBY_KM
    for window in intersect(eph.covered(sc), eph.covered(tid)):
        try:
            found = first_close_approach(eph, sc, tid, window.start, window.stop, within_km)
        except PerijoveError:
            continue
        if found is not None:
            return found
    return None
