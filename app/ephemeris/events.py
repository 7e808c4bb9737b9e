"""Events of a flyby mission found with SPICE's geometry finder.

Perijoves, apojoves, moon flybys, moons eclipsed by Jupiter and the
spacecraft in Jupiter's shadow are what a timeline ticks and an event list
jumps to. Each search uses the GF routines (``gfdist``, ``gfoclt``), whose
convergence tolerance (1 µs by default) keeps event times far better than
the millisecond we promise. Searches run one (kind, body) at a time so a
caller can show progress and cancel between them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import spiceypy

from perijove.ephemeris.bodies import (
    EARTH,
    JUPITER,
    MOONS,
    SPACECRAFT,
    SUN,
    Body,
    body_frame,
    body_id,
    display_name,
)
from perijove.ephemeris.errors import CoverageError, PerijoveError, QueryError, spice_errors
from perijove.ephemeris.geometry import Ephemeris, _fmt_windows
from perijove.ephemeris.provenance import body_provenance
from perijove.ephemeris.timeconv import et_to_utc
from perijove.ephemeris.windows import Window, intersect

KINDS = ("perijove", "apojove", "flyby", "eclipse", "shadow", "transit", "shadow-transit")
MOON_KINDS = ("flyby", "eclipse", "transit", "shadow-transit")  # searched once per moon
OBSERVERS = {"earth": EARTH, "juno": SPACECRAFT}
DEFAULT_FLYBY_KM = 100_000.0
_MAX_INTERVALS = 100_000
_RJ = 71_492.0
_LT_MARGIN = 3600.0  # light time from the Sun (~45 min at Jupiter): the Sun is needed that much earlier
# A search runs this far beyond the requested window, so an event that the window cuts gets the
# same start and end as in the whole search; longer intervals touching the padded edge are marked cut.
_PAD = 2 * 86400.0
_TOUCH = 1e-6  # seconds: an interval edge this close to a search edge was cut by it


_NEEDS: dict[str, Callable[[int], tuple[int, ...]]] = {
    "perijove": lambda body: (JUPITER,),
    "apojove": lambda body: (JUPITER,),
    "flyby": lambda body: (body,),
    "eclipse": lambda body: (body, JUPITER, SUN),
    "shadow": lambda body: (JUPITER, SUN),
    "transit": lambda body: (body, JUPITER),
    "shadow-transit": lambda body: (body, JUPITER, SUN),
}


class Cancelled(PerijoveError):
    """The caller asked the search to stop."""


@dataclass(frozen=True)
class Event:
    """One event, with the spacecraft's geometry relative to ``body`` at ``et``."""

    kind: str
    body: str
    et: float
    utc: str
    distance_km: float
    altitude_km: float
    speed_km_s: float
    lat_deg: float
    lon_deg: float
    end_et: float | None = None  # intervals (eclipse, shadow) end here
    # The interval began before, or ends after, the data searched (a coverage edge): ``et`` or
    # ``end_et`` is then that edge, not the event's start or end, which are unknown.
    start_cut: bool = False
    end_cut: bool = False
    # Which kind of data supplies each body's state at ``et``: ("Juno", "predicted"), ...
    provenance: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping; missing geometry becomes ``None``."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "body": self.body,
            "utc": self.utc,
            "et": self.et,
            "distance_km": _num(self.distance_km),
            "altitude_km": _num(self.altitude_km),
            "speed_km_s": _num(self.speed_km_s),
            "lat_deg": _num(self.lat_deg),
            "lon_deg": _num(self.lon_deg),
            "provenance": dict(self.provenance),
        }
        if self.end_et is not None:
            out["end_utc"] = et_to_utc(self.end_et, 3)
            out["end_et"] = self.end_et
            out["duration_s"] = None if self.start_cut or self.end_cut else self.end_et - self.et
            out["start_cut"] = self.start_cut
            out["end_cut"] = self.end_cut
        return out


def _num(value: float) -> float | None:
    return None if not math.isfinite(value) else float(value)


@dataclass
class EventReport:
    """Events in time order, and notes on what could not be searched."""

    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    window: tuple[Window, ...] = ()
    searched: int = 0  # searches run (kind, body): none means an empty list says nothing


ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


