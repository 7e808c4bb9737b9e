"""The progress dialog every long task in the window uses: cancellable, and gone when the task ends.

A dialog that outlives its task (it stayed on screen after an export or a superseded search)
tells the user something is still running when nothing is; so the dialog is tied to the job's
``ended`` signal rather than to each way a job can end.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtWidgets


def cancellable_progress(
    parent: QtWidgets.QWidget, title: str, label: str, on_cancel: Callable[[], None], delay_ms: int = 0
) -> QtWidgets.QProgressDialog:
    """A 0..1000 progress dialog, shown after ``delay_ms``; Cancel calls ``on_cancel``."""
    dialog = QtWidgets.QProgressDialog(label, "Cancel", 0, 1000, parent)
    dialog.setWindowTitle(title)
    dialog.setMinimumDuration(delay_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(on_cancel)
    if delay_ms == 0:
        dialog.setValue(0)  # shows it now
    return dialog


def close_progress(dialog: QtWidgets.QProgressDialog) -> None:
    """Hide the dialog for good: also stops the timer that would show a delayed one later."""
    dialog.reset()
    dialog.hide()
    dialog.deleteLater()


def job_progress(
    parent: QtWidgets.QWidget,
    job,
    title: str,
    label: str,
    on_cancel: Callable[[], None] | None = None,
    delay_ms: int = 0,
) -> QtWidgets.QProgressDialog:
    """A dialog that follows ``job.progress(fraction, text)`` and closes on ``job.ended``."""
    dialog = cancellable_progress(parent, title, label, on_cancel or job.cancel, delay_ms)
    job.progress.connect(
        lambda f, text: (dialog.setValue(int(f * 1000)), dialog.setLabelText(f"{label} {text}".strip()))
    )
    job.ended.connect(lambda: close_progress(dialog))
    job.dialog = dialog
    return dialog
