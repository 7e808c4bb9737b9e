"""The View dock: camera mode, target, viewpoint, field of view, layers, trail and HUD.

Its widgets follow the session whoever changed it (a key, a menu, restored settings), and a
widget's own change goes to the session, never straight to the scene.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtGui, QtWidgets

from perijove.model.display import format_duration, parse_duration
from perijove.model.session import Session
from perijove.ui.refusal import Refusal

TRAIL_PRESETS = ("1 h", "6 h", "1 d", "3 d", "10 d", "38 d")  # 38 d: a whole orbit
CAMERA_MODES = (
    ("Orbit target", "orbit"),
    ("Follow Juno", "follow"),
    ("View from…", "from"),
    ("Body-fixed", "bodyfixed"),
    ("Flyby (lit side, Juno's path)", "flyby"),
    ("JunoCam", "junocam"),
)
TARGETS = ("Jupiter", "Io", "Europa", "Ganymede", "Callisto", "Juno")
VIEWPOINTS = ("Sun", "Juno", "Earth", "Jupiter", "Io")
LAYERS = (
    ("labels", "Labels"),
    ("stars", "Stars"),
    ("trajectory", "Trajectory"),
    ("moon_orbits", "Moon orbits"),
    ("shadows", "Eclipse shadows"),
)


class ViewPanel(QtWidgets.QWidget):
    def __init__(
        self,
        session: Session,
        set_mode: Callable[[str], None],
        set_target: Callable[[str], None],
        set_from: Callable[[str], None],
        show_error: Callable[[str], None],
        withdraw_error: Callable[[str], None] = lambda message: None,
    ) -> None:
        super().__init__()
        self.session = session
        self._trail_refusal = Refusal(show_error, withdraw_error)
        form = QtWidgets.QFormLayout(self)
        self.mode_box = QtWidgets.QComboBox()
        for label, mode in CAMERA_MODES:
            self.mode_box.addItem(label, mode)
        self.mode_box.activated.connect(lambda _i: set_mode(self.mode_box.currentData()))
        form.addRow("Camera", self.mode_box)
        self.target_box = QtWidgets.QComboBox()
        for name in TARGETS:
            self.target_box.addItem(name, name.upper())
        self.target_box.activated.connect(lambda _i: set_target(self.target_box.currentData()))
        form.addRow("Target", self.target_box)
        self.from_box = QtWidgets.QComboBox()
        for name in VIEWPOINTS:
            self.from_box.addItem(name, name.upper())
        self.from_box.activated.connect(lambda _i: set_from(self.from_box.currentData()))
        form.addRow("View from", self.from_box)
        self.fov = QtWidgets.QDoubleSpinBox()
        self.fov.setRange(1.0, 120.0)
        self.fov.setSuffix("°")
        self.fov.valueChanged.connect(lambda v: session.set_camera(session.camera.with_(fov_deg=float(v))))
        form.addRow("Field of view", self.fov)
        self.toggles: dict[str, QtWidgets.QCheckBox] = {}
        for key, label in LAYERS:
            box = QtWidgets.QCheckBox(label)
            box.setChecked(getattr(session.display, key))
            box.toggled.connect(lambda on, k=key: session.set_display(session.display.with_(**{k: on})))
            form.addRow(box)
            self.toggles[key] = box
        self.colour_box = QtWidgets.QComboBox()
        self.colour_box.addItem("by time", "time")
        self.colour_box.addItem("by distance to target", "distance")
        self.colour_box.activated.connect(
            lambda _i: session.set_display(session.display.with_(trajectory_color=self.colour_box.currentData()))
        )
        form.addRow("Trajectory colour", self.colour_box)
        scale = QtWidgets.QWidget()
        scale_row = QtWidgets.QHBoxLayout(scale)
        scale_row.setContentsMargins(0, 0, 0, 0)
        self.colour_scale = QtWidgets.QLabel()
        self.colour_scale.setPixmap(_distance_scale(120, 10))
        self.colour_scale.setToolTip("The trail's colour by distance to the target (log scale); the future is cooler")
        self.colour_scale_text = QtWidgets.QLabel("1,000 km … 10M km")
        scale_row.addWidget(self.colour_scale)
        scale_row.addWidget(self.colour_scale_text, 1)
        self._scale_row = scale
        form.addRow("", scale)
        scale.setVisible(session.display.trajectory_color == "distance")
        self.trail_box = QtWidgets.QComboBox()
        self.trail_box.setEditable(True)
        self.trail_box.addItems(TRAIL_PRESETS)
        self.trail_box.setToolTip("How much of Juno's path is drawn behind it: 1 min to 38 d (an orbit)")
        self.trail_box.lineEdit().editingFinished.connect(lambda: self.set_trail(self.trail_box.currentText()))
        self.trail_box.activated.connect(lambda _i: self.set_trail(self.trail_box.currentText()))
        form.addRow("Trail", self.trail_box)
        self.hud_box = QtWidgets.QCheckBox("Heads-up display")
        self.hud_box.setChecked(session.display.hud)
        self.hud_box.toggled.connect(lambda on: session.set_display(session.display.with_(hud=on)))
        form.addRow(self.hud_box)
        self.sync_camera()

    def set_trail(self, text: str) -> bool:
        """The trail's length from what the user typed (6 h, 3 d, 38 d…); a bad entry is refused and named."""
        try:
            days = parse_duration(text) / 86400.0
            display = self.session.display.with_(trajectory_past_days=days)
        except ValueError as err:
            self._trail_refusal.say(str(err))
            self.trail_box.setEditText(format_duration(self.session.display.trajectory_past_days * 86400.0))
            return False
        self._trail_refusal.taken()
        self.session.set_display(display)
        return True

    def sync_camera(self) -> None:
        c = self.session.camera
        for box, value in (
            (self.mode_box, c.mode),
            (self.target_box, c.target.upper()),
            (self.from_box, (c.from_body or "SUN").upper()),
        ):
            i = box.findData(value)
            if i >= 0:
                box.setCurrentIndex(i)
        self.fov.blockSignals(True)
        self.fov.setValue(c.fov_deg)
        self.fov.blockSignals(False)
        self.fov.setEnabled(c.mode != "junocam")  # JunoCam's field is its own: 58° wide
        self.from_box.setEnabled(c.mode == "from")

    def sync_display(self, display) -> None:
        for key, box in self.toggles.items():
            box.blockSignals(True)
            box.setChecked(getattr(display, key))
            box.blockSignals(False)
        self.hud_box.blockSignals(True)
        self.hud_box.setChecked(display.hud)
        self.hud_box.blockSignals(False)
        i = self.colour_box.findData(display.trajectory_color)
        if i >= 0:
            self.colour_box.setCurrentIndex(i)
        self._scale_row.setVisible(display.trajectory_color == "distance")
        if not self.trail_box.lineEdit().hasFocus():
            self.trail_box.setEditText(format_duration(display.trajectory_past_days * 86400.0))


def _distance_scale(width: int, height: int) -> QtGui.QPixmap:
    """The distance colouring's key, 1,000 km to 10 million km, from the trail's own colour function."""
    import numpy as np

    from perijove.render.trajectory import distance_colour

    rgb = distance_colour(np.logspace(3.0, 7.0, width))
    pixels = np.ascontiguousarray(np.broadcast_to((rgb * 255).round().astype(np.uint8), (height, width, 3)))
    image = QtGui.QImage(pixels.data, width, height, 3 * width, QtGui.QImage.Format.Format_RGB888)
    return QtGui.QPixmap.fromImage(image.copy())
