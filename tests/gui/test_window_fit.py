"""The window stays on the screen: opening the plots and restoring a saved layout keep it inside.

A walkthrough on a 900-px screen found that opening the geometry plots grew the window past the
screen, that the layout was saved that way, and that the next start put the status bar (where
progress and errors show) out of sight; the event list was squeezed to one row under the plots.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui


def _room():
    return QtGui.QGuiApplication.primaryScreen().availableGeometry()


def test_opening_the_plots_keeps_the_window_on_screen_and_the_event_list_tall(window, qtbot):
    room = _room()
    window.resize(1200, room.height() - 60)
    qtbot.wait(50)
    rows_before = window.events.height()
    window.plot_dock.show()
    qtbot.waitUntil(lambda: window.plot_dock.isVisible(), timeout=5000)
    qtbot.wait(100)
    assert window.frameGeometry().height() <= room.height()
    assert window.events.height() >= 0.9 * rows_before  # the plots open under the view, not the list
    qtbot.waitUntil(lambda: window.canvas.native.height() >= 0.45 * window.height(), timeout=3000)  # view first


def test_a_saved_window_taller_than_the_screen_comes_back_inside_it(qtbot, tmp_path):
    from perijove.ui.main_window import MainWindow

    room = _room()
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.setGeometry(room.x() + 40, room.y() + 30, 1200, room.height() + 300)  # as a dock once grew it
    qtbot.wait(50)
    first.save_settings()
    first.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    frame = again.frameGeometry()
    assert frame.height() <= room.height() and room.contains(frame.topLeft()) and room.contains(frame.bottomRight())
    again.close()


def test_opening_the_plots_in_a_narrow_window_keeps_its_width(window, qtbot):
    """At 1,100 px wide (near the window's narrowest, 1,069 px here) the plots' one-line readout used to
    set the dock's minimum width: showing the plots grew the window by about 300 px, past a small
    screen. The readout wraps between its fields instead, and says everything it said."""
    window.resize(1100, 700)
    qtbot.wait(50)
    assert window.width() == 1100
    window.plot_dock.show()
    panel = window.plot_panel
    qtbot.waitUntil(lambda: panel.series is not None, timeout=10_000)
    panel.refresh()
    qtbot.wait(100)
    assert window.width() <= 1100
    assert window.frameGeometry().right() <= _room().right()
    text = panel.readout.text()
    for field in ("UTC", "distance", "altitude", "speed", "phase", "lat", "data:"):
        assert field in text
    readout = panel.readout
    assert readout.height() >= readout.heightForWidth(readout.width())  # wrapped lines shown whole


def _show_plots_on_the_flyby(window, qtbot):
    flyby = next(e for e in window.session.events if e.kind == "flyby" and e.body == "Io")
    window.session.jump_to(flyby)
    window.plot_dock.show()
    panel = window.plot_panel
    qtbot.waitUntil(lambda: panel.series is not None, timeout=10_000)
    panel.refresh()
    qtbot.wait(200)
    return panel


def _plot_rects(panel) -> list[QtCore.QRect]:
    """Each plot's data area, in the coordinates of the plots' viewport."""
    return [panel.view.mapFromScene(p.getViewBox().sceneBoundingRect()).boundingRect() for p in panel.plots]


def _visible_part(panel) -> QtCore.QRect:
    """The part of the plots' viewport not clipped by what holds it (a scroll area, the dock)."""
    return panel.view.viewport().visibleRegion().boundingRect()


def test_at_the_smallest_size_the_plots_leave_the_view_usable_and_scroll(window, qtbot):
    """At the window's minimum size (977 x 565 here) opening the plots left the 3D view 100-170 px
    high: the dock's four panels had a minimum height of their own. The view keeps at least 250 px;
    the plots scroll inside the dock, each panel still its readable height."""
    from PySide6 import QtWidgets

    window.resize(window.minimumSizeHint())
    qtbot.wait(50)
    small = window.size()
    panel = _show_plots_on_the_flyby(window, qtbot)
    assert window.height() <= small.height()  # opening the plots did not grow the window instead
    assert window.canvas.native.height() >= 250, (window.canvas.native.height(), window.size())
    readout = panel.readout
    assert readout.isVisible() and readout.height() >= readout.heightForWidth(readout.width())
    scroll = panel.findChild(QtWidgets.QScrollArea)
    assert scroll is not None, "the plots are squeezed into the dock with no way to scroll them"
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0  # here they do not all fit
    for rect in _plot_rects(panel):  # each can be scrolled into sight whole, and is tall enough to read
        centre = panel.view.viewport().mapTo(scroll.widget(), rect.center())
        scroll.ensureVisible(centre.x(), centre.y(), 0, rect.height() // 2 + 2)
        qtbot.wait(20)
        assert rect.height() >= 28, rect
        assert _visible_part(panel).contains(rect), (rect, _visible_part(panel))
    # The wheel over the plots scrolls them (the plots themselves do not zoom).
    bar.setValue(0)
    viewport = panel.view.viewport()
    at = QtCore.QPointF(viewport.rect().center())
    qt = QtCore.Qt
    wheel = QtGui.QWheelEvent(
        at, QtCore.QPointF(viewport.mapToGlobal(at.toPoint())), QtCore.QPoint(), QtCore.QPoint(0, -120),
        qt.MouseButton.NoButton, qt.KeyboardModifier.NoModifier, qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QtWidgets.QApplication.sendEvent(viewport, wheel)
    assert bar.value() > 0


def test_in_a_large_window_the_plots_open_as_before_with_no_scrolling(window, qtbot):
    """What the small window's fix must not change: at 1600 x 1000 the dock opens at about a third of
    the height, the view keeps the rest, and all four plots show whole with no scrolling."""
    room = _room()
    window.resize(min(1600, room.width()), min(1000, room.height()))
    qtbot.wait(50)
    panel = _show_plots_on_the_flyby(window, qtbot)
    third = window.height() / 3
    assert abs(panel.height() - third) <= 0.1 * third, (panel.height(), window.height())
    assert window.canvas.native.height() >= 0.45 * window.height()
    visible = _visible_part(panel)
    for rect in _plot_rects(panel):
        assert rect.height() >= 45 and visible.contains(rect), (rect, visible)


def test_in_a_short_view_the_hud_keeps_its_key_numbers_in_fewer_rows(window, qtbot):
    """At the smallest size with the plots open the HUD's ten rows covered more than half of the
    260 px view (and the flyby camera cannot fit the pass below a box past the frame's middle).
    There it keeps the time, target, distance, altitude, speed, phase and data in four rows; in a
    tall view it shows every row as before. Its numbers stay SPICE's (the same values)."""
    window.resize(window.minimumSizeHint())
    qtbot.wait(50)
    _show_plots_on_the_flyby(window, qtbot)
    window.hud.refresh()
    view, hud = window.canvas.native, window.hud
    qtbot.waitUntil(lambda: hud.height() <= 0.3 * view.height(), timeout=3000)
    text = hud.text()
    values = hud.values
    assert f"UTC {values['utc']}" in text and values["target"] in text and "Data: " in text
    for key in ("distance_km", "altitude_km"):
        assert f"{values[key]:,.1f} km" in text
    assert f"{values['speed_km_s']:.3f} km/s" in text and f"{values['phase_deg']:.1f}°" in text
    assert "TDB" not in text  # what is left out in a short view
    room = _room()
    window.resize(min(1600, room.width()), min(1000, room.height()))
    qtbot.waitUntil(lambda: view.height() >= 420, timeout=3000)
    qtbot.waitUntil(lambda: "TDB" in hud.text(), timeout=3000)  # a tall view: every row again
    assert "Sub-spacecraft" in hud.text() and "Earth light time" in hud.text()


def test_the_plots_get_their_room_back_when_a_small_window_grows(window, qtbot):
    """Squeezed in the smallest window, the plots kept that height when the window was made large
    again: four 30-px panels whose axis titles ran together ("lat ° phase °km/s"), under a tall view,
    until the plots were closed and opened. Growing the window gives them their third back."""
    from PySide6 import QtWidgets

    window.resize(window.minimumSizeHint())
    qtbot.wait(50)
    panel = _show_plots_on_the_flyby(window, qtbot)
    bar = panel.findChild(QtWidgets.QScrollArea).verticalScrollBar()
    assert bar.maximum() > 0  # squeezed: scrolling
    room = _room()
    window.resize(min(1600, room.width()), min(1000, room.height()))
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=3000)  # every plot whole again
    qtbot.wait(100)
    assert all(rect.height() >= 45 for rect in _plot_rects(panel)), [r.height() for r in _plot_rects(panel)]
    assert window.canvas.native.height() >= 0.45 * window.height()  # the view stays the main thing
