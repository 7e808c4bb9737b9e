"""Rendering frames to images without a window (CLI, export, tests)."""

from __future__ import annotations

import numpy as np

from perijove.ephemeris import Ephemeris
from perijove.model import CameraIntent, DisplayOptions
from perijove.render.context import offscreen_canvas
from perijove.render.framebuffer import OffscreenTarget
from perijove.render.scene import FrameState, Scene


class OffscreenRenderer:
    """A scene bound to a hidden GL context and an offscreen target of one size."""

    def __init__(
        self,
        eph: Ephemeris,
        size: tuple[int, int] = (1280, 720),
        display: DisplayOptions | None = None,
        samples: int | None = None,
    ) -> None:
        self.canvas = offscreen_canvas(size)  # same size as the target, so pixel-placed labels line up
        self.scene = Scene(eph, display)
        self.size = size
        self.target = OffscreenTarget(*size, samples=samples)  # multisampled (None: the default)

    def render(self, et: float, intent: CameraIntent) -> tuple[np.ndarray, FrameState]:
        """RGBA image (top row first) and the geometry it was drawn from."""
        self.canvas.set_current()
        state = self.scene.frame_state(et, intent, self.size)
        with self.target:
            self.scene.draw(state, self.canvas)
        return self.target.read(), state

    def close(self) -> None:
        self.canvas.close()
