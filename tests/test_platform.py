"""What keeps Perijove portable to macOS and Windows, checked on Linux.

Child processes are spawned (the only start method on Windows, the default on macOS; forking
a process that runs Qt or BLAS threads can deadlock); POSIX-only calls are guarded; dropped
files are read as local paths; settings and caches live where platformdirs says.
"""

from __future__ import annotations

import ast
import functools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
SOURCES = sorted(APP.rglob("*.py"))
# Not "posix" itself: the standard library imports it on Linux (shutil, via ctypes.util), and on
# Windows uses "nt" instead; os-level POSIX calls are found by the source scan (POSIX_CALLS).
POSIX_MODULES = ("fcntl", "pwd", "grp", "resource", "termios", "tty", "pty")
POSIX_CALLS = {"kill", "killpg", "fork", "forkpty", "setsid", "getpgid", "getuid", "geteuid", "getgid", "chown"}
GUARDS = ("os.name", "sys.platform", "hasattr(", "getattr(")


def _functions(tree: ast.AST):
    """Each node with the innermost function (or the module) around it."""

    def walk(node, owner):
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else owner
            yield child, inner
            yield from walk(child, inner)

    yield from walk(tree, tree)


@functools.cache
def _parsed(path: Path) -> tuple[str, ast.Module]:
    text = path.read_text()
    return text, ast.parse(text, str(path))


def _attr_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def test_every_child_process_is_spawned():
    contexts, bare = [], []
    for path in SOURCES:
        for node, _owner in _functions(_parsed(path)[1]):
            if isinstance(node, ast.Call):
                name = _attr_name(node.func) or ""
                if name.endswith(".get_context"):
                    contexts.append((path.name, ast.literal_eval(node.args[0]) if node.args else None))
                if name in ("mp.Process", "multiprocessing.Process", "mp.Pool", "multiprocessing.Pool", "os.fork"):
                    bare.append(f"{path.name}:{node.lineno} {name}")  # the platform's default method: fork on Linux
                if name.endswith("set_start_method"):
                    bare.append(f"{path.name}:{node.lineno} {name}")
    assert contexts, "no child processes found: the scan is broken"
    assert {method for _, method in contexts} == {"spawn"}, contexts
    assert bare == []


def test_an_event_search_runs_in_a_spawned_child():
    """The window's background jobs work under spawn: the target and its arguments pickle and run."""
    import queue

    from perijove.ephemeris import open_kernels
    from perijove.ui.workers import EventSearch

    paths = [str(f.path) for f in open_kernels([]).files]
    job = EventSearch(paths, ["perijove"])
    assert job._proc._start_method == "spawn"
    job._proc.start()
    try:
        while True:
            kind, a, _b = job._queue.get(timeout=120)
            if kind != "progress":
                break
    except queue.Empty:
        pytest.fail("the spawned search never answered")
    finally:
        job._proc.join(30)
    assert kind == "done", a
    days = [e.utc[:10] for e in a]
    assert "2023-12-30" in days and "2024-02-03" in days  # PJ57 and PJ58 in the embedded set


def _unguarded(text: str, where: str) -> list[str]:
    found = []
    for node, owner in _functions(ast.parse(text)):
        what = None
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            what = next((n for n in names if n.split(".")[0] in POSIX_MODULES), None)
        elif isinstance(node, ast.Attribute):
            name = _attr_name(node) or ""
            if name.startswith("os.") and node.attr in POSIX_CALLS:
                what = name
            if name.startswith("signal.SIG") and node.attr not in ("SIGINT", "SIG_IGN", "SIG_DFL"):
                what = name  # Windows lacks SIGHUP, SIGKILL, SIGUSR1...
        if what is None:
            continue
        if isinstance(owner, ast.Module) or not any(g in ast.get_source_segment(text, owner) for g in GUARDS):
            found.append(f"{where}:{node.lineno} {what}")
    return found


def test_posix_only_calls_are_guarded():
    """os.kill, getuid, fcntl and the like exist only on POSIX: each sits behind a platform check."""
    bad = "import os, signal\ndef stop(pid):\n    os.kill(pid, signal.SIGTERM)\n"
    assert _unguarded(bad, "x") == ["x:3 os.kill", "x:3 signal.SIGTERM"]  # the check can fail
    good = "import os\ndef alive(pid):\n    if os.name != 'posix':\n        return True\n    os.kill(pid, 0)\n"
    assert _unguarded(good, "x") == []
    found = [hit for path in SOURCES for hit in _unguarded(_parsed(path)[0], str(path.relative_to(APP)))]
    assert found == []


