"""Every command of the window, declared once.

Menus, key bindings, the F1 help and the README's key table are all made from ``ROWS`` (the
README's table is checked against it by tests/gui/test_window.py), so a key cannot be bound
without being listed, or listed without being bound, as T, Ctrl+E and F1 once were. Handlers are
called with the window and nothing else: Qt's ``checked`` argument once reached
``export_dialog(flyby=None)`` as ``flyby=False`` and File → Export did nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

DOCK = "dock"
TOGGLE = "toggle"
MODE = "mode"
MENUS = {"File": "&File", "View": "&View", "Time": "&Time", "Help": "&Help"}  # the menu bar, in order


@dataclass(frozen=True)
class Row:
    """One command: where it sits, its key, what it calls, and the line that explains it.

    ``kind`` is "action" (a new QAction calling ``handler(window)``), "toggle" (a checkable QAction
    turning the display option named by ``handler`` on or off, ticked as the option is), "dock" (the toggle action
    of the dock widget held in the window attribute ``id``), "mouse" (a gesture: help only),
    "menu" (a submenu kept in the window attribute ``id``), "mode" (one of the cameras, ``handler``
    naming it: one choice, so the menu ticks the one in use) or "separator".
    """

    id: str
    menu: str | None
    text: str
    shortcut: str | None
    handler: str | Callable[[Any], object] | None  # a window method's name, or called with the window
    help: str
    kind: str = "action"


def _clock(name: str) -> Callable[[Any], object]:
    return lambda w: getattr(w.session.clock, name)()


def _zoom(factor: float) -> Callable[[Any], object]:
    return lambda w: w.session.timeline.zoom(factor, w.session.clock.et)


def _whole(w: Any) -> None:
    w.session.timeline.show_all()


ROWS: tuple[Row, ...] = (
    Row("open", "File", "&Open kernels…", "Ctrl+O", "open_kernels_dialog", "open kernels or a metakernel"),
    Row("recent_menu", "File", "Open &recent", None, None, "", "menu"),
    Row("loaded", "File", "&Loaded kernels…", None, "kernels_dialog", "see and unload the loaded kernels"),
    Row("screenshot", "File", "&Save screenshot…", "Ctrl+S", "save_screenshot_dialog", "save view and HUD as PNG"),
    Row("export", "File", "E&xport movie or frames…", "Ctrl+Shift+E", "export_dialog", "export a movie or frames"),
    Row("export_flyby", "File", "Export this &flyby…", None, "export_this_flyby", "export the flyby's hour"),
    Row("fetch", "File", "&Get official kernels…", None, "fetch_dialog", "download NAIF's kernels or maps"),
    Row("search", "File", "Find &events again", "Ctrl+E", "search_events", "find events again"),
    Row("compare", "File", "&Compare with another kernel set…", None, "compare_dialog", "draw another Juno path"),
    Row("stop_compare", "File", "Stop &comparing", None, lambda w: w.session.set_ghost(None), "stop comparing"),
    Row("-", "File", "", None, None, "", "separator"),
    Row("quit", "File", "&Quit", "Ctrl+Q", "close", "quit"),
    Row("mode_orbit", "View", "&Orbit target", "1", "orbit", "camera: orbit the target", MODE),
    Row("mode_follow", "View", "&Follow Juno", "2", "follow", "camera: follow Juno", MODE),
    Row("mode_from", "View", "View from &Juno", "3", "from", "camera: view from Juno", MODE),
    Row("mode_bodyfixed", "View", "&Body-fixed", "4", "bodyfixed", "camera: body-fixed", MODE),
    Row("mode_flyby", "View", "Fl&yby (lit side, Juno's path)", "5", "flyby", "camera: flyby (lit side)", MODE),
    Row("mode_junocam", "View", "Juno&Cam", "6", "junocam", "camera: JunoCam", MODE),
    Row("frame", "View", "&Frame target", "F", "frame_target", "frame the target (and undo a pan)"),
    Row("-", "View", "", None, None, "", "separator"),
    Row("labels", "View", "&Labels", "L", "labels", "labels on / off", TOGGLE),
    Row("trajectory", "View", "&Trajectory", "T", "trajectory", "trajectory on / off", TOGGLE),
    Row("hud", "View", "&Heads-up display", "H", "hud", "show / hide the HUD", TOGGLE),
    Row("full_screen", "View", "Full &screen", "F11", "toggle_full_screen", "full screen"),
    Row("-", "View", "", None, None, "", "separator"),
    Row("bookmarks_menu", "View", "&Bookmarks", None, None, "", "menu"),
    Row("bookmark", "View", "Bookmark this &view…", "Ctrl+B", lambda w: w.add_bookmark(ask=True), "bookmark this view"),
    Row("bookmarks", "View", "&Manage bookmarks…", None, "manage_bookmarks", "go to, rename, delete bookmarks"),
    Row("maps", "View", "M&aps…", None, "open_maps_dialog", "choose the map each body wears"),
    Row("events_dock", "View", "Events", None, None, "the event list on / off", DOCK),
    Row("view_dock", "View", "View", None, None, "the View panel on / off", DOCK),
    Row(
        "plot_dock", "View", "Geometry plots", "Ctrl+Shift+P", None,
        "geometry plots (click or drag on one: set the time)", DOCK,
    ),
    Row("play", "Time", "&Play / pause", "Space", "toggle_play", "play / pause"),
    Row("step_forward", "Time", "Step &forward", "Right", lambda w: w.step(1), "step forward (one second x rate)"),
    Row("step_back", "Time", "Step &back", "Left", lambda w: w.step(-1), "step back (one second x rate)"),
    Row("faster", "Time", "&Faster", "]", _clock("faster"), "faster"),
    Row("slower", "Time", "&Slower", "[", _clock("slower"), "slower"),
    Row("reverse", "Time", "&Reverse", "R", _clock("reverse"), "reverse playback"),
    Row(
        "next_event",
        "Time",
        "&Next event",
        "N",
        "next_event",
        'next event of the kinds chosen in the event list\'s "N / P step through"',
    ),
    Row("previous_event", "Time", "P&revious event", "P", "previous_event", "previous event of those kinds"),
    Row("go_to_flyby", "Time", "&Go to flyby", "G", "go_to_flyby", "the next flyby: its hour, lit side, in about 30 s"),
    Row("-", "Time", "", None, None, "", "separator"),
    Row("zoom_in", "Time", "Zoom timeline &in", "Ctrl+=", _zoom(0.5), "zoom the timeline in (or the wheel over it)"),
    Row("zoom_out", "Time", "Zoom timeline &out", "Ctrl+-", _zoom(2.0), "zoom the timeline out"),
    Row("whole", "Time", "&Whole coverage", "Ctrl+0", _whole, "show the whole coverage on the timeline"),
    Row("shortcuts", "Help", "&Keyboard shortcuts", "F1", "show_shortcuts", "this list of keys and mouse gestures"),
    Row("provenance", "Help", "Data &provenance", None, "show_provenance", "where each loaded kernel came from"),
    Row("about", "Help", "&About Perijove", None, "show_about", "version and credits"),
    Row("drag", None, "", "View: drag", None, "turn the camera around what it looks at", "mouse"),
    Row("pan", None, "", "View: Shift+drag / right-drag", None, "pan: move the point looked at (any camera)", "mouse"),
    Row(
        "wheel",
        None,
        "",
        "View: wheel",
        None,
        "zoom the camera in / out (the flyby camera toward the pointer; JunoCam keeps its field)",
        "mouse",
    ),
    Row("tl_drag", None, "", "Timeline: drag", None, "scrub: the time follows the pointer", "mouse"),
    Row("tl_wheel", None, "", "Timeline: wheel", None, "zoom the timeline around the pointer", "mouse"),
    Row("tl_pan", None, "", "Timeline: right-drag / Shift+wheel", None, "pan the timeline", "mouse"),
    Row("tl_event", None, "", "Timeline: double-click", None, "go to the event under the pointer", "mouse"),
    Row("overview", None, "", "Overview: click / double-click", None, "move the span there / see it all", "mouse"),
    Row("list_event", None, "", "Event list: double-click", None, "go to the event", "mouse"),
    Row("plot_time", None, "", "Plots: click / drag", None, "set the time there", "mouse"),
)

# (key, what it does) for every key and gesture, in menu order: the F1 help and the README's table.
SHORTCUTS: list[tuple[str, str]] = [(r.shortcut, r.help) for r in ROWS if r.shortcut]


def shortcut_help_text() -> str:
    width = max(len(k) for k, _ in SHORTCUTS)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in SHORTCUTS)


def markdown_key_table() -> str:
    """The README's key table (``python3 -m perijove.ui.actions`` prints it)."""
    lines = ["| Key | What it does |", "| --- | --- |"]
    lines += [f"| `{k}` | {v} |" for k, v in SHORTCUTS]
    return "\n".join(lines)


