"""The view on software GL: frames drawn offscreen, as exports are, and shown as images.

With a ``QOpenGLWidget`` in it, Qt composes the whole window through OpenGL; on Mesa's
llvmpipe that composition and the copy to the window system cost about 24 ms a frame at
1400 x 860 before anything is drawn, more than the scene itself. Here the window stays a
raster window: the scene is drawn into an offscreen target in a hidden context, read back
(about 1 ms) and painted by Qt's raster engine (about 1 ms). A repaint that needs no new
frame (the HUD over the view, an expose) paints the last image again without drawing.
"""

from __future__ import annotations

import sys
import time
import traceback

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import PerijoveError
from perijove.model.session import Session
from perijove.render.context import make_current
from perijove.render.framebuffer import MAX_SIZE, OffscreenTarget
from perijove.ui.canvas import ViewControl

LITTLE_ENDIAN = sys.byteorder == "little"
# Frames read as B, G, R, A bytes are Qt's RGB32 on a little-endian machine: painted without conversion.
IMAGE_FORMAT = QtGui.QImage.Format.Format_RGB32 if LITTLE_ENDIAN else QtGui.QImage.Format.Format_RGBX8888
ERROR_RGB = (13, 0, 0)  # the frame shown when the scene cannot be drawn (the message says why)
# Qt 6.6 and later tell a widget its screen's pixel density changed; older Qt sends a resize too.
_DPR_CHANGE = getattr(QtCore.QEvent.Type, "DevicePixelRatioChange", None)
_BUTTONS = {
    QtCore.Qt.MouseButton.LeftButton: 1,
    QtCore.Qt.MouseButton.RightButton: 2,
    QtCore.Qt.MouseButton.MiddleButton: 3,
}


class MouseEvent:
    """A Qt mouse or wheel event in the terms the camera control reads (VisPy's: logical-pixel
    ``pos``, ``button`` 1/2/3, ``modifiers`` named, wheel ``delta`` in notches)."""

    def __init__(self, event: QtGui.QSinglePointEvent, button: int | None = None) -> None:
        point = event.position()
        self.pos = (float(point.x()), float(point.y()))
        self.button = button
        self.is_dragging = bool(event.buttons())
        mods = event.modifiers()
        names = (
            (QtCore.Qt.KeyboardModifier.ShiftModifier, "Shift"),
            (QtCore.Qt.KeyboardModifier.ControlModifier, "Control"),
            (QtCore.Qt.KeyboardModifier.AltModifier, "Alt"),
        )
        self.modifiers = tuple(name for flag, name in names if mods & flag)
        self.delta = (0.0, 0.0)
        if isinstance(event, QtGui.QWheelEvent):
            angle = event.angleDelta()
            self.delta = (angle.x() / 120.0, angle.y() / 120.0)


