"""Global maps of the bodies: the real maps shipped in ``assets/maps``, procedural ones, or the user's.

Every map is equirectangular with east longitude 0° at the left edge increasing to the right and
north at the top, the layout of the USGS Io mosaic and of NASA/JPL's Cassini map of Jupiter. Rows
are planetocentric latitude unless a user's map is declared planetographic
(``DisplayOptions.map_latitudes``; JunoCam's PDS map products are, for one): the mesh
(``meshes.ellipsoid``) places each row where SPICE puts that latitude, so features land where
``srfrec``/``georec`` say. The real maps are the defaults for Io and Jupiter; the procedural maps
(real features at their real coordinates, for checking orientation) cover the other moons and are
an option everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from perijove.model.display import MAP_LATITUDES as MAP_LATITUDES  # one list, shared with the settings checks
from perijove.resources import asset_path

# Io's volcanic centres: name -> (planetocentric latitude, west longitude), degrees.
IO_VOLCANOES: dict[str, tuple[float, float]] = {
    "Pele": (-18.7, 255.3),
    "Loki": (13.0, 309.0),
    "Prometheus": (-1.5, 153.0),
    "Tvashtar": (63.0, 124.0),
    "Amirani": (24.0, 115.0),
    "Masubi": (-45.0, 56.0),
    "Marduk": (-28.0, 210.0),
    "Culann": (-20.0, 160.0),
    "Zamama": (18.0, 173.0),
    "Ra Patera": (-8.0, 325.0),
    "Kanehekili": (-18.0, 37.0),
    "Babbar Patera": (-40.0, 272.0),
}

# Jupiter's bands: (south edge, north edge) planetographic latitude, colour (belts darker).
_ZONE = (0.92, 0.87, 0.76)
_BELT = (0.66, 0.49, 0.36)
JUPITER_BANDS = [
    (-90, -60, (0.58, 0.56, 0.54)),
    (-60, -39, (0.72, 0.66, 0.58)),
    (-39, -33, _BELT),
    (-33, -26, _ZONE),
    (-26, -19, (0.62, 0.47, 0.36)),  # south temperate belt
    (-19, -8, _BELT),  # south equatorial belt (the GRS sits at its southern edge)
    (-8, 7, (0.95, 0.90, 0.80)),  # equatorial zone
    (7, 18, (0.60, 0.42, 0.30)),  # north equatorial belt
    (18, 24, _ZONE),  # north tropical zone
    (24, 31, (0.64, 0.50, 0.40)),  # north temperate belt
    (31, 35, _ZONE),
    (35, 40, (0.70, 0.58, 0.48)),
    (40, 60, (0.74, 0.68, 0.60)),
    (60, 90, (0.58, 0.56, 0.54)),
]
GREAT_RED_SPOT = (-19.7, 300.0)  # planetocentric latitude (22.3° S planetographic), east longitude (System III, 2023)


def lonlat_grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """East longitude and latitude (degrees) of each texel centre."""
    lon = ((np.arange(width) + 0.5) / width * 360.0).astype(np.float32)
    lat = (90.0 - (np.arange(height) + 0.5) / height * 180.0).astype(np.float32)
    return np.meshgrid(lon, lat)  # float32: maps are 8-bit in the end


def lonlat_to_uv(lat_deg: float, east_lon_deg: float) -> tuple[float, float]:
    """Map coordinates (u right, v down, both 0..1) of a surface point."""
    return (east_lon_deg % 360.0) / 360.0, (90.0 - lat_deg) / 180.0


def _periodic_noise(lon: np.ndarray, lat: np.ndarray, rng: np.random.Generator, terms: int, kmax: int) -> np.ndarray:
    """Smooth noise, periodic in longitude: a sum of random plane waves on the sphere.

    ``lon`` and ``lat`` are the meshgrid of ``lonlat_grid``; each wave
    sin(k lon + m lat + p) splits into products of a row and a column factor,
    so the whole sum is one matrix product.
    """
    lam = np.radians(lon[0])  # (W,)
    phi = np.radians(lat[:, 0])  # (H,)
    k = rng.integers(1, kmax + 1, terms)
    m = rng.uniform(0.5, kmax, terms)
    p = rng.uniform(0, 2 * np.pi, terms)
    w = 1.0 / np.sqrt(k + m)
    rows = np.hstack([np.cos(np.outer(phi, m) + p) * w, np.sin(np.outer(phi, m) + p) * w])  # (H, 2T)
    cols = np.vstack([np.sin(np.outer(k, lam)), np.cos(np.outer(k, lam))])  # (2T, W)
    return ((rows @ cols) / np.sqrt(terms)).astype(np.float32)


# Bump when a generator's output changes, so stale cached maps are never used.
PROCEDURAL_VERSION = 2


def _disk_cached(name: str, make, width: int, height: int) -> np.ndarray:
    """A generated map from the render cache, or made once and kept there.

    Making a map takes most of a second of numpy (and BLAS) work; the window once did it on a
    thread while Qt started, and a fork from Qt's D-Bus thread during that BLAS work could
    deadlock start-up. Cached, a map is one PNG decode. The window still decodes the maps on a
    thread while Qt's modules import (``ui/app.py``), but joins it before Qt starts any thread,
    and child processes are spawned, never forked.
    """
    from PIL import Image

    from perijove.render.diskcache import load_or_make

    def read(path):
        with Image.open(path) as im:
            image = np.asarray(im.convert("RGB"), dtype=np.uint8)
        return image if image.shape == (height, width, 3) else None

    def write(image, handle) -> None:
        Image.fromarray(image).save(handle, format="PNG")

    return load_or_make(f"{name}-{width}x{height}-v{PROCEDURAL_VERSION}.png", lambda: make(width, height), read, write)


@lru_cache(maxsize=4)
def jupiter_map(width: int = 2048, height: int = 1024) -> np.ndarray:
    """Procedural Jupiter (cached on disk after the first use)."""
    return _disk_cached("jupiter", make_jupiter_map, width, height)


@lru_cache(maxsize=4)
def io_map(width: int = 2048, height: int = 1024) -> np.ndarray:
    """Procedural Io (cached on disk after the first use)."""
    return _disk_cached("io", make_io_map, width, height)


def make_jupiter_map(width: int = 2048, height: int = 1024) -> np.ndarray:
    """Procedural Jupiter: belts and zones at their latitudes, turbulence, the Great Red Spot."""
    rng = np.random.default_rng(599)
    lon, lat = lonlat_grid(width, height)
    wobble = 1.2 * _periodic_noise(lon, lat, rng, 40, 24)
    # Map rows are planetocentric; the bands are catalogued in planetographic latitude.
    rows = lat[:, :1]  # latitude varies by row only: compute per row, broadcast across
    graphic = np.degrees(np.arctan(np.tan(np.radians(np.clip(rows, -89.9, 89.9))) * (71492.0 / 66854.0) ** 2))
    lat_w = graphic + wobble
    img = np.zeros((height, width, 3), np.float32)
    for south, north, colour in JUPITER_BANDS:
        inside = (lat_w >= south) & (lat_w < north)
        img[inside] = colour
    streaks = _periodic_noise(lon, lat * 6.0, rng, 60, 40)
    img *= (1.0 + 0.06 * streaks)[..., None]
    # Polar regions: no bands but mottled, bluish turbulence and Juno's circumpolar cyclones
    # (eight around the north pole near 83°N, five around the south pole near 84°S).
    polar = np.clip((np.abs(rows) - 47.0) / 16.0, 0.0, 1.0)[..., None] ** 0.7
    mottle = _periodic_noise(lon, lat * 3.0, rng, 90, 90)
    storms = np.array([0.50, 0.52, 0.56], np.float32) * (1.0 + 0.22 * mottle)[..., None]
    img = img * (1 - polar) + storms * polar
    for pole_lat, count, phase in ((83.0, 8, 20.0), (-84.0, 5, 60.0)):
        near = np.abs(lat[:, 0] - pole_lat) < 6.0
        clat = np.cos(np.radians(lat[near]))
        for k in range(count):
            clon = phase + 360.0 * k / count
            dx = ((lon[near] - clon + 180.0) % 360.0 - 180.0) * clat
            d = np.hypot(dx, lat[near] - pole_lat)
            swirl = np.cos(d * 1.6 + np.arctan2(lat[near] - pole_lat, dx) * 2.0)
            cyclone = np.exp(-((d / 2.2) ** 2))[..., None]
            tint = np.array([0.72, 0.70, 0.66], np.float32) * (1.0 + 0.18 * swirl)[..., None]
            img[near] = img[near] * (1 - cyclone) + tint * cyclone
    # Great Red Spot: an ellipse about 16° by 10° with a paler rim (only nearby rows change).
    glat, glon = GREAT_RED_SPOT
    rows = np.abs(lat[:, 0] - glat) < 12.0
    dlon = (lon[rows] - glon + 180.0) % 360.0 - 180.0
    r = np.hypot(dlon / 8.0, (lat[rows] - glat) / 5.0)
    spot = np.clip(1.2 - r, 0.0, 1.0)[..., None]
    band = img[rows] * (1 - spot) + spot * np.array([0.78, 0.38, 0.26])
    rim = np.exp(-(((r - 1.15) / 0.12) ** 2))[..., None] * 0.5
    img[rows] = band * (1 - rim) + rim * np.array([0.95, 0.90, 0.82])
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def make_io_map(width: int = 2048, height: int = 1024) -> np.ndarray:
    """Procedural Io: sulphur plains, reddish poles, dark volcanic centres at their coordinates."""
    rng = np.random.default_rng(501)
    lon, lat = lonlat_grid(width, height)
    # Plains: sulphur yellow, with regions of white SO2 frost and orange-brown deposits.
    yellow = np.array([0.86, 0.80, 0.46], np.float32)
    frost = np.array([0.93, 0.91, 0.80], np.float32)
    rust = np.array([0.80, 0.52, 0.28], np.float32)
    n = _periodic_noise(lon, lat, rng, 50, 30)
    w_frost = np.clip(1.6 * _periodic_noise(lon, lat, rng, 30, 6), 0, 1)[..., None]
    w_rust = np.clip(1.4 * _periodic_noise(lon, lat, rng, 30, 9) - 0.2, 0, 1)[..., None] * 0.7
    img = yellow * (1.0 + 0.10 * n)[..., None]
    img = img * (1 - w_frost) + frost * w_frost
    img = img * (1 - w_rust) + rust * w_rust
    pole = np.clip((np.abs(lat[:, :1]) - 45.0) / 35.0, 0, 1)[..., None]
    img = img * (1 - 0.6 * pole) + 0.6 * pole * np.array([0.62, 0.45, 0.32], np.float32)
    img = img.astype(np.float32)
    # Io has hundreds of paterae: scatter small dark ones (seeded, so the map never changes),
    # some with a red or bright ring of plume deposits.
    h, w = lat.shape
    for _ in range(90):
        plat = float(np.degrees(np.arcsin(rng.uniform(-0.9, 0.9))))
        plon = float(rng.uniform(0, 360))
        size = float(rng.uniform(0.4, 1.3))
        reach = 4.0 * size + 1.0  # degrees of arc that can change
        r0, r1 = (int(np.clip((90.0 - plat - s) / 180.0 * h, 0, h)) for s in (reach, -reach))
        half = int(reach / max(np.cos(np.radians(plat)), 0.2) / 360.0 * w) + 1
        cols = np.arange(int(plon / 360.0 * w) - half, int(plon / 360.0 * w) + half + 1) % w
        blat, blon = lat[r0:r1][:, cols], lon[r0:r1][:, cols]
        dlon = ((blon - plon + 180.0) % 360.0 - 180.0) * np.cos(np.radians(blat))
        d = np.hypot(dlon, blat - plat)
        band = img[r0:r1][:, cols]
        if rng.uniform() < 0.12:
            ring_colour = np.array([0.75, 0.35, 0.20] if rng.uniform() < 0.5 else [0.95, 0.94, 0.88], np.float32)
            ring = np.exp(-(((d - 3.0 * size) / (0.8 * size)) ** 2))[..., None] * 0.4
            band = band * (1 - ring) + ring * ring_colour
        dark = np.exp(-((d / size) ** 2))[..., None] * 0.85
        block = band * (1 - dark) + dark * np.array([0.12, 0.10, 0.08], np.float32)
        img[r0:r1, cols] = block
    for name, (vlat, vwest) in IO_VOLCANOES.items():
        # Only rows within 25° of the centre can be touched: work on that band.
        rows = np.abs(lat[:, 0] - vlat) < 25.0
        blat, blon = lat[rows], lon[rows]
        band = img[rows]
        vlon = (360.0 - vwest) % 360.0
        dlon = ((blon - vlon + 180.0) % 360.0 - 180.0) * np.cos(np.radians(blat))
        d = np.hypot(dlon, blat - vlat).astype(np.float32)  # degrees of arc, roughly
        if name == "Pele":  # the great red plume-deposit ring, ~1,200 km across
            ring = np.exp(-(((d - 12.0) / 3.5) ** 2))[..., None] * 0.7
            band = band * (1 - ring) + ring * np.array([0.72, 0.30, 0.18], np.float32)
        if name == "Prometheus":
            ring = np.exp(-(((d - 5.0) / 1.5) ** 2))[..., None] * 0.5
            band = band * (1 - ring) + ring * np.array([0.95, 0.93, 0.85], np.float32)
        size = 4.0 if name == "Loki" else 2.2
        dark = np.exp(-((d / size) ** 2))[..., None] * 0.9
        img[rows] = band * (1 - dark) + dark * np.array([0.10, 0.08, 0.07], np.float32)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


@lru_cache(maxsize=4)
def plain_map(rgb: tuple[float, float, float], width: int = 256, height: int = 128) -> np.ndarray:
    """A uniform map (the other moons, or tests that need uniform albedo), cached on disk after the
    first use: made, it costs the window's first frame its noise and numpy.random's import."""
    name = "plain-" + "-".join(str(round(c * 1000)) for c in rgb)
    return _disk_cached(name, lambda w, h: make_plain_map(rgb, w, h), width, height)


def make_plain_map(rgb: tuple[float, float, float], width: int = 256, height: int = 128) -> np.ndarray:
    rng = np.random.default_rng(int(sum(rgb) * 1000))
    lon, lat = lonlat_grid(width, height)
    n = _periodic_noise(lon, lat, rng, 30, 16)
    img = np.array(rgb) * (1.0 + 0.08 * n)[..., None]
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


MOON_COLOURS = {502: (0.85, 0.80, 0.72), 503: (0.62, 0.58, 0.52), 504: (0.45, 0.42, 0.38)}


# The shipped real maps (assets/maps/README.md says how they were reduced).
IO_MAP_FILE = "io_usgs_4096.jpg"
JUPITER_MAP_FILE = "jupiter_pia07782.jpg"
_SHIPPED_FILES = {501: IO_MAP_FILE, 599: JUPITER_MAP_FILE}
# PIA07782 shows Jupiter in December 2000 and its clouds drift: rolled so that its Great Red Spot
# (centred at 133.5° E in the map) sits at the spot's 2023 longitude, as in the procedural map.
JUPITER_MAP_GRS_LON = 133.5
JUPITER_MAP_SHIFT = round((GREAT_RED_SPOT[1] - JUPITER_MAP_GRS_LON) / 360.0 * 2048)  # columns of the 2048 map
# The Cassini map holds no polar data (flat grey beyond 82° S, smeared haze beyond about 80° N):
# between these planetocentric latitudes it fades into the procedural polar regions.
JUPITER_POLAR_BLEND = {"north": (74.0, 82.0), "south": (70.0, 79.0)}


def _read_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


# Bump when what is made from a shipped map changes (Jupiter's roll, the pole blend).
SHIPPED_PIXELS_VERSION = 1


def shipped_pixels(tag: str, path: Path, make: Callable[[], np.ndarray]) -> np.ndarray:
    """A shipped map's pixels as ``make`` prepares them, kept in the render cache as a raw array.

    Decoding Io's 4096-pixel JPEG and blending Jupiter's poles cost 0.3-0.4 s of every start
    (the window does it on a thread while Qt imports, and waited for it); the array reads back
    in milliseconds. The name holds the asset's size and modification time, so a changed asset
    is prepared again.
    """
    from perijove.render.diskcache import load_or_make

    stat = path.stat()
    name = f"shipped-{tag}-{stat.st_size}-{stat.st_mtime_ns}-v{SHIPPED_PIXELS_VERSION}.npy"

    def read(stored: Path) -> np.ndarray | None:
        image = np.load(stored, allow_pickle=False)
        return image if image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8 else None

    def write(image: np.ndarray, handle) -> None:
        np.save(handle, image, allow_pickle=False)

    return load_or_make(name, make, read, write)


@lru_cache(maxsize=1)
def real_io_map() -> np.ndarray | None:
    """The USGS Galileo/Voyager mosaic (4096 x 2048), or None where the asset is missing."""
    path = asset_path("maps", IO_MAP_FILE)
    return shipped_pixels("io", path, lambda: _read_rgb(path)) if path.is_file() else None


@lru_cache(maxsize=1)
def real_jupiter_map() -> np.ndarray | None:
    """Cassini's Jupiter, rolled to the 2023 Great Red Spot, poles from the procedural map; None if missing."""
    path = asset_path("maps", JUPITER_MAP_FILE)
    if not path.is_file():
        return None
    return shipped_pixels("jupiter", path, lambda: _prepare_jupiter(_read_rgb(path)))


