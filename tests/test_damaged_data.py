"""A damaged SPK whose doubles read as NaN: SPICE loads it and answers NaN without an error.

Overwriting 800 bytes in the middle of the embedded Juno SPK with 0xFF left Juno NaN for ten
hours of January 2024; `plot` drew a gap and a false closest approach at its edge, `compare`
printed "largest difference nan km", `render` drew without a word. Every state is now checked.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
import spiceypy

from perijove.ephemeris import Ephemeris, PerijoveError, open_kernels, to_et
from perijove.ephemeris.defaults import default_kernel_dir


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """The embedded Juno SPK with 800 bytes of 0xFF among its states, and a time where Juno is NaN."""
    folder = tmp_path_factory.mktemp("damaged")
    spk = folder / "juno_damaged.bsp"
    shutil.copy(default_kernel_dir() / "perijove_juno.bsp", spk)
    data = bytearray(spk.read_bytes())
    middle = len(data) // 10 // 1024 * 1024  # in the states, ahead of the epochs our checks read
    data[middle : middle + 800] = b"\xff" * 800
    spk.write_bytes(bytes(data))
    kernels = open_kernels([spk])
    cover = Ephemeris(kernels).covered("JUNO")
    ets = np.linspace(cover[0].start, cover[-1].stop, 20001)
    nan_at = None
    for et in ets:
        state, _lt = spiceypy.spkezr("-61", float(et), "J2000", "NONE", "599")
        if not np.isfinite(state).all():
            nan_at = float(et)
            break
    spiceypy.kclear()
    assert nan_at is not None, "the damage did not reach a segment's data"
    return spk, nan_at


def test_a_state_that_is_not_finite_is_an_error_naming_the_data(damaged):
    spk, et = damaged
    eph = Ephemeris(open_kernels([spk]))
    for query in (
        lambda: eph.state("JUNO", et),
        lambda: eph.state("JUNO", np.array([et - 1e5, et])),
        lambda: eph.states_at(et, ["IO", "JUNO"]),
    ):
        with pytest.raises(PerijoveError, match=r"Juno.*not finite.*damaged"):
            query()
    assert np.isfinite(eph.state("IO", et)).all()  # the other bodies answer, SPICE is not left failed
    assert not spiceypy.failed()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=600)


def test_compare_and_plot_refuse_damaged_data_in_one_line(damaged, tmp_path):
    from perijove.ephemeris import et_to_utc

    spk, et = damaged
    open_kernels()
    start, stop = et_to_utc(et - 86400.0, 0), et_to_utc(et + 86400.0, 0)
    runs = [
        _cli("compare", "--body", "juno", "--start", start, "--stop", stop, "--against", str(spk)),
        _cli("plot", "--kernels", str(spk), "--target", "jupiter", "--start", start, "--stop", stop,
             str(tmp_path / "p.png")),
    ]
    for out in runs:
        assert out.returncode == 2, (out.stdout, out.stderr)
        assert out.stderr.count("\n") == 1 and "damaged" in out.stderr and "nan" not in out.stdout.lower()
    assert not (tmp_path / "p.png").exists()
    assert to_et(start) < et
