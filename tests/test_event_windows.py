"""A search over any window gives exactly the whole search's events that fall in it.

Windows used to be trimmed by an hour at each end (for the Sun's light time, which needs only
the Sun's data an hour earlier, not the spacecraft's), so a shadow inside a two-hour window was
missed, and an interval cut by the window got the window's edge as its start.
"""

from __future__ import annotations

import pytest

from perijove.ephemeris import Ephemeris, find_events, open_kernels, to_et

START = STOP = 0.0  # set once the leapseconds are loaded

KINDS = ["perijove", "flyby", "eclipse", "shadow"]
_WHOLE: list = []  # the whole search, made once (each test gets a fresh SPICE pool)


@pytest.fixture
def whole():
    global START, STOP
    eph = Ephemeris(open_kernels())
    START, STOP = to_et("2023-12-26"), to_et("2024-01-04")
    if not _WHOLE:
        _WHOLE.extend(find_events(eph, KINDS).events)
    return eph, [e for e in _WHOLE if e.et < STOP + 86400 and (e.end_et or e.et) > START - 86400]


def _key(e):
    return (e.kind, e.body)


def _inside(events, lo, hi):
    return [e for e in events if (e.end_et if e.end_et is not None else e.et) >= lo and e.et <= hi]


def _same(got, expected):
    assert [_key(e) for e in got] == [_key(e) for e in expected]
    for a, b in zip(got, expected, strict=True):
        assert a.et == pytest.approx(b.et, abs=1e-3)
        assert (a.end_et is None) == (b.end_et is None)
        if a.end_et is not None:
            assert a.end_et == pytest.approx(b.end_et, abs=1e-3)
        assert (a.start_cut, a.end_cut) == (b.start_cut, b.end_cut) == (False, False)


def test_the_shadow_inside_a_two_hour_window_is_found(whole):
    eph, events = whole
    shadow = next(e for e in events if e.kind == "shadow" and e.et > to_et("2023-12-30T12:00"))
    lo, hi = shadow.et - 1800, shadow.end_et + 1800  # the 12:00-14:00 window, around the real one
    got = find_events(eph, ["shadow"], start=lo, stop=hi).events
    _same(got, [shadow])


@pytest.mark.parametrize("kind", ["eclipse", "shadow"])
@pytest.mark.parametrize("edge", ["start", "stop"])
def test_windows_starting_or_ending_inside_an_interval_get_its_true_start_and_end(whole, kind, edge):
    eph, events = whole
    intervals = [e for e in events if e.kind == kind and START < e.et < STOP - 86400]
    target = intervals[len(intervals) // 2]
    middle = 0.5 * (target.et + target.end_et)
    lo, hi = (middle, middle + 6 * 3600) if edge == "start" else (middle - 6 * 3600, middle)
    got = find_events(eph, [kind], start=lo, stop=hi).events
    _same(got, [e for e in _inside(events, lo, hi) if e.kind == kind])
    assert any(e.et == pytest.approx(target.et, abs=1e-3) and e.et < lo for e in got) or edge == "stop"


@pytest.mark.parametrize(
    "lo,hi",
    [
        ("2023-12-30T08:00", "2023-12-30T09:00"),  # the first Io flyby
        ("2023-12-30T12:00", "2023-12-30T14:00"),  # perijove 57 and a shadow
        ("2023-12-28T21:00", "2023-12-29T03:00"),
        ("2023-12-29T22:00", "2023-12-31T23:00"),
    ],
)
def test_any_window_equals_the_whole_search_inside_it(whole, lo, hi):
    eph, events = whole
    lo_et, hi_et = to_et(lo), to_et(hi)
    got = find_events(eph, KINDS, start=lo_et, stop=hi_et).events
    _same(got, _inside(events, lo_et, hi_et))


def test_an_interval_cut_by_the_end_of_the_data_is_marked_not_invented(whole):
    from perijove.ephemeris import EventFinder
    from perijove.ephemeris.windows import Window

    eph, events = whole
    eclipse = next(e for e in events if e.kind == "eclipse" and e.et > START)
    middle = 0.5 * (eclipse.et + eclipse.end_et)
    finder = EventFinder(eph)
    body = {"Io": 501, "Europa": 502, "Ganymede": 503, "Callisto": 504}[eclipse.body]
    # As if the loaded data began in the middle of the eclipse.
    (cut,) = [e for e in finder._search("eclipse", body, [Window(middle, middle + 86400)]) if e.et < middle + 1]
    assert cut.start_cut and not cut.end_cut
    assert cut.et == pytest.approx(middle, abs=1e-3) and cut.end_et == pytest.approx(eclipse.end_et, abs=1e-3)
    row = cut.to_dict()
    assert row["start_cut"] is True and row["duration_s"] is None
