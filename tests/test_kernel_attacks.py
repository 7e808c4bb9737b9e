"""Corrupt but plausible kernels: one line and exit 2, never a crash, a hang or an internal error (issue 12).

Each bad file starts as a small valid kernel written here (``spkfactory``) and has a few bytes changed, so these
tests need nothing from ``../shared``. Crashes are checked by running the command line in a subprocess: before
the fixes, SPICE killed it with SIGSEGV (exit -11) or SIGABRT (-6), or looped for ever; the timeout turns a hang
into a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import spiceypy
from spkfactory import (
    ET0,
    patch_double,
    patch_int32,
    write_ck_type,
    write_pck_type2,
    write_spk_type,
    write_type9_segments,
)

from perijove.ephemeris import KernelError, KernelSet, default_kernel_paths
from perijove.ephemeris.daf import read_daf

ROOT = Path(__file__).resolve().parents[1]
# Inside the embedded Juno coverage and the Io segments written below: ``events`` reads Io's state here.
SEARCH = ["--kind", "flyby", "--body", "io", "--start", "2023-11-23T12:00", "--stop", "2023-11-25"]


def _io_spk(path: Path) -> Path:
    return write_spk_type(path, 2, body=501, center=5)


def _rsize(path: Path) -> Path:
    """Issue 12, item 9: one type 2 record size that makes SPICE copy 2000 words into a 198-word buffer."""
    _io_spk(path)
    patch_double(path, read_daf(path).segments[0].last_address - 1, 2000.0)
    return path


def _control(index: int, value: float) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        _io_spk(path)
        patch_double(path, 128 + index + 1, value)  # NEXT, PREV, NSUM of the summary record
        return path

    return make


def _bward(path: Path) -> Path:
    _io_spk(path)
    patch_int32(path, 80, 4)  # the backward chain starts at a data record: SPICE aborts in DAFFA
    return path


def _self_centre(path: Path) -> Path:
    _io_spk(path)
    patch_int32(path, 1024 + 24 + 16 + 4, 501)  # Io relative to Io: SPICE follows the chain for ever
    return path


def _loop_with_defaults(path: Path) -> Path:
    """A valid file that gives Jupiter's barycentre relative to Io; the embedded set has Io relative to it."""
    return write_spk_type(path, 2, body=5, center=501)


BAD: dict[str, Callable[[Path], Path]] = {
    "record size (SIGSEGV)": _rsize,
    "BWARD at a data record (abort)": _bward,
    "PREV loops to itself (hang)": _control(1, 2.0),
    "PREV at a data record (abort)": _control(1, 4.0),
    "NEXT is NaN (internal error)": _control(0, float("nan")),
    "NEXT is infinite (internal error)": _control(0, float("inf")),
    "NEXT is negative (internal error)": _control(0, -1.0),
    "NSUM is NaN (internal error)": _control(2, float("nan")),
    "body relative to itself (hang)": _self_centre,
    "centres loop with the embedded set (hang)": _loop_with_defaults,
}


def _cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"perijove {' '.join(args)} still running after {timeout} s: SPICE is looping")


def _assert_one_line_refusal(proc: subprocess.CompletedProcess, path: Path) -> str:
    assert proc.returncode == 2, f"exit {proc.returncode} (-11 SIGSEGV, -6 abort): {proc.stderr[-1500:]}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and "internal error" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("case", sorted(BAD))
def test_cli_refuses_corrupt_spk_in_one_line(tmp_path, case):
    path = BAD[case](tmp_path / "bad.bsp")
    _assert_one_line_refusal(_cli("events", "--kernels", str(path), *SEARCH), path)


def test_cli_kernels_info_refuses_the_issue_file(tmp_path):
    path = _rsize(tmp_path / "bad.bsp")
    line = _assert_one_line_refusal(_cli("kernels", "info", "--kernels", str(path)), path)
    assert "segment 1" in line and "record size is 2000" in line


@pytest.fixture
def embedded() -> KernelSet:
    paths = default_kernel_paths()
    if not paths:
        pytest.skip("no embedded kernels in this checkout")
    return KernelSet(paths)


