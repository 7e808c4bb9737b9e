"""Picture sizes people type (``1920x1080``), read the same way by the command line and the dialogs.

It lives below the CLI and the UI so that neither imports the other to share it.
"""

from __future__ import annotations

from perijove.ephemeris.errors import PerijoveError

MIN_SIDE, MAX_SIDE = 16, 8192
# The plots' default sizes (pixels at their DPI), here so that ``perijove --help`` and every
# command's start-up need not import the plotting and export code to print them.
SERIES_SIZE = (1200, 1000)  # five panels that each stay readable
GROUNDTRACK_SIZE = (1400, 820)  # a 2:1 map plus title and footer


def parse_size(
    text: str, *, lo: int = MIN_SIDE, hi: int = MAX_SIDE, example: str = "1920x1080", name: str = "size"
) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` in pixels, each side within ``lo..hi``; a one-line ``PerijoveError`` otherwise."""
    try:
        w, h = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise PerijoveError(f"{name} must look like {example}, not {text!r}") from None
    if not (lo <= w <= hi and lo <= h <= hi):
        raise PerijoveError(f"{name} {w}x{h} is outside {lo}..{hi} pixels")
    return w, h
