"""Read a DAF file's own structure (SPK, CK, binary PCK) without SPICE.

SPICE loads a truncated DAF without complaint and fails only when a query
reaches the missing bytes, long after the user chose the file. Reading the
file record and segment summaries ourselves lets a load reject a damaged or
unsupported file up front, with a reason, before SPICE's state changes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

RECORD = 1024

#: Segment types CSPICE N0067 can evaluate, per DAF kind.
SUPPORTED_TYPES = {
    "SPK": frozenset({1, 2, 3, 5, 8, 9, 10, 12, 13, 14, 15, 17, 18, 19, 20, 21}),
    "CK": frozenset({1, 2, 3, 4, 5, 6}),
    "PCK": frozenset({2, 3, 20}),
}


class DafFormatError(ValueError):
    """The file is not a well-formed DAF; the message says why."""


@dataclass(frozen=True)
class Segment:
    """One segment summary: what it covers and where its data lie."""

    doubles: tuple[float, ...]
    ints: tuple[int, ...]
    name: str

    @property
    def start(self) -> float:
        return self.doubles[0]

    @property
    def stop(self) -> float:
        return self.doubles[1]

    @property
    def data_type(self) -> int:
        return self.ints[-3]

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
    chunks = []
    for rec in range(2, first_summary):
        handle.seek((rec - 1) * RECORD)
        chunk = handle.read(1000)
        end = chunk.find(b"\x04")
        if end >= 0:
            chunks.append(chunk[:end])
            break
        chunks.append(chunk)
    return b"".join(chunks).replace(b"\x00", b"\n").decode("latin-1").rstrip("\n")


def read_daf(path: Path) -> DafFile:
    """Parse ``path`` as a DAF; raise ``DafFormatError`` if it is damaged.

    Only the file record, the summary and name records and the comment area are read, so a
    whole-mission SPK of hundreds of megabytes is checked without reading its data.
    """
    with open(path, "rb") as handle:
        return _read_daf(handle, Path(path).stat().st_size)


def _read_daf(handle, size: int) -> DafFile:
    if size < RECORD:
        raise DafFormatError(f"truncated: {size} bytes, shorter than one DAF record")

    def record_at(number: int) -> bytes:
        handle.seek((number - 1) * RECORD)
        return handle.read(RECORD)

    head = record_at(1)
    idword = head[:8].decode("ascii", "replace").strip()
    kind = idword.split("/", 1)[1] if "/" in idword else idword
    order = _byte_order(head)
    nd, ni = struct.unpack(order + "ii", head[8:16])
    if not (0 < nd <= 124 and 2 <= ni <= 250):
        raise DafFormatError(f"corrupt file record (ND={nd}, NI={ni})")
    internal_name = head[16:76].decode("latin-1").strip()
    fward, _bward, free = struct.unpack(order + "iii", head[76:88])
    needed = (free - 1) * 8
    if free < 1 or fward < 2:
        raise DafFormatError(f"corrupt file record (FWARD={fward}, FREE={free})")
    if size < needed:
        raise DafFormatError(f"truncated: {size} bytes, the file record says at least {needed}")

    summary_doubles = nd + (ni + 1) // 2
    segments: list[Segment] = []
    record, seen = fward, set()
    while record:
        if record in seen or record * RECORD > size:
            raise DafFormatError(f"corrupt summary chain at record {record}")
        seen.add(record)
        block = record_at(record)
        names = record_at(record + 1)
        nxt, _prev, nsum = struct.unpack(order + "3d", block[:24])
        if nsum != int(nsum) or not 0 <= nsum <= (125 - 3) // summary_doubles:
            raise DafFormatError(f"corrupt summary record {record}")
        for i in range(int(nsum)):
            offset = 24 + i * summary_doubles * 8
            doubles = struct.unpack(order + f"{nd}d", block[offset : offset + nd * 8])
            ints = struct.unpack(order + f"{ni}i", block[offset + nd * 8 : offset + nd * 8 + ni * 4])
            name = names[i * summary_doubles * 8 : (i + 1) * summary_doubles * 8]
            seg = Segment(doubles, ints, name.decode("latin-1").strip())
            if not 0 < seg.first_address <= seg.last_address or seg.last_address * 8 > size:
                raise DafFormatError(
                    f"truncated or corrupt: segment {i + 1} ({seg.name or 'unnamed'}) points past the end of the file"
                )
            segments.append(seg)
        record = int(nxt)
    return DafFile(
        kind=kind,
        nd=nd,
        ni=ni,
        internal_name=internal_name,
        byte_order=order,
        segments=tuple(segments),
        comments=_read_comments(handle, fward),
    )
