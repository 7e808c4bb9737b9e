"""What is drawn and how: switches a user flips, read by the renderer."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class DisplayOptions:
    labels: bool = True
    hud: bool = True  # the heads-up display of SPICE values over the view
    stars: bool = True
    trajectory: bool = True
    trajectory_color: str = "time"  # "time" or "distance" (to the camera target)
    trajectory_past_days: float = 3.0
    trajectory_future_days: float = 1.0
    moon_orbits: bool = True
    shadows: bool = True
    night_brightness: float = 0.02
    maps: dict[str, str] = field(default_factory=dict)  # body name -> equirectangular image path
    # body name -> "planetographic" for a map whose rows are planetographic (default planetocentric)
    map_latitudes: dict[str, str] = field(default_factory=dict)
    procedural_maps: bool = False  # the generated maps instead of the shipped real ones (Io, Jupiter)

    def with_(self, **changes: object) -> DisplayOptions:
        return replace(self, **changes)
