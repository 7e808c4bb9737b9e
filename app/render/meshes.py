"""Geometry: textured triaxial ellipsoids and Juno's spacecraft model.

Ellipsoid vertices are generated in the body-fixed frame, in kilometres, at
the surface points of the map coordinates of ``textures`` (u = east longitude
/ 360, v from the north pole, planetocentric or planetographic latitude), so a
map lands on the body where SPICE puts its coordinates. Juno is
built from its published proportions with trimesh, in the JUNO_SPACECRAFT
frame (+Z spin axis and antenna, +X along solar array 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Mesh:
    positions: np.ndarray  # (N, 3) float32, km, body frame
    normals: np.ndarray  # (N, 3) float32
    faces: np.ndarray  # (M, 3) uint32
    texcoords: np.ndarray | None = None  # (N, 2) float32
    colors: np.ndarray | None = None  # (N, 3) float32


def unique_edges(faces: np.ndarray) -> np.ndarray:
    """Each edge of a triangle mesh once, as sorted (K, 2) uint32 pairs, lower index first.

    Done with one integer sort rather than ``np.unique(axis=0)``: NumPy 2's ``unique`` imports
    ``numpy.ma`` on its first call, 20-45 ms of the window's first frame here.
    """
    pairs = np.sort(np.asarray(faces, np.int64)[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    if not len(pairs):
        return np.zeros((0, 2), np.uint32)
    n = int(pairs.max()) + 1
    keys = np.sort(pairs[:, 0] * n + pairs[:, 1])
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return np.stack([keys // n, keys % n], axis=1).astype(np.uint32)


@lru_cache(maxsize=16)
def ellipsoid(
    radii: tuple[float, float, float], n_lon: int = 256, n_lat: int = 128, latitude: str = "planetocentric"
) -> Mesh:
    """Latitude-longitude grid of a triaxial ellipsoid (a seam column is duplicated for u = 1).

    Each vertex sits on the surface point that a map row of that latitude means, so texture
    coordinates are exact at the vertices: ``planetocentric`` puts latitude φ and east longitude
    λ in the direction (cos φ cos λ, cos φ sin λ, sin φ) from the centre (SPICE's ``srfrec``);
    ``planetographic`` puts them where the surface normal has that direction (``georec`` on a
    spheroid). Using the map latitude as the parametric latitude instead put Jupiter's features
    up to 1.9° from where SPICE has them.
    """
    if latitude not in ("planetocentric", "planetographic"):
        raise ValueError(f"map latitude must be planetocentric or planetographic, not {latitude!r}")
    a, b, c = radii
    u = np.linspace(0.0, 1.0, n_lon + 1)
    v = np.linspace(0.0, 1.0, n_lat + 1)
    uu, vv = np.meshgrid(u, v)
    lon = uu * 2 * np.pi
    lat = np.pi / 2 - vv * np.pi
    unit = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    axes = np.array([a, b, c])
    if latitude == "planetocentric":
        pos = unit / np.linalg.norm(unit / axes, axis=-1, keepdims=True)
    else:  # the point whose outward normal is ``unit``
        pos = unit * axes**2 / np.linalg.norm(unit * axes, axis=-1, keepdims=True)
    pos[0, :] = (0.0, 0.0, c)  # exactly on the poles, whatever the longitude
    pos[-1, :] = (0.0, 0.0, -c)
    normal = pos / axes**2
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    idx = np.arange((n_lat + 1) * (n_lon + 1)).reshape(n_lat + 1, n_lon + 1)
    q00, q01, q10, q11 = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    faces = np.concatenate([np.stack([q00, q10, q11], -1).reshape(-1, 3), np.stack([q00, q11, q01], -1).reshape(-1, 3)])
    tex = np.stack([uu, vv], axis=-1).reshape(-1, 2)
    return Mesh(
        pos.reshape(-1, 3).astype(np.float32),
        normal.reshape(-1, 3).astype(np.float32),
        faces.astype(np.uint32),
        tex.astype(np.float32),
    )


class Facing:
    """The faces of a closed convex mesh that face a point (body-fixed km).

    Drawing only these spares software GL (Mesa's llvmpipe) the vertex and triangle-setup work
    of the far side, most of a body's cost there; GL's own culling still decides per pixel, so
    a face kept near the limb costs nothing. Degenerate triangles (the pole rows) are dropped.
    """

    def __init__(self, positions: np.ndarray, faces: np.ndarray) -> None:
        self._positions, self._faces = positions, faces
        self._planes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # made on first use
        self.size = float(np.abs(positions).max())

    def _made(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # On first use only: five bodies at three levels took a quarter of a second at start-up.
        if self._planes is None:
            v = self._positions.astype(float)[self._faces]
            normals = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
            length = np.linalg.norm(normals, axis=1)
            keep = length > 1e-9 * length.max()
            unit = normals[keep] / length[keep, None]
            faces = np.ascontiguousarray(self._faces[keep], dtype=np.uint32)
            self._planes = (faces, unit, np.einsum("ij,ij->i", unit, v[keep, 0]))
        return self._planes

    @property
    def faces(self) -> np.ndarray:
        """Every face but the degenerate ones."""
        return self._made()[0]

    def front(self, eye: np.ndarray) -> np.ndarray:
        """Faces whose plane has ``eye`` in front, or within a micrometre-scale slack of it."""
        faces, normals, offsets = self._made()
        slack = 1e-9 * (float(np.linalg.norm(eye)) + self.size)
        return faces[normals @ np.asarray(eye, float) - offsets > -slack]


# Juno's proportions (metres): bus, arrays, antenna, magnetometer boom.
BUS_ACROSS = 3.5
BUS_HEIGHT = 3.5
ARRAY_LENGTH = 8.9
ARRAY_WIDTH = 2.65
HGA_DIAMETER = 2.5
BOOM_LENGTH = 2.0

_GOLD = (0.85, 0.68, 0.30)
_PANEL = (0.12, 0.16, 0.32)
_WHITE = (0.92, 0.92, 0.90)
_GREY = (0.55, 0.55, 0.58)


JUNO_MESH_VERSION = 2  # bump when make_juno changes
CREASE_DEG = 50.0  # faces meeting at more than this keep a sharp edge (the hexagonal bus's 60°)


@lru_cache(maxsize=1)
def juno() -> Mesh:
    """Juno in its spacecraft frame, kilometres (from the render cache after the first run)."""
    from perijove.render.diskcache import load_or_make

    keys = ("positions", "normals", "faces", "colors")

    def read(path):
        with np.load(path) as data:
            return Mesh(**{k: data[k] for k in keys})

    def write(mesh: Mesh, handle) -> None:
        np.savez(handle, **{k: getattr(mesh, k) for k in keys})

    return load_or_make(f"juno-v{JUNO_MESH_VERSION}.npz", make_juno, read, write)


def crease_normals(vertices: np.ndarray, faces: np.ndarray, crease_deg: float) -> np.ndarray:
    """Per-corner normals (3 per face, in face order): smooth across gentle edges, sharp at creases.

    Each corner's normal is the area-weighted mean of the normals of the faces that share its
    vertex and lie within ``crease_deg`` of its own face, so a 32-sided dish shades round while a
    box or the hexagonal bus keeps its edges (the flat shading before drew every facet).
    """
    v = np.asarray(vertices, dtype=np.float64)
    f = np.asarray(faces, dtype=np.int64)
    cross = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    area2 = np.linalg.norm(cross, axis=1)
    unit = cross / np.maximum(area2, 1e-300)[:, None]
    corner_v = f.reshape(-1)
    corner_f = np.repeat(np.arange(len(f)), 3)
    order = np.argsort(corner_v, kind="stable")  # corners grouped by vertex
    starts = np.searchsorted(corner_v[order], np.arange(len(v) + 1))
    out = np.zeros((len(corner_v), 3))
    cos_crease = np.cos(np.radians(crease_deg))
    for vert in np.nonzero(np.diff(starts))[0]:
        members = order[starts[vert] : starts[vert + 1]]  # corners at this vertex
        fs = corner_f[members]
        close = unit[fs] @ unit[fs].T > cos_crease  # which neighbours each corner smooths with
        out[members] = close @ cross[fs]  # area-weighted (|cross| = 2 × area)
    out /= np.maximum(np.linalg.norm(out, axis=1), 1e-300)[:, None]
    return out


def make_juno() -> Mesh:
    """Juno in its spacecraft frame, kilometres, built with trimesh."""
    import trimesh
    from trimesh.creation import box, cylinder

    parts: list[tuple[trimesh.Trimesh, tuple[float, float, float]]] = []
    bus = cylinder(radius=BUS_ACROSS / 2, height=BUS_HEIGHT, sections=6)
    parts.append((bus, _GOLD))
    r0 = BUS_ACROSS / 2 * np.cos(np.pi / 6)
    for k in range(3):
        angle = np.radians(120.0 * k)
        panel = box(extents=(ARRAY_LENGTH, ARRAY_WIDTH, 0.08))
        along = r0 + 0.2 + ARRAY_LENGTH / 2
        tf = trimesh.transformations.rotation_matrix(angle, (0, 0, 1))
        tf[:3, 3] = [along * np.cos(angle), along * np.sin(angle), BUS_HEIGHT / 2 - 0.3]
        panel.apply_transform(tf @ trimesh.transformations.rotation_matrix(0.0, (1, 0, 0)))
        parts.append((panel, _PANEL))
    # Magnetometer boom at the end of array 1 (+X).
    boom = box(extents=(BOOM_LENGTH, 0.35, 0.35))
    boom.apply_translation([r0 + 0.2 + ARRAY_LENGTH + BOOM_LENGTH / 2, 0.0, BUS_HEIGHT / 2 - 0.3])
    parts.append((boom, _GREY))
    # High-gain antenna: a shallow dish on +Z, opening upward.
    dish = cylinder(radius=HGA_DIAMETER / 2, height=0.25, sections=32)
    dish.apply_translation([0, 0, BUS_HEIGHT / 2 + 0.2])
    parts.append((dish, _WHITE))
    feed = cylinder(radius=0.08, height=0.8, sections=8)
    feed.apply_translation([0, 0, BUS_HEIGHT / 2 + 0.7])
    parts.append((feed, _GREY))

    positions, normals, faces, colours = [], [], [], []
    offset = 0
    for mesh, colour in parts:
        tri = mesh.vertices[mesh.faces].reshape(-1, 3)
        fn = crease_normals(mesh.vertices, mesh.faces, CREASE_DEG)
        positions.append(tri)
        normals.append(fn)
        faces.append(np.arange(len(tri)).reshape(-1, 3) + offset)
        colours.append(np.tile(colour, (len(tri), 1)))
        offset += len(tri)
    return Mesh(
        (np.concatenate(positions) * 1e-3).astype(np.float32),
        np.concatenate(normals).astype(np.float32),
        np.concatenate(faces).astype(np.uint32),
        colors=np.concatenate(colours).astype(np.float32),
    )


def load_model(path: str, scale_to_m: float = 1.0) -> Mesh:
    """A user's spacecraft model (glTF, OBJ, STL, ...) through trimesh, in metres by default."""
    import trimesh

    try:
        scene = trimesh.load(path, force="mesh")
    except Exception as err:  # trimesh raises many types for bad files
        raise ValueError(f"{path}: cannot read model ({err})") from None
    if len(scene.faces) == 0:
        raise ValueError(f"{path}: cannot read model (no triangles found)")
    tri = scene.vertices[scene.faces].reshape(-1, 3) * scale_to_m * 1e-3
    fn = np.repeat(scene.face_normals, 3, axis=0)
    colour = np.tile(_GREY, (len(tri), 1))
    return Mesh(
        tri.astype(np.float32),
        fn.astype(np.float32),
        np.arange(len(tri), dtype=np.uint32).reshape(-1, 3),
        colors=colour.astype(np.float32),
    )
