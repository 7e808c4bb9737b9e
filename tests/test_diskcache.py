"""Generated maps and the spacecraft mesh come back from the render cache exactly as made."""

from __future__ import annotations

import numpy as np


def test_cached_mesh_and_map_equal_what_the_generators_make(tmp_path, monkeypatch):
    from perijove.render import meshes, textures

    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path))
    meshes.juno.cache_clear()
    made = meshes.make_juno()
    first = meshes.juno()  # made and stored
    meshes.juno.cache_clear()
    again = meshes.juno()  # read back
    for key in ("positions", "normals", "faces", "colors"):
        assert np.array_equal(getattr(again, key), getattr(made, key))
        assert np.array_equal(getattr(first, key), getattr(made, key))
    assert len(list(tmp_path.glob("juno-*.npz"))) == 1
    image = textures._disk_cached("io", textures.make_io_map, 256, 128)
    assert np.array_equal(textures._disk_cached("io", textures.make_io_map, 256, 128), image)
    assert np.array_equal(image, textures.make_io_map(256, 128))
    meshes.juno.cache_clear()


def test_a_damaged_cache_file_is_made_again(tmp_path, monkeypatch):
    from perijove.render import textures

    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path))
    textures._disk_cached("io", textures.make_io_map, 256, 128)
    (png,) = tmp_path.glob("io-256x128-*.png")
    png.write_bytes(png.read_bytes()[:100])  # truncated
    image = textures._disk_cached("io", textures.make_io_map, 256, 128)
    assert image.shape == (128, 256, 3) and np.array_equal(image, textures.make_io_map(256, 128))
    assert png.stat().st_size > 1000  # replaced by a whole file
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    from perijove.render import textures

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(blocked / "render"))
    image = textures._disk_cached("io", textures.make_io_map, 64, 32)
    assert image.shape == (32, 64, 3)



def test_a_truncated_mesh_or_star_catalogue_is_made_again(tmp_path, monkeypatch):
    """A half-written .npz (a full disk, a kill) raised BadZipFile from every render, export and the
    window's start, and was never made again."""
    from perijove.render import meshes, stars

    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path))
    meshes.juno.cache_clear()
    stars.bright_stars.cache_clear()
    mesh, sky = meshes.juno(), stars.bright_stars()
    assert len(list(tmp_path.glob("*.npz"))) == 2
    for npz in tmp_path.glob("*.npz"):
        npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    meshes.juno.cache_clear()
    stars.bright_stars.cache_clear()
    assert np.array_equal(meshes.juno().positions, mesh.positions)
    assert np.array_equal(stars.bright_stars().hip, sky.hip)
    meshes.juno.cache_clear()
    stars.bright_stars.cache_clear()
