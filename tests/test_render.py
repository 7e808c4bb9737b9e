"""Rendering, tested by rendering: real frames from the embedded data, checked by pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest
import spiceypy
from conftest import IO_MAP

from perijove.ephemeris import Ephemeris, find_events, open_kernels, to_et
from perijove.model import CameraIntent, DisplayOptions

CA1 = "2023-12-30T08:36:00.8"
SIZE = (480, 360)
BARE = DisplayOptions(stars=False, trajectory=False, moon_orbits=False)


@pytest.fixture(scope="module")
def renderer_factory(offscreen_factory):
    return lambda display=BARE, size=SIZE: offscreen_factory(display, size)


def _disc(image: np.ndarray, threshold: int = 12) -> np.ndarray:
    return image[:, :, :3].max(axis=2) > threshold


def _anti(direction: np.ndarray) -> tuple[float, float]:
    d = -direction / np.linalg.norm(direction)
    return math.degrees(math.atan2(d[1], d[0])), math.degrees(math.asin(d[2]))


def test_sun_side_bright_anti_sun_side_dark(renderer_factory):
    r = renderer_factory()
    et = to_et(CA1)
    lit, state = r.render(et, CameraIntent(mode="from", target="IO", from_body="SUN"))
    centre = state.pixel(501).astype(int)
    assert lit[centre[1], centre[0], :3].mean() > 120
    assert _disc(lit).sum() > 0.1 * SIZE[0] * SIZE[1]
    az, el = _anti(r.scene.eph.sun_direction("IO", et, abcorr="NONE"))
    dark, _ = r.render(et, CameraIntent(mode="orbit", target="IO", azimuth_deg=az, elevation_deg=el))
    mask = _disc(lit)
    assert dark[:, :, :3][mask].mean() < 0.1 * lit[:, :, :3][mask].mean()
    assert dark[:, :, :3][mask].max() > 0  # the night side is faint, not missing


def test_io_fills_its_angular_size_from_juno_at_closest_approach(renderer_factory):
    r = renderer_factory(DisplayOptions(stars=False, trajectory=False, moon_orbits=False, night_brightness=1.0))
    et = to_et(CA1)
    image, state = r.render(et, CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=100.0))
    distance = np.linalg.norm(r.scene.eph.position("IO", et, "JUNO"))
    alpha = math.asin(1821.6 / distance)  # Io's mean radius
    expected = 2 * math.tan(alpha) * state.pose.pixels_per_radian()
    column = _disc(image, 20)[:, SIZE[0] // 2]
    rows = np.nonzero(column)[0]
    measured = rows.max() - rows.min() + 1
    assert measured == pytest.approx(expected, rel=0.03)


def test_jupiter_rotates_the_right_amount_in_an_hour(renderer_factory):
    """The Great Red Spot is drawn where Jupiter's rotation puts it, an hour apart."""
    from perijove.render.textures import GREAT_RED_SPOT

    r = renderer_factory(BARE.with_(procedural_maps=True))  # its spot is a vivid red marker; Cassini's is paler
    eph = r.scene.eph
    lat, lon = map(math.radians, GREAT_RED_SPOT)
    a, _, c = 71492.0, 71492.0, 66854.0
    spot_fixed = np.array([a * math.cos(lat) * math.cos(lon), a * math.cos(lat) * math.sin(lon), c * math.sin(lat)])
    # Find when the spot is on the lit side facing the Sun, then look an hour later too.
    t0 = to_et("2023-12-30T00:00")
    ets = t0 + np.arange(0, 10 * 3600, 300)
    facing = [eph.body_rotation("JUPITER", et).T @ spot_fixed @ eph.sun_direction("JUPITER", et) for et in ets]
    start = float(ets[int(np.argmax(facing))]) - 1800
    seen = []
    for et in (start, start + 3600):
        image, state = r.render(et, CameraIntent(mode="from", target="JUPITER", from_body="SUN"))
        world = eph.body_rotation("JUPITER", et).T @ spot_fixed + state.positions[599]
        x, y = state.pose.project(world).round().astype(int)
        px = image[y - 1 : y + 2, x - 1 : x + 2, :3].astype(int).mean(axis=(0, 1))
        assert px[0] - px[2] > 70, f"no red spot at its predicted pixel ({x}, {y}): {px}"
        seen.append((x, y, image))
    (x0, y0, _), (x1, _y1, img1) = seen
    assert abs(x1 - x0) > 20  # it moved ...
    old = img1[y0 - 1 : y0 + 2, x0 - 1 : x0 + 2, :3].astype(int).mean(axis=(0, 1))
    assert old[0] - old[2] < 70  # ... and is no longer where it was


