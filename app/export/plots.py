"""Geometry plots and ground tracks of a flyby, drawn to PNG, SVG or PDF with matplotlib.

matplotlib is the well-kept standard for figures in files: the same code writes raster and
vector output that a paper or a report can take as is. The window's live plots use pyqtgraph
instead (fast redraws of a moving cursor inside Qt). No pyplot: a ``Figure`` on the Agg canvas
touches no GUI backend and no global state, so the command runs headless and in any thread.

Every figure says where its data come from (synthetic, predicted, reconstructed) and how the
quantities are defined, so a plot cut out of context still tells the truth about itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from perijove import __version__
from perijove.ephemeris import Event, PerijoveError, display_name, et_to_utc
from perijove.ephemeris.provenance import describe
from perijove.ephemeris.series import GeometrySeries
from perijove.model.frame_size import GROUNDTRACK_SIZE, SERIES_SIZE

FORMATS = (".png", ".svg", ".pdf")
DPI = 100
TRACK_COLOUR = "#00ffff"  # pure cyan: no map of ours holds it, so tests find the track by colour
CA_COLOUR = "#ff00ff"
MAP_MAX_WIDTH = 2048  # the map is resampled to this for drawing (vector files stay small)
# The window's event colours (ui/palette.py: the timeline and its plots), darkened to read on white
# paper: a perijove is yellow and a flyby orange-red in both (they were purple and red here).
_EVENT_COLOURS = {
    "flyby": "#e0531f",
    "perijove": "#b8860b",
    "apojove": "0.45",
    "eclipse": "#4b4bd6",
    "shadow": "#8a2be2",
    "transit": "#2a9d9d",
    "shadow-transit": "#1f6f6f",
}


def check_format(out: Path) -> str:
    """The output format from the file name: png, svg or pdf (anything else is refused)."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise PerijoveError(f"{out}: the output must end in {', '.join(FORMATS)}")
    return suffix[1:]


def save_figure(fig, out: Path) -> None:
    """Write ``fig`` through a hidden partial (``.NAME.partial-PID``) moved into place when complete, so
    a killed process leaves no half-written image and a later command removes its stale partial."""
    from perijove.fileio import atomic_write

    out = Path(out)
    fmt = check_format(out)
    atomic_write(out, lambda handle: fig.savefig(handle, format=fmt, dpi=fig.dpi, metadata=_metadata(fmt)))


def _metadata(fmt: str) -> dict[str, str]:
    creator = f"Perijove {__version__}"
    return {"Software": creator} if fmt == "png" else {"Creator": creator}


