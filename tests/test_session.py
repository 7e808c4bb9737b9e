"""The application state without a window: opening position, clock guards, camera limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import spiceypy

from perijove.ephemeris import radii


def test_session_opens_before_the_first_flyby_without_a_geometry_finder_search(monkeypatch):
    from perijove.ephemeris import find_events
    from perijove.model.session import OPEN_BEFORE_FLYBY_S, Session

    reference = Session()
    flyby = next(
        e.et for e in find_events(reference.eph, ["flyby"], [501], flyby_km=20_000).events  # gfdist LOCMIN, 1 µs
    )

    def no_gf(*_args, **_kwargs):
        raise AssertionError("the geometry finder ran on the GUI thread")

    monkeypatch.setattr(spiceypy, "gfdist", no_gf)
    monkeypatch.setattr(spiceypy, "gfoclt", no_gf)
    session = Session()
    assert session.clock.et == pytest.approx(flyby - OPEN_BEFORE_FLYBY_S, abs=0.01)
    assert session.camera.mode == "flyby" and session.camera.target == "IO"
    assert session.camera.encounter_et == pytest.approx(flyby, abs=0.01)  # framed without a search


def test_first_close_approach_agrees_with_the_geometry_finder():
    from perijove.ephemeris import Ephemeris, find_events, open_kernels
    from perijove.ephemeris.approach import first_close_approach

    eph = Ephemeris(open_kernels())
    window = eph.covered("JUNO")
    found = first_close_approach(eph, "JUNO", "IO", window[0].start, window[-1].stop, within_km=20_000)
    events = find_events(eph, ["flyby"], [501], flyby_km=20_000).events
    assert found is not None
    et, distance = found
    assert et == pytest.approx(events[0].et, abs=0.005)
    assert distance == pytest.approx(events[0].distance_km, abs=1e-3)
    # Nothing that close to Callisto in the synthetic set.
    assert first_close_approach(eph, "JUNO", "CALLISTO", window[0].start, window[-1].stop, within_km=20_000) is None


@pytest.mark.parametrize("chunk", [3, 4, 7, 100])
def test_first_close_approach_is_the_same_whatever_the_chunks(monkeypatch, chunk):
    """The scan reads the samples in chunks and stops at the first flyby; a minimum on a chunk's edge is kept."""
    from perijove.ephemeris import Ephemeris, approach, open_kernels

    eph = Ephemeris(open_kernels())
    window = eph.covered("JUNO")
    whole = approach.first_close_approach(eph, "JUNO", "IO", window[0].start, window[-1].stop, within_km=20_000)
    monkeypatch.setattr(approach, "CHUNK", chunk)
    flyby = whole[0]
    for start in (flyby - 3 * 600.0, flyby - 1000.0, flyby - 7200.0 - 1.0):  # the minimum lands on chunk edges
        found = approach.first_close_approach(eph, "JUNO", "IO", start, window[-1].stop, within_km=20_000)
        assert found is not None and found[0] == pytest.approx(whole[0], abs=0.005)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_clock_refuses_non_finite_times_and_rates(bad):
    from perijove.model.clock import Clock

    clock = Clock(et=100.0, start=0.0, stop=1000.0)
    with pytest.raises(ValueError):
        clock.set_et(bad)
    with pytest.raises(ValueError):
        clock.set_rate(bad)
    assert clock.et == 100.0 and clock.rate == 60.0


@pytest.mark.parametrize("field", ["distance_km", "azimuth_deg", "elevation_deg", "fov_deg"])
def test_camera_intent_refuses_non_finite_numbers(field):
    from perijove.model.camera import CameraIntent

    with pytest.raises(ValueError):
        CameraIntent(**{field: math.nan})


def test_camera_distance_keeps_a_margin_above_the_target_surface():
    from perijove.model.session import Session

    s = Session()
    for mode, target in (("orbit", "IO"), ("bodyfixed", "JUPITER"), ("from", "IO")):
        s.set_camera(s.camera.with_(mode=mode, target=target, from_body="SUN" if mode == "from" else None))
        s.set_camera(s.camera.with_(distance_km=0.06))
        assert s.camera.distance_km > 1.01 * float(np.max(radii(target))), mode
    s.set_camera(s.camera.with_(mode="follow", distance_km=0.06))
    assert s.camera.distance_km == pytest.approx(0.06)  # around the spacecraft, metres are fine