@pytest.mark.parametrize("case", sorted(BAD))
def test_refused_spk_leaves_the_set_as_it_was(embedded, tmp_path, case):
    path = BAD[case](tmp_path / "bad.bsp")
    before, count = embedded.files, spiceypy.ktotal("ALL")
    with pytest.raises(KernelError) as info:
        embedded.load([path])
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert embedded.files == before and spiceypy.ktotal("ALL") == count
    assert not spiceypy.failed()


def test_centre_loop_hidden_by_a_later_file_is_allowed(tmp_path):
    """Only the loop SPICE would follow counts: a later file that replaces the bad link everywhere hides it."""
    looping = _loop_with_defaults(tmp_path / "looping.bsp")
    start = ET0 - 86400
    fixing = write_spk_type(tmp_path / "fixing.bsp", 2, body=5, center=10, start=start, n=24 * 9)
    proc = _cli("events", "--kernels", str(looping), str(fixing), *SEARCH)
    assert proc.returncode == 0, proc.stderr
    # In the other order the looping file wins where both cover, and the loop is real.
    proc = _cli("events", "--kernels", str(fixing), str(looping), *SEARCH)
    assert "SPK centres loop" in _assert_one_line_refusal(proc, looping)


# -- files that change between our check and SPICE's load ----------------------------------------------------------


def _swap_during_furnsh(monkeypatch, target: Path, change: Callable[[], None]) -> None:
    real = spiceypy.furnsh

    def furnsh(path: str) -> None:
        if path == str(target):
            change()
        real(path)

    monkeypatch.setattr(spiceypy, "furnsh", furnsh)


def test_file_replaced_after_the_check_is_refused(embedded, tmp_path, monkeypatch):
    good = _io_spk(tmp_path / "io.bsp")
    bad = _rsize(tmp_path / "bad.bsp")
    _swap_during_furnsh(monkeypatch, good, lambda: os.replace(bad, good))
    before, count = embedded.files, spiceypy.ktotal("ALL")
    with pytest.raises(KernelError, match="changed while it was being loaded"):
        embedded.load(good)
    assert embedded.files == before and spiceypy.ktotal("ALL") == count