def _figure(size: tuple[int, int]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _dates(ets: np.ndarray) -> np.ndarray:
    """matplotlib date numbers (days) of ETs, exact to the leap second at the span's start."""
    from matplotlib import dates as mdates

    ets = np.asarray(ets, dtype=float)
    et0 = float(ets.flat[0]) if ets.size else 0.0
    day0 = mdates.date2num(datetime.fromisoformat(et_to_utc(et0, 6)))
    return day0 + (ets - et0) / 86400.0


def _date_axis(ax) -> None:
    from matplotlib import dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _title(series: GeometrySeries, what: str) -> str:
    sc, target = display_name(series.spacecraft), display_name(series.target)
    kinds = {k for v in series.provenance.values() for k in v.split(" / ")}
    flag = "  [SYNTHETIC DATA]" if "synthetic" in kinds else ""
    start, stop = (et_to_utc(et, 0).replace("T", " ") for et in (series.start, series.stop))
    return f"{sc} {what} {target}, {start} – {stop} UTC{flag}"


def _footer(series: GeometrySeries, extra: str = "") -> str:
    target = display_name(series.target)
    return (
        f"Data: {describe(series.provenance)}. Geometric (no aberration correction); solar phase angle at "
        f"{target}'s centre; sub-spacecraft point: nearest point on {target}'s reference ellipsoid "
        f"(SPICE subpnt){extra}. Perijove {__version__}, from SPICE."
    )


def _instant_events(events: Sequence[Event], start: float, stop: float) -> list[Event]:
    return [e for e in events if e.end_et is None and start <= e.et <= stop]


def _interval_events(events: Sequence[Event], start: float, stop: float) -> list[Event]:
    return [e for e in events if e.end_et is not None and e.end_et >= start and e.et <= stop]


def _event_label(e: Event) -> str:
    if e.kind == "flyby":
        return f"closest approach to {e.body}"
    if e.kind in ("perijove", "apojove"):
        return e.kind
    return f"{e.kind} ({e.body})" if e.kind != "shadow" else "Juno in Jupiter's shadow"


def _extra_closest(series: GeometrySeries, events: Sequence[Event]) -> list[tuple[float, float]]:
    """Close approaches in the series that no event marks already (any target, any threshold)."""
    return [(et, d) for et, d in series.closest if not any(abs(e.et - et) < 1.0 for e in events)]


MARK_LABEL_PX = 110  # the width a mark's two-line label takes on the plot


def _with_room(marks: list, start: float, stop: float, width_px: int) -> set[int]:
    """Which marks' labels have room beside those before them in the list (events first, then the
    deepest approaches): over a long span every minimum of the distance is a mark, a day or two apart."""
    gap = MARK_LABEL_PX / max(0.8 * width_px, 1.0) * (stop - start)
    kept: list[float] = []
    told: set[int] = set()
    for i, (et, _colour, _label) in enumerate(marks):
        if all(abs(et - other) >= gap for other in kept):
            kept.append(et)
            told.add(i)
    return told


def series_figure(series: GeometrySeries, events: Sequence[Event] = (), size: tuple[int, int] = SERIES_SIZE):
    """Distance and altitude, relative speed, solar phase, sub-spacecraft latitude and longitude on
    one UTC axis, with the events of the span marked."""
    fig = _figure(size)
    axes = fig.subplots(5, 1, sharex=True)
    x = _dates(series.ets)
    target = display_name(series.target)
    ax = axes[0]
    ax.plot(x, series.distance_km, color="tab:blue", lw=1.4, label=f"distance to {target}'s centre")
    ax.plot(x, series.altitude_km, color="tab:green", lw=1.4, label="altitude above the ellipsoid")
    values = np.concatenate([series.distance_km, series.altitude_km])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size and values.max() / values.min() > 30:  # a flyby: thousands of km to a million
        ax.set_yscale("log")
    ax.set_ylabel("km")
    ax.legend(loc="upper right", fontsize=8)
    axes[1].plot(x, series.speed_km_s, color="tab:orange", lw=1.4)
    axes[1].set_ylabel(f"speed rel. {target}\n(km/s)")
    axes[2].plot(x, series.phase_deg, color="tab:red", lw=1.4)
    axes[2].set_ylabel(f"solar phase at\n{target}'s centre (°)")
    axes[2].set_ylim(0, 180)
    axes[3].plot(x, series.lat_deg, color="tab:purple", lw=1.4)
    axes[3].set_ylabel("sub-s/c latitude\n(° planetocentric)")
    axes[3].set_ylim(-90, 90)
    lon = series.lon_deg.copy()
    lon[1:][np.abs(np.diff(lon)) > 180.0] = np.nan  # no line across the 360°/0° seam
    axes[4].plot(x, lon, color="tab:brown", lw=1.4)
    axes[4].set_ylabel("sub-s/c longitude\n(° east)")
    axes[4].set_ylim(0, 360)
    axes[4].set_yticks([0, 90, 180, 270, 360])
    axes[4].set_xlabel("UTC")
    for a in axes:
        a.grid(True, alpha=0.3)
    _date_axis(axes[4])
    start, stop = series.start, series.stop
    intervals = _interval_events(events, start, stop)
    shown = series.ets[np.isfinite(series.distance_km)]  # the axis spans the data, not the span asked for
    axis = (float(shown[0]), float(shown[-1])) if len(shown) > 1 else (start, stop)
    room = _with_room([(max(e.et, start), None, None) for e in intervals], *axis, size[0])
    for k, e in enumerate(intervals):
        lo, hi = _dates(np.array([max(e.et, start), min(e.end_et, stop)]))
        for a in axes:
            a.axvspan(lo, hi, color=_EVENT_COLOURS.get(e.kind, "0.5"), alpha=0.12, lw=0)
        if k not in room:
            continue  # every band shown; its name where there is room for it
        axes[0].annotate(
            _event_label(e), (lo, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2),
            textcoords="offset points", va="top", fontsize=7, color="0.25",
        )  # fmt: skip
    instants = _instant_events(events, start, stop)
    marks = [(e.et, _EVENT_COLOURS.get(e.kind, "0.3"), f"{_event_label(e)}\n{e.utc[11:19]}") for e in instants]
    for et, d in sorted(_extra_closest(series, events), key=lambda c: c[1]):  # the deepest first
        marks.append((et, "tab:red", f"closest {d:,.0f} km\n{et_to_utc(et, 0)[11:19]}"))
    told = _with_room(marks, *axis, size[0])
    for i, (et, colour, label) in enumerate(marks):
        if i >= len(instants) and i not in told:
            continue  # an approach with no room for its label: no line either
        xe = _dates(np.array([series.start, et]))[1]
        for a in axes:
            a.axvline(xe, color=colour, lw=1.0, ls="--")  # every event's line, labelled where there is room
        if i in told:
            axes[0].annotate(
                label, (xe, 0.02), xycoords=("data", "axes fraction"), xytext=(3, 2), textcoords="offset points",
                fontsize=7, color=colour,
            )  # fmt: skip
    ca = series.closest_approach()
    if ca is not None:
        i = int(np.argmin(np.abs(series.ets - ca[0])))
        alt = series.altitude_km[i]
        note = f"closest approach {et_to_utc(ca[0], 1)[:21]} UTC: {ca[1]:,.0f} km from the centre"
        if math.isfinite(alt):
            note += f", {alt:,.0f} km altitude"
        note += f", {series.speed_km_s[i]:.2f} km/s"
        axes[0].set_title(note, fontsize=8, loc="left")
    fig.suptitle(_title(series, "relative to"), fontsize=11)
    fig.text(0.005, 0.002, _footer(series), fontsize=6.5, color="0.3", ha="left", va="bottom", wrap=True)
    fig.get_layout_engine().set(h_pad=0.04, rect=(0, 0.03, 1, 0.97))
    return fig


@dataclass(frozen=True)
class GroundTrack:
    """A ground-track figure and where map coordinates land in its image."""

    fig: object
    ax: object
    latitude: str  # the map's rows: planetocentric or planetographic

    def to_pixel(self, lon_deg: float, lat_deg: float) -> tuple[float, float]:
        """(column, row) in the saved raster image of an east longitude and a latitude of the map."""
        self.fig.canvas.draw()
        x, y = self.ax.transData.transform((lon_deg % 360.0, lat_deg))
        return float(x), float(self.fig.bbox.height - y)


def body_map(target: int, display=None) -> tuple[np.ndarray, str]:
    """The map the scene puts on ``target`` and the latitude its rows are in.

    The same choice as the renderer's (``render.scene``): the user's map for that body with its
    declared latitude convention, else the shipped real map (or the procedural one), planetocentric.
    """
    from perijove.render.textures import chosen_map

    try:
        return chosen_map(target, display)
    except ValueError as err:
        raise PerijoveError(str(err)) from None


def _resampled(image: np.ndarray, width: int) -> np.ndarray:
    if image.shape[1] <= width:
        return image
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize((width, width // 2), Image.Resampling.LANCZOS))


def groundtrack_figure(
    series: GeometrySeries,
    image: np.ndarray,
    latitude: str = "planetocentric",
    events: Sequence[Event] = (),
    size: tuple[int, int] = GROUNDTRACK_SIZE,
) -> GroundTrack:
    """The sub-spacecraft track on the target's equirectangular map, closest approach and times marked."""
    from perijove.model.timeline import utc_ticks

    fig = _figure(size)
    ax = fig.add_subplot()
    ax.imshow(
        _resampled(image, MAP_MAX_WIDTH), extent=(0.0, 360.0, -90.0, 90.0), origin="upper",
        interpolation="antialiased", aspect="equal",
    )  # fmt: skip
    graphic = latitude == "planetographic"
    lat = series.lat_pg_deg if graphic else series.lat_deg
    lon = series.lon_pg_deg if graphic else series.lon_deg
    shown_lon = lon.copy()
    shown_lon[1:][np.abs(np.diff(lon)) > 180.0] = np.nan  # break the line at the 360°/0° seam
    ax.plot(shown_lon, lat, color=TRACK_COLOUR, lw=2.5, solid_capstyle="round", label="sub-spacecraft track")
    ax.set_xlim(0, 360)
    ax.set_ylim(-90, 90)
    ax.set_xticks(range(0, 361, 30))
    ax.set_yticks(range(-90, 91, 30))
    ax.set_xlabel("east longitude (°)")
    ax.set_ylabel(f"{latitude} latitude (°)")
    # Round UTC times along the track, labelled where there is room (far out they crowd together).
    fig.canvas.draw()
    labelled: list[np.ndarray] = []
    for et, label in utc_ticks(series.start, series.stop, 12):
        i = int(np.argmin(np.abs(series.ets - et)))
        tlon, tlat = np.interp(et, series.ets, lon), np.interp(et, series.ets, lat)
        if abs(lon[i] - tlon) > 90.0 or not (math.isfinite(tlon) and math.isfinite(tlat)):
            tlon, tlat = lon[i], lat[i]  # across the seam: no interpolation through 180°
        if not (math.isfinite(tlon) and math.isfinite(tlat)):
            continue
        ax.plot([tlon], [tlat], "o", ms=4, mfc="white", mec="black", mew=0.8, zorder=4)
        where = ax.transData.transform((tlon, tlat))
        if all(np.hypot(*(where - p)) > 40.0 for p in labelled):
            labelled.append(where)
            ax.annotate(
                label, (tlon, tlat), xytext=(5, 4), textcoords="offset points", fontsize=8, color="white",
                bbox={"boxstyle": "round,pad=0.15", "fc": "black", "alpha": 0.55, "lw": 0},
            )  # fmt: skip
    ca = series.closest_approach()
    if ca is not None:
        i = int(np.argmin(np.abs(series.ets - ca[0])))
        if math.isfinite(lon[i]) and math.isfinite(lat[i]):
            ax.plot([lon[i]], [lat[i]], marker="*", ms=16, mfc=CA_COLOUR, mec="black", mew=0.8, zorder=5)
            alt = series.altitude_km[i]
            ax.annotate(
                f"closest approach {et_to_utc(ca[0], 0)[11:19]} UTC\n{alt:,.0f} km altitude, "
                f"{lat[i]:.1f}°, {lon[i]:.1f}° E",
                (lon[i], lat[i]), xytext=(12, -26), textcoords="offset points", fontsize=9, color="white",
                bbox={"boxstyle": "round,pad=0.25", "fc": "black", "alpha": 0.65, "lw": 0}, zorder=6,
            )  # fmt: skip
    for e in _instant_events(events, series.start, series.stop):
        if e.kind == "flyby" and ca is not None and abs(e.et - ca[0]) < 1.0:
            continue  # the star marks it
        if not (math.isfinite(e.lat_deg) and math.isfinite(e.lon_deg)) or display_name(series.target) != e.body:
            continue
        elat = float(np.interp(e.et, series.ets, lat))
        ax.plot([e.lon_deg], [elat], marker="D", ms=6, mfc=_EVENT_COLOURS.get(e.kind, "white"), mec="black")
    fig.suptitle(_title(series, "ground track on"), fontsize=11)
    conv = "planetographic latitude (the map's rows)" if graphic else "planetocentric latitude"
    fig.text(0.005, 0.002, _footer(series, f"; {conv}, east longitude"), fontsize=6.5, color="0.3", va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.025, 1, 0.975))
    return GroundTrack(fig, ax, latitude)
