"""The flyby and JunoCam cameras, pan, and zooming out to the whole orbit: checked by rendering.

Every expectation comes from SPICE: the subsolar point (``subslr``), the spacecraft's positions
around closest approach (``spkpos``), JunoCam's field from an IK (``getfov``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import spiceypy
from realdata import FK

from perijove.ephemeris import Ephemeris, open_kernels, to_et
from perijove.model import CameraIntent, DisplayOptions

CA1 = "2023-12-30T08:36:00.8"  # the first Io flyby of the embedded set (DESIGN.md)
SIZE = (640, 360)
BARE = DisplayOptions(stars=False, trajectory=False, moon_orbits=False, labels=False)


@pytest.fixture(scope="module")
def renderer_factory():
    from perijove.render.offscreen import OffscreenRenderer

    made = []
    sets: dict[tuple, Ephemeris] = {}  # one kernel set per list of extra kernels: renderers share it

    def make(display: DisplayOptions = BARE, size=SIZE, extra=()):
        key = tuple(str(p) for p in extra)
        if key not in sets:
            sets[key] = Ephemeris(open_kernels(list(extra)))
        elif not sets[key].kernels.is_current:
            sets[key].kernels.activate()  # another list took SPICE's pool since: take it back
        r = OffscreenRenderer(sets[key], size, display)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
    spiceypy.kclear()


@pytest.fixture(autouse=True)
def _clean_spice():  # the renderers keep their kernels loaded for the whole module
    yield
    spiceypy.reset()


@pytest.fixture(scope="module")
def ca1(renderer_factory) -> float:
    from perijove.ephemeris.flyby_view import closest_approach

    r = renderer_factory()
    et = closest_approach(r.scene.eph, "IO", to_et(CA1))
    assert abs(et - to_et(CA1)) < 1.0  # the published time of the embedded set's first flyby
    return et


def _io_disc(state) -> tuple[np.ndarray, float]:
    """Io's centre pixel and its radius in pixels, from the frame's geometry."""
    centre = state.pose.project(state.positions[501])
    depth = float(np.linalg.norm(state.positions[501] - state.pose.eye))
    radius = math.tan(math.asin(1821.6 / depth)) * state.pose.pixels_per_radian()
    return centre, radius


def _disc_mask(state, shrink: float = 0.9) -> np.ndarray:
    (cx, cy), radius = _io_disc(state)
    w, h = state.pose.size
    yy, xx = np.mgrid[0:h, 0:w]
    return (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 < (shrink * radius) ** 2


# -- flyby camera --------------------------------------------------------------------------------
def test_flyby_camera_shows_io_lit_with_the_subsolar_point_facing_the_camera(renderer_factory, ca1):
    r = renderer_factory()
    image, state = r.render(ca1, CameraIntent(mode="flyby", target="IO"))
    eph = r.scene.eph
    disc = _disc_mask(state)
    assert disc.sum() > 2000  # Io is a disc, not a dot
    brightness = image[:, :, :3].max(axis=2)
    lit = (brightness[disc] > 40).mean()
    assert lit > 0.8, f"only {lit:.0%} of Io's disc is lit in the flyby view"
    # spiceypy.subslr("INTERCEPT/ELLIPSOID", "IO", et, "IAU_IO", "NONE", "JUNO"): the point under the Sun.
    spoint = spiceypy.subslr("INTERCEPT/ELLIPSOID", "IO", ca1, "IAU_IO", "NONE", "JUNO")[0]
    world = eph.body_rotation("IO", ca1).T @ np.asarray(spoint) + state.positions[501]
    normal = world - state.positions[501]
    assert normal @ (state.pose.eye - world) > 0  # on the hemisphere facing the camera
    x, y = state.pose.project(world).round().astype(int)
    assert disc[y, x]
    assert brightness[y - 2 : y + 3, x - 2 : x + 3].mean() > 90  # the brightest part of the disc
    # The night side as seen by the view from Juno at the same moment: mostly dark.
    dark, from_juno = r.render(ca1, CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=100.0))
    night = _disc_mask(from_juno, 0.5)
    assert (dark[:, :, :3].max(axis=2)[night] > 40).mean() < lit


def test_flyby_camera_keeps_the_pass_in_frame_and_juno_sweeps_across(renderer_factory, ca1):
    r = renderer_factory()
    intent = CameraIntent(mode="flyby", target="IO")
    eph = r.scene.eph
    from perijove.ephemeris.flyby_view import FLYBY_SPAN_S

    ets = ca1 + np.linspace(-FLYBY_SPAN_S, FLYBY_SPAN_S, 21)
    pixels, eyes = [], []
    for et in ets:
        state = r.scene.frame_state(float(et), intent, SIZE)
        # spiceypy.spkpos("JUNO", et, "J2000", "NONE", "IO") + Io's place in this frame
        juno = eph.position("JUNO", float(et), "IO") + state.positions[501]
        pixels.append(state.pose.project(juno))
        eyes.append(state.pose.eye - state.positions[501])
    assert np.allclose(eyes, eyes[0], atol=1e-6)  # a fixed viewpoint: Io stays put, Juno moves
    pixels = np.array(pixels)
    w, h = SIZE
    assert (pixels[:, 0] > 0).all() and (pixels[:, 0] < w).all(), pixels[:, 0]
    assert (pixels[:, 1] > 0).all() and (pixels[:, 1] < h).all(), pixels[:, 1]
    assert np.linalg.norm(pixels[-1] - pixels[0]) > 0.5 * w  # sweeps across most of the frame
    steps = np.linalg.norm(np.diff(pixels, axis=0), axis=1)
    assert steps.min() > 5  # visibly moving every step, even far from closest approach
    # The closest-approach point is in the frame too, off Io's disc.
    _image, state = r.render(ca1, intent)
    sc = state.pose.project(state.spacecraft)
    (cx, cy), radius = _io_disc(state)
    assert 0 < sc[0] < w and 0 < sc[1] < h
    assert math.hypot(sc[0] - cx, sc[1] - cy) > radius


def _flyby_distance(r, intent, et: float, size) -> float:
    state = r.scene.frame_state(et, intent, size)
    return float(np.linalg.norm(state.pose.eye - state.positions[501]))


def test_flyby_camera_keeps_juno_s_pass_out_from_under_the_window_s_hud(renderer_factory, ca1):
    """With the plots open (G opens them) Juno's path ran across the top of the frame, under the
    HUD's text, and the "Juno" label was dropped there: the flyby camera now fits the pass and Io below
    a box kept clear at the top (the HUD; in an export, the burned-in overlay), and only then."""
    from perijove.ephemeris.flyby_view import FLYBY_SPAN_S

    size = (1030, 400)  # the window's view once G has opened the plots under it
    hud = (0.0, 0.0, 420.0, 130.0)  # the HUD's box there
    r = renderer_factory(size=size)
    intent = CameraIntent(mode="flyby", target="IO")
    eph = r.scene.eph
    ets = ca1 + np.linspace(-FLYBY_SPAN_S, FLYBY_SPAN_S, 61)

    def juno_pixels() -> np.ndarray:
        out = []
        for et in ets:
            state = r.scene.frame_state(float(et), intent, size)
            juno = eph.position("JUNO", float(et), "IO") + state.positions[501]
            out.append(np.atleast_2d(state.pose.project(juno))[0])
        return np.array(out)

    free = juno_pixels()
    under = (free[:, 0] < hud[2]) & (free[:, 1] < hud[3])
    assert under.any()  # the geometry the fix is for: part of the pass lies where the HUD sits
    r.scene.keep_clear = (hud,)
    r.scene.views = type(r.scene.views)(eph, r.scene.sc)  # a fresh window: nothing fitted yet
    try:
        kept = juno_pixels()
    finally:
        r.scene.keep_clear = ()
        r.scene.views = type(r.scene.views)(eph, r.scene.sc)
    w, h = size
    assert not ((kept[:, 0] < hud[2] + 8) & (kept[:, 1] < hud[3] + 8)).any()
    assert (kept[:, 0] > 0).all() and (kept[:, 0] < w).all() and (kept[:, 1] > 0).all() and (kept[:, 1] < h).all()
    assert np.linalg.norm(kept[-1] - kept[0]) > 0.5 * w  # still sweeping across the frame
    # The HUD shown only after the view was first fitted (H, a comparison's row, a smaller window):
    # the pass is fitted below it then, the same as when it was there from the start.
    r.scene.views = type(r.scene.views)(eph, r.scene.sc)
    juno_pixels()  # fitted with nothing kept clear
    r.scene.keep_clear = (hud,)
    try:
        assert np.allclose(juno_pixels(), kept)
        # With a wide field Io stays whole in the frame; zoomed in (toward the framed centre, not
        # the sky above it, where the camera aims) its centre stays in the frame.
        state = r.scene.frame_state(ca1, intent.with_(fov_deg=90.0), size)
        (cx, cy), radius = _io_disc(state)
        assert radius < cx < w - radius and radius < cy < h - radius, (cx, cy, radius)
        state = r.scene.frame_state(ca1, intent.with_(distance_km=0.5 * _flyby_distance(r, intent, ca1, size)), size)
        (cx, cy), radius = _io_disc(state)
        assert 0 < cx < w and 0 < cy < h - 0.25 * radius, (cx, cy, radius)
    finally:
        r.scene.keep_clear = ()
        r.scene.views = type(r.scene.views)(eph, r.scene.sc)
    # A box the pass does not reach changes nothing.
    r.scene.keep_clear = ((w - 60.0, h - 40.0, float(w), float(h)),)
    r.scene.views = type(r.scene.views)(eph, r.scene.sc)
    try:
        assert np.allclose(juno_pixels(), free)
    finally:
        r.scene.keep_clear = ()
        r.scene.views = type(r.scene.views)(eph, r.scene.sc)


def test_flyby_camera_keeps_the_moon_out_from_under_the_hud_too(renderer_factory):
    """At the second flyby Io sits high in the frame: in a short view (the plots open in a small
    window) the HUD's text and backing covered its limb, although the pass ran clear of it."""
    from perijove.ephemeris.flyby_view import closest_approach

    size, hud = (1030, 350), (0.0, 0.0, 420.0, 130.0)
    r = renderer_factory(size=size)
    ca = closest_approach(r.scene.eph, "IO", to_et("2024-02-03T17:48"))
    intent = CameraIntent(mode="flyby", target="IO")
    r.scene.views = type(r.scene.views)(r.scene.eph, r.scene.sc)
    r.scene.keep_clear = (hud,)
    try:
        state = r.scene.frame_state(ca, intent, size)
    finally:
        r.scene.keep_clear = ()
        r.scene.views = type(r.scene.views)(r.scene.eph, r.scene.sc)
    (cx, cy), radius = _io_disc(state)
    nearest = (min(max(cx, hud[0]), hud[2]), min(max(cy, hud[1]), hud[3]))
    assert math.hypot(cx - nearest[0], cy - nearest[1]) > radius + 2, (cx, cy, radius)
    assert radius < cx < size[0] - radius and radius < cy < size[1] - radius


