"""Geometric answers from SPICE, vectorised over arrays of ET.

Everything a view or a table shows (positions, orientations, sub-points,
lighting, light time) is computed here from the loaded kernels, in float64
kilometres and seconds. Before SPICE is asked, requested times are checked
against the coverage the ``KernelSet`` recorded, so a time outside the data
fails with the window that *is* covered rather than SPICE's generic message.
Every query first checks that its ``KernelSet`` still owns SPICE's pool, so an
``Ephemeris`` over a set another one replaced fails loudly (``StaleKernelsError``)
instead of answering from the other set's files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import spiceypy

from perijove.ephemeris.bodies import EARTH, SUN, Body, body_frame, body_id, display_name, radii
from perijove.ephemeris.bulk import spkezr_many
from perijove.ephemeris.errors import CoverageError, DamagedDataError, QueryError, spice_errors, spice_reason
from perijove.ephemeris.kernels import KernelSet
from perijove.ephemeris.timeconv import et_to_utc, have_leapseconds
from perijove.ephemeris.windows import Window

ABCORRS = ("NONE", "LT", "LT+S", "CN", "CN+S", "XLT", "XLT+S", "XCN", "XCN+S")
_ROOT = 0  # solar-system barycentre: every SPK chain ends there


def _ets(ets: float | Sequence[float] | np.ndarray) -> tuple[np.ndarray, bool]:
    arr = np.asarray(ets, dtype=float)
    return np.atleast_1d(arr), arr.ndim == 0


def _shape(values: np.ndarray, scalar: bool) -> np.ndarray:
    return values[0] if scalar else values


def _fmt_time(et: float) -> str:
    return et_to_utc(et, 0) + " UTC" if have_leapseconds() else f"ET {et:.3f}"


def _fmt_windows(windows: Sequence[Window], limit: int = 3) -> str:
    """Coverage as a user reads it: spans that touch (segments of one file, or two files end to end)
    are one span, since a time between them is covered."""
    merged: list[Window] = []
    for w in sorted(windows, key=lambda w: w.start):
        if merged and w.start <= merged[-1].stop:
            merged[-1] = Window(merged[-1].start, max(merged[-1].stop, w.stop))
        else:
            merged.append(w)
    windows = merged
    text = ", ".join(f"{_fmt_time(w.start)} .. {_fmt_time(w.stop)}" for w in windows[:limit])
    more = len(windows) - limit
    return text + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class SubPoint:
    """Nearest point on a body's ellipsoid below an observer (arrays over ET)."""

    point: np.ndarray  # body-fixed km
    altitude_km: np.ndarray
    lat_deg: np.ndarray  # planetocentric
    lon_deg: np.ndarray  # planetocentric, east, in [0, 360)
    lat_pg_deg: np.ndarray  # planetographic
    lon_pg_deg: np.ndarray  # planetographic (west-positive for prograde rotators)


@dataclass(frozen=True)
class Illumination:
    """Solar phase, incidence and emission angles (degrees) at a surface point."""

    phase_deg: np.ndarray
    incidence_deg: np.ndarray
    emission_deg: np.ndarray


