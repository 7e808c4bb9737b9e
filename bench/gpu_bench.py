"""GPU benchmark: the 1080p frame and the 1080p export through whatever GL EGL gives, card named.

Issue 16 asks, in a session lent a GPU, for the NVIDIA frame time at 1080p (goal 4 ms) and the
export rate at 1080p (goal 60 frames/s). The render benchmark's first question, how much faster
than PyVista on Mesa, means nothing on a GPU; this one asks where a frame's time goes:
- ``frame``: geometry from SPICE (``frame_state``), the draws issued (Python, GLIR), the GPU
  finishing them (glFinish), the readback to host memory; each a median over a scrub of the
  benchmark view (Juno ten minutes before the first Io flyby), with 4 samples and with one;
- ``export``: ``perijove.export`` end to end into an MP4 (H.264, the app's own ffmpeg
  settings) and, for the renderer's share alone, into a sink that keeps nothing;
- the frames themselves, as PNGs, so a Mesa frame of the same instant can be compared with them.

Run: ``PERIJOVE_GL_BACKEND=egl python bench/gpu_bench.py [--frames 120] [--export-frames 600]
[--png-dir DIR]``. Works on Mesa too (slowly): the figures there are for checking the script.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZE = (1920, 1080)
START = "2023-12-30T08:20:00"  # Juno ten minutes before the first Io flyby, as bench/render_bench.py


def _card() -> str:
    smi = shutil.which("nvidia-smi")
    if not smi:
        return ""
    out = subprocess.run([smi, "--query-gpu=name,driver_version", "--format=csv,noheader"], capture_output=True)
    return out.stdout.decode(errors="replace").strip()


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} x{os.cpu_count()}"
    except OSError:
        pass
    return f"{platform.processor()} x{os.cpu_count()}"


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1e3, 3)


def frame_phases(eph, samples: int | None, frames: int, png: Path | None) -> dict:
    """Medians of each phase of a 1080p frame over a scrub (a new time each frame)."""
    from vispy.gloo import gl

    from perijove.ephemeris import to_et
    from perijove.model import CameraIntent
    from perijove.render.offscreen import OffscreenRenderer

    et0 = to_et(START)
    intent = CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=60.0)
    t = time.perf_counter()
    r = OffscreenRenderer(eph, SIZE, samples=samples)
    image, _ = r.render(et0, intent)
    first = time.perf_counter() - t
    if png is not None:
        from PIL import Image

        Image.fromarray(image[:, :, :3]).save(png)
    phases: dict[str, list[float]] = {"state": [], "issue": [], "finish": [], "read": [], "frame": [], "render": []}
    for i in range(frames + 5):
        et = et0 + 20.0 * i
        t0 = time.perf_counter()
        r.canvas.set_current()
        state = r.scene.frame_state(et, intent, r.size)
        t1 = time.perf_counter()
        with r.target:
            r.scene.draw(state)
        t2 = time.perf_counter()  # the resolve blit is issued on leaving the target
        gl.glFinish()
        t3 = time.perf_counter()
        r.target.read()
        t4 = time.perf_counter()
        r.render(et + 10.0, intent)  # the public path, as export calls it
        t5 = time.perf_counter()
        if i >= 5:  # warm-up: first uses of each mesh level and buffer size
            for key, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t3 - t0, t5 - t4), strict=True):
                phases[key].append(value)
    # Export's path: each frame read back while the next is drawn (pack buffers), one sync at the end.
    ets = [et0 + 20.0 * i for i in range(frames)]
    pipelined = None  # an older checkout (bench/against.py, a same-run baseline) has no frames()
    if hasattr(r, "frames"):
        for _ in r.frames(ets[:5], intent):
            pass
        t = time.perf_counter()
        for _ in r.frames(ets, intent):
            pass
        pipelined = round((time.perf_counter() - t) / frames * 1e3, 3)
    out = {
        "samples": r.target.samples,
        "pipelined_frame_in_host_memory_ms": pipelined,
        "first_frame_s": round(first, 3),
        **{f"{k}_ms": _median_ms(v) for k, v in phases.items()},
        "frame_ms_min": round(min(phases["frame"]) * 1e3, 3),
    }
    r.close()
    return out


def export_rates(eph, frames: int, folder: Path) -> dict:
    """Frames a second of ``perijove.export`` at 1080p: into an MP4, and into a sink that keeps nothing."""
    from perijove.ephemeris import to_et
    from perijove.export import FramePlan, export
    from perijove.export import runner as export_runner
    from perijove.model import CameraIntent
    from perijove.render.offscreen import OffscreenRenderer

    intent = CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=60.0)
    start = to_et(START)
    stop = start + 20 * 60.0  # the twenty minutes around closest approach, at 60 frames/s of video
    renderer = OffscreenRenderer(eph, SIZE)
    out: dict = {"frames": frames}
    try:
        export(eph, FramePlan(start, stop, fps=60, frames=5), folder / "warm.mp4", SIZE, intent, renderer=renderer)
        result = export(
            eph, FramePlan(start, stop, fps=60, frames=frames), folder / "run.mp4", SIZE, intent, renderer=renderer
        )
        out["mp4_fps"] = round(result.fps, 1)
        out["mp4_bytes"] = (folder / "run.mp4").stat().st_size
    except Exception as err:  # no ffmpeg here: report it and go on to the renderer's share
        out["mp4_error"] = f"{type(err).__name__}: {err}"

    class Discard:  # the renderer, readback and HUD values of each frame, with no encoder behind them
        sidecar = folder / "none.mp4"

        def __init__(self, *args, **kwargs) -> None:
            pass

        def check(self, overwrite: bool) -> None:
            pass

        def open(self) -> None:
            pass

        def write(self, index: int, rgb: np.ndarray) -> None:
            pass

        def finish(self, count: int, cancel=None) -> None:
            pass

        def commit(self, overwrite: bool) -> None:
            pass

        def abort(self) -> None:
            pass

        def stop_encoder(self) -> None:
            pass

        def add_text(self, name: str, text: str) -> None:
            pass

    real = export_runner.make_sink
    export_runner.make_sink = lambda *a, **k: Discard()
    try:
        result = export(
            eph, FramePlan(start, stop, fps=60, frames=frames), folder / "none.mp4", SIZE, intent, renderer=renderer
        )
        out["no_encoder_fps"] = round(result.fps, 1)
    finally:
        export_runner.make_sink = real
        renderer.close()
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--export-frames", type=int, default=600)
    parser.add_argument("--png-dir", type=Path, default=None)
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args(argv)
    from perijove.ephemeris import Ephemeris, open_kernels
    from perijove.render.context import gl_info

    eph = Ephemeris(open_kernels())
    png = args.png_dir
    report: dict = {
        "benchmark": "gpu",
        "card": _card(),
        "cpu": _cpu(),
        "python": platform.python_version(),
        "size": list(SIZE),
        "goals": {"frame_ms": 4.0, "export_fps": 60.0},  # issue 16, item 7
    }
    report["msaa"] = frame_phases(eph, None, args.frames, png / "frame_msaa.png" if png else None)
    info = gl_info()
    report["gl"] = info.describe() if info else ""
    report["one_sample"] = frame_phases(eph, 0, args.frames, png / "frame_1x.png" if png else None)
    if not args.skip_export:
        with tempfile.TemporaryDirectory() as tmp:
            report["export"] = export_rates(eph, args.export_frames, Path(tmp))
    json.dump(report, sys.stdout, indent=2)
    print()
    return report


if __name__ == "__main__":
    main()
