"""The desktop bundle: PyInstaller builds it here, and its binary works headless and in a window."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bundle_builds_and_runs(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh"), str(dist)],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=ROOT,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    exe = dist / "perijove" / "perijove"
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("perijove ")
    gl = subprocess.run([str(exe), "--version", "-v"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert gl.returncode == 0 and gl.stdout.splitlines()[1].startswith("gl: "), gl.stderr  # the frozen app finds GL
    out = tmp_path / "frame.png"
    render = subprocess.run(
        [
            str(exe),
            "render",
            "--time",
            "2023-12-30T08:30",
            "--look-at",
            "io",
            "--from",
            "sun",
            "--size",
            "320x240",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert render.returncode == 0, render.stderr
    from PIL import Image

    image = np.asarray(Image.open(out))
    assert image.shape == (240, 320, 3) and image[120, 160].mean() > 60  # Io, lit, in the middle
    movie = tmp_path / "clip.mp4"
    export = subprocess.run(
        [
            str(exe),
            "export",
            "--start",
            "2023-12-30T08:30",
            "--stop",
            "2023-12-30T08:40",
            "--frames",
            "4",
            "--size",
            "320x240",
            str(movie),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert export.returncode == 0 and movie.stat().st_size > 1000, export.stderr  # the bundled ffmpeg works
    if shutil.which("xvfb-run"):
        gui = subprocess.run(
            ["xvfb-run", "-a", str(exe), "gui", "--first-frame-exit"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert gui.returncode == 0 and "first frame after" in gui.stdout, gui.stderr[-2000:]
