"""KernelSet: layering, coverage, metakernels, and bad input that changes nothing.

The first tests check the real 2022 set (skipped without ``../shared``); metakernels and bad input use the
embedded set, so they run in any clone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import spiceypy
from conftest import JUNO_2022, LSK, PCK, needs_real
from spkfactory import write_spk

from perijove.ephemeris import CoverageError, Ephemeris, KernelError, KernelSet, to_et
from perijove.ephemeris.defaults import default_kernel_dir

PJ = "2022-07-05T09:17:22.234"
SYNTH_PJ = "2023-12-30T12:36:20.8"  # perijove 57 in the embedded (synthetic) set
E_LSK = default_kernel_dir() / "leapseconds.tls"
E_PCK = default_kernel_dir() / "perijove_synthetic.tpc"
E_JUNO = default_kernel_dir() / "perijove_juno.bsp"


def _juno_state(ks: KernelSet, when: str = PJ) -> np.ndarray:
    return Ephemeris(ks).state("JUNO", to_et(when), "JUPITER")


def _frames_kernel(path: Path) -> Path:
    """A small, valid text FK (a fixed offset frame), the good file loaded beside each bad one."""
    path.write_text(
        "KPL/FK\n\\begindata\n"
        "FRAME_TEST_FIXED = 1400001\nFRAME_1400001_NAME = 'TEST_FIXED'\nFRAME_1400001_CLASS = 4\n"
        "FRAME_1400001_CLASS_ID = 1400001\nFRAME_1400001_CENTER = 599\n"
        "TKFRAME_1400001_RELATIVE = 'J2000'\nTKFRAME_1400001_SPEC = 'ANGLES'\nTKFRAME_1400001_UNITS = 'DEGREES'\n"
        "TKFRAME_1400001_AXES = ( 3 1 3 )\nTKFRAME_1400001_ANGLES = ( 10 20 30 )\n\\begintext\n"
    )
    return path


@needs_real
def test_loads_in_order_with_coverage_and_provenance(real_set):
    kinds = [f.kind for f in real_set.files]
    assert kinds == ["LSK", "TPC", "SPK", "SPK"]
    (juno,) = real_set.coverage(-61)
    assert juno.start == pytest.approx(to_et("2022-06-14T02:58:51"), abs=1.0)
    assert juno.stop == pytest.approx(to_et("2022-11-09T21:38:28"), abs=1.0)
    # Jupiter barycentre comes from both SPKs: the union is DE's 2020..2031.
    (bary,) = real_set.coverage(5)
    assert bary.start == pytest.approx(to_et("2020-01-01T00:00:00"), abs=70.0)
    assert {f.path.name: f.provenance for f in real_set.files}[JUNO_2022.name] == "predicted"
    assert real_set.provenances() == ["planetary", "predicted"]
    assert -61 in real_set.bodies() and 10 in real_set.bodies()


@needs_real
def test_state_matches_the_published_perijove(real_set):
    # LASP's perijove 2022-07-05T09:17:22.234 UTC: radial velocity changes sign there, at about 3,500-4,200 km
    # altitude (71,492 km equatorial radius; the 2022 perijove is at about 35 N, so the radius is a bit less).
    state = _juno_state(real_set)
    radial = np.dot(state[:3], state[3:]) / np.linalg.norm(state[:3])
    assert abs(radial) < 0.05  # km/s, out of about 58 km/s
    assert 71_492 - 2_000 + 3_500 < np.linalg.norm(state[:3]) < 71_492 + 4_200
    assert 57 < np.linalg.norm(state[3:]) < 60


@needs_real
def test_later_files_win(real_set, tmp_path):
    et = to_et(PJ)
    before = _juno_state(real_set)
    shifted = write_spk(
        tmp_path / "shift.bsp",
        -61,
        599,
        et - 3600,
        et + 3600,
        lambda ets: np.tile(before + np.array([1000.0, 0, 0, 0, 0, 0]), (len(ets), 1)),
    )
    real_set.load(shifted)
    assert _juno_state(real_set)[0] == pytest.approx(before[0] + 1000, abs=1e-6)
    real_set.unload(shifted)
    assert np.array_equal(_juno_state(real_set), before)
    assert [f.path for f in real_set.files][-1] == JUNO_2022


@needs_real
def test_unload_and_clear(real_set):
    real_set.unload(JUNO_2022)
    assert JUNO_2022 not in real_set.paths()
    with pytest.raises(CoverageError, match="no ephemeris is loaded for Juno"):
        _juno_state(real_set)
    with pytest.raises(KernelError, match="not loaded"):
        real_set.unload(JUNO_2022)
    real_set.clear(keep_defaults=False)
    assert len(real_set) == 0 and spiceypy.ktotal("ALL") == 0


def test_defaults_survive_clear():
    defaults = [E_LSK, E_PCK, default_kernel_dir() / "perijove_planets.bsp"]
    ks = KernelSet(defaults)
    ks.load(E_JUNO)
    ks.clear()
    assert [f.path for f in ks.files] == defaults
    assert all(f.default for f in ks.files)
    assert spiceypy.ktotal("ALL") == 3


def test_metakernel_paths_relative_to_itself(tmp_path, monkeypatch):
    folder = tmp_path / "mission" / "kernels"
    folder.mkdir(parents=True)
    for src, name in ((E_LSK, LSK.name), (E_PCK, PCK.name), (E_JUNO, JUNO_2022.name)):
        os.symlink(src, folder / name)
    mk = tmp_path / "mission" / "juno.tm"
    mk.write_text(
        "KPL/MK\n\\begindata\n"
        "PATH_VALUES = ( 'kernels' )\nPATH_SYMBOLS = ( 'K' )\n"
        f"KERNELS_TO_LOAD = ( '$K/{LSK.name}', '$K/{PCK.name}'\n"
        f"  'kernels/spk_pre_220614_221109_+'\n  '220810_jm0450.bsp' )\n\\begintext\n"
    )
    monkeypatch.chdir("/")  # SPICE alone would look for 'kernels' here
    ks = KernelSet()
    ks.load(mk)
    assert [f.path.name for f in ks.files] == [LSK.name, PCK.name, JUNO_2022.name]
    assert all(f.source == mk for f in ks.files)
    assert ks.coverage(-61) and to_et(SYNTH_PJ) > 0  # Juno's data and the leapseconds both arrived
    ks.unload(mk)
    assert len(ks) == 0


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp / "empty.bsp"
    empty.write_bytes(b"")
    rand = tmp / "random.bsp"
    rand.write_bytes(np.random.default_rng(7).bytes(20_000))
    trunc = tmp / "truncated.bsp"
    trunc.write_bytes(E_JUNO.read_bytes()[:700_000])
    syntax = tmp / "bad.tpc"
    syntax.write_text("KPL/PCK\n\\begindata\nBODY599_RADII = ( 71492 71492 66854\n\\begintext\n")
    syntax2 = tmp / "bad2.tpc"
    syntax2.write_text("KPL/PCK\n\\begindata\nBODY599_RADII = = ( 1 2 3 )\n")
    mk = tmp / "missing.tm"
    mk.write_text(f"KPL/MK\n\\begindata\nKERNELS_TO_LOAD = ( '{E_LSK}' 'nope/gone.bsp' )\n")
    folder = tmp / "folder.bsp"
    folder.mkdir()
    transfer = tmp / "xfer.xsp"
    transfer.write_text("DAFETF NAIF DAF ENCODED TRANSFER FILE\n'DAF/SPK '\n")
    ek = tmp / "events.bes"
    ek.write_bytes(b"DAS/EK  " + bytes(1016))
    header_only = tmp / "header.bsp"
    header_only.write_bytes(E_JUNO.read_bytes()[:1024])
    return {
        "empty": (empty, "empty file"),
        "random": (rand, "not a SPICE kernel"),
        "truncated": (trunc, "truncated"),
        "syntax": (syntax, r"syntax error, line \d+"),
        "syntax2": (syntax2, "syntax error"),
        "metakernel": (mk, "metakernel entry not found: nope/gone.bsp"),
        "folder": (folder, "is a folder"),
        "missing": (tmp / "absent.bsp", "file not found"),
        "transfer": (transfer, "transfer format"),
        "ek": (ek, "unsupported kernel type DAS/EK"),
        "header-only": (header_only, "truncated"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "empty",
        "random",
        "truncated",
        "syntax",
        "syntax2",
        "metakernel",
        "folder",
        "missing",
        "transfer",
        "ek",
        "header-only",
    ],
)
def test_bad_kernel_is_one_line_and_changes_nothing(case, embedded, tmp_path):
    path, reason = _bad_files(tmp_path)[case]
    before_files = embedded.files
    before_state = _juno_state(embedded, SYNTH_PJ)
    count = spiceypy.ktotal("ALL")
    with pytest.raises(KernelError, match=reason) as info:
        embedded.load([_frames_kernel(tmp_path / "good.tf"), path])  # the good FK must not stay loaded either
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert embedded.files == before_files
    assert spiceypy.ktotal("ALL") == count
    assert not spiceypy.failed()
    with spiceypy.no_found_check():
        assert not spiceypy.gipool("FRAME_TEST_FIXED", 0, 1)[1]
    assert np.array_equal(_juno_state(embedded, SYNTH_PJ), before_state)


def test_spice_rejection_after_checks_restores_pool(embedded, tmp_path, monkeypatch):
    """If SPICE itself refuses a file our checks passed, the pool is rebuilt as it was."""
    good = tmp_path / "copy.bsp"
    shutil.copy(default_kernel_dir() / "perijove_planets.bsp", good)
    count = spiceypy.ktotal("ALL")
    real_orig = spiceypy.furnsh

    def failing(path):
        if path == str(good):
            real_orig(str(tmp_path / "nope.bsp"))  # raises a genuine SPICE error
        return real_orig(path)

    monkeypatch.setattr(spiceypy, "furnsh", failing)
    before = _juno_state(embedded, SYNTH_PJ)
    with pytest.raises(KernelError, match=r"copy\.bsp"):
        embedded.load([_frames_kernel(tmp_path / "good.tf"), good])
    monkeypatch.undo()
    assert spiceypy.ktotal("ALL") == count == 5
    assert embedded.is_current
    assert np.array_equal(_juno_state(embedded, SYNTH_PJ), before)
