"""The main window: composes the canvas, HUD, timeline, transport bar, docks, menus and jobs, and glues them.

Each part lives in its own module: ``actions`` (every command and key), ``view_panel`` (the View
dock), ``playback`` (the transport bar and play tick), ``hud``, ``navigation`` (which camera a
command means), ``jobs`` (event search, export, fetch and comparison), ``settings_store`` and
``bookmarks`` (what persists) and ``help_boxes``. The attributes and methods below are the
window's interface to those parts, to the dialogs and to the tests.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import PerijoveError
from perijove.model.session import Session
from perijove.model.settings import Bookmark
from perijove.ui import help_boxes, navigation
from perijove.ui.actions import SHORTCUTS, build_menus, sync_mode, sync_toggles  # noqa: F401  (SHORTCUTS: tests import it from here)
from perijove.ui.bookmarks import Bookmarks
from perijove.ui.canvas import make_canvas
from perijove.ui.events_dock import EventPanel
from perijove.ui.hud import Hud
from perijove.ui.jobs import KERNEL_FILTER, Jobs
from perijove.ui.navigation import FLYBY_HALF_SPAN_S, FLYBY_PLAY_S
from perijove.ui.playback import Transport
from perijove.ui.settings_store import SettingsStore
from perijove.ui.timeline import TimelineBar
from perijove.ui.view_panel import ViewPanel

DEFAULT_SIZE = (1400, 860)  # a first start's window, before it is fitted to the screen
# The 3D view's least height: a dock under it (the plots) takes no more, even in the smallest window
# (977 x 565 here, where the plots left it about 170 px); the plots scroll in what is left to them.
VIEW_MIN_PX = 260


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
        self.canvas = make_canvas(self.session, on_error=self.show_error)
        self.canvas.native.setParent(self)
        self._build_central()
        self._build_docks()
        self.action_by_id = build_menus(self)
        sync_mode(self.action_by_id, self.session.camera.mode)
        self.stop_compare_action = self.action_by_id["stop_compare"]
        self.stop_compare_action.setEnabled(False)
        self.jobs = Jobs(self)
        self.search_label = self.jobs.search_label
        self.search_progress = self.jobs.search_progress
        self.search_cancel = self.jobs.search_cancel
        self.store = SettingsStore(self, settings)
        self.bookmarks = Bookmarks(self, self.store)
        self.settings_note = ""
        self._out_of_flyby_said: str | None = None  # the note last given on playing out of a flyby
        self._maximized_before_full_screen = False
        s = self.session
        s.clock.changed.connect(lambda _et: self._refresh_time())
        s.camera_changed.connect(lambda _c: self._camera_changed())
        s.display_changed.connect(self._display_changed)
        s.ghost_changed.connect(self._ghost_changed)
        s.kernels_changed.connect(self._kernels_changed)
        self.resize(*DEFAULT_SIZE)  # a first start; the size the window was left at replaces it
        self.settings_note = self.store.restore()
        self.bookmarks.fill_menu()
        self._display_changed(s.display)
        self.transport.show_time()
        self.hud.refresh()  # the HUD has its text before the first frame is drawn
        message = f"Data: {', '.join(s.kernels.provenances())}"
        for note in self.data_notes:
            message += f". ⚠ {note}"
        if self.settings_note:
            message += f". {self.settings_note}"
        self.statusBar().showMessage(message, 20000 if self.settings_note or self.data_notes else 8000)
        # The event search starts once the first frame is up: its child process would otherwise take
        # one of two cores from the window's start (restoring kernels may have started it already).
        self.canvas.after_first_frame(self._first_search)
        self.canvas.native.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.canvas.native.setFocus()

    # -- layout -------------------------------------------------------------------------------
    def _build_central(self) -> None:
        central = QtWidgets.QWidget(self)
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas.native, 1)
        self.canvas.native.setMinimumHeight(VIEW_MIN_PX)
        self.hud = Hud(self.session, self.canvas.native)
        self.hud.area_changed.connect(self._hud_area_changed)
        self.timeline = TimelineBar(self.session)
        layout.addWidget(self.timeline)
        commands = {"previous_event": self.previous_event, "next_event": self.next_event}
        commands["go_to_flyby"] = self.go_to_flyby
        self.transport = Transport(self.session, self.canvas, commands, self.show_error, self.withdraw_error)
        self.play_button = self.transport.play_button
        self.rate_label = self.transport.rate_label
        self.time_field = self.transport.time_field
        self.timer = self.transport.timer
        layout.addWidget(self.transport)
        self.setCentralWidget(central)

    def _plots_shown(self, visible: bool) -> None:
        """The plots open at about a third of the window's height: the view stays the main thing."""
        if visible and self._plot_panel is None:
            self.plot_panel  # noqa: B018  (made now, on first show)
        if visible and not self.plot_dock.isFloating():
            QtCore.QTimer.singleShot(0, self._size_plots)

    def _plots_share(self) -> int:
        """The height the plots open at: about a third of the window's."""
        return max(220, self.height() // 3)

    def _size_plots(self) -> None:
        if self.canvas.native.height() < 0.45 * self.height():
            self.resizeDocks([self.plot_dock], [self._plots_share()], QtCore.Qt.Orientation.Vertical)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # Qt's name
        """A window made taller gives squeezed plots their third back: Qt leaves a dock at its height
        and gives the view all the new room, so plots squeezed in a small window stayed 30-px panels."""
        super().resizeEvent(event)
        if event.size().height() > event.oldSize().height() > 0 and self._plots_squeezed():
            QtCore.QTimer.singleShot(0, self._regrow_plots)

    def _plots_squeezed(self) -> bool:
        panel = self._plot_panel
        return (
            panel is not None
            and self.plot_dock.isVisible()
            and not self.plot_dock.isFloating()
            and panel.scroll.verticalScrollBar().maximum() > 0
        )

    def _regrow_plots(self) -> None:
        if self._plots_squeezed():
            room = self.plot_dock.height() + self.canvas.native.height() - VIEW_MIN_PX  # the view keeps its least
            want = min(self._plots_share(), room)
            self.resizeDocks([self.plot_dock], [want], QtCore.Qt.Orientation.Vertical)

    def _dock(self, title: str, name: str, widget: QtWidgets.QWidget, area) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(name)  # the saved layout finds it by this name
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        right, bottom = QtCore.Qt.DockWidgetArea.RightDockWidgetArea, QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
        # The right-hand docks run the full height: the plots open under the view only, and the event
        # list keeps its rows.
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, right)
        self.events_panel = EventPanel(self.session)
        self.events = self.events_panel.table
        self.events_dock = self._dock("Events", "events", self.events_panel, right)
        self.view_panel = ViewPanel(
            self.session,
            set_mode=lambda mode: self.set_mode(mode),
            set_target=lambda target: self._set_target(target),
            set_from=lambda body: self._set_from(body),
            show_error=self.show_error,
            withdraw_error=self.withdraw_error,
        )
        panel = self.view_panel
        # The panel's widgets, under the names tests and dialogs know them by.
        self.mode_box, self.target_box, self.from_box = panel.mode_box, panel.target_box, panel.from_box
        self.fov = panel.fov
        self.toggles, self.colour_box, self.trail_box = panel.toggles, panel.colour_box, panel.trail_box
        self.hud_box = panel.hud_box
        self.view_dock = self._dock("View", "view", panel, right)
        self._plot_panel = None  # made when the plots are first shown (see plot_panel)
        self.plot_dock = self._dock("Geometry plots", "plots", QtWidgets.QWidget(), bottom)
        self.plot_dock.hide()  # shown from the View menu (Ctrl+Shift+P) or by Go to flyby; the layout is remembered
        self.plot_dock.visibilityChanged.connect(self._plots_shown)

    @property
    def plot_panel(self):
        """The geometry plots, made on first use: pyqtgraph and the panel took 0.5-0.7 s of every start."""
        if self._plot_panel is None:
            from perijove.ui.plot_dock import PlotPanel

            self._plot_panel = PlotPanel(self.session)  # geometry over time around the current event
            self.plot_dock.setWidget(self._plot_panel)
        return self._plot_panel

    # -- glue: the session changed --------------------------------------------------------------------------
    def _refresh_time(self) -> None:
        self.transport.show_time()
        self.canvas.while_drawing(self.hud.refresh)  # its SPICE queries overlap the frame's rasterising
        self._say_when_playing_out_of_the_flyby()

    def _say_when_playing_out_of_the_flyby(self) -> None:
        """Played out of a flyby's hour, the fixed flyby view is left on a far pass or an empty sky:
        said once (key 5 says it when chosen away from a flyby; playing into it said nothing)."""
        s = self.session
        if s.camera.mode != "flyby" or not s.clock.playing:
            return
        note = navigation.far_from_flyby(s)
        if note is None:
            self._out_of_flyby_said = None
        elif note != self._out_of_flyby_said:
            self._out_of_flyby_said = note
            self.statusBar().showMessage(note, 10000)

    def _refresh_hud(self) -> None:
        self.hud.refresh()

    def _hud_area_changed(self) -> None:
        self.canvas.keep_labels_clear_of(self.hud.geometry() if self.hud.isVisible() else None)

    @property
    def hud_values(self) -> dict | None:
        return self.hud.values

    def _camera_changed(self) -> None:
        self.view_panel.sync_camera()
        sync_mode(self.action_by_id, self.session.camera.mode)
        self.hud.refresh()

    def _display_changed(self, display) -> None:
        """Widgets follow the model, whoever changed it (a checkbox, a key, restored settings)."""
        self.view_panel.sync_display(display)
        self.hud.follow_display(display)
        sync_toggles(self.action_by_id, display)

    def _ghost_changed(self, track) -> None:
        self.stop_compare_action.setEnabled(track is not None)
        self.hud.refresh()

    def _kernels_changed(self) -> None:
        self.timeline.update()
        self.search_events()

    # -- time ---------------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        self.transport.toggle_play()

    def step(self, direction: int) -> None:
        self.transport.step(direction)

    def next_event(self) -> None:
        event = self.session.next_event()
        if event is None:
            self.statusBar().showMessage("No later event", 3000)
        else:
            self._jump(event)

    def previous_event(self) -> None:
        event = self.session.previous_event()
        if event is None:
            self.statusBar().showMessage("No earlier event", 3000)
        else:
            self._jump(event)

    def _jump(self, event) -> None:
        navigation.go_to_event(self.session, event)

    def _flyby(self, after: float | None = None):
        """The next flyby after ``after`` (the clock), else the first one; None when there are none."""
        return navigation.next_flyby(self.session, after)

    def go_to_flyby(self) -> None:
        """Half an hour before the next closest approach, zoomed onto the hour, seen by the flyby
        camera (the lit side, Juno's path in frame), playing at the rate that shows the hour in
        about 30 seconds, with the geometry plots shown."""
        s = self.session
        flyby = navigation.flyby_to_show(s)
        if flyby is None:
            self.statusBar().showMessage("No flyby found in the loaded data (yet)", 5000)
            return
        wrapped = flyby.et < s.clock.et - FLYBY_HALF_SPAN_S  # past the last one: back to the first
        s.jump_to(flyby)
        s.set_camera(navigation.flyby_camera(s.camera, flyby))
        self.plot_dock.show()
        s.timeline.focus(flyby.et)
        s.clock.set_et(flyby.et - FLYBY_HALF_SPAN_S)
        s.clock.set_rate(2 * FLYBY_HALF_SPAN_S / FLYBY_PLAY_S)
        s.clock.play_until(flyby.et + FLYBY_HALF_SPAN_S)  # the hour, then a pause on its last frame
        self.transport.restart_tick()
        s.clock.set_playing(True)
        where = "no flyby after the clock in the data, so back to the first: " if wrapped else ""
        self.statusBar().showMessage(
            f"{where}{flyby.body} flyby at {flyby.utc} UTC, {flyby.altitude_km:,.0f} km: playing the hour around it",
            10000,
        )

    # -- camera and display -----------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        self.session.set_camera(navigation.mode_camera(self.session, mode))
        if mode == "flyby":
            note = navigation.far_from_flyby(self.session)
            if note:
                self.statusBar().showMessage(note, 10000)

    def _set_target(self, target: str) -> None:
        try:
            self.session.set_camera(navigation.target_camera(self.session, target))
        except ValueError as err:
            self.show_error(str(err))

    def _set_from(self, body: str) -> None:
        try:
            self.session.set_camera(navigation.from_camera(self.session, body))
        except ValueError as err:
            self.show_error(str(err))

    def frame_target(self) -> None:
        self.session.set_camera(self.session.camera.with_(distance_km=None, pan_km=(0.0, 0.0, 0.0)))

    def set_trail(self, text: str) -> bool:
        return self.view_panel.set_trail(text)

    def toggle_display(self, key: str) -> None:
        d = self.session.display
        self.session.set_display(d.with_(**{key: not getattr(d, key)}))

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showMaximized() if self._maximized_before_full_screen else self.showNormal()
        else:
            self._maximized_before_full_screen = self.isMaximized()
            self.showFullScreen()

    # -- kernels ------------------------------------------------------------------------------------------
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
        self.store.remember_recent(paths)
        self.statusBar().showMessage(
            f"Loaded {len(added)} file(s); data: {', '.join(self.session.kernels.provenances())}", 8000
        )
        return True

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

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(f"⚠ {message}", 15000)
        self.last_error = message

    def withdraw_error(self, message: str) -> None:
        """A field's refusal goes once the user has corrected the entry; any other message stays."""
        if self.statusBar().currentMessage() == f"⚠ {message}":
            self.statusBar().clearMessage()

    # -- jobs (ui/jobs.py) -----------------------------------------------------------------------------
    @property
    def _search(self):
        return self.jobs.search

    @property
    def exports(self) -> list:
        return self.jobs.exports

    def search_events(self) -> None:
        self.jobs.search_events()

    def _first_search(self) -> None:
        if self._search is None:
            self.search_events()

    def export_dialog(self, flyby=None) -> None:
        self.jobs.export_dialog(flyby)

    def export_this_flyby(self) -> None:
        flyby = navigation.nearest_flyby(self.session)  # the one under way, just behind or just ahead
        if flyby is None:
            self.statusBar().showMessage("No flyby found in the loaded data (yet)", 5000)
            return
        self.export_dialog(flyby)

    def start_export(self, job: dict):
        self.export_job = self.jobs.start_export(job)
        return self.export_job

    def fetch_dialog(self) -> None:
        self.jobs.fetch_dialog()

    def start_fetch(self, request: tuple, cache=None):
        self.fetch_job = self.jobs.start_fetch(request, cache)
        return self.fetch_job

    def compare_dialog(self) -> None:
        self.jobs.compare_dialog()

    def start_compare(self, paths: list[str]):
        self.compare_job = self.jobs.start_compare(paths)
        return self.compare_job

    # -- screenshots --------------------------------------------------------------------------------------
    def save_screenshot_dialog(self) -> None:
        from perijove.ephemeris import et_to_utc

        stamp = et_to_utc(self.session.clock.et, 0).replace(":", "-")  # the picture's time, in its name
        dialog = QtWidgets.QFileDialog(self, "Save screenshot", "", "PNG (*.png)")
        dialog.setAcceptMode(QtWidgets.QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("png")  # "shot" is saved, and asked about, as shot.png
        dialog.selectFile(f"perijove_{stamp}.png")
        if dialog.exec() and dialog.selectedFiles():
            self.save_screenshot(Path(dialog.selectedFiles()[0]))

    def save_screenshot(self, path: Path) -> None:
        """What the view shows (the HUD too, when it is shown) as NAME.png (``ui/screenshot.py``)."""
        from perijove.render.png import write_png_atomic
        from perijove.ui.screenshot import png_name, window_picture

        try:
            named = png_name(path)
            if named != Path(path) and (named.exists() or named.is_symlink()):  # nobody was asked about it
                raise PerijoveError(f"{named} already exists; give another name")
            path = named
            write_png_atomic(window_picture(self.canvas, self.hud), path)
        except PerijoveError as err:
            self.show_error(str(err))
            return
        self.statusBar().showMessage(f"Saved {path}", 5000)

    # -- bookmarks, maps and settings (ui/bookmarks.py, ui/settings_store.py) -------------------------
    @property
    def stored(self):
        return self.store.stored

    def add_bookmark(self, name: str | None = None, ask: bool = False) -> Bookmark | None:
        """Bookmark the time and camera; ``ask`` offers the default name for editing first."""
        return self.bookmarks.add(name, ask)

    def set_bookmarks(self, marks: list[Bookmark]) -> None:
        self.bookmarks.set(marks)

    def go_to_bookmark(self, mark: Bookmark) -> None:
        self.bookmarks.go_to(mark)

    def kernels_dialog(self):
        from perijove.ui.kernels_dialog import KernelsDialog

        dialog = KernelsDialog(self)
        dialog.open()
        self.loaded_kernels_dialog = dialog
        return dialog

    def manage_bookmarks(self):
        from perijove.ui.bookmarks_dialog import BookmarksDialog

        dialog = BookmarksDialog(self)
        dialog.open()
        self.bookmarks_dialog = dialog
        return dialog

    def open_maps_dialog(self):
        from perijove.ui.maps_dialog import MapsDialog

        dialog = MapsDialog(self)
        dialog.open()
        self.maps_dialog = dialog
        return dialog

    def save_settings(self) -> None:
        self.store.save()

    # -- help -------------------------------------------------------------------------------------------------
    def show_shortcuts(self) -> QtWidgets.QMessageBox:
        self.shortcuts_box = help_boxes.show_shortcuts(self)
        return self.shortcuts_box

    def show_provenance(self) -> None:
        help_boxes.show_provenance(self, self.session.kernels.files, self.data_notes)

    def show_about(self) -> None:
        help_boxes.show_about(self)

    # -- closing ---------------------------------------------------------------------------------------------
    def confirm_quit_during_export(self) -> bool:
        """Whether to cancel the running export and quit. The question closes itself, and the quit
        goes on, once no export is left running (it stayed up after the export had finished)."""
        buttons = QtWidgets.QMessageBox.StandardButton
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Question,
            "Export running",
            "An export is still running. Cancel it and quit?\nNothing of it will be kept.",
            buttons.Yes | buttons.No,
            self,
        )
        box.setDefaultButton(buttons.No)
        watch = QtCore.QTimer(box)
        watch.timeout.connect(lambda: None if self.jobs.running_exports() else box.done(buttons.Yes.value))
        watch.start(200)
        try:
            return box.exec() == buttons.Yes.value
        finally:
            watch.stop()
            box.deleteLater()  # a "no" leaves no hidden box, or its timer, behind

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.jobs.running_exports() and not self.confirm_quit_during_export():
            event.ignore()
            return
        self.canvas.cancel_after_first_frame()  # a window closed before its first frame starts no search
        self.jobs.stop_for_quit()  # a cancelled export removes its partial files before it ends
        self.timer.stop()
        self.save_settings()
        self.canvas.release()
        super().closeEvent(event)


def open_session(extra: list[str] | tuple = (), defaults: bool = True) -> tuple[Session, list[str]]:
    """A Session, and the notes the ephemeris layer raised while opening it (as warnings)."""
    import warnings

    from perijove.ephemeris.download import FetchedSetWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FetchedSetWarning)
        session = Session(extra, defaults=defaults)
    return session, [str(w.message) for w in caught if issubclass(w.category, FetchedSetWarning)]
