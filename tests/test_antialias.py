"""Anti-aliasing and smooth shading, tested on rendered frames against SPICE's limb."""

from __future__ import annotations

from dataclasses import replace as dataclasses_replace

import numpy as np
import pytest
import spiceypy
from PIL import Image
from scipy import ndimage

from perijove.ephemeris import Ephemeris, open_kernels, to_et
from perijove.model import CameraIntent, DisplayOptions

CA1 = "2023-12-30T08:36:00.8"
SIZE = (480, 360)


@pytest.fixture(scope="module")
def flat_map(tmp_path_factory):
    path = tmp_path_factory.mktemp("maps") / "grey.png"
    Image.fromarray(np.full((64, 128, 3), 200, np.uint8)).save(path)
    return str(path)


def _render_limb(
    flat_map: str,
    samples: int,
    size=SIZE,
    distance_km: float = 9000.0,
    level: int | None = None,
    smooth_edges: bool | None = None,
):
    """Io at 90° phase on a uniform map, and SPICE's limb ellipse projected into the frame.

    ``smooth_edges``: None draws as the renderer does (the shader smooths the limb at one sample);
    True or False overrides it."""
    from perijove.render import scene as scene_module
    from perijove.render.offscreen import OffscreenRenderer

    eph = Ephemeris(open_kernels())
    display = DisplayOptions(stars=False, trajectory=False, moon_orbits=False, labels=False, maps={"io": flat_map})
    renderer = OffscreenRenderer(eph, size, display, samples=samples)
    try:
        et = to_et(CA1)
        sun = eph.sun_direction("IO", et, abcorr="NONE")
        eye = np.cross(sun, [0.0, 0.0, 1.0])
        eye /= np.linalg.norm(eye)
        az, el = np.degrees(np.arctan2(eye[1], eye[0])), np.degrees(np.arcsin(eye[2]))
        view = CameraIntent(mode="orbit", target="IO", distance_km=distance_km, azimuth_deg=az, elevation_deg=el)
        if smooth_edges is None:
            image, state = renderer.render(et, view)
        else:
            renderer.canvas.set_current()
            state = renderer.scene.frame_state(et, view, size)
            with renderer.target:
                renderer.scene.draw(state, smooth_edges=smooth_edges)
            image = renderer.target.read()
        if level is not None:  # the mesh the scene chose for Io
            pose = state.pose
            sag = scene_module.SMOOTH_SILHOUETTE_PX if samples < 2 else scene_module.SILHOUETTE_PX
            assert scene_module.Scene._level(pose.view, pose, state.positions[501], 1829.4, sag) == level
        rot = state.rotations[501]  # J2000 -> IAU_IO
        a, b, c = state.radii[501]
        viewpoint = rot @ (state.pose.eye - state.positions[501])
        limb = spiceypy.edlimb(a, b, c, viewpoint)
        centre, s1, s2 = spiceypy.el2cgv(limb)
        angles = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
        pts = centre + np.outer(np.cos(angles), s1) + np.outer(np.sin(angles), s2)
        world = (rot.T @ pts.T).T + state.positions[501]
        limb_px = state.pose.project(world)
        sun_px = state.pose.project(state.positions[501] + sun * 1000.0) - state.pixel(501)
        return image, state, limb_px, sun_px / np.linalg.norm(sun_px), renderer.target.samples
    finally:
        renderer.close()


def _lit_limb_pixels(image, state, limb_px, sun_px):
    """Per pixel near the sunlit limb: signed distance outside SPICE's limb (px) and coverage (0..1)."""
    grey = image[:, :, :3].astype(float).mean(axis=2)
    centre = state.pixel(501)
    radial = limb_px - centre
    lit = (radial / np.linalg.norm(radial, axis=1)[:, None]) @ sun_px > np.cos(np.radians(40))
    rows = []
    for (x, y), r in zip(limb_px[lit], radial[lit], strict=True):
        u = r / np.linalg.norm(r)
        inside = grey[round(y - 4 * u[1] - 0.5), round(x - 4 * u[0] - 0.5)]
        for k in range(-2, 3):
            px, py = int(np.floor(x + k * 0.5 * u[0])), int(np.floor(y + k * 0.5 * u[1]))
            d = (np.array([px + 0.5, py + 0.5]) - np.array([x, y])) @ u  # along the outward normal
            rows.append((px, py, d, grey[py, px] / max(inside, 1.0)))
    table = np.unique(np.array(rows), axis=0)
    return table[:, 2], np.clip(table[:, 3], 0, 1.2)


