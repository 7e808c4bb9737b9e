"""The window's settings file: restored at start-up, saved on quit, recent files kept at once.

What is stored and how it is checked lives in ``model/settings.py``; this module only moves
values between that and Qt (QSettings, the window's geometry and dock layout, the recent menu).
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from perijove.ephemeris import PerijoveError
from perijove.model.settings import SETTINGS_KEYS, read_settings, session_state, with_recent, write_settings
from perijove.ui import navigation


class SettingsStore:
    def __init__(self, window: QtWidgets.QMainWindow, settings: QtCore.QSettings) -> None:
        self.window = window
        self.settings = settings
        self.stored, _ = read_settings({})

    def restore(self) -> str:
        """Apply the stored settings; what failed its checks is dropped, removed, and named in the note returned.

        Start-up always goes on, whatever the file holds.
        """
        w, s = self.window, self.settings
        self.stored, dropped = read_settings({k: s.value(k) for k in SETTINGS_KEYS})
        for key, restore in (("geometry", w.restoreGeometry), ("state", w.restoreState)):
            value = s.value(key)
            if value is None:
                continue
            try:
                ok = isinstance(value, QtCore.QByteArray) and restore(value)
            except (TypeError, ValueError):
                ok = False
            if not ok:
                dropped.append(key)
        fit_on_screen(w)
        for key in self.stored.repaired:  # partly unreadable: the rest is stored again now, not on quit
            self.write(key)
        stored, session = self.stored, w.session
        paths = [p for p in stored.kernels if Path(p).exists()]
        if paths:
            w.load_kernels(paths)
        try:
            if stored.camera is not None:
                navigation.check_bodies(stored.camera)  # one no kernel knows (any more) stopped every start
                session.set_camera(stored.camera)
        except (TypeError, ValueError, PerijoveError):
            dropped.append("camera")
        if stored.display:
            session.set_display(session.display.with_(**stored.display))
        if stored.rate is not None:
            session.clock.set_rate(stored.rate)
        if stored.et is not None:
            session.clock.set_et(stored.et)  # clamped to the loaded data
        if stored.jump_kinds is not None:
            session.jump_kinds = stored.jump_kinds
            w.events_panel.sync_jump()
        note = ""
        if dropped:
            note = f"Ignored unreadable settings: {', '.join(dict.fromkeys(dropped))}"
            for key in dropped:
                s.remove(key)
        if stored.maps or stored.notes:
            from perijove.ui.maps_dialog import restore_maps

            notes = stored.notes + restore_maps(w, stored.maps)  # a map file gone or spoilt: default map
            note = ". ".join([note, *notes] if note else notes)
        self.fill_recent()
        return note

    def save(self) -> None:
        from perijove.ui.maps_dialog import fetched_maps

        w, s = self.window, self.settings
        s.setValue("geometry", w.saveGeometry())
        s.setValue("state", w.saveState())
        self.stored = session_state(w.session, self.stored.bookmarks, self.stored.recent, fetched_maps())
        for key, value in write_settings(self.stored).items():
            if value is not None:
                s.setValue(key, value)
        s.sync()

    def write(self, key: str) -> str | None:
        """Keep one setting now (bookmarks, recent files), not only on quit; why it could not be, or None."""
        self.settings.setValue(key, write_settings(self.stored)[key])
        self.settings.sync()
        # Asked of a fresh QSettings on the same file, which syncs the same pending changes:
        # status() keeps its first error for ever, so once a write had failed, every later one
        # would have been reported as failing too.
        probe = QtCore.QSettings(self.settings.fileName(), self.settings.format())
        probe.sync()
        if probe.status() == QtCore.QSettings.Status.NoError:
            return None
        return f"the settings file {self.settings.fileName()} cannot be written"

    def remember_recent(self, paths: list[str]) -> None:
        self.stored.recent = with_recent(self.stored.recent, paths)
        self.write("recent")
        self.fill_recent()

    def fill_recent(self) -> None:
        menu, w = self.window.recent_menu, self.window
        menu.clear()
        for p in self.stored.recent:
            act = menu.addAction(p.replace("&", "&&"))  # shown as written, not as a shortcut marker
            act.triggered.connect(lambda _checked=False, path=p: w.load_kernels([path]))
        menu.setEnabled(bool(self.stored.recent))


def fit_on_screen(window: QtWidgets.QWidget) -> None:
    """Keep a restored window inside the screen it is on: a layout saved taller than the screen (a dock
    opened on a small display) would otherwise come back with its status bar, where progress and
    errors are shown, out of sight."""
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    if screen is None or window.isMaximized() or window.isFullScreen():
        return
    room = screen.availableGeometry()
    frame = window.frameGeometry()
    extra_w, extra_h = frame.width() - window.width(), frame.height() - window.height()
    width = min(window.width(), room.width() - extra_w)
    height = min(window.height(), room.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), room.left()), room.right() + 1 - frame.width())
    y = min(max(frame.y(), room.top()), room.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)
