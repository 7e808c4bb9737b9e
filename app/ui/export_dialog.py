"""File → Export…: a movie or PNG frames of a time range, prefilled from the current view.

The form remembers what the user chose last time (size, rate, camera, output, overlay) in the
window's settings, since a user exports the same way again and again; the time range always
follows the current time instead.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from perijove.ephemeris import PerijoveError, et_to_utc, to_et
from perijove.ephemeris.bodies import is_spacecraft
from perijove.model.camera import CameraIntent
from perijove.model.session import Session

if TYPE_CHECKING:
    from perijove.export.plan import FramePlan

SIZES = ("1280x720", "1920x1080", "3840x2160", "854x480", "640x360", "1080x1080", "1080x1920", "2048x1024")
CUSTOM = "Custom"
CAMERAS = (
    ("As in the window", "window"),
    ("Flyby (lit side, Juno's path)", "flyby"),
    ("JunoCam", "junocam"),
    ("View from Juno", "from"),
    ("Follow Juno", "follow"),
    ("Orbit target", "orbit"),
)
SETTINGS_KEY = "export"
NOTE_DELAY_MS = 250
NOTE_MOST_FRAMES = 2000  # distances the note reads as the form changes (every frame only when it must)


class ExportDialog(QtWidgets.QDialog):
    def __init__(
        self, session: Session, parent: QtWidgets.QWidget | None = None, settings: QtCore.QSettings | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings if settings is not None else getattr(parent, "settings", None)
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
        self.size = QtWidgets.QComboBox()  # presets; any size goes in the fields beside it
        self.size.addItems([*SIZES, CUSTOM])
        self.width_box = QtWidgets.QSpinBox()
        self.height_box = QtWidgets.QSpinBox()
        for box in (self.width_box, self.height_box):
            box.setRange(16, 8192)
            box.setSuffix(" px")
            box.valueChanged.connect(self._size_typed)
        self.width_box.setValue(1280)
        self.height_box.setValue(720)
        self.size.currentTextChanged.connect(self._size_chosen)
        size_row = QtWidgets.QHBoxLayout()
        size_row.addWidget(self.size)
        size_row.addWidget(self.width_box)
        size_row.addWidget(QtWidgets.QLabel("×"))
        size_row.addWidget(self.height_box)
        form.addRow("Size", size_row)
        self.camera = QtWidgets.QComboBox()
        for label, mode in CAMERAS:
            self.camera.addItem(label, mode)
        self.camera.setToolTip("The camera of the movie: the window's own, or one made for flybys")
        form.addRow("Camera", self.camera)
        self.ease = QtWidgets.QCheckBox("Slow down around the current time")
        form.addRow(self.ease)
        self.overlay = QtWidgets.QCheckBox("Burn in time and distance")
        self.overlay.setChecked(True)
        form.addRow(self.overlay)
        self.title = QtWidgets.QLineEdit()
        form.addRow("Title", self.title)
        # What a small frame's overlay will have no room for, said before the export rather than after.
        self.overlay_note = QtWidgets.QLabel()
        self.overlay_note.setWordWrap(True)
        self.overlay_note.setStyleSheet("color: #c80")
        self.overlay_note.hide()
        form.addRow(self.overlay_note)
        row = QtWidgets.QHBoxLayout()
        self.out = QtWidgets.QLineEdit(str(Path.home() / "perijove.mp4"))
        browse = QtWidgets.QPushButton("…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        form.addRow("Output (.mp4 or folder)", row)
        # Wrapped, and never wider than the form: a long path in a message must not push Export and
        # Cancel off the screen. A path has no spaces, so it may break after each "/" too.
        self.error = QtWidgets.QLabel()
        self.error.setStyleSheet("color: #d33")
        self.error.setWordWrap(True)
        self.error.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.error.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        form.addRow(self.error)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.job: dict | None = None
        self.replaces: list[Path] | None = None  # what the last build_job found in the way (asked about)
        self._closest: dict[tuple[str, float], float] = {}  # (target, time) -> its closest approach
        self._restore()
        # Asked again a moment after the form stops changing (a title typed, a size spun through).
        self._note_timer = QtCore.QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(NOTE_DELAY_MS)
        self._note_timer.timeout.connect(self.update_overlay_note)
        movie_fields = (
            self.size.currentTextChanged,  # a preset sets the fields without their signals
            self.width_box.valueChanged,
            self.height_box.valueChanged,
            self.title.textChanged,
            self.overlay.toggled,
            self.start.textChanged,
            self.stop.textChanged,
            self.frames.valueChanged,
            self.fps.valueChanged,
            self.camera.currentIndexChanged,
            self.ease.toggled,
        )
        for signal in movie_fields:
            signal.connect(self._note_timer.start)
        # What the user changes takes the last refusal away: it is said again on Export if it still holds.
        for signal in (*movie_fields, self.out.textChanged):
            signal.connect(self._clear_error)
        self.update_overlay_note()

    # -- the size: a preset or any width and height -------------------------------------------------
    def _size_chosen(self, text: str) -> None:
        if text == CUSTOM:
            return
        w, h = (int(v) for v in text.split("x"))
        for box, value in ((self.width_box, w), (self.height_box, h)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)

    def _size_typed(self, _value: int = 0) -> None:
        text = f"{self.width_box.value()}x{self.height_box.value()}"
        self.size.blockSignals(True)
        self.size.setCurrentText(text if text in SIZES else CUSTOM)
        self.size.blockSignals(False)

    def chosen_size(self) -> tuple[int, int]:
        return self.width_box.value(), self.height_box.value()

    # -- remembered between uses ------------------------------------------------------------------------
    def _remembered(self) -> dict:
        if self.settings is None:
            return {}
        raw = self.settings.value(SETTINGS_KEY)
        try:
            data = json.loads(raw) if isinstance(raw, str) else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _restore(self) -> None:
        """The last export's choices; anything unreadable keeps the default (a hand-edited file)."""
        data = self._remembered()

        def number(key: str, lo: float, hi: float):
            value = data.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                return None
            return value if lo <= value <= hi else None

        if (w := number("width", 16, 8192)) is not None and (h := number("height", 16, 8192)) is not None:
            self.width_box.setValue(int(w))
            self.height_box.setValue(int(h))
        if (frames := number("frames", 1, 100_000)) is not None:
            self.frames.setValue(int(frames))
        if (fps := number("fps", 1, 120)) is not None:
            self.fps.setValue(float(fps))
        for key, box in (("ease", self.ease), ("overlay", self.overlay)):
            if isinstance(data.get(key), bool):
                box.setChecked(data[key])
        self._restore_title(data)
        if isinstance(data.get("out"), str) and data["out"]:
            self.out.setText(data["out"])
        i = self.camera.findData(data.get("camera"))
        if i >= 0:
            self.camera.setCurrentIndex(i)

    def _restore_title(self, data: dict | None = None) -> None:
        """The last title, only for the span it was written for: a title names one flyby, and the
        form opened on another (or Export this flyby of the next) burned "PJ58" into a PJ57 movie."""
        data = self._remembered() if data is None else data
        same_span = data.get("title_span") == [self.start.text(), self.stop.text()]
        title = data.get("title")
        self.title.setText(title if same_span and isinstance(title, str) else "")

    def remember(self) -> None:
        if self.settings is None:
            return
        w, h = self.chosen_size()
        data = {
            "width": w,
            "height": h,
            "frames": self.frames.value(),
            "fps": self.fps.value(),
            "ease": self.ease.isChecked(),
            "overlay": self.overlay.isChecked(),
            "title": self.title.text(),
            "title_span": [self.start.text(), self.stop.text()],
            "out": self.out.text(),
            "camera": self.camera.currentData(),
        }
        self.settings.setValue(SETTINGS_KEY, json.dumps(data))

    # -- the camera ---------------------------------------------------------------------------------------
    def camera_intent(self, start: float, stop: float, ease: float | None) -> CameraIntent:
        """The chosen camera; the flyby camera frames the closest approach of the exported span."""
        c = self.session.camera
        mode = self.camera.currentData()
        target = "IO" if is_spacecraft(c.target) else c.target
        if mode == "window":
            return c
        if mode == "follow":
            return c.with_(mode="follow", from_body=None, distance_km=0.06, pan_km=(0.0, 0.0, 0.0))
        if mode == "from":
            return c.with_(mode="from", target=target, from_body="JUNO", distance_km=None, pan_km=(0.0, 0.0, 0.0))
        changes = {"mode": mode, "target": target, "from_body": None, "distance_km": None, "pan_km": (0.0, 0.0, 0.0)}
        if mode == "flyby":
            from perijove.ephemeris.flyby_view import flyby_encounter

            if c.mode == "flyby" and c.encounter_et is not None and start <= c.encounter_et <= stop:
                changes["encounter_et"] = c.encounter_et
            else:
                near = ease if ease is not None else 0.5 * (start + stop)
                key = (str(target), near)  # asked again each time the form changes: a search of 40-80 ms
                if key not in self._closest:
                    try:
                        self._closest[key] = flyby_encounter(self.session.eph, target, near)
                    except PerijoveError as err:  # no flyby there: said at once, and the next time asked
                        self._closest[key] = err
                if isinstance(self._closest[key], PerijoveError):
                    raise self._closest[key]
                changes["encounter_et"] = self._closest[key]
        return c.with_(**changes)

    def prefill_flyby(self, et: float, half_span: float, seconds: float) -> None:
        """An eased movie of the hour around a closest approach, ``seconds`` long."""
        clock = self.session.clock
        self.start.setText(et_to_utc(max(clock.start, et - half_span), 3))  # to the ms, as the event list
        self.stop.setText(et_to_utc(min(clock.stop, et + half_span), 3))
        self._restore_title()  # this flyby's own title, if one was written for it
        self.frames.setValue(round(seconds * self.fps.value()))
        self.ease.setChecked(True)
        self.ease.setText(f"Slow down around the closest approach ({et_to_utc(et, 3)} UTC)")
        self.ease_et = et
        self.camera.setCurrentIndex(self.camera.findData("flyby"))
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

    def _movie(self) -> tuple[tuple[int, int], FramePlan, CameraIntent, dict | None]:
        """The size, frame plan, camera and overlay the form asks for; PerijoveError says what is wrong."""
        from perijove.export import FramePlan
        from perijove.export.overlay import Overlay
        from perijove.model.frame_size import parse_size

        start, stop = to_et(self.start.text()), to_et(self.stop.text())
        size = parse_size("x".join(map(str, self.chosen_size())))
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
        camera = self.camera_intent(start, stop, plan.ease_et)
        for body in ("JUNO", camera.target):
            import numpy as np

            self.session.eph.check_coverage(body, np.array([start, stop]))
        return size, plan, camera, overlay

    def update_overlay_note(self) -> None:
        """Say which overlay rows frames of the chosen size will have no room for (nothing if all fit,
        or while the form cannot make a movie: its error is told on Export)."""
        from perijove.export.overlay import Overlay, say_left_out
        from perijove.export.runner import overlay_left_out

        self._note_timer.stop()
        text = ""
        if self.overlay.isChecked() or self.title.text():  # else no overlay: nothing to leave out
            try:
                size, plan, camera, overlay = self._movie()
                left = overlay_left_out(
                    self.session.eph, plan, size, camera, Overlay(**overlay), most_frames=NOTE_MOST_FRAMES
                )
                if left:
                    text = (
                        f"At {size[0]}×{size[1]} the overlay has no room for {say_left_out(left)}:"
                        f" {'it' if len(left) == 1 else 'they'} will be left out."
                    )
            except PerijoveError:
                text = ""
        self.overlay_note.setText(text)
        self.overlay_note.setVisible(bool(text))
        self._fit_height()

    def _show_error(self, text: str) -> None:
        self.error.setText(text.replace("/", "/\u200b"))  # a break opportunity after each "/" of a path
        self.error.setVisible(bool(text))
        self._fit_height()

    def _clear_error(self) -> None:
        if self.error.text():
            self._show_error("")

    def error_text(self) -> str:
        """The refusal shown, as it was said (without the line-break hints)."""
        return self.error.text().replace("\u200b", "")

    def _fit_height(self) -> None:
        # A wrapped label's height depends on its width, which the form's layout does not ask for when
        # the row appears: grow the dialog to the rows' height so that no line is squeezed.
        self.layout().activate()
        wanted = self.layout().totalHeightForWidth(self.width())
        if wanted > self.height():
            self.resize(self.width(), wanted)

    def build_job(self) -> dict:
        """The export job for the worker; raises PerijoveError with a reason when the form is wrong."""
        from perijove.export import DestinationExists, check_destination
        from perijove.model.frame_size import parse_size

        out = Path(self.out.text()).expanduser()
        size = parse_size("x".join(map(str, self.chosen_size())))
        self.replaces = None
        try:
            check_destination(out, size, self.fps.value(), overwrite=False)
        except DestinationExists as err:
            # Everything but consent: a folder of someone else's files or a read-only disk is no
            # question. (Checked again only when something is there: each check reads the head of
            # every existing frame.) What would be replaced is kept for _accept to ask about.
            check_destination(out, size, self.fps.value(), overwrite=True)
            self.replaces = err.paths
        size, plan, camera, overlay = self._movie()
        job = {
            "kernels": [str(f.path) for f in self.session.kernels.files],
            "plan": asdict(plan),
            "out": str(out),
            "size": list(size),
            "camera": asdict(camera),
            "display": {k: v for k, v in asdict(self.session.display).items()},
            "overlay": overlay,
            "overwrite": False,  # _accept sets it once the user has agreed to replace what is there
        }
        return job

    def _accept(self) -> None:
        self._clear_error()  # not beside the question below, if the form was corrected
        try:
            job = self.build_job()
        except PerijoveError as err:
            self._show_error(str(err))
            return
        if self.replaces:
            if not self.confirm_overwrite(self.replaces):
                return
            job["overwrite"] = True
        self.job = job
        self.remember()
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
    from perijove.export.overlay import say_left_out
    from perijove.ui.progress import job_progress
    from perijove.ui.workers import ExportJob

    worker = ExportJob(job, parent)
    label = f"Exporting {job['plan']['frames']} frames…"
    dialog = job_progress(parent, worker, "Export", label)
    started = time.monotonic()

    def remaining(fraction: float, text: str) -> None:  # after job_progress's own label: this one shows
        dialog.setLabelText(f"{label} {text}".strip() + time_left(time.monotonic() - started, fraction))

    worker.progress.connect(remaining)

    def finished(path: str, frames: int) -> None:
        note = f" ({say_left_out(worker.left_out)} left out of the overlay: no room)" if worker.left_out else ""
        for table in worker.kept:
            note += f"; {table} is from an earlier export and was left as it was"
        on_message(f"Exported {frames} frames to {path}{note}")

    worker.finished.connect(finished)
    worker.cancelled.connect(lambda: on_message("Export cancelled; nothing was written"))
    worker.failed.connect(lambda message: on_message(f"⚠ {message}"))
    worker.start()
    return worker


def time_left(elapsed_s: float, fraction: float) -> str:
    """The time left, from the pace so far, as text to append to the progress label.

    Nothing until there is a pace to go by: the first frames include starting the renderer.
    """
    if not 0.0 < fraction < 1.0 or elapsed_s < 1.0:
        return ""
    left = elapsed_s * (1.0 - fraction) / fraction
    if left >= 3600:
        return f", about {int(left // 3600)} h {int(left % 3600 // 60)} min left"
    if left >= 60:
        return f", about {int(left // 60)} min {int(left % 60)} s left"
    return f", about {max(round(left), 1)} s left"