def _run(handler: str | Callable[[Any], object], window: QtWidgets.QWidget) -> Callable[..., None]:
    def run(*_qt_args: object) -> None:  # Qt's `checked` stops here
        if isinstance(handler, str):
            getattr(window, handler)()  # looked up when triggered: a test may replace the method
        else:
            handler(window)

    return run


def build_menus(window: QtWidgets.QMainWindow) -> dict[str, QtGui.QAction]:
    """The menu bar from ``ROWS``; every QAction by its row id. Submenus become window attributes."""
    bar = window.menuBar()
    menus = {name: bar.addMenu(title) for name, title in MENUS.items()}
    made: dict[str, QtGui.QAction] = {}
    cameras: QtGui.QActionGroup | None = None
    for row in ROWS:
        menu = menus.get(row.menu) if row.menu else None
        if row.kind == "separator":
            menu.addSeparator()
            continue
        if row.kind == "menu":
            setattr(window, row.id, menu.addMenu(row.text))
            continue
        if row.kind == "mouse":
            continue
        if row.kind == "dock":
            action = getattr(window, row.id).toggleViewAction()
        elif row.kind == TOGGLE:
            action = QtGui.QAction(row.text, window)
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, key=row.handler: window.toggle_display(key))
        elif row.kind == MODE:
            if cameras is None:
                cameras = QtGui.QActionGroup(window)  # exclusive: choosing one unticks the others
            action = QtGui.QAction(row.text, window)
            action.setCheckable(True)
            action.setActionGroup(cameras)
            action.triggered.connect(lambda _checked=False, mode=row.handler: window.set_mode(mode))
        else:
            action = QtGui.QAction(row.text, window)
            action.triggered.connect(_run(row.handler, window))
        action.setStatusTip(row.help)
        if row.shortcut:
            action.setShortcut(QtGui.QKeySequence(row.shortcut))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        if menu is not None:
            menu.addAction(action)
        if row.kind in ("action", TOGGLE, MODE) or row.shortcut:
            window.addAction(action)  # bound on the window, whether or not the menu bar has focus
        made[row.id] = action
    return made


def sync_toggles(actions: dict[str, QtGui.QAction], display: Any) -> None:
    """Tick each on/off command as its display option is, whoever changed it."""
    for row in ROWS:
        if row.kind == TOGGLE:
            actions[row.id].setChecked(bool(getattr(display, row.handler)))


def sync_mode(actions: dict[str, QtGui.QAction], mode: str) -> None:
    """Tick the camera in use, whoever chose it (the menu, a key, the View panel, a bookmark)."""
    for row in ROWS:
        if row.kind == MODE:
            actions[row.id].setChecked(row.handler == mode)


if __name__ == "__main__":
    print(markdown_key_table())