@pytest.mark.parametrize(
    ("samples", "size", "distance_km", "grid"),
    [
        (4, SIZE, 20000.0, 48),
        (4, SIZE, 12000.0, 64),
        (4, SIZE, 9000.0, 96),
        (4, (1600, 1200), 8890.0, 128),  # Io 400 px in radius: the 128 x 64 grid is within 1/8 px
        (4, (1600, 1200), 7200.0, 192),  # 500 px
        # One sample: the body shader finds the limb itself, on grids whose facets fall up to half
        # a pixel inside it (the mesh is drawn inflated past it).
        (0, SIZE, 20000.0, 32),
        (0, SIZE, 9000.0, 48),
        (0, (1600, 1200), 8890.0, 64),
        (0, (1600, 1200), 7200.0, 96),
    ],
)
def test_limb_is_antialiased_where_spice_puts_it(flat_map, samples, size, distance_km, grid):
    """Each case draws Io with the coarsest grid the silhouette test allows at that size."""
    from perijove.render.scene import LEVELS

    level = [n_lon for n_lon, _n_lat in LEVELS].index(grid)
    image, state, limb_px, sun_px, granted = _render_limb(flat_map, samples, size, distance_km, level)
    if samples:
        assert granted >= 2  # Mesa's llvmpipe multisamples; a driver without it would fail here
    else:
        assert granted == 0
    d, cover = _lit_limb_pixels(image, state, limb_px, sun_px)
    on_edge = np.abs(d) < 0.2
    partial = (cover > 0.1) & (cover < 0.9)
    assert on_edge.sum() > 50
    assert partial[on_edge].mean() > 0.8  # a ramp across the limb, not a hard step
    # Where the ramp lies: coverage follows SPICE's limb to a fraction of a pixel.
    expected = np.clip(0.5 - d, 0.0, 1.0)
    assert np.abs(cover - expected)[np.abs(d) < 1.5].mean() < 0.15
    assert cover[d < -1.2].min() > 0.8 and cover[d > 1.2].max() < 0.2


def test_without_multisampling_or_the_shaders_smoothing_the_limb_is_a_hard_step(flat_map):
    """The check above can fail: with one sample and the body shader's smoothing off, the same limb
    has no partial pixels."""
    image, state, limb_px, sun_px, samples = _render_limb(flat_map, samples=0, smooth_edges=False)
    assert samples == 0
    d, cover = _lit_limb_pixels(image, state, limb_px, sun_px)
    partial = (cover > 0.1) & (cover < 0.9)
    assert partial[np.abs(d) < 0.2].mean() < 0.2


def test_juno_mesh_is_smooth_where_curved_and_sharp_at_creases():
    from perijove.render.meshes import make_juno

    mesh = make_juno()
    tri = mesh.positions[mesh.faces]
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    face_n /= np.linalg.norm(face_n, axis=1)[:, None]
    corner_n = mesh.normals[mesh.faces]
    deviation = np.degrees(np.arccos(np.clip(np.abs(np.einsum("fk,fck->fc", face_n, corner_n)), -1, 1)))
    # The 32-sided antenna dish's rim is shaded round (normals tilted off the flat facets) ...
    assert (deviation > 3).any()
    # ... while box corners and the hexagonal bus keep their edges: no normal bent past the crease.
    assert deviation.max() < 31
    assert (deviation < 0.01).mean() > 0.5


