"""The timeline: scrub through time at any zoom, from the whole coverage down to seconds.

An overview strip on top shows the whole coverage and the span in view; the main strip shows
that span with a UTC axis whose ticks adapt to the zoom, the spacecraft data coloured by
provenance, and the events (intervals as bars, labels where there is room). Wheel zooms around
the cursor, right- or middle-drag (or Shift+wheel) pans, left-drag scrubs, a click on the overview
moves the span, and a double-click on an event jumps to it and zooms onto it. Widgets change the
model (the clock, the session's TimelineView); the canvas and this bar follow its signals.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import Event, et_to_utc
from perijove.ephemeris.bodies import SPACECRAFT
from perijove.model.session import Session
from perijove.model.timeline import utc_ticks
from perijove.ui import navigation
from perijove.ui.palette import EVENT_RGB, event_colour

PROVENANCE_COLOURS = {
    "synthetic": QtGui.QColor(200, 150, 60),
    "predicted": QtGui.QColor(90, 140, 220),
    "reconstructed": QtGui.QColor(80, 190, 110),
}
EVENT_COLOURS = {kind: event_colour(kind) for kind in EVENT_RGB}
MARGIN = 8
OVERVIEW_H = 12  # the whole coverage, with the span in view
AXIS_H = 16  # tick labels at the bottom
LEGEND_SHARE = 0.25  # the most of the axis row the key's names may take: the axis's labels come first
WHEEL_ZOOM = 0.8  # per wheel notch, toward the cursor


def _label(e: Event) -> str:
    names = {
        "perijove": "PJ",
        "apojove": "AJ",
        "flyby": f"{e.body} CA",
        "shadow": "shadow",
        "transit": f"{e.body} transit",
        "shadow-transit": f"{e.body}'s shadow",
    }
    return names.get(e.kind, e.body)


class TimelineBar(QtWidgets.QWidget):
    """Paints coverage, events and the time axis; scrubs, zooms and pans."""

    scrubbed = QtCore.Signal(float)

    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.view = session.timeline
        self._background: tuple | None = None  # (what it shows, QPixmap): see paintEvent
        self.setMinimumHeight(78)
        self.setMouseTracking(True)
        self._mode: str | None = None  # "scrub", "pan" or "overview" while a button is held
        self._pan_from: tuple[float, float] = (0.0, 0.0)
        self._labelled: set[int] = set()  # ids of the events whose label is drawn (a double-click prefers them)
        session.clock.changed.connect(lambda _et: self.update())
        session.events_changed.connect(lambda _events: self._redraw())
        session.kernels_changed.connect(self._redraw)
        self.view.changed.connect(lambda _a, _b: self.update())

    # -- geometry ----------------------------------------------------------------------------
    @property
    def _width(self) -> float:
        return max(self.width() - 2 * MARGIN, 1)

    def _x(self, et: float) -> float:
        v = self.view
        return MARGIN + (et - v.start) / max(v.span, 1e-9) * self._width

    def et_at(self, x: float) -> float:
        """The time under pixel ``x`` of the main strip (exact at every zoom)."""
        v = self.view
        frac = min(max((x - MARGIN) / self._width, 0.0), 1.0)
        return v.start + frac * v.span

    def _overview_x(self, et: float) -> float:
        v = self.view
        return MARGIN + (et - v.lo) / max(v.hi - v.lo, 1e-9) * self._width

    def _overview_et(self, x: float) -> float:
        v = self.view
        frac = min(max((x - MARGIN) / self._width, 0.0), 1.0)
        return v.lo + frac * (v.hi - v.lo)

    def seconds_per_pixel(self) -> float:
        return self.view.span / self._width

    # -- painting -------------------------------------------------------------------------------
    def _redraw(self) -> None:
        self._background = None  # new events or kernels: the cached background is out of date
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        h = self.height()
        top, bottom = OVERVIEW_H + 4, h - AXIS_H
        # Everything but the two cursors changes only with the span, the size, the events or the
        # kernels: drawn once into a pixmap, so that a clock step (every frame while playing or
        # scrubbing) repaints one image and two lines instead of the axis labels and every event.
        s = self.session
        key = (self.size(), self.devicePixelRatioF(), self.view.start, self.view.stop)
        if self._background is None or self._background[0] != key:
            ratio = self.devicePixelRatioF()
            pixmap = QtGui.QPixmap(self.size() * ratio)
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(QtGui.QColor(24, 26, 32))
            q = QtGui.QPainter(pixmap)
            self._paint_overview(q)
            self._paint_coverage(q, bottom - 8, 6)
            self._paint_events(q, top, bottom - 10)
            # The key sits in the axis row, at its right end, where no bar goes: over the bars it hid
            # them, and under them it was tinted by every interval passing behind it.
            legend = self.legend_box()
            self._paint_legend(q, legend)
            self._paint_axis(q, bottom, right=legend.left() - 6)
            q.end()
            self._background = (key, pixmap)
        p = QtGui.QPainter(self)
        p.drawPixmap(0, 0, self._background[1])
        x = self._overview_x(s.clock.et)
        p.setPen(QtGui.QPen(QtGui.QColor(255, 255, 255), 1))
        p.drawLine(QtCore.QPointF(x, 1), QtCore.QPointF(x, OVERVIEW_H))
        x = self._x(s.clock.et)
        p.setPen(QtGui.QPen(QtGui.QColor(255, 255, 255), 2))
        p.drawLine(QtCore.QPointF(x, top - 2), QtCore.QPointF(x, bottom))
        p.end()

    def _spacecraft_files(self):
        return [f for f in self.session.kernels.files if f.kind == "SPK" and SPACECRAFT in f.coverage]

    def _paint_overview(self, p: QtGui.QPainter) -> None:
        p.fillRect(QtCore.QRectF(MARGIN, 2, self._width, OVERVIEW_H - 2), QtGui.QColor(34, 37, 45))
        for f in self._spacecraft_files():
            colour = PROVENANCE_COLOURS.get(f.provenance, QtGui.QColor(160, 160, 160))
            for w in f.coverage[SPACECRAFT]:
                x0, x1 = self._overview_x(w.start), self._overview_x(w.stop)
                p.fillRect(QtCore.QRectF(x0, OVERVIEW_H - 3, max(x1 - x0, 1), 3), colour)
        for e in self.session.events:
            if e.kind in ("flyby", "perijove"):
                p.setPen(QtGui.QPen(EVENT_COLOURS[e.kind], 1))
                x = self._overview_x(e.et)
                p.drawLine(QtCore.QPointF(x, 3), QtCore.QPointF(x, OVERVIEW_H - 4))
        v = self.view
        x0, x1 = self._overview_x(v.start), self._overview_x(v.stop)
        p.setPen(QtGui.QPen(QtGui.QColor(230, 230, 240), 1))
        p.setBrush(QtGui.QColor(255, 255, 255, 40))
        p.drawRect(QtCore.QRectF(x0, 1, max(x1 - x0, 2), OVERVIEW_H - 1))
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)

    def _paint_coverage(self, p: QtGui.QPainter, y: float, height: float) -> None:
        for f in self._spacecraft_files():
            colour = PROVENANCE_COLOURS.get(f.provenance, QtGui.QColor(160, 160, 160))
            for w in f.coverage[SPACECRAFT]:
                if w.stop < self.view.start or w.start > self.view.stop:
                    continue
                x0, x1 = max(self._x(w.start), MARGIN), min(self._x(w.stop), MARGIN + self._width)
                p.fillRect(QtCore.QRectF(x0, y, max(x1 - x0, 1), height), colour)

    def _paint_events(self, p: QtGui.QPainter, top: float, bottom: float) -> None:
        v = self.view
        font = p.font()
        font.setPointSizeF(7.5)
        p.setFont(font)
        metrics = QtGui.QFontMetricsF(font)
        last_label = -1e9
        self._labelled = set()
        for e in self.session.events:
            end = e.end_et if e.end_et is not None else e.et
            if end < v.start or e.et > v.stop:
                continue
            colour = EVENT_COLOURS.get(e.kind, QtGui.QColor("white"))
            x0, x1 = self._x(e.et), self._x(end)
            major = e.kind in ("flyby", "perijove")
            y0 = top + (0 if major else 24 if "transit" in e.kind else 12)
            if x1 - x0 >= 3:  # an interval wide enough to show its extent
                band = QtGui.QColor(colour)
                band.setAlpha(90)
                p.fillRect(QtCore.QRectF(x0, y0 + 2, x1 - x0, bottom - y0 - 2), band)
            p.setPen(QtGui.QPen(colour, 2 if e.kind == "flyby" else 1))
            p.drawLine(QtCore.QPointF(x0, y0), QtCore.QPointF(x0, bottom))
            text = _label(e)
            width = metrics.horizontalAdvance(text)
            if major and x0 + 3 - last_label > 6 and x0 + 3 + width < MARGIN + self._width:
                p.drawText(QtCore.QPointF(x0 + 3, top + 9), text)
                last_label = x0 + 3 + width
                self._labelled.add(id(e))

    def _paint_axis(self, p: QtGui.QPainter, y: float, right: float | None = None) -> None:
        """The UTC axis at ``y``; tick labels stop short of ``right`` (the key), ticks do not."""
        font = p.font()
        font.setPointSizeF(7.5)
        p.setFont(font)
        metrics = QtGui.QFontMetricsF(font)
        p.setPen(QtGui.QPen(QtGui.QColor(110, 115, 130), 1))
        p.drawLine(QtCore.QPointF(MARGIN, y), QtCore.QPointF(MARGIN + self._width, y))
        try:
            ticks = utc_ticks(self.view.start, self.view.stop, max(int(self._width // 80), 2))
        except Exception:  # no leapseconds: an axis without labels, never a dead widget
            ticks = []
        p.setPen(QtGui.QPen(QtGui.QColor(190, 195, 210), 1))
        last_right = -1e9
        for et, label in ticks:
            x = self._x(et)
            p.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x, y + 4))
            w = metrics.horizontalAdvance(label)
            left = min(max(x - w / 2, MARGIN), MARGIN + self._width - w)
            if left < last_right + 6 or (right is not None and left + w > right):
                continue  # pushed in from an edge onto its neighbour: the tick stays, the label goes
            p.drawText(QtCore.QPointF(left, y + 14), label)
            last_right = left + w

    def _legend_items(self) -> list[tuple[str, QtGui.QColor]]:
        provs = {f.provenance for f in self._spacecraft_files()}
        items = [(k, EVENT_COLOURS[k]) for k in ("perijove", "flyby", "eclipse", "shadow", "transit", "shadow-transit")]
        return items + [(k, c) for k, c in PROVENANCE_COLOURS.items() if k in provs]

    def _legend_font(self) -> QtGui.QFont:
        font = QtGui.QFont(self.font())
        font.setPointSizeF(7)
        return font

    def _legend_named(self) -> bool:
        """Names beside the swatches while they take at most LEGEND_SHARE of the axis row; swatches
        alone (named on hover) when narrower: the whole key once left the axis two labels."""
        metrics = QtGui.QFontMetricsF(self._legend_font())
        width = sum(metrics.horizontalAdvance(k) + 16 for k, _ in self._legend_items()) - 5
        return width <= LEGEND_SHARE * self._width

    def legend_box(self) -> QtCore.QRectF:
        """Where the key goes: the right end of the axis row, below every bar."""
        metrics = QtGui.QFontMetricsF(self._legend_font())
        items = self._legend_items()
        if self._legend_named():
            width = sum(metrics.horizontalAdvance(k) + 16 for k, _ in items) - 5
        else:
            width = 12 * len(items) - 4
        right = MARGIN + self._width
        return QtCore.QRectF(max(right - width, MARGIN), self.height() - AXIS_H + 3, min(width, self._width), 12)

    def _paint_legend(self, p: QtGui.QPainter, box: QtCore.QRectF) -> None:
        font = self._legend_font()
        p.setFont(font)
        metrics = QtGui.QFontMetricsF(font)
        named = self._legend_named()
        x, y = box.left(), box.top() + 10
        p.save()
        p.setClipRect(box)
        for name, colour in self._legend_items():
            p.fillRect(QtCore.QRectF(x, y - 7, 8, 8), colour)
            if named:
                p.setPen(QtGui.QPen(QtGui.QColor(200, 204, 215), 1))
                p.drawText(QtCore.QPointF(x + 11, y), name)
                x += metrics.horizontalAdvance(name) + 16
            else:
                x += 12
        p.restore()

    # -- mouse -------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        x, y = event.position().x(), event.position().y()
        button = event.button()
        if y <= OVERVIEW_H + 2 and button == QtCore.Qt.MouseButton.LeftButton:
            self._mode = "overview"
            self._centre_on(self._overview_et(x))
        elif button in (QtCore.Qt.MouseButton.RightButton, QtCore.Qt.MouseButton.MiddleButton) or (
            event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier
        ):
            self._mode = "pan"
            self._pan_from = (x, self.view.start)
        else:
            self._mode = "scrub"
            self._scrub(x)

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        x = event.position().x()
        if self._mode == "scrub":
            self._scrub(x)
        elif self._mode == "overview":
            self._centre_on(self._overview_et(x))
        elif self._mode == "pan":
            x0, start = self._pan_from
            new_start = start - (x - x0) * self.seconds_per_pixel()
            self.view.show(new_start, new_start + self.view.span)
        else:
            self.setToolTip(self._tooltip(x, event.position().y()))

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        self._mode = None

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        near = self._event_near(event.position().x())
        if near is not None:
            navigation.go_to_event(self.session, near)  # sets the time and zooms onto the event's span
        elif event.position().y() <= OVERVIEW_H + 2:
            self.view.show_all()

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        delta = event.angleDelta()
        x = event.position().x()
        if delta.x() or event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            notches = (delta.x() or delta.y()) / 120.0
            self.view.pan(-notches * 0.1 * self.view.span)
        elif delta.y():
            self.view.zoom(WHEEL_ZOOM ** (delta.y() / 120.0), self.et_at(x))
        event.accept()

    def _centre_on(self, et: float) -> None:
        half = 0.5 * self.view.span
        self.view.show(et - half, et + half)

    def _scrub(self, x: float) -> None:
        et = self.et_at(x)
        self.session.clock.set_et(et)
        self.scrubbed.emit(et)

    def _event_near(self, x: float, pixels: float = 5.0) -> Event | None:
        near = [e for e in self.session.events if abs(self._x(e.et) - x) < pixels]
        if not near:
            return None
        labelled = self._labelled  # where marks share a pixel, the one whose name is shown
        return min(
            near, key=lambda e: (id(e) not in labelled, e.kind not in ("flyby", "perijove"), abs(self._x(e.et) - x))
        )

    def _tooltip(self, x: float, y: float) -> str:
        box = self.legend_box()
        if box.contains(QtCore.QPointF(x, y)):
            names = [name for name, _ in self._legend_items()]
            if self._legend_named():
                return "Key: " + ", ".join(names)
            under = names[min(int((x - box.left()) // 12), len(names) - 1)]  # 12 px a swatch
            return f"{under} (key: {', '.join(names)})"
        if y <= OVERVIEW_H + 2:
            return "Whole coverage: click or drag to move the span in view, double-click to show it all"
        e = self._event_near(x)
        if e is not None:
            extra = f" .. {et_to_utc(e.end_et, 0)}" if e.end_et is not None else ""
            return f"{e.kind} {e.body} {e.utc}{extra} (double-click to zoom onto it)"
        return (
            f"{et_to_utc(self.et_at(x), 0)} UTC: drag to scrub, wheel to zoom, right-drag or Shift+wheel to pan"
        )
