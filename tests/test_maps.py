"""Maps on the bodies: the shipped real maps, and features landing where SPICE puts their coordinates.

A map pixel at latitude φ, east longitude λ must be drawn where ``srfrec`` (planetocentric maps)
or ``georec`` (planetographic maps) puts that surface point; the tests paint a small bright dot
at known coordinates on an otherwise black map and compare its rendered centroid with the
projection of SPICE's point, face-on where a latitude error moves it most.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import spiceypy
from conftest import IO_MAP
from PIL import Image

from perijove.ephemeris import Ephemeris, open_kernels, to_et
from perijove.model import CameraIntent, DisplayOptions

CA1 = "2023-12-30T08:36:00.8"
BARE = DisplayOptions(stars=False, trajectory=False, moon_orbits=False, labels=False, night_brightness=1.0)
# Features: (latitude, east longitude), degrees; ±45° where the old parametric mapping erred most,
# ±80° near the poles.
FEATURES = ((45.0, 30.0), (-45.0, 120.0), (80.0, 210.0), (-80.0, 300.0))


def dot_map(path, features, width: int = 4096, radius_deg: float = 1.0) -> None:
    """A black equirectangular map with a white dot (``radius_deg`` of arc) at each feature."""
    height = width // 2
    lon = np.radians((np.arange(width) + 0.5) / width * 360.0)
    lat = np.radians(90.0 - (np.arange(height) + 0.5) / height * 180.0)
    image = np.zeros((height, width), np.uint8)
    for flat, flon in features:
        p, q = math.radians(flat), math.radians(flon)
        cos_d = np.sin(lat)[:, None] * math.sin(p) + np.cos(lat)[:, None] * math.cos(p) * np.cos(lon[None, :] - q)
        image[cos_d > math.cos(math.radians(radius_deg))] = 255
    Image.fromarray(np.dstack([image] * 3)).save(path)


@pytest.fixture(scope="module")
def renderer_factory(offscreen_factory):
    return offscreen_factory


def _centroid(image: np.ndarray, near: np.ndarray, half: int = 24) -> np.ndarray:
    """Brightness-weighted centre (pixel coordinates, x right, y down) of the dot near ``near``."""
    x0, y0 = near.round().astype(int)
    box = image[y0 - half : y0 + half + 1, x0 - half : x0 + half + 1, :3].astype(float).mean(axis=2)
    assert box.max() > 60, f"no dot near {near}"
    w = np.clip(box - 0.3 * box.max(), 0, None)
    ys, xs = np.mgrid[-half : half + 1, -half : half + 1]
    return np.array([x0 + (w * xs).sum() / w.sum() + 0.5, y0 + (w * ys).sum() / w.sum() + 0.5])


def _surface_point(body: str, lat: float, lon: float, latitude: str) -> np.ndarray:
    if latitude == "planetographic":
        re, _, rp = spiceypy.bodvrd(body, "RADII", 3)[1]
        # georec(lon, lat, alt, re, f): the point whose surface normal has this latitude
        return np.asarray(spiceypy.georec(math.radians(lon), math.radians(lat), 0.0, re, (re - rp) / re))
    # srfrec(body, lon, lat): the surface point in this direction from the centre
    return np.asarray(spiceypy.srfrec(spiceypy.bodn2c(body), math.radians(lon), math.radians(lat)))


CASES = [
    ("JUPITER", "planetocentric", (600, 600), None),
    ("JUPITER", "planetographic", (600, 600), None),
    ("IO", "planetocentric", (1000, 1000), 7800.0),  # Io is nearly round: large, so 0.2° is 2 px
]


@pytest.mark.parametrize(("body", "latitude", "size", "distance"), CASES)
def test_map_features_land_where_spice_puts_them(renderer_factory, tmp_path, body, latitude, size, distance):
    path = tmp_path / "dots.png"
    dot_map(path, FEATURES)
    name = body.lower()
    display = BARE.with_(maps={name: str(path)})
    if latitude == "planetographic":
        display = display.with_(map_latitudes={name: latitude})
    r = renderer_factory(display, size)
    eph = r.scene.eph
    et = to_et(CA1)
    for lat, lon in FEATURES:
        fixed = _surface_point(body, lat, lon, latitude)
        centric_lat = math.degrees(math.asin(fixed[2] / np.linalg.norm(fixed)))
        view = CameraIntent(
            mode="bodyfixed", target=body, azimuth_deg=lon, elevation_deg=centric_lat, distance_km=distance, fov_deg=30
        )
        image, state = r.render(et, view)
        body_id = spiceypy.bodn2c(body)
        expected = state.pose.project(eph.body_rotation(body, et).T @ fixed + state.positions[body_id])
        measured = _centroid(image, expected)
        assert np.linalg.norm(measured - expected) < 1.0, f"{body} {latitude} ({lat}, {lon}): {measured} vs {expected}"


def test_shipped_maps_are_reduced_copies():
    from perijove.resources import asset_path

    shipped = (("io_usgs_4096.jpg", (4096, 2048), 3_000_000), ("jupiter_pia07782.jpg", (2048, 1024), 400_000))
    for name, size, most in shipped:
        path = asset_path("maps", name)
        assert path.is_file(), path
        assert path.stat().st_size < most
        with Image.open(path) as im:
            assert im.size == size and im.format == "JPEG"


def test_real_maps_are_the_defaults_and_procedural_an_option(monkeypatch):
    from perijove.render import textures

    monkeypatch.delenv("PERIJOVE_PROCEDURAL_MAPS", raising=False)
    io, jupiter = textures.default_map(501), textures.default_map(599)
    assert io.shape == (2048, 4096, 3) and jupiter.shape == (1024, 2048, 3)
    assert not np.array_equal(io[:1024:2, ::4][:, :1024], textures.io_map()[:512, :1024])
    assert np.array_equal(textures.default_map(501, procedural=True), textures.io_map())
    assert np.array_equal(textures.default_map(599, procedural=True), textures.jupiter_map())
    assert textures.default_map(502).shape[2] == 3  # the other moons keep their plain maps


def test_procedural_maps_on_request(monkeypatch):
    """``DisplayOptions.procedural_maps`` or PERIJOVE_PROCEDURAL_MAPS=1 give the generated maps back."""
    from perijove.render import textures
    from perijove.render.scene import Scene

    monkeypatch.delenv("PERIJOVE_PROCEDURAL_MAPS", raising=False)
    eph = Ephemeris(open_kernels())
    assert np.array_equal(Scene(eph)._map(501)[0], textures.default_map(501))
    assert np.array_equal(Scene(eph, DisplayOptions(procedural_maps=True))._map(501)[0], textures.io_map())
    monkeypatch.setenv("PERIJOVE_PROCEDURAL_MAPS", "1")
    image, latitude = Scene(eph)._map(599)
    assert np.array_equal(image, textures.jupiter_map()) and latitude == "planetocentric"


def test_jupiter_poles_are_blended_not_flat():
    """The Cassini map has no data poleward of about 82°: the procedural polar regions fill in."""
    from perijove.render import textures

    jupiter = textures.default_map(599).astype(float)
    rows = 90.0 - (np.arange(jupiter.shape[0]) + 0.5) / jupiter.shape[0] * 180.0
    with Image.open(textures.asset_path("maps", "jupiter_pia07782.jpg")) as im:
        real = np.asarray(im.convert("RGB"), dtype=float)
    assert real[rows < -83.0].std(axis=1).mean() < 1.0  # the map's own south cap: a flat fill
    for cap in (rows > 80.0, rows < -80.0):  # blended: structure (haze, the circumpolar cyclones)
        assert jupiter[cap].std(axis=1).mean() > max(5.0, real[cap].std(axis=1).mean() + 2.0)
    # Low latitudes are the Cassini map itself, rolled in longitude only.
    band = np.abs(rows) < 60.0
    shift = textures.JUPITER_MAP_SHIFT
    assert np.abs(jupiter[band] - np.roll(real, shift, axis=1)[band]).max() == 0


def test_jupiters_map_puts_the_great_red_spot_at_its_coordinates():
    from perijove.render import textures

    jupiter = textures.default_map(599).astype(int)
    lat, lon = textures.GREAT_RED_SPOT
    u, v = textures.lonlat_to_uv(lat, lon)
    y, x = int(v * jupiter.shape[0]), int(u * jupiter.shape[1])
    spot = jupiter[y - 4 : y + 5, x - 4 : x + 5]
    assert (spot[..., 0] - spot[..., 2]).mean() > 60  # red-orange


def test_load_map_keeps_the_decompression_bomb_guard(tmp_path):
    from perijove.render.textures import load_map

    before = Image.MAX_IMAGE_PIXELS
    path = tmp_path / "small.png"
    Image.fromarray(np.zeros((64, 128, 3), np.uint8)).save(path)
    assert load_map(path).shape == (64, 128, 3)
    assert before is not None
    assert before == Image.MAX_IMAGE_PIXELS


def _render(tmp_path, name: str, *extra: str) -> np.ndarray:
    out = tmp_path / f"{name}.png"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "perijove", "render", "--time", CA1, "--look-at", "io", "--from", "sun"),
            *("--size", "720x720", "--no-stars", "--no-trajectory", "--no-orbits", *extra, str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    return np.asarray(Image.open(out).convert("RGB"), dtype=float)


def _high_pass(image: np.ndarray) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    grey = image.mean(axis=2)
    return grey - gaussian_filter(grey, 3.0)


@pytest.mark.skipif(not IO_MAP.is_file(), reason="../shared/data/real is absent")
def test_default_io_carries_the_usgs_mosaics_detail(tmp_path):
    """``perijove render`` of Io's lit face: the default map's fine detail is the mosaic's."""
    from scipy.ndimage import binary_erosion

    default = _render(tmp_path, "default")
    mosaic = _render(tmp_path, "mosaic", "--map", f"io={IO_MAP}")
    disc = binary_erosion(mosaic.max(axis=2) > 20, iterations=12)  # the limb's edge is shared: leave it out
    assert disc.sum() > 0.25 * disc.size
    a, b = _high_pass(default)[disc], _high_pass(mosaic)[disc]
    corr = float(np.corrcoef(a, b)[0, 1])
    assert corr >= 0.6, corr


