"""The ``perijove`` command: the same data and queries as the window, headless.

Every failure a user can cause ends as one line on stderr and exit status 2;
only a bug in Perijove itself may print more (and only with PERIJOVE_DEBUG).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from perijove import __version__

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every other error
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _finite(text: str) -> float:
    """A number argument: nan and inf are typos or bugs upstream, never a distance or a speed."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def _given(text: str) -> str:
    """A text argument that must say something: an empty one (``--start ''``, a stray ``,``) was taken
    as "not given" and the command went on without it."""
    if not text.replace(",", " ").strip():
        raise argparse.ArgumentTypeError("empty value")
    return text


DEFAULT_VIDEO_SECONDS = 10  # export without --frames or --speed: a clip this long at --fps


def _add_kernels(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kernels",
        nargs="+",
        default=[],
        metavar="PATH",
        help="kernel files or metakernels, layered over the defaults in this order",
    )
    p.add_argument("--no-defaults", action="store_true", help="do not load the embedded default kernel set")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perijove", description="Juno's flybys of Jupiter and Io, from SPICE.")
    parser.add_argument("--version", action="store_true", help="print the version (with -v: the OpenGL in use too)")
    parser.add_argument("-v", "--verbose", action="store_true", help="with --version: also the OpenGL in use")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    kernels = sub.add_parser("kernels", help="inspect kernel sets")
    ksub = kernels.add_subparsers(dest="kernels_command", parser_class=_Parser)
    info = ksub.add_parser("info", help="what is loaded: file, type, bodies, coverage, provenance")
    _add_kernels(info)
    info.add_argument("--format", choices=("table", "json"), default="table")

    fetch = ksub.add_parser("fetch", help="download an official kernel set into the cache and use it")
    fetch.add_argument("--set", default="juno-io-flybys", help="which set (default juno-io-flybys; or maps)")
    fetch.add_argument("--base-url", type=_given, metavar="URL", help="a mirror with the server's directory layout")
    fetch.add_argument("--cache", type=_given, metavar="DIR", help="cache folder (default: the user's data folder)")
    fetch.add_argument("--offline", action="store_true", help="use only what is cached")
    for flag, which, default in (("--start", "first", "2023-12-01"), ("--stop", "last", "2024-02-29")):
        fetch.add_argument(
            flag, type=_given, metavar="DATE", help=f"{which} date the trajectory must cover (default {default})"
        )
    fetch.add_argument("--no-use", action="store_true", help="download only; do not make it the active set")
    listing = ksub.add_parser("list", help="the sets, their files, sizes, and what is cached")
    listing.add_argument("--cache", metavar="DIR")
    clear = ksub.add_parser(
        "clear-cache", help="delete the downloaded files (only those the cache's registry lists; nothing else)"
    )
    clear.add_argument("--cache", metavar="DIR")
    use = ksub.add_parser("use", help="choose the fetched set every command and the window load (or none)")
    use.add_argument("name", metavar="SET|none")
    use.add_argument("--cache", metavar="DIR")
    synth = ksub.add_parser("synthesize", help="write the synthetic default kernel set (the embedded one)")
    synth.add_argument(
        "--out", default="synthetic-kernels", metavar="DIR", help="folder to write into (default: ./synthetic-kernels)"
    )
    synth.add_argument(
        "--retarget",
        action="store_true",
        help="solve for Juno's trajectory again instead of using the stored solution (about a minute)",
    )
    synth.add_argument(
        "--overwrite", action="store_true", help="replace files in DIR that an earlier run did not write"
    )
    synth.add_argument(
        "--de440",
        metavar="PATH",
        help="JPL DE440 SPK to cut the 2020-2027 planets excerpt from (default: reuse the excerpt in --out"
        " or in the embedded set)",
    )

    from perijove.ephemeris.events import DEFAULT_FLYBY_KM, KINDS

    events = sub.add_parser(
        "events", help="perijoves, apojoves, flybys, eclipses, shadow passages, transits, shadow transits"
    )
    _add_kernels(events)
    events.add_argument(
        "--kind",
        action="append",
        type=_given,
        default=None,
        metavar="KIND",
        help=f"one of {', '.join(KINDS)}, all (default); repeat or comma-separate",
    )
    events.add_argument(
        "--body",
        action="append",
        type=_given,
        default=None,
        metavar="MOON",
        help="io, europa, ganymede, callisto (default: all four); limits flybys, eclipses and transits",
    )
    events.add_argument(
        "--observer",
        choices=("earth", "juno"),
        default="earth",
        help="who sees a transit of a moon across Jupiter's disc (default earth); shadow transits are the same"
        " for every observer (the shadow is on Jupiter's cloud tops)",
    )
    events.add_argument("--start", type=_given, metavar="UTC", help="search from this time (default: start of data)")
    events.add_argument("--stop", type=_given, metavar="UTC", help="search up to this time (default: end of data)")
    events.add_argument(
        "--max-distance",
        type=_finite,
        default=DEFAULT_FLYBY_KM,
        metavar="KM",
        help=f"largest closest-approach distance that counts as a flyby (default {DEFAULT_FLYBY_KM:.0f})",
    )
    events.add_argument("--format", choices=("table", "csv", "json"), default="table")

    gui = sub.add_parser("gui", help="open the desktop window (the default with no command)")
    _add_kernels(gui)
    gui.add_argument("--first-frame-exit", action="store_true", help=argparse.SUPPRESS)

    render = sub.add_parser("render", help="render one frame to a PNG, headless")
    _add_kernels(render)
    render.add_argument("--time", required=True, metavar="UTC", help="the moment to show")
    render.add_argument(
        "--look-at",
        metavar="BODY",
        help="body at the centre (default jupiter; io for --camera flyby and junocam, as export)",
    )
    render.add_argument(
        "--from",
        dest="from_body",
        metavar="BODY",
        help="camera on the line from the look-at body toward this one (default sun: the lit face;"
        " juno: the view from the spacecraft)",
    )
    render.add_argument("--distance", type=_finite, metavar="KM", help="camera distance from the look-at body's centre")
    render.add_argument("--fov", type=_finite, default=35.0, metavar="DEG", help="vertical field of view (default 35)")
    render.add_argument("--size", default="1280x720", metavar="WxH", help="image size (default 1280x720)")
    render.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="BODY=IMAGE",
        help="equirectangular map for a body, e.g. io=io_mosaic.jpg (repeatable)",
    )
    render.add_argument("--no-stars", action="store_true")
    render.add_argument("--no-trajectory", action="store_true")
    render.add_argument("--no-orbits", action="store_true")
    render.add_argument("--no-labels", action="store_true", help="no body names in the picture")
    _add_camera_options(render, ("from", "flyby", "junocam"))
    render.add_argument("--overwrite", action="store_true", help="replace OUT.png if it exists")
    render.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="say which OpenGL drew the frame"
    )
    render.add_argument("out", metavar="OUT.png")

    cmp = sub.add_parser(
        "compare",
        help="how far two kernel sets disagree about a body: position difference and event times",
        description="Set A is --kernels over the defaults, set B is --against over the defaults (both without "
        "them with --no-defaults). The body is sampled every --step seconds, densely near close approaches.",
    )
    _add_kernels(cmp)
    cmp.add_argument("--against", nargs="+", required=True, metavar="PATH", help="the kernels of set B")
    cmp.add_argument("--body", required=True, help="the body compared (e.g. juno, jupiter, io)")
    cmp.add_argument("--center", default="jupiter", help="the centre its position is taken about (jupiter)")
    cmp.add_argument("--start", required=True, metavar="UTC")
    cmp.add_argument("--stop", required=True, metavar="UTC")
    cmp.add_argument("--step", type=str, default="600", metavar="SECONDS", help="sample spacing (600)")
    cmp.add_argument("--format", choices=("table", "json", "csv"), default="table")
    cmp.add_argument(
        "--plot", type=_given, metavar="OUT.png", help="also draw the difference over time (.png, .svg or .pdf)"
    )
    cmp.add_argument("--overwrite", action="store_true", help="replace the --plot file if it exists")

    exp = sub.add_parser("export", help="render a time range to an MP4 or a folder of PNG frames")
    _add_kernels(exp)
    exp.add_argument("--start", required=True, metavar="UTC")
    exp.add_argument("--stop", required=True, metavar="UTC")
    exp.add_argument("--fps", type=_finite, default=30.0, help="frames per second of video (default 30)")
    pace = exp.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed",
        type=_finite,
        metavar="X",
        help=f"simulated seconds per second of video (default: {DEFAULT_VIDEO_SECONDS} seconds of video,"
        " whatever the time range)",
    )
    pace.add_argument(
        "--frames",
        type=int,
        metavar="N",
        help=f"exactly N frames from start to stop (default: {DEFAULT_VIDEO_SECONDS} seconds of video,"
        f" {DEFAULT_VIDEO_SECONDS * 30} frames at 30 fps)",
    )
    exp.add_argument("--size", default="1280x720", metavar="WxH")
    exp.add_argument("--look-at", default="io", metavar="BODY")
    exp.add_argument("--from", dest="from_body", metavar="BODY", help="camera on the line from"
                     " --look-at toward this body (default sun)")
    exp.add_argument("--follow", metavar="SPACECRAFT", help="follow the spacecraft (juno) instead of --from")
    exp.add_argument("--distance", type=_finite, metavar="KM", help="camera distance from the look-at body's centre")
    exp.add_argument("--fov", type=_finite, default=35.0, metavar="DEG")
    exp.add_argument("--ease-at", type=_given, metavar="UTC", help="slow the movie down around this moment (a flyby)")
    _add_camera_options(exp, ("from", "follow", "flyby", "junocam"))
    exp.add_argument("--overlay", action="store_true", help="burn in UTC, distance and altitude")
    exp.add_argument(
        "--title",
        default="",
        help="a title for the overlay; newlines start new lines. Any script an installed font covers"
        " (DejaVu Sans: Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic); others are refused",
    )
    exp.add_argument("--no-labels", action="store_true", help="no body names in the frames")
    exp.add_argument("--json", action="store_true", help="also write the sidecar table as JSON")
    exp.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="say which OpenGL drew the frames"
    )
    exp.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing OUT.mp4 and its tables, or a folder of frames from an earlier export",
    )
    exp.add_argument(
        "out",
        metavar="OUT",
        help="a .mp4 file (with OUT.csv beside it), or a new or empty folder for PNG frames",
    )
    from perijove.cli_plot import add_plot_parser

    add_plot_parser(sub, _add_kernels)
    return parser


