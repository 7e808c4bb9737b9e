"""Targets Juno's integrated trajectory to the published facts of the Io flybys.

The trajectory is pinned at the first Io closest approach: Juno is placed at
the target altitude above Io's ellipsoid with its velocity relative to Io
perpendicular to the offset, which makes that instant a closest approach by
construction. Four free numbers remain there (the relative velocity and the
angle of the offset around it); Newton's method sets them so that PJ57 falls
at its published time and altitude and the orbits before and after it have
the published periods; Io's gravity does the period change, as in the real
mission. A small impulsive maneuver at the next apojove then targets the
second flyby (time and altitude) and PJ58, and one along-track nudge at the
apojove after it sets the period that follows. The solution is stored so the
kernel can be rebuilt deterministically without targeting again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import spiceypy
from scipy.optimize import brentq, least_squares

from perijove.ephemeris.synth.constants import GM
from perijove.ephemeris.synth.dynamics import Dynamics, Impulse, propagate

DAY = 86400.0
RJ = 71492.0
# Maneuvers are placed this long after apojove, so the apojove stays a smooth maximum for event search.
MANEUVER_AFTER_APOJOVE = 6 * 3600.0


@dataclass(frozen=True)
class Facts:
    """Published facts (DESIGN.md), UTC strings and days."""

    ca1: str = "2023-12-30T08:36:00.8"
    pj57: str = "2023-12-30T12:36:20.8"
    ca2: str = "2024-02-03T17:48:35.1"
    pj58: str = "2024-02-03T21:47:29.4"
    period_before_pj57: float = 38.01
    period_after_pj57: float = 35.38
    period_after_pj58: float = 32.75
    flyby_altitude_km: float = 1500.0
    # Not published to better than "3,500-4,200 km": the middle of that range is used.
    pj57_altitude_km: float = 3850.0
    apojoves: tuple[str, ...] = ("2023-12-11", "2024-01-17", "2024-02-20")


@dataclass
class Solution:
    """Everything needed to rebuild the trajectory without targeting again."""

    epoch_et: float
    state: list[float]
    impulses: list[dict[str, object]] = field(default_factory=list)

    def impulse_list(self) -> tuple[Impulse, ...]:
        return tuple(Impulse(float(i["et"]), tuple(i["dv"])) for i in self.impulses)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Solution:
        return cls(**json.loads(text))


# -- geometry helpers ---------------------------------------------------------------------------
def altitude(body: int, et: float, r_j2000: np.ndarray) -> float:
    """Altitude above a body's PCK ellipsoid of a point given relative to its centre (J2000)."""
    frame = {599: "IAU_JUPITER", 501: "IAU_IO"}[body]
    axes = spiceypy.bodvcd(body, "RADII", 3)[1]
    fixed = spiceypy.pxform("J2000", frame, et) @ r_j2000
    return float(spiceypy.nearpt(fixed, *axes)[1])


def io_state(et: float) -> np.ndarray:
    return np.asarray(spiceypy.spkgeo(501, et, "J2000", 599)[0])


def _apsides(legs) -> tuple[list[float], list[float]]:
    """Perijove and apojove ETs found by the integrator's event detection."""
    peri, apo = [], []
    for sol in legs:
        for t, y in zip(sol.t_events[0], sol.y_events[0], strict=True):
            (peri if np.linalg.norm(y[:3]) < 20 * RJ else apo).append(float(t))
    return sorted(peri), sorted(apo)


def _altitude_penalty(alt: float, low: float = 3500.0, high: float = 4200.0, scale: float = 50.0) -> float:
    """Zero inside the published perijove-altitude range, growing outside it."""
    return max(0.0, low - alt, alt - high) / scale


def _radial(t: float, y: np.ndarray) -> float:
    return float(y[:3] @ y[3:])


def dense_state(legs, et: float) -> np.ndarray:
    for sol in legs:
        lo, hi = sorted((sol.t[0], sol.t[-1]))
        if lo <= et <= hi:
            return sol.sol(et)
    raise ValueError("epoch outside the propagated legs")


def closest_approach(legs, guess: float, half_window: float = 3 * 3600.0) -> tuple[float, float]:
    """ET and Io altitude of the closest approach to Io near ``guess``."""

    def g(t: float) -> float:
        rel = dense_state(legs, t) - io_state(t)
        return float(rel[:3] @ rel[3:])

    ts = np.linspace(guess - half_window, guess + half_window, 121)
    gs = [g(t) for t in ts]
    for k in range(len(ts) - 1):
        if gs[k] < 0 <= gs[k + 1]:
            t_ca = brentq(g, ts[k], ts[k + 1], xtol=1e-6, rtol=1e-15)
            rel = dense_state(legs, t_ca)[:3] - io_state(t_ca)[:3]
            return t_ca, altitude(501, t_ca, rel)
    raise RuntimeError("no closest approach to Io near the target time")


