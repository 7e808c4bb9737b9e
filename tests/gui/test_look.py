"""One look: the HUD draws with the shipped font, and the window is anti-aliased like exported frames."""

from __future__ import annotations

import os

import pytest
from PySide6 import QtGui


def test_hud_uses_the_shipped_mono_font(window):
    from PySide6 import QtGui

    from perijove.ui.app import register_fonts

    families = register_fonts()
    assert families == {"sans": "DejaVu Sans", "mono": "DejaVu Sans Mono"}
    window.hud.ensurePolished()
    assert QtGui.QFontInfo(window.hud.font()).family() == "DejaVu Sans Mono"
    assert "monospace" not in window.hud.styleSheet()  # a named, shipped family, not the system's pick


def _partial_edge_fraction(image) -> float:
    """Of the pixels on the edge of what is drawn against black sky, the share only partly covered."""
    import numpy as np

    grey = np.asarray(image, float)[..., :3].max(axis=2)
    body = grey > 0
    inner = np.roll(body, 1, 0) & np.roll(body, -1, 0) & np.roll(body, 1, 1) & np.roll(body, -1, 1)
    edge = body & ~inner
    neighbours = np.max([np.roll(grey, s, a) for s in (1, -1) for a in (0, 1)], axis=0)
    return float((grey[edge] / np.maximum(neighbours[edge], 1.0) < 0.6).mean())


def _displayed(window):
    """What the window shows now: Qt paints the view's widget again (without the HUD over it) and
    hands back its pixels."""
    import numpy as np

    image = window.canvas.native.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    w, h = image.width(), image.height()
    return np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h).reshape(h, -1, 4)[:, :w]


def test_the_window_shows_anti_aliased_frames_once_the_view_is_still(window, qtbot):
    """The window's frames are anti-aliased like exported ones.

    On software GL (Mesa under Xvfb here) frames drawn while the view changes have one sample,
    the limbs smoothed by the body shader, and a four-sample frame follows once the view has been
    still; on a GPU every frame has four.
    """
    import dataclasses

    canvas = window.canvas
    session = window.session
    session.set_display(
        dataclasses.replace(session.display, stars=False, trajectory=False, moon_orbits=False, labels=False, hud=False)
    )
    qtbot.waitUntil(lambda: canvas.frames_drawn > 0, timeout=20000)
    drawn = canvas.frames_drawn
    session.clock.set_et(session.clock.et + 1.0)
    qtbot.waitUntil(lambda: canvas.frames_drawn > drawn, timeout=5000)
    if not canvas._software:
        pytest.skip("a GPU draws every frame anti-aliased; this checks the software-GL settle path")
    assert canvas.frame_samples == 0  # drawn while the view changed
    qtbot.waitUntil(lambda: canvas.frame_samples >= 4, timeout=5000)  # still: anti-aliased
    still = _partial_edge_fraction(_displayed(window))
    canvas._changed()  # as if the view had just changed: one sample
    moving = _partial_edge_fraction(_displayed(window))
    assert canvas.frame_samples == 0
    if os.environ.get("PERIJOVE_TEST_SAVE"):
        from PIL import Image

        Image.fromarray(_displayed(window)).save(os.path.join(os.environ["PERIJOVE_TEST_SAVE"], "moving.png"))
        canvas._settled = True
        canvas.update()
        Image.fromarray(_displayed(window)).save(os.path.join(os.environ["PERIJOVE_TEST_SAVE"], "still.png"))
    # Limb pixels partly covered: 0.78 still, 0.75 moving here (0.40 moving before the shader smoothed
    # limbs: shading falls off toward the limb too).
    assert still > 0.6 and moving > 0.6, (still, moving)
