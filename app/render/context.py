"""Getting an OpenGL context with or without a display, on every platform.

VisPy allows one application backend per process, so a backend cannot simply
be tried and dropped: each candidate is first checked cheaply, and only one
that passes is committed with ``vispy.use``.

- macOS and Windows have no EGL, but always a window system: a hidden Qt
  canvas whose context is current on a ``QOffscreenSurface`` (VisPy's PySide6
  backend does this for a canvas that is never shown) is the first choice.
- Linux: EGL on Mesa's surfaceless platform (or the NVIDIA driver) needs no
  window system at all, so it comes first; with a display, Qt is the fallback
  when EGL is missing. Qt is never tried without a display there, because its
  xcb plugin aborts the whole process instead of failing.

Checking EGL means loading libEGL and initialising a display, which is what
VisPy's EGL backend module does on import without selecting anything; a
failure leaves the module marked unavailable and the process free to use Qt.
When nothing works the error is one line that names what is missing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import vispy

from perijove.ephemeris.errors import PerijoveError

LABELS = {"egl": "EGL", "pyside6": "Qt"}
ALIASES = {"egl": "egl", "qt": "pyside6", "pyside6": "pyside6"}


class GLUnavailable(PerijoveError):
    """No OpenGL context could be made; the message says what is missing."""


@dataclass(frozen=True)
class GLInfo:
    """Which backend gave the context and what the driver says it is (for -v and the export sidecar)."""

    backend: str
    renderer: str
    version: str
    vendor: str

    def describe(self) -> str:
        return f"{LABELS.get(self.backend, self.backend)} ({self.backend}), {self.renderer}, OpenGL {self.version}"


_info: GLInfo | None = None
_failed: dict[str, str] = {}  # backends committed but unable to make a context, and why
_committed: list[str] = []  # what ensure_backend itself selected (not a caller such as the window)


def has_display(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt can reach a window system (on macOS and Windows the desktop session always can)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "darwin" or platform.startswith("win"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def candidates(env: Mapping[str, str] | None = None, platform: str | None = None) -> list[str]:
    """Backends to try, best first: the platform's rule, or ``PERIJOVE_GL_BACKEND`` alone."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    forced = env.get("PERIJOVE_GL_BACKEND", "").strip().lower()
    if forced:
        if forced not in ALIASES:
            raise GLUnavailable(f"PERIJOVE_GL_BACKEND={forced!r}: use egl or qt")
        return [ALIASES[forced]]
    if platform == "darwin" or platform.startswith("win"):
        return ["pyside6", "egl"]
    return ["egl", "pyside6"]


def _why_not(name: str) -> str | None:
    """``None`` if ``name`` can be committed, else why not (a few words)."""
    if name == "egl":
        return _why_not_egl()
    from importlib.util import find_spec

    if find_spec("PySide6") is None:
        return "PySide6 is not installed"
    if not has_display():
        return "no display (DISPLAY and WAYLAND_DISPLAY are unset)"
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in ("offscreen", "minimal", "vnc"):
        return f"QT_QPA_PLATFORM={platform} has no OpenGL"
    return None


def _why_not_egl() -> str | None:
    saved = os.environ.get("EGL_PLATFORM")
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")  # Mesa: no window system needed
    display = os.environ.get("DISPLAY")
    try:
        from vispy.app.backends import _egl

        ok, why = _egl.available, str(_egl.why_not or "")
    except Exception as err:  # a broken libEGL can fail in unexpected ways: it is simply not usable
        ok, why = False, f"{type(err).__name__}: {err}"
    finally:
        if display is not None:  # VisPy unsets DISPLAY around eglGetDisplay and leaves it unset if that fails
            os.environ["DISPLAY"] = display
    if ok:
        return None
    if saved is None:  # Qt on Wayland or EGL-on-X11 must not inherit the surfaceless platform
        os.environ.pop("EGL_PLATFORM", None)
    hint = " (install libegl1 and Mesa's libegl-mesa0, or a GPU driver)" if sys.platform.startswith("linux") else ""
    if "library not found" in why:
        return f"libEGL not found{hint}"
    if "display" in why.lower():
        return f"no EGL driver could open a display{hint}"
    return " ".join(why.split()) or "unavailable"


def ensure_backend() -> str:
    """Select a VisPy backend once per process (see the module notes) and return its name."""
    from vispy import app

    if _backend_chosen():
        return app.use_app(call_reuse=False).backend_name
    reasons = []
    for name in candidates():
        why = _failed.get(name) or _why_not(name)
        if why is None:
            vispy.use(app=name)
            _committed.append(name)
            return app.use_app().backend_name
        reasons.append(f"{LABELS[name]}: {why}")
    raise GLUnavailable("no OpenGL context: " + "; ".join(reasons))


def _backend_chosen() -> bool:
    from vispy.app import _default_app

    return _default_app.default_app is not None


def offscreen_canvas(size: tuple[int, int] = (64, 64)):
    """A hidden VisPy canvas whose context serves offscreen framebuffers."""
    global _info

    backend = ensure_backend().lower()
    from vispy import app

    canvas = app.Canvas(size=size, show=False, keys=None)
    canvas.set_current()
    if "pyside6" in backend or "qt" in backend:
        from PySide6 import QtGui

        if QtGui.QOpenGLContext.currentContext() is None:  # VisPy does not check context creation
            canvas.close()
            why = "it could not create a context (no OpenGL driver for this display)"
            if _committed[-1:] != ["pyside6"]:  # the caller chose Qt: not ours to switch
                raise GLUnavailable(f"no OpenGL context: Qt: {why}")
            _failed["pyside6"] = why
            from vispy.app import _default_app

            _default_app.default_app = None  # nothing was drawn with it: the other backend may still be tried
            return offscreen_canvas(size)
    if _info is None:
        _info = _query("egl" if "egl" in backend else "pyside6")  # this canvas's context is current
    return canvas


def make_current(canvas) -> None:
    """``canvas.set_current()``, made true for a hidden Qt canvas.

    VisPy makes a Qt canvas's context current only once its widget is valid (shown); a canvas
    that is never shown draws in a second context on an offscreen surface, current from its
    creation only until another context is made current (another window, Qt's own drawing).
    A process with one context never notices; the window, with its offscreen view, does.
    """
    native = getattr(canvas, "native", None)
    secondary, surface = getattr(native, "_secondary_context", None), getattr(native, "_surface", None)
    if secondary is not None and surface is not None and not native.isValid():
        secondary.makeCurrent(surface)
    canvas.set_current()


def _query(backend: str) -> GLInfo:
    from vispy.gloo import gl

    def text(what: int) -> str:
        try:
            value = gl.glGetParameter(what)
        except Exception:  # the report is informative only; never fail a render over it
            return "unknown"
        return " ".join(str(value or "unknown").split())

    return GLInfo(backend, text(gl.GL_RENDERER), text(gl.GL_VERSION), text(gl.GL_VENDOR))


SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "software rasterizer", "gdi generic")


def is_software(renderer: str) -> bool:
    """Whether ``GL_RENDERER`` names a rasteriser that runs on the CPU (Mesa's, SwiftShader, Windows' GDI).

    There every sample costs: 4x multisampling doubles a window frame, where on a GPU it is free.
    """
    name = renderer.lower()
    return any(s in name for s in SOFTWARE_RENDERERS)


def gl_info() -> GLInfo | None:
    """What the first offscreen canvas of this process was drawn with (``None`` before one)."""
    return _info
