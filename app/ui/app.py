"""Starting the desktop application."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def run(kernels: Sequence[str] = (), defaults: bool = True) -> int:
    """Open the main window; returns the application's exit status."""
    if (
        not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        and sys.platform.startswith("linux")
        and os.environ.get("QT_QPA_PLATFORM") is None
    ):
        print("perijove: error: no display found; use 'perijove render' or 'perijove events' headless", file=sys.stderr)
        return 2
    import vispy

    vispy.use(app="pyside6")
    from PySide6 import QtWidgets

    from perijove.ephemeris import PerijoveError
    from perijove.model.session import Session
    from perijove.ui.main_window import MainWindow

    qapp = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    qapp.setApplicationName("Perijove")
    qapp.setOrganizationName("Perijove")
    try:
        session = Session(kernels, defaults=defaults)
    except PerijoveError as err:
        print(f"perijove: error: {err}", file=sys.stderr)
        return 2
    window = MainWindow(session)
    window.resize(1400, 860)
    window.show()
    return qapp.exec()
