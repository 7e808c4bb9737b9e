"""Plain-Python application state: what time it is, what is shown, where the camera looks.

No Qt or VisPy here: widgets change this state, renderers read it.
"""

from perijove.model.camera import CAMERA_MODES, CameraIntent
from perijove.model.clock import RATES, Clock
from perijove.model.display import DisplayOptions

__all__ = ["CAMERA_MODES", "RATES", "CameraIntent", "Clock", "DisplayOptions"]