def _prepare_jupiter(real: np.ndarray) -> np.ndarray:
    height, width = real.shape[:2]
    real = np.roll(real, round(JUPITER_MAP_SHIFT * width / 2048), axis=1)
    return blend_poles(real, jupiter_map(width, height))


def blend_poles(real: np.ndarray, procedural: np.ndarray) -> np.ndarray:
    """``real`` with its polar caps faded into ``procedural``'s, colour-matched so no seam shows.

    The procedural caps are scaled per channel to the real map's mean colour just equatorward
    of the blend, so the fade changes texture, not tint.
    """
    height = real.shape[0]
    lat = 90.0 - (np.arange(height) + 0.5) / height * 180.0
    out = real.copy()
    for hemisphere, sign in (("north", 1.0), ("south", -1.0)):
        lo, hi = JUPITER_POLAR_BLEND[hemisphere]
        rows = sign * lat > lo - 4.0  # only the caps change: work on their rows alone
        cap, proc = real[rows].astype(np.float32), procedural[rows].astype(np.float32)
        ref = sign * lat[rows] <= lo  # the 4° just equatorward of the fade
        gain = np.clip(cap[ref].mean(axis=(0, 1)) / np.maximum(proc[ref].mean(axis=(0, 1)), 1.0), 0.6, 1.6)
        t = np.clip((sign * lat[rows] - lo) / (hi - lo), 0.0, 1.0)
        w = (t * t * (3.0 - 2.0 * t))[:, None, None]  # smoothstep
        out[rows] = np.clip(cap * (1.0 - w) + proc * gain * w + 0.5, 0, 255).astype(np.uint8)
    return out


