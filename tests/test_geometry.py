"""Geometric queries against SPICE itself and against physics we know, on the embedded set (synthetic Juno,
VSOP87/DE440 planets, IAU 2015 text PCK): nothing here needs ``../shared``."""

from __future__ import annotations

import astronomy
import numpy as np
import pytest
import spiceypy

from perijove.ephemeris import CoverageError, Ephemeris, QueryError, to_et

PJ = "2023-12-30T12:36:20.8"  # the synthetic set's perijove 57
C = 299_792.458


@pytest.fixture
def eph(embedded):
    return Ephemeris(embedded)


def test_vectorised_states_are_consistent_in_time_and_frame(eph):
    ets = to_et(PJ) + np.linspace(-7200, 7200, 50)
    ours = eph.state("JUNO", ets, "JUPITER")
    assert ours.shape == (50, 6) and ours.dtype == np.float64
    assert eph.state("JUNO", ets[7], "JUPITER").shape == (6,)  # a scalar time gives one state
    # Velocity is the time derivative of position (central differences over +-0.5 s, near perijove).
    h = 0.5
    numeric = (eph.position("JUNO", ets + h, "JUPITER") - eph.position("JUNO", ets - h, "JUPITER")) / (2 * h)
    assert np.abs(numeric - ours[:, 3:]).max() < 1e-4  # km/s, out of about 58
    # The same positions in Jupiter's body-fixed frame are the J2000 ones turned by the PCK's rotation.
    fixed = eph.position("JUNO", ets[:3], "JUPITER", frame="IAU_JUPITER")
    turned = np.einsum("nij,nj->ni", eph.body_rotation("JUPITER", ets[:3]), ours[:3, :3])
    assert np.abs(fixed - turned).max() < 1e-6
    # Light time and stellar aberration move Juno seen from Jupiter by at most |v| * (r / c) + |v_jup| / c * r.
    corrected = eph.position("JUNO", ets[1], "JUPITER", abcorr="lt+s")
    r = np.linalg.norm(ours[1, :3])
    assert 0 < np.linalg.norm(corrected - ours[1, :3]) < (np.linalg.norm(ours[1, 3:]) + 15.0) * r / C


def test_outside_coverage_names_the_window(eph):
    with pytest.raises(CoverageError) as info:
        eph.state("JUNO", [to_et(PJ), to_et("2022-07-05T09:17:22")])
    text = str(info.value)
    assert "at 2022-07-05T09:17:22 UTC" in text
    assert "2023-11-15T00:00:00 UTC .. 2024-01-17T11:08:51 UTC" in text  # the synthetic Juno's first leg
    with pytest.raises(CoverageError, match="no ephemeris is loaded for Amalthea"):
        eph.state("AMALTHEA", to_et(PJ))


def test_bad_arguments(eph):
    with pytest.raises(QueryError, match="unknown body 'Vulcan'"):
        eph.state("Vulcan", 0.0)
    with pytest.raises(QueryError, match="unknown aberration correction"):
        eph.state("JUNO", to_et(PJ), abcorr="LT+Q")


def test_states_at_one_epoch(eph):
    et = to_et(PJ)
    bodies = ["SUN", "EARTH", "JUNO"]
    states = eph.states_at(et, bodies, "JUPITER")
    for body, row in zip(bodies, states, strict=True):
        assert np.allclose(row, eph.state(body, et, "JUPITER"), rtol=0, atol=1e-6)


def test_subpoint_altitude_and_latitudes(eph):
    et = to_et(PJ)
    sub = eph.subpoint("JUPITER", et, "JUNO")
    # Independent: nearest point on the 71492 x 66854 km ellipsoid.
    pos = eph.position("JUNO", et, "JUPITER", frame="IAU_JUPITER")
    near, alt = spiceypy.nearpt(pos, 71492.0, 71492.0, 66854.0)
    assert sub.altitude_km == pytest.approx(alt, abs=1e-6)
    assert 3300 < sub.altitude_km < 4200  # the synthetic perijove is at about 3,400 km
    assert sub.lat_deg == pytest.approx(np.degrees(np.arcsin(near[2] / np.linalg.norm(near))), abs=1e-9)
    assert sub.lat_pg_deg > sub.lat_deg > 30  # oblate planet: graphic latitude is larger in the north
    assert 0 <= sub.lon_deg < 360
    many = eph.subpoint("JUPITER", et + np.arange(3) * 60.0, "JUNO")
    assert many.altitude_km.shape == (3,)


def test_jupiter_spins_at_its_pck_rate(eph):
    et = to_et(PJ)
    rate = np.radians(870.536) / 86400.0
    av = eph.angular_velocity("JUPITER", et)
    assert np.linalg.norm(av) == pytest.approx(rate, rel=1e-6)
    pole = eph.body_rotation("JUPITER", et)[2]  # body z axis in J2000
    assert np.dot(av / np.linalg.norm(av), pole) == pytest.approx(1.0, abs=1e-9)
    r0, r1 = eph.body_rotation("JUPITER", [et, et + 3600.0])
    turn = np.degrees(np.arccos((np.trace(r1 @ r0.T) - 1) / 2))
    assert turn == pytest.approx(870.536 / 24, abs=1e-6)