def test_file_rewritten_in_place_after_the_check_is_refused(embedded, tmp_path, monkeypatch):
    """Same inode, same size, modification time put back: only reading the directories again can tell."""
    good = _io_spk(tmp_path / "io.bsp")
    stat = good.stat()

    def rewrite() -> None:
        patch_double(good, read_daf(good).segments[0].last_address - 1, 2000.0)
        os.utime(good, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    _swap_during_furnsh(monkeypatch, good, rewrite)
    with pytest.raises(KernelError, match="changed while it was being loaded"):
        embedded.load(good)
    assert not spiceypy.failed()


# -- reading only what is needed (issue 12, item 10) --------------------------------------------------------------

BIG = 2**30  # sparse: takes no disk, but a reader that reads it all allocates a gigabyte


def _make_sparse(path: Path, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
    if path.stat().st_blocks * 512 > size // 2:
        pytest.skip("this file system does not keep sparse files")


def _peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_huge_spk_is_checked_without_reading_it(tmp_path):
    path = _io_spk(tmp_path / "huge.bsp")
    _make_sparse(path, BIG)
    ks = KernelSet()
    assert _peak(lambda: ks.load(path)) < 16 * 2**20
    assert ks.files[0].coverage[501]


def test_huge_text_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.tf"
    path.write_text("KPL/FK\n\\begindata\nA = 1\n\\begintext\n")
    _make_sparse(path, BIG)
    ks = KernelSet()

    def load() -> None:
        with pytest.raises(KernelError, match="too large for a text kernel"):
            ks.load(path)

    assert _peak(load) < 16 * 2**20


# -- valid files the loader used to refuse or crash on -------------------------------------------------------------


def test_binary_pck_loads_with_its_coverage(tmp_path):
    """Every binary PCK used to end in ``internal error: TypeError`` (pckfrm called without its cell)."""
    path = write_pck_type2(tmp_path / "frame.bpc")
    ks = KernelSet()
    (loaded,) = ks.load(path)
    assert loaded.kind == "PCK" and list(loaded.coverage) == [3000]
    proc = _cli("kernels", "info", "--no-defaults", "--kernels", str(path))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


@pytest.mark.parametrize("data_type", [1, 3])
def test_ck_without_angular_velocity_loads(tmp_path, data_type):
    """The CK type sits in the third summary integer; the angular-velocity flag was read as the type."""
    path = write_ck_type(tmp_path / "att.bc", data_type, avflag=False)
    (loaded,) = KernelSet().load(path)
    assert loaded.segment_types == (data_type,)


@pytest.mark.parametrize("many", ["intervals", "bodies"])
def test_spk_with_more_than_a_thousand_bodies_or_intervals_loads(tmp_path, many):
    """spiceypy's default cells hold 1000 entries: such a valid file was refused with "cannot read coverage"."""
    states = np.tile([1e8, 0, 0, 0, 1, 0], (5, 1))
    segments = [
        (501 if many == "intervals" else 2_000_000 + i, 10, ET0 + 1200.0 * i + 60.0 * np.arange(5), states)
        for i in range(1200)
    ]
    path = write_type9_segments(tmp_path / f"{many}.bsp", segments)
    (loaded,) = KernelSet().load(path)
    assert sum(len(w) for w in loaded.coverage.values()) == 1200


# -- text kernels with bizarre but valid content ---------------------------------------------------------------------


@pytest.mark.parametrize("radii", ["( 0 0 0 )", "( -1 -1 -1 )", "( 1829 1819 )", "( 'a' 'b' 'c' )", "( 1D300 1 1 )"])
def test_impossible_radii_are_refused(embedded, tmp_path, radii):
    """Zero, negative, missing or absurd radii became NaN and numpy warnings in events and renders."""
    path = tmp_path / "radii.tpc"
    path.write_text(f"KPL/PCK\n\\begindata\nBODY501_RADII = {radii}\n\\begintext\n")
    before = embedded.files
    with pytest.raises(KernelError, match="BODY501_RADII must be three radii"):
        embedded.load(path)
    assert embedded.files == before


def test_metakernel_that_lists_itself_is_refused(tmp_path):
    mk = tmp_path / "self.tm"
    mk.write_text(f"KPL/MK\n\\begindata\nKERNELS_TO_LOAD = ( '{mk}' )\n\\begintext\n")
    with pytest.raises(KernelError, match="lists itself"):
        KernelSet().load(mk)


def test_metakernel_with_numbers_for_files_is_refused(tmp_path):
    """``KERNELS_TO_LOAD = ( 1 2 )`` used to load nothing at all, without a word."""
    mk = tmp_path / "numbers.tm"
    mk.write_text("KPL/MK\n\\begindata\nKERNELS_TO_LOAD = ( 1 2 )\n\\begintext\n")
    with pytest.raises(KernelError, match="KERNELS_TO_LOAD must hold quoted file names"):
        KernelSet().load(mk)


def test_text_kernel_larger_than_the_pool_stops_early(tmp_path):
    """More values than SPICE's pool holds can never load: refuse after the pool's worth, not after parsing all."""
    path = tmp_path / "many.tpc"
    row = " ".join(["1.5"] * 10)
    path.write_text("KPL/PCK\n\\begindata\nA = (\n" + f"{row}\n" * 50_000 + ")\n")
    with pytest.raises(KernelError, match="more than 400000 numbers"):
        KernelSet().load(path)


def test_checks_stay_fast_on_many_segments(tmp_path):
    """The checks read a few words per segment: thousands of segments cost milliseconds, not a read of the data."""
    states = np.tile([421_700.0, 0, 0, 0, 17.3, 0], (10, 1))
    segments = [(501, 5, ET0 + 600.0 * i + 60.0 * np.arange(10), states) for i in range(2000)]
    path = write_type9_segments(tmp_path / "many.bsp", segments)
    import time

    began = time.perf_counter()
    assert len(read_daf(path).segments) == 2000
    assert time.perf_counter() - began < 1.0


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.symlink_to(p), "a link that leads back to itself"),
        (lambda p: p.symlink_to(p.parent / "nowhere.bsp"), "a link to nothing"),
    ],
    ids=["fifo", "link loop", "dangling link"],
)
def test_odd_files_are_named_for_what_they_are(tmp_path, make, why):
    """A FIFO was called 'empty file', a link loop 'file not found' (found by an attack on the CLI)."""
    path = tmp_path / "odd.bsp"
    make(path)
    with pytest.raises(KernelError, match=why):
        KernelSet().load(path)
    with pytest.raises(KernelError, match="not a regular file"):
        KernelSet().load(Path("/dev/zero"))
