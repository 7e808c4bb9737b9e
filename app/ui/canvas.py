"""The 3D view: a widget that shows the session's scene and steers its camera.

Two ways to show it: on a GPU, VisPy's canvas (a ``QOpenGLWidget``) draws into the window;
on software GL, frames are drawn offscreen and shown as images (``ui/image_view.py``),
because a ``QOpenGLWidget`` makes Qt compose the whole window through the CPU rasteriser
(24 ms a frame for a clear alone at 1400 x 860 under Mesa's llvmpipe). ``make_canvas`` picks.

Mouse and wheel change the session's camera intent, never the visuals. The
canvas reports each completed frame, and playback advances the clock only
after that (napari's play/draw handshake), so a slow machine drops frames.
"""

from __future__ import annotations

import math
import time
import traceback

import numpy as np
from PySide6 import QtCore, QtWidgets
from vispy import app, gloo

from perijove.ephemeris import PerijoveError
from perijove.model.session import MAX_DISTANCE_KM, Session
from perijove.render.scene import FrameState, Scene

ORBITING = ("orbit", "follow", "bodyfixed")  # cameras placed by angles around a point
SETTLE_MS = 250  # on software GL, the view unchanged this long gets its anti-aliased frame
FIRST_FRAME_WAIT_MS = 3000  # work waiting for the first frame starts anyway after this (a hidden window)
WHILE_DRAWING_WAIT_MS = 15  # work for the next frame's drawing runs anyway after this (no frame drawn)


