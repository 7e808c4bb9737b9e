"""Where to put a camera that shows a flyby, and where JunoCam looks: geometry from SPICE only.

At closest approach the spacecraft is usually over the moon's night side or its terminator
(Juno's Io passes were), so a camera behind the spacecraft looking at the moon shows a black
disc. The flyby view instead sits on the sunlit side, tilted toward the normal of the flyby
plane so that the path is seen nearly face on, and far enough that the whole pass of
``±span`` and the moon's disc fit the frame: the spacecraft then sweeps visibly across a lit
moon. Positions here are J2000 km from the target's centre; nothing imports Qt or VisPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from perijove.ephemeris.approach import refine_minimum
from perijove.ephemeris.attitude import has_ck, spacecraft_rotation
from perijove.ephemeris.bodies import SPACECRAFT, body_id, radii
from perijove.ephemeris.errors import CoverageError, PerijoveError
from perijove.ephemeris.geometry import Ephemeris
from perijove.ephemeris.windows import intersect

FLYBY_SPAN_S = 300.0  # the pass kept in frame: five minutes either side of closest approach (Io fills a fifth)
FLYBY_MARGIN = 0.9  # the framed things fill at most this fraction of the half-width and half-height
SEARCH_S = 2 * 86400.0  # a closest approach is looked for this far either side of the time shown
JUNOCAM_ID = -61500
JUNOCAM_FRAME = "JUNO_JUNOCAM"
JUNOCAM_WIDE_DEG = 58.0  # JunoCam's field across its CCD lines (Hansen et al. 2017), without an IK
# JunoCam's axes in the spacecraft frame, rounded from the Juno FK (juno_v12.tf, JUNO_JUNOCAM_CUBE):
# boresight along -X, CCD lines (the 58° direction) along -Z, the spin axis. Used when a CK
# gives the attitude but no FK defines the camera frame.
JUNOCAM_MOUNT = np.array([[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0]])


@dataclass(frozen=True)
class FlybyView:
    """A fixed camera for one encounter, in J2000 km from the target's centre."""

    ca_et: float
    eye: np.ndarray
    look: np.ndarray
    up: np.ndarray
    phase_deg: float  # angle between the view direction and the Sun seen from the moon
    # The camera aims this much (the tangent of the angle) above ``look``, so that the pass and the
    # moon sit in the band below a box kept clear at the frame's top; kept as an angle, so a zoom
    # toward ``look`` keeps them there (0: aimed at ``look``).
    aim_up: float = 0.0
    path: np.ndarray | None = None  # the pass's sampled positions: to check a box against later
    fitted_box: tuple[float, float, float, float] | None = None  # the box it was fitted below
    radius: float = 0.0  # the moon's (largest) radius, km: its outline is checked against a box too

    def aim(self, eye: np.ndarray, look: np.ndarray) -> np.ndarray:
        """Where a camera at ``eye``, framing ``look`` as this view does, points."""
        if not self.aim_up:
            return look
        return _aim(eye, look, self.up, self.aim_up)

    def passes_under(self, box: tuple[float, float, float, float], fov_deg: float, aspect: float) -> bool:
        """Whether the pass or the moon's disc, seen from this view as fitted, lies partly under ``box``
        (fractions of the frame from its top left)."""
        if self.path is None:
            return False
        half_y = math.tan(math.radians(fov_deg) / 2.0)
        aim = self.aim(self.eye, self.look)
        side = np.cross(aim - self.eye, self.up)
        outline = _limb(self.eye, self.radius, self.up, _unit(side)) if np.linalg.norm(side) > 0 else np.zeros((0, 3))
        x, y = _ndc(np.vstack([self.path, outline]), self.eye, aim, self.up, half_y, aspect)
        return _inside(x, y, box) or _disc_over(self.eye, aim, self.up, self.radius, half_y, aspect, box)


@dataclass(frozen=True)
class JunoCamView:
    """JunoCam's viewpoint at one time, in J2000 km from the target's centre."""

    eye: np.ndarray
    look: np.ndarray
    up: np.ndarray
    wide_deg: float  # the field across the CCD lines: the frame's horizontal field
    pointing: str  # "CK" (the camera frame from the loaded attitude) or "target" (aimed at it)
    fov_source: str  # "IK" (getfov) or "nominal"


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def flyby_encounter(eph: Ephemeris, target: int | str, et: float) -> float:
    """The closest approach the flyby camera frames: the deepest within two days of ``et``, and a flyby.

    Far from any flyby the camera would frame a pass at millions of km (a speck, no spacecraft):
    refused, naming the nearest approach, rather than drawn as an empty frame (``render``, ``export``
    and the window's export form alike).
    """
    from perijove.ephemeris.bodies import display_name
    from perijove.ephemeris.events import DEFAULT_FLYBY_KM
    from perijove.ephemeris.timeconv import et_to_utc

    ca = closest_approach(eph, target, et)
    km = float(np.linalg.norm(eph.position(SPACECRAFT, ca, target)))
    if km > DEFAULT_FLYBY_KM:
        raise PerijoveError(
            f"no flyby of {display_name(target)} within {SEARCH_S / 86400:.0f} days of this time: the closest "
            f"approach is {km:,.0f} km at {et_to_utc(ca)[:19]} UTC (a flyby is within {DEFAULT_FLYBY_KM:,.0f} km)"
        )
    return ca