# -- the pinned first flyby -------------------------------------------------------------------
class FirstFlyby:
    """Maps the four free numbers at the first closest approach to a Juno state."""

    def __init__(self, facts: Facts, dyn: Dynamics) -> None:
        self.facts = facts
        self.dyn = dyn
        self.et_ca = spiceypy.str2et(facts.ca1)
        self.io = io_state(self.et_ca)
        self.v_guess = self._kepler_guess()

    def _kepler_guess(self) -> np.ndarray:
        """Velocity of a polar Kepler orbit crossing Io's orbit inbound at the flyby, over the north pole."""
        mu = GM[599]
        r_io = self.io[:3]
        rn = np.linalg.norm(r_io)
        u = r_io / rn
        pole = self.dyn.pole - (self.dyn.pole @ u) * u
        pole /= np.linalg.norm(pole)
        period = self.facts.period_before_pj57 * DAY
        a = (mu * (period / (2 * np.pi)) ** 2) ** (1 / 3)
        rp = RJ + self.facts.pj57_altitude_km
        e = 1 - rp / a
        p = a * (1 - e * e)
        nu = -math.acos((p / rn - 1) / e)  # inbound: before perijove
        h = math.sqrt(mu * p)
        v_r = mu / h * e * math.sin(nu)
        v_t = h / rn
        return v_r * u + v_t * pole  # moving north, toward the pole

    def state(self, x: np.ndarray) -> np.ndarray:
        """x = (dv1, dv2, dv3 [km/s], theta [rad]) -> Juno state at the closest approach."""
        v = self.v_guess + x[:3]
        v_rel = v - self.io[3:]
        w = v_rel / np.linalg.norm(v_rel)
        ref = np.cross(w, self.dyn.pole)
        ref /= np.linalg.norm(ref)
        other = np.cross(w, ref)
        b = math.cos(x[3]) * ref + math.sin(x[3]) * other
        d = self.facts.flyby_altitude_km + 1820.0
        for _ in range(4):  # put the offset exactly at the target altitude above the ellipsoid
            d += self.facts.flyby_altitude_km - altitude(501, self.et_ca, d * b)
        return np.concatenate((self.io[:3] + d * b, v))


def newton(
    residual: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    steps: np.ndarray,
    log: Callable[[str], None],
    label: str,
    tol: float = 1e-3,
    max_iter: int = 15,
) -> np.ndarray:
    """Gauss-Newton with forward-difference Jacobians and step halving (residuals pre-scaled).

    The least-squares step is the minimum-norm one, so an underdetermined system
    moves as little as possible from the starting guess.
    """
    x = np.asarray(x0, dtype=float)
    f = residual(x)
    for it in range(max_iter):
        log(f"  {label} iteration {it}: |f| = {np.linalg.norm(f):.4g}")
        if np.linalg.norm(f) < tol:
            return x
        jac = np.empty((len(f), len(x)))
        for k in range(len(x)):
            xk = x.copy()
            xk[k] += steps[k]
            jac[:, k] = (residual(xk) - f) / steps[k]
        dx = np.linalg.lstsq(jac, -f, rcond=None)[0]
        scale = 1.0
        while scale > 1e-3:
            try:
                ft = residual(x + scale * dx)
            except RuntimeError:
                ft = None
            if ft is not None and np.linalg.norm(ft) < np.linalg.norm(f):
                x, f = x + scale * dx, ft
                break
            scale *= 0.5
        else:
            break
    log(f"  {label}: Gauss-Newton stopped at |f| = {np.linalg.norm(f):.4g}")
    return x


def solve(
    residual: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    scale: np.ndarray,
    log: Callable[[str], None],
    label: str,
) -> np.ndarray:
    """Levenberg-Marquardt on pre-scaled residuals; logs each evaluation's norm."""
    count = [0]
    n_residuals = len(residual(np.asarray(x0, dtype=float)))  # the start must be a valid trajectory

    def logged(x: np.ndarray) -> np.ndarray:
        count[0] += 1
        try:
            f = residual(x)
        except RuntimeError:  # a trial step that loses a perijove: steer the solver away from it
            f = np.full(n_residuals, 1e6)
        log(f"  {label} evaluation {count[0]}: |f| = {np.linalg.norm(f):.4g}")
        return f

    result = least_squares(
        logged,
        x0,
        method="lm",
        x_scale=scale,
        diff_step=1e-5,
        xtol=1e-12,
        ftol=1e-12,
        gtol=1e-12,
        max_nfev=60 * (len(x0) + 1),
    )
    log(f"  {label}: {result.message} |f| = {np.linalg.norm(result.fun):.4g}")
    return result.x


