"""The desktop window, driven as a person would: scrub, jump, drop files, switch cameras."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spiceypy
from PySide6 import QtCore, QtGui

from perijove.ephemeris import to_et


def _launch(env: dict, *args: str, timeout: float = 120):
    """``perijove gui ARGS --first-frame-exit`` in a process of its own: its exit, its lines."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "perijove", "gui", *args, "--first-frame-exit"],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _frame(win) -> np.ndarray:
    return win.canvas.render()[:, :, :3]


def test_scrubbing_moves_the_clock_and_the_hud_agrees_with_spice(window, qtbot):
    bar = window.timeline
    y = bar.height() // 2
    for frac in (0.2, 0.5, 0.8):
        x = int(8 + frac * (bar.width() - 16))
        qtbot.mousePress(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, y))
        qtbot.mouseRelease(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, y))
        clock = window.session.clock
        assert clock.et == pytest.approx(bar.et_at(x))
        qtbot.wait(20)
        values = window.hud_values
        target = values["target"].upper()
        state, _ = spiceypy.spkezr("JUNO", clock.et, "J2000", "NONE", target)
        assert values["distance_km"] == pytest.approx(np.linalg.norm(state[:3]), rel=1e-12)
        assert values["speed_km_s"] == pytest.approx(np.linalg.norm(state[3:]), rel=1e-12)
        assert values["utc"] == spiceypy.et2utc(clock.et, "ISOC", 3)
        assert f"Distance {values['distance_km']:,.1f} km" in window.hud.text()


def test_dragging_scrubs_live(window, qtbot):
    bar = window.timeline
    seen = []
    window.session.clock.changed.connect(seen.append)
    qtbot.mousePress(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(100, 20))
    for x in range(100, 300, 20):
        qtbot.mouseMove(bar, QtCore.QPoint(x, 20))
    qtbot.mouseRelease(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(300, 20))
    assert len(seen) >= 8 and seen == sorted(seen)


def test_next_event_jumps_to_the_flyby(window, qtbot):
    session = window.session
    session.clock.set_et(to_et("2023-12-30T00:00"))
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_N)
    flyby = next(e for e in session.events if e.kind == "flyby" and e.body == "Io")
    assert session.clock.et == pytest.approx(flyby.et)
    assert session.camera.target == "IO" and session.camera.mode == "flyby"  # the lit side, Juno's path in frame
    assert session.camera.encounter_et == flyby.et
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_N)
    peri = next(e for e in session.events if e.kind == "perijove" and e.et > flyby.et)
    assert session.clock.et == pytest.approx(peri.et)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_P)
    assert session.clock.et == pytest.approx(flyby.et)


def test_double_click_in_the_event_list_jumps(window, qtbot):
    table = window.events
    row = next(i for i, e in enumerate(window.session.events) if e.kind == "perijove")
    table.doubleClicked.emit(table.proxy.mapFromSource(table.source.index(row, 0)))
    assert window.session.clock.et == pytest.approx(window.session.events[row].et)


