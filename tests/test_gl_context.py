"""Choosing the GL context: the platform rule, the fallback, and one clear line when nothing works.

The EGL-hidden runs with a display (the Qt path) are in tests/gui/test_no_egl.py, which runs
under Xvfb. Mesa's EGL is hidden as a user without it would see it: no vendor for libglvnd.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest

from perijove.render.context import GLUnavailable, candidates, has_display

CA1 = "2023-12-30T08:36:00.8"
NO_EGL = "/nonexistent"


def _env(**extra: str) -> dict[str, str]:
    # EGL_PLATFORM too: an earlier test's in-process EGL context sets it, and the children must start clean
    dropped = ("DISPLAY", "WAYLAND_DISPLAY", "PERIJOVE_GL_BACKEND", "EGL_PLATFORM")
    if "__EGL_VENDOR_LIBRARY_DIRS" in extra:  # glvnd reads a vendor list named by FILENAMES before DIRS
        dropped += ("__EGL_VENDOR_LIBRARY_FILENAMES",)
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(extra)
    return env


def _perijove(*args: str, env: dict[str, str], cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "perijove", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


@pytest.mark.parametrize(
    "platform, env, expected",
    [
        ("darwin", {}, ["pyside6", "egl"]),  # no EGL there: a hidden Qt context first
        ("win32", {}, ["pyside6", "egl"]),
        ("linux", {}, ["egl", "pyside6"]),  # EGL needs no window system
        ("linux", {"DISPLAY": ":0"}, ["egl", "pyside6"]),
        ("linux", {"PERIJOVE_GL_BACKEND": "qt"}, ["pyside6"]),  # forced: that one only
        ("darwin", {"PERIJOVE_GL_BACKEND": "EGL"}, ["egl"]),
    ],
)
def test_backends_are_tried_in_the_platforms_order(platform, env, expected):
    assert candidates(env, platform) == expected


def test_an_unknown_forced_backend_is_a_clear_error():
    with pytest.raises(GLUnavailable, match="PERIJOVE_GL_BACKEND='glx': use egl or qt"):
        candidates({"PERIJOVE_GL_BACKEND": "glx"}, "linux")


def test_qt_needs_a_display_only_on_linux():
    assert has_display({}, "darwin") and has_display({}, "win32")
    assert not has_display({}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux") and has_display({"DISPLAY": ":1"}, "linux")


@pytest.fixture(scope="module")
def no_egl_env() -> dict[str, str]:
    """The environment of a user without EGL: glvnd finds no vendor. Where libEGL is not glvnd's
    (NVIDIA's own, first on the library path of the lent GPU machine) EGL cannot be hidden so."""
    env = _env(__EGL_VENDOR_LIBRARY_DIRS=NO_EGL)
    code = "from perijove.render.context import _why_not; print(_why_not('egl'))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    if run.returncode == 0 and run.stdout.strip() == "None":
        pytest.skip("this machine's libEGL ignores glvnd's vendor list: EGL cannot be hidden")
    return env


@pytest.mark.parametrize("command", ["render", "export", "version"])
def test_without_egl_and_without_a_display_the_error_is_one_line(tmp_path, command, no_egl_env):
    args = {
        "render": ["render", "--time", CA1, "--look-at", "io", "--size", "64x36", str(tmp_path / "f.png")],
        "export": [*f"export --start {CA1} --stop 2023-12-30T08:37 --frames 2 --size 64x36".split(), "m.mp4"],
        "version": ["--version", "--verbose"],
    }[command]
    run = _perijove(*args, env=no_egl_env, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    line = run.stderr.strip()
    assert line.startswith("perijove: error: no OpenGL context:")
    assert "EGL: no EGL driver could open a display" in line and "Qt: no display" in line  # names what is missing
    assert "internal error" not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, no partials left


def test_failed_egl_probe_leaves_the_display_for_qt():
    """VisPy unsets DISPLAY around eglGetDisplay and, when that fails, never sets it back: Qt
    would then find no display and abort the process. The probe restores it (and EGL_PLATFORM)."""
    code = (
        "import ctypes, os\n"
        "from perijove.render.context import _why_not\n"
        "why = _why_not('egl')\n"
        "libc = ctypes.CDLL(None); libc.getenv.restype = ctypes.c_char_p\n"
        "print(why, '|', libc.getenv(b'DISPLAY'), '|', os.environ.get('EGL_PLATFORM'))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_env(__EGL_VENDOR_LIBRARY_DIRS=NO_EGL, DISPLAY=":4242"),
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    why, display, platform = (part.strip() for part in run.stdout.split("|"))
    assert why.startswith("no EGL driver could open a display")
    assert display == "b':4242'" and platform == "None"


def test_render_and_export_say_which_gl_drew_them(tmp_path):
    png = tmp_path / "f.png"
    run = _perijove("render", "-v", "--time", CA1, "--look-at", "io", "--size", "64x36", str(png), env=_env())
    assert run.returncode == 0, run.stderr
    assert "perijove: gl: EGL (egl), " in run.stderr and png.is_file()
    version = _perijove("--version", "-v", env=_env())
    assert version.returncode == 0 and version.stdout.splitlines()[1].startswith("gl: EGL (egl), ")
    renderer = version.stdout.splitlines()[1].split(", ", 2)[1]
    assert renderer and renderer != "unknown"
    out = tmp_path / "m.mp4"
    args = f"export --start {CA1} --stop 2023-12-30T08:37 --frames 2 --size 64x36".split()
    run = _perijove(*args, str(out), env=_env())
    assert run.returncode == 0, run.stderr
    with open(tmp_path / "m.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and {r["gl"] for r in rows} == {version.stdout.splitlines()[1].removeprefix("gl: ")}
