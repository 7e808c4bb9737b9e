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
        e.et
        for e in find_events(reference.eph, ["flyby"], [501], flyby_km=20_000).events  # gfdist LOCMIN, 1 µs
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


def _plain_scan(eph, body, target, start, stop, within_km, step=600.0):
    """Every sample ``step`` apart, each local minimum near enough refined: the scan without its pre-scan."""
    from perijove.ephemeris.approach import refine_minimum

    ets = np.append(np.arange(start, stop, step), stop)
    d = np.linalg.norm(eph.position(body, ets, target), axis=-1)
    for i in np.flatnonzero((d[1:-1] <= d[:-2]) & (d[1:-1] < d[2:])) + 1:
        if d[i] <= within_km + 60.0 * step:
            et = refine_minimum(
                lambda t: float(np.linalg.norm(eph.position(body, t, target))), ets[i - 1], ets[i + 1], 1e-3
            )
            if np.linalg.norm(eph.position(body, et, target)) < within_km:
                return et
    return None


@pytest.mark.parametrize(
    "target, within_km",
    [("IO", 20_000), ("IO", 400_000), ("EUROPA", 200_000), ("EUROPA", 500_000), ("CALLISTO", 2e6), ("JUPITER", 1e5)],
)
def test_first_close_approach_finds_what_every_sample_finds(target, within_km):
    """The coarse pre-scan skips only hours that cannot hold a minimum: same answer as reading every sample."""
    from perijove.ephemeris import Ephemeris, open_kernels
    from perijove.ephemeris.approach import first_close_approach

    eph = Ephemeris(open_kernels())
    window = eph.covered("JUNO")
    for start in (window[0].start, window[0].start + 20 * 86400.0 + 123.0):
        found = first_close_approach(eph, "JUNO", target, start, window[-1].stop, within_km=within_km)
        plain = _plain_scan(eph, "JUNO", target, start, window[-1].stop, within_km)
        assert (found is None) == (plain is None)
        if plain is not None:
            assert found[0] == pytest.approx(plain, abs=0.005)


@pytest.mark.parametrize("target", ["JUPITER", "IO"])
def test_first_close_approach_at_thresholds_just_above_and_below_each_minimum(target):
    """Where the pre-scan's speed bound matters: a threshold a hair above a minimum (Juno's perijoves
    pass Jupiter at 58 km/s) must find it, one a hair below must not, as reading every sample does."""
    from perijove.ephemeris import Ephemeris, open_kernels
    from perijove.ephemeris.approach import first_close_approach

    eph = Ephemeris(open_kernels())
    window = eph.covered("JUNO")
    start, stop = window[0].start, window[-1].stop
    ets = np.append(np.arange(start, stop, 600.0), stop)
    d = np.linalg.norm(eph.position("JUNO", ets, target), axis=-1)
    minima = (np.flatnonzero((d[1:-1] <= d[:-2]) & (d[1:-1] < d[2:])) + 1)[:3]
    assert len(minima)
    for i in minima:
        closest = min(
            float(np.linalg.norm(eph.position("JUNO", t, target))) for t in np.linspace(ets[i - 1], ets[i + 1], 241)
        )
        for within in (1.01 * closest, 0.99 * closest):
            begin = max(start, ets[i] - 5 * 86400.0)
            found = first_close_approach(eph, "JUNO", target, begin, stop, within_km=within)
            plain = _plain_scan(eph, "JUNO", target, begin, stop, within)
            assert (found is None) == (plain is None), (target, within)
            if plain is not None:
                assert found[0] == pytest.approx(plain, abs=0.005)


def test_first_close_approach_reads_few_samples_far_from_the_moon(monkeypatch):
    """The window waits for this search: Juno is millions of km from Io most of the time, and those
    weeks are read an hour apart, not every ten minutes."""
    from perijove.ephemeris import Ephemeris, open_kernels
    from perijove.ephemeris.approach import first_close_approach

    eph = Ephemeris(open_kernels())
    window = eph.covered("JUNO")
    read = []
    position = eph.position
    monkeypatch.setattr(
        eph, "position", lambda body, et, *a, **k: read.append(np.size(et)) or position(body, et, *a, **k)
    )
    found = first_close_approach(eph, "JUNO", "IO", window[0].start, window[-1].stop, within_km=20_000)
    assert found is not None
    every = (found[0] - window[0].start) / 600.0  # the samples every ten minutes up to the flyby
    assert sum(read) < every / 3


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



def _juno_2021(tmp_path, states) -> str:
    """A Juno SPK for 20 days of 2021, before the embedded Juno and inside the embedded moons' data."""
    from spkfactory import write_spk

    from perijove.ephemeris import open_kernels, to_et

    kernels = open_kernels()  # the embedded set: leap seconds and the moons, for the states
    start = to_et("2021-01-01T00:00:00")
    path = write_spk(tmp_path / "juno_2021.bsp", -61, 599, start, start + 20 * 86400.0, states, step=60.0)
    del kernels
    return str(path)