def test_dropping_a_corrupt_kernel_shows_the_error_and_keeps_working(window, qtbot, tmp_path):
    bad = tmp_path / "broken.bsp"
    bad.write_bytes(b"DAF/SPK " + b"\x00" * 600)
    before = list(window.session.kernels.files)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(bad))])
    drop = QtGui.QDropEvent(
        QtCore.QPointF(50, 50),
        QtCore.Qt.DropAction.CopyAction,
        mime,
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    assert "broken.bsp" in window.statusBar().currentMessage()
    assert "truncated" in window.last_error or "corrupt" in window.last_error
    assert window.session.kernels.files == tuple(before)
    window.session.clock.set_et(to_et("2023-12-30T08:36:00"))
    qtbot.wait(50)
    assert _frame(window).max() > 50  # still drawing


def test_camera_modes_change_the_picture(window, qtbot):
    window.session.clock.set_et(to_et("2023-12-30T08:30:00"))
    frames = {}
    for key, mode in (
        (QtCore.Qt.Key.Key_1, "orbit"),
        (QtCore.Qt.Key.Key_2, "follow"),
        (QtCore.Qt.Key.Key_3, "from"),
        (QtCore.Qt.Key.Key_4, "bodyfixed"),
    ):
        qtbot.keyClick(window.canvas.native, key)
        assert window.session.camera.mode == mode
        assert window.mode_box.currentData() == mode
        frames[mode] = _frame(window).astype(int)
    assert np.abs(frames["orbit"] - frames["follow"]).mean() > 1
    assert np.abs(frames["follow"] - frames["from"]).mean() > 1


def _wheel(widget, pos: QtCore.QPoint, notches: int) -> None:
    """One real wheel event (120 units a notch), as a mouse sends it."""
    global_pos = QtCore.QPointF(widget.mapToGlobal(pos))
    event = QtGui.QWheelEvent(
        QtCore.QPointF(pos),
        global_pos,
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, 120 * notches),
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
        QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtCore.QCoreApplication.sendEvent(widget, event)


def test_mouse_drag_orbits_and_the_wheel_zooms(window, qtbot):
    """Real mouse events on the canvas: a drag turns the orbit camera (0.3 degrees a pixel), the picture follows,
    and a wheel notch brings the camera 1.15 times closer."""
    native = window.canvas.native
    window.session.clock.set_playing(False)
    window.session.set_camera(
        window.session.camera.with_(
            mode="orbit", target="JUPITER", from_body=None, azimuth_deg=40.0, elevation_deg=10.0, distance_km=4e5
        )
    )
    qtbot.wait(100)
    before_frame = _frame(window).astype(int)
    left = QtCore.Qt.MouseButton.LeftButton
    start = QtCore.QPoint(native.width() // 2, native.height() // 2)
    qtbot.mousePress(native, left, pos=start)
    for step in range(1, 11):
        qtbot.mouseMove(native, start + QtCore.QPoint(8 * step, 4 * step))
        qtbot.wait(10)
    qtbot.mouseRelease(native, left, pos=start + QtCore.QPoint(80, 40))
    camera = window.session.camera
    assert camera.mode == "orbit" and camera.target == "JUPITER"
    assert camera.azimuth_deg == pytest.approx((40.0 - 0.3 * 80) % 360.0, abs=1e-6)
    assert camera.elevation_deg == pytest.approx(10.0 + 0.3 * 40, abs=1e-6)
    assert camera.distance_km == pytest.approx(4e5)
    qtbot.wait(100)
    assert np.abs(_frame(window).astype(int) - before_frame).mean() > 1  # the picture turned with it
    qtbot.mouseMove(native, start)  # no button held: moving does not turn
    assert window.session.camera == camera
    _wheel(native, start, 1)
    qtbot.waitUntil(lambda: window.session.camera.distance_km != camera.distance_km, timeout=2000)
    assert window.session.camera.distance_km == pytest.approx(4e5 / 1.15, rel=1e-6)
    assert window.session.camera.azimuth_deg == camera.azimuth_deg


def test_zoom_stops_above_the_surface_and_at_the_far_limit(window, qtbot):
    canvas = window.canvas
    window.session.set_camera(window.session.camera.with_(mode="orbit", target="JUPITER", from_body=None))
    before = window.session.camera
    canvas.zoom(0.5)
    assert window.session.camera.distance_km < 1e6
    canvas.zoom(1e-9)
    assert window.session.camera.distance_km == pytest.approx(71492.0 * 1.02)  # 2% above the cloud tops
    canvas.zoom(1e12)
    from perijove.model.session import MAX_DISTANCE_KM

    assert window.session.camera.distance_km == pytest.approx(MAX_DISTANCE_KM)  # wide enough for Juno's orbit
    assert window.session.camera.azimuth_deg == before.azimuth_deg


def test_play_advances_only_after_frames_are_drawn(window, qtbot):
    clock = window.session.clock
    clock.set_et(to_et("2023-12-30T08:00"))
    start = clock.et
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_Space)
    assert clock.playing
    qtbot.wait(400)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_Space)
    assert not clock.playing and clock.et > start
    assert window.canvas.frames_drawn > 0


def test_typed_time_and_bad_time(window, qtbot):
    field = window.time_field
    field.setText("2024-02-03T17:48:35.1")
    field.returnPressed.emit()
    assert window.session.clock.et == pytest.approx(to_et("2024-02-03T17:48:35.1"))
    field.setText("2024-13-99")
    field.returnPressed.emit()
    assert "cannot read time" in window.last_error
    field.setText("2030-01-01")
    field.returnPressed.emit()
    assert "outside the loaded data" in window.last_error


