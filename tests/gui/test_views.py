"""The two ways the window shows its view (``ui/canvas.make_canvas``): frames drawn offscreen and
shown as images on software GL, VisPy's GL widget on a GPU. Both run here, on Mesa under Xvfb."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import PerijoveError, to_et


def _open(qtbot, tmp_path, monkeypatch, view: str):
    from perijove.ui.main_window import MainWindow

    monkeypatch.setenv("PERIJOVE_VIEW", view)
    settings = QtCore.QSettings(str(tmp_path / f"{view}.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.resize(900, 640)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.canvas.frames_drawn > 0, timeout=20000)
    return win


def _shown(widget) -> np.ndarray:
    """What the view's widget paints now (Qt paints it again), RGB."""
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    w, h = image.width(), image.height()
    return np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h).reshape(h, -1, 4)[:, :w, :3].copy()


def test_software_gl_gets_the_image_view(window):
    from perijove.ui.image_view import ImageCanvas

    if not window.canvas._software:
        pytest.skip("a GPU keeps VisPy's GL widget")
    assert isinstance(window.canvas, ImageCanvas)


def test_both_views_show_the_same_frame(qtbot, tmp_path, monkeypatch):
    """The same time and camera in each view: the same picture, anti-aliased once still."""
    from perijove.ui.canvas import SceneCanvas
    from perijove.ui.image_view import ImageCanvas

    shown, kinds = {}, {}
    for view in ("image", "gl"):
        win = _open(qtbot, tmp_path, monkeypatch, view)
        kinds[view] = type(win.canvas)
        session = win.session
        session.set_display(dataclasses.replace(session.display, hud=False))
        drawn = win.canvas.frames_drawn
        session.clock.set_et(to_et("2023-12-30T08:30:00"))
        qtbot.waitUntil(lambda w=win, d=drawn: w.canvas.frames_drawn > d, timeout=10000)
        qtbot.waitUntil(lambda w=win: w.canvas.frame_samples >= 4, timeout=10000)  # settled: anti-aliased
        shown[view] = _shown(win.canvas.native).astype(int)
        win.close()
    assert kinds == {"image": ImageCanvas, "gl": SceneCanvas}
    image, gl = shown["image"], shown["gl"]
    assert image.shape == gl.shape
    assert image.max() > 50  # a scene, not a black view
    differ = (np.abs(image - gl).max(axis=2) > 8).mean()
    assert differ < 0.002, differ


def test_a_repaint_without_a_change_draws_no_new_frame(window, qtbot):
    """The HUD over the view, an expose: the last image is painted again, the scene is not drawn."""
    canvas = window.canvas
    if not hasattr(canvas, "image"):
        pytest.skip("the GL widget is composed by Qt")
    qtbot.waitUntil(lambda: canvas.frame_samples >= 4, timeout=10000)
    drawn = canvas.frames_drawn
    for _ in range(5):
        window.hud.refresh()
        canvas.native.repaint()
        QtWidgets.QApplication.processEvents()
    assert canvas.frames_drawn == drawn
    window.session.clock.set_et(window.session.clock.et + 60.0)
    qtbot.waitUntil(lambda: canvas.frames_drawn > drawn, timeout=5000)


def test_the_wheel_over_the_view_zooms(window, qtbot):
    native = window.canvas.native
    before = window.canvas._current_distance()
    pos = QtCore.QPointF(native.width() / 2, native.height() / 2)
    event = QtGui.QWheelEvent(
        pos,
        native.mapToGlobal(pos),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, 240),  # two notches toward the screen: closer
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
        QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtWidgets.QApplication.sendEvent(native, event)
    assert window.session.camera.distance_km == pytest.approx(before / 1.15**2, rel=1e-6)


