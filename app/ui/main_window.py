"""The main window: canvas, timeline, event list, HUD, menus and shortcuts."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from perijove import __version__
from perijove.ephemeris import PerijoveError, et_to_utc, to_et
from perijove.ephemeris.bodies import is_spacecraft
from perijove.model.display import format_duration, parse_duration
from perijove.model.hud import format_hud, hud_values, measured_target
from perijove.model.session import Session
from perijove.model.settings import (
    Bookmark,
    StoredState,
    display_state,
    map_state,
    read_settings,
    write_settings,
)
from perijove.ui.canvas import SceneCanvas
from perijove.ui.events_dock import EventPanel
from perijove.ui.maps_dialog import fetched_maps
from perijove.ui.timeline import TimelineBar
from perijove.ui.workers import EventSearch

SHORTCUTS = [
    ("Space", "play / pause"),
    ("Left / Right", "step back / forward (one second x rate)"),
    ("[ / ]", "slower / faster"),
    ("R", "reverse playback"),
    ("N / P", "next / previous event (the timeline zooms onto it)"),
    ("G", "go to the next flyby: the hour around it, seen from Juno, in about 30 s"),
    ("Ctrl+= / Ctrl+-", "zoom the timeline in / out (or the wheel over it)"),
    ("Ctrl+0", "show the whole coverage on the timeline"),
    ("F", "frame the target"),
    ("1 2 3 4 5 6", "camera: orbit, follow Juno, view from Juno, body-fixed, flyby, JunoCam"),
    ("Drag", "turn the camera around what it looks at"),
    ("Shift+drag / right-drag", "pan: move the point looked at (every camera)"),
    ("Wheel", "zoom the camera in / out (JunoCam keeps its field)"),
    ("H", "show / hide the HUD"),
    ("L", "labels on / off"),
    ("T", "trajectory on / off"),
    ("Ctrl+O", "open kernels or a metakernel"),
    ("Ctrl+S", "save a screenshot"),
    ("Ctrl+Shift+E", "export a movie or frames"),
    ("Ctrl+Shift+P", "geometry plots on / off (click a plot to set the time)"),
    ("Ctrl+B", "bookmark this view"),
    ("Ctrl+E", "find events again"),
    ("F1", "this list"),
    ("F11", "full screen"),
    ("Ctrl+Q", "quit"),
]
TRAIL_PRESETS = ("1 h", "6 h", "1 d", "3 d", "10 d", "38 d")  # 38 d: a whole orbit
FLYBY_HALF_SPAN_S = 1800.0  # a flyby is shown from half an hour before to half an hour after
FLYBY_PLAY_S = 30.0  # ...in about this many seconds of playback or movie
SEARCHED_KINDS = ("perijove", "apojove", "flyby", "eclipse", "shadow", "transit", "shadow-transit")
KERNEL_FILTER = "SPICE kernels (*.bsp *.bc *.tpc *.tls *.tf *.tsc *.ti *.bpc *.tm *.mk *.bds);;All files (*)"
RATE_LABELS = {
    1.0: "real time",
    10.0: "10 s/s",
    60.0: "1 min/s",
    600.0: "10 min/s",
    3600.0: "1 h/s",
    21600.0: "6 h/s",
    86400.0: "1 day/s",
}


def _rate_label(rate: float) -> str:
    return ("◀ " if rate < 0 else "") + RATE_LABELS.get(abs(rate), f"{abs(rate):g} s/s")


class MainWindow(QtWidgets.QMainWindow):
    def __init__(
        self,
        session: Session | None = None,
        settings: QtCore.QSettings | None = None,
        data_notes: list[str] | None = None,
    ) -> None:
        super().__init__()
        if settings is None:  # platformdirs' config folder; on Linux the file Qt's default used
            from perijove.model.settings import settings_file

            settings = QtCore.QSettings(settings_file(), QtCore.QSettings.Format.IniFormat)
        self.settings = settings
        if session is None:
            session, data_notes = open_session()
        self.session = session
        self.data_notes = list(data_notes or [])  # e.g. a damaged download cache: the embedded set is used
        self.setWindowTitle("Perijove")
        self.setAcceptDrops(True)
        self.canvas = SceneCanvas(self.session, on_error=self.show_error)
        self.canvas.create_native()
        self.canvas.native.setParent(self)
        self._build_central()
        self._build_docks()
        self._build_menus()
        self._search: EventSearch | None = None
        self.search_label = QtWidgets.QLabel()
        self.search_progress = QtWidgets.QProgressBar()
        self.search_progress.setRange(0, 1000)
        self.search_progress.setMaximumWidth(160)
        self.search_progress.setTextVisible(False)
        self.search_cancel = QtWidgets.QToolButton()
        self.search_cancel.setText("✕")
        self.search_cancel.setToolTip("Stop finding events")
        self.search_cancel.clicked.connect(self._cancel_search)
        for w in (self.search_label, self.search_progress, self.search_cancel):
            self.statusBar().addPermanentWidget(w)
            w.hide()
        self.exports: list = []  # running and finished export jobs of this window
        self.settings_note = ""
        self._maximized_before_full_screen = False
        self._last_tick = time.perf_counter()
        self._drawn_at_tick = -1
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(15)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        s = self.session
        s.clock.changed.connect(lambda _et: self._refresh_time())
        s.clock.playing_changed.connect(self._playing_changed)
        s.clock.rate_changed.connect(lambda r: self.rate_label.setText(_rate_label(r)))
        s.camera_changed.connect(lambda _c: self._sync_camera_widgets())
        s.display_changed.connect(self._display_changed)
        s.ghost_changed.connect(self._ghost_changed)
        s.kernels_changed.connect(self._kernels_changed)
        self._restore()
        self._display_changed(s.display)
        self._refresh_time()  # the HUD has its text before the first frame is drawn
        message = f"Data: {', '.join(s.kernels.provenances())}"
        for note in self.data_notes:
            message += f". ⚠ {note}"
        if self.settings_note:
            message += f". {self.settings_note}"
        self.statusBar().showMessage(message, 20000 if self.settings_note or self.data_notes else 8000)
        if self._search is None:  # restoring kernels may have started it already
            self.search_events()
        self.canvas.native.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.canvas.native.setFocus()

    # -- layout -------------------------------------------------------------------------------
    def _build_central(self) -> None:
        central = QtWidgets.QWidget(self)
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas.native, 1)
        self.hud = QtWidgets.QLabel(self.canvas.native)
        from perijove.ui.app import register_fonts

        mono = register_fonts()["mono"]  # the shipped DejaVu Sans Mono: the same HUD on every system
        self.hud.setStyleSheet(
            "QLabel { color: #e8ecf4; background: rgba(0,0,0,140); padding: 6px;"
            f" font-family: '{mono}'; font-size: 11px; }}"
        )
        self.hud.move(8, 8)
        self.hud.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hud.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        self.timeline = TimelineBar(self.session)
        layout.addWidget(self.timeline)
        controls = QtWidgets.QHBoxLayout()
        controls.setContentsMargins(6, 4, 6, 4)

        style = self.style()
        icons = {
            "⏮": style.StandardPixmap.SP_MediaSkipBackward,
            "⏭": style.StandardPixmap.SP_MediaSkipForward,
            "▶": style.StandardPixmap.SP_MediaPlay,
        }

        def button(text: str, tip: str, slot) -> QtWidgets.QToolButton:
            b = QtWidgets.QToolButton()
            if text in icons:
                b.setIcon(style.standardIcon(icons[text]))
            else:
                b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            controls.addWidget(b)
            return b

        button("⏮", "Previous event (P)", self.previous_event)
        button("◀◀", "Step back (Left)", lambda: self.step(-1))
        self.play_button = button("▶", "Play / pause (Space)", self.toggle_play)
        button("▶▶", "Step forward (Right)", lambda: self.step(1))
        button("⏭", "Next event (N)", self.next_event)
        button(
            "Go to flyby",
            "The next flyby, zoomed, from the sunlit side with Juno's path, played in about 30 s, with plots (G)",
            self.go_to_flyby,
        )
        button("⇄", "Reverse (R)", self.session.clock.reverse)
        button("−", "Slower ([)", self.session.clock.slower)
        self.rate_label = QtWidgets.QLabel(_rate_label(self.session.clock.rate))
        self.rate_label.setMinimumWidth(80)
        self.rate_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        controls.addWidget(self.rate_label)
        button("+", "Faster (])", self.session.clock.faster)
        controls.addStretch(1)
        controls.addWidget(QtWidgets.QLabel("UTC"))
        self.time_field = QtWidgets.QLineEdit()
        self.time_field.setMinimumWidth(210)
        self.time_field.setToolTip("Type a UTC time and press Enter (e.g. 2023-12-30T08:36:00)")
        self.time_field.returnPressed.connect(self._time_entered)
        controls.addWidget(self.time_field)
        layout.addLayout(controls)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.events_panel = EventPanel(self.session)
        self.events = self.events_panel.table
        dock = QtWidgets.QDockWidget("Events", self)
        dock.setObjectName("events")
        dock.setWidget(self.events_panel)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.events_dock = dock
        panel = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(panel)
        self.mode_box = QtWidgets.QComboBox()
        for label, mode in (
            ("Orbit target", "orbit"),
            ("Follow Juno", "follow"),
            ("View from…", "from"),
            ("Body-fixed", "bodyfixed"),
            ("Flyby (lit side)", "flyby"),
            ("JunoCam", "junocam"),
        ):
            self.mode_box.addItem(label, mode)
        self.mode_box.activated.connect(lambda _i: self.set_mode(self.mode_box.currentData()))
        form.addRow("Camera", self.mode_box)
        self.target_box = QtWidgets.QComboBox()
        for name in ("Jupiter", "Io", "Europa", "Ganymede", "Callisto", "Juno"):
            self.target_box.addItem(name, name.upper())
        self.target_box.activated.connect(lambda _i: self._set_target(self.target_box.currentData()))
        form.addRow("Target", self.target_box)
        self.from_box = QtWidgets.QComboBox()
        for name in ("Sun", "Juno", "Earth", "Jupiter", "Io"):
            self.from_box.addItem(name, name.upper())
        self.from_box.activated.connect(lambda _i: self._set_from(self.from_box.currentData()))
        form.addRow("View from", self.from_box)
        self.fov = QtWidgets.QDoubleSpinBox()
        self.fov.setRange(1.0, 120.0)
        self.fov.setSuffix("°")
        self.fov.valueChanged.connect(lambda v: self.session.set_camera(self.session.camera.with_(fov_deg=float(v))))
        form.addRow("Field of view", self.fov)
        self.toggles = {}
        for key, label in (
            ("labels", "Labels"),
            ("stars", "Stars"),
            ("trajectory", "Trajectory"),
            ("moon_orbits", "Moon orbits"),
            ("shadows", "Eclipse shadows"),
        ):
            box = QtWidgets.QCheckBox(label)
            box.setChecked(getattr(self.session.display, key))
            box.toggled.connect(lambda on, k=key: self.session.set_display(self.session.display.with_(**{k: on})))
            form.addRow(box)
            self.toggles[key] = box
        self.colour_box = QtWidgets.QComboBox()
        self.colour_box.addItem("by time", "time")
        self.colour_box.addItem("by distance to target", "distance")
        self.colour_box.activated.connect(
            lambda _i: self.session.set_display(
                self.session.display.with_(trajectory_color=self.colour_box.currentData())
            )
        )
        form.addRow("Trajectory colour", self.colour_box)
        self.trail_box = QtWidgets.QComboBox()
        self.trail_box.setEditable(True)
        self.trail_box.addItems(TRAIL_PRESETS)
        self.trail_box.setToolTip("How much of Juno's path is drawn behind it: 30 min, 6 h, 3 d… up to 38 d, an orbit")
        self.trail_box.lineEdit().editingFinished.connect(lambda: self.set_trail(self.trail_box.currentText()))
        self.trail_box.activated.connect(lambda _i: self.set_trail(self.trail_box.currentText()))
        form.addRow("Trail", self.trail_box)
        self.hud_box = QtWidgets.QCheckBox("Heads-up display")
        self.hud_box.setChecked(self.session.display.hud)
        self.hud_box.toggled.connect(lambda on: self.session.set_display(self.session.display.with_(hud=on)))
        form.addRow(self.hud_box)
        dock = QtWidgets.QDockWidget("View", self)
        dock.setObjectName("view")
        dock.setWidget(panel)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.view_dock = dock
        from perijove.ui.plot_dock import PlotPanel

        self.plot_panel = PlotPanel(self.session)  # geometry over time around the current event
        dock = QtWidgets.QDockWidget("Geometry plots", self)
        dock.setObjectName("plots")
        dock.setWidget(self.plot_panel)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        dock.hide()  # shown from the View menu (Ctrl+Shift+P) or by Go to flyby; the layout is remembered
        self.plot_dock = dock
        self._sync_camera_widgets()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&Open kernels…", "Ctrl+O", self.open_kernels_dialog)
        self.recent_menu = file.addMenu("Open &recent")
        self._action(file, "&Save screenshot…", "Ctrl+S", self.save_screenshot_dialog)
        self._action(file, "E&xport movie or frames…", "Ctrl+Shift+E", lambda: self.export_dialog())
        self._action(file, "Export this &flyby…", None, self.export_this_flyby)
        self._action(file, "&Get official kernels…", None, self.fetch_dialog)
        self._action(file, "Find &events again", "Ctrl+E", self.search_events)
        self._action(file, "&Compare with another kernel set…", None, self.compare_dialog)
        self.stop_compare_action = self._action(file, "Stop &comparing", None, lambda: self.session.set_ghost(None))
        self.stop_compare_action.setEnabled(False)
        file.addSeparator()
        self._action(file, "&Quit", "Ctrl+Q", self.close)
        view = bar.addMenu("&View")
        for key, label, mode in (
            ("1", "&Orbit target", "orbit"),
            ("2", "&Follow Juno", "follow"),
            ("3", "View from &Juno", "from"),
            ("4", "&Body-fixed", "bodyfixed"),
            ("5", "Fl&yby (lit side, Juno's path)", "flyby"),
            ("6", "Juno&Cam", "junocam"),
        ):
            self._action(view, label, key, lambda _checked=False, m=mode: self.set_mode(m))
        self._action(view, "&Frame target", "F", self.frame_target)
        view.addSeparator()
        self._action(view, "&Labels", "L", lambda: self._toggle_display("labels"))
        self._action(view, "&Trajectory", "T", lambda: self._toggle_display("trajectory"))
        self._action(view, "&Heads-up display", "H", lambda: self._toggle_display("hud"))
        self._action(view, "Full &screen", "F11", self.toggle_full_screen)
        view.addSeparator()
        self.bookmarks_menu = view.addMenu("&Bookmarks")
        self._action(view, "Bookmark this &view…", "Ctrl+B", lambda: self.add_bookmark(ask=True))
        self._action(view, "&Manage bookmarks…", None, self.manage_bookmarks)
        self._action(view, "M&aps…", None, self.open_maps_dialog)
        view.addAction(self.events_dock.toggleViewAction())
        view.addAction(self.view_dock.toggleViewAction())
        plots = self.plot_dock.toggleViewAction()
        plots.setShortcut(QtGui.QKeySequence("Ctrl+Shift+P"))
        plots.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        view.addAction(plots)
        self.addAction(plots)
        play = bar.addMenu("&Time")
        self._action(play, "&Play / pause", "Space", self.toggle_play)
        self._action(play, "Step &forward", "Right", lambda: self.step(1))
        self._action(play, "Step &back", "Left", lambda: self.step(-1))
        self._action(play, "&Faster", "]", self.session.clock.faster)
        self._action(play, "&Slower", "[", self.session.clock.slower)
        self._action(play, "&Reverse", "R", self.session.clock.reverse)
        self._action(play, "&Next event", "N", self.next_event)
        self._action(play, "P&revious event", "P", self.previous_event)
        self._action(play, "&Go to flyby", "G", self.go_to_flyby)
        play.addSeparator()
        view_span = self.session.timeline
        self._action(play, "Zoom timeline &in", "Ctrl+=", lambda: view_span.zoom(0.5, self.session.clock.et))
        self._action(play, "Zoom timeline &out", "Ctrl+-", lambda: view_span.zoom(2.0, self.session.clock.et))
        self._action(play, "&Whole coverage", "Ctrl+0", view_span.show_all)
        helpm = bar.addMenu("&Help")
        self._action(helpm, "&Keyboard shortcuts", "F1", self.show_shortcuts)
        self._action(helpm, "Data &provenance", None, self.show_provenance)
        self._action(helpm, "&About Perijove", None, self.show_about)

    def _action(self, menu: QtWidgets.QMenu, text: str, key: str | None, slot) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if key:
            action.setShortcut(QtGui.QKeySequence(key))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    # -- time -----------------------------------------------------------------------------------
    def _tick(self) -> None:
        now = time.perf_counter()
        wall, self._last_tick = now - self._last_tick, now
        clock = self.session.clock
        if not clock.playing:
            return
        if self.canvas.frames_drawn == self._drawn_at_tick:
            return  # the last frame is not drawn yet: drop this tick rather than queue work
        self._drawn_at_tick = self.canvas.frames_drawn
        clock.advance(min(wall, 0.25))

    def toggle_play(self) -> None:
        clock = self.session.clock
        clock.set_playing(not clock.playing)
        self._last_tick = time.perf_counter()

    def _playing_changed(self, playing: bool) -> None:
        # Icons, not characters: "⏸" is missing from many fonts and drew as an empty box.
        icons = QtWidgets.QStyle.StandardPixmap
        pixmap = icons.SP_MediaPause if playing else icons.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(pixmap))
        self.play_button.setText("")

    def step(self, direction: int) -> None:
        self.session.clock.step(direction * abs(self.session.clock.rate))

    def next_event(self) -> None:
        event = self.session.next_event()
        if event is None:
            self.statusBar().showMessage("No later event", 3000)
        else:
            self._jump(event)

    def _jump(self, event) -> None:
        """Go to an event; a flyby is shown by the flyby camera (from the lit side, Juno's path in frame)."""
        self.session.jump_to(event)
        if event.kind == "flyby":
            self.session.set_camera(self._flyby_camera(event))

    def previous_event(self) -> None:
        event = self.session.previous_event()
        if event is None:
            self.statusBar().showMessage("No earlier event", 3000)
        else:
            self._jump(event)

    def _time_entered(self) -> None:
        try:
            et = to_et(self.time_field.text())
        except PerijoveError as err:
            self.show_error(str(err))
            return  # the field keeps the focus, so the user can correct it
        clock = self.session.clock
        if not clock.start <= et <= clock.stop:
            self.show_error(
                f"{self.time_field.text()} is outside the loaded data "
                f"({et_to_utc(clock.start, 0)} .. {et_to_utc(clock.stop, 0)})"
            )
            return
        clock.set_et(et)
        self.canvas.native.setFocus()  # the keys go back to the scene (N, P, Space…)

    def _refresh_time(self) -> None:
        et = self.session.clock.et
        if not self.time_field.hasFocus():
            self.time_field.setText(et_to_utc(et, 3))
        self._refresh_hud()

    def _refresh_hud(self) -> None:
        if not self.session.display.hud:
            return  # refreshed when it is shown again
        target = measured_target(self.session.camera)
        values = hud_values(self.session.eph, self.session.clock.et, target)
        self.hud_values = values
        lines = format_hud(values)
        ghost = self.session.ghost
        if ghost is not None:
            offset = self.session.ghost_offset_km()
            where = f"{offset:,.3f} km" if offset is not None else "no data at this time"
            lines.append(f"vs {ghost.label} ({', '.join(ghost.provenance)}): {where}")
        self.hud.setText("\n".join(lines))
        self.hud.adjustSize()

    def _toggle_display(self, key: str) -> None:
        d = self.session.display
        self.session.set_display(d.with_(**{key: not getattr(d, key)}))

    def _display_changed(self, display) -> None:
        """Widgets follow the model, whoever changed it (a checkbox, a key, restored settings)."""
        for key, box in self.toggles.items():
            box.blockSignals(True)
            box.setChecked(getattr(display, key))
            box.blockSignals(False)
        self.hud_box.blockSignals(True)
        self.hud_box.setChecked(display.hud)
        self.hud_box.blockSignals(False)
        i = self.colour_box.findData(display.trajectory_color)
        if i >= 0:
            self.colour_box.setCurrentIndex(i)
        if not self.trail_box.lineEdit().hasFocus():
            self.trail_box.setEditText(format_duration(display.trajectory_past_days * 86400.0))
        if display.hud and not self.hud.isVisible():
            self._refresh_hud()
        self.hud.setVisible(display.hud)

    # -- camera -------------------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        c = self.session.camera.with_(pan_km=(0.0, 0.0, 0.0), encounter_et=None)  # a pan belongs to its mode
        target = "IO" if is_spacecraft(c.target) else c.target
        if mode == "from":
            self.session.set_camera(c.with_(mode="from", from_body="JUNO", distance_km=None, target=target))
        elif mode == "follow":
            self.session.set_camera(c.with_(mode="follow", from_body=None, distance_km=0.06))
        elif mode == "flyby":
            flyby = self._flyby_near(target)
            if flyby is not None:
                self.session.set_camera(self._flyby_camera(flyby))
            else:  # no event list yet: the renderer finds the closest approach itself
                self.session.set_camera(c.with_(mode="flyby", from_body=None, distance_km=None, target=target))
        elif mode == "junocam":
            self.session.set_camera(c.with_(mode="junocam", from_body=None, distance_km=None, target=target))
        else:
            # Leaving the spacecraft's neighbourhood: frame the target instead of keeping metres.
            distance = None if c.mode in ("follow", "flyby", "junocam") else c.distance_km
            self.session.set_camera(c.with_(mode=mode, from_body=None, distance_km=distance, target=target))

    def _flyby_camera(self, event):
        """The flyby camera for a found flyby event: its closest approach, framed from the lit side."""
        return self.session.camera.with_(
            mode="flyby",
            target=event.body.upper(),
            from_body=None,
            distance_km=None,
            encounter_et=event.et,
            pan_km=(0.0, 0.0, 0.0),
        )

    def _flyby_near(self, body: str):
        """The found flyby of ``body`` nearest the clock, or None."""
        flybys = [e for e in self.session.events if e.kind == "flyby" and e.body.upper() == body.upper()]
        et = self.session.clock.et
        return min(flybys, key=lambda e: abs(e.et - et), default=None)

    def _set_target(self, target: str) -> None:
        c = self.session.camera
        if c.mode == "from" and c.from_body == target:
            self.show_error("the camera cannot look at a body from itself")
            return
        if c.mode == "flyby":
            flyby = self._flyby_near(target)
            encounter = flyby.et if flyby is not None else None
            self.session.set_camera(
                c.with_(target=target, distance_km=None, pan_km=(0.0, 0.0, 0.0), encounter_et=encounter)
            )
            return
        self.session.set_camera(c.with_(target=target, distance_km=None, pan_km=(0.0, 0.0, 0.0)))

    def _set_from(self, body: str) -> None:
        c = self.session.camera
        if body == c.target:
            self.show_error("the camera cannot look at a body from itself")
            return
        self.session.set_camera(c.with_(mode="from", from_body=body, distance_km=None))

    def frame_target(self) -> None:
        self.session.set_camera(self.session.camera.with_(distance_km=None, pan_km=(0.0, 0.0, 0.0)))

    def set_trail(self, text: str) -> bool:
        """The trail's length from what the user typed (6 h, 3 d, 38 d…); a bad entry is refused and named."""
        try:
            days = parse_duration(text) / 86400.0
            display = self.session.display.with_(trajectory_past_days=days)
        except ValueError as err:
            self.show_error(str(err))
            self.trail_box.setEditText(format_duration(self.session.display.trajectory_past_days * 86400.0))
            return False
        self.session.set_display(display)
        return True

    def _sync_camera_widgets(self) -> None:
        c = self.session.camera
        for box, value in (
            (self.mode_box, c.mode),
            (self.target_box, c.target.upper()),
            (self.from_box, (c.from_body or "SUN").upper()),
        ):
            i = box.findData(value)
            if i >= 0:
                box.setCurrentIndex(i)
        self.fov.blockSignals(True)
        self.fov.setValue(c.fov_deg)
        self.fov.blockSignals(False)
        self.fov.setEnabled(c.mode != "junocam")  # JunoCam's field is its own: 58° wide
        self.from_box.setEnabled(c.mode == "from")
        self._refresh_hud()

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showMaximized() if self._maximized_before_full_screen else self.showNormal()
        else:
            self._maximized_before_full_screen = self.isMaximized()
            self.showFullScreen()

    # -- kernels and events ---------------------------------------------------------------------------
    def open_kernels_dialog(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Open kernels or a metakernel", "", KERNEL_FILTER)
        if paths:
            self.load_kernels(paths)

    def load_kernels(self, paths: list[str]) -> bool:
        QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            added = self.session.load_kernels(paths)
        except PerijoveError as err:
            self.show_error(str(err))
            return False
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
        self._remember_recent(paths)
        self.statusBar().showMessage(
            f"Loaded {len(added)} file(s); data: {', '.join(self.session.kernels.provenances())}", 8000
        )
        return True

    def _kernels_changed(self) -> None:
        self.timeline.update()
        self.search_events()

    def search_events(self) -> None:
        """One search at a time, in a child process; a new one supersedes the running one.

        Its progress shows in the status bar (with a cancel button), not in a dialog: the user
        did not ask for it and keeps working while it runs.
        """
        if self._search is not None:
            self._search.cancel()  # ends it and hides its progress
        paths = [str(f.path) for f in self.session.kernels.files]
        search = EventSearch(paths, list(SEARCHED_KINDS), self)
        self._search = search
        self.search_progress.setValue(0)
        self.search_label.setText("Finding events…")
        for w in (self.search_label, self.search_progress, self.search_cancel):
            w.show()
        search.progress.connect(self._search_progress)
        search.partial.connect(lambda result: self.session.set_events(result.events))
        search.finished.connect(self._events_found)
        search.failed.connect(self._search_failed)
        search.ended.connect(lambda s=search: self._search_ended(s))
        search.start()

    def _search_progress(self, fraction: float, text: str) -> None:
        self.search_progress.setValue(int(fraction * 1000))
        self.search_label.setText(f"Finding events: {text}")

    def _search_ended(self, search) -> None:
        if search is self._search:
            for w in (self.search_label, self.search_progress, self.search_cancel):
                w.hide()

    def _cancel_search(self) -> None:
        if self._search is not None and self._search.running:
            self._search.cancel()
            self.statusBar().showMessage("Event search cancelled", 5000)

    def _events_found(self, result) -> None:
        self.session.set_events(result.events)
        self.statusBar().showMessage(f"{len(result.events)} events found", 5000)

    def _search_failed(self, message: str) -> None:
        self.show_error(message)

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(f"⚠ {message}", 15000)
        self.last_error = message

    # -- comparison -------------------------------------------------------------------------------------
    def compare_dialog(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self, "Compare with kernels (layered over the embedded set)", "", KERNEL_FILTER
        )
        if paths:
            self.start_compare(paths)

    def start_compare(self, paths: list[str]):
        """Sample Juno in the set ``paths`` (over the defaults) off the GUI thread, then draw it."""
        from perijove.ui.progress import job_progress
        from perijove.ui.workers import CompareJob

        job = CompareJob(list(paths), True, self)
        job_progress(self, job, "Compare", "Sampling the other kernel set…", delay_ms=500)

        def done(track) -> None:
            self.session.set_ghost(track)
            self.statusBar().showMessage(f"Comparing with {track.label}: its Juno path is drawn in violet", 10000)

        job.finished.connect(done)
        job.failed.connect(self.show_error)
        job.start()
        self.compare_job = job
        return job

    def _ghost_changed(self, track) -> None:
        self.stop_compare_action.setEnabled(track is not None)
        self._refresh_hud()

    # -- drag and drop ------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            from perijove.ui.maps_dialog import drop_images

            paths = drop_images(self, paths)  # images become maps (the user names the body)
            if paths:
                self.load_kernels(paths)
            event.acceptProposedAction()

    # -- screenshots ------------------------------------------------------------------------------------------
    def save_screenshot_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save screenshot", "perijove.png", "PNG (*.png)")
        if path:
            self.save_screenshot(Path(path))

    def save_screenshot(self, path: Path) -> None:
        from perijove.render.png import write_png_atomic

        image = self.canvas.render()
        try:
            write_png_atomic(image[:, :, :3], path)
        except PerijoveError as err:
            self.show_error(str(err))
            return
        self.statusBar().showMessage(f"Saved {path}", 5000)

    # -- official kernels -------------------------------------------------------------------------------------
    def fetch_dialog(self) -> None:
        from perijove.ui.fetch_dialog import FetchDialog

        dialog = FetchDialog(self)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.start_fetch(dialog.request(), dialog.cache)

    def start_fetch(self, request: tuple, cache=None):
        from perijove.ephemeris.catalogue import SETS
        from perijove.ephemeris.download import Cache, default_cache_dir
        from perijove.ui.fetch_dialog import run_fetch

        cache = cache or Cache(default_cache_dir())

        def done(paths: list) -> None:
            spec = SETS[request[0]]
            if spec.kind == "maps":
                self.session.use_cached_maps(cache)
                self.statusBar().showMessage(f"Maps fetched: {len(paths)} file(s)", 8000)
            elif self.load_kernels(paths):
                self.statusBar().showMessage(
                    f"Fetched {len(paths)} file(s); data: {', '.join(self.session.kernels.provenances())}", 10000
                )

        def message(text: str) -> None:
            if text.startswith("⚠"):
                self.show_error(text[2:])
            else:
                self.statusBar().showMessage(text, 8000)

        self.fetch_job = run_fetch(self, request, cache, done, message)
        return self.fetch_job

    # -- export ---------------------------------------------------------------------------------------------
    def export_dialog(self, flyby=None) -> None:
        from perijove.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.session, self)
        if flyby is not None:
            dialog.prefill_flyby(flyby.et, FLYBY_HALF_SPAN_S, FLYBY_PLAY_S)
        self.export_dialog_open = dialog
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted and dialog.job is not None:
            self.start_export(dialog.job)

    # -- one-click flyby ------------------------------------------------------------------------------
    def _flyby(self, after: float | None = None):
        """The next flyby after ``after`` (the clock), else the first one; None when there are none."""
        flybys = [e for e in self.session.events if e.kind == "flyby"]
        if not flybys:
            return None
        et = self.session.clock.et if after is None else after
        later = [e for e in flybys if e.et > et + FLYBY_HALF_SPAN_S]
        return (later or flybys)[0]

    def go_to_flyby(self) -> None:
        """Half an hour before the next closest approach, zoomed onto the hour, seen by the flyby
        camera (the lit side, Juno's path in frame), playing at the rate that shows the hour in
        about 30 seconds, with the geometry plots shown."""
        s = self.session
        flyby = self._flyby()
        # The flyby under way (at start-up the window opens ten minutes before one) comes first,
        # unless the flyby camera already shows it: then G means the next one.
        current = [e for e in s.events if e.kind == "flyby" and abs(e.et - s.clock.et) <= FLYBY_HALF_SPAN_S]
        if current and not (s.camera.mode == "flyby" and s.camera.encounter_et == current[0].et):
            flyby = current[0]
        if flyby is None:
            self.statusBar().showMessage("No flyby found in the loaded data (yet)", 5000)
            return
        s.jump_to(flyby)
        s.set_camera(self._flyby_camera(flyby))
        plots = getattr(self, "plot_dock", None)
        if plots is not None:
            plots.show()
        s.timeline.focus(flyby.et)
        s.clock.set_et(flyby.et - FLYBY_HALF_SPAN_S)
        s.clock.set_rate(2 * FLYBY_HALF_SPAN_S / FLYBY_PLAY_S)
        self._last_tick = time.perf_counter()
        s.clock.set_playing(True)
        self.statusBar().showMessage(
            f"{flyby.body} flyby at {flyby.utc} UTC, {flyby.altitude_km:,.0f} km: playing the hour around it", 10000
        )

    def export_this_flyby(self) -> None:
        flyby = self._flyby(self.session.clock.et - 2 * FLYBY_HALF_SPAN_S)
        if flyby is None:
            self.statusBar().showMessage("No flyby found in the loaded data (yet)", 5000)
            return
        self.export_dialog(flyby)

    def start_export(self, job: dict):
        from perijove.ui.export_dialog import run_export

        def message(text: str) -> None:
            if text.startswith("⚠"):
                self.show_error(text[2:])
            else:
                self.statusBar().showMessage(text, 10000)

        self.export_job = run_export(self, job, message)
        self.exports = [j for j in self.exports if j.running] + [self.export_job]
        return self.export_job

    # -- help -------------------------------------------------------------------------------------------------
    def show_shortcuts(self) -> None:
        text = "\n".join(f"{k:<14} {v}" for k, v in SHORTCUTS)
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText(f"<pre>{text}</pre>")
        box.open()

    def show_provenance(self) -> None:
        lines = [
            f"{f.path.name}: {f.kind}, {f.provenance}" + (" (embedded default)" if f.default else "")
            for f in self.session.kernels.files
        ]
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle("Data provenance")
        notes = "".join(f"\n\n⚠ {note}" for note in self.data_notes)
        box.setText(
            "The embedded Juno trajectory and moons are synthetic: a physical stand-in, not NASA navigation"
            " data. Its 2020-2027 Sun, Earth and Jupiter barycentre are JPL's DE440 (planetary).\n\n"
            + "\n".join(lines)
            + notes
        )
        box.open()

    def show_about(self) -> None:
        QtWidgets.QMessageBox.about(
            self,
            "About Perijove",
            f"Perijove {__version__}\nJuno's flybys of Jupiter and Io, from SPICE.\n\n"
            "Maps: Io, USGS Astrogeology Galileo SSI/Voyager global mosaic (NASA/JPL/USGS); "
            "Jupiter, Cassini ISS map PIA07782 (NASA/JPL/Space Science Institute). Public domain.\n"
            "Stars: the Hipparcos catalogue, new reduction (ESA; van Leeuwen 2007).",
        )

    # -- settings ---------------------------------------------------------------------------------------------
    def _remember_recent(self, paths: list[str]) -> None:
        self.stored.recent = (paths + [p for p in self.stored.recent if p not in paths])[:10]
        self.settings.setValue("recent", write_settings(self.stored)["recent"])
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.stored.recent:
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _checked=False, path=p: self.load_kernels([path]))
        self.recent_menu.setEnabled(bool(self.stored.recent))

    def add_bookmark(self, name: str | None = None, ask: bool = False) -> Bookmark | None:
        """Bookmark the time and camera; ``ask`` offers the default name for editing first."""
        c = self.session.camera
        default = f"{c.target.title()} {c.mode} {et_to_utc(self.session.clock.et, 0)}"
        if ask:
            name, ok = QtWidgets.QInputDialog.getText(self, "Bookmark this view", "Name:", text=default)
            if not ok:
                return None
        name = (name or "").strip() or default
        mark = Bookmark(name, self.session.clock.et, c)
        self.set_bookmarks([*self.stored.bookmarks, mark])
        self.statusBar().showMessage(f"Bookmarked: {name}", 4000)
        return mark

    def set_bookmarks(self, marks: list[Bookmark]) -> None:
        """Replace the bookmarks (kept in the settings at once, at most 30)."""
        self.stored.bookmarks = list(marks)[-30:]
        self.settings.setValue("bookmarks", write_settings(self.stored)["bookmarks"])
        self._fill_bookmarks()

    def open_maps_dialog(self):
        from perijove.ui.maps_dialog import MapsDialog

        dialog = MapsDialog(self)
        dialog.open()
        self.maps_dialog = dialog
        return dialog

    def manage_bookmarks(self):
        from perijove.ui.bookmarks_dialog import BookmarksDialog

        dialog = BookmarksDialog(self)
        dialog.open()
        self.bookmarks_dialog = dialog
        return dialog

    def _fill_bookmarks(self) -> None:
        self.bookmarks_menu.clear()
        for mark in self.stored.bookmarks:
            act = self.bookmarks_menu.addAction(mark.name)
            act.triggered.connect(lambda _checked=False, m=mark: self.go_to_bookmark(m))
        self.bookmarks_menu.setEnabled(bool(self.stored.bookmarks))

    def go_to_bookmark(self, mark: Bookmark) -> None:
        clock = self.session.clock
        if not clock.start <= mark.et <= clock.stop:
            self.show_error(f"bookmark {mark.name!r} is outside the loaded data")
            return
        clock.set_et(mark.et)
        self.session.set_camera(mark.camera)

    def _restore(self) -> None:
        """Settings that fail their checks are dropped and named once; start-up always goes on."""
        s = self.settings
        keys = ("kernels", "recent", "camera", "display", "rate", "et", "bookmarks", "maps")
        self.stored, dropped = read_settings({k: s.value(k) for k in keys})
        for key, restore in (("geometry", self.restoreGeometry), ("state", self.restoreState)):
            value = s.value(key)
            if value is None:
                continue
            try:
                ok = isinstance(value, QtCore.QByteArray) and restore(value)
            except (TypeError, ValueError):
                ok = False
            if not ok:
                dropped.append(key)
        stored = self.stored
        paths = [p for p in stored.kernels if Path(p).exists()]
        if paths:
            self.load_kernels(paths)
        try:
            if stored.camera is not None:
                self.session.set_camera(stored.camera)
        except (TypeError, ValueError):
            dropped.append("camera")
        if stored.display:
            self.session.set_display(self.session.display.with_(**stored.display))
        if stored.rate is not None:
            self.session.clock.set_rate(stored.rate)
        if stored.et is not None:
            self.session.clock.set_et(stored.et)  # clamped to the loaded data
        if dropped:
            self.settings_note = f"Ignored unreadable settings: {', '.join(dict.fromkeys(dropped))}"
            for key in dropped:
                s.remove(key)
        if stored.maps or stored.notes:
            from perijove.ui.maps_dialog import restore_maps

            notes = stored.notes + restore_maps(self, stored.maps)  # a map file gone or spoilt: default map
            self.settings_note = ". ".join([self.settings_note, *notes] if self.settings_note else notes)
        self._fill_recent()
        self._fill_bookmarks()

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("state", self.saveState())
        self.stored = StoredState(
            kernels=self.session.kernel_paths(),
            camera=self.session.camera,
            display=display_state(self.session.display),
            rate=self.session.clock.rate,
            et=self.session.clock.et,
            bookmarks=self.stored.bookmarks,
            maps=map_state(self.session.display, fetched_maps()),
            recent=self.stored.recent,
        )
        for key, value in write_settings(self.stored).items():
            if value is not None:
                s.setValue(key, value)
        s.sync()

    # -- closing ---------------------------------------------------------------------------------------------
    def confirm_quit_during_export(self) -> bool:
        answer = QtWidgets.QMessageBox.question(
            self,
            "Export running",
            "An export is still running. Cancel it and quit?\nNothing of it will be kept.",
            QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
            QtWidgets.QMessageBox.StandardButton.No,
        )
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        running = [job for job in self.exports if job.running]
        if running:
            if not self.confirm_quit_during_export():
                event.ignore()
                return
            for job in running:
                job.cancel_and_wait()  # the child removes its partial files before it ends
        if self._search is not None:
            self._search.cancel()
        self.timer.stop()
        self.save_settings()
        super().closeEvent(event)


def open_session(extra: list[str] | tuple = (), defaults: bool = True) -> tuple[Session, list[str]]:
    """A Session, and the notes the ephemeris layer raised while opening it (as warnings)."""
    import warnings

    from perijove.ephemeris.download import FetchedSetWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FetchedSetWarning)
        session = Session(extra, defaults=defaults)
    return session, [str(w.message) for w in caught if issubclass(w.category, FetchedSetWarning)]