class ViewControl:
    """What both ways of showing the view share: following the model, the first-frame and settle
    timers, and the mouse's camera control. A subclass owns ``native`` (the widget) and draws."""

    native: QtWidgets.QWidget
    wanted_samples: int  # samples a pixel of an anti-aliased frame (0: none)

    def _init_control(self, session: Session, on_error) -> None:
        self.frame_samples = 0  # samples a pixel of the last frame drawn
        self._software: bool | None = None  # known once a frame has been drawn
        self._settled = False
        self._settle = QtCore.QTimer(self.native)  # goes with the widget
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._settle_now)
        self._after_first: list = []
        self._while_drawing: list = []
        self._while_timer = QtCore.QTimer(self.native)  # goes with the widget
        self._while_timer.setSingleShot(True)
        self._while_timer.setInterval(WHILE_DRAWING_WAIT_MS)
        self._while_timer.timeout.connect(self._run_while_drawing)
        self.session = session
        self.scene = Scene(session.eph, session.display, eager_mipmaps=False)
        self._mipmaps_queued = False
        self._released = False
        self.state: FrameState | None = None
        self.frames_drawn = 0
        self.first_frame_at: float | None = None  # perf_counter() when the first frame was shown
        self.last_draw_s = 0.0
        self._drag: tuple[float, float, float, float] | None = None
        self._pan_from: tuple | None = None  # (pan at the press, the frame then) while the drag pans
        self._on_error = on_error or (lambda message: None)
        session.clock.changed.connect(self._changed)
        session.camera_changed.connect(self._changed)
        session.display_changed.connect(self._display)
        session.kernels_changed.connect(self._kernels)
        session.ghost_changed.connect(self._ghost)

    # Whether a frame is on screen once drawn (the GL view: its buffers swap as the draw returns);
    # the image view says when it has painted it instead.
    shown_when_drawn = True

    def update(self) -> None:  # a subclass schedules a new frame
        raise NotImplementedError

    def release(self) -> None:
        """Free what the view holds beyond its widget (the window closes); nothing is drawn after."""
        self._released = True
        self._settle.stop()
        self._while_timer.stop()
        self._while_drawing.clear()

    def _antialias(self) -> bool:
        """Whether this frame is drawn anti-aliased: always on a GPU; on software GL once still."""
        return self.wanted_samples > 1 and (self._settled or not self._software)

    def _drawn(self, t0: float, antialiased: bool) -> None:
        """Bookkeeping after a frame (``antialiased``: it was meant to be the anti-aliased one): the
        settle timer, the first-frame callbacks, the counters."""
        if self.wanted_samples > 1 and not antialiased:
            self._settle.start()  # restarted by every frame while the view changes
        self.frames_drawn += 1
        if self.first_frame_at is None and self.shown_when_drawn:
            self.first_frame_at = time.perf_counter()
        if self._after_first:
            QtCore.QTimer.singleShot(0, self.native, self._run_after_first)
        if self.scene.mipmaps_pending and not self._mipmaps_queued:
            # The first frame (or a new map) is shown before the maps' mipmaps are made (0.2-0.3 s on
            # software GL, when the event loop does nothing else), a moment later, with the settled
            # frame: the view is drawn again with them.
            self._mipmaps_queued = True
            QtCore.QTimer.singleShot(SETTLE_MS, self.native, self._make_mipmaps)
        self.last_draw_s = time.perf_counter() - t0

    def _make_mipmaps(self) -> None:
        self._mipmaps_queued = False
        if self._released:
            return
        self.set_current()
        self.scene.make_mipmaps()
        self.update()

    # -- model events ---------------------------------------------------------------------
    def _changed(self, *_args: object) -> None:
        self._settled = False
        self.update()

    def after_first_frame(self, callback) -> None:
        """Call ``callback`` from the event loop once the first frame has been drawn (or after
        FIRST_FRAME_WAIT_MS without one), so that work the view does not need waits for it."""
        self._after_first.append(callback)
        # Timed against the widget, so a deleted window takes the call with it (a closed one clears
        # the list: see cancel_after_first_frame).
        QtCore.QTimer.singleShot(0 if self.frames_drawn else FIRST_FRAME_WAIT_MS, self.native, self._run_after_first)

    def keep_labels_clear_of(self, area: QtCore.QRect | None) -> None:
        """A widget over the view (the HUD), in the widget's coordinates, or None: the scene lays its
        labels out around it, in the frame's pixels."""
        if area is None:
            self.scene.keep_clear = ()
            return
        ratio = self.physical_size[0] / max(self.native.width(), 1)
        x0, y0 = area.x() * ratio, area.y() * ratio
        self.scene.keep_clear = ((x0, y0, x0 + area.width() * ratio, y0 + area.height() * ratio),)

    def while_drawing(self, callback) -> None:
        """Call ``callback`` once, while the next frame is drawn: after its draws are issued and
        before its pixels are waited for. Work the model's change asks for besides the frame (the
        HUD's SPICE queries) then overlaps the rasteriser's (software GL's threads, or the GPU)
        instead of adding to each clock step. Without a frame within WHILE_DRAWING_WAIT_MS (the
        view hidden), from a timer."""
        if self._released:
            return  # the window is closing: nothing more to show
        if callback not in self._while_drawing:
            self._while_drawing.append(callback)
        if not self._while_timer.isActive():
            self._while_timer.start()

    def _run_while_drawing(self) -> None:
        self._while_timer.stop()
        callbacks, self._while_drawing = self._while_drawing, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a bug there is reported as a slot's would be; the frame goes on
                traceback.print_exc()

    def cancel_after_first_frame(self) -> None:
        self._after_first.clear()

    def _run_after_first(self) -> None:
        callbacks, self._after_first = self._after_first, []
        for callback in callbacks:
            callback()

    def _settle_now(self) -> None:
        if not self._settled:
            self._settled = True
            self.update()

    def _display(self, display) -> None:
        self.scene.set_display(display)
        self._changed()

    def _kernels(self) -> None:
        # Bodies, radii and coverage may all have changed: start the scene afresh.
        old = self.scene
        self.scene = Scene(self.session.eph, self.session.display, spacecraft_mesh=old.sc_mesh, eager_mipmaps=False)
        self.scene.set_ghost(self.session.ghost)
        self.scene.keep_clear = old.keep_clear  # the HUD is where it was
        self._changed()

    def _ghost(self, track) -> None:
        self.scene.set_ghost(track)
        self._changed()

    # -- camera control ---------------------------------------------------------------------------
    def _current_distance(self) -> float:
        """How far the eye is from the point a zoom closes on: the camera's own distance once one is
        set (wheel steps that come before the next frame add up), else the last frame's."""
        if self.session.camera.distance_km:
            return float(self.session.camera.distance_km)
        if self.state is None:
            return 1e5
        return float(np.linalg.norm(self.state.pose.eye - self.state.pose.zoom_centre))

    def _current_angles(self) -> tuple[float, float]:
        intent = self.session.camera
        if intent.mode in ORBITING or self.state is None:
            return intent.azimuth_deg, intent.elevation_deg
        pose = self.state.pose
        d = pose.eye - pose.target
        d = d / max(np.linalg.norm(d), 1e-12)
        return math.degrees(math.atan2(d[1], d[0])), math.degrees(math.asin(np.clip(d[2], -1, 1)))

    def on_mouse_press(self, event) -> None:
        az, el = self._current_angles()
        modifiers = getattr(event, "modifiers", ()) or ()
        pan = event.button in (2, 3) or any(getattr(m, "name", m) == "Shift" for m in modifiers)
        self._drag = (event.pos[0], event.pos[1], az, el)
        self._pan_from = (self.session.camera.pan_km, self.state) if pan else None

    def on_mouse_release(self, event) -> None:
        self._drag = None
        self._pan_from = None

    def on_mouse_move(self, event) -> None:
        if self._drag is None or not event.is_dragging:
            return
        x0, y0, az0, el0 = self._drag
        dx, dy = event.pos[0] - x0, event.pos[1] - y0
        if getattr(self, "_pan_from", None) is not None:
            pan0, state = self._pan_from
            self.pan(dx, dy, pan0, state)
            return
        self.turn(dx, dy, az0, el0)

    def turn(self, dx: float, dy: float, az0: float, el0: float) -> None:
        """Drag: circle the point looked at; a camera placed by geometry becomes an orbit camera there.

        The view from a body, the flyby and JunoCam cameras are not placed by angles, so the
        drag starts an orbit with the same eye direction, distance and look-at point: the
        picture does not jump when the drag starts.
        """
        intent = self.session.camera
        changes: dict[str, object] = {"distance_km": intent.distance_km or self._current_distance()}
        if intent.mode not in ORBITING:
            changes = {"mode": "orbit", "from_body": None, "encounter_et": None}
            if self.state is not None:
                pose = self.state.pose
                changes["pan_km"] = tuple(float(v) for v in pose.target)  # origin: the target
                # Circled at the eye's own distance from the point it looks at (the flyby camera's
                # zoom measures to the pass it closes on, below the aim: that distance moved the eye).
                changes["distance_km"] = float(np.linalg.norm(pose.eye - pose.target))
            else:
                changes["distance_km"] = intent.distance_km or self._current_distance()
        self.session.set_camera(
            intent.with_(
                **changes,
                azimuth_deg=(az0 - 0.3 * dx) % 360.0,
                elevation_deg=float(np.clip(el0 + 0.3 * dy, -89.0, 89.0)),
            )
        )

    def pan(self, dx: float, dy: float, pan0: tuple | None = None, state: FrameState | None = None) -> None:
        """Shift the point looked at so the scene follows a drag of (dx, dy) pixels, in any mode.

        Cameras with a distance move with the point (the scene slides); a camera that sits on
        the spacecraft stays there and turns toward it. The shift is in J2000 km, or in the
        target's own frame for the body-fixed camera, so that it turns with the body.
        """
        state = state or self.state
        if state is None:
            return
        intent = self.session.camera
        pan0 = intent.pan_km if pan0 is None else pan0
        pose = state.pose
        view = pose.view
        right, up = view[0, :3], view[1, :3]
        # The drag is in the widget's (logical) pixels, the frame in physical ones: on a HiDPI screen
        # the scene must slide twice as many of the frame's pixels to stay under the cursor.
        dx, dy = (d * pose.size[0] / max(self.size[0], 1) for d in (dx, dy))
        km_per_px = float(np.linalg.norm(pose.eye - pose.target)) / pose.pixels_per_radian()
        shift = (-dx * right + dy * up) * km_per_px
        if intent.mode == "bodyfixed":
            from perijove.ephemeris import PerijoveError, body_id

            try:
                rot = state.rotations.get(body_id(intent.target))
            except (PerijoveError, ValueError):
                rot = None
            if rot is not None:
                shift = rot @ shift
        self.session.set_camera(intent.with_(pan_km=tuple(float(a + b) for a, b in zip(pan0, shift, strict=True))))

    def on_mouse_wheel(self, event) -> None:
        self.zoom(1.15 ** (-event.delta[1]), at=getattr(event, "pos", None))

    def zoom(self, factor: float, at: tuple[float, float] | None = None) -> None:
        """Move the eye ``factor`` times as far from the point it closes on.

        ``at`` (the pointer, in the widget's pixels): in the flyby camera, which frames the pass
        and the moon together rather than one body, the point under the pointer stays under it,
        as on a map, so the wheel closes on Juno or on the moon, where the pointer is. The other
        cameras keep their body in the middle, as Cosmographia's and Celestia's do.
        """
        intent = self.session.camera
        if intent.mode == "junocam":
            return  # JunoCam's field is the camera's own, and it sits on the spacecraft
        distance = self._current_distance()
        # As the session will clamp it (never on a body, never past the system): the pan below
        # keeps the pointer's point in place for the distance the camera will really take.
        wanted = min(max(distance * factor, self.session.min_distance_km(intent)), MAX_DISTANCE_KM)
        factor = wanted / distance
        changes: dict[str, object] = {"distance_km": wanted}
        # The last frame must be the flyby camera's own (a wheel step can come before the first one).
        if at is not None and intent.mode == "flyby" and self.state is not None and self.state.pose.pivot is not None:
            shift = self._toward_pointer(at, factor, distance)
            if shift is not None:
                changes["pan_km"] = tuple(float(a + b) for a, b in zip(intent.pan_km, shift, strict=True))
        self.session.set_camera(intent.with_(**changes))

    def _toward_pointer(self, at: tuple[float, float], factor: float, distance: float) -> np.ndarray | None:
        """The pan (km) that keeps the point under ``at`` in place while the eye moves ``factor`` times
        as far from the point it closes on (``distance`` away now), its direction unchanged.

        That point lies on the plane through the zoom's centre, across the line the eye moves on,
        ``t`` along the pointer's ray; moving the centre by (1 - factor) t times the ray's part
        across that line keeps the ray through the same point (the camera does not turn: only its
        distance and the centre change).
        """
        pose = self.state.pose
        w, h = pose.size
        x = 2.0 * at[0] / max(self.size[0], 1) - 1.0  # the frame's -1..1, y up
        y = 1.0 - 2.0 * at[1] / max(self.size[1], 1)
        half = math.tan(math.radians(pose.fov_deg) / 2.0)
        right, up, back = pose.view[0, :3], pose.view[1, :3], pose.view[2, :3]
        ray = -back + x * half * (w / h) * right + y * half * up
        ray /= np.linalg.norm(ray)
        n = pose.eye - pose.zoom_centre
        length = float(np.linalg.norm(n))
        if length <= 0.0:
            return None
        n /= length
        along = float(ray @ n)
        if along > -1e-6:
            return None  # the pointer looks away from the plane (at the sky behind): no pan
        t = distance / -along
        return (1.0 - factor) * t * (ray - along * n)


