"""View → Manage bookmarks…: go to, rename and delete bookmarks; every change is kept at once."""

from __future__ import annotations

from dataclasses import replace

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import et_to_utc


class BookmarksDialog(QtWidgets.QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
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
        ):
            button = QtWidgets.QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        close = QtWidgets.QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        delete = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Delete), self.list)
        delete.activated.connect(self.delete)
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
        if not name:  # an empty name would make an invisible menu entry: keep the old one
            self.list.blockSignals(True)
            item.setText(marks[row].name)
            self.list.blockSignals(False)
            return
        marks[row] = replace(marks[row], name=name)
        self.window_.set_bookmarks(marks)

    def delete(self) -> None:
        row = self._row()
        marks = list(self.window_.stored.bookmarks)
        if 0 <= row < len(marks):
            del marks[row]
            self.window_.set_bookmarks(marks)
            self._fill()
            self.list.setCurrentRow(min(row, self.list.count() - 1))


def _describe(mark) -> str:
    return f"{et_to_utc(mark.et, 0)} UTC · {mark.camera.mode} camera on {mark.camera.target.title()}"
