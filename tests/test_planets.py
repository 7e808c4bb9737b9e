"""JPL DE440 planets in the embedded set: layered over VSOP87 for 2020-2027, credited, exact."""

from __future__ import annotations

import json

import numpy as np
import pytest
import spiceypy
from conftest import DE, LSK, needs_real

from perijove.ephemeris import Ephemeris, KernelSet, open_kernels, to_et
from perijove.ephemeris.defaults import default_kernel_dir, default_kernel_paths
from perijove.ephemeris.provenance import classify
from perijove.ephemeris.synth import de440

FLYBYS = ["2023-12-30T08:36:00.8", "2024-02-03T17:48:35.1"]
EXCERPT_BODIES = {10: 0, 3: 0, 399: 3, 5: 0}


def _et(utc: str) -> float:
    with KernelSet([default_kernel_dir() / "leapseconds.tls"]):
        return to_et(utc)


def _excerpt():
    return default_kernel_dir() / de440.EXCERPT


def _ssb_states(kernels, ets) -> dict[int, np.ndarray]:
    with KernelSet(kernels):
        return {b: np.array([spiceypy.spkgeo(b, et, "J2000", 0)[0] for et in ets]) for b in (5, 10, 399)}


def test_excerpt_is_planetary_credited_small_and_layered_over_vsop87():
    names = [p.name for p in default_kernel_paths()]
    assert names.index("perijove_planets.bsp") < names.index(de440.EXCERPT) < names.index("perijove_juno.bsp")
    ks = open_kernels()
    (excerpt,) = [f for f in ks.files if f.path.name == de440.EXCERPT]
    assert excerpt.provenance == "planetary"
    assert ks.provenances() == ["synthetic", "planetary"]
    handle = spiceypy.dafopr(str(_excerpt()))
    comments = "\n".join(spiceypy.dafec(handle, 40, 100)[1])
    spiceypy.dafcls(handle)
    assert classify(_excerpt(), "SPK", comments) == "planetary"
    assert "JPL" in comments and "DE440" in comments and "de440_2030.bsp" in comments and "not refitted" in comments
    assert _excerpt().stat().st_size < 400_000
    spans = de440.coverage(_excerpt())
    assert spans.keys() == EXCERPT_BODIES.keys()
    for start, stop in spans.values():
        assert start == pytest.approx(_et("2020-01-01"), abs=1e-3) and stop == pytest.approx(_et("2027-01-01"))
    manifest = json.loads((default_kernel_dir() / "manifest.json").read_text())
    entry = manifest["files"][de440.EXCERPT]
    assert entry["provenance"] == "planetary" and entry["synthetic"] is False
    assert manifest["planetary"]["covers_utc"] == ["2020-01-01", "2027-01-01"]
    report = json.loads((default_kernel_dir() / "report.json").read_text())
    assert report["planetary"]["file"] == de440.EXCERPT and report["planetary"]["source"]["name"] == "de440_2030.bsp"
    assert any("JPL DE440" in line and "planetary" in line for line in report["summary"])


def test_the_jovian_system_moves_with_the_de440_barycentre():
    """Jupiter's centre, the moons (about barycentre 5) and Juno (about 599) keep their relative geometry."""
    folder = default_kernel_dir()
    vsop_only = [folder / n for n in ("leapseconds.tls", "perijove_synthetic.tpc", "perijove_planets.bsp")]
    ets = _et(FLYBYS[0]) + np.linspace(-3600, 3600, 13)
    pairs = [(599, 5), (501, 599), (502, 599), (503, 599), (504, 599), (-61, 501)]
    relative, jupiter = [], []
    for kernels in ([*vsop_only, folder / "perijove_juno.bsp"], default_kernel_paths()):
        with KernelSet(kernels):
            relative.append([np.array([spiceypy.spkgeo(b, et, "J2000", c)[0] for et in ets]) for b, c in pairs])
            jupiter.append(np.array([spiceypy.spkgeo(599, et, "J2000", 0)[0][:3] for et in ets]))
    for before, after in zip(*relative, strict=True):
        assert np.abs(before - after).max() < 1e-9
    assert np.linalg.norm(jupiter[1] - jupiter[0], axis=1).min() > 10_000  # the whole system moved with it


def test_before_2020_the_planets_still_come_from_vsop87():
    import astronomy

    from perijove.ephemeris.synth.planets import barycentric

    eph = Ephemeris(open_kernels())
    for utc in ("2016-07-02", "2018-06-01", "2019-12-31T23:00"):
        et = to_et(utc)
        for body, theory in ((5, astronomy.Body.Jupiter), (10, astronomy.Body.Sun), (399, astronomy.Body.Earth)):
            ours = eph.position(body, et, 0)
            assert np.linalg.norm(ours - barycentric(theory, np.array([et]))[0]) < 1.0  # the VSOP87 fit
    assert np.isfinite(eph.sun_direction(501, to_et("2018-06-01"))).all()


@needs_real
def test_shipped_excerpt_agrees_with_jpl_de440():
    worst = de440.compare(DE, _excerpt(), samples=2000, seed=5)
    assert worst.keys() == {str(b) for b in EXCERPT_BODIES}
    assert max(worst.values()) < 1e-3  # metres: the same records, so in practice exactly 0
    assert de440.source_of(_excerpt())["sha256"] == de440.sha256(DE)


@needs_real
@pytest.mark.parametrize("utc", FLYBYS)
def test_embedded_jupiter_sun_and_earth_are_de440_at_the_io_flybys(utc):
    """VSOP87 had Jupiter 19,700-20,200 km and the Sun and Earth 1,300-1,600 km from DE440 here."""
    ets = [_et(utc)]
    ours = _ssb_states(default_kernel_paths(), ets)
    jpl = _ssb_states([LSK, DE], ets)
    for body in ours:
        assert np.linalg.norm(ours[body][:, :3] - jpl[body][:, :3]) < 1e-3, body  # km
        assert np.linalg.norm(ours[body][:, 3:] - jpl[body][:, 3:]) < 1e-9, body  # km/s
