"""Window benchmark (needs a display, e.g. ``xvfb-run -a python bench/gui_bench.py``).

Prints JSON: cold start (process launch to first drawn frame, median of 3) and scrub latency
(clock set -> frame drawn, at the default window size, 60 steps across the first Io flyby, once the
start-up event search has finished; the view shown as the window shows it on this machine).
Goals (issue 16) on the 2-core dev machine with Mesa: first frame within 1.5 s, scrub step within 20 ms.
"""

from __future__ import annotations

import json
import platform
import re
import statistics
import subprocess
import sys
import time


def cold_start(runs: int = 3) -> tuple[list[float], list[float]]:
    """Seconds from the process's launch to its first frame shown, and to its line saying so.

    The first: the app reports the wall-clock moment the frame was painted, so that the work it
    starts after that frame (the event search's child) is not counted as start-up; an older
    checkout, which reports no moment, gets its line's time instead. The second, the line's
    arrival, is measured alike for every checkout (``against.py`` compares with it). As an
    installed app starts: with Python's bytecode cache (pip compiles it at install; this
    machine's PYTHONDONTWRITEBYTECODE=1 would have every start compile Perijove's modules again,
    0.3-0.4 s). A first, unmeasured start fills the cache."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    shown, printed = [], []
    for i in range(runs + 1):
        began = time.time()  # the process's launch: the interpreter and every import count
        proc = subprocess.Popen(
            [sys.executable, "-m", "perijove", "gui", "--first-frame-exit"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        line = proc.stdout.readline()  # "first frame after ... s (at EPOCH)"
        arrived = time.time()
        proc.communicate(timeout=120)
        if proc.returncode != 0 or "first frame after" not in line:
            raise RuntimeError(f"perijove gui --first-frame-exit failed: {line!r}")
        found = re.search(r"\(at ([0-9.]+)\)", line)
        if i:  # the first start fills the cache
            shown.append(round((float(found.group(1)) if found else arrived) - began, 3))
            printed.append(round(arrived - began, 3))
    return shown, printed


def scrub_latency(steps: int = 60) -> list[float]:
    import vispy

    vispy.use(app="pyside6")
    from PySide6 import QtCore, QtWidgets

    from perijove.ephemeris import to_et
    from perijove.ui.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    settings = QtCore.QSettings(QtCore.QSettings.Format.IniFormat, QtCore.QSettings.Scope.UserScope, "perijove-bench")
    settings.clear()
    win = MainWindow(settings=settings)
    win.resize(1400, 860)
    win.show()
    # Scrubbing as it is once the window has started: the first-start event search (a child process
    # that takes one of two cores for 10-20 s here) has finished.
    deadline = time.perf_counter() + 180.0
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)
        search = win.jobs.search
        if win.canvas.frames_drawn and search is not None and not search.running:
            break
    ca = to_et("2023-12-30T08:36:00.8")
    times = []
    for i in range(steps):
        before = win.canvas.frames_drawn
        t0 = time.perf_counter()
        win.session.clock.set_et(ca - 1800 + i * 60.0)
        while win.canvas.frames_drawn == before:
            app.processEvents()
        times.append(time.perf_counter() - t0)
    size = list(win.canvas.physical_size)
    view = type(win.canvas).__name__
    win.close()
    return times, size, view


def main(argv: list[str] | None = None) -> dict:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3, help="cold starts to time (after one unmeasured)")
    args = parser.parse_args(argv)
    starts, printed = cold_start(args.starts)
    scrub, size, view = scrub_latency()
    report = {
        "benchmark": "gui",
        "machine": f"{platform.node()} {platform.machine()} python {platform.python_version()}",
        "cold_start_s": {"runs": starts, "median": statistics.median(starts), "target": 1.5},
        "cold_start_printed_s": {"runs": printed, "median": statistics.median(printed)},
        "scrub_ms": {
            "median": statistics.median(scrub) * 1e3,
            "p90": sorted(scrub)[int(0.9 * len(scrub))] * 1e3,
            "canvas_size": size,
            "view": view,
            "target": 20.0,
        },
    }
    json.dump(report, sys.stdout, indent=2)
    print()
    return report


if __name__ == "__main__":
    main()
