"""Body meshes: the winding that back-face culling relies on."""

from __future__ import annotations

import numpy as np
import pytest

from perijove.render.meshes import ellipsoid


@pytest.mark.parametrize("latitude", ["planetocentric", "planetographic"])
@pytest.mark.parametrize("grid", [(256, 128), (64, 32), (16, 8)])
def test_every_ellipsoid_face_winds_counter_clockwise_seen_from_outside(latitude, grid):
    """The scene culls the bodies' back faces (GL's default: counter-clockwise is the front).

    A face wound the other way would vanish from the visible side and show through from behind.
    """
    mesh = ellipsoid((71492.0, 71492.0, 66854.0), *grid, latitude)
    a, b, c = (mesh.positions[mesh.faces[:, k]].astype(float) for k in range(3))
    normal = np.cross(b - a, c - a)
    area = np.linalg.norm(normal, axis=1)
    real = area > 1e-6 * area.max()  # the pole rows hold degenerate (zero-area) triangles
    outward = np.einsum("ij,ij->i", normal[real], (a + b + c)[real])
    assert real.sum() > 0.9 * len(real) - 2 * grid[0]
    assert (outward > 0).all()


def test_facing_keeps_every_face_gl_would_draw_and_drops_the_far_side():
    """Only the faces that face the eye are sent to GL; none that GL would draw may be dropped."""
    from perijove.render.meshes import Facing

    mesh = ellipsoid((1829.4, 1819.4, 1815.7), 128, 64)
    facing = Facing(mesh.positions, mesh.faces)
    rng = np.random.default_rng(5)
    for distance in (1.02, 1.5, 5.0, 230.0):  # from 2% of a radius above the surface to Io seen from Jupiter
        for _ in range(5):
            direction = rng.normal(size=3)
            eye = direction / np.linalg.norm(direction) * 1829.4 * distance
            a, b, c = (mesh.positions[mesh.faces[:, k]].astype(float) for k in range(3))
            normal = np.cross(b - a, c - a)
            real = np.linalg.norm(normal, axis=1) > 0
            towards = np.einsum("ij,ij->i", normal, eye - a) > 0  # counter-clockwise as seen from the eye
            wanted = {tuple(f) for f in mesh.faces[real & towards]}
            kept = {tuple(f) for f in facing.front(eye)}
            assert wanted <= kept
            assert len(kept) < 0.55 * len(mesh.faces)  # the far side (and more, close in) is left out


@pytest.mark.parametrize("distance_km", [1870.0, 2500.0, 9000.0, 400_000.0])
def test_frames_drawn_from_the_near_side_faces_equal_frames_drawn_from_all(offscreen_factory, monkeypatch, distance_km):
    """By pixels, as GL rasterises them in float32: leaving out the far side changes nothing, from 2% of
    a radius above Io (where the limb is nearest the camera) to Jupiter's distance. Edge-on faces
    at the limb may fall either way: one limb pixel has been seen to differ, by one level of 255."""
    from perijove.ephemeris import to_et
    from perijove.model import CameraIntent, DisplayOptions
    from perijove.render.meshes import Facing

    renderer = offscreen_factory(DisplayOptions(stars=False, labels=False, trajectory=False), (320, 240))
    et = to_et("2023-12-30T08:36:00")
    view = CameraIntent(mode="orbit", target="IO", distance_km=distance_km, azimuth_deg=30.0, elevation_deg=10.0)
    near_side, _state = renderer.render(et, view)
    monkeypatch.setattr(Facing, "front", lambda self, eye: self.faces)
    every_face, _state = renderer.render(et, view)
    assert (near_side[..., :3] > 0).mean() > 0.001  # something was drawn
    diff = np.abs(near_side.astype(int) - every_face.astype(int)).max(axis=2)
    assert diff.max() <= 2 and (diff > 0).sum() <= 3


def test_unique_edges_lists_each_edge_of_the_mesh_once():
    from perijove.render.meshes import juno, unique_edges

    faces = juno().faces
    edges = unique_edges(faces)
    pairs = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    assert edges.dtype == np.uint32 and edges.shape[1] == 2
    assert np.array_equal(edges, np.unique(pairs, axis=0))  # sorted pairs, each once
    shared = np.array([[0, 1, 2], [2, 1, 3], [3, 1, 0]], np.uint32)  # 6 edges, 3 of them shared
    assert unique_edges(shared).tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
