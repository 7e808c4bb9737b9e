"""Geometry plot benchmark: prints one JSON object of timings (milliseconds of CPU time).

Target (issue 14): sampling the hour around a flyby for the window's plots dock takes well under
100 ms on the GUI thread. Also measured: the same with the file plots' denser sampling, a 12-hour
and a 10-day span (the flyby stays resolved: sample counts are reported), and drawing the
``perijove plot`` figures to PNG. Run: ``python bench/plot_bench.py`` (embedded kernels).
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _time(fn, repeat: int) -> tuple[float, float, object]:
    """Best and median of the CPU time this process spent (wall time on a shared 2-core machine
    measures the neighbours); the CPU time is what the GUI thread is busy for on an idle one."""
    times, result = [], None
    for _ in range(repeat):
        t = time.process_time()
        result = fn()
        times.append(time.process_time() - t)
    return 1000 * min(times), 1000 * statistics.median(times), result


def main() -> dict:
    from perijove.ephemeris import Ephemeris, open_kernels
    from perijove.ephemeris.series import first_encounter, geometry_series
    from perijove.export.plots import body_map, groundtrack_figure, save_figure, series_figure
    from perijove.ui.plot_dock import BASE_SAMPLES, RESOLUTION

    eph = Ephemeris(open_kernels([], defaults=True))
    ca, _d = first_encounter(eph, "io")
    out: dict = {"python": sys.version.split()[0], "machine": platform.machine()}

    def dock() -> object:
        return geometry_series(eph, "io", ca - 1800, ca + 1800, base_samples=BASE_SAMPLES, resolution=RESOLUTION)

    best, median, s = _time(dock, 10)
    out["dock_hour_ms"] = {"best": round(best, 1), "median": round(median, 1), "samples": int(s.ets.size)}
    for name, half in (("file_hour", 1800.0), ("file_12h", 6 * 3600.0), ("file_10d", 5 * 86400.0)):
        best, median, s = _time(lambda h=half: geometry_series(eph, "io", ca - h, ca + h), 3)
        out[f"{name}_ms"] = {"best": round(best, 1), "median": round(median, 1), "samples": int(s.ets.size)}
    s = geometry_series(eph, "io", ca - 1800, ca + 1800)
    with tempfile.TemporaryDirectory() as tmp:
        best, _m, _r = _time(lambda: save_figure(series_figure(s), Path(tmp) / "s.png"), 2)
        out["series_png_ms"] = round(best, 1)
        image, latitude = body_map(501)
        best, _m, _r = _time(lambda: save_figure(groundtrack_figure(s, image, latitude).fig, Path(tmp) / "g.png"), 2)
        out["groundtrack_png_ms"] = round(best, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