def test_flyby_camera_frames_the_encounter_it_is_given(renderer_factory, ca1):
    """An explicit encounter wins over the search; zoom keeps the view direction."""
    r = renderer_factory()
    auto = r.scene.frame_state(ca1 - 3600, CameraIntent(mode="flyby", target="IO"), SIZE)
    given = r.scene.frame_state(ca1 - 3600, CameraIntent(mode="flyby", target="IO", encounter_et=ca1), SIZE)
    assert np.allclose(auto.pose.eye, given.pose.eye, atol=1e-3)
    zoomed = r.scene.frame_state(ca1, CameraIntent(mode="flyby", target="IO", distance_km=5000.0), SIZE)
    base = r.scene.frame_state(ca1, CameraIntent(mode="flyby", target="IO"), SIZE)
    assert np.linalg.norm(zoomed.pose.eye - zoomed.pose.target) == pytest.approx(5000.0)
    d1 = (zoomed.pose.eye - zoomed.pose.target) / 5000.0
    d0 = base.pose.eye - base.pose.target
    assert d1 @ d0 / np.linalg.norm(d0) == pytest.approx(1.0)


# -- JunoCam --------------------------------------------------------------------------------------
def _horizontal_edges(state) -> np.ndarray:
    """Pixels of the directions 29° either side of the view axis, turned about the frame's up."""
    pose = state.pose
    f = pose.target - pose.eye
    f /= np.linalg.norm(f)
    view = pose.view
    up = view[1, :3]
    out = []
    for sign in (-1, 1):
        a = math.radians(29.0) * sign
        # Rodrigues: f turned by a about up (up ⟂ f); negative a turns toward screen right
        d = f * math.cos(a) + np.cross(up, f) * math.sin(a)
        out.append(pose.project(pose.eye + 1000.0 * d))
    return np.array(out)


