"""Read a DAF file's own structure (SPK, CK, binary PCK) without SPICE.

SPICE loads a truncated DAF without complaint and fails only when a query
reaches the missing bytes, long after the user chose the file. Worse, SPICE
trusts the few words that describe a file's layout: a record size read from a
segment directory decides how many words it copies into a fixed buffer (one
corrupt value is a SIGSEGV), and a summary chain that points back at itself
keeps it searching for ever. Reading the file record, the summary chain and
each segment's directory ourselves lets a load reject a damaged or
unsupported file up front, with a reason, before SPICE's state changes.

Only the file record, the summary and name records, a bounded part of the
comment area, the last few words of each segment and its list of epochs are
read, so a whole-mission SPK of gigabytes is checked in milliseconds. The data
records themselves are not: a corrupt integration order inside one type 1 or
21 difference-line record can still stop SPICE, and only reading every record
would find it.
"""

from __future__ import annotations

import bisect
import math
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RECORD = 1024
MAX_TIMES = 1 << 20  # epochs read per segment (8 MiB) before reading only the first and last
HUGE = 1e15  # larger than any element, GM (km^3/s^2) or time in a real kernel; small enough not to overflow
WORDS = RECORD // 8  # double-precision words per record

#: Segment types CSPICE N0067 can evaluate, per DAF kind.
SUPPORTED_TYPES = {
    "SPK": frozenset({1, 2, 3, 5, 8, 9, 10, 12, 13, 14, 15, 17, 18, 19, 20, 21}),
    "CK": frozenset({1, 2, 3, 4, 5, 6}),
    "PCK": frozenset({2, 3, 20}),
}

#: The summary shape (ND, NI) SPICE hard-codes for each kind it reads; any other shape misplaces every field.
SUMMARY_SHAPE = {"SPK": (2, 6), "CK": (2, 6), "PCK": (2, 5)}

#: The comment area is read for provenance marks near its top; a damaged file may claim gigabytes of it.
MAX_COMMENT_BYTES = 1 << 20


class DafFormatError(ValueError):
    """The file is not a well-formed DAF; the message says why."""


@dataclass(frozen=True)
class Segment:
    """One segment summary: what it covers and where its data lie."""

    doubles: tuple[float, ...]
    ints: tuple[int, ...]
    name: str
    kind: str = ""  # the file's DAF kind: a CK summary keeps its type in another place than an SPK or PCK

    @property
    def start(self) -> float:
        return self.doubles[0]

    @property
    def stop(self) -> float:
        return self.doubles[1]

    @property
    def data_type(self) -> int:
        # SPK (body, centre, frame, type, begin, end), PCK (frame, reference, type, begin, end),
        # CK (instrument, reference, type, angular-velocity flag, begin, end).
        return self.ints[2] if self.kind == "CK" else self.ints[-3]

    @property
    def first_address(self) -> int:
        return self.ints[-2]

    @property
    def last_address(self) -> int:
        return self.ints[-1]


@dataclass(frozen=True)
class DafFile:
    """File record, summaries and comments of a DAF."""

    kind: str  # "SPK", "CK", "PCK" or another DAF id after "DAF/"
    nd: int
    ni: int
    internal_name: str
    byte_order: str  # "<" or ">"
    segments: tuple[Segment, ...]
    comments: str


def _byte_order(record: bytes) -> str:
    locfmt = record[88:96].decode("ascii", "replace")
    if locfmt == "LTL-IEEE":
        return "<"
    if locfmt == "BIG-IEEE":
        return ">"
    # Files older than the binary-format marker: pick the order that gives a sane ND.
    little = struct.unpack("<i", record[8:12])[0]
    return "<" if 0 < little < 125 else ">"


