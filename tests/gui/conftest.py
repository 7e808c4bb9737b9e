"""GUI tests: a real main window under Xvfb, driven with pytest-qt.

They run in their own pytest process (see .ci/test): VisPy allows one GL
backend per process, and the headless tests use EGL while these use Qt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if not os.environ.get("DISPLAY"):
    pytest.skip("GUI tests need a display (run them under xvfb-run)", allow_module_level=True)

import vispy

vispy.use(app="pyside6")


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