def test_junocam_is_58_degrees_wide_at_the_spacecraft_and_centres_io_without_a_ck(renderer_factory, ca1):
    r = renderer_factory()
    state = r.scene.frame_state(ca1 - 300, CameraIntent(mode="junocam", target="IO"), SIZE)
    eph = r.scene.eph
    assert np.allclose(state.pose.eye, eph.position("JUNO", ca1 - 300, "IO"), atol=1e-6)  # at the spacecraft
    edges = _horizontal_edges(state)
    assert sorted(edges[:, 0]) == pytest.approx([0.0, SIZE[0]], abs=0.5)
    assert edges[:, 1] == pytest.approx([SIZE[1] / 2] * 2, abs=0.5)
    assert state.pixel(501) == pytest.approx([SIZE[0] / 2, SIZE[1] / 2], abs=0.5)
    square = r.scene.frame_state(ca1 - 300, CameraIntent(mode="junocam", target="IO"), (400, 400))
    assert square.pose.fov_deg == pytest.approx(58.0)  # a square frame is 58° both ways


def test_junocam_at_pj57_shows_io_half_lit_with_the_terminator_across_the_disc(renderer_factory, ca1):
    """The seed picture: JunoCam's Io near closest approach, half lit from the left."""
    r = renderer_factory()
    eph = r.scene.eph
    # The minute within ten of closest approach where the phase angle (Sun-Io-Juno) is nearest 90°.
    ets = ca1 + np.arange(-600.0, 601.0, 60.0)
    juno = eph.position("JUNO", ets, "IO")
    sun = eph.sun_direction("IO", ets, abcorr="NONE")
    phase = np.degrees(np.arccos(np.sum(juno * sun, axis=1) / np.linalg.norm(juno, axis=1)))
    et = float(ets[np.argmin(abs(phase - 90.0))])
    assert abs(phase.min() - 90) < 30 or abs(phase.max() - 90) < 30
    image, state = r.render(et, CameraIntent(mode="junocam", target="IO"))
    disc = _disc_mask(state, 0.9)
    (cx, cy), radius = _io_disc(state)
    assert radius > 60
    bright = image[:, :, :3].max(axis=2) > 12  # the night side is drawn at 2% (about 5 of 255)
    lit = bright[disc].mean()
    assert 0.35 < lit < 0.65, f"{lit:.0%} of the disc is lit"
    # The lit half is on the Sun's side of the frame, and that is the left, as in JunoCam's picture.
    sun_px = state.pose.project(state.positions[501] + 1e5 * state.sun_dir[501])
    xs = np.nonzero(disc & bright)[1]
    assert sun_px[0] < cx and np.mean(xs) < cx - 0.2 * radius
    # The terminator runs down the middle: the middle row is lit at its left end, dark at its right.
    row = int(cy)
    cols = np.nonzero(disc[row])[0]
    assert bright[row, cols[0] + 3] and not bright[row, cols[-1] - 3]
    middle = bright[row, cols].mean()
    assert 0.3 < middle < 0.7


