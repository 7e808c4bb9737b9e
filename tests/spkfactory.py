"""Writes small SPK files for tests, from a function giving states at ETs.

Lets tests build geometry with a known answer (a moon whose closest approach
we placed, a probe that crosses Jupiter's shadow at a known time) while the
search code under test still reads it through SPICE like any kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import spiceypy


def write_spk(
    path: Path,
    body: int,
    center: int,
    start: float,
    stop: float,
    states: Callable[[np.ndarray], np.ndarray],
    step: float = 300.0,
    frame: str = "J2000",
    comment: str = "",
) -> Path:
    """Type 9 (Lagrange, degree 7) segment sampled every ``step`` seconds."""
    ets = np.arange(start, stop + step, step)
    ets[-1] = stop
    sv = np.asarray(states(ets), dtype=float)
    handle = spiceypy.spkopn(str(path), "TEST", 4096 if comment else 0)
    try:
        if comment:
            spiceypy.dafac(handle, [line for line in comment.splitlines() or [""]])
        spiceypy.spkw09(
            handle,
            body,
            center,
            frame,
            float(ets[0]),
            float(ets[-1]),
            "test",
            7,
            len(ets),
            sv.tolist(),
            ets.tolist(),
        )
    finally:
        spiceypy.spkcls(handle)
    return path
