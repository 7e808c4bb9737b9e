"""What a user meets in the first minutes: the HUD, dialogs that close, settings that cannot
break start-up, focus and camera limits. Each test drives the real window."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import radii, to_et


def _visible_progress(win) -> list:
    return [d for d in win.findChildren(QtWidgets.QProgressDialog) if d.isVisible()]


def _new_window(qtbot, settings):
    from perijove.ui.main_window import MainWindow

    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    return win


def test_hud_has_its_text_before_the_first_frame_and_h_shows_it(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = _new_window(qtbot, settings)
    assert "UTC " in win.hud.text() and "Distance" in win.hud.text()  # before show, before any time change
    win.show()
    qtbot.waitUntil(lambda: win.canvas.frames_drawn > 0, timeout=30_000)
    assert win.hud.isVisible()
    assert win.hud.text().startswith(f"UTC {win.hud_values['utc']}")
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=5000)
    win.canvas.native.setFocus()
    qtbot.keyClick(win.canvas.native, QtCore.Qt.Key.Key_H)
    assert not win.hud.isVisible() and not win.session.display.hud and not win.hud_box.isChecked()
    win.session.clock.step(3600)  # time moves while hidden
    qtbot.keyClick(win.canvas.native, QtCore.Qt.Key.Key_H)
    assert win.hud.isVisible() and win.hud_box.isChecked()
    assert win.hud.text().startswith(f"UTC {win.hud_values['utc']}") and win.hud_values["et"] == win.session.clock.et
    # The box stays in the top-left corner, never wider than half the view.
    geo = win.hud.geometry()
    assert geo.left() < 20 and geo.top() < 20 and geo.width() < win.canvas.native.width() / 2
    win.close()


def test_search_progress_closes_even_when_searches_overlap(window, qtbot):
    window.search_events()
    assert window.search_progress.isVisible()  # progress in the status bar, with a cancel button
    window.search_events()  # the first is superseded: its progress must not linger
    qtbot.waitUntil(lambda: window._search is None or not window._search.running, timeout=60_000)
    qtbot.wait(1200)  # past any dialog's delay before showing
    assert _visible_progress(window) == []
    assert not window.search_progress.isVisible() and not window.search_cancel.isVisible()
    assert any(e.kind == "shadow-transit" for e in window.session.events)  # the late kinds arrived too


def test_export_progress_closes_on_success_and_failure(window, qtbot, tmp_path):
    from perijove.ui.export_dialog import ExportDialog

    window.session.clock.set_et(to_et("2023-12-30T08:36:00"))
    dialog = ExportDialog(window.session, window)
    dialog.frames.setValue(3)
    dialog.size.setCurrentText("640x360")
    dialog.out.setText(str(tmp_path / "ok.mp4"))
    worker = window.start_export(dialog.build_job())
    qtbot.waitUntil(lambda: not worker.running, timeout=120_000)
    qtbot.wait(50)
    assert (tmp_path / "ok.mp4").is_file() and _visible_progress(window) == []
    job = dialog.build_job()
    job["kernels"] = [*job["kernels"], str(tmp_path / "gone.bsp")]  # the child fails to load it
    job["out"] = str(tmp_path / "bad.mp4")
    worker = window.start_export(job)
    qtbot.waitUntil(lambda: not worker.running, timeout=120_000)
    qtbot.wait(50)
    assert _visible_progress(window) == [] and "gone.bsp" in window.last_error


def test_closing_during_an_export_asks_and_a_confirmed_close_leaves_no_partial_file(window, qtbot, tmp_path):
    from perijove.ui.export_dialog import ExportDialog

    window.session.clock.set_et(to_et("2023-12-30T08:36:00"))
    dialog = ExportDialog(window.session, window)
    dialog.frames.setValue(3000)
    dialog.size.setCurrentText("640x360")
    out = tmp_path / "long.mp4"
    dialog.out.setText(str(out))
    worker = window.start_export(dialog.build_job())
    qtbot.waitUntil(lambda: worker.dialog.value() > 0, timeout=120_000)
    asked = []
    window.confirm_quit_during_export = lambda: asked.append(1) or False
    window.close()
    assert asked and window.isVisible() and worker.running  # "no": the export goes on
    window.confirm_quit_during_export = lambda: asked.append(2) or True
    window.close()
    assert asked[-1] == 2 and not window.isVisible()
    assert not worker.running and not worker.alive
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".long")]


def test_the_quit_question_goes_when_the_export_it_asks_about_ends(window, qtbot):
    """The question "An export is still running… Nothing of it will be kept" stayed up after the
    export had finished and the status bar said so; it now closes itself and the quit goes on."""

    class Job:
        running = True

    job = Job()
    window.jobs.exports.append(job)
    QtCore.QTimer.singleShot(300, lambda: setattr(job, "running", False))

    def give_up() -> None:  # never hang the test run: answer "no" to whatever is still open
        box = QtWidgets.QApplication.activeModalWidget()
        if box is not None:
            box.reject()

    QtCore.QTimer.singleShot(8000, give_up)
    assert window.confirm_quit_during_export() is True
    window.jobs.exports.remove(job)


def test_trajectory_colour_widget_matches_the_restored_setting(window, qtbot):
    i = window.colour_box.findData("distance")
    window.colour_box.setCurrentIndex(i)
    window.colour_box.activated.emit(i)
    assert window.session.display.trajectory_color == "distance"
    window.close()
    again = _new_window(qtbot, window.settings)
    assert again.session.display.trajectory_color == "distance"
    assert again.colour_box.currentData() == "distance"
    again.close()


def test_new_events_clear_the_selection(window, qtbot):
    table = window.events
    table.selectRow(3)
    assert table.selectionModel().selectedRows()
    window.session.set_events(list(window.session.events[5:]))  # what a kernel load ends with
    assert table.selectionModel().selectedRows() == []


def test_leaving_full_screen_restores_a_maximized_window(window, qtbot):
    window.showMaximized()
    qtbot.waitUntil(lambda: window.isMaximized(), timeout=5000)
    window.toggle_full_screen()
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=5000)
    window.toggle_full_screen()
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=5000)
    assert window.isMaximized()


BAD_SETTINGS = {
    "et": "nan",
    "rate": "inf",
    "camera": '{"mode": "orbit", "target": "IO", "distance_km": NaN, "fov_deg": 40}',
    "display": '["labels", false]',
    "bookmarks": '[{"name": "x", "et": "soon"}, 7]',
    "recent": '{"a": 1}',
    "kernels": "[1, 2]",
    "geometry": "not a geometry",
    "state": "12",
}


@pytest.mark.parametrize("key", sorted(BAD_SETTINGS))
def test_a_malformed_setting_is_dropped_with_a_note_and_the_app_starts(qtbot, tmp_path, key):
    ini = tmp_path / "bad.ini"
    settings = QtCore.QSettings(str(ini), QtCore.QSettings.Format.IniFormat)
    settings.setValue(key, BAD_SETTINGS[key])
    settings.sync()
    win = _new_window(qtbot, settings)
    assert key in win.statusBar().currentMessage() and "settings" in win.statusBar().currentMessage()
    win.resize(800, 500)
    win.show()
    qtbot.waitUntil(lambda: win.canvas.frames_drawn > 0, timeout=30_000)
    clock = win.session.clock
    assert math.isfinite(clock.et) and clock.start <= clock.et <= clock.stop
    assert math.isfinite(clock.rate) and clock.rate != 0
    assert key in win.settings_note
    assert win.canvas.render()[:, :, :3].max() > 50  # a scene, not a black canvas
    win.close()


def test_return_in_the_time_field_gives_the_keys_back_to_the_scene(window, qtbot):
    field = window.time_field
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "2023-12-30T08:00:00")
    qtbot.keyClick(field, QtCore.Qt.Key.Key_Return)
    assert window.session.clock.et == pytest.approx(to_et("2023-12-30T08:00:00"))
    assert window.canvas.native.hasFocus()
    qtbot.keyClick(window.focusWidget(), QtCore.Qt.Key.Key_N)
    assert not field.text().lower().endswith("n")
    flyby = next(e for e in window.session.events if e.kind == "flyby" and e.body == "Io")
    assert window.session.clock.et == pytest.approx(flyby.et)


def test_next_event_keeps_the_users_field_of_view_and_mode(window, qtbot):
    s = window.session
    s.clock.set_et(to_et("2023-12-29T00:00"))
    s.set_camera(s.camera.with_(mode="orbit", target="JUPITER", from_body=None, fov_deg=25.0, distance_km=None))
    s.jump_kinds = frozenset({"perijove"})
    window.next_event()
    assert s.camera.fov_deg == 25.0 and s.camera.mode == "orbit"
    event = next(e for e in s.events if abs(e.et - s.clock.et) < 1e-6)
    assert s.camera.target == event.body.upper()
    s.jump_kinds = frozenset({"flyby"})  # a flyby is shown by the flyby camera, with the user's field of view
    window.previous_event()
    assert s.camera.fov_deg == 25.0 and s.camera.mode == "flyby"


@pytest.mark.parametrize("keys", [("2", "4"), ("2", "1"), ("3", "4")])
def test_no_camera_mode_switch_puts_the_camera_inside_a_body(window, qtbot, keys):
    s = window.session
    s.clock.set_et(to_et("2023-12-30T08:30:00"))
    for key in keys:
        qtbot.keyClick(window.canvas.native, getattr(QtCore.Qt.Key, f"Key_{key}"))
        window.canvas.render()
        pose = window.canvas.state.pose
        target = s.camera.target if s.camera.mode != "follow" else None
        if target is None:
            continue
        r = float(np.max(radii(target)))
        assert np.linalg.norm(pose.eye - pose.target) > 1.01 * r


def test_zoom_stops_above_the_surface(window, qtbot):
    s = window.session
    s.set_camera(s.camera.with_(mode="orbit", target="IO", from_body=None))
    window.canvas.zoom(1e-9)
    assert s.camera.distance_km >= 1.01 * float(np.max(radii("IO")))


def test_a_damaged_download_cache_is_a_visible_note_and_the_window_starts(qtbot, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ".perijove-cache").write_text("")
    (cache / "active.json").write_text('{"set": 5, "files": "abc"}')  # valid JSON, wrong types
    monkeypatch.setenv("PERIJOVE_CACHE", str(cache))
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = _new_window(qtbot, settings)
    assert win.data_notes and "active.json" in win.data_notes[0]
    assert "⚠" in win.statusBar().currentMessage() and "active.json" in win.statusBar().currentMessage()
    assert win.session.kernels.provenances()  # the embedded set is loaded
    win.close()


def test_bookmarks_are_named_renamed_and_deleted_and_it_persists(window, qtbot):
    s = window.session
    s.clock.set_et(to_et("2023-12-30T08:36:00"))
    window.add_bookmark("PJ57 Io")
    s.clock.set_et(to_et("2024-02-03T17:48:35"))
    window.add_bookmark("PJ58 Io")
    assert [a.text() for a in window.bookmarks_menu.actions()] == ["PJ57 Io", "PJ58 Io"]
    dialog = window.manage_bookmarks()
    # Names alone do not say which is which: the chosen one's time and camera are shown.
    dialog.list.setCurrentRow(1)
    assert "2024-02-03T17:48:35 UTC" in dialog.details.text() and "flyby camera on Io" in dialog.details.text()
    item = dialog.list.item(0)
    item.setText("Io, first close pass")  # what editing in place ends with
    assert window.stored.bookmarks[0].name == "Io, first close pass"
    dialog.list.item(1).setText("   ")  # an empty name is refused: the old one stays
    assert window.stored.bookmarks[1].name == "PJ58 Io" and dialog.list.item(1).text() == "PJ58 Io"
    dialog.list.setCurrentRow(1)
    dialog.delete()
    assert [m.name for m in window.stored.bookmarks] == ["Io, first close pass"]
    dialog.list.setCurrentRow(0)
    s.clock.set_et(to_et("2024-01-10"))
    dialog.go()
    assert s.clock.et == pytest.approx(to_et("2023-12-30T08:36:00"))
    dialog.accept()
    window.close()
    again = _new_window(qtbot, window.settings)
    assert [a.text() for a in again.bookmarks_menu.actions()] == ["Io, first close pass"]
    again.close()



def test_bookmark_names_stay_apart(window, qtbot):
    """Two bookmarks of one name are one menu entry twice, with nothing to tell which is which:
    a new one with a taken name is numbered, and a rename to a taken name is refused with a word."""
    s = window.session
    s.clock.set_et(to_et("2023-12-30T08:36:00"))
    window.add_bookmark("Io")
    s.clock.set_et(to_et("2023-12-30T09:00:00"))
    window.add_bookmark("Io ")
    assert [m.name for m in window.stored.bookmarks] == ["Io", "Io (2)"]
    assert "Io (2)" in window.statusBar().currentMessage()
    window.add_bookmark("Io")
    assert [m.name for m in window.stored.bookmarks] == ["Io", "Io (2)", "Io (3)"]
    dialog = window.manage_bookmarks()
    dialog.list.item(2).setText("io")  # names differing only in case read as one in the menu
    assert window.stored.bookmarks[2].name == "Io (3)" and dialog.list.item(2).text() == "Io (3)"
    assert "already called 'Io'" in dialog.details.text()  # the name it clashes with, as it is
    dialog.list.item(2).setText("Io & Europa")
    assert window.stored.bookmarks[2].name == "Io & Europa"
    # An "&" is a menu's shortcut marker: the menu shows it as typed, not "Io _Europa".
    assert window.bookmarks_menu.actions()[2].text() == "Io && Europa"
    dialog.accept()


def test_a_deleted_bookmark_can_be_brought_back(window, qtbot):
    """Delete in Manage bookmarks took effect at once with no way back."""
    s = window.session
    for name, utc in (("A", "2023-12-30T08:00:00"), ("B", "2023-12-30T08:36:00"), ("C", "2024-02-03T17:48:00")):
        s.clock.set_et(to_et(utc))
        window.add_bookmark(name)
    dialog = window.manage_bookmarks()
    assert not dialog.undo_button.isEnabled()
    dialog.list.setCurrentRow(1)
    dialog.delete()
    dialog.list.setCurrentRow(0)
    dialog.delete()
    assert [m.name for m in window.stored.bookmarks] == ["C"]
    assert dialog.undo_button.isEnabled() and "A" in dialog.undo_button.toolTip()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    dialog.list.setFocus()
    qtbot.keyClick(dialog.list, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert [m.name for m in window.stored.bookmarks] == ["A", "C"]
    assert dialog.list.currentItem().text() == "A"
    dialog.undo()
    assert [m.name for m in window.stored.bookmarks] == ["A", "B", "C"]
    dialog.list.setCurrentRow(0)
    dialog.delete()  # "A" deleted, another given its name, then brought back: numbered, and said so
    dialog.list.item(0).setText("A")
    dialog.undo()
    assert [m.name for m in window.stored.bookmarks] == ["A (2)", "A", "C"]
    assert "'A (2)'" in dialog.details.text() and "taken" in dialog.details.text()
    dialog.list.item(1).setText("B")
    assert window.stored.bookmarks[1].et == pytest.approx(to_et("2023-12-30T08:36:00"))
    assert [a.text() for a in window.bookmarks_menu.actions()] == ["A (2)", "B", "C"]
    assert not dialog.undo_button.isEnabled()
    dialog.accept()


def test_the_first_frame_comes_before_the_event_search_and_the_plots(qtbot, tmp_path):
    """Start-up draws first: the search's child process and the plots (pyqtgraph) wait for the first frame."""
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = _new_window(qtbot, settings)
    assert win._search is None and win._plot_panel is None  # nothing started before the window shows
    win.show()
    qtbot.waitUntil(lambda: win.canvas.frames_drawn > 0, timeout=30_000)
    qtbot.waitUntil(lambda: win._search is not None, timeout=5000)  # then the search, at once
    assert win._plot_panel is None  # the plots are made when first shown
    win.plot_dock.show()
    qtbot.waitUntil(lambda: win._plot_panel is not None and win.plot_dock.widget() is win._plot_panel, timeout=5000)
    qtbot.waitUntil(lambda: win._plot_panel.series is not None, timeout=10_000)  # it plots once shown
    qtbot.waitUntil(lambda: len(win.session.events) > 0, timeout=60_000)
    win.close()


