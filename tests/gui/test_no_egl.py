"""Without EGL, with a display: render, export and the window's export draw through a hidden Qt context.

This is how macOS and Windows run (no EGL there), exercised on Linux by hiding Mesa's EGL
vendor from libglvnd. The commands run in child processes, which see the hidden EGL from their
start; the window's export child inherits it from this process's environment.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from perijove.ephemeris import to_et

ROOT = Path(__file__).resolve().parents[2]
CA1 = "2023-12-30T08:36:00.8"
NO_EGL = {"__EGL_VENDOR_LIBRARY_DIRS": "/nonexistent"}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PERIJOVE_GL_BACKEND"}
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def _csv_gl(path: Path) -> set[str]:
    with open(path, newline="") as handle:
        return {row["gl"] for row in csv.DictReader(handle)}


def test_render_pixel_tests_pass_through_qt_without_egl():
    """The pixel checks of tests/test_render.py (bodies where SPICE puts them), drawn through Qt."""
    code = (
        "import sys, pytest\n"
        "rc = pytest.main(sys.argv[1:])\n"
        "from perijove.render.context import gl_info\n"
        "print('GL-BACKEND', gl_info().backend if gl_info() else None)\n"
        "sys.exit(rc)\n"
    )
    tests = "sun_side_bright or subsolar_point_matches_spice or fills_its_angular_size"
    run = _run(
        [sys.executable, "-c", code, "tests/test_render.py", "-q", "-p", "no:cacheprovider", "-k", tests],
        _env(**NO_EGL),
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "3 passed" in run.stdout
    assert "GL-BACKEND pyside6" in run.stdout


def test_cli_render_through_qt_matches_the_egl_frame(tmp_path):
    from PIL import Image

    args = ["render", "-v", "--time", CA1, "--look-at", "io", "--size", "320x240", "--no-stars"]
    qt = _run([sys.executable, "-m", "perijove", *args, str(tmp_path / "qt.png")], _env(**NO_EGL))
    assert qt.returncode == 0, qt.stderr
    assert "perijove: gl: Qt (pyside6), " in qt.stderr
    egl = _run([sys.executable, "-m", "perijove", *args, str(tmp_path / "egl.png")], _env())
    assert egl.returncode == 0, egl.stderr
    assert "perijove: gl: EGL (egl), " in egl.stderr  # on Linux EGL comes first, display or not
    a = np.asarray(Image.open(tmp_path / "qt.png")).astype(int)
    b = np.asarray(Image.open(tmp_path / "egl.png")).astype(int)
    assert a.shape == (240, 320, 3) and a[120, 160].mean() > 60  # Io, lit, at the centre
    assert (np.abs(a - b).max(axis=2) > 8).mean() < 0.002  # the same picture, whichever context drew it


def test_cli_export_through_qt_writes_ten_frames(tmp_path):
    import imageio_ffmpeg

    out = tmp_path / "m.mp4"
    args = ["export", "--start", "2023-12-30T08:30", "--stop", "2023-12-30T08:40", "--frames", "10"]
    run = _run([sys.executable, "-m", "perijove", *args, "--size", "320x180", str(out)], _env(**NO_EGL))
    assert run.returncode == 0, run.stderr
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 10
    (gl,) = _csv_gl(tmp_path / "m.csv")
    assert gl.startswith("Qt (pyside6), ")


@pytest.fixture
def export_job(qtbot, tmp_path):
    """What File → Export hands the window's export child: a job from the dialog."""
    from perijove.model.session import Session
    from perijove.ui.export_dialog import ExportDialog

    session = Session()
    session.clock.set_et(to_et("2023-12-30T08:36:00"))
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    dialog.frames.setValue(4)
    dialog.size.setCurrentText("640x360")
    dialog.out.setText(str(tmp_path / "window.mp4"))
    return dialog.build_job()


def _window_export(qtbot, job: dict) -> list[str]:
    from PySide6 import QtWidgets

    from perijove.ui.export_dialog import run_export

    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    messages: list[str] = []
    worker = run_export(parent, job, messages.append)  # as MainWindow.start_export does
    qtbot.waitUntil(lambda: not worker.running, timeout=180_000)
    return messages


def test_window_export_through_qt_without_egl(qtbot, tmp_path, monkeypatch, export_job):
    import imageio_ffmpeg

    monkeypatch.setenv("__EGL_VENDOR_LIBRARY_DIRS", "/nonexistent")  # the spawned child starts without EGL
    messages = _window_export(qtbot, export_job)
    assert messages == [f"Exported 4 frames to {tmp_path / 'window.mp4'}"]
    assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "window.mp4"))[0] == 4
    (gl,) = _csv_gl(tmp_path / "window.csv")
    assert gl.startswith("Qt (pyside6), ")


def test_window_export_without_any_gl_fails_with_one_line(qtbot, tmp_path, monkeypatch, export_job):
    monkeypatch.setenv("__EGL_VENDOR_LIBRARY_DIRS", "/nonexistent")
    monkeypatch.delenv("DISPLAY")  # the child alone: this window keeps its display
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    messages = _window_export(qtbot, export_job)
    assert len(messages) == 1 and messages[0].startswith("⚠ no OpenGL context: EGL: ")
    assert "\n" not in messages[0] and "Qt: no display" in messages[0]
    assert list(tmp_path.iterdir()) == []


def test_window_export_says_what_a_small_frame_left_out_of_the_overlay(qtbot, tmp_path, export_job):
    job = {**export_job, "size": [160, 120], "overlay": {"title": "Juno PJ57 — Io flyby"}}
    messages = _window_export(qtbot, job)
    assert len(messages) == 1 and messages[0].startswith(f"Exported 4 frames to {tmp_path / 'window.mp4'} ("), messages
    assert "the title" in messages[0] and messages[0].endswith(" left out of the overlay: no room)"), messages