def test_a_corrected_entry_takes_its_warning_away_and_only_its_own(window, qtbot):
    """A refused time or trail length is named in the status bar; once the user types a good one, the
    warning goes (it used to stay up to 15 s beside the accepted value), but not another job's error."""
    bar = window.statusBar()
    field = window.time_field
    field.setText("2030-01-01")
    field.returnPressed.emit()
    assert bar.currentMessage().startswith("⚠ 2030-01-01 is outside the loaded data")
    field.setText("2024-02-03T20:00:00")
    field.returnPressed.emit()
    assert window.session.clock.et == pytest.approx(to_et("2024-02-03T20:00:00"))
    assert bar.currentMessage() == ""
    assert not window.set_trail("45 d")
    assert bar.currentMessage().startswith("⚠ the trail must be")
    assert window.set_trail("2 h")
    assert bar.currentMessage() == ""
    window.show_error("the export failed: disk full")  # someone else's error stays
    field.setText("2024-02-03T20:10:00")
    field.returnPressed.emit()
    assert window.set_trail("3 h")
    assert bar.currentMessage() == "⚠ the export failed: disk full"


def test_settings_and_bookmarks_persist(window, qtbot, tmp_path):
    from perijove.ui.main_window import MainWindow

    window.session.clock.set_et(to_et("2024-02-03T17:00"))
    window.session.set_camera(window.session.camera.with_(mode="orbit", target="IO", from_body=None, azimuth_deg=123.0))
    window.toggles["labels"].setChecked(False)
    window.add_bookmark()
    window.close()
    again = MainWindow(settings=window.settings)
    qtbot.addWidget(again)
    assert again.session.camera.azimuth_deg == 123.0 and again.session.camera.target == "IO"
    assert not again.session.display.labels
    assert again.session.clock.et == pytest.approx(to_et("2024-02-03T17:00"))
    assert again.bookmarks_menu.actions()
    again.session.clock.set_et(to_et("2024-01-01"))
    again.bookmarks_menu.actions()[0].trigger()
    assert again.session.clock.et == pytest.approx(to_et("2024-02-03T17:00"))
    again.close()


def test_screenshot(window, qtbot, tmp_path):
    path = tmp_path / "shot.png"
    window.save_screenshot(path)
    from PIL import Image

    img = np.asarray(Image.open(path))
    assert img.shape[2] == 3 and img.max() > 50
    # The same picture as the window shows (drawn again offscreen with a 24-bit depth buffer), at its size.
    shown = window.canvas.render()[:, :, :3].astype(int)
    assert img.shape == shown.shape
    assert np.abs(img.astype(int) - shown).mean() < 2.0
    window.save_screenshot(tmp_path / "again.png")  # the offscreen target was freed, not left bound
    assert np.abs(np.asarray(Image.open(tmp_path / "again.png")).astype(int) - img).mean() < 1.0


def test_a_screenshot_carries_the_hud_when_it_is_shown_and_is_a_png_by_name(window, qtbot, tmp_path):
    """Ctrl+S saved the bare scene, so a classroom picture had no time or data note, and a name typed
    without .png gave a file with no extension. What the window shows is what is saved: the HUD with
    it (H hides both), and the file is NAME.png."""
    from PIL import Image

    window.session.clock.set_et(to_et("2023-12-30T08:30:00"))
    qtbot.waitUntil(lambda: window.hud.values is not None and window.hud.isVisible(), timeout=10_000)
    window.save_screenshot(tmp_path / "noext")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noext.png"]
    with_hud = np.asarray(Image.open(tmp_path / "noext.png")).astype(int)
    scene = window.canvas.grab()[:, :, :3].astype(int)
    assert with_hud.shape == scene.shape
    ratio = scene.shape[1] / window.canvas.native.width()
    hud = window.hud.geometry()
    x0, y0 = int(hud.x() * ratio), int(hud.y() * ratio)
    x1, y1 = int((hud.x() + hud.width()) * ratio), int((hud.y() + hud.height()) * ratio)
    inside = np.abs(with_hud[y0:y1, x0:x1] - scene[y0:y1, x0:x1]).max(axis=2) > 40
    assert inside.mean() > 0.02  # the HUD's text is there
    outside = with_hud.copy()
    outside[y0:y1, x0:x1] = scene[y0:y1, x0:x1]
    assert np.abs(outside - scene).mean() < 1.0  # and nothing else changed
    window.session.set_display(window.session.display.with_(hud=False))
    window.save_screenshot(tmp_path / "bare.png")
    bare = np.asarray(Image.open(tmp_path / "bare.png")).astype(int)
    assert np.abs(bare - scene).mean() < 1.0
    window.save_screenshot(tmp_path / "shot.jpg")  # PNG bytes under another type's name: refused
    assert "PNG" in window.last_error and not (tmp_path / "shot.jpg").exists()
    before = (tmp_path / "noext.png").read_bytes()
    window.save_screenshot(tmp_path / "noext")  # NAME.png exists and nobody was asked: kept
    assert "already exists" in window.last_error and (tmp_path / "noext.png").read_bytes() == before


