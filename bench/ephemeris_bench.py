"""Ephemeris benchmark: prints one JSON object of timings (seconds and µs).

Targets (issue 2, on the 2-core dev machine): states of all bodies at one
ET under 200 µs, 100,000 trajectory samples under 1 s, a perijove + flyby
search over 60 days under 2 s. Run: ``python bench/ephemeris_bench.py``.
It uses the embedded default kernels, or ``--kernels`` files (e.g. the real
2022 set in ../shared/data/real).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from perijove.ephemeris import Ephemeris, find_events, open_kernels
from perijove.ephemeris.bodies import SPACECRAFT

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
REAL_SET = ["naif0012.tls", "pck00011.tpc", "de440_2030.bsp", "spk_pre_220614_221109_220810_jm0450.bsp"]
BODIES = [10, 399, 5, 599, 501, 502, 503, 504, SPACECRAFT]


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", nargs="*", default=None)
    args = parser.parse_args(argv)
    extra = args.kernels
    use_defaults = True
    if extra is None:
        ks = open_kernels()
        if not ks.coverage(SPACECRAFT) and (REAL / REAL_SET[-1]).is_file():
            extra, use_defaults = [str(REAL / n) for n in REAL_SET], False
        else:
            extra = []
    ks = open_kernels(extra, defaults=use_defaults)
    eph = Ephemeris(ks)
    (juno,) = ks.coverage(SPACECRAFT)[:1]
    bodies = [b for b in BODIES if ks.coverage(b)]
    et = juno.start + 0.5 * (juno.stop - juno.start)

    one_min, one_med = _best(lambda: eph.states_at(et, bodies, 599), 200)
    ets = np.linspace(juno.start, min(juno.stop, juno.start + 60 * 86400), 100_000)
    traj_min, traj_med = _best(lambda: eph.state(SPACECRAFT, ets, 599), 3)
    span = (juno.start, min(juno.stop, juno.start + 60 * 86400))
    search_min, search_med = _best(lambda: find_events(eph, ["perijove", "flyby"], start=span[0], stop=span[1]), 3)
    report = {
        "benchmark": "ephemeris",
        "machine": f"{platform.node()} {platform.machine()} python {platform.python_version()}",
        "kernels": [str(p.name) for p in ks.paths()],
        "bodies_per_call": len(bodies),
        "states_all_bodies_us": {"min": one_min * 1e6, "median": one_med * 1e6, "target": 200},
        "trajectory_100k_s": {"min": traj_min, "median": traj_med, "target": 1.0},
        "event_search_60d_s": {"min": search_min, "median": search_med, "target": 2.0},
    }
    json.dump(report, sys.stdout, indent=2)
    print()
    return report


if __name__ == "__main__":
    main()
