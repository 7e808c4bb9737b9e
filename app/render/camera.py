"""From camera intent to matrices, in float64, around a floating origin.

The origin of each frame is the camera's focus body (or the spacecraft), so
every position handed to the GPU is small where precision matters: Juno 1 km
from the camera is ~1 km from the origin even while Io is 421,700 km from
Jupiter. Near and far planes follow the nearest and farthest visible things.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from perijove.ephemeris.flyby_view import SEARCH_S, FlybyView, JunoCamView
from perijove.model.camera import CameraIntent

NEAR_FRACTION = 1e-3  # the near plane, as a fraction of the distance to the nearest surface
SYSTEM_KM = 1.5e7  # Jupiter to the farthest thing drawn: Callisto's orbit, Juno's apojove


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray) -> np.ndarray:
    """World → view matrix (column-vector convention, camera looks down -Z)."""
    f = target - eye
    f = f / np.linalg.norm(f)
    if abs(f @ up) > 0.999:  # looking along the up vector: pick another one
        up = np.array([1.0, 0.0, 0.0]) if abs(f[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    s = np.cross(f, up)
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = s, u, -f
    view[:3, 3] = -view[:3, :3] @ eye
    return view


def perspective(fov_deg: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / math.tan(math.radians(fov_deg) / 2.0)
    proj = np.zeros((4, 4))
    proj[0, 0] = f / aspect
    proj[1, 1] = f
    proj[2, 2] = (far + near) / (near - far)
    proj[2, 3] = 2.0 * far * near / (near - far)
    proj[3, 2] = -1.0
    return proj


def _frozen(m: np.ndarray) -> np.ndarray:
    m.setflags(write=False)  # shared by every caller of a cached matrix: copy it to change it
    return m


@dataclass(frozen=True)
class CameraPose:
    """A resolved camera for one frame; positions are world km relative to ``origin``."""

    origin: np.ndarray  # J2000 km relative to Jupiter, float64
    eye: np.ndarray
    target: np.ndarray
    up: np.ndarray
    fov_deg: float
    near: float
    far: float
    size: tuple[int, int]
    # The point a zoom moves the eye toward, where that is not ``target``: the flyby camera aims
    # above the pass it frames (below a box kept clear), and closes on the pass, not on the aim.
    pivot: np.ndarray | None = None

    @property
    def zoom_centre(self) -> np.ndarray:
        """The point a zoom moves the eye toward (``pivot``, or else ``target``)."""
        return self.target if self.pivot is None else self.pivot

    @property
    def aspect(self) -> float:
        return self.size[0] / self.size[1]

    # Made once per pose (a frame asked for them a dozen times, 5 ms of Python a frame). The
    # pose is not changed after it is made: dataclasses.replace gives a new one.
    @cached_property
    def view(self) -> np.ndarray:
        return _frozen(look_at(self.eye, self.target, self.up))

    @cached_property
    def projection(self) -> np.ndarray:
        return _frozen(perspective(self.fov_deg, self.aspect, self.near, self.far))

    @cached_property
    def clip(self) -> np.ndarray:
        """World (relative to the origin) -> clip coordinates; its last row gives the depth in front of the eye."""
        return _frozen(self.projection @ self.view)

    def project(self, world: np.ndarray) -> np.ndarray:
        """Pixel coordinates (x right, y down) of world points (relative to the origin)."""
        pts = np.atleast_2d(np.asarray(world, dtype=float))
        m = self.clip
        # One matrix-vector product a coordinate: a frame projects its trail's 2,000 vertices, and
        # the (n, 3) x (3, 4) product with a strided divide after it cost twice as much.
        depth = pts @ m[3, :3] + m[3, 3]
        w, h = self.size
        out = np.empty((len(pts), 2))
        out[:, 0] = ((pts @ m[0, :3] + m[0, 3]) / depth + 1.0) * (0.5 * w)
        out[:, 1] = (1.0 - (pts @ m[1, :3] + m[1, 3]) / depth) * (0.5 * h)
        return out[0] if np.ndim(world) == 1 else out

    def pixels_per_radian(self) -> float:
        return self.size[1] / 2.0 / math.tan(math.radians(self.fov_deg) / 2.0)


def default_distance(radius_km: float, fov_deg: float) -> float:
    """Distance at which a sphere of ``radius_km`` fills ~70% of the view's height."""
    return radius_km / math.sin(math.radians(fov_deg) / 2.0) / 0.7