def test_the_scene_keeps_its_labels_out_from_under_the_hud(window, qtbot):
    """The labels are laid out around the HUD's box (in the frame's pixels) while it is shown."""
    qtbot.waitUntil(lambda: window.hud.isVisible() and window.hud.values is not None, timeout=10_000)
    scene = window.canvas.scene
    ratio = window.canvas.physical_size[0] / window.canvas.native.width()
    g = window.hud.geometry()
    want = (g.x() * ratio, g.y() * ratio, (g.x() + g.width()) * ratio, (g.y() + g.height()) * ratio)
    assert scene.keep_clear == (pytest.approx(want),)
    window.canvas._kernels()  # new kernels: a new scene, the HUD where it was
    scene = window.canvas.scene
    assert scene.keep_clear == (pytest.approx(want),)
    window.session.set_display(window.session.display.with_(hud=False))
    qtbot.waitUntil(lambda: scene.keep_clear == (), timeout=5_000)
    window.session.set_display(window.session.display.with_(hud=True))
    qtbot.waitUntil(lambda: len(scene.keep_clear) == 1, timeout=5_000)


def test_export_dialog_runs_and_cancels(window, qtbot, tmp_path):
    import imageio_ffmpeg

    from perijove.ui.export_dialog import ExportDialog

    window.session.clock.set_et(to_et("2023-12-30T08:36:00"))
    dialog = ExportDialog(window.session, window)
    assert dialog.start.text() == "2023-12-30T08:21:00" and dialog.stop.text() == "2023-12-30T08:51:00"
    dialog.frames.setValue(8)
    dialog.size.setCurrentText("640x360")
    out = tmp_path / "dialog.mp4"
    dialog.out.setText(str(out))
    job = dialog.build_job()
    worker = window.start_export(job)
    qtbot.waitUntil(lambda: not worker.running, timeout=180_000)
    assert out.is_file() and imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 8
    assert "Exported 8 frames" in window.statusBar().currentMessage()
    window.statusBar().showMessage("another job's news")  # the export's message goes in 10 s, or sooner
    note = window.jobs.export_note
    assert note.isVisible() and "dialog.mp4" in note.text() and str(out) in note.toolTip()
    assert QtCore.QUrl.fromLocalFile(str(tmp_path)).toString() in note.text()  # a link to its folder

    # The event search's last message ("N events found") must not land on the status bar after the
    # cancel's: it runs in its own process, started with the first frame.
    qtbot.waitUntil(lambda: window._search is None or not window._search.running, timeout=120_000)
    dialog.frames.setValue(2000)
    long_out = tmp_path / "long.mp4"
    dialog.out.setText(str(long_out))
    worker = window.start_export(dialog.build_job())
    qtbot.waitUntil(lambda: worker.dialog.value() > 0, timeout=180_000)  # it has started drawing
    worker.dialog.canceled.emit()  # what the Cancel button sends
    qtbot.waitUntil(lambda: not worker.running, timeout=60_000)
    assert "cancelled" in window.statusBar().currentMessage() and not note.isVisible()
    assert not long_out.exists() and not list(tmp_path.glob(".long*"))
    dialog.start.setText("not a time")
    with pytest.raises(Exception, match="cannot read time"):
        dialog.build_job()


