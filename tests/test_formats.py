"""Our own readers of SPICE file formats, on real files and on broken ones."""

from __future__ import annotations

import functools
import re
import struct
import tracemalloc

import numpy as np
import pytest
import spiceypy
from conftest import DE, FK, JUNO_2022, LSK, PCK, needs_real
from spkfactory import (
    ET0,
    circular,
    patch_double,
    patch_int32,
    raw_spk_type1,
    raw_spk_type21,
    write_ck_type,
    write_pck_type2,
    write_spk_type,
    write_type9_segments,
)

from perijove.ephemeris.daf import DafFormatError, read_daf
from perijove.ephemeris.defaults import default_kernel_dir
from perijove.ephemeris.textkernel import TextKernelError, join_continued, parse_text_kernel


@needs_real
def test_pck_values_read_like_spice():
    parsed = parse_text_kernel(PCK.read_text())
    assert parsed.variables["BODY599_RADII"] == [71492.0, 71492.0, 66854.0]
    assert parsed.variables["BODY501_PM"][:2] == [200.39, 203.4889538]
    lsk = parse_text_kernel(LSK.read_text())
    assert "@1972-JAN-1" in lsk.variables["DELTET/DELTA_AT"]


def test_assignment_forms():
    text = (
        "junk before data\n\\begindata\n"
        "A = 1\nB = ( 'x''y', 'z' )\nA += ( 4\n 2.5D3 -1 )\nC = @2020-JAN-01\n\\begintext\nmore junk = (\n"
    )
    parsed = parse_text_kernel(text)
    assert parsed.variables == {"A": [1.0, 4.0, 2500.0, -1.0], "B": ["x'y", "z"], "C": ["@2020-JAN-01"]}


@pytest.mark.parametrize(
    "body, line",
    [
        ("A = ( 1 2\n\\begintext\n", 4),
        ("A = 'open\n", 3),
        ("A ( 1 )\n", 3),
        ("= 3\n", 3),
        ("A = ( )\n", 3),
        ("A = ( 1 ) )\n", 3),
        ("\n\nA = (\n", 5),
    ],
)
def test_syntax_errors_name_the_line(body, line):
    with pytest.raises(TextKernelError, match=f"line {line}"):
        parse_text_kernel("KPL/PCK\n\\begindata\n" + body)


def test_continued_strings():
    assert join_continued(["/a/b+", "/c.bsp", "d.bsp"]) == ["/a/b/c.bsp", "d.bsp"]


@needs_real
def test_daf_summaries_of_the_juno_spk():
    daf = read_daf(JUNO_2022)
    assert daf.kind == "SPK" and (daf.nd, daf.ni) == (2, 6)
    targets = {s.ints[0] for s in daf.segments}
    assert {-61, 599, 10, 399} <= targets
    juno = next(s for s in daf.segments if s.ints[0] == -61)
    assert juno.data_type == 1 and juno.ints[1] == 5
    assert "JUNO" in daf.comments.upper()  # NAV files say what they hold in their comment area