@pytest.mark.parametrize(("samples", "smooth_edges"), [(4, None), (0, None), (0, False)])
def test_spacecraft_edges_are_antialiased(samples, smooth_edges):
    """Juno 30 m away against black sky: its outline has partly covered pixels when multisampled,
    or with one sample where its edges are drawn again as smoothed lines; not without either."""
    from perijove.render.offscreen import OffscreenRenderer

    eph = Ephemeris(open_kernels())
    display = DisplayOptions(stars=False, trajectory=False, moon_orbits=False, labels=False)
    renderer = OffscreenRenderer(eph, (240, 180), display, samples=samples)
    try:
        et = to_et(CA1)
        to_io = eph.position("IO", et, "JUNO")
        to_io /= np.linalg.norm(to_io)  # the camera on Io's side: only Juno and black sky in view
        az, el = np.degrees(np.arctan2(to_io[1], to_io[0])), np.degrees(np.arcsin(to_io[2]))
        view = CameraIntent(
            mode="follow", target="JUNO", distance_km=0.03, azimuth_deg=float(az), elevation_deg=float(el), fov_deg=60
        )
        if smooth_edges is None:
            image, state = renderer.render(et, view)
        else:
            renderer.canvas.set_current()
            state = renderer.scene.frame_state(et, view, renderer.size)
            with renderer.target:
                renderer.scene.draw(state, smooth_edges=smooth_edges)
            image = renderer.target.read()
    finally:
        renderer.close()
    assert state.draw_spacecraft
    grey = image[:, :, :3].astype(float).max(axis=2)
    body = grey > 0
    edge = body & ~(np.roll(body, 1, 0) & np.roll(body, -1, 0) & np.roll(body, 1, 1) & np.roll(body, -1, 1))
    # An edge pixel's brightness relative to its brightest neighbour: a fraction where partly covered.
    neighbours = np.max([np.roll(grey, s, a) for s in (1, -1) for a in (0, 1)], axis=0)
    ratio = grey[edge] / np.maximum(neighbours[edge], 1.0)
    partial = (ratio < 0.6).mean()
    assert edge.sum() > 100
    if smooth_edges is False:
        assert partial < 0.3  # 0.19 here: shading and thin parts, not coverage
    else:
        assert partial > 0.5  # 0.72 here with four samples, 0.54 with one


def test_the_frame_reports_the_samples_the_gl_granted():
    """Asked for 2, Mesa's llvmpipe gives 4 (its only multisample count): the sidecar and ``-v`` say 4."""
    from vispy.gloo import gl

    from perijove.render.context import offscreen_canvas
    from perijove.render.framebuffer import OffscreenTarget

    canvas = offscreen_canvas((64, 64))
    canvas.set_current()
    for asked in (2, 4):
        target = OffscreenTarget(64, 48, samples=asked)
        with target:
            granted = int(gl.glGetParameter(0x80A9))  # GL_SAMPLES of the bound (multisampled) framebuffer
        assert target.samples == granted >= 2
        target.delete()
    canvas.close()


def test_a_smoothed_limb_blends_over_the_body_behind_it(tmp_path):
    """Io half behind Jupiter's limb, one sample a pixel: Jupiter's partly covered limb pixels lie
    between Jupiter and Io, not darker than both. Drawn nearest first (Jupiter, as the scene lists
    the bodies), Jupiter's rim would blend over the black sky and write its depth, Io's fragments
    there would fail the depth test, and a dark line would cross Io along the limb."""
    from perijove.render.offscreen import OffscreenRenderer

    maps = {}
    for name in ("io", "jupiter"):
        maps[name] = str(tmp_path / f"{name}.png")
        Image.fromarray(np.full((64, 128, 3), 110, np.uint8)).save(maps[name])
    eph = Ephemeris(open_kernels())
    display = DisplayOptions(
        stars=False, trajectory=False, moon_orbits=False, labels=False, shadows=False, night_brightness=1.0, maps=maps
    )
    et = to_et(CA1)
    io = eph.position("IO", et, "JUPITER")
    side = np.cross(io, [0.0, 0.0, 1.0])
    side /= np.linalg.norm(side)
    grazing = (71492.0 * side - io) / np.linalg.norm(71492.0 * side - io)  # from Io past Jupiter's limb
    az, el = np.degrees(np.arctan2(grazing[1], grazing[0])), np.degrees(np.arcsin(grazing[2]))
    view = CameraIntent(mode="orbit", target="IO", distance_km=1.2e6, azimuth_deg=az, elevation_deg=el, fov_deg=1.0)
    renderer = OffscreenRenderer(eph, SIZE, display, samples=0)
    try:
        image, state = renderer.render(et, view)
    finally:
        renderer.close()
    rot = state.rotations[599]
    viewpoint = rot @ (state.pose.eye - state.positions[599])
    centre, s1, s2 = spiceypy.el2cgv(spiceypy.edlimb(*state.radii[599], viewpoint))
    angles = np.linspace(0, 2 * np.pi, 20000, endpoint=False)
    world = (rot.T @ (centre + np.outer(np.cos(angles), s1) + np.outer(np.sin(angles), s2)).T).T
    limb = state.pose.project(world + state.positions[599])
    io_px = state.pixel(501)
    io_radius = 1821.0 / np.linalg.norm(state.positions[501] - state.pose.eye) * state.pose.pixels_per_radian()
    across = limb[np.linalg.norm(limb - io_px, axis=1) < io_radius - 4]  # where the limb crosses Io
    assert len(across) > 30 and io_radius > 20
    grey = image[:, :, :3].astype(float).mean(axis=2)
    out = state.pixel(599) - across
    out = -out / np.linalg.norm(out, axis=1)[:, None]  # away from Jupiter's centre

    def at(points):
        return grey[np.floor(points[:, 1]).astype(int), np.floor(points[:, 0]).astype(int)]

    inside, rim, outside = at(across - 3 * out), at(across), at(across + 3 * out)
    assert (np.minimum(inside, outside) > 60).all()  # Jupiter on one side, Io on the other
    assert (rim >= 0.85 * np.minimum(inside, outside)).mean() > 0.98


