"""Camera intent: what the user wants to look at, independent of any renderer.

The renderer turns this into matrices at each frame from the ephemeris, so
the same intent (say, "look at Io from Juno") stays right while bodies move.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

CAMERA_MODES = ("orbit", "follow", "from", "bodyfixed", "flyby", "junocam")


@dataclass(frozen=True)
class CameraIntent:
    """Where the camera is and what it looks at.

    - ``orbit``: around ``target`` at ``distance_km``, placed by ``azimuth_deg`` and
      ``elevation_deg`` in J2000 (inertial).
    - ``bodyfixed``: the same, but the angles are in the target's body-fixed frame, so the
      camera co-rotates with it.
    - ``follow``: around the spacecraft (``target`` is ignored), inertial angles.
    - ``from``: on the line from ``target`` toward ``from_body``, ``distance_km`` from
      ``target``'s centre (``from_body`` = the spacecraft gives the view from it).
    - ``flyby``: a fixed viewpoint on the lit side of ``target`` that frames the spacecraft's
      pass of the closest approach at ``encounter_et`` (None: the deepest one within two days
      of the time shown); ``distance_km``, when set, replaces the framing distance.
    - ``junocam``: at the spacecraft with JunoCam's field of view (58° wide; ``fov_deg`` is
      not used), pointed by the attitude kernel when one covers the time, else at ``target``.

    ``pan_km`` shifts the point looked at (and, except where the camera sits on the spacecraft,
    the camera with it): J2000 km, or body-fixed km in ``bodyfixed`` mode.
    """

    mode: str = "orbit"
    target: str = "JUPITER"
    from_body: str | None = None
    distance_km: float | None = None  # None: frame the target
    azimuth_deg: float = 0.0
    elevation_deg: float = 20.0
    fov_deg: float = 35.0
    up: tuple[float, float, float] = (0.0, 0.0, 1.0)  # J2000 celestial north
    encounter_et: float | None = None  # flyby mode: the closest approach framed (TDB seconds)
    pan_km: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        numbers = {"azimuth_deg": self.azimuth_deg, "elevation_deg": self.elevation_deg, "fov_deg": self.fov_deg}
        if self.distance_km is not None:
            numbers["distance_km"] = self.distance_km
        for name, value in numbers.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"camera {name} must be a finite number, not {value!r}")
        if not isinstance(self.target, str) or (self.from_body is not None and not isinstance(self.from_body, str)):
            raise ValueError("camera target and viewpoint must be body names")
        if len(self.up) != 3 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in self.up):
            raise ValueError(f"camera up vector must be three finite numbers, not {self.up!r}")
        pan = self.pan_km
        if not isinstance(pan, (tuple, list)) or len(pan) != 3 or not all(_finite(v) for v in pan):
            raise ValueError(f"camera pan must be three finite numbers (km), not {pan!r}")
        object.__setattr__(self, "pan_km", tuple(float(v) for v in pan))  # a stored list reads back equal
        if self.encounter_et is not None and not _finite(self.encounter_et):
            raise ValueError(f"camera encounter time must be a finite number, not {self.encounter_et!r}")
        if self.mode not in CAMERA_MODES:
            raise ValueError(f"unknown camera mode {self.mode!r}; use one of {', '.join(CAMERA_MODES)}")
        if not 0.1 <= self.fov_deg <= 170.0:
            raise ValueError(f"field of view must be between 0.1 and 170 degrees, not {self.fov_deg}")
        if self.distance_km is not None and self.distance_km <= 0:
            raise ValueError("camera distance must be positive")
        if self.mode == "from" and not self.from_body:
            raise ValueError("camera mode 'from' needs a body to look from")

    def with_(self, **changes: object) -> CameraIntent:
        """A changed copy; a new target drops the encounter, which was the old target's closest approach."""
        if "target" in changes and changes["target"] != self.target and "encounter_et" not in changes:
            changes["encounter_et"] = None
        return replace(self, **changes)


def _finite(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