def _read_comments(handle, first_summary: int) -> str:
    chunks: list[bytes] = []
    total = 0
    for rec in range(2, first_summary):
        handle.seek((rec - 1) * RECORD)
        chunk = handle.read(1000)
        end = chunk.find(b"\x04")
        if end >= 0:
            chunks.append(chunk[:end])
            break
        chunks.append(chunk)
        total += len(chunk)
        if total >= MAX_COMMENT_BYTES or len(chunk) < 1000:
            break
    return b"".join(chunks).replace(b"\x00", b"\n").decode("latin-1").rstrip("\n")


def read_daf(path: Path) -> DafFile:
    """Parse ``path`` as a DAF; raise ``DafFormatError`` if it is damaged.

    Besides the file record and summaries, each SPK, CK and PCK segment's directory (record size,
    counts, degree) is checked against the segment's length, so that no value SPICE trusts can make
    it read outside a segment or overrun its buffers.
    """
    with open(path, "rb") as handle:
        return _read_daf(handle, os.fstat(handle.fileno()).st_size)


def _integral(value: float) -> bool:
    return math.isfinite(value) and value == int(value)


def _read_daf(handle, size: int) -> DafFile:
    if size < RECORD:
        raise DafFormatError(f"truncated: {size} bytes, shorter than one DAF record")
    records = -(-size // RECORD)  # the last one may be a 1000-byte name record (SPICE writes no padding)

    def record_at(number: int) -> bytes:
        handle.seek((number - 1) * RECORD)
        return handle.read(RECORD)

    head = record_at(1)
    idword = head[:8].decode("ascii", "replace").strip()
    kind = idword.split("/", 1)[1] if "/" in idword else idword
    if idword.startswith("NAIF/DAF"):
        kind = "SPK"
    order = _byte_order(head)
    nd, ni = struct.unpack(order + "ii", head[8:16])
    if not (0 < nd <= 124 and 2 <= ni <= 250) or nd + (ni + 1) // 2 > WORDS - 3:
        raise DafFormatError(f"corrupt file record (ND={nd}, NI={ni})")
    if kind in SUMMARY_SHAPE and (nd, ni) != SUMMARY_SHAPE[kind]:
        want = SUMMARY_SHAPE[kind]
        raise DafFormatError(f"corrupt file record (ND={nd}, NI={ni}; {kind} files have ND={want[0]}, NI={want[1]})")
    internal_name = head[16:76].decode("latin-1").strip()
    fward, bward, free = struct.unpack(order + "iii", head[76:88])
    needed = (free - 1) * 8
    if free < 1 or fward < 2:
        raise DafFormatError(f"corrupt file record (FWARD={fward}, FREE={free})")
    # When a summary record fills up, SPICE starts the next one at once: the file then ends with an empty
    # summary record and a 1000-byte name record, 24 bytes short of the FREE address. That is a whole file.
    if size < needed and not (size % RECORD == 1000 and needed - size <= RECORD - 1000):
        raise DafFormatError(f"truncated: {size} bytes, the file record says at least {needed}")

    summary_doubles = nd + (ni + 1) // 2
    most = (WORDS - 3) // summary_doubles
    chain: list[int] = []
    seen: set[int] = set()
    summaries: list[tuple[bytes, bytes]] = []  # (summary, name), in file order
    record, previous = fward, 0
    while record:
        # Each summary record is followed by its name record; both must be whole and the chain may not loop.
        if record in seen or not 2 <= record < records:
            raise DafFormatError(f"corrupt summary chain at record {record}")
        chain.append(record)
        seen.add(record)
        block = record_at(record)
        names = record_at(record + 1)
        nxt, prev, nsum = struct.unpack(order + "3d", block[:24])
        if not (_integral(nxt) and _integral(prev) and _integral(nsum)) or not 0 <= nsum <= most:
            raise DafFormatError(f"corrupt summary record {record} (NEXT={nxt}, PREV={prev}, NSUM={nsum})")
        if nxt and (int(nxt) in seen or not 2 <= nxt < records):
            raise DafFormatError(f"corrupt summary record {record}: NEXT points at record {nxt:.0f}")
        if prev != previous:
            # SPICE walks the chain backwards when it searches for data; a wrong PREV loops or aborts it.
            raise DafFormatError(f"corrupt summary record {record}: PREV is {prev:.0f}, expected {previous}")
        width = summary_doubles * 8
        for i in range(int(nsum)):
            summaries.append((block[24 + i * width : 24 + (i + 1) * width], names[i * width : (i + 1) * width]))
        previous, record = record, int(nxt)
    if bward != chain[-1]:
        raise DafFormatError(f"corrupt file record: BWARD is {bward}, the last summary record is {chain[-1]}")

    # Data lie after the first name record, inside the file, below FREE, and never in a summary or name record.
    reserved = sorted(r for c in chain for r in (c, c + 1))
    segments: list[Segment] = []
    for number, (summary, raw_name) in enumerate(summaries, start=1):
        doubles = struct.unpack(order + f"{nd}d", summary[: nd * 8])
        ints = struct.unpack(order + f"{ni}i", summary[nd * 8 : nd * 8 + ni * 4])
        seg = Segment(doubles, ints, raw_name.decode("latin-1").strip(), kind)
        label = f"segment {number} ({seg.name or 'unnamed'})"
        first, last = seg.first_address, seg.last_address
        if first > last:
            raise DafFormatError(f"{label} ends (word {last}) before it begins (word {first})")
        if last * 8 > size:
            raise DafFormatError(f"truncated or corrupt: {label} points past the end of the file")
        if last >= free:
            raise DafFormatError(f"{label} ends at word {last}, past the file's FREE address {free}")
        first_rec, last_rec = (first - 1) // WORDS + 1, (last - 1) // WORDS + 1
        nearest = bisect.bisect_left(reserved, first_rec)  # the first summary or name record at or after it
        if first <= (fward + 1) * WORDS or (nearest < len(reserved) and reserved[nearest] <= last_rec):
            raise DafFormatError(f"{label} overlaps the file's header or summary records (words {first}..)")
        if kind in SUMMARY_SHAPE:
            _check_segment(handle, order, kind, seg, label)
        segments.append(seg)
    return DafFile(
        kind=kind,
        nd=nd,
        ni=ni,
        internal_name=internal_name,
        byte_order=order,
        segments=tuple(segments),
        comments=_read_comments(handle, fward),
    )


# -- segment directories ---------------------------------------------------------------------------------------
#
# Layouts from NAIF's SPK, CK and PCK Required Reading, and the limits from the buffers their readers copy records
# into (SPKPVN: 198 words; PCKMAT: 130 words; maximum polynomial degree 27 for the SPK interpolation types).


class _Bad(Exception):
    """Internal: a directory value that does not fit the segment."""


def _check_segment(handle, order: str, kind: str, seg: Segment, label: str) -> None:
    if not (math.isfinite(seg.start) and math.isfinite(seg.stop)) or seg.start > seg.stop:
        raise DafFormatError(f"{label} covers an impossible time range ({seg.start!r} to {seg.stop!r})")
    if kind == "SPK" and seg.ints[0] == seg.ints[1]:
        # SPICE follows the chain of centres until it reaches the observer: a self-reference never ends.
        raise DafFormatError(f"{label} gives body {seg.ints[0]} relative to itself")
    check = _CHECKS.get((kind, seg.data_type))
    if check is None:
        return  # generic-segment types (SPK 10, 14, 19; CK 4, 6; PCK 3): SPICE validates their metadata itself
    length = seg.last_address - seg.first_address + 1
    try:
        check(seg, length, _Words(handle, order, seg, length))
    except _Bad as err:
        raise DafFormatError(f"{label}, type {seg.data_type}: {err}") from None


class _Words:
    """One segment's words, read on demand: calling it gives the last ``count`` (the directory)."""

    def __init__(self, handle, order: str, seg: Segment, length: int) -> None:
        self.handle, self.order, self.seg, self.length = handle, order, seg, length

    def __call__(self, count: int) -> tuple[float, ...]:
        if count > self.length:
            raise _Bad(f"{self.length} words, too short for its directory")
        self.handle.seek((self.seg.last_address - count) * 8)
        return struct.unpack(self.order + f"{count}d", self.handle.read(count * 8))

    def times(self, offset: int, count: int, what: str = "epoch") -> np.ndarray | None:
        """A list of ``count`` times starting ``offset`` words into the segment must be finite and in order.

        These are the segment's time index: SPICE searches them for every query, and an infinite one makes it
        abort while formatting an error message. One read of 8 bytes per time; beyond ``MAX_TIMES`` only the
        first and last are read (and None is returned), to keep the check fast on files of gigabytes.
        """
        if count > MAX_TIMES:
            self.times(offset, 1, what)
            self.times(offset + count - 1, 1, what)
            return None
        self.handle.seek((self.seg.first_address - 1 + offset) * 8)
        values = np.frombuffer(self.handle.read(count * 8), dtype=self.order + "f8")
        finite = np.isfinite(values)
        if not finite.all():
            i = int(np.argmin(finite))
            raise _Bad(f"{what} {i + 1} of {count} is {values[i]!r}")
        backwards = np.diff(values) < 0
        if backwards.any():
            raise _Bad(f"{what}s go backwards at {int(np.argmax(backwards)) + 2} of {count}")
        return values

    def interval_starts(self, times: np.ndarray | None, offset: int, count: int) -> None:
        """CK 3 and 5 interpolation intervals begin at one of the segment's times (SPICE's writers insist;
        its readers index their buffers by that assumption and abort when it fails)."""
        starts = self.times(offset, count, "interval start")
        if times is None or starts is None:
            return
        outside = ~np.isin(starts, times)
        if outside.any():
            i = int(np.argmax(outside))
            raise _Bad(f"interval start {i + 1} of {count} ({starts[i]!r}) is not one of the segment's times")


def _count(value: float, what: str, low: int = 1, high: int = 2**31 - 1) -> int:
    if not _integral(value) or not low <= value <= high:
        raise _Bad(f"{what} is {value!r}")
    return int(value)


def _positive(value: float, what: str) -> float:
    if not (math.isfinite(value) and value > 0):
        raise _Bad(f"{what} is {value!r}")
    return value


def _length(length: int, expected: int, what: str) -> None:
    if length != expected:
        raise _Bad(f"{what} need {expected} words but the segment has {length}")


def _spans(seg: Segment, first: float, last: float, step: float) -> None:
    """The records (or states) must reach over the segment's time range, within one record of slack."""
    if not math.isfinite(first):
        raise _Bad(f"start of the first record is {first!r}")
    if first > seg.start + step or last < seg.stop - step:
        raise _Bad(f"its records span {first!r}..{last!r}, not the segment's {seg.start!r}..{seg.stop!r}")


def _chebyshev(per_degree: int, max_rsize: int, extra: int = 2) -> Callable:
    """SPK 2 and 3, PCK 2: INIT, INTLEN, RSIZE, N after N records of RSIZE words."""

    def check(seg: Segment, length: int, tail: _Words) -> None:
        init, intlen, rsize, n = tail(4)
        if not _integral(rsize) or not extra + per_degree <= rsize <= max_rsize or (rsize - extra) % per_degree:
            expected = f"{extra} + {per_degree} x (degree + 1), at most {max_rsize}"
            raise _Bad(f"record size is {rsize!r} (expected {expected})")
        count = _count(n, "number of records")
        _length(length, count * int(rsize) + 4, f"{count} records of {rsize:.0f} words")
        _positive(intlen, "record interval")
        _spans(seg, init, init + count * intlen, intlen)

    return check


def _chebyshev_v(max_rsize: int) -> Callable:
    """SPK 20, PCK 20: DSCALE, TSCALE, INITJD, INITFR, INTLEN (days), RSIZE, N after N records."""

    def check(seg: Segment, length: int, tail: _Words) -> None:
        dscale, tscale, initjd, initfr, intlen, rsize, n = tail(7)
        if not _integral(rsize) or not 6 <= rsize <= max_rsize or rsize % 3:
            raise _Bad(f"record size is {rsize!r} (expected 3 x (degree + 2), at most {max_rsize})")
        count = _count(n, "number of records")
        _length(length, count * int(rsize) + 7, f"{count} records of {rsize:.0f} words")
        _positive(dscale, "distance scale")
        _positive(tscale, "time scale")
        days = _positive(intlen, "record interval")
        init = (initjd - 2451545.0 + initfr) * 86400.0
        _spans(seg, init, init + count * days * 86400.0, days * 86400.0)

    return check


def _equal_steps(lagrange: bool) -> Callable:
    """SPK 8 (Lagrange: degree) and 12 (Hermite: window size - 1): START, STEP, value, N after N states."""

    def check(seg: Segment, length: int, tail: _Words) -> None:
        start, step, value, n = tail(4)
        if lagrange:
            window = _count(value, "polynomial degree", 1, 27) + 1
        else:
            window = _count(value, "window size - 1", 0, 13) + 1
        count = _count(n, "number of states", window if lagrange else 1)
        _length(length, 6 * count + 4, f"{count} states")
        _positive(step, "step")
        _spans(seg, start, start + (count - 1) * step, step)

    return check


def _epochs(lagrange: bool) -> Callable:
    """SPK 9 (Lagrange: degree) and 13 (Hermite: window size - 1): states, epochs, directory, value, N."""

    def check(seg: Segment, length: int, tail: _Words) -> None:
        value, n = tail(2)
        if lagrange:
            window = _count(value, "polynomial degree", 1, 27) + 1
        else:
            window = _count(value, "window size - 1", 0, 13) + 1
        count = _count(n, "number of states", window if lagrange else 1)
        _length(length, 7 * count + (count - 1) // 100 + 2, f"{count} states")
        tail.times(6 * count, count)

    return check


def _spk5(seg: Segment, length: int, tail: _Words) -> None:
    """Two-body: states, epochs, directory, GM, N."""
    gm, n = tail(2)
    if not 0 < gm <= HUGE:  # an overflowing propagation makes SPICE abort while formatting its error message
        raise _Bad(f"GM is {gm!r}")
    count = _count(n, "number of states")
    _length(length, 7 * count + (count - 1) // 100 + 2, f"{count} states")
    tail.times(6 * count, count)


def _spk18(seg: Segment, length: int, tail: _Words) -> None:
    """ESOC/DDID: packets of 12 (subtype 0) or 6 (subtype 1) words, epochs, directory, subtype, window, N."""
    subtype, _window, n = tail(3)
    size = {0.0: 12, 1.0: 6}.get(subtype)
    if size is None:
        raise _Bad(f"subtype is {subtype!r} (expected 0 or 1)")
    count = _count(n, "number of packets", 2)
    _length(length, count * size + count + (count - 1) // 100 + 3, f"{count} packets")
    tail.times(size * count, count)


def _mda(last_words: int) -> Callable:
    """SPK 1 (71-word records, N last) and 21 (MAXDIM, N last): records, epochs, directory every 100th."""

    def check(seg: Segment, length: int, tail: _Words) -> None:
        words = tail(last_words)
        count = _count(words[-1], "number of records")
        if last_words == 1:
            size = 71
        else:
            size = 4 * _count(words[0], "difference line dimension", 1, 25) + 11
        _length(length, count * (size + 1) + count // 100 + last_words, f"{count} records")
        tail.times(size * count, count)

    return check


def _elements(words: int) -> Callable:
    """SPK 15 (precessing conic) and 17 (equinoctial): one fixed set of elements, each of them a plausible
    number: an infinite one, or one whose powers overflow, makes SPICE abort while formatting its error message."""

    def check(seg: Segment, length: int, tail: _Words) -> None:
        _length(length, words, "its elements")
        values = tail(words)
        for i, value in enumerate(values, start=1):
            if not abs(value) <= HUGE:
                raise _Bad(f"element {i} of {words} is {value!r}")

    return check


def _ck1(seg: Segment, length: int, tail: _Words) -> None:
    """Discrete pointing: quaternions (+ angular velocity), times, directory, N."""
    (n,) = tail(1)
    count = _count(n, "number of records")
    size = 7 if seg.ints[3] else 4
    _length(length, count * (size + 1) + (count - 1) // 100 + 1, f"{count} records")
    tail.times(size * count, count, "time")


def _ck2(seg: Segment, length: int, tail: _Words) -> None:
    """Continuous pointing, no count word: 8-word records, start times, stop times, directory."""
    guess = max(1, length * 100 // 1001)
    counts = [c for c in range(max(1, guess - 2), guess + 3) if 10 * c + (c - 1) // 100 == length]
    if not counts:
        raise _Bad(f"{length} words do not hold a whole number of records")
    tail.times(8 * counts[0], counts[0], "start time")
    tail.times(9 * counts[0], counts[0], "stop time")


def _ck3(seg: Segment, length: int, tail: _Words) -> None:
    """Linear interpolation: records, times, directory, interval starts, directory, NINTS, N."""
    nints, n = tail(2)
    count = _count(n, "number of records")
    intervals = _count(nints, "number of intervals", 1, count)
    size = 7 if seg.ints[3] else 4
    expected = count * (size + 1) + (count - 1) // 100 + intervals + (intervals - 1) // 100 + 2
    _length(length, expected, f"{count} records in {intervals} intervals")
    times = tail.times(size * count, count, "time")
    tail.interval_starts(times, (size + 1) * count + (count - 1) // 100, intervals)


def _ck5(seg: Segment, length: int, tail: _Words) -> None:
    """MEX/Rosetta: packets (8, 4, 14 or 7 words by subtype), epochs, directory, starts, directory, 5 words."""
    _rate, subtype, _window, nints, n = tail(5)
    size = {0.0: 8, 1.0: 4, 2.0: 14, 3.0: 7}.get(subtype)
    if size is None:
        raise _Bad(f"subtype is {subtype!r} (expected 0 to 3)")
    count = _count(n, "number of packets")
    intervals = _count(nints, "number of intervals", 1, count)
    expected = count * (size + 1) + (count - 1) // 100 + intervals + (intervals - 1) // 100 + 5
    _length(length, expected, f"{count} packets in {intervals} intervals")
    times = tail.times(size * count, count, "time")
    tail.interval_starts(times, (size + 1) * count + (count - 1) // 100, intervals)


_CHECKS: dict[tuple[str, int], Callable] = {
    ("SPK", 1): _mda(1),
    ("SPK", 2): _chebyshev(3, 86),
    ("SPK", 3): _chebyshev(6, 170),
    ("SPK", 5): _spk5,
    ("SPK", 8): _equal_steps(lagrange=True),
    ("SPK", 9): _epochs(lagrange=True),
    ("SPK", 12): _equal_steps(lagrange=False),
    ("SPK", 13): _epochs(lagrange=False),
    ("SPK", 15): _elements(16),
    ("SPK", 17): _elements(12),
    ("SPK", 18): _spk18,
    ("SPK", 20): _chebyshev_v(156),
    ("SPK", 21): _mda(2),
    ("CK", 1): _ck1,
    ("CK", 2): _ck2,
    ("CK", 3): _ck3,
    ("CK", 5): _ck5,
    ("PCK", 2): _chebyshev(3, 128),
    ("PCK", 20): _chebyshev_v(126),
}
