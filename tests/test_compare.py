"""Comparing two kernel sets: a copy with one corrupted coefficient is found, sized and dated."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import spiceypy

from perijove.ephemeris.defaults import default_kernel_dir

DAY = 86400.0
T0 = 757_000_000.0  # 2023-12-28, inside the embedded set
RECORDS, DEGREE = 6, 4
DELTA = 2.0  # km


def _write_type2(path, coefficients: np.ndarray) -> None:
    """Jupiter (599) about its barycentre, six one-day Chebyshev records: spkw02's own format."""
    handle = spiceypy.spkopn(str(path), "TEST", 0)
    try:
        spiceypy.spkw02(
            handle, 599, 5, "J2000", T0, T0 + RECORDS * DAY, "test", DAY, RECORDS, DEGREE, coefficients.ravel(), T0
        )
    finally:
        spiceypy.spkcls(handle)


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(5)
    coefficients = rng.normal(0, 300.0, (RECORDS, 3, DEGREE + 1))  # km, about the barycentre
    good, bad = tmp_path / "good.bsp", tmp_path / "bad.bsp"
    _write_type2(good, coefficients)
    corrupt = coefficients.copy()
    # Record 3, x: +DELTA * (T0 - T2/2) = DELTA * (1.5 - x^2): largest (1.5 DELTA) mid-record.
    corrupt[3, 0, 0] += DELTA
    corrupt[3, 0, 2] -= DELTA / 2
    _write_type2(bad, corrupt)
    return good, bad


def test_one_corrupted_coefficient_is_found_with_its_size_and_time(pair):
    from perijove.ephemeris.compare import compare_sets

    good, bad = pair
    result = compare_sets([good], [bad], "JUPITER", 5, T0 + 60, T0 + RECORDS * DAY - 60, step=600.0)
    summary = result.summary()
    assert summary["body"] == "Jupiter" and summary["center"] == "Jupiter Barycenter"
    assert summary["max_km"] == pytest.approx(1.5 * DELTA, rel=1e-4)  # sampled every 600 s
    assert summary["max_et"] == pytest.approx(T0 + 3.5 * DAY, abs=600.0)
    # Nothing differs outside the corrupted record.
    outside = (result.ets < T0 + 3 * DAY) | (result.ets > T0 + 4 * DAY)
    assert result.total[outside].max() < 1e-9
    # The parts add up to the whole.
    assert np.allclose(np.linalg.norm(result.ric, axis=1), result.total)


def test_compare_command_json_and_table(pair, tmp_path):
    good, bad = pair
    lsk = default_kernel_dir() / "leapseconds.tls"
    args = [
        sys.executable, "-m", "perijove", "compare", "--kernels", str(good), "--against", str(bad),
        "--body", "jupiter", "--center", "5", "--start", "2023-12-28T00:00", "--stop", "2024-01-02T00:00",
        "--step", "600",
    ]  # fmt: skip
    run = subprocess.run([*args, "--format", "json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["max_km"] == pytest.approx(1.5 * DELTA, rel=1e-4)  # sampled every 600 s
    assert summary["max_utc"].startswith("2023-12-31T")  # record 3: 2023-12-31T.. mid-day
    table = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0 and "largest difference" in table.stdout and "Jupiter" in table.stdout
    png = tmp_path / "cmp.png"
    plot = subprocess.run([*args, "--plot", str(png)], capture_output=True, text=True, timeout=120)
    assert plot.returncode == 0, plot.stderr
    from PIL import Image

    with Image.open(png) as im:
        assert im.width >= 600
    assert lsk.is_file()
    # An existing file is the user's: replaced only with --overwrite, as render and plot do (it was
    # replaced without a word).
    mine = tmp_path / "mine.png"
    mine.write_bytes(b"the user's picture")
    again = subprocess.run([*args, "--plot", str(mine)], capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--overwrite" in again.stderr and again.stdout == ""
    assert mine.read_bytes() == b"the user's picture"  # and refused before the comparison was printed
    again = subprocess.run([*args, "--plot", str(mine), "--overwrite"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and mine.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--step", "nan"], "--step"),
        (["--step", "0.0001"], "--step"),
        (["--center", "jupiter"], "same"),
        (["--start", "2030-01-01", "--stop", "2030-01-02"], "Jupiter"),
    ],
)
def test_compare_bad_input_is_one_line(pair, extra, message):
    good, bad = pair
    args = [
        sys.executable, "-m", "perijove", "compare", "--kernels", str(good), "--against", str(bad),
        "--body", "jupiter", "--center", "5", "--start", "2023-12-28", "--stop", "2024-01-02", *extra,
    ]  # fmt: skip
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert message in run.stderr


def _to_polyline_km(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance from the polyline ``line`` (km)."""
    a, b = line[:-1], line[1:]
    ab = b - a
    out = []
    for p in points:
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-30), 0, 1)
        out.append(np.linalg.norm(a + t[:, None] * ab - p, axis=1).min())
    return np.array(out)


def test_a_set_compared_with_itself_is_drawn_on_the_trail_in_every_camera():
    """In the flyby camera the trail is drawn as Juno moved relative to the moon, but the compared
    path was drawn about Jupiter: a set compared with itself (0.000 km in the HUD) left Juno at
    another angle and cut across Io. The ghost now goes through the same frame as the trail."""
    from perijove.ephemeris import Ephemeris, open_kernels, to_et
    from perijove.ephemeris.compare import sample_track
    from perijove.model import CameraIntent
    from perijove.render.scene import Scene

    track = sample_track([], defaults=True)  # the embedded set, compared with itself
    scene = Scene(Ephemeris(open_kernels()))
    scene.set_ghost(track)
    for mode in ("flyby", "follow", "orbit"):
        for utc in ("2023-12-30T08:36:01", "2023-12-30T08:40:00", "2023-12-30T09:30:00"):
            state = scene.frame_state(to_et(utc), CameraIntent(mode=mode, target="IO"), (640, 360))
            ghost, trail = state.ghost[0], state.trail[0]
            near = np.linalg.norm(ghost - state.spacecraft, axis=1) < 20_000.0  # the part in a flyby's view
            assert near.sum() > 10, (mode, utc)
            off = _to_polyline_km(ghost[near], trail)
            assert off.max() < 0.5, (mode, utc, off.max())
