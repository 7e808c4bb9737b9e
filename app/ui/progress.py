"""The progress dialog every long task in the window uses: shown at once, cancellable."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtWidgets


def cancellable_progress(
    parent: QtWidgets.QWidget, title: str, label: str, on_cancel: Callable[[], None]
) -> QtWidgets.QProgressDialog:
    """A 0..1000 progress dialog that stays until reset; Cancel calls ``on_cancel``."""
    dialog = QtWidgets.QProgressDialog(label, "Cancel", 0, 1000, parent)
    dialog.setWindowTitle(title)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(on_cancel)
    return dialog
