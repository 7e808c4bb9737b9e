"""An offscreen framebuffer with a 24-bit depth buffer, at any size, multisampled when the GL can.

``canvas.render()`` reads back through a framebuffer with a 16-bit depth
buffer, too coarse for a scene spanning metres to millions of kilometres,
and sized like the window. Frames for files are drawn here instead.

Anti-aliasing: gloo has no multisampled renderbuffers, so when the GL offers
``glRenderbufferStorageMultisample`` and ``glBlitFramebuffer`` (GL 3.0 / ES 3.0,
Mesa's llvmpipe and every desktop driver) the frame is drawn into a
multisampled framebuffer made here with raw GL calls and resolved by a blit
into the gloo framebuffer that is read back. Without them the frame is drawn
aliased, as before, and ``samples`` says 0.
"""

from __future__ import annotations

import ctypes
import os

import numpy as np
from vispy import gloo
from vispy.gloo import gl

GL_DEPTH_COMPONENT24 = 0x81A6
GL_RGBA8 = 0x8058
GL_READ_FRAMEBUFFER = 0x8CA8
GL_DRAW_FRAMEBUFFER = 0x8CA9
GL_MAX_SAMPLES = 0x8D57
GL_RENDERBUFFER_SAMPLES = 0x8CAB
GL_BGRA = 0x80E1
GL_PIXEL_PACK_BUFFER = 0x88EB
GL_STREAM_READ = 0x88E1
GL_MAP_READ_BIT = 0x0001
MAX_SIZE = 8192
DEFAULT_SAMPLES = 4
_read_pixels = None  # glReadPixels into caller's memory (VisPy's copies into a new bytes object)


def default_samples() -> int:
    """Samples a pixel for frames and the window: 4, or ``PERIJOVE_MSAA`` (0: one sample a pixel).

    Multisampling is nearly free on a GPU but costs Mesa's software llvmpipe a full-frame clear and
    resolve of four samples (``bench/render_bench.py`` reports the frame time with and without).
    With one sample the shaders smooth the limbs, lines and the spacecraft's outline themselves
    (``Scene.draw``'s ``smooth_edges``).
    """
    chosen = samples_chosen()
    return DEFAULT_SAMPLES if chosen is None else chosen


def samples_chosen() -> int | None:
    """``PERIJOVE_MSAA`` as a sample count, or None where it is unset (or not a number)."""
    raw = os.environ.get("PERIJOVE_MSAA", "").strip()
    try:
        return max(int(raw), 0) if raw else None
    except ValueError:
        return None


class _Multisample:
    """A raw multisampled colour + 24-bit depth framebuffer that GLIR knows nothing about."""

    def __init__(self, size: tuple[int, int], samples: int) -> None:
        from vispy.gloo.gl import gl2

        self._storage = gl2._get_gl_func(
            "glRenderbufferStorageMultisample",
            None,
            (ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_int, ctypes.c_int),
        )
        self._blit = gl2._get_gl_func("glBlitFramebuffer", None, (ctypes.c_int,) * 8 + (ctypes.c_uint, ctypes.c_uint))
        gl.glGetError()  # drop anything pending from before
        most = int(gl.glGetParameter(GL_MAX_SAMPLES) or 0)
        self.samples = min(samples, most)
        if self.samples < 2:
            raise RuntimeError("no multisampling in this GL")
        self.size = size
        self.fbo = gl.glCreateFramebuffer()
        self.buffers = [gl.glCreateRenderbuffer(), gl.glCreateRenderbuffer()]
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)
        for rb, fmt, attachment in zip(
            self.buffers,
            (GL_RGBA8, GL_DEPTH_COMPONENT24),
            (gl.GL_COLOR_ATTACHMENT0, gl.GL_DEPTH_ATTACHMENT),
            strict=True,
        ):
            gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, rb)
            self._storage(gl.GL_RENDERBUFFER, self.samples, fmt, *size)
            if attachment == gl.GL_COLOR_ATTACHMENT0:  # what the GL gave: llvmpipe makes any 2..4 into 4
                granted = int(gl.glGetRenderbufferParameter(gl.GL_RENDERBUFFER, GL_RENDERBUFFER_SAMPLES) or 0)
                self.samples = granted or self.samples
            gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, attachment, gl.GL_RENDERBUFFER, rb)
        complete = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER) == gl.GL_FRAMEBUFFER_COMPLETE
        gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, 0)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        if not complete or gl.glGetError() != gl.GL_NO_ERROR:
            self.delete()
            raise RuntimeError("multisampled framebuffer incomplete")

    def bind(self) -> None:
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)

    def resolve(self, into: int) -> None:
        w, h = self.size
        gl.glBindFramebuffer(GL_READ_FRAMEBUFFER, self.fbo)
        gl.glBindFramebuffer(GL_DRAW_FRAMEBUFFER, into)
        self._blit(0, 0, w, h, 0, 0, w, h, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, into)

    def delete(self) -> None:
        for rb in self.buffers:
            gl.glDeleteRenderbuffer(rb)
        gl.glDeleteFramebuffer(self.fbo)


