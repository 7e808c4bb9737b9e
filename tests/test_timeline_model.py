"""The timeline's span: zoom around a point, clamps, event focus, and the UTC axis ticks."""

from __future__ import annotations

import pytest
import spiceypy

from perijove.model.timeline import MIN_SPAN_S, TimelineView, utc_ticks


def test_zoom_keeps_the_time_under_the_cursor_and_clamps():
    view = TimelineView(0.0, 1000 * 86400.0)
    around = 123_456.0
    frac = (around - view.start) / view.span
    for _ in range(40):
        view.zoom(0.5, around)
        assert (around - view.start) / view.span == pytest.approx(frac, abs=1e-9) or view.start == 0.0
    assert view.span == pytest.approx(MIN_SPAN_S)  # the floor
    view.zoom(1e9, around)
    assert (view.start, view.stop) == (0.0, 1000 * 86400.0)  # never past the data
    view.show(-50.0, 10.0)
    assert view.start == 0.0 and view.span == pytest.approx(60.0)
    with pytest.raises(ValueError):
        view.show(float("nan"), 1.0)


def test_focus_on_an_instant_and_on_an_interval():
    view = TimelineView(0.0, 100 * 86400.0)
    view.focus(50 * 86400.0)
    assert (view.start, view.stop) == (50 * 86400.0 - 1800, 50 * 86400.0 + 1800)
    view.focus(10 * 86400.0, 10 * 86400.0 + 7200)
    assert (view.start, view.stop) == (10 * 86400.0 - 1800, 10 * 86400.0 + 9000)


def test_follow_pages_the_span_when_the_clock_leaves_it():
    view = TimelineView(0.0, 100_000.0)
    view.show(0.0, 1000.0)
    view.follow(500.0)
    assert view.start == 0.0
    view.follow(1500.0)
    assert view.start < 1500.0 < view.stop and view.span == pytest.approx(1000.0)


def test_follow_pages_ahead_of_the_clock_either_way_and_centres_a_jump():
    """Playing backwards, the span was paged to put the clock 10% from its left edge, which it
    left again at once; a jump (a bookmark, a typed time) put the cursor at the left edge."""
    view = TimelineView(0.0, 100_000.0)
    view.show(10_000.0, 11_000.0)
    view.follow(11_010.0, playing=60.0)  # playing forwards past the right edge: the clock near the left
    assert view.start == pytest.approx(11_010.0 - 100.0)
    view.show(10_000.0, 11_000.0)
    view.follow(9_990.0, playing=-60.0)  # backwards past the left edge: the clock near the right
    assert view.stop == pytest.approx(9_990.0 + 100.0)
    for et, playing in ((50_000.0, 60.0), (2_000.0, 0.0), (9_500.0, 60.0), (11_500.0, 0.0), (10_500.0 + 900, -60.0)):
        view.show(10_000.0, 11_000.0)
        view.follow(et, playing)  # a jump, while playing or not, or a step: the time in the middle
        assert (view.start + view.stop) / 2 == pytest.approx(et) and view.span == pytest.approx(1000.0), et


@pytest.mark.parametrize(
    "start,stop,count,labels",
    [
        ("2023-12-30T08:00", "2023-12-30T09:00", 10, ["2023-12-30 08:00", "08:10", "08:20", "08:30", "08:40",
                                                      "08:50", "09:00"]),
        ("2023-12-30T08:36:00", "2023-12-30T08:36:45", 8, ["2023-12-30 08:36:00", "08:36:10", "08:36:20",
                                                           "08:36:30", "08:36:40"]),
        ("2023-12-29", "2024-01-02", 12, ["2023-12-29", "12:00", "12-30", "12:00", "12-31", "12:00", "01-01", "12:00",
                                          "01-02"]),
    ],
)  # fmt: skip
def test_axis_ticks_fall_on_round_utc_times(start, stop, count, labels):
    from perijove.ephemeris import open_kernels, to_et

    open_kernels()
    ticks = utc_ticks(to_et(start), to_et(stop), count)
    assert [label for _, label in ticks] == labels
    for et, label in ticks:  # each tick is exactly at its label's UTC time (oracle: spiceypy.et2utc)
        utc = spiceypy.et2utc(et, "ISOC", 3)
        if label.count("-") == 1:  # a new day: midnight
            assert utc[5:10] == label and utc[11:] == "00:00:00.000"
        elif label.count("-") == 2:  # the first tick: the date, and the time unless it is midnight
            date, _, time = label.partition(" ")
            assert utc[:10] == date and utc[11:].startswith(time or "00:00:00.000")
        else:
            assert utc[11 : 11 + len(label)] == label and utc.endswith(".000")


def test_an_axis_of_hours_or_minutes_says_the_day_once():
    """Zoomed onto a flyby the axis read 08:36, 08:38, ... with no date anywhere on it."""
    from perijove.ephemeris import Ephemeris, open_kernels, to_et
    from perijove.model.timeline import utc_ticks

    eph = Ephemeris(open_kernels())  # noqa: F841 (leap seconds for the conversions)
    for start, stop in (("2023-12-30T08:31", "2023-12-30T08:41"), ("2023-12-30T06:00", "2023-12-30T11:00")):
        ticks = utc_ticks(to_et(start), to_et(stop), 8)
        assert ticks[0][1].startswith("2023-12-30 ")  # the first label carries the date
        assert all(":" in label and "-" not in label for _, label in ticks[1:])
    days = utc_ticks(to_et("2023-12-01"), to_et("2023-12-20"), 8)
    assert all(label.count("-") == 2 and " " not in label for _, label in days)  # dates already
