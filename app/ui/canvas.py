"""The 3D view: a VisPy canvas that draws the session's scene and steers its camera.

Mouse and wheel change the session's camera intent, never the visuals. The
canvas reports each completed frame, and playback advances the clock only
after that (napari's play/draw handshake), so a slow machine drops frames.
"""

from __future__ import annotations

import math
import time

import numpy as np
from vispy import app, gloo

from perijove.ephemeris import PerijoveError
from perijove.model.session import Session
from perijove.render.scene import FrameState, Scene


class SceneCanvas(app.Canvas):
    def __init__(self, session: Session, on_error=None) -> None:
        super().__init__(keys=None, size=(960, 600), show=False)
        self.session = session
        self.scene = Scene(session.eph, session.display)
        self.state: FrameState | None = None
        self.frames_drawn = 0
        self.last_draw_s = 0.0
        self._drag: tuple[float, float, float, float] | None = None
        self._on_error = on_error or (lambda message: None)
        session.clock.changed.connect(self._changed)
        session.camera_changed.connect(self._changed)
        session.display_changed.connect(self._display)
        session.kernels_changed.connect(self._kernels)
        session.ghost_changed.connect(self._ghost)

    # -- model events ---------------------------------------------------------------------
    def _changed(self, *_args: object) -> None:
        self.update()

    def _display(self, display) -> None:
        self.scene.set_display(display)
        self.update()

    def _kernels(self) -> None:
        # Bodies, radii and coverage may all have changed: start the scene afresh.
        self.scene = Scene(self.session.eph, self.session.display, spacecraft_mesh=self.scene.sc_mesh)
        self.scene.set_ghost(self.session.ghost)
        self.update()

    def _ghost(self, track) -> None:
        self.scene.set_ghost(track)
        self.update()

    # -- drawing --------------------------------------------------------------------------------
    def on_draw(self, event) -> None:
        t0 = time.perf_counter()
        w, h = self.physical_size
        gloo.set_viewport(0, 0, w, h)
        try:
            self.state = self.scene.frame_state(self.session.clock.et, self.session.camera, (w, max(h, 1)))
            self.scene.draw(self.state, self)
        except PerijoveError as err:
            gloo.set_clear_color((0.05, 0.0, 0.0, 1.0))
            gloo.clear()
            self._on_error(str(err))
        self.frames_drawn += 1
        self.last_draw_s = time.perf_counter() - t0

    def on_resize(self, event) -> None:
        gloo.set_viewport(0, 0, *event.physical_size)

    # -- camera control ---------------------------------------------------------------------------
    def _current_distance(self) -> float:
        if self.state is None:
            return self.session.camera.distance_km or 1e5
        return float(np.linalg.norm(self.state.pose.eye - self.state.pose.target))

    def _current_angles(self) -> tuple[float, float]:
        intent = self.session.camera
        if intent.mode != "from" or self.state is None:
            return intent.azimuth_deg, intent.elevation_deg
        d = self.state.pose.eye / max(np.linalg.norm(self.state.pose.eye), 1e-12)
        return math.degrees(math.atan2(d[1], d[0])), math.degrees(math.asin(np.clip(d[2], -1, 1)))

    def on_mouse_press(self, event) -> None:
        az, el = self._current_angles()
        self._drag = (event.pos[0], event.pos[1], az, el)

    def on_mouse_release(self, event) -> None:
        self._drag = None

    def on_mouse_move(self, event) -> None:
        if self._drag is None or not event.is_dragging:
            return
        x0, y0, az0, el0 = self._drag
        dx, dy = event.pos[0] - x0, event.pos[1] - y0
        intent = self.session.camera
        mode = "orbit" if intent.mode == "from" else intent.mode
        self.session.set_camera(
            intent.with_(
                mode=mode,
                from_body=None,
                azimuth_deg=(az0 - 0.3 * dx) % 360.0,
                elevation_deg=float(np.clip(el0 + 0.3 * dy, -89.0, 89.0)),
                distance_km=intent.distance_km or self._current_distance(),
            )
        )

    def on_mouse_wheel(self, event) -> None:
        self.zoom(1.15 ** (-event.delta[1]))

    def zoom(self, factor: float) -> None:
        intent = self.session.camera
        self.session.set_camera(intent.with_(distance_km=self._current_distance() * factor))
