"""Bright stars in their true J2000 directions, from PyEphem's catalogue.

PyEphem ships the positions and magnitudes of the ~115 brightest named
stars; computed for J2000 they give directions good to arc-seconds, enough
to be a correct backdrop for every view.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def bright_stars() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(unit vectors (N, 3) in J2000, visual magnitudes (N,), names)."""
    import ephem
    import ephem.stars

    dirs, mags, names = [], [], []
    for name in sorted(ephem.stars.stars):
        star = ephem.star(name)
        star.compute("2000/1/1 12:00", epoch="2000")
        ra, dec = float(star.a_ra), float(star.a_dec)
        dirs.append((np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)))
        mags.append(float(star.mag))
        names.append(name)
    return np.array(dirs), np.array(mags), tuple(names)


def star_sprites(size_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directions, RGBA colours and pixel sizes for drawing."""
    dirs, mags, _ = bright_stars()
    bright = np.clip((3.0 - mags) / 4.5, 0.05, 1.0)
    colours = np.c_[np.full((len(mags), 3), 0.9), 0.35 + 0.65 * bright]
    sizes = (1.5 + 3.5 * bright) * size_scale
    return dirs.astype(np.float32), colours.astype(np.float32), sizes.astype(np.float32)
