"""Shared fixtures: the real NAIF kernels beside the checkout, when present."""

from __future__ import annotations

from pathlib import Path

import pytest
import spiceypy

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
LSK = REAL / "naif0012.tls"
PCK = REAL / "pck00011.tpc"
DE = REAL / "de440_2030.bsp"
JUNO_2022 = REAL / "spk_pre_220614_221109_220810_jm0450.bsp"
FK = REAL / "juno_v12.tf"
IO_MAP = REAL / "textures" / "Io_GalileoSSI-Voyager_Global_Mosaic_ClrMerge_2km_180W.jpg"

needs_real = pytest.mark.skipif(not JUNO_2022.is_file(), reason="../shared/data/real is absent")


@pytest.fixture
def real_paths() -> list[Path]:
    if not JUNO_2022.is_file():
        pytest.skip("../shared/data/real is absent")
    return [LSK, PCK, DE, JUNO_2022]


@pytest.fixture
def real_set(real_paths):
    from perijove.ephemeris import KernelSet

    ks = KernelSet()
    ks.load(real_paths)
    yield ks
    spiceypy.kclear()


@pytest.fixture
def eph(real_set):
    from perijove.ephemeris import Ephemeris

    return Ephemeris(real_set)


@pytest.fixture(autouse=True)
def _clean_spice():
    """Each test starts and ends with an empty pool and no pending SPICE error."""
    spiceypy.kclear()
    spiceypy.reset()
    yield
    assert not spiceypy.failed(), "a test left SPICE in an error state"
    spiceypy.kclear()