def test_a_closed_window_refreshes_nothing_more(qtbot, tmp_path):
    """A clock change reaching a closed window (a late timer) must not run the HUD's SPICE queries."""
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = _new_window(qtbot, settings)
    win.show()
    qtbot.waitUntil(lambda: win.canvas.frames_drawn > 0, timeout=10_000)
    assert win.canvas.first_frame_at is not None
    calls: list[int] = []
    win.close()
    win.canvas.while_drawing(lambda: calls.append(1))
    win.session.clock.set_et(win.session.clock.et + 60.0)
    qtbot.wait(100)
    assert calls == []


def _mark(name: str, et: float = 757197429.98) -> dict:
    return {"name": name, "et": et, "camera": {"mode": "orbit", "target": "IO"}}


def test_good_bookmarks_beside_a_bad_one_are_written_back_at_once(qtbot, tmp_path):
    """One unreadable bookmark removed them all from the file, the good ones held in memory only:
    a crash or a kill before a clean quit lost every bookmark."""
    import json

    ini = tmp_path / "s.ini"
    settings = QtCore.QSettings(str(ini), QtCore.QSettings.Format.IniFormat)
    broken = {"name": "broken", "et": "not a number"}
    settings.setValue("bookmarks", json.dumps([_mark("first"), broken, _mark("second")]))
    settings.sync()
    win = _new_window(qtbot, settings)
    assert [m.name for m in win.stored.bookmarks] == ["first", "second"]
    on_disk = QtCore.QSettings(str(ini), QtCore.QSettings.Format.IniFormat).value("bookmarks")
    assert [m["name"] for m in json.loads(on_disk)] == ["first", "second"]  # without waiting for a quit
    assert "1 unreadable bookmark" in win.settings_note and "2 kept" in win.settings_note
    win.close()


