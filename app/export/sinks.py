"""Where frames go: a PNG folder or an MP4, each assembled beside its destination.

Both write into a hidden sibling (``.NAME.partial-PID``) and move it into
place with one rename when every frame is in, so the requested name holds
either the previous complete file or the new complete file, never a part.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

import numpy as np

from perijove.ephemeris import PerijoveError


def describe_os_error(path: Path, err: OSError) -> str:
    if err.errno == errno.ENOSPC:
        return f"{path}: the disk is full"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{path}: not allowed to write here"
    return f"{path}: cannot write ({err.strerror or err})"


class PngFolderSink:
    """Numbered PNG files ``frame_00000.png`` ... in a folder."""

    kind = "png"

    def __init__(self, out: Path, size: tuple[int, int], fps: float) -> None:
        self.out = Path(out)
        self.tmp = self.out.parent / f".{self.out.name}.partial-{os.getpid()}"
        self.size = size

    def open(self) -> None:
        if self.out.exists() and not self.out.is_dir():
            raise PerijoveError(f"{self.out}: exists and is not a folder")
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=False)

    def write(self, index: int, rgb: np.ndarray) -> None:
        from PIL import Image

        Image.fromarray(rgb).save(self.tmp / f"frame_{index:05d}.png", compress_level=1)

    def extra_path(self, name: str) -> Path:
        return self.tmp / name

    def close(self) -> None:
        backup = None
        if self.out.exists():
            backup = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
            os.replace(self.out, backup)
        os.replace(self.tmp, self.out)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class Mp4Sink:
    """H.264 in yuv420p through imageio-ffmpeg's bundled ffmpeg, fed through a pipe."""

    kind = "mp4"

    def __init__(self, out: Path, size: tuple[int, int], fps: float) -> None:
        if size[0] % 2 or size[1] % 2:
            raise PerijoveError(f"MP4 (yuv420p) needs an even width and height, not {size[0]}x{size[1]}")
        self.out = Path(out)
        self.tmp = self.out.parent / f".{self.out.stem}.partial-{os.getpid()}.mp4"
        self.size, self.fps = size, fps
        self._gen = None

    def open(self) -> None:
        import imageio_ffmpeg

        self._gen = imageio_ffmpeg.write_frames(
            str(self.tmp),
            self.size,
            fps=self.fps,
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            quality=None,
            bitrate=None,
            output_params=["-crf", "18", "-preset", "veryfast"],
            macro_block_size=1,
            ffmpeg_log_level="error",
        )
        self._gen.send(None)

    def write(self, index: int, rgb: np.ndarray) -> None:
        assert self._gen is not None
        try:
            self._gen.send(np.ascontiguousarray(rgb))
        except (BrokenPipeError, OSError, RuntimeError) as err:
            self._gen = None
            if self.tmp.parent.exists() and _disk_full(self.tmp.parent):
                raise OSError(errno.ENOSPC, "No space left on device") from err
            raise OSError(errno.EIO, f"the video encoder stopped: {err}") from err

    def extra_path(self, name: str) -> Path:
        return self.out.parent / name

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()  # waits for ffmpeg to finish the file
            self._gen = None
        os.replace(self.tmp, self.out)

    def abort(self) -> None:
        if self._gen is not None:
            with contextlib.suppress(Exception):  # ffmpeg may already be gone; the file goes either way
                self._gen.close()
            self._gen = None
        self.tmp.unlink(missing_ok=True)


def _disk_full(folder: Path) -> bool:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize < 1 << 20


def make_sink(out: Path, size: tuple[int, int], fps: float):
    out = Path(out)
    if not out.parent.is_dir():
        raise PerijoveError(f"{out.parent}: folder does not exist")
    if out.suffix.lower() == ".mp4":
        return Mp4Sink(out, size, fps)
    if out.suffix:
        raise PerijoveError(f"{out}: give a .mp4 file or a folder name for PNG frames")
    return PngFolderSink(out, size, fps)
