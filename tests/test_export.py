"""Export: exact frame times, MP4 and PNG outputs, sidecars, and nothing partial on failure."""

from __future__ import annotations

import csv
import errno
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time

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


def test_an_eased_plan_has_a_frame_at_the_eased_event_itself():
    """Export this flyby made 900 frames centred on the closest approach: frames 449 and 450 fell
    either side of it (1,576 and 1,571 km against the true 1,500), so the movie never showed it.
    The frame nearest the eased event now falls on it, whatever the count; the rest stay in order."""
    for frames, ca in ((900, 1800.0), (901, 1800.0), (60, 1234.567), (7, 3500.0)):
        ets = FramePlan(0.0, 3600.0, fps=30, frames=frames, ease_et=ca, ease_window_s=600.0).ets()
        assert ca in ets, (frames, ca)
        assert np.all(np.diff(ets) > 0) and ets[0] == 0.0 and ets[-1] == 3600.0
    # An event nearest an end leaves the ends where they are; two frames have no middle to give it.
    near_end = FramePlan(0.0, 3600.0, fps=30, frames=7, ease_et=3599.0, ease_window_s=600.0).ets()
    assert near_end[0] == 0.0 and near_end[-1] == 3600.0 and 3599.0 not in near_end
    assert FramePlan(0.0, 10.0, fps=1, frames=2, ease_et=4.0).ets().tolist() == [0.0, 10.0]


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
    assert rows[0]["utc"] == "2023-12-30T08:20:00.000" and rows[0]["provenance"] == "Juno synthetic, Io synthetic"
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
        export(eph, FramePlan(to_et(START), to_et(STOP), frames=30), out, (160, 96), cancel=cancel, overwrite=True)
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


# -- issue 12: outputs that lose nothing and fake nothing ------------------------------------------
TINY = (64, 36)


def _plan(frames: int = 3) -> FramePlan:
    return FramePlan(to_et(START), to_et(STOP), frames=frames)


