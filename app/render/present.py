"""Anti-aliased frames for a window whose own framebuffer has one sample a pixel.

The window asks Qt for no multisampling: a multisampled window costs Mesa's llvmpipe
about 40 ms a frame (clear and resolve of four samples, then Qt's composition), which
made scrubbing and playback stutter. Its anti-aliased frames are drawn here instead, into
the same multisampled offscreen target that exported frames use, and copied to the window
with one textured quad; the window decides when (every frame on a GPU, once the view has
settled on software GL).
"""

from __future__ import annotations

import numpy as np
from vispy import gloo

from perijove.render.framebuffer import MAX_SIZE, OffscreenTarget
from perijove.resources import shader_source


class Presenter:
    """Draws a scene's frame multisampled offscreen and shows it in the current framebuffer."""

    def __init__(self, samples: int) -> None:
        self.wanted = samples
        self.target: OffscreenTarget | None = None
        self._quad: gloo.Program | None = None

    @property
    def samples(self) -> int:
        """Samples a pixel of the last frame shown (0 where the GL has no multisampling)."""
        return self.target.samples if self.target is not None else 0

    def draw(self, scene, state, size: tuple[int, int]) -> bool:
        """Draw and show one anti-aliased frame; False (nothing drawn) where no target can be made
        for this size or the GL grants no multisampling: the caller then draws directly."""
        w, h = size
        if not (1 <= w <= MAX_SIZE and 1 <= h <= MAX_SIZE):
            return False
        if self.target is None or self.target.size != (w, h):
            self.delete()
            try:
                self.target = OffscreenTarget(w, h, samples=self.wanted)
            except (ValueError, RuntimeError):
                return False
            if self.target.samples < 2:  # no multisampling here: the copy would buy nothing
                self.wanted = 0
                self.delete()
                return False
        with self.target:
            scene.draw(state)
        gloo.set_viewport(0, 0, w, h)
        gloo.clear(color=True, depth=True)  # Qt may round the window's framebuffer a pixel larger
        if self._quad is None:
            self._quad = gloo.Program(shader_source("present_vertex"), shader_source("present_fragment"))
            corners = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1]], np.float32)
            self._quad["a_position"] = gloo.VertexBuffer(corners)
        self._quad["u_frame"] = self.target.color
        gloo.set_state(depth_test=False, blend=False, cull_face=False)
        self._quad.draw("triangle_strip")
        gloo.set_state(depth_test=True)
        return True

    def delete(self) -> None:
        """Free the offscreen target (its context must be current)."""
        if self.target is not None:
            self.target.delete()
            self.target = None
