"""The flyby and JunoCam cameras in the window, Go to flyby, pan, the trail control and the export form."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets


def _first_flyby(window):
    return next(e for e in window.session.events if e.kind == "flyby")


def _lit_fraction(window) -> float:
    """The lit share of Io's disc in the window's current frame, the disc placed by SPICE."""
    image = window.canvas.render()[:, :, :3]
    state = window.canvas.state
    h, w = image.shape[:2]
    centre = state.pose.project(state.positions[501]) * np.array([w, h]) / np.array(state.pose.size)
    depth = float(np.linalg.norm(state.positions[501] - state.pose.eye))
    radius = math.tan(math.asin(1821.6 / depth)) * state.pose.pixels_per_radian() * h / state.pose.size[1]
    yy, xx = np.mgrid[0:h, 0:w]
    disc = (xx + 0.5 - centre[0]) ** 2 + (yy + 0.5 - centre[1]) ** 2 < (0.85 * radius) ** 2
    assert disc.sum() > 200, "Io is not on screen"
    return float((image.max(axis=2)[disc] > 40).mean())


def test_keys_5_and_6_and_the_combo_offer_the_flyby_and_junocam_cameras(window, qtbot):
    flyby = _first_flyby(window)
    window.session.clock.set_et(flyby.et - 120)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_5)
    c = window.session.camera
    assert c.mode == "flyby" and c.target == flyby.body.upper() and c.encounter_et == flyby.et
    assert window.mode_box.currentData() == "flyby"
    assert _lit_fraction(window) > 0.8  # the day side, where the view from Juno shows the night
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_6)
    assert window.session.camera.mode == "junocam" and window.mode_box.currentData() == "junocam"
    window.canvas.render()
    state = window.canvas.state
    eye = window.session.eph.position("JUNO", window.session.clock.et, "IO")
    assert np.allclose(state.pose.eye, eye, atol=1e-6)  # at the spacecraft, looking at Io
    assert state.pixel(501) == pytest.approx(np.array(state.pose.size) / 2, abs=1.0)
    window.canvas.zoom(0.5)  # the wheel leaves JunoCam's field alone
    assert window.session.camera.mode == "junocam" and window.session.camera.distance_km is None
    labels = [window.mode_box.itemData(i) for i in range(window.mode_box.count())]
    assert {"flyby", "junocam"} <= set(labels)


def test_go_to_flyby_shows_the_lit_side_plays_the_hour_in_30_s_and_shows_the_plots(window, qtbot):
    flyby = _first_flyby(window)
    window.session.clock.set_et(flyby.et - 10 * 86400)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_G)
    s = window.session
    assert s.camera.mode == "flyby" and s.camera.encounter_et == flyby.et
    assert s.clock.playing and 60 * 60 / abs(s.clock.rate) == pytest.approx(30.0)
    plots = getattr(window, "plot_dock", None)
    if plots is not None:
        assert plots.isVisible()
    s.clock.set_playing(False)
    s.clock.set_et(flyby.et)
    assert _lit_fraction(window) > 0.8
    # Juno, at closest approach, is inside the frame and off the disc.
    state = window.canvas.state
    x, y = state.pose.project(state.spacecraft)
    assert 0 < x < state.pose.size[0] and 0 < y < state.pose.size[1]


def test_g_at_start_up_shows_the_flyby_under_way_then_the_next(window, qtbot):
    flyby = _first_flyby(window)
    s = window.session
    assert abs(s.clock.et - (flyby.et - 300)) < 1  # the window opens five minutes before it
    assert s.camera.mode == "flyby" and s.camera.encounter_et == pytest.approx(flyby.et, abs=1)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_G)
    assert s.camera.encounter_et == flyby.et and s.clock.et == pytest.approx(flyby.et - 1800, abs=5)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_G)
    second = next(e for e in s.events if e.kind == "flyby" and e.et > flyby.et + 1800)
    assert s.camera.encounter_et == second.et
    s.clock.set_playing(False)


def test_n_and_p_use_the_flyby_camera_for_flybys(window, qtbot):
    flyby = _first_flyby(window)
    window.session.jump_kinds = frozenset({"flyby"})
    window.session.clock.set_et(flyby.et - 3600)
    window.session.set_camera(window.session.camera.with_(mode="orbit", target="JUPITER", from_body=None))
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_N)
    c = window.session.camera
    assert window.session.clock.et == pytest.approx(flyby.et)
    assert c.mode == "flyby" and c.encounter_et == flyby.et and c.target == flyby.body.upper()


@pytest.mark.parametrize("mode", ["orbit", "follow", "from", "bodyfixed", "flyby", "junocam"])
def test_pan_works_in_every_camera_mode(window, qtbot, mode):
    flyby = _first_flyby(window)
    window.session.clock.set_et(flyby.et - 300)
    window.set_mode(mode)
    window.canvas.render()
    before = window.canvas.state.pose
    window.canvas.pan(40, 0)
    assert window.session.camera.mode == mode  # panning never changes the camera
    window.canvas.render()
    after = window.canvas.state.pose
    moved = after.project(before.target) - before.project(before.target)
    assert moved[0] == pytest.approx(40 * after.size[0] / window.canvas.size[0], rel=0.15), moved


def _drag(widget, button, start, end, modifiers=QtCore.Qt.KeyboardModifier.NoModifier):
    app = QtWidgets.QApplication.instance()
    for kind, pos, buttons in (
        (QtCore.QEvent.Type.MouseButtonPress, start, button),
        (QtCore.QEvent.Type.MouseMove, end, button),
        (QtCore.QEvent.Type.MouseButtonRelease, end, QtCore.Qt.MouseButton.NoButton),
    ):
        p = QtCore.QPointF(*pos)
        event = QtGui.QMouseEvent(kind, p, widget.mapToGlobal(p), button, buttons, modifiers)
        app.sendEvent(widget, event)


@pytest.mark.parametrize(
    ("button", "modifiers"),
    [
        (QtCore.Qt.MouseButton.RightButton, QtCore.Qt.KeyboardModifier.NoModifier),
        (QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.ShiftModifier),
    ],
    ids=["right-drag", "shift-drag"],
)
def test_mouse_pan_and_drag_from_the_flyby_camera(window, qtbot, button, modifiers):
    flyby = _first_flyby(window)
    window.session.clock.set_et(flyby.et)
    window.set_mode("flyby")
    window.canvas.render()
    _drag(window.canvas.native, button, (300, 300), (360, 300), modifiers)
    c = window.session.camera
    assert c.mode == "flyby" and np.linalg.norm(c.pan_km) > 100  # the view slid sideways, still the flyby camera
    # A plain drag turns the view: an orbit camera starting where the flyby camera was, no jump.
    window.canvas.render()
    pose = window.canvas.state.pose
    _drag(window.canvas.native, QtCore.Qt.MouseButton.LeftButton, (300, 300), (300, 300))
    window.canvas.render()
    assert window.session.camera.mode == "orbit"
    assert np.allclose(window.canvas.state.pose.eye, pose.eye, rtol=1e-6, atol=1e-3)


def test_the_trail_length_is_the_users_and_persists(window, qtbot):
    box = window.trail_box
    box.setEditText("38 d")
    box.lineEdit().editingFinished.emit()
    assert window.session.display.trajectory_past_days == 38.0
    assert not window.set_trail("40 d")  # beyond an orbit: refused, named, nothing changes
    assert "38 d (a whole orbit)" in window.last_error and window.session.display.trajectory_past_days == 38.0
    assert box.currentText() == "38 d"
    window.set_trail("6 h")
    assert window.session.display.trajectory_past_days == pytest.approx(0.25)
    window.save_settings()
    from perijove.ui.main_window import MainWindow

    again = MainWindow(settings=window.settings)
    qtbot.addWidget(again)
    assert again.session.display.trajectory_past_days == pytest.approx(0.25)
    assert again.trail_box.currentText() == "6 h"
    again.close()


def test_export_form_remembers_offers_cameras_and_any_size(window, qtbot, tmp_path):
    from perijove.ui.export_dialog import ExportDialog

    flyby = _first_flyby(window)
    window.session.clock.set_et(flyby.et)
    dialog = ExportDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.width_box.setValue(1080)
    dialog.height_box.setValue(1350)  # 4:5, no preset
    assert dialog.size.currentText() == "Custom"
    dialog.camera.setCurrentIndex(dialog.camera.findData("flyby"))
    dialog.frames.setValue(2)
    dialog.title.setText("Io, first pass")
    dialog.out.setText(str(tmp_path / "frames"))
    job = dialog.build_job()
    assert job["size"] == [1080, 1350]
    assert job["camera"]["mode"] == "flyby" and job["camera"]["encounter_et"] == pytest.approx(flyby.et, abs=0.01)
    dialog._accept()
    assert dialog.job is not None
    again = ExportDialog(window.session, window)
    qtbot.addWidget(again)
    assert (again.width_box.value(), again.height_box.value()) == (1080, 1350)
    assert again.camera.currentData() == "flyby" and again.frames.value() == 2
    assert again.title.text() == "Io, first pass" and again.out.text() == str(tmp_path / "frames")
    again.size.setCurrentText("1920x1080")  # a preset fills the fields
    assert (again.width_box.value(), again.height_box.value()) == (1920, 1080)
    window.settings.setValue("export", json.dumps({"width": "wide", "fps": 1e9}))
    spoilt = ExportDialog(window.session, window)  # a hand-edited value: the defaults, no error
    qtbot.addWidget(spoilt)
    assert (spoilt.width_box.value(), spoilt.height_box.value()) == (1280, 720) and spoilt.fps.value() == 30


def test_time_left_reads_like_a_person_would_say_it():
    from perijove.ui.export_dialog import time_left

    assert time_left(0.5, 0.1) == ""  # no pace yet
    assert time_left(10.0, 0.5) == ", about 10 s left"
    assert time_left(30.0, 0.25) == ", about 1 min 30 s left"
    assert time_left(3600.0, 0.25) == ", about 3 h 0 min left"


def test_export_progress_shows_the_time_left(window, qtbot, tmp_path):
    from perijove.ephemeris import et_to_utc
    from perijove.ui.export_dialog import ExportDialog, run_export

    flyby = _first_flyby(window)
    dialog = ExportDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.start.setText(et_to_utc(flyby.et - 60, 3))
    dialog.stop.setText(et_to_utc(flyby.et + 60, 3))
    # Enough frames to outlast the first second, before which no pace is known (six took 0.7 s on a
    # faster host, and the test failed there).
    dialog.frames.setValue(60)
    dialog.width_box.setValue(160)
    dialog.height_box.setValue(90)
    dialog.out.setText(str(tmp_path / "frames"))
    job = dialog.build_job()
    labels: list[str] = []
    worker = run_export(window, job, lambda _text: None)
    progress = worker.dialog
    worker.progress.connect(lambda *_: labels.append(progress.labelText()))
    qtbot.waitUntil(lambda: not worker.running, timeout=180_000)
    assert len(list((tmp_path / "frames").glob("*.png"))) == 60
    assert any(" left" in text for text in labels), labels


def test_the_shortcut_help_names_the_new_keys_and_the_mouse():
    from perijove.ui.main_window import SHORTCUTS

    keys = " ".join(k for k, _ in SHORTCUTS)
    assert "5" in keys.split() and "6" in keys.split()
    assert any("pan" in what for _k, what in SHORTCUTS)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "5 flyby" in readme and "6 JunoCam" in readme and "right-drag" in readme


@pytest.mark.parametrize(("key", "mode"), [(QtCore.Qt.Key.Key_1, "orbit"), (QtCore.Qt.Key.Key_4, "bodyfixed")])
def test_orbit_camera_arrives_over_the_day_side(window, qtbot, key, mode):
    """Keys 1 and 4 kept whatever angles the camera had: at the flyby they opened on Io's night side,
    a black disc (the body-fixed camera's angles are in Io's own frame)."""
    flyby = _first_flyby(window)
    s = window.session
    s.clock.set_playing(False)
    s.clock.set_et(flyby.et)
    s.set_camera(s.camera.with_(mode="from", target="IO", from_body="JUNO", distance_km=None, encounter_et=None))
    s.set_camera(s.camera.with_(mode="orbit", from_body=None, azimuth_deg=0.0, elevation_deg=0.0))
    s.set_camera(s.camera.with_(mode="from", from_body="JUNO"))
    qtbot.keyClick(window.canvas.native, key)
    assert s.camera.mode == mode
    qtbot.waitUntil(lambda: window.canvas.state is not None and window.canvas.state.pose is not None, timeout=5000)
    window.canvas.update()
    qtbot.wait(200)
    assert _lit_fraction(window) > 0.7


def test_the_flyby_camera_far_from_any_flyby_says_where_the_nearest_is(window, qtbot):
    """Key 5 weeks from a flyby framed a pass millions of km out, Io at the frame's edge, with no word."""
    flyby = _first_flyby(window)
    s = window.session
    s.clock.set_et(flyby.et - 10 * 86400)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_5)
    message = window.statusBar().currentMessage()
    assert s.camera.mode == "flyby"
    assert f"nearest Io flyby is {flyby.utc[:19]}" in message and "G" in message, message
    s.clock.set_et(flyby.et - 600)
    window.statusBar().clearMessage()
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_1)
    qtbot.keyClick(window.canvas.native, QtCore.Qt.Key.Key_5)
    assert "nearest" not in window.statusBar().currentMessage()  # in the flyby's hour: nothing to say