def closest_approach(
    eph: Ephemeris, target: int | str, et: float, spacecraft: int | str = SPACECRAFT, search_s: float = SEARCH_S
) -> float:
    """ET of the spacecraft's closest approach to ``target`` within ``search_s`` of ``et``.

    The deepest minimum wins, not the nearest in time: a moon passes Juno's orbit at a million
    km every few days, and the flyby is the one that matters. CoverageError when the two have
    no common data around ``et``.
    """
    sc, tid = body_id(spacecraft), body_id(target)
    windows = intersect(eph.covered(sc), eph.covered(tid))
    span = [w for w in windows if w.start - search_s <= et <= w.stop + search_s]
    if not span:
        raise CoverageError(f"no common data for the spacecraft and {target} near this time")
    w = min(span, key=lambda w: 0.0 if w.contains(et) else min(abs(et - w.start), abs(et - w.stop)))
    lo, hi = max(w.start, et - search_s), min(w.stop, et + search_s)
    step = min(120.0, max((hi - lo) / 4, 1e-3))
    ets = np.append(np.arange(lo, hi, step), hi)
    d = np.linalg.norm(eph.position(sc, ets, tid), axis=-1)
    i = int(np.argmin(d))
    a, b = float(ets[max(i - 1, 0)]), float(ets[min(i + 1, len(ets) - 1)])

    def distance(t: float) -> float:
        return float(np.linalg.norm(eph.position(sc, t, tid)))

    return refine_minimum(distance, a, b, 1e-3)  # golden section: the pass is smooth over two samples