# -- user maps: checked, reduced once, cached; one texture replaced when one map changes -----------------


def _noise_map(path, width: int, height: int, seed: int = 1) -> np.ndarray:
    image = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    Image.fromarray(image).save(path)
    return image


def test_cached_map_equals_a_freshly_reduced_one(tmp_path, monkeypatch):
    from perijove.render import textures

    cache = tmp_path / "cache"
    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(cache))
    path = tmp_path / "big.png"
    _noise_map(path, 1200, 600)
    first = textures.load_map(path, max_width=512)  # decoded, reduced and stored
    (stored,) = cache.glob("map-*.npy")
    fresh = textures.reduce_map(path, 512)
    assert first.shape == (256, 512, 3) and np.array_equal(first, fresh)

    def no_decoding(*_args):
        raise AssertionError("the cached map was decoded again")

    monkeypatch.setattr(textures, "reduce_map", no_decoding)
    again = textures.load_map(path, max_width=512)  # read back from the cache, not decoded
    assert np.array_equal(again, fresh)
    monkeypatch.undo()
    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(cache))
    # The file changes: the cached copy is not reused.
    _noise_map(path, 1200, 600, seed=2)
    changed = textures.load_map(path, max_width=512)
    assert not np.array_equal(changed, fresh)
    assert np.array_equal(changed, textures.reduce_map(path, 512))
    assert len(list(cache.glob("map-*.npy"))) == 2 and stored.exists()
    # A damaged cache file is made again.
    stored_now = cache / textures.map_cache_name(path, 512)
    stored_now.write_bytes(stored_now.read_bytes()[:200])
    assert np.array_equal(textures.load_map(path, max_width=512), changed)


