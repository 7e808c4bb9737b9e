"""An offscreen framebuffer with a 24-bit depth buffer, at any size.

``canvas.render()`` reads back through a framebuffer with a 16-bit depth
buffer, too coarse for a scene spanning metres to millions of kilometres,
and sized like the window. Frames for files are drawn here instead.
"""

from __future__ import annotations

import numpy as np
from vispy import gloo
from vispy.gloo import gl

GL_DEPTH_COMPONENT24 = 0x81A6
MAX_SIZE = 8192


class OffscreenTarget:
    """Colour texture + 24-bit depth renderbuffer, bound with ``with target:``."""

    def __init__(self, width: int, height: int) -> None:
        if not (1 <= width <= MAX_SIZE and 1 <= height <= MAX_SIZE):
            raise ValueError(f"frame size {width}x{height} is outside 1..{MAX_SIZE}")
        self.size = (int(width), int(height))
        shape = (self.size[1], self.size[0])
        self.color = gloo.Texture2D(shape=(*shape, 4), format="rgba", internalformat="rgba8")
        self.depth = gloo.RenderBuffer(shape, format="depth")
        # gloo only names 16-bit depth; ask the GL for 24 bits on the same object.
        self.depth._glir.command("SIZE", self.depth.id, shape, GL_DEPTH_COMPONENT24)
        self.fbo = gloo.FrameBuffer(color=self.color, depth=self.depth)

    def __enter__(self) -> OffscreenTarget:
        self.fbo.activate()
        gloo.set_viewport(0, 0, *self.size)
        return self

    def __exit__(self, *exc: object) -> None:
        self.fbo.deactivate()

    def depth_bits(self) -> int:
        with self:
            gloo.flush()
            return int(gl.glGetParameter(gl.GL_DEPTH_BITS))

    def read(self) -> np.ndarray:
        """RGBA uint8 image, top row first."""
        with self:
            return self.fbo.read("color", alpha=True)
