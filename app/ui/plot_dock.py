"""The geometry plots dock: distance, altitude, speed, solar phase and latitude around the current event.

pyqtgraph draws them: it is built on Qt's graphics view, so a cursor that moves with the clock is
one item moved per frame rather than a figure redrawn, and zooming or clicking costs nothing;
matplotlib (``export.plots``) writes the same panels to files.

Which span is plotted: the timeline's visible span when it is zoomed to at most ``MAX_SPAN_S``
(N/P, a double-click on an event and Go to flyby zoom it to the event, ±30 min for a flyby, and the
plots follow whatever the user zooms to); otherwise the flyby or perijove within 30 minutes of
the clock, ±30 min; otherwise the hour around the clock, moved on when the clock leaves it.
The body is the camera's target (Io when the camera looks at Juno itself).

Sampling the hour around a flyby from SPICE takes a few tens of milliseconds (``bench/plot_bench.py``):
it runs on the GUI thread, only when the span or the body changes, only while the dock is shown,
and at most once per ``DEBOUNCE_MS`` (a wheel zoom or a playing clock does not sample every step).
SPICE is not thread-safe and the frame loop uses it, so a thread is no option; a child process
would cost more than the sampling itself.

Room: the four panels need ``PLOTS_MIN_PX`` between them; a dock shorter than that (a small window,
where the main window keeps the 3D view at least ``VIEW_MIN_PX`` high) scrolls them, and the wheel
over the plots scrolls (the plots themselves do not zoom). Distance and altitude share the top
panel and run nearly parallel near a flyby: altitude is dashed, and a legend names both.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timezone

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import PerijoveError, display_name, et_to_utc
from perijove.ephemeris.bodies import is_spacecraft
from perijove.ephemeris.provenance import describe
from perijove.model.session import Session
from perijove.model.timeline import FLYBY_HALF_SPAN_S
from perijove.ui.palette import CURSOR_RGB, event_colour

MAX_SPAN_S = 6 * 3600.0  # a timeline zoomed to at most this is what the plots show
EVENT_KINDS = ("flyby", "perijove")  # "the current event" the plots centre on
BASE_SAMPLES = 240  # the dock is a few hundred pixels wide
RESOLUTION = 0.04  # see ephemeris.series: about 2° of the sub-spacecraft point per sample near a flyby
DEBOUNCE_MS = 60
# Inside the range (a label on an end is cut, and dropped), the middle first where only one fits.
FIXED_TICKS = {"phase_deg": (90, 30, 150), "lat_deg": (0, -60, 60)}
TICK_ROOM_PX = 11.5  # height a left-axis label needs (11.2 px of text here)
LEFT_AXIS_PX = 70  # the unit and ticks of up to five characters (5.22M, 250k, 1,500)
CURSOR_COLOUR = "#{:02x}{:02x}{:02x}".format(*CURSOR_RGB)
DISTANCE_COLOUR = "#4aa3ff"
ALTITUDE_COLOUR = "#5ad17a"
ALTITUDE_STYLE = QtCore.Qt.PenStyle.DashLine  # distance is solid: the two differ by more than hue
PLOTS_MIN_PX = 200  # four panels of about 30 px; a dock shorter than this scrolls them
SCROLL_MIN_PX = 60  # the least of the plots a squeezed dock shows (in the smallest window it shows about 100 px)
LEGEND_OFFSET = (-4, -2)  # the distance panel's bottom right: clear of a flyby's V and its label
INTERVAL_ALPHA = 40  # an interval's band, in its kind's colour
PANELS = (
    ("distance_km", "km"),
    ("speed_km_s", "km/s"),
    ("phase_deg", "phase °"),  # at the centre: the readout says so (a longer label overflows a short panel)
    ("lat_deg", "lat °"),
)


def compact_tick(value: float, spacing: float) -> str:
    """A tick as few characters as its spacing allows: 5.22M, 250k, 1,500 (km from a million out)."""
    for unit, suffix, least in ((1e6, "M", 1e6), (1e3, "k", 1e4)):
        if abs(value) >= least:
            decimals = max(0, -math.floor(math.log10(spacing / unit) + 1e-9)) if spacing > 0 else 0
            text = f"{value / unit:.{decimals}f}"
            return f"{text}{suffix}"
    decimals = max(0, -math.floor(math.log10(spacing) + 1e-9)) if 0 < spacing < 1 else 0
    return f"{value:,.{decimals}f}"


def _compact_axis(fixed: tuple[float, ...] | None = None):
    import pyqtgraph as pg

    class CompactAxis(pg.AxisItem):
        def tickStrings(self, values, scale, spacing):  # pyqtgraph's name
            return [compact_tick(v * scale, spacing * scale) for v in values]

        def tickValues(self, minVal, maxVal, size):  # pyqtgraph's names
            """pyqtgraph's major and minor ticks as one level, keeping only those TICK_ROOM_PX apart
            (majors first): in a short panel it wrote 23.64, 23.62 and 23.60 over each other."""
            if fixed:  # whole ranges: their middle and two more, as room allows
                levels = [(float(min(b - a for a, b in itertools.pairwise(sorted(fixed)))), list(fixed))]
            else:
                levels = super().tickValues(minVal, maxVal, size)
            span = abs(maxVal - minVal)
            if not levels or span <= 0:
                return levels
            per_px = size / span
            lo, hi = min(minVal, maxVal), max(minVal, maxVal)
            kept: list[float] = []
            spacing = levels[0][0]
            for level_spacing, values in levels[:2]:
                for v in values:
                    inside = min(v - lo, hi - v) * per_px >= TICK_ROOM_PX / 2  # a label cut by an end is dropped
                    if inside and all(abs(v - k) * per_px >= TICK_ROOM_PX for k in kept):
                        kept.append(v)
                        spacing = min(spacing, level_spacing)
            return [(spacing, sorted(kept))]

    return CompactAxis(orientation="left")


def _legend(plot, entries):
    """A one-row legend inside ``plot`` naming each (curve, name), drawn with the curve's own pen.

    It does nothing with the mouse: a click on it sets the time like the rest of the plot (pyqtgraph's
    would hide the curve), and a drag scrubs rather than moving it."""
    import pyqtgraph as pg

    class Sample(pg.ItemSample):
        """One 8-pt line high, not pyqtgraph's 20 px: the panel may be 30 px."""

        def __init__(self, item):
            super().__init__(item)
            self.setFixedHeight(12)

        def boundingRect(self):
            return QtCore.QRectF(0, 0, 20, 12)

        def paint(self, painter, *args):
            painter.translate(0, -5)  # pyqtgraph draws the line at y = 11
            super().paint(painter, *args)

        def mouseClickEvent(self, event):  # pyqtgraph's name
            event.ignore()

    class Legend(pg.LegendItem):
        def hoverEvent(self, event):  # pyqtgraph's name
            pass

        def mouseDragEvent(self, event):  # pyqtgraph's name
            event.ignore()

    legend = Legend(
        offset=LEGEND_OFFSET, colCount=len(entries), labelTextSize="8pt", horSpacing=4,
        brush=pg.mkBrush(0, 0, 0, 150), pen=pg.mkPen(255, 255, 255, 60), sampleType=Sample,
    )  # fmt: skip
    legend.layout.setContentsMargins(2, 0, 2, 0)
    legend.setParentItem(plot.getViewBox())
    legend.setZValue(20)  # over the curves and the cursor
    for curve, name in entries:
        legend.addItem(curve, name)
    for _sample, label in legend.items:  # one text line high (Qt's 4-px document margin made it 21 px)
        label.item.document().setDocumentMargin(0)
        label.updateMin()
        label.setMaximumHeight(label.minimumHeight())  # else the row keeps the height it was first given
    legend.layout.activate()
    legend.updateSize()  # from its entries' new heights
    return legend