SHIPPED_MAPS = {501: "USGS Galileo/Voyager mosaic", 599: "Cassini, PIA07782"}


@dataclass(frozen=True)
class MapChoice:
    """Which map a body wears, decided in one place for the scene, the plots and the Maps dialog.

    ``kind`` is "file" (the user's or a fetched map, at ``path``, rows in ``latitude``), "shipped"
    (the real map in assets/maps) or "procedural"; equal choices mean the same texture.
    """

    kind: str
    path: str | None = None
    latitude: str = "planetocentric"

    def describe(self) -> str:
        return Path(self.path).name if self.kind == "file" and self.path else self.kind


def procedural_wanted(display=None) -> bool:
    """The generated maps everywhere: the display option, or PERIJOVE_PROCEDURAL_MAPS=1 for every command."""
    return bool(getattr(display, "procedural_maps", False)) or os.environ.get("PERIJOVE_PROCEDURAL_MAPS") == "1"


def map_choice(body: int, display=None) -> MapChoice:
    """The map ``body`` wears under ``display`` (a DisplayOptions, or None for the defaults)."""
    from perijove.ephemeris import display_name

    name = display_name(body).lower()
    maps = getattr(display, "maps", None) or {}
    if name in maps:
        latitude = (getattr(display, "map_latitudes", None) or {}).get(name, "planetocentric")
        if latitude not in MAP_LATITUDES:
            raise ValueError(f"{name} map: latitude must be one of {', '.join(MAP_LATITUDES)}, not {latitude!r}")
        return MapChoice("file", str(maps[name]), latitude)
    if body in SHIPPED_MAPS and not procedural_wanted(display) and asset_path("maps", _SHIPPED_FILES[body]).is_file():
        return MapChoice("shipped")
    return MapChoice("procedural")