def test_playing_out_of_a_flyby_in_the_flyby_camera_says_why_the_sky_is_empty(window, qtbot):
    """At 1 day/s from a flyby, Io drifted out of the fixed flyby view and an empty starfield was
    left without a word (pressing 5 said why; playing into it did not)."""
    from perijove.ephemeris import to_et

    s = window.session
    ca = to_et("2023-12-30T08:36:00.8")
    s.clock.set_et(ca - 300.0)
    window.set_mode("flyby")
    window.statusBar().clearMessage()
    s.clock.set_playing(True)
    s.clock.set_et(ca + 600.0)  # still the flyby's hour: nothing to say
    assert "flyby" not in window.statusBar().currentMessage()
    s.clock.set_et(ca + 5 * 3600.0)
    message = window.statusBar().currentMessage()
    assert "No Io flyby in this hour" in message and "G goes to the next flyby" in message
    window.statusBar().clearMessage()
    s.clock.set_et(ca + 6 * 3600.0)  # said once, not at every frame
    assert window.statusBar().currentMessage() == ""
    s.clock.set_playing(False)


def test_the_wheel_in_the_flyby_camera_zooms_toward_the_pointer_and_back(window, qtbot):
    """The flyby camera frames the pass and the moon together; the wheel closed on the middle of
    the two, so a deep zoom put Juno's pass at the frame's edge or out of it. It now zooms toward
    the pointer, as a map does: Juno under the pointer stays under it. Zooming out as far as in
    brings the same view back (each wheel step grew the distance by the aim's tilt, 1-2%)."""
    from types import SimpleNamespace

    flyby = _first_flyby(window)
    s = window.session
    s.clock.set_et(flyby.et - 90.0)
    window.set_mode("flyby")
    canvas = window.canvas
    canvas.render()
    state = canvas.state
    juno = state.pose.project(state.spacecraft)  # frame pixels
    at = juno * np.array(canvas.size) / np.array(state.pose.size)  # the widget's pixels
    eye0 = state.pose.eye.copy()
    for _ in range(8):
        canvas.on_mouse_wheel(SimpleNamespace(delta=(0.0, 1.0), pos=tuple(at)))  # in by 1.15 a step
    canvas.render()
    state = canvas.state
    now = state.pose.project(state.spacecraft)
    assert np.linalg.norm(now - juno) < 1.5, (now, juno)  # Juno stays under the pointer
    assert s.camera.mode == "flyby"
    for _ in range(8):
        canvas.on_mouse_wheel(SimpleNamespace(delta=(0.0, -1.0), pos=tuple(at)))
    canvas.render()
    state = canvas.state
    assert np.linalg.norm(state.pose.eye - eye0) < 1e-6 * np.linalg.norm(eye0 - state.positions[501]) + 1e-3
    assert np.linalg.norm(state.pose.project(state.spacecraft) - juno) < 0.5
    for _ in range(60):  # far past how close the camera may come (never on the moon): clamped
        canvas.on_mouse_wheel(SimpleNamespace(delta=(0.0, 1.0), pos=tuple(at)))
    assert s.camera.distance_km == pytest.approx(s.min_distance_km(s.camera))
    canvas.render()
    state = canvas.state
    assert np.linalg.norm(state.pose.project(state.spacecraft) - juno) < 1.5  # still under the pointer
    pan = s.camera.pan_km
    canvas.zoom(2.0)  # a zoom with no pointer (keys, menus) closes on the framing's centre: no pan
    assert s.camera.pan_km == pan