class Ephemeris:
    """Queries over a ``KernelSet``; cheap to create, holds no SPICE state itself."""

    def __init__(self, kernels: KernelSet) -> None:
        self.kernels = kernels

    def _live(self) -> None:
        self.kernels.require_current()

    # -- coverage ------------------------------------------------------------------
    def check_coverage(self, body: Body, ets: np.ndarray) -> None:
        """Raise ``CoverageError`` unless every ET lies in the body's SPK coverage."""
        self._live()
        code = body_id(body)
        if code == _ROOT:
            return
        windows = self.kernels.coverage(code)
        if not windows:
            raise CoverageError(f"no ephemeris is loaded for {display_name(code)} ({code})")
        if ets.size == 1:  # one time (every frame's and the HUD's queries): no arrays to build
            et = float(ets.reshape(-1)[0])
            if any(w.start <= et <= w.stop for w in windows):
                return
        starts = np.array([w.start for w in windows])
        stops = np.array([w.stop for w in windows])
        idx = np.searchsorted(starts, ets, side="right") - 1
        inside = (idx >= 0) & (ets <= stops[np.clip(idx, 0, None)])
        if not inside.all():
            bad = float(ets[np.argmin(inside)])
            raise CoverageError(
                f"no ephemeris for {display_name(code)} at {_fmt_time(bad)}; loaded data cover {_fmt_windows(windows)}"
            )

    def covered(self, body: Body) -> tuple[Window, ...]:
        """SPK coverage windows of a body."""
        self._live()
        return self.kernels.coverage(body_id(body))

    # -- states --------------------------------------------------------------------
    def state(
        self,
        target: Body,
        ets: float | Sequence[float] | np.ndarray,
        observer: Body = "JUPITER",
        frame: str = "J2000",
        abcorr: str = "NONE",
    ) -> np.ndarray:
        """State (km, km/s) of ``target`` relative to ``observer``: shape (..., 6)."""
        arr, scalar = _ets(ets)
        abcorr = _abcorr(abcorr)
        tid, oid = body_id(target), body_id(observer)
        self.check_coverage(tid, arr)
        self.check_coverage(oid, arr)
        ctx = f"state of {display_name(tid)} relative to {display_name(oid)} in {frame}"
        with spice_errors(ctx, CoverageError):
            states = spkezr_many(str(tid), arr, frame, abcorr, str(oid))
        return _shape(states, scalar)

    def position(
        self, target: Body, ets, observer: Body = "JUPITER", frame: str = "J2000", abcorr: str = "NONE"
    ) -> np.ndarray:
        """Position (km) of ``target`` relative to ``observer``: shape (..., 3)."""
        return self.state(target, ets, observer, frame, abcorr)[..., :3]

    def states_at(
        self, et: float, targets: Sequence[Body], observer: Body = "JUPITER", frame: str = "J2000"
    ) -> np.ndarray:
        """States of several bodies at one ET (the per-frame call): shape (len(targets), 6)."""
        self._live()
        oid = body_id(observer)
        out = np.empty((len(targets), 6))
        for i, target in enumerate(targets):
            tid = body_id(target)
            try:
                out[i] = spiceypy.spkgeo(tid, et, frame, oid)[0]
            except spiceypy.utils.exceptions.SpiceyError as err:
                spiceypy.reset()
                # The fast path failed: the checked path names the missing coverage, if that is why.
                self.check_coverage(tid, np.array([et]))
                self.check_coverage(oid, np.array([et]))
                raise QueryError(
                    f"state of {display_name(tid)} relative to {display_name(oid)}: {spice_reason(err)}"
                ) from None
            if not np.isfinite(out[i]).all():
                raise DamagedDataError.at(tid, oid, et)
        return out

    # -- orientation ---------------------------------------------------------------
    def rotation(self, from_frame: str, to_frame: str, ets) -> np.ndarray:
        """Rotation matrices taking vectors from ``from_frame`` to ``to_frame``: (..., 3, 3)."""
        self._live()
        arr, scalar = _ets(ets)
        out = np.empty((arr.size, 3, 3))
        with spice_errors(f"rotation from {from_frame} to {to_frame}"):
            for i, et in enumerate(arr.tolist()):
                out[i] = spiceypy.pxform(from_frame, to_frame, et)
        return _shape(out, scalar)

    def body_rotation(self, body: Body, ets) -> np.ndarray:
        """J2000 → body-fixed rotation of a body (its ``IAU_`` frame, or the loaded one)."""
        return self.rotation("J2000", body_frame(body), ets)

    def angular_velocity(self, body: Body, ets) -> np.ndarray:
        """Angular velocity (rad/s, J2000) of a body's body-fixed frame: (..., 3)."""
        self._live()
        arr, scalar = _ets(ets)
        frame = body_frame(body)
        out = np.empty((arr.size, 3))
        with spice_errors(f"angular velocity of {frame}"):
            for i, et in enumerate(arr.tolist()):
                _rot, av = spiceypy.xf2rav(spiceypy.sxform("J2000", frame, et))
                out[i] = av
        return _shape(out, scalar)

    # -- lighting and surface geometry --------------------------------------------------
    def sun_direction(self, body: Body, ets, frame: str = "J2000", abcorr: str = "LT+S") -> np.ndarray:
        """Unit vector from a body's centre toward the Sun: (..., 3)."""
        pos = self.position(SUN, ets, body, frame, abcorr)
        return pos / np.linalg.norm(pos, axis=-1, keepdims=True)

    def subpoint(self, target: Body, ets, observer: Body = "JUNO", abcorr: str = "NONE") -> SubPoint:
        """Sub-observer point on ``target``'s ellipsoid, altitude and coordinates."""
        arr, scalar = _ets(ets)
        abcorr = _abcorr(abcorr)
        tid, oid = body_id(target), body_id(observer)
        self.check_coverage(tid, arr)
        self.check_coverage(oid, arr)
        tname, oname, frame = str(tid), str(oid), body_frame(tid)
        axes = radii(tid)
        re_, _, rp = axes
        flat = (re_ - rp) / re_
        name = display_name(tid)
        points = np.empty((arr.size, 3))
        alt = np.empty(arr.size)
        lat_pg = np.empty(arr.size)
        lon_pg = np.empty(arr.size)
        with spice_errors(f"sub-{display_name(oid).lower()} point on {name}"):
            for i, et in enumerate(arr.tolist()):
                spoint, _trgepc, srfvec = spiceypy.subpnt("NEAR POINT/ELLIPSOID", tname, et, frame, abcorr, oname)
                points[i] = spoint
                inside = np.sum(((spoint - srfvec) / axes) ** 2) < 1.0
                alt[i] = -np.linalg.norm(srfvec) if inside else np.linalg.norm(srfvec)
                lon_pg[i], lat_pg[i], _h = spiceypy.recpgr(name, spoint, re_, flat)
        lon = np.degrees(np.arctan2(points[:, 1], points[:, 0])) % 360.0
        lat = np.degrees(np.arctan2(points[:, 2], np.hypot(points[:, 0], points[:, 1])))
        return SubPoint(
            point=_shape(points, scalar),
            altitude_km=_shape(alt, scalar),
            lat_deg=_shape(lat, scalar),
            lon_deg=_shape(lon, scalar),
            lat_pg_deg=_shape(np.degrees(lat_pg), scalar),
            lon_pg_deg=_shape(np.degrees(lon_pg), scalar),
        )

    def illumination(
        self, target: Body, ets, observer: Body = "JUNO", abcorr: str = "NONE", sub: SubPoint | None = None
    ) -> Illumination:
        """Phase, incidence and emission angles at the sub-observer point (``sub``: that point, where the
        caller has it already, from ``subpoint`` with the same arguments)."""
        arr, scalar = _ets(ets)
        if sub is None or np.size(sub.altitude_km) != arr.size:
            sub = self.subpoint(target, arr, observer, abcorr)
        tid, oid = body_id(target), body_id(observer)
        self.check_coverage(SUN, arr)
        frame = body_frame(tid)
        points = np.reshape(sub.point, (-1, 3))
        out = np.empty((arr.size, 3))
        with spice_errors(f"illumination angles on {display_name(tid)}"):
            for i, et in enumerate(arr.tolist()):
                _t, _v, phase, inc, emi = spiceypy.ilumin(
                    "ELLIPSOID", str(tid), et, frame, _abcorr(abcorr), str(oid), points[i]
                )
                out[i] = phase, inc, emi
        deg = np.degrees(out)
        return Illumination(*(_shape(deg[:, k], scalar) for k in range(3)))

    def earth_range(self, ets, observer: Body = "JUNO") -> tuple[np.ndarray, np.ndarray]:
        """Distance (km) to Earth and one-way light time (s) of a signal sent at ET."""
        arr, scalar = _ets(ets)
        oid = body_id(observer)
        self.check_coverage(oid, arr)
        self.check_coverage(EARTH, arr)
        with spice_errors(f"light time from {display_name(oid)} to Earth", CoverageError):
            pos, lt = spiceypy.spkpos(str(EARTH), arr, "J2000", "XCN", str(oid))
        dist = np.linalg.norm(np.asarray(pos).reshape(-1, 3), axis=-1)
        return _shape(dist, scalar), _shape(np.asarray(lt, dtype=float).reshape(-1), scalar)


def _abcorr(value: str) -> str:
    text = value.strip().upper().replace(" ", "")
    if text not in ABCORRS:
        raise QueryError(f"unknown aberration correction {value!r}; use one of {', '.join(ABCORRS)}")
    return text
