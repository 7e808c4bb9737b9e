"""The package as users get it: resources, entry points, layer boundaries."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from perijove import resources

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = ("PySide6", "PyQt5", "PyQt6", "vispy", "qtpy", "trimesh")


def test_resources_reachable_in_this_install():
    assert (resources.assets_dir() / "__init__.py").is_file()
    assert "float log_depth" in resources.shader_source("logdepth")
    with pytest.raises(FileNotFoundError, match="no shader named"):
        resources.shader_source("missing")


QT = ("PySide6", "PyQt5", "PyQt6", "qtpy")


@pytest.mark.parametrize(
    "layer, forbidden",
    [("ephemeris", FORBIDDEN_IN_CORE), ("model", FORBIDDEN_IN_CORE), ("render", QT)],
)
def test_layers_keep_their_boundaries(layer, forbidden):
    """ephemeris/ and model/ import neither Qt nor VisPy; render/ imports no Qt, except that the module
    choosing the GL backend asks QtGui whether the hidden Qt canvas really got a context."""
    folder = ROOT / "app" / layer
    for path in folder.rglob("*.py") if folder.is_dir() else ():
        banned = (*QT[1:], "PySide6.QtWidgets") if layer == "render" and path.name == "context.py" else forbidden
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(banned), f"{path.name} imports {name}"


def test_importing_ephemeris_loads_no_gui_module():
    code = (
        "import sys, perijove.ephemeris, perijove.cli; "
        f"print([m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_IN_CORE!r}])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_wheel_ships_assets_and_shaders(tmp_path):
    """A non-editable install (a built wheel) finds the same resources."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("perijove-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "perijove/shaders/logdepth.glsl" in names
    assert "perijove/assets/__init__.py" in names
    assert "perijove/assets/kernels/manifest.json" in names
    assert "perijove/assets/kernels/perijove_juno.bsp" in names
    assert "perijove/ephemeris/kernels.py" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import perijove, perijove.resources as r; "
        "print(perijove.__file__); print(r.shaders_dir()); print(len(r.shader_source('logdepth')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, check=True
    )
    mod, shaders, size = out.stdout.split()
    assert mod.startswith(str(target)) and shaders.startswith(str(target)) and int(size) > 0
    script = subprocess.run(
        [sys.executable, "-m", "perijove", "--version"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert script.returncode == 0 and script.stdout.startswith("perijove ")
    info = subprocess.run(
        [sys.executable, "-m", "perijove", "kernels", "info"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert info.returncode == 0 and str(target) in info.stdout and "provenance synthetic" in info.stdout
