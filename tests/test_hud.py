"""What the HUD and a movie's sidecar measure, and what they say when data are missing."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import spiceypy

from perijove.ephemeris import Ephemeris, open_kernels, to_et


def test_following_juno_past_io_measures_to_io_in_the_sidecar(tmp_path):
    from perijove.export import FramePlan, export
    from perijove.model import CameraIntent

    eph = Ephemeris(open_kernels())
    plan = FramePlan(to_et("2023-12-30T08:35:00"), to_et("2023-12-30T08:37:00"), fps=10, frames=2)
    intent = CameraIntent(mode="follow", target="IO", distance_km=0.06)
    result = export(eph, plan, tmp_path / "frames", (64, 36), intent)
    with open(result.sidecar, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["target"] for r in rows] == ["Io", "Io"]
    for row in rows:
        state, _ = spiceypy.spkezr("JUNO", float(row["et"]), "J2000", "NONE", "IO")
        assert float(row["distance_km"]) == pytest.approx(np.linalg.norm(state[:3]), rel=1e-9)


def test_the_hud_says_when_the_spacecraft_has_no_data():
    from perijove.model.hud import format_hud, hud_values

    eph = Ephemeris(open_kernels())
    values = hud_values(eph, to_et("2023-10-01"), "IO")  # the synthetic Juno begins 2023-11-15
    assert values["distance_km"] is None
    assert "No Juno data at this time" in format_hud(values)[-1] and "2023-11-15" in values["note"]
    inside = hud_values(eph, to_et("2023-12-30T08:30"), "IO")
    assert inside["note"] is None and all("No Juno data" not in line for line in format_hud(inside))


def test_render_says_when_juno_is_not_in_the_picture(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "early.png"
    run = subprocess.run(
        [sys.executable, "-m", "perijove", "render", "--time", "2023-10-01", "--size", "64x36", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and out.is_file()
    assert "No Juno data at this time: not drawn" in run.stderr
    inside = subprocess.run(
        [sys.executable, "-m", "perijove", "render", "--time", "2023-12-30T08:30", "--size", "64x36", str(out),
         "--overwrite"],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert inside.returncode == 0 and "No Juno data" not in inside.stderr


def test_the_hud_writes_angles_as_people_do():
    """Degrees sit on their number ("-14.31° lat, 222.08° E"); it read "-14.31 ° lat, 222.08 °E"."""
    from perijove.model.hud import format_hud, hud_values

    eph = Ephemeris(open_kernels())
    values = hud_values(eph, to_et("2023-12-30T08:17:23"), "IO")
    lines = format_hud(values)
    sub = next(line for line in lines if line.startswith("Sub-spacecraft"))
    assert sub == f"Sub-spacecraft {values['lat_deg']:+.2f}° lat, {values['lon_deg']:.2f}° E"
    phase = next(line for line in lines if line.startswith("Solar phase"))
    assert phase.startswith(f"Solar phase {values['phase_deg']:.1f}° at the sub-spacecraft point")


def test_the_hud_says_when_the_spacecraft_is_over_the_night_side():
    """From Juno at closest approach Io is nearly all dark (phase 143°): it looked broken. The HUD
    says when the point below the spacecraft is unlit, by SPICE's incidence angle there."""
    from perijove.model.hud import format_hud, hud_values

    eph = Ephemeris(open_kernels())
    for utc in ("2023-12-30T08:36:00.800", "2023-12-30T08:17:23"):
        et = to_et(utc)
        values = hud_values(eph, et, "IO")
        lat, lon = np.radians(values["lat_deg"]), np.radians(values["lon_deg"])
        radii = spiceypy.bodvrd("IO", "RADII", 3)[1]
        point = spiceypy.georec(lon, lat, 0.0, radii[0], (radii[0] - radii[2]) / radii[0])
        incidence = np.degrees(spiceypy.ilumin("Ellipsoid", "IO", et, "IAU_IO", "LT+S", "JUNO", point)[3])
        line = next(line for line in format_hud(values) if line.startswith("Solar phase"))
        assert ("night side" in line) == (incidence > 90.0), (utc, incidence, line)
    assert "night side" in next(
        line for line in format_hud(hud_values(eph, to_et("2023-12-30T08:36:00.800"), "IO")) if "phase" in line
    )
