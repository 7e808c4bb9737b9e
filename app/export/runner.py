"""The export loop: render each planned frame and hand it to an encoder thread.

Reading a frame back from the GPU and encoding it overlap: frames go through
a small bounded queue to a writer thread, so export runs at the speed of the
slower of the two and memory stays bounded.
"""

from __future__ import annotations

import contextlib
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

from perijove.ephemeris import SPACECRAFT, Ephemeris, PerijoveError
from perijove.ephemeris.approach import MAX_SPEED_KM_S
from perijove.ephemeris.attitude import SPIN_SAMPLED, SPIN_STEADY, spin_mode
from perijove.export.overlay import Overlay
from perijove.export.plan import FramePlan
from perijove.export.sinks import CANCELLED, ExportCancelled, clean_stale_partials, describe_os_error, make_sink
from perijove.model import CameraIntent, DisplayOptions
from perijove.model.hud import FIELDS, hud_values

QUEUE_FRAMES = 4


@dataclass(frozen=True)
class ExportResult:
    out: Path
    frames: int
    sidecar: Path
    seconds: float
    spin: str = SPIN_SAMPLED  # whether the frames show Juno's spin or its steady, spin-averaged attitude
    left_out: tuple[str, ...] = ()  # what the overlay had no room for on frames of this size
    kept: tuple[Path, ...] = ()  # an earlier export's table beside the new one, not replaced (no JSON asked)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


ProgressFn = Callable[[int, int, float], None]  # done, total, frames per second


def _table_target(intent: CameraIntent) -> str:
    from perijove.model.hud import measured_target

    return measured_target(intent)


def _widest_km(eph: Ephemeris, ets: np.ndarray, target: str) -> float | None:
    """The farthest the spacecraft is from ``target`` in the movie (what the overlay lays out for),
    or None where the data do not cover it all (each frame then shows what it can). ``target`` is
    never the spacecraft itself (``measured_target`` measures from Jupiter then)."""
    try:
        return float(np.linalg.norm(eph.position(SPACECRAFT, ets, target), axis=-1).max())
    except PerijoveError:
        return None


def _spin_and_target(ets: np.ndarray, intent: CameraIntent) -> tuple[str, str]:
    """The movie's spin mode and the target its table and overlay measure."""
    # Juno spins every 30 s: frames farther apart than a twelfth of that would show it jump at random.
    spin = spin_mode(float(np.max(np.diff(ets))) if len(ets) > 1 else 0.0)
    return spin, _table_target(intent)


