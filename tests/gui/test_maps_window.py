"""Maps in the window: drop an image or use View → Maps…; bad files change nothing; the choice persists."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import to_et

GREEN = (20, 220, 40)


def _look_at_io(window) -> None:
    """Io filling the middle of the view, lit all round, nothing drawn over it."""
    s = window.session
    s.clock.set_et(to_et("2023-12-30T08:36:00"))
    s.set_display(s.display.with_(labels=False, trajectory=False, moon_orbits=False, stars=False, night_brightness=1.0))
    s.set_camera(
        s.camera.with_(mode="orbit", target="IO", from_body=None, distance_km=8000.0, fov_deg=30.0, elevation_deg=0.0)
    )


def _centre(window) -> np.ndarray:
    """Mean colour of the middle of the rendered frame (Io's disc)."""
    image = window.canvas.render()[:, :, :3].astype(float)
    h, w = image.shape[:2]
    return image[h // 2 - 20 : h // 2 + 20, w // 2 - 20 : w // 2 + 20].reshape(-1, 3).mean(axis=0)


def _green(colour: np.ndarray) -> bool:
    return colour[1] > 2.0 * max(colour[0], colour[2]) and colour[1] > 60


def _map(path, size=(256, 128), colour=GREEN):
    Image.new("RGB", size, colour).save(path)
    return path


def _drop(window, *paths) -> None:
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in paths])
    event = QtGui.QDropEvent(
        QtCore.QPointF(300, 300),
        QtCore.Qt.DropAction.CopyAction,
        mime,
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def _answer_body_question(answer: str | None = None, asked: list | None = None) -> None:
    """Accept the "which body?" question when it appears (its offered choice unless ``answer``)."""

    def accept() -> None:
        dialog = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(dialog, QtWidgets.QInputDialog):
            QtCore.QTimer.singleShot(50, accept)
            return
        if asked is not None:
            asked.append(dialog.textValue())
        if answer is not None:
            dialog.setTextValue(answer)
        dialog.accept()

    QtCore.QTimer.singleShot(50, accept)


def test_dropping_an_image_puts_the_map_on_the_target_body(window, qtbot, tmp_path):
    _look_at_io(window)
    before = _centre(window)
    assert not _green(before)
    path = _map(tmp_path / "green.png")
    asked: list[str] = []
    _answer_body_question(asked=asked)
    _drop(window, path)
    assert asked == ["Io"]  # the camera's target is offered first
    assert window.session.display.maps["io"] == str(path)
    assert "Io map: green.png" in window.statusBar().currentMessage()
    assert _green(_centre(window))  # the rendered disc wears the dropped map
    # Another body named in the question gets it instead; Io keeps its own.
    other = _map(tmp_path / "red.png", colour=(220, 20, 20))
    _answer_body_question("Europa")
    _drop(window, other)
    assert window.session.display.maps["europa"] == str(other) and window.session.display.maps["io"] == str(path)
    assert _green(_centre(window))


def test_maps_dialog_chooses_and_resets_to_the_default(window, qtbot, tmp_path):
    _look_at_io(window)
    default = _centre(window)
    dialog = window.open_maps_dialog()
    assert dialog.labels["io"].text().startswith("shipped")
    assert not dialog.reset_buttons["io"].isEnabled()
    assert dialog.choose("io", str(_map(tmp_path / "green.png")))
    assert dialog.labels["io"].text() == "green.png" and dialog.reset_buttons["io"].isEnabled()
    assert _green(_centre(window))
    dialog.latitude_boxes["io"].setCurrentIndex(1)
    dialog.latitude_boxes["io"].activated.emit(1)
    assert window.session.display.map_latitudes == {"io": "planetographic"}
    dialog.reset_buttons["io"].click()
    assert "io" not in window.session.display.maps and "io" not in window.session.display.map_latitudes
    assert dialog.labels["io"].text().startswith("shipped") and not dialog.latitude_boxes["io"].isEnabled()
    assert np.abs(_centre(window) - default).max() < 2.0  # the shipped map again
    dialog.procedural.setChecked(True)
    assert window.session.display.procedural_maps and dialog.labels["io"].text() == "procedural"
    dialog.close()


BAD = {
    "notes.png": (b"this is text, not a picture", "not an image"),
    "square.png": ((300, 300), "not a global map"),
    "cut.png": ("truncated", "cannot read"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_map_is_one_message_and_changes_nothing(window, qtbot, tmp_path, name):
    _look_at_io(window)
    before_display = window.session.display
    before = _centre(window)
    path = tmp_path / name
    content, message = BAD[name]
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "truncated":
        noise = np.random.default_rng(0).integers(0, 256, (128, 256, 3), dtype=np.uint8)
        Image.fromarray(noise).save(path)
        path.write_bytes(path.read_bytes()[:3000])
    else:
        _map(path, size=content)
    _answer_body_question()
    _drop(window, path)
    text = window.statusBar().currentMessage()
    assert "Map not used" in text and name in text and message in text and "\n" not in text
    assert window.session.display == before_display
    assert np.abs(_centre(window) - before).max() < 1.0


def test_a_drop_of_kernels_and_a_map_does_both(window, qtbot, tmp_path):
    bad_kernel = tmp_path / "broken.bsp"
    bad_kernel.write_bytes(b"DAF/SPK " + b"\x00" * 600)
    path = _map(tmp_path / "green.png")
    _answer_body_question()
    _drop(window, path, bad_kernel)
    assert window.session.display.maps.get(window.session.camera.target.lower()) == str(path)
    assert "broken.bsp" in window.last_error  # the kernel went to the kernel loader, as before


def test_maps_persist_and_a_missing_file_is_dropped_with_a_note(window, qtbot, tmp_path):
    from perijove.ui import maps_dialog
    from perijove.ui.main_window import MainWindow

    path = _map(tmp_path / "green.png")
    maps_dialog.set_map(window, "io", path, latitude="planetographic")
    maps_dialog.set_map(window, "jupiter", _map(tmp_path / "j.png"))
    maps_dialog.reset_map(window, "jupiter")
    window.close()
    again = MainWindow(settings=window.settings)
    qtbot.addWidget(again)
    assert again.session.display.maps["io"] == str(path) and "jupiter" not in again.session.display.maps
    assert again.session.display.map_latitudes == {"io": "planetographic"}
    again.close()
    path.unlink()
    third = MainWindow(settings=window.settings)
    qtbot.addWidget(third)
    assert "io" not in third.session.display.maps
    message = third.statusBar().currentMessage()
    assert "Io map" in message and "green.png" in message and "missing" in message
    third.resize(600, 400)
    third.show()
    qtbot.waitUntil(lambda: third.canvas.frames_drawn > 0, timeout=30_000)
    assert third.canvas.render()[:, :, :3].max() > 50  # drawing, with the default map
    third.close()
