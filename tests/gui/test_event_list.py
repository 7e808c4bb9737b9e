"""The event list as a person uses it: filter, search, sort, follow the clock, jump."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from perijove.ephemeris import to_et


def _shown(table) -> list:
    proxy = table.proxy
    return [table.source.events[proxy.mapToSource(proxy.index(r, 0)).row()] for r in range(proxy.rowCount())]


def test_filter_by_kind_and_body_and_search(window, qtbot):
    panel, table = window.events_panel, window.events
    total = len(window.session.events)
    assert len(_shown(table)) == total and total > 50
    panel.kind_box.setCurrentIndex(panel.kind_box.findData("flyby"))
    panel.kind_box.activated.emit(panel.kind_box.currentIndex())
    flybys = _shown(table)
    assert flybys and all(e.kind == "flyby" for e in flybys) and len(flybys) < total
    panel.kind_box.setCurrentIndex(0)
    panel.body_box.setCurrentIndex(panel.body_box.findData("Europa"))
    panel.body_box.activated.emit(panel.body_box.currentIndex())
    assert _shown(table) and all(e.body == "Europa" for e in _shown(table))
    panel.body_box.setCurrentIndex(0)
    panel.body_box.activated.emit(0)
    qtbot.keyClicks(panel.search, "io 2024-02")
    found = _shown(table)
    assert found and all(e.body == "Io" and e.utc.startswith("2024-02") for e in found)
    assert f"{len(found)} of {total} events" == panel.count.text()


def test_columns_fit_each_kind_and_sort_as_numbers(window, qtbot):
    table = window.events
    model = table.source
    eclipse = next(i for i, e in enumerate(model.events) if e.kind == "eclipse")
    flyby = next(i for i, e in enumerate(model.events) if e.kind == "flyby")

    def text(row: int, col: int) -> str:
        return model.data(model.index(row, col))

    assert text(eclipse, 3) and "m" in text(eclipse, 4) and text(eclipse, 5) == ""  # end, duration, no distance
    assert text(flyby, 3) == "" and text(flyby, 4) == "" and text(flyby, 6).replace(",", "").replace(".", "").isdigit()
    table.sortByColumn(6, QtCore.Qt.SortOrder.AscendingOrder)  # altitude, as numbers
    altitudes = [e.altitude_km for e in _shown(table) if e.kind != "eclipse"]
    assert altitudes == sorted(altitudes)
    assert _shown(table)[0].kind == "flyby"  # the 1,500 km Io passes come first
    table.sortByColumn(2, QtCore.Qt.SortOrder.AscendingOrder)


def test_the_current_event_is_highlighted_and_followed(window, qtbot):
    s, table = window.session, window.events
    flyby = next(e for e in s.events if e.kind == "flyby" and e.body == "Io")
    s.clock.set_et(flyby.et + 60)
    row = table.source.current
    assert table.source.events[row] is flyby
    index = table.proxy.mapFromSource(table.source.index(row, 0))
    assert table.visualRect(index).intersects(table.viewport().rect())  # scrolled into view
    assert table.source.data(table.source.index(row, 0), QtCore.Qt.ItemDataRole.BackgroundRole) is not None
    eclipse = next(e for e in s.events if e.kind == "eclipse" and e.et > flyby.et)
    s.clock.set_et(0.5 * (eclipse.et + eclipse.end_et))  # inside an interval: that interval
    assert table.source.events[table.source.current] is eclipse
    s.clock.set_et(to_et("2023-11-15T00:00:01"))
    assert table.source.current in (-1, 0)


def test_double_click_in_a_filtered_sorted_list_jumps_to_that_event(window, qtbot):
    panel, table, s = window.events_panel, window.events, window.session
    panel.kind_box.setCurrentIndex(panel.kind_box.findData("perijove"))
    panel.kind_box.activated.emit(panel.kind_box.currentIndex())
    table.sortByColumn(2, QtCore.Qt.SortOrder.DescendingOrder)
    first = _shown(table)[0]
    table.doubleClicked.emit(table.proxy.index(0, 0))
    assert s.clock.et == pytest.approx(first.et) and first.kind == "perijove"
    assert first is max((e for e in s.events if e.kind == "perijove"), key=lambda e: e.et)


def test_each_row_tells_the_whole_event_on_hover(window, qtbot):
    """The dock is narrow: past the first three columns the geometry needs a scroll. Hovering a row
    tells it all, with the sub-spacecraft point the columns do not have, and how to go there."""
    table, s = window.events, window.session
    flyby = next(e for e in s.events if e.kind == "flyby")
    row = s.events.index(flyby)
    for col in (0, 2, 8):
        tip = table.source.data(table.source.index(row, col), QtCore.Qt.ItemDataRole.ToolTipRole)
        assert tip is not None
        assert f"Io flyby at {flyby.utc} UTC" in tip
        assert f"altitude {flyby.altitude_km:,.1f} km" in tip and f"speed {flyby.speed_km_s:.3f} km/s" in tip
        lat = f"{abs(flyby.lat_deg):.2f}° {'N' if flyby.lat_deg >= 0 else 'S'}"
        assert f"sub-spacecraft point {lat}, {flyby.lon_deg:.2f}° E" in tip
        assert "Juno synthetic" in tip and "double-click" in tip.lower()
    eclipse = next(e for e in s.events if e.kind == "eclipse" and e.end_et is not None and not e.end_cut)
    tip = table.source.data(table.source.index(s.events.index(eclipse), 1), QtCore.Qt.ItemDataRole.ToolTipRole)
    assert f"until {table.source._text(eclipse, 3)} UTC ({table.source._text(eclipse, 4)})" in tip
    assert "altitude" not in tip  # an eclipse is the moon's, not a place of the spacecraft


def test_the_current_event_stays_in_sight_when_the_events_are_found_again(window, qtbot):
    """New kernels, or Find events again, fill the list anew: the current row was marked but left out
    of sight (the list showed 2022 while the clock stood at a 2024 flyby)."""
    s, table = window.session, window.events
    qtbot.waitUntil(lambda: any(e.kind == "transit" for e in s.events), timeout=120_000)  # the full search
    s.clock.set_et(to_et("2024-02-03T17:53:52"))
    window.search_events()
    with qtbot.waitSignal(window.jobs.search.finished, timeout=120_000):
        pass
    qtbot.wait(50)  # the list's layout after the last fill
    current = table.source.events[table.source.current]
    assert current.kind == "flyby" and current.utc.startswith("2024-02-03")
    index = table.proxy.mapFromSource(table.source.index(table.source.current, 0))
    assert table.visualRect(index).intersects(table.viewport().rect()), "the current event is out of sight"


def test_before_the_first_event_the_list_shows_its_top(window, qtbot):
    """With the clock before every event (the data's first second, after kernels were unloaded)
    the list kept whatever rows it had scrolled to, months away."""
    s, table = window.session, window.events
    qtbot.waitUntil(lambda: any(e.kind == "transit" for e in s.events), timeout=120_000)
    s.clock.set_et(to_et("2024-02-03T17:53:52"))  # scrolled far down
    s.clock.set_et(s.clock.start)
    assert table.source.current == -1
    top = table.proxy.index(0, 0)
    assert table.visualRect(top).intersects(table.viewport().rect())


def test_a_filtered_list_keeps_the_latest_shown_event_in_sight(window, qtbot):
    """With Kind = eclipse the list sat on March 2024 whatever the clock: the current event (a
    flyby) was filtered out, so nothing was scrolled to."""
    panel, table, s = window.events_panel, window.events, window.session
    qtbot.waitUntil(lambda: any(e.kind == "transit" for e in s.events), timeout=120_000)
    s.clock.set_et(to_et("2023-12-30T08:36"))
    panel.kind_box.setCurrentIndex(panel.kind_box.findData("eclipse"))
    panel.kind_box.activated.emit(panel.kind_box.currentIndex())
    for when in ("2023-12-30T08:36", "2024-02-03T17:50", "2023-11-20T00:00"):
        s.clock.set_et(to_et(when))
        qtbot.wait(20)
        before = [e for e in s.events if e.kind == "eclipse" and e.et <= s.clock.et]
        if not before:
            continue
        latest = max(before, key=lambda e: e.et)
        index = table.proxy.mapFromSource(table.source.index(s.events.index(latest), 0))
        assert table.visualRect(index).intersects(table.viewport().rect()), when


def test_the_current_rows_time_is_shown_whole(window, qtbot):
    """The current row is bold, and its start time was cut ("2023-12-30T00:14:07..."): the columns
    were sized to the regular font."""
    from PySide6 import QtGui

    table, s = window.events, window.session
    qtbot.waitUntil(lambda: any(e.kind == "transit" for e in s.events), timeout=120_000)
    s.clock.set_et(to_et("2023-12-30T08:37"))
    row = table.source.current
    bold = QtGui.QFont(table.font())
    bold.setBold(True)
    for col in (2, 3):
        text = table.source.data(table.source.index(row, col))
        if text:
            assert table.columnWidth(col) >= QtGui.QFontMetrics(bold).horizontalAdvance(text) + 6, (col, text)
