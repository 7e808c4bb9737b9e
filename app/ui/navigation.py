"""Which camera a command means: camera modes, targets, and the flyby that G and the flyby camera pick.

Pure choices over the session's state (no widgets), so the keys, the View panel and the menus
ask the same questions and get the same camera.
"""

from __future__ import annotations

from perijove.ephemeris.bodies import is_spacecraft
from perijove.model.camera import CameraIntent
from perijove.model.session import Session

FLYBY_HALF_SPAN_S = 1800.0  # a flyby is shown from half an hour before to half an hour after
FLYBY_PLAY_S = 30.0  # ...in about this many seconds of playback or movie
SELF_VIEW = "the camera cannot look at a body from itself"


def flyby_camera(camera: CameraIntent, event) -> CameraIntent:
    """The flyby camera for a found flyby event: its closest approach, framed from the lit side."""
    return camera.with_(
        mode="flyby",
        target=event.body.upper(),
        from_body=None,
        distance_km=None,
        encounter_et=event.et,
        pan_km=(0.0, 0.0, 0.0),
    )


def check_bodies(camera: CameraIntent) -> None:
    """PerijoveError when the camera looks at, or stands on, a body the loaded kernels do not know
    (a stored camera or a bookmark from kernels since unloaded)."""
    from perijove.ephemeris import body_id

    for body in (camera.target, camera.from_body):
        if body is not None:
            body_id(body)


def go_to_event(session: Session, event) -> None:
    """Go to ``event``, the one way the timeline, the event list and N/P share: the clock on it, the
    timeline zoomed onto it, the camera turned to its body (``Session.jump_to``). A flyby is shown by
    the flyby camera on that encounter. The flyby camera's viewpoint is fixed over one encounter, so
    another event reached from it would show its body at the frame's edge, or not at all: the orbit
    camera frames that body instead, from its day side."""
    session.jump_to(event)
    if event.kind == "flyby":
        session.set_camera(flyby_camera(session.camera, event))
    elif session.camera.mode == "flyby":
        session.set_camera(mode_camera(session, "orbit"))


def flyby_near(session: Session, body: str):
    """The found flyby of ``body`` nearest the clock, or None."""
    flybys = [e for e in session.events if e.kind == "flyby" and e.body.upper() == body.upper()]
    et = session.clock.et
    return min(flybys, key=lambda e: abs(e.et - et), default=None)


def far_from_flyby(session: Session) -> str | None:
    """What the flyby camera shows away from any flyby of its target, said (None within one's hour):
    it frames the closest pass within two days, often millions of km out, its body at the edge."""
    c = session.camera
    flyby = flyby_near(session, c.target)
    if flyby is None or abs(flyby.et - session.clock.et) <= FLYBY_HALF_SPAN_S:
        return None
    return (
        f"No {flyby.body} flyby in this hour: the flyby camera frames the closest pass near the clock. "
        f"The nearest {flyby.body} flyby is {flyby.utc[:19]} UTC (G goes to the next flyby)"
    )


def nearest_flyby(session: Session):
    """The found flyby (of any body) nearest the clock, or None."""
    et = session.clock.et
    return min((e for e in session.events if e.kind == "flyby"), key=lambda e: abs(e.et - et), default=None)


def next_flyby(session: Session, after: float | None = None):
    """The next flyby after ``after`` (the clock), else the first one; None when there are none."""
    flybys = [e for e in session.events if e.kind == "flyby"]
    if not flybys:
        return None
    et = session.clock.et if after is None else after
    later = [e for e in flybys if e.et > et + FLYBY_HALF_SPAN_S]
    return (later or flybys)[0]


def flyby_to_show(session: Session):
    """What G goes to: the flyby under way (the window opens just before one), unless the flyby
    camera already shows it; then the next one. None when no flyby is known (yet)."""
    flyby = next_flyby(session)
    et, camera = session.clock.et, session.camera
    current = [e for e in session.events if e.kind == "flyby" and abs(e.et - et) <= FLYBY_HALF_SPAN_S]
    if current and not (camera.mode == "flyby" and camera.encounter_et == current[0].et):
        flyby = current[0]
    return flyby


def mode_camera(session: Session, mode: str) -> CameraIntent:
    """The camera after choosing ``mode`` (keys 1-6, the View panel, the View menu)."""
    c = session.camera.with_(pan_km=(0.0, 0.0, 0.0), encounter_et=None)  # a pan belongs to its mode
    target = "IO" if is_spacecraft(c.target) else c.target
    if mode == "from":
        return c.with_(mode="from", from_body="JUNO", distance_km=None, target=target)
    if mode == "follow":
        return c.with_(mode="follow", from_body=None, distance_km=0.06)
    if mode == "flyby":
        flyby = flyby_near(session, target)
        if flyby is not None:
            return flyby_camera(session.camera, flyby)
        # no event list yet: the renderer finds the closest approach itself
        return c.with_(mode="flyby", from_body=None, distance_km=None, target=target)
    if mode == "junocam":
        return c.with_(mode="junocam", from_body=None, distance_km=None, target=target)
    # Leaving the spacecraft's neighbourhood: frame the target instead of keeping metres.
    distance = None if c.mode in ("follow", "flyby", "junocam") else c.distance_km
    if mode in ("orbit", "bodyfixed") and c.mode != mode:  # arrive on the day side, not wherever the angles were
        c = c.with_(**sunward_angles(session, target, body_fixed=mode == "bodyfixed"))
    return c.with_(mode=mode, from_body=None, distance_km=distance, target=target)


SUNWARD_OFFSET_DEG = 35.0  # seen this far round from the subsolar point: lit, with relief along the terminator


def sunward_angles(session: Session, target: str, body_fixed: bool = False) -> dict[str, float]:
    """Camera angles that put the camera over ``target``'s day side, 35° from the Sun's direction in
    azimuth: J2000 for the orbit camera, the target's own frame for the body-fixed one; the current
    angles when SPICE cannot say where the Sun is."""
    import math

    from perijove.ephemeris import PerijoveError

    try:
        sun = session.eph.sun_direction(target, session.clock.et, abcorr="NONE")
        if body_fixed:
            sun = session.eph.body_rotation(target, session.clock.et) @ sun  # J2000 -> the body's frame
        x, y, z = (float(v) for v in sun)
    except PerijoveError:
        return {}
    return {
        "azimuth_deg": (math.degrees(math.atan2(y, x)) + SUNWARD_OFFSET_DEG) % 360.0,
        "elevation_deg": math.degrees(math.asin(max(-1.0, min(1.0, z)))),
    }


def target_camera(session: Session, target: str) -> CameraIntent:
    """The camera looking at ``target``; ValueError when it would look at the body it stands on."""
    c = session.camera
    if c.mode == "from" and c.from_body == target:
        raise ValueError(SELF_VIEW)
    if c.mode == "flyby":
        flyby = flyby_near(session, target)
        encounter = flyby.et if flyby is not None else None
        return c.with_(target=target, distance_km=None, pan_km=(0.0, 0.0, 0.0), encounter_et=encounter)
    return c.with_(target=target, distance_km=None, pan_km=(0.0, 0.0, 0.0))


def from_camera(session: Session, body: str) -> CameraIntent:
    """The camera standing on ``body``; ValueError when that is the target."""
    c = session.camera
    if body == c.target:
        raise ValueError(SELF_VIEW)
    return c.with_(mode="from", from_body=body, distance_km=None)
