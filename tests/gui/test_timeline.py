"""The timeline as a person uses it: wheel-zoom onto the flyby, scrub to the second, pan, jump."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import to_et


def _wheel(widget, x: float, notches: float, modifiers=QtCore.Qt.KeyboardModifier.NoModifier) -> None:
    pos = QtCore.QPointF(x, widget.height() / 2)
    event = QtGui.QWheelEvent(
        pos,
        widget.mapToGlobal(pos),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, int(120 * notches)),
        QtCore.Qt.MouseButton.NoButton,
        modifiers,
        QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtWidgets.QApplication.sendEvent(widget, event)


def test_wheel_zooms_onto_the_flyby_and_the_scrub_lands_within_a_second(window, qtbot):
    bar, view = window.timeline, window.session.timeline
    flyby = to_et("2023-12-30T08:36:00.8")
    for _ in range(60):  # the mouse stays over the flyby while the wheel turns
        x = bar._x(flyby)
        before = bar.et_at(x)
        _wheel(bar, x, 1)
        assert bar.et_at(x) == pytest.approx(before, abs=max(bar.seconds_per_pixel(), 1e-3))
        if bar.seconds_per_pixel() * 100 < 60:
            break
    assert bar.seconds_per_pixel() * 100 < 60  # under a minute per 100 px
    target = to_et("2023-12-30T08:36:12")
    x = round(bar._x(target))
    qtbot.mousePress(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, 40))
    qtbot.mouseRelease(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, 40))
    assert abs(window.session.clock.et - target) < 1.0
    assert view.zoomed
    bar.repaint()  # the axis of a zoomed view paints (labels in seconds)


def test_right_drag_pans_and_the_overview_moves_the_span(window, qtbot):
    bar, view = window.timeline, window.session.timeline
    view.focus(to_et("2023-12-30T08:36:00"))
    start, spp = view.start, bar.seconds_per_pixel()
    qtbot.mousePress(bar, QtCore.Qt.MouseButton.RightButton, pos=QtCore.QPoint(400, 40))
    qtbot.mouseMove(bar, QtCore.QPoint(300, 40))
    qtbot.mouseRelease(bar, QtCore.Qt.MouseButton.RightButton, pos=QtCore.QPoint(300, 40))
    assert view.start == pytest.approx(start + 100 * spp, rel=1e-9)
    span = view.span
    qtbot.mousePress(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(bar.width() // 2, 6))
    qtbot.mouseRelease(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(bar.width() // 2, 6))
    middle = 0.5 * (view.lo + view.hi)
    assert 0.5 * (view.start + view.stop) == pytest.approx(middle, abs=bar._width and (view.hi - view.lo) / 100)
    assert view.span == pytest.approx(span)


def test_double_click_on_an_event_and_n_zoom_onto_it(window, qtbot):
    bar, view, s = window.timeline, window.session.timeline, window.session
    flyby = next(e for e in s.events if e.kind == "flyby" and e.body == "Io")
    view.show(flyby.et - 5 * 86400, flyby.et + 5 * 86400)
    qtbot.mouseDClick(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(round(bar._x(flyby.et)), 40))
    assert s.clock.et == pytest.approx(flyby.et)
    assert (view.start, view.stop) == pytest.approx((flyby.et - 1800, flyby.et + 1800))
    view.show_all()
    s.clock.set_et(flyby.et + 60)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_N)
    event = next(e for e in s.events if e.et > flyby.et + 61 and e.kind in ("perijove", "flyby"))
    assert s.clock.et == pytest.approx(event.et) and view.start < event.et < view.stop and view.span <= 3600


def test_zoom_shortcuts(window, qtbot):
    view = window.session.timeline
    whole = view.span
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_Equal, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert view.span == pytest.approx(whole / 2)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_0, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert view.span == pytest.approx(whole)


def test_go_to_flyby_plays_the_hour_around_it_zoomed_and_seen_from_juno(window, qtbot):
    s = window.session
    flyby = next(e for e in s.events if e.kind == "flyby" and e.body == "Io")
    s.clock.set_et(flyby.et - 10 * 86400)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_G)
    assert s.clock.playing and s.clock.rate == pytest.approx(120.0)  # 3,600 s in 30 s
    assert s.clock.et == pytest.approx(flyby.et - 1800, abs=5)
    assert (s.timeline.start, s.timeline.stop) == pytest.approx((flyby.et - 1800, flyby.et + 1800))
    assert s.camera.mode == "flyby" and s.camera.encounter_et == flyby.et and s.camera.target == "IO"
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_Space)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_G)  # again: the next one
    second = next(e for e in s.events if e.kind == "flyby" and e.et > flyby.et + 1800)
    assert s.clock.et == pytest.approx(second.et - 1800, abs=5)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_Space)


def test_export_this_flyby_prefills_an_eased_movie_of_that_hour(window, qtbot, tmp_path):
    from perijove.ui.export_dialog import ExportDialog

    s = window.session
    flyby = next(e for e in s.events if e.kind == "flyby" and e.body == "Io")
    dialog = ExportDialog(s, window)
    dialog.prefill_flyby(flyby.et, 1800.0, 30.0)
    dialog.out.setText(str(tmp_path / "flyby.mp4"))
    job = dialog.build_job()
    plan = job["plan"]
    # To the millisecond, as the event list gives it: rounded to the second, closest approach at
    # 08:36:00.800 read "08:36:01" and the hour began at 08:06:01, off the frame of closest approach.
    assert plan["start_et"] == pytest.approx(flyby.et - 1800, abs=5e-4)
    assert plan["stop_et"] == pytest.approx(flyby.et + 1800, abs=5e-4)
    assert plan["ease_et"] == pytest.approx(flyby.et) and plan["frames"] == 30 * round(dialog.fps.value())
    assert f"({flyby.utc} UTC)" in dialog.ease.text()


def test_g_and_export_this_flyby_after_the_last_flyby(window, qtbot):
    """After the last flyby G went back to the first without a word and played on past the hour;
    Export this flyby… offered the first flyby too, with "slow down around the current time"."""
    s = window.session
    flybys = [e for e in s.events if e.kind == "flyby"]
    last = flybys[-1]
    s.clock.set_et(last.et + 3 * 86400)
    window.go_to_flyby()
    assert s.clock.et == pytest.approx(flybys[0].et - 1800, abs=5) and s.clock.playing
    assert "back to the first" in window.statusBar().currentMessage()
    assert s.clock.until == pytest.approx(flybys[0].et + 1800)  # the hour's end (see test_model)
    window.toggle_play()
    s.clock.set_et(last.et + 3 * 86400)
    shown: list = []
    window.export_dialog = lambda flyby=None: shown.append(flyby)
    window.export_this_flyby()
    assert shown == [last]  # the nearest: the one just behind the clock
    from perijove.ui.export_dialog import ExportDialog

    dialog = ExportDialog(s, window)
    dialog.prefill_flyby(last.et, 1800.0, 30.0)
    assert "closest approach" in dialog.ease.text() and last.utc[:16] in dialog.ease.text()


def _timeline_row(bar, y: int):
    import numpy as np

    image = bar.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * image.height()).reshape(image.height(), -1)
    ratio = image.width() / bar.width()
    return rows[int(y * ratio), : image.width() * 3].reshape(-1, 3).astype(int), ratio


def test_no_event_bar_hides_behind_the_legend(window, qtbot):
    """The key's near-opaque box was painted over the events: around the 2024-02-03 perijove the
    shadow interval under it vanished. Now no key is painted among the events."""
    s = window.session
    bar = window.timeline
    perijove = min(
        (e for e in s.events if e.kind == "perijove"), key=lambda e: abs(e.et - to_et("2024-02-03T21:47"))
    )
    s.jump_to(perijove)
    qtbot.wait(50)
    shadows = [e for e in s.events if e.kind == "shadow" and e.end_et and s.timeline.start < e.et < s.timeline.stop]
    assert shadows
    shadow = shadows[0]
    from perijove.ui.timeline import OVERVIEW_H

    legend_row = OVERVIEW_H + 4 + 20  # where the key's text row once was
    row, ratio = _timeline_row(bar, legend_row)
    x0, x1 = bar._x(shadow.et) + 2, bar._x(shadow.end_et) - 2
    inside = row[int(x0 * ratio) : int(x1 * ratio)]
    purple = (inside[:, 2] > inside[:, 1] + 25)  # the shadow's violet band, through the key
    assert purple.mean() > 0.6, purple.mean()


def test_the_key_is_read_on_its_own_ground(window, qtbot):
    """Painted under the events, the key was tinted by every interval behind it and hard to read
    (the perijove and flyby swatches turned pink under a shadow). It sits in the axis row now,
    where no bar goes, and the axis labels stop short of it."""
    import numpy as np

    from perijove.ui.timeline import AXIS_H, EVENT_COLOURS, PROVENANCE_COLOURS

    s, bar = window.session, window.timeline
    perijove = min(
        (e for e in s.events if e.kind == "perijove"), key=lambda e: abs(e.et - to_et("2024-02-03T21:47"))
    )
    s.jump_to(perijove)  # a shadow interval across the right end of the span, where the key is
    qtbot.wait(50)
    box = bar.legend_box()
    assert box.top() >= bar.height() - AXIS_H  # below the bars
    image = bar.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
    ratio = image.width() / bar.width()
    pixels = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * image.height())
    pixels = pixels.reshape(image.height(), -1)[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    inside = pixels[int(box.top() * ratio) + 1 : int(box.bottom() * ratio) - 1,
                    int(box.left() * ratio) + 1 : int(box.right() * ratio) - 1].reshape(-1, 3).astype(int)  # fmt: skip
    swatches = np.array([c.getRgb()[:3] for c in (*EVENT_COLOURS.values(), *PROVENANCE_COLOURS.values())])
    grey = inside.max(axis=1) - inside.min(axis=1) <= 16  # the ground, the text and their blend
    swatch = (np.abs(inside[:, None, :] - swatches[None]).max(axis=2) <= 2).any(axis=1)
    assert (grey | swatch).mean() > 0.97, (grey | swatch).mean()


def test_the_timeline_shows_the_clock_and_new_events_as_they_change(window, qtbot):
    """Its background is drawn once per span (a pixmap); the cursor and new events must still show."""
    import dataclasses

    import numpy as np

    from perijove.ui.timeline import AXIS_H, EVENT_COLOURS

    bar, s = window.timeline, window.session
    s.clock.set_playing(False)
    y = bar.height() - AXIS_H - 20  # below the event labels, above the coverage band
    white = np.array([255, 255, 255])

    def columns(colour) -> np.ndarray:
        row, ratio = _timeline_row(bar, y)
        return np.flatnonzero(np.abs(row - colour).sum(axis=1) < 40) / ratio

    view = s.timeline
    for fraction in (0.3, 0.7):
        et = view.start + fraction * (view.stop - view.start)
        s.clock.set_et(et)
        qtbot.wait(50)
        near = np.abs(columns(white) - bar._x(et))
        assert near.size and near.min() <= 2, f"the cursor is not at {fraction:.0%} of the span"
    marker_et = view.start + 0.5 * (view.stop - view.start)
    fake = dataclasses.replace(s.events[0], kind="flyby", et=marker_et, end_et=None)
    s.set_events([e for e in s.events if abs(e.et - marker_et) > 0.05 * view.span] + [fake])
    qtbot.wait(50)
    orange = np.array(EVENT_COLOURS["flyby"].getRgb()[:3])
    assert np.abs(columns(orange) - bar._x(marker_et)).min() <= 2


def test_a_narrow_timeline_keeps_its_axis_and_a_compact_key(window, qtbot):
    """At the window's narrowest the key took 368 of the timeline's 658 pixels: zoomed onto the
    flyby's hour, the axis showed 08:10 and 08:20 and nothing near closest approach."""
    window.resize(window.minimumSizeHint())
    qtbot.wait(50)
    bar = window.timeline
    box = bar.legend_box()
    assert box.width() <= 0.3 * bar._width, (box.width(), bar._width)
    tip = bar._tooltip(box.center().x(), box.center().y())
    assert all(kind in tip for kind in ("perijove", "flyby", "eclipse", "shadow-transit", "synthetic"))
    first = bar._tooltip(box.left() + 4, box.center().y())
    assert first.startswith("perijove"), first  # the swatch under the pointer first, then the whole key
    compact = box.width()
    window.resize(1400, 860)  # the first start's window: the axis keeps its labels to the right end
    qtbot.wait(50)
    assert bar.legend_box().width() == compact
    bar.resize(2000, bar.height())  # a very wide timeline: the names written out again
    assert bar.legend_box().width() > 2 * compact


def test_double_click_on_a_labelled_flyby_goes_to_the_flyby(window, qtbot):
    """Where a flyby and a perijove share a pixel, only the flyby is labelled, but a double-click
    went to the perijove (Europa CA and PJ45 in Juno's 2022 data, seen whole)."""
    import dataclasses

    s, bar = window.session, window.timeline
    flyby = next(e for e in s.events if e.kind == "flyby")
    perijove = dataclasses.replace(flyby, kind="perijove", body="Jupiter", et=flyby.et + 0.3 * bar.seconds_per_pixel())
    s.set_events(sorted([*s.events, perijove], key=lambda e: e.et))
    bar.grab()  # painted: the flyby, first, carries the label
    x = bar._x(flyby.et)
    assert bar._event_near(x).kind == "flyby"
    assert bar._event_near(bar._x(perijove.et)).kind == "flyby"  # the same pixel: the labelled one
