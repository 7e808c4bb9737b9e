"""Getting an OpenGL context with or without a display.

VisPy allows one application backend per process. With a display (or when Qt
is already in use) the caller's backend is kept; headless, EGL on Mesa's
surfaceless platform (or the NVIDIA driver) gives a context with no window
system at all, which is what CI and ``perijove render`` need.
"""

from __future__ import annotations

import os

import vispy


def ensure_backend() -> str:
    """Select a VisPy backend once per process and return its name."""
    from vispy import app

    current = app.use_app(call_reuse=False) if _backend_chosen() else None
    if current is not None:
        return current.backend_name
    if os.environ.get("PERIJOVE_GL_BACKEND"):
        name = os.environ["PERIJOVE_GL_BACKEND"]
    elif (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and _has_qt():
        name = "pyside6"
    else:
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")
        name = "egl"
    vispy.use(app=name)
    return app.use_app().backend_name


def _backend_chosen() -> bool:
    from vispy.app import _default_app

    return _default_app.default_app is not None


def offscreen_canvas(size: tuple[int, int] = (64, 64)):
    """A hidden VisPy canvas whose context serves offscreen framebuffers."""
    ensure_backend()
    from vispy import app

    canvas = app.Canvas(size=size, show=False, keys=None)
    canvas.set_current()
    return canvas


def _has_qt() -> bool:
    from importlib.util import find_spec

    return find_spec("PySide6") is not None
