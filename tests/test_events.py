"""Event finding: real 2022 perijoves (the ``eph`` fixture: skipped without ``../shared``), and searches over
geometry we built ourselves or the embedded set."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import spiceypy
from spkfactory import write_spk

from perijove.ephemeris import CoverageError, Ephemeris, EventFinder, QueryError, find_events, to_et
from perijove.ephemeris.events import Cancelled

# DESIGN.md facts (LASP perijove list), UTC.
PERIJOVES_2022 = ["2022-07-05T09:17:22.234", "2022-08-17T14:45:39.433"]
GM_JUPITER = 126_686_531.9


def test_real_perijoves_within_10_ms(eph):
    report = find_events(eph, ["perijove", "apojove"])
    peri = [e for e in report.events if e.kind == "perijove"]
    for published in PERIJOVES_2022:
        et = to_et(published)
        match = min(peri, key=lambda e: abs(e.et - et))
        assert abs(match.et - et) < 0.010
        assert 3500 <= match.altitude_km <= 4200
        assert 57 < match.speed_km_s < 60 and 30 < match.lat_deg < 40
    apo = [e for e in report.events if e.kind == "apojove"]
    # Apojoves alternate with perijoves and lie far out.
    kinds = [e.kind for e in report.events]
    assert all(a != b for a, b in itertools.pairwise(kinds))
    assert all(e.distance_km > 6e6 for e in apo)


def test_event_dict_has_the_documented_keys(eph):
    start, stop = to_et("2022-07-04"), to_et("2022-07-06")
    (event,) = find_events(eph, ["perijove"], start=start, stop=stop).events
    d = event.to_dict()
    assert list(d)[:9] == [
        "kind",
        "body",
        "utc",
        "et",
        "distance_km",
        "altitude_km",
        "speed_km_s",
        "lat_deg",
        "lon_deg",
    ]
    assert d["utc"] == "2022-07-05T09:17:22.234" and d["body"] == "Jupiter"


def test_search_window_outside_data_is_explained(eph):
    with pytest.raises(CoverageError, match="2022-06-14T02:58:51 UTC"):
        find_events(eph, ["perijove"], start=to_et("2024-01-01"), stop=to_et("2024-02-01"))
    with pytest.raises(QueryError, match="unknown event kind"):
        find_events(eph, ["perihelion"])


def test_missing_moons_are_noted_not_fatal(eph):
    report = find_events(eph, ["flyby"], ["IO"])
    assert report.events == [] and "no ephemeris for Io" in report.notes[0]


def test_progress_and_cancel(eph):
    seen = []
    find_events(eph, ["perijove", "apojove"], progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        find_events(eph, ["perijove"], cancel=lambda: True)


def _juno_crossing(eph, radius_km: float) -> float:
    pj = to_et(PERIJOVES_2022[0])
    ets = pj - np.arange(0, 6 * 3600, 10.0)
    d = np.linalg.norm(eph.position("JUNO", ets, "JUPITER"), axis=1)
    return float(ets[np.argmin(abs(d - radius_km))])


@pytest.fixture
def test_moon(eph, tmp_path):
    """A moon on a circle that puts it within 3,000 km from Juno and through Jupiter's shadow."""
    tc = _juno_crossing(eph, 421_700.0)
    rc = eph.position("JUNO", tc, "JUPITER")
    vc = eph.state("JUNO", tc, "JUPITER")[3:]
    side = np.cross(vc, rc)
    m_c = rc + 3000.0 * side / np.linalg.norm(side)
    a = np.linalg.norm(m_c)
    u = m_c / a
    anti_sun = -eph.sun_direction("JUPITER", tc)
    v = anti_sun - np.dot(anti_sun, u) * u
    v /= np.linalg.norm(v)
    n = np.sqrt(GM_JUPITER / a**3)

    def states(ets):
        th = n * (ets - tc)[:, None]
        pos = a * (np.cos(th) * u + np.sin(th) * v)
        vel = a * n * (-np.sin(th) * u + np.cos(th) * v)
        return np.hstack([pos, vel])

    path = write_spk(tmp_path / "moon.bsp", 501, 599, tc - 2.5 * 86400, tc + 2.5 * 86400, states, 300.0)
    eph.kernels.load(path)
    return tc, 2 * np.pi / n


def test_flyby_refined_below_a_millisecond(eph, test_moon):
    tc, _period = test_moon
    (fly,) = find_events(eph, ["flyby"], ["IO"], flyby_km=50_000).events
    assert fly.body == "Io" and abs(fly.et - tc) < 120
    around = fly.et + np.array([-1e-3, 0.0, 1e-3])
    d = np.linalg.norm(eph.position("JUNO", around, "IO"), axis=1)
    assert d[1] <= d[0] and d[1] <= d[2]  # a minimum to the millisecond
    brute = np.linalg.norm(eph.position("JUNO", fly.et + np.arange(-600, 600, 0.5), "IO"), axis=1)
    assert fly.distance_km <= brute.min() + 1e-6 and fly.distance_km < 3000.0
    assert fly.altitude_km == pytest.approx(fly.distance_km - 1829.4, abs=20)  # pck00011 Io radii


