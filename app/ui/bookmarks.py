"""Bookmarks: a name, a time and a camera; made with Ctrl+B, listed in View → Bookmarks, kept at once."""

from __future__ import annotations

from PySide6 import QtWidgets

from perijove.ephemeris import et_to_utc
from perijove.model.settings import Bookmark
from perijove.ui.settings_store import SettingsStore


def taken(name: str, names: list[str]) -> bool:
    """Whether ``name`` would read as one of ``names`` in the menu (case and outer spaces aside)."""
    key = name.strip().casefold()
    return any(n.strip().casefold() == key for n in names)


def unique_name(name: str, names: list[str]) -> str:
    """``name``, or ``name (2)``, ``(3)``…: two entries of one name in the menu cannot be told apart."""
    found, n = name, 2
    while taken(found, names):
        found, n = f"{name} ({n})", n + 1
    return found


class Bookmarks:
    def __init__(self, window: QtWidgets.QMainWindow, store: SettingsStore) -> None:
        self.window = window
        self.store = store

    def add(self, name: str | None = None, ask: bool = False) -> Bookmark | None:
        """Bookmark the time and camera; ``ask`` offers the default name for editing first."""
        w = self.window
        c, et = w.session.camera, w.session.clock.et
        default = f"{c.target.title()} {c.mode} {et_to_utc(et, 0)}"
        if ask:
            ask_name = QtWidgets.QInputDialog(w)
            ask_name.setWindowTitle("Bookmark this view")
            ask_name.setLabelText("Name:")
            ask_name.setTextValue(default)
            # Wide enough for the default name whole (it showed "o orbit 2024-02-..."), with room to edit.
            ask_name.resize(max(ask_name.fontMetrics().horizontalAdvance(default) + 120, 380), ask_name.height())
            if ask_name.exec() != QtWidgets.QDialog.DialogCode.Accepted:
                return None
            name = ask_name.textValue()
        wanted = (name or "").strip() or default
        marks = self.store.stored.bookmarks
        name = unique_name(wanted, [m.name for m in marks])
        mark = Bookmark(name, et, c)
        if self.set([*marks, mark], f"bookmark {name!r}"):
            renamed = f" ({wanted!r} was taken)" if name != wanted else ""
            w.statusBar().showMessage(f"Bookmarked: {name}{renamed}", 6000 if renamed else 4000)
        return mark

    def set(self, marks: list[Bookmark], what: str = "the change to the bookmarks") -> bool:
        """Replace the bookmarks, kept in the settings at once; False (and ``what`` said) when they could not be."""
        self.store.stored.bookmarks = list(marks)
        failed = self.store.write("bookmarks")
        self.fill_menu()
        if failed:
            self.window.show_error(f"{what} not saved: {failed}; it lasts until Perijove quits")
        return failed is None

    def fill_menu(self) -> None:
        menu = self.window.bookmarks_menu
        menu.clear()
        for mark in self.store.stored.bookmarks:
            act = menu.addAction(mark.name.replace("&", "&&"))  # shown as typed, not as a shortcut marker
            act.triggered.connect(lambda _checked=False, m=mark: self.window.go_to_bookmark(m))
        menu.setEnabled(bool(self.store.stored.bookmarks))

    def go_to(self, mark: Bookmark) -> None:
        from perijove.ephemeris import PerijoveError
        from perijove.ui.navigation import check_bodies

        clock = self.window.session.clock
        if not clock.start <= mark.et <= clock.stop:
            self.window.show_error(f"bookmark {mark.name!r} is outside the loaded data")
            return
        try:
            check_bodies(mark.camera)  # kernels unloaded since it was made
        except PerijoveError as err:
            self.window.show_error(f"bookmark {mark.name!r}: {err}")
            return
        clock.set_et(mark.et)
        self.window.session.set_camera(mark.camera)