IK_TEXT = """KPL/IK
A made-up JunoCam field (40 deg by 10 deg) to check that getfov wins over the nominal 58 deg.
\\begindata
INS-61500_FOV_FRAME = 'JUNO_JUNOCAM'
INS-61500_FOV_SHAPE = 'RECTANGLE'
INS-61500_BORESIGHT = ( 0.0, 0.0, 1.0 )
INS-61500_FOV_CLASS_SPEC = 'ANGLES'
INS-61500_FOV_REF_VECTOR = ( 1.0, 0.0, 0.0 )
INS-61500_FOV_REF_ANGLE = 20.0
INS-61500_FOV_CROSS_ANGLE = 5.0
INS-61500_FOV_ANGLE_UNITS = 'DEGREES'
\\begintext
"""


def test_junocam_field_comes_from_the_instrument_kernel_when_loaded(tmp_path):
    from perijove.ephemeris.flyby_view import junocam_wide_deg

    assert junocam_wide_deg() == (58.0, "nominal")
    ik = tmp_path / "junocam_test.ti"
    ik.write_text(IK_TEXT)
    spiceypy.furnsh(str(ik))
    # spiceypy.getfov(-61500, 4) bounds at ±20° about +X: 40° wide
    wide, source = junocam_wide_deg()
    assert source == "IK" and wide == pytest.approx(40.0)


