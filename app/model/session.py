"""Everything the application is showing, as plain state with change signals.

One ``Session`` per window: the kernel set and ephemeris, the clock, the
camera intent, display options and the event list. Widgets call its methods;
the renderer and HUD subscribe to its signals. Nothing here imports Qt.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterable, Sequence

from psygnal import Signal

from perijove.ephemeris import Ephemeris, Event, KernelSet, open_kernels
from perijove.ephemeris.bodies import MOONS, SPACECRAFT, body_name
from perijove.model.camera import CameraIntent
from perijove.model.clock import Clock
from perijove.model.display import DisplayOptions
from perijove.model.timeline import TimelineView

MIN_DISTANCE_KM = 0.01  # 10 m
IO = MOONS[0]
OPEN_BEFORE_FLYBY_S = 300.0  # the window opens this long before the first flyby, as Juno enters the frame
MAX_DISTANCE_KM = 5e7  # 50 million km: Juno's whole orbit (apojove ~8 million km) fits a 35° view
SURFACE_MARGIN = 0.02  # cameras stay at least 2% of a body's largest radius above it


# What N / P may step through, as the event list offers it (an empty set: every event).
JUMP_CHOICES: tuple[tuple[str, frozenset[str]], ...] = (
    ("close approaches (perijoves, flybys)", frozenset({"perijove", "flyby"})),
    ("flybys", frozenset({"flyby"})),
    ("every event", frozenset()),
)


class Session:
    kernels_changed = Signal()
    camera_changed = Signal(object)
    display_changed = Signal(object)
    events_changed = Signal(object)
    ghost_changed = Signal(object)  # another kernel set's spacecraft track to compare with, or None

    def __init__(self, extra_kernels: Sequence[str | os.PathLike[str]] = (), *, defaults: bool = True) -> None:
        self.kernels: KernelSet = open_kernels(extra_kernels, defaults=defaults)
        self.eph = Ephemeris(self.kernels)
        self.clock = Clock()
        self.timeline = TimelineView()  # the span the timeline shows (zoom and pan)
        # A playing clock pages the span along, ahead of it in the direction it plays; a jump centres.
        self.clock.changed.connect(
            lambda et: self.timeline.follow(et, self.clock.rate if self.clock.playing else 0.0)
        )
        self.camera = CameraIntent()  # replaced by _open_on_first_flyby
        self.display = DisplayOptions()
        self.events: list[Event] = []
        self.ghost = None  # perijove.ephemeris.compare.Track of the set compared with
        self.jump_kinds: frozenset[str] = JUMP_CHOICES[0][1]  # what N/P step through
        self._update_bounds(initial=True)
        self._open_on_first_flyby()
        self.use_cached_maps()

    # -- kernels ---------------------------------------------------------------------------
    def load_kernels(self, paths: Iterable[str | os.PathLike[str]]) -> list[str]:
        """Layer files over what is loaded; on error nothing changes and KernelError says why."""
        added = self.kernels.load(list(paths))
        self._update_bounds()
        self.kernels_changed.emit()
        return [str(f.path) for f in added]

    def loaded(self) -> list[str]:
        """The files and metakernels layered over the built-in data (the embedded set and the active
        fetched one, loaded at every start), as given, in load order (later wins)."""
        base = {f.path for f in self.kernels.files if f.default or f.fetched}
        return [str(given) for given, members in self.kernels.groups() if not set(members) <= base]

    def unload_kernels(self, given: Iterable[str | os.PathLike[str]]) -> bool:
        """Take files or metakernels that were layered on (``loaded``) off again; all or nothing.
        True when the clock had to move, its time gone with the data (for the window to say so).

        KernelError, with nothing changed, for one that is not loaded, or when what is left would have
        no leap seconds kernel (without the built-in data, every time shown needs the user's).
        """
        from pathlib import Path

        from perijove.ephemeris import KernelError

        targets = list(dict.fromkeys(Path(os.path.abspath(Path(p).expanduser())) for p in given))
        if not targets:
            return False
        layered = {Path(p) for p in self.loaded()}
        for t in targets:
            if t not in layered:
                raise KernelError(f"{t}: not loaded")
        keep = {m for g, members in self.kernels.groups() if g not in targets for m in members}
        if not any(f.kind == "LSK" for f in self.kernels.files if f.path in keep):
            raise KernelError(
                "unloading that would leave no leap seconds kernel (LSK), which every time shown needs: "
                "load another first"
            )
        for t in targets:
            self.kernels.unload(t)
        before = self.clock.et
        self._update_bounds()
        moved = self.clock.et != before
        if moved:  # its time went with the data: open as a start on what is left would
            self._open_on_first_flyby()
        self.kernels_changed.emit()
        return moved

    def kernel_paths(self) -> list[str]:
        """The user's own files (what the settings keep): not the embedded or the fetched set, which
        load at every start anyway (kept here, a set given up with 'kernels use none' came back)."""
        return [str(f.path) for f in self.kernels.files if not (f.default or f.fetched)]

    def spacecraft_windows(self):
        return self.eph.covered(SPACECRAFT)

    def _open_on_first_flyby(self) -> None:
        """Start five minutes before the first Io flyby, in the flyby camera: Io's day side, with
        Juno about to enter the frame and sweep past (from Juno itself, Io would be a night-side disc).
        Data without an Io flyby open on the first flyby of another moon (Juno's 2022 data: Europa),
        and data without any on Jupiter, in the orbit camera.

        Direct queries of a few milliseconds each: the full event search runs once, in the window's
        child process, never here on the GUI thread.
        """
        from perijove.ephemeris import PerijoveError
        from perijove.ephemeris.approach import first_close_approach
        from perijove.ephemeris.windows import intersect

        first: tuple[float, int] | None = None
        for moon in MOONS:  # Io first: its flybys are the picture this application is for
            try:
                window = intersect(self.spacecraft_windows(), self.eph.covered(moon))
                if not window:
                    continue
                stop = min(window[0].stop, window[0].start + 120 * 86400)
                found = first_close_approach(self.eph, SPACECRAFT, moon, window[0].start, stop, within_km=20_000)
            except PerijoveError:
                continue
            if found is not None and (first is None or found[0] < first[0]):
                first = (found[0], moon)
            if first is not None and first[1] == IO:
                break
        if first is None:
            self.set_camera(CameraIntent())  # the orbit camera around Jupiter, Juno's path in sight
            return
        et, moon = first
        self.clock.set_et(et - OPEN_BEFORE_FLYBY_S)
        self.set_camera(CameraIntent(mode="flyby", target=body_name(moon), encounter_et=et))

    def _update_bounds(self, initial: bool = False) -> None:
        windows = self.spacecraft_windows() or self.eph.covered(501) or self.eph.covered(599)
        if not windows:
            return
        start, stop = windows[0].start, windows[-1].stop
        self.clock.set_bounds(start, stop)
        self.timeline.set_bounds(start, stop)
        if initial:
            self.clock.set_et(start)

    def use_cached_maps(self, cache=None) -> dict[str, str]:
        """Use fetched global maps (the ``maps`` set) in place of the procedural ones."""
        from perijove.ephemeris.download import cached_maps

        maps = {**cached_maps(cache), **self.display.maps}
        self.set_display(self.display.with_(maps=maps))
        return maps

    # -- camera and display ------------------------------------------------------------------
    def min_distance_km(self, intent: CameraIntent) -> float:
        """How close the camera may come to what it circles: never inside or on a body."""
        if intent.mode == "follow":
            return MIN_DISTANCE_KM
        from perijove.ephemeris import PerijoveError, radii

        try:
            return max(float(max(radii(intent.target))) * (1.0 + SURFACE_MARGIN), MIN_DISTANCE_KM)
        except (PerijoveError, ValueError):
            return MIN_DISTANCE_KM  # a body without radii (the spacecraft)

    def set_camera(self, intent: CameraIntent) -> None:
        if intent.distance_km is not None:
            clamped = min(max(intent.distance_km, self.min_distance_km(intent)), MAX_DISTANCE_KM)
            intent = intent.with_(distance_km=clamped)
        if intent != self.camera:
            self.camera = intent
            self.camera_changed.emit(intent)

    def set_display(self, display: DisplayOptions) -> None:
        if display != self.display:
            self.display = display
            self.display_changed.emit(display)

    # -- comparison with another kernel set ---------------------------------------------------
    def set_ghost(self, track) -> None:
        self.ghost = track
        self.ghost_changed.emit(track)

    def ghost_offset_km(self, et: float | None = None) -> float | None:
        """Distance between the spacecraft here and in the compared set at ``et`` (None: no data)."""
        from perijove.ephemeris import PerijoveError

        et = self.clock.et if et is None else et
        if self.ghost is None:
            return None
        other = self.ghost.position(et)
        if other is None:
            return None
        try:
            here = self.eph.position(SPACECRAFT, et, 599)
        except PerijoveError:
            return None
        return float(sum((a - b) ** 2 for a, b in zip(here, other, strict=True)) ** 0.5)

    # -- events ------------------------------------------------------------------------------
    def set_events(self, events: list[Event]) -> None:
        self.events = sorted(events, key=lambda e: e.et)
        self.events_changed.emit(self.events)

    def _jumpable(self) -> list[Event]:
        return [e for e in self.events if e.kind in self.jump_kinds] if self.jump_kinds else self.events

    def next_event(self, after: float | None = None) -> Event | None:
        et = self.clock.et if after is None else after
        events = self._jumpable()
        i = bisect.bisect_right([e.et for e in events], et + 1e-3)
        return events[i] if i < len(events) else None

    def previous_event(self, before: float | None = None) -> Event | None:
        et = self.clock.et if before is None else before
        events = self._jumpable()
        i = bisect.bisect_left([e.et for e in events], et - 1e-3)
        return events[i - 1] if i > 0 else None

    def jump_to(self, event: Event) -> None:
        """Set the clock to an event and turn the camera to its body.

        The user's camera mode and field of view stay; only the target changes (and the
        distance, which is reframed for the new body). The view from a body that is the event's
        own body becomes the view from the spacecraft.
        """
        self.clock.set_et(event.et)
        self.timeline.focus(event.et, event.end_et)
        body = event.body.upper()
        c = self.camera
        if c.mode == "follow":
            return  # the camera circles the spacecraft, which is at the event
        if c.mode == "from":
            source = c.from_body if (c.from_body or "").upper() != body else "JUNO"
            self.set_camera(c.with_(target=body, from_body=source, distance_km=None))
        else:
            self.set_camera(c.with_(target=body, distance_km=None))
