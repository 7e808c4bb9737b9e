"""File → Export asks before replacing anything, and never uses a folder of someone else's files."""

from __future__ import annotations

import pytest

from perijove.ephemeris import to_et


@pytest.fixture
def dialog(qtbot):
    from perijove.model.session import Session
    from perijove.ui.export_dialog import ExportDialog

    session = Session()
    session.clock.set_et(to_et("2023-12-30T08:36:00"))
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    dialog.frames.setValue(3)
    dialog.size.setCurrentText("640x360")
    return dialog


def test_export_dialog_asks_before_overwriting_and_the_answer_reaches_the_export(dialog, qtbot, tmp_path):
    import imageio_ffmpeg

    from perijove.ui.workers import ExportJob

    out = tmp_path / "movie.mp4"
    out.write_bytes(b"the previous movie")
    (tmp_path / "movie.csv").write_text("the user's table")
    dialog.out.setText(str(out))
    asked: list = []
    dialog.confirm_overwrite = lambda paths: asked.append(paths) or False
    dialog._accept()
    assert asked == [[out, tmp_path / "movie.csv"]]
    assert dialog.job is None and dialog.result() != dialog.DialogCode.Accepted  # "no": nothing happens
    assert out.read_bytes() == b"the previous movie"

    unasked = dialog.build_job()  # the API as the window's tests use it: no consent given
    assert unasked["overwrite"] is False
    worker = ExportJob(unasked)
    failures: list[str] = []
    worker.failed.connect(failures.append)
    worker.start()
    qtbot.waitUntil(lambda: not worker.running, timeout=180_000)
    assert failures and "already exists" in failures[0] and out.read_bytes() == b"the previous movie"

    dialog.confirm_overwrite = lambda paths: True
    dialog._accept()
    assert dialog.job is not None and dialog.job["overwrite"] is True
    worker = ExportJob(dialog.job)
    worker.start()
    qtbot.waitUntil(lambda: not worker.running, timeout=180_000)
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["movie.csv", "movie.mp4"]


def test_export_dialog_refuses_a_folder_of_other_files_without_asking(dialog, tmp_path):
    folder = tmp_path / "holiday"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(b"mine")
    dialog.out.setText(str(folder))
    dialog.confirm_overwrite = lambda paths: pytest.fail("asked to replace files Perijove did not write")
    dialog._accept()
    assert dialog.job is None and "did not write" in dialog.error_text()
    assert [p.name for p in folder.iterdir()] == ["photo.jpg"]


def test_a_broken_ffmpeg_is_named_in_the_form_before_any_question(dialog, tmp_path, monkeypatch):
    """An MP4 with no working encoder is refused in the form, before the user is asked to replace
    anything; PNG frames, which need no ffmpeg, still go."""
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'error while loading shared libraries: libx264.so.164' >&2\nexit 127\n")
    fake.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(fake))
    out = tmp_path / "movie.mp4"
    out.write_bytes(b"the previous movie")
    dialog.out.setText(str(out))
    dialog.confirm_overwrite = lambda paths: pytest.fail("asked to replace a file for an export that cannot run")
    dialog._accept()
    text = dialog.error_text()
    assert dialog.job is None and f"IMAGEIO_FFMPEG_EXE={fake}" in text and "libx264.so.164" in text, text
    assert "PNG frames" in text and out.read_bytes() == b"the previous movie"
    dialog.out.setText(str(tmp_path / "frames"))
    dialog._accept()
    assert dialog.job is not None and dialog.job["out"] == str(tmp_path / "frames")


def test_a_long_error_wraps_inside_the_form_and_goes_once_the_form_changes(dialog, qtbot, tmp_path):
    """A folder of someone else's files under a long path: the error wraps, and the form keeps its
    width, so Export and Cancel stay on the screen; editing the form takes the stale error away."""
    folder = tmp_path.joinpath(*["jupiter_flyby_material_for_the_class"] * 4)
    folder.mkdir(parents=True)
    (folder / "lesson_plan.txt").write_text("mine")
    dialog.show()
    qtbot.waitExposed(dialog)
    width = dialog.width()
    dialog.out.setText(str(folder))
    dialog._accept()
    qtbot.wait(50)
    text = dialog.error_text()
    assert "did not write" in text and dialog.error.isVisible()
    assert dialog.width() <= width + 2, (width, dialog.width())
    assert dialog.error.height() >= 2 * dialog.error.fontMetrics().height()  # wrapped, whole
    screen = dialog.screen().availableGeometry()
    assert dialog.frameGeometry().right() <= screen.right() + 1
    dialog.stop.setText(dialog.stop.text())  # no change: the error stays
    assert dialog.error_text() == text
    dialog.out.setText(str(tmp_path / "new.mp4"))
    assert dialog.error_text() == "" and not dialog.error.isVisible()
    dialog.stop.setText("2023-12-30T08:00:00")  # before the start
    dialog._accept()
    assert "stop must be after" in dialog.error_text()
    dialog.stop.setText("2023-12-30T08:50:00")
    assert dialog.error_text() == ""