def test_canvas_frame_is_not_blank_and_changes_with_time(window, qtbot):
    window.session.clock.set_et(to_et("2023-12-30T08:33:00"))
    a = _frame(window).astype(int)
    window.session.clock.set_et(to_et("2023-12-30T08:36:00"))
    b = _frame(window).astype(int)
    assert a.max() > 100 and (a.max(axis=2) > 30).mean() > 0.005
    # The window opens in the flyby camera, fixed on Io: what moves is Juno, its marker and its trail.
    assert (np.abs(a - b).max(axis=2) > 40).sum() > 100


def test_opens_near_the_first_flyby_with_io_and_juno_in_view(qtbot, tmp_path):
    from PySide6 import QtCore

    from perijove.ui.main_window import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "fresh.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    flyby = to_et("2023-12-30T08:36:00.8")
    assert 0 < flyby - win.session.clock.et < 3600
    image = _frame(win)
    state = win.canvas.state
    h, w = image.shape[:2]
    for body_px in (state.pixel(501), state.pose.project(state.spacecraft)):
        x, y = body_px
        assert 0 <= x < w and 0 <= y < h  # both on screen
    assert state.marker or state.draw_spacecraft
    x, y = state.pixel(501).astype(int)
    assert image[max(y - 30, 0) : y + 30, max(x - 30, 0) : x + 30].max() > 80  # Io is lit and drawn
    win.close()