def orbit_direction(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    return np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])


def resolve(
    intent: CameraIntent,
    size: tuple[int, int],
    positions: dict[int, np.ndarray],
    radii: dict[int, float],
    rotations: dict[int, np.ndarray],
    target_id: int,
    from_id: int | None,
    spacecraft: int,
    view: FlybyView | JunoCamView | None = None,
) -> CameraPose:
    """Place the camera. ``positions`` are J2000 km relative to Jupiter, float64.

    ``view`` is the SPICE geometry of the ``flyby`` and ``junocam`` modes (from
    ``perijove.ephemeris.flyby_view``), relative to the target's centre.
    """
    focus = spacecraft if intent.mode == "follow" else target_id
    pivot = None
    origin = positions[focus].copy()
    rel = {k: v - origin for k, v in positions.items()}
    radius = radii.get(focus, 0.01)
    dist = intent.distance_km or default_distance(radius, intent.fov_deg)
    up = np.array(intent.up, dtype=float)
    if focus in rotations:  # the body's north pole is "up"
        up = rotations[focus][2].copy()
    pan = np.array(intent.pan_km, dtype=float)
    if intent.mode == "bodyfixed" and focus in rotations:
        pan = rotations[focus].T @ pan  # stored in the body's frame, so it turns with the body
    look = pan
    fov = intent.fov_deg
    if intent.mode in ("orbit", "follow"):
        eye = pan + dist * orbit_direction(intent.azimuth_deg, intent.elevation_deg)
    elif intent.mode == "bodyfixed":
        body_dir = orbit_direction(intent.azimuth_deg, intent.elevation_deg)
        eye = pan + (dist * (rotations[focus].T @ body_dir) if focus in rotations else dist * body_dir)
    elif intent.mode == "flyby":
        if not isinstance(view, FlybyView):
            raise ValueError("the flyby camera needs its encounter geometry")
        look = view.look + pan
        offset = view.eye - view.look
        eye = look + (offset if intent.distance_km is None else _unit(offset) * intent.distance_km)
        up = view.up.copy()
        pivot = look
        look = view.aim(eye, look)  # turned up above a box kept clear, by an angle: zooming keeps it
    elif intent.mode == "junocam":
        if not isinstance(view, JunoCamView):
            raise ValueError("the JunoCam camera needs its pointing")
        eye, look, up = view.eye.copy(), view.look + pan, view.up.copy()
        half = math.radians(view.wide_deg) / 2.0
        fov = math.degrees(2.0 * math.atan(math.tan(half) * size[1] / size[0]))
    else:  # "from": on the line from the target toward another body
        assert from_id is not None
        toward = rel[from_id]
        norm = np.linalg.norm(toward)
        if norm == 0:
            raise ValueError("the camera cannot look at a body from itself")
        if intent.distance_km is None and from_id == spacecraft:
            eye = toward.copy()  # the view from the spacecraft itself: panning turns the view
        else:
            eye = toward / norm * dist + pan
    if np.linalg.norm(eye - look) < 1e-9:  # panned onto the eye itself: look on, not nowhere
        look = eye - 1e-3 * _unit(eye) if np.linalg.norm(eye) > 0 else eye + np.array([1e-3, 0.0, 0.0])
    near, far = _clip_planes(eye, rel, radii, spacecraft)
    return CameraPose(origin, eye, look, up, fov, near, far, size, pivot)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _clip_planes(
    eye: np.ndarray, rel: dict[int, np.ndarray], radii: dict[int, float], spacecraft: int
) -> tuple[float, float]:
    nearest, farthest = math.inf, 0.0
    for body, pos in rel.items():
        r = radii.get(body, 0.02 if body == spacecraft else 0.0)
        d = float(np.linalg.norm(pos - eye))
        nearest = min(nearest, max(d - r, 0.0))
        farthest = max(farthest, d + r)
    # Lines (Juno's orbit, the moons') pass closer to the camera than any body does once it is
    # zoomed out past them: half the distance to the nearest surface cut whole arcs away. The
    # log depth buffer keeps ~1e-6 relative precision over this range, so near can be small.
    near = max(nearest * NEAR_FRACTION, 1e-5)  # 1 cm at the closest
    # Juno's whole orbit (apojove up to ~8 million km) and the moons' orbits stay inside the far
    # plane however far the camera is zoomed out: everything drawn lies within SYSTEM_KM of Jupiter.
    to_jupiter = float(np.linalg.norm(rel[599] - eye)) if 599 in rel else 0.0
    return near, max(farthest * 4.0, near * 10.0, to_jupiter + SYSTEM_KM, 1e7)