def target(facts: Facts, dyn: Dynamics, log: Callable[[str], None] = print) -> Solution:
    """Solve for the trajectory (slow: minutes); see the module docstring."""
    s2e = spiceypy.str2et
    t_pj57, t_pj58 = s2e(facts.pj57), s2e(facts.pj58)
    t_pj56 = t_pj57 - facts.period_before_pj57 * DAY
    t_ca2 = s2e(facts.ca2)
    t_pj59 = t_pj58 + facts.period_after_pj58 * DAY
    flyby = FirstFlyby(facts, dyn)
    events = [_radial]

    def arcs(x: np.ndarray):
        y0 = flyby.state(x)
        back = propagate(dyn, flyby.et_ca, y0, t_pj56 - 2 * DAY, events=events)
        fwd = propagate(dyn, flyby.et_ca, y0, t_pj58 + 1 * DAY, events=events, dense=True)
        return back, fwd

    def residual_a(x: np.ndarray) -> np.ndarray:
        back, fwd = arcs(x)
        peri_b, _ = _apsides(back)
        peri_f, _ = _apsides(fwd)
        if not peri_b or len(peri_f) < 2:
            raise RuntimeError("trajectory lost its perijoves")
        pj57, pj58 = peri_f[0], peri_f[1]
        return np.array(
            [
                (pj57 - t_pj57) / 60.0,
                (peri_b[-1] - t_pj56) / 864.0,
                (pj58 - t_pj58) / 864.0,
            ]
        )

    log("first flyby: scanning the offset angle")
    best = None
    for theta in np.linspace(0, 2 * np.pi, 12, endpoint=False):
        x = np.array([0.0, 0.0, 0.0, theta])
        try:
            f = residual_a(x)
        except RuntimeError:
            continue
        if best is None or np.linalg.norm(f) < np.linalg.norm(best[1]):
            best = (x, f)
    if best is None:
        raise RuntimeError("no starting point for the first flyby")
    log("first flyby: Gauss-Newton on PJ57 time and the periods before and after it")
    x = newton(residual_a, best[0], np.array([1e-5, 1e-5, 1e-5, 1e-4]), log, "first flyby", tol=1e-5)
    y_ca1 = flyby.state(x)

    # Second flyby: a maneuver at the apojove between PJ57 and PJ58.
    _back, fwd = arcs(x)
    apo2 = _apsides(fwd)[1][0] + MANEUVER_AFTER_APOJOVE
    y_apo2 = dense_state(fwd, apo2)

    def arc_b(dv: np.ndarray):
        y = y_apo2.copy()
        y[3:] += dv
        return propagate(dyn, apo2, y, t_pj59 + 2 * DAY, events=events, dense=True)

    def residual_b(dv: np.ndarray) -> np.ndarray:
        legs = arc_b(dv)
        t_ca, alt = closest_approach(legs, t_ca2)
        peri, _ = _apsides(legs)
        if len(peri) < 2:
            raise RuntimeError("trajectory lost PJ58 or PJ59")
        alt58 = altitude(599, peri[0], dense_state(legs, peri[0])[:3])
        return np.array(
            [
                (t_ca - t_ca2) / 0.5,
                (alt - facts.flyby_altitude_km) / 5.0,
                (peri[0] - t_pj58) / 60.0,
                (peri[1] - t_pj59) / 864.0,
                _altitude_penalty(alt58),
            ]
        )

    # Where the second flyby passes Io sets the period after it (as in the real
    # mission): scan the maneuver direction, then refine all targets together.
    log("second flyby: Levenberg-Marquardt on a maneuver at apojove (flyby time and altitude, PJ58, period after PJ58)")
    starts = [np.zeros(3)] + [
        mag * np.array([math.cos(a) * math.cos(b), math.sin(a) * math.cos(b), math.sin(b)])
        for mag in (0.002, 0.005)
        for b in (-0.6, 0.0, 0.6)
        for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)
    ]
    scored = []
    for guess in starts:
        try:
            scored.append((np.linalg.norm(residual_b(guess)), tuple(guess)))
        except RuntimeError:
            continue
    dv2 = solve(residual_b, np.array(min(scored)[1]), np.full(3, 1e-3), log, "second flyby")
    impulses = [
        {
            "et": apo2,
            "dv": [float(v) for v in dv2],
            "why": "targets the second Io flyby, PJ58 and the period after it",
        },
    ]
    return Solution(epoch_et=float(flyby.et_ca), state=[float(v) for v in y_ca1], impulses=impulses)
