"""Body labels: shown only for bodies that can be seen, never overlapping, never cut by the frame."""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from perijove.ephemeris import Ephemeris, open_kernels, to_et
from perijove.model import CameraIntent, DisplayOptions
from perijove.render.labels import Label, layout, occluded, sight_blocked

CA1 = "2023-12-30T08:36:00.8"
SIZE = (480, 360)


def _extent(text: str) -> tuple[int, int]:
    return 8 * len(text), 14


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_layout_never_overlaps_and_drops_the_less_important():
    rng = np.random.default_rng(3)
    for _ in range(50):
        labels = [
            Label(f"body{i}", tuple(rng.uniform(0, 200, 2)), float(rng.uniform(0, 30)), float(rng.uniform(0, 3)))
            for i in range(12)
        ]
        placed = layout(labels, (200, 150), _extent)
        boxes = [p.box for p in placed]
        assert all(not _overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
        assert all(b[0] >= 0 and b[2] <= 200 and b[1] >= 0 and b[3] <= 150 for b in boxes)
    crowd = [Label("minor", (100.0, 80.0), 0.0, 1.0), Label("major", (100.0, 80.0), 0.0, 3.0)]
    crowd += [Label(f"m{i}", (100.0, 80.0), 0.0, 2.0) for i in range(6)]
    texts = [p.text for p in layout(crowd, (200, 150), _extent)]
    assert texts[0] == "major" and "minor" not in texts  # four corners: the least important is dropped


def test_label_at_the_frame_edge_is_shifted_inside():
    placed = layout([Label("Ganymede", (478.0, 2.0), 5.0, 1.0)], SIZE, _extent)
    (box,) = [p.box for p in placed]
    assert box[2] <= SIZE[0] and box[1] >= 0 and box[0] >= 0 and box[3] <= SIZE[1]
    assert layout([Label("far", (900.0, 100.0), 5.0, 1.0)], SIZE, _extent) == []  # off the frame: none


def test_occlusion_by_an_ellipsoid():
    sphere = [(np.zeros(3), np.eye(3) / 10.0)]
    assert occluded(np.array([0, 0, 100.0]), np.array([0, 0, -50.0]), sphere)  # straight behind it
    assert not occluded(np.array([0, 0, 100.0]), np.array([0, 11.0, -50.0]), [(np.zeros(3), np.eye(3) / 5.0)])
    assert not occluded(np.array([0, 0, 100.0]), np.array([0, 0, 50.0]), sphere)  # in front of it
    assert occluded(np.array([0, 0, 1.0]), np.array([0, 0, 50.0]), sphere)  # the eye is inside


def test_every_label_against_every_body_at_once_leaves_out_the_skipped_pairs():
    """A moon's label (its centre) is not hidden by the moon itself, but is by a planet in front of it;
    an oblate body hides by its own radii, not by a sphere's."""
    eye = np.array([0.0, 0.0, 1000.0])
    centres = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, -500.0], [300.0, 0.0, 0.0]])
    to_units = np.array([np.eye(3) / 100.0, np.eye(3) / 10.0, np.diag([1 / 5.0, 1 / 50.0, 1 / 5.0])])
    points = np.array([[0.0, 0.0, -500.0], [0.0, 200.0, -500.0], [600.0, 80.0, -1000.0], [300.0, 0.0, 500.0]])
    # Sight lines: to the far moon straight behind the planet; 200 km off that axis (132 km from
    # the planet's centre at its closest, clear of its 100 km); through the oblate body's 50 km
    # extent in y, 40 km off its centre (a 5 km sphere would let it pass); a point in front of all.
    skip = np.zeros((4, 3), bool)
    skip[0, 1] = skip[1, 1] = True  # the moon's own label
    assert sight_blocked(eye, points, centres, to_units, skip).tolist() == [True, False, True, False]
    skip[0, 0] = True  # the planet left out too: nothing else is in the way
    assert not sight_blocked(eye, points[:1], centres, to_units, skip[:1])[0]
    inside = eye + np.array([0.0, 0.0, 0.5])
    assert sight_blocked(inside, points, np.array([inside]), np.eye(3)[None]).all()  # the eye inside a body