def test_bookmarks_are_not_dropped_past_thirty(qtbot, tmp_path):
    """The 31st bookmark silently deleted the oldest, and a file of 40 came back as 30."""
    import json

    ini = tmp_path / "s.ini"
    settings = QtCore.QSettings(str(ini), QtCore.QSettings.Format.IniFormat)
    settings.setValue("bookmarks", json.dumps([_mark(f"mark {i}") for i in range(40)]))
    settings.sync()
    win = _new_window(qtbot, settings)
    assert len(win.stored.bookmarks) == 40
    win.add_bookmark("one more")
    assert [m.name for m in win.stored.bookmarks][:1] == ["mark 0"] and len(win.stored.bookmarks) == 41
    on_disk = json.loads(QtCore.QSettings(str(ini), QtCore.QSettings.Format.IniFormat).value("bookmarks"))
    assert len(on_disk) == 41
    win.close()


def test_a_bookmark_that_cannot_be_kept_says_so(qtbot, tmp_path):
    """With the settings file unwritable (here a folder where the file should be), Ctrl+B said
    "Bookmarked" and the bookmark was gone at the next start."""
    where = tmp_path / "s.ini"
    where.mkdir()
    settings = QtCore.QSettings(str(where), QtCore.QSettings.Format.IniFormat)
    win = _new_window(qtbot, settings)
    win.add_bookmark("third")
    message = win.statusBar().currentMessage()
    assert message.startswith("⚠") and "third" in message and "not saved" in message and str(where) in message
    where.rmdir()  # writable again: Qt's status stays at its first error, but saving works and is said
    win.add_bookmark("fourth")
    assert win.statusBar().currentMessage() == "Bookmarked: fourth"
    win.close()


