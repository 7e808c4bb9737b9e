"""Generated render assets kept on disk between runs (procedural maps, the spacecraft mesh).

Making them costs seconds at every start (numpy work, and importing trimesh and scipy for the
mesh); reading them back costs milliseconds. A cached file that is missing, unreadable or of
the wrong shape is simply made again, and a cache that cannot be written only costs time.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_dir() -> Path:
    """``PERIJOVE_RENDER_CACHE`` or the user's cache folder."""
    if os.environ.get("PERIJOVE_RENDER_CACHE"):
        return Path(os.environ["PERIJOVE_RENDER_CACHE"]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("perijove", "Perijove")) / "render"


def load_or_make(
    name: str, make: Callable[[], T], read: Callable[[Path], T | None], write: Callable[[T, object], None]
) -> T:
    """``read(path)`` if it gives a value, else ``make()`` stored with ``write(value, handle)``."""
    path = cache_dir() / name
    try:
        value = read(path)
        if value is not None:
            return value
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # absent or damaged (a half-written .npz is a bad zip): make it again
    value = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(value, handle)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError:
        pass
    return value