def test_the_map_cache_keeps_only_the_latest(tmp_path, monkeypatch):
    from perijove.render import textures

    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(textures, "MAP_CACHE_KEEP", 2)
    for i in range(4):
        path = tmp_path / f"m{i}.png"
        _noise_map(path, 64, 32, seed=i)
        textures.load_map(path, max_width=64)
    assert len(list((tmp_path / "cache").glob("map-*.npy"))) == 2


BAD_MAPS = {
    "text.png": (b"not an image at all", "not an image"),
    "square.png": (None, "not a global map"),
    "truncated.png": (b"TRUNCATE", "cannot read"),
    "huge.png": (None, "too big"),
    "tiny.png": (None, "too small"),  # 2 x 1 is twice as wide as high: the size is what is wrong
}


@pytest.mark.parametrize("name", sorted(BAD_MAPS))
def test_a_bad_map_is_one_line_and_the_bomb_guard_stays(tmp_path, monkeypatch, name):
    from perijove.render import textures

    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path / "cache"))
    before = Image.MAX_IMAGE_PIXELS
    path = tmp_path / name
    content, message = BAD_MAPS[name]
    if name == "square.png":
        _noise_map(path, 64, 64)
    elif name == "tiny.png":
        _noise_map(path, 2, 1)
    elif name == "huge.png":
        _noise_map(path, 128, 64)
        monkeypatch.setattr(textures, "MAP_MAX_PIXELS", 4096)
    elif content == b"TRUNCATE":
        _noise_map(path, 256, 128)
        path.write_bytes(path.read_bytes()[:2000])  # the header reads; the pixels do not
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError) as err:
        textures.load_map(path, max_width=256)
    assert message in str(err.value) and name in str(err.value) and "\n" not in str(err.value)
    assert before == Image.MAX_IMAGE_PIXELS  # never switched off for the whole process
    assert not list((tmp_path / "cache").glob("map-*.npy"))  # nothing cached for a bad file