def _add_camera_options(p: argparse.ArgumentParser, modes: tuple[str, ...]) -> None:
    p.add_argument(
        "--camera",
        choices=modes,
        help="from: on the line from --look-at toward --from (the default); flyby: the closest approach to"
        " --look-at nearest the time (--ease-at for an export), from its sunlit side with Juno's path in frame;"
        " junocam: JunoCam's 58° view from Juno, pointed by a loaded CK, else at --look-at"
        + ("; follow: around the spacecraft" if "follow" in modes else ""),
    )
    p.add_argument(
        "--trail",
        metavar="DURATION",
        help="how much of Juno's path is drawn behind it, 1 min to 38 d: 30min, 6h, 3d … or 'orbit' (default 3d)",
    )


def _trail_days(args: argparse.Namespace) -> float | None:
    from perijove.ephemeris import PerijoveError
    from perijove.model.display import check_trail_days, parse_duration

    if getattr(args, "trail", None) is None:
        return None
    try:
        return check_trail_days("--trail", parse_duration(args.trail) / 86400.0)
    except ValueError as err:
        raise PerijoveError(str(err)) from None


# -- kernels info ---------------------------------------------------------------------------
def _kernels_info(args: argparse.Namespace) -> int:
    from perijove.ephemeris import body_name, et_to_utc, open_kernels
    from perijove.ephemeris.timeconv import have_leapseconds

    ks = open_kernels(args.kernels, defaults=not args.no_defaults)

    def when(et: float) -> str:
        return et_to_utc(et, 0) if have_leapseconds() else f"ET {et:.0f}"

    rows = []
    for f in ks.files:
        bodies = []
        for code, wins in sorted(f.coverage.items()):
            name = body_name(code) if f.kind == "SPK" else str(code)
            bodies.append({"id": code, "name": name, "coverage": [[when(w.start), when(w.stop)] for w in wins]})
        rows.append(
            {
                "file": str(f.path),
                "type": f.kind,
                "provenance": f.provenance,
                "default": f.default,
                "metakernel": str(f.source) if f.source else None,
                "bodies": bodies,
                "note": f.note,
            }
        )
    if args.format == "json":
        print(json.dumps({"files": rows, "provenance": ks.provenances()}, indent=2))
        return 0
    if not rows:
        print("No kernels loaded (no embedded defaults found and none given with --kernels).")
        return 0
    for r in rows:
        origin = " (default)" if r["default"] else ""
        via = f" via {r['metakernel']}" if r["metakernel"] else ""
        print(f"{r['file']}{origin}{via}")
        print(f"  type {r['type']}, provenance {r['provenance']}")
        for b in r["bodies"]:
            spans = "; ".join(f"{a} .. {z}" for a, z in b["coverage"]) or "coverage unknown"
            print(f"  {b['name']:<20} {spans}")
        if r["note"]:
            print(f"  note: {r['note']}")
    print(f"Ephemeris provenance: {', '.join(ks.provenances()) or 'none'}")
    return 0


