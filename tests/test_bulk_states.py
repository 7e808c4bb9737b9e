"""States at many epochs in one loop over CSPICE (``ephemeris/bulk.py``), against spiceypy's own
``spkezr`` one epoch at a time, on the embedded set: the same numbers, the same errors, and SPICE's
error state reset after any failure."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from perijove.ephemeris import to_et
from perijove.ephemeris.bulk import spkezr_many

PJ = "2023-12-30T12:36:20.8"  # the synthetic set's perijove 57


@pytest.fixture(autouse=True)
def _loaded(embedded):
    return embedded


@pytest.mark.parametrize(
    ("target", "observer", "frame", "abcorr"),
    [
        ("-61", "599", "J2000", "NONE"),
        ("JUNO", "IO", "J2000", "NONE"),
        ("501", "599", "IAU_JUPITER", "NONE"),
        ("-61", "EARTH", "J2000", "LT+S"),
        ("SUN", "IO", "ECLIPJ2000", "CN"),
    ],
)
def test_the_same_states_as_spkezr_epoch_by_epoch(target, observer, frame, abcorr):
    ets = to_et(PJ) + np.linspace(-86400.0, 86400.0, 37)
    ours = spkezr_many(target, ets, frame, abcorr, observer)
    theirs = np.array([spiceypy.spkezr(target, et, frame, abcorr, observer)[0] for et in ets.tolist()])
    assert ours.shape == (37, 6) and ours.dtype == np.float64
    assert np.array_equal(ours, theirs)  # the same routine on the same kernels: bit for bit


def test_a_failure_raises_spices_error_and_resets_it():
    ets = np.array([to_et(PJ), to_et("2022-07-05T09:17:22"), to_et(PJ) + 60.0])  # the middle one: no Juno data
    with pytest.raises(SpiceyError) as ours:
        spkezr_many("JUNO", ets, "J2000", "NONE", "JUPITER")
    assert not spiceypy.failed()
    with pytest.raises(SpiceyError) as theirs:
        spiceypy.spkezr("JUNO", ets[1], "J2000", "NONE", "JUPITER")
    assert ours.value.short == theirs.value.short == "SPICE(SPKINSUFFDATA)"
    with pytest.raises(SpiceyError, match=r"NOFRAME|UNKNOWNFRAME"):
        spkezr_many("JUNO", ets[:1], "NO_SUCH_FRAME", "NONE", "JUPITER")
    assert not spiceypy.failed()


def test_nan_rows_mark_exactly_the_epochs_spice_cannot_answer():
    good = to_et(PJ) + np.array([0.0, 60.0, 120.0])
    ets = np.array([good[0], to_et("2022-07-05T09:17:22"), good[1], to_et("2021-01-01T00:00:00"), good[2]])
    out = spkezr_many("JUNO", ets, "J2000", "NONE", "JUPITER", nan_on_error=True)
    assert np.isnan(out[[1, 3]]).all() and not np.isnan(out[[0, 2, 4]]).any()
    assert np.array_equal(out[[0, 2, 4]], spkezr_many("JUNO", good, "J2000", "NONE", "JUPITER"))
    assert not spiceypy.failed()


def test_no_epochs_and_one_epoch():
    assert spkezr_many("JUNO", np.array([]), "J2000", "NONE", "JUPITER").shape == (0, 6)
    one = spkezr_many("JUNO", np.array([to_et(PJ)]), "J2000", "NONE", "JUPITER")
    assert np.array_equal(one[0], spiceypy.spkezr("JUNO", to_et(PJ), "J2000", "NONE", "JUPITER")[0])


def test_the_error_is_spiceypys_own_and_a_pending_one_is_handled_as_before():
    bad = np.array([to_et(PJ), to_et("2022-07-05T09:17:22")])
    with pytest.raises(SpiceyError) as ours:
        spkezr_many("JUNO", bad, "J2000", "NONE", "JUPITER")
    with pytest.raises(SpiceyError) as theirs:
        spiceypy.spkezr("JUNO", bad[1], "J2000", "NONE", "JUPITER")
    assert type(ours.value) is type(theirs.value) and "SPKGEO" in ours.value.traceback
    # An error someone left pending: raised, as spiceypy's own call raises it ...
    spiceypy.setmsg("left over")
    spiceypy.sigerr("SPICE(LEFTOVER)")
    with pytest.raises(SpiceyError, match="LEFTOVER"):
        spkezr_many("JUNO", bad[:1], "J2000", "NONE", "JUPITER")
    assert not spiceypy.failed()
    # ... or, for the NaN-per-epoch path, cleared first: every good epoch is answered.
    spiceypy.setmsg("left over")
    spiceypy.sigerr("SPICE(LEFTOVER)")
    out = spkezr_many("JUNO", bad, "J2000", "NONE", "JUPITER", nan_on_error=True)
    assert not np.isnan(out[0]).any() and np.isnan(out[1]).all() and not spiceypy.failed()
