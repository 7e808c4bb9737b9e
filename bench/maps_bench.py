"""Map benchmark: getting Io's texture from a large user map the first time and from the render cache.

Prints one JSON object. The source is a user's global map as large as the USGS 1 km Io mosaic
the ``maps`` set fetches (196 MB uncompressed TIFF): ``--source`` names one, else a synthetic one
of the same size is written to a temporary folder. The render cache is a fresh temporary folder,
so "first" really decodes and reduces the source and "cached" reads the reduced copy back.

Also timed, in the same run and process: a ``Scene`` carrying that map made and set up (its GL
textures and meshes, what each export child and each kernel drop in the window does), and one
map changed on a live scene (only that texture replaced) against a full GL rebuild (what
changing a map used to cost).

Run: ``python bench/maps_bench.py [--source PATH] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

USGS_SIZE = (11445, 5723)  # Io_GalileoSSI-Voyager_Global_Mosaic_ClrMerge_1km.tif, 196 MB


def synthetic_source(folder: Path) -> Path:
    """An uncompressed RGB TIFF the size of the USGS mosaic, with detail at every scale."""
    from PIL import Image

    width, height = USGS_SIZE
    rng = np.random.default_rng(501)
    tile = rng.integers(0, 256, (height, 1024, 3), dtype=np.uint8)
    image = np.tile(tile, (1, width // 1024 + 1, 1))[:, :width]
    image[:, :, 0] = (image[:, :, 0] // 2 + (np.arange(width) * 128 // width)[None, :]).astype(np.uint8)
    path = folder / "io_usgs_sized.tif"
    Image.fromarray(image).save(path)  # uncompressed, like the USGS product
    return path


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="a global map image (default: a synthetic one the USGS mosaic's size)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="perijove-maps-bench-"))
    os.environ["PERIJOVE_RENDER_CACHE"] = str(work / "render-cache")

    from perijove.render import textures

    t = time.perf_counter()
    source = Path(args.source) if args.source else synthetic_source(work)
    made_s = time.perf_counter() - t if not args.source else None
    width = textures.MAP_MAX_WIDTH

    t = time.perf_counter()
    first = textures.load_map(source, max_width=width)  # decode, reduce, store in the cache
    first_s = time.perf_counter() - t
    cached_s = _best(lambda: textures.load_map(source, max_width=width), args.repeat)
    uncached_s = _best(lambda: textures.reduce_map(source, width), 1)  # what every Scene used to do

    textures.real_io_map.cache_clear()
    t = time.perf_counter()
    textures.real_io_map()
    shipped_s = time.perf_counter() - t

    from PIL import Image

    from perijove.ephemeris import Ephemeris, open_kernels, to_et
    from perijove.model import CameraIntent, DisplayOptions
    from perijove.render.offscreen import OffscreenRenderer
    from perijove.render.scene import Scene

    eph = Ephemeris(open_kernels())
    display = DisplayOptions(maps={"io": str(source)})
    renderer = OffscreenRenderer(eph, (1280, 720), display)
    et = to_et("2023-12-30T08:36:00")
    view = CameraIntent(mode="orbit", target="IO", distance_km=8000.0)

    def frame() -> float:
        t = time.perf_counter()
        renderer.render(et, view)  # draws and reads back: every upload is done by then
        return time.perf_counter() - t

    def new_scene() -> float:  # what each export child and each kernel drop in the window does
        t = time.perf_counter()
        renderer.scene = Scene(eph, display)
        return time.perf_counter() - t + frame()

    construct_s = _best(lambda: Scene(eph, display), args.repeat)
    first_frame_s = statistics.median(new_scene() for _ in range(args.repeat))
    steady_s = statistics.median(frame() for _ in range(args.repeat))
    other = work / "other.png"
    Image.fromarray(np.full((1024, 2048, 3), 90, np.uint8)).save(other)
    textures.load_map(other)  # cached, as the window does before it sets a map
    scene = renderer.scene

    def replace_one(path: Path) -> float:
        scene.set_display(display.with_(maps={"io": str(path)}))
        return frame()

    # Io's map swapped to a small one and back to the large one: only Io's texture is made.
    small, large = [], []
    for _ in range(args.repeat):
        small.append(replace_one(other))
        large.append(replace_one(source))
    replace_small_s, replace_large_s = statistics.median(small), statistics.median(large)

    def rebuild_all() -> float:
        scene._gl = None  # the old behaviour: every program, buffer and texture made again
        return frame()

    rebuild_s = statistics.median(rebuild_all() for _ in range(args.repeat))
    from vispy.gloo import gl

    report = {
        "bench": "maps",
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
        "gl_renderer": gl.glGetParameter(gl.GL_RENDERER),
        "gpu_texture_limit": textures.gpu_texture_limit(),
        "source": {
            "path": str(source) if args.source else "synthetic",
            "size": list(Image.open(source).size),
            "bytes": source.stat().st_size,
            "write_s": None if made_s is None else round(made_s, 3),
        },
        "texture": list(first.shape),
        "io_texture_first_s": round(first_s, 3),
        "io_texture_cached_s": round(cached_s, 4),
        "io_texture_uncached_every_time_s": round(uncached_s, 3),
        "speedup_cached": round(uncached_s / cached_s, 1),
        "shipped_io_map_first_s": round(shipped_s, 3),
        "scene_construct_s": round(construct_s, 5),
        "scene_first_frame_1280x720_s": round(first_frame_s, 3),
        "steady_frame_s": round(steady_s, 3),
        "frame_after_io_map_replaced_small_s": round(replace_small_s, 3),
        "frame_after_io_map_replaced_large_s": round(replace_large_s, 3),
        "frame_after_all_gl_rebuilt_s": round(rebuild_s, 3),
        "old_map_change_estimate_s": round(rebuild_s + uncached_s, 3),
        "repeat": args.repeat,
    }
    print(json.dumps(report, indent=1))
    renderer.close()
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