def test_software_gl_takes_four_samples_only_for_frames_that_show_the_spacecraft(monkeypatch):
    """Mesa's llvmpipe, samples left to Perijove: a frame of Io from Juno (limbs and lines, which the
    shaders smooth) is drawn with one sample; Juno 30 m away with four. PERIJOVE_MSAA or a sample
    count asked for fixes them for every frame."""
    from vispy.gloo import gl

    from perijove.render.context import is_software
    from perijove.render.offscreen import OffscreenRenderer

    monkeypatch.delenv("PERIJOVE_MSAA", raising=False)
    eph = Ephemeris(open_kernels())
    et = to_et(CA1)
    io_from_juno = CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=60.0)
    juno_close = CameraIntent(mode="follow", target="JUNO", distance_km=0.03, fov_deg=60.0)
    juno_far = CameraIntent(mode="follow", target="JUNO", distance_km=50.0, fov_deg=60.0)  # 2 px

    def samples_drawn(**kwargs) -> list[int]:
        renderer = OffscreenRenderer(eph, (240, 180), **kwargs)
        try:
            if not is_software(str(gl.glGetParameter(gl.GL_RENDERER))):
                pytest.skip("a GPU multisamples every frame")
            got, images = [], []
            for view in (io_from_juno, juno_close, juno_far):
                images.append(renderer.render(et, view)[0][..., :3])
                got.append(renderer.last_samples)
            # Export's path, switching between four samples and one frame by frame: the same pixels.
            frames = list(renderer.frames([et, et], juno_close)) + list(renderer.frames([et], io_from_juno))
            assert [f.shape for f, _state in frames] == [images[1].shape] * 3
            assert np.array_equal(frames[0][0], images[1]) and np.array_equal(frames[2][0], images[0])
            got.append(renderer.last_samples)
            return got
        finally:
            renderer.close()

    assert samples_drawn() == [0, 4, 0, 0]
    assert samples_drawn(samples=4) == [4, 4, 4, 4]
    monkeypatch.setenv("PERIJOVE_MSAA", "4")
    assert samples_drawn() == [4, 4, 4, 4]
    monkeypatch.setenv("PERIJOVE_MSAA", "0")
    assert samples_drawn() == [0, 0, 0, 0]


def _pair(eph, display: DisplayOptions, size, et: float, view: CameraIntent) -> tuple[np.ndarray, np.ndarray, object]:
    """The same frame with four samples and with one (smoothed): RGB images and the state."""
    from perijove.render.offscreen import OffscreenRenderer

    images = []
    for samples in (4, 0):
        renderer = OffscreenRenderer(eph, size, display, samples=samples)
        try:
            image, state = renderer.render(et, view)
        finally:
            renderer.close()
        images.append(image[..., :3].astype(float))
    return images[0], images[1], state


