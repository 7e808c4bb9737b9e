"""SPICE kernels, time and geometry: the only layer that talks to SPICE.

No Qt or VisPy here; everything is testable with no display.
"""

from perijove.ephemeris.bodies import (
    EARTH,
    JUPITER,
    MOONS,
    SPACECRAFT,
    SUN,
    body_frame,
    body_id,
    body_name,
    display_name,
    radii,
)
from perijove.ephemeris.defaults import default_kernel_paths, open_kernels
from perijove.ephemeris.errors import (
    CoverageError,
    KernelError,
    PerijoveError,
    QueryError,
    TimeFormatError,
)
from perijove.ephemeris.events import KINDS, Event, EventFinder, EventReport, find_events
from perijove.ephemeris.geometry import Ephemeris, Illumination, SubPoint
from perijove.ephemeris.kernels import KernelFile, KernelSet
from perijove.ephemeris.pool import SpicePool, StaleKernelsError, spice_pool
from perijove.ephemeris.timeconv import et_to_tdb, et_to_utc, to_et, utc_to_tdb
from perijove.ephemeris.windows import Window

__all__ = [
    "EARTH",
    "JUPITER",
    "KINDS",
    "MOONS",
    "SPACECRAFT",
    "SUN",
    "CoverageError",
    "Ephemeris",
    "Event",
    "EventFinder",
    "EventReport",
    "Illumination",
    "KernelError",
    "KernelFile",
    "KernelSet",
    "PerijoveError",
    "QueryError",
    "SpicePool",
    "StaleKernelsError",
    "SubPoint",
    "TimeFormatError",
    "Window",
    "body_frame",
    "body_id",
    "body_name",
    "default_kernel_paths",
    "display_name",
    "et_to_tdb",
    "et_to_utc",
    "find_events",
    "open_kernels",
    "radii",
    "spice_pool",
    "to_et",
    "utc_to_tdb",
]
