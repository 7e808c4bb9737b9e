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
    assert dialog.job is None and "did not write" in dialog.error.text()
    assert [p.name for p in folder.iterdir()] == ["photo.jpg"]
