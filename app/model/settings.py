"""What the window remembers between runs, turned from stored text into checked state and back.

Settings files outlive versions and get edited by hand; a stored NaN time or a bookmark with a
string for its time once stopped the app from starting or left it on a black canvas. Every value
is checked here, and what fails is dropped and named (the window says so once), so start-up
always gets usable state. Nothing here imports Qt: the window passes the raw values in.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from perijove.model.camera import CameraIntent
from perijove.model.display import MAP_BODIES, MAP_LATITUDES, DisplayOptions, check_trail_days

# Display options that persist. The user's own maps persist under "maps" (``map_state``); fetched
# maps persist through the download cache, not here.
SAVED_DISPLAY = (
    "labels",
    "hud",
    "stars",
    "trajectory",
    "moon_orbits",
    "shadows",
    "trajectory_color",
    "procedural_maps",
    "trajectory_past_days",
    "trajectory_future_days",
)
TRAJECTORY_COLOURS = ("time", "distance")
MAX_RECENT = 10


@dataclass(frozen=True)
class Bookmark:
    name: str
    et: float
    camera: CameraIntent

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "et": self.et, "camera": intent_to_dict(self.camera)}


@dataclass
class StoredState:
    """Checked settings; ``None`` means "not stored (or dropped): use the default"."""

    kernels: list[str] = field(default_factory=list)
    camera: CameraIntent | None = None
    display: dict[str, Any] = field(default_factory=dict)
    rate: float | None = None
    et: float | None = None
    bookmarks: list[Bookmark] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)
    maps: dict[str, tuple[str, str]] = field(default_factory=dict)  # body -> (image path, latitude convention)
    jump_kinds: frozenset[str] | None = None  # what N / P step through (one of session.JUMP_CHOICES)
    notes: list[str] = field(default_factory=list)  # what was dropped and why, beyond unreadable keys
    repaired: list[str] = field(default_factory=list)  # keys partly dropped: to store again as checked


def intent_to_dict(intent: CameraIntent) -> dict[str, Any]:
    return asdict(intent)


def intent_from_dict(data: object) -> CameraIntent:
    """A camera intent from stored JSON; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("a camera must be a JSON object")
    known = {f.name for f in fields(CameraIntent)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown camera field(s) {', '.join(sorted(map(str, unknown)))}")
    values = dict(data)
    if "up" in values:
        if not isinstance(values["up"], (list, tuple)):
            raise ValueError("camera up vector must be a list of three numbers")
        values["up"] = tuple(values["up"])
    try:
        return CameraIntent(**values)
    except TypeError as err:
        raise ValueError(str(err)) from None


def _json(raw: object) -> object:
    if isinstance(raw, (bytes, bytearray)):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str):
        raise ValueError("not text")
    return json.loads(raw)