def test_io_in_jupiters_shadow_goes_dark(renderer_factory):
    r = renderer_factory()
    eph = r.scene.eph
    report = find_events(eph, ["eclipse"], ["IO"], start=to_et("2023-12-28"), stop=to_et("2023-12-31"))
    eclipse = report.events[0]
    mid = 0.5 * (eclipse.et + eclipse.end_et)
    view = CameraIntent(mode="from", target="IO", from_body="SUN")
    dark, _ = r.render(mid, view)
    lit, _ = r.render(eclipse.end_et + 3 * 3600, view)
    mask = _disc(lit)
    assert dark[:, :, :3][mask].mean() < 0.05 * lit[:, :, :3][mask].mean()
    partial, _ = r.render(eclipse.et + 20.0, view)  # in the penumbra: part of the disc still lit
    assert 0.05 * lit[mask].mean() < partial[:, :, :3][mask].mean() < lit[:, :, :3][mask].mean()


def test_spacecraft_at_one_km_does_not_jitter(renderer_factory):
    """Looking down Juno's spin axis from 50 m for 100 steps: the antenna dish must not wander.

    A scene positioned in float32 about Jupiter would quantise Juno's position
    to ~30 m steps here; the floating origin keeps it still to a fraction of a pixel.
    """
    r = renderer_factory()
    et0 = to_et(CA1)
    centres, sizes = [], []
    for k in range(100):
        image, state = r.render(
            et0 + 0.1 * k, CameraIntent(mode="from", target="JUNO", from_body="EARTH", distance_km=0.05, fov_deg=30.0)
        )
        assert state.draw_spacecraft and not state.marker
        rgb = image[:, :, :3].astype(int)
        white = (rgb.min(axis=2) > 170) & (rgb.max(axis=2) - rgb.min(axis=2) < 40)
        white[:, : SIZE[0] // 2 - 40] = white[:, SIZE[0] // 2 + 40 :] = False  # the dish, not the spinning boom
        ys, xs = np.nonzero(white)
        assert len(xs) > 100
        centres.append((xs.mean(), ys.mean()))
        sizes.append(len(xs))
    c = np.array(centres)
    assert np.abs(c - c.mean(axis=0)).max() < 0.5
    assert np.ptp(sizes) < 0.05 * np.mean(sizes)


def test_subsolar_point_matches_spice(renderer_factory, tmp_path):
    from PIL import Image

    flat = tmp_path / "flat.png"
    Image.fromarray(np.full((64, 128, 3), 200, np.uint8)).save(flat)
    r = renderer_factory(
        DisplayOptions(stars=False, trajectory=False, moon_orbits=False, labels=False, maps={"io": str(flat)}),
        size=(600, 600),
    )
    eph = r.scene.eph
    et = to_et(CA1)
    sun = eph.sun_direction("IO", et, abcorr="NONE")
    az, el = _anti(-sun)
    image, state = r.render(
        et,
        CameraIntent(
            mode="orbit", target="IO", azimuth_deg=az + 25, elevation_deg=el + 10, distance_km=9000.0, fov_deg=30.0
        ),
    )
    spoint, _, _ = spiceypy.subslr("NEAR POINT/ELLIPSOID", "IO", et, "IAU_IO", "NONE", "IO")
    world = eph.body_rotation("IO", et).T @ np.asarray(spoint) + state.positions[501]
    expected = state.pose.project(world)
    grey = image[:, :, :3].astype(float).mean(axis=2)
    top = grey >= grey.max() - 1.0
    ys, xs = np.nonzero(top)
    measured = np.array([xs.mean() + 0.5, ys.mean() + 0.5])
    assert np.linalg.norm(measured - expected) < 2.0


@pytest.mark.skipif(not IO_MAP.is_file(), reason="../shared/data/real is absent")
def test_volcano_coordinates_land_on_the_real_map():
    """Loki, drawn at its coordinates, lands on Loki Patera's dark floor in the USGS mosaic."""
    from PIL import Image

    from perijove.render.textures import IO_VOLCANOES, lonlat_to_uv

    with Image.open(IO_MAP) as im:  # 16 Mpixel: within Pillow's decompression-bomb limit, which stays on
        small = np.asarray(im.convert("L").resize((1440, 720)), dtype=float)

    def darkest_near(lat: float, east: float) -> float:
        u, v = lonlat_to_uv(lat, east)
        x, y = int(u * 1440), int(v * 720)
        box = small[y - 12 : y + 13, x - 12 : x + 13]  # +-3 degrees
        return min(box[i : i + 5, j : j + 5].mean() for i in range(0, 21) for j in range(0, 21))

    lat, west = IO_VOLCANOES["Loki"]
    loki = darkest_near(lat, 360.0 - west)
    assert loki < 0.5 * small.mean()
    # The mirrored longitude (the common west/east mistake) has no such dark floor.
    assert darkest_near(lat, west) > loki + 30
    # And Pele sits near 29% of the width, as the map's provenance says.
    assert lonlat_to_uv(*IO_VOLCANOES["Pele"][:1], 360.0 - IO_VOLCANOES["Pele"][1])[0] == pytest.approx(0.29, abs=0.01)


def test_cli_render_writes_a_png(tmp_path):
    import subprocess
    import sys

    from PIL import Image

    out = tmp_path / "frame.png"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "perijove",
            "render",
            "--time",
            CA1,
            "--look-at",
            "io",
            "--from",
            "sun",
            "--size",
            "320x240",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    img = np.asarray(Image.open(out))
    assert img.shape == (240, 320, 3) and img[120, 160].mean() > 60
    assert not list(tmp_path.glob(".frame-*"))  # no temporary file left behind
    bad = subprocess.run(
        [sys.executable, "-m", "perijove", "render", "--time", "2030-01-01", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_trail_passes_through_the_spacecraft_at_every_time(renderer_factory):
    r = renderer_factory(DisplayOptions(stars=False, moon_orbits=False, labels=False))
    et0 = to_et(CA1)
    for dt in (-3600.0, -7.3, 0.0, 0.37, 5000.0):
        state = r.scene.frame_state(et0 + dt, CameraIntent(mode="orbit", target="IO", distance_km=30000), SIZE)
        verts, colours = state.trail
        hits = np.linalg.norm(verts - state.spacecraft, axis=1)
        assert hits.min() == 0.0  # the spacecraft's own position is a vertex of the line
        k = int(np.argmin(hits))
        assert colours[k - 1, 2] < colours[k + 1, 2]  # past (warm) before it, future (blue) after


def test_trajectory_coloured_by_distance(renderer_factory):
    r = renderer_factory(DisplayOptions(stars=False, moon_orbits=False, labels=False, trajectory_color="distance"))
    et = to_et(CA1)
    state = r.scene.frame_state(et - 600, CameraIntent(mode="orbit", target="IO", distance_km=30000), SIZE)
    verts, colours = state.trail
    io = r.scene.eph.position("IO", et - 600, "JUPITER") - state.pose.origin
    here = int(np.argmin(np.linalg.norm(verts - state.spacecraft, axis=1)))
    far = int(np.argmax(np.linalg.norm(verts - io, axis=1)))
    assert colours[here, 1] > colours[far, 1]  # nearer the target: brighter yellow
    # Past and future stay apart: the future was the same hue at the same distance, told only by
    # a fainter alpha (found walking the window).
    from perijove.render.trajectory import distance_colour

    assert np.allclose(colours[here - 1, :3], distance_colour(np.linalg.norm(verts[here - 1] - io)), atol=2e-3)
    ahead = colours[here + 1, :3]
    behind_same_distance = distance_colour(np.linalg.norm(verts[here + 1] - io))
    assert np.abs(ahead - behind_same_distance).max() > 0.15 and ahead[2] > behind_same_distance[2]  # cooler


def test_trajectory_sampling_is_dense_near_io_and_sparse_far_out():
    from perijove.render.trajectory import sample_path

    eph = Ephemeris(open_kernels())
    ca = to_et(CA1)
    path = sample_path(eph, -61, ca - 86400, ca + 86400)
    steps = np.diff(path.ets)
    near = np.abs(path.ets[:-1] - ca) < 120
    far = np.abs(path.ets[:-1] - ca) > 20 * 3600
    assert steps[near].max() < 5.0 and steps[far].min() > 300.0
    # Between samples the straight chord stays within 100 m of the true path near Io.
    mid = 0.5 * (path.ets[:-1] + path.ets[1:])[near]
    chord = 0.5 * (path.positions[:-1] + path.positions[1:])[near]
    assert np.linalg.norm(eph.position("JUNO", mid, "JUPITER") - chord, axis=1).max() < 0.1


def test_body_fixed_camera_co_rotates(renderer_factory):
    """A body-fixed camera over the Great Red Spot keeps it at the centre while Jupiter turns."""
    from perijove.render.textures import GREAT_RED_SPOT

    r = renderer_factory()
    eph = r.scene.eph
    lat, lon = GREAT_RED_SPOT
    spot = np.array(
        [
            math.cos(math.radians(lat)) * math.cos(math.radians(lon)),
            math.cos(math.radians(lat)) * math.sin(math.radians(lon)),
            math.sin(math.radians(lat)),
        ]
    )
    ets = to_et("2023-12-30T00:00") + np.arange(0, 10 * 3600, 300)
    lit = [eph.body_rotation("JUPITER", et).T @ spot @ eph.sun_direction("JUPITER", et) for et in ets]
    t0 = float(ets[int(np.argmax(lit))]) - 1800
    view = CameraIntent(mode="bodyfixed", target="JUPITER", azimuth_deg=lon, elevation_deg=lat, distance_km=3e5)
    centre = []
    for et in (t0, t0 + 3600):
        image, _ = r.render(et, view)
        px = image[SIZE[1] // 2 - 2 : SIZE[1] // 2 + 3, SIZE[0] // 2 - 2 : SIZE[0] // 2 + 3, :3].astype(int)
        centre.append(px.mean(axis=(0, 1)))
    for px in centre:
        assert px[0] - px[2] > 60  # red: the spot is still in the middle an hour later


def test_labels_can_be_switched_off(renderer_factory):
    et = to_et(CA1)
    view = CameraIntent(mode="orbit", target="IO", distance_km=60000, azimuth_deg=120, elevation_deg=20)
    on, state = renderer_factory(DisplayOptions(stars=False, trajectory=False, moon_orbits=False)).render(et, view)
    off, _ = renderer_factory(BARE.with_(labels=False)).render(et, view)
    diff = np.abs(on[:, :, :3].astype(int) - off[:, :, :3].astype(int)).max(axis=2) > 60
    x, y = state.pixel(501).astype(int)
    beside = diff[max(y - 45, 0) : y + 5, x + 8 : x + 80]  # the label sits up and to the right of Io
    assert beside.sum() > 20
    assert not diff[y - 5 : y + 5, x - 5 : x + 5].any()  # and not over the body


def test_user_spacecraft_model(tmp_path):
    import trimesh

    from perijove.render.meshes import load_model

    box = trimesh.creation.box(extents=(4.0, 2.0, 1.0))
    path = tmp_path / "probe.stl"
    box.export(path)
    mesh = load_model(str(path))
    assert mesh.positions.max(axis=0) == pytest.approx([0.002, 0.001, 0.0005])
    bad = tmp_path / "bad.stl"
    bad.write_bytes(b"not a mesh")
    with pytest.raises(ValueError, match="cannot read model"):
        load_model(str(bad))


def test_io_casts_its_shadow_on_jupiter(renderer_factory):
    r = renderer_factory()
    eph = r.scene.eph
    ets = to_et("2023-12-29T00:00") + np.arange(0, 2 * 86400, 300)
    io = eph.position("IO", ets, "JUPITER")
    sun = eph.sun_direction("JUPITER", ets, abcorr="NONE")
    align = np.einsum("ij,ij->i", io / np.linalg.norm(io, axis=1)[:, None], sun)
    et = float(ets[int(np.argmax(align))]) + 1800  # shortly after mid-transit, shadow clear of Io
    rot = eph.body_rotation("JUPITER", et)
    io_fixed = rot @ eph.position("IO", et, "JUPITER")
    shadow_fixed = np.asarray(
        spiceypy.surfpt(io_fixed, -(rot @ eph.sun_direction("JUPITER", et, abcorr="NONE")), 71492.0, 71492.0, 66854.0)
    )
    image, state = r.render(et, CameraIntent(mode="from", target="JUPITER", from_body="SUN", fov_deg=20.0))
    x, y = state.pose.project(rot.T @ shadow_fixed + state.positions[599]).round().astype(int)
    core = image[y - 1 : y + 2, x - 1 : x + 2, :3].astype(float).mean()
    ring = image[y - 12 : y + 13, x - 12 : x + 13, :3].astype(float)
    assert core < 0.35 * np.median(ring)


def test_view_from_the_spacecraft_has_no_trail_streak(renderer_factory):
    """The trail's vertex at the eye must not project (w = 0) into a line across the picture."""
    r = renderer_factory(DisplayOptions(stars=False, moon_orbits=False, labels=False))
    image, state = r.render(
        to_et("2023-12-30T08:34:30"), CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=70.0)
    )
    rgb = image[:, :, :3].astype(int)
    trail = (rgb[:, :, 0] > 200) & (rgb[:, :, 2] < 90) & (rgb[:, :, 0] - rgb[:, :, 2] > 150)
    assert trail.sum() == 0
    assert not state.draw_spacecraft  # the camera sits in the spacecraft


@pytest.mark.parametrize(
    ("when", "target"), [("2023-12-30T08:34:30", "IO"), ("2023-12-30T06:00:00", "IO"), ("2023-12-30T08:36:00", "IO")]
)
def test_trail_seen_from_the_spacecraft_lies_on_its_projected_path(renderer_factory, when, target):
    """From Juno, every trail pixel lies on Juno's path as SPICE gives it, projected in float64.

    Before the lines were clipped at the near plane, the segment joining the samples either side of
    the eye crossed the whole picture (an inverted V or a diagonal streak).
    """
    display = DisplayOptions(stars=False, moon_orbits=False, labels=False)
    with_trail = renderer_factory(display)
    without = renderer_factory(display.with_(trajectory=False))
    et = to_et(when)
    view = CameraIntent(mode="from", target=target, from_body="JUNO", fov_deg=70.0)
    image, state = with_trail.render(et, view)
    bare, _ = without.render(et, view)
    diff = np.abs(image[:, :, :3].astype(int) - bare[:, :, :3].astype(int)).max(axis=2) > 25
    ys, xs = np.nonzero(diff)
    assert len(xs) > 30  # the trail ahead is in view at these times
    # Juno's path, densely sampled in time (logarithmically close to now, where it converges on the eye).
    offsets = np.geomspace(1e-2, 3 * 86400, 6000)
    past = offsets[offsets <= display.trajectory_past_days * 86400]
    ets = np.concatenate([et - past, et + offsets[offsets <= display.trajectory_future_days * 86400]])
    path = with_trail.scene.eph.position("JUNO", ets, "JUPITER") - state.pose.origin
    eye_space = (state.pose.view @ np.c_[path, np.ones(len(path))].T).T
    ahead = -eye_space[:, 2] > 1e-6
    px = state.pose.project(path[ahead])
    on_path = np.zeros(len(xs), bool)
    for lo in range(0, len(xs), 500):
        d = np.hypot(px[None, :, 0] - xs[lo : lo + 500, None] - 0.5, px[None, :, 1] - ys[lo : lo + 500, None] - 0.5)
        on_path[lo : lo + 500] = d.min(axis=1) < 3.0
    assert on_path.all(), f"{(~on_path).sum()} trail pixels off Juno's path, e.g. {xs[~on_path][:3]}"


def test_several_lines_clipped_in_one_pass_are_the_lines_clipped_one_by_one():
    """A frame's moon orbits go through the near-plane clipping together; no segment joins one orbit's
    end to the next one's start, and each line is clipped as it would be alone."""
    from perijove.render.camera import look_at
    from perijove.render.trajectory import eye_segments

    rng = np.random.default_rng(7)
    view = look_at(np.array([0.0, 0.0, 10.0]), np.zeros(3), np.array([0.0, 1.0, 0.0]))
    lines = [rng.normal(0, 8, (n, 3)) for n in (5, 1, 0, 40, 2, 17, 0)]  # some cross the near plane; a point; empty
    colours = [rng.random((len(v), 4)) for v in lines]
    alone = [eye_segments(v, c, view, 0.5) for v, c in zip(lines, colours, strict=True)]
    starts = np.cumsum([0] + [len(v) for v in lines[:-1]])
    packed = eye_segments(np.concatenate(lines), np.concatenate(colours), view, 0.5, starts)
    assert packed.dtype == np.float32 and packed.shape[1] == 7  # position relative to the eye, then RGBA
    assert np.array_equal(packed, np.concatenate(alone))
    assert len(packed) < 2 * (sum(len(v) for v in lines) - 1)  # some segments were dropped or clipped
    # Each line against a plain segment-by-segment clipping, in float64.
    eye = np.array([0.0, 0.0, 10.0])
    for v, c, got in zip(lines, colours, alone, strict=True):
        want = []
        for i in range(len(v) - 1):
            a, b = v[i] - eye, v[i + 1] - eye
            da, db = -a[2], -b[2]  # the camera looks down -z
            if da <= 0.5 and db <= 0.5:
                continue  # wholly behind the near plane
            cut = a + (0.5 - da) / (db - da) * (b - a) if da != db else a
            a, b = (cut if da < 0.5 else a), (cut if db < 0.5 else b)
            want += [np.r_[a, c[i]], np.r_[b, c[i + 1]]]
        assert np.allclose(got, np.array(want).reshape(-1, 7), rtol=1e-6, atol=1e-5) if want else not len(got)


def test_a_frame_handed_to_the_rasteriser_in_parts_is_the_same_frame(offscreen_factory):
    """``interleave`` (the window's one-sample frames on software GL) flushes the stars and the
    bodies early; every pixel comes out as without it: stars, orbits, Io, the trail and labels."""
    from perijove.render.framebuffer import OffscreenTarget

    r = offscreen_factory(DisplayOptions(), (480, 320))
    view = CameraIntent(mode="flyby", target="IO")
    _image, state = r.render(to_et("2023-12-30T08:30:00"), view)
    r.canvas.set_current()
    target = OffscreenTarget(480, 320, samples=0)
    frames = []
    for interleave in (False, True, False):
        with target:
            r.scene.draw(state, interleave=interleave)
        frames.append(target.read_bgra())
    target.delete()
    assert frames[0][..., :3].max() > 100 and (frames[0][..., :3].max(axis=2) > 0).mean() > 0.01
    assert np.array_equal(frames[0], frames[1]) and np.array_equal(frames[0], frames[2])
    rgba = frames[1][..., [2, 1, 0, 3]]
    one_sample = OffscreenTarget(480, 320, samples=0)
    with one_sample:
        r.scene.draw(state)
    assert np.array_equal(rgba[..., :3], one_sample.read()[..., :3])  # read_bgra is read, reordered
    kept = np.zeros_like(frames[0])
    assert one_sample.read_bgra(kept) is kept and np.array_equal(kept, frames[0])  # into the window's memory
    one_sample.delete()


def test_frames_read_while_the_next_is_drawn_are_the_frames_render_gives(offscreen_factory):
    """``frames`` (export's path: RGB read into pack buffers, collected a frame later) gives each
    time's frame in order, the same pixels ``render`` reads at once; also at a width whose rows are
    not a multiple of four bytes, where the GL has no pack buffers, and after a consumer that
    stopped early."""
    from vispy.gloo import gl

    r = offscreen_factory(DisplayOptions(), (166, 94))  # 498-byte rows
    view = CameraIntent(mode="flyby", target="IO")
    ets = [to_et("2023-12-30T08:33:00") + 40.0 * i for i in range(5)]
    expected = [r.render(et, view)[0][..., :3] for et in ets]
    assert np.abs(expected[0].astype(int) - expected[-1]).max() > 50  # the frames differ: order matters
    got = [(rgb.copy(), state.et) for rgb, state in r.frames(ets, view)]
    assert [et for _, et in got] == ets
    for (rgb, _), want in zip(got, expected, strict=True):
        assert rgb.shape == want.shape and rgb.flags.c_contiguous
        assert np.array_equal(rgb, want)
    stopped = r.frames(ets, view)
    next(stopped)
    del stopped  # a frame was left on its way
    assert np.array_equal(next(iter(r.frames(ets[2:], view)))[0], expected[2])
    live = r.frames(ets, view)
    next(live)
    with pytest.raises(RuntimeError, match="already handing out frames"):
        next(r.frames(ets, view))  # would take the live one's buffers
    live.close()

    def cancelled_after_one():
        yield ets[0]
        raise KeyboardInterrupt  # as a cancel does, with the first read on its way

    with pytest.raises(KeyboardInterrupt):
        list(r.frames(cancelled_after_one(), view))
    # No pack buffer is left bound: it would turn the reads that follow into writes to it.
    r.canvas.set_current()
    assert gl.glGetParameter(0x88ED) == 0  # GL_PIXEL_PACK_BUFFER_BINDING
    assert np.array_equal(r.render(ets[1], view)[0][..., :3], expected[1])
    r.target._no_pack, r.target._pack = True, None  # no pack buffers (ES 2.0): read at once
    assert all(np.array_equal(a, b) for (a, _), b in zip(r.frames(ets, view), expected, strict=True))


def test_a_gl_that_exports_map_buffer_but_maps_nothing_reads_at_once(offscreen_factory, monkeypatch):
    """libGL exports glMapBufferRange whatever the context supports; where it maps nothing (a GL
    2.1 context) the pack buffers are given up when made, and frames are read at once."""
    from vispy.gloo import gl
    from vispy.gloo.gl import gl2

    r = offscreen_factory(DisplayOptions(), (120, 80))
    view = CameraIntent(mode="flyby", target="IO")
    ets = [to_et("2023-12-30T08:33:00") + 40.0 * i for i in range(3)]
    expected = [r.render(et, view)[0][..., :3] for et in ets]
    r.target._pack, r.target._no_pack = None, False
    real = gl2._get_gl_func

    def lookup(name, *args):
        return (lambda *a: None) if name == "glMapBufferRange" else real(name, *args)

    monkeypatch.setattr(gl2, "_get_gl_func", lookup)
    got = [rgb.copy() for rgb, _ in r.frames(ets, view)]
    assert r.target._no_pack and r.target._pack is None
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
    r.canvas.set_current()
    assert gl.glGetParameter(0x88ED) == 0  # the buffers made for the probe are gone, none bound


def test_the_frame_ring_is_overwritten_only_buffers_frames_later(offscreen_factory):
    r = offscreen_factory(DisplayOptions(), (64, 40))
    view = CameraIntent(mode="flyby", target="IO")
    ets = [to_et("2023-12-30T08:33:00") + 40.0 * i for i in range(7)]
    kept = [rgb for rgb, _ in r.frames(ets, view, buffers=3)]
    assert kept[0] is kept[3] and kept[1] is kept[4] and len({id(a) for a in kept}) == 3


def test_bodies_drawn_whole_for_the_gpu_to_cull_look_as_the_near_side_alone(offscreen_factory):
    """On a GPU the scene sends every face once and lets GL cull the far side; on software GL it
    sends the near side each frame (``meshes.Facing``). Both must give the same picture, also
    right after a frame that sent another near side (from Juno, Io turns under it as it passes)."""
    r = offscreen_factory(DisplayOptions(), (320, 200))
    view = CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=60.0)
    before, et = to_et("2023-12-30T08:33:00"), to_et("2023-12-30T08:40:00")
    r.scene.cull_on_cpu = True
    near_side = r.render(et, view)[0][..., :3].astype(int)
    r.render(before, view)
    r.scene.cull_on_cpu = False
    whole = r.render(et, view)[0][..., :3].astype(int)
    assert (near_side.max(axis=2) > 40).mean() > 0.02  # a body fills part of the frame (stars, shrunk, are faint here)
    assert np.array_equal(whole, near_side)
