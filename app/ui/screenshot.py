"""Ctrl+S: what the window shows, saved as a PNG.

The scene is drawn again offscreen (the canvas's ``grab``: a 24-bit depth buffer, the frames'
multisampling), and the HUD, a Qt label over the view, is painted onto it where it sits: a
classroom picture keeps its time and the note of which data it rests on. H hides both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtGui, QtWidgets

from perijove.ephemeris import PerijoveError


def png_name(path: Path) -> Path:
    """``NAME`` becomes ``NAME.png``; a name of another type is refused rather than filled with PNG bytes."""
    path = Path(path)
    if not path.suffix:
        return path.with_name(path.name + ".png")
    if path.suffix.lower() != ".png":
        raise PerijoveError(f"{path}: screenshots are PNG images; give a name ending in .png")
    return path


def with_overlay(image: np.ndarray, overlay: QtWidgets.QWidget, view: QtWidgets.QWidget) -> np.ndarray:
    """``image`` (the view's pixels, RGB or RGBA) with ``overlay``, a child of ``view``, painted over it."""
    h, w = image.shape[:2]
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[:, :, :3] = image[:, :, :3]
    rgba[:, :, 3] = 255
    qimage = QtGui.QImage(rgba.data, w, h, 4 * w, QtGui.QImage.Format.Format_RGBA8888)
    painter = QtGui.QPainter(qimage)
    try:
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
        ratio = w / max(view.width(), 1)  # the image is in device pixels
        painter.scale(ratio, ratio)
        overlay.render(painter, overlay.pos(), QtGui.QRegion(), QtWidgets.QWidget.RenderFlag.DrawChildren)
    finally:
        painter.end()
    return rgba[:, :, :3].copy()


def window_picture(canvas, hud: QtWidgets.QWidget | None) -> np.ndarray:
    """The view as the user sees it: the scene, and the HUD when it is shown."""
    image = canvas.grab()
    if hud is not None and hud.isVisible() and hud.text():
        return with_overlay(image, hud, canvas.native)
    return np.ascontiguousarray(image[:, :, :3])
