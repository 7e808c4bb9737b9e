"""Rendering frames to images without a window (CLI, export, tests)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from perijove.ephemeris import Ephemeris
from perijove.model import CameraIntent, DisplayOptions
from perijove.render.context import is_software, offscreen_canvas
from perijove.render.framebuffer import OffscreenTarget, samples_chosen
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
        from vispy.gloo import gl

        self.canvas = offscreen_canvas(size)  # same size as the target, so pixel-placed labels line up
        self.scene = Scene(eph, display)
        self.size = size
        self.target = OffscreenTarget(*size, samples=samples)  # multisampled (None: the default)
        self._frames_live: object | None = None  # the frames() generator now using the target's reads
        self.last_samples = self.target.samples  # samples a pixel of the last frame drawn
        software = is_software(str(gl.glGetParameter(gl.GL_RENDERER)))
        self.scene.cull_on_cpu = software  # asked here once, not again by the scene
        # Software GL, samples left to Perijove: four samples only for frames that need them
        # (``Scene.needs_samples``); the others, one sample a pixel smoothed in the shaders, cost
        # half as much (the 1080p benchmark view: 26 against 56 ms).
        self.samples_when_needed = (
            software and samples is None and samples_chosen() is None and self.target.samples >= 2
        )

    def _draw(self, state: FrameState) -> None:
        """Draw ``state`` into the target (its context current), with four samples or one."""
        target = self.target
        if self.samples_when_needed:
            target.multisample = self.scene.needs_samples(state)
        try:
            with target:
                self.scene.draw(state, self.canvas, smooth_edges=target.frame_samples < 2)
        finally:
            self.last_samples = target.frame_samples
            target.multisample = True  # whoever draws into the target next gets what it was made with

    def render(self, et: float, intent: CameraIntent) -> tuple[np.ndarray, FrameState]:
        """RGBA image (top row first) and the geometry it was drawn from."""
        self.canvas.set_current()
        state = self.scene.frame_state(et, intent, self.size)
        self._draw(state)
        return self.target.read(), state

    def frames(
        self, ets: Iterable[float], intent: CameraIntent, buffers: int = 6
    ) -> Iterator[tuple[np.ndarray, FrameState]]:
        """RGB images (top row first) of each time in order, read back while later ones are drawn.

        Export's path. Frame n travels to host memory (a pack buffer) while the CPU works out and
        issues frame n + 1; a thread then copies it out of the mapped buffer (numpy lets go of the
        GIL for the copy) while this one draws frame n + 2, so the GPU, the copy and the Python
        of the next frame overlap. The images come from a ring of ``buffers`` arrays: each is
        overwritten ``buffers`` frames later, so a consumer that keeps frames (a queue to an
        encoder) must hold fewer than that.
        """
        if self._frames_live is not None:
            raise RuntimeError("this renderer is already handing out frames: close that generator first")
        self._frames_live = token = object()
        w, h = self.size
        ring = [np.empty((h, w, 3), np.uint8) for _ in range(max(buffers, 2))]
        target = self.target
        drawn: deque[FrameState] = deque()  # read started, not yet mapped
        copying = None  # (handle, future, image, state) of the frame being copied out
        n = 0
        self.canvas.set_current()
        target.drop_reads()  # anything left by a reader that stopped without closing its generator
        copier = ThreadPoolExecutor(1, thread_name_prefix="perijove-readback")

        def start_copy():
            nonlocal n
            handle, view = target.map_rgb()
            image = ring[n % len(ring)]
            n += 1
            return handle, copier.submit(np.copyto, image, view), image, drawn.popleft()

        def finish_copy(item) -> tuple[np.ndarray, FrameState]:
            handle, future, image, state = item
            try:
                future.result()
            finally:
                if future.done():  # interrupted while waiting: unmapped below, once the copy is over
                    self.canvas.set_current()
                    target.unmap_rgb(handle)
            return image, state

        try:
            for et in ets:
                self.canvas.set_current()  # each time: the consumer may have drawn elsewhere meanwhile
                state = self.scene.frame_state(float(et), intent, self.size)
                self._draw(state)
                target.read_rgb_later()
                drawn.append(state)
                if copying is not None:
                    done, copying = copying, None
                    yield finish_copy(done)
                    self.canvas.set_current()
                if len(drawn) >= 2:  # the older one has had a frame's time to arrive
                    copying = start_copy()
            while copying is not None or drawn:
                if copying is not None:
                    done, copying = copying, None
                    yield finish_copy(done)
                if drawn:
                    self.canvas.set_current()
                    copying = start_copy()
        finally:
            copier.shutdown(wait=True)  # no copy still reads a mapped buffer
            if self._frames_live is token:
                self._frames_live = None
                self.canvas.set_current()
                target.drop_reads()

    def close(self) -> None:
        self.canvas.close()
