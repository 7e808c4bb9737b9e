"""A reduced excerpt of JPL's DE440 for the embedded set: real planets where we have them.

VSOP87 puts Jupiter about 20,000 km from DE440, which moves the Sun and Earth
directions seen from the Jovian system by several arcseconds. A public DE440
excerpt (2020-2031) exists, so the embedded set carries the few segments the
scene needs over 2020-2027 and layers them over the VSOP87 planets, which still
serve 2016-2020.

The excerpt is not a fit: every type 2 record (MID, RADIUS and the Chebyshev
coefficients) is copied unchanged from the source segment, so it evaluates to
the same numbers as JPL's file wherever it covers. Its comments name JPL DE440
and the source file and never carry ``SYNTHETIC_MARKER``, and its name starts
with ``de440``, so provenance classifies it as ``planetary``. The bytes depend
only on the source and the span (no version or date in them), so regenerating
from the same source gives the same file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from perijove.fileio import sha256_file

EXCERPT = "de440_excerpt_2020_2027.bsp"
SPAN = ("2020-01-01", "2027-01-01")  # UTC, as the VSOP87 span in generate.py
EXCERPT_MARKER = "PERIJOVE-DE440-EXCERPT"

# (body, centre) as DE440 chains them: the Sun; Earth through the Earth-Moon
# barycentre; the Jupiter-system barycentre, to which our planets file ties
# Jupiter's centre and the Galilean moons (so the whole system moves with it).
BODIES: tuple[tuple[int, int], ...] = ((10, 0), (3, 0), (399, 3), (5, 0))

_NAMES = {10: "Sun", 3: "Earth-Moon barycentre", 399: "Earth", 5: "Jupiter barycentre", 0: "SSB"}


@dataclass(frozen=True)
class Type2Records:
    """Consecutive records of one SPK type 2 segment, exactly as stored."""

    body: int
    center: int
    frame: str
    start: float  # coverage of the (new) segment, ET
    stop: float
    init: float  # start of the first record
    intlen: float
    records: np.ndarray  # (n, rsize): MID, RADIUS, x coefficients, y, z

    @property
    def degree(self) -> int:
        return (self.records.shape[1] - 2) // 3 - 1


def _segments(handle: int) -> Iterable[tuple[np.ndarray, list[int]]]:
    spiceypy.dafbfs(handle)
    while spiceypy.daffna():
        dc, ic = spiceypy.dafus(spiceypy.dafgs(handle), 2, 6)
        yield np.asarray(dc, dtype=float), [int(v) for v in ic]


def read_type2(path: Path, body: int, center: int, start: float, stop: float) -> Type2Records:
    """The records of ``path``'s segment for ``body`` about ``center`` that overlap [start, stop].

    Reads the DAF directly so the coefficients come out bit for bit; the segment
    must cover the whole span (a partial excerpt would silently hand the gap
    back to VSOP87).
    """
    handle = spiceypy.dafopr(str(path))
    try:
        found = None
        for dc, ic in _segments(handle):
            if ic[0] == body and ic[1] == center and dc[0] <= start and dc[1] >= stop:
                found = dc, ic  # later segments win in SPICE: keep the last match
        if found is None:
            raise ValueError(f"{path.name} has no segment for {body} about {center} covering the span")
        dc, ic = found
        if ic[3] != 2:
            raise ValueError(f"{path.name}: segment for {body} is SPK type {ic[3]}, expected 2")
        begin, end = ic[4], ic[5]
        init, intlen, rsize, n = spiceypy.dafgda(handle, end - 3, end)
        rsize, n = int(rsize), int(n)
        first = max(int(np.floor((start - init) / intlen)), 0)
        last = min(int(np.ceil((stop - init) / intlen)) - 1, n - 1)
        data = spiceypy.dafgda(handle, begin + first * rsize, begin + (last + 1) * rsize - 1)
    finally:
        spiceypy.dafcls(handle)
    records = np.asarray(data, dtype=float).reshape(last - first + 1, rsize)
    # spkw02 writes MID and RADIUS from the record start and length: make sure
    # that reproduces the source's values exactly, or the copy would not be one.
    btime = init + first * intlen
    mids = btime + (np.arange(len(records)) + 0.5) * intlen
    if not (np.array_equal(records[:, 0], mids) and np.all(records[:, 1] == 0.5 * intlen)):
        raise ValueError(f"{path.name}: records of {body} are not evenly spaced; cannot copy them with spkw02")
    return Type2Records(
        body, center, spiceypy.frmnam(ic[2]), max(start, dc[0]), min(stop, dc[1]), btime, intlen, records
    )


sha256 = sha256_file  # names the exact source file in the comments and the report


def _comments(source: Path, span: Sequence[str], segments: Sequence[Type2Records]) -> list[str]:
    lines = [
        f"{EXCERPT_MARKER}: an excerpt of JPL's planetary ephemeris DE440",
        "(Park, Folkner, Williams, Boggs 2021, AJ 161:105; JPL/NASA, public).",
        f"Source file: {source.name}",
        f"Source SHA-256: {sha256(source)}",
        f"Span: {span[0]} .. {span[1]} UTC (whole records around it).",
        "Written by Perijove (perijove kernels synthesize --de440) for its embedded",
        "kernel set: SPK type 2 records copied unchanged from the source segments",
        "(MID, RADIUS and Chebyshev coefficients), not refitted.",
        "Segments:",
    ]
    for s in segments:
        lines.append(
            f"  {s.body} {_NAMES.get(s.body, '')} about {s.center} {_NAMES.get(s.center, '')}: "
            f"{len(s.records)} records of {s.intlen / 86400:g} d, degree {s.degree}"
        )
    return [line[i : i + 80] for line in lines for i in range(0, max(len(line), 1), 80)]


def _comment_lines(path: Path) -> list[str]:
    handle = spiceypy.dafopr(str(path))
    try:
        _, lines, _ = spiceypy.dafec(handle, 40, 100)
    finally:
        spiceypy.dafcls(handle)
    return [line for line in lines if line]


def source_of(excerpt: Path) -> dict[str, str]:
    """Name and SHA-256 of the JPL file an excerpt was cut from, as its comments record them."""
    found = {}
    for line in _comment_lines(excerpt):
        for key, label in (("name", "Source file: "), ("sha256", "Source SHA-256: ")):
            if line.startswith(label):
                found[key] = line[len(label) :].strip()
    return found


def is_excerpt(path: Path) -> bool:
    """Whether ``path`` is an excerpt this module wrote (then it is reused as is, never cut again)."""
    try:
        lines = _comment_lines(path)
    except SpiceyError:
        spiceypy.reset()
        return False
    return any(line.startswith(EXCERPT_MARKER) for line in lines)


def write_excerpt(
    source: Path, dest: Path, span: Sequence[str] = SPAN, bodies: Sequence[tuple[int, int]] = BODIES
) -> list[Type2Records]:
    """Copy the records of ``bodies`` over ``span`` from ``source`` into a new SPK ``dest``.

    Needs a leapseconds kernel loaded (the span is UTC, as elsewhere in the generator).
    """
    source, dest = Path(source), Path(dest)
    start, stop = (spiceypy.str2et(t) for t in span)
    segments = [read_type2(source, body, center, start, stop) for body, center in bodies]
    if dest.exists():
        dest.unlink()  # spkopn refuses to overwrite
    handle = spiceypy.spkopn(str(dest), "DE440 EXCERPT (PERIJOVE)", 4096)
    try:
        spiceypy.dafac(handle, _comments(source, span, segments))
        for s in segments:
            spiceypy.spkw02(
                handle,
                s.body,
                s.center,
                s.frame,
                s.start,
                s.stop,
                f"DE440 EXCERPT {s.body} ABOUT {s.center}",
                s.intlen,
                len(s.records),
                s.degree,
                s.records[:, 2:].ravel(),
                s.init,
            )
    finally:
        spiceypy.spkcls(handle)
    for s in segments:  # the written records are the source's, bit for bit
        got = read_type2(dest, s.body, s.center, s.start, s.stop)
        if not np.array_equal(got.records, s.records) or got.init != s.init:
            raise RuntimeError(f"{dest.name}: records of {s.body} differ from {source.name} after writing")
    return segments


def coverage(path: Path) -> dict[int, tuple[float, float]]:
    """ET span covered by each body's segment in an excerpt."""
    handle = spiceypy.dafopr(str(path))
    try:
        return {ic[0]: (float(dc[0]), float(dc[1])) for dc, ic in _segments(handle)}
    finally:
        spiceypy.dafcls(handle)


def compare(
    source: Path, excerpt: Path, samples: int = 2000, seed: int = 0, bodies: Sequence[tuple[int, int]] = BODIES
) -> dict[str, float]:
    """Largest position difference (m) per body between ``excerpt`` and ``source``, through SPICE.

    Each file is read in a pool of its own (``spiceypy.KernelPool``), so nothing
    else loaded can stand in for either; the caller's pool is restored after.
    """
    spans = coverage(excerpt)
    rng = np.random.default_rng(seed)
    times = {body: rng.uniform(*spans[body], samples) for body, _ in bodies}
    states = []
    for path in (source, excerpt):
        with spiceypy.KernelPool([str(path)]):
            states.append(
                {b: np.array([spiceypy.spkgeo(b, float(et), "J2000", c)[0] for et in times[b]]) for b, c in bodies}
            )
    return {
        str(b): float(np.max(np.linalg.norm(states[0][b][:, :3] - states[1][b][:, :3], axis=1))) * 1000.0
        for b, _ in bodies
    }
