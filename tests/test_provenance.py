"""Every number says which data it rests on: the file supplying each body's state at that time."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from spkfactory import write_spk

from perijove.ephemeris import Ephemeris, find_events, open_kernels, to_et


def _predicted_juno(tmp_path, lo: str, hi: str):
    """A 'predicted' Juno file (NAIF's naming) over part of the synthetic span, same states."""
    eph = Ephemeris(open_kernels())
    start, stop = to_et(lo), to_et(hi)
    path = tmp_path / "spk_pre_231229_231231_test.bsp"
    write_spk(path, -61, 599, start, stop, lambda ets: eph.state("JUNO", ets, "JUPITER"), step=60.0)
    eph.kernels.close()
    return path


def test_events_name_the_data_of_each_body_at_their_time(tmp_path):
    layered = _predicted_juno(tmp_path, "2023-12-30T06:00", "2023-12-30T10:00")
    eph = Ephemeris(open_kernels([layered]))
    events = find_events(eph, ["flyby", "perijove"], [501], start=to_et("2023-12-29"), stop=to_et("2023-12-31")).events
    flyby = next(e for e in events if e.kind == "flyby")  # 08:36, inside the predicted file
    peri = next(e for e in events if e.kind == "perijove")  # 12:36, after it
    assert dict(flyby.provenance) == {"Juno": "predicted", "Io": "synthetic"}
    assert dict(peri.provenance) == {"Juno": "synthetic", "Jupiter": "synthetic"}
    assert flyby.to_dict()["provenance"] == {"Juno": "predicted", "Io": "synthetic"}


def test_hud_and_sidecar_values_say_which_data_they_rest_on(tmp_path):
    from perijove.model.hud import hud_values

    layered = _predicted_juno(tmp_path, "2023-12-30T06:00", "2023-12-30T10:00")
    eph = Ephemeris(open_kernels([layered]))
    assert hud_values(eph, to_et("2023-12-30T08:30"), "IO")["provenance"] == "Juno predicted, Io synthetic"
    assert hud_values(eph, to_et("2023-12-30T11:00"), "IO")["provenance"] == "Juno synthetic, Io synthetic"


def test_cli_table_csv_and_json_carry_the_provenance(tmp_path):
    layered = _predicted_juno(tmp_path, "2023-12-30T06:00", "2023-12-30T10:00")
    common = ["events", "--kind", "flyby", "--body", "io", "--start", "2023-12-30", "--stop", "2023-12-31"]
    run = [sys.executable, "-m", "perijove", *common, "--kernels", str(layered)]
    table = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "Juno predicted, Io synthetic" in table.stdout
    rows = json.loads(subprocess.run([*run, "--format", "json"], capture_output=True, text=True, timeout=120).stdout)
    assert rows[0]["provenance"] == {"Juno": "predicted", "Io": "synthetic"}
    csv_out = subprocess.run([*run, "--format", "csv"], capture_output=True, text=True, timeout=120).stdout
    assert csv_out.splitlines()[0].endswith(",provenance") and "Juno predicted, Io synthetic" in csv_out


def test_the_2022_europa_flyby_rests_on_a_predicted_juno_and_a_synthetic_europa(real_paths):
    eph = Ephemeris(open_kernels(real_paths))
    (flyby,) = find_events(eph, ["flyby"], [502], start=to_et("2022-09-29"), stop=to_et("2022-09-30")).events
    assert flyby.to_dict()["provenance"] == {"Juno": "predicted", "Europa": "synthetic"}
    assert np.isfinite(flyby.altitude_km)
