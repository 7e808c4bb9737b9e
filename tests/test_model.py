"""The plain-Python application state (``model/``): clock, stepping through events, camera limits.

No display and no real kernels: the session opens the embedded set, and the events are made here so each
test knows the answer.
"""

from __future__ import annotations

import math

import pytest

from perijove.ephemeris import Event, radii
from perijove.model.camera import CameraIntent
from perijove.model.clock import RATES, Clock


def _recorder(signal) -> list:
    seen: list = []
    signal.connect(seen.append)
    return seen


# -- clock ---------------------------------------------------------------------------------------------------


def test_clock_clamps_to_its_bounds_and_says_so_once():
    clock = Clock(et=100.0, start=0.0, stop=1000.0)
    changed = _recorder(clock.changed)
    clock.set_et(5000.0)
    clock.set_et(2000.0)  # still the stop: no second signal
    clock.set_et(-1.0)
    assert changed == [1000.0, 0.0] and clock.et == 0.0


def test_reversing_leaves_the_stretch_being_played():
    """G's hour ends in a pause; playing it backwards is leaving it. The pause used to wait there: back
    the other way hours later, playback stopped at a time nobody asked for any more."""
    clock = Clock(et=100.0, start=0.0, stop=100_000.0)
    clock.set_rate(120.0)
    clock.set_playing(True)
    clock.play_until(400.0)
    clock.reverse()
    clock.advance(0.5)  # back to 40
    clock.reverse()
    clock.advance(10.0)  # forward to 1240, through 400
    assert clock.playing and clock.et == 1240.0


def test_playing_until_a_time_stops_exactly_there_and_a_jump_forgets_it():
    """G plays the hour around a flyby: it used to play on past the hour's end."""
    clock = Clock(et=100.0, start=0.0, stop=10_000.0)
    clock.set_rate(120.0)
    clock.set_playing(True)
    clock.play_until(400.0)
    clock.advance(1.0)
    assert clock.playing and clock.et == 220.0
    clock.advance(2.0)  # would reach 460
    assert not clock.playing and clock.et == 400.0
    clock.set_playing(True)
    clock.advance(1.0)  # reached once: playing on is the user's choice
    assert clock.playing and clock.et == 520.0
    clock.play_until(1000.0)
    clock.set_et(2000.0)  # a jump or a scrub: the stop belonged to the hour left behind
    clock.advance(1.0)
    assert clock.playing and clock.et == 2120.0
    clock.set_rate(-120.0)
    clock.play_until(1900.0)  # backwards too
    clock.advance(5.0)
    assert not clock.playing and clock.et == 1900.0
    clock.set_rate(120.0)
    clock.play_until(2500.0)  # a step with the arrow keys, or new kernels, stay within the stretch
    clock.step(60.0)
    clock.set_bounds(0.0, 20_000.0)
    clock.set_playing(True)
    clock.advance(10.0)
    assert not clock.playing and clock.et == 2500.0


def test_narrower_bounds_pull_the_time_inside_and_bad_bounds_change_nothing():
    clock = Clock(et=500.0, start=0.0, stop=1000.0)
    clock.set_bounds(600.0, 700.0)
    assert clock.et == 600.0
    for start, stop in ((700.0, 700.0), (800.0, 700.0), (math.nan, 900.0), (0.0, math.inf)):
        with pytest.raises(ValueError):
            clock.set_bounds(start, stop)
    assert (clock.start, clock.stop, clock.et) == (600.0, 700.0, 600.0)


def test_faster_and_slower_step_through_the_rates_and_keep_the_direction():
    clock = Clock()
    assert clock.rate == 60.0
    clock.faster()
    assert clock.rate == RATES[RATES.index(60.0) + 1]
    for _ in range(len(RATES) + 2):
        clock.faster()
    assert clock.rate == RATES[-1]  # saturates
    clock.reverse()
    assert clock.rate == -RATES[-1]
    clock.slower()
    assert clock.rate == -RATES[-2]  # slower backwards is still backwards
    for _ in range(len(RATES) + 2):
        clock.slower()
    assert clock.rate == -RATES[0]


def test_zero_rate_is_refused():
    clock = Clock()
    with pytest.raises(ValueError, match="non-zero"):
        clock.set_rate(0.0)
    assert clock.rate == 60.0


def test_playback_advances_by_rate_times_wall_time_and_stops_at_the_end():
    clock = Clock(et=0.0, start=-100.0, stop=1000.0)
    clock.set_rate(600.0)
    clock.set_playing(True)
    playing = _recorder(clock.playing_changed)
    clock.advance(0.5)
    assert clock.et == 300.0 and clock.playing
    clock.advance(10.0)  # would pass the stop
    assert clock.et == 1000.0 and not clock.playing and playing == [False]
    clock.reverse()
    clock.set_playing(True)
    clock.advance(100.0)
    assert clock.et == -100.0 and not clock.playing
    clock.step(30.0)
    assert clock.et == -70.0


# -- session: next and previous event ------------------------------------------------------------------------