def overlay_left_out(
    eph: Ephemeris,
    plan: FramePlan,
    size: tuple[int, int],
    intent: CameraIntent,
    overlay: Overlay,
    *,
    most_frames: int | None = None,
) -> list[str]:
    """What ``export`` will leave out of this movie's overlay for want of room, told before it runs
    (the export form says so while the size and title are chosen).

    ``most_frames``: read the distance at no more than this many of the frames (the form asks as
    the user types, and a 100,000-frame plan took most of a second). The farthest of those, and
    that plus the most the distance can grow between two of them (``MAX_SPEED_KM_S``, above Juno's
    speed relative to any body in the data, Earth's 92 km/s the fastest), are laid out; where the two
    agree, so does the movie's farthest distance, which lies between them (a longer number never
    takes fewer rows). Where they do not, every frame is read.
    """
    ets = plan.ets()
    spin, target = _spin_and_target(ets, intent)
    values = {**hud_values(eph, float(ets[0]), target), "spin": spin}
    if most_frames is not None and len(ets) > most_frames:
        picked = ets[np.unique(np.linspace(0, len(ets) - 1, most_frames).round().astype(int))]
        near = _widest_km(eph, picked, target)
        if near is not None:
            gap = float(np.max(np.diff(picked)))
            told = {tuple(overlay.for_movie(km).left_out(values, *size)) for km in (near, near + MAX_SPEED_KM_S * gap)}
            if len(told) == 1:
                return list(told.pop())
    return overlay.for_movie(_widest_km(eph, ets, target)).left_out(values, *size)


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
    overwrite: bool = False,
) -> ExportResult:
    """Render ``plan`` to ``out`` (.mp4 file or PNG folder) with a sidecar table; all or nothing.

    The destination is checked before anything is drawn: existing outputs are replaced only
    with ``overwrite`` (``DestinationExists`` otherwise), and a PNG folder holding anything but
    our own frames is never used. ``renderer`` (an ``OffscreenRenderer`` of the same size) may
    be passed to reuse its GL resources across exports; ``fault`` is called before each frame
    is written (tests inject a full disk with it).
    """
    out = Path(out)
    intent = intent or CameraIntent(mode="from", target="IO", from_body="SUN")
    sink = make_sink(out, size, plan.fps, json_sidecar)
    sink.check(overwrite)
    if renderer is not None and tuple(renderer.size) != tuple(size):
        raise PerijoveError(f"the renderer draws {renderer.size[0]}x{renderer.size[1]}, not {size[0]}x{size[1]}")
    clean_stale_partials(out.parent)
    ets = plan.ets()
    spin, target = _spin_and_target(ets, intent)
    if overlay is not None:
        overlay = overlay.for_movie(_widest_km(eph, ets, target))
    own_renderer = renderer is None
    frames: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    failure: list[BaseException] = []
    steady_before: bool | None = None
    clear_before: tuple = ()

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

    def stopped() -> bool:
        return cancel is not None and cancel()

    def put(item) -> None:
        """Hand a frame to the writer; a cancel is heard even while an encoder that has stopped
        reading keeps the queue full (a signal only sets the flag ``cancel`` reads)."""
        while True:
            try:
                frames.put(item, timeout=0.1)
                return
            except queue.Full:
                if stopped():
                    raise ExportCancelled(CANCELLED) from None

    rows: list[dict] = []
    t0 = time.perf_counter()
    left_out: tuple[str, ...] = ()
    thread = threading.Thread(target=writer, name="perijove-encoder", daemon=True)
    try:
        try:
            sink.open()
        except OSError as err:
            raise PerijoveError(describe_os_error(out, err)) from None
        if renderer is None:
            from perijove.render.offscreen import OffscreenRenderer

            renderer = OffscreenRenderer(eph, size, display)
        from perijove.render.context import gl_info

        steady_before = renderer.scene.steady_spin
        clear_before = renderer.scene.keep_clear
        renderer.scene.steady_spin = spin == SPIN_STEADY
        if overlay is not None:  # labels go around the burned-in text, as the window's go around its HUD
            first = {**hud_values(eph, float(ets[0]), target), "spin": spin}
            renderer.scene.keep_clear = (overlay.extent(first, *size),)
        gl = gl_info()  # recorded in the table: which backend and driver drew these frames
        gl_text = gl.describe() if gl is not None else ""
        thread.start()

        def times():  # asked before each frame is drawn (the renderer draws two frames ahead of what it hands over)
            for et in ets:
                if cancel is not None and cancel():
                    raise ExportCancelled(CANCELLED)
                if failure:
                    return
                yield float(et)

        # The ring outlasts every frame still queued or being written (QUEUE_FRAMES + the writer's + ours).
        drawn = contextlib.closing(renderer.frames(times(), intent, buffers=QUEUE_FRAMES + 3))
        with drawn as frames_drawn:  # closed (its copies finished, buffers unmapped) before the renderer
            for i, (rgb, state) in enumerate(frames_drawn):
                if failure:
                    break
                et = float(state.et)
                values = {**hud_values(eph, et, target), "spin": spin}
                if overlay is not None:
                    if not i:
                        left_out = tuple(overlay.left_out(values, *size))
                    rgb = overlay.draw(rgb, values)
                put((i, rgb))
                rows.append({"frame": i, **values, "gl": gl_text})
                if progress is not None:
                    progress(i + 1, len(ets), (i + 1) / max(time.perf_counter() - t0, 1e-9))
        put(None)
        while thread.is_alive():  # the last frames into the encoder
            thread.join(0.1)
            if stopped():
                raise ExportCancelled(CANCELLED)
        if failure:
            err = failure[0]
            if isinstance(err, PerijoveError):
                raise err
            if isinstance(err, OSError):
                raise PerijoveError(describe_os_error(out, err)) from None
            raise PerijoveError(f"{out}: export failed ({type(err).__name__}: {err})") from None
        try:
            sink.finish(len(ets), stopped)  # the video is whole and readable before any table is written
            _write_sidecars(sink, rows, json_sidecar)
            sink.commit(overwrite)
        except OSError as err:
            raise PerijoveError(describe_os_error(Path(err.filename) if err.filename else out, err)) from None
    except BaseException:
        if thread.is_alive():
            with contextlib.suppress(queue.Full):
                frames.put(None, timeout=1.0)
            thread.join(timeout=1.0)
            if thread.is_alive():  # blocked in the encoder's pipe: stopping the encoder frees it
                sink.stop_encoder()  # files only once the writer has stopped (abort below)
                with contextlib.suppress(queue.Full):
                    frames.put(None, timeout=1.0)
                thread.join(timeout=10)
        sink.abort()
        raise
    finally:
        if own_renderer and renderer is not None:
            renderer.close()
        elif renderer is not None and steady_before is not None:
            renderer.scene.steady_spin = steady_before  # a reused renderer goes back as it came
            renderer.scene.keep_clear = clear_before
    kept: tuple[Path, ...] = ()
    if not json_sidecar and out.suffix.lower() == ".mp4":  # a folder is replaced whole
        table = out.with_suffix(".json")
        if table.is_file():
            kept = (table,)
    return ExportResult(out, len(ets), sink.sidecar, time.perf_counter() - t0, spin, left_out, kept)


def _write_sidecars(sink, rows: list[dict], json_sidecar: bool) -> None:
    """CSV (always) and JSON (on request), handed to the sink, which places them with the frames."""
    keys = ["frame", *FIELDS, "spin", "gl"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in keys})
    stem = sink.sidecar.stem
    sink.add_text(f"{stem}.csv", buf.getvalue())
    if json_sidecar:
        sink.add_text(f"{stem}.json", json.dumps(rows, indent=1, default=_jsonable))


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value))