def _synthesize(args: argparse.Namespace) -> int:
    from pathlib import Path

    from perijove.ephemeris import PerijoveError
    from perijove.ephemeris.defaults import default_kernel_dir

    try:
        from perijove.ephemeris.synth.generate import EXCERPT, SOLUTION, foreign_files, synthesize
    except ImportError as err:
        raise PerijoveError(f"the generator needs the synth extra: pip install 'perijove[synth]' ({err})") from None
    from perijove.export.sinks import DestinationExists

    out = Path(args.out)
    foreign = foreign_files(out)
    if foreign and not args.overwrite:  # the user's files under our names: replaced only with consent
        raise DestinationExists(foreign, "not written by an earlier 'kernels synthesize'")
    stored = out / SOLUTION if (out / SOLUTION).is_file() else default_kernel_dir() / SOLUTION
    excerpt = out / EXCERPT if (out / EXCERPT).is_file() else default_kernel_dir() / EXCERPT
    if args.de440 is not None:
        if not Path(args.de440).is_file():
            raise PerijoveError(f"--de440 {args.de440}: no such file")
        from perijove.ephemeris.daf import DafFormatError, read_daf

        try:  # before the fit: a wrong file is said at once, not after ten seconds of progress
            kind = read_daf(Path(args.de440)).kind
        except (DafFormatError, OSError) as err:
            raise PerijoveError(f"--de440 {args.de440}: not an SPK ({err})") from None
        if kind != "SPK":
            raise PerijoveError(f"--de440 {args.de440}: not an SPK (a DAF/{kind} file)")
    import spiceypy

    made_folder = not out.exists()
    try:
        report = synthesize(
            out,
            solution_from=stored if stored.is_file() else None,
            retarget=args.retarget,
            de440_from=Path(args.de440) if args.de440 else (excerpt if excerpt.is_file() else None),
            log=lambda line: print(line, file=sys.stderr),
        )
    except (OSError, spiceypy.utils.exceptions.SpiceyError, PerijoveError) as err:
        spiceypy.reset()
        if made_folder:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if empty: the run left nothing
        if isinstance(err, PerijoveError):
            raise
        raise PerijoveError(f"cannot write {out}: {_write_failure(out, err)}") from None
    checks = [r for r in report["targets"] if r["kind"] == "check"]
    outside = sum(not r["met"] for r in checks)
    verdict = "all targets met" if report["all_met"] else "SOME TARGETS MISSED"
    if checks:
        verdict += f"; {outside} of {len(checks)} checks outside the published range (checks are not targets)"
    print(f"wrote {out} ({verdict})")
    return 0 if report["all_met"] else 1