def chosen_map(body: int, display=None) -> tuple[np.ndarray, str]:
    """The pixels of ``map_choice(body, display)`` and the latitude convention of its rows."""
    choice = map_choice(body, display)
    if choice.kind == "file":
        return load_map(choice.path), choice.latitude
    return default_map(body, procedural=choice.kind == "procedural"), "planetocentric"


def default_map(body: int, procedural: bool = False) -> np.ndarray:
    """The map a body gets unless the user gives one: real for Io and Jupiter, else procedural.

    ``procedural`` (or PERIJOVE_PROCEDURAL_MAPS=1, for every command and the window alike) asks
    for the generated maps everywhere. All defaults are planetocentric. A missing shipped asset
    (a trimmed install) falls back to the procedural map rather than failing the frame.
    """
    procedural = procedural or procedural_wanted()
    if body == 599:
        real = None if procedural else real_jupiter_map()
        return jupiter_map() if real is None else real
    if body == 501:
        real = None if procedural else real_io_map()
        return io_map() if real is None else real
    return plain_map(MOON_COLOURS.get(body, (0.7, 0.7, 0.7)))


# Pillow refuses images over its pixel limit (decompression bombs). Global mosaics are large by
# design, so map loading alone allows up to this many pixels (a 32768 x 16384 map).
MAP_MAX_PIXELS = 1 << 29
# The most detail a map is given, whatever the GPU allows: 8192 texels round Io's equator is
# 1.4 km a texel, finer than any view the window offers, and a 16384-wide texture would cost
# 400 MB of memory. A GPU with a smaller limit (asked once a context exists) gets less.
MAP_MAX_WIDTH = 8192
# How far from 2:1 a map may be: some global products are (2n + 1) x (n + 1) pixels.
MAP_ASPECT_TOLERANCE = 0.01
MAP_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
# Reduced user maps in the render cache: bump when the reduction changes; at most this many kept.
MAP_CACHE_VERSION = 1
MAP_CACHE_KEEP = 6