def _cli_export(out, *extra: str, frames: str = "3", cwd=None) -> subprocess.CompletedProcess[str]:
    args = ["export", "--start", START, "--stop", STOP, "--size", "64x36", *extra, str(out)]
    if frames:
        args[5:5] = ["--frames", frames]
    return subprocess.run(
        [sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=600, cwd=cwd
    )


def _one_line_error(run: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("perijove"), run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr


class _NoRender:
    """A renderer that must never be asked for a frame: the destination is wrong."""

    size = TINY

    def render(self, *_args, **_kwargs):
        raise AssertionError("a frame was rendered before the destination was checked")


def _mount_tmpfs(path, options: str) -> bool:
    path.mkdir(exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    return mount.returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a tmpfs of a few kB (needs root to mount; skipped where it cannot be set up)."""
    made = []

    def make(size: str):
        path = tmp_path / f"disk-{size}"
        if not _mount_tmpfs(path, f"size={size}"):
            pytest.skip("cannot mount a size-limited tmpfs here (needs root)")
        made.append(path)
        return path

    yield make
    for path in made:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def readonly_dir(tmp_path):
    """A folder nobody may write into: a read-only tmpfs as root, a chmod 555 folder otherwise."""
    path = tmp_path / "readonly"
    if os.geteuid() == 0:
        if not _mount_tmpfs(path, "ro,size=64k"):
            pytest.skip("cannot mount a read-only tmpfs here")
        yield path
        subprocess.run(["umount", "-l", str(path)], capture_output=True)
    else:
        path.mkdir()
        path.chmod(0o555)
        yield path
        path.chmod(0o755)


# 1. A full disk during MP4 export fails, and leaves nothing under the requested names.
@pytest.mark.parametrize("size", ["12k", "20k"])  # 12k: ffmpeg cannot finish the video; 20k: the table does not fit
def test_full_disk_during_mp4_export_fails_and_leaves_nothing(small_disk, size):
    disk = small_disk(size)
    run = _cli_export(disk / "out.mp4", "--size", "320x180", frames="40")
    _one_line_error(run, "the disk is full")
    assert list(disk.iterdir()) == []


def test_encoder_that_cannot_finish_the_file_is_a_failure(eph, tmp_path, monkeypatch):
    """ffmpeg hitting a file size limit (EFBIG, like /dev/full) must not pass as a finished video."""
    import resource

    from perijove.export import sinks

    real_popen = sinks._popen

    def limited(*args, **kwargs):
        kwargs["preexec_fn"] = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000))
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(sinks, "_popen", limited)
    out = tmp_path / "movie.mp4"
    with pytest.raises(PerijoveError) as err:
        export(eph, _plan(40), out, (320, 180))
    assert "\n" not in str(err.value) and str(out) in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_a_video_the_encoder_calls_finished_is_read_back_before_it_is_placed(eph, tmp_path, monkeypatch):
    """ffmpeg's exit status is not the whole story: the file itself must hold every frame."""
    from perijove.export import sinks

    real_stop = sinks.Mp4Sink._stop

    def stop_then_lose_the_end(self, kill: bool, cancel=None):
        code = real_stop(self, kill, cancel)
        if not kill and self.tmp.is_file():  # as a flaky network disk might: the index is gone
            data = self.tmp.read_bytes()
            self.tmp.write_bytes(data[: len(data) // 2])
        return code

    monkeypatch.setattr(sinks.Mp4Sink, "_stop", stop_then_lose_the_end)
    with pytest.raises(PerijoveError, match="cannot be read back"):
        export(eph, _plan(10), tmp_path / "movie.mp4", TINY)
    assert list(tmp_path.iterdir()) == []


def test_sidecar_is_written_only_after_the_video_is_complete(eph, tmp_path, monkeypatch):
    from perijove.export import sinks

    def broken_finish(self, expected: int, cancel=None) -> None:
        raise OSError(errno.EIO, "the video encoder failed")

    monkeypatch.setattr(sinks.Mp4Sink, "finish", broken_finish)
    with pytest.raises(PerijoveError, match="encoder failed"):
        export(eph, _plan(), tmp_path / "movie.mp4", TINY, json_sidecar=True)
    assert list(tmp_path.iterdir()) == []


# 2. PNG export never deletes what Perijove did not create.
def test_png_export_into_a_folder_of_other_files_deletes_nothing(eph, tmp_path):
    folder = tmp_path / "holiday"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "photo.png").write_bytes(b"\x89PNG mine")
    for overwrite in (False, True):
        with pytest.raises(PerijoveError, match="did not write"):
            export(eph, _plan(), folder, TINY, renderer=_NoRender(), overwrite=overwrite)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "photo.png"]
    assert (folder / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holiday"]
    run = _cli_export(folder, "--overwrite")
    _one_line_error(run, "did not write")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "photo.png"]


def test_png_export_into_an_empty_folder_or_over_its_own_frames(eph, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    export(eph, _plan(3), folder, TINY)  # an empty folder is fine
    assert sorted(p.name for p in folder.iterdir()) == [f"frame_0000{i}.png" for i in range(3)] + ["frames.csv"]
    with pytest.raises(PerijoveError, match="already holds exported frames"):  # our own: only with consent
        export(eph, _plan(2), folder, TINY, renderer=_NoRender())
    export(eph, _plan(2), folder, TINY, overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == ["frame_00000.png", "frame_00001.png", "frames.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


def test_overwrite_replaces_only_frames_and_tables_perijove_wrote(eph, tmp_path):
    """--overwrite on a PNG folder used to trust names alone: a folder called frame_00001.png was
    moved into a hidden backup and left there, and a user's frames.csv, a text file named
    frame_00000.png and someone else's PNG named frame_00005.png were deleted."""
    from PIL import Image

    def folder_with(name: str, make) -> object:
        folder = tmp_path / name
        folder.mkdir()
        make(folder)
        return folder

    def plot_renamed(f) -> None:  # perijove plot marks its PNGs "Software: Perijove 0.1.0": not a frame
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Software", "Perijove 0.1.0")
        Image.new("RGB", (8, 8), "blue").save(f / "frame_00001.png", pnginfo=info)

    def folder_named_as_a_frame(f) -> None:
        (f / "frame_00001.png").mkdir()
        (f / "frame_00001.png" / "x").write_text("keep")

    cases = {
        "a folder named as a frame": folder_named_as_a_frame,
        "a table of the user's": lambda f: (f / "frames.csv").write_text("my data\n1,2,3\n"),
        "a text file named as a frame": lambda f: (f / "frame_00000.png").write_text("holiday photo"),
        "someone else's PNG": lambda f: Image.new("RGB", (8, 8), "red").save(f / "frame_00005.png"),
        "a link named as a frame": lambda f: (f / "frame_00002.png").symlink_to(tmp_path / "elsewhere.png"),
        "a partial's name inside": lambda f: (f / ".x.partial-999999.mp4").write_text("mine"),
        "a plot Perijove made, renamed": plot_renamed,
    }
    for label, make in cases.items():
        folder = folder_with(label.replace(" ", "_").replace("'", ""), make)
        before = sorted((p.relative_to(folder), p.is_dir()) for p in folder.rglob("*"))
        with pytest.raises(PerijoveError, match="did not write"):
            export(eph, _plan(), folder, TINY, renderer=_NoRender(), overwrite=True)
        run = _cli_export(folder, "--overwrite")
        _one_line_error(run, "did not write")
        assert sorted((p.relative_to(folder), p.is_dir()) for p in folder.rglob("*")) == before, label
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no backup left behind
    # Perijove's own earlier export is still replaced with consent, stale frames and table included.
    own = tmp_path / "own"
    export(eph, _plan(5), own, TINY, json_sidecar=True)
    export(eph, _plan(2), own, TINY, overwrite=True)
    assert sorted(p.name for p in own.iterdir()) == ["frame_00000.png", "frame_00001.png", "frames.csv"]


def test_an_earlier_json_table_left_beside_a_new_movie_is_named(eph, tmp_path):
    """--overwrite without --json replaced the movie and its CSV but left the earlier export's JSON,
    which then described other frames, without a word."""
    out = tmp_path / "y.mp4"
    export(eph, _plan(3), out, TINY, json_sidecar=True)
    result = export(eph, FramePlan(to_et(START) + 60, to_et(STOP), frames=2), out, TINY, overwrite=True)
    assert result.kept == (tmp_path / "y.json",)
    assert len(json.loads((tmp_path / "y.json").read_text())) == 3  # left as it was: not ours to delete
    run = _cli_export(out, "--overwrite")
    assert run.returncode == 0, run.stderr
    assert "y.json is from an earlier export and was left as it was" in run.stderr, run.stderr
    assert export(eph, _plan(2), out, TINY, json_sidecar=True, overwrite=True).kept == ()


# 3. Existing outputs are refused unless --overwrite, checked before anything is rendered.
@pytest.mark.parametrize("existing", ["movie.mp4", "movie.csv", "movie.json"])
def test_existing_outputs_are_refused_before_rendering(eph, tmp_path, existing):
    (tmp_path / existing).write_bytes(b"the user's own file")
    with pytest.raises(PerijoveError, match="already exists"):
        export(eph, _plan(), tmp_path / "movie.mp4", TINY, json_sidecar=True, renderer=_NoRender())
    assert (tmp_path / existing).read_bytes() == b"the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]


def test_cli_refuses_to_overwrite_unless_asked(tmp_path):
    out = tmp_path / "movie.mp4"
    out.write_bytes(b"the previous movie")
    (tmp_path / "movie.csv").write_text("the user's table")
    _one_line_error(_cli_export(out), "already exists", "--overwrite")
    assert out.read_bytes() == b"the previous movie" and (tmp_path / "movie.csv").read_text() == "the user's table"
    run = _cli_export(out, "--overwrite")
    assert run.returncode == 0, run.stderr
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 3 and len(_rows(tmp_path / "movie.csv")) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["movie.csv", "movie.mp4"]


def test_out_that_is_a_folder_fails_before_rendering(eph, tmp_path):
    (tmp_path / "movie.mp4").mkdir()
    (tmp_path / "movie.csv").write_text("the user's table")
    with pytest.raises(PerijoveError, match="is a folder"):
        export(eph, _plan(), tmp_path / "movie.mp4", TINY, renderer=_NoRender(), overwrite=True)
    run = _cli_export(tmp_path / "movie.mp4", "--overwrite")
    _one_line_error(run, "is a folder")
    assert (tmp_path / "movie.csv").read_text() == "the user's table" and (tmp_path / "movie.mp4").is_dir()
    (tmp_path / "other.csv").mkdir()  # the sidecar's name taken by a folder
    _one_line_error(_cli_export(tmp_path / "other.mp4", "--overwrite"), "other.csv", "is a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["movie.csv", "movie.mp4", "other.csv"]


# A missing or broken ffmpeg is named as such before anything is drawn, not blamed on the file
# (seen on the lent GPU machine: "internal error: RuntimeError", or "a.mp4: cannot write").
def _broken_ffmpeg(folder, kind: str):
    exe = folder / "ffmpeg"
    if kind == "missing":
        return exe, "does not exist"
    if kind == "folder":
        exe.mkdir()
        return exe, "is not a program"
    if kind == "not executable":
        exe.write_text("#!/bin/sh\nexit 0\n")
        return exe, "is not a program"
    if kind == "fails":
        exe.write_text("#!/bin/sh\necho 'cannot load libavcodec.so.61' >&2\nexit 127\n")
        exe.chmod(0o755)
        return exe, "cannot load libavcodec.so.61"
    exe.write_text("#!/bin/sh\necho ' V....D mpeg4                MPEG-4 part 2'\n")  # no libx264
    exe.chmod(0o755)
    return exe, "no H.264 encoder (libx264)"


@pytest.mark.parametrize("kind", ["missing", "folder", "not executable", "fails", "no h264"])
def test_a_broken_ffmpeg_is_named_before_anything_is_drawn(tmp_path, kind):
    tools, out = tmp_path / "tools", tmp_path / "out"
    tools.mkdir()
    out.mkdir()
    exe, why = _broken_ffmpeg(tools, kind)
    args = ["export", "--start", START, "--stop", STOP, "--frames", "3", "--size", "64x36", str(out / "a.mp4")]
    env = {**os.environ, "IMAGEIO_FFMPEG_EXE": str(exe)}
    run = subprocess.run(
        [sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=600, env=env
    )
    _one_line_error(run, f"IMAGEIO_FFMPEG_EXE={exe}", why, "PNG frames")
    assert "cannot write" not in run.stderr
    assert list(out.iterdir()) == []


def test_an_encoder_that_dies_midway_is_named_not_the_file(tmp_path):
    """An ffmpeg that passes the check but crashes on the frames was reported as
    '<out>.mp4: cannot write (the video encoder stopped: ...)', as if the disk were at fault."""
    tools, out = tmp_path / "tools", tmp_path / "out"
    tools.mkdir()
    out.mkdir()
    fake = tools / "ffmpeg"
    real = imageio_ffmpeg.get_ffmpeg_exe()
    crash = "echo 'Segmentation fault in libx264' >&2; exit 139"
    fake.write_text(f'#!/bin/sh\ncase "$*" in *rawvideo*) {crash};; esac\nexec "{real}" "$@"\n')
    fake.chmod(0o755)
    args = ["export", "--start", START, "--stop", STOP, "--frames", "40", "--size", "64x36", str(out / "m.mp4")]
    env = {**os.environ, "IMAGEIO_FFMPEG_EXE": str(fake)}
    run = subprocess.run(
        [sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=600, env=env
    )
    _one_line_error(run, f"IMAGEIO_FFMPEG_EXE={fake}", "Segmentation fault in libx264", "was not written")
    assert "cannot write" not in run.stderr
    assert list(out.iterdir()) == []


def test_no_ffmpeg_at_all_stops_mp4_before_drawing_and_png_frames_still_work(eph, tmp_path, monkeypatch):
    def none_found():
        raise RuntimeError("No ffmpeg exe could be found.")

    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", none_found)
    with pytest.raises(PerijoveError, match=r"needs ffmpeg, and none was found.*PNG frames") as caught:
        export(eph, _plan(), tmp_path / "movie.mp4", TINY, renderer=_NoRender())
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []
    result = export(eph, _plan(2), tmp_path / "frames", TINY)
    assert result.frames == 2 and sorted(p.name for p in (tmp_path / "frames").iterdir())[0] == "frame_00000.png"


# 4. SIGTERM and SIGHUP stop an export like Ctrl-C; stale partials of dead exports are cleaned.
def _start_long_export(out) -> subprocess.Popen[str]:
    args = ["export", "--start", START, "--stop", STOP, "--frames", "2000", "--size", "64x36", str(out)]
    return subprocess.Popen([sys.executable, "-m", "perijove", *args], stderr=subprocess.PIPE, text=True)


def _wait_for_partial(folder, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not [p for p in folder.iterdir() if p.name.startswith(".")]:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.05)
    time.sleep(1.0)  # well into the frames


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
@pytest.mark.parametrize("name", ["movie.mp4", "frames"])
def test_signals_stop_an_export_and_leave_nothing(tmp_path, signum, name):
    proc = _start_long_export(tmp_path / name)
    _wait_for_partial(tmp_path, proc)
    proc.send_signal(signum)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert err.strip().splitlines()[-1] == "perijove: export cancelled; nothing was written", err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("hang", ["while finishing", "without reading"])
def test_a_signal_stops_an_export_whose_encoder_hangs(tmp_path, hang):
    """An encoder that stops answering (it waits after reading every frame, or reads nothing and so
    fills the pipe) kept a cancelled export waiting: the signal only set a flag, and the export
    waited up to 600 s for ffmpeg. It must stop within seconds, kill the encoder, and leave nothing."""
    tools, out = tmp_path / "tools", tmp_path / "out"
    tools.mkdir()
    out.mkdir()
    real = imageio_ffmpeg.get_ffmpeg_exe()
    mark = tools / "all frames read"
    stall = f"cat > /dev/null; touch '{mark}'; exec sleep 1000" if hang == "while finishing" else "exec sleep 1000"
    fake = tools / "ffmpeg"
    fake.write_text(f'#!/bin/sh\ncase "$*" in *rawvideo*) {stall};; esac\nexec "{real}" "$@"\n')
    fake.chmod(0o755)
    frames = "3" if hang == "while finishing" else "400"  # 400 frames of 64x36 overfill a 64 kB pipe
    args = ["export", "--start", START, "--stop", STOP, "--frames", frames, "--size", "64x36", str(out / "m.mp4")]
    env = {**os.environ, "IMAGEIO_FFMPEG_EXE": str(fake)}
    proc = subprocess.Popen([sys.executable, "-m", "perijove", *args], stderr=subprocess.PIPE, text=True, env=env)
    try:
        _wait_for_partial(out, proc)
        deadline = time.monotonic() + 120
        while hang == "while finishing" and not mark.exists():  # every frame is in: ffmpeg is "finishing"
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(2.0)  # the export now waits on the encoder (finishing, or a full pipe)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        _out, err = proc.communicate(timeout=30)
        assert time.monotonic() - t0 < 10, "the export kept waiting for its encoder"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert err.strip().splitlines()[-1] == "perijove: export cancelled; nothing was written", err
    assert list(out.iterdir()) == []


def test_a_cancel_while_a_slow_disk_writes_frames_cleans_up_after_the_writer(eph, tmp_path, monkeypatch):
    """The cancel path cleaned the partial folder while the writer thread was still saving a frame
    (a slow disk): a frame landing between the listing and the rmdir left the hidden folder behind
    (found in review). Files are now cleaned only once the writer has stopped."""
    import threading

    from perijove.export import sinks

    written: list[int] = []
    writer_alive_at_cleanup: list[bool] = []
    real_abort = sinks.PngFolderSink.abort

    def abort(self) -> None:
        alive = any(t.name == "perijove-encoder" and t.is_alive() for t in threading.enumerate())
        writer_alive_at_cleanup.append(alive)
        real_abort(self)

    def slow_disk(index: int) -> None:
        written.append(index)
        time.sleep(1.5)

    monkeypatch.setattr(sinks.PngFolderSink, "abort", abort)
    with pytest.raises(ExportCancelled):
        export(eph, _plan(12), tmp_path / "frames", TINY, fault=slow_disk, cancel=lambda: bool(written))
    assert writer_alive_at_cleanup and not any(writer_alive_at_cleanup)
    assert list(tmp_path.iterdir()) == []


def test_stale_partials_of_a_killed_export_are_cleaned_by_the_next(tmp_path):
    proc = _start_long_export(tmp_path / "movie.mp4")
    _wait_for_partial(tmp_path, proc)
    proc.kill()  # SIGKILL: nothing can clean up
    proc.communicate(timeout=60)
    time.sleep(1.0)  # ffmpeg sees the end of its input and finishes the hidden file
    stale = [p.name for p in tmp_path.iterdir()]
    assert stale and all(n.startswith(".movie") for n in stale)
    run = _cli_export(tmp_path / "other.mp4")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.csv", "other.mp4"]


def test_stale_partial_cleaning_touches_only_our_dead_partials(eph, tmp_path):
    from PIL import Image

    export(eph, _plan(1), tmp_path / "one", TINY)  # a real frame of ours, to copy into a partial folder
    frame = (tmp_path / "one" / "frame_00000.png").read_bytes()
    shutil.rmtree(tmp_path / "one")
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead, alive = gone.pid, os.getppid()
    # Ours, told by what they hold: an encoder's MP4 (its ftyp box first), a table's header, a frame
    # with our mark ahead of its pixels, a render's PNG, and a partial nothing was written to yet.
    (tmp_path / f".movie.partial-{dead}.mp4").write_bytes(b"\x00\x00\x00\x20ftypisom" + b"\x00" * 100)
    (tmp_path / f".movie.csv.partial-{dead}").write_text("frame,utc,tdb\n0,2023")
    (tmp_path / f".frames.partial-{dead}").mkdir()
    (tmp_path / f".frames.partial-{dead}" / "frame_00000.png").write_bytes(frame)
    (tmp_path / f".frames.partial-{dead}" / "frame_00001.png").write_bytes(b"")  # opened, not yet written
    (tmp_path / f".shot.png.partial-{dead}").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (tmp_path / f".empty.pdf.partial-{dead}").write_bytes(b"")
    keep = [
        f".movie.partial-{alive}.mp4",  # another export still running
        ".notes.partial-draft",  # not ours: no process id
        f"movie.partial-{dead}.mp4",  # not hidden: not a name we write
        f".x.partial-{dead}.mp4",  # our name, the user's text: a name is no proof (it was deleted)
        f".thesis.pdf.partial-{dead}",  # our name, not a PDF
    ]
    for name in keep:
        (tmp_path / name).write_text("precious")
    (tmp_path / f".album.partial-{dead}").mkdir()
    (tmp_path / f".album.partial-{dead}" / "holiday.jpg").write_text("keep")  # not our frames inside
    keep.append(f".album.partial-{dead}")
    (tmp_path / f".w.partial-{dead}").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / f".w.partial-{dead}" / "frame_00000.png")  # a PNG, not our frame
    keep.append(f".w.partial-{dead}")
    export(eph, _plan(2), tmp_path / "new.mp4", TINY)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, "new.mp4", "new.csv"])
    assert (tmp_path / f".album.partial-{dead}" / "holiday.jpg").read_text() == "keep"
    assert (tmp_path / f".x.partial-{dead}.mp4").read_text() == "precious"
    assert (tmp_path / f".w.partial-{dead}" / "frame_00000.png").is_file()


# 5. Read-only destinations, '.' and '..', a folder named like a file: one-line errors.
@pytest.mark.parametrize("name", ["movie.mp4", "frames"])
def test_read_only_destination_is_a_one_line_error(readonly_dir, name):
    run = _cli_export(readonly_dir / name)
    _one_line_error(run, str(readonly_dir))
    assert "read-only" in run.stderr or "not allowed" in run.stderr
    assert list(readonly_dir.iterdir()) == []


@pytest.mark.parametrize("name", [".", ".."])
def test_dot_folders_are_refused(tmp_path, name):
    cwd = tmp_path / "work"
    cwd.mkdir()
    (cwd / "mine.txt").write_text("keep")
    _one_line_error(_cli_export(name, cwd=cwd), "folder")
    assert sorted(p.name for p in cwd.iterdir()) == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_folder_named_like_a_file_is_refused(tmp_path):
    _one_line_error(_cli_export(tmp_path / "frames.png"), ".mp4 file or a folder")
    assert list(tmp_path.iterdir()) == []


# 6. Non-finite numbers are refused; nothing leaks several lines.
@pytest.mark.parametrize(
    "extra", [["--speed", "inf"], ["--speed", "nan"], ["--distance", "nan"], ["--distance", "inf"], ["--fps", "nan"]]
)
def test_non_finite_numbers_are_refused(tmp_path, extra):
    _one_line_error(_cli_export(tmp_path / "x.mp4", *extra, frames="" if extra[0] == "--speed" else "3"), "finite")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--distance", "-5"], "--distance"),
        (["--distance", "1e300"], "--distance"),  # numpy overflow warnings, many lines, before
        (["--distance", "1e-300"], "--distance"),
        (["--speed", "1e-320"], "at most 1,000,000"),  # an OverflowError (internal error) before
        (["--speed", "1e-300"], "at most 1,000,000"),  # a number with 80 digits before
        (["--fps", "1e-300"], "fps must be between"),  # a zero MP4 time base before
    ],
)
def test_out_of_range_numbers_are_refused(tmp_path, extra, message):
    run = _cli_export(tmp_path / "x.mp4", *extra, frames="" if extra[0] == "--speed" else "3")
    _one_line_error(run, message)
    assert len(run.stderr) < 200 and list(tmp_path.iterdir()) == []


# 7. No --frames and no --speed: the documented default pacing.
def test_export_without_pacing_makes_a_ten_second_video(tmp_path):
    run = _cli_export(tmp_path / "frames", "--fps", "2", frames="")
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == 20  # ten seconds at 2 frames/s
    help_text = _run("export", "--help").stdout
    assert "10 seconds" in " ".join(help_text.split())


# 8. Overlay titles: every script a font here can draw, and one line per title line.
VALUES = {
    "utc": "2023-12-30T08:36:00.000",
    "target": "IO",
    "distance_km": 1500.0,
    "altitude_km": 1000.0,
    "provenance": "synthetic",
}


def _ink_bands(image: np.ndarray) -> list[tuple[int, int]]:
    rows = (image.max(axis=2) > 100).any(axis=1)
    bands, start = [], None
    for y, inked in enumerate([*rows, False]):
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            bands.append((start, y))
            start = None
    return bands


def test_multi_line_title_does_not_overprint_the_time():
    overlay = Overlay(title="Juno PJ57\nIo flyby")
    assert overlay.lines(VALUES)[:3] == ["Juno PJ57", "Io flyby", "2023-12-30T08:36:00.000 UTC"]
    drawn = overlay.draw(np.zeros((480, 640, 3), np.uint8), VALUES)
    assert len(_ink_bands(drawn)) == 5  # two title lines, UTC, distance, "synthetic data"


def test_non_latin_titles_draw_as_letters_not_boxes():
    from PIL import ImageFont

    try:
        ImageFont.truetype("DejaVuSans.ttf", 12)
    except OSError:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core, which .ci/system-deps installs)")
    crops = []
    for text in ("Ж", "Ю", "Ω", "λ", "ש", "ა"):  # Cyrillic, Greek, Hebrew, Georgian
        drawn = Overlay(title=text, geometry=False).draw(np.zeros((480, 640, 3), np.uint8), VALUES)
        top, bottom = _ink_bands(drawn)[0]
        crops.append(drawn[top:bottom, :60].tobytes())
    assert len(set(crops)) == len(crops)  # a missing glyph draws the same box every time


def test_title_no_installed_font_can_draw_is_refused(tmp_path):
    with pytest.raises(PerijoveError, match="no installed font"):
        Overlay(title="Io \U0010fffd")
    _one_line_error(_cli_export(tmp_path / "x.mp4", "--title", "Io \U0010fffd"), "no installed font", "U+10FFFD")
    assert list(tmp_path.iterdir()) == []


def test_a_slow_writer_gets_every_frame_as_drawn(eph, tmp_path):
    """Frames come from a ring of arrays that the renderer fills a frame ahead; with the writer far
    behind (a full queue), each file must still hold its own time's frame, not a later one."""
    from PIL import Image

    from perijove.model import CameraIntent
    from perijove.render.offscreen import OffscreenRenderer

    view = CameraIntent(mode="flyby", target="IO")
    plan = FramePlan(to_et("2023-12-30T08:33:00"), to_et("2023-12-30T08:39:00"), frames=12)
    renderer = OffscreenRenderer(eph, (96, 64))
    try:
        export(eph, plan, tmp_path / "f", (96, 64), view, renderer=renderer, fault=lambda i: time.sleep(0.05))
        expected = [renderer.render(float(et), view)[0][..., :3] for et in plan.ets()]
    finally:
        renderer.close()
    written = [np.asarray(Image.open(p)) for p in sorted((tmp_path / "f").glob("frame_*.png"))]
    assert len(written) == 12 and np.abs(expected[0].astype(int) - expected[-1]).max() > 50
    assert all(np.array_equal(a, b) for a, b in zip(written, expected, strict=True))


FULL = {**VALUES, "target": "Io", "distance_km": 26751.0, "altitude_km": 24926.0, "spin": "steady"}


@pytest.mark.parametrize("size", [(160, 120), (240, 160), (320, 240), (426, 240), (640, 480), (1920, 1080)])
def test_the_overlay_fits_small_frames_whole_and_keeps_the_time(size):
    """Frames under 480 px were crowded: six rows of 12-px text covered most of a 160x120 frame and
    ran off its right edge. Text now scales with the frame, every row wraps to it, and the rows
    cover at most 40% of its height, the least needed dropped first (never the time)."""
    w, h = size
    overlay = Overlay(title="Juno PJ57 — Io flyby\nsecond line")
    rows, px = overlay.layout(FULL, w, h)
    drawn = overlay.draw(np.zeros((h, w, 3), np.uint8), FULL)
    ink = drawn.max(axis=2) > 60
    assert not ink[:, -2:].any()  # nothing cut at the right edge
    assert not ink[int(0.4 * h) + 2 :].any()  # nothing below the top 40%
    assert any(row.endswith(" UTC") for row in rows)  # the time is always there
    assert len(_ink_bands(drawn)) == len(rows)
    if h >= 480:
        assert px >= 12 and rows == [
            "Juno PJ57 — Io flyby",
            "second line",
            "2023-12-30T08:36:00.000 UTC",
            "Io: 26,751 km, altitude 24,926 km",
            "synthetic data",
            "Juno's spin not shown (steady attitude)",
        ]
    if "Io: 26,751 km, altitude 24,926 km" in " ".join(rows):
        assert "synthetic data" in rows  # a distance shown says what data it rests on


def test_a_title_too_big_for_the_frame_is_left_out_with_a_note(tmp_path):
    overlay = Overlay(title="Juno PJ57 — Io flyby")
    assert overlay.left_out(FULL, 640, 480) == [] and "the title" in overlay.left_out(FULL, 160, 120)
    small = _cli_export(tmp_path / "small", "--title", "Juno PJ57 — Io flyby", "--size", "160x120", frames="1")
    assert small.returncode == 0, small.stderr
    assert "note: 160x120 frames have no room for the title" in small.stderr
    big = _cli_export(tmp_path / "big", "--title", "Juno PJ57 — Io flyby", "--size", "640x480", frames="1")
    assert big.returncode == 0 and "no room" not in big.stderr, big.stderr


def test_the_overlay_keeps_the_same_rows_through_a_movie():
    """Which rows a small frame leaves out is decided once for a movie, on its farthest distance: a row
    never comes and goes as the numbers change (25,000 km kept the distance and dropped the title;
    1,250,000 km wrapped and dropped the distance and its data note)."""
    overlay = Overlay(title="Juno PJ57 — Io flyby").for_movie(1_250_000.0)
    for w, h in [(160, 120), (240, 160), (320, 240), (200, 300)]:
        kinds = set()
        for km in (1.0, 1_500.0, 25_000.0, 1_250_000.0):
            rows, _px = overlay.layout({**FULL, "distance_km": km, "altitude_km": km - 1821.0}, w, h)
            kinds.add((any("flyby" in r for r in rows), any("km" in r for r in rows), "synthetic data" in rows))
            assert "synthetic data" in rows  # the data a frame rests on, always
        assert len(kinds) == 1, (w, h, kinds)


@pytest.mark.parametrize(
    "size, title, frames",
    [
        ((160, 120), "Juno PJ57 — Io flyby", 3),
        ((240, 160), "Juno PJ57 — Io flyby\nsecond line", 2),
        ((640, 480), "x", 2),
    ],
)
def test_what_the_overlay_will_leave_out_is_known_before_the_export(tmp_path, size, title, frames):
    """The export dialog says before the export what a small frame's overlay has no room for; told
    from the movie's plan alone, it is what the export then leaves out (and reports)."""
    from perijove.export.runner import overlay_left_out
    from perijove.model import CameraIntent

    eph = Ephemeris(open_kernels())
    plan = FramePlan(to_et("2023-12-30T07:00:00"), to_et("2023-12-30T09:00:00"), frames=frames)
    view = CameraIntent(mode="flyby", target="IO")
    told = overlay_left_out(eph, plan, size, view, Overlay(title=title))
    result = export(eph, plan, tmp_path / "f", size, view, overlay=Overlay(title=title))
    assert told == list(result.left_out)
    assert bool(told) == (size[1] < 480)  # the small frames leave something out, the large none


def test_the_form_s_quick_answer_reads_few_distances_and_every_one_when_it_must(monkeypatch):
    """The export form asks as the user types: of a 6,000-frame movie it reads the distance at 200
    frames, and its answer is the export's; when the farthest sampled distance and the most the
    distance can grow between samples would lay out differently, it reads every frame."""
    from perijove.export import runner
    from perijove.model import CameraIntent

    eph = Ephemeris(open_kernels())
    plan = FramePlan(to_et("2023-12-30T07:00:00"), to_et("2023-12-30T10:00:00"), frames=6000)
    view = CameraIntent(mode="flyby", target="IO")
    read = []
    real = runner._widest_km
    monkeypatch.setattr(runner, "_widest_km", lambda e, ets, t: read.append(len(ets)) or real(e, ets, t))
    for size, title in [
        ((160, 120), "Juno PJ57 — Io flyby"),
        ((200, 150), "Io"),
        ((240, 160), "Io"),
        ((1280, 720), ""),
    ]:
        read.clear()
        quick = runner.overlay_left_out(eph, plan, size, view, Overlay(title=title), most_frames=200)
        assert read == [200]
        assert quick == runner.overlay_left_out(eph, plan, size, view, Overlay(title=title))
    monkeypatch.setattr(runner, "MAX_SPEED_KM_S", 1e9)  # no bound to go by: the samples cannot settle it
    read.clear()
    quick = runner.overlay_left_out(eph, plan, (200, 150), view, Overlay(title="Io"), most_frames=200)
    assert read == [200, 6000]
    assert quick == runner.overlay_left_out(eph, plan, (200, 150), view, Overlay(title="Io"))


def test_what_is_left_out_reads_as_a_sentence():
    from perijove.export.overlay import say_left_out

    assert say_left_out(["the title"]) == "the title"
    assert say_left_out(["the title", "the spin note"]) == "the title and the spin note"
    assert say_left_out(["the title", "the distance", "the spin note"]) == "the title, the distance and the spin note"


def test_labels_in_exported_frames_keep_clear_of_the_overlay(tmp_path, eph):
    """At 320x180 the "Juno" label was printed over the overlay's distance row. Labels are now laid
    out around the overlay's box, as the window lays them out around its HUD: checked on the
    frames' pixels, the overlay's ink against where the scene placed each label."""

    from perijove.model import CameraIntent
    from perijove.render.offscreen import OffscreenRenderer

    size = (320, 180)
    view = CameraIntent(mode="flyby", target="IO")
    plan = FramePlan(to_et("2023-12-30T08:30:00"), to_et("2023-12-30T08:42:00"), frames=4)
    overlay = Overlay(title="Juno at Io")
    renderer = OffscreenRenderer(eph, size)
    placed: list[list] = []
    layout = renderer.scene.label_layout
    renderer.scene.label_layout = lambda state: placed.append(layout(state)) or placed[-1]
    try:
        export(eph, plan, tmp_path / "f", size, view, overlay=overlay, renderer=renderer)
        assert renderer.scene.keep_clear == ()  # the renderer is left as it was given
    finally:
        renderer.close()
    written = sorted((tmp_path / "f").glob("frame_*.png"))
    assert len(written) == 4 and len(placed) == 4
    assert any(p.text == "Juno" for frame in placed for p in frame)  # the label the test is about
    rows = _rows(tmp_path / "f" / "frames.csv")
    movie = overlay.for_movie(max(float(r["distance_km"]) for r in rows))
    for row, frame in zip(rows, placed, strict=True):
        values = {**row, "distance_km": float(row["distance_km"]), "altitude_km": float(row["altitude_km"])}
        x0, y0, x1, y1 = movie.extent(values, *size)
        ink = movie.draw(np.zeros((size[1], size[0], 3), np.uint8), values).max(axis=2) > 60
        ys, xs = np.nonzero(ink)
        assert x0 <= xs.min() and xs.max() < x1 and y0 <= ys.min() and ys.max() < y1  # the box holds the text
        for p in frame:
            bx0, by0, bx1, by1 = p.box
            clear = bx1 <= xs.min() or bx0 > xs.max() or by1 <= ys.min() or by0 > ys.max()
            assert clear, (p.text, p.box, (xs.min(), ys.min(), xs.max(), ys.max()))


def test_a_title_of_more_lines_than_fit_is_noted_not_cut_silently():
    """Six title lines were cut to four ("l4…") with nothing said."""
    overlay = Overlay(title="l1\nl2\nl3\nl4\nl5\nl6")
    assert any("title" in part and "4" in part for part in overlay.left_out(FULL, 640, 360)), overlay.left_out(
        FULL, 640, 360
    )
    assert Overlay(title="l1\nl2\nl3\nl4").left_out(FULL, 1280, 720) == []
