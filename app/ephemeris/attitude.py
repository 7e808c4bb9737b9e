"""Juno's attitude: the loaded CK when there is one, else a documented model.

Without a CK the spacecraft still has to point somewhere sensible in a
rendered frame. The synthetic model follows Juno's science-phase attitude:
the spin axis (+Z, the high-gain antenna boresight) points at Earth and the
spacecraft spins at 2 rpm about it. The spin phase is zero at J2000 TDB with
+X along (celestial north × +Z); it is a stand-in, not a reconstruction.
"""

from __future__ import annotations

import math

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from perijove.ephemeris.bodies import EARTH, SPACECRAFT
from perijove.ephemeris.geometry import Ephemeris

SPIN_RPM = 2.0
SPACECRAFT_FRAME = "JUNO_SPACECRAFT"
SPACECRAFT_FRAME_ID = -61000


def synthetic_rotation(eph: Ephemeris, et: float) -> np.ndarray:
    """J2000 → spacecraft rotation of the model: rows are the spacecraft axes in J2000."""
    to_earth = eph.position(EARTH, et, SPACECRAFT, "J2000")
    z = to_earth / np.linalg.norm(to_earth)
    x0 = np.cross([0.0, 0.0, 1.0], z)
    x0 /= np.linalg.norm(x0)
    y0 = np.cross(z, x0)
    phase = 2.0 * math.pi * SPIN_RPM / 60.0 * et
    x = math.cos(phase) * x0 + math.sin(phase) * y0
    y = np.cross(z, x)
    return np.vstack([x, y, z])


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
