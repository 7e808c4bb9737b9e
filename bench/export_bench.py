"""Export benchmark: MP4 frames per second at 1280x720 and 1920x1080, Perijove against PyVista's
movie writer on the same scene in the same run. Prints one JSON object.

Run: ``python bench/export_bench.py [--frames 40] [--skip-pyvista]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
GL_RENDERER = ""


def perijove_fps(size: tuple[int, int], frames: int, folder: Path) -> float:
    from perijove.ephemeris import Ephemeris, open_kernels, to_et
    from perijove.export import FramePlan, export
    from perijove.model import CameraIntent
    from perijove.render.offscreen import OffscreenRenderer

    eph = Ephemeris(open_kernels())
    intent = CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=60.0)
    renderer = OffscreenRenderer(eph, size)  # set up once, as PyVista's scene is, outside the timing
    start, stop = to_et("2023-12-30T08:20"), to_et("2023-12-30T08:50")
    warm = FramePlan(start, stop, fps=30, frames=3)
    export(eph, warm, folder / "warm.mp4", size, intent, renderer=renderer, overwrite=True)  # once per size
    plan = FramePlan(start, stop, fps=30, frames=frames)
    result = export(eph, plan, folder / f"ours_{size[1]}.mp4", size, intent, renderer=renderer)
    global GL_RENDERER
    from vispy.gloo import gl

    GL_RENDERER = gl.glGetParameter(gl.GL_RENDERER)
    renderer.close()
    return result.fps


def pyvista_fps(size: tuple[int, int], frames: int, folder: Path) -> float | str:
    try:
        import pyvista as pv
    except ImportError as err:
        return f"pyvista not installed ({err})"
    from render_bench import bench_state, build_pyvista_scene

    plotter = build_pyvista_scene(pv, size, bench_state(size))  # the view Perijove's frames show
    plotter.open_movie(str(folder / f"pyvista_{size[1]}.mp4"), framerate=30, quality=8)
    t0 = time.perf_counter()
    for _ in range(frames):
        plotter.camera.azimuth = 0.01  # a new frame each time, the same view
        plotter.write_frame()
    seconds = time.perf_counter() - t0
    plotter.close()
    return frames / seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--skip-pyvista", action="store_true")
    args = parser.parse_args(argv)
    report: dict = {
        "benchmark": "export",
        "machine": f"{platform.node()} {platform.machine()}",
        "frames": args.frames,
        "results": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for size in ((1280, 720), (1920, 1080)):
            ours = perijove_fps(size, args.frames, Path(tmp))
            theirs = None if args.skip_pyvista else pyvista_fps(size, args.frames, Path(tmp))
            entry = {"perijove_fps": ours, "pyvista_fps": theirs}
            if isinstance(theirs, float):
                entry["speedup"] = ours / theirs
            report["results"][f"{size[0]}x{size[1]}"] = entry
    report["gl_renderer"] = GL_RENDERER
    json.dump(report, sys.stdout, indent=2, default=float)
    print()
    return report


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
