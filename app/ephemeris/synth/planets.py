"""Sun, Earth, Jupiter and the Galilean moons from astronomy-engine.

astronomy-engine gives barycentric states of the Sun, Earth and the Jupiter
system (VSOP87) and jovicentric states of the four moons (L1.2). SPICE wants
each body relative to a centre: moons and Jupiter's centre relative to the
Jupiter-system barycentre, which the moons' masses displace from the planet
by up to ~200 km; that offset is computed here rather than ignored.
"""

from __future__ import annotations

import astronomy
import numpy as np
import spiceypy

from perijove.ephemeris.synth.constants import GM

AU_KM = 149_597_870.7
MOON_IDS = (501, 502, 503, 504)


def _times(ets: np.ndarray) -> list[astronomy.Time]:
    # astronomy-engine counts TT days from J2000; ET is TDB (they differ by < 2 ms).
    return [
        astronomy.Time.FromTerrestrialTime(spiceypy.unitim(float(et), "TDB", "TDT") / 86400.0)
        for et in np.atleast_1d(ets)
    ]


def barycentric(body: astronomy.Body, ets: np.ndarray) -> np.ndarray:
    """Positions (km, J2000) of a body relative to the solar-system barycentre."""
    out = np.empty((len(ets), 3))
    for i, t in enumerate(_times(ets)):
        s = astronomy.BaryState(body, t)
        out[i] = (s.x, s.y, s.z)
    return out * AU_KM


def jovicentric_moons(ets: np.ndarray) -> np.ndarray:
    """Positions (km, J2000) of Io..Callisto relative to Jupiter's centre: (N, 4, 3)."""
    out = np.empty((len(ets), 4, 3))
    for i, t in enumerate(_times(ets)):
        m = astronomy.JupiterMoons(t)
        for k, s in enumerate((m.io, m.europa, m.ganymede, m.callisto)):
            out[i, k] = (s.x, s.y, s.z)
    return out * AU_KM


def jupiter_from_barycentre(moons: np.ndarray) -> np.ndarray:
    """Jupiter's centre relative to the system barycentre, from jovicentric moons (N, 4, 3)."""
    weights = np.array([GM[m] for m in MOON_IDS]) / GM[5]
    return -np.einsum("k,nkc->nc", weights, moons)


def moon_from_barycentre(index: int):
    """Position function of moon ``index`` (0 = Io) relative to the system barycentre."""

    def source(ets: np.ndarray) -> np.ndarray:
        moons = jovicentric_moons(ets)
        return moons[:, index] + jupiter_from_barycentre(moons)

    return source


def jupiter_centre(ets: np.ndarray) -> np.ndarray:
    return jupiter_from_barycentre(jovicentric_moons(ets))
