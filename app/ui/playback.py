"""The transport bar under the timeline (events, step, play, flyby, rate, typed time) and the play tick."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from perijove.ephemeris import PerijoveError, et_to_utc, to_et
from perijove.model.session import Session
from perijove.ui.refusal import Refusal

TICK_MS = 15
RATE_UNITS = ((86400.0, "day"), (3600.0, "h"), (60.0, "min"), (1.0, "s"))


def rate_label(rate: float) -> str:
    """Simulated time per second in the largest unit it fills: 120 reads "2 min/s", 1 "real time"."""
    size = abs(rate)
    if size == 1.0:
        text = "real time"
    else:
        # 3599 s/s is "1 h/s", not "60 min/s"; a hand-edited 1e9 is "11,574 day/s", not "1.16e+04 day/s".
        seconds, unit = next(((s, u) for s, u in RATE_UNITS if size >= 0.9995 * s), RATE_UNITS[-1])
        value = size / seconds
        text = f"{value:,.0f} {unit}/s" if value >= 999.5 else f"{value:.3g} {unit}/s"
    return ("◀ " if rate < 0 else "") + text


class Transport(QtWidgets.QWidget):
    """Playback advances the clock by wall time, but only once the last frame is drawn: a slow GPU
    drops ticks rather than queueing work behind them."""

    def __init__(
        self,
        session: Session,
        canvas,
        commands: dict[str, Callable[[], object]],
        show_error: Callable[[str], None],
        withdraw_error: Callable[[str], None] = lambda message: None,
    ) -> None:
        super().__init__()
        self.session = session
        self.canvas = canvas
        self._time_refusal = Refusal(show_error, withdraw_error)
        self._last_tick = time.perf_counter()
        self._drawn_at_tick = -1
        controls = QtWidgets.QHBoxLayout(self)
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
            b.clicked.connect(lambda _checked=False: slot())
            controls.addWidget(b)
            return b

        clock = session.clock
        button("⏮", "Previous event (P)", commands["previous_event"])
        button("◀◀", "Step back (Left)", lambda: self.step(-1))
        self.play_button = button("▶", "Play / pause (Space)", self.toggle_play)
        button("▶▶", "Step forward (Right)", lambda: self.step(1))
        button("⏭", "Next event (N)", commands["next_event"])
        button(
            "Go to flyby",
            "The next flyby, zoomed, from the sunlit side with Juno's path, played in about 30 s, with plots (G)",
            commands["go_to_flyby"],
        )
        button("⇄", "Reverse (R)", clock.reverse)
        button("−", "Slower ([)", clock.slower)
        self.rate_label = QtWidgets.QLabel(rate_label(clock.rate))
        self.rate_label.setMinimumWidth(self.rate_label.fontMetrics().horizontalAdvance("◀ 1.5 day/s") + 8)
        self.rate_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        controls.addWidget(self.rate_label)
        button("+", "Faster (])", clock.faster)
        controls.addStretch(1)
        controls.addWidget(QtWidgets.QLabel("UTC"))
        self.time_field = QtWidgets.QLineEdit()
        # The longest time typed or shown, whole: "2023-12-30T08:36:00.000".
        self.time_field.setMinimumWidth(self.time_field.fontMetrics().horizontalAdvance("2023-12-30T08:36:00.000") + 16)
        self.time_field.setToolTip("Type a UTC time and press Enter (e.g. 2023-12-30T08:36:00)")
        self.time_field.returnPressed.connect(self._time_entered)
        controls.addWidget(self.time_field)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        clock.playing_changed.connect(self._playing_changed)
        clock.rate_changed.connect(lambda r: self.rate_label.setText(rate_label(r)))

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

    def restart_tick(self) -> None:
        """Playing starts now: the time spent before (a jump, a paused hour) is not played."""
        self._last_tick = time.perf_counter()

    def toggle_play(self) -> None:
        clock = self.session.clock
        clock.set_playing(not clock.playing)
        self.restart_tick()

    def step(self, direction: int) -> None:
        self.session.clock.step(direction * abs(self.session.clock.rate))

    def _playing_changed(self, playing: bool) -> None:
        # Icons, not characters: "⏸" is missing from many fonts and drew as an empty box.
        icons = QtWidgets.QStyle.StandardPixmap
        pixmap = icons.SP_MediaPause if playing else icons.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(pixmap))
        self.play_button.setText("")

    def _time_entered(self) -> None:
        try:
            et = to_et(self.time_field.text())
        except PerijoveError as err:
            self._time_refusal.say(str(err))
            return  # the field keeps the focus, so the user can correct it
        clock = self.session.clock
        if not clock.start <= et <= clock.stop:
            self._time_refusal.say(
                f"{self.time_field.text()} is outside the loaded data "
                f"({et_to_utc(clock.start, 0)} .. {et_to_utc(clock.stop, 0)})"
            )
            return
        self._time_refusal.taken()
        clock.set_et(et)
        self.canvas.native.setFocus()  # the keys go back to the scene (N, P, Space…)

    def show_time(self) -> None:
        if not self.time_field.hasFocus():
            self.time_field.setText(et_to_utc(self.session.clock.et, 3))