# -- pan and the whole orbit ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "intent",
    [
        CameraIntent(mode="orbit", target="IO", distance_km=20000.0),
        CameraIntent(mode="bodyfixed", target="IO", distance_km=20000.0),
        CameraIntent(mode="from", target="IO", from_body="SUN", distance_km=20000.0),
        CameraIntent(mode="from", target="IO", from_body="JUNO"),
        CameraIntent(mode="follow", distance_km=0.06),
        CameraIntent(mode="flyby", target="IO"),
        CameraIntent(mode="junocam", target="IO"),
    ],
    ids=lambda i: f"{i.mode}-{i.from_body or ''}",
)
def test_pan_moves_the_point_looked_at_in_every_mode(renderer_factory, ca1, intent):
    r = renderer_factory()
    et = ca1 - 300
    before = r.scene.frame_state(et, intent, SIZE)
    right = before.pose.view[0, :3]  # the frame's x axis in J2000
    step = 0.05 * np.linalg.norm(before.pose.eye - before.pose.target)
    pan = right * step
    if intent.mode == "bodyfixed":
        pan = before.rotations[501] @ pan  # stored in Io's frame
    after = r.scene.frame_state(et, intent.with_(pan_km=tuple(pan)), SIZE)
    assert np.allclose(after.pose.target - before.pose.target, right * step, atol=1e-6 * step + 1e-9)
    # What was at the centre moves left, by the pan over the distance (in pixels).
    centre = before.pose.target
    moved = after.pose.project(centre) - before.pose.project(centre)
    assert moved[0] < -0.02 * SIZE[0] and abs(moved[1]) < 0.01 * SIZE[1] + 1


