"""One frame to a PNG file, written atomically."""

from __future__ import annotations

from pathlib import Path

from perijove.ephemeris import Ephemeris, PerijoveError, body_id
from perijove.fileio import atomic_write
from perijove.model import CameraIntent, DisplayOptions


def write_png_atomic(image, path: Path) -> None:
    """Write to a hidden partial beside ``path`` and move it into place only when complete.

    The partial is named like every other Perijove partial (``.NAME.partial-PID``) so that one
    left by a killed process is recognised and removed by a later render or export.
    """
    from PIL import Image

    atomic_write(path, lambda handle: Image.fromarray(image).save(handle, format="PNG"))


def render_png(
    eph: Ephemeris,
    et: float,
    out: Path,
    size: tuple[int, int],
    *,
    look_at: str = "jupiter",
    from_body: str | None = "sun",
    distance_km: float | None = None,
    fov_deg: float = 35.0,
    maps: dict[str, str] | None = None,
    stars: bool = True,
    trajectory: bool = True,
    orbits: bool = True,
    camera: str = "from",
    trail_days: float | None = None,
    labels: bool = True,
) -> None:
    """``camera`` "flyby" frames the closest approach to ``look_at`` nearest ``et`` from its lit side;
    "junocam" is JunoCam's view of ``look_at`` (``from_body``, ``distance_km`` and ``fov_deg`` unused)."""
    from perijove.render.offscreen import OffscreenRenderer

    target = body_id(look_at)
    source = body_id(from_body) if from_body else None
    if camera not in ("flyby", "junocam") and source is not None and source == target:
        raise PerijoveError("--from and --look-at name the same body")
    if camera in ("flyby", "junocam"):
        intent = CameraIntent(mode=camera, target=str(target), distance_km=distance_km, fov_deg=fov_deg)
    elif source is not None:
        intent = CameraIntent(
            mode="from", target=str(target), from_body=str(source), distance_km=distance_km, fov_deg=fov_deg
        )
    else:
        intent = CameraIntent(mode="orbit", target=str(target), distance_km=distance_km, fov_deg=fov_deg)
    from perijove.ephemeris.download import cached_maps

    # Fetched global maps replace the procedural ones; maps given explicitly win over both.
    display = DisplayOptions(
        stars=stars, trajectory=trajectory, moon_orbits=orbits, labels=labels, maps={**cached_maps(), **(maps or {})}
    )
    if trail_days is not None:
        display = display.with_(trajectory_past_days=trail_days)
    renderer = OffscreenRenderer(eph, size, display)
    try:
        image, _state = renderer.render(et, intent)
    except ValueError as err:
        if "cannot read map image" not in str(err):  # anything else is a bug, not a bad input
            raise
        raise PerijoveError(" ".join(str(err).split())) from None
    finally:
        renderer.close()
    write_png_atomic(image[:, :, :3], out)