def flyby_view(
    eph: Ephemeris,
    target: int | str,
    ca_et: float,
    fov_deg: float,
    aspect: float,
    spacecraft: int | str = SPACECRAFT,
    span_s: float = FLYBY_SPAN_S,
    margin: float = FLYBY_MARGIN,
    keep_clear: tuple[float, float, float, float] | None = None,
) -> FlybyView:
    """A viewpoint on the lit side from which the pass of ±``span_s`` and the moon's disc fit.

    The view direction bisects the Sun direction and the flyby plane's normal (taken on the
    Sun's side), so the phase angle is at most 45° (the disc is at least 85% lit) and the path
    is foreshortened by at most cos 45°. The frame's horizontal runs along the motion at
    closest approach, with the moon's north up rather than down; the distance is the closest
    at which every sampled position of the pass and the whole disc lie inside ``margin`` of
    the frame (``fov_deg`` vertical, ``aspect`` width/height).

    ``keep_clear``: a box at the frame's top (x0, y0, x1, y1 as fractions of its width and height,
    from the top left; the window's HUD, an export's burned-in text). When the pass would run
    under it, pass and disc are fitted into the band of the frame below its bottom instead, the
    camera turned up so that they sit there, and the spacecraft is not drawn under the text. A
    box reaching past the frame's middle leaves no such band: the view is then left as it is.
    """
    sc, tid = body_id(spacecraft), body_id(target)
    coverage = eph.covered(sc)
    lo, hi = ca_et - span_s, ca_et + span_s
    for w in coverage:
        if w.start <= ca_et <= w.stop:
            lo, hi = max(lo, w.start), min(hi, w.stop)
    ets = np.linspace(lo, hi, 81)
    path = eph.position(sc, ets, tid)
    state = eph.state(sc, ca_et, tid)
    r_ca, v_ca = state[:3], state[3:]
    sun = _unit(eph.sun_direction(tid, ca_et, abcorr="NONE"))
    normal = np.cross(r_ca, v_ca)
    normal = _unit(normal) if np.linalg.norm(normal) > 0 else sun
    if normal @ sun < 0:
        normal = -normal
    d = sun + normal
    d = _unit(d) if np.linalg.norm(d) > 1e-9 else sun
    forward = -d
    right = v_ca - (v_ca @ d) * d
    if np.linalg.norm(right) < 1e-9 * max(np.linalg.norm(v_ca), 1.0):
        right = np.cross(forward, [0.0, 0.0, 1.0])
    right = _unit(right)
    up = np.cross(right, forward)
    try:
        pole = eph.body_rotation(tid, ca_et)[2]
    except PerijoveError:
        pole = np.array([0.0, 0.0, 1.0])
    if up @ pole < 0:  # Juno sweeps right to left rather than showing the moon upside down
        right, up = -right, -up
    try:
        radius = float(max(radii(tid)))
    except PerijoveError:
        radius = 0.0
    # Screen-plane coordinates of the path and of the disc's edges, to centre the frame on them.
    xs = np.r_[path @ right, -radius, radius]
    ys = np.r_[path @ up, -radius, radius]
    look = 0.5 * (xs.min() + xs.max()) * right + 0.5 * (ys.min() + ys.max()) * up
    half_y = math.tan(math.radians(fov_deg) / 2.0)
    tan_x = half_y * margin * aspect

    def distance_for(tan_y: float) -> float:
        """The closest eye distance at which pass and disc fit ``tan_x`` by ``tan_y`` about ``look``."""
        rel = path - look
        w, x, y = rel @ d, np.abs(rel @ right), np.abs(rel @ up)
        need = [np.max(w + x / tan_x), np.max(w + y / tan_y)]
        c = -look  # the moon's centre relative to the look-at point
        cw, cx, cy = c @ d, abs(c @ right), abs(c @ up)
        need += [
            cw + (cx + radius * math.sqrt(1 + tan_x**2)) / tan_x,
            cw + (cy + radius * math.sqrt(1 + tan_y**2)) / tan_y,
            cw + 2.0 * radius,
        ]
        return float(max(need))

    distance = distance_for(half_y * margin)
    phase = math.degrees(math.acos(float(np.clip(d @ sun, -1.0, 1.0))))
    view = FlybyView(ca_et, look + distance * d, look, up, phase, path=path, fitted_box=keep_clear, radius=radius)
    if keep_clear is None or not view.passes_under(keep_clear, fov_deg, aspect):
        return view
    below = keep_clear[3]  # the box's bottom, as a fraction of the height
    if below >= 0.5:
        return view  # no band below it to fit the pass into: left as it is
    # The content's centre goes to the band's centre (``below`` of the half-height under the
    # frame's), the camera turned up by that angle; then the eye backs off until pass and disc
    # lie inside the band with the margin, checked through the turned camera itself.
    aim_up = half_y * below
    top = 1.0 - 2.0 * below - (1.0 - margin)  # NDC
    distance = distance_for(half_y * (1.0 - below) * margin)
    for _ in range(80):
        eye = look + distance * d
        aim = _aim(eye, look, up, aim_up)
        x, y = _ndc(np.vstack([path, _limb(eye, radius, up, right)]), eye, aim, up, half_y, aspect)
        if np.all(np.abs(x) <= margin) and np.all((y >= -margin) & (y <= top)):
            break
        distance *= 1.04
    return FlybyView(ca_et, look + distance * d, look, up, phase, aim_up, path, keep_clear, radius)


def _aim(eye: np.ndarray, look: np.ndarray, up: np.ndarray, aim_up: float) -> np.ndarray:
    """The point a camera at ``eye`` aims at to see ``look`` ``aim_up`` (a tangent) below its centre."""
    forward = look - eye
    reach = float(np.linalg.norm(forward))
    forward = forward / reach
    lift = up - (up @ forward) * forward
    return look + aim_up * reach * _unit(lift)


def _ndc(points: np.ndarray, eye: np.ndarray, aim: np.ndarray, up: np.ndarray, half_y: float, aspect: float):
    """Normalised device x and y (-1..1, y up) of ``points`` seen from ``eye`` toward ``aim``; points
    behind the eye get +inf, outside every frame."""
    forward = _unit(aim - eye)
    right = _unit(np.cross(forward, up))
    true_up = np.cross(right, forward)
    rel = np.atleast_2d(points) - eye
    depth = rel @ forward
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(depth > 0, (rel @ right) / depth / (half_y * aspect), np.inf)
        y = np.where(depth > 0, (rel @ true_up) / depth / half_y, np.inf)
    return x, y


