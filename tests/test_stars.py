"""The sky: Hipparcos stars to about magnitude 7.5 at their J2000 directions, checked by pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perijove.ephemeris import to_et
from perijove.model import CameraIntent, DisplayOptions

CA1 = "2023-12-30T08:36:00.8"
SKY = DisplayOptions(trajectory=False, moon_orbits=False, labels=False)
# Sirius (HIP 32349), ICRS at epoch J2000 (SIMBAD: 06 45 08.91728 -16 42 58.0171).
SIRIUS_RA, SIRIUS_DEC = 101.28715533, -16.71611586


@pytest.fixture(scope="module")
def renderer_factory(offscreen_factory):
    return lambda size: offscreen_factory(SKY, size)


def _unit(ra_deg: float, dec_deg: float) -> np.ndarray:
    ra, dec = math.radians(ra_deg), math.radians(dec_deg)
    return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])


def test_a_wide_view_away_from_jupiter_shows_hundreds_of_stars(renderer_factory):
    from scipy.ndimage import label

    r = renderer_factory((960, 540))
    # From 10^8 km sunward of Jupiter, looking further away from it (toward Earth, which is not drawn).
    view = CameraIntent(mode="from", target="EARTH", from_body="JUPITER", distance_km=1e8, fov_deg=60.0)
    image, _ = r.render(to_et(CA1), view)
    _, count = label(image[:, :, :3].max(axis=2) > 24)
    assert count >= 200, count


def test_catalogue_to_magnitude_7_5_with_j2000_directions_and_colours():
    from perijove.render.stars import bright_stars

    sky = bright_stars()
    n = len(sky.magnitudes)
    assert 8_000 < n < 25_000 and sky.magnitudes.max() <= 7.5
    assert sky.directions.shape == (n, 3) and np.allclose(np.linalg.norm(sky.directions, axis=1), 1.0)
    sirius = int(np.argmin(sky.magnitudes))
    assert sky.hip[sirius] == 32349
    miss = math.degrees(math.acos(min(1.0, float(sky.directions[sirius] @ _unit(SIRIUS_RA, SIRIUS_DEC))))) * 3600
    assert miss < 1.0, f"Sirius {miss:.2f} arcsec from its J2000 place (proper motion applied?)"


def test_brightness_size_and_colour_follow_magnitude_and_b_v():
    from perijove.render.stars import bright_stars, star_sprites

    sky = bright_stars()
    _, colours, sizes = star_sprites()
    order = np.argsort(sky.magnitudes)
    bright, faint = order[:50], order[-50:]
    assert sizes[bright].min() > sizes[faint].max()
    assert colours[bright, 3].min() > colours[faint, 3].max()
    betelgeuse, rigel = (int(np.nonzero(sky.hip == h)[0][0]) for h in (27989, 24436))
    assert colours[betelgeuse, 0] / colours[betelgeuse, 2] > 1.2 > colours[rigel, 0] / colours[rigel, 2]


def test_sirius_is_drawn_at_its_direction(renderer_factory):
    r = renderer_factory((600, 600))
    to_sirius = _unit(SIRIUS_RA, SIRIUS_DEC)
    # Orbit a body that is not drawn, from the side opposite Sirius: the view looks along Sirius's direction.
    az = math.degrees(math.atan2(-to_sirius[1], -to_sirius[0]))
    el = math.degrees(math.asin(-to_sirius[2]))
    view = CameraIntent(mode="orbit", target="EARTH", azimuth_deg=az + 3, elevation_deg=el - 2, distance_km=1e8)
    image, state = r.render(to_et(CA1), view)
    expected = state.pose.project(state.pose.eye + to_sirius * 1e6)
    x0, y0 = expected.round().astype(int)
    box = image[y0 - 10 : y0 + 11, x0 - 10 : x0 + 11, :3].astype(float).mean(axis=2)
    assert box.max() > 200, "Sirius is not drawn near its direction"
    w = np.clip(box - 0.3 * box.max(), 0, None)
    ys, xs = np.mgrid[-10:11, -10:11]
    measured = np.array([x0 + (w * xs).sum() / w.sum() + 0.5, y0 + (w * ys).sum() / w.sum() + 0.5])
    assert np.linalg.norm(measured - expected) < 1.0


def test_the_reduced_catalogue_is_kept_in_the_render_cache(tmp_path, monkeypatch):
    from perijove.render import stars

    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path))
    stars.bright_stars.cache_clear()
    first = stars.bright_stars()
    assert len(list(tmp_path.glob("stars-*.npz"))) == 1
    stars.bright_stars.cache_clear()
    again = stars.bright_stars()
    assert np.array_equal(first.directions, again.directions) and np.array_equal(first.hip, again.hip)
    stars.bright_stars.cache_clear()


@pytest.mark.parametrize(
    ("size", "fov_deg", "azimuth_deg", "elevation_deg"),
    [
        ((960, 540), 60.0, 30.0, 10.0),
        ((400, 900), 40.0, 200.0, -50.0),
        ((800, 600), 120.0, 90.0, 80.0),
        ((640, 480), 170.0, 0.0, 0.0),
        ((1200, 300), 2.0, 123.0, 45.0),
    ],
)
def test_software_gl_draws_only_the_stars_in_view_and_the_same_sky(
    renderer_factory, size, fov_deg, azimuth_deg, elevation_deg
):
    """On software GL the stars outside the view's cone are dropped before GL sees them (their vertices
    cost a 23,000-point draw a frame there); the frame must not change by one pixel, to the edges."""
    r = renderer_factory(size)
    view = CameraIntent(
        mode="orbit",
        target="EARTH",
        azimuth_deg=azimuth_deg,
        elevation_deg=elevation_deg,
        distance_km=1e8,
        fov_deg=fov_deg,
    )
    was = r.scene.cull_on_cpu
    try:
        r.scene.cull_on_cpu = True
        culled, state = r.render(to_et(CA1), view)
        kept = r.scene.visible_stars(state.pose)
        r.scene.cull_on_cpu = False
        everything, _ = r.render(to_et(CA1), view)
    finally:
        r.scene.cull_on_cpu = was
    assert everything[..., :3].max() > 100  # stars were drawn
    assert np.array_equal(culled, everything)
    total = len(r.scene._setup()["star_dirs"])
    if fov_deg <= 60:
        assert kept is not None and len(kept) < total / 4, (len(kept), total)  # most are dropped
    if fov_deg >= 170:
        assert kept is None or len(kept) > total / 2


def test_a_small_frame_shows_the_sky_as_a_large_one_scaled_down(renderer_factory):
    """Sprites kept their pixel sizes whatever the frame: a 320x180 preview of a movie was covered in
    snow (its sky 13 times as bright on average as the 1280x720 frame's, 7.7% of its pixels lit
    against 0.6%). Scaled with the frame's pixels per radian, each star keeps its share of the
    picture, as in the large frame shrunk: the mean sky about the same, the lit share too."""
    view = CameraIntent(mode="from", target="EARTH", from_body="JUPITER", distance_km=1e8, fov_deg=60.0)
    et = to_et(CA1)
    large, _ = renderer_factory((1280, 720)).render(et, view)
    small, _ = renderer_factory((320, 180)).render(et, view)
    sky_large, sky_small = large[:, :, :3].astype(float), small[:, :, :3].astype(float)
    ratio = sky_small.mean() / sky_large.mean()
    assert 0.5 < ratio < 2.0, ratio  # the same light over the same sky, in fewer pixels
    lit_large, lit_small = (sky_large.max(axis=2) > 24).mean(), (sky_small.max(axis=2) > 24).mean()
    assert lit_small < 3.0 * lit_large, (lit_small, lit_large)
    # The brightest stars still show in the small frame.
    assert sky_small.max() > 60