class _View(QtWidgets.QWidget):
    def __init__(self, owner: ImageCanvas) -> None:
        super().__init__()
        self._owner = owner
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)  # every pixel is painted
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setMouseTracking(False)
        self.setMinimumSize(1, 1)
        self.resize(960, 600)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(960, 600)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        # A new frame is drawn only for a paint of the whole view. A paint of part of it (the
        # region under the HUD when its text changes) shows the image the rest of the view
        # shows; painted there alone, a newer frame showed as a patch of another time under the
        # HUD while playing. (QRegion.contains(QRect) asks for an overlap, not containment.)
        whole = QtGui.QRegion(self.rect()).subtracted(event.region()).isEmpty()
        image = self._owner.image(draw=whole)
        if not whole and self._owner.stale:
            self.update()  # the whole view, with the new frame, next
        painter = QtGui.QPainter(self)
        if image is None:
            painter.fillRect(self.rect(), QtGui.QColor(*ERROR_RGB))
        else:
            painter.drawImage(self.rect(), image)
        painter.end()
        owner = self._owner
        if owner.first_frame_at is None and owner.frames_drawn and image is not None:
            owner.first_frame_at = time.perf_counter()  # painted: Qt puts it on screen as this returns

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == _DPR_CHANGE:  # moved to a screen of another pixel density: draw anew
            self._owner.resized()
            self.update()
        return super().event(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self._owner.resized()
        super().resizeEvent(event)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self._owner.on_mouse_press(MouseEvent(event, _BUTTONS.get(event.button())))

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        self._owner.on_mouse_release(MouseEvent(event, _BUTTONS.get(event.button())))

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        self._owner.on_mouse_move(MouseEvent(event))

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        self._owner.on_mouse_wheel(MouseEvent(event))
        event.accept()


class ImageCanvas(ViewControl):
    """The view as images drawn offscreen (see the module notes); the same interface as ``SceneCanvas``."""

    shown_when_drawn = False  # on screen once its paint event has drawn the image

    def __init__(self, session: Session, on_error=None, gl_canvas=None, samples: int | None = None) -> None:
        from perijove.render.context import is_software, offscreen_canvas
        from perijove.render.framebuffer import default_samples

        self._gl = gl_canvas if gl_canvas is not None else offscreen_canvas()
        self.native = _View(self)
        self.wanted_samples = default_samples() if samples is None else samples
        self._targets: dict[int, OffscreenTarget] = {}  # samples -> target of the current size
        self._image: QtGui.QImage | None = None
        self._pixels: np.ndarray | None = None  # the image's memory
        self._stale = True
        self._init_control(session, on_error)
        from vispy.gloo import gl

        make_current(self._gl)
        self._software = is_software(str(gl.glGetParameter(gl.GL_RENDERER)))

    # -- the interface the window and its tests use ---------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        return self.native.width(), self.native.height()

    @property
    def physical_size(self) -> tuple[int, int]:
        ratio = self.native.devicePixelRatioF()
        return max(1, round(self.native.width() * ratio)), max(1, round(self.native.height() * ratio))

    def update(self) -> None:
        self._stale = True
        self.native.update()

    def set_current(self) -> None:
        make_current(self._gl)

    def render(self) -> np.ndarray:
        """The frame the view shows now (drawn first if the model changed since), RGBA, top row first."""
        if (self._stale or self._image is None) and not self._released:
            self._draw()
        if self._pixels is None:
            w, h = self.physical_size
            return np.zeros((h, w, 4), np.uint8)
        return self._pixels[..., [2, 1, 0, 3]] if LITTLE_ENDIAN else self._pixels.copy()

    def grab(self) -> np.ndarray:
        """The current view, anti-aliased, as an RGBA image (for screenshots): drawn again."""
        size = self._frame_size()
        make_current(self._gl)
        state = self.scene.frame_state(self.session.clock.et, self.session.camera, size)
        target = self._target(self.wanted_samples, size)
        with target:
            self.scene.draw(state, smooth_edges=target.samples < 2)
        return target.read()

    def release(self) -> None:
        """Free the offscreen targets and close the hidden context's canvas (the window closes);
        nothing is drawn after. The scene's textures and buffers go with the Python objects."""
        if self._released:
            return
        ViewControl.release(self)
        make_current(self._gl)
        for target in self._targets.values():
            target.delete()
        self._targets.clear()
        self._gl.close()

    close = release

    # -- drawing ---------------------------------------------------------------------------------
    @property
    def stale(self) -> bool:
        """Whether the model changed since the last frame was drawn."""
        return self._stale

    def image(self, draw: bool = True) -> QtGui.QImage | None:
        """What to paint: a new frame when the model changed (and ``draw``), else the last one."""
        if (self._image is None or (self._stale and draw)) and not self._released:
            self._draw()
        return self._image

    def resized(self) -> None:
        self._settled = False
        self._stale = True

    def _frame_size(self) -> tuple[int, int]:
        """The view's physical size, or, larger than any offscreen target can be, that shape made
        smaller (painted scaled up)."""
        w, h = self.physical_size
        scale = min(1.0, MAX_SIZE / w, MAX_SIZE / h)
        return max(1, int(w * scale)), max(1, int(h * scale))

    def _target(self, samples: int, size: tuple[int, int]) -> OffscreenTarget:
        target = self._targets.get(samples)
        if target is None or target.size != size:
            if target is not None:
                target.delete()
            target = OffscreenTarget(*size, samples=samples)
            self._targets[samples] = target
        return target

    def _draw(self) -> None:
        t0 = time.perf_counter()
        self._stale = False
        size = self._frame_size()
        antialias = self._antialias()
        make_current(self._gl)
        try:
            self.state = self.scene.frame_state(self.session.clock.et, self.session.camera, size)
            target = self._target(self.wanted_samples if antialias else 0, size)
            if antialias and target.samples < 2:
                self.wanted_samples = 0  # this GL has no multisampling: one sample it is
            with target:
                one = target.samples < 2
                self.scene.draw(self.state, interleave=bool(self._software) and one, smooth_edges=one)
            self._run_while_drawing()  # while GL fills the frame, before its pixels are read
            if LITTLE_ENDIAN:
                # Into the image's own memory, kept while the size is: the painted image shows the
                # new frame from here on, which is what it is replaced with anyway.
                if self._pixels is None or self._pixels.shape != (size[1], size[0], 4):
                    self._pixels = np.empty((size[1], size[0], 4), np.uint8)
                pixels = target.read_bgra(self._pixels)
            else:
                pixels = np.ascontiguousarray(target.read())
            self.frame_samples = target.samples
        except Exception as err:  # a frame that cannot be drawn says why, and the view goes on
            if not isinstance(err, PerijoveError):
                traceback.print_exc()  # a bug: its traceback for the report, a line for the user
                err = PerijoveError(f"the view could not be drawn: {type(err).__name__}: {err}")
            pixels = np.empty((size[1], size[0], 4), np.uint8)
            pixels[...] = (*(ERROR_RGB[::-1] if LITTLE_ENDIAN else ERROR_RGB), 255)
            self._on_error(str(err))
        self._pixels = pixels
        image = QtGui.QImage(pixels.data, size[0], size[1], 4 * size[0], IMAGE_FORMAT)
        image.setDevicePixelRatio(self.native.devicePixelRatioF())
        self._image = image
        self._drawn(t0, antialias)