def _limb(eye: np.ndarray, radius: float, up: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Points on the moon's outline (a sphere of ``radius`` at the origin) as seen from ``eye``."""
    reach = float(np.linalg.norm(eye))
    if radius <= 0.0 or reach <= radius:
        return np.zeros((0, 3))
    toward = eye / reach
    centre = toward * radius**2 / reach
    r = radius * math.sqrt(1.0 - (radius / reach) ** 2)
    a = _unit(up - (up @ toward) * toward)
    b = np.cross(toward, a)
    angles = np.linspace(0.0, 2.0 * math.pi, 16, endpoint=False)
    return centre + r * (np.cos(angles)[:, None] * a + np.sin(angles)[:, None] * b)


def _disc_over(eye, aim, up, radius: float, half_y: float, aspect: float, box) -> bool:
    """Whether the moon's disc (a circle on screen) overlaps ``box``: its outline's samples miss a
    box that only cuts across the disc's edge between them, or covers its middle."""
    x, y = _ndc(np.zeros((1, 3)), eye, aim, up, half_y, aspect)
    reach = float(np.linalg.norm(eye))
    if not np.isfinite(x[0]) or radius <= 0.0 or reach <= radius:
        return False
    # In units of the frame's height (the width is ``aspect`` of them), where the disc is round.
    cx, cy = (0.5 + 0.5 * x[0]) * aspect, 0.5 - 0.5 * y[0]
    r = 0.5 * math.tan(math.asin(radius / reach)) / half_y
    x0, y0, x1, y1 = box
    nx, ny = min(max(cx, x0 * aspect), x1 * aspect), min(max(cy, y0), y1)
    return math.hypot(cx - nx, cy - ny) < r


def _inside(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    """Whether any of the NDC points falls in ``box`` (fractions of the frame from its top left)."""
    fx, fy = 0.5 + 0.5 * x, 0.5 - 0.5 * y
    x0, y0, x1, y1 = box
    return bool(np.any((fx >= x0) & (fx <= x1) & (fy >= y0) & (fy <= y1)))


def junocam_wide_deg() -> tuple[float, str]:
    """JunoCam's field across its CCD lines: from the loaded IK (``getfov``) when one defines it."""
    with spiceypy.no_found_check():
        found = spiceypy.dtpool(f"INS{JUNOCAM_ID}_FOV_SHAPE")[2]
    if not found:
        return JUNOCAM_WIDE_DEG, "nominal"
    try:
        _shape, _frame, bsight, _n, bounds = spiceypy.getfov(JUNOCAM_ID, 8)
    except SpiceyError:
        spiceypy.reset()
        return JUNOCAM_WIDE_DEG, "nominal"
    b = _unit(np.asarray(bsight, dtype=float))
    # The wider of the two angular extents across the boresight, corner to corner.
    ref = np.cross(b, [0.0, 1.0, 0.0]) if abs(b[1]) < 0.9 else np.cross(b, [1.0, 0.0, 0.0])
    ref = _unit(ref)
    cross = np.cross(b, ref)
    widths = []
    for axis in (ref, cross):
        angles = [math.atan2(float(v @ axis), float(v @ b)) for v in np.asarray(bounds, dtype=float)]
        widths.append(max(angles) - min(angles))
    wide = math.degrees(max(widths))
    if not 0.1 <= wide <= 170.0:
        return JUNOCAM_WIDE_DEG, "nominal"
    return wide, "IK"


def junocam_view(eph: Ephemeris, target: int | str, et: float, spacecraft: int | str = SPACECRAFT) -> JunoCamView:
    """JunoCam at the spacecraft: pointed by the CK when one covers ``et``, else at the target.

    Without a CK the roll still follows the camera's mounting: its CCD lines (the frame's width)
    lie along the spin axis of the attitude model, which points at Earth, so the Sun, a few
    degrees from Earth as seen from Jupiter, lights the target from the left as in JunoCam's
    own pictures.
    """
    sc, tid = body_id(spacecraft), body_id(target)
    eye = eph.position(sc, et, tid)
    wide, fov_source = junocam_wide_deg()
    if has_ck(eph, et):
        try:
            rot = np.asarray(spiceypy.pxform("J2000", JUNOCAM_FRAME, et))
        except SpiceyError:
            spiceypy.reset()  # no FK defines the camera frame: its nominal mounting on the CK's attitude
            rot = JUNOCAM_MOUNT @ spacecraft_rotation(eph, et)[0]
        distance = max(float(np.linalg.norm(eye)), 1.0)
        return JunoCamView(eye, eye + distance * rot[2], -rot[1], wide, "CK", fov_source)
    forward = _unit(-eye)
    spin = spacecraft_rotation(eph, et)[0][2]
    right = -spin - (-spin @ forward) * forward
    if np.linalg.norm(right) < 1e-6:  # looking along the spin axis: the moon's north is up
        right = np.cross(forward, eph.body_rotation(tid, et)[2])
    right = _unit(right)
    return JunoCamView(eye, np.zeros(3), np.cross(right, forward), wide, "target", fov_source)
