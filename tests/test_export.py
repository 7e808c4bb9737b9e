"""Export: exact frame times, MP4 and PNG outputs, sidecars, and nothing partial on failure."""

from __future__ import annotations

import csv
import errno
import itertools
import json
import subprocess
import sys

import imageio_ffmpeg
import numpy as np
import pytest
import spiceypy

from perijove.ephemeris import Ephemeris, PerijoveError, open_kernels, to_et
from perijove.export import ExportCancelled, FramePlan, export
from perijove.export.overlay import Overlay

START, STOP = "2023-12-30T08:20:00", "2023-12-30T08:50:00"


@pytest.fixture(autouse=True)
def _clean_spice():
    yield
    spiceypy.reset()


@pytest.fixture
def eph():
    return Ephemeris(open_kernels())


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=600)


def _rows(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_plan_steps_evenly_and_eases():
    plan = FramePlan(0.0, 100.0, fps=10, frames=11)
    assert np.array_equal(plan.ets(), np.arange(11) * 10.0)
    assert FramePlan(0.0, 100.0, fps=10, speed=10.0).count == 101
    eased = FramePlan(0.0, 40 * 86400.0, fps=30, frames=600, ease_et=20 * 86400.0, ease_window_s=600.0)
    steps = np.diff(eased.ets())
    assert steps.min() < steps.max() / 50  # much slower near the event
    assert eased.ets()[0] == 0.0 and eased.ets()[-1] == 40 * 86400.0
    with pytest.raises(ValueError, match="either a frame count or a playback speed"):
        FramePlan(0.0, 1.0, frames=2, speed=1.0)
    with pytest.raises(ValueError, match="stop must be after"):
        FramePlan(1.0, 0.0, frames=2)


def test_cli_mp4_of_exactly_20_frames(eph, tmp_path):
    out = tmp_path / "flyby.mp4"
    run = _run(
        "export",
        "--start",
        START,
        "--stop",
        STOP,
        "--frames",
        "20",
        "--size",
        "320x180",
        "--look-at",
        "io",
        "--from",
        "juno",
        "--fov",
        "60",
        "--overlay",
        "--json",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    frames, _secs = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 20
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert tuple(meta["size"]) == (320, 180)
    decoded = [np.frombuffer(f, np.uint8).reshape(180, 320, 3).astype(int) for f in reader]
    assert len(decoded) == 20
    assert all(np.abs(a - b).mean() > 0.5 for a, b in itertools.pairwise(decoded))
    rows = _rows(tmp_path / "flyby.csv")
    assert [int(r["frame"]) for r in rows] == list(range(20))
    ets = np.array([float(r["et"]) for r in rows])
    assert ets[0] == to_et(START) and ets[-1] == to_et(STOP)
    assert np.allclose(np.diff(ets), (to_et(STOP) - to_et(START)) / 19, rtol=0, atol=1e-6)
    assert rows[0]["utc"] == "2023-12-30T08:20:00.000" and rows[0]["provenance"] == "synthetic"
    assert float(rows[10]["distance_km"]) == pytest.approx(
        np.linalg.norm(eph.position("JUNO", ets[10], "IO")), rel=1e-12
    )
    assert len(json.loads((tmp_path / "flyby.json").read_text())) == 20
    assert not list(tmp_path.glob(".*"))  # no temporary leftovers


def test_png_folder_of_20_frames(eph, tmp_path):
    out = tmp_path / "frames"
    result = export(eph, FramePlan(to_et(START), to_et(STOP), frames=20), out, (240, 160), overlay=Overlay(title="Io"))
    pngs = sorted(out.glob("frame_*.png"))
    assert len(pngs) == 20 and result.frames == 20
    rows = _rows(out / "frames.csv")
    assert len(rows) == 20
    from PIL import Image

    images = [np.asarray(Image.open(p)).astype(int) for p in pngs]
    assert images[0].shape == (160, 240, 3)
    assert np.abs(images[0] - images[-1]).mean() > 1
    assert not list(tmp_path.glob(".frames*"))


def test_cancel_leaves_nothing_and_keeps_the_old_file(eph, tmp_path):
    out = tmp_path / "movie.mp4"
    out.write_bytes(b"the previous, complete movie")
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(ExportCancelled):
        export(eph, FramePlan(to_et(START), to_et(STOP), frames=30), out, (160, 96), cancel=cancel)
    assert out.read_bytes() == b"the previous, complete movie"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["movie.mp4"]


@pytest.mark.parametrize("name", ["movie.mp4", "frames"])
def test_full_disk_leaves_no_partial_output(eph, tmp_path, name):
    out = tmp_path / name

    def disk_full(index: int) -> None:
        if index == 7:
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(PerijoveError, match="the disk is full"):
        export(eph, FramePlan(to_et(START), to_et(STOP), frames=30), out, (160, 96), fault=disk_full)
    assert list(tmp_path.iterdir()) == []


def test_cli_errors_are_one_line(tmp_path):
    for args, message in (
        (["--start", START, "--stop", START, "--frames", "5"], "stop must be after"),
        (["--start", "2031-01-01", "--stop", "2031-01-02", "--frames", "5"], "no ephemeris for Juno"),
        (["--start", START, "--stop", STOP, "--frames", "5", "--size", "321x181"], "even width and height"),
        (["--start", START, "--stop", STOP, "--frames", "5", "--look-at", "io", "--from", "io"], "same body"),
    ):
        run = _run("export", *args, str(tmp_path / "x.mp4"))
        assert run.returncode == 2 and run.stderr.count("\n") == 1 and message in run.stderr, run.stderr
    assert list(tmp_path.iterdir()) == []
