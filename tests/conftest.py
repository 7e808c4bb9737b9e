"""Shared fixtures: the embedded synthetic set (always there), and the real NAIF kernels beside the
checkout when present (``realdata.py``; tests that need them skip cleanly without them)."""

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

    with KernelSet() as ks:
        ks.load(real_paths)
        yield ks


@pytest.fixture
def embedded():
    """The embedded default set (synthetic planets and Juno, LSK, text PCK): needs nothing beside the checkout."""
    from perijove.ephemeris import open_kernels

    with open_kernels() as ks:
        yield ks


@pytest.fixture
def embedded_lsk():
    """Only the embedded leapseconds kernel: enough for UTC conversions."""
    from perijove.ephemeris import KernelSet
    from perijove.ephemeris.defaults import default_kernel_dir

    with KernelSet([default_kernel_dir() / "leapseconds.tls"]) as ks:
        yield ks


@pytest.fixture
def eph(real_set):
    from perijove.ephemeris import Ephemeris

    return Ephemeris(real_set)


@pytest.fixture(autouse=True)
def _clean_spice():
    """Each test ends with no pending SPICE error and gives SPICE's pool back to whoever held it before: a
    module-scoped fixture's kernels survive the test, and with none the test starts and ends with an empty pool."""
    from perijove.ephemeris.pool import spice_pool

    pool = spice_pool()
    spiceypy.reset()
    before = pool.owner
    pool.restore(before)
    try:
        yield
        assert not spiceypy.failed(), "a test left SPICE in an error state"
    finally:
        spiceypy.reset()
        pool.restore(before)


@pytest.fixture(scope="module")
def offscreen_factory():
    """``make(display, size)``: offscreen renderers on the embedded set, closed after the module.

    One kernel set for the module: a KernelSet per renderer would take SPICE's pool from the earlier
    ones (see ephemeris/pool.py); the pool goes back to whoever held it before.
    """
    from perijove.ephemeris import Ephemeris, open_kernels, spice_pool
    from perijove.render.offscreen import OffscreenRenderer

    made = []
    pool = spice_pool()
    before = pool.owner
    eph = Ephemeris(open_kernels())

    def make(display, size):
        r = OffscreenRenderer(eph, size, display)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
    pool.restore(before)
