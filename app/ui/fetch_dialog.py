"""File → Get official kernels…: sizes first, then a download with progress and cancel.

Downloads run on a worker thread (they touch no SPICE state); the files are
loaded into the session on the GUI thread once every one is verified.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from perijove.ephemeris.catalogue import SETS
from perijove.ephemeris.download import Cache, DownloadCancelled, DownloadError, default_cache_dir, fetch_set


class FetchThread(QtCore.QThread):
    progress = QtCore.Signal(str, int, object)
    done = QtCore.Signal(list)
    failed = QtCore.Signal(str)
    cancelled = QtCore.Signal()

    def __init__(
        self,
        set_name: str,
        cache: Cache,
        base_url: str | None,
        start: str | None,
        stop: str | None,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.args = (set_name, cache, base_url, start, stop)
        self._stop = False

    def cancel(self) -> None:
        self._stop = True

    def run(self) -> None:
        name, cache, base_url, start, stop = self.args
        try:
            paths = fetch_set(
                name,
                cache,
                base_url,
                start=start,
                stop=stop,
                progress=lambda f, n, t: self.progress.emit(f, n, t),
                cancel=lambda: self._stop,
            )
        except DownloadCancelled:
            self.cancelled.emit()
        except DownloadError as err:
            self.failed.emit(str(err))
        else:
            self.done.emit([str(p) for p in paths])


class FetchDialog(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget | None = None, cache: Cache | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Get official kernels")
        self.cache = cache or Cache(default_cache_dir())
        layout = QtWidgets.QVBoxLayout(self)
        self.set_box = QtWidgets.QComboBox()
        for spec in SETS.values():
            self.set_box.addItem(f"{spec.name}: {spec.description}", spec.name)
        self.set_box.currentIndexChanged.connect(self._show_files)
        layout.addWidget(self.set_box)
        self.files = QtWidgets.QTreeWidget()
        self.files.setHeaderLabels(["File", "Size", "Role", "In cache"])
        layout.addWidget(self.files, 1)
        form = QtWidgets.QFormLayout()
        self.base_url = QtWidgets.QLineEdit()
        self.base_url.setPlaceholderText("the official server (or a mirror with the same layout)")
        form.addRow("Base URL", self.base_url)
        self.start = QtWidgets.QLineEdit("2023-12-01")
        self.stop = QtWidgets.QLineEdit("2024-02-29")
        form.addRow("Trajectory from", self.start)
        form.addRow("Trajectory to", self.stop)
        layout.addLayout(form)
        self.status = QtWidgets.QLabel(f"Cache: {self.cache.root}")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Download")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show_files()

    def _show_files(self) -> None:
        spec = SETS[self.set_box.currentData()]
        self.files.clear()
        total = 0
        for f in spec.files:
            total += f.size or 0
            item = QtWidgets.QTreeWidgetItem(
                [f.name, _size(f.size), f.role, "yes" if self.cache.cached(f.path) else "no"]
            )
            self.files.addTopLevelItem(item)
        for listing in spec.listings:
            self.files.addTopLevelItem(
                QtWidgets.QTreeWidgetItem(
                    [
                        f"{listing.directory} (per-orbit files, found when downloading)",
                        "a few MB each",
                        listing.role,
                        "",
                    ]
                )
            )
        self.files.resizeColumnToContents(0)
        self.status.setText(f"About {_size(total)} plus the trajectory files. Cache: {self.cache.root}")

    def request(self) -> tuple[str, str | None, str | None, str | None]:
        return (
            self.set_box.currentData(),
            self.base_url.text().strip() or None,
            self.start.text().strip() or None,
            self.stop.text().strip() or None,
        )


def _size(n: int | None) -> str:
    if not n:
        return "?"
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def run_fetch(parent: QtWidgets.QWidget, request: tuple, cache: Cache, on_done, on_message) -> FetchThread:
    name, base_url, start, stop = request
    from perijove.ui.progress import cancellable_progress, close_progress

    thread = FetchThread(name, cache, base_url, start, stop, parent)
    progress = cancellable_progress(parent, "Downloading kernels", "Connecting…", thread.cancel)

    def show(file: str, done: int, total) -> None:
        progress.setLabelText(f"{file}: {done / 1e6:.1f}" + (f" of {total / 1e6:.1f} MB" if total else " MB"))
        if total:
            progress.setValue(int(1000 * done / total))

    def finish(paths: list) -> None:
        close_progress(progress)
        on_done(paths)

    def fail(message: str) -> None:
        close_progress(progress)
        on_message(f"⚠ {message}")

    def cancelled() -> None:
        close_progress(progress)
        on_message("Download cancelled; what was fetched resumes next time")

    thread.progress.connect(show)
    thread.done.connect(finish)
    thread.failed.connect(fail)
    thread.cancelled.connect(cancelled)
    thread.dialog = progress
    thread.start()
    return thread
