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
