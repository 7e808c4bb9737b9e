"""File → Compare with…: another set's Juno drawn as a ghost line, the offset in the HUD."""

from __future__ import annotations

import numpy as np
import pytest

from perijove.ephemeris import to_et


def test_compare_with_a_shifted_juno_draws_the_ghost_and_shows_the_offset(window, qtbot, tmp_path):
    from spkfactory import write_spk

    s = window.session
    shift = np.array([6.0, 8.0, 0.0])  # 10 km
    start, stop = to_et("2023-12-30T06:00"), to_et("2023-12-30T10:00")
    shifted = tmp_path / "juno_shifted.bsp"
    moved = np.r_[shift, 0.0, 0.0, 0.0]
    write_spk(shifted, -61, 599, start, stop, lambda ets: s.eph.state("JUNO", ets, "JUPITER") + moved, 60.0)
    job = window.start_compare([str(shifted)])
    qtbot.waitUntil(lambda: not job.running, timeout=120_000)
    assert s.ghost is not None and "juno_shifted.bsp" in s.ghost.label
    assert window.stop_compare_action.isEnabled()
    s.clock.set_et(to_et("2023-12-30T08:30:00"))
    assert s.ghost_offset_km() == pytest.approx(10.0, abs=1e-3)  # Hermite interpolation of the ghost
    assert "juno_shifted.bsp" in window.hud.text() and "10.000 km" in window.hud.text()
    window.canvas.render()
    ghost = window.canvas.state.ghost
    assert ghost is not None and len(ghost[0]) > 10
    s.clock.set_et(to_et("2023-12-31T08:30:00"))  # outside the shifted file: the defaults, no offset
    assert s.ghost_offset_km() == pytest.approx(0.0, abs=1e-3)  # interpolation: 2.7 cm measured
    window.stop_compare_action.trigger()
    assert s.ghost is None and "vs " not in window.hud.text() and not window.stop_compare_action.isEnabled()
    window.canvas.render()
    assert window.canvas.state.ghost is None
