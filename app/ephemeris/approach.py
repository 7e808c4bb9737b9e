"""The first close approach, found fast by sampling and refining (no geometry finder).

The window opens just before the first flyby. SPICE's geometry finder takes most of a second for
that over a whole orbit, and a full event search several seconds, which the window runs in a
child process anyway; sampling the distance every few minutes with one vectorised call and
refining the bracketing minimum by golden-section search takes milliseconds and agrees with
``gfdist`` to well under a millisecond.
"""

from __future__ import annotations

import math

import numpy as np

from perijove.ephemeris.bodies import Body
from perijove.ephemeris.geometry import Ephemeris

_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
CHUNK = 2048  # samples a scan reads at a time
COARSE_STEPS = 6  # fine steps per coarse step of the pre-scan
# Faster than any spacecraft moves relative to Jupiter or a moon: the escape speed at Jupiter's
# cloud tops is 59.5 km/s and the moons move at most 17.3 km/s (the data's fastest: 59-70 km/s).
MAX_SPEED_KM_S = 120.0


def refine_minimum(distance, a: float, b: float, tol: float) -> float:
    """Golden-section search for the minimum of ``distance`` on [a, b]."""
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = distance(c), distance(d)
    while b - a > tol:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - _GOLDEN * (b - a)
            fc = distance(c)
        else:
            a, c, fc = c, d, fd
            d = a + _GOLDEN * (b - a)
            fd = distance(d)
    return 0.5 * (a + b)


def first_close_approach(
    eph: Ephemeris,
    body: Body,
    target: Body,
    start: float,
    stop: float,
    within_km: float,
    step: float = 600.0,
    tol: float = 1e-3,
) -> tuple[float, float] | None:
    """ET and distance of the first local minimum of |body − target| below ``within_km``.

    ``step`` must be short against the time the two take to pass each other (Juno passes a
    moon in well under an hour); ``tol`` is the time tolerance in seconds.
    """
    if stop - start < 2 * step:
        return None
    # A minimum sampled at ``step`` is refined only if it is within ``reach``. Between two coarse
    # samples an hour apart the distance cannot fall below (d0 + d1 - MAX_SPEED_KM_S * 1 h) / 2, so
    # only the hours where that bound is within ``reach`` are sampled finely. Juno spends most of
    # its orbit millions of kilometres from any moon: the coarse samples are a sixth of the fine
    # ones, and the fine scan reads a few hours an orbit.
    reach = within_km + 60.0 * step
    coarse = COARSE_STEPS * step
    lo = start
    while lo < stop:
        hi = min(lo + CHUNK * coarse, stop)
        ets = np.append(np.arange(lo, hi, coarse), hi)
        d = np.linalg.norm(eph.position(body, ets, target), axis=-1)
        near = np.flatnonzero(0.5 * (d[:-1] + d[1:] - MAX_SPEED_KM_S * np.diff(ets)) < reach)
        if len(near):
            # runs of consecutive near intervals, each widened by a fine step for its edge samples
            breaks = np.flatnonzero(np.diff(near) > 1)
            for first, last in zip(near[np.r_[0, breaks + 1]], near[np.r_[breaks, len(near) - 1]], strict=True):
                found = _scan(
                    eph,
                    body,
                    target,
                    max(start, ets[first] - step),
                    min(stop, ets[last + 1] + step),
                    within_km,
                    step,
                    tol,
                )
                if found is not None:
                    return found
        if hi >= stop:
            return None
        lo = float(ets[-2]) if len(ets) > 2 else hi  # the last interval is read again with the next chunk


def _scan(
    eph: Ephemeris, body: Body, target: Body, start: float, stop: float, within_km: float, step: float, tol: float
) -> tuple[float, float] | None:
    """The first refined minimum below ``within_km`` among the samples ``step`` apart on [start, stop]."""
    if stop - start < 2 * step:
        return None

    def distance(et: float) -> float:
        return float(np.linalg.norm(eph.position(body, et, target)))

    # In chunks, so that the scan stops at the first one found.
    lo = start
    while True:
        hi = min(lo + CHUNK * step, stop)
        ets = np.append(np.arange(lo, hi, step), hi)
        d = np.linalg.norm(eph.position(body, ets, target), axis=-1)
        minima = np.flatnonzero((d[1:-1] <= d[:-2]) & (d[1:-1] < d[2:])) + 1
        for i in minima:
            if d[i] > within_km + 60.0 * step:  # no relative speed reaches 60 km/s between samples
                continue
            et = refine_minimum(distance, float(ets[i - 1]), float(ets[i + 1]), tol)
            closest = distance(et)
            if closest < within_km:
                return et, closest
        if hi >= stop or len(ets) < 3:
            return None
        lo = float(ets[-2])  # the last sample becomes interior in the next chunk