def _write_failure(where, err: BaseException) -> str:
    """Why writing failed, in a line: a full disk said as such (SPICE words it as a DAF address error)."""
    import shutil

    import spiceypy

    from perijove.ephemeris.errors import spice_reason
    from perijove.fileio import describe_os_error

    if isinstance(err, OSError) and err.errno is not None:  # the system said why: a read-only disk is not full
        return describe_os_error(where, err).removeprefix(f"{where}: ")
    with contextlib.suppress(OSError):
        probe = where if where.exists() else where.parent
        if hasattr(os, "statvfs") and os.statvfs(probe).f_flag & os.ST_RDONLY:
            return "the file system is read-only"
        if shutil.disk_usage(probe).free < 16 * 2**20:
            return "the disk is full"
    if isinstance(err, spiceypy.utils.exceptions.SpiceyError):
        return spice_reason(err)
    return getattr(err, "strerror", None) or str(err)


def parse_size(text: str) -> tuple[int, int]:
    from perijove.model.frame_size import parse_size as parse

    return parse(text)


def _map_bodies() -> tuple[str, ...]:
    from perijove.model.display import MAP_BODIES

    return MAP_BODIES


def _parse_maps(items: Sequence[str]) -> dict[str, str]:
    """``BODY=IMAGE`` options, each checked now: a known body, a file, an image Pillow can read."""
    from pathlib import Path

    from perijove.ephemeris import PerijoveError

    bodies = _map_bodies()
    maps = {}
    for item in items:
        body, sep, path = item.partition("=")
        body = body.strip().lower()
        if not sep or not path or not Path(path).is_file():
            raise PerijoveError(f"--map {item!r}: expected BODY=IMAGE with an existing image file")
        if not body:
            raise PerijoveError(f"--map {item!r}: give a body name before '=' ({', '.join(bodies)})")
        if body not in bodies:
            raise PerijoveError(f"--map {item!r}: unknown body {body!r}; maps go on {', '.join(bodies)}")
        _check_image(path, item)
        maps[body] = path
    return maps


def _check_image(path: str, item: str) -> None:
    from perijove.ephemeris import PerijoveError
    from perijove.render.textures import check_map_file, load_map

    try:
        check_map_file(path)  # the window's checks too: an image, not too big, 2:1
        # Decoded whole now, as the render would (and kept reduced in the render cache for it):
        # Pillow's verify() passed a JPEG cut short, which then failed mid-render.
        load_map(path)
    except ValueError as err:
        raise PerijoveError(f"--map {item!r}: {err}") from None


def _from_body(args: argparse.Namespace) -> None:
    """``--from`` where the camera takes it (default sun); refused where the camera places itself."""
    from perijove.ephemeris import PerijoveError

    if args.from_body is not None and args.camera in ("flyby", "junocam", "follow"):
        raise PerijoveError(f"--camera {args.camera} places the camera itself: --from does not apply; give one")
    if args.from_body is None:
        args.from_body = "sun"