_gpu_texture_limit: int | None = None


@contextmanager
def _pixel_limit(limit: int) -> Iterator[None]:
    """Pillow's decompression-bomb limit raised to ``limit`` only while a map is opened.

    The process-wide guard stays on for every other image (icons, a user's dropped files
    that are not maps); the map path checks the pixel count itself before decoding.
    """
    import warnings

    from PIL import Image

    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked by the caller instead
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def gpu_texture_limit() -> int:
    """GL_MAX_TEXTURE_SIZE of the current context, asked once per process.

    Called with a context current (``Scene._setup``); every context of a process is on the
    same GPU. Where the query fails, the 4096 texels that every desktop GPU of the last
    decade supports are assumed, and asked again next time.
    """
    global _gpu_texture_limit
    if _gpu_texture_limit is None:
        from vispy.gloo import gl

        try:
            value = int(gl.glGetParameter(gl.GL_MAX_TEXTURE_SIZE))
        except Exception:  # no context, or a GL binding that cannot answer: assume, do not fail the frame
            return 4096
        if value < 256:
            return 4096
        _gpu_texture_limit = value
    return _gpu_texture_limit


GL_LINEAR_MIPMAP_LINEAR = 0x2703


def mipmapped(texture):
    """``texture`` (a gloo Texture2D, its context current) with mipmaps, sampled trilinearly.

    A map drawn smaller than it is aliases without them: Io's 4096-texel map on a 190-pixel
    disc samples one texel in twenty, so the surface shimmers as the clock moves, and on
    Mesa's llvmpipe those scattered reads made Io's draw a third slower. gloo has no
    mipmaps; the texture's GL object gets them here. Where the GL refuses, the texture is
    left as it was (linear, no mipmaps).
    """
    from vispy import gloo
    from vispy.gloo import gl

    context = gloo.get_current_canvas().context
    context.glir.associate(texture.glir)
    context.flush_commands()  # the texture's data is in its GL object now
    obj = context.shared.parser.get_object(texture.id)
    if getattr(obj, "handle", None) is None:  # never made, or deleted since
        return texture
    gl.glGetError()  # drop anything pending from before
    gl.glBindTexture(gl.GL_TEXTURE_2D, obj.handle)
    gl.glGenerateMipmap(gl.GL_TEXTURE_2D)
    if gl.glGetError() == gl.GL_NO_ERROR:
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR)
    gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
    return texture


