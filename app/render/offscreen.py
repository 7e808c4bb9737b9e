"""Rendering frames to images without a window (CLI, export, tests)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

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

    def frames(
        self, ets: Iterable[float], intent: CameraIntent, buffers: int = 6
    ) -> Iterator[tuple[np.ndarray, FrameState]]:
        """RGB images (top row first) of each time in order, each read back while the next is drawn.

        Export's path: the GPU copies frame n to host memory while the CPU works out and issues
        frame n + 1, so neither waits for the other. The images come from a ring of ``buffers``
        arrays: each is overwritten ``buffers`` frames later, so a consumer that keeps frames
        (a queue to an encoder) must hold fewer than that.
        """
        w, h = self.size
        ring = [np.empty((h, w, 3), np.uint8) for _ in range(max(buffers, 2))]
        pending: FrameState | None = None
        n = 0
        self.target.drop_reads()  # a consumer that stopped early left its last frame on the way
        try:
            for et in ets:
                self.canvas.set_current()  # each time: the consumer may have drawn elsewhere meanwhile
                state = self.scene.frame_state(float(et), intent, self.size)
                with self.target:
                    self.scene.draw(state, self.canvas)
                self.target.read_rgb_later()
                if pending is not None:
                    yield self.target.collect_rgb(ring[n % len(ring)]), pending
                    n += 1
                pending = state
            if pending is not None:
                self.canvas.set_current()
                yield self.target.collect_rgb(ring[n % len(ring)]), pending
        finally:
            self.target.drop_reads()

    def close(self) -> None:
        self.canvas.close()