def choose_span(
    et: float,
    timeline: tuple[float, float, bool],
    events,
    current: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """The span to plot at clock ``et``; ``timeline`` is (start, stop, zoomed), ``current`` what is shown."""
    start, stop, zoomed = timeline
    if zoomed and stop - start <= MAX_SPAN_S:
        return start, stop
    near = [e for e in events if e.kind in EVENT_KINDS and abs(e.et - et) <= FLYBY_HALF_SPAN_S]
    if near:
        event = min(near, key=lambda e: abs(e.et - et))
        return event.et - FLYBY_HALF_SPAN_S, event.et + FLYBY_HALF_SPAN_S
    if current is not None and current[0] <= et <= current[1] and current[1] - current[0] == 2 * FLYBY_HALF_SPAN_S:
        return current
    return et - FLYBY_HALF_SPAN_S, et + FLYBY_HALF_SPAN_S


def _unix_offset(et: float) -> float:
    """Seconds to add to an ET for a UTC Unix time near ``et`` (exact within a span without a leap second)."""
    moment = datetime.fromisoformat(et_to_utc(et, 6)).replace(tzinfo=timezone.utc)
    return moment.timestamp() - et


def _unbroken(field: str) -> str:
    """A readout field whose words stay on one line (spaces outside its HTML tags made no-break)."""
    out, inside = [], False
    for ch in field:
        inside = inside or ch == "<"
        out.append("&nbsp;" if ch == " " and not inside else ch)
        if ch == ">":
            inside = False
    return "".join(out)


class PlotPanel(QtWidgets.QWidget):
    """Four linked plots over one UTC axis, a cursor at the clock's time, events marked; a click sets the time."""

    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        import pyqtgraph as pg

        super().__init__(parent)
        self.session = session
        self.span: tuple[float, float] | None = None
        self.target = "IO"
        self.series = None
        self.samplings = 0  # how many times SPICE was sampled (tests and the bench read it)
        self._offset = 0.0
        self._event_items: list = []
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        self.readout = QtWidgets.QLabel()
        self.readout.setStyleSheet("QLabel { font-family: monospace; font-size: 11px; }")
        self.readout.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.readout.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        # Wrapped between its fields (each held together by no-break spaces): on one line its width
        # was the dock's minimum, and showing the plots widened a narrow window by 300 px.
        self.readout.setWordWrap(True)
        layout.addWidget(self.readout)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setMinimumHeight(PLOTS_MIN_PX)  # four panels; more when the dock is dragged taller or floated
        self.view.setToolTip("Click a plot to set the time")
        # In a dock shorter than the panels need (a small window keeps its 3D view), they scroll
        # rather than being squeezed below a readable height.
        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setMinimumHeight(SCROLL_MIN_PX)
        self.scroll.setWidget(self.view)
        layout.addWidget(self.scroll, 1)
        self.plots = []
        self.curves: dict[str, object] = {}
        self.cursors = []
        for row, (key, unit) in enumerate(PANELS):
            axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
            plot = self.view.addPlot(
                row=row, col=0, axisItems={"bottom": axis, "left": _compact_axis(FIXED_TICKS.get(key))}
            )
            plot.setLabel("left", unit)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)  # the span is chosen above; a click sets the time
            plot.getAxis("left").setWidth(LEFT_AXIS_PX)
            if row:
                plot.setXLink(self.plots[0])
            if row < len(PANELS) - 1:
                plot.getAxis("bottom").setStyle(showValues=False)
            # Linear km: the dip of a flyby reads at a glance, and log ticks crowd a short plot.
            self.curves[key] = plot.plot(pen=pg.mkPen(DISTANCE_COLOUR, width=2))
            if key == "distance_km":  # the readout names the colours; the legend and the dashes tell them apart
                self.curves["altitude_km"] = plot.plot(pen=pg.mkPen(ALTITUDE_COLOUR, width=2, style=ALTITUDE_STYLE))
                self.legend = _legend(plot, ((self.curves[key], "distance"), (self.curves["altitude_km"], "altitude")))
            cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(CURSOR_COLOUR, width=1.5))
            cursor.setZValue(10)
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors.append(cursor)
            self.plots.append(plot)
        self.plots[-1].setLabel("bottom", "UTC")
        self.view.scene().sigMouseClicked.connect(self._clicked)
        self.view.viewport().installEventFilter(self)  # a drag scrubs, as on the timeline
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        s = session
        s.clock.changed.connect(self._clock_changed)
        s.timeline.changed.connect(lambda _a, _b: self._schedule())
        s.events_changed.connect(lambda _e: self._schedule(force=True))
        s.camera_changed.connect(lambda _c: self._schedule())
        s.kernels_changed.connect(lambda: self._schedule(force=True))
        self._force = True

    # -- what is plotted -------------------------------------------------------------------------
    def _wanted(self) -> tuple[tuple[float, float], str]:
        s = self.session
        tl = s.timeline
        span = choose_span(s.clock.et, (tl.start, tl.stop, tl.zoomed), s.events, self.span)
        target = s.camera.target.upper()
        if not target or is_spacecraft(target):
            target = "IO"
        return span, target

    def _schedule(self, force: bool = False) -> None:
        self._force = self._force or force
        # Not restarted while pending: a playing clock changes every frame and would starve it.
        if not self.isVisible() or self._timer.isActive():
            return
        if self._force or self._wanted() != (self.span, self.target):
            self._timer.start()

    def sizeHint(self) -> QtCore.QSize:
        """A third of the window's height (at least the minimum): the dock opens under the view at
        that size, made when first shown, instead of at pyqtgraph's 500-pixel hint."""
        hint = super().sizeHint()
        top = self.window()
        if top is self:
            return hint
        return QtCore.QSize(hint.width(), max(self.minimumSizeHint().height(), top.height() // 3))

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._schedule()

    def refresh(self) -> None:
        """Sample the wanted span from SPICE (if it changed) and redraw; cheap when nothing did."""
        self._timer.stop()
        if not self.isVisible():
            return  # a window closed while a refresh was pending; showing it again schedules one
        span, target = self._wanted()
        if not self._force and (span, target) == (self.span, self.target) and self.series is not None:  # nothing new
            self._move_cursor()
            return
        self._force = False
        self.span, self.target = span, target
        from perijove.ephemeris.series import geometry_series

        self._offset = _unix_offset(span[0])
        try:
            self.series = geometry_series(
                self.session.eph, target, span[0], span[1], base_samples=BASE_SAMPLES, resolution=RESOLUTION
            )
        except PerijoveError as err:
            self.series = None
            for curve in self.curves.values():
                curve.setData([], [])
            self.readout.setText(f"No plot: {err}")
            return
        self.samplings += 1
        self._draw()
        self._move_cursor()

    def _draw(self) -> None:
        import pyqtgraph as pg

        series = self.series
        x = series.ets + self._offset
        for key, curve in self.curves.items():
            y = getattr(series, key)
            curve.setData(x, y, connect="finite")
        self.plots[2].setYRange(0, 180, padding=0.02)
        self.plots[3].setYRange(-90, 90, padding=0.02)
        for plot in self.plots:
            plot.setXRange(x[0], x[-1], padding=0.0)
        for plot, item in self._event_items:
            plot.removeItem(item)
        self._event_items = []
        start, stop = series.start, series.stop
        for e in self.session.events:
            end = e.et if e.end_et is None else e.end_et
            if end < start or e.et > stop:
                continue
            for i, plot in enumerate(self.plots):
                if e.end_et is None:
                    colour = event_colour(e.kind)
                    label = f"{e.kind} {e.body}" if i == 0 else None
                    item = pg.InfiniteLine(
                        e.et + self._offset, angle=90, movable=False,
                        pen=pg.mkPen(colour, width=1, style=QtCore.Qt.PenStyle.DashLine),
                        # Hung from the top edge into the plot (centred on its point, it was cut off).
                        label=label, labelOpts={"position": 1.0, "color": colour, "anchors": [(0, 0), (1, 0)]},
                    )  # fmt: skip
                else:
                    item = pg.LinearRegionItem(
                        (e.et + self._offset, end + self._offset), movable=False,
                        brush=pg.mkBrush(event_colour(e.kind, INTERVAL_ALPHA)),
                        pen=pg.mkPen(event_colour(e.kind, 150), width=1),  # not pyqtgraph's cursor-like yellow
                    )  # fmt: skip
                    item.setZValue(-10)
                plot.addItem(item, ignoreBounds=True)
                self._event_items.append((plot, item))

    # -- the clock ---------------------------------------------------------------------------------
    def _clock_changed(self, _et: float) -> None:
        if not self.isVisible():
            return
        self._move_cursor()
        self._schedule()

    def cursor_et(self) -> float:
        """The ET the cursor stands at."""
        return float(self.cursors[0].value()) - self._offset

    def _move_cursor(self) -> None:
        et = self.session.clock.et
        for cursor in self.cursors:
            cursor.setValue(et + self._offset)
        self._readout(et)

    def _readout(self, et: float) -> None:
        series = self.series
        if series is None:
            return
        head = f"{display_name(series.spacecraft)}–{display_name(series.target)}  {et_to_utc(et, 1)} UTC"
        if not series.start <= et <= series.stop:
            fields = [head, "(outside the plotted span)", f"data: {describe(series.provenance)}"]
            self.readout.setText(" &nbsp;".join(_unbroken(f) for f in fields))
            return
        v = series.at(et)

        def num(value: float, fmt: str, unit: str) -> str:
            return f"{format(value, fmt)}{unit}" if math.isfinite(value) else "—"

        fields = [
            head,
            f"<span style='color:{DISTANCE_COLOUR}'>distance {num(v['distance_km'], ',.0f', ' km')}</span>",
            f"<span style='color:{ALTITUDE_COLOUR}'>altitude {num(v['altitude_km'], ',.0f', ' km')}</span>",
            f"speed {num(v['speed_km_s'], '.2f', ' km/s')}",
            f"phase at {display_name(series.target)}'s centre {num(v['phase_deg'], '.1f', '°')}",
            f"lat {num(v['lat_deg'], '.1f', '°')}",
            f"data: {describe(series.provenance)}",
        ]
        self.readout.setText(" &nbsp;".join(_unbroken(f) for f in fields))

    # -- clicking sets the time ----------------------------------------------------------------------
    def et_at(self, scene_pos: QtCore.QPointF) -> float | None:
        """The ET under a point of the plots' scene, or None when it is on no plot."""
        for plot in self.plots:
            vb = plot.getViewBox()
            if vb.sceneBoundingRect().contains(scene_pos):
                return float(vb.mapSceneToView(scene_pos).x()) - self._offset
        return None

    def point_for(self, et: float, row: int = 0) -> QtCore.QPoint:
        """Where in the plots' viewport ``et`` lies on plot ``row`` (half-way up): for tests and tools."""
        vb = self.plots[row].getViewBox()
        y_lo, y_hi = vb.viewRange()[1]
        scene = vb.mapViewToScene(QtCore.QPointF(et + self._offset, 0.5 * (y_lo + y_hi)))
        return self.view.mapFromScene(scene)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Wheel:  # the plots do not zoom: the wheel scrolls them
            QtWidgets.QApplication.sendEvent(self.scroll.verticalScrollBar(), event)
            return True
        if (
            event.type() == QtCore.QEvent.Type.MouseMove
            and event.buttons() & QtCore.Qt.MouseButton.LeftButton
            and self.series is not None
        ):
            self._set_time_at(self.view.mapToScene(event.position().toPoint()))
        return super().eventFilter(watched, event)

    def _set_time_at(self, scene_pos: QtCore.QPointF) -> bool:
        """Set the clock to the time under a point of the plots (within the plotted span); whether it was on one."""
        et = self.et_at(scene_pos)
        if et is None:
            return False
        self.session.clock.set_et(min(max(et, self.series.start), self.series.stop))
        return True

    def _clicked(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or self.series is None:
            return
        if self._set_time_at(event.scenePos()):
            event.accept()
