"""Every menu command can be chosen from its menu without an error.

Qt calls a menu action's slot with ``checked=False``; a handler with an optional first parameter
(``export_dialog(flyby=None)``) once took that ``False`` for a flyby and raised, so File → Export
did nothing but print a traceback. Here every action is triggered as a user would, with every
dialog answered "Cancel" at once, and pytest-qt fails the test on any exception raised in a slot.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

SKIP = ("Quit", "Full screen")  # ends the test's window; changes the test's window manager state


def _cancel_every_dialog(monkeypatch, opened: list[str]) -> None:
    def dialog_exec(self, *a, **k):
        opened.append(type(self).__name__)
        return QtWidgets.QDialog.DialogCode.Rejected

    monkeypatch.setattr(QtWidgets.QDialog, "exec", dialog_exec)

    def answer(name: str, value):
        return staticmethod(lambda *a, **k: opened.append(name) or value)

    no = QtWidgets.QMessageBox.StandardButton.No
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", lambda self, *a, **k: opened.append("QMessageBox") or 0)
    monkeypatch.setattr(QtWidgets.QMessageBox, "about", answer("about", None))
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", answer("question", no))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileNames", answer("open", ([], "")))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", answer("open", ("", "")))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", answer("save", ("", "")))
    monkeypatch.setattr(QtWidgets.QInputDialog, "getText", answer("text", ("", False)))


def _menu_actions(window) -> list[tuple[str, QtGui.QAction]]:
    found = []
    for menu in window.menuBar().findChildren(QtWidgets.QMenu):
        for action in menu.actions():
            if action.isSeparator() or action.menu() is not None or not action.text():
                continue
            if any(action.text().replace("&", "").startswith(s) for s in SKIP):
                continue
            found.append((f"{menu.title()} → {action.text()}".replace("&", ""), action))
    return found


def test_every_menu_command_runs_without_an_error(window, qtbot, monkeypatch):
    opened: list[str] = []
    _cancel_every_dialog(monkeypatch, opened)
    actions = _menu_actions(window)
    names = [name for name, _ in actions]
    assert any("Export movie" in n for n in names), names
    for name, action in actions:
        if not action.isEnabled():
            continue
        before = len(opened)
        action.trigger()
        qtbot.wait(20)
        if "Export movie" in name:
            assert "ExportDialog" in opened[before:], f"{name} opened no export dialog: {opened[before:]}"
    window.session.set_ghost(None)


def test_the_view_menus_on_off_commands_show_their_state(window, qtbot):
    """Labels, Trajectory and the HUD are on/off commands; the View menu showed no tick for any."""
    s = window.session
    for key in ("labels", "trajectory", "hud"):
        action = window.action_by_id[key]
        assert action.isCheckable() and action.isChecked() == getattr(s.display, key)
        action.trigger()  # the menu entry, or its key
        assert getattr(s.display, key) is False and not action.isChecked()
        s.set_display(s.display.with_(**{key: True}))  # the View panel's box, or restored settings
        assert action.isChecked()


def test_the_view_menu_ticks_the_camera_in_use(window, qtbot):
    """The six cameras are one choice: the View menu ticks the one in use, whoever chose it
    (the menu, its key, the View panel's box, a bookmark); it showed no tick at all."""
    s = window.session
    modes = ("orbit", "follow", "from", "bodyfixed", "flyby", "junocam")
    actions = [window.action_by_id[f"mode_{m}"] for m in modes]
    assert all(a.isCheckable() for a in actions)
    assert [a.isChecked() for a in actions] == [m == s.camera.mode for m in modes]
    window.action_by_id["mode_follow"].trigger()
    assert s.camera.mode == "follow"
    assert [a.text().replace("&", "") for a in actions if a.isChecked()] == ["Follow Juno"]
    window.action_by_id["mode_follow"].trigger()  # chosen again: stays the one ticked
    assert window.action_by_id["mode_follow"].isChecked()
    s.set_camera(s.camera.with_(mode="bodyfixed"))  # not through the menu
    assert [m for m, a in zip(modes, actions, strict=True) if a.isChecked()] == ["bodyfixed"]