class _PackBuffers:
    """Pixel-pack buffers: ``glReadPixels`` into one returns at once and the GPU copies the frame
    while the CPU works out and issues the next; mapping it a frame later waits, if at all, only
    for what is still on its way. A synchronous read stalls the CPU for the GPU's whole queue
    plus the transfer (3.2 ms of an H200's 9.6 ms 1080p frame, ``bench/gpu_report.json``).
    Three: one being read into, one on its way, one mapped while its pixels are copied out.

    Raw GL 3.0 / ES 3.0 calls (GLIR has no pack buffers); making them fails where they are missing.
    """

    def __init__(self, nbytes: int, count: int = 3) -> None:
        from vispy.gloo.gl import gl2

        self.nbytes = nbytes
        self._map = gl2._get_gl_func(
            "glMapBufferRange", ctypes.c_void_p, (ctypes.c_uint, ctypes.c_ssize_t, ctypes.c_ssize_t, ctypes.c_uint)
        )
        self._unmap = gl2._get_gl_func("glUnmapBuffer", ctypes.c_ubyte, (ctypes.c_uint,))
        self.ids = []
        try:
            self.ids = [gl.glCreateBuffer() for _ in range(count)]
            for pbo in self.ids:
                gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, pbo)
                gl.glBufferData(GL_PIXEL_PACK_BUFFER, nbytes, GL_STREAM_READ)
            gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, 0)
            # libGL exports glMapBufferRange whatever the context offers (a GL 2.1 context on an old
            # driver or macOS's legacy profile): it then maps nothing. Found out here, not mid-export.
            self.map(self.ids[0])
            self.unmap(self.ids[0])
        except Exception:
            self.delete()  # nothing left bound or allocated: the caller reads at once instead
            raise

    def map(self, pbo: int) -> np.ndarray:
        """The bytes read into ``pbo``, readable (from any thread) until ``unmap``."""
        gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, pbo)
        try:
            address = self._map(GL_PIXEL_PACK_BUFFER, 0, self.nbytes, GL_MAP_READ_BIT)
        finally:
            gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, 0)
        if not address:
            raise RuntimeError("glMapBufferRange gave no memory")
        return np.ctypeslib.as_array((ctypes.c_ubyte * self.nbytes).from_address(address))

    def unmap(self, pbo: int) -> None:
        gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, pbo)
        try:
            self._unmap(GL_PIXEL_PACK_BUFFER)
        finally:
            gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, 0)

    def delete(self) -> None:
        gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, 0)
        for pbo in self.ids:
            gl.glDeleteBuffer(pbo)
        self.ids = []


def _gl_read_pixels():
    global _read_pixels
    if _read_pixels is None:
        from vispy.gloo.gl import gl2

        _read_pixels = gl2._get_gl_func(
            "glReadPixels", None, (ctypes.c_int,) * 4 + (ctypes.c_uint,) * 2 + (ctypes.c_void_p,)
        )
    return _read_pixels


