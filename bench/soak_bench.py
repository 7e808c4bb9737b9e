"""Soak benchmark (needs a display): play the real window for minutes, then scrub it by mouse.

Crashes, leaks and slow-downs that a short test cannot see show up only after minutes of playback
(the PySide6 6.12.0 ``none_dealloc`` abort took seconds; a leaked buffer per frame takes longer).
Run: ``xvfb-run -a -s "-screen 0 1600x900x24" python3 bench/soak_bench.py --play 600 --scrub 60``.
Prints one JSON object; memory growth is measured from the first sample after a warm-up (about
10% of the play time: caches, glyphs and GL buffers fill there) to the last sample.
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import json
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

MOVES_PER_SWEEP = 24


def _proc_status() -> dict[str, str]:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def rss_mb() -> float:
    """Current RSS; without /proc (macOS) only the peak is available, which can only grow."""
    status = _proc_status()
    if "VmRSS" in status:
        return int(status["VmRSS"].split()[0]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def open_fds() -> int | None:
    for where in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(where))
        except OSError:
            continue
    return None


def native_threads() -> int | None:
    status = _proc_status()
    return int(status["Threads"]) if "Threads" in status else None


class Soak:
    def __init__(self, play_s: float, scrub_s: float, interval_s: float) -> None:
        import vispy

        vispy.use(app="pyside6")
        from PySide6 import QtCore, QtWidgets

        from perijove.model.clock import RATES
        from perijove.ui.main_window import MainWindow

        self.QtCore = QtCore
        self.play_s, self.scrub_s, self.interval_s = play_s, scrub_s, interval_s
        self.app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
        self._loop = QtCore.QEventLoop()
        self._timer = QtCore.QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._loop.quit)
        self._tmp = tempfile.TemporaryDirectory(prefix="perijove-soak-")
        settings = QtCore.QSettings(str(Path(self._tmp.name) / "settings.ini"), QtCore.QSettings.Format.IniFormat)
        self.window = MainWindow(settings=settings)
        self.window.resize(1400, 860)
        self.window.show()
        self.window.activateWindow()
        self.rate = RATES[-1]
        self.samples: list[dict] = []
        self.phase = "start"
        self.t0 = time.perf_counter()
        self.simulated_s = 0.0
        self.rewinds = 0
        self.scrubbed = 0
        self.clock_changes = {"play": 0, "scrub": 0}
        self.mouse = {"press": 0, "move": 0, "release": 0, "sweeps": 0}
        clock = self.window.session.clock
        self._last_et = clock.et
        clock.changed.connect(self._clock_changed)
        self.window.timeline.scrubbed.connect(self._on_scrubbed)

    # -- bookkeeping ----------------------------------------------------------------------------
    def _clock_changed(self, et: float) -> None:
        if self.phase in self.clock_changes:
            self.clock_changes[self.phase] += 1
        if self.phase == "play" and et > self._last_et:
            self.simulated_s += et - self._last_et
        self._last_et = et

    def _on_scrubbed(self, _et: float) -> None:
        self.scrubbed += 1

    def wait(self, ms: int) -> None:
        """Runs the event loop (timers, paints, the play tick) for ``ms``.

        One loop and one timer for the whole run: each ``QTimer.singleShot(ms, callable)`` adds
        references to None that are never released (seen with PySide6 6.11.3 on Python 3.11),
        and the harness's count would then hide the app's.
        """
        self._timer.start(ms)
        self._loop.exec()

    def sample(self) -> None:
        self.samples.append(
            {
                "t": round(time.perf_counter() - self.t0, 2),
                "phase": self.phase,
                "rss_mb": round(rss_mb(), 1),
                "fds": open_fds(),
                "py_threads": threading.active_count(),
                "threads": native_threads(),
                "frames": self.window.canvas.frames_drawn,
                "none_refs": sys.getrefcount(None),
                "py_objects": len(gc.get_objects()),  # tells a Python leak from a native one
                "et": self.window.session.clock.et,
            }
        )

    def maybe_sample(self) -> None:
        if time.perf_counter() >= self._next_sample:
            self.sample()
            self._next_sample = time.perf_counter() + self.interval_s

    def _sampling_until(self, deadline: float, step) -> None:
        while time.perf_counter() < deadline:
            step()
            self.maybe_sample()

    # -- phases ----------------------------------------------------------------------------------
    def settle(self, timeout_s: float = 60.0) -> None:
        """Waits for the first frame and the event search, as a person would before pressing play."""
        w = self.window
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline and (w.canvas.frames_drawn == 0 or not w.session.events):
            self.wait(50)
        self.wait(200)

    def play(self) -> tuple[float, int]:
        clock = self.window.session.clock
        self.phase = "play"
        clock.set_rate(self.rate)
        clock.set_playing(True)
        frames0, t0 = self.window.canvas.frames_drawn, time.perf_counter()

        def step() -> None:
            self.wait(100)
            if not clock.playing:  # it stops at the bounds: go round again
                clock.set_et(clock.start if clock.rate > 0 else clock.stop)
                self.rewinds += 1
                clock.set_playing(True)

        self._sampling_until(t0 + self.play_s, step)
        clock.set_playing(False)
        return time.perf_counter() - t0, self.window.canvas.frames_drawn - frames0

    def scrub(self) -> tuple[float, int]:
        from PySide6.QtTest import QTest

        bar = self.window.timeline
        left = self.QtCore.Qt.MouseButton.LeftButton
        self.phase = "scrub"
        frames0, t0 = self.window.canvas.frames_drawn, time.perf_counter()
        deadline = t0 + self.scrub_s
        forward = True

        def point(x: int):
            return self.QtCore.QPoint(x, bar.height() // 2)

        def sweep() -> None:
            nonlocal forward
            # Few, long moves: each costs a frame on a software renderer, and a sweep should end
            # (release, press the other way) within seconds even there.
            xs = [round(4 + i * (bar.width() - 8) / MOVES_PER_SWEEP) for i in range(MOVES_PER_SWEEP + 1)]
            if not forward:
                xs.reverse()
            x = xs[0]
            QTest.mousePress(bar, left, self.QtCore.Qt.KeyboardModifier.NoModifier, point(x))
            self.mouse["press"] += 1
            for x in xs[1:]:
                QTest.mouseMove(bar, point(x))
                self.mouse["move"] += 1
                self.wait(16)  # about one frame at 60 Hz: gives the canvas its chance to draw
                self.maybe_sample()
                if time.perf_counter() >= deadline:
                    break
            QTest.mouseRelease(bar, left, self.QtCore.Qt.KeyboardModifier.NoModifier, point(x))
            self.mouse["release"] += 1
            self.mouse["sweeps"] += 1
            forward = not forward

        self._sampling_until(deadline, sweep)
        self.wait(100)
        return time.perf_counter() - t0, self.window.canvas.frames_drawn - frames0

    def run(self) -> dict:
        self.settle()
        et0 = self.window.session.clock.et
        self.sample()
        self._next_sample = time.perf_counter() + self.interval_s
        play_wall, play_frames = self.play()
        et_after_play = self.window.session.clock.et
        scrub_wall, scrub_frames = self.scrub()
        self.phase = "end"
        self.sample()
        report = self.report(play_wall, play_frames, scrub_wall, scrub_frames)
        report["clock"] = {
            "rate": self.rate,
            "et_start": et0,
            "et_after_play": et_after_play,
            "et_end": self.window.session.clock.et,
            "simulated_days_played": round(self.simulated_s / 86400, 2),
            "rewinds": self.rewinds,
            "changes": self.clock_changes,
        }
        report["scrub"] |= {"mouse_events": self.mouse, "scrubbed_signals": self.scrubbed}
        self.window.close()
        self.wait(50)
        self._tmp.cleanup()
        return report

    def report(self, play_wall: float, play_frames: int, scrub_wall: float, scrub_frames: int) -> dict:
        s = self.samples
        warm_until = s[0]["t"] + 0.1 * self.play_s
        base = next((x for x in s if x["t"] >= warm_until), s[0])
        last = s[-1]

        def growth(key: str):
            if base[key] is None or last[key] is None:
                return None
            return last[key] - base[key]

        rss_growth = last["rss_mb"] - base["rss_mb"]
        return {
            "benchmark": "soak",
            "machine": f"{platform.node()} {platform.machine()} python {platform.python_version()}",
            "data": self.window.session.kernels.provenances(),
            "durations_s": {"play": round(play_wall, 1), "scrub": round(scrub_wall, 1)},
            "samples": len(s),
            "interval_s": self.interval_s,
            "baseline_t_s": base["t"],
            "rss_mb": {
                "start": s[0]["rss_mb"],
                "baseline": base["rss_mb"],
                "end": last["rss_mb"],
                "max": max(x["rss_mb"] for x in s),
                "growth": round(rss_growth, 1),
                "growth_pct": round(100 * rss_growth / base["rss_mb"], 1),
            },
            "fds": {"start": s[0]["fds"], "baseline": base["fds"], "end": last["fds"], "growth": growth("fds")},
            "threads": {
                "start": s[0]["threads"],
                "end": last["threads"],
                "growth": growth("threads"),
                "python_start": s[0]["py_threads"],
                "python_end": last["py_threads"],
                "python_growth": growth("py_threads"),
            },
            "frames": {"total": last["frames"], "play": play_frames, "scrub": scrub_frames},
            "fps": {"play": round(play_frames / play_wall, 2), "scrub": round(scrub_frames / scrub_wall, 2)},
            "scrub": {},
            "py_objects": {"start": s[0]["py_objects"], "end": last["py_objects"], "growth": growth("py_objects")},
            "none_refcount": {
                "start": s[0]["none_refs"],
                "end": last["none_refs"],
                "min": min(x["none_refs"] for x in s),
            },
        }


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--play", type=float, default=600.0, metavar="SECONDS", help="playback time (default 600)")
    parser.add_argument("--scrub", type=float, default=60.0, metavar="SECONDS", help="scrubbing time (default 60)")
    parser.add_argument("--interval", type=float, default=5.0, metavar="SECONDS", help="between samples (default 5)")
    parser.add_argument("--series", action="store_true", help="include every sample in the report")
    args = parser.parse_args()
    faulthandler.enable()  # a native crash then names the Python frame it happened in
    soak = Soak(args.play, args.scrub, args.interval)
    report = soak.run()
    if args.series:
        report["series"] = soak.samples
    json.dump(report, sys.stdout, indent=2)
    print()
    return report


if __name__ == "__main__":
    main()
