"""GUI tests: a real main window under Xvfb, driven with pytest-qt.

They run in their own pytest process (see .ci/test): VisPy allows one GL
backend per process, and the headless tests use EGL while these use Qt.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import vispy

vispy.use(app="pyside6")

_GUI = Path(__file__).resolve().parent


@functools.cache
def _no_display() -> str | None:
    """Why no window can open here, or None. Qt aborts the whole process on a display it cannot reach, so the
    display is tried in a child process first (about half a second, once)."""
    display = os.environ.get("DISPLAY")
    if not display:
        return "GUI tests need a display (run them under xvfb-run)"
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "from PySide6.QtGui import QGuiApplication; QGuiApplication(['probe'])"],
            capture_output=True,
            timeout=60,
            env={**os.environ, "QT_QPA_PLATFORM": "xcb"},
        )
    except subprocess.TimeoutExpired:
        return f"GUI tests need a display: DISPLAY={display} did not answer"
    if probe.returncode != 0:
        return f"GUI tests need a display: cannot open DISPLAY={display} (run them under xvfb-run)"
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Without a usable display every window test is skipped, with the reason, instead of crashing the run."""
    gui = [item for item in items if _GUI in Path(str(item.path)).resolve().parents]
    if gui and (reason := _no_display()):
        for item in gui:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6 import QtCore

    from perijove.ui.main_window import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=5000)
    qtbot.waitUntil(lambda: len(win.session.events) > 0, timeout=60_000)
    yield win
    win.close()
