"""Drawing a kernel-set comparison to a file, with matplotlib.

matplotlib is the well-kept standard for publication plots in files (PNG, SVG, PDF); the window's
interactive plots would use a Qt-native library instead. No pyplot: a Figure drawn by the Agg
canvas never touches a GUI backend or global state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from perijove.ephemeris import PerijoveError
from perijove.ephemeris.compare import Comparison
from perijove.fileio import atomic_write


def plot_comparison(result: Comparison, out: Path) -> None:
    """Total, radial, along-track and cross-track difference against time (hours from start)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    hours = (result.ets - result.ets[0]) / 3600.0
    s = result.summary()
    fig = Figure(figsize=(10, 5.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(hours, result.total, color="black", lw=1.6, label="total")
    parts = (("radial", "tab:red"), ("along-track", "tab:blue"), ("cross-track", "tab:green"))
    for k, (name, colour) in enumerate(parts):
        ax.plot(hours, result.ric[:, k], color=colour, lw=0.9, label=name)
    ax.axvline((s["max_et"] - result.ets[0]) / 3600.0, color="grey", ls=":", lw=1)
    ax.set_xlabel(f"hours from {s['start_utc']} UTC")
    ax.set_ylabel("set B − set A (km)")
    ax.set_title(
        f"{s['body']} about {s['center']}: largest difference {s['max_km']:,.3f} km at {s['max_utc']}\n"
        f"A: {', '.join(s['set_a'])}   B: {', '.join(s['set_b'])}",
        fontsize=10,
    )
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=9)
    if not np.isfinite(result.total).all():
        raise PerijoveError("the comparison has non-finite values; nothing was drawn")
    atomic_write(out, lambda handle: fig.savefig(handle, format=out.suffix.lstrip(".").lower()))
