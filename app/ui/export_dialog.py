"""File → Export…: a movie or PNG frames of a time range, prefilled from the current view."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from perijove.ephemeris import PerijoveError, et_to_utc, to_et
from perijove.model.session import Session

SIZES = ("1280x720", "1920x1080", "3840x2160", "854x480", "640x360")


class ExportDialog(QtWidgets.QDialog):
    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Export")
        form = QtWidgets.QFormLayout(self)
        et = session.clock.et
        clock = session.clock
        self.start = QtWidgets.QLineEdit(et_to_utc(max(clock.start, et - 900), 0))
        self.stop = QtWidgets.QLineEdit(et_to_utc(min(clock.stop, et + 900), 0))
        form.addRow("Start (UTC)", self.start)
        form.addRow("Stop (UTC)", self.stop)
        self.frames = QtWidgets.QSpinBox()
        self.frames.setRange(1, 100_000)
        self.frames.setValue(300)
        form.addRow("Frames", self.frames)
        self.fps = QtWidgets.QDoubleSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setValue(30)
        form.addRow("Frames per second", self.fps)
        self.size = QtWidgets.QComboBox()
        self.size.addItems(SIZES)
        form.addRow("Size", self.size)
        self.ease = QtWidgets.QCheckBox("Slow down around the current time")
        form.addRow(self.ease)
        self.overlay = QtWidgets.QCheckBox("Burn in time and distance")
        self.overlay.setChecked(True)
        form.addRow(self.overlay)
        self.title = QtWidgets.QLineEdit()
        form.addRow("Title", self.title)
        row = QtWidgets.QHBoxLayout()
        self.out = QtWidgets.QLineEdit(str(Path.home() / "perijove.mp4"))
        browse = QtWidgets.QPushButton("…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        form.addRow("Output (.mp4 or folder)", row)
        self.error = QtWidgets.QLabel()
        self.error.setStyleSheet("color: #d33")
        form.addRow(self.error)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.job: dict | None = None

    def prefill_flyby(self, et: float, half_span: float, seconds: float) -> None:
        """An eased movie of the hour around a closest approach, ``seconds`` long."""
        clock = self.session.clock
        self.start.setText(et_to_utc(max(clock.start, et - half_span), 0))
        self.stop.setText(et_to_utc(min(clock.stop, et + half_span), 0))
        self.frames.setValue(round(seconds * self.fps.value()))
        self.ease.setChecked(True)
        self.ease_et = et
        self.setWindowTitle("Export this flyby")

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self,
            "Export to",
            self.out.text(),
            "MP4 video (*.mp4);;PNG frames folder (*)",
            options=QtWidgets.QFileDialog.Option.DontConfirmOverwrite,  # Export asks, naming the tables too
        )
        if path:
            self.out.setText(path)

    def build_job(self) -> dict:
        """The export job for the worker; raises PerijoveError with a reason when the form is wrong."""
        from perijove.cli import parse_size
        from perijove.export import FramePlan, check_destination
        from perijove.export.overlay import Overlay

        start, stop = to_et(self.start.text()), to_et(self.stop.text())
        size = parse_size(self.size.currentText())
        out = Path(self.out.text()).expanduser()
        # Everything but consent: a folder of someone else's files or a read-only disk is no question.
        check_destination(out, size, self.fps.value(), overwrite=True)
        overlay = {"title": self.title.text()} if self.overlay.isChecked() or self.title.text() else None
        if overlay is not None:
            Overlay(**overlay)  # a title no installed font can draw is refused here, not in every frame
        ease = getattr(self, "ease_et", self.session.clock.et) if self.ease.isChecked() else None
        try:
            plan = FramePlan(
                start,
                stop,
                fps=self.fps.value(),
                frames=self.frames.value(),
                ease_et=ease if ease is not None and start <= ease <= stop else None,
            )
        except ValueError as err:
            raise PerijoveError(str(err)) from None
        for body in ("JUNO", self.session.camera.target):
            import numpy as np

            self.session.eph.check_coverage(body, np.array([start, stop]))
        return {
            "kernels": [str(f.path) for f in self.session.kernels.files],
            "plan": asdict(plan),
            "out": str(out),
            "size": list(size),
            "camera": asdict(self.session.camera),
            "display": {k: v for k, v in asdict(self.session.display).items()},
            "overlay": overlay,
            "overwrite": False,  # _accept sets it once the user has agreed to replace what is there
        }

    def _accept(self) -> None:
        from perijove.export import DestinationExists, check_destination

        try:
            job = self.build_job()
            check_destination(Path(job["out"]), tuple(job["size"]), job["plan"]["fps"], overwrite=False)
        except DestinationExists as err:
            if not self.confirm_overwrite(err.paths):
                return
            job["overwrite"] = True
        except PerijoveError as err:
            self.error.setText(str(err))
            return
        self.job = job
        self.accept()

    def confirm_overwrite(self, paths: list[Path]) -> bool:
        """Ask before replacing the user's files; the default answer keeps them."""
        names = "\n".join(str(p) for p in paths)
        answer = QtWidgets.QMessageBox.question(
            self,
            "Replace existing files?",
            f"These already exist and would be replaced by the export:\n{names}\n\nReplace them?",
            QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
            QtWidgets.QMessageBox.StandardButton.No,
        )
        return answer == QtWidgets.QMessageBox.StandardButton.Yes


def run_export(parent: QtWidgets.QWidget, job: dict, on_message) -> QtCore.QObject:
    """Start the job with a cancellable progress dialog; returns the running ``ExportJob``."""
    from perijove.ui.progress import job_progress
    from perijove.ui.workers import ExportJob

    worker = ExportJob(job, parent)
    job_progress(parent, worker, "Export", f"Exporting {job['plan']['frames']} frames…")
    worker.finished.connect(lambda path, frames: on_message(f"Exported {frames} frames to {path}"))
    worker.cancelled.connect(lambda: on_message("Export cancelled; nothing was written"))
    worker.failed.connect(lambda message: on_message(f"⚠ {message}"))
    worker.start()
    return worker
