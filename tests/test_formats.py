"""Our own readers of SPICE file formats, on real files and on broken ones."""

from __future__ import annotations

import pytest
from conftest import FK, JUNO_2022, LSK, PCK, needs_real

from perijove.ephemeris.daf import DafFormatError, read_daf
from perijove.ephemeris.textkernel import TextKernelError, join_continued, parse_text_kernel


@needs_real
@pytest.mark.parametrize("path", [LSK, PCK, FK])
def test_real_text_kernels_parse(path):
    parsed = parse_text_kernel(path.read_text(encoding="latin-1"))
    assert parsed.variables


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
        "A = 1\nB = ( 'x''y', 2.5D3 -1 )\nA += ( 4\n 5 )\nC = @2020-JAN-01\n\\begintext\nmore junk = (\n"
    )
    parsed = parse_text_kernel(text)
    assert parsed.variables == {"A": [1.0, 4.0, 5.0], "B": ["x'y", 2500.0, -1.0], "C": ["@2020-JAN-01"]}


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
    assert "Monte" in daf.comments or daf.comments  # NAV files carry a comment area


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
