"""Equations of motion for Juno about Jupiter, and their integration.

Jupiter-centred J2000, float64 km and s. Forces: Jupiter's point mass with
its J2 and J4 zonal harmonics about the IAU pole, the four Galilean moons
(direct and indirect terms, since the frame's origin is accelerated by them
too) and the Sun's tide. Moon and Sun positions come from the synthetic
planet SPK through SPICE, so the trajectory feels exactly the Io that the
shipped kernels show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import spiceypy
from scipy.integrate import solve_ivp

from perijove.ephemeris.synth.constants import GM, JUPITER_J2, JUPITER_J4, JUPITER_REF_RADIUS

PERTURBERS = (501, 502, 503, 504, 10)
RTOL = 1e-12
ATOL = np.array([1e-7] * 3 + [1e-10] * 3)


@dataclass(frozen=True)
class Impulse:
    """An instantaneous velocity change (km/s, J2000) at ET ``et``."""

    et: float
    dv: tuple[float, float, float]


class Dynamics:
    """Right-hand side of Juno's equations of motion (needs the planet SPK and PCK loaded)."""

    def __init__(self, pole_et: float) -> None:
        self.pole = np.asarray(spiceypy.pxform("IAU_JUPITER", "J2000", pole_et))[:, 2].copy()
        self.mu = GM[599]
        self.gms = [GM[b] for b in PERTURBERS]

    def perturber_positions(self, et: float) -> list[np.ndarray]:
        return [np.asarray(spiceypy.spkgps(b, et, "J2000", 599)[0]) for b in PERTURBERS]

    def acceleration(self, et: float, r: np.ndarray) -> np.ndarray:
        x, y, z = r
        r2 = x * x + y * y + z * z
        rn = math.sqrt(r2)
        px, py, pz = self.pole
        zp = x * px + y * py + z * pz
        s2 = zp * zp / r2
        mu = self.mu
        rr = JUPITER_REF_RADIUS * JUPITER_REF_RADIUS / r2
        # Point mass, then J2 and J4 (Vallado's zonal terms written about an arbitrary pole).
        a_r = -mu / (r2 * rn)
        k2 = -1.5 * JUPITER_J2 * mu * rr / (r2 * rn)
        k4 = -0.625 * JUPITER_J4 * mu * rr * rr / (r2 * rn)
        coef_r = a_r + k2 * (1.0 - 5.0 * s2) + k4 * (3.0 - 42.0 * s2 + 63.0 * s2 * s2)
        coef_p = (k2 * 2.0 + k4 * (12.0 - 28.0 * s2)) * zp
        acc = coef_r * r + coef_p * self.pole
        for gm, rb in zip(self.gms, self.perturber_positions(et), strict=True):
            d = rb - r
            dn = math.sqrt(d @ d)
            bn = math.sqrt(rb @ rb)
            acc += gm * (d / (dn * dn * dn) - rb / (bn * bn * bn))
        return acc

    def rhs(self, et: float, y: np.ndarray) -> np.ndarray:
        return np.concatenate((y[3:], self.acceleration(et, y[:3])))


def propagate(
    dyn: Dynamics,
    et0: float,
    state0: np.ndarray,
    et1: float,
    impulses: tuple[Impulse, ...] = (),
    events=None,
    dense: bool = False,
):
    """Integrate from et0 to et1 (either direction), applying impulses on the way.

    Returns a list of scipy ``OdeResult`` legs, one per impulse-free arc.
    """
    direction = 1.0 if et1 >= et0 else -1.0
    cuts = sorted(
        (i for i in impulses if (i.et - et0) * direction > 0 and (et1 - i.et) * direction > 0),
        key=lambda i: i.et * direction,
    )
    legs = []
    t, y = et0, np.asarray(state0, dtype=float)
    for imp in [*cuts, None]:
        t_end = et1 if imp is None else imp.et
        sol = solve_ivp(
            dyn.rhs, (t, t_end), y, method="DOP853", rtol=RTOL, atol=ATOL, events=events, dense_output=dense
        )
        if sol.status < 0:
            raise RuntimeError(f"integration failed: {sol.message}")
        legs.append(sol)
        t, y = t_end, sol.y[:, -1].copy()
        if imp is not None:
            y[3:] += direction * np.asarray(imp.dv)
    return legs