def _tilted_flyby(window):
    """The flyby camera fitted below a box over the top 40% of the frame: aimed above the pass."""
    s = window.session
    s.clock.set_et(_first_flyby(window).et - 90.0)
    canvas = window.canvas
    canvas.render()
    w, h = canvas.state.pose.size
    canvas.scene.keep_clear = ((0.0, 0.0, float(w), 0.4 * h),)
    window.set_mode("flyby")
    canvas.render()
    pose = canvas.state.pose
    assert np.linalg.norm(pose.eye - pose.target) > 1.001 * np.linalg.norm(pose.eye - pose.pivot)  # tilted
    return canvas


@pytest.mark.parametrize("zoomed", [False, True])
def test_a_drag_from_a_tilted_flyby_view_starts_where_the_view_is(window, qtbot, zoomed):
    """A drag turns the flyby camera into an orbit camera around the point it looks at, at the eye's
    distance from that point: the first step moved the eye 192 km of 24,490 (the distance the zoom
    keeps is to the pass, below the aim) and, once zoomed, did so before this session too."""
    canvas = _tilted_flyby(window)
    if zoomed:
        canvas.zoom(0.7)
        canvas.render()
    pose = canvas.state.pose
    eye0 = pose.origin + pose.eye
    az, el = canvas._current_angles()
    canvas.turn(0.0, 0.0, az, el)  # pressed, not moved yet
    canvas.render()
    pose = canvas.state.pose
    assert window.session.camera.mode == "orbit"
    assert np.linalg.norm(pose.origin + pose.eye - eye0) < 1e-6 * np.linalg.norm(pose.eye - pose.target)


