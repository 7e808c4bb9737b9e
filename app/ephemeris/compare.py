"""How far two kernel sets disagree about one body: no peer tool answers this directly.

SPICE keeps one pool per process, so the sets are loaded in turn: set A gives the sample times
(dense near close approaches, where a small timing error is a large position error) and its
states; set B is then loaded and sampled at the same times. The difference is split into radial,
along-track and cross-track parts in set A's orbit frame about the centre, and the sets' events
(perijoves and flybys, for a spacecraft) are paired and compared.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perijove.ephemeris.bodies import MOONS, SPACECRAFT, body_id, display_name
from perijove.ephemeris.defaults import open_kernels
from perijove.ephemeris.errors import CoverageError, QueryError
from perijove.ephemeris.geometry import Ephemeris
from perijove.ephemeris.timeconv import et_to_utc
from perijove.ephemeris.windows import intersect

Paths = Sequence[str | os.PathLike[str]]
MAX_SAMPLES = 400_000
_DENSE = 1800.0  # seconds either side of a close approach sampled densely


@dataclass
class SetSample:
    """One kernel set sampled: states (km, km/s) of the body about the centre, and its events."""

    ets: np.ndarray
    states: np.ndarray
    events: list = field(default_factory=list)
    provenance: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    body: str
    center: str
    ets: np.ndarray
    delta: np.ndarray  # (N, 3): B − A in J2000, km
    ric: np.ndarray  # (N, 3): radial, along-track, cross-track components of delta, km
    events: list[dict[str, Any]]
    provenance_a: list[str]
    provenance_b: list[str]

    @property
    def total(self) -> np.ndarray:
        return np.linalg.norm(self.delta, axis=1)

    def summary(self) -> dict[str, Any]:
        """The figures a person asks for first: the largest difference, when, and its parts."""
        total = self.total
        i = int(np.argmax(total))
        parts = {}
        for k, name in enumerate(("radial", "along_track", "cross_track")):
            j = int(np.argmax(np.abs(self.ric[:, k])))
            parts[name] = {"max_km": float(abs(self.ric[j, k])), "utc": et_to_utc(self.ets[j], 3)}
        return {
            "body": self.body,
            "center": self.center,
            "samples": len(self.ets),
            "start_utc": et_to_utc(self.ets[0], 3),
            "stop_utc": et_to_utc(self.ets[-1], 3),
            "max_km": float(total[i]),
            "max_utc": et_to_utc(self.ets[i], 3),
            "max_et": float(self.ets[i]),
            "rms_km": float(np.sqrt(np.mean(total**2))),
            **{f"max_{k}_km": v["max_km"] for k, v in parts.items()},
            "components": parts,
            "set_a": self.provenance_a,
            "set_b": self.provenance_b,
            "events": self.events,
        }

    def rows(self) -> list[dict[str, Any]]:
        total = self.total
        return [
            {
                "utc": et_to_utc(et, 3),
                "et": float(et),
                "total_km": float(total[i]),
                "radial_km": float(self.ric[i, 0]),
                "along_track_km": float(self.ric[i, 1]),
                "cross_track_km": float(self.ric[i, 2]),
            }
            for i, et in enumerate(self.ets)
        ]


def sample_grid(eph: Ephemeris, body: int, center: int, start: float, stop: float, step: float) -> np.ndarray:
    """Every ``step`` seconds, plus every ``step``/60 within half an hour of each close approach."""
    if not (math.isfinite(step) and step > 0):
        raise QueryError(f"--step must be a positive number of seconds, not {step}")
    if (stop - start) / step > MAX_SAMPLES:
        raise QueryError(f"{(stop - start) / step:,.0f} samples: use a larger --step (at most {MAX_SAMPLES:,})")
    ets = np.append(np.arange(start, stop, step), stop)
    dense = [ets]
    others = [center] + ([m for m in MOONS if eph.covered(m)] if body == SPACECRAFT else [])
    fine = max(step / 60.0, 1.0)
    for other in others:
        try:
            d = np.linalg.norm(eph.position(body, ets, other), axis=1)
        except (CoverageError, QueryError):
            continue
        for i in np.flatnonzero((d[1:-1] <= d[:-2]) & (d[1:-1] < d[2:])) + 1:
            lo, hi = max(start, ets[i] - _DENSE), min(stop, ets[i] + _DENSE)
            dense.append(np.arange(lo, hi, fine))
    return np.unique(np.concatenate(dense))


def _sample(
    paths: Paths, defaults: bool, body: int, center: int, start: float, stop: float, step: float, ets=None
) -> SetSample:
    from perijove.ephemeris.events import find_events

    eph = Ephemeris(open_kernels(paths, defaults=defaults))
    span = intersect(eph.covered(body), eph.covered(center)) if center not in (0,) else eph.covered(body)
    if ets is None:
        ets = sample_grid(eph, body, center, start, stop, step)
    states = eph.state(body, ets, center)
    events = []
    if body == SPACECRAFT and span:
        moons = [m for m in MOONS if eph.covered(m)]
        report = find_events(eph, ["perijove", "flyby"], moons, start, stop, flyby_km=20_000)
        events = report.events
    return SetSample(ets, states, events, eph.kernels.provenances())


def _ric(states: np.ndarray, delta: np.ndarray) -> np.ndarray:
    r, v = states[:, :3], states[:, 3:]
    radial = r / np.linalg.norm(r, axis=1, keepdims=True)
    normal = np.cross(r, v)
    cross = normal / np.linalg.norm(normal, axis=1, keepdims=True)
    along = np.cross(cross, radial)
    return np.stack([np.sum(delta * u, axis=1) for u in (radial, along, cross)], axis=1)


def _pair_events(a: list, b: list) -> list[dict[str, Any]]:
    """Each event of A with B's event of the same kind and body nearest in time (within a day)."""
    out = []
    for ea in a:
        same = [eb for eb in b if eb.kind == ea.kind and eb.body == ea.body and abs(eb.et - ea.et) < 86400]
        row: dict[str, Any] = {"kind": ea.kind, "body": ea.body, "utc_a": ea.utc}
        if same:
            eb = min(same, key=lambda e: abs(e.et - ea.et))
            row.update(
                utc_b=eb.utc,
                dt_s=eb.et - ea.et,
                distance_a_km=ea.distance_km,
                distance_b_km=eb.distance_km,
                d_distance_km=eb.distance_km - ea.distance_km,
            )
        else:
            row.update(utc_b=None, dt_s=None, note="no such event in set B")
        out.append(row)
    return out