def test_a_smoothed_small_body_hides_nothing_in_front_of_it():
    """Jupiter 15 px in radius behind Juno at perijove (750 km up): Juno's marker shows in front of
    it with one sample as with four. The mesh drawn inflated past the limb (about 7% of Jupiter's
    radius here, 5,000 km) must not put the disc's depth in front of what lies just above it."""
    display = DisplayOptions(stars=False, moon_orbits=False, labels=False, trajectory=False)
    eph = Ephemeris(open_kernels())
    et = to_et("2023-12-30T12:36:00")
    away = -eph.position("JUPITER", et, "JUNO")
    away /= np.linalg.norm(away)
    az, el = np.degrees(np.arctan2(away[1], away[0])), np.degrees(np.arcsin(away[2]))
    view = CameraIntent(mode="follow", target="JUNO", distance_km=2.7e6, azimuth_deg=az, elevation_deg=el)
    msaa, one, state = _pair(eph, display, SIZE, et, view)
    assert state.marker
    x, y = np.floor(state.pose.project(state.spacecraft)).astype(int)
    marker_4 = msaa[y - 2 : y + 3, x - 2 : x + 3]
    marker_1 = one[y - 2 : y + 3, x - 2 : x + 3]
    jupiter = np.median(one[y - 8 : y + 9, x - 8 : x + 9].reshape(-1, 3), axis=0)
    assert np.abs(marker_4.max(axis=(0, 1)) - jupiter).max() > 60  # the marker stands out from the disc
    assert np.abs(marker_1.max(axis=(0, 1)) - marker_4.max(axis=(0, 1))).max() < 30


def test_a_smoothed_body_seen_from_just_above_it_is_drawn():
    """Io 50 km below a camera with a 170° view: the body fills most of the frame with one sample as
    with four (a mesh inflated past the camera would leave it only back faces, all culled)."""
    display = DisplayOptions(stars=False, moon_orbits=False, labels=False, trajectory=False, night_brightness=1.0)
    view = CameraIntent(
        mode="orbit", target="IO", distance_km=1829.4 + 50.0, azimuth_deg=30.0, elevation_deg=10.0, fov_deg=170.0
    )
    eph = Ephemeris(open_kernels())
    msaa, one, _state = _pair(eph, display, (320, 240), to_et(CA1), view)
    covered_4, covered_1 = (msaa.max(axis=2) > 0).mean(), (one.max(axis=2) > 0).mean()
    assert covered_4 > 0.05  # 170 degrees squeeze Io's 77-degree radius into 45 pixels
    assert abs(covered_1 - covered_4) < 0.1 * covered_4
    # The map where it is with four samples: the mesh moved out at its outline only (scaled whole
    # by the pixel its outline needs, 10 km of the 50, the ground below was magnified a fifth more).
    inside = ndimage.binary_erosion((msaa.max(axis=2) > 0) & (one.max(axis=2) > 0), iterations=3)
    assert np.abs(msaa - one)[inside].mean() < 4.0


@pytest.mark.parametrize("io_px", [0.3, 0.6, 0.8, 1.5])
def test_a_smoothed_sub_pixel_body_is_as_bright_as_its_area(flat_map, io_px):
    """Io a fraction of a pixel across, its night side (the map's grey, 200, at night brightness 1)
    at several places within a pixel: its light summed over the frame with one sample comes within
    a third of its disc's area, also with the disc centred where four pixels meet (the shader's
    derivatives see no change there), and not four full pixels for a disc of two."""
    from perijove.render.offscreen import OffscreenRenderer

    display = DisplayOptions(
        stars=False,
        moon_orbits=False,
        labels=False,
        trajectory=False,
        shadows=False,
        night_brightness=1.0,
        maps={"io": flat_map},
    )
    size, fov = (160, 120), 35.0
    ppr = size[1] / 2 / np.tan(np.radians(fov / 2))
    distance = 1821.0 * ppr / io_px
    eph = Ephemeris(open_kernels())
    et = to_et(CA1) + 2 * 86400.0  # Juno (and its marker) far from Io
    # From high above Io's orbit: Jupiter well away from Io in the frame.
    base = CameraIntent(mode="orbit", target="IO", distance_km=distance, azimuth_deg=30.0, elevation_deg=80.0)
    renderer = OffscreenRenderer(eph, size, display, samples=0)
    try:
        pose = renderer.scene.frame_state(et, base, size).pose
        right, up = pose.view[0, :3], pose.view[1, :3]
        ratios = []
        for dx, dy in ((0.0, 0.0), (1.0, 1.0), (0.5, 0.5), (0.25, 0.75), (1.0, 0.5)):  # pixels
            view = dataclasses_replace(base, pan_km=tuple(float(v) for v in (right * dx - up * dy) * distance / ppr))
            image, state = renderer.render(et, view)
            x, y = np.floor(state.pixel(501)).astype(int)
            light = image[y - 3 : y + 4, x - 3 : x + 4, :3].astype(float).mean(axis=2).sum() / 200.0
            ratios.append(light / (np.pi * io_px**2))
    finally:
        renderer.close()
    assert min(ratios) > 0.67 and max(ratios) < 1.5, np.round(ratios, 2)
