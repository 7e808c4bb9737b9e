"""View → Maps…, and image files dropped on the window: which global map each body wears.

A map is checked and reduced before the body gets it (``textures.load_map``: an image, not too
big, 2:1, decodable), so a bad file gives one line in the status bar and changes nothing, and the
next frame finds the reduced map in the render cache instead of stalling on a 200 MB decode.
The same checks refuse a bad ``perijove render --map``. The user's choices persist in the
settings ("maps"); fetched maps (File → Get official kernels…, the maps set) are the download
cache's, and "Default" goes back to them where they exist.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from perijove.ephemeris.bodies import body_id
from perijove.model.display import MAP_BODIES, MAP_LATITUDES, DisplayOptions
from perijove.model.settings import StoredState, map_state, write_settings
from perijove.render.textures import MAP_SUFFIXES, SHIPPED_MAPS, load_map, map_choice

IMAGE_FILTER = "Global maps, equirectangular 2:1 (*.jpg *.jpeg *.png *.tif *.tiff);;All files (*)"
LATITUDE_TIPS = {
    "planetocentric": "Rows are planetocentric latitude (USGS mosaics, the shipped maps)",
    "planetographic": "Rows are planetographic latitude (JunoCam map products); matters most on Jupiter",
}


def is_map_image(path: str | os.PathLike[str]) -> bool:
    """Whether a dropped file is meant as a map (by its name: kernels never end like images)."""
    return Path(path).suffix.lower() in MAP_SUFFIXES


def fetched_maps() -> dict[str, str]:
    """Body -> path of the fetched maps (the download cache's ``maps`` set); none if it cannot be read."""
    from perijove.ephemeris.download import cached_maps

    try:
        return cached_maps()
    except Exception:  # a damaged cache costs the fetched maps, never the dialog
        return {}


def describe(display: DisplayOptions, body: str, fetched: dict[str, str]) -> str:
    """Which map ``body`` wears, in a few words (``textures.map_choice`` decides it for the scene too)."""
    choice = map_choice(body_id(body), display)
    if choice.kind == "file":
        return f"fetched: {choice.describe()}" if fetched.get(body) == choice.path else choice.describe()
    return f"shipped: {SHIPPED_MAPS[body_id(body)]}" if choice.kind == "shipped" else "procedural"


def remember(window) -> None:
    """Keep the user's maps in the settings at once (as bookmarks are), not only on quit."""
    maps = map_state(window.session.display, fetched_maps())
    window.settings.setValue("maps", write_settings(StoredState(maps=maps))["maps"])


def set_map(window, body: str, path: str | os.PathLike[str], latitude: str | None = None) -> bool:
    """Put the image at ``path`` on ``body``; False (and one status line) if it is not a usable map."""
    path = str(path)
    QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
    try:
        image = load_map(path)  # every check, and the reduced copy into the render cache
    except ValueError as err:
        window.show_error(f"Map not used: {err}")
        return False
    finally:
        QtWidgets.QApplication.restoreOverrideCursor()
    d = window.session.display
    latitudes = {k: v for k, v in d.map_latitudes.items() if k != body}
    if latitude is not None and latitude != "planetocentric":
        latitudes[body] = latitude
    window.session.set_display(d.with_(maps={**d.maps, body: path}, map_latitudes=latitudes))
    remember(window)
    height, width = image.shape[:2]
    window.statusBar().showMessage(f"{body.capitalize()} map: {Path(path).name} ({width} x {height} texels)", 8000)
    return True


def reset_map(window, body: str) -> None:
    """The body's default map back: the fetched one where it exists, else shipped or procedural."""
    d = window.session.display
    maps = {k: v for k, v in d.maps.items() if k != body}
    fetched = fetched_maps()
    if body in fetched:
        maps[body] = fetched[body]
    latitudes = {k: v for k, v in d.map_latitudes.items() if k != body}
    window.session.set_display(d.with_(maps=maps, map_latitudes=latitudes))
    remember(window)
    window.statusBar().showMessage(f"{body.capitalize()} map: {describe(window.session.display, body, fetched)}", 5000)


def set_latitudes(window, body: str, latitude: str) -> None:
    """Declare how the rows of ``body``'s own map are spaced (the mesh places them where SPICE does)."""
    if latitude not in MAP_LATITUDES:
        raise ValueError(f"latitudes must be one of {', '.join(MAP_LATITUDES)}")
    d = window.session.display
    latitudes = {k: v for k, v in d.map_latitudes.items() if k != body}
    if latitude != "planetocentric":
        latitudes[body] = latitude
    window.session.set_display(d.with_(map_latitudes=latitudes))
    remember(window)


def restore_maps(window, maps: dict[str, tuple[str, str]]) -> list[str]:
    """Apply stored maps at start; a note for each one that no longer loads (it is dropped)."""
    notes, good = [], {}
    for body, (path, latitude) in maps.items():
        try:
            load_map(path)  # normally read back from the render cache in milliseconds
        except ValueError as err:
            notes.append(f"The {body.capitalize()} map was dropped ({err})")
            continue
        good[body] = (path, latitude)
    if good:
        d = window.session.display
        latitudes = {k: v for k, v in d.map_latitudes.items() if k not in good}
        latitudes.update({b: lat for b, (_p, lat) in good.items() if lat != "planetocentric"})
        window.session.set_display(
            d.with_(maps={**d.maps, **{b: p for b, (p, _lat) in good.items()}}, map_latitudes=latitudes)
        )
    return notes


def ask_body(window, path: str) -> str | None:
    """Which body a dropped map goes on; the camera's target is offered first."""
    target = (window.session.camera.target or "").lower()
    labels = [b.capitalize() for b in MAP_BODIES]
    current = MAP_BODIES.index(target) if target in MAP_BODIES else MAP_BODIES.index("io")
    item, ok = QtWidgets.QInputDialog.getItem(
        window, "Put a map on a body", f"Put {Path(path).name} on:", labels, current, False
    )
    return item.lower() if ok and item else None


def drop_images(window, paths: list[str]) -> list[str]:
    """Put each dropped map image on the body the user names; the other files (kernels) are returned."""
    for path in [p for p in paths if is_map_image(p)]:
        body = ask_body(window, path)
        if body is not None:
            set_map(window, body, path)
    return [p for p in paths if not is_map_image(p)]


class MapsDialog(QtWidgets.QDialog):
    """Per body: the map in use, its latitude convention, choose a file, back to the default."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Maps")
        layout = QtWidgets.QVBoxLayout(self)
        note = QtWidgets.QLabel(
            "Global maps are equirectangular images twice as wide as high, 0° east longitude at the left "
            "edge, north up. Drop one on the window to put it on a body."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        grid = QtWidgets.QGridLayout()
        for col, title in enumerate(("Body", "Map", "Latitudes")):
            grid.addWidget(QtWidgets.QLabel(f"<b>{title}</b>"), 0, col)
        self.labels: dict[str, QtWidgets.QLabel] = {}
        self.latitude_boxes: dict[str, QtWidgets.QComboBox] = {}
        self.reset_buttons: dict[str, QtWidgets.QPushButton] = {}
        for row, body in enumerate(MAP_BODIES, start=1):
            grid.addWidget(QtWidgets.QLabel(body.capitalize()), row, 0)
            label = QtWidgets.QLabel()
            label.setMinimumWidth(260)
            self.labels[body] = label
            grid.addWidget(label, row, 1)
            box = QtWidgets.QComboBox()
            for latitude in MAP_LATITUDES:
                box.addItem(latitude, latitude)
                box.setItemData(box.count() - 1, LATITUDE_TIPS[latitude], QtCore.Qt.ItemDataRole.ToolTipRole)
            box.setToolTip("How the rows of this body's own map are spaced (the shipped maps are planetocentric)")
            box.activated.connect(
                lambda _i, b=body: set_latitudes(self.window_, b, self.latitude_boxes[b].currentData())
            )
            self.latitude_boxes[body] = box
            grid.addWidget(box, row, 2)
            choose = QtWidgets.QPushButton("Choose…")
            choose.setToolTip(f"Put an image file on {body.capitalize()}")
            choose.clicked.connect(lambda _c=False, b=body: self.choose(b))
            grid.addWidget(choose, row, 3)
            reset = QtWidgets.QPushButton("Default")
            reset.setToolTip("Back to the default map (fetched, shipped or procedural)")
            reset.clicked.connect(lambda _c=False, b=body: reset_map(self.window_, b))
            self.reset_buttons[body] = reset
            grid.addWidget(reset, row, 4)
        layout.addLayout(grid)
        self.procedural = QtWidgets.QCheckBox("Procedural maps for Io and Jupiter instead of the shipped real ones")
        self.procedural.toggled.connect(self._procedural_toggled)
        layout.addWidget(self.procedural)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        window.session.display_changed.connect(self._refresh)
        self.finished.connect(lambda _r: window.session.display_changed.disconnect(self._refresh))
        self._refresh(window.session.display)

    def choose(self, body: str, path: str | None = None) -> bool:
        """Ask for an image (unless given) and put it on ``body``."""
        if path is None:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(self, f"Map for {body.capitalize()}", "", IMAGE_FILTER)
            if not path:
                return False
        return set_map(self.window_, body, path, self.latitude_boxes[body].currentData())

    def _procedural_toggled(self, on: bool) -> None:
        d = self.window_.session.display
        self.window_.session.set_display(d.with_(procedural_maps=on))

    def _refresh(self, display: DisplayOptions) -> None:
        fetched = fetched_maps()
        for body in MAP_BODIES:
            own = body in display.maps
            self.labels[body].setText(describe(display, body, fetched))
            self.labels[body].setToolTip(display.maps.get(body, ""))
            box = self.latitude_boxes[body]
            box.setCurrentIndex(box.findData(display.map_latitudes.get(body, "planetocentric")))
            box.setEnabled(own)
            self.reset_buttons[body].setEnabled(own and fetched.get(body) != display.maps[body])
        self.procedural.blockSignals(True)
        self.procedural.setChecked(display.procedural_maps)
        self.procedural.blockSignals(False)
