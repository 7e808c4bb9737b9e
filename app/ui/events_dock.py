"""The event list: filter by kind, body and text, sort any column, follow the current event.

Two flybys are lost among a hundred eclipses in a plain list, so the list filters and searches,
sorts by any column (times, distances and durations sort as numbers), and highlights and scrolls
to the event at or before the current time as the clock moves. Columns fit each kind: intervals
have an end and a duration; distance, altitude and speed are left blank for a moon's eclipse,
where Juno's distance to the moon means nothing. Double-click jumps to an event.
"""

from __future__ import annotations

import bisect
import math

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import Event, et_to_utc
from perijove.ephemeris.provenance import describe
from perijove.model.session import JUMP_CHOICES, Session
from perijove.ui import navigation

COLUMNS = (
    "Kind",
    "Body",
    "Start (UTC)",
    "End (UTC)",
    "Duration",
    "Distance (km)",
    "Altitude (km)",
    "Speed (km/s)",
    "Data",
)
KINDS = ("perijove", "apojove", "flyby", "eclipse", "shadow", "transit", "shadow-transit")
BODIES = ("Jupiter", "Io", "Europa", "Ganymede", "Callisto")
SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
NO_GEOMETRY = {"eclipse", "transit", "shadow-transit"}  # about the moon and Jupiter, not the spacecraft


def _num(value: float, fmt: str) -> str:
    return "—" if value is None or not math.isfinite(value) else format(value, fmt)


def _duration(seconds: float) -> str:
    h, rest = divmod(round(seconds), 3600)
    return f"{h}h {rest // 60:02d}m" if h else f"{rest // 60}m {rest % 60:02d}s"


