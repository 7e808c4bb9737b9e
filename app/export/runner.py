"""The export loop: render each planned frame and hand it to an encoder thread.

Reading a frame back from the GPU and encoding it overlap: frames go through
a small bounded queue to a writer thread, so export runs at the speed of the
slower of the two and memory stays bounded.
"""

from __future__ import annotations

import csv
import io
import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from perijove.ephemeris import Ephemeris, PerijoveError
from perijove.export.overlay import Overlay
from perijove.export.plan import FramePlan
from perijove.export.sinks import describe_os_error, make_sink
from perijove.model import CameraIntent, DisplayOptions
from perijove.model.hud import FIELDS, hud_values

QUEUE_FRAMES = 4


class ExportCancelled(PerijoveError):
    """The user stopped the export; nothing was written under the requested name."""


@dataclass(frozen=True)
class ExportResult:
    out: Path
    frames: int
    sidecar: Path
    seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


ProgressFn = Callable[[int, int, float], None]  # done, total, frames per second


def _table_target(intent: CameraIntent) -> str:
    target = intent.target.upper()
    return "JUPITER" if intent.mode == "follow" or target in ("JUNO", "-61") else target


def export(
    eph: Ephemeris,
    plan: FramePlan,
    out: str | Path,
    size: tuple[int, int] = (1280, 720),
    intent: CameraIntent | None = None,
    display: DisplayOptions | None = None,
    overlay: Overlay | None = None,
    json_sidecar: bool = False,
    progress: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
    fault: Callable[[int], None] | None = None,
    renderer=None,
) -> ExportResult:
    """Render ``plan`` to ``out`` (.mp4 file or PNG folder) with a sidecar table; all or nothing.

    ``renderer`` (an ``OffscreenRenderer`` of the same size) may be passed to reuse its GL
    resources across exports; ``fault`` is called before each frame is written (tests inject
    a full disk with it).
    """
    from perijove.render.offscreen import OffscreenRenderer

    out = Path(out)
    intent = intent or CameraIntent(mode="from", target="IO", from_body="SUN")
    sink = make_sink(out, size, plan.fps)
    ets = plan.ets()
    target = _table_target(intent)
    own_renderer = renderer is None
    if renderer is None:
        renderer = OffscreenRenderer(eph, size, display)
    elif tuple(renderer.size) != tuple(size):
        raise PerijoveError(f"the renderer draws {renderer.size[0]}x{renderer.size[1]}, not {size[0]}x{size[1]}")
    frames: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    failure: list[BaseException] = []

    def writer() -> None:
        while True:
            item = frames.get()
            if item is None:
                return
            index, rgb = item
            try:
                if fault is not None:
                    fault(index)
                sink.write(index, rgb)
            except BaseException as err:  # handed to the main thread, which stops and cleans up
                failure.append(err)
                while frames.get() is not None:  # drain so the producer never blocks
                    pass
                return

    rows: list[dict] = []
    t0 = time.perf_counter()
    thread = threading.Thread(target=writer, name="perijove-encoder", daemon=True)
    try:
        try:
            sink.open()
        except OSError as err:
            raise PerijoveError(describe_os_error(out, err)) from None
        thread.start()
        for i, et in enumerate(ets):
            if cancel is not None and cancel():
                raise ExportCancelled("export cancelled; nothing was written")
            if failure:
                break
            image, _state = renderer.render(float(et), intent)
            values = hud_values(eph, float(et), target)
            rgb = image[:, :, :3]
            if overlay is not None:
                rgb = overlay.draw(rgb, values)
            frames.put((i, rgb))
            rows.append({"frame": i, **values})
            if progress is not None:
                progress(i + 1, len(ets), (i + 1) / max(time.perf_counter() - t0, 1e-9))
        frames.put(None)
        thread.join()
        if failure:
            err = failure[0]
            if isinstance(err, OSError):
                raise PerijoveError(describe_os_error(out, err)) from None
            raise PerijoveError(f"{out}: export failed ({type(err).__name__}: {err})") from None
        sidecar = _write_sidecars(sink, out, rows, json_sidecar)
        sink.close()
    except BaseException:
        if thread.is_alive():
            frames.put(None)
            thread.join(timeout=10)
        sink.abort()
        raise
    finally:
        if own_renderer:
            renderer.close()
    return ExportResult(out, len(ets), sidecar, time.perf_counter() - t0)


def _write_sidecars(sink, out: Path, rows: list[dict], json_sidecar: bool) -> Path:
    """CSV (always) and JSON (on request); placed with the frames, atomically."""
    keys = ["frame", *FIELDS]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in keys})
    stem = "frames" if sink.kind == "png" else out.stem
    csv_path = sink.extra_path(f"{stem}.csv")
    _atomic_text(csv_path, buf.getvalue())
    if json_sidecar:
        _atomic_text(sink.extra_path(f"{stem}.json"), json.dumps(rows, indent=1, default=_jsonable))
    return out / "frames.csv" if sink.kind == "png" else csv_path


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value))


def _atomic_text(path: Path, text: str) -> None:
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would make the table private to us
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise PerijoveError(describe_os_error(path, err)) from None