def _flush() -> gloo.context.GLContext:
    """Run the queued GLIR commands now, so raw GL calls land between them in order."""
    context = gloo.get_current_canvas().context
    context.flush_commands()
    return context


class OffscreenTarget:
    """Colour texture + 24-bit depth renderbuffer, bound with ``with target:``.

    ``samples`` > 1 asks for multisampling (``self.samples`` is what was granted: 0 when the GL
    has none); draws inside ``with target:`` then go to the multisampled buffer, resolved on exit,
    unless ``multisample`` is set False for a frame: that frame is drawn with one sample a pixel
    (``frame_samples`` says which).
    """

    def __init__(self, width: int, height: int, samples: int | None = None) -> None:
        if not (1 <= width <= MAX_SIZE and 1 <= height <= MAX_SIZE):
            raise ValueError(f"frame size {width}x{height} is outside 1..{MAX_SIZE}")
        self.size = (int(width), int(height))
        shape = (self.size[1], self.size[0])
        self.color = gloo.Texture2D(shape=(*shape, 4), format="rgba", internalformat="rgba8")
        self.depth = gloo.RenderBuffer(shape, format="depth")
        # gloo only names 16-bit depth; ask the GL for 24 bits on the same object.
        self.depth._glir.command("SIZE", self.depth.id, shape, GL_DEPTH_COMPONENT24)
        self.fbo = gloo.FrameBuffer(color=self.color, depth=self.depth)
        self._msaa: _Multisample | None = None
        samples = default_samples() if samples is None else samples
        if samples > 1:
            try:
                _flush()
                self._msaa = _Multisample(self.size, samples)
            except (RuntimeError, AttributeError, OSError):
                self._msaa = None  # an aliased frame beats no frame
        self.samples = self._msaa.samples if self._msaa else 0
        self.multisample = True  # the next frames go to the multisampled buffer (where there is one)
        self._rows: np.ndarray | None = None  # read_bgra's landing memory, kept
        self._pack: _PackBuffers | None = None  # made on the first read_rgb_later
        self._pending: list[int] = []  # pack buffers holding frames not yet collected, oldest first
        self._mapped: list[int] = []  # pack buffers mapped for a copy out (map_rgb .. unmap_rgb)
        self._no_pack = False  # the GL has no pack buffers: read_rgb_later reads at once
        self._early: list[np.ndarray] = []  # frames read at once, in that case

    @property
    def frame_samples(self) -> int:
        """Samples a pixel of the frames drawn now: ``samples``, or 0 while ``multisample`` is off."""
        return self.samples if self.multisample else 0

    def __enter__(self) -> OffscreenTarget:
        self.fbo.activate()
        gloo.set_viewport(0, 0, *self.size)
        if self._msaa is not None and self.multisample:
            _flush()
            self._msaa.bind()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._msaa is not None and self.multisample:
            context = _flush()  # the frame's draws, into the multisampled buffer
            self._msaa.resolve(context.shared.parser.get_object(self.fbo.id).handle)
        self.fbo.deactivate()

    def depth_bits(self) -> int:
        self.fbo.activate()
        _flush()
        try:
            return int(gl.glGetParameter(gl.GL_DEPTH_BITS))
        finally:
            self.fbo.deactivate()

    def delete(self) -> None:
        """Free the GL objects now (a target made for one screenshot, in a context that lives on)."""
        if self._msaa is not None:
            _flush()
            self._msaa.delete()
            self._msaa = None
        if self._pack is not None:
            _flush()
            self.drop_reads()
            self._pack.delete()
            self._pack = None
        for obj in (self.fbo, self.color, self.depth):
            obj.delete()

    def read_bgra(self, out: np.ndarray | None = None) -> np.ndarray:
        """The resolved frame as B, G, R, A bytes, top row first, in one contiguous array: what Qt's
        RGB32 images hold on a little-endian machine, so the window paints it without converting
        each pixel. Read straight into memory kept with the target (one copy, the flip, where
        ``read`` makes three), into ``out`` if given ((h, w, 4) uint8), else a new array.

        The window reads a frame every step: two new 3 MB arrays a frame left glibc's heap
        fragmented (the window's memory grew 14 MB in three minutes of playing)."""
        w, h = self.size
        if self._rows is None:
            self._rows = np.empty((h, w, 4), np.uint8)
        rows = self._rows
        self.fbo.activate()
        try:
            _flush()
            gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 4)
            _gl_read_pixels()(0, 0, w, h, GL_BGRA, gl.GL_UNSIGNED_BYTE, rows.ctypes.data)
        finally:
            self.fbo.deactivate()
        if out is None:
            out = np.empty((h, w, 4), np.uint8)
        np.copyto(out, rows[::-1])  # GL's rows run bottom up
        out[..., 3] = 255  # opaque, as RGB32 must be (blending leaves alpha below one under translucent lines)
        return out

    def read_rgb_later(self) -> None:
        """Start reading the resolved frame as R, G, B bytes; ``map_rgb`` hands it over later,
        oldest first.

        Export's path: three bytes a pixel are what the encoder takes (no alpha to strip, no copy to
        make contiguous), and with pack buffers the read does not wait for the GPU. At most three
        frames may be outstanding, mapped ones included.
        """
        if len(self._pending) + len(self._mapped) + len(self._early) >= 3:
            raise RuntimeError("three frames are already waiting to be collected")
        w, h = self.size
        self.fbo.activate()
        try:
            _flush()
            if self._pack is None and not self._no_pack:
                try:
                    self._pack = _PackBuffers(w * h * 3)
                except (RuntimeError, AttributeError, OSError):  # ES 2.0 and the like: read at once
                    self._no_pack = True
            gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)  # rows of 3 x width bytes, any width
            if self._pack is None:
                rows = np.empty((h, w, 3), np.uint8)
                _gl_read_pixels()(0, 0, w, h, gl.GL_RGB, gl.GL_UNSIGNED_BYTE, rows.ctypes.data)
                self._early.append(rows)
                return
            pbo = next(p for p in self._pack.ids if p not in self._pending and p not in self._mapped)
            gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, pbo)
            try:
                _gl_read_pixels()(0, 0, w, h, gl.GL_RGB, gl.GL_UNSIGNED_BYTE, None)  # into the buffer
            finally:  # bound, it would turn every later glReadPixels (VisPy's too) into a buffer write
                gl.glBindBuffer(GL_PIXEL_PACK_BUFFER, 0)
            self._pending.append(pbo)
        finally:
            gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 4)
            self.fbo.deactivate()

    def map_rgb(self) -> tuple[int | None, np.ndarray]:
        """The oldest frame ``read_rgb_later`` started, as an (h, w, 3) view, top row first, of
        memory that stays readable, from any thread, until ``unmap_rgb(handle)``: another thread
        can copy it out while this one draws (GL calls stay on this one)."""
        w, h = self.size
        if self._early:
            return None, self._early.pop(0)[::-1]
        if not self._pending:
            raise RuntimeError("no frame is waiting to be collected")
        assert self._pack is not None
        pbo = self._pending.pop(0)
        _flush()
        rows = self._pack.map(pbo).reshape(h, w, 3)
        self._mapped.append(pbo)
        return pbo, rows[::-1]  # GL's rows run bottom up

    def unmap_rgb(self, handle: int | None) -> None:
        if handle is not None and handle in self._mapped and self._pack is not None:
            self._mapped.remove(handle)
            _flush()
            self._pack.unmap(handle)

    def drop_reads(self) -> None:
        """Forget frames started and never collected (their buffers are read into again); unmap
        any still mapped (this target's context must be current)."""
        for handle in list(self._mapped):
            self.unmap_rgb(handle)
        self._pending, self._early = [], []

    def read(self) -> np.ndarray:
        """RGBA uint8 image, top row first (of the resolved frame)."""
        self.fbo.activate()
        try:
            return self.fbo.read("color", alpha=True)
        finally:
            self.fbo.deactivate()
