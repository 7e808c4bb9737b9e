"""The colours events are known by: the same on the timeline, in its key and in the plots.

The plots once gave a perijove purple that the timeline gave yellow, and drew their cursor in
that yellow. Both cursors are white, and no event is.
"""

from __future__ import annotations

from PySide6 import QtGui

EVENT_RGB = {
    "perijove": (255, 210, 80),
    "apojove": (150, 150, 150),
    "flyby": (255, 110, 60),
    "eclipse": (120, 120, 255),
    "shadow": (180, 80, 255),
    "transit": (90, 200, 200),
    "shadow-transit": (40, 140, 140),
}
CURSOR_RGB = (255, 255, 255)


def event_colour(kind: str, alpha: int = 255) -> QtGui.QColor:
    return QtGui.QColor(*EVENT_RGB.get(kind, (190, 190, 190)), alpha)