def test_the_dialog_says_before_the_export_what_a_small_frame_leaves_out(dialog, qtbot):
    """Said after the export only, a 160x120 movie's missing title was a surprise: the form says it
    while the size and title are chosen, and says nothing once everything fits."""
    note = dialog.overlay_note
    dialog.show()
    qtbot.waitExposed(dialog)
    assert note.isHidden()  # 640x360, no title: everything fits
    dialog.title.setText("Juno PJ57 — Io flyby")
    dialog.width_box.setValue(160)
    dialog.height_box.setValue(120)
    qtbot.waitUntil(lambda: not note.isHidden(), timeout=5000)
    assert note.text().startswith("At 160×120 the overlay has no room for the title")
    assert note.text().endswith("left out.")
    qtbot.wait(50)
    assert note.height() >= note.heightForWidth(note.width())  # both wrapped lines shown whole
    dialog.size.setCurrentText("1920x1080")  # a preset
    qtbot.waitUntil(lambda: note.isHidden(), timeout=5000)
    assert note.text() == ""
    dialog.width_box.setValue(160)
    dialog.height_box.setValue(120)
    qtbot.waitUntil(lambda: not note.isHidden(), timeout=5000)
    dialog.stop.setText("not a time")  # a form that cannot make a movie: its error comes on Export
    qtbot.waitUntil(lambda: note.isHidden(), timeout=5000)
    dialog.stop.setText("2023-12-30T08:46:00")
    qtbot.waitUntil(lambda: not note.isHidden(), timeout=5000)
    dialog.title.setText("")
    dialog.overlay.setChecked(False)  # no overlay at all: nothing to leave out
    qtbot.waitUntil(lambda: note.isHidden(), timeout=5000)


def test_the_note_reads_a_few_distances_of_a_long_movie(dialog, qtbot, monkeypatch):
    """Asked each time the form changes, the note must not hold the window up: of 100,000 frames it
    reads the distance at a few thousand (every one took most of a second)."""
    from perijove.export import runner
    from perijove.ui.export_dialog import NOTE_MOST_FRAMES

    read = []
    real = runner._widest_km
    monkeypatch.setattr(runner, "_widest_km", lambda e, ets, t: read.append(len(ets)) or real(e, ets, t))
    dialog.frames.setValue(100_000)
    dialog.title.setText("Juno PJ57 — Io flyby")
    dialog.width_box.setValue(160)
    dialog.height_box.setValue(120)
    qtbot.waitUntil(lambda: not dialog.overlay_note.isHidden(), timeout=5000)
    assert read and max(read) <= NOTE_MOST_FRAMES


def test_the_flyby_camera_on_a_body_without_a_flyby_is_refused_in_the_form(dialog, tmp_path):
    """Target Europa and the Flyby camera made a movie of a pass 653,000 km out, Europa a speck and
    Juno out of frame, without a word; the command line refused it, naming the closest approach."""
    from perijove.ephemeris import PerijoveError

    s = dialog.session
    s.set_camera(s.camera.with_(mode="orbit", target="EUROPA", from_body=None))
    dialog.camera.setCurrentIndex(dialog.camera.findData("flyby"))
    dialog.start.setText("2023-12-30T08:30:00")
    dialog.stop.setText("2023-12-30T08:42:00")
    dialog.out.setText(str(tmp_path / "europa.mp4"))
    with pytest.raises(PerijoveError, match=r"no flyby of Europa.*653,\d{3} km"):
        dialog._movie()
    dialog._accept()
    assert dialog.job is None and "no flyby of Europa" in dialog.error.text()
    s.set_camera(s.camera.with_(target="IO"))
    camera = dialog._movie()[2]  # Io's flyby is in the span
    assert camera.mode == "flyby" and camera.encounter_et == pytest.approx(to_et("2023-12-30T08:36:00.8"), abs=1)
