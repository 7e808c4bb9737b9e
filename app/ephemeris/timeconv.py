"""UTC, TDB and ET conversions with errors a person can act on.

ET (TDB seconds past J2000) is the only time the rest of the application
stores; strings exist at the edges, for people. UTC needs a leapseconds
kernel, and a missing one is the commonest set-up mistake, so it is named.
"""

from __future__ import annotations

import re

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from perijove.ephemeris.errors import TimeFormatError, spice_reason

_ISO_Z = re.compile(r"^(\d{4}-\d{2}-\d{2}T[\d:.]+)Z$", re.IGNORECASE)
_ISO_SYSTEM = re.compile(r"^(\d{4}-\d{2}-\d{2})T([\d:.]+)\s+(TDB|TDT|UTC)$", re.IGNORECASE)


def have_leapseconds() -> bool:
    """True when a leapseconds kernel is in the pool."""
    return bool(spiceypy.expool("DELTET/DELTA_AT"))


def _require_lsk() -> None:
    if not have_leapseconds():
        raise TimeFormatError("no leapseconds kernel (LSK) is loaded, so UTC cannot be converted")


def to_et(value: str | float) -> float:
    """ET from a time string (UTC unless it names TDB/TDT) or a number of ET seconds."""
    if isinstance(value, (int, float, np.floating)):
        return float(value)
    text = str(value).strip()
    if not text:
        raise TimeFormatError("empty time string")
    _require_lsk()
    try:
        return float(spiceypy.str2et(_spice_form(text)))
    except SpiceyError as err:
        spiceypy.reset()
        raise TimeFormatError(
            f"cannot read time {text!r} (write UTC as 2023-12-30T08:36:00, or 30 Dec 2023 08:36): {spice_reason(err)}"
        ) from None


def _spice_form(text: str) -> str:
    """Accept the ISO forms people paste that SPICE refuses: a ``Z`` suffix, ``T`` with a system."""
    if m := _ISO_Z.match(text):
        return m.group(1)
    if m := _ISO_SYSTEM.match(text):
        return f"{m.group(1)} {m.group(2)} {m.group(3).upper()}"
    return text


def et_to_utc(et: float, digits: int = 3) -> str:
    """ISO 8601 UTC (``2023-12-30T08:36:00.800``) for an ET."""
    _require_lsk()
    try:
        return spiceypy.et2utc(float(et), "ISOC", digits)
    except SpiceyError as err:
        spiceypy.reset()
        raise TimeFormatError(f"cannot convert ET {et!r} to UTC: {spice_reason(err)}") from None


def et_to_tdb(et: float, digits: int = 3) -> str:
    """ISO-like TDB calendar string (``2023-12-30T08:37:09.984 TDB``)."""
    frac = "." + "#" * digits if digits > 0 else ""
    # timout truncates the fraction (.98386 showed as .983, an exact .8 as .799): round to the
    # digits shown, then step a hundredth of the last digit up so the truncation keeps it.
    # ET and TDB calendar seconds share their fraction (J2000 is 12:00:00 TDB exactly).
    shown = round(float(et), digits) + 0.01 * 10.0**-digits
    try:
        return spiceypy.timout(shown, f"YYYY-MM-DDTHR:MN:SC{frac} ::TDB") + " TDB"
    except SpiceyError as err:
        spiceypy.reset()
        raise TimeFormatError(f"cannot convert ET {et!r} to TDB: {spice_reason(err)}") from None


def utc_to_tdb(text: str, digits: int = 3) -> str:
    """TDB string for a UTC string."""
    return et_to_tdb(to_et(text), digits)
