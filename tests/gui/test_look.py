"""One look: the HUD draws with the shipped font, and the window is anti-aliased like exported frames."""

from __future__ import annotations


def test_hud_uses_the_shipped_mono_font(window):
    from PySide6 import QtGui

    from perijove.ui.app import register_fonts

    families = register_fonts()
    assert families == {"sans": "DejaVu Sans", "mono": "DejaVu Sans Mono"}
    window.hud.ensurePolished()
    assert QtGui.QFontInfo(window.hud.font()).family() == "DejaVu Sans Mono"
    assert "monospace" not in window.hud.styleSheet()  # a named, shipped family, not the system's pick


def test_window_canvas_is_multisampled(window, qtbot):
    """The window asks for 4 samples a pixel (anti-aliasing); Mesa under Xvfb grants them."""
    from vispy.gloo import gl

    qtbot.waitUntil(lambda: window.canvas.frames_drawn > 0, timeout=20000)
    window.canvas.set_current()
    window.canvas.context.flush_commands()
    assert int(gl.glGetParameter(0x80A9)) >= 2  # GL_SAMPLES of the window's framebuffer