@pytest.mark.parametrize("field", ["target", "from_body"])
def test_a_stored_camera_on_an_unknown_body_is_dropped_and_the_window_starts(qtbot, tmp_path, field):
    """A camera stored looking at (or from) a body no kernel knows ("XYZZY", or one from kernels since
    removed) stopped every start with EmitLoopError / QueryError, the file unchanged."""
    import json

    ini = tmp_path / "s.ini"
    settings = QtCore.QSettings(str(ini), QtCore.QSettings.Format.IniFormat)
    camera = {"mode": "from", "target": "IO", "from_body": "JUNO", field: "XYZZY"}
    settings.setValue("camera", json.dumps(camera))
    settings.sync()
    win = _new_window(qtbot, settings)
    assert "camera" in win.settings_note
    assert win.session.camera.target != "XYZZY" and win.session.camera.from_body != "XYZZY"
    win.show()
    qtbot.waitUntil(lambda: win.canvas.frames_drawn > 0, timeout=30_000)
    assert win.canvas.render()[:, :, :3].max() > 50
    win.close()


def test_a_bookmark_on_a_body_no_longer_loaded_says_so(window, qtbot):
    from perijove.model.camera import CameraIntent
    from perijove.model.settings import Bookmark

    s = window.session
    before = s.camera
    window.go_to_bookmark(Bookmark("gone", s.clock.et, CameraIntent(mode="orbit", target="XYZZY")))
    assert s.camera == before
    assert "gone" in window.last_error and "XYZZY" in window.last_error


