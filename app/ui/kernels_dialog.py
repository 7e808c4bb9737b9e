"""File → Loaded kernels…: what is layered over the built-in data, and a way to take it off again.

Loaded kernels are kept for the next start; without this, the only way back to the built-in data
was editing the settings file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import PerijoveError

PATH_ROLE = QtCore.Qt.ItemDataRole.UserRole


class KernelsDialog(QtWidgets.QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.session = window.session
        self.setWindowTitle("Loaded kernels")
        self.resize(640, 380)
        layout = QtWidgets.QVBoxLayout(self)
        self.intro = QtWidgets.QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.list = QtWidgets.QListWidget()
        self.list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._enable)
        layout.addWidget(self.list, 1)
        self.error = QtWidgets.QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b")
        self.error.hide()
        layout.addWidget(self.error)
        row = QtWidgets.QHBoxLayout()
        self.unload_button = QtWidgets.QPushButton("Unload")
        self.unload_button.setToolTip("Take the selected files off (Del); the data under them show again")
        self.unload_button.clicked.connect(self.unload_selected)
        self.unload_all_button = QtWidgets.QPushButton("Unload all")
        self.unload_all_button.setToolTip("Back to the built-in data only")
        self.unload_all_button.clicked.connect(self.unload_all)
        close = QtWidgets.QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(self.unload_button)
        row.addWidget(self.unload_all_button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        delete = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Delete), self.list)
        delete.activated.connect(self.unload_selected)
        self._fill()

    def _fill(self) -> None:
        files = {f.path: f for f in self.session.kernels.files}
        groups = dict(self.session.kernels.groups())
        built_in = any(f.default for f in files.values())
        under = "Over the built-in data (loaded at every start)" if built_in else "Without the built-in data"
        self.intro.setText(f"{under}, in load order; later files win where they overlap. Kept for the next start.")
        self.list.clear()
        for given in self.session.loaded():
            members = groups.get(Path(given), (Path(given),))
            described = [f"{files[m].kind}, {files[m].provenance}" for m in members if m in files]
            item = QtWidgets.QListWidgetItem(f"{Path(given).name}    ({'; '.join(dict.fromkeys(described))})")
            tip = [given]
            if len(members) > 1 or (members and members[0] != Path(given)):
                tip += ["names:"] + [f"  {m}" for m in members]
            item.setToolTip("\n".join(tip))
            item.setData(PATH_ROLE, given)
            self.list.addItem(item)
        if not self.list.count():
            self.list.addItem(QtWidgets.QListWidgetItem("Nothing is loaded over the built-in data."))
            self.list.item(0).setFlags(QtCore.Qt.ItemFlag.NoItemFlags)
        self._enable()

    def _paths(self, items) -> list[str]:
        return [p for p in (item.data(PATH_ROLE) for item in items) if p]

    def _enable(self) -> None:
        self.unload_button.setEnabled(bool(self._paths(self.list.selectedItems())))
        self.unload_all_button.setEnabled(bool(self.session.loaded()))

    def unload_selected(self) -> None:
        self._unload(self._paths(self.list.selectedItems()))

    def unload_all(self) -> None:
        self._unload(self.session.loaded())

    def _unload(self, paths: list[str]) -> None:
        if not paths:
            return
        try:
            moved = self.session.unload_kernels(paths)
        except PerijoveError as err:
            self.error.setText(str(err))
            self.error.show()
            return
        self.error.hide()
        from perijove.ephemeris import et_to_utc

        files = f"{len(paths)} file" + ("s" if len(paths) > 1 else "")
        note = ""
        if moved:  # its time went with the data
            note = f"; the clock moved to {et_to_utc(self.session.clock.et, 0)} UTC, in the data left"
        self.window_.statusBar().showMessage(
            f"Unloaded {files}{note}; data: {', '.join(self.session.kernels.provenances())}", 12000
        )
        self._fill()
