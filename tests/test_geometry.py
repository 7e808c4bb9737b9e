"""Geometric queries against SPICE itself and against physics we know."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from conftest import needs_real

from perijove.ephemeris import CoverageError, QueryError, to_et

pytestmark = needs_real

PJ = "2022-07-05T09:17:22.234"
C = 299_792.458


def test_vectorised_states_equal_spiceypy(eph):
    ets = to_et(PJ) + np.linspace(-7200, 7200, 50)
    ours = eph.state("JUNO", ets, "JUPITER")
    assert ours.shape == (50, 6) and ours.dtype == np.float64
    for et, row in zip(ets[::7], ours[::7], strict=True):
        ref, _ = spiceypy.spkezr("JUNO", et, "J2000", "NONE", "JUPITER")
        assert np.array_equal(row, ref)
    fixed = eph.state("JUNO", ets[:3], "JUPITER", frame="IAU_JUPITER", abcorr="lt+s")
    ref, _ = spiceypy.spkezr("JUNO", ets[1], "IAU_JUPITER", "LT+S", "JUPITER")
    assert np.array_equal(fixed[1], ref)


def test_outside_coverage_names_the_window(eph):
    with pytest.raises(CoverageError) as info:
        eph.state("JUNO", [to_et(PJ), to_et("2023-12-30T08:36:00")])
    text = str(info.value)
    assert "2023-12-30T08:36:00 UTC" in text
    assert "2022-06-14T02:58:51 UTC .. 2022-11-09T21:38:28 UTC" in text
    with pytest.raises(CoverageError, match="no ephemeris is loaded for Io"):
        eph.state("IO", to_et(PJ))


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
    assert 3500 < sub.altitude_km < 4200
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
    ref, _ = spiceypy.spkpos("SUN", et, "J2000", "LT+S", "JUPITER")
    assert np.allclose(d, ref / np.linalg.norm(ref))
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
    with pytest.raises(CoverageError, match="no ephemeris is loaded for Io"):
        eph.states_at(to_et(PJ), ["SUN", "IO"], "JUPITER")
    with pytest.raises(QueryError, match=r"FRAME|frame"):
        eph.states_at(to_et(PJ), ["SUN"], "JUPITER", frame="NO_SUCH_FRAME")