def test_sun_direction_and_lighting(eph):
    et = to_et(PJ)
    d = eph.sun_direction("JUPITER", et)
    assert np.linalg.norm(d) == pytest.approx(1.0)
    # Independent of SPICE: astronomy-engine's heliocentric Jupiter (VSOP87, J2000 equator), reversed. Light
    # time and aberration shift the apparent Sun by seconds of arc, DE440 against VSOP87 by less.
    t = astronomy.Time.FromTerrestrialTime(spiceypy.unitim(et, "TDB", "TDT") / 86400.0)
    jupiter = astronomy.HelioVector(astronomy.Body.Jupiter, t)
    ref = -np.array([jupiter.x, jupiter.y, jupiter.z])
    assert np.degrees(np.arccos(d @ ref / np.linalg.norm(ref))) * 3600 < 30.0  # arcseconds
    ill = eph.illumination("JUPITER", et, "JUNO")
    # Looking straight down at the sub-spacecraft point: emission 0, so phase == incidence.
    assert ill.emission_deg == pytest.approx(0.0, abs=1e-6)
    assert ill.phase_deg == pytest.approx(ill.incidence_deg, abs=1e-3)
    assert 0 <= ill.phase_deg <= 180


def test_earth_range_and_light_time(eph):
    et = to_et(PJ)
    rng, lt = eph.earth_range(et)
    assert 4.0 * 1.496e8 < rng < 6.5 * 1.496e8
    assert lt == pytest.approx(rng / C, rel=1e-4)
    rngs, lts = eph.earth_range([et, et + 86400])
    assert rngs.shape == lts.shape == (2,)


def test_altitude_below_the_surface_is_negative(eph, tmp_path):
    from spkfactory import write_spk

    et = to_et(PJ)
    inner = write_spk(
        tmp_path / "inner.bsp",
        -998,
        599,
        et - 3600,
        et + 3600,
        lambda ets: np.tile([1000.0, 0, 0, 0, 0, 0], (len(ets), 1)),
        frame="IAU_JUPITER",
    )
    eph.kernels.load(inner)
    sub = eph.subpoint("JUPITER", et, -998)
    _near, depth = spiceypy.nearpt([1000.0, 0, 0], 71492.0, 71492.0, 66854.0)
    assert depth < 0 and sub.altitude_km == pytest.approx(depth, abs=1e-6)
    assert abs(sub.lat_deg) > 80  # from just off the centre the nearest surface is at a pole


def test_states_at_explains_missing_data(eph):
    with pytest.raises(CoverageError, match="no ephemeris is loaded for Amalthea"):
        eph.states_at(to_et(PJ), ["SUN", "AMALTHEA"], "JUPITER")
    with pytest.raises(QueryError, match=r"FRAME|frame"):
        eph.states_at(to_et(PJ), ["SUN"], "JUPITER", frame="NO_SUCH_FRAME")


def test_coverage_in_messages_joins_spans_that_touch(embedded_lsk):
    """Juno's embedded SPK has two segments meeting at 2024-01-17T11:08:51: one span to a user, not two."""
    from perijove.ephemeris.geometry import _fmt_windows
    from perijove.ephemeris.windows import Window

    a, b, c, d = 7.5e8, 7.6e8, 7.7e8, 7.8e8
    text = _fmt_windows([Window(b, c), Window(a, b), Window(d, d + 1e6)])
    assert text.count("..") == 2 and text.startswith(_fmt_windows([Window(a, c)]))


@pytest.mark.parametrize("days", [8, 31])
def test_trail_samples_with_interpolated_moons_match_sampling_every_moon_state(monkeypatch, days):
    """The step field reads the moons from fewer SPICE samples (cubic Hermite between): the samples
    it gives must be those of reading every moon state, over a week and over a month."""
    from perijove.ephemeris import Ephemeris, open_kernels, sampling, to_et

    eph = Ephemeris(open_kernels())
    ca = to_et("2023-12-30T08:36:00.8")
    start, stop = ca - days * 86400 / 2, ca + days * 86400 / 2
    fast = sampling.sample_path(eph, -61, start, stop)
    monkeypatch.setattr(sampling, "COARSE_MOONS", sampling.COARSE)  # every coarse epoch from SPICE
    exact = sampling.sample_path(eph, -61, start, stop)
    assert abs(len(fast.ets) - len(exact.ets)) <= 1
    near = np.abs(exact.ets - ca) < 600
    step_fast = np.median(np.diff(fast.ets[np.abs(fast.ets - ca) < 600]))
    assert step_fast == pytest.approx(np.median(np.diff(exact.ets[near])), rel=0.01)


def test_coverage_of_one_time_holds_at_the_edges_and_fails_in_gaps(eph):
    """One time (the frame's and the HUD's queries) takes a short path; it agrees with the path for many."""
    windows = eph.covered("JUNO")
    assert len(windows) >= 1
    for w in windows:
        for t in (w.start - 1.0, w.start, (w.start + w.stop) / 2, w.stop, w.stop + 1.0):
            inside = any(v.start <= t <= v.stop for v in windows)
            mid = (windows[0].start + windows[0].stop) / 2
            for ets in (np.array([t]), np.array([mid, t])):  # one time; two times
                if inside:
                    eph.check_coverage("JUNO", ets)
                else:
                    with pytest.raises(CoverageError, match="no ephemeris for Juno at"):
                        eph.check_coverage("JUNO", ets)


def test_illumination_with_the_subpoint_given_equals_it_computed(eph):
    """The HUD passes the sub-spacecraft point it already has, for one time and for several."""
    et = to_et(PJ)
    for ets in (et, et + np.array([0.0, 600.0, 1200.0])):
        sub = eph.subpoint("IO", ets, "JUNO")
        given, computed = eph.illumination("IO", ets, "JUNO", sub=sub), eph.illumination("IO", ets, "JUNO")
        for field in ("phase_deg", "incidence_deg", "emission_deg"):
            assert np.array_equal(getattr(given, field), getattr(computed, field))
    assert 0 < float(eph.illumination("IO", et, "JUNO", sub=eph.subpoint("IO", et, "JUNO")).phase_deg) < 180
