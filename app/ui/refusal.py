"""A field's refusal in the status bar, withdrawn once the user's next entry is taken.

The time field and the trail field each name a bad entry; the warning would otherwise stay up to
15 s beside the corrected value. Only the field's own message is withdrawn: another job's error stays.
"""

from __future__ import annotations

from collections.abc import Callable


class Refusal:
    def __init__(self, show: Callable[[str], None], withdraw: Callable[[str], None] = lambda message: None) -> None:
        self._show, self._withdraw = show, withdraw
        self._said = ""

    def say(self, message: str) -> None:
        self._said = message
        self._show(message)

    def taken(self) -> None:
        """The entry was good: the last refusal, if still shown, goes."""
        if self._said:
            self._withdraw(self._said)
            self._said = ""
