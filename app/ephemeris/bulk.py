"""States at many epochs: one Python loop straight over CSPICE's ``spkezr_c``.

spiceypy's ``spkezr`` over an array calls its own wrapper once an epoch: string conversion,
output allocation and an error check each time, about half of the 7 µs an epoch costs here.
Trajectories (the window's first frame samples about 8,000 epochs), plot series and exports
ask for thousands, so the loop here calls the same CSPICE routine, from the library spiceypy
loaded, with its inputs converted once and its results written into one array; SPICE's error
state is checked after the loop (or after each call, for ``nan_on_error``) and reset, as
spiceypy's wrapper would. Bit-for-bit the same numbers (``tests/test_bulk_states.py``).
"""

from __future__ import annotations

import ctypes

import numpy as np
import spiceypy

_c: dict[str, object] = {}


def check_finite(
    states: np.ndarray, ets: np.ndarray, target: str, observer: str, skip: np.ndarray | None = None
) -> None:
    """Raise ``DamagedDataError`` when a row SPICE answered without an error holds NaN or an
    infinity: a damaged SPK (bytes of 0xFF read as NaN) loads and answers so, silently."""
    bad = ~np.isfinite(states).all(axis=-1)
    if skip is not None:
        bad &= ~skip
    if bad.any():
        from perijove.ephemeris.errors import DamagedDataError

        raise DamagedDataError.at(target, observer, float(np.asarray(ets).reshape(-1)[int(np.argmax(bad))]))


def _routines() -> dict[str, object]:
    """Prototypes of our own for spiceypy's loaded CSPICE (its declarations want ctypes arrays)."""
    if not _c:
        from spiceypy.utils.libspicehelper import libspice

        c_str, c_ptr = ctypes.c_char_p, ctypes.c_void_p
        spkezr = ctypes.CFUNCTYPE(None, c_str, ctypes.c_double, c_str, c_str, c_str, c_ptr, c_ptr)
        failed = ctypes.CFUNCTYPE(ctypes.c_int)
        made = {"spkezr": spkezr(("spkezr_c", libspice)), "failed": failed(("failed_c", libspice))}
        _c.update(made)  # whole, in one step
    return _c


def _raise_spice_error() -> None:
    """SPICE's pending error as spiceypy raises it (its own subclass and call trace), SPICE reset."""
    from spiceypy.spiceypy import check_for_spice_error

    check_for_spice_error(None)


def spkezr_many(
    target: str, ets: np.ndarray, frame: str, abcorr: str, observer: str, nan_on_error: bool = False
) -> np.ndarray:
    """``spkezr`` states, shape (len(ets), 6), of ``target`` from ``observer`` at every ET.

    A failure raises spiceypy's ``SpiceyError`` (SPICE reset), or with ``nan_on_error`` leaves
    that epoch's row NaN and goes on; a row SPICE answers with NaN (damaged data) raises
    ``DamagedDataError`` either way. An error already pending when called is raised as spiceypy
    would (``nan_on_error``: cleared first, as the one-call-then-each-epoch path did).
    """
    c = _routines()
    call, failed = c["spkezr"], c["failed"]
    if failed():
        if not nan_on_error:
            _raise_spice_error()
        spiceypy.reset()
    ets = np.ascontiguousarray(ets, dtype=np.float64).reshape(-1)
    out = np.empty((ets.size, 6))
    light = np.empty(1)
    t, f, a, o = (text.encode() for text in (target, frame, abcorr, observer))
    base, lt = out.ctypes.data, light.ctypes.data
    try:
        if nan_on_error:
            failures = np.zeros(ets.size, bool)
            for i, et in enumerate(ets.tolist()):
                call(t, et, f, a, o, base + 48 * i, lt)
                if failed():
                    spiceypy.reset()
                    out[i] = np.nan
                    failures[i] = True
            check_finite(out, ets, target, observer, skip=failures)
            return out
        for i, et in enumerate(ets.tolist()):
            call(t, et, f, a, o, base + 48 * i, lt)
    except BaseException:  # an interrupt between a failing call and the check below
        if failed():
            spiceypy.reset()
        raise
    if failed():  # in RETURN mode (spiceypy's) the calls after a failure did nothing
        _raise_spice_error()
    check_finite(out, ets, target, observer)
    return out