def test_eclipses_of_a_moon_behind_jupiter(eph, test_moon):
    _tc, period = test_moon
    events = find_events(eph, ["eclipse"], ["IO"]).events
    assert 2 <= len(events) <= 3
    for e in events:
        duration = e.end_et - e.et
        assert 2 * 66_854 / 17.3 - 300 < duration < 2 * 71_492 / 17.3 + 300
        mid = 0.5 * (e.et + e.end_et)
        to_moon = eph.position("IO", mid, "JUPITER")
        cosang = np.dot(to_moon / np.linalg.norm(to_moon), -eph.sun_direction("JUPITER", mid))
        assert cosang > np.cos(np.radians(1.0))
    starts = np.diff([e.et for e in events])
    assert np.allclose(starts, period, atol=120)


def test_spacecraft_shadow_passage(eph, tmp_path):
    t0 = to_et("2022-07-20T00:00:00")
    behind = -eph.sun_direction("JUPITER", t0) * 3 * 71_492.0
    w = np.cross(behind, [0, 0, 1.0])
    w *= 20.0 / np.linalg.norm(w)

    def states(ets):
        dt = (ets - t0)[:, None]
        return np.hstack([behind + w * dt, np.tile(w, (len(ets), 1))])

    probe = write_spk(tmp_path / "probe.bsp", -999, 599, t0 - 86400, t0 + 86400, states, 600.0)
    eph.kernels.load(probe)
    finder = EventFinder(Ephemeris(eph.kernels), spacecraft=-999)
    (shadow,) = finder.find(["shadow"]).events
    assert shadow.kind == "shadow" and shadow.body == "Jupiter"
    assert 2 * 66_854 / 20 - 200 < shadow.end_et - shadow.et < 2 * 71_492 / 20 + 200
    assert abs(0.5 * (shadow.et + shadow.end_et) - t0) < 120


def _between(events, kind):
    return [e for e in events if e.kind == kind]


@pytest.mark.parametrize("kind", ["transit", "shadow-transit"])
def test_io_transits_and_shadow_transits_last_about_two_hours(kind):
    from perijove.ephemeris import Ephemeris, find_events, open_kernels, to_et

    eph = Ephemeris(open_kernels())
    found = _between(find_events(eph, [kind], [501], to_et("2023-12-28"), to_et("2024-01-02")).events, kind)
    assert len(found) >= 2
    for e in found:
        assert e.body == "Io" and 1.6 * 3600 < e.end_et - e.et < 2.8 * 3600
    gaps = np.diff([e.et for e in found]) / 86400
    assert np.allclose(gaps, 1.769, atol=0.01)  # Io's synodic period


def test_transits_agree_with_an_independent_geometric_check():
    """Mid-transit, Io's centre lies on Jupiter's disc seen from Earth (spkpos, no GF); mid-shadow,
    the Sun-Io line meets Jupiter's ellipsoid (surfpt)."""
    from perijove.ephemeris import Ephemeris, find_events, open_kernels, to_et

    eph = Ephemeris(open_kernels())
    kinds = ["transit", "shadow-transit"]
    events = find_events(eph, kinds, [501], to_et("2023-12-28"), to_et("2024-01-02")).events
    radii = spiceypy.bodvrd("JUPITER", "RADII", 3)[1]
    for e in events:
        mid = 0.5 * (e.et + e.end_et)
        if e.kind == "transit":
            jup = spiceypy.spkpos("JUPITER", mid, "J2000", "LT", "EARTH")[0]
            io = spiceypy.spkpos("IO", mid, "J2000", "LT", "EARTH")[0]
            sep = spiceypy.vsep(jup, io)
            assert sep < np.arcsin(radii[0] / np.linalg.norm(jup)) and np.linalg.norm(io) < np.linalg.norm(jup)
        else:
            rot = spiceypy.pxform("J2000", "IAU_JUPITER", mid)
            sun = rot @ spiceypy.spkpos("SUN", mid, "J2000", "NONE", "JUPITER")[0]
            io = rot @ spiceypy.spkpos("IO", mid, "J2000", "NONE", "JUPITER")[0]
            with spiceypy.no_found_check():
                _point, found = spiceypy.surfpt(sun, io - sun, *radii)
            assert found  # the shadow of Io's centre falls on the cloud tops
    # ...and an hour outside each, it does not.
    e = next(e for e in events if e.kind == "shadow-transit")
    rot = spiceypy.pxform("J2000", "IAU_JUPITER", e.et - 3600)
    sun = rot @ spiceypy.spkpos("SUN", e.et - 3600, "J2000", "NONE", "JUPITER")[0]
    io = rot @ spiceypy.spkpos("IO", e.et - 3600, "J2000", "NONE", "JUPITER")[0]
    with spiceypy.no_found_check():
        assert not spiceypy.surfpt(sun, io - sun, *radii)[1]