def test_a_wheel_step_before_the_flyby_camera_s_first_frame_does_not_pan(window, qtbot):
    """The pointer zoom works from the last frame drawn: one drawn by another camera (the wheel
    turned before the flyby camera's first frame) panned the view by 870 km."""
    from types import SimpleNamespace

    s = window.session
    s.clock.set_et(_first_flyby(window).et - 90.0)
    window.set_mode("orbit")
    window.canvas.render()  # the frame of the camera before
    window.set_mode("flyby")
    assert s.camera.pan_km == (0.0, 0.0, 0.0)
    window.canvas.on_mouse_wheel(SimpleNamespace(delta=(0.0, 1.0), pos=(100.0, 100.0)))
    assert s.camera.pan_km == (0.0, 0.0, 0.0)
    assert s.camera.distance_km is not None  # it zoomed, toward the middle


def test_the_export_form_keeps_a_title_only_for_the_span_it_was_written_for(window, qtbot, tmp_path):
    """A title names one flyby: exported for PJ58, it came back in the form opened on PJ57 (and in
    Export this flyby of PJ57), and would have been burned into the wrong movie."""
    from perijove.ui.export_dialog import ExportDialog

    flybys = [e for e in window.session.events if e.kind == "flyby"]
    first, second = flybys[0], flybys[1]
    window.session.clock.set_et(second.et)
    dialog = ExportDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.prefill_flyby(second.et, 1800.0, 30.0)
    dialog.title.setText("Juno PJ58: Io flyby")
    dialog.frames.setValue(2)
    dialog.out.setText(str(tmp_path / "pj58.mp4"))
    dialog._accept()
    assert dialog.job is not None
    same = ExportDialog(window.session, window)  # the same flyby again: its title comes back
    qtbot.addWidget(same)
    same.prefill_flyby(second.et, 1800.0, 30.0)
    assert same.title.text() == "Juno PJ58: Io flyby"
    other = ExportDialog(window.session, window)
    qtbot.addWidget(other)
    other.prefill_flyby(first.et, 1800.0, 30.0)
    assert other.title.text() == ""
    window.session.clock.set_et(first.et)
    plain = ExportDialog(window.session, window)  # File → Export… at another time
    qtbot.addWidget(plain)
    assert plain.title.text() == ""
