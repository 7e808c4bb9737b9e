"""Where frames go: a PNG folder or an MP4, each assembled beside its destination.

Every file is first written under a hidden sibling name that carries our process id
(``.NAME.partial-PID``) and moved into place by renames only when all of it is complete and
checked, so the requested names hold either what was there before or the whole new output,
never a part. Those names are ours alone: a later export removes the ones left by a process
that no longer exists (a kill -9, a power cut) and nothing else.

What Perijove may replace is decided before a single frame is drawn: files only with the
user's consent (``overwrite``), a PNG folder only when it is empty or holds nothing but our
own frames, never a folder where a file should go or a folder of someone else's files.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

from perijove.ephemeris import PerijoveError
from perijove.fileio import describe_os_error

# Hidden partials of ours: ".movie.partial-4242.mp4", ".movie.csv.partial-4242", ".frames.partial-4242".
PARTIAL_RE = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>[0-9]+)(?:\.mp4)?$")
FRAME_RE = re.compile(r"^frame_[0-9]{5,}\.png$")
FOLDER_TABLES = ("frames.csv", "frames.json")
ENCODER_TIMEOUT_S = 600.0  # to finish the file once every frame is in

_popen = subprocess.Popen  # the encoder is started through this (tests limit what it may write)
_ENCODERS_OK: set[str] = set()  # ffmpeg programs that answered with an H.264 encoder in this process
_NO_WINDOW = {"creationflags": 0x08000000} if os.name == "nt" else {}  # no console flashing up on Windows


def ffmpeg_exe() -> str:
    """The ffmpeg that will encode, found and asked for H.264 before a frame is drawn.

    A missing or broken encoder is the user's to fix, and PNG frames need none, so it is named
    as such: otherwise ffmpeg's failure to start reads as "cannot write" the movie, and
    imageio-ffmpeg's own RuntimeError as an internal error. Only a working answer is kept, so a
    window that stays open sees a repaired ffmpeg at the next export.
    """
    import imageio_ffmpeg

    fix = "or export PNG frames to a folder (a name without .mp4)"
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        raise PerijoveError(
            "MP4 export needs ffmpeg, and none was found (imageio-ffmpeg has none for this platform): "
            f"install ffmpeg or set IMAGEIO_FFMPEG_EXE to one, {fix}"
        ) from None
    if exe in _ENCODERS_OK:
        return exe
    named = _encoder_named(exe)
    why = _encoder_problem(exe)
    if why:
        raise PerijoveError(f"{named} {why}: point IMAGEIO_FFMPEG_EXE at a working ffmpeg, {fix}")
    _ENCODERS_OK.add(exe)
    return exe


def _encoder_named(exe: str) -> str:
    return f"IMAGEIO_FFMPEG_EXE={exe}" if os.environ.get("IMAGEIO_FFMPEG_EXE") else f"the video encoder ({exe})"


def _encoder_problem(exe: str) -> str:
    """Why ``exe`` cannot encode our MP4s, or "" when it lists libx264 among its encoders."""
    if not os.path.lexists(exe) and shutil.which(exe) is None:
        return "does not exist"
    try:
        run = subprocess.run(
            [exe, "-hide_banner", "-nostdin", "-encoders"],
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            **_NO_WINDOW,
        )
    except subprocess.TimeoutExpired:
        return "did not answer within 30 s"
    except OSError as err:
        if err.errno in (errno.EACCES, errno.ENOEXEC, errno.EISDIR, errno.ENOTDIR):
            return "is not a program"
        return f"cannot be started ({err.strerror or err})"
    if run.returncode != 0:
        lines = run.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"fails (exit status {run.returncode}: {_one_line(lines[-1]) if lines else 'no message'})"
    if not re.search(rb"^\s*V\S*\s+libx264\b", run.stdout, re.MULTILINE):
        return "has no H.264 encoder (libx264)"
    return ""


class EncoderError(PerijoveError):
    """ffmpeg stopped or failed for a reason of its own (not a full or read-only disk)."""


class ExportCancelled(PerijoveError):
    """The user stopped the export; nothing was written under the requested name."""


CANCELLED = "export cancelled; nothing was written"


class DestinationExists(PerijoveError):
    """The output is there already and the user has not agreed to replace it."""

    def __init__(self, paths: list[Path], what: str = "already exists") -> None:
        self.paths = list(paths)
        names = ", ".join(str(p) for p in self.paths)
        super().__init__(f"{names}: {what}; add --overwrite to replace {'it' if len(self.paths) == 1 else 'them'}")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def own_file(name: str) -> bool:
    """A name Perijove writes into a PNG folder (frames, tables, their partials)."""
    return bool(FRAME_RE.match(name)) or name in FOLDER_TABLES or bool(PARTIAL_RE.match(name))


PNG_MARK = ("Software", "Perijove")  # a tEXt chunk in each exported frame, written before the pixels
_MARK_TEXT = PNG_MARK[0].encode() + b"\0" + PNG_MARK[1].encode()
# The whole chunk's start, its length included: "Software: Perijove 0.1.0" (perijove plot) is not a frame.
_PNG_MARK_BYTES = len(_MARK_TEXT).to_bytes(4, "big") + b"tEXt" + _MARK_TEXT
_TABLE_HEADS = {"frames.csv": b"frame,utc,", "frames.json": b'[\n {\n  "frame": '}


def written_by_us(entry: Path) -> bool:
    """Whether a file in an existing PNG folder is one of our exported frames or tables, by what it holds.

    A name alone is not enough: a user's own ``frames.csv``, a photo renamed ``frame_00005.png`` or a
    folder called ``frame_00001.png`` must never be replaced or deleted. Frames carry our mark in a
    PNG text chunk ahead of the pixels; tables begin with our header. Anything else, links and
    folders included, is the user's (frames of exports older than the mark count as the user's too).
    """
    try:
        if not entry.is_file() or entry.is_symlink():
            return False
        with open(entry, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    if FRAME_RE.match(entry.name):
        return head.startswith(b"\x89PNG\r\n\x1a\n") and _PNG_MARK_BYTES in head.split(b"IDAT", 1)[0]
    want = _TABLE_HEADS.get(entry.name)
    return want is not None and head.startswith(want)


def check_folder(folder: Path) -> None:
    """The folder a destination lives in must exist and take new files: say so before any work."""
    shown = folder if str(folder) else Path(".")
    if not folder.exists():
        raise PerijoveError(f"{shown}: folder does not exist")
    if not folder.is_dir():
        raise PerijoveError(f"{shown}: is not a folder")
    if os.name == "posix":
        with contextlib.suppress(OSError):
            if os.statvfs(folder).f_flag & os.ST_RDONLY:
                raise PerijoveError(f"{shown}: the file system is read-only")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PerijoveError(f"{shown}: not allowed to write here")


def check_file_destination(path: Path, overwrite: bool) -> None:
    """A single-file output (a rendered PNG): not a folder, and replaced only with consent."""
    if path.is_dir() and not path.is_symlink():
        raise PerijoveError(f"{path}: is a folder; give the name of a file")
    check_folder(path.parent)
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise DestinationExists([path])


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would send Ctrl-C there: never guess
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


# How each kind of partial of ours begins (by the name it will get): an encoder's MP4 has its
# ftyp box at byte 4; render and plot write whole images; tables begin with our header.
_PARTIAL_HEADS = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".pdf": (b"%PDF",),
    ".svg": (b"<?xml", b"<svg"),
    ".csv": (_TABLE_HEADS["frames.csv"],),
    ".json": (_TABLE_HEADS["frames.json"],),
}


def _partial_holds_ours(entry: Path) -> bool:
    """Whether a partial file of our name holds what we write under that name (or nothing yet)."""
    try:
        with open(entry, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    if not head:
        return True  # opened, nothing written: nothing to lose
    if entry.name.endswith(".mp4"):
        return head[4:8] == b"ftyp"
    m = PARTIAL_RE.match(entry.name)
    heads = _PARTIAL_HEADS.get(Path(m.group("name")).suffix.lower(), ()) if m else ()
    return any(head.startswith(h) for h in heads)


def _frame_or_nothing(entry: Path) -> bool:
    """A file of a partial PNG folder: one of our frames or tables, or one opened and not yet written."""
    try:
        empty = entry.is_file() and not entry.is_symlink() and entry.stat().st_size == 0
    except OSError:
        return False
    return own_file(entry.name) and (empty or written_by_us(entry))


def clean_stale_partials(folder: Path) -> list[Path]:
    """Remove our own hidden partials in ``folder`` whose process is gone; returns what was removed.

    Only names of our pattern with a process id that no longer runs, owned by this user, holding
    what we write under that name (a partial folder: nothing but our frames and tables, told by
    what they hold): anything else is kept, since a user's file may carry such a name.
    """
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = PARTIAL_RE.match(entry.name)
        if not m or _alive(int(m.group("pid"))):
            continue
        try:
            st = entry.lstat()
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                continue
            if entry.is_dir() and not entry.is_symlink():
                if not all(_frame_or_nothing(p) for p in entry.iterdir()):
                    continue
                shutil.rmtree(entry)
            elif entry.is_file() and not entry.is_symlink() and _partial_holds_ours(entry):
                entry.unlink()
            else:
                continue  # a link or anything else we never write under such a name
        except OSError:
            continue
        removed.append(entry)
    return removed


def _remove_own(path: Path) -> None:
    """Remove a partial of ours (same name, same process id: left by an earlier run of this pid)."""
    if path.is_dir() and not path.is_symlink():
        _remove_own_folder(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _remove_own_folder(folder: Path, by_content: bool = False) -> None:
    """Delete our frames and tables from ``folder`` and the folder if that empties it; keep anything else.

    ``by_content``: the folder was the user's destination (set aside when our new frames replaced
    it), so only files that hold our frames and tables go (``written_by_us``); a partial folder of
    this process is ours by its name, truncated frames included.
    """
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return
    for entry in entries:
        if own_file(entry.name) and (written_by_us(entry) if by_content else entry.is_file() or entry.is_symlink()):
            with contextlib.suppress(OSError):
                entry.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _backup_name(final: Path) -> Path:
    return final.parent / f".{final.name}.old-{os.getpid()}"


def _place_all(pairs: list[tuple[Path, Path]]) -> None:
    """Move each partial onto its final name, all or none: on a failure what was there comes back.

    What the new files replace (with the user's consent) is set aside first and deleted only
    when every new file is in place.
    """
    done: list[tuple[Path, Path, Path | None, bool]] = []  # partial, final, backup, placed
    try:
        for tmp, final in pairs:
            backup = None
            if final.exists() or final.is_symlink():
                backup = _backup_name(final)
                _remove_own(backup)
                os.replace(final, backup)
            done.append((tmp, final, backup, False))
            os.replace(tmp, final)
            done[-1] = (tmp, final, backup, True)
    except OSError:
        for tmp, final, backup, placed in reversed(done):
            with contextlib.suppress(OSError):
                if placed:
                    os.replace(final, tmp)  # the caller's abort removes it
                if backup is not None:
                    os.replace(backup, final)
        raise
    for _tmp, _final, backup, _placed in done:
        if backup is None:
            continue
        if backup.is_dir() and not backup.is_symlink():
            _remove_own_folder(backup, by_content=True)
        else:
            with contextlib.suppress(OSError):
                backup.unlink()


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.chmod(path, 0o644)


def _png_mark():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text(*PNG_MARK)
    return info


class PngFolderSink:
    """Numbered PNG files ``frame_00000.png`` ... and ``frames.csv`` in a folder of their own."""

    kind = "png"

    def __init__(self, out: Path, size: tuple[int, int], fps: float, json_sidecar: bool = False) -> None:
        self.out = Path(out)
        self.tmp = self.out.parent / f".{self.out.name}.partial-{os.getpid()}"
        self.size = size
        self.json_sidecar = json_sidecar
        self._opened = False

    @property
    def sidecar(self) -> Path:
        return self.out / "frames.csv"

    def check(self, overwrite: bool) -> None:
        """Refuse what must not be replaced; raises ``DestinationExists`` where consent would do."""
        if self.out.name in ("", ".", ".."):
            raise PerijoveError(f"{self.out}: give the name of a new folder for the frames, not '.' or '..'")
        check_folder(self.out.parent)
        if self.out.is_symlink():
            raise PerijoveError(f"{self.out}: is a link; give the name of a new folder for the frames")
        if not self.out.exists():
            return
        if not self.out.is_dir():
            raise PerijoveError(f"{self.out}: exists and is not a folder")
        try:
            names = sorted(p.name for p in self.out.iterdir())
        except OSError as err:
            raise PerijoveError(describe_os_error(self.out, err)) from None
        foreign = [n for n in names if not (own_file(n) and written_by_us(self.out / n))]
        if foreign:
            more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
            unmarked = any(FRAME_RE.match(n) for n in foreign)
            hint = " (frames of exports made before Perijove marked them count as not ours)" if unmarked else ""
            raise PerijoveError(
                f"{self.out}: holds files Perijove did not write ({foreign[0]}{more}){hint}; give a new or empty folder"
            )
        if names and not overwrite:
            raise DestinationExists([self.out], "already holds exported frames")

    def open(self) -> None:
        _remove_own(self.tmp)
        self.tmp.mkdir()
        self._opened = True

    def write(self, index: int, rgb: np.ndarray) -> None:
        from PIL import Image

        try:
            Image.fromarray(rgb).save(self.tmp / f"frame_{index:05d}.png", compress_level=1, pnginfo=_png_mark())
        except OSError as err:  # report the folder asked for, not our hidden one
            raise OSError(err.errno, err.strerror) from err

    def finish(self, expected: int, cancel: Callable[[], bool] | None = None) -> None:
        count = sum(1 for p in self.tmp.iterdir() if FRAME_RE.match(p.name))
        if count != expected:
            raise OSError(errno.EIO, f"only {count} of {expected} frames were written")

    def add_text(self, name: str, text: str) -> None:
        try:
            _write_text(self.tmp / name, text)
        except OSError as err:
            raise OSError(err.errno, err.strerror) from err

    def commit(self, overwrite: bool) -> None:
        self.check(overwrite)  # again: the folder may have changed while we drew
        _place_all([(self.tmp, self.out)])
        self._opened = False

    def stop_encoder(self) -> None:
        """No encoder: PNG frames are written by the writer thread itself."""

    def abort(self) -> None:
        if self._opened:
            _remove_own(self.tmp)
            self._opened = False


class Mp4Sink:
    """H.264 in yuv420p through imageio-ffmpeg's bundled ffmpeg, fed through a pipe.

    We run ffmpeg ourselves rather than through imageio's writer so that its exit status and
    its last error line are ours to check: a file ffmpeg could not finish must not pass.
    """

    kind = "mp4"

    def __init__(self, out: Path, size: tuple[int, int], fps: float, json_sidecar: bool = False) -> None:
        if size[0] % 2 or size[1] % 2:
            raise PerijoveError(f"MP4 (yuv420p) needs an even width and height, not {size[0]}x{size[1]}")
        self.out = Path(out)
        self.tmp = self.out.parent / f".{self.out.stem}.partial-{os.getpid()}.mp4"
        self.size, self.fps = size, fps
        self.json_sidecar = json_sidecar
        self._proc: subprocess.Popen | None = None
        self._log: collections.deque[str] = collections.deque(maxlen=40)
        self._log_thread: threading.Thread | None = None
        self._texts: list[tuple[Path, Path]] = []  # partial, final
        self._opened = False

    @property
    def sidecar(self) -> Path:
        return self.out.parent / f"{self.out.stem}.csv"

    def outputs(self) -> list[Path]:
        names = [self.out, self.sidecar]
        if self.json_sidecar:
            names.append(self.out.parent / f"{self.out.stem}.json")
        return names

    def check(self, overwrite: bool) -> None:
        """Refuse what must not be replaced; raises ``DestinationExists`` where consent would do."""
        for path in self.outputs():
            if path.is_dir() and not path.is_symlink():
                raise PerijoveError(f"{path}: is a folder; give the name of a file")
        check_folder(self.out.parent)
        existing = [p for p in self.outputs() if p.exists() or p.is_symlink()]
        if existing and not overwrite:
            raise DestinationExists(existing)
        ffmpeg_exe()

    def open(self) -> None:
        _remove_own(self.tmp)
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # fails here, not in ffmpeg
        os.close(fd)
        self._opened = True
        w, h = self.size
        cmd = [
            ffmpeg_exe(),
            "-y",
            "-hide_banner",
            "-nostats",
            "-loglevel",
            "error",
            "-f",
            "rawvideo",
            "-vcodec",
            "rawvideo",
            "-s",
            f"{w}x{h}",
            "-pix_fmt",
            "rgb24",
            "-r",
            str(Fraction(self.fps).limit_denominator()),
            "-i",
            "-",
            "-an",
            "-vcodec",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-crf",
            "18",
            "-preset",
            "veryfast",
            "-f",
            "mp4",
            str(self.tmp),
        ]
        # Its own process group: Ctrl-C in a terminal reaches us, and we decide how ffmpeg ends.
        group = {"start_new_session": True} if os.name == "posix" else {"creationflags": 0x00000200}
        self._proc = _popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, bufsize=0, **group
        )
        self._log_thread = threading.Thread(target=self._read_log, name="perijove-ffmpeg-log", daemon=True)
        self._log_thread.start()

    def _read_log(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stderr is not None
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._log.append(line)

    def _encoder_error(self, what: str) -> OSError | EncoderError:
        """ffmpeg stopped or failed: an OSError where its last words point to the disk (full, read-only,
        not allowed), else an ``EncoderError`` that names the encoder rather than blame the file."""
        if self._log_thread is not None:
            self._log_thread.join(timeout=5)
        text = " ".join(self._log)
        for needle, code in (
            ("No space left on device", errno.ENOSPC),
            ("Disk quota exceeded", errno.ENOSPC),
            ("File too large", errno.EFBIG),
            ("Read-only file system", errno.EROFS),
            ("Permission denied", errno.EACCES),
        ):
            if needle in text:
                return OSError(code, needle)
        if self.tmp.parent.is_dir() and _disk_full(self.tmp.parent):
            return OSError(errno.ENOSPC, "No space left on device")
        last = _one_line(self._log[-1]) if self._log else "no message"
        last = re.sub(r"^\[[^\]]*\]\s*", "", last)  # "[out#0/mp4 @ 0x55…] Error …" → "Error …"
        return EncoderError(f"{_encoder_named(ffmpeg_exe())} {what} ({last}); {self.out} was not written")

    def write(self, index: int, rgb: np.ndarray) -> None:
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        if rgb.shape != (self.size[1], self.size[0], 3):
            raise OSError(errno.EINVAL, f"frame {index} is {rgb.shape}, not {self.size[1]}x{self.size[0]}x3")
        try:
            proc.stdin.write(np.ascontiguousarray(rgb, dtype=np.uint8).data)
        except (BrokenPipeError, OSError, ValueError) as err:
            self._stop(kill=False)
            raise self._encoder_error("stopped") from err

    def _stop(self, kill: bool, cancel: Callable[[], bool] | None = None) -> int | None:
        """End the encoder: at once (``kill``), or once it has finished the file, unless ``cancel``
        says so first (ExportCancelled) or ENCODER_TIMEOUT_S passes. Killed before its input is
        closed, so a writer blocked on a full pipe gets an error instead of waiting on it."""
        proc = self._proc
        if proc is None:
            return None
        if kill and proc.poll() is None:
            proc.kill()
        with contextlib.suppress(OSError, ValueError):
            if proc.stdin is not None:
                proc.stdin.close()
        deadline = time.monotonic() + ENCODER_TIMEOUT_S
        while True:
            try:
                proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                stop = cancel is not None and cancel()
                if stop or time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    if stop:
                        raise ExportCancelled(CANCELLED) from None
                    break
        if self._log_thread is not None:
            self._log_thread.join(timeout=5)
        return proc.returncode

    def finish(self, expected: int, cancel: Callable[[], bool] | None = None) -> None:
        """Let ffmpeg write the end of the file, then make sure that file is a whole video."""
        code = self._stop(kill=False, cancel=cancel)
        self._proc = None
        if code != 0:
            raise self._encoder_error(f"failed (exit status {code})")
        frames = _count_frames(self.tmp)
        if frames != expected:
            if _disk_full(self.tmp.parent):
                raise OSError(errno.ENOSPC, "No space left on device")
            if frames < 0:
                raise OSError(errno.EIO, "the finished video cannot be read back")
            raise OSError(errno.EIO, f"the finished video holds {frames} of {expected} frames")

    def add_text(self, name: str, text: str) -> None:
        final = self.out.parent / name
        tmp = self.out.parent / f".{name}.partial-{os.getpid()}"
        _remove_own(tmp)
        self._texts.append((tmp, final))
        try:
            _write_text(tmp, text)
        except OSError as err:
            raise OSError(err.errno, err.strerror, str(final)) from err

    def commit(self, overwrite: bool) -> None:
        self.check(overwrite)  # again: a file may have appeared while we drew
        _place_all([(self.tmp, self.out), *self._texts])
        self._opened = False
        self._texts = []

    def stop_encoder(self) -> None:
        """Kill ffmpeg at once, files untouched: frees a writer blocked on its full pipe."""
        if self._proc is not None:
            with contextlib.suppress(OSError):
                self._proc.kill()

    def abort(self) -> None:
        if self._proc is not None:
            self._stop(kill=True)
            self._proc = None
        for tmp, _final in self._texts:
            _remove_own(tmp)
        self._texts = []
        if self._opened:
            _remove_own(self.tmp)
            self._opened = False


def _count_frames(path: Path) -> int:
    """Frames in a finished MP4, by reading its index (no decoding); -1 when it cannot be read."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)]
    cmd += ["-map", "0:v:0", "-c", "copy", "-f", "null", "-"]
    try:
        run = subprocess.run(cmd, capture_output=True, timeout=ENCODER_TIMEOUT_S, **_NO_WINDOW)
    except (OSError, subprocess.TimeoutExpired):
        return -1
    if run.returncode != 0:
        return -1
    found = re.findall(rb"frame=\s*([0-9]+)", run.stderr)
    return int(found[-1]) if found else -1


def _disk_full(folder: Path) -> bool:
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize < 1 << 20


def make_sink(out: Path, size: tuple[int, int], fps: float, json_sidecar: bool = False):
    """The sink for ``out``: ``.mp4`` is a video, a name without a suffix is a folder of PNG frames."""
    out = Path(out)
    if out.suffix.lower() == ".mp4":
        return Mp4Sink(out, size, fps, json_sidecar)
    if out.suffix:
        raise PerijoveError(f"{out}: give a .mp4 file or a folder name for PNG frames")
    return PngFolderSink(out, size, fps, json_sidecar)


def check_destination(
    out: Path, size: tuple[int, int], fps: float, json_sidecar: bool = False, overwrite: bool = False
) -> None:
    """Everything about ``out`` that can be known before drawing; ``DestinationExists`` asks for consent."""
    make_sink(out, size, fps, json_sidecar).check(overwrite)
