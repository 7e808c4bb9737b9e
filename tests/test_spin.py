"""Juno's 2 rpm spin in movies: sampled faithfully, or drawn steady and said so."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
import spiceypy

from perijove.ephemeris import Ephemeris, open_kernels, to_et
from perijove.ephemeris.attitude import FAITHFUL_STEP_S, SPIN_SAMPLED, SPIN_STEADY, spin_mode
from perijove.export import FramePlan, export
from perijove.export.overlay import Overlay
from perijove.model import CameraIntent, DisplayOptions

CA1 = "2023-12-30T08:36:00.8"


def _close_view(eph: Ephemeris) -> CameraIntent:
    """30 m from Juno, on the side toward Io, so only the spacecraft and black sky are in the frame."""
    to_io = eph.position("IO", to_et(CA1), "JUNO")
    to_io /= np.linalg.norm(to_io)
    az, el = np.degrees(np.arctan2(to_io[1], to_io[0])), np.degrees(np.arcsin(to_io[2]))
    return CameraIntent(
        mode="follow", target="JUNO", distance_km=0.03, azimuth_deg=float(az), elevation_deg=float(el), fov_deg=60
    )


@pytest.fixture(autouse=True)
def _clean_spice():
    yield
    spiceypy.reset()


@pytest.fixture(scope="module")
def renderer():
    from perijove.render.offscreen import OffscreenRenderer

    r = OffscreenRenderer(
        Ephemeris(open_kernels()),
        (240, 180),
        DisplayOptions(stars=False, trajectory=False, moon_orbits=False, labels=False),
    )
    yield r
    r.close()


def test_spin_mode_threshold():
    assert spin_mode(1.0 / 30) == SPIN_SAMPLED and spin_mode(FAITHFUL_STEP_S) == SPIN_SAMPLED
    assert spin_mode(FAITHFUL_STEP_S * 1.01) == SPIN_STEADY and spin_mode(60.0) == SPIN_STEADY


def _silhouette(renderer, et: float) -> np.ndarray:
    image, state = renderer.render(et, _close_view(renderer.scene.eph))
    assert state.draw_spacecraft
    return image[:, :, :3].max(axis=2) > 20


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def test_steady_attitude_keeps_the_spin_axis_and_holds_the_phase(renderer):
    et = to_et(CA1)
    scene = renderer.scene
    close = _close_view(renderer.scene.eph)
    spun = [scene.frame_state(et + dt, close, (240, 180)).spacecraft_rotation for dt in (0.0, 67.0)]
    scene.steady_spin = True
    try:
        steady = [scene.frame_state(et + dt, close, (240, 180)).spacecraft_rotation for dt in (0.0, 67.0)]
        held = [_silhouette(renderer, et + dt) for dt in (0.0, 67.0)]
    finally:
        scene.steady_spin = False
    jumped = [_silhouette(renderer, et + dt) for dt in (0.0, 67.0)]
    for s, r in zip(steady, spun, strict=True):
        assert np.allclose(s[2], r[2], atol=1e-12)  # the spin axis is the attitude source's
        assert np.allclose(s @ s.T, np.eye(3), atol=1e-12)
    # 67 s is 2.23 turns: sampled, the solar arrays jump ~80°; steady, they stay put.
    assert np.degrees(np.arccos(np.clip(spun[0][0] @ spun[1][0], -1, 1))) > 45
    assert np.degrees(np.arccos(np.clip(steady[0][0] @ steady[1][0], -1, 1))) < 0.1
    assert _iou(*held) > 0.95 > 0.8 > _iou(*jumped)  # and the frames show it


def _rows(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_says_whether_the_spin_is_shown(renderer, tmp_path):
    eph = renderer.scene.eph
    et = to_et(CA1)
    close = _close_view(renderer.scene.eph)
    slow = export(eph, FramePlan(et, et + 4.0, frames=3), tmp_path / "slow", (240, 180), close, renderer=renderer)
    fast = export(eph, FramePlan(et, et + 120.0, frames=3), tmp_path / "fast", (240, 180), close, renderer=renderer)
    assert slow.spin == SPIN_SAMPLED and fast.spin == SPIN_STEADY
    assert {r["spin"] for r in _rows(tmp_path / "slow" / "frames.csv")} == {SPIN_SAMPLED}
    assert {r["spin"] for r in _rows(tmp_path / "fast" / "frames.csv")} == {SPIN_STEADY}
    assert not renderer.scene.steady_spin  # the reused renderer is handed back as it came
    values = {"utc": "2023-12-30 08:36:00", "target": "IO", "distance_km": 1500.0, "spin": SPIN_STEADY}
    assert "Juno's spin not shown (steady attitude)" in Overlay().lines(values)
    assert "spin" not in " ".join(Overlay().lines({**values, "spin": SPIN_SAMPLED}))


def test_cli_export_prints_the_spin_mode(tmp_path):
    out = tmp_path / "frames"
    cmd = [sys.executable, "-m", "perijove", "export", "--start", "2023-12-30T08:30", "--stop", "2023-12-30T08:40"]
    cmd += ["--frames", "2", "--size", "64x48", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "spin not shown: steady attitude" in run.stdout
