"""The one owner of SPICE's kernel pool: a set that lost the pool fails loudly, never reads another's data.

Everything here runs on small SPKs the tests write themselves (spkfactory) and the embedded leapseconds.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from spkfactory import write_spk

from perijove.ephemeris import Ephemeris, KernelSet, PerijoveError, StaleKernelsError, spice_pool

T0, T1 = 0.0, 86400.0


def _constant(tmp_path, name: str, x: float):
    """An SPK putting Io at (x, 0, 0) km from the solar-system barycentre for one day."""
    return write_spk(tmp_path / name, 501, 0, T0, T1, lambda ets: np.tile([x, 0, 0, 0, 0, 0], (len(ets), 1)))


@pytest.fixture
def two(tmp_path):
    return _constant(tmp_path, "a.bsp", 1000.0), _constant(tmp_path, "b.bsp", 2000.0)


def test_a_new_set_makes_the_old_one_fail_loudly_instead_of_reading_its_data(two):
    a_file, b_file = two
    a = KernelSet([a_file])
    eph_a = Ephemeris(a)
    assert eph_a.position("IO", 10.0, 0)[0] == 1000.0
    b = KernelSet([b_file])
    # Before the pool had an owner, eph_a answered 2000 km here: set B's data, silently.
    stale = r"a\.bsp\) no longer hold SPICE's pool: another kernel set .*b\.bsp.*activate"
    with pytest.raises(StaleKernelsError, match=stale):
        eph_a.position("IO", 10.0, 0)
    with pytest.raises(StaleKernelsError):
        eph_a.states_at(10.0, ["IO"], 0)
    with pytest.raises(StaleKernelsError):
        eph_a.rotation("J2000", "ECLIPJ2000", 10.0)
    with pytest.raises(StaleKernelsError):
        a.load(b_file)
    with pytest.raises(StaleKernelsError):
        a.unload(a_file)
    assert Ephemeris(b).position("IO", 10.0, 0)[0] == 2000.0
    assert not a.is_current and b.is_current
    assert issubclass(StaleKernelsError, PerijoveError) and not spiceypy.failed()


def test_activate_takes_the_pool_back_explicitly(two):
    a_file, b_file = two
    a, b = KernelSet([a_file]), KernelSet([b_file])
    a.activate()
    assert Ephemeris(a).position("IO", 10.0, 0)[0] == 1000.0
    assert spice_pool().loaded() == (a_file,) and spice_pool().owner is a
    with pytest.raises(StaleKernelsError):
        Ephemeris(b).position("IO", 10.0, 0)


def test_the_pool_records_what_spice_holds_in_priority_order(two):
    a_file, b_file = two
    ks = KernelSet([a_file])
    ks.load(b_file)
    assert spice_pool().loaded() == (a_file, b_file)
    assert spiceypy.ktotal("ALL") == 2
    ks.load(a_file)  # loaded again: SPICE moves it to the top, and so does the record
    assert spice_pool().loaded() == (b_file, a_file)
    assert Ephemeris(ks).position("IO", 10.0, 0)[0] == 1000.0
    ks.unload(a_file)
    assert spice_pool().loaded() == (b_file,) and spiceypy.ktotal("ALL") == 1
    assert Ephemeris(ks).position("IO", 10.0, 0)[0] == 2000.0


def test_spice_changed_behind_the_owners_back_is_detected(two):
    a_file, b_file = two
    ks = KernelSet([a_file])
    spiceypy.furnsh(str(b_file))  # code that bypasses the owner
    with pytest.raises(StaleKernelsError, match=r"changed outside Perijove: it holds 2 file\(s\)"):
        Ephemeris(ks).position("IO", 10.0, 0)
    spiceypy.kclear()
    with pytest.raises(StaleKernelsError, match="holds 0 file"):
        Ephemeris(ks).position("IO", 10.0, 0)
    ks.activate()
    assert Ephemeris(ks).position("IO", 10.0, 0)[0] == 1000.0


def test_close_and_context_manager_empty_the_pool(two):
    a_file, _ = two
    with KernelSet([a_file]) as ks:
        assert ks.is_current and spiceypy.ktotal("ALL") == 1
    assert spiceypy.ktotal("ALL") == 0 and spice_pool().owner is None
    with pytest.raises(StaleKernelsError, match="no kernel set was opened after them"):
        Ephemeris(ks).position("IO", 10.0, 0)


def test_closing_a_stale_set_leaves_the_owner_alone(two):
    a_file, b_file = two
    a, b = KernelSet([a_file]), KernelSet([b_file])
    a.close()
    assert b.is_current and Ephemeris(b).position("IO", 10.0, 0)[0] == 2000.0


def test_saved_gives_the_pool_back_to_the_earlier_owner(two):
    a_file, b_file = two
    a = KernelSet([a_file])
    with spice_pool().saved():
        KernelSet([b_file])
        assert not a.is_current
    assert a.is_current and Ephemeris(a).position("IO", 10.0, 0)[0] == 1000.0
    with spice_pool().saved():
        a.load(b_file)  # the owner changed its own files inside: they are what it gets back
    assert a.is_current and Ephemeris(a).position("IO", 10.0, 0)[0] == 2000.0
    a.close()
    with spice_pool().saved():
        KernelSet([a_file])
    assert spiceypy.ktotal("ALL") == 0 and spice_pool().owner is None


def test_activate_after_a_file_vanished_is_one_line(two):
    a_file, b_file = two
    a = KernelSet([a_file])
    KernelSet([b_file])
    a_file.unlink()
    with pytest.raises(PerijoveError, match="cannot load these kernels again") as info:
        a.activate()
    assert "\n" not in str(info.value) and not spiceypy.failed()
    assert spice_pool().owner is None and spiceypy.ktotal("ALL") == 0


def test_a_failed_load_keeps_the_set_current(two, tmp_path):
    a_file, _ = two
    ks = KernelSet([a_file])
    bad = tmp_path / "bad.bsp"
    bad.write_bytes(b"DAF/SPK " + bytes(100))
    with pytest.raises(PerijoveError):
        ks.load(bad)
    assert ks.is_current and spice_pool().loaded() == (a_file,)
    assert Ephemeris(ks).position("IO", 10.0, 0)[0] == 1000.0
