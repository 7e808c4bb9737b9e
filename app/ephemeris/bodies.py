"""Names, NAIF ids, body-fixed frames and shapes of the bodies we show.

Every query accepts a body as a name ("io", "Juno") or a NAIF id; this module
is the one place that resolves them, so an unknown name fails the same way
everywhere, naming what was not understood.
"""

from __future__ import annotations

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import NotFoundError, SpiceyError

from perijove.ephemeris.errors import QueryError, spice_errors

Body = str | int

SPACECRAFT = -61
JUPITER = 599
SUN = 10
EARTH = 399
MOONS = (501, 502, 503, 504)  # Io, Europa, Ganymede, Callisto


def body_id(body: Body) -> int:
    """NAIF id of a body given by name or id."""
    if isinstance(body, (int, np.integer)):
        return int(body)
    text = str(body).strip()
    if not text:
        raise QueryError("empty body name: give a name such as IO or JUNO, or a NAIF id")
    if text.lstrip("+-").isdigit():
        return int(text)
    try:
        return int(spiceypy.bodn2c(text))
    except NotFoundError:
        spiceypy.reset()
        raise QueryError(f"unknown body {text!r}") from None


def is_spacecraft(body: Body) -> bool:
    """Whether ``body`` names the spacecraft (``JUNO``, ``-61``); False for a name SPICE does not know."""
    try:
        return body_id(body) == SPACECRAFT
    except (QueryError, SpiceyError):
        spiceypy.reset()
        return False


def body_name(body: Body) -> str:
    """SPICE's name of a body (``IO``), or its id as text when SPICE has none."""
    code = body_id(body)
    try:
        return spiceypy.bodc2n(code)
    except NotFoundError:
        spiceypy.reset()
        return str(code)


def display_name(body: Body) -> str:
    """Name for people: ``Io``, ``Juno``."""
    return body_name(body).title()


def body_frame(body: Body) -> str:
    """Name of a body's body-fixed frame (``IAU_IO``), from the loaded kernels."""
    code = body_id(body)
    try:
        return spiceypy.cidfrm(code)[1]
    except NotFoundError:
        spiceypy.reset()
        raise QueryError(
            f"no body-fixed frame is known for {body_name(code)} ({code}); load a PCK or FK that defines one"
        ) from None


def radii(body: Body) -> np.ndarray:
    """Triaxial radii (km) of a body's reference ellipsoid, from the loaded PCK."""
    code = body_id(body)
    if not spiceypy.bodfnd(code, "RADII"):
        raise QueryError(f"no radii for {body_name(code)} ({code}) in the loaded kernels; load a PCK")
    with spice_errors(f"radii of {body_name(code)}"):
        return np.array(spiceypy.bodvcd(code, "RADII", 3)[1], dtype=float)
