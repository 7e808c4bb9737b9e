"""The event list: every event with its time and geometry; double-click jumps to it."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from perijove.ephemeris import Event
from perijove.ephemeris.provenance import describe
from perijove.model.session import Session

COLUMNS = ("Kind", "Body", "UTC", "Distance (km)", "Altitude (km)", "Speed (km/s)", "Data")


class EventPanel(QtWidgets.QWidget):
    """The list plus a choice of which kinds the next/previous buttons step through."""

    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.jump = QtWidgets.QComboBox()
        for label, kinds in (
            ("N/P step through close approaches", {"perijove", "flyby"}),
            ("N/P step through flybys", {"flyby"}),
            ("N/P step through every event", set()),
        ):
            self.jump.addItem(label, frozenset(kinds))
        self.jump.activated.connect(lambda _i: setattr(session, "jump_kinds", self.jump.currentData()))
        layout.addWidget(self.jump)
        self.table = EventList(session)
        layout.addWidget(self.table, 1)


class EventList(QtWidgets.QTableWidget):
    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.session = session
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.cellDoubleClicked.connect(self._jump)
        session.events_changed.connect(self.show_events)

    def show_events(self, events: list[Event]) -> None:
        self.clearSelection()  # rows now mean other events: a kept selection would point at the wrong one
        self.setRowCount(len(events))
        for row, e in enumerate(events):
            values = (
                e.kind,
                e.body,
                e.utc,
                _num(e.distance_km, ",.1f"),
                _num(e.altitude_km, ",.1f"),
                _num(e.speed_km_s, ".3f"),
                describe(dict(e.provenance)),
            )
            for col, text in enumerate(values):
                item = QtWidgets.QTableWidgetItem(text)
                if 3 <= col <= 5:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, col, item)
        self.setCurrentItem(None)
        self.resizeColumnsToContents()

    def _jump(self, row: int, _col: int) -> None:
        if 0 <= row < len(self.session.events):
            self.session.jump_to(self.session.events[row])


def _num(value: float, fmt: str) -> str:
    return "—" if not math.isfinite(value) else format(value, fmt)