class SceneCanvas(ViewControl, app.Canvas):
    """The view drawn by GL into Qt's ``QOpenGLWidget`` (VisPy's canvas): the way on a GPU, where
    Qt composes the window on the GPU too."""

    def __init__(self, session: Session, on_error=None) -> None:
        from perijove.render.framebuffer import default_samples

        # Anti-aliased like exported frames (4 samples a pixel by default), through render.present:
        # the window's own framebuffer has one sample. On a GPU every frame is anti-aliased; on
        # software GL (Mesa's llvmpipe), where four samples double a frame's cost, frames drawn
        # while the view changes (scrubbing, playing, dragging) have one sample and the view is
        # drawn again anti-aliased once it has been still for SETTLE_MS.
        app.Canvas.__init__(self, keys=None, size=(960, 600), show=False, config={"samples": 0})
        from perijove.render.present import Presenter

        self.presenter = Presenter(default_samples())
        self.create_native()
        self._init_control(session, on_error)

    @property
    def wanted_samples(self) -> int:
        return self.presenter.wanted

    def update(self, *args) -> None:
        app.Canvas.update(self, *args)

    def on_draw(self, event) -> None:
        t0 = time.perf_counter()
        w, h = self.physical_size
        gloo.set_viewport(0, 0, w, h)
        if self._software is None:
            from perijove.render.context import is_software

            self._software = is_software(str(gloo.gl.glGetParameter(gloo.gl.GL_RENDERER)))
        antialias = self._antialias()
        try:
            self.state = self.scene.frame_state(self.session.clock.et, self.session.camera, (w, max(h, 1)))
            if antialias and self.presenter.draw(self.scene, self.state, (w, max(h, 1))):
                self.frame_samples = self.presenter.samples
            else:
                self.scene.draw(self.state, self, smooth_edges=True)  # the widget's own one-sample framebuffer
                self.frame_samples = 0
        except PerijoveError as err:
            gloo.set_clear_color((0.05, 0.0, 0.0, 1.0))
            gloo.clear()
            self._on_error(str(err))
        self._run_while_drawing()  # the GPU draws the frame meanwhile; the buffers swap after this returns
        self._drawn(t0, antialias)

    def grab(self) -> np.ndarray:
        """The current view as an RGBA image, drawn again into an offscreen target with a 24-bit depth
        buffer and the frames' multisampling: VisPy's ``render()`` reads through a 16-bit depth buffer,
        whose precision fails at these scales (Io's surface fights with Juno's trail)."""
        from perijove.render.framebuffer import OffscreenTarget

        self.set_current()
        w, h = self.physical_size
        target = OffscreenTarget(w, max(h, 1))
        try:
            state = self.scene.frame_state(self.session.clock.et, self.session.camera, (w, max(h, 1)))
            with target:
                self.scene.draw(state, self, smooth_edges=target.samples < 2)
            return target.read()
        finally:
            target.delete()
            gloo.set_viewport(0, 0, w, h)

    def on_resize(self, event) -> None:
        gloo.set_viewport(0, 0, *event.physical_size)
        self._settled = False