def test_no_device_paths():
    found = [
        f"{path.relative_to(APP)}:{node.lineno}"
        for path in SOURCES
        for node, _ in _functions(_parsed(path)[1])
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/dev/")
    ]
    assert found == []


def test_the_package_imports_where_posix_modules_do_not_exist():
    code = textwrap.dedent(
        f"""
        import importlib, pkgutil, sys
        for name in {POSIX_MODULES!r}:
            sys.modules[name] = None  # 'import fcntl' now fails, as on Windows
        import perijove
        failed = []
        for info in pkgutil.walk_packages(perijove.__path__, "perijove."):
            try:
                importlib.import_module(info.name)
            except ImportError as err:
                failed.append(f"{{info.name}}: {{err}}")
        print(failed)
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"


def test_stop_signals_work_without_sighup(monkeypatch):
    """Windows has SIGINT and SIGTERM only: the export's signal handling installs what exists."""
    import signal

    from perijove.cli import _StopSignals

    before = signal.getsignal(signal.SIGINT)
    monkeypatch.delattr(signal, "SIGHUP")
    with _StopSignals() as stop:
        assert sorted(stop._saved) == sorted([signal.SIGINT, signal.SIGTERM])
    assert signal.getsignal(signal.SIGINT) is before


class _Mime:
    def __init__(self, urls):
        self._urls = urls

    def hasUrls(self) -> bool:
        return bool(self._urls)

    def urls(self):
        return self._urls


class _Drop:
    def __init__(self, urls):
        self._mime = _Mime(urls)
        self.accepted = False

    def mimeData(self):
        return self._mime

    def acceptProposedAction(self) -> None:
        self.accepted = True


class _Window:
    def __init__(self) -> None:
        self.loaded: list[list[str]] = []

    def load_kernels(self, paths: list[str]) -> None:
        self.loaded.append(paths)


def test_dropped_files_are_read_as_local_paths():
    """Not ``QUrl.path()``: that drops a Windows share's host (and, on Windows, leaves a slash
    before the drive letter); ``toLocalFile()`` gives the path the platform opens."""
    from PySide6.QtCore import QUrl

    from perijove.ui.main_window import MainWindow

    urls = [
        QUrl("file:///C:/Users/me/juno%20pj57.bsp"),
        QUrl("file://fileserver/kernels/naif0012.tls"),
        QUrl.fromLocalFile("/home/me/jup 388.bsp"),
        QUrl("https://naif.jpl.nasa.gov/pub/naif/generic_kernels/lsk/naif0012.tls"),  # not a file: ignored
    ]
    window, drop = _Window(), _Drop(urls)
    MainWindow.dropEvent(window, drop)
    assert window.loaded == [[u.toLocalFile() for u in urls[:3]]]
    assert window.loaded[0][1] == "//fileserver/kernels/naif0012.tls" and window.loaded[0][2] == "/home/me/jup 388.bsp"
    assert drop.accepted
    nothing = _Drop([urls[3]])
    MainWindow.dropEvent(window, nothing)
    assert len(window.loaded) == 1 and not nothing.accepted


def test_caches_follow_platformdirs_unless_overridden(monkeypatch, tmp_path):
    from platformdirs import user_cache_dir, user_data_dir

    from perijove.ephemeris.download import default_cache_dir
    from perijove.render.diskcache import cache_dir

    monkeypatch.setenv("PERIJOVE_CACHE", str(tmp_path / "k"))
    monkeypatch.setenv("PERIJOVE_RENDER_CACHE", str(tmp_path / "r"))
    assert default_cache_dir() == tmp_path / "k" and cache_dir() == tmp_path / "r"
    monkeypatch.delenv("PERIJOVE_CACHE")
    monkeypatch.delenv("PERIJOVE_RENDER_CACHE")
    assert default_cache_dir() == Path(user_data_dir("perijove", "Perijove")) / "kernels"
    assert cache_dir() == Path(user_cache_dir("perijove", "Perijove")) / "render"
    if sys.platform.startswith("linux"):  # where existing users' files already are
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        assert default_cache_dir() == tmp_path / "data" / "perijove" / "kernels"
        assert cache_dir() == tmp_path / "cache" / "perijove" / "render"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's native settings are this INI file on Linux only")
def test_settings_file_is_the_one_qt_used_on_linux(tmp_path):
    """Moving the settings to platformdirs keeps existing Linux users' settings: same file, same format."""
    code = textwrap.dedent(
        """
        from PySide6 import QtCore
        from perijove.model.settings import settings_file
        old = QtCore.QSettings("Perijove", "Perijove")  # what the window used before
        old.setValue("rate", "60.0")
        old.sync()
        new = QtCore.QSettings(settings_file(), QtCore.QSettings.Format.IniFormat)
        print(settings_file(), old.fileName() == settings_file(), new.value("rate"))
        """
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(tmp_path / "Perijove" / "Perijove.conf"), "True", "60.0"]


# -- bundles -----------------------------------------------------------------------------------------------
PACKAGING = APP.parent / "packaging"


def _icon_tool():
    sys.path.insert(0, str(PACKAGING))
    try:
        import make_icon
    finally:
        sys.path.remove(str(PACKAGING))
    return make_icon


def _same(a, b) -> bool:
    import numpy as np

    return np.array_equal(np.asarray(a.convert("RGBA")), np.asarray(b.convert("RGBA")))


def test_icon_generator_writes_a_windows_ico_and_a_macos_icns(tmp_path, monkeypatch):
    """Every size is in each file, and each is the drawing at that size (not one image scaled)."""
    from PIL import Image

    make_icon = _icon_tool()
    monkeypatch.setattr(make_icon, "png", functools.cache(make_icon.png))  # each size drawn once here
    ico, icns = make_icon.write_bundle_icons(tmp_path)
    with Image.open(ico) as im:
        assert im.format == "ICO"
        assert sorted(im.info["sizes"]) == [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
        for size in (16, 48, 256):
            assert _same(im.ico.getimage((size, size)), make_icon.png(size))
    with Image.open(icns) as im:
        assert im.format == "ICNS" and im.size == (1024, 1024)
        pixels = {w * scale for w, _h, scale in im.info["sizes"]}
        assert pixels == {32, 64, 128, 256, 512, 1024}
    for size, scale in ((16, 2), (128, 1), (512, 2)):
        with Image.open(icns) as im:
            im.size = (size, size)
            im.load(scale=scale)
            assert im.size == (size * scale,) * 2 and _same(im, make_icon.png(size * scale))
    # The committed icons the spec uses are these files.
    for made in (ico, icns):
        committed = PACKAGING / "icons" / made.name
        with Image.open(made) as fresh, Image.open(committed) as kept:
            assert kept.format == fresh.format and kept.info["sizes"] == fresh.info["sizes"]
            assert _same(kept, fresh)


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def __call__(self, kind: str):
        def make(*args, **kwargs):
            self.calls.append((kind, args, kwargs))
            return type(kind, (), {"pure": [], "scripts": [], "binaries": [], "datas": []})()

        return make

    def of(self, kind: str) -> list[dict]:
        return [kw for k, _a, kw in self.calls if k == kind]


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_spec_builds_each_platforms_bundle(monkeypatch, platform):
    """The spec's branches, read with PyInstaller's build steps recorded instead of run."""
    rec = _Recorder()
    names = {k: rec(k) for k in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    spec = PACKAGING / "perijove.spec"
    monkeypatch.setattr(sys, "platform", platform)
    exec(compile(spec.read_text(), str(spec), "exec"), {"SPECPATH": str(PACKAGING), **names})
    exes = rec.of("EXE")
    icons = {kw["icon"] for kw in exes}
    if platform == "linux":
        assert [(kw["name"], kw["console"]) for kw in exes] == [("perijove", True)] and icons == {None}
        assert rec.of("BUNDLE") == []
    elif platform == "win32":
        assert [(kw["name"], kw["console"]) for kw in exes] == [("perijove", True), ("perijove-window", False)]
        assert icons == {str(PACKAGING / "icons" / "perijove.ico")} and rec.of("BUNDLE") == []
    else:
        (bundle,) = rec.of("BUNDLE")
        assert bundle["name"] == "Perijove.app" and bundle["icon"] == str(PACKAGING / "icons" / "perijove.icns")
        assert bundle["bundle_identifier"] == "io.github.perijove.Perijove"
        from perijove import __version__

        assert bundle["version"] == __version__ == bundle["info_plist"]["CFBundleShortVersionString"]
    for icon in icons - {None}:
        assert Path(icon).is_file()
    (collect,) = [a for k, a, _kw in rec.calls if k == "COLLECT"]
    assert len(collect) == len(exes) + 2  # every executable shares the one folder of libraries and data
