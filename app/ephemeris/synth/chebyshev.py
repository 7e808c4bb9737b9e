"""Chebyshev fitting for SPK type 2 segments, with the fit error measured.

A type 2 segment stores, per fixed-length record, Chebyshev coefficients of
x, y, z; SPICE differentiates them for velocity. Coefficients come from the
source sampled at Chebyshev nodes (exact interpolation there), and the error
is then measured between nodes, where it is largest, so the generator can
report it against its 1 km target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import spiceypy

PositionFn = Callable[[np.ndarray], np.ndarray]  # ET array (N,) -> positions (N, 3) km


@dataclass(frozen=True)
class ChebSegment:
    body: int
    center: int
    start: float
    interval: float
    degree: int
    coeffs: np.ndarray  # (records, 3, degree + 1)

    @property
    def stop(self) -> float:
        return self.start + self.interval * len(self.coeffs)

    def evaluate(self, ets: np.ndarray) -> np.ndarray:
        """Positions from the coefficients (as SPICE evaluates them)."""
        ets = np.asarray(ets, dtype=float)
        idx = np.clip(((ets - self.start) // self.interval).astype(int), 0, len(self.coeffs) - 1)
        mid = self.start + (idx + 0.5) * self.interval
        x = (ets - mid) / (0.5 * self.interval)
        out = np.empty((len(ets), 3))
        for k in range(3):
            out[:, k] = [np.polynomial.chebyshev.chebval(xi, self.coeffs[i, k]) for xi, i in zip(x, idx, strict=True)]
        return out


def fit(
    body: int, center: int, source: PositionFn, start: float, stop: float, interval: float, degree: int
) -> ChebSegment:
    """Fit ``source`` over [start, stop] (stop rounded up to whole records)."""
    records = int(np.ceil((stop - start) / interval))
    n = degree + 1
    nodes = np.cos(np.pi * (np.arange(n) + 0.5) / n)  # Chebyshev points of the first kind
    mids = start + (np.arange(records) + 0.5) * interval
    ets = (mids[:, None] + 0.5 * interval * nodes[None, :]).ravel()
    values = np.asarray(source(ets), dtype=float).reshape(records, n, 3)
    # c_j = (2/n) sum_k f(x_k) T_j(x_k), with c_0 halved.
    tj = np.cos(np.outer(np.arange(n), np.arccos(nodes)))  # (j, k)
    coeffs = (2.0 / n) * np.einsum("jk,rkc->rcj", tj, values)
    coeffs[:, :, 0] *= 0.5
    return ChebSegment(body, center, start, interval, degree, coeffs)


def max_error(segment: ChebSegment, source: PositionFn, samples: int = 2000, seed: int = 0) -> float:
    """Largest distance (km) between fit and source at random epochs."""
    rng = np.random.default_rng(seed)
    ets = rng.uniform(segment.start, segment.stop, samples)
    return float(np.max(np.linalg.norm(segment.evaluate(ets) - source(ets), axis=1)))


def write_type2(handle: int, segment: ChebSegment, segid: str, frame: str = "J2000") -> None:
    """Append ``segment`` to an open SPK as type 2."""
    records = len(segment.coeffs)
    spiceypy.spkw02(
        handle,
        segment.body,
        segment.center,
        frame,
        segment.start,
        segment.stop,
        segid,
        segment.interval,
        records,
        segment.degree,
        segment.coeffs.ravel().tolist(),
        segment.start,
    )
