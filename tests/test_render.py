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
def renderer_factory():
    from perijove.render.offscreen import OffscreenRenderer

    made = []

    def make(display: DisplayOptions = BARE, size=SIZE):
        eph = Ephemeris(open_kernels())
        r = OffscreenRenderer(eph, size, display)
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

    r = renderer_factory()
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
        DisplayOptions(stars=False, trajectory=False, moon_orbits=False, maps={"io": str(flat)}), size=(600, 600)
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

    Image.MAX_IMAGE_PIXELS = None
    with Image.open(IO_MAP) as im:
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
