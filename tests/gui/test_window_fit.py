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