VIEWS = ("image", "gl")


def view_choice(view: str | None = None) -> str:
    """The view asked for ("image", "gl", or "" to choose by the GL), by ``view`` or PERIJOVE_VIEW."""
    import os

    choice = (view if view is not None else os.environ.get("PERIJOVE_VIEW", "")).strip().lower()
    if choice and choice not in VIEWS:
        raise PerijoveError(f"PERIJOVE_VIEW={choice!r}: use image or gl")
    return choice


def make_canvas(session: Session, on_error=None, view: str | None = None):
    """The view for this machine: images on software GL, VisPy's GL widget on a GPU.

    ``view`` (or the environment's ``PERIJOVE_VIEW``) forces one: "image" or "gl". The GL is
    asked what it is through the hidden context the image view draws in, kept if it is used.
    """
    choice = view_choice(view)
    if choice == "gl":
        return SceneCanvas(session, on_error)
    from perijove.render.context import is_software, offscreen_canvas
    from perijove.ui.image_view import ImageCanvas

    gl_canvas = offscreen_canvas()
    if choice == "image" or is_software(str(gloo.gl.glGetParameter(gloo.gl.GL_RENDERER))):
        return ImageCanvas(session, on_error, gl_canvas=gl_canvas)
    gl_canvas.close()
    return SceneCanvas(session, on_error)