@pytest.fixture(scope="module")
def renderers():
    from perijove.render.offscreen import OffscreenRenderer

    eph = Ephemeris(open_kernels())
    on = OffscreenRenderer(eph, SIZE, DisplayOptions(stars=False, trajectory=False, moon_orbits=False))
    off = OffscreenRenderer(eph, SIZE, DisplayOptions(stars=False, trajectory=False, moon_orbits=False, labels=False))
    yield on, off
    on.close()
    off.close()


def _text_pixels(renderers, et, view):
    on, off = renderers
    a, state = on.render(et, view)
    b, _ = off.render(et, view)
    return np.abs(a[:, :, :3].astype(int) - b[:, :, :3].astype(int)).max(axis=2) > 40, state, on.scene


def _io_behind_and_beside(eph, et):
    """Camera directions from Jupiter (az, el) that put Io exactly behind Jupiter, and well beside it."""
    io = eph.position("IO", et, "JUPITER")
    away = -io / np.linalg.norm(io)
    az, el = math.degrees(math.atan2(away[1], away[0])), math.degrees(math.asin(away[2]))
    return (az, el), (az + 90.0, el)


def test_io_behind_jupiter_has_no_label(renderers):
    et = to_et(CA1)
    behind, beside = _io_behind_and_beside(renderers[0].scene.eph, et)
    for (az, el), hidden in ((behind, True), (beside, False)):
        view = CameraIntent(mode="orbit", target="JUPITER", distance_km=2.5e6, azimuth_deg=az, elevation_deg=el)
        text, state, scene = _text_pixels(renderers, et, view)
        texts = [p.text for p in scene.label_layout(state)]
        assert ("Io" in texts) is not hidden
        if hidden:  # Io's centre projects onto Jupiter's disc: no "Io" printed beside it
            assert np.hypot(*(state.pixel(501) - state.pixel(599))) < 0.5
            io_box = [p.box for p in scene.label_layout(state) if p.text == "Io"]
            assert io_box == []
        (jupiter,) = [p.box for p in scene.label_layout(state) if p.text == "Jupiter"]
        x0, y0, x1, y1 = (int(v) for v in jupiter)
        assert text[y0:y1, x0:x1].sum() > 20  # the labels that are shown are drawn where laid out
        outside = text.copy()
        for p in scene.label_layout(state):
            bx0, by0, bx1, by1 = (int(v) for v in p.box)
            outside[by0 - 1 : by1 + 2, bx0 - 1 : bx1 + 2] = False
        assert outside.sum() == 0  # and nothing else is


def test_no_spacecraft_label_in_the_view_from_the_spacecraft(renderers):
    et = to_et(CA1)
    on, _ = renderers
    from_juno = on.scene.frame_state(et, CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=70), SIZE)
    assert "Juno" not in [p.text for p in on.scene.label_layout(from_juno)]
    near = on.scene.frame_state(et, CameraIntent(mode="orbit", target="IO", distance_km=60000), SIZE)
    assert "Juno" in [p.text for p in on.scene.label_layout(near)]


def test_labels_are_never_cut_by_the_frame(renderers):
    """Io just inside the right edge: its label is pushed left, whole, inside the frame."""
    et = to_et(CA1)
    on, _ = renderers
    eph = on.scene.eph
    io = eph.position("IO", et, "JUPITER")
    pole = eph.body_rotation("JUPITER", et)[2]
    views = []
    for sign in (1.0, -1.0):  # looking at Jupiter square to Io's direction, Io is off to one side
        eye = sign * np.cross(pole, io / np.linalg.norm(io))
        eye /= np.linalg.norm(eye)
        az, el = math.degrees(math.atan2(eye[1], eye[0])), math.degrees(math.asin(eye[2]))
        views.append(CameraIntent(mode="orbit", target="JUPITER", distance_km=1e6, azimuth_deg=az, elevation_deg=el))
    view = max(views, key=lambda v: on.scene.frame_state(et, v, SIZE).pixel(501)[0])
    for distance in np.linspace(0.9e6, 1.2e6, 61):  # slide Io to within a few pixels of the right edge
        view = dataclasses.replace(view, distance_km=float(distance))
        if SIZE[0] - 8 < on.scene.frame_state(et, view, SIZE).pixel(501)[0] < SIZE[0] - 2:
            break
    text, state, scene = _text_pixels(renderers, et, view)
    assert SIZE[0] - 8 < state.pixel(501)[0] < SIZE[0] - 2
    (io_box,) = [p.box for p in scene.label_layout(state) if p.text == "Io"]
    assert io_box[2] <= SIZE[0] - 1 and io_box[0] < state.pixel(501)[0]  # shifted left, whole
    assert text[:, int(io_box[0]) : int(io_box[2]) + 1].sum() > 10  # and drawn there
    assert text[:, -2:].sum() == 0  # nothing drawn in the last columns: no label runs off the frame