def test_data_without_an_io_flyby_open_on_another_moons_flyby(tmp_path):
    """Juno's 2022 data pass Europa at 352 km and no moon else: the window opened at the data's
    first second, looking at Io from the Sun, with Juno millions of km out of sight."""
    from perijove.ephemeris import to_et
    from perijove.model.session import OPEN_BEFORE_FLYBY_S, Session

    ca: list[float] = []

    def states(ets):  # 1,000 km from Europa's centre at 2021-01-08T12:00, passing at 8 km/s
        ca.append(to_et("2021-01-08T12:00:00"))
        europa = np.array([spiceypy.spkezr("EUROPA", float(t), "J2000", "NONE", "JUPITER")[0] for t in ets])
        europa[:, 0] += 1000.0
        europa[:, 1] += 8.0 * (ets - ca[0])
        europa[:, 4] += 8.0
        return europa

    session = Session([_juno_2021(tmp_path, states)])
    assert session.camera.mode == "flyby" and session.camera.target == "EUROPA"
    assert session.camera.encounter_et == pytest.approx(ca[0], abs=0.5)
    assert session.clock.et == pytest.approx(session.camera.encounter_et - OPEN_BEFORE_FLYBY_S)


def test_data_without_any_flyby_open_on_jupiter(tmp_path):
    """No moon within 20,000 km: the orbit camera around Jupiter, not Io seen from the Sun."""
    from perijove.model.session import Session

    far = np.array([0.0, 0.0, 3.0e6, 0.0, 0.0, 0.0])  # 3 million km over Jupiter's pole, standing still
    session = Session([_juno_2021(tmp_path, lambda ets: np.tile(far, (len(ets), 1)))])
    assert session.camera.mode == "orbit" and session.camera.target == "JUPITER"
    assert session.clock.et == session.clock.start


def test_unloading_what_the_user_loaded_gives_the_built_in_data_back(tmp_path):
    """The window could load kernels but never let go of them: they came back at every start."""
    from perijove.ephemeris import KernelError
    from perijove.model.session import Session

    far = np.array([0.0, 0.0, 3.0e6, 0.0, 0.0, 0.0])
    extra = _juno_2021(tmp_path, lambda ets: np.tile(far, (len(ets), 1)))
    session = Session()
    built_in = (session.clock.start, session.clock.stop)
    session.load_kernels([extra])
    session.clock.set_et(session.clock.start)  # in 2021, in the data about to go
    session.set_camera(session.camera.with_(mode="orbit", target="EUROPA", encounter_et=None))
    assert session.loaded() == [extra] and session.clock.start < built_in[0]
    with pytest.raises(KernelError, match="not loaded"):
        session.unload_kernels([extra, str(tmp_path / "other.bsp")])
    assert session.loaded() == [extra]  # all or nothing
    changed = []
    session.kernels_changed.connect(lambda: changed.append(True))
    moved = session.unload_kernels([extra])
    assert session.loaded() == [] and changed == [True]
    assert (session.clock.start, session.clock.stop) == built_in  # the clock back inside the data left
    # Its time gone with the data, the view opens as a start on what is left would: before the
    # first Io flyby, in the flyby camera (it sat on the data's first second, framing nothing).
    assert session.camera.mode == "flyby" and session.camera.target == "IO"
    assert session.clock.et == pytest.approx(session.camera.encounter_et - 300.0)
    assert moved  # for the window to say: the clock moved without being asked
    with pytest.raises(spiceypy.utils.exceptions.SpiceyError):
        spiceypy.spkezr("JUNO", session.clock.start - 86400.0, "J2000", "NONE", "JUPITER")  # 2021 is gone
    spiceypy.reset()


def test_unloading_cannot_leave_a_set_without_leap_seconds(tmp_path):
    """Without the built-in data, the leap seconds kernel the user loaded is what every time needs."""
    from perijove.ephemeris import KernelError, default_kernel_paths
    from perijove.model.session import Session

    files = [str(p) for p in default_kernel_paths()]
    lsk = next(p for p in files if p.endswith(".tls"))
    session = Session(files, defaults=False)
    with pytest.raises(KernelError, match="leap seconds"):
        session.unload_kernels([lsk])
    assert lsk in session.loaded()
    assert session.eph.position("JUNO", session.clock.et, "JUPITER") is not None


def test_what_loads_at_every_start_is_not_offered_for_unloading(tmp_path, monkeypatch):
    """The active fetched set and a built-in file opened again were listed as the user's layers:
    'Unload all' took the built-in Juno away, and the fetched set came back at the next start
    (and was stored in the settings as the user's, to be loaded twice)."""
    from perijove.ephemeris import default_kernel_paths, defaults
    from perijove.model.session import Session

    lsk = next(p for p in default_kernel_paths() if p.suffix == ".tls")
    fetched = tmp_path / "naif0012.tls"
    fetched.write_bytes(lsk.read_bytes())
    monkeypatch.setattr(defaults, "fetched_kernel_paths", lambda: [fetched])
    session = Session()
    assert session.loaded() == [] and session.kernel_paths() == []
    juno = next(str(p) for p in default_kernel_paths() if p.name == "perijove_juno.bsp")
    session.load_kernels([juno])  # Open recent, or the assets folder opened by hand
    assert session.loaded() == []
    session.unload_kernels([])  # nothing to do
    assert any(f.path.name == "perijove_juno.bsp" for f in session.kernels.files)
    extra = tmp_path / "extra.tls"
    extra.write_bytes(lsk.read_bytes())
    session.load_kernels([str(extra)])
    before = (session.clock.start, session.clock.stop)
    session.unload_kernels([str(extra), str(extra)])  # the same file twice: once
    assert session.loaded() == [] and (session.clock.start, session.clock.stop) == before
