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
from spiceypy.utils.exceptions import SpiceyError

_c: dict[str, object] = {}


def _routines() -> dict[str, object]:
    """Prototypes of our own for spiceypy's loaded CSPICE (its declarations want ctypes arrays)."""
    if not _c:
        from spiceypy.utils.libspicehelper import libspice

        c_str, c_ptr = ctypes.c_char_p, ctypes.c_void_p
        spkezr = ctypes.CFUNCTYPE(None, c_str, ctypes.c_double, c_str, c_str, c_str, c_ptr, c_ptr)
        failed = ctypes.CFUNCTYPE(ctypes.c_int)
        _c["spkezr"] = spkezr(("spkezr_c", libspice))
        _c["failed"] = failed(("failed_c", libspice))
    return _c


def _raise_spice_error() -> None:
    """SPICE's pending error as spiceypy raises it, with SPICE's error state reset."""
    short = spiceypy.getmsg("SHORT", 26)
    explain = spiceypy.getmsg("EXPLAIN", 100).strip()
    long = spiceypy.getmsg("LONG", 1841).strip()
    spiceypy.reset()
    raise SpiceyError(short=short, explain=explain, long=long)


def spkezr_many(
    target: str, ets: np.ndarray, frame: str, abcorr: str, observer: str, nan_on_error: bool = False
) -> np.ndarray:
    """``spkezr`` states, shape (len(ets), 6), of ``target`` from ``observer`` at every ET.

    A failure raises spiceypy's ``SpiceyError`` (SPICE reset), or with ``nan_on_error`` leaves
    that epoch's row NaN and goes on.
    """
    c = _routines()
    call, failed = c["spkezr"], c["failed"]
    ets = np.ascontiguousarray(ets, dtype=np.float64).reshape(-1)
    out = np.empty((ets.size, 6))
    light = np.empty(1)
    names = [s.encode() for s in (target, frame, abcorr, observer)]
    t, f, a, o = names
    base, lt = out.ctypes.data, light.ctypes.data
    if nan_on_error:
        for i, et in enumerate(ets.tolist()):
            call(t, et, f, a, o, base + 48 * i, lt)
            if failed():
                spiceypy.reset()
                out[i] = np.nan
        return out
    for i, et in enumerate(ets.tolist()):
        call(t, et, f, a, o, base + 48 * i, lt)
    if failed():  # in RETURN mode (spiceypy's) the calls after a failure did nothing
        _raise_spice_error()
    return out
