"""The scene: Jupiter, the Galilean moons and Juno, drawn from SPICE at one time.

``FrameState`` gathers every number of a frame in float64 (no GL), so tests
can check geometry directly; ``Scene.draw`` only converts it, relative to the
floating origin, to float32 uniforms and vertices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from vispy import gloo

from perijove.ephemeris import CoverageError, Ephemeris, body_id, display_name, radii
from perijove.ephemeris.attitude import spacecraft_rotation, steady_rotation
from perijove.ephemeris.bodies import SPACECRAFT, body_frame
from perijove.model import CameraIntent, DisplayOptions
from perijove.render import camera as cam
from perijove.render.labels import Label, Placed, layout, sight_blocked, text_extent, text_image
from perijove.render.meshes import Facing, Mesh, ellipsoid, juno, unique_edges
from perijove.render.stars import SPRITE_MAX_PX, sprite_scale, star_sprites
from perijove.render.textures import MapChoice, chosen_map, fit_texture, gpu_texture_limit, map_choice, mipmapped
from perijove.render.trajectory import TrajectoryCache, eye_segments, relative_to, thin_on_screen, trail_vertices
from perijove.resources import shader_source

BODIES = (599, 501, 502, 503, 504)
SUN_RADIUS_KM = 695_700.0
SPACECRAFT_SPAN_KM = 0.020
MARKER_BELOW_PX = 4.0
GHOST_COLOUR = (0.85, 0.45, 1.0, 0.8)  # the compared kernel set's path: violet, apart from the trail
MINNAERT = {599: 0.85}
# Ellipsoid grids, finest first, each about 1.4x the next: the silhouette test below picks the
# coarsest that is fine enough, so a gap between levels is paid in vertices (Io at 190 px drew in
# 6 ms at 128 x 64, the next level up when the steps were 256/128/32, against 4.3 ms at 64 x 32).
LEVELS = ((256, 128), (192, 96), (128, 64), (96, 48), (64, 32), (48, 24), (32, 16))
SILHOUETTE_PX = 0.125  # the most a level's facets may fall inside the true limb, in pixels
# With one sample a pixel the body shader finds the limb itself (``smooth_edges``): the facets may
# fall further inside, as the mesh is drawn inflated past the limb by that much and EDGE_MARGIN_PX.
SMOOTH_SILHOUETTE_PX = 0.5
EDGE_MARGIN_PX = 1.0
# The spacecraft's mesh at least this large on screen (its bounding radius, pixels) asks for four
# samples where they cost (software GL): the smoothed lines that outline it with one sample thicken
# its thin parts (booms, antenna feed) to a pixel and a half.
SPACECRAFT_SAMPLES_PX = 4.0
SHADERS = {"body": ("body_vertex", "body_fragment"), "spacecraft": ("mesh_vertex", "mesh_fragment")}
LINE_DTYPE = [("a_position", np.float32, 3), ("a_color", np.float32, 4)]


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


def _start_rasterising() -> None:
    """Hand the draws issued so far to the GL now (see ``Scene.draw``'s ``interleave``)."""
    from vispy.gloo import gl

    gloo.get_current_canvas().context.flush_commands()
    gl.glFlush()


def _disc_ramp(rho: float) -> tuple[float, float]:
    """The body shader's coverage ramp for a disc of radius ``rho`` pixels: its steepness (1: a
    pixel wide) and the scale that brings the disc's summed coverage to its true area.

    Coverage goes as clamp(0.5 + (rho - x) / (2 w)) at x pixels from the centre. Half a pixel
    each side of the limb (w = 0.5) suits a disc a pixel or more across, but summed over the
    pixel grid a smaller one would flicker as it moves (0.8 pixels at its centre, 0.37 where
    four pixels meet, for rho = 0.3): below a pixel the ramp widens to a pixel each side as rho
    goes to 0 (then within 5%), and the sum over the plane, which the ramp inflates by its width,
    is scaled back to pi rho^2. Blended to no scaling by two pixels (8% too much light at one)."""
    w = 0.5 if rho >= 1.0 else 1.0 - 0.5 * rho
    if rho >= 2.0:
        return 1.0, 1.0
    at = min(rho, 1.0)
    a, b = at + w, max(at - w, 0.0)
    area = np.pi * b * b + np.pi / w * (a**3 / 6.0 - a * b * b / 2.0 + b**3 / 3.0)
    exact = np.pi * at * at / area
    scale = exact if rho <= 1.0 else exact * (2.0 - rho) + (rho - 1.0)
    return 0.5 / w, float(scale)


def _limb_off(prog: gloo.Program) -> None:
    """The body shader's own limb anti-aliasing off (the framebuffer multisamples): once a frame for
    each program, not for each body. The values keep its unused arithmetic finite."""
    prog["u_smooth"], prog["u_inflate"], prog["u_min_slope"] = 0.0, 1.0, 1.0
    prog["u_ramp"], prog["u_cover_scale"], prog["u_graphic"] = 1.0, 1.0, 0.0
    prog["u_eye_unit"], prog["u_to_unit"] = np.zeros(3, np.float32), np.eye(3, dtype=np.float32)
    prog["u_radii"] = np.ones(3, np.float32)


def _mat4(m: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(m.T, dtype=np.float32)  # GL reads column-major


def _mat3(m: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(m.T, dtype=np.float32)


class BodyLevels:
    """A body's ellipsoid at each of LEVELS, each made (mesh, buffers) when first drawn: a frame draws
    one level a body, and making all seven for five bodies cost ~0.2 s of every start."""

    def __init__(self, radii: tuple[float, float, float], latitude: str) -> None:
        self._radii, self._latitude = radii, latitude
        self._made: list[tuple[gloo.VertexBuffer, gloo.IndexBuffer, Facing] | None] = [None] * len(LEVELS)

    def __len__(self) -> int:
        return len(LEVELS)

    def __getitem__(self, level: int) -> tuple[gloo.VertexBuffer, gloo.IndexBuffer, Facing]:
        made = self._made[level]
        if made is None:
            n_lon, n_lat = LEVELS[level]
            mesh = ellipsoid(self._radii, n_lon, n_lat, self._latitude)
            vbo = np.zeros(
                len(mesh.positions),
                [("a_position", np.float32, 3), ("a_normal", np.float32, 3), ("a_texcoord", np.float32, 2)],
            )
            vbo["a_position"], vbo["a_normal"], vbo["a_texcoord"] = mesh.positions, mesh.normals, mesh.texcoords
            facing = Facing(mesh.positions, mesh.faces)  # its planes are made when the level is first drawn
            made = self._made[level] = (gloo.VertexBuffer(vbo), gloo.IndexBuffer(mesh.faces), facing)
        return made


class Scene:
    """Draws frames of the Jupiter system for one ``Ephemeris``."""

    def __init__(
        self,
        eph: Ephemeris,
        display: DisplayOptions | None = None,
        spacecraft: int | str = SPACECRAFT,
        spacecraft_mesh: Mesh | None = None,
        eager_mipmaps: bool = True,
    ) -> None:
        self.eph = eph
        self.display = display or DisplayOptions()
        self.sc = body_id(spacecraft)
        self.bodies = tuple(b for b in BODIES if eph.covered(b))
        self.radii = {b: radii(b) for b in self.bodies}
        self.sc_mesh = spacecraft_mesh or juno()
        self._sc_radius = float(np.linalg.norm(self.sc_mesh.positions, axis=1).max())  # km, bounding sphere
        self.ghost = None
        self._ghost_bodies: dict[int, np.ndarray] = {}  # where a flyby camera's moon is at the ghost's samples
        # Boxes (frame pixels: x0, y0, x1, y1) drawn over the frame by its owner, the window's HUD:
        # labels are laid out around them.
        self.keep_clear: tuple[tuple[float, float, float, float], ...] = ()
        self.trajectory = TrajectoryCache(
            eph, self.sc, self.display.trajectory_past_days * 86400, self.display.trajectory_future_days * 86400
        )
        self._orbit_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self.views = cam.ViewGeometry(eph, self.sc)  # flyby and JunoCam camera geometry
        self._gl: dict[str, object] | None = None
        # Movies whose frames are too far apart to show Juno's spin draw the spin-averaged attitude.
        self.steady_spin = False
        self._textures: dict[int, tuple[gloo.Texture2D, str]] = {}  # body -> its texture, the map's latitudes
        self._stale_maps: set[int] = set()  # bodies whose map changed since their texture was made
        # Mipmaps cost llvmpipe ~0.2 s for the real maps: made with each texture (exports: every frame
        # alike), or, for the window, by ``make_mipmaps`` once its first frame is up.
        self._eager_mipmaps = eager_mipmaps
        self._unmipped: list[gloo.Texture2D] = []
        # Only the faces towards the eye are sent (``meshes.Facing``) where the GL rasterises on the
        # CPU, where each far-side triangle costs vertex work; a GPU culls them for nothing, and
        # sending a new index list of each body every frame costs it more than drawing them all.
        # None: decided from GL_RENDERER at the first draw.
        self.cull_on_cpu: bool | None = None
        # Names, ids and body-fixed frames asked of SPICE once per scene (as the radii above), not
        # every frame: a dozen pool lookups a frame were a fifth of the geometry's time.
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._body_frames: dict[int, str] = {}

    def _id(self, body: int | str) -> int:
        key = str(body)
        if key not in self._ids:
            self._ids[key] = body_id(body)
        return self._ids[key]

    def _name(self, body: int) -> str:
        if body not in self._names:
            self._names[body] = display_name(body)
        return self._names[body]

    def _rotation(self, body: int, et: float) -> np.ndarray:
        if body not in self._body_frames:
            self._body_frames[body] = body_frame(body)
        return self.eph.rotation("J2000", self._body_frames[body], et)

    def set_display(self, display: DisplayOptions) -> None:
        """Change what is drawn; a body whose map changed gets a new texture at the next draw, nothing else."""
        old, self.display = self.display, display
        self._stale_maps.update(b for b in self.bodies if self._map_choice(b, display) != self._map_choice(b, old))
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
        rotations = {b: self._rotation(b, et) for b in self.bodies}
        target_id = self._id(intent.target)
        from_id = self._id(intent.from_body) if intent.from_body else None
        for extra in (target_id, from_id):  # any body SPICE knows can anchor the camera
            if extra is not None and extra not in pos:
                pos[extra] = eph.position(extra, et, 599)
        if intent.mode == "follow" and not has_sc:
            raise CoverageError(f"no ephemeris for {display_name(self.sc)} at this time")
        rmax = {b: float(self.radii[b].max()) for b in self.bodies}
        rmax[self.sc] = SPACECRAFT_SPAN_KM / 2
        view = self.views.for_intent(intent, target_id, et, size, self.keep_clear)
        pose = cam.resolve(intent, size, pos, rmax, rotations, target_id, from_id, self.sc, view)
        rel = {k: v - pose.origin for k, v in pos.items()}
        sun = rel.pop(10)
        sun_dir = {b: (sun - rel[b]) / np.linalg.norm(sun - rel[b]) for b in rel}
        sun_ang = SUN_RADIUS_KM / float(np.linalg.norm(sun - rel[599]))
        sc_pos = rel.get(self.sc)
        sc_rot, source = (None, "none")
        draw_sc = marker = False
        if sc_pos is not None:
            sc_rot, source = (steady_rotation if self.steady_spin else spacecraft_rotation)(eph, et)
            dist = float(np.linalg.norm(sc_pos - pose.eye))
            draw_sc = dist > 1e-3  # the camera is not sitting inside it
            marker = draw_sc and SPACECRAFT_SPAN_KM / dist * pose.pixels_per_radian() < MARKER_BELOW_PX
        # The flyby camera moves with the moon: the paths it frames are drawn as Juno moved relative to it.
        moves_with = target_id if intent.mode == "flyby" and target_id in self.bodies and target_id != 599 else None
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
                if moves_with is not None:
                    # the flyby camera moves with the moon: so does the path it frames
                    verts = relative_to(verts, split, self.trajectory.body_positions(target_id, lo, hi), pos[target_id])
                # Kept whole, through the spacecraft even when the camera sits there: ``draw``
                # clips lines at the near plane in float64 (``eye_segments``).
                trail = thin_on_screen(verts - pose.origin, colours, pose, keep=split)
        ghost = self._ghost_line(et, pose, moves_with, pos)
        orbits = self._moon_orbits(et, pos, pose.origin) if self.display.moon_orbits else []
        labels = [(self._name(b), rel[b]) for b in self.bodies]
        if sc_pos is not None:
            labels.append((self._name(self.sc), sc_pos))
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
        self._ghost_bodies = {}

    def _ghost_line(self, et: float, pose: cam.CameraPose, moves_with: int | None, pos: dict[int, np.ndarray]):
        """The compared path over the trail's window, through its position now (interpolated), in
        the trail's frame: about Jupiter, or relative to ``moves_with`` as the flyby camera draws it."""
        if self.ghost is None or not self.display.trajectory:
            return None
        g = self.ghost
        lo, hi = (int(i) for i in np.searchsorted(g.ets, [et - self.trajectory.past, et + self.trajectory.future]))
        if hi - lo < 2:
            return None
        verts = g.states[lo:hi, :3]
        split = int(np.searchsorted(g.ets[lo:hi], et))
        now = g.position(et)
        if now is not None:
            verts = np.concatenate([verts[:split], now[None], verts[split:]])
        if moves_with is not None:
            if moves_with not in self._ghost_bodies:  # once a comparison: the track's samples do not change
                from perijove.ephemeris.bulk import spkezr_many

                # NaN where the loaded data do not cover the moon (the compared set may reach further).
                states = spkezr_many(str(moves_with), g.ets, "J2000", "NONE", "599", nan_on_error=True)
                self._ghost_bodies[moves_with] = states[:, :3]
            body = self._ghost_bodies[moves_with][lo:hi]
            if now is not None:
                verts = relative_to(verts, split, body, pos[moves_with])
            else:
                verts = verts - body + pos[moves_with]
        finite = np.isfinite(verts).all(axis=1)
        verts = verts[finite] - pose.origin
        if len(verts) < 2:
            return None
        here = int(np.count_nonzero(finite[:split])) if now is not None else None  # its position now
        return thin_on_screen(verts, np.tile(GHOST_COLOUR, (len(verts), 1)), pose, keep=here)

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
            if self._stale_maps:
                self._replace_maps(self._gl)
            return self._gl
        gl: dict[str, object] = {}
        body = {}
        self._stale_maps.clear()
        if self.cull_on_cpu is None:
            from perijove.render.context import is_software

            self.cull_on_cpu = is_software(str(gloo.gl.glGetParameter(gloo.gl.GL_RENDERER)))
        # One body program for all bodies (compiled once, not five times): each draw sets that
        # body's texture, Minnaert exponent and uniforms.
        shared = _program(*SHADERS["body"], "logdepth", "shadow")
        for b in self.bodies:
            _texture, latitude = self._texture(b)
            body[b] = (shared, self._body_levels(b, latitude))
        gl["bodies"] = body
        # The same programs without the eclipse code, for the usual frame where nothing shadows
        # the body drawn (see sunlit.glsl): compiled on first use.
        gl["sunlit"] = {}
        m = self.sc_mesh
        prog = _program(*SHADERS["spacecraft"], "logdepth", "shadow")
        vbo = np.zeros(
            len(m.positions), [("a_position", np.float32, 3), ("a_normal", np.float32, 3), ("a_color", np.float32, 3)]
        )
        vbo["a_position"], vbo["a_normal"], vbo["a_color"] = m.positions, m.normals, m.colors
        gl["spacecraft_vertices"] = gloo.VertexBuffer(vbo)
        prog.bind(gl["spacecraft_vertices"])
        gl["spacecraft"] = (prog, gloo.IndexBuffer(m.faces))
        gl["spacecraft_edges"] = gloo.IndexBuffer(unique_edges(m.faces))
        gl["line"] = _program("line_vertex", "line_fragment", "logdepth")
        gl["line_buffers"] = {}
        gl["label"] = gloo.Program(shader_source("label_vertex"), shader_source("label_fragment"))
        gl["points"] = _program("point_vertex", "point_fragment", "logdepth")
        gl["stars"], gl["star_dirs"] = self._star_program()  # None: no catalogue, a black sky
        self._gl = gl
        return gl

    def _texture(self, body: int) -> tuple[gloo.Texture2D, str]:
        """A body's map as a texture no wider than this GPU allows (asked here: a context is current)."""
        limit = gpu_texture_limit()
        image, latitude = self._map(body)
        texture = gloo.Texture2D(fit_texture(image, limit), interpolation="linear", wrapping="repeat")
        if self._eager_mipmaps:
            mipmapped(texture)
        else:
            self._unmipped.append(texture)
        self._textures[body] = (texture, latitude)
        return texture, latitude

    @property
    def mipmaps_pending(self) -> bool:
        """Whether a texture drawn so far still has no mipmaps (``eager_mipmaps=False``)."""
        return bool(self._unmipped)

    def make_mipmaps(self) -> None:
        """Mipmaps for the textures made without them (this scene's context current)."""
        while self._unmipped:
            mipmapped(self._unmipped.pop())

    def _body_levels(self, body: int, latitude: str) -> BodyLevels:
        """The body's ellipsoid at each level of detail, rows placed by the map's latitude convention."""
        return BodyLevels(tuple(float(r) for r in self.radii[body]), latitude)

    def _replace_maps(self, gl: dict[str, object]) -> None:
        """New textures for the bodies whose map changed; their meshes only if the latitude convention did.

        Every other GL resource (programs, the other textures, the star field, line buffers) is
        kept: rebuilding them all cost a second of uploads whenever one map changed. A map that
        fails to load raises once and leaves that body's old texture in place.
        """
        bodies = gl["bodies"]
        while self._stale_maps:
            b = self._stale_maps.pop()
            if b not in bodies:
                continue
            prog = bodies[b][0]
            old, old_latitude = self._textures[b]
            _texture, latitude = self._texture(b)  # drawn from self._textures (the program is shared)
            if old in self._unmipped:
                self._unmipped.remove(old)
            old.delete()
            if latitude != old_latitude:
                bodies[b] = (prog, self._body_levels(b, latitude))

    @staticmethod
    def _map_choice(body: int, display: DisplayOptions) -> MapChoice:
        return map_choice(body, display)

    def _map(self, body: int) -> tuple[np.ndarray, str]:
        """A body's map and the latitude its rows are in (``textures.map_choice`` decides which)."""
        return chosen_map(body, self.display)

    def visible_stars(self, pose: cam.CameraPose) -> np.ndarray | None:
        """Indices of the stars whose sprites can reach the frame, or None when that is most of the sky.

        Software GL runs every vertex through the shader on the drawing thread, so the 23,000
        stars cost 1.5-2.5 ms a frame there whatever the view shows; a 60° view sees a tenth of
        the sky. The cone kept is the view's corner angle plus the largest sprite's radius.
        """
        dirs = self._setup()["star_dirs"]
        half_y = math.radians(pose.fov_deg) / 2.0
        corner = math.atan(math.tan(half_y) * math.hypot(1.0, pose.aspect))
        reach = corner + (SPRITE_MAX_PX / 2.0 + 1.0) / pose.pixels_per_radian() + math.radians(0.5)
        if reach >= math.radians(80.0):
            return None  # a wide view: the test would keep most of them anyway
        forward = (-pose.view[2, :3]).astype(np.float32)
        return np.flatnonzero(dirs @ forward > math.cos(reach)).astype(np.uint32)

    @staticmethod
    def _star_program() -> tuple[gloo.Program | None, np.ndarray]:
        """The whole star field in one vertex buffer, uploaded once: one draw call a frame (and
        the stars' directions, for ``visible_stars``)."""
        dirs, colours, sizes = star_sprites()
        if not len(dirs):
            return None, dirs
        prog = _program("point_vertex", "point_fragment", "logdepth")
        data = np.zeros(len(dirs), [("a_position", np.float32, 3), ("a_color", np.float32, 4), ("a_size", np.float32)])
        data["a_position"], data["a_color"], data["a_size"] = dirs, colours, sizes
        prog.bind(gloo.VertexBuffer(data))
        prog["u_infinite"] = 1.0
        return prog, dirs

    @staticmethod
    def _level(
        view: np.ndarray, pose: cam.CameraPose, centre: np.ndarray, radius: float, sag_px: float = SILHOUETTE_PX
    ) -> int | None:
        """Mesh level for a body, or None when its bounding sphere is outside the view frustum."""
        x, y, z = view[:3, :3] @ centre + view[:3, 3]
        depth = -z
        if depth < -radius:
            return None
        half_h = np.radians(pose.fov_deg) / 2
        half_w = np.arctan(np.tan(half_h) * pose.aspect)
        for angle, lateral in ((half_w, x), (half_h, y)):  # distance to the side planes
            if abs(lateral) * np.cos(angle) - depth * np.sin(angle) > radius:
                return None
        distance = float(np.linalg.norm((x, y, z)))
        if depth <= radius or distance <= 1.5 * radius:
            return 0
        # The limb's radius on screen, stretched by perspective away from the view axis; then the
        # coarsest grid whose facets fall at most SILHOUETTE_PX inside it (a regular n-gon's sag is
        # 1 - cos(pi / n) of the radius). Vertices, not pixels, bound llvmpipe here: Jupiter at
        # 400 px drew in 16 ms at 96 x 48 against 22 ms at 256 x 128. An eighth of a pixel keeps
        # four-sample coverage along the limb (tests/test_antialias.py).
        off_axis = depth / distance
        pixels = np.tan(np.arcsin(radius / distance)) * pose.pixels_per_radian() / off_axis**2
        for level in range(len(LEVELS) - 1, 0, -1):
            if pixels * (1.0 - np.cos(np.pi / LEVELS[level][0])) <= sag_px:
                return level
        return 0

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

    def _shading(self, gl: dict[str, object], kind: str, prog: gloo.Program, occ: list[int]) -> gloo.Program:
        """``prog`` when some body can shadow this draw, else its twin without the eclipse code."""
        if occ:
            return prog
        sunlit = gl["sunlit"]
        if kind not in sunlit:
            sunlit[kind] = _program(*SHADERS[kind], "logdepth", "sunlit")
            if kind == "spacecraft":
                sunlit[kind].bind(gl["spacecraft_vertices"])
        return sunlit[kind]

    @staticmethod
    def _set_limb(prog: gloo.Program, state: FrameState, body: int, level: int, graphic: bool) -> None:
        """The body shader's limb anti-aliasing (``shaders/body_fragment.glsl``) for one body: the
        mesh of ``level`` inflated past the true limb; ``graphic``: its map's latitudes are
        planetographic."""
        pose = state.pose
        radii = state.radii[body]
        offset = pose.eye - state.positions[body]
        to_unit = np.diag(1.0 / radii) @ state.rotations[body]  # world -> the body's unit sphere
        eye_unit = to_unit @ offset
        height = float(np.linalg.norm(eye_unit))  # > 1: outside the body
        distance, ppr = float(np.linalg.norm(offset)), pose.pixels_per_radian()

        def on_screen(radius: float) -> float:  # a sphere's radius in pixels, on the view axis
            return float(np.tan(np.arcsin(min(radius / distance, 1.0 - 1e-9))) * ppr)

        # On the limb r (the ray's closest approach to the centre, 1 there) changes by
        # sqrt(h^2 - 1) a radian, less than anywhere inside, and scaling the unit sphere by s
        # moves the limb to r = s. A pixel spans between cos^2 and cos of its angle off the view
        # axis over ppr radians, the limb's angles lying within the disc's angular radius of the
        # centre's: r's change a pixel along the limb lies between these two.
        per_radian = np.sqrt(max(height * height - 1.0, 0.0)) / ppr
        centre_angle = np.arccos(np.clip(float(pose.view[2, :3] @ offset) / distance, -1.0, 1.0))
        disc = np.arcsin(min(1.0 / height, 1.0))
        most = per_radian * np.cos(min(abs(centre_angle - disc), np.pi / 2))
        least = per_radian * np.cos(min(centre_angle + disc, np.pi / 2)) ** 2
        # The facets fall inside the ellipsoid by up to 1 - cos of half a triangle's diagonal
        # (sqrt(2) pi / n): scaled by the inverse they reach it, then EDGE_MARGIN_PX beyond.
        # Never past the eye (at most half its height above the surface): inside the mesh the eye
        # would see only back faces, all culled.
        inflate = 1.0 / np.cos(np.sqrt(2.0) * np.pi / LEVELS[level][0]) + EDGE_MARGIN_PX * most
        prog["u_inflate"] = min(inflate, 1.0 + 0.5 * (height - 1.0))
        # Nine tenths of the least is the least the shader takes: where a small disc is centred
        # between four pixels its derivatives see no change at all.
        prog["u_min_slope"] = 0.9 * least
        ramp, scale = _disc_ramp(on_screen(float(np.prod(radii)) ** (1.0 / 3.0)))
        prog["u_ramp"], prog["u_cover_scale"] = ramp, scale
        prog["u_smooth"], prog["u_graphic"] = 1.0, float(graphic)
        prog["u_radii"] = np.asarray(radii, np.float32)
        prog["u_eye_unit"] = eye_unit.astype(np.float32)
        prog["u_to_unit"] = _mat3(to_unit)

    def _set_occluders(self, prog: gloo.Program, state: FrameState, occ: list[int]) -> None:
        prog["u_n_occ"] = len(occ)
        prog["u_sun_radius"] = state.sun_angular_radius
        for i in range(4):
            b = occ[i] if i < len(occ) else None
            centre = state.positions[b] if b is not None else np.zeros(3)
            to_unit = (np.diag(1.0 / state.radii[b]) @ state.rotations[b]) if b is not None else np.eye(3)
            prog[f"u_occ_centre[{i}]"] = centre.astype(np.float32)
            prog[f"u_occ_to_unit[{i}]"] = _mat3(to_unit)

    def draw(self, state: FrameState, canvas=None, interleave: bool = False, smooth_edges: bool = False) -> None:
        """Issue the GL draws for ``state`` into the current framebuffer (``canvas``: unused, kept for callers).

        ``smooth_edges``: the framebuffer has one sample a pixel, so the body shader anti-aliases
        the limbs itself (``shaders/body_fragment.glsl``), as four samples would. Bodies are then
        drawn farthest first, so that a limb's partly covered pixels blend over what lies behind.

        ``interleave``: on software GL, flush the star field and then the bodies to the rasteriser
        as soon as they are issued, so that its threads fill pixels while Python prepares the lines
        and labels (the 2-core machine here: the window's one-sample frame 16 -> 13 ms). Each
        flush costs a pass over the framebuffer's tiles, which with 4x multisampling costs more than
        it saves (1080p: 72 -> 77 ms), so only one-sample frames ask for it.
        """
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
            stars["u_size_scale"] = sprite_scale(pose.pixels_per_radian())
            gloo.set_state(depth_test=False)
            shown = self.visible_stars(pose) if self.cull_on_cpu else None
            if shown is None:
                stars.draw("points")
            elif len(shown):
                if "star_index" in gl:
                    gl["star_index"].set_data(shown)
                else:
                    gl["star_index"] = gloo.IndexBuffer(shown)
                stars.draw("points", gl["star_index"])
        if interleave:
            _start_rasterising()
        # One sample a pixel: GL's own line anti-aliasing (coverage as alpha; with four samples GL
        # ignores it and the samples smooth the lines).
        gloo.set_state(depth_test=True, line_smooth=smooth_edges)
        line = gl["line"]
        eye_view = pose.view.copy()
        eye_view[:3, 3] = 0.0  # lines go to the GPU relative to the eye (see ``_draw_line``)
        line["u_view"], line["u_projection"] = _mat4(eye_view), proj
        line["u_near"], line["u_far"] = pose.near, pose.far
        if state.orbits:
            gloo.set_depth_mask(False)
            self._draw_line("orbits", state, [o[0] for o in state.orbits], [o[1] for o in state.orbits])
            gloo.set_depth_mask(True)
        view64 = pose.view
        gloo.set_state(cull_face=True)  # closed convex meshes, never entered: back faces are hidden
        gloo.set_cull_face("back")
        gloo.set_front_face("ccw")
        primed: set[int] = set()  # programs given this frame's camera (all bodies share one or two)
        sag = SMOOTH_SILHOUETTE_PX if smooth_edges else SILHOUETTE_PX
        far_first = sorted(gl["bodies"], key=lambda b: -float(np.linalg.norm(state.positions[b] - pose.eye)))
        for b in far_first:
            prog, levels = gl["bodies"][b]
            radius = float(state.radii[b].max())
            level = self._level(view64, pose, state.positions[b], radius, sag)
            if level is None:
                continue  # outside the view: nothing to draw
            rot = state.rotations[b].T  # body-fixed -> J2000
            model = np.eye(4)
            model[:3, :3], model[:3, 3] = rot, state.positions[b]
            occ = self._occluders(state, b, state.positions[b], state.sun_dir[b]) if self.display.shadows else []
            prog = self._shading(gl, "body", prog, occ)
            if id(prog) not in primed:  # a program keeps its uniforms: each is sent once a frame
                primed.add(id(prog))
                for k, v in common.items():
                    prog[k] = v
                prog["u_eye"] = pose.eye.astype(np.float32)
                prog["u_night"] = self.display.night_brightness
                if not smooth_edges:
                    _limb_off(prog)
            prog["u_texture"] = self._textures[b][0]
            prog["u_minnaert"] = MINNAERT.get(b, 1.0)
            prog["u_model"], prog["u_rotation"] = _mat4(model), _mat3(rot)
            prog["u_sun_dir"] = state.sun_dir[b].astype(np.float32)
            if smooth_edges:
                self._set_limb(prog, state, b, level, self._textures[b][1] == "planetographic")
            if occ:
                self._set_occluders(prog, state, occ)
            vertices, faces, facing = levels[level]
            if self.cull_on_cpu:
                front = facing.front(state.rotations[b] @ (pose.eye - state.positions[b]))
                if not len(front):
                    continue
                faces.set_data(front)  # the near side only (see meshes.Facing)
            elif faces.size != len(facing.faces) * 3:
                faces.set_data(facing.faces)  # every face, once; GL's culling hides the far side
            prog.bind(vertices)
            prog.draw("triangles", faces)
        gloo.set_state(cull_face=False)
        if interleave:
            _start_rasterising()
        if state.ghost is not None and len(state.ghost[0]) >= 2:
            gloo.set_depth_mask(False)
            gloo.set_line_width(1.5)
            self._draw_line("ghost", state, [state.ghost[0]], [state.ghost[1]])
            gloo.set_line_width(1.0)
            gloo.set_depth_mask(True)
        if state.trail is not None:
            gloo.set_depth_mask(False)
            gloo.set_line_width(2.0)
            self._draw_line("trail", state, [state.trail[0]], [state.trail[1]])
            gloo.set_line_width(1.0)
            gloo.set_depth_mask(True)
        if state.spacecraft is not None and state.draw_spacecraft:
            prog, faces = gl["spacecraft"]
            sun = state.sun_dir[self.sc]
            occ = self._occluders(state, None, state.spacecraft, sun)
            prog = self._shading(gl, "spacecraft", prog, occ)
            rot = state.spacecraft_rotation.T
            model = np.eye(4)
            model[:3, :3], model[:3, 3] = rot, state.spacecraft
            for k, v in common.items():
                prog[k] = v
            prog["u_model"], prog["u_rotation"] = _mat4(model), _mat3(rot)
            prog["u_sun_dir"] = sun.astype(np.float32)
            prog["u_night"] = self.display.night_brightness
            if occ:
                self._set_occluders(prog, state, occ)
            prog.draw("triangles", faces)
            if smooth_edges:
                # One sample a pixel: the facets' edges drawn again as GL's smoothed lines, shaded as
                # the surface, so the outline gets partly covered pixels as four samples would give
                # it (the lines only blend: no depth written, and the far side's edges stay hidden).
                gloo.set_depth_mask(False)
                gloo.set_depth_func("lequal")
                gloo.set_line_width(1.5)  # a ramp over about a pixel and a half, as four samples give
                prog.draw("lines", gl["spacecraft_edges"])
                gloo.set_line_width(1.0)
                gloo.set_depth_func("less")
                gloo.set_depth_mask(True)
            if state.marker:
                self._draw_points(
                    points,
                    common,
                    state.spacecraft[None].astype(np.float32),
                    np.array([[1.0, 0.85, 0.3, 1.0]], np.float32),
                    np.array([7.0], np.float32),
                    infinite=False,
                )

        if smooth_edges:
            gloo.set_state(line_smooth=False)
        if self.display.labels:
            self._draw_labels(state)

    def needs_samples(self, state: FrameState) -> bool:
        """Whether a frame of ``state`` is worth four samples a pixel where they cost: only when it
        shows the spacecraft's mesh at SPACECRAFT_SAMPLES_PX or more. Limbs and lines come out as
        smooth with one sample (``draw``'s ``smooth_edges``)."""
        if state.spacecraft is None or not state.draw_spacecraft:
            return False
        pose = state.pose
        radius = self._sc_radius
        distance = float(np.linalg.norm(state.spacecraft - pose.eye))
        if distance <= radius:
            return True  # the camera within its bounding sphere
        if radius / distance * pose.pixels_per_radian() < SPACECRAFT_SAMPLES_PX:
            return False
        return self._level(pose.view, pose, state.spacecraft, radius) is not None  # in the view

    def label_layout(self, state: FrameState) -> list[Placed]:
        """Where the frame's labels go (``labels.layout``): only seen bodies, no overlaps, inside the frame."""
        pose = state.pose
        if not state.labels:
            return []
        bodies = list(self.bodies)
        centres = np.array([state.positions[b] for b in bodies]).reshape(-1, 3)
        # diag(1 / radii) @ rotation, each body's world -> its unit sphere
        to_units = np.array([state.rotations[b] / state.radii[b][:, None] for b in bodies]).reshape(-1, 3, 3)
        eye_inside = np.linalg.norm(np.einsum("kij,kj->ki", to_units, pose.eye - centres), axis=1) <= 1.0
        focus = min(state.positions, key=lambda k: float(state.positions[k] @ state.positions[k]))  # at the origin
        names = [name for name, _ in state.labels]
        ids = [self._id(name) for name in names]
        worlds = np.array([world for _, world in state.labels], dtype=float)
        depths = worlds @ -pose.view[2, :3] - pose.view[2, 3]
        hidden = sight_blocked(pose.eye, worlds, centres, to_units, np.array([[b == i for b in bodies] for i in ids]))
        with np.errstate(divide="ignore", invalid="ignore"):  # a label at the eye (the view from Juno): skipped below
            at = pose.project(worlds)
        ppr = pose.pixels_per_radian()
        wanted = []
        for i, (name, body) in enumerate(zip(names, ids, strict=True)):
            depth = float(depths[i])
            if depth <= 0:
                continue  # behind the camera
            if body == self.sc:
                if not state.draw_spacecraft:
                    continue  # the camera sits in it
                radius_px = 0.0
            else:
                if eye_inside[bodies.index(body)]:
                    continue  # the camera is inside (or on) it
                radius_px = float(self.radii[body].max()) / depth * ppr
            if hidden[i]:
                continue  # behind another body
            importance = (3.0 if body == focus else 2.0 if body == self.sc else 1.0) + min(radius_px, 1e4) * 1e-5
            wanted.append(Label(name, (float(at[i, 0]), float(at[i, 1])), radius_px, importance))
        return layout(wanted, pose.size, text_extent, self.keep_clear)

    def _draw_labels(self, state: FrameState) -> None:
        """All labels in one draw: their Pillow-drawn images stacked in one atlas texture."""
        placed = self.label_layout(state)
        if not placed:
            return
        gl = self._setup()
        images = [text_image(p.text) for p in placed]
        key = tuple(p.text for p in placed)
        if gl.get("label_key") != key:
            width = max(im.shape[1] for im in images)
            atlas = np.zeros((sum(im.shape[0] for im in images), width, 4), np.uint8)
            row = 0
            for im in images:
                atlas[row : row + im.shape[0], : im.shape[1]] = im
                row += im.shape[0]
            if "label_atlas" in gl:
                gl["label_atlas"].set_data(atlas)
            else:
                gl["label_atlas"] = gloo.Texture2D(atlas, interpolation="nearest")
            gl["label_key"] = key
        atlas_h, atlas_w = gl["label_atlas"].shape[:2]
        quads = np.zeros((len(placed), 6), [("a_position", np.float32, 2), ("a_texcoord", np.float32, 2)])
        row = 0
        for i, (p, im) in enumerate(zip(placed, images, strict=True)):
            h, w = im.shape[:2]
            x0, y0 = np.floor(p.box[0]), np.floor(p.box[1])  # whole pixels: glyphs stay crisp
            corners = np.array([[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0], [x0 + w, y0 + h], [x0, y0 + h]])
            uv = np.array([[0, row], [w, row], [w, row + h], [0, row], [w, row + h], [0, row + h]], float)
            quads[i]["a_position"], quads[i]["a_texcoord"] = corners, uv / (atlas_w, atlas_h)
            row += h
        if "label_buffer" in gl:
            gl["label_buffer"].set_data(quads.reshape(-1))
        else:
            gl["label_buffer"] = gloo.VertexBuffer(quads.reshape(-1))
        prog = gl["label"]
        prog.bind(gl["label_buffer"])
        prog["u_atlas"] = gl["label_atlas"]
        prog["u_size"] = np.array(state.pose.size, np.float32)
        gloo.set_state(depth_test=False)
        prog.draw("triangles")
        gloo.set_state(depth_test=True)

    def _draw_line(self, kind: str, state: FrameState, lines: list[np.ndarray], colours: list[np.ndarray]) -> None:
        """Polylines of one kind in one draw, from a buffer kept for that kind and refilled in place.

        Vertices are clipped at the near plane and made relative to the eye in float64 first, so the
        view from the spacecraft, whose eye lies on its own trail, shows the trail leaving the frame
        instead of chords through the camera.
        """
        near = state.pose.near * 2.0  # just inside the GL near plane
        starts = np.cumsum([0] + [len(v) for v in lines[:-1]])
        packed = eye_segments(np.concatenate(lines), np.concatenate(colours), state.pose.view, near, starts)
        if len(packed) < 2:
            return
        data = packed.view(np.dtype(LINE_DTYPE)).reshape(-1)  # position and colour side by side
        buffers = self._setup()["line_buffers"]
        if kind not in buffers:
            buffers[kind] = gloo.VertexBuffer(data)
        else:
            buffers[kind].set_data(data)
        prog = self._setup()["line"]
        prog.bind(buffers[kind])
        prog.draw("lines")

    def _draw_points(self, prog, common, positions, colours, sizes, infinite: bool) -> None:
        for k, v in common.items():
            prog[k] = v
        data = np.zeros(
            len(positions), [("a_position", np.float32, 3), ("a_color", np.float32, 4), ("a_size", np.float32)]
        )
        data["a_position"], data["a_color"], data["a_size"] = positions, colours, sizes
        gl = self._setup()
        if "point_buffer" in gl:
            gl["point_buffer"].set_data(data)  # refilled in place, not a new buffer a frame
        else:
            gl["point_buffer"] = gloo.VertexBuffer(data)
        prog.bind(gl["point_buffer"])
        prog["u_infinite"] = 1.0 if infinite else 0.0
        prog["u_size_scale"] = 1.0  # markers keep their size
        if infinite:
            gloo.set_state(depth_test=False)
        prog.draw("points")
        if infinite:
            gloo.set_state(depth_test=True)
