"""View → Manage bookmarks…: go to, rename and delete bookmarks; every change is kept at once."""

from __future__ import annotations

from dataclasses import replace

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import et_to_utc
from perijove.ui.bookmarks import taken, unique_name


class BookmarksDialog(QtWidgets.QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.deleted: list[tuple[int, object]] = []  # (row, bookmark), the latest last: Undo brings them back
        self.setWindowTitle("Bookmarks")
        self.resize(520, 360)
        layout = QtWidgets.QVBoxLayout(self)
        self.list = QtWidgets.QListWidget()
        triggers = QtWidgets.QAbstractItemView.EditTrigger
        self.list.setEditTriggers(triggers.EditKeyPressed)  # F2 or Rename; a double-click goes there
        self.list.itemChanged.connect(self._renamed)
        self.list.itemActivated.connect(lambda _item: self.go())
        layout.addWidget(self.list, 1)
        self.details = QtWidgets.QLabel()  # the chosen bookmark's time and camera: names alone may not say
        self.list.currentRowChanged.connect(self._show_details)
        layout.addWidget(self.details)
        row = QtWidgets.QHBoxLayout()
        for text, slot, tip in (
            ("Go to", self.go, "Set the time and camera of the bookmark (Enter)"),
            ("Rename", self.rename, "Edit the name in place (F2)"),
            ("Delete", self.delete, "Delete the bookmark (Del)"),
            ("Undo", self.undo, ""),
        ):
            button = QtWidgets.QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
            if slot == self.undo:
                self.undo_button = button
        self.undo_button.setEnabled(False)  # nothing deleted yet
        row.addStretch(1)
        close = QtWidgets.QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        delete = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Delete), self.list)
        delete.activated.connect(self.delete)
        undo = QtGui.QShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Undo), self)
        undo.activated.connect(self.undo)
        self._fill()

    def _fill(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for mark in self.window_.stored.bookmarks:
            item = QtWidgets.QListWidgetItem(mark.name)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(_describe(mark))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _show_details(self, row: int) -> None:
        marks = self.window_.stored.bookmarks
        self.details.setText(_describe(marks[row]) if 0 <= row < len(marks) else "")

    def _row(self) -> int:
        return self.list.currentRow()

    def go(self) -> None:
        row = self._row()
        if 0 <= row < len(self.window_.stored.bookmarks):
            self.window_.go_to_bookmark(self.window_.stored.bookmarks[row])

    def rename(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _renamed(self, item: QtWidgets.QListWidgetItem) -> None:
        row = self.list.row(item)
        marks = list(self.window_.stored.bookmarks)
        name = item.text().strip()
        others = [m.name for i, m in enumerate(marks) if i != row]
        # An empty name would make an invisible menu entry, a taken one an entry twice: keep the old one.
        if not name or taken(name, others):
            self.list.blockSignals(True)
            item.setText(marks[row].name)
            self.list.blockSignals(False)
            if name:
                clash = next(n for n in others if taken(name, [n]))  # as it is written, case and all
                self.details.setText(f"Not renamed: another bookmark is already called {clash!r}.")
            return
        marks[row] = replace(marks[row], name=name)
        self.window_.set_bookmarks(marks)
        self._show_details(row)

    def delete(self) -> None:
        row = self._row()
        marks = list(self.window_.stored.bookmarks)
        if 0 <= row < len(marks):
            self.deleted.append((row, marks.pop(row)))
            self.window_.set_bookmarks(marks)
            self._fill()
            self.list.setCurrentRow(min(row, self.list.count() - 1))
            self._offer_undo()

    def undo(self) -> None:
        """Bring back the bookmark deleted last, where it was (Ctrl+Z)."""
        if not self.deleted:
            return
        row, mark = self.deleted.pop()
        marks = list(self.window_.stored.bookmarks)
        row = min(row, len(marks))
        names = [m.name for m in marks]
        renamed = ""
        if taken(mark.name, names):  # a name given to another since
            renamed = f"Brought back as {unique_name(mark.name, names)!r}: {mark.name!r} is taken now."
            mark = replace(mark, name=unique_name(mark.name, names))
        marks.insert(row, mark)
        self.window_.set_bookmarks(marks)
        self._fill()
        self.list.setCurrentRow(row)
        self._offer_undo()
        if renamed:
            self.details.setText(renamed)

    def _offer_undo(self) -> None:
        self.undo_button.setEnabled(bool(self.deleted))
        self.undo_button.setToolTip(f"Bring back {self.deleted[-1][1].name!r} (Ctrl+Z)" if self.deleted else "")


CAMERA_WORDS = {
    "orbit": "orbit camera",
    "follow": "camera following Juno",
    "bodyfixed": "body-fixed camera",
    "flyby": "flyby camera",
    "junocam": "JunoCam",
}


def _describe(mark) -> str:
    """The bookmark's time and camera in words ("view from Juno of Io", not "from camera on Io")."""
    c = mark.camera
    if c.mode == "from":
        seen = f"view from {(c.from_body or 'the Sun').title()} of {c.target.title()}"
    else:
        seen = f"{CAMERA_WORDS.get(c.mode, c.mode + ' camera')} on {c.target.title()}"
    return f"{et_to_utc(mark.et, 0)} UTC · {seen}"