def test_check_map_accepts_pixel_registered_global_maps(tmp_path):
    from perijove.render.textures import check_map_file

    for size in ((3601, 1801), (2048, 1024), (16, 8)):
        path = tmp_path / f"{size[0]}.png"
        Image.new("RGB", size).save(path)
        assert check_map_file(path) == size


def test_a_changed_map_replaces_only_its_texture(renderer_factory, tmp_path):
    """One map changing gives that body a new texture; every other GL resource is kept."""
    red = tmp_path / "red.png"
    Image.new("RGB", (256, 128), (230, 20, 20)).save(red)
    r = renderer_factory(BARE.with_(procedural_maps=True), (300, 300))
    scene = r.scene
    view = CameraIntent(mode="orbit", target="IO", azimuth_deg=0.0, elevation_deg=0.0, distance_km=8000.0)
    et = to_et(CA1)
    before, _ = r.render(et, view)
    gl = scene._gl
    ids = {b: tex.id for b, (tex, _lat) in scene._textures.items()}
    programs = {b: prog.id for b, (prog, _levels) in gl["bodies"].items()}
    io_levels = gl["bodies"][501][1]
    kept = [gl["spacecraft"][0].id, gl["line"].id, gl["points"].id]
    scene.set_display(scene.display.with_(maps={"io": str(red)}))
    after, _ = r.render(et, view)
    assert scene._gl is gl  # not thrown away
    assert scene._textures[501][0].id != ids[501]
    assert {b: t.id for b, (t, _lat) in scene._textures.items() if b != 501} == {
        b: i for b, i in ids.items() if b != 501
    }
    assert {b: prog.id for b, (prog, _levels) in gl["bodies"].items()} == programs
    assert gl["bodies"][501][1] is io_levels  # same latitude convention: the meshes stay
    assert [gl["spacecraft"][0].id, gl["line"].id, gl["points"].id] == kept
    centre = after[140:160, 140:160, :3].reshape(-1, 3).astype(float).mean(axis=0)
    was = before[140:160, 140:160, :3].reshape(-1, 3).astype(float).mean(axis=0)
    assert centre[0] > 2.5 * max(centre[1], centre[2]) and not was[0] > 2.5 * max(was[1], was[2])
    # A new latitude convention rebuilds that body's meshes too; the others are untouched.
    jupiter_levels = gl["bodies"][599][1]
    scene.set_display(scene.display.with_(map_latitudes={"io": "planetographic"}))
    r.render(et, view)
    assert gl["bodies"][501][1] is not io_levels and gl["bodies"][599][1] is jupiter_levels


def test_the_texture_limit_is_the_gpus(renderer_factory, monkeypatch):
    """A GPU that allows fewer texels than a map has gets the map reduced to fit, not an error."""
    from vispy.gloo import gl

    from perijove.render import textures

    r = renderer_factory(BARE, (64, 64))
    r.render(to_et(CA1), CameraIntent(mode="orbit", target="IO", distance_km=8000.0))
    r.canvas.set_current()
    assert textures.gpu_texture_limit() == int(gl.glGetParameter(gl.GL_MAX_TEXTURE_SIZE)) >= 4096
    assert r.scene._textures[501][0].shape[:2] == (2048, 4096)  # the shipped Io map, whole
    monkeypatch.setattr(textures, "_gpu_texture_limit", 1024)  # a small GPU
    small = renderer_factory(BARE, (64, 64))
    small.render(to_et(CA1), CameraIntent(mode="orbit", target="IO", distance_km=8000.0))
    assert small.scene._textures[501][0].shape[:2] == (512, 1024)
    assert textures.map_width_limit() == 1024


def test_stored_maps_are_checked_and_a_missing_file_is_dropped_with_a_note(tmp_path):
    from perijove.model.settings import StoredState, map_state, read_settings, write_settings

    present = tmp_path / "io.png"
    Image.new("RGB", (64, 32)).save(present)
    display = DisplayOptions(
        maps={"io": str(present), "jupiter": "/fetched/PIA07782.jpg", "europa": str(tmp_path / "gone.png")},
        map_latitudes={"europa": "planetographic"},
    )
    mine = map_state(display, fetched={"jupiter": "/fetched/PIA07782.jpg"})
    assert mine == {"io": (str(present), "planetocentric"), "europa": (str(tmp_path / "gone.png"), "planetographic")}
    raw = write_settings(StoredState(maps=mine))
    state, dropped = read_settings(raw)
    assert dropped == [] and state.maps == {"io": (str(present), "planetocentric")}
    assert len(state.notes) == 1 and "Europa map" in state.notes[0] and "gone.png" in state.notes[0]
    for bad in ('{"titan": {"path": "x.png"}}', '{"io": "x.png"}', '{"io": {"path": "x", "latitude": "up"}}', "[1]"):
        state, dropped = read_settings({"maps": bad})
        assert dropped == ["maps"] and state.maps == {}