def _check_distance(distance: float | None) -> None:
    """The window's camera limits: closer or farther, the float32 scene turns to noise and warnings."""
    from perijove.ephemeris import PerijoveError
    from perijove.model.session import MAX_DISTANCE_KM, MIN_DISTANCE_KM

    if distance is not None and not MIN_DISTANCE_KM <= distance <= MAX_DISTANCE_KM:
        raise PerijoveError(f"--distance must be between {MIN_DISTANCE_KM:g} and {MAX_DISTANCE_KM:,.0f} km")


def _render(args: argparse.Namespace) -> int:
    from pathlib import Path

    from perijove.ephemeris import Ephemeris, PerijoveError, open_kernels, to_et
    from perijove.export.sinks import check_file_destination, clean_stale_partials

    size = parse_size(args.size)
    out = Path(args.out)
    if str(args.out).endswith(("/", os.sep)):  # Path() drops the slash that makes it a folder's name
        raise PerijoveError(f"{args.out}: names a folder; give the name of a .png file")
    if out.suffix.lower() != ".png":
        raise PerijoveError(f"{out}: the output must be a .png file")
    check_file_destination(out, args.overwrite)  # before any work: a folder, read-only, or the user's file
    maps = _parse_maps(args.map)
    if args.fov is not None and not 0.1 <= args.fov <= 170:
        raise PerijoveError("--fov must be between 0.1 and 170 degrees")
    _check_distance(args.distance)
    trail = _trail_days(args)
    _from_body(args)
    if args.look_at is None:
        args.look_at = "io" if args.camera in ("flyby", "junocam") else "jupiter"
    ks = open_kernels(args.kernels, defaults=not args.no_defaults)
    eph = Ephemeris(ks)
    et = to_et(args.time)
    if args.camera == "flyby":
        from perijove.ephemeris.flyby_view import flyby_encounter

        flyby_encounter(eph, args.look_at, et)  # refuses a time with no flyby near it
    from perijove.render.png import render_png

    clean_stale_partials(out.parent)
    render_png(
        eph,
        et,
        out,
        size,
        look_at=args.look_at,
        from_body=args.from_body,
        distance_km=args.distance,
        fov_deg=args.fov,
        maps=maps,
        stars=not args.no_stars,
        trajectory=not args.no_trajectory,
        orbits=not args.no_orbits,
        labels=not args.no_labels,
        camera=args.camera or "from",
        trail_days=trail,
    )
    from perijove.model.hud import hud_values

    note = hud_values(eph, et, "JUPITER").get("note")
    if note:  # the spacecraft is not in the picture: say so rather than leave it out silently
        print(f"note: {note}", file=sys.stderr)
    _say_gl(args)
    print(f"wrote {out}")
    return 0


def _say_gl(args: argparse.Namespace) -> None:
    """With -v: which backend and driver drew (the same text the export sidecar records)."""
    from perijove.render.context import gl_info

    info = gl_info()
    if getattr(args, "verbose", False) and info is not None:
        print(f"perijove: gl: {info.describe()}", file=sys.stderr)


def _version(args: argparse.Namespace) -> int:
    print(f"perijove {__version__}")
    if args.verbose:  # makes a context, as a render would: its failure is the one-line error
        from perijove.render.context import gl_info, offscreen_canvas

        offscreen_canvas((16, 16)).close()
        print(f"gl: {gl_info().describe()}")
    return 0


class _Interrupted(KeyboardInterrupt):
    """A stop signal that arrived outside the frame loop (loading kernels, say): nothing to clean."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _StopSignals:
    """SIGINT, SIGTERM and SIGHUP stop an export the same way, and always through its cleanup.

    Inside ``export`` a signal only sets a flag that the frame loop reads as a cancel, so the
    hidden partials are removed by the code that made them and a second signal cannot cut that
    short; anywhere else it interrupts at once.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self.deferred = False
        self._saved: dict[int, object] = {}

    def cancelled(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, _frame) -> None:
        if self.signum is None:
            self.signum = signum
        if not self.deferred:
            raise _Interrupted(signum)

    def __enter__(self) -> _StopSignals:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for name in ("SIGINT", "SIGTERM", "SIGHUP"):
                signum = getattr(signal, name, None)
                if signum is not None:
                    self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for signum, handler in self._saved.items():
            signal.signal(signum, handler)


def _export(args: argparse.Namespace) -> int:
    from perijove.export import ExportCancelled

    stop = _StopSignals()
    try:
        with stop:
            return _export_run(args, stop)
    except (ExportCancelled, _Interrupted) as err:
        signum = stop.signum or getattr(err, "signum", None) or 2
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            print("perijove: export cancelled; nothing was written", file=sys.stderr)
        return 128 + signum