def map_width_limit() -> int:
    """The widest map texture to make: the app's cap, or the GPU's limit where that is smaller.

    Before any context has answered (the window checking a dropped file before a frame is
    drawn), the app's cap is used; the cache key holds the width, so nothing stale is reused.
    """
    return min(MAP_MAX_WIDTH, _gpu_texture_limit or MAP_MAX_WIDTH)


def fit_texture(image: np.ndarray, limit: int) -> np.ndarray:
    """``image`` reduced (halving, then area-averaged) so its width fits ``limit`` texels."""
    height, width = image.shape[:2]
    if width <= limit:
        return image
    from PIL import Image

    size = (limit, max(1, round(height * limit / width)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX), dtype=np.uint8).copy()


def check_map_file(path: str | Path) -> tuple[int, int]:
    """(width, height) of an image usable as a global map; ValueError with a one-line reason otherwise.

    Reads only the header, so the window and the CLI can refuse a wrong file at once, before
    any work: not a file, not an image, too many pixels, not equirectangular 2:1.
    """
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{p}: no such file" if not p.exists() else f"{p}: not a file")
    try:
        with _pixel_limit(MAP_MAX_PIXELS), Image.open(p) as im:
            width, height = im.size
    except UnidentifiedImageError:
        raise ValueError(f"{p}: not an image (a JPEG, PNG or TIFF global map is needed)") from None
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise ValueError(f"{p}: cannot read this image ({reason})") from None
    if width * height > MAP_MAX_PIXELS:
        raise ValueError(f"{p}: {width} x {height} pixels is too big for a map (at most {MAP_MAX_PIXELS:,} pixels)")
    if width < 8:
        raise ValueError(f"{p}: {width} x {height} pixels is too small for a map (at least 8 x 4)")
    if abs(width - 2 * height) > max(2.0, MAP_ASPECT_TOLERANCE * width):
        raise ValueError(f"{p}: {width} x {height} pixels is not a global map (equirectangular: twice as wide as high)")
    return width, height