def test_the_distance_colouring_shows_its_scale(window, qtbot):
    """'By distance to target' coloured the trail with no key to read it by."""
    import numpy as np

    from perijove.render.trajectory import distance_colour

    panel = window.view_panel
    assert not panel.colour_scale.isVisible()
    i = window.colour_box.findData("distance")
    window.colour_box.setCurrentIndex(i)
    window.colour_box.activated.emit(i)
    assert panel.colour_scale.isVisible()
    assert "1,000 km" in panel.colour_scale_text.text() and "10M km" in panel.colour_scale_text.text()
    image = panel.colour_scale.pixmap().toImage()
    y = image.height() // 2
    for x, km in ((1, 1e3), (image.width() - 2, 1e7)):
        got = QtGui.QColor(image.pixel(x, y)).getRgbF()[:3]
        assert np.allclose(got, distance_colour(km), atol=0.03), (x, got)
    window.session.set_display(window.session.display.with_(trajectory_color="time"))
    assert not panel.colour_scale.isVisible()


def test_the_bookmark_name_is_offered_whole(window, qtbot, monkeypatch):
    """Ctrl+B's name field showed the default name cut ("o orbit 2024-02-...")."""
    seen = {}

    def accept(dialog):
        field = dialog.findChild(QtWidgets.QLineEdit)
        dialog.show()
        qtbot.waitExposed(dialog)
        seen["fits"] = field.width() >= field.fontMetrics().horizontalAdvance(field.text()) + 8
        seen["text"] = field.text()
        return QtWidgets.QDialog.DialogCode.Accepted

    monkeypatch.setattr(QtWidgets.QInputDialog, "exec", accept)
    mark = window.add_bookmark(ask=True)
    assert seen["text"].startswith("Io ") and seen["fits"], seen
    assert mark is not None and mark.name == seen["text"]