def test_a_view_that_does_not_exist_is_one_line_and_exit_2(window):
    from perijove.ui.canvas import make_canvas

    with pytest.raises(PerijoveError, match="PERIJOVE_VIEW='pictures': use image or gl"):
        make_canvas(window.session, view="pictures")
    result = subprocess.run(
        [sys.executable, "-m", "perijove", "gui"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "PERIJOVE_VIEW": "pictures"},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "perijove: error: PERIJOVE_VIEW='pictures': use image or gl"


def test_the_maps_get_their_mipmaps_after_the_first_frame(window, qtbot):
    """The window's first frame does not wait for the maps' mipmaps (0.2-0.3 s on software GL); they are
    made a moment later and the view drawn again with them."""
    canvas = window.canvas
    qtbot.waitUntil(lambda: not canvas.scene.mipmaps_pending, timeout=10000)
    drawn = canvas.frames_drawn
    window.session.set_display(dataclasses.replace(window.session.display, procedural_maps=True))  # new maps
    qtbot.waitUntil(lambda: canvas.frames_drawn > drawn, timeout=5000)
    assert canvas.scene.mipmaps_pending  # drawn first without them
    drawn = canvas.frames_drawn
    qtbot.waitUntil(lambda: not canvas.scene.mipmaps_pending and canvas.frames_drawn > drawn, timeout=10000)


def test_pan_follows_the_cursor_on_a_hidpi_screen(window, monkeypatch):
    """Drags are in the widget's pixels, frames in physical ones: at two physical pixels a point,
    a 40-point drag slides the scene 80 of the frame's pixels."""
    canvas = window.canvas
    if not hasattr(canvas, "image"):
        pytest.skip("the image view draws at the density the test sets")
    monkeypatch.setattr(canvas.native, "devicePixelRatioF", lambda: 2.0)
    canvas.update()
    canvas.render()
    before = canvas.state.pose
    assert before.size[0] == 2 * canvas.size[0]
    canvas.pan(40, 0)
    canvas.render()
    after = canvas.state.pose
    moved = after.project(before.target) - before.project(before.target)
    assert moved[0] == pytest.approx(80, rel=0.1), moved


def test_a_view_larger_than_any_target_keeps_its_shape(window, monkeypatch):
    from perijove.render.framebuffer import MAX_SIZE

    canvas = window.canvas
    if not hasattr(canvas, "image"):
        pytest.skip("the image view's frame size")
    monkeypatch.setattr(canvas.native, "devicePixelRatioF", lambda: 12.0)
    (w, h), (fw, fh) = canvas.physical_size, canvas._frame_size()
    assert max(w, h) > MAX_SIZE >= max(fw, fh)
    assert fw / fh == pytest.approx(w / h, rel=2e-3)


def test_nothing_is_drawn_after_the_window_closes(qtbot, tmp_path, monkeypatch):
    """Closed within the quarter second before its mipmaps: they are not made, nothing is drawn."""
    win = _open(qtbot, tmp_path, monkeypatch, "image")
    canvas = win.canvas
    win.close()
    drawn = canvas.frames_drawn
    qtbot.wait(600)
    assert canvas.scene.mipmaps_pending and canvas.frames_drawn == drawn
    canvas.update()
    QtWidgets.QApplication.processEvents()
    assert canvas.frames_drawn == drawn


def test_a_paint_of_part_of_the_view_shows_the_frame_the_rest_shows(window, qtbot):
    """While playing, the HUD's text changes repaint the region under it: a new frame drawn for that
    paint alone showed a patch of a later time under the HUD (seen after a resize while playing)."""
    canvas = window.canvas
    if not hasattr(canvas, "image"):
        pytest.skip("the GL widget is composed by Qt")
    qtbot.waitUntil(lambda: canvas.frames_drawn > 0 and not canvas.stale, timeout=10000)
    before = canvas.render().copy()
    drawn = canvas.frames_drawn
    window.session.clock.set_et(window.session.clock.et + 600.0)  # the view is stale now
    pixmap = QtGui.QPixmap(canvas.native.size())
    canvas.native.render(pixmap, QtCore.QPoint(0, 0), QtGui.QRegion(QtCore.QRect(300, 200, 120, 60)))  # part of it
    assert canvas.frames_drawn == drawn and canvas.stale
    image = pixmap.toImage().convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    w, h = image.width(), image.height()
    shown = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h).reshape(h, -1, 4)[:, :w, :3]
    assert np.array_equal(shown[:60, :120], before[200:260, 300:420, :3])  # the frame the rest shows
    qtbot.waitUntil(lambda: canvas.frames_drawn > drawn, timeout=5000)  # then the whole view, new
    assert not canvas.stale
