"""One place that knows where shipped files live, installed or editable.

``assets/`` and ``shaders/`` sit at the repository top level but are mapped
into the package as ``perijove.assets`` and ``perijove.shaders``; going
through ``importlib.resources`` keeps every caller independent of that.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _package_dir(package: str) -> Path:
    root = resources.files(package)
    path = Path(str(root))
    if not path.is_dir():  # pragma: no cover - zipped installs are not supported
        raise RuntimeError(f"{package} is not installed as a folder on disk: {root}")
    return path


def assets_dir() -> Path:
    """Folder of shipped data (kernels, maps, icons)."""
    return _package_dir("perijove.assets")


def shaders_dir() -> Path:
    """Folder of GLSL snippets."""
    return _package_dir("perijove.shaders")


def asset_path(*parts: str) -> Path:
    """Path of a shipped data file; it may not exist (callers decide)."""
    return assets_dir().joinpath(*parts)


def shader_source(name: str) -> str:
    """Text of ``shaders/<name>`` (``.glsl`` added when missing)."""
    if not name.endswith(".glsl"):
        name += ".glsl"
    path = shaders_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"no shader named {name!r} in {shaders_dir()}")
    return path.read_text(encoding="utf-8")