class EventModel(QtCore.QAbstractTableModel):
    """The session's events as rows; ``current`` is the row highlighted as the clock moves."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.events: list[Event] = []
        self.current = -1

    def set_events(self, events: list[Event]) -> None:
        self.beginResetModel()
        self.events, self.current = list(events), -1
        self.endResetModel()

    def set_current(self, row: int) -> None:
        if row == self.current:
            return
        old, self.current = self.current, row
        for r in (old, row):
            if 0 <= r < len(self.events):
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    def rowCount(self, parent=QtCore.QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent=QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if orientation == QtCore.Qt.Orientation.Horizontal and role == QtCore.Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QtCore.QModelIndex, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e, col = self.events[index.row()], index.column()
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return self._text(e, col)
        if role == SORT_ROLE:
            return self._key(e, col)
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole and col >= 4 and col <= 7:
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        if role == QtCore.Qt.ItemDataRole.BackgroundRole and index.row() == self.current:
            return QtGui.QBrush(QtGui.QColor(255, 200, 80, 90))
        if role == QtCore.Qt.ItemDataRole.FontRole and index.row() == self.current:
            font = QtGui.QFont()
            font.setBold(True)
            return font
        if role == QtCore.Qt.ItemDataRole.ToolTipRole:
            return self._summary(e)
        return None

    def _summary(self, e: Event) -> str:
        """The whole event in a few lines, for a dock too narrow to show every column."""
        lines = [f"{e.body} {e.kind} at {self._text(e, 2)} UTC"]
        if e.end_et is not None:
            lines[0] += f", until {self._text(e, 3)} UTC ({self._text(e, 4)})"
        if e.kind not in NO_GEOMETRY and math.isfinite(e.distance_km):
            lines.append(
                f"distance {e.distance_km:,.1f} km, altitude {_num(e.altitude_km, ',.1f')} km, "
                f"speed {_num(e.speed_km_s, '.3f')} km/s"
            )
            if math.isfinite(e.lat_deg) and math.isfinite(e.lon_deg):
                ns = "N" if e.lat_deg >= 0 else "S"
                lines.append(f"sub-spacecraft point {abs(e.lat_deg):.2f}° {ns}, {e.lon_deg % 360.0:.2f}° E")
        if e.start_cut or e.end_cut:
            lines.append("The loaded data begin or end inside this interval: its true start or end is unknown")
        lines.append(f"Data: {self._text(e, 8)}")
        lines.append("Double-click to go there")
        return "\n".join(lines)

    def _text(self, e: Event, col: int) -> str:
        geometry = e.kind not in NO_GEOMETRY
        if col == 0:
            return e.kind
        if col == 1:
            return e.body
        if col == 2:
            return ("≤ " if e.start_cut else "") + e.utc
        if col == 3:
            return "" if e.end_et is None else ("≥ " if e.end_cut else "") + et_to_utc(e.end_et, 3)
        if col == 4:
            if e.end_et is None:
                return ""
            return "cut" if e.start_cut or e.end_cut else _duration(e.end_et - e.et)
        if col == 5:
            return _num(e.distance_km, ",.1f") if geometry else ""
        if col == 6:
            return _num(e.altitude_km, ",.1f") if geometry else ""
        if col == 7:
            return _num(e.speed_km_s, ".3f") if geometry else ""
        return describe(dict(e.provenance))

    def _key(self, e: Event, col: int):
        numbers = {
            2: e.et,
            3: e.end_et if e.end_et is not None else -math.inf,
            4: (e.end_et - e.et) if e.end_et is not None else -math.inf,
            5: e.distance_km,
            6: e.altitude_km,
            7: e.speed_km_s,
        }
        if col in numbers:
            value = numbers[col]
            return value if value is not None and math.isfinite(value) else math.inf
        return self._text(e, col)


class EventFilter(QtCore.QSortFilterProxyModel):
    """Kind, body and free text; sorts by each column's own key (numbers as numbers)."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.kind: str | None = None
        self.body: str | None = None
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_filter(self, kind: str | None = None, body: str | None = None, text: str | None = None) -> None:
        modern = hasattr(self, "beginFilterChange")  # Qt 6.9+; invalidateFilter is deprecated there
        if modern:
            self.beginFilterChange()
        self.kind, self.body = kind, body
        if text is not None:
            self.text = text.strip().lower()
        if modern:
            self.endFilterChange(QtCore.QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QtCore.QModelIndex) -> bool:
        model: EventModel = self.sourceModel()
        e = model.events[row]
        if self.kind and e.kind != self.kind:
            return False
        if self.body and e.body != self.body:
            return False
        if self.text:
            haystack = " ".join(model._text(e, c) for c in range(len(COLUMNS))).lower()
            return all(word in haystack for word in self.text.split())
        return True


def _narrow(box: QtWidgets.QComboBox, characters: int) -> None:
    """A combo box that may be narrower than its longest entry (shown whole when it opens): the
    dock's width, with the window's controls, once kept the window from fitting a 1024-pixel screen."""
    box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(characters)