def test_ten_launches_in_a_row_all_reach_a_drawn_frame_with_the_hud(tmp_path):
    """Start-up used to hang now and then on a long-lived X server without a session bus (Qt's
    D-Bus thread forked while BLAS work ran). Ten launches on this test run's one X server."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # fresh settings, never the user's
    env.pop("XDG_RUNTIME_DIR", None)
    for launch in range(10):
        try:
            run = _launch(env, timeout=90)
        except subprocess.TimeoutExpired:
            pytest.fail(f"launch {launch + 1} of 10 hung before its first frame")
        assert run.returncode == 0, f"launch {launch + 1}: {run.stderr[-2000:]}"
        assert "first frame after" in run.stdout
        hud = next(line for line in run.stdout.splitlines() if line.startswith("HUD: "))
        assert "UTC 2023-12-30T08:31" in hud and "Distance" in hud, hud  # text in the very first frame


def test_no_session_bus_means_no_autolaunch(tmp_path):
    from perijove.ui.app import prepare_gui_environment

    env: dict[str, str] = {}
    prepare_gui_environment(env)
    assert env["DBUS_SESSION_BUS_ADDRESS"] == "disabled:"
    env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}
    prepare_gui_environment(env)
    assert env["DBUS_SESSION_BUS_ADDRESS"] == "unix:path=/run/user/1000/bus"  # a running bus is used
    import socket

    (tmp_path / "run").mkdir()
    with socket.socket(socket.AF_UNIX) as bus:
        bus.bind(str(tmp_path / "run" / "bus"))
        env = {"XDG_RUNTIME_DIR": str(tmp_path / "run")}
        prepare_gui_environment(env)
    assert "DBUS_SESSION_BUS_ADDRESS" not in env  # libdbus finds it there without forking


def test_get_official_kernels_from_a_mirror(window, qtbot, tmp_path):
    from mirror import Mirror, build_naif_layout
    from realdata import JUNO_2022, REAL

    from perijove.ephemeris.defaults import default_kernel_dir
    from perijove.ephemeris.download import Cache
    from perijove.ui.fetch_dialog import FetchDialog

    if not JUNO_2022.is_file():
        pytest.skip("../shared/data/real is absent")
    root = build_naif_layout(tmp_path / "naif", REAL, default_kernel_dir() / "perijove_planets.bsp")
    cache = Cache(tmp_path / "cache")
    with Mirror(root) as mirror:
        dialog = FetchDialog(window, cache)
        assert dialog.files.topLevelItemCount() >= 5 and "MB" in dialog.files.topLevelItem(2).text(1)
        dialog.base_url.setText(mirror.url)
        dialog.start.setText("2022-07-01")
        dialog.stop.setText("2022-08-31")
        job = window.start_fetch(dialog.request(), cache)
        qtbot.waitUntil(lambda: job.isFinished(), timeout=60_000)
        qtbot.wait(50)
    assert "reconstructed" in window.session.kernels.provenances()
    assert window.session.clock.start < to_et("2022-07-05")


def test_every_command_is_declared_once_bound_and_listed_in_the_help_and_the_readme(window, qtbot):
    """``actions.ROWS`` makes the menus, the bindings, the F1 help and the README's key table; here each
    of them is read back from what the user sees and compared with the table, both ways, so a key
    cannot be bound without being listed (T, Ctrl+E and F1 once were) or listed without being bound."""
    import html
    from pathlib import Path

    from PySide6 import QtWidgets

    from perijove.ui.actions import ROWS, SHORTCUTS, markdown_key_table

    commands = [r for r in ROWS if r.kind in ("action", "toggle", "mode", "dock")]
    in_menus = {a for m in window.menuBar().findChildren(QtWidgets.QMenu) for a in m.actions()}
    bound = set(window.actions())
    for row in commands:
        action = window.action_by_id[row.id]
        assert action in in_menus or action in bound, f"{row.id} is neither in a menu nor bound"
        if row.menu:
            assert action in in_menus, f"{row.id} is not in the {row.menu} menu"
        if row.shortcut:
            assert action in bound, f"{row.shortcut} ({row.id}) is not bound on the window"
            assert action.shortcut() == QtGui.QKeySequence(row.shortcut), row.id
    declared = {QtGui.QKeySequence(r.shortcut).toString() for r in commands if r.shortcut}
    for action in bound | in_menus:
        key = action.shortcut().toString()
        assert not key or key in declared, f"{key} ({action.text()}) is bound but not in actions.ROWS"
    assert [k for k, _ in SHORTCUTS] == [r.shortcut for r in ROWS if r.shortcut]
    keys = {k for k, _ in SHORTCUTS}
    assert {"T", "Ctrl+E", "F1", "1", "6", "Ctrl+Shift+P", "View: drag", "View: wheel"} <= keys
    assert {"Timeline: drag", "Timeline: double-click", "Overview: click / double-click"} <= keys  # once missing

    # F1, pressed as a user would, lists every key and gesture with its line of help.
    window.canvas.native.setFocus()
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_F1)
    box = window.shortcuts_box
    qtbot.waitUntil(box.isVisible, timeout=5000)
    shown = html.unescape(box.text().removeprefix("<pre>").removesuffix("</pre>")).splitlines()
    assert [line.split("  ", 1)[0].rstrip() for line in shown] == [k for k, _ in SHORTCUTS]
    assert [line.split("  ", 1)[1].strip() for line in shown] == [v for _, v in SHORTCUTS]
    box.close()

    # README.md's key table: the key column exactly, then the whole table.
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- keys: begin -->\n", 1)[1].split("<!-- keys: end -->", 1)[0].strip()
    keys = [line.split(" | ")[0].removeprefix("| ").strip() for line in table.splitlines()[2:]]
    assert keys == [f"`{k}`" for k, _ in SHORTCUTS], "README.md's key table differs from actions.ROWS"
    assert table == markdown_key_table(), "run `python3 -m perijove.ui.actions` and paste its table into README.md"


def test_the_hud_is_worked_out_while_the_frame_is_drawn_and_agrees_with_it(window, qtbot, monkeypatch):
    """A clock step's HUD queries (SPICE, about 1-2 ms) run after the frame's draws are issued and before
    its pixels are waited for, so they overlap the rasteriser's work instead of adding to the step;
    the HUD shows the frame's time. A hidden view (no frame drawn) still gets its HUD from a timer."""
    canvas, hud = window.canvas, window.hud
    order: list[str] = []
    scene_draw, refresh = type(canvas.scene).draw, type(hud).refresh

    def draw(scene, *args, **kwargs):
        order.append("draw")
        return scene_draw(scene, *args, **kwargs)

    def hud_refresh(self):
        order.append("hud")
        return refresh(self)

    monkeypatch.setattr(type(canvas.scene), "draw", draw)
    monkeypatch.setattr(type(hud), "refresh", hud_refresh)
    start = window.session.clock.et
    for step in range(1, 4):
        order.clear()
        drawn = canvas.frames_drawn
        window.session.clock.set_et(start + 60.0 * step)
        assert order == []  # nothing yet: the step itself returns at once
        qtbot.waitUntil(lambda d=drawn: canvas.frames_drawn > d, timeout=5000)
        assert order[:2] == ["draw", "hud"], order
        assert window.hud_values["et"] == canvas.state.et == window.session.clock.et
    canvas.native.hide()
    order.clear()
    window.session.clock.set_et(start + 600.0)
    qtbot.waitUntil(lambda: window.hud_values["et"] == window.session.clock.et, timeout=2000)
    assert order == ["hud"]
    canvas.native.show()


