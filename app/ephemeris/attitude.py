"""Juno's attitude: the loaded CK when there is one, else a documented model.

Without a CK the spacecraft still has to point somewhere sensible in a
rendered frame. The synthetic model follows Juno's science-phase attitude:
the spin axis (+Z, the high-gain antenna boresight) points at Earth and the
spacecraft spins at 2 rpm about it. The spin phase is zero at J2000 TDB with
+X along (celestial north × +Z); it is a stand-in, not a reconstruction.

Movies: at 2 rpm the spacecraft turns 360° in 30 s, so a movie whose frames are
a minute apart shows it jump by an arbitrary angle every frame (~200° a frame at
common steps), which reads as erratic flicker, not as spin. ``spin_mode`` says
whether a frame step samples the spin faithfully (at most 30° a frame); when it
does not, export draws the steady, spin-averaged attitude: the spin axis where
the CK (or the model) puts it and the spin phase held fixed.
"""

from __future__ import annotations

import math

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from perijove.ephemeris.bodies import EARTH, SPACECRAFT
from perijove.ephemeris.geometry import Ephemeris

SPIN_RPM = 2.0
SPIN_PERIOD_S = 60.0 / SPIN_RPM
FAITHFUL_STEP_S = SPIN_PERIOD_S / 12.0  # 30° of spin a frame: still reads as turning smoothly
SPIN_SAMPLED = "sampled"
SPIN_STEADY = "steady"
SPACECRAFT_FRAME = "JUNO_SPACECRAFT"
SPACECRAFT_FRAME_ID = -61000


def _cross(a, b) -> np.ndarray:  # three-vectors: np.cross's generality costs 10 µs a call, every frame
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def _about_axis(z: np.ndarray, phase: float) -> np.ndarray:
    """Rows x, y, z of a frame spun by ``phase`` about ``z`` from +X along (celestial north × z)."""
    z = np.asarray(z, dtype=float) / math.sqrt(float(np.dot(z, z)))
    x0 = _cross((0.0, 0.0, 1.0), z)
    if math.sqrt(float(np.dot(x0, x0))) < 1e-9:  # spin axis at a celestial pole
        x0 = _cross((1.0, 0.0, 0.0), z)
    x0 /= math.sqrt(float(np.dot(x0, x0)))
    y0 = _cross(z, x0)
    x = math.cos(phase) * x0 + math.sin(phase) * y0
    return np.array([x, _cross(z, x), z])


def synthetic_rotation(eph: Ephemeris, et: float) -> np.ndarray:
    """J2000 → spacecraft rotation of the model: rows are the spacecraft axes in J2000."""
    to_earth = eph.position(EARTH, et, SPACECRAFT, "J2000")
    return _about_axis(to_earth, 2.0 * math.pi * SPIN_RPM / 60.0 * et)


def spin_mode(frame_step_s: float) -> str:
    """``SPIN_SAMPLED`` when frames this far apart show the spin faithfully, else ``SPIN_STEADY``."""
    return SPIN_SAMPLED if abs(frame_step_s) <= FAITHFUL_STEP_S else SPIN_STEADY


def describe_spin(mode: str) -> str:
    """One line for the CLI, the sidecar and the overlay."""
    if mode == SPIN_STEADY:
        return "spin not shown: steady attitude (spin axis from the attitude source, spin phase fixed)"
    return f"spin sampled ({SPIN_RPM:g} rpm, at most {360 * FAITHFUL_STEP_S / SPIN_PERIOD_S:.0f}° a frame)"


def steady_rotation(eph: Ephemeris, et: float) -> tuple[np.ndarray, str]:
    """The spin-averaged attitude: the spin axis of ``spacecraft_rotation``, the spin phase held at 0."""
    rot, source = spacecraft_rotation(eph, et)
    return _about_axis(rot[2], 0.0), source


def has_ck(eph: Ephemeris, et: float) -> bool:
    """True when a loaded CK covers the spacecraft frame at ``et``."""
    for f in eph.kernels.files:
        if f.kind == "CK":
            for w in f.coverage.get(SPACECRAFT_FRAME_ID, ()):
                if w.start <= et <= w.stop:
                    return True
    return False


def spacecraft_rotation(eph: Ephemeris, et: float) -> tuple[np.ndarray, str]:
    """J2000 → spacecraft rotation and where it came from ("CK" or "synthetic")."""
    if has_ck(eph, et):
        try:
            return np.asarray(spiceypy.pxform("J2000", SPACECRAFT_FRAME, et)), "CK"
        except SpiceyError:
            spiceypy.reset()  # e.g. a gap inside the CK's interval: fall back to the model
    return synthetic_rotation(eph, et), "synthetic"
