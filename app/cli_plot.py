"""``perijove plot``: a flyby's geometry over time, or its ground track, to a PNG, SVG or PDF file.

Every refusal (an unknown body, a reversed span, an unknown extension, a destination that cannot
or may not be written) comes before kernels load and any drawing, as one line and exit status 2.
The file is written beside its destination and moved into place only when complete, and an
existing file is replaced only with ``--overwrite``, as ``perijove render`` does.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

DEFAULT_HALF_SPAN_S = 1800.0  # without --start/--stop: the first flyby ±30 min
ONE_SIDED_SPAN_S = 3600.0  # only --start (or --stop): an hour from (or up to) it
MIN_WIDTH, MAX_SIDE = 200, 8192


def add_plot_parser(sub, add_kernels: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """Register ``perijove plot`` on the main parser's subcommands."""
    from perijove.model.frame_size import GROUNDTRACK_SIZE, SERIES_SIZE

    plot = sub.add_parser(
        "plot",
        help="plot a flyby's geometry over time (or --groundtrack on the target's map) to .png, .svg or .pdf",
        description="Distance and altitude, relative speed, solar phase and the sub-spacecraft latitude and "
        "longitude of Juno relative to a body, on one UTC axis with the events of the span marked; or, with "
        "--groundtrack, Juno's sub-spacecraft track on the body's map. Without --start and --stop: the first "
        "flyby of the body (the first perijove for Jupiter) ±30 minutes.",
    )
    add_kernels(plot)
    from perijove.cli import _given

    for flag, which, side in (("--start", "first", "-"), ("--stop", "last", "+")):
        plot.add_argument(
            flag, type=_given, metavar="UTC", help=f"{which} time plotted (default: the first flyby {side} 30 min)"
        )
    plot.add_argument("--target", default="io", metavar="BODY", help="the body Juno's geometry is taken to (io)")
    plot.add_argument("--groundtrack", action="store_true", help="draw the sub-spacecraft track on the body's map")
    plot.add_argument(
        "--size",
        metavar="WxH",
        help=f"image size in pixels (default {SERIES_SIZE[0]}x{SERIES_SIZE[1]}, "
        f"{GROUNDTRACK_SIZE[0]}x{GROUNDTRACK_SIZE[1]} with --groundtrack); vector files get the same proportions",
    )
    plot.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    plot.add_argument("out", metavar="OUT.png|.svg|.pdf")
    return plot


def _size(text: str | None, default: tuple[int, int]) -> tuple[int, int]:
    from perijove.model.frame_size import parse_size

    if text is None:
        return default
    return parse_size(text, lo=MIN_WIDTH, hi=MAX_SIDE, example="1200x900", name="--size")


def _span(eph, args: argparse.Namespace, sc: int, target: int) -> tuple[float, float]:
    from perijove.ephemeris import PerijoveError, display_name, to_et
    from perijove.ephemeris.series import first_encounter

    start = to_et(args.start) if args.start else None
    stop = to_et(args.stop) if args.stop else None
    if start is None and stop is None:
        found = first_encounter(eph, target, sc)
        if found is None:
            raise PerijoveError(
                f"no close approach of {display_name(sc)} to {display_name(target)} in the loaded data;"
                " give --start and --stop"
            )
        return found[0] - DEFAULT_HALF_SPAN_S, found[0] + DEFAULT_HALF_SPAN_S
    if start is None:
        start = stop - ONE_SIDED_SPAN_S
    if stop is None:
        stop = start + ONE_SIDED_SPAN_S
    if stop <= start:
        raise PerijoveError("--stop must be after --start")
    return start, stop


def _check_data(eph, sc: int, target: int, start: float, stop: float) -> None:
    """Some of the span must have data for both bodies: a plot of nothing is refused, gaps are not."""
    from perijove.ephemeris import CoverageError, display_name
    from perijove.ephemeris.geometry import _fmt_windows
    from perijove.ephemeris.windows import Window, intersect

    for code in (sc, target):
        covered = eph.covered(code)
        if not covered:
            raise CoverageError(f"no ephemeris is loaded for {display_name(code)}")
        if not intersect(covered, [Window(start, stop)]):
            raise CoverageError(
                f"no {display_name(code)} data between --start and --stop; loaded data cover {_fmt_windows(covered)}"
            )


def run_plot(args: argparse.Namespace) -> int:
    """``perijove plot``: returns the exit status (errors are raised as ``PerijoveError``)."""
    from perijove.ephemeris import (
        JUPITER,
        MOONS,
        SPACECRAFT,
        Ephemeris,
        PerijoveError,
        body_id,
        display_name,
        find_events,
        open_kernels,
    )
    from perijove.ephemeris.events import KINDS
    from perijove.export.plots import GROUNDTRACK_SIZE, SERIES_SIZE, check_format
    from perijove.export.sinks import check_file_destination, clean_stale_partials

    out = Path(args.out).expanduser()
    check_format(out)
    size = _size(args.size, GROUNDTRACK_SIZE if args.groundtrack else SERIES_SIZE)
    check_file_destination(out, args.overwrite)  # a folder, read-only, missing, or the user's file: say so now
    ks = open_kernels(args.kernels, defaults=not args.no_defaults)
    eph = Ephemeris(ks)
    sc, target = SPACECRAFT, body_id(args.target)
    if target == sc:
        raise PerijoveError("--target must be a body other than the spacecraft")
    if target not in (JUPITER, *MOONS):  # altitude, sub-spacecraft point and map need the body's shape and frame
        raise PerijoveError(
            f"--target must be Jupiter or one of its Galilean moons (io, europa, ganymede, callisto), "
            f"not {args.target}"
        )
    if not eph.covered(target):
        raise PerijoveError(f"no ephemeris is loaded for {display_name(target)} ({args.target})")
    start, stop = _span(eph, args, sc, target)
    _check_data(eph, sc, target, start, stop)

    from perijove.ephemeris.series import geometry_series

    series = geometry_series(eph, target, start, stop, sc)
    moons = [target] if target in MOONS else list(MOONS)
    try:
        events = find_events(eph, KINDS, moons, start, stop).events
    except PerijoveError:
        events = []  # the plot stands without its marks (a body the search cannot take)
    from perijove.export.plots import body_map, groundtrack_figure, save_figure, series_figure

    if args.groundtrack:
        from perijove.ephemeris.download import cached_maps
        from perijove.model import DisplayOptions

        image, latitude = body_map(target, DisplayOptions(maps=cached_maps()))
        fig = groundtrack_figure(series, image, latitude, events, size).fig
    else:
        fig = series_figure(series, events, size)
    clean_stale_partials(out.parent)
    save_figure(fig, out)
    print(f"wrote {out}")
    return 0