@needs_real
def test_daf_damage_is_found(tmp_path):
    data = JUNO_2022.read_bytes()
    for size in (100, 1024, 5000, len(data) // 2, len(data) - 700):
        bad = tmp_path / f"cut{size}.bsp"
        bad.write_bytes(data[:size])
        with pytest.raises(DafFormatError, match=r"truncated|corrupt"):
            read_daf(bad)
    scrambled = bytearray(data)
    order = "big" if read_daf(JUNO_2022).byte_order == ">" else "little"
    scrambled[76:80] = (10**6).to_bytes(4, order)  # forward pointer far past the end
    bad = tmp_path / "scrambled.bsp"
    bad.write_bytes(bytes(scrambled))
    with pytest.raises(DafFormatError, match="corrupt"):
        read_daf(bad)


# -- segment directories and DAF structure: corrupt but plausible values (issue 12, item 9 and siblings) ----------
#
# Every case starts from a valid file written by SPICE (or laid out by hand for SPK types 1 and 21), changes one
# word, and must be refused by ``read_daf`` with the segment named; SPICE itself would crash (SIGSEGV, abort),
# hang, or return garbage on most of them.

MAKERS = {
    **{f"spk{t}": functools.partial(write_spk_type, data_type=t) for t in (2, 3, 5, 8, 9, 12, 13, 15, 17, 18, 20)},
    "spk1": raw_spk_type1,
    "spk1-dir": functools.partial(raw_spk_type1, n=250),
    "spk21": raw_spk_type21,
    **{f"ck{t}": functools.partial(write_ck_type, data_type=t) for t in (1, 2, 3, 5)},
    "ck1-no-av": functools.partial(write_ck_type, data_type=1, avflag=False),
    "ck3-no-av": functools.partial(write_ck_type, data_type=3, avflag=False),
    "pck2": write_pck_type2,
}


def _made(tmp_path, maker: str):
    path = MAKERS[maker](tmp_path / f"{maker}.bin")
    return path, read_daf(path).segments[0]


@pytest.mark.parametrize("maker", sorted(MAKERS))
def test_every_segment_type_written_by_spice_passes(tmp_path, maker):
    path, seg = _made(tmp_path, maker)
    assert seg.last_address > seg.first_address
    expected = int(re.search(r"\d+", maker).group())
    assert seg.data_type == expected  # a CK keeps its type in the third integer, not the fourth from the end
    assert read_daf(path).segments[0] == seg


NAN, INF = float("nan"), float("inf")
# (file, word counted back from the segment's last word, new value, what the message says)
DIRECTORY_CASES = [
    ("spk2", 1, 2000.0, "record size"),  # the SIGSEGV of issue 12: SPICE copies 2000 words into a 198-word buffer
    ("spk2", 1, 1e6, "record size"),
    ("spk2", 1, 29.0, "records of 29 words"),  # a plausible size (degree 8) the segment's length does not match
    ("spk2", 1, 24.0, "record size"),  # not 2 + 3 (degree + 1)
    ("spk2", 1, NAN, "record size"),
    ("spk2", 0, 1e6, "records"),
    ("spk2", 0, 0.0, "records"),
    ("spk2", 0, -3.0, "records"),
    ("spk2", 0, 2.5, "records"),
    ("spk2", 2, 0.0, "interval"),
    ("spk2", 2, -86400.0, "interval"),
    ("spk2", 2, NAN, "interval"),
    ("spk2", 2, 1e-300, "span"),
    ("spk2", 3, NAN, "start"),
    ("spk2", 3, 9e8, "span"),
    ("spk3", 1, 2000.0, "record size"),
    ("spk3", 1, 23.0, "record size"),
    ("spk20", 1, 2000.0, "record size"),
    ("spk20", 0, 3.0, "records"),
    ("spk20", 2, 0.0, "interval"),
    ("spk8", 1, 1000.0, "degree"),
    ("spk8", 1, 0.0, "degree"),
    ("spk8", 0, 1e6, "states"),
    ("spk8", 2, 0.0, "step"),
    ("spk12", 1, 100.0, "window"),
    ("spk9", 1, 500.0, "degree"),
    ("spk9", 1, 28.0, "degree"),
    ("spk9", 0, 1e6, "states"),
    ("spk13", 1, 50.0, "window"),
    ("spk13", 0, 7.0, "states"),
    ("spk5", 0, 1e6, "states"),
    ("spk18", 2, 7.0, "subtype"),
    ("spk18", 0, 1e6, "packets"),
    ("spk1", 0, 4.0, "records"),
    ("spk1-dir", 0, 1e9, "records"),
    ("spk21", 1, 40.0, "dimension"),
    ("spk21", 1, 0.0, "dimension"),
    ("spk21", 0, 4.0, "records"),
    ("ck1", 0, 1e6, "records"),
    ("ck3", 1, 1e6, "intervals"),
    ("ck3", 0, 7.0, "records"),
    ("ck5", 3, 9.0, "subtype"),
    ("ck5", 0, 1e6, "packets"),
    ("pck2", 1, 200.0, "record size"),
    ("pck2", 0, 1e6, "records"),
    # The time index SPICE searches, and the few constants of the small types. SPICE aborts (SIGABRT while
    # formatting an error message about an overflowing value, or on a subscript out of range) on the GM, the
    # type 5 epoch, the type 15 and 17 elements and the CK 5 interval start; the rest give it garbage.
    ("spk5", 1, 1e300, "GM"),
    ("spk5", 3, INF, "epoch 150 of 150"),
    ("spk9", 3, NAN, "epoch 150 of 150"),
    ("spk9", 3, ET0, "epochs go backwards at 150"),
    ("spk13", 3, -INF, "epoch 150"),
    ("spk18", 4, NAN, "epoch 150"),
    ("spk1", 1, NAN, "epoch 3 of 3"),
    ("spk21", 2, INF, "epoch 3 of 3"),
    ("spk15", 0, -INF, "element 16 of 16"),
    ("spk17", 8, 1e300, "element 4 of 12"),
    ("ck1", 2, INF, "time 150 of 150"),
    ("ck3", 5, NAN, "time 150 of 150"),
    ("ck3", 2, 1.0e6 + 5.0, "interval start 2 of 2"),
    ("ck5", 5, 1e9, "interval start 1 of 1"),
]


@pytest.mark.parametrize("maker, back, value, reason", DIRECTORY_CASES, ids=lambda v: str(v))
def test_corrupt_segment_directory_is_refused(tmp_path, maker, back, value, reason):
    path, seg = _made(tmp_path, maker)
    patch_double(path, seg.last_address - back, value)
    with pytest.raises(DafFormatError, match=rf"segment 1 \(.*\).*{reason}") as info:
        read_daf(path)
    assert "\n" not in str(info.value)


def _summary(path):
    return read_daf(path).segments[0]


def _set_summary_int(path, index, value):
    patch_int32(path, 1024 + 24 + 16 + 4 * index, value)  # first summary: 3 control words, 2 doubles, then ints


def _set_summary_double(path, index, value):
    patch_double(path, 128 + 3 + index + 1, value)


def _set_control(path, index, value):  # NEXT, PREV, NSUM of the first summary record
    patch_double(path, 128 + index + 1, value)


STRUCTURE_CASES = {
    "ND=1": (lambda p: patch_int32(p, 8, 1), "ND=1, NI=6"),
    "NI=5 in an SPK": (lambda p: patch_int32(p, 12, 5), "ND=2, NI=5"),
    "NI=7": (lambda p: patch_int32(p, 12, 7), "ND=2, NI=7"),
    "BWARD at a data record": (lambda p: patch_int32(p, 80, 4), "BWARD"),  # SPICE aborts in DAFFA
    "BWARD=0": (lambda p: patch_int32(p, 80, 0), "BWARD"),
    "BWARD past the end": (lambda p: patch_int32(p, 80, 1000), "BWARD"),
    "FREE before the data end": (lambda p: patch_int32(p, 84, 300), "FREE"),
    "NEXT=NaN": (lambda p: _set_control(p, 0, NAN), "summary record 2"),
    "NEXT=inf": (lambda p: _set_control(p, 0, INF), "summary record 2"),
    "NEXT=-1": (lambda p: _set_control(p, 0, -1.0), "summary record 2"),
    "NEXT=0.5": (lambda p: _set_control(p, 0, 0.5), "summary record 2"),
    "PREV loops to itself": (lambda p: _set_control(p, 1, 2.0), "summary record 2"),  # SPICE never returns
    "PREV at a data record": (lambda p: _set_control(p, 1, 4.0), "summary record 2"),  # SPICE aborts
    "PREV=NaN": (lambda p: _set_control(p, 1, NAN), "summary record 2"),
    "NSUM=NaN": (lambda p: _set_control(p, 2, NAN), "summary record 2"),
    "data inside the file record": (lambda p: _set_summary_int(p, 4, 100), "segment 1"),
    "data inside the summary records": (lambda p: _set_summary_int(p, 4, 200), "segment 1"),
    "data ends before it begins": (lambda p: _set_summary_int(p, 5, 300), "segment 1"),
    "start is NaN": (lambda p: _set_summary_double(p, 0, NAN), "segment 1"),
    "stop is infinite": (lambda p: _set_summary_double(p, 1, INF), "segment 1"),
    "start after stop": (lambda p: _set_summary_double(p, 0, 9e8), "segment 1"),
    "body relative to itself": (lambda p: _set_summary_int(p, 1, 501), "relative to itself"),  # SPICE loops
}


@pytest.mark.parametrize("case", sorted(STRUCTURE_CASES))
def test_corrupt_daf_structure_is_refused(tmp_path, case):
    patch, reason = STRUCTURE_CASES[case]
    path = write_spk_type(tmp_path / "spk2.bsp", 2)
    patch(path)
    with pytest.raises(DafFormatError, match=re.escape(reason)) as info:
        read_daf(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("count", [24, 25, 50, 60])
def test_long_summary_chain_is_followed_both_ways(tmp_path, count):
    """Up to 25 summaries fill a record; more make a chain SPICE walks both ways. A file whose last record
    filled up ends with an empty summary record and a 1000-byte name record: both used to be refused."""
    segments = ((501, 5, ets, circular(ets)) for ets in (ET0 + 60.0 * np.arange(10) + i for i in range(count)))
    path = write_type9_segments(tmp_path / "many.bsp", segments)
    assert len(read_daf(path).segments) == count


# -- reading only what is needed (issue 12, item 10) --------------------------------------------------------------


def _sparse(path, size: int) -> None:
    with open(path, "r+b" if path.exists() else "wb") as handle:
        handle.truncate(size)


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_comment_area_is_read_only_as_far_as_needed(tmp_path):
    """A DAF whose comment area claims a gigabyte (no end-of-comments mark) is read in a few hundred kilobytes."""
    path = write_spk_type(tmp_path / "spk2.bsp", 2)
    data = bytearray(path.read_bytes())
    reserved = 2**30 // 1024  # records of comments
    fward = 2 + reserved
    # Move the summary, name and data records behind a sparse comment area, and shift every pointer to match.
    tail = bytes(data[1024:])
    head = bytearray(data[:1024])
    first_summary = struct.unpack("<d", tail[:8])  # NEXT of the one summary record stays 0
    assert first_summary == (0.0,)
    struct.pack_into("<iii", head, 76, fward, fward, struct.unpack("<i", head[84:88])[0] + reserved * 128)
    tail = bytearray(tail)
    ints_at = 24 + 16
    first, last = struct.unpack("<ii", tail[ints_at + 16 : ints_at + 24])
    struct.pack_into("<ii", tail, ints_at + 16, first + reserved * 128, last + reserved * 128)
    with open(path, "wb") as handle:
        handle.write(head)
        handle.write(b"x" * 1000)  # comments with no end mark, then sparse zeros
        handle.seek((fward - 1) * 1024)
        handle.write(tail)
    daf = None

    def read():
        nonlocal daf
        daf = read_daf(path)

    assert _peak_bytes(read) < 8 * 2**20
    assert daf is not None and daf.comments.startswith("x" * 1000)


# -- against SPICE's own readers (issue 16, item 6) ---------------------------------------------------------------
#
# Our readers exist only for what SPICE cannot check safely before a load (a segment directory that crashes it, a
# text kernel it would half-load); what they do read must be what SPICE reads. The oracles are SPICE's own kernel
# pool (ldpool, then gnpool/dtpool/gcpool/gdpool) and its DAF routines (dafopr, dafbfs, daffna, dafgs, dafus, dafgn,
# dafec), on the real files when present, the embedded set always, and files written here.

EMBEDDED = default_kernel_dir()


def _pool_variables(path) -> dict[str, list]:
    """Every variable SPICE's own text-kernel reader makes of ``path``, with its values as SPICE stores them."""
    spiceypy.clpool()
    spiceypy.ldpool(str(path))
    try:
        out: dict[str, list] = {}
        with spiceypy.no_found_check():
            names, found = spiceypy.gnpool("*", 0, 30_000)
        for name in names if found else []:
            count, kind = spiceypy.dtpool(name)
            if kind == "C":
                out[name] = [str(v) for v in spiceypy.gcpool(name, 0, count, 1024)]
            else:
                out[name] = [float(v) for v in spiceypy.gdpool(name, 0, count)]
        return out
    finally:
        spiceypy.clpool()


def _parsed_as_spice_stores_it(path) -> dict[str, list]:
    parsed = parse_text_kernel(path.read_text(encoding="latin-1"))

    def stored(value):
        # SPICE keeps an @date as seconds past J2000 (TPARSE, no leap seconds); we keep the text.
        if isinstance(value, str) and value.startswith("@"):
            seconds, problem = spiceypy.tparse(value[1:], 200)
            assert not problem, problem
            return seconds
        return value

    return {name: [stored(v) for v in values] for name, values in parsed.variables.items()}


def _every_form(tmp_path):
    """A text kernel with every assignment form SPICE accepts, written here."""
    path = tmp_path / "forms.tpc"
    path.write_text(
        "KPL/PCK\nA line of comment = ( before any data\n\\begindata\n"
        "BODY599_RADII     = ( 71492  71492  66854 )\n"
        "NUMBERS = ( 1, -2.5, +3.25E2, 4.0D-3, .5, -.25d+1, 1e300 )\n"
        "QUOTED = ( 'it''s', 'a+', 'continued', ' ', 'trailing blanks   ' )\n"
        "DATES = ( @1972-JAN-1, @2023-12-30T08:36:00.8 )\n"
        "APPENDED = 1\nAPPENDED += ( 2\n   3 )\n"
        "\\begintext\nmore = comment (\n\\begindata\n"
        "SECOND_BLOCK = 'after a comment block'\n"
        "LONG_NAME_OF_THIRTY_TWO_CHARS_X = 7\n"
        "\\begintext\n"
    )
    return path


def _metakernel(tmp_path):
    path = tmp_path / "set.tm"
    path.write_text(
        "KPL/MK\n\\begindata\nPATH_VALUES = ( '/data/kernels' )\nPATH_SYMBOLS = ( 'K' )\n"
        "KERNELS_TO_LOAD = ( '$K/naif0012.tls', '$K/spk/a_very_long_+'\n  'file_name.bsp' )\n\\begintext\n"
    )
    return path


TEXT_FILES = {
    "embedded LSK": lambda tmp: EMBEDDED / "leapseconds.tls",
    "embedded PCK": lambda tmp: EMBEDDED / "perijove_synthetic.tpc",
    "every form": _every_form,
    "metakernel": _metakernel,
}
REAL_TEXT_FILES = {"naif0012.tls": LSK, "pck00011.tpc": PCK, "juno_v12.tf": FK}


@pytest.mark.parametrize("name", sorted(TEXT_FILES))
def test_text_kernels_read_as_spices_own_pool_reads_them(tmp_path, name):
    path = TEXT_FILES[name](tmp_path)
    _same_pool(_parsed_as_spice_stores_it(path), _pool_variables(path))


def _same_pool(ours: dict[str, list], spice: dict[str, list]) -> None:
    assert ours.keys() == spice.keys()
    for key, values in ours.items():
        # SPICE's own number parser may round the last bit differently (1e300 reads as 9.999999999999998e+299).
        assert values == pytest.approx(spice[key], rel=1e-15, abs=0), key


@needs_real
@pytest.mark.parametrize("name", sorted(REAL_TEXT_FILES))
def test_real_text_kernels_read_as_spices_own_pool_reads_them(name):
    path = REAL_TEXT_FILES[name]
    ours = _parsed_as_spice_stores_it(path)
    assert len(ours) >= 5  # naif0012 holds 5 variables; pck00011 and juno_v12 hundreds
    _same_pool(ours, _pool_variables(path))


@pytest.mark.parametrize(
    "body",
    ["A = ( 'x', 2.5 )", "A = 1\nA += 'x'", "A = ( 'a' )\nA += ( @2020-JAN-1 )", "A = ''", "A = ( 'x' '' )", "A = ( )"],
)
def test_what_spices_pool_refuses_ours_refuses_too(tmp_path, body):
    path = tmp_path / "bad.tpc"
    path.write_text(f"KPL/PCK\n\\begindata\n{body}\n\\begintext\n")
    with pytest.raises(spiceypy.utils.exceptions.SpiceyError):
        _pool_variables(path)
    spiceypy.reset()
    with pytest.raises(TextKernelError, match=r"line [34]"):
        parse_text_kernel(path.read_text())


def test_a_syntax_error_spice_would_load_is_refused_by_ours(tmp_path):
    """Why the text parser exists: SPICE loads an unclosed list before \\begintext without a word."""
    path = tmp_path / "unclosed.tpc"
    path.write_text("KPL/PCK\n\\begindata\nBODY599_RADII = ( 71492 71492 66854\n\\begintext\n")
    with pytest.raises(TextKernelError, match="line 4: assignment of BODY599_RADII is not finished"):
        parse_text_kernel(path.read_text())
    assert _pool_variables(path)["BODY599_RADII"] == [71492.0, 71492.0, 66854.0]


def _spice_daf(path):
    """File record, summaries, names and comments as SPICE's DAF routines read them."""
    handle = spiceypy.dafopr(str(path))
    try:
        nd, ni, ifname, _fward, _bward, _free = spiceypy.dafrfr(handle)
        segments = []
        spiceypy.dafbfs(handle)
        while spiceypy.daffna():
            dc, ic = spiceypy.dafus(spiceypy.dafgs(nd + (ni + 1) // 2), nd, ni)
            segments.append((tuple(float(v) for v in dc), tuple(int(v) for v in ic), spiceypy.dafgn(1000).strip()))
        lines: list[str] = []
        done = False
        while not done:
            _n, chunk, done = spiceypy.dafec(handle, 200, 1000)
            lines.extend(chunk)
        return (nd, ni, ifname.strip()), segments, "\n".join(lines).rstrip("\n")
    finally:
        spiceypy.dafcls(handle)


def _check_daf_against_spice(path) -> int:
    ours = read_daf(path)
    header, segments, comments = _spice_daf(path)
    assert (ours.nd, ours.ni, ours.internal_name) == header
    assert [(s.doubles, s.ints, s.name) for s in ours.segments] == segments
    assert ours.comments == comments
    return len(segments)


@pytest.mark.parametrize("name", ["perijove_planets.bsp", "perijove_juno.bsp", "de440_excerpt_2020_2027.bsp"])
def test_embedded_dafs_read_as_spices_daf_routines_read_them(name):
    assert _check_daf_against_spice(EMBEDDED / name) > 0


@pytest.mark.parametrize("maker", sorted(MAKERS))
def test_generated_dafs_read_as_spices_daf_routines_read_them(tmp_path, maker):
    assert _check_daf_against_spice(_made(tmp_path, maker)[0]) == 1


def test_a_chain_of_summary_records_reads_as_spice_reads_it(tmp_path):
    segments = []
    for i in range(60):
        ets = ET0 + 60.0 * np.arange(10) + i
        segments.append((501 + i % 4, 5, ets, circular(ets)))
    path = write_type9_segments(tmp_path / "many.bsp", segments, comments=[f"comment line {i}" for i in range(40)])
    assert _check_daf_against_spice(path) == 60


@needs_real
@pytest.mark.parametrize("path", [JUNO_2022, DE], ids=["juno_2022", "de440_2030"])
def test_real_dafs_read_as_spices_daf_routines_read_them(path):
    assert _check_daf_against_spice(path) > 0
