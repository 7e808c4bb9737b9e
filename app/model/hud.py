"""The numbers a heads-up display (or an export's sidecar table) shows, all from SPICE.

Computed for the spacecraft relative to the camera's target body at one ET.
Values that SPICE cannot give at that time (no data) are ``None``, never a
guess, and the provenance of the loaded ephemeris is always included.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from perijove.ephemeris import PerijoveError, display_name, et_to_tdb, et_to_utc
from perijove.ephemeris.bodies import SPACECRAFT, body_id
from perijove.ephemeris.geometry import Ephemeris
from perijove.ephemeris.provenance import body_provenance, describe

FIELDS = (
    "utc",
    "tdb",
    "et",
    "target",
    "distance_km",
    "altitude_km",
    "speed_km_s",
    "lat_deg",
    "lon_deg",
    "phase_deg",
    "earth_light_time_s",
    "provenance",
    "note",
)


def measured_target(intent) -> str:
    """The body the HUD and a movie's overlay measure the spacecraft against.

    The camera's target, whatever the camera mode (following Juno past Io measures to Io); when
    the target is the spacecraft itself, Jupiter.
    """
    target = str(intent.target).upper()
    return "JUPITER" if target in ("JUNO", str(SPACECRAFT)) else target


def hud_values(eph: Ephemeris, et: float, target: str | int, spacecraft: str | int = SPACECRAFT) -> dict[str, Any]:
    tid, sid = body_id(target), body_id(spacecraft)
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    values.update(
        utc=et_to_utc(et, 3),
        tdb=et_to_tdb(et, 3),
        et=et,
        target=display_name(tid),
        provenance=describe(body_provenance(eph.kernels, (sid, tid) if tid != sid else (sid,), et)),
    )
    covered = eph.covered(sid)
    if not any(w.start <= et <= w.stop for w in covered):
        span = f"{et_to_utc(covered[0].start, 0)} .. {et_to_utc(covered[-1].stop, 0)}" if covered else "none"
        values["note"] = f"No {display_name(sid)} data at this time: not drawn (data: {span})"
    if tid == sid:
        return values
    try:
        state = eph.state(sid, et, tid)
        values["distance_km"] = float(np.linalg.norm(state[:3]))
        values["speed_km_s"] = float(np.linalg.norm(state[3:]))
        sub = eph.subpoint(tid, et, sid)
        values["altitude_km"] = float(sub.altitude_km)
        values["lat_deg"], values["lon_deg"] = float(sub.lat_deg), float(sub.lon_deg)
        light = eph.illumination(tid, et, sid, sub=sub)
        values["phase_deg"] = float(light.phase_deg)
        values["incidence_deg"] = float(light.incidence_deg)  # the night-side note; in the JSON sidecar, not the CSV
    except PerijoveError:
        pass
    with contextlib.suppress(PerijoveError):  # no Earth or spacecraft data: the field stays empty
        values["earth_light_time_s"] = float(eph.earth_range(et, sid)[1])
    return values


def format_hud(values: dict[str, Any], compact: bool = False) -> list[str]:
    """Lines for people, with units; missing values say so.

    ``compact``: the same numbers a flyby is read by (time, target, distance, altitude, speed,
    phase, data) in four rows, for a view too short for ten: in the smallest window with the plots
    open the full HUD covered more than half of it. TDB, the sub-spacecraft point and the light
    time are left out there; a taller view shows them again.
    """

    def num(key: str, fmt: str, unit: str) -> str:
        v = values.get(key)
        if v is None:
            return "—"
        return f"{format(v, fmt)}{unit}" if unit.startswith("°") else f"{format(v, fmt)} {unit}"

    lt = values.get("earth_light_time_s")
    # From the spacecraft over the dark side the view is nearly black; said, so it does not look broken.
    night = ", on the night side" if (values.get("incidence_deg") or 0.0) > 90.0 else ""
    if compact:
        return [
            f"UTC {values['utc']}",
            f"{values['target']}: distance {num('distance_km', ',.1f', 'km')},"
            f" altitude {num('altitude_km', ',.1f', 'km')}",
            f"Speed {num('speed_km_s', '.3f', 'km/s')}, solar phase {num('phase_deg', '.1f', '°')}{night}",
            f"Data: {values['provenance']}",
            *([values["note"]] if values.get("note") else []),
        ]
    return [
        f"UTC {values['utc']}",
        f"TDB {values['tdb']}",
        f"Target {values['target']}",
        f"Distance {num('distance_km', ',.1f', 'km')}",
        f"Altitude {num('altitude_km', ',.1f', 'km')}",
        f"Speed {num('speed_km_s', '.3f', 'km/s')}",
        f"Sub-spacecraft {num('lat_deg', '+.2f', '°')} lat, {num('lon_deg', '.2f', '° E')}",
        f"Solar phase {num('phase_deg', '.1f', '°')} at the sub-spacecraft point{night}",
        f"Earth light time {'—' if lt is None else f'{lt / 60:.2f} min'}",
        f"Data: {values['provenance']}",
        *([values["note"]] if values.get("note") else []),
    ]
