"""1080p frame time of this checkout against another commit, same machine, same run.

Issue 13 asked that the real maps, the full star field and anti-aliasing cost no frame time
against the code before them (``bbb6a19``). This checks out ``REV`` into a temporary git
worktree, points ``perijove`` at it, and times the same full-scene 1080p frames (from Juno ten
minutes before the first Io flyby, rendered and read back) with each, alternating, so that the
load of a shared machine falls on both alike. Prints one JSON object.

Run: ``python bench/against.py [REV] [--rounds 3] [--frames 15]``; with ``--window`` (under a
display, e.g. ``xvfb-run -a``), the window's scrub step and cold start (``gui_bench.py``) instead.
Each side draws its default frames (``samples`` says how many samples a pixel they had: on software
GL one since the shaders smooth the edges, four before); ``PERIJOVE_MSAA=4`` compares four and four.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

FRAME = r"""
import json, os, statistics, sys, time
from perijove.ephemeris import Ephemeris, open_kernels, to_et
from perijove.model import CameraIntent
from perijove.render.offscreen import OffscreenRenderer
eph = Ephemeris(open_kernels())
et0 = to_et("2023-12-30T08:20:00")
intent = CameraIntent(mode="from", target="IO", from_body="JUNO", fov_deg=60.0)
r = OffscreenRenderer(eph, (1920, 1080))
for i in range(3):
    r.render(et0 + 20.0 * i, intent)
times = []
for i in range(int(sys.argv[1])):
    t = time.perf_counter()
    r.render(et0 + 20.0 * i, intent)
    times.append(time.perf_counter() - t)
samples = getattr(r, "last_samples", getattr(r.target, "samples", 0))  # of the frames drawn
print(json.dumps({"samples": samples, "ms": statistics.median(times) * 1e3}))
"""


def _package_view(worktree: Path, into: Path) -> Path:
    """A folder whose ``perijove`` is the worktree's app/ with its assets and shaders, as installed."""
    pkg = into / "perijove"
    pkg.symlink_to(worktree / "app")
    for name in ("assets", "shaders"):
        if not (worktree / "app" / name).exists():
            (worktree / "app" / name).symlink_to(worktree / name)
    return into


@contextmanager
def _checkout(rev: str) -> Iterator[Path]:
    """``rev`` in a temporary git worktree, as a folder to put on PYTHONPATH; removed after."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
        try:
            yield _package_view(tree, Path(tmp))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def _median(runs: list[dict], field: str) -> float | None:
    values = [r[field] for r in runs if field in r]
    return statistics.median(values) if values else None


def _frame(pythonpath: str | None, frames: int, env_extra: dict | None = None) -> dict:
    env = dict(os.environ, **(env_extra or {}))
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    command = [sys.executable, "-c", FRAME, str(frames)]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _window(pythonpath: str | None) -> dict:
    """One run of ``gui_bench.py`` (one cold start, the scrub steps) against the given checkout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    command = [sys.executable, str(HERE / "gui_bench.py"), "--starts", "1"]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    report = json.loads(out.stdout[out.stdout.index("{") :])
    return {
        "scrub_ms": report["scrub_ms"]["median"],
        "first_frame_s": report["cold_start_s"]["median"],  # shown (older checkouts: their line's time)
        "first_frame_line_s": report["cold_start_printed_s"]["median"],  # alike for both sides
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", nargs="?", default="bbb6a19")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=15)
    parser.add_argument(
        "--window", action="store_true", help="the window's scrub step and cold start instead (needs a display)"
    )
    args = parser.parse_args(argv)
    if args.window:
        return window_main(args)
    with _checkout(args.rev) as view:
        runs: dict[str, list] = {"then": [], "now": [], "now_one_sample": []}
        for _ in range(args.rounds):
            runs["then"].append(_frame(str(view), args.frames))
            runs["now"].append(_frame(None, args.frames))
            runs["now_one_sample"].append(_frame(None, args.frames, {"PERIJOVE_MSAA": "0"}))

    def median(key: str) -> float | None:
        return _median(runs[key], "ms")

    report = {
        "benchmark": "against",
        "rev": args.rev,
        "load_average": os.getloadavg()[0],
        "runs": runs,
        "then_ms_median": median("then"),
        "now_ms_median": median("now"),
        "now_one_sample_ms_median": median("now_one_sample"),
    }
    if report["then_ms_median"] and report["now_ms_median"]:
        report["now_over_then"] = report["now_ms_median"] / report["then_ms_median"]
        report["no_worse"] = report["now_ms_median"] <= report["then_ms_median"]
    json.dump(report, sys.stdout, indent=2)
    print()
    return report


def window_main(args) -> dict:
    """``--window``: bench/gui_bench.py against REV and this checkout, alternating."""
    with _checkout(args.rev) as view:
        runs: dict[str, list] = {"then": [], "now": []}
        for _ in range(args.rounds):
            runs["then"].append(_window(str(view)))
            runs["now"].append(_window(None))

    def median(key: str, field: str) -> float | None:
        return _median(runs[key], field)

    report = {
        "benchmark": "against-window",
        "rev": args.rev,
        "load_average": os.getloadavg()[0],
        "runs": runs,
        "scrub_ms_median": {"then": median("then", "scrub_ms"), "now": median("now", "scrub_ms")},
        "first_frame_s_median": {"then": median("then", "first_frame_s"), "now": median("now", "first_frame_s")},
        "first_frame_line_s_median": {
            "then": median("then", "first_frame_line_s"),
            "now": median("now", "first_frame_line_s"),
        },
    }
    json.dump(report, sys.stdout, indent=2)
    print()
    return report


if __name__ == "__main__":
    main()
