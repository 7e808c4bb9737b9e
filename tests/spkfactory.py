"""Writes small SPK files for tests, from a function giving states at ETs.

Lets tests build geometry with a known answer (a moon whose closest approach
we placed, a probe that crosses Jupiter's shadow at a known time) while the
search code under test still reads it through SPICE like any kernel.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import spiceypy


def write_spk(
    path: Path,
    body: int,
    center: int,
    start: float,
    stop: float,
    states: Callable[[np.ndarray], np.ndarray],
    step: float = 300.0,
    frame: str = "J2000",
    comment: str = "",
) -> Path:
    """Type 9 (Lagrange, degree 7) segment sampled every ``step`` seconds."""
    ets = np.arange(start, stop + step, step)
    ets[-1] = stop
    sv = np.asarray(states(ets), dtype=float)
    handle = spiceypy.spkopn(str(path), "TEST", 4096 if comment else 0)
    try:
        if comment:
            spiceypy.dafac(handle, [line for line in comment.splitlines() or [""]])
        spiceypy.spkw09(
            handle,
            body,
            center,
            frame,
            float(ets[0]),
            float(ets[-1]),
            "test",
            7,
            len(ets),
            sv.tolist(),
            ets.tolist(),
        )
    finally:
        spiceypy.spkcls(handle)
    return path


def write_type9_segments(
    path: Path,
    segments: Iterable[tuple[int, int, np.ndarray, np.ndarray]],
    degree: int = 3,
    comments: Sequence[str] = (),
) -> Path:
    """One type 9 segment per (body, center, ets, states): files with many segments (summary chains,
    thousands of intervals or bodies), each named ``s0``, ``s1``, ..."""
    handle = spiceypy.spkopn(str(path), "TEST", 2048 if comments else 0)
    try:
        if comments:
            spiceypy.dafac(handle, list(comments))
        for i, (body, center, ets, states) in enumerate(segments):
            spiceypy.spkw09(handle, body, center, "J2000", ets[0], ets[-1], f"s{i}", degree, len(ets), states, ets)
    finally:
        spiceypy.spkcls(handle)
    return path


# -- every segment type the loader validates, and bytes to break them with --------------------------------------
#
# The attack tests need a valid file of each data type whose directory words they can then corrupt one at a time.
# SPICE's writers make most of them; types 1 and 21 have no writer in spiceypy, so ``write_raw_daf`` lays out a
# DAF by hand (the same format SPICE writes: file record, one summary and name record, then the data).

#: Inside the embedded Juno coverage (late 2023), so that ``perijove events`` reads these segments.
ET0 = 7.54e8


def circular(ets: np.ndarray, radius: float = 421_700.0, period: float = 1.769 * 86400) -> np.ndarray:
    """States of a circular equatorial orbit: plausible numbers for every writer."""
    w = 2 * np.pi / period
    c, s = np.cos(w * ets), np.sin(w * ets)
    zero = np.zeros_like(ets)
    return np.stack([radius * c, radius * s, zero, -radius * w * s, radius * w * c, zero], axis=1)


def _fresh(path: Path) -> str:
    path = Path(path)
    if path.exists():
        path.unlink()
    return str(path)


def write_spk_type(
    path: Path, data_type: int, body: int = 501, center: int = 5, start: float = ET0, n: int = 150
) -> Path:
    """One ``data_type`` SPK segment for ``body`` over about six days, written by SPICE itself."""
    step = 3600.0
    ets = start + step * np.arange(n)
    states = circular(ets)
    first, last = float(ets[0]), float(ets[-1])
    deg, nrec = 7, 6
    intlen = (last - first) / nrec
    handle = spiceypy.spkopn(_fresh(path), "TEST", 0)
    try:
        args = (handle, body, center, "J2000", first, last, f"type {data_type}")
        if data_type in (2, 3):
            ncoef = (3 if data_type == 2 else 6) * (deg + 1)
            cdata = np.zeros((nrec, ncoef))
            cdata[:, 0] = 421_700.0
            writer = spiceypy.spkw02 if data_type == 2 else spiceypy.spkw03
            writer(*args, intlen, nrec, deg, cdata.ravel(), first)
        elif data_type == 5:
            spiceypy.spkw05(*args, 5959.9, n, states, ets)
        elif data_type in (8, 12):
            (spiceypy.spkw08 if data_type == 8 else spiceypy.spkw12)(*args, deg, n, states, first, step)
        elif data_type in (9, 13):
            (spiceypy.spkw09 if data_type == 9 else spiceypy.spkw13)(*args, deg, n, states, ets)
        elif data_type == 15:
            spiceypy.spkw15(
                *args, first, np.array([0, 0, 1.0]), np.array([1.0, 0, 0]), 421_700.0, 0.004, 0.0,
                np.array([0, 0, 1.0]), 126_686_531.9, 0.0, 71_492.0,
            )  # fmt: skip
        elif data_type == 17:
            eqel = [421_700.0, 0.001, 0.001, 0.5, 0.0, 0.0, 4.1e-5, 0.0, 0.0]
            spiceypy.spkw17(*args, first, eqel, 0.0, np.pi / 2)
        elif data_type == 18:
            spiceypy.spkw18(handle, 1, *args[1:], deg, states.tolist(), ets.tolist())
        elif data_type == 20:
            cdata = np.zeros((nrec, 3 * (deg + 1) + 3))
            jd0 = 2451545.0 + first / 86400.0
            spiceypy.spkw20(*args, intlen / 86400.0, nrec, deg, cdata.ravel(), 1.0, 1.0, float(np.floor(jd0)),
                            float(jd0 - np.floor(jd0)))  # fmt: skip
        else:
            raise ValueError(f"no SPICE writer for SPK type {data_type}; use write_raw_daf")
    finally:
        spiceypy.spkcls(handle)
    return Path(path)


def write_ck_type(path: Path, data_type: int, inst: int = -61000, n: int = 150, avflag: bool = True) -> Path:
    """One ``data_type`` CK segment (with angular velocity unless ``avflag`` is off) of a craft that does not turn."""
    sclk = 1.0e6 + 10.0 * np.arange(n)
    quats = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    avvs = np.zeros((n, 3))
    handle = spiceypy.ckopn(_fresh(path), "TEST", 0)
    try:
        first, last = float(sclk[0]), float(sclk[-1])
        if data_type == 1:
            spiceypy.ckw01(handle, first, last, inst, "J2000", avflag, "type 1", n, sclk, quats, avvs)
        elif data_type == 2:
            spiceypy.ckw02(handle, first, last + 5, inst, "J2000", "type 2", n, sclk, sclk + 5, quats, avvs, np.ones(n))
        elif data_type == 3:
            starts = sclk[[0, n // 2]]
            spiceypy.ckw03(handle, first, last, inst, "J2000", avflag, "type 3", n, sclk, quats, avvs, 2, starts)
        elif data_type == 5:
            packets = np.hstack([quats, np.zeros((n, 4))]).tolist()
            args5 = (inst, "J2000", avflag, "type 5", sclk, packets, 1.0, 1, sclk[:1])
            spiceypy.ckw05(handle, 0, 7, first, last, *args5)
        else:
            raise ValueError(f"no writer for CK type {data_type} here")
    finally:
        spiceypy.ckcls(handle)
    return Path(path)


def write_pck_type2(path: Path, frame_class: int = 3000, start: float = ET0) -> Path:
    """One type 2 binary PCK segment (Chebyshev Euler angles) for a made-up frame class id."""
    deg, nrec, intlen = 7, 6, 86400.0
    cdata = np.zeros((nrec, 3 * (deg + 1)))
    handle = spiceypy.pckopn(_fresh(path), "TEST", 0)
    try:
        spiceypy.pckw02(handle, frame_class, "J2000", start, start + nrec * intlen, "type 2", intlen, nrec, deg,
                        cdata.ravel(), start)  # fmt: skip
    finally:
        spiceypy.pckcls(handle)
    return Path(path)


_FTPSTR = b"FTPSTR:\r:\n:\r\n:\r\x00:\x81:\x10\xce:ENDFTP"


def write_raw_daf(path: Path, kind: str, segments: list[tuple[tuple[float, ...], tuple[int, ...], np.ndarray]]) -> Path:
    """A little-endian DAF laid out by hand: ``segments`` are (doubles, ints without addresses, data words).

    The two addresses at the end of each integer summary are filled in here.
    """
    nd, ni = (2, 5) if kind == "PCK" else (2, 6)
    summary_size = nd + (ni + 1) // 2
    data = [np.asarray(words, dtype="<f8") for _, _, words in segments]
    first = 3 * 128 + 1
    summaries, names, address = b"", b"", first
    for (doubles, ints, _), words in zip(segments, data, strict=True):
        ints = (*ints, address, address + len(words) - 1)
        address += len(words)
        packed = struct.pack(f"<{nd}d{ni}i", *doubles, *ints)
        summaries += packed.ljust(summary_size * 8, b"\0")
        names += b"raw".ljust(summary_size * 8, b" ")
    free = address
    head = b"DAF/" + kind.ljust(4).encode()
    head += struct.pack("<ii", nd, ni) + b"raw DAF".ljust(60) + struct.pack("<iii", 2, 2, free) + b"LTL-IEEE"
    head = head.ljust(699, b"\0") + _FTPSTR
    summary_record = struct.pack("<3d", 0.0, 0.0, float(len(segments))) + summaries
    body = b"".join(w.tobytes() for w in data)
    blob = head.ljust(1024, b"\0") + summary_record.ljust(1024, b"\0") + names.ljust(1024, b" ") + body
    Path(path).write_bytes(blob.ljust(-(-len(blob) // 1024) * 1024, b"\0"))
    return Path(path)


def raw_spk_type1(path: Path, body: int = 501, center: int = 5, start: float = ET0, n: int = 3) -> Path:
    """A type 1 (modified difference array) segment of ``n`` zero records: the layout SPICE expects."""
    epochs = start + 3600.0 * np.arange(1, n + 1)
    words = np.concatenate([np.zeros(71 * n), epochs, epochs[99::100][: n // 100], [n]])
    return write_raw_daf(path, "SPK", [((start, float(epochs[-1])), (body, center, 1, 1), words)])


def raw_spk_type21(path: Path, body: int = 501, center: int = 5, start: float = ET0, n: int = 3) -> Path:
    """A type 21 (extended difference array) segment with difference lines of dimension 15."""
    maxdim = 15
    epochs = start + 3600.0 * np.arange(1, n + 1)
    words = np.concatenate([np.zeros((4 * maxdim + 11) * n), epochs, epochs[99::100][: n // 100], [maxdim, n]])
    return write_raw_daf(path, "SPK", [((start, float(epochs[-1])), (body, center, 1, 21), words)])


def patch_double(path: Path, address: int, value: float) -> None:
    """Overwrite DAF word ``address`` (1-based, little-endian file) in place."""
    with open(path, "r+b") as handle:
        handle.seek((address - 1) * 8)
        handle.write(struct.pack("<d", value))


def patch_int32(path: Path, offset: int, value: int) -> None:
    """Overwrite the 32-bit integer at byte ``offset`` in place."""
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(struct.pack("<i", value))