def test_open_recent_lists_paths_as_they_are_written(window, qtbot, tmp_path):
    """A kernel in a folder named "R&D" was listed as "R_D" (the "&" taken as a menu shortcut
    marker), and choosing it opens exactly that path."""
    folder = tmp_path / "R&D"
    folder.mkdir()
    path = str(folder / "missing.bsp")
    window.store.remember_recent([path])
    action = window.recent_menu.actions()[0]
    assert action.text().replace("&&", "&") == path and "&&" in action.text()
    opened: list[list[str]] = []
    window.load_kernels = lambda paths: opened.append(paths)
    window.store.fill_recent()  # connects to the replaced method
    window.recent_menu.actions()[0].trigger()
    assert opened == [[path]]


def test_what_n_and_p_step_through_is_kept_across_starts(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = _new_window(qtbot, settings)
    win.store.restore()
    box = win.events_panel.jump
    assert box.currentData() == win.session.jump_kinds == frozenset({"perijove", "flyby"})
    box.setCurrentIndex(box.findText("flybys"))
    box.activated.emit(box.currentIndex())  # as a user's choice ends
    assert win.session.jump_kinds == frozenset({"flyby"})
    win.close()
    again = _new_window(qtbot, settings)
    again.store.restore()
    assert again.session.jump_kinds == frozenset({"flyby"})
    assert again.events_panel.jump.currentText() == "flybys"
    again.close()