class EventPanel(QtWidgets.QWidget):
    """Filters, the list, and the choice of what N/P step through."""

    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        self.kind_box = QtWidgets.QComboBox()
        self.kind_box.addItem("All kinds", None)
        for k in KINDS:
            self.kind_box.addItem(k, k)
        self.body_box = QtWidgets.QComboBox()
        self.body_box.addItem("All bodies", None)
        for b in BODIES:
            self.body_box.addItem(b, b)
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search (e.g. io 2024-02)")
        self.search.setClearButtonEnabled(True)
        for w in (self.kind_box, self.body_box):
            w.activated.connect(lambda _i: self._filter())
            _narrow(w, 8)
            row.addWidget(w)
        self.search.setMinimumWidth(60)
        self.search.textChanged.connect(lambda _t: self._filter())
        row.addWidget(self.search, 1)
        layout.addLayout(row)
        jump_row = QtWidgets.QHBoxLayout()
        label = QtWidgets.QLabel("N / P step through:")
        self.jump = QtWidgets.QComboBox()
        label.setBuddy(self.jump)
        for text, kinds in JUMP_CHOICES:
            self.jump.addItem(text, kinds)
        self.jump.setToolTip("Which events the N and P keys (and the ⏮ ⏭ buttons) jump between")
        _narrow(self.jump, 14)
        self.jump.activated.connect(lambda _i: setattr(session, "jump_kinds", self.jump.currentData()))
        jump_row.addWidget(label)
        jump_row.addWidget(self.jump, 1)
        layout.addLayout(jump_row)
        self.table = EventList(session)
        layout.addWidget(self.table, 1)
        self.count = QtWidgets.QLabel()
        layout.addWidget(self.count)
        session.events_changed.connect(lambda _e: self._update_count())

    def sync_jump(self) -> None:
        """Show the session's choice of what N / P step through (restored from the settings)."""
        for i in range(self.jump.count()):  # findData cannot compare Python sets
            if self.jump.itemData(i) == self.session.jump_kinds:
                self.jump.setCurrentIndex(i)

    def _filter(self) -> None:
        self.table.proxy.set_filter(self.kind_box.currentData(), self.body_box.currentData(), self.search.text())
        self._update_count()
        self.table._scroll_to_current()

    def _update_count(self) -> None:
        shown, total = self.table.proxy.rowCount(), len(self.session.events)
        self.count.setText(f"{shown} of {total} events" if shown != total else f"{total} events")


class EventList(QtWidgets.QTableView):
    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.source = EventModel(self)
        self.proxy = EventFilter(self)
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(2, QtCore.Qt.SortOrder.AscendingOrder)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.doubleClicked.connect(self._jump)
        session.events_changed.connect(self.show_events)
        session.clock.changed.connect(self._follow)
        self._ets: list[float] = []

    def show_events(self, events: list[Event]) -> None:
        self.clearSelection()  # rows now mean other events: a kept selection would point at the wrong one
        self.source.set_events(events)
        self._ets = [e.et for e in events]
        self.setCurrentIndex(QtCore.QModelIndex())
        self.resizeColumnsToContents()
        # The current row is bold: its times need more room than the regular font's contents gave.
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        need = QtGui.QFontMetrics(bold).horizontalAdvance("≥ 2023-12-30T08:36:00.000") + 16
        for col in (2, 3):
            self.setColumnWidth(col, max(self.columnWidth(col), need))
        self._follow(self.session.clock.et)
        # A scroll asked for now is undone by the view's own layout of the new rows, which Qt runs
        # later (the current event was marked but out of sight): once more after it.
        QtCore.QTimer.singleShot(0, self._scroll_to_current)

    def current_row(self, et: float) -> int:
        """The source row of the event in progress at ``et``, else the latest before it (or -1)."""
        events = self.source.events
        i = bisect.bisect_right(self._ets, et + 1e-3) - 1
        for j in range(i, max(i - 50, -1), -1):  # an interval that began earlier may still run
            e = events[j]
            if e.end_et is not None and e.et <= et <= e.end_et:
                return j
        return i

    def _follow(self, et: float) -> None:
        row = self.current_row(et)
        if row == self.source.current:
            return
        self.source.set_current(row)
        self._scroll_to_current()

    def _scroll_to_current(self) -> None:
        """The current event in sight; filtered out, the latest shown one before it (with Kind =
        eclipse and the clock at a flyby, the list sat months away)."""
        row = min(self.source.current, len(self.source.events) - 1)
        root = QtCore.QModelIndex()
        while row >= 0 and not self.proxy.filterAcceptsRow(row, root):
            row -= 1
        if row < 0:
            self.scrollToTop()  # before every event shown: the first ones, not rows months away
            return
        index = self.proxy.mapFromSource(self.source.index(row, 0))
        if index.isValid():
            self.scrollTo(index, QtWidgets.QAbstractItemView.ScrollHint.EnsureVisible)

    def _jump(self, index: QtCore.QModelIndex) -> None:
        row = self.proxy.mapToSource(index).row()
        if 0 <= row < len(self.source.events):
            navigation.go_to_event(self.session, self.source.events[row])
