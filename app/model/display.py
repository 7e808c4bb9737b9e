"""What is drawn and how: switches a user flips, read by the renderer."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

MAX_TRAIL_DAYS = 38.0  # a whole orbit of Juno's (38.01 days before PJ57): the longest trail drawn
MIN_TRAIL_DAYS = 60.0 / 86400.0  # a minute
_UNITS = {
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
}  # fmt: skip
_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """Seconds in a duration like ``6h``, ``3 d``, ``90 min`` or ``38d`` (a bare number is days).

    ``orbit`` is the longest trail, a whole orbit. ValueError says what is wrong.
    """
    if text.strip().lower() in ("orbit", "an orbit", "whole orbit"):
        return MAX_TRAIL_DAYS * 86400.0
    match = _DURATION.match(text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in ("", *_UNITS):
        raise ValueError(f"a duration looks like 6h, 3d, 90min or 38d, not {text!r}")
    return float(match.group(1)) * (_UNITS[unit] if unit else 86400.0)


def format_duration(seconds: float) -> str:
    """The shortest of ``N d``, ``N h``, ``N min`` that says ``seconds`` (``parse_duration`` reads it)."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size and abs(seconds / size - round(seconds / size, 2)) < 1e-9:
            return f"{round(seconds / size, 2):g} {unit}"
    return f"{seconds:g} s"


def check_trail_days(name: str, days: object, minimum: float = MIN_TRAIL_DAYS) -> float:
    """A trail length in days, within a minute (or ``minimum``) and a whole orbit; ValueError otherwise."""
    if isinstance(days, bool) or not isinstance(days, (int, float)) or not math.isfinite(days):
        raise ValueError(f"{name} must be a number of days, not {days!r}")
    if not minimum <= days <= MAX_TRAIL_DAYS:
        lo = "0" if minimum == 0 else format_duration(minimum * 86400)
        raise ValueError(
            f"{name} must be between {lo} and {MAX_TRAIL_DAYS:g} d (a whole orbit), not {format_duration(days * 86400)}"
        )
    return float(days)


# The bodies a map can go on (the names ``DisplayOptions.maps`` and ``perijove render --map`` use).
MAP_BODIES = ("jupiter", "io", "europa", "ganymede", "callisto")
MAP_LATITUDES = ("planetocentric", "planetographic")


@dataclass(frozen=True)
class DisplayOptions:
    labels: bool = True
    hud: bool = True  # the heads-up display of SPICE values over the view
    stars: bool = True
    trajectory: bool = True
    trajectory_color: str = "time"  # "time" or "distance" (to the camera target)
    trajectory_past_days: float = 3.0  # the trail behind the spacecraft, up to MAX_TRAIL_DAYS
    trajectory_future_days: float = 1.0  # the path ahead of it
    moon_orbits: bool = True
    shadows: bool = True
    night_brightness: float = 0.02
    maps: dict[str, str] = field(default_factory=dict)  # body name -> equirectangular image path
    # body name -> "planetographic" for a map whose rows are planetographic (default planetocentric)
    map_latitudes: dict[str, str] = field(default_factory=dict)
    procedural_maps: bool = False  # the generated maps instead of the shipped real ones (Io, Jupiter)

    def __post_init__(self) -> None:
        check_trail_days("the trail", self.trajectory_past_days)
        check_trail_days("the path ahead", self.trajectory_future_days, minimum=0.0)

    def with_(self, **changes: object) -> DisplayOptions:
        return replace(self, **changes)
