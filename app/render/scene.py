"""The scene: Jupiter, the Galilean moons and Juno, drawn from SPICE at one time.

``FrameState`` gathers every number of a frame in float64 (no GL), so tests
can check geometry directly; ``Scene.draw`` only converts it, relative to the
floating origin, to float32 uniforms and vertices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from vispy import gloo

from perijove.ephemeris import CoverageError, Ephemeris, body_id, display_name, radii
from perijove.ephemeris.attitude import spacecraft_rotation
from perijove.model import CameraIntent, DisplayOptions
from perijove.render import camera as cam
from perijove.render.meshes import Mesh, ellipsoid, juno
from perijove.render.stars import star_sprites
from perijove.render.textures import MAP_LATITUDES, default_map, load_map
from perijove.render.trajectory import TrajectoryCache, trail_vertices
from perijove.resources import shader_source

BODIES = (599, 501, 502, 503, 504)
SUN_RADIUS_KM = 695_700.0
SPACECRAFT_SPAN_KM = 0.020
MARKER_BELOW_PX = 4.0
GHOST_COLOUR = (0.85, 0.45, 1.0, 0.8)  # the compared kernel set's path: violet, apart from the trail
MINNAERT = {599: 0.85}
LEVELS = ((256, 128), (96, 48), (32, 16))  # ellipsoid grids, finest first
LEVEL_PIXELS = (150.0, 25.0)  # projected radius above which each finer level is used


@dataclass
class FrameState:
    """Everything one frame shows, float64, world km relative to ``pose.origin``."""

    et: float
    pose: cam.CameraPose
    positions: dict[int, np.ndarray]
    rotations: dict[int, np.ndarray]  # J2000 -> body-fixed
    radii: dict[int, np.ndarray]
    sun_dir: dict[int, np.ndarray]
    sun_angular_radius: float
    spacecraft: np.ndarray | None
    spacecraft_rotation: np.ndarray | None
    attitude_source: str
    draw_spacecraft: bool
    marker: bool
    trail: tuple[np.ndarray, np.ndarray] | None
    orbits: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    labels: list[tuple[str, np.ndarray]] = field(default_factory=list)
    ghost: tuple[np.ndarray, np.ndarray] | None = None  # the compared set's path, same window as the trail

    def pixel(self, body: int) -> np.ndarray:
        return self.pose.project(self.positions[body])


def _program(vertex: str, fragment: str, *prefix: str) -> gloo.Program:
    frag = "\n".join([shader_source(p) for p in prefix] + [shader_source(fragment)])
    return gloo.Program(shader_source(vertex), frag)


def _mat4(m: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(m.T, dtype=np.float32)  # GL reads column-major


def _mat3(m: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(m.T, dtype=np.float32)


class Scene:
    """Draws frames of the Jupiter system for one ``Ephemeris``."""

    def __init__(
        self,
        eph: Ephemeris,
        display: DisplayOptions | None = None,
        spacecraft: int | str = -61,
        spacecraft_mesh: Mesh | None = None,
    ) -> None:
        self.eph = eph
        self.display = display or DisplayOptions()
        self.sc = body_id(spacecraft)
        self.bodies = tuple(b for b in BODIES if eph.covered(b))
        self.radii = {b: radii(b) for b in self.bodies}
        self.sc_mesh = spacecraft_mesh or juno()
        self.ghost = None
        self.trajectory = TrajectoryCache(
            eph, self.sc, self.display.trajectory_past_days * 86400, self.display.trajectory_future_days * 86400
        )
        self._orbit_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._gl: dict[str, object] | None = None

    def set_display(self, display: DisplayOptions) -> None:
        """Change what is drawn; GL resources are rebuilt only when the maps change."""
        old, self.display = self.display, display
        if (display.maps, display.map_latitudes, display.procedural_maps) != (
            old.maps,
            old.map_latitudes,
            old.procedural_maps,
        ):
            self._gl = None  # textures (and the meshes' latitude convention) come from the maps
        if (display.trajectory_past_days, display.trajectory_future_days) != (
            old.trajectory_past_days,
            old.trajectory_future_days,
        ):
            self.trajectory = TrajectoryCache(
                self.eph, self.sc, display.trajectory_past_days * 86400, display.trajectory_future_days * 86400
            )

    # -- geometry (no GL) --------------------------------------------------------------
    def frame_state(self, et: float, intent: CameraIntent, size: tuple[int, int]) -> FrameState:
        eph = self.eph
        has_sc = any(w.start <= et <= w.stop for w in eph.covered(self.sc))
        targets = [*self.bodies, 10] + ([self.sc] if has_sc else [])
        states = eph.states_at(et, targets, 599)
        pos = {b: states[i, :3].copy() for i, b in enumerate(targets)}
        rotations = {b: eph.body_rotation(b, et) for b in self.bodies}
        target_id = body_id(intent.target)
        from_id = body_id(intent.from_body) if intent.from_body else None
        for extra in (target_id, from_id):  # any body SPICE knows can anchor the camera
            if extra is not None and extra not in pos:
                pos[extra] = eph.position(extra, et, 599)
        if intent.mode == "follow" and not has_sc:
            raise CoverageError(f"no ephemeris for {display_name(self.sc)} at this time")
        rmax = {b: float(self.radii[b].max()) for b in self.bodies}
        rmax[self.sc] = SPACECRAFT_SPAN_KM / 2
        pose = cam.resolve(intent, size, pos, rmax, rotations, target_id, from_id, self.sc)
        rel = {k: v - pose.origin for k, v in pos.items()}
        sun = rel.pop(10)
        sun_dir = {b: (sun - rel[b]) / np.linalg.norm(sun - rel[b]) for b in rel}
        sun_ang = SUN_RADIUS_KM / float(np.linalg.norm(sun - rel[599]))
        sc_pos = rel.get(self.sc)
        sc_rot, source = (None, "none")
        draw_sc = marker = False
        if sc_pos is not None:
            sc_rot, source = spacecraft_rotation(eph, et)
            dist = float(np.linalg.norm(sc_pos - pose.eye))
            draw_sc = dist > 1e-3  # the camera is not sitting inside it
            marker = draw_sc and SPACECRAFT_SPAN_KM / dist * pose.pixels_per_radian() < MARKER_BELOW_PX
        trail = None
        if has_sc and self.display.trajectory:
            got = self.trajectory.around(et)
            if got is not None:
                path, split, (lo, hi) = got
                colour_by = None
                if self.display.trajectory_color == "distance" and target_id != self.sc:
                    try:
                        colour_by = self.trajectory.distances(target_id, lo, hi)
                    except CoverageError:
                        colour_by = None  # no data for the target over the whole path: colour by time
                verts, colours = trail_vertices(path, split, pos[self.sc], et, self.trajectory.past, colour_by)
                verts = verts - pose.origin
                # A vertex at the eye itself projects with w = 0 and streaks across the view
                # (the view from the spacecraft): the line is clipped there instead.
                keep = np.linalg.norm(verts - pose.eye, axis=1) > pose.near * 1e-3
                trail = (verts[keep], colours[keep])
        ghost = self._ghost_line(et, pose)
        orbits = self._moon_orbits(et, pos, pose.origin) if self.display.moon_orbits else []
        labels = [(display_name(b), rel[b]) for b in self.bodies]
        if sc_pos is not None:
            labels.append((display_name(self.sc), sc_pos))
        return FrameState(
            et,
            pose,
            rel,
            rotations,
            {b: self.radii[b] for b in self.bodies},
            sun_dir,
            sun_ang,
            sc_pos,
            sc_rot,
            source,
            draw_sc,
            marker,
            trail,
            orbits,
            labels,
            ghost=ghost,
        )

    def set_ghost(self, track) -> None:
        """Another kernel set's spacecraft track (``ephemeris.compare.Track``) to draw, or None."""
        self.ghost = track

    def _ghost_line(self, et: float, pose: cam.CameraPose):
        if self.ghost is None or not self.display.trajectory:
            return None
        g = self.ghost
        lo, hi = np.searchsorted(g.ets, [et - self.trajectory.past, et + self.trajectory.future])
        if hi - lo < 2:
            return None
        verts = g.states[lo:hi, :3] - pose.origin
        keep = np.linalg.norm(verts - pose.eye, axis=1) > pose.near * 1e-3  # never through the eye
        colours = np.tile(GHOST_COLOUR, (int(keep.sum()), 1))
        return verts[keep], colours

    def _moon_orbits(self, et: float, pos: dict[int, np.ndarray], origin: np.ndarray):
        out = []
        periods = {501: 1.769, 502: 3.551, 503: 7.155, 504: 16.69}
        for moon in self.bodies:
            if moon == 599:
                continue
            period = periods[moon] * 86400
            bucket = int(et // (period / 64))
            key = (moon, bucket)
            if key not in self._orbit_cache:
                centre = (bucket + 0.5) * period / 64
                ets = centre + np.linspace(-0.5, 0.5, 257) * period
                try:
                    self._orbit_cache[key] = (ets, self.eph.position(moon, ets, 599))
                except CoverageError:
                    continue
                if len(self._orbit_cache) > 64:
                    self._orbit_cache.pop(next(iter(self._orbit_cache)))
            ets, p = self._orbit_cache[key]
            split = int(np.searchsorted(ets, et))
            verts = np.concatenate([p[:split], pos[moon][None], p[split:]]) - origin
            colours = np.tile([0.6, 0.7, 0.9, 0.25], (len(verts), 1))
            out.append((verts, colours))
        return out

    # -- GL ----------------------------------------------------------------------------------
    def _setup(self) -> dict[str, object]:
        if self._gl is not None:
            return self._gl
        gl: dict[str, object] = {}
        body = {}
        for b in self.bodies:
            prog = _program("body_vertex", "body_fragment", "logdepth", "shadow")
            image, latitude = self._map(b)
            prog["u_texture"] = gloo.Texture2D(image, interpolation="linear", wrapping="repeat")
            prog["u_minnaert"] = MINNAERT.get(b, 1.0)
            levels = []
            for n_lon, n_lat in LEVELS:  # level of detail: fine grid when large on screen, coarse when small
                mesh = ellipsoid(tuple(float(r) for r in self.radii[b]), n_lon, n_lat, latitude)
                vbo = np.zeros(
                    len(mesh.positions),
                    [("a_position", np.float32, 3), ("a_normal", np.float32, 3), ("a_texcoord", np.float32, 2)],
                )
                vbo["a_position"], vbo["a_normal"], vbo["a_texcoord"] = mesh.positions, mesh.normals, mesh.texcoords
                levels.append((gloo.VertexBuffer(vbo), gloo.IndexBuffer(mesh.faces)))
            body[b] = (prog, levels)
        gl["bodies"] = body
        m = self.sc_mesh
        prog = _program("mesh_vertex", "mesh_fragment", "logdepth", "shadow")
        vbo = np.zeros(
            len(m.positions), [("a_position", np.float32, 3), ("a_normal", np.float32, 3), ("a_color", np.float32, 3)]
        )
        vbo["a_position"], vbo["a_normal"], vbo["a_color"] = m.positions, m.normals, m.colors
        prog.bind(gloo.VertexBuffer(vbo))
        gl["spacecraft"] = (prog, gloo.IndexBuffer(m.faces))
        gl["line"] = _program("line_vertex", "line_fragment", "logdepth")
        gl["points"] = _program("point_vertex", "point_fragment", "logdepth")
        gl["stars"] = self._star_program()  # None: no catalogue, a black sky
        self._gl = gl
        return gl

    def _map(self, body: int) -> tuple[np.ndarray, str]:
        """A body's map and the latitude its rows are in: the user's, else the default (planetocentric)."""
        name = display_name(body).lower()
        if name not in self.display.maps:
            return default_map(body, procedural=self.display.procedural_maps), "planetocentric"
        latitude = self.display.map_latitudes.get(name, "planetocentric")
        if latitude not in MAP_LATITUDES:
            raise ValueError(f"{name} map: latitude must be one of {', '.join(MAP_LATITUDES)}, not {latitude!r}")
        return load_map(self.display.maps[name]), latitude

    @staticmethod
    def _star_program() -> gloo.Program | None:
        """The whole star field in one vertex buffer, uploaded once: one draw call a frame."""
        dirs, colours, sizes = star_sprites()
        if not len(dirs):
            return None
        prog = _program("point_vertex", "point_fragment", "logdepth")
        data = np.zeros(len(dirs), [("a_position", np.float32, 3), ("a_color", np.float32, 4), ("a_size", np.float32)])
        data["a_position"], data["a_color"], data["a_size"] = dirs, colours, sizes
        prog.bind(gloo.VertexBuffer(data))
        prog["u_infinite"] = 1.0
        return prog

    @staticmethod
    def _level(view: np.ndarray, pose: cam.CameraPose, centre: np.ndarray, radius: float) -> int | None:
        """Mesh level for a body, or None when its bounding sphere is outside the view frustum."""
        x, y, z = (view @ np.r_[centre, 1.0])[:3]
        depth = -z
        if depth < -radius:
            return None
        half_h = np.radians(pose.fov_deg) / 2
        half_w = np.arctan(np.tan(half_h) * pose.aspect)
        for angle, lateral in ((half_w, x), (half_h, y)):  # distance to the side planes
            if abs(lateral) * np.cos(angle) - depth * np.sin(angle) > radius:
                return None
        if depth <= radius:
            return 0
        pixels = radius / depth * pose.pixels_per_radian()
        return 0 if pixels > LEVEL_PIXELS[0] else 1 if pixels > LEVEL_PIXELS[1] else 2

    def _occluders(self, state: FrameState, receiver: int | None, where: np.ndarray, sun: np.ndarray):
        """Up to four bodies whose shadows can reach ``where`` (world km)."""
        found = []
        for b in self.bodies:
            if b == receiver:
                continue
            c = state.positions[b]
            along = (c - where) @ sun
            if along <= 0:
                continue
            miss = np.linalg.norm((c - where) - along * sun)
            reach = float(state.radii[b].max()) * 1.2 + along * state.sun_angular_radius * 1.2
            if receiver is not None:
                reach += float(state.radii[receiver].max())
            if miss < reach:
                found.append((miss, b))
        return [b for _miss, b in sorted(found)[:4]]

    def _set_occluders(self, prog: gloo.Program, state: FrameState, occ: list[int]) -> None:
        prog["u_n_occ"] = len(occ)
        prog["u_sun_radius"] = state.sun_angular_radius
        for i in range(4):
            b = occ[i] if i < len(occ) else None
            centre = state.positions[b] if b is not None else np.zeros(3)
            to_unit = (np.diag(1.0 / state.radii[b]) @ state.rotations[b]) if b is not None else np.eye(3)
            prog[f"u_occ_centre[{i}]"] = centre.astype(np.float32)
            prog[f"u_occ_to_unit[{i}]"] = _mat3(to_unit)

    def draw(self, state: FrameState, canvas=None) -> None:
        """Issue the GL draws for ``state`` into the current framebuffer (labels need ``canvas``)."""
        gl = self._setup()
        pose = state.pose
        view, proj = _mat4(pose.view), _mat4(pose.projection)
        common = {"u_view": view, "u_projection": proj, "u_near": pose.near, "u_far": pose.far}
        gloo.set_clear_color((0.0, 0.0, 0.0, 1.0))
        gloo.clear(color=True, depth=True)
        gloo.set_state(blend=True, blend_func=("src_alpha", "one_minus_src_alpha"), cull_face=False)
        points = gl["points"]
        stars = gl["stars"]
        if self.display.stars and stars is not None:
            for k, v in common.items():
                stars[k] = v
            gloo.set_state(depth_test=False)
            stars.draw("points")
        gloo.set_state(depth_test=True)
        line = gl["line"]
        for k, v in common.items():
            line[k] = v
        gloo.set_depth_mask(False)
        for verts, colours in state.orbits:
            self._draw_line(line, verts, colours)
        gloo.set_depth_mask(True)
        view64 = pose.view
        for b, (prog, levels) in gl["bodies"].items():
            radius = float(state.radii[b].max())
            level = self._level(view64, pose, state.positions[b], radius)
            if level is None:
                continue  # outside the view: nothing to draw
            rot = state.rotations[b].T  # body-fixed -> J2000
            model = np.eye(4)
            model[:3, :3], model[:3, 3] = rot, state.positions[b]
            for k, v in common.items():
                prog[k] = v
            prog["u_model"], prog["u_rotation"] = _mat4(model), _mat3(rot)
            prog["u_sun_dir"] = state.sun_dir[b].astype(np.float32)
            prog["u_eye"] = pose.eye.astype(np.float32)
            prog["u_night"] = self.display.night_brightness
            prog["u_shadows"] = 1.0 if self.display.shadows else 0.0
            occ = self._occluders(state, b, state.positions[b], state.sun_dir[b]) if self.display.shadows else []
            self._set_occluders(prog, state, occ)
            vertices, faces = levels[level]
            prog.bind(vertices)
            prog.draw("triangles", faces)
        if state.ghost is not None and len(state.ghost[0]) >= 2:
            gloo.set_depth_mask(False)
            gloo.set_line_width(1.5)
            self._draw_line(line, *state.ghost)
            gloo.set_line_width(1.0)
            gloo.set_depth_mask(True)
        if state.trail is not None:
            gloo.set_depth_mask(False)
            gloo.set_line_width(2.0)
            self._draw_line(line, *state.trail)
            gloo.set_line_width(1.0)
            gloo.set_depth_mask(True)
        if state.spacecraft is not None and state.draw_spacecraft:
            prog, faces = gl["spacecraft"]
            rot = state.spacecraft_rotation.T
            model = np.eye(4)
            model[:3, :3], model[:3, 3] = rot, state.spacecraft
            for k, v in common.items():
                prog[k] = v
            prog["u_model"], prog["u_rotation"] = _mat4(model), _mat3(rot)
            sun = state.sun_dir[self.sc]
            prog["u_sun_dir"] = sun.astype(np.float32)
            prog["u_night"] = self.display.night_brightness
            self._set_occluders(prog, state, self._occluders(state, None, state.spacecraft, sun))
            prog.draw("triangles", faces)
            if state.marker:
                self._draw_points(
                    points,
                    common,
                    state.spacecraft[None].astype(np.float32),
                    np.array([[1.0, 0.85, 0.3, 1.0]], np.float32),
                    np.array([7.0], np.float32),
                    infinite=False,
                )

        if self.display.labels and canvas is not None:
            self._draw_labels(state, canvas)

    def _label_positions(self, state: FrameState) -> tuple[list[str], np.ndarray]:
        """Label texts and pixel anchors: beside each body's disc, only when in front of the camera."""
        pose = state.pose
        view = pose.view
        texts, anchors = [], []
        w, h = pose.size
        for name, world in state.labels:
            eye_space = view @ np.r_[world, 1.0]
            depth = -eye_space[2]
            if depth <= 0:
                continue
            x, y = pose.project(world)
            body = body_id(name)
            radius_px = float(self.radii[body].max()) / depth * pose.pixels_per_radian() if body in self.radii else 0
            x, y = x + 0.72 * radius_px + 6, y - 0.72 * radius_px - 4
            if -50 < x < w and 0 < y < h + 20:
                texts.append(name)
                anchors.append((x, y))
        return texts, np.array(anchors, dtype=np.float32).reshape(-1, 2)

    def _draw_labels(self, state: FrameState, canvas) -> None:
        from vispy.visuals import TextVisual

        texts, anchors = self._label_positions(state)
        if not texts:
            return
        gl = self._setup()
        if "text" not in gl:
            gl["text"] = TextVisual(
                text=texts, pos=anchors, color=(0.85, 0.9, 1.0, 0.9), font_size=11, anchor_x="left", anchor_y="bottom"
            )
        text = gl["text"]
        text.text, text.pos = texts, anchors
        text.transforms.configure(canvas=canvas, viewport=(0, 0, *state.pose.size))
        gloo.set_state(depth_test=False)
        text.draw()
        gloo.set_state(depth_test=True)

    def _draw_line(self, prog: gloo.Program, verts: np.ndarray, colours: np.ndarray) -> None:
        if len(verts) < 2:
            return
        data = np.zeros(len(verts), [("a_position", np.float32, 3), ("a_color", np.float32, 4)])
        data["a_position"], data["a_color"] = verts, colours
        prog.bind(gloo.VertexBuffer(data))
        prog.draw("line_strip")

    def _draw_points(self, prog, common, positions, colours, sizes, infinite: bool) -> None:
        for k, v in common.items():
            prog[k] = v
        data = np.zeros(
            len(positions), [("a_position", np.float32, 3), ("a_color", np.float32, 4), ("a_size", np.float32)]
        )
        data["a_position"], data["a_color"], data["a_size"] = positions, colours, sizes
        prog.bind(gloo.VertexBuffer(data))
        prog["u_infinite"] = 1.0 if infinite else 0.0
        if infinite:
            gloo.set_state(depth_test=False)
        prog.draw("points")
        if infinite:
            gloo.set_state(depth_test=True)
