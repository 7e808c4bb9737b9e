"""The trail near Juno looked dashed: its samples there were a pixel or two apart on screen, and
GL's smoothed lines darken every joint. Vertices closer than a few pixels are now thinned away
before drawing (Juno's own vertex and the ends always kept)."""

from __future__ import annotations

import numpy as np

from perijove.ephemeris import Ephemeris, open_kernels, to_et
from perijove.model import CameraIntent
from perijove.render.scene import Scene
from perijove.render.trajectory import MIN_SEGMENT_PX


def _screen_steps(state, verts):
    p = np.atleast_2d(state.pose.project(verts))
    return np.hypot(*np.diff(p, axis=0).T)


def test_the_flyby_trail_has_no_segments_shorter_than_a_few_pixels_and_keeps_juno():
    scene = Scene(Ephemeris(open_kernels()))
    for mode in ("flyby", "follow", "orbit"):
        for utc in ("2023-12-30T08:35:27", "2023-12-30T08:40:00"):
            state = scene.frame_state(to_et(utc), CameraIntent(mode=mode, target="IO"), (1030, 400))
            verts, colours = state.trail
            assert len(verts) == len(colours) >= 2
            here = int(np.argmin(np.linalg.norm(verts - state.spacecraft, axis=1)))
            assert np.linalg.norm(verts[here] - state.spacecraft) < 1e-6  # Juno's vertex is kept exactly
            steps = _screen_steps(state, verts)
            inner = np.ones(len(steps), bool)
            inner[[0, -1]] = False  # the ends may be closer to their neighbours
            inner[max(here - 1, 0) : here + 1] = False  # so may Juno's vertex
            assert steps[inner].min() >= MIN_SEGMENT_PX * 0.5, (mode, utc, steps[inner].min())
            assert np.median(steps[inner]) >= MIN_SEGMENT_PX, (mode, utc)


def test_thinning_keeps_what_lies_behind_the_camera_and_the_line_s_shape():
    from perijove.render import camera as cam
    from perijove.render.trajectory import thin_on_screen

    pose = cam.CameraPose(
        np.zeros(3), np.array([0.0, 0.0, 10.0]), np.zeros(3), np.array([0.0, 1.0, 0.0]), 60.0, 0.01, 1e4, (400, 300)
    )
    x = np.linspace(-5.0, 5.0, 2001)
    verts = np.stack([x, 0.2 * np.sin(x), np.zeros_like(x)], axis=1)
    behind = np.array([[0.0, 0.0, 20.0], [1.0, 0.0, 30.0]])  # beyond the eye, along its axis
    verts = np.vstack([verts, behind])
    colours = np.tile([1.0, 0.5, 0.2, 1.0], (len(verts), 1))
    kept_v, kept_c = thin_on_screen(verts, colours, pose, keep=1000)
    assert len(kept_v) < len(verts) / 5 and len(kept_c) == len(kept_v)
    assert (kept_v[-2:] == behind).all() and (kept_v[0] == verts[0]).all()
    assert any((v == verts[1000]).all() for v in kept_v)
    # Every dropped vertex lies within a pixel of the thinned line on screen.
    p_all = np.atleast_2d(pose.project(verts[:2001]))
    p_kept = np.atleast_2d(pose.project(kept_v[:-2]))
    a, b = p_kept[:-1], p_kept[1:]
    ab = b - a
    for q in p_all[::37]:
        t = np.clip(np.einsum("ij,ij->i", q - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-12), 0, 1)
        assert np.hypot(*(a + t[:, None] * ab - q).T).min() < 1.0


def test_the_drawn_trail_near_juno_is_even_not_dashed():
    """Rendered from the flyby camera zoomed out to 60,000 km, the trail beside Juno read as dashes:
    its brightness along the line varied by 16% (dark joints every pixel or two); now under 10%."""
    from perijove.render.offscreen import OffscreenRenderer

    eph = Ephemeris(open_kernels())
    r = OffscreenRenderer(eph, (1030, 400))
    try:
        intent = CameraIntent(mode="flyby", target="IO", distance_km=60_000.0)
        img, state = r.render(to_et("2023-12-30T08:35:27"), intent)
    finally:
        r.close()
    x, y = (int(v) for v in np.atleast_2d(state.pose.project(state.spacecraft))[0])
    band = img[y - 3 : y + 5, x + 20 : x + 220, :3].astype(float).sum(axis=2).max(axis=0)  # the line's core
    assert band.min() > 200  # the trail is there along the whole stretch
    assert band.std() / band.mean() < 0.10, band.std() / band.mean()