def compare_sets(
    kernels_a: Paths,
    kernels_b: Paths,
    body: str | int,
    center: str | int,
    start: float,
    stop: float,
    step: float = 600.0,
    defaults: bool = True,
) -> Comparison:
    """Sample ``body`` about ``center`` in set A (``kernels_a`` over the defaults) and set B."""
    bid, cid = body_id(body), body_id(center)
    if bid == cid:
        raise QueryError("the body and its centre are the same")
    if not stop > start:
        raise QueryError("the comparison's start must be before its stop")
    a = _sample(kernels_a, defaults, bid, cid, start, stop, step)
    b = _sample(kernels_b, defaults, bid, cid, start, stop, step, ets=a.ets)
    delta = b.states[:, :3] - a.states[:, :3]
    return Comparison(
        display_name(bid),
        display_name(cid),
        a.ets,
        delta,
        _ric(a.states, delta),
        _pair_events(a.events, b.events),
        a.provenance,
        b.provenance,
    )


@dataclass
class Track:
    """A body's states about Jupiter from another kernel set, dense enough to draw and to interpolate."""

    label: str
    provenance: list[str]
    ets: np.ndarray  # (N,)
    states: np.ndarray  # (N, 6) km, km/s, J2000, about Jupiter

    def position(self, et: float) -> np.ndarray | None:
        """Cubic Hermite interpolation (positions and velocities) at ``et``; None outside the track."""
        if not (len(self.ets) >= 2 and self.ets[0] <= et <= self.ets[-1]):
            return None
        i = int(np.clip(np.searchsorted(self.ets, et) - 1, 0, len(self.ets) - 2))
        t0, t1 = self.ets[i], self.ets[i + 1]
        h = t1 - t0
        s = (et - t0) / h
        p0, v0, p1, v1 = self.states[i, :3], self.states[i, 3:], self.states[i + 1, :3], self.states[i + 1, 3:]
        h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2
        return h00 * p0 + h10 * h * v0 + h01 * p1 + h11 * h * v1


def sample_track(paths: Paths, defaults: bool, body: str | int = SPACECRAFT) -> Track:
    """``body`` (the spacecraft) over all its coverage in the set ``paths`` (over the defaults).

    Sampled where the path bends (the renderer's adaptive spacing: about 1% of the distance to
    the nearest body per sample), so a ghost line is smooth 1,500 km from Io and the Hermite
    interpolation is far below a metre off.
    """
    from perijove.ephemeris.sampling import sample_path

    bid = body_id(body)
    eph = Ephemeris(open_kernels(paths, defaults=defaults))
    windows = eph.covered(bid)
    if not windows:
        raise CoverageError(f"the kernels compared carry no {display_name(bid)} data")
    ets, states = [], []
    for w in windows:
        path = sample_path(eph, bid, w.start, w.stop)
        ets.append(path.ets)
        states.append(eph.state(bid, path.ets, 599))
    label = ", ".join(os.path.basename(str(p)) for p in paths) or "defaults"
    return Track(label, eph.kernels.provenances(), np.concatenate(ets), np.concatenate(states))
