"""Shared fixtures: the real NAIF kernels beside the checkout, when present."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import spiceypy
from realdata import DE, FK, IO_MAP, JUNO_2022, LSK, PCK, REAL  # noqa: F401 (re-exported to tests)

# Never read or write the user's real download cache: every test process (and the commands it
# starts) gets an empty one of its own, set before any test opens kernels.
os.environ["PERIJOVE_CACHE"] = tempfile.mkdtemp(prefix="perijove-test-cache-")
os.environ["PERIJOVE_RENDER_CACHE"] = tempfile.mkdtemp(prefix="perijove-test-render-")

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