def _export_run(args: argparse.Namespace, stop: _StopSignals) -> int:
    from pathlib import Path

    import numpy as np

    from perijove.ephemeris import SPACECRAFT, Ephemeris, PerijoveError, body_id, open_kernels, to_et
    from perijove.export import FramePlan, check_destination, export
    from perijove.export.overlay import Overlay
    from perijove.model import CameraIntent, DisplayOptions

    size = parse_size(args.size)
    out = Path(args.out)
    if str(args.out).endswith(("/", os.sep)) and out.suffix.lower() == ".mp4":  # Path() drops the slash
        raise PerijoveError(f"{args.out}: names a folder; give a .mp4 file, or a folder name without .mp4")
    _check_distance(args.distance)
    trail = _trail_days(args)
    if str(args.out) == "-":
        raise PerijoveError("-: a movie cannot go to standard output; give a .mp4 file or a folder name")
    if args.follow and args.camera not in (None, "follow"):
        raise PerijoveError(f"--follow and --camera {args.camera} disagree; give one")
    if args.follow and args.from_body is not None:
        raise PerijoveError("--follow and --from disagree: the camera follows the spacecraft; give one")
    _from_body(args)
    frames, speed = args.frames, args.speed
    if frames is None and speed is None:  # the documented default: a clip of DEFAULT_VIDEO_SECONDS
        frames = max(1, round(DEFAULT_VIDEO_SECONDS * args.fps))
    # The destination first: a refusal should come before kernels load and long before any frame.
    check_destination(out, size, args.fps, args.json, args.overwrite)
    overlay = Overlay(title=args.title) if args.overlay or args.title else None
    ks = open_kernels(args.kernels, defaults=not args.no_defaults)
    eph = Ephemeris(ks)
    start, stop_et = to_et(args.start), to_et(args.stop)
    try:
        plan = FramePlan(
            start,
            stop_et,
            fps=args.fps,
            frames=frames,
            speed=speed,
            ease_et=to_et(args.ease_at) if args.ease_at else None,
        )
        if args.follow or args.camera == "follow":
            if body_id(args.follow or "juno") != SPACECRAFT:
                raise PerijoveError("--follow takes the spacecraft: juno")
            intent = CameraIntent(mode="follow", distance_km=args.distance or 0.06, fov_deg=args.fov)
        elif args.camera in ("flyby", "junocam"):
            intent = CameraIntent(
                mode=args.camera, target=args.look_at.upper(), distance_km=args.distance, fov_deg=args.fov
            )
        else:
            if body_id(args.from_body) == body_id(args.look_at):
                raise PerijoveError("--from and --look-at name the same body")
            intent = CameraIntent(
                mode="from",
                target=args.look_at.upper(),
                from_body=args.from_body.upper(),
                distance_km=args.distance,
                fov_deg=args.fov,
            )
    except ValueError as err:
        raise PerijoveError(str(err)) from None
    for body in (SPACECRAFT, body_id(args.look_at)):  # a clear coverage error before any frame is drawn
        eph.check_coverage(body, np.array([start, stop_et]))
    if intent.mode == "flyby":  # one encounter for the whole movie: the camera never jumps
        from perijove.ephemeris.flyby_view import flyby_encounter

        near = plan.ease_et if plan.ease_et is not None else 0.5 * (start + stop_et)
        intent = intent.with_(encounter_et=flyby_encounter(eph, args.look_at, near))
    progress = _export_progress(plan.count)
    from perijove.ephemeris.download import cached_maps

    display = DisplayOptions(maps=cached_maps(), labels=not getattr(args, "no_labels", False))
    if trail is not None:
        display = display.with_(trajectory_past_days=trail)
    # From here a signal is a cancel that the export loop cleans up after; one that comes while
    # the finished files are moved into place lets that finish (and the output is complete).
    stop.deferred = True
    result = export(
        eph,
        plan,
        out,
        size,
        intent,
        display,
        overlay,
        args.json,
        progress,
        cancel=stop.cancelled,
        overwrite=args.overwrite,
    )
    if progress is not None:
        sys.stderr.write("\n")
    _say_gl(args)
    print(f"wrote {result.out} ({result.frames} frames, {result.fps:.1f} frames/s) and {result.sidecar}")
    from perijove.ephemeris.attitude import describe_spin

    print(describe_spin(result.spin))
    if result.left_out:
        from perijove.export.overlay import say_left_out

        parts = say_left_out(result.left_out)
        print(f"note: {size[0]}x{size[1]} frames have no room for {parts} in the overlay: left out", file=sys.stderr)
    for path in result.kept:
        print(f"note: {path} is from an earlier export and was left as it was (--json replaces it)", file=sys.stderr)
    return 0