def test_label_text_is_the_same_whatever_fonts_the_system_has(tmp_path):
    """The shipped font draws labels; hiding every system font (empty fontconfig) changes no pixel."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig></fontconfig>')
    script = (
        "import sys, numpy as np\n"
        "from perijove.ephemeris import Ephemeris, open_kernels, to_et\n"
        "from perijove.model import CameraIntent, DisplayOptions\n"
        "from perijove.render.offscreen import OffscreenRenderer\n"
        "r = OffscreenRenderer(Ephemeris(open_kernels()), (320, 200), DisplayOptions(stars=False, moon_orbits=False))\n"
        f"img, _ = r.render(to_et('{CA1}'), CameraIntent(mode='orbit', target='IO', distance_km=60000))\n"
        "np.save(sys.argv[1], img)\n"
    )
    frames = []
    for name, extra in (("system", {}), ("bare", {"FONTCONFIG_FILE": str(config)})):
        out = tmp_path / f"{name}.npy"
        env = {**os.environ, **extra}
        subprocess.run([sys.executable, "-c", script, str(out)], env=env, check=True, timeout=300)
        frames.append(np.load(out))
    assert np.array_equal(frames[0], frames[1])


def test_cli_render_no_labels(tmp_path):
    from PIL import Image

    frames = []
    for extra in ([], ["--no-labels"]):
        out = tmp_path / f"frame{len(frames)}.png"
        cmd = [sys.executable, "-m", "perijove", "render", "--time", CA1, "--look-at", "io", "--from", "juno"]
        cmd += ["--distance", "60000", "--size", "320x240", "--no-stars", *extra, str(out)]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        frames.append(np.asarray(Image.open(out)).astype(int))
    changed = np.abs(frames[0] - frames[1]).max(axis=2) > 40
    assert changed.sum() > 20  # the labels went, ...
    assert changed.mean() < 0.03  # ... and only they


def test_overlay_text_is_the_same_whatever_fonts_the_system_has(tmp_path):
    """The movie overlay draws with the shipped font: hiding the system's fonts changes no pixel."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig></fontconfig>')
    empty = tmp_path / "nothing"
    empty.mkdir()
    script = (
        "import sys, numpy as np\n"
        "from perijove.export.overlay import Overlay, _primary\n"
        "from perijove.render.labels import font_path\n"
        "assert _primary() == str(font_path()), _primary()\n"
        "values = {'utc': '2023-12-30 08:36:00.800', 'target': 'IO', 'distance_km': 1512.0, 'altitude_km': 1500.0}\n"
        "img = Overlay(title='Perijove 57 — Ио').draw(np.zeros((120, 320, 3), np.uint8), values)\n"
        "np.save(sys.argv[1], img)\n"
    )
    frames = []
    hidden = {"FONTCONFIG_FILE": str(config), "XDG_DATA_DIRS": str(empty), "XDG_DATA_HOME": str(empty)}
    for name, extra in (("system", {}), ("bare", hidden)):
        out = tmp_path / f"{name}.npy"
        subprocess.run([sys.executable, "-c", script, str(out)], env={**os.environ, **extra}, check=True, timeout=120)
        frames.append(np.load(out))
    assert frames[0].any() and np.array_equal(frames[0], frames[1])


def test_labels_keep_clear_of_the_window_hud():
    """The window's HUD (a Qt box over the top-left of the view) covered labels under it: "Target Io"
    printed over "Juno". Boxes to keep clear push a label to its next corner, or drop it."""
    io = Label("Io", (100.0, 100.0), 10.0, 1.0)
    (free,) = layout([io], SIZE, _extent)
    hud = (0.0, 0.0, free.box[2] + 5, free.box[3] + 5)  # over the first choice, up and to the right
    (moved,) = layout([io], SIZE, _extent, keep_clear=[hud])
    assert not _overlap(moved.box, hud) and moved.box != free.box
    everywhere = (0.0, 0.0, float(SIZE[0]), float(SIZE[1]))
    assert layout([io], SIZE, _extent, keep_clear=[everywhere]) == []
