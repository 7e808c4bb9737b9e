"""The heads-up display over the canvas: time, distances and speeds measured by SPICE at the clock's time."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from perijove.model.hud import format_hud, hud_values, measured_target
from perijove.model.session import Session

COMPACT_BELOW_PX = 420  # a view shorter than this gets the HUD's four-row form (``format_hud``)


class Hud(QtWidgets.QLabel):
    area_changed = QtCore.Signal()  # shown, hidden, moved or resized: the scene lays its labels around it

    def __init__(self, session: Session, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.values: dict | None = None  # what the text shows, for tests and the soak bench
        from perijove.ui.app import register_fonts

        mono = register_fonts()["mono"]  # the shipped DejaVu Sans Mono: the same HUD on every system
        self.setStyleSheet(
            "QLabel { color: #e8ecf4; background: rgba(0,0,0,140); padding: 6px; border-radius: 6px;"
            f" font-family: '{mono}'; font-size: 11px; }}"
        )
        self.move(8, 8)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        self._compact = False
        parent.installEventFilter(self)  # the view's height decides between the full and the short form

    def refresh(self) -> None:
        s = self.session
        if not s.display.hud:
            return  # refreshed when it is shown again
        self.values = hud_values(s.eph, s.clock.et, measured_target(s.camera))
        self._compact = self._view_is_short()
        lines = format_hud(self.values, compact=self._compact)
        if s.ghost is not None:
            offset = s.ghost_offset_km()
            where = f"{offset:,.3f} km" if offset is not None else "no data at this time"
            lines.append(f"vs {s.ghost.label} ({', '.join(s.ghost.provenance)}): {where}")
        self.setText("\n".join(lines))
        self.adjustSize()

    def follow_display(self, display) -> None:
        if display.hud and not self.isVisible():
            self.refresh()
        self.setVisible(display.hud)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # Qt's name
        if (
            watched is self.parentWidget()
            and event.type() == QtCore.QEvent.Type.Resize
            and self.isVisible()
            and self._view_is_short() != self._compact
        ):
            self.refresh()
        return False

    def _view_is_short(self) -> bool:
        return self.parentWidget().height() < COMPACT_BELOW_PX

    def resizeEvent(self, event) -> None:  # Qt's names
        super().resizeEvent(event)
        self.area_changed.emit()

    def moveEvent(self, event) -> None:
        super().moveEvent(event)
        self.area_changed.emit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.area_changed.emit()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.area_changed.emit()
