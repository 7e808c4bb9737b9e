"""The Qt binding must not drop references to ``None`` (PySide6 6.12.0 on Python < 3.12 does).

Each Qt call that returns nothing costs one reference to ``None`` there; the timeline makes
hundreds per repaint, so the interpreter aborts with ``none_dealloc`` seconds into playback.
The widgets are driven in small chunks so that a leaking binding fails this test instead of
killing the interpreter that runs it.
"""

from __future__ import annotations

import gc
import sys

from perijove.ephemeris import to_et

CHUNK = 10
ROUNDS = 100  # 1,000 repaints of each widget, hundreds of Qt calls each


def test_painting_the_real_widgets_keeps_none_alive(window, qtbot):
    # The background event search must be over: when its last result replaces the event list, the
    # old events (fields that are None) are freed, a legitimate fall of thousands at once.
    qtbot.waitUntil(lambda: not window._search.running, timeout=180_000)
    qtbot.wait(100)
    clock = window.session.clock
    et0 = to_et("2023-12-30T08:00")
    for _ in range(3):  # warm caches (fonts, glyphs, pens) before counting
        window.timeline.repaint()
        window.hud.setText("warm")
    # Earlier tests' windows, sessions and event lists are freed whenever the cycle collector runs,
    # a legitimate fall of thousands at once: collect them now and keep the collector off meanwhile.
    gc.collect()
    gc.disable()
    try:
        start = sys.getrefcount(None)
        lowest = start
        for r in range(ROUNDS):
            clock.set_et(et0 + 60.0 * r)  # the HUD's SPICE values, the timeline and the canvas follow
            for i in range(CHUNK):
                window.timeline.repaint()  # a synchronous paintEvent
                window.hud.setText(f"frame {i}")
                window.canvas.update()
            lowest = min(lowest, sys.getrefcount(None))
            # A leaking binding loses hundreds per chunk: stop long before None's count reaches zero.
            fell = start - lowest
            assert fell < 500, f"references to None fell by {fell} after {(r + 1) * CHUNK} rounds"
        qtbot.wait(50)
        assert sys.getrefcount(None) >= start - 50
    finally:
        gc.enable()