def test_zoomed_out_the_whole_orbit_is_in_frame_and_inside_the_far_plane(renderer_factory, ca1):
    from perijove.model.session import MAX_DISTANCE_KM

    r = renderer_factory(BARE.with_(trajectory=True, moon_orbits=True, trajectory_past_days=38.0))
    eph = r.scene.eph
    ets = ca1 + np.linspace(-38 * 86400, 0, 400)
    orbit = eph.position("JUNO", ets, "JUPITER")
    normal = np.cross(orbit[0], orbit[len(orbit) // 3])  # seen face on, where it is largest
    normal /= np.linalg.norm(normal)
    az, el = math.degrees(math.atan2(normal[1], normal[0])), math.degrees(math.asin(normal[2]))
    intent = CameraIntent(mode="orbit", target="JUPITER", azimuth_deg=az, elevation_deg=el, distance_km=MAX_DISTANCE_KM)
    state = r.scene.frame_state(ca1, intent, SIZE)
    rel = orbit - state.pose.origin
    px = state.pose.project(rel)
    assert (px[:, 0] > 0).all() and (px[:, 0] < SIZE[0]).all() and (px[:, 1] > 0).all() and (px[:, 1] < SIZE[1]).all()
    depth = -(state.pose.view @ np.c_[rel, np.ones(len(rel))].T)[2]
    assert (depth > state.pose.near).all() and (depth < state.pose.far).all()
    trail = state.trail[0]
    assert np.ptp(trail[:, 0]) > 0.8 * np.ptp(orbit[:, 0])  # the trail is the whole orbit, not 3 days of it
    # Callisto's orbit, drawn, lies inside the far plane too.
    for verts, _colours in state.orbits:
        d = -(state.pose.view @ np.c_[verts, np.ones(len(verts))].T)[2]
        assert (d < state.pose.far).all()
    image, _ = r.render(ca1, intent)
    assert (image[:, :, :3].max(axis=2) > 30).sum() > 200  # the orbit is drawn, not clipped away


# -- settings, durations and the command line -----------------------------------------------------
def test_new_cameras_and_the_trail_length_survive_the_settings_round_trip():
    from perijove.model.settings import Bookmark, StoredState, display_state, read_settings, write_settings

    flyby = CameraIntent(mode="flyby", target="IO", encounter_et=757197429.98, pan_km=(10.0, -2.5, 0.0))
    junocam = CameraIntent(mode="junocam", target="IO")
    display = DisplayOptions(trajectory_past_days=38.0, trajectory_future_days=0.5)
    state = StoredState(camera=flyby, display=display_state(display), bookmarks=[Bookmark("cam", 1.0, junocam)])
    back, dropped = read_settings(write_settings(state))
    assert dropped == []
    assert back.camera == flyby and back.bookmarks[0].camera == junocam
    assert DisplayOptions().with_(**back.display) == display
    stored = write_settings(state)
    stored["display"] = stored["display"].replace("38.0", "380.0")  # hand-edited beyond an orbit
    stored["camera"] = stored["camera"].replace("[10.0, -2.5, 0.0]", '["x", 1, 2]')
    back, dropped = read_settings(stored)
    assert back.camera is None and back.display == {} and sorted(dropped) == ["camera", "display"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("6h", 21600), ("3 d", 259200), ("90min", 5400), ("38d", 38 * 86400), ("2", 172800)]
)
def test_durations(text, seconds):
    from perijove.model.display import format_duration, parse_duration

    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-3d", "3 weeks"])
def test_bad_durations_are_refused(text):
    from perijove.model.display import parse_duration

    with pytest.raises(ValueError, match="duration looks like"):
        parse_duration(text)


def test_trail_is_at_most_an_orbit():
    with pytest.raises(ValueError, match=r"38 d \(a whole orbit\)"):
        DisplayOptions(trajectory_past_days=39.0)
    with pytest.raises(ValueError, match="pan"):
        CameraIntent(pan_km=(1.0, float("nan"), 0.0))
    with pytest.raises(ValueError, match="unknown camera mode"):
        CameraIntent(mode="fisheye")


def _cli(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=180)


def test_render_and_export_take_the_new_cameras_and_a_trail(tmp_path):
    from PIL import Image

    out = tmp_path / "flyby.png"
    done = _cli(
        "render", "--time", CA1, "--look-at", "io", "--camera", "flyby", "--trail", "6h", "--size", "320x180", str(out)
    )
    assert done.returncode == 0, done.stderr
    image = np.asarray(Image.open(out))
    assert (image.max(axis=2) > 60).sum() > 300  # a lit Io, not a black frame
    bad = _cli("render", "--time", CA1, "--camera", "flyby", "--trail", "40d", str(tmp_path / "x.png"))
    assert bad.returncode == 2 and "38 d (a whole orbit)" in bad.stderr and bad.stderr.count("\n") == 1
    assert not (tmp_path / "x.png").exists()
    movie = tmp_path / "frames"
    done = _cli(
        "export", "--start", "2023-12-30T08:30", "--stop", "2023-12-30T08:40", "--frames", "2",
        "--look-at", "io", "--camera", "junocam", "--size", "160x90", str(movie),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(list(movie.glob("*.png"))) == 2
    clash = _cli("export", "--start", "2023-12-30T08:30", "--stop", "2023-12-30T08:40", "--follow", "juno",
                 "--camera", "flyby", str(tmp_path / "m.mp4"))  # fmt: skip
    assert clash.returncode == 2 and "disagree" in clash.stderr


def test_no_part_of_the_orbit_in_front_of_the_camera_is_cut_by_the_near_plane(renderer_factory, ca1):
    """Zoomed out past Io, parts of Juno's orbit are closer to the camera than any body: still drawn."""
    r = renderer_factory(BARE.with_(trajectory=True, trajectory_past_days=38.0))
    intent = CameraIntent(mode="orbit", target="IO", distance_km=3e6, elevation_deg=-20.0)
    state = r.scene.frame_state(ca1 + 300, intent, SIZE)
    verts = state.trail[0]
    depth = -(state.pose.view @ np.c_[verts, np.ones(len(verts))].T)[2]
    ahead = depth > 0
    assert ahead.sum() > 100
    # Only what passes within a thousandth of the distance to the nearest body is cut (a line
    # through the camera), where a near plane at half that distance cut 600 vertices of the orbit.
    assert (depth[ahead] < state.pose.near).sum() <= 0.02 * ahead.sum()
    assert state.pose.near <= 2e-3 * 3e6
    assert (depth[ahead] < state.pose.far).all()


def test_a_stale_encounter_gives_way_to_the_nearest_one(renderer_factory, ca1):
    """After a jump to another body or another orbit, the flyby camera frames the pass at hand."""
    r = renderer_factory()
    flyby = CameraIntent(mode="flyby", target="IO", encounter_et=ca1)
    assert flyby.with_(target="JUPITER").encounter_et is None  # the encounter was Io's
    assert flyby.with_(distance_km=1e4).encounter_et == ca1
    later = r.scene.frame_state(ca1 + 20 * 86400, flyby, SIZE)  # a stored encounter, three weeks old
    fresh = r.scene.frame_state(ca1 + 20 * 86400, flyby.with_(encounter_et=None), SIZE)
    assert np.allclose(later.pose.eye, fresh.pose.eye)


SCLK_TEXT = """KPL/SCLK
A made-up clock for -61: one tick a second, tick 0 at {zero} TDB seconds past J2000.
\\begindata
SCLK_KERNEL_ID = ( @2000-01-01/00:00 )
SCLK_DATA_TYPE_61 = ( 1 )
SCLK01_TIME_SYSTEM_61 = ( 1 )
SCLK01_N_FIELDS_61 = ( 1 )
SCLK01_MODULI_61 = ( 100000000 )
SCLK01_OFFSETS_61 = ( 0 )
SCLK01_OUTPUT_DELIM_61 = ( 1 )
SCLK_PARTITION_START_61 = ( 0.0 )
SCLK_PARTITION_END_61 = ( 100000000.0 )
SCLK01_COEFFICIENTS_61 = ( 0.0 {zero} 1.0 )
\\begintext
"""


def _write_ck(tmp_path, ca: float, rotation: np.ndarray):
    """A made-up SCLK and a CK holding Juno still at ``rotation`` (J2000 → JUNO_SPACECRAFT) for ±20 min."""
    zero = ca - 10_000.0
    sclk = tmp_path / "juno_test.tsc"
    sclk.write_text(SCLK_TEXT.format(zero=f"{zero:.3f}"))
    spiceypy.furnsh(str(sclk))
    ticks = np.array([10_000.0 - 1200.0, 10_000.0, 10_000.0 + 1200.0])
    quats = np.tile(spiceypy.m2q(rotation), (3, 1))
    ck = tmp_path / "juno_test.bc"
    handle = spiceypy.ckopn(str(ck), "TEST", 0)
    try:
        spiceypy.ckw03(
            handle, ticks[0], ticks[-1], -61000, "J2000", False, "test", 3, ticks, quats, np.zeros((3, 3)), 1, ticks[:1]
        )
    finally:
        spiceypy.ckcls(handle)
    spiceypy.kclear()
    return sclk, ck


@pytest.mark.skipif(not FK.is_file(), reason="../shared/data/real is absent")
def test_junocam_is_pointed_by_the_ck_and_the_frames_kernel_when_they_cover_the_time(tmp_path, ca1):
    from perijove.render.offscreen import OffscreenRenderer

    # Juno turned so that JunoCam (about -X of the spacecraft) looks 40° away from Io.
    r0 = spiceypy.eul2m(math.radians(40.0), math.radians(10.0), math.radians(-25.0), 3, 2, 1)
    sclk, ck = _write_ck(tmp_path, ca1, r0)
    eph = Ephemeris(open_kernels([str(FK), str(sclk), str(ck)]))
    renderer = OffscreenRenderer(eph, SIZE, BARE)
    try:
        state = renderer.scene.frame_state(ca1 - 60, CameraIntent(mode="junocam", target="IO"), SIZE)
        # spiceypy.pxform("J2000", "JUNO_JUNOCAM", et): the camera frame of the FK on the CK's attitude
        cam = np.asarray(spiceypy.pxform("J2000", "JUNO_JUNOCAM", ca1 - 60))
        pose = state.pose
        forward = (pose.target - pose.eye) / np.linalg.norm(pose.target - pose.eye)
        assert forward @ cam[2] == pytest.approx(1.0, abs=1e-9)  # along the boresight, +Z
        assert pose.view[0, :3] @ cam[0] == pytest.approx(1.0, abs=1e-9)  # CCD lines across the frame
        assert state.pose.project(pose.eye + 1e3 * cam[2]) == pytest.approx(np.array(SIZE) / 2, abs=0.5)
        io = state.pixel(501)
        assert np.linalg.norm(io - np.array(SIZE) / 2) > 50  # not aimed at Io: pointed by the CK
        outside = renderer.scene.frame_state(ca1 - 3600, CameraIntent(mode="junocam", target="IO"), SIZE)
        assert outside.pixel(501) == pytest.approx(np.array(SIZE) / 2, abs=0.5)  # no CK there: at Io
    finally:
        renderer.close()
        spiceypy.kclear()


def test_flyby_trail_is_the_path_relative_to_the_moon(renderer_factory, ca1):
    """The flyby camera moves with the moon, so the trail it shows is Juno's path relative to the moon.

    Drawn relative to Jupiter, the path of the minutes around closest approach was displaced by the
    moon's own motion (17 km/s) and appeared to run through Io's disc.
    """
    display = DisplayOptions(stars=False, moon_orbits=False, labels=False)
    with_trail, without = renderer_factory(display), renderer_factory(display.with_(trajectory=False))
    intent = CameraIntent(mode="flyby", target="IO")
    et = ca1 - 60.0
    image, state = with_trail.render(et, intent)
    bare, _ = without.render(et, intent)
    diff = np.abs(image[:, :, :3].astype(int) - bare[:, :, :3].astype(int)).max(axis=2) > 25
    ys, xs = np.nonzero(diff)
    assert len(xs) > 100
    eph = with_trail.scene.eph
    ets = et + np.linspace(-3 * 3600, 3 * 3600, 20001)
    relative = eph.position("JUNO", ets, "IO") + state.positions[501]  # the path around Io's place now
    px = state.pose.project(relative)
    on_path = np.zeros(len(xs), bool)
    for lo in range(0, len(xs), 500):
        d = np.hypot(px[None, :, 0] - xs[lo : lo + 500, None] - 0.5, px[None, :, 1] - ys[lo : lo + 500, None] - 0.5)
        on_path[lo : lo + 500] = d.min(axis=1) < 3.0
    assert on_path.mean() > 0.99, f"{(~on_path).sum()} of {len(xs)} trail pixels off the Io-relative path"
    (cx, cy), radius = _io_disc(state)
    assert not ((xs + 0.5 - cx) ** 2 + (ys + 0.5 - cy) ** 2 < (0.95 * radius) ** 2).any()  # never across the disc
