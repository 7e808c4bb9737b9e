"""The window's background jobs: event search, export, kernel fetch and comparison.

Each runs off the GUI thread (a child process or a thread) and reports through the window's
status bar: start, progress, cancel, and how it ended. The event search is not asked for by the
user, so its progress shows in the status bar with a cancel button instead of a dialog; the
others show a progress dialog that cancels them.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from perijove.ui.navigation import FLYBY_HALF_SPAN_S, FLYBY_PLAY_S
from perijove.ui.workers import EventSearch

SEARCHED_KINDS = ("perijove", "apojove", "flyby", "eclipse", "shadow", "transit", "shadow-transit")
KERNEL_FILTER = "SPICE kernels (*.bsp *.bc *.tpc *.tls *.tf *.tsc *.ti *.bpc *.tm *.mk *.bds);;All files (*)"


class Jobs(QtCore.QObject):
    """Starts, follows and ends the jobs of one window (its ``session``, ``statusBar``,
    ``show_error`` and ``load_kernels``)."""

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.search: EventSearch | None = None
        self.exports: list = []  # running and finished export jobs of this window
        self.export_job = self.fetch_job = self.compare_job = None
        self.search_label = QtWidgets.QLabel()
        self.search_progress = QtWidgets.QProgressBar()
        self.search_progress.setRange(0, 1000)
        self.search_progress.setMaximumWidth(160)
        self.search_progress.setTextVisible(False)
        self.search_cancel = QtWidgets.QToolButton()
        self.search_cancel.setText("✕")
        self.search_cancel.setToolTip("Stop finding events")
        self.search_cancel.clicked.connect(lambda _checked=False: self.cancel_search())
        # How the last export ended, kept in the status bar: its 10-second message was gone before
        # a user who stepped away came back, with no word of where the movie went.
        self.export_note = QtWidgets.QLabel()
        self.export_note.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.export_note.linkActivated.connect(self._show_folder)
        window.statusBar().addPermanentWidget(self.export_note)
        self.export_note.hide()
        for w in self._search_widgets():
            window.statusBar().addPermanentWidget(w)
            w.hide()

    def _say(self, text: str, ms: int) -> None:
        """A job's message: "⚠ ..." is an error (kept as the window's last error), the rest a status line."""
        if text.startswith("⚠"):
            self.window.show_error(text[2:])
        else:
            self.window.statusBar().showMessage(text, ms)

    # -- event search --------------------------------------------------------------------------------
    def _search_widgets(self) -> tuple[QtWidgets.QWidget, ...]:
        return (self.search_label, self.search_progress, self.search_cancel)

    def search_events(self) -> None:
        """One search at a time, in a child process; a new one supersedes the running one."""
        if self.search is not None:
            self.search.cancel()  # ends it and hides its progress
        session = self.window.session
        paths = [str(f.path) for f in session.kernels.files]
        search = EventSearch(paths, list(SEARCHED_KINDS), self.window)
        self.search = search
        self.search_progress.setValue(0)
        self.search_label.setText("Finding events…")
        for w in self._search_widgets():
            w.show()
        search.progress.connect(self._search_progress)
        search.partial.connect(lambda result: session.set_events(result.events))
        search.finished.connect(self._events_found)
        search.failed.connect(self.window.show_error)
        search.ended.connect(lambda s=search: self._search_ended(s))
        search.start()

    def _search_progress(self, fraction: float, text: str) -> None:
        self.search_progress.setValue(int(fraction * 1000))
        self.search_label.setText(f"Finding events: {text}")

    def _search_ended(self, search) -> None:
        if search is self.search:
            for w in self._search_widgets():
                w.hide()

    def cancel_search(self) -> None:
        if self.search is not None and self.search.running:
            self.search.cancel()
            self.window.statusBar().showMessage("Event search cancelled", 5000)

    def _events_found(self, result) -> None:
        self.window.session.set_events(result.events)
        self.window.statusBar().showMessage(f"{len(result.events)} events found", 5000)

    # -- export ------------------------------------------------------------------------------------------
    def export_dialog(self, flyby=None) -> None:
        from perijove.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.window.session, self.window)
        if flyby is not None:
            dialog.prefill_flyby(flyby.et, FLYBY_HALF_SPAN_S, FLYBY_PLAY_S)
        self.window.export_dialog_open = dialog
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted and dialog.job is not None:
            self.window.start_export(dialog.job)

    def start_export(self, job: dict):
        from perijove.ui.export_dialog import run_export

        self.export_job = run_export(self.window, job, lambda text: self._say(text, 10000))
        worker = self.export_job
        worker.finished.connect(lambda path, _frames: self._note_export(path, None))
        worker.failed.connect(lambda message: self._note_export(job["out"], message))
        worker.cancelled.connect(self.export_note.hide)
        self.exports = [j for j in self.exports if j.running] + [self.export_job]
        return self.export_job

    def _note_export(self, path: str, failure: str | None) -> None:
        from html import escape
        from pathlib import Path

        name = escape(Path(path).name)
        if failure is None:
            folder = QtCore.QUrl.fromLocalFile(str(Path(path).parent)).toString()
            self.export_note.setText(f'Last export: <a href="{escape(folder)}">{name}</a>')
            self.export_note.setToolTip(f"{path}\nClick to open the folder it is in")
        else:
            self.export_note.setText(f"⚠ Last export failed: {name}")
            self.export_note.setToolTip(failure)
        self.export_note.show()

    @staticmethod
    def _show_folder(url: str) -> None:
        from PySide6 import QtGui

        QtGui.QDesktopServices.openUrl(QtCore.QUrl(url))

    def running_exports(self) -> list:
        return [job for job in self.exports if job.running]

    # -- official kernels ---------------------------------------------------------------------------------
    def fetch_dialog(self) -> None:
        from perijove.ui.fetch_dialog import FetchDialog

        dialog = FetchDialog(self.window)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.window.start_fetch(dialog.request(), dialog.cache)

    def start_fetch(self, request: tuple, cache=None):
        from perijove.ephemeris.catalogue import SETS
        from perijove.ephemeris.download import Cache, default_cache_dir
        from perijove.ui.fetch_dialog import run_fetch

        window = self.window
        cache = cache or Cache(default_cache_dir())

        def kept() -> str:
            """The user's changed copies the download moved aside (``Cache.set_aside``)."""
            if not cache.set_aside:
                return ""
            return f"; kept your changed {', '.join(p.name for p in cache.set_aside)} beside the new files"

        def done(paths: list) -> None:
            if SETS[request[0]].kind == "maps":
                window.session.use_cached_maps(cache)
                self._say(f"Maps fetched: {len(paths)} file(s){kept()}", 8000)
            elif window.load_kernels(paths):
                provenances = ", ".join(window.session.kernels.provenances())
                self._say(f"Fetched {len(paths)} file(s); data: {provenances}{kept()}", 10000)

        def failed(text: str) -> None:
            self._say(text + kept(), 8000)

        self.fetch_job = run_fetch(window, request, cache, done, failed)
        return self.fetch_job

    # -- comparison ---------------------------------------------------------------------------------------
    def compare_dialog(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self.window, "Compare with kernels (layered over the embedded set)", "", KERNEL_FILTER
        )
        if paths:
            self.window.start_compare(paths)

    def start_compare(self, paths: list[str]):
        """Sample Juno in the set ``paths`` (over the defaults) off the GUI thread, then draw it."""
        from perijove.ui.progress import job_progress
        from perijove.ui.workers import CompareJob

        window = self.window
        job = CompareJob(list(paths), True, window)
        job_progress(window, job, "Compare", "Sampling the other kernel set…", delay_ms=500)

        def done(track) -> None:
            window.session.set_ghost(track)
            window.statusBar().showMessage(f"Comparing with {track.label}: its Juno path is drawn in violet", 10000)

        job.finished.connect(done)
        job.failed.connect(window.show_error)
        job.start()
        self.compare_job = job
        return job

    # -- closing ------------------------------------------------------------------------------------------
    def stop_for_quit(self) -> None:
        """Running exports are cancelled and waited for (each removes its partial files); the search ends."""
        for job in self.running_exports():
            job.cancel_and_wait()
        if self.search is not None:
            self.search.cancel()