def _moved(fitted: tuple[float, ...] | None, box: tuple[float, ...]) -> bool:
    """Whether ``box`` is another box than the one a view was fitted below (2% of the frame: a HUD's
    numbers changing width are the same box; one it could not be fitted below is not tried again)."""
    return fitted is None or any(abs(a - b) > 0.02 for a, b in zip(fitted, box, strict=True))


def _top_box(
    boxes: tuple[tuple[float, float, float, float], ...], size: tuple[int, int]
) -> tuple[float, float, float, float] | None:
    """The first box along the frame's top, as fractions of the frame (None: none there)."""
    w, h = size
    for x0, y0, x1, y1 in boxes:
        if y0 <= 0.05 * h and y1 > y0 and x1 > x0:
            return (x0 / w, y0 / h, x1 / w, y1 / h)
    return None


class ViewGeometry:
    """The SPICE geometry of the ``flyby`` and ``junocam`` modes for one ephemeris, cached.

    The flyby viewpoint is fixed for an encounter, so it is computed once per encounter,
    field of view and frame shape, not every frame; JunoCam's pointing changes every frame.
    """

    BUCKET_S = 21600.0  # the closest approach nearest the clock is looked up again every 6 h of time shown

    def __init__(self, eph, spacecraft: int) -> None:
        self.eph, self.sc = eph, spacecraft
        self._approach: dict[tuple[int, int], float] = {}
        self._flyby: dict[tuple, FlybyView] = {}

    def encounter(self, target_id: int, et: float) -> float:
        """The closest approach to ``target_id`` that a flyby camera without one frames."""
        from perijove.ephemeris.flyby_view import closest_approach

        key = (target_id, int(et // self.BUCKET_S))
        if key not in self._approach:
            if len(self._approach) > 32:
                self._approach.clear()
            self._approach[key] = closest_approach(self.eph, target_id, et, self.sc)
        return self._approach[key]

    def for_intent(
        self,
        intent: CameraIntent,
        target_id: int,
        et: float,
        size: tuple[int, int],
        keep_clear: tuple[tuple[float, float, float, float], ...] = (),
    ) -> FlybyView | JunoCamView | None:
        """The flyby or JunoCam geometry for ``intent`` (None for the other cameras). A flyby view is
        fitted once per encounter, field and aspect, below ``keep_clear`` (frame pixels: the window's
        HUD, an export's overlay) where the pass would run under it; fitted again only if the pass
        comes to run under a new box, so that the view stays put as the HUD's numbers change."""
        from perijove.ephemeris import PerijoveError
        from perijove.ephemeris.flyby_view import flyby_view, junocam_view

        if intent.mode not in ("flyby", "junocam"):
            return None
        if target_id == self.sc:
            raise PerijoveError(f"the {intent.mode} camera looks at a body, not at the spacecraft itself")
        if intent.mode == "junocam":
            return junocam_view(self.eph, target_id, et, self.sc)
        ca = intent.encounter_et
        if ca is None or abs(ca - et) > SEARCH_S:  # none given, or one from another orbit: the nearest
            ca = self.encounter(target_id, et)
        key = (target_id, ca, intent.fov_deg, round(size[0] / size[1], 4))
        box = _top_box(keep_clear, size)
        made = self._flyby.get(key)
        # Fitted again only when the pass would now run under a box it was not fitted below (the
        # HUD turned on, a row added, a smaller window): a box that shrinks or goes leaves the view.
        if made is None or (
            box is not None
            and _moved(made.fitted_box, box)
            and made.passes_under(box, intent.fov_deg, size[0] / size[1])
        ):
            if len(self._flyby) > 32:
                self._flyby.clear()
            self._flyby[key] = flyby_view(
                self.eph, target_id, ca, intent.fov_deg, size[0] / size[1], self.sc, keep_clear=box
            )
        return self._flyby[key]
