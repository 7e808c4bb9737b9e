"""Starting the desktop application."""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping, Sequence


def prepare_gui_environment(env: MutableMapping[str, str]) -> None:
    """Keep Qt from autolaunching a D-Bus session bus where none is running.

    Without ``DBUS_SESSION_BUS_ADDRESS`` (and no bus at ``$XDG_RUNTIME_DIR/bus``), libdbus
    answers Qt's accessibility probe by forking ``dbus-launch`` from Qt's D-Bus thread. A fork
    while another thread runs BLAS work can deadlock in OpenBLAS's fork handler, and start-up
    then hangs for ever. With no bus there is no screen reader to talk to either, so the probe
    is given an address that fails at once ("disabled:"), without a fork.
    """
    if not sys.platform.startswith("linux") or env.get("DBUS_SESSION_BUS_ADDRESS"):
        return
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and os.path.exists(os.path.join(runtime, "bus")):
        return  # libdbus finds the user's bus there without forking
    env["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"


_font_families: dict[str, str] = {}


def register_fonts() -> dict[str, str]:
    """Add the shipped DejaVu fonts to Qt once; returns {"sans": family, "mono": family}.

    The HUD names these families instead of "monospace", which each system resolves to a
    different font, so the window's text looks the same everywhere (labels and the movie
    overlay draw from the same files).
    """
    if not _font_families:
        from PySide6 import QtGui

        from perijove.render.labels import font_path, mono_font_path

        for key, path, fallback in (("sans", font_path(), "sans-serif"), ("mono", mono_font_path(), "monospace")):
            ident = QtGui.QFontDatabase.addApplicationFont(str(path))
            families = QtGui.QFontDatabase.applicationFontFamilies(ident) if ident >= 0 else []
            _font_families[key] = families[0] if families else fallback
    return dict(_font_families)


def run(kernels: Sequence[str] = (), defaults: bool = True, first_frame_exit: bool = False) -> int:
    """Open the main window; returns the application's exit status.

    ``first_frame_exit`` prints the seconds from start to the first drawn frame and quits
    (for the cold-start benchmark and the smoke test).
    """
    import time

    t0 = time.perf_counter()
    if (
        not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        and sys.platform.startswith("linux")
        and os.environ.get("QT_QPA_PLATFORM") is None
    ):
        print("perijove: error: no display found; use 'perijove render' or 'perijove events' headless", file=sys.stderr)
        return 2
    import threading

    import vispy

    from perijove.render.textures import default_map

    prepare_gui_environment(os.environ)
    # The real maps (and the procedural Jupiter whose poles Cassini's map borrows) are decoded while
    # Qt and the window's modules import: Pillow lets go of the GIL while it decodes, so the two
    # overlap on two cores. Joined before Qt starts any thread of its own.
    maps = threading.Thread(
        target=lambda: [default_map(b) for b in (599, 501, 502, 503, 504)], name="perijove-maps", daemon=True
    )
    maps.start()
    vispy.use(app="pyside6")
    from PySide6 import QtWidgets

    from perijove.ephemeris import PerijoveError
    from perijove.ui.main_window import MainWindow

    maps.join()

    qapp = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    qapp.setApplicationName("Perijove")
    qapp.setOrganizationName("Perijove")
    from PySide6 import QtGui

    from perijove.resources import asset_path

    icon = QtGui.QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        icon.addFile(str(asset_path("icons", f"perijove-{size}.png")))
    qapp.setWindowIcon(icon)
    register_fonts()
    from perijove.ui.canvas import view_choice
    from perijove.ui.main_window import open_session

    try:
        view_choice()  # a bad PERIJOVE_VIEW is told before the kernels are read
        session, notes = open_session(list(kernels), defaults=defaults)
    except PerijoveError as err:
        print(f"perijove: error: {err}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"perijove: note: {note}", file=sys.stderr)
    try:
        window = MainWindow(session, data_notes=notes)
    except PerijoveError as err:  # e.g. no OpenGL context for the view
        print(f"perijove: error: {err}", file=sys.stderr)
        return 2
    window.show()
    if first_frame_exit:
        from PySide6 import QtCore

        def check() -> None:
            drawn = window.canvas.first_frame_at
            if drawn is not None:
                # When the frame was drawn, not now: the first-frame work that follows it (the event
                # search's child starts) and this timer's period are not start-up. The wall-clock
                # moment too, for the benchmark, which times from the process's launch.
                epoch = time.time() - (time.perf_counter() - drawn)
                print(f"first frame after {drawn - t0:.2f} s (at {epoch:.6f})", flush=True)
                print(f"window {window.width()} x {window.height()}", flush=True)
                hud = window.hud.text().replace("\n", " | ") if window.hud.isVisible() else "(hidden)"
                print(f"HUD: {hud}", flush=True)
                window.close()
                qapp.quit()

        timer = QtCore.QTimer(window)
        timer.timeout.connect(check)
        timer.start(10)
    return qapp.exec()
