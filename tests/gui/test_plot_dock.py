"""The geometry plots dock: a cursor that follows the clock, a click that sets the time."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import to_et
from perijove.model.timeline import FLYBY_HALF_SPAN_S
from perijove.ui.plot_dock import CURSOR_COLOUR, MAX_SPAN_S, choose_span


def _flyby(win):
    return next(e for e in win.session.events if e.kind == "flyby" and e.body == "Io")


def _shown_on_flyby(win, qtbot):
    flyby = _flyby(win)
    win.session.jump_to(flyby)  # the timeline zooms to the flyby ±30 min, the camera looks at Io
    win.plot_dock.show()
    panel = win.plot_panel
    qtbot.waitUntil(lambda: panel.series is not None and panel.span is not None, timeout=10_000)
    panel.refresh()  # whatever the debounce timer still holds
    return flyby, panel


def _cursor_columns(panel) -> np.ndarray:
    """Columns of the plots' viewport drawn in the cursor's colour (on the top plot's middle row)."""
    image = panel.view.viewport().grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
    ptr = image.constBits()
    rows = np.frombuffer(ptr, np.uint8, image.bytesPerLine() * image.height()).reshape(image.height(), -1)
    rgb = rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    y = panel.point_for(panel.series.start, 0).y()
    want = np.array([int(CURSOR_COLOUR[i : i + 2], 16) for i in (1, 3, 5)])
    line = rgb[y].astype(int)
    return np.flatnonzero(np.abs(line - want).sum(axis=1) < 60)


def test_the_span_is_the_zoomed_timeline_or_the_flyby_around_the_clock():
    class E:
        def __init__(self, kind, et):
            self.kind, self.et, self.end_et = kind, et, None

    events = [E("eclipse", 100.0), E("flyby", 10_000.0)]
    assert choose_span(5.0, (0.0, 3600.0, True), events) == (0.0, 3600.0)
    whole = (0.0, 10 * MAX_SPAN_S, True)  # zoomed, but too wide to plot: the current event instead
    assert choose_span(9_000.0, whole, events) == (10_000.0 - FLYBY_HALF_SPAN_S, 10_000.0 + FLYBY_HALF_SPAN_S)
    assert choose_span(50_000.0, whole, events) == (50_000.0 - FLYBY_HALF_SPAN_S, 50_000.0 + FLYBY_HALF_SPAN_S)
    # The hour around the clock stays put while the clock is inside it.
    current = (49_000.0, 49_000.0 + 2 * FLYBY_HALF_SPAN_S)
    assert choose_span(50_000.0, whole, events, current) == current


def test_hidden_plots_do_not_sample(window, qtbot):
    panel = window.plot_panel
    assert not window.plot_dock.isVisible()
    window.session.clock.step(600.0)
    qtbot.wait(200)
    assert panel.samplings == 0
    window.plot_dock.toggleViewAction().trigger()  # the View menu's toggle (Ctrl+Shift+P)
    qtbot.waitUntil(lambda: panel.samplings == 1, timeout=10_000)


def test_plot_cursor_follows_the_clock(window, qtbot):
    flyby, panel = _shown_on_flyby(window, qtbot)
    assert panel.span == pytest.approx((flyby.et - FLYBY_HALF_SPAN_S, flyby.et + FLYBY_HALF_SPAN_S))
    assert panel.target == "IO"
    clock = window.session.clock
    for offset in (-1200.0, 0.0, 900.0):
        clock.set_et(flyby.et + offset)
        assert panel.cursor_et() == pytest.approx(clock.et, abs=1e-3)
        qtbot.wait(50)
        columns = _cursor_columns(panel)
        expected = panel.point_for(clock.et, 0).x()
        assert columns.size and np.min(np.abs(columns - expected)) <= 2, (columns, expected)
    # Playing: the window's own timer moves the clock; the cursor goes with it.
    clock.set_et(flyby.et - 600.0)
    clock.set_rate(60.0)
    window.toggle_play()
    qtbot.waitUntil(lambda: clock.et > flyby.et - 540.0, timeout=10_000)
    window.toggle_play()
    assert panel.cursor_et() == pytest.approx(clock.et, abs=1e-3)
    assert panel.samplings >= 1


def test_clicking_a_plot_sets_the_time(window, qtbot):
    flyby, panel = _shown_on_flyby(window, qtbot)
    clock = window.session.clock
    width = panel.plots[0].getViewBox().sceneBoundingRect().width()
    per_pixel = (panel.span[1] - panel.span[0]) / width
    for row, offset in ((0, -1500.0), (2, 200.0), (3, 1100.0)):
        wanted = flyby.et + offset
        qtbot.mouseClick(panel.view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=panel.point_for(wanted, row))
        assert clock.et == pytest.approx(wanted, abs=2 * per_pixel), (row, clock.et - wanted, per_pixel)
        assert panel.cursor_et() == pytest.approx(clock.et, abs=1e-3)
    assert panel.span == pytest.approx((flyby.et - FLYBY_HALF_SPAN_S, flyby.et + FLYBY_HALF_SPAN_S))


def test_dragging_on_a_plot_scrubs_the_time(window, qtbot):
    """Only a click set the time: a drag across a plot did nothing, unlike on the timeline."""
    flyby, panel = _shown_on_flyby(window, qtbot)
    clock = window.session.clock
    width = panel.plots[0].getViewBox().sceneBoundingRect().width()
    per_pixel = (panel.span[1] - panel.span[0]) / width
    viewport = panel.view.viewport()
    left = QtCore.Qt.MouseButton.LeftButton
    qtbot.mousePress(viewport, left, pos=panel.point_for(flyby.et - 1200.0, 1))
    seen = []
    for offset in (-600.0, 0.0, 900.0):
        move = QtGui.QMouseEvent(
            QtCore.QEvent.Type.MouseMove,
            QtCore.QPointF(panel.point_for(flyby.et + offset, 1)),
            QtCore.QPointF(viewport.mapToGlobal(panel.point_for(flyby.et + offset, 1))),
            QtCore.Qt.MouseButton.NoButton,
            left,
            QtCore.Qt.KeyboardModifier.NoModifier,
        )
        QtWidgets.QApplication.sendEvent(viewport, move)
        seen.append(clock.et - flyby.et)
    qtbot.mouseRelease(viewport, left, pos=panel.point_for(flyby.et + 900.0, 1))
    assert seen == pytest.approx([-600.0, 0.0, 900.0], abs=2 * per_pixel)
    assert panel.span == pytest.approx((flyby.et - FLYBY_HALF_SPAN_S, flyby.et + FLYBY_HALF_SPAN_S))  # no pan


def test_go_to_flyby_fills_the_plots_while_it_plays(window, qtbot):
    # A playing clock changes every frame: the plots must still sample (a debounce that restarts
    # on every change never fires while playing).
    window.go_to_flyby()
    panel = window.plot_panel
    assert window.session.clock.playing and window.plot_dock.isVisible()
    qtbot.waitUntil(lambda: panel.series is not None, timeout=3000)
    assert window.session.clock.playing
    flyby = window._flyby(window.session.clock.et - 2 * FLYBY_HALF_SPAN_S)
    assert panel.span == pytest.approx((flyby.et - FLYBY_HALF_SPAN_S, flyby.et + FLYBY_HALF_SPAN_S))
    qtbot.wait(300)
    assert panel.cursor_et() == pytest.approx(window.session.clock.et, abs=1e-3)


def test_event_labels_sit_inside_their_plot(window, qtbot):
    """A flyby's label ("flyby Io") was drawn half above the top plot, cut off at small dock heights."""
    window.resize(1200, 700)
    _flyby_event, panel = _shown_on_flyby(window, qtbot)
    qtbot.wait(100)
    top = panel.plots[0]
    box = top.getViewBox().sceneBoundingRect()
    labels = [item.label for plot, item in panel._event_items if plot is top and getattr(item, "label", None)]
    assert labels, "no event labelled in the span"
    shown = [label for label in labels if label.isVisible()]
    assert shown, "no event label shown"
    for label in shown:
        rect = label.sceneBoundingRect()
        assert box.top() - 0.5 <= rect.top() and rect.bottom() <= box.bottom() + 0.5, (rect, box)


def test_the_hud_and_the_plots_say_at_which_point_they_measure_the_phase(window, qtbot):
    """Both said "phase" and disagreed by 1.6° at a Jupiter perijove (106.2° against 107.8°, Jupiter
    being oblate): the HUD measures it at the sub-spacecraft point, the plots at the body's centre.
    Each now says which, and the plots' number is the Sun-body-Juno angle at the centre."""
    import re

    from perijove.model.hud import format_hud, hud_values

    flyby, panel = _shown_on_flyby(window, qtbot)
    et = flyby.et - 600.0
    window.session.clock.set_et(et)
    panel.refresh()
    qtbot.wait(50)
    eph = window.session.eph
    hud = next(line for line in format_hud(hud_values(eph, et, "IO")) if "phase" in line.lower())
    readout = re.sub("<[^>]+>", "", panel.readout.text()).replace("&nbsp;", " ")
    plotted = re.search(r"phase at (?:Io's )?centre ([0-9.]+)°", readout)
    assert "sub-spacecraft point" in hud and plotted, (hud, readout)
    io = eph.position("IO", np.array([et]), "SUN")[0]  # the Sun-Io-Juno angle at Io's centre
    juno = eph.position("JUNO", np.array([et]), "IO")[0]
    centre = np.degrees(np.arccos(np.dot(-io, juno) / np.linalg.norm(io) / np.linalg.norm(juno)))
    assert float(plotted.group(1)) == pytest.approx(centre, abs=0.1)


def test_distance_ticks_stay_short_enough_to_be_drawn_far_from_the_target(window, qtbot):
    """5.2 million km from Io the km axis showed no numbers (7-digit ticks do not fit its 56 px), and
    at 250,000 km they ran into the unit; ticks read 5.2M or 250k instead, and fit."""
    s = window.session
    window.plot_dock.show()
    panel = window.plot_panel
    for when in ("2024-02-26T09:34:42", "2024-02-03T20:00:00", "2023-12-30T08:36:00"):
        s.clock.set_et(to_et(when))
        panel.refresh()
        qtbot.waitUntil(lambda: panel.series is not None, timeout=10_000)
        axis = panel.plots[0].getAxis("left")
        lo, hi = axis.range
        metrics = QtGui.QFontMetrics(axis.style["tickFont"] or QtGui.QFont())
        strings = [
            text
            for spacing, values in axis.tickValues(lo, hi, axis.height())
            for text in axis.tickStrings(values, 1.0, spacing)
        ]
        assert strings, when
        widest = max(metrics.horizontalAdvance(t) for t in strings)
        assert widest + axis.style["tickTextOffset"][0] + 18 <= axis.width(), (when, strings)  # 18: the unit


def test_only_the_cursor_looks_like_the_cursor_and_events_keep_the_timelines_colours(window, qtbot):
    """The cursor was the timeline's perijove yellow, a shadow's edges were drawn in it too (two
    cursors seemed to show), and a perijove was purple in the plots but yellow on the timeline."""
    from perijove.ui.timeline import EVENT_COLOURS

    s = window.session
    perijove = min(
        (e for e in s.events if e.kind == "perijove"), key=lambda e: abs(e.et - to_et("2024-02-03T21:47"))
    )
    s.jump_to(perijove)
    assert any(e.kind == "shadow" and abs(e.et - perijove.et) < 1200 for e in s.events)  # its edges in view
    window.plot_dock.show()
    panel = window.plot_panel
    qtbot.waitUntil(lambda: panel.series is not None and panel.span is not None, timeout=10_000)
    s.clock.set_et(perijove.et - 900.0)  # the cursor away from the perijove's line and the shadow's edges
    panel.refresh()
    qtbot.wait(100)
    columns = _cursor_columns(panel)
    x = panel.point_for(s.clock.et, 0).x()
    assert len(columns) and np.all(np.abs(columns - x) <= 3), (columns, x)
    image = panel.view.viewport().grab().toImage()
    px = panel.point_for(perijove.et, 0)
    seen = [QtGui.QColor(image.pixel(px.x() + dx, px.y())) for dx in (-1, 0, 1)]
    want = EVENT_COLOURS["perijove"]
    assert any(sum(abs(a - b) for a, b in zip(c.getRgb()[:3], want.getRgb()[:3], strict=True)) < 60 for c in seen)


def _axis_labels(axis) -> list:
    """(rect, text) of each label pyqtgraph will draw on ``axis``."""
    picture = QtGui.QPicture()
    painter = QtGui.QPainter(picture)
    try:
        return [(rect, text) for rect, _flags, text in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()


def test_every_plot_labels_at_least_two_values(window, qtbot):
    """Phase and latitude showed one number each (their 0/180 and -90/90 ticks fell half off the
    plot, so pyqtgraph dropped them): a single value gives no scale."""
    _flyby_event, panel = _shown_on_flyby(window, qtbot)
    qtbot.wait(100)
    for plot in panel.plots:
        axis = plot.getAxis("left")
        drawn = [text for _rect, text in _axis_labels(axis)]
        assert len(drawn) >= 2, (axis.labelText, drawn)


def test_no_two_axis_labels_overlap_in_a_short_panel(window, qtbot):
    """At a window 820 high the speed axis wrote 23.64, 23.62 and 23.60 on top of each other."""
    window.resize(1300, 760)
    _flyby_event, panel = _shown_on_flyby(window, qtbot)
    window.resizeDocks([window.plot_dock], [200], QtCore.Qt.Orientation.Vertical)
    qtbot.wait(100)
    panel.refresh()
    qtbot.wait(50)
    for plot in panel.plots:
        axis = plot.getAxis("left")
        rects = [rect for rect, _text in _axis_labels(axis)]
        for i, a in enumerate(rects):
            for b in rects[i + 1 :]:
                assert not a.intersects(b), (axis.labelText, a, b)


def test_distance_and_altitude_differ_by_more_than_their_colour(window, qtbot):
    """At a flyby (1,500 km over Io, whose radius is 1,822 km) the distance and altitude curves run
    nearly parallel in one panel, told apart by hue alone. Altitude is dashed, and a legend in the
    panel names both (drawn with each curve's own pen); clicking it sets the time like the rest of
    the plot, and hides no curve."""
    import pyqtgraph as pg

    flyby, panel = _shown_on_flyby(window, qtbot)
    top = panel.plots[0]
    distance, altitude = panel.curves["distance_km"], panel.curves["altitude_km"]
    assert distance in top.listDataItems() and altitude in top.listDataItems()
    drawn = {name: item.curve.opts["pen"] for name, item in (("distance", distance), ("altitude", altitude))}
    assert drawn["distance"].style() != drawn["altitude"].style(), drawn
    assert drawn["altitude"].style() != QtCore.Qt.PenStyle.SolidLine
    legends = [item for item in top.scene().items() if isinstance(item, pg.LegendItem) and item.isVisible()]
    box = top.getViewBox().sceneBoundingRect()
    legends = [legend for legend in legends if box.contains(legend.sceneBoundingRect())]
    assert legends, "no legend shown inside the distance panel"
    named = {sample.item: label.text for legend in legends for sample, label in legend.items}
    assert "distance" in named.get(distance, ""), named
    assert "altitude" in named.get(altitude, ""), named
    # A click on the legend is a click on the plot: it sets the time and leaves both curves shown.
    legend = next(legend for legend in legends if altitude in {s.item for s, _l in legend.items})
    sample = next(s for s, _l in legend.items if s.item is altitude)
    point = panel.view.mapFromScene(sample.sceneBoundingRect().center())
    clock = window.session.clock
    clock.set_et(flyby.et + 1000.0)
    qtbot.mouseClick(panel.view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=point)
    assert distance.isVisible() and altitude.isVisible()
    assert clock.et != pytest.approx(flyby.et + 1000.0, abs=1.0)
