"""The timeline: a scrub bar over the loaded coverage with every event ticked.

Bands show where spacecraft data exist, coloured by provenance (synthetic,
predicted, reconstructed); ticks mark perijoves, flybys and eclipses. Dragging
sets the clock on every mouse move; the canvas follows because it listens to
the clock.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import Event
from perijove.model.session import Session

PROVENANCE_COLOURS = {
    "synthetic": QtGui.QColor(200, 150, 60),
    "predicted": QtGui.QColor(90, 140, 220),
    "reconstructed": QtGui.QColor(80, 190, 110),
}
EVENT_COLOURS = {
    "perijove": QtGui.QColor(255, 210, 80),
    "apojove": QtGui.QColor(150, 150, 150),
    "flyby": QtGui.QColor(255, 110, 60),
    "eclipse": QtGui.QColor(120, 120, 255),
    "shadow": QtGui.QColor(180, 80, 255),
}


class TimelineBar(QtWidgets.QWidget):
    """Paints coverage and events; click or drag to scrub."""

    scrubbed = QtCore.Signal(float)

    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setMinimumHeight(46)
        self.setMouseTracking(True)
        self.setToolTip("Drag to scrub through time")
        self._dragging = False
        session.clock.changed.connect(lambda _et: self.update())
        session.events_changed.connect(lambda _events: self.update())
        session.kernels_changed.connect(lambda: self.update())

    def _x(self, et: float) -> float:
        c = self.session.clock
        return 8 + (et - c.start) / max(c.stop - c.start, 1e-9) * (self.width() - 16)

    def et_at(self, x: float) -> float:
        c = self.session.clock
        frac = min(max((x - 8) / max(self.width() - 16, 1), 0.0), 1.0)
        return c.start + frac * (c.stop - c.start)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), QtGui.QColor(24, 26, 32))
        h = self.height()
        kernels = self.session.kernels
        for f in kernels.files:
            if f.kind != "SPK" or -61 not in f.coverage:
                continue
            colour = PROVENANCE_COLOURS.get(f.provenance, QtGui.QColor(160, 160, 160))
            for w in f.coverage[-61]:
                x0, x1 = self._x(w.start), self._x(w.stop)
                p.fillRect(QtCore.QRectF(x0, h - 12, max(x1 - x0, 1), 8), colour)
        for e in self.session.events:
            x = self._x(e.et)
            p.setPen(QtGui.QPen(EVENT_COLOURS.get(e.kind, QtGui.QColor("white")), 2 if e.kind == "flyby" else 1))
            top = 4 if e.kind in ("flyby", "perijove") else 12
            p.drawLine(QtCore.QPointF(x, top), QtCore.QPointF(x, h - 14))
        x = self._x(self.session.clock.et)
        p.setPen(QtGui.QPen(QtGui.QColor(255, 255, 255), 2))
        p.drawLine(QtCore.QPointF(x, 0), QtCore.QPointF(x, h))
        p.end()

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self._dragging = True
        self._scrub(event.position().x())

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._dragging:
            self._scrub(event.position().x())
        else:
            self.setToolTip(self._tooltip(event.position().x()))

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        self._dragging = False

    def _scrub(self, x: float) -> None:
        et = self.et_at(x)
        self.session.clock.set_et(et)
        self.scrubbed.emit(et)

    def _tooltip(self, x: float) -> str:
        near: list[Event] = [e for e in self.session.events if abs(self._x(e.et) - x) < 4]
        if near:
            e = near[0]
            return f"{e.kind} {e.body} {e.utc}"
        from perijove.ephemeris import et_to_utc

        return et_to_utc(self.et_at(x), 0)