def _export_progress(total: int):
    if not sys.stderr.isatty():
        return None

    def show(done: int, count: int, fps: float) -> None:
        eta = (count - done) / fps if fps > 0 else 0
        sys.stderr.write(f"\rframe {done}/{count}  {fps:5.1f} frames/s  ETA {eta:5.0f} s ")
        sys.stderr.flush()

    return show


# -- events -------------------------------------------------------------------------------
def _split(values: Sequence[str] | None) -> list[str]:
    return [v.strip().lower() for item in values or () for v in item.split(",") if v.strip()]


def _events(args: argparse.Namespace) -> int:
    from perijove.ephemeris import MOONS, Ephemeris, PerijoveError, find_events, open_kernels, to_et
    from perijove.ephemeris.events import KINDS

    kinds = _split(args.kind) or ["all"]
    kinds = list(KINDS) if "all" in kinds else kinds
    for k in kinds:
        if k not in KINDS:
            raise PerijoveError(f"unknown event kind {k!r}; use one of {', '.join(KINDS)}, all")
    moons = _split(args.body) or list(MOONS)
    allowed = {"io": 501, "europa": 502, "ganymede": 503, "callisto": 504}
    for m in moons:
        if isinstance(m, str) and m not in allowed:
            raise PerijoveError(f"unknown moon {m!r}; use io, europa, ganymede or callisto")
    if args.max_distance <= 0:
        raise PerijoveError("--max-distance must be positive")
    ks = open_kernels(args.kernels, defaults=not args.no_defaults)
    start = to_et(args.start) if args.start else None
    stop = to_et(args.stop) if args.stop else None
    report = find_events(
        Ephemeris(ks),
        kinds,
        [allowed.get(m, m) for m in moons],
        start,
        stop,
        flyby_km=args.max_distance,
        observer=args.observer,
        progress=_progress_printer(),
    )
    if args.body and report.notes:  # a moon the user named must have been searched
        raise PerijoveError(report.notes[0])
    if not report.searched and report.notes:  # "(no events)" would read as "there are none"
        raise PerijoveError(f"nothing was searched: {report.notes[0]}")
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    rows = [e.to_dict() for e in report.events]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format == "csv":
        buf = io.StringIO()
        keys = [
            "kind",
            "body",
            "utc",
            "et",
            "distance_km",
            "altitude_km",
            "speed_km_s",
            "lat_deg",
            "lon_deg",
            "end_utc",
            "duration_s",
            "start_cut",
            "end_cut",
            "provenance",
        ]
        writer = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "provenance": describe(r["provenance"])} for r in rows)
        sys.stdout.write(buf.getvalue())
    else:
        print(_table(rows))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from perijove.ephemeris import PerijoveError, open_kernels, to_et
    from perijove.ephemeris.compare import compare_sets

    try:
        step = float(args.step)
    except ValueError:
        raise PerijoveError(f"--step must be a number of seconds, not {args.step!r}") from None
    if args.plot and Path(args.plot).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise PerijoveError(f"--plot {args.plot}: use a .png, .svg or .pdf name")
    if args.plot:
        from perijove.export.sinks import check_file_destination

        # Before any work: a folder, a missing or read-only one, or the user's file (replaced only
        # with --overwrite, as render and plot do).
        check_file_destination(Path(args.plot).expanduser(), args.overwrite)
    open_kernels(args.kernels, defaults=not args.no_defaults)  # the times need set A's leapseconds
    start, stop = to_et(args.start), to_et(args.stop)
    result = compare_sets(
        args.kernels, args.against, args.body, args.center, start, stop, step, defaults=not args.no_defaults
    )
    summary = result.summary()
    if args.format == "json":
        print(json.dumps(summary, indent=2, default=float))
    elif args.format == "csv":
        buf = io.StringIO()
        rows = result.rows()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
    else:
        print(_compare_table(summary))
    if args.plot:
        from perijove.export.compare_plot import plot_comparison

        plot_comparison(result, Path(args.plot).expanduser())
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def _compare_table(s: dict) -> str:
    lines = [
        f"{s['body']} about {s['center']}, {s['start_utc']} .. {s['stop_utc']}, {s['samples']:,} samples",
        f"set A: {', '.join(s['set_a'])};  set B: {', '.join(s['set_b'])}",
        f"largest difference {s['max_km']:,.3f} km at {s['max_utc']} (rms {s['rms_km']:,.3f} km)",
    ]
    for name, part in s["components"].items():
        lines.append(f"  {name.replace('_', '-'):<12} up to {part['max_km']:,.3f} km at {part['utc']}")
    if s["events"]:
        lines.append(f"{'event':<9} {'body':<9} {'UTC in A':<24} {'B - A':>10} {'distance B - A':>16}")
        for e in s["events"]:
            dt = "missing" if e.get("dt_s") is None else f"{e['dt_s']:+.3f} s"
            dd = "" if e.get("d_distance_km") is None else f"{e['d_distance_km']:+,.3f} km"
            lines.append(f"{e['kind']:<9} {e['body']:<9} {e['utc_a']:<24} {dt:>10} {dd:>16}")
    return "\n".join(lines)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None or not math.isfinite(value) else format(value, spec)


