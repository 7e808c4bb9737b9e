"""Long work off the GUI thread: event searches in a separate process.

SPICE keeps global state and is not thread-safe, and the window calls it on
every frame. An event search therefore runs in its own process, which loads
the same kernel files, so the window keeps drawing while it works; progress
comes back over a queue and cancel terminates the process.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from dataclasses import dataclass

from PySide6 import QtCore

LATE_KINDS = ("transit", "shadow-transit")  # slow (four moons, hours-long intervals): sent second


def _search(paths: list[str], kinds: list[str], out: mp.Queue, _stop) -> None:
    from perijove.ephemeris import Ephemeris, KernelSet, PerijoveError, find_events

    try:
        ks = KernelSet()
        ks.load(paths)
        eph = Ephemeris(ks)
        first = [k for k in kinds if k not in LATE_KINDS]
        late = [k for k in kinds if k in LATE_KINDS]
        share = 0.3 if late and first else 1.0
        report = find_events(eph, first, progress=lambda f, m: out.put(("progress", share * f, m))) if first else None
        events, notes = (report.events, report.notes) if report else ([], [])
        if late:
            if first:
                out.put(("partial", events, notes))  # the list and timeline fill while transits are found
            more = find_events(eph, late, progress=lambda f, m: out.put(("progress", share + (1 - share) * f, m)))
            events = sorted(events + more.events, key=lambda e: (e.et, e.kind, e.body))
            notes = notes + more.notes
        out.put(("done", events, notes))
    except PerijoveError as err:
        out.put(("error", str(err), None))
    except Exception as err:  # a bug: report it rather than hang the dialog
        out.put(("error", f"event search failed: {type(err).__name__}: {err}", None))


@dataclass
class SearchResult:
    events: list
    notes: list[str]


class ProcessJob(QtCore.QObject):
    """A function run in a spawned child process that reports over a queue, polled on the GUI thread.

    The child puts ``("progress", fraction, text)`` while it works and ends with one final
    message; ``_final`` turns that into this job's signals.
    """

    progress = QtCore.Signal(float, str)
    failed = QtCore.Signal(str)
    ended = QtCore.Signal()  # after the final signal, however the job ended (dialogs close on it)

    def __init__(self, target, args: tuple, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        ctx = mp.get_context("spawn")
        self._queue: mp.Queue = ctx.Queue()
        self._stop = ctx.Event()
        self._proc = ctx.Process(target=target, args=(*args, self._queue, self._stop), daemon=True)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._poll)

    def start(self) -> None:
        self._proc.start()
        self._timer.start()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def alive(self) -> bool:
        """Whether the child process still exists (it may be cleaning up after a cancel)."""
        return self._proc.is_alive()

    def _poll(self) -> None:
        while True:
            try:
                kind, a, b = self._queue.get_nowait()
            except queue.Empty:
                break
            if kind == "progress":
                self.progress.emit(a, b)
                continue
            if kind == "partial":
                self._partial(a, b)
                continue
            self._timer.stop()
            self._proc.join(5)
            self._final(kind, a, b)
            self.ended.emit()
            return
        if not self._proc.is_alive() and self._queue.empty():
            self._timer.stop()
            self.failed.emit("the background task stopped unexpectedly")
            self.ended.emit()

    def _final(self, kind: str, a, b) -> None:
        raise NotImplementedError

    def terminate(self) -> None:
        """Stop the child at once (for jobs that write nothing) and end the job."""
        was_running = self._timer.isActive()
        self._timer.stop()
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(2)
        if was_running:
            self.ended.emit()

    def _partial(self, a, b) -> None:
        """A first part of the result, before the job ends (searches send the quick kinds first)."""


class EventSearch(ProcessJob):
    """Runs ``find_events`` in a child process; cancel terminates it (it writes nothing)."""

    finished = QtCore.Signal(object)
    partial = QtCore.Signal(object)  # the quick kinds, while the slow ones are still searched

    def __init__(self, paths: list[str], kinds: list[str], parent: QtCore.QObject | None = None) -> None:
        super().__init__(_search, (paths, kinds), parent)

    def cancel(self) -> None:
        self.terminate()

    def _final(self, kind: str, a, b) -> None:
        if kind == "done":
            self.finished.emit(SearchResult(a, b))
        else:
            self.failed.emit(a)

    def _partial(self, a, b) -> None:
        self.partial.emit(SearchResult(a, b))


def _export(job: dict, out: mp.Queue, stop) -> None:
    # The child picks its own GL context by the same rule as the command line (render/context.py):
    # EGL first on Linux, a hidden Qt context on macOS and Windows, the other when the first fails.
    from perijove.ephemeris import Ephemeris, KernelSet, PerijoveError
    from perijove.export import ExportCancelled, FramePlan, export
    from perijove.export.overlay import Overlay
    from perijove.model import CameraIntent, DisplayOptions

    try:
        ks = KernelSet()
        ks.load(job["kernels"])
        plan = FramePlan(**job["plan"])
        overlay = Overlay(**job["overlay"]) if job.get("overlay") is not None else None
        result = export(
            Ephemeris(ks),
            plan,
            job["out"],
            tuple(job["size"]),
            CameraIntent(**job["camera"]),
            DisplayOptions(**job["display"]),
            overlay,
            job.get("json", False),
            progress=lambda done, total, fps: out.put(("progress", done / total, f"{fps:.1f} frames/s")),
            cancel=stop.is_set,
            overwrite=job.get("overwrite", False),  # the dialog asked the user
        )
        out.put(("done", str(result.out), (result.frames, list(result.left_out), [str(p) for p in result.kept])))
    except ExportCancelled as err:
        out.put(("cancelled", str(err), None))
    except (PerijoveError, ValueError) as err:
        out.put(("error", str(err), None))
    except Exception as err:  # a bug: report it rather than hang the dialog
        out.put(("error", f"export failed: {type(err).__name__}: {err}", None))


class ExportJob(ProcessJob):
    """Runs an export in a child process (its own hidden GL context); cancel asks it to stop and clean up."""

    finished = QtCore.Signal(str, int)
    cancelled = QtCore.Signal()

    def __init__(self, job: dict, parent: QtCore.QObject | None = None) -> None:
        super().__init__(_export, (job,), parent)
        self.left_out: list[str] = []  # what the overlay had no room for, once finished
        self.kept: list[str] = []  # an earlier export's table left beside the new one, once finished

    def cancel(self) -> None:
        self._stop.set()  # the child stops at the next frame and removes its partial files

    def cancel_and_wait(self, timeout: float = 60.0) -> None:
        """Cancel and wait until the child has cleaned up and ended (the window is closing).

        Only a child that does not stop in ``timeout`` seconds is killed.
        """
        import time

        self.cancel()
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            self._poll()
            self._proc.join(0.05)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
        if self.running:  # killed before it could answer
            self._timer.stop()
            self.cancelled.emit()
            self.ended.emit()

    def _final(self, kind: str, a, b) -> None:
        if kind == "done":
            frames, self.left_out, self.kept = b
            self.finished.emit(a, frames)
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(a)


def _compare_track(paths: list[str], defaults: bool, out: mp.Queue, _stop) -> None:
    from perijove.ephemeris import PerijoveError
    from perijove.ephemeris.compare import sample_track

    try:
        out.put(("done", sample_track(paths, defaults), None))
    except PerijoveError as err:
        out.put(("error", str(err), None))
    except Exception as err:  # a bug: report it rather than hang the dialog
        out.put(("error", f"comparison failed: {type(err).__name__}: {err}", None))


class CompareJob(ProcessJob):
    """Samples the spacecraft in another kernel set in a child process (SPICE has one pool)."""

    finished = QtCore.Signal(object)

    def __init__(self, paths: list[str], defaults: bool = True, parent: QtCore.QObject | None = None) -> None:
        super().__init__(_compare_track, (paths, defaults), parent)

    def cancel(self) -> None:
        self.terminate()

    def _final(self, kind: str, a, b) -> None:
        if kind == "done":
            self.finished.emit(a)
        else:
            self.failed.emit(a)