def test_map_bodies_are_the_scenes():
    from perijove.ephemeris import display_name
    from perijove.model.display import MAP_BODIES
    from perijove.render.scene import BODIES

    assert tuple(display_name(b).lower() for b in BODIES) == MAP_BODIES


def test_a_map_drawn_small_is_filtered_not_aliased(renderer_factory, tmp_path):
    """A map of one-texel black and white squares on a small Io: an even grey (mipmaps), not the
    speckle of texels picked one in many, which shimmers as the clock moves."""
    board = ((np.indices((1024, 2048)).sum(axis=0) % 2) * 255).astype(np.uint8)
    path = tmp_path / "board.png"
    Image.fromarray(np.dstack([board] * 3)).save(path)
    r = renderer_factory(BARE.with_(maps={"io": str(path)}), (240, 240))
    image, state = r.render(to_et(CA1), CameraIntent(mode="orbit", target="IO", distance_km=20000.0))
    x, y = state.pixel(501).round().astype(int)
    box = image[y - 12 : y + 13, x - 12 : x + 13, :3].astype(float).mean(axis=2)
    assert box.mean() > 40  # lit, not black
    steps = np.abs(np.diff(box, axis=0)).mean() + np.abs(np.diff(box, axis=1)).mean()
    assert steps < 10, steps  # neighbouring pixels alike: the texels are averaged


def test_shipped_maps_are_prepared_once_and_read_back(tmp_path, monkeypatch):
    """Io's and Jupiter's shipped maps: decoded (Jupiter also rolled and pole-blended) at the first
    start, read back as arrays after; a damaged or stale copy is prepared again."""
    from perijove.render import textures

    cache = tmp_path / "cache"
    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(cache))
    for fn in (textures.real_io_map, textures.real_jupiter_map):
        fn.cache_clear()
    io, jupiter = textures.real_io_map(), textures.real_jupiter_map()
    assert np.array_equal(io, textures._read_rgb(textures.asset_path("maps", textures.IO_MAP_FILE)))
    prepared = textures._prepare_jupiter(textures._read_rgb(textures.asset_path("maps", textures.JUPITER_MAP_FILE)))
    assert np.array_equal(jupiter, prepared)
    stored = sorted(cache.glob("shipped-*.npy"))
    assert [p.name.split("-")[1] for p in stored] == ["io", "jupiter"]

    def no_decoding(*_args):
        raise AssertionError("a shipped map was decoded again")

    monkeypatch.setattr(textures, "_read_rgb", no_decoding)
    for fn in (textures.real_io_map, textures.real_jupiter_map):
        fn.cache_clear()
    assert np.array_equal(textures.real_io_map(), io) and np.array_equal(textures.real_jupiter_map(), jupiter)
    monkeypatch.undo()
    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(cache))
    stored[0].write_bytes(stored[0].read_bytes()[:300])  # damaged: prepared again
    textures.real_io_map.cache_clear()
    assert np.array_equal(textures.real_io_map(), io)
    for fn in (textures.real_io_map, textures.real_jupiter_map):
        fn.cache_clear()  # the next user of the maps reads them from the session's own cache


def test_the_plain_moon_maps_are_made_once_and_read_back(tmp_path, monkeypatch):
    """Europa's, Ganymede's and Callisto's generated maps come from the render cache after the first
    start: the window's first frame neither computes their noise nor imports numpy.random for it."""
    from perijove.render import textures

    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path / "cache"))
    textures.plain_map.cache_clear()
    made = {b: textures.default_map(b) for b in (502, 503, 504)}
    assert len(list((tmp_path / "cache").glob("plain-*.png"))) == 3

    def no_noise(*_args):
        raise AssertionError("a plain map was generated again")

    monkeypatch.setattr(textures, "_periodic_noise", no_noise)
    textures.plain_map.cache_clear()
    for body, image in made.items():
        assert np.array_equal(textures.default_map(body), image)
    monkeypatch.undo()
    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path / "cache"))
    textures.plain_map.cache_clear()
    assert np.array_equal(textures.make_plain_map(textures.MOON_COLOURS[502]), made[502])  # generated alike
    textures.plain_map.cache_clear()
