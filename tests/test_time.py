"""UTC/TDB/ET conversions and their errors, on the embedded leapseconds kernel (the same 37 leap seconds as
NAIF's naif0012.tls for these dates), so nothing here needs ``../shared``."""

from __future__ import annotations

import pytest
import spiceypy

from perijove.ephemeris import KernelSet, TimeFormatError, et_to_tdb, et_to_utc, to_et, utc_to_tdb


@pytest.fixture
def lsk(embedded_lsk):
    return embedded_lsk


def test_round_trip_to_the_millisecond(lsk):
    et = to_et("2023-12-30T08:36:00.8")
    # Independent of SPICE: 757197360.8 UTC seconds after J2000 (calendar arithmetic) + 37 leap seconds
    # + 32.184 s (TT - TAI) - 0.000141 s (TDB - TT that day: the LSK's K sin E term, amplitude 1.657 ms).
    assert et == pytest.approx(757197360.8 + 37 + 32.184 - 0.000141, abs=2e-5)
    assert et_to_utc(et) == "2023-12-30T08:36:00.800"
    assert et_to_utc(et, 6) == "2023-12-30T08:36:00.800000"


def test_tdb_is_69_184_seconds_ahead_in_2023(lsk):
    # 37 leap seconds + 32.184 s (TT-TAI), TDB-TT periodic terms < 2 ms.
    text = utc_to_tdb("2023-12-30T08:36:00.800")
    assert text.endswith(" TDB")
    assert text.startswith("2023-12-30T08:37:09.98")
    assert et_to_tdb(to_et("2000-01-01T12:00:00 TDB")) == "2000-01-01T12:00:00.000 TDB"


def test_numbers_pass_through(lsk):
    assert to_et(123.5) == 123.5


@pytest.mark.parametrize("text", ["2022-13-45", "yesterday-ish", "2022-07-05T25:61:00", "   "])
def test_malformed_time_is_one_line(lsk, text):
    with pytest.raises(TimeFormatError) as info:
        to_et(text)
    assert "\n" not in str(info.value)
    assert not spiceypy.failed()


def test_no_leapseconds_kernel_is_named():
    KernelSet()
    with pytest.raises(TimeFormatError, match="no leapseconds kernel"):
        to_et("2022-07-05")


def test_iso_forms_people_paste(lsk):
    base = to_et("2023-12-30T08:36:00.8")
    assert to_et("2023-12-30T08:36:00.8Z") == base
    assert to_et("2023-12-30T08:36:00.8 UTC") == base
    assert to_et("2023-12-30 08:37:09.984 TDB") == pytest.approx(base, abs=2e-3)


@pytest.mark.parametrize(
    "text,shown",
    [
        ("2023-12-30T08:37:09.98386 TDB", "2023-12-30T08:37:09.984 TDB"),  # was truncated to .983
        ("2023-12-30T08:36:00.8 TDB", "2023-12-30T08:36:00.800 TDB"),  # was .799
        ("2023-12-31T23:59:59.9996 TDB", "2024-01-01T00:00:00.000 TDB"),  # rounding carries
    ],
)
def test_tdb_display_rounds_to_the_digits_shown(text, shown):
    from perijove.ephemeris import et_to_tdb, open_kernels, to_et

    open_kernels()
    # Oracle: spiceypy.str2et(text) and the calendar rounding of its fraction.
    assert et_to_tdb(to_et(text), 3) == shown


def test_an_unreadable_time_says_how_to_write_one():
    """"yesterday" gave SPICE's parser message alone, with no form that would work."""
    from perijove.ephemeris import PerijoveError, open_kernels, to_et

    open_kernels()
    for text in ("yesterday", "2023-13-45", "now"):
        with pytest.raises(PerijoveError) as err:
            to_et(text)
        message = str(err.value)
        assert f"cannot read time {text!r}" in message and "2023-12-30T08:36:00" in message, message