def describe(provenance: dict[str, str]) -> str:
    from perijove.ephemeris.provenance import describe as words

    return words(provenance)


def _table(rows: list[dict]) -> str:
    head = (
        f"{'kind':<14} {'body':<9} {'UTC':<24} {'distance km':>13} {'altitude km':>13} "
        f"{'speed km/s':>10} {'lat°':>7} {'lon°':>7} {'duration':>9}  data"
    )
    lines = [head]
    for r in rows:
        dur = r.get("duration_s")
        if r.get("start_cut") or r.get("end_cut"):  # the data end inside it: its length is unknown
            dur_text = "cut " + ("<" if r.get("start_cut") else "") + (">" if r.get("end_cut") else "")
        else:
            dur_text = (_fmt(dur / 60, "8.1f") + "m") if dur is not None else ""
        lines.append(
            f"{r['kind']:<14} {r['body']:<9} {r['utc']:<24} {_fmt(r['distance_km'], '13,.1f')} "
            f"{_fmt(r['altitude_km'], '13,.1f')} {_fmt(r['speed_km_s'], '10.3f')} "
            f"{_fmt(r['lat_deg'], '7.2f')} {_fmt(r['lon_deg'], '7.2f')} "
            f"{dur_text:>9}  {describe(r['provenance'])}"
        )
    if not rows:
        lines.append("(no events)")
    return "\n".join(lines)


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        end = "\n" if fraction >= 1.0 else ""
        sys.stderr.write(f"\rsearching {fraction:4.0%} {message:<24}{end}")
        sys.stderr.flush()

    return show


# -- entry point ------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:  # Ctrl-C while the libraries import (the first half second) is no traceback either
        parser = build_parser()
        args = parser.parse_args(argv)
        from perijove.cli_fetch import show_notes
        from perijove.ephemeris.errors import PerijoveError

        show_notes()  # a damaged download cache is a one-line note; the embedded set is used
    except KeyboardInterrupt:
        print("perijove: interrupted", file=sys.stderr)
        return 130

    from perijove.stdout_guard import OutputFailed, guard, quiet_exit

    if sys.stdout is None and _prints_a_listing(args):
        print("perijove: error: standard output is closed: nowhere to write the listing", file=sys.stderr)
        return EXIT_USAGE
    unguarded = guard()
    try:
        status = _run(parser, args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk or closed pipe is found here, not at interpreter exit
        return status
    except BrokenPipeError:
        return quiet_exit(unguarded)
    except (OutputFailed, PerijoveError) as err:  # bad input, or output that cannot be written
        print(f"perijove: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        what = "export cancelled; nothing was written" if args.command == "export" else "interrupted"
        print(f"perijove: {what}", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: one line for users, the traceback on request
        if os.environ.get("PERIJOVE_DEBUG"):
            raise
        print(
            f"perijove: internal error: {type(err).__name__}: {err} (set PERIJOVE_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        if unguarded is not None:
            sys.stdout = unguarded


def _prints_a_listing(args: argparse.Namespace) -> bool:
    """Whether the command's product is what it prints (with no standard output it would be lost)."""
    if args.command == "kernels":
        return getattr(args, "kernels_command", None) in ("info", "list")
    return args.command in ("events", "compare")


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The command ``args`` names; its errors are ``main``'s to report."""
    if args.version:
        return _version(args)
    if args.command == "kernels" and args.kernels_command == "info":
        return _kernels_info(args)
    if args.command == "kernels" and args.kernels_command in ("fetch", "list", "clear-cache", "use"):
        from perijove.cli_fetch import run_fetch_command

        return run_fetch_command(args)
    if args.command == "kernels" and args.kernels_command == "synthesize":
        return _synthesize(args)
    if args.command == "render":
        return _render(args)
    if args.command == "export":
        return _export(args)
    if args.command == "events":
        return _events(args)
    if args.command == "compare":
        return _compare(args)
    if args.command == "plot":
        from perijove.cli_plot import run_plot

        return run_plot(args)
    if args.command == "kernels":
        parser.parse_args(["kernels", "--help"])
    if args.command in (None, "gui"):
        from perijove.ui.app import run

        return run(
            getattr(args, "kernels", []),
            defaults=not getattr(args, "no_defaults", False),
            first_frame_exit=getattr(args, "first_frame_exit", False),
        )
    parser.print_help()
    return 0