def test_kernel_errors_and_notes_reach_the_command_line_of_the_window(tmp_path):
    """``perijove gui`` with a bad file is one line and exit 2; a damaged download cache is one note
    (not two: the window shows it too, and the command line prints it once) and the window starts."""
    import os

    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    bad = tmp_path / "juno.bsp"
    bad.write_bytes(b"DAF/SPK " + b"\0" * 100)
    run = _launch(env, str(bad))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("perijove: error: ") and "juno.bsp" in run.stderr
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ".perijove-cache").write_text("")
    (cache / "active.json").write_text('{"set": 5, "files": "abc"}')
    run = _launch({**env, "PERIJOVE_CACHE": str(cache)})
    assert run.returncode == 0 and "first frame after" in run.stdout
    notes = [line for line in run.stderr.splitlines() if line.startswith("perijove: note:")]
    assert len(notes) == 1 and "active.json" in notes[0], run.stderr


def _in_middle(win, body_id: int) -> bool:
    """Whether the body's centre lies in the middle half of the view, as the last frame drew it."""
    _frame(win)
    state = win.canvas.state
    x, y = state.pixel(body_id).reshape(2)
    w, h = state.pose.size
    return abs(x - w / 2) <= w / 4 and abs(y - h / 2) <= h / 4


def _double_click_timeline(win, qtbot, event) -> None:
    bar = win.timeline
    win.session.timeline.focus(event.et)  # the event's bar in view, away from its neighbours
    x = round(bar._x(event.et))
    qtbot.mouseDClick(bar, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, bar.height() // 2))


def _double_click_list(win, qtbot, event) -> None:
    table = win.events
    row = win.session.events.index(event)
    table.doubleClicked.emit(table.proxy.mapFromSource(table.source.index(row, 0)))


def _next_key(win, qtbot, event) -> None:
    win.session.jump_kinds = frozenset()  # N goes to events of every kind
    win.session.clock.set_et(event.et - 1.0)
    qtbot.keyClick(win.canvas.native, QtCore.Qt.Key.Key_N)


@pytest.mark.parametrize("way", [_double_click_timeline, _double_click_list, _next_key])
def test_every_way_to_an_event_shows_it(window, qtbot, way):
    """The timeline, the event list and N go to an event the same way. A flyby is shown by the
    flyby camera on that encounter; another event reached from the flyby camera, whose viewpoint is
    fixed over one encounter, by the orbit camera around its body."""
    from perijove.ui import navigation

    s = window.session
    qtbot.waitUntil(lambda: any(e.kind == "transit" for e in s.events), timeout=120_000)  # the full search
    flyby = next(e for e in s.events if e.kind == "flyby" and e.body == "Io")
    transit = next(e for e in s.events if e.kind == "transit" and e.body == "Europa" and e.et > flyby.et)
    assert transit.et - flyby.et < 2 * 86400.0  # within the flyby camera's reach of its encounter
    s.jump_to(flyby)
    s.set_camera(navigation.flyby_camera(s.camera, flyby))
    way(window, qtbot, transit)
    assert s.clock.et == pytest.approx(transit.et)
    assert _in_middle(window, 502), "the transit's moon is not in the middle of the view"
    assert (s.camera.mode, s.camera.target, s.camera.encounter_et) == ("orbit", "EUROPA", None)
    s.set_camera(navigation.mode_camera(s, "orbit"))
    way(window, qtbot, flyby)
    assert s.clock.et == pytest.approx(flyby.et)
    assert (s.camera.mode, s.camera.target, s.camera.encounter_et) == ("flyby", "IO", flyby.et)


def test_the_window_comes_back_at_the_size_it_was_left(qapp, tmp_path):
    """The window saved its size on quit, then start-up resized it to 1400 x 860 over the restored one."""
    import os

    from PySide6 import QtWidgets

    conf = tmp_path / "config" / "Perijove" / "Perijove.conf"  # where QSettings keeps the app's settings here
    conf.parent.mkdir(parents=True)
    left = QtWidgets.QMainWindow()
    left.resize(1180, 720)
    settings = QtCore.QSettings(str(conf), QtCore.QSettings.Format.IniFormat)
    settings.setValue("geometry", left.saveGeometry())
    settings.sync()
    run = _launch({**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert run.returncode == 0, run.stderr[-2000:]
    assert "window 1180 x 720" in run.stdout, run.stdout


def test_loaded_kernels_can_be_unloaded_from_the_window(window, qtbot, tmp_path):
    """Kernels loaded in the window came back at every start, and nothing in it could take them off."""
    from perijove.ephemeris import default_kernel_paths

    s = window.session
    lsk = next(str(p) for p in default_kernel_paths() if str(p).endswith(".tls"))
    copy = tmp_path / "copy.tls"
    copy.write_bytes(Path(lsk).read_bytes())
    other = tmp_path / "other.tls"
    other.write_bytes(copy.read_bytes())
    assert window.load_kernels([str(copy), str(other)])
    dialog = window.kernels_dialog()
    assert dialog.list.count() == 2 and not dialog.unload_button.isEnabled()
    dialog.list.item(0).setSelected(True)
    qtbot.mouseClick(dialog.unload_button, QtCore.Qt.MouseButton.LeftButton)
    assert s.loaded() == [str(other)] and dialog.list.count() == 1
    assert window.statusBar().currentMessage().startswith("Unloaded 1 file;")
    qtbot.mouseClick(dialog.unload_all_button, QtCore.Qt.MouseButton.LeftButton)
    assert s.loaded() == [] and not dialog.unload_all_button.isEnabled()
    window.store.save()
    assert window.store.stored.kernels == []  # not loaded again at the next start
    dialog.close()


def test_the_rate_reads_in_the_largest_unit_it_fills():
    """G plays at 120 s/s, which read "120 s/s" beside the presets' "1 min/s" and "1 day/s"."""
    from perijove.ui.playback import rate_label

    assert [rate_label(r) for r in (1.0, 10.0, 45.0, 60.0, 90.0, 120.0, 7200.0, 86400.0, 129600.0)] == [
        "real time",
        "10 s/s",
        "45 s/s",
        "1 min/s",
        "1.5 min/s",
        "2 min/s",
        "2 h/s",
        "1 day/s",
        "1.5 day/s",
    ]
    assert rate_label(-120.0) == "◀ 2 min/s" and rate_label(2.5) == "2.5 s/s"
    assert rate_label(3599.0) == "1 h/s" and rate_label(1e9) == "11,574 day/s"  # not "60 min/s", "1.16e+04"


def test_the_window_fits_a_1024_pixel_screen_with_its_controls_whole(window, qtbot):
    """A classroom projector is 1024 pixels wide: the window could not be narrower than 1069, and
    squeezed, the time field and the rate were cut ("2022-0", "120")."""
    assert window.minimumSizeHint().width() <= 1000
    window.resize(window.minimumSizeHint())
    qtbot.wait(50)
    field = window.time_field
    needed = field.fontMetrics().horizontalAdvance("2023-12-30T08:36:00.000") + 12
    assert field.width() >= needed, (field.width(), needed)
    rate = window.transport.rate_label
    assert rate.width() >= rate.fontMetrics().horizontalAdvance("◀ 1.5 day/s")


def test_a_fetch_from_the_window_names_the_changed_copy_it_kept(window, qtbot, tmp_path):
    """The window's fetch repairs an edited cached file too: the status bar names the copy kept."""
    from mirror import Mirror, build_tiny_layout

    from perijove.ephemeris.defaults import default_kernel_dir
    from perijove.ephemeris.download import Cache, fetch_set

    root = build_tiny_layout(tmp_path / "naif-tiny", default_kernel_dir())
    cache = Cache(tmp_path / "cache")
    with Mirror(root) as mirror:
        fetch_set("juno-io-flybys", cache, mirror.url, activate=False)
        edited = cache.path("JUNO/kernels/fk/juno_v12.tf")
        edited.write_text(edited.read_text() + "\n\\begintext\nmy note\n")
        job = window.start_fetch(("juno-io-flybys", mirror.url, None, None), cache)
        qtbot.waitUntil(lambda: job.isFinished(), timeout=60_000)
        qtbot.wait(50)
    message = window.statusBar().currentMessage()
    assert "kept your changed juno_v12.tf.changed" in message, message
    assert "my note" in edited.with_name("juno_v12.tf.changed").read_text()