def _event(kind: str, body: str, et: float) -> Event:
    return Event(kind, body, et, f"ET {et}", 1.0, 1.0, 1.0, 0.0, 0.0)


@pytest.fixture(scope="module")
def session():
    """One session over the embedded set for the module; each test sets its own events, clock and camera."""
    from perijove.ephemeris import spice_pool
    from perijove.model.session import Session

    before = spice_pool().owner
    yield Session()
    spice_pool().restore(before)


@pytest.fixture
def stepped(session):
    base = session.clock.et
    events = [
        _event("apojove", "Jupiter", base + 50.0),
        _event("perijove", "Jupiter", base + 100.0),
        _event("flyby", "Io", base + 200.0),
        _event("perijove", "Jupiter", base + 300.0),
    ]
    session.set_events(list(reversed(events)))  # kept sorted whatever the order given
    session.jump_kinds = frozenset({"perijove", "flyby"})
    yield session, base, events
    session.clock.set_et(base)
    session.set_events([])


def test_next_and_previous_step_over_kinds_not_asked_for(stepped):
    s, base, ev = stepped
    assert [e.et for e in s.events] == sorted(e.et for e in ev)
    assert s.next_event() is ev[1]  # the apojove at +50 is not a jump kind
    assert s.next_event(base + 100.0) is ev[2]  # an event at the current time is not "next"
    assert s.next_event(base + 100.0 - 0.5e-3) is ev[2]  # nor one a fraction of a millisecond ahead
    assert s.next_event(base + 300.0) is None
    assert s.previous_event(base + 300.0) is ev[2]
    assert s.previous_event(base + 100.0) is None
    s.jump_kinds = frozenset()  # nothing chosen: every event is a stop
    assert s.next_event() is ev[0] and s.previous_event(base + 100.0) is ev[0]


def test_jump_sets_the_clock_and_turns_the_camera_to_the_events_body(stepped):
    s, _base, ev = stepped
    s.set_camera(CameraIntent(mode="from", target="JUPITER", from_body="IO", fov_deg=20.0))
    cameras = _recorder(s.camera_changed)
    s.jump_to(ev[2])  # a flyby of Io seen from Io: the view moves to the spacecraft
    assert s.clock.et == ev[2].et
    assert (s.camera.target, s.camera.from_body, s.camera.fov_deg, s.camera.mode) == ("IO", "JUNO", 20.0, "from")
    assert cameras == [s.camera]
    s.set_camera(CameraIntent(mode="follow", distance_km=0.05))
    s.jump_to(ev[1])
    assert s.clock.et == ev[1].et and s.camera.mode == "follow" and s.camera.distance_km == 0.05


# -- camera limits -------------------------------------------------------------------------------------------


def test_camera_distance_is_clamped_between_the_surface_and_the_far_limit(session):
    from perijove.model.session import MAX_DISTANCE_KM, SURFACE_MARGIN

    session.set_camera(CameraIntent(mode="orbit", target="IO", distance_km=1e12))
    assert session.camera.distance_km == MAX_DISTANCE_KM
    session.set_camera(session.camera.with_(distance_km=1.0))
    assert session.camera.distance_km == pytest.approx(max(radii("IO")) * (1 + SURFACE_MARGIN))
    session.set_camera(session.camera.with_(distance_km=None))  # framing is left to the renderer
    assert session.camera.distance_km is None


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"fov_deg": 0.05}, "field of view"),
        ({"fov_deg": 171.0}, "field of view"),
        ({"distance_km": -1.0}, "positive"),
        ({"mode": "sideways"}, "unknown camera mode"),
        ({"mode": "from", "from_body": None}, "needs a body"),
        ({"up": (0.0, math.nan, 1.0)}, "up vector"),
        ({"pan_km": (1.0, 2.0)}, "pan"),
        ({"encounter_et": math.inf}, "encounter"),
    ],
)
def test_camera_intent_refuses_impossible_values(changes, message):
    with pytest.raises(ValueError, match=message):
        CameraIntent(**changes)


def test_camera_limits_at_their_edges_are_accepted():
    assert CameraIntent(fov_deg=0.1).fov_deg == 0.1 and CameraIntent(fov_deg=170.0).fov_deg == 170.0
    assert CameraIntent(pan_km=[1, 2, 3]).pan_km == (1.0, 2.0, 3.0)


def test_what_n_and_p_step_through_is_kept_and_a_bad_stored_choice_dropped():
    """The choice was lost at every start (the window always began on close approaches)."""
    from perijove.model.session import JUMP_CHOICES
    from perijove.model.settings import StoredState, read_settings, write_settings

    for _label, kinds in JUMP_CHOICES:
        back, dropped = read_settings(write_settings(StoredState(jump_kinds=kinds)))
        assert back.jump_kinds == kinds and dropped == []
    assert read_settings(write_settings(StoredState()))[0].jump_kinds is None  # not stored: the default
    for bad in ('["flyby", "lunch"]', '"flyby"', '{"a": 1}', '["perijove"]', "[1]"):
        state, dropped = read_settings({"jump_kinds": bad})
        assert state.jump_kinds is None and dropped == ["jump_kinds"], bad