def _cell(windows: Iterable[Window]) -> spiceypy.utils.support_types.SpiceCell:
    cell = spiceypy.cell_double(2 * _MAX_INTERVALS)
    for w in windows:
        spiceypy.wninsd(w.start, w.stop, cell)
    return cell


def _windows(cell: spiceypy.utils.support_types.SpiceCell) -> list[Window]:
    return [Window(*spiceypy.wnfetd(cell, i)) for i in range(spiceypy.wncard(cell))]


class EventFinder:
    """Runs event searches over one ``Ephemeris`` for one spacecraft."""

    def __init__(
        self,
        ephemeris: Ephemeris,
        spacecraft: Body = SPACECRAFT,
        flyby_km: float = DEFAULT_FLYBY_KM,
        observer: Body = EARTH,
    ) -> None:
        self.eph = ephemeris
        self.sc = body_id(spacecraft)
        self.flyby_km = float(flyby_km)
        self.observer = body_id(observer)  # who sees a transit

    # -- geometry searches -----------------------------------------------------------
    def _distance(self, target: int, relate: str, refval: float, step: float, window: Sequence[Window]) -> list[Window]:
        result = spiceypy.cell_double(2 * _MAX_INTERVALS)
        with spice_errors(f"distance search {display_name(self.sc)}–{display_name(target)}"):
            spiceypy.gfdist(
                str(target),
                "NONE",
                str(self.sc),
                relate,
                refval,
                0.0,
                step,
                _MAX_INTERVALS,
                _cell(window),
                result,
            )
        return _windows(result)

    def lt_window(self, window: Sequence[Window]) -> tuple[Window, ...]:
        """Where an occultation of the Sun can be computed with light time: ``window`` less the
        first hour of the Sun's and Jupiter's data (the observer is needed only at each instant)."""
        sources = intersect(self.eph.covered(SUN), self.eph.covered(JUPITER))
        usable = [Window(w.start + _LT_MARGIN, w.stop) for w in sources if w.stop - w.start > _LT_MARGIN]
        return intersect(window, usable)

    def _occultation(self, observer: int, step: float, window: Sequence[Window]) -> list[Window]:
        """Any part of the Sun hidden by Jupiter, seen from ``observer`` (light time corrected)."""
        return self._in_front(JUPITER, SUN, observer, "LT", step, self.lt_window(window), "shadow search")

    def _in_front(
        self, front: int, back: int, observer: int, abcorr: str, step: float, window: Sequence[Window], what: str
    ) -> list[Window]:
        """SPICE's occultation finder: intervals when any part of ``front`` covers ``back``."""
        if not window:
            return []
        result = spiceypy.cell_double(2 * _MAX_INTERVALS)
        with spice_errors(f"{what} for {display_name(observer)}"):
            spiceypy.gfoclt(
                "ANY",
                str(front),
                "ELLIPSOID",
                body_frame(front),
                str(back),
                "ELLIPSOID",
                body_frame(back),
                abcorr,
                str(observer),
                step,
                _cell(window),
                result,
            )
        return _windows(result)

    def extrema(self, kind: str, window: Sequence[Window]) -> list[float]:
        """ETs of perijoves (``LOCMIN``) or apojoves (``LOCMAX``) about Jupiter."""
        relate = "LOCMIN" if kind == "perijove" else "LOCMAX"
        return [w.start for w in self._distance(JUPITER, relate, 0.0, 3600.0, window)]

    def flybys(self, moon: int, window: Sequence[Window]) -> list[float]:
        """ETs of closest approaches to ``moon`` closer than the flyby threshold."""
        near = self._distance(moon, "<", self.flyby_km, 300.0, window)
        if not near:
            return []
        return [w.start for w in self._distance(moon, "LOCMIN", 0.0, 60.0, near)]

    def eclipses(self, moon: int, window: Sequence[Window]) -> list[Window]:
        """Intervals when any part of the Sun is hidden by Jupiter, seen from the moon's centre."""
        return self._occultation(moon, 300.0, window)

    def in_front_of_jupiter(self, moon: int, observer: int, abcorr: str, window: Sequence[Window]) -> list[Window]:
        """Intervals when any part of ``moon`` is in front of Jupiter's disc, seen from ``observer``."""
        window = self.lt_window(window) if abcorr != "NONE" else tuple(window)
        # A transit lasts hours; the gap between two is a day or more: a 300 s step finds them all.
        return self._in_front(moon, JUPITER, observer, abcorr, 300.0, window, f"{display_name(moon)} transit search")

    def transits(self, moon: int, window: Sequence[Window]) -> list[Window]:
        """``moon`` crossing Jupiter's disc, seen from the finder's observer (light time corrected)."""
        return self.in_front_of_jupiter(moon, self.observer, "LT", window)

    def shadow_transits(self, moon: int, window: Sequence[Window]) -> list[Window]:
        """``moon``'s shadow on Jupiter's cloud tops: the moon in front of Jupiter seen from the Sun.

        Geometric (no light-time correction): sunlight passes the moon about a second before it
        reaches Jupiter, and aberration from Jupiter's motion shifts the shadow by a few seconds.
        """
        return self.in_front_of_jupiter(moon, SUN, "NONE", window)

    def shadows(self, window: Sequence[Window]) -> list[Window]:
        """Intervals when the spacecraft sees any part of the Sun hidden by Jupiter."""
        near = self._distance(JUPITER, "<", 10 * _RJ, 3600.0, window)
        far = intersect(window, _complement(near, window))
        found = self._occultation(self.sc, 30.0, near) if near else []
        found += self._occultation(self.sc, 600.0, far) if far else []
        return list(_join(found))  # a passage across the near/far boundary is one passage

    # -- events --------------------------------------------------------------------------
    def event(
        self, kind: str, body: int, et: float, end_et: float | None = None, cut: tuple[bool, bool] = (False, False)
    ) -> Event:
        """An ``Event`` with the spacecraft's geometry relative to ``body`` at ``et``."""
        try:
            state = self.eph.state(self.sc, et, body)
            sub = self.eph.subpoint(body, et, self.sc)
            geo = (
                float(np.linalg.norm(state[:3])),
                float(sub.altitude_km),
                float(np.linalg.norm(state[3:])),
                float(sub.lat_deg),
                float(sub.lon_deg),
            )
        except (CoverageError, QueryError):
            geo = (math.nan,) * 5
        sources = body_provenance(self.eph.kernels, (self.sc, body), et)
        return Event(
            kind,
            display_name(body),
            et,
            et_to_utc(et, 3),
            *geo,
            end_et=end_et,
            start_cut=cut[0],
            end_cut=cut[1],
            provenance=tuple(sources.items()),
        )

    def search_window(self, bodies: Iterable[int], start: float | None, stop: float | None) -> tuple[Window, ...]:
        """Where the spacecraft and ``bodies`` all have data, clipped to [start, stop]."""
        window: tuple[Window, ...] = self.eph.covered(self.sc)
        if not window:
            raise CoverageError(f"no ephemeris is loaded for {display_name(self.sc)}")
        for b in bodies:
            window = intersect(window, self.eph.covered(b))
        lo = -math.inf if start is None else start
        hi = math.inf if stop is None else stop
        if lo >= hi:
            raise QueryError("the search start must be before its stop")
        return intersect(window, [Window(lo, hi)])

    def find(
        self,
        kinds: Iterable[str] = KINDS,
        moons: Iterable[Body] = MOONS,
        start: float | None = None,
        stop: float | None = None,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> EventReport:
        """Search every requested kind; moons without data are noted and skipped."""
        kinds = tuple(kinds)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise QueryError(f"unknown event kind {unknown[0]!r}; use one of {', '.join(KINDS)}")
        moon_ids = [body_id(m) for m in moons]
        tasks: list[tuple[str, int]] = []
        for kind in kinds:
            if kind in MOON_KINDS:
                tasks += [(kind, m) for m in moon_ids]
            else:
                tasks.append((kind, JUPITER))
        report = EventReport()
        whole = self.search_window([], start, stop)
        if not whole:
            raise CoverageError(
                f"no {display_name(self.sc)} data in the requested time range; loaded data cover "
                f"{_fmt_windows(self.eph.covered(self.sc))}"
            )
        report.window = whole
        for i, (kind, body) in enumerate(tasks):
            if cancel is not None and cancel():
                raise Cancelled("event search cancelled")
            if progress is not None:
                progress(i / len(tasks), f"{kind} {display_name(body)}")
            needs = _NEEDS[kind](body) + ((self.observer,) if kind == "transit" else ())
            missing = [b for b in needs if not self.eph.covered(b)]
            if missing:
                report.notes.append(
                    f"no ephemeris for {display_name(missing[0])}: {kind} search for {display_name(body)} skipped"
                )
                continue
            if not self.search_window(needs, start, stop):
                report.notes.append(f"no {display_name(body)} data in the range: {kind} search skipped")
                continue
            lo = -math.inf if start is None else start
            hi = math.inf if stop is None else stop
            padded = self.search_window(needs, lo - _PAD, hi + _PAD)
            report.events += [e for e in self._search(kind, body, padded) if _overlaps(e, lo, hi)]
            report.searched += 1
        if progress is not None:
            progress(1.0, "done")
        report.events.sort(key=lambda e: (e.et, e.kind, e.body))
        return report

    def _search(self, kind: str, body: int, window: Sequence[Window]) -> list[Event]:
        if kind in ("perijove", "apojove"):
            return [self.event(kind, JUPITER, et) for et in self.extrema(kind, window)]
        if kind == "flyby":
            return [self.event(kind, body, et) for et in self.flybys(body, window)]
        if kind == "eclipse":
            found, searched = self.eclipses(body, window), self.lt_window(window)
        elif kind == "transit":
            found, searched = self.transits(body, window), self.lt_window(window)
        elif kind == "shadow-transit":
            found, searched = self.shadow_transits(body, window), window
        else:
            found, searched, body = self.shadows(window), self.lt_window(window), JUPITER
        return [self.event(kind, body, w.start, w.stop, _cut(w, searched)) for w in found]


def _join(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Merge intervals that touch (searched in adjacent pieces) or overlap."""
    out: list[Window] = []
    for w in sorted(windows):
        if out and w.start <= out[-1].stop + _TOUCH:
            out[-1] = Window(out[-1].start, max(out[-1].stop, w.stop))
        else:
            out.append(Window(*w))
    return tuple(out)


def _cut(interval: Window, searched: Sequence[Window]) -> tuple[bool, bool]:
    """Whether the interval's start / end is only the edge of the data searched."""
    edges = [edge for w in _join(searched) for edge in w]
    return (
        any(abs(interval.start - e) <= _TOUCH for e in edges),
        any(abs(interval.stop - e) <= _TOUCH for e in edges),
    )


def _overlaps(event: Event, lo: float, hi: float) -> bool:
    """Instants inside [lo, hi]; intervals that share any time with it."""
    end = event.et if event.end_et is None else event.end_et
    return end >= lo and event.et <= hi


def _complement(inner: Sequence[Window], outer: Sequence[Window]) -> list[Window]:
    out: list[Window] = []
    for o in outer:
        cursor = o.start
        for w in inner:
            if w.stop <= o.start or w.start >= o.stop:
                continue
            if w.start > cursor:
                out.append(Window(cursor, w.start))
            cursor = max(cursor, w.stop)
        if cursor < o.stop:
            out.append(Window(cursor, o.stop))
    return out


def find_events(
    ephemeris: Ephemeris,
    kinds: Iterable[str] = KINDS,
    moons: Iterable[Body] = MOONS,
    start: float | None = None,
    stop: float | None = None,
    *,
    spacecraft: Body = SPACECRAFT,
    flyby_km: float = DEFAULT_FLYBY_KM,
    observer: Body = EARTH,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> EventReport:
    """Find events of ``kinds`` in [start, stop] (ET), limited to where data exist.

    ``observer`` is who sees a ``transit`` (Earth by default, or the spacecraft).
    """
    finder = EventFinder(ephemeris, spacecraft, flyby_km, observer)
    return finder.find(kinds, moons, start, stop, progress, cancel)