def _finite(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("not a number")
    value = float(raw)  # str or number; raises ValueError or TypeError
    if not math.isfinite(value):
        raise ValueError(f"{value} is not finite")
    return value


def _display(raw: object) -> dict[str, Any]:
    data = _json(raw)
    if not isinstance(data, dict):
        raise ValueError("display options must be a JSON object")
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SAVED_DISPLAY:
            continue  # an option of another version: ignore it quietly
        if key == "trajectory_color":
            if value not in TRAJECTORY_COLOURS:
                raise ValueError(f"trajectory colour {value!r}")
        elif key == "trajectory_past_days":
            check_trail_days("the trail", value)
        elif key == "trajectory_future_days":
            check_trail_days("the path ahead", value, minimum=0.0)
        elif not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        out[key] = value
    return out


def _bookmarks(raw: object) -> tuple[list[Bookmark], int]:
    """The usable bookmarks (all of them: none is dropped for being one too many), and how many were not."""
    data = _json(raw)
    if not isinstance(data, list):
        raise ValueError("bookmarks must be a JSON list")
    marks, dropped = [], 0
    for item in data:
        try:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise ValueError("a bookmark needs a name")
            marks.append(Bookmark(item["name"], _finite(item.get("et")), intent_from_dict(item.get("camera"))))
        except (TypeError, ValueError):
            dropped += 1
    return marks, dropped


def _paths(raw: object) -> list[str]:
    data = _json(raw)
    if not isinstance(data, list) or not all(isinstance(p, str) and p for p in data):
        raise ValueError("must be a JSON list of paths")
    return list(data)


def _jump_kinds(raw: object) -> frozenset[str]:
    from perijove.model.session import JUMP_CHOICES

    data = _json(raw)
    if not isinstance(data, list) or not all(isinstance(k, str) for k in data):
        raise ValueError("must be a JSON list of event kinds")
    kinds = frozenset(data)
    if kinds not in {c for _label, c in JUMP_CHOICES}:
        raise ValueError(f"{sorted(kinds)} is not a choice the event list offers")
    return kinds


def _maps(raw: object) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """The stored user maps whose files still exist, and a note for each one that is gone.

    A map file moved or deleted since the last run is dropped alone (the body gets its default
    map back) rather than failing every frame; a malformed entry makes the whole value unreadable.
    """
    import os

    data = _json(raw)
    if not isinstance(data, dict):
        raise ValueError("maps must be a JSON object")
    maps, notes = {}, []
    for body, entry in data.items():
        if body not in MAP_BODIES:
            raise ValueError(f"no body {body!r} takes a map")
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"]:
            raise ValueError(f"the {body} map needs a path")
        latitude = entry.get("latitude", "planetocentric")
        if latitude not in MAP_LATITUDES:
            raise ValueError(f"the {body} map's latitudes must be one of {', '.join(MAP_LATITUDES)}")
        if not os.path.isfile(entry["path"]):
            notes.append(f"The {body.capitalize()} map {entry['path']} is missing; using the default")
            continue
        maps[body] = (entry["path"], latitude)
    return maps, notes


def map_state(display: DisplayOptions, fetched: Mapping[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """The user's own maps in ``display`` (not the ``fetched`` ones, which the download cache keeps)."""
    fetched = fetched or {}
    return {
        body: (path, display.map_latitudes.get(body, "planetocentric"))
        for body, path in display.maps.items()
        if body in MAP_BODIES and fetched.get(body) != path
    }


def read_settings(raw: Mapping[str, object]) -> tuple[StoredState, list[str]]:
    """Checked state from stored values, and the names of the settings that were dropped."""
    state, dropped = StoredState(), []

    def take(key: str, parse) -> None:
        if raw.get(key) is None:
            return
        try:
            setattr(state, key, parse(raw[key]))
        except (TypeError, ValueError):
            dropped.append(key)

    take("kernels", _paths)
    take("recent", lambda r: _paths(r)[:MAX_RECENT])
    take("camera", lambda r: None if _json(r) is None else intent_from_dict(_json(r)))
    take("display", _display)
    take("et", _finite)

    def rate(r: object) -> float:
        value = _finite(r)
        if value == 0:
            raise ValueError("zero rate")
        return value

    take("rate", rate)
    take("jump_kinds", _jump_kinds)
    if raw.get("maps") is not None:
        try:
            state.maps, gone = _maps(raw["maps"])
            state.notes.extend(gone)
        except (TypeError, ValueError):
            dropped.append("maps")
    if raw.get("bookmarks") is not None:
        try:
            state.bookmarks, bad = _bookmarks(raw["bookmarks"])
            if bad:  # the good ones are written back at once (``repaired``), never held in memory only
                state.repaired.append("bookmarks")
                plural = "s" if bad > 1 else ""
                state.notes.append(
                    f"{bad} unreadable bookmark{plural} dropped from the settings, {len(state.bookmarks)} kept"
                )
        except (TypeError, ValueError):
            dropped.append("bookmarks")
    return state, dropped


def write_settings(state: StoredState) -> dict[str, object]:
    """Values to store, each one that ``read_settings`` reads back unchanged."""
    return {
        "kernels": json.dumps(state.kernels),
        "recent": json.dumps(state.recent[:MAX_RECENT]),
        "camera": json.dumps(intent_to_dict(state.camera)) if state.camera else "null",
        "display": json.dumps({k: v for k, v in state.display.items() if k in SAVED_DISPLAY}),
        "rate": repr(float(state.rate)) if state.rate is not None else None,
        "et": repr(float(state.et)) if state.et is not None else None,
        "bookmarks": json.dumps([b.to_dict() for b in state.bookmarks]),
        "maps": json.dumps({body: {"path": path, "latitude": lat} for body, (path, lat) in state.maps.items()}),
        "jump_kinds": json.dumps(sorted(state.jump_kinds)) if state.jump_kinds is not None else None,
    }


def display_state(display: DisplayOptions) -> dict[str, Any]:
    return {k: getattr(display, k) for k in SAVED_DISPLAY}


# The keys ``read_settings`` reads (the window's geometry and dock layout are Qt's own, stored beside them).
SETTINGS_KEYS = ("kernels", "recent", "camera", "display", "rate", "et", "bookmarks", "maps", "jump_kinds")


def with_recent(recent: list[str], paths: list[str]) -> list[str]:
    """``paths`` first, then the older recent files, at most ``MAX_RECENT``."""
    return (list(paths) + [p for p in recent if p not in paths])[:MAX_RECENT]


def session_state(
    session: Any, bookmarks: list[Bookmark], recent: list[str], fetched: Mapping[str, str]
) -> StoredState:
    """What a session leaves to the next run: kernels, camera, layers, rate, time, the user's maps, and
    what N / P step through."""
    return StoredState(
        kernels=session.kernel_paths(),
        camera=session.camera,
        display=display_state(session.display),
        rate=session.clock.rate,
        et=session.clock.et,
        bookmarks=list(bookmarks),
        maps=map_state(session.display, fetched),
        recent=list(recent),
        jump_kinds=session.jump_kinds,
    )


def settings_file() -> str:
    """The window's settings file (INI), in the platform's per-user config folder (platformdirs).

    On Linux this is ``~/.config/Perijove/Perijove.conf`` (or under ``$XDG_CONFIG_HOME``), the
    file Qt's native settings used, so existing settings carry over; on macOS and Windows the
    same INI format replaces the plist and the registry, so a settings file reads the same everywhere.
    """
    import os

    from platformdirs import user_config_dir

    return os.path.join(user_config_dir("Perijove", appauthor=False, roaming=True), "Perijove.conf")
