"""Errors a user sees, and the one bridge from SPICE's errors to them.

Every failure that reaches a person is one line that names what was asked
for and why it could not be done. SPICE's own messages are long, multi-line
and carry a call trace; ``spice_errors`` turns them into that one line and
resets SPICE's error state so the next call starts clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import spiceypy
from spiceypy.utils.exceptions import SpiceyError


class PerijoveError(Exception):
    """Base of every error meant for a user: ``str(err)`` is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class KernelError(PerijoveError):
    """A kernel file or metakernel could not be loaded."""


class TimeFormatError(PerijoveError):
    """A time string could not be understood, or no leapseconds kernel is loaded."""


class CoverageError(PerijoveError):
    """The loaded kernels have no data for a body at a requested time."""


class QueryError(PerijoveError):
    """SPICE could not answer a geometric question."""


class DamagedDataError(QueryError):
    """SPICE answered with NaN or an infinity: the loaded data are damaged, not merely absent."""

    @classmethod
    def at(cls, target: str | int, observer: str | int, et: float) -> DamagedDataError:
        from perijove.ephemeris.bodies import display_name

        def name(body: str | int) -> str:
            try:
                return display_name(int(body))
            except (TypeError, ValueError):
                return str(body).title()

        when = f"ET {et:.3f}"
        try:
            when = f"{spiceypy.et2utc(et, 'ISOC', 3)} UTC"
        except SpiceyError:
            spiceypy.reset()
        return cls(
            f"the loaded kernels give the state of {name(target)} relative to {name(observer)} at {when} as not"
            " finite (NaN): a damaged SPK? ('perijove kernels info' lists what is loaded)"
        )


def one_line(text: str) -> str:
    """Collapse whitespace so a message always fits on one line."""
    return re.sub(r"\s+", " ", str(text)).strip()


def spice_reason(err: SpiceyError) -> str:
    """The human part of a SPICE error: its explanation, not its call trace."""
    long = getattr(err, "long", "") or ""
    short = getattr(err, "short", "") or ""
    text = one_line(long) or one_line(short) or one_line(str(err))
    return text.rstrip(".")


def spice_code(err: SpiceyError) -> str:
    """SPICE's short error code, e.g. ``SPICE(SPKINSUFFDATA)``."""
    return getattr(err, "short", "") or ""


@contextmanager
def spice_errors(context: str, kind: type[PerijoveError] = QueryError) -> Iterator[None]:
    """Translate SPICE failures inside the block into ``kind(context: reason)``."""
    try:
        yield
    except SpiceyError as err:
        spiceypy.reset()
        raise kind(f"{context}: {spice_reason(err)}") from err