def reduce_map(path: str | Path, max_width: int) -> np.ndarray:
    """Decode a map and reduce it to at most ``max_width`` wide: the slow step the cache saves."""
    from PIL import Image

    p = Path(path)
    check_map_file(p)
    try:
        with _pixel_limit(MAP_MAX_PIXELS), Image.open(p) as im:
            im.draft("RGB", (max_width, max_width // 2))  # JPEG: decode at a reduced scale when large
            im = im.convert("RGB")
            if im.width > max_width:
                im = im.resize((max_width, max_width // 2), Image.Resampling.LANCZOS)
            return np.asarray(im, dtype=np.uint8).copy()
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise ValueError(f"{p}: cannot read this image ({reason})") from None


def map_cache_name(path: str | Path, max_width: int) -> str:
    """The render-cache file of a reduced map: changes with the file (size, time) and the width."""
    import hashlib

    p = Path(path).resolve()
    st = p.stat()
    key = f"{p}|{st.st_size}|{st.st_mtime_ns}|{max_width}|v{MAP_CACHE_VERSION}"
    return f"map-{hashlib.sha256(key.encode()).hexdigest()[:24]}.npy"


def load_map(path: str | Path, max_width: int | None = None) -> np.ndarray:
    """A user's equirectangular map as RGB uint8, at most ``max_width`` wide, reduced once and cached.

    A 196 MB mosaic takes seconds to decode and resize; every ``Scene`` (each export child,
    each kernel drop in the window) used to do it again. The reduced map is kept in the
    render cache as raw ``.npy`` (read back in milliseconds, bit for bit what was made).
    ValueError (one line) for a file that is not a usable map.
    """
    from perijove.render.diskcache import cache_dir, load_or_make

    width = map_width_limit() if max_width is None else int(max_width)
    check_map_file(path)
    name = map_cache_name(path, width)

    def read(cached: Path) -> np.ndarray | None:
        try:
            image = np.load(cached, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or image.shape[1] > width:
            return None
        os.utime(cached)  # recently used: kept when the cache is pruned
        return image

    def write(image: np.ndarray, handle) -> None:
        np.save(handle, image, allow_pickle=False)

    made = []

    def make() -> np.ndarray:
        made.append(name)
        return reduce_map(path, width)

    image = load_or_make(name, make, read, write)
    if made:
        _prune_map_cache(cache_dir(), keep=MAP_CACHE_KEEP)
    return image


def _prune_map_cache(folder: Path, keep: int) -> None:
    """Only the ``keep`` most recently used reduced maps stay (each may be 100 MB)."""
    try:
        found = sorted(folder.glob("map-*.npy"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for old in found[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be tidied only costs disk
