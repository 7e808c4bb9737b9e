"""A short soak of the real window: play at the top rate, then scrub by mouse, in a child process.

In a child because the failures it looks for kill the interpreter (``none_dealloc``, a segfault in
the GL driver): the test then reports the crash instead of taking pytest down with it. Only
generous bounds are asserted; ``bench/soak_bench.py`` run for ten minutes is the measurement.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak_bench.py"
PLAY_S, SCRUB_S = 20, 8


@pytest.mark.slow
def test_playing_and_scrubbing_for_a_while_keeps_the_window_alive():
    run = subprocess.run(
        [sys.executable, str(SOAK), "--play", str(PLAY_S), "--scrub", str(SCRUB_S), "--interval", "2"],
        capture_output=True,
        text=True,
        env=dict(os.environ),  # the same DISPLAY and the test session's private download cache
        timeout=300,
    )
    assert run.returncode == 0, f"soak exited with {run.returncode}; stderr ends:\n{run.stderr[-4000:]}"
    report = json.loads(run.stdout[run.stdout.index("{") :])

    assert report["samples"] >= 3
    assert report["frames"]["play"] > 10, report["frames"]
    clock = report["clock"]
    assert clock["changes"]["play"] > 10 and clock["simulated_days_played"] > 0.5, clock
    assert clock["et_after_play"] != clock["et_start"]

    mouse = report["scrub"]["mouse_events"]
    assert mouse["press"] >= 1 and mouse["release"] == mouse["press"] and mouse["move"] >= 5, mouse
    assert report["scrub"]["scrubbed_signals"] >= 5 and clock["changes"]["scrub"] >= 5, report["scrub"]
    assert report["frames"]["scrub"] >= 1, report["frames"]

    # A binding that drops references to None loses hundreds per repaint; noise is a few dozen.
    refs = report["none_refcount"]
    assert refs["end"] >= refs["start"] - 500, refs
    assert report["rss_mb"]["growth"] < 300, report["rss_mb"]
