"""The perijove command, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import DE, JUNO_2022, LSK, PCK, needs_real

import perijove


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=120)


def test_version():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"perijove {perijove.__version__}"


def test_usage_error_is_one_line_exit_2():
    out = run("events", "--format", "yaml")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


@needs_real
def test_events_perijove_json():
    out = run(
        "events",
        "--no-defaults",
        "--kernels",
        str(LSK),
        str(PCK),
        str(DE),
        str(JUNO_2022),
        "--kind",
        "perijove",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["utc"] for r in rows[:2]] == ["2022-07-05T09:17:22.234", "2022-08-17T14:45:39.433"]
    assert all(
        set(r) >= {"kind", "body", "utc", "et", "distance_km", "altitude_km", "speed_km_s", "lat_deg", "lon_deg"}
        for r in rows
    )
    assert all(3500 <= r["altitude_km"] <= 4200 for r in rows)


@needs_real
def test_events_csv_and_table():
    base = [
        "events",
        "--no-defaults",
        "--kernels",
        str(LSK),
        str(PCK),
        str(DE),
        str(JUNO_2022),
        "--kind",
        "apojove",
        "--start",
        "2022-07-01",
        "--stop",
        "2022-08-01",
    ]
    csv_out = run(*base, "--format", "csv")
    lines = csv_out.stdout.strip().splitlines()
    assert lines[0].startswith("kind,body,utc,et") and len(lines) == 2
    table = run(*base)
    assert "apojove" in table.stdout and "2022-07-27T00:00:05.955" in table.stdout


@needs_real
@pytest.mark.parametrize(
    "args, message",
    [
        (["--start", "not a date"], "cannot read time 'not a date'"),
        (["--start", "2025-01-01", "--stop", "2025-02-01"], "no Juno data in the requested time range"),
        (["--kind", "sunrise"], "unknown event kind 'sunrise'"),
        (["--body", "titan"], "unknown moon 'titan'"),
        (["--body", "io", "--kind", "flyby"], "no ephemeris for Io"),
    ],
)
def test_events_errors(args, message):
    out = run("events", "--no-defaults", "--kernels", str(LSK), str(PCK), str(DE), str(JUNO_2022), *args)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and message in out.stderr, out.stderr


@needs_real
def test_kernels_info_json_and_bad_kernel(tmp_path):
    out = run("kernels", "info", "--no-defaults", "--kernels", str(LSK), str(JUNO_2022), "--format", "json")
    info = json.loads(out.stdout)
    spk = info["files"][-1]
    assert spk["type"] == "SPK" and spk["provenance"] == "predicted"
    juno = next(b for b in spk["bodies"] if b["name"] == "JUNO")
    assert juno["coverage"] == [["2022-06-14T02:58:51", "2022-11-09T21:38:28"]]
    bad = tmp_path / "junk.bsp"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    out = run("kernels", "info", "--kernels", str(LSK), str(bad))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "junk.bsp" in out.stderr
    assert "Traceback" not in out.stderr


def test_defaults_alone_find_the_io_flybys():
    out = run("events", "--kind", "flyby", "--body", "io", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["utc"][:19] for r in rows] == ["2023-12-30T08:36:00", "2024-02-03T17:48:35"]
    info = json.loads(run("kernels", "info", "--format", "json").stdout)
    assert info["provenance"] == ["synthetic"]
    assert {f["provenance"] for f in info["files"] if f["type"] != "LSK"} == {"synthetic"}


@needs_real
def test_real_kernels_layer_over_the_defaults():
    out = run(
        "events", "--kernels", str(LSK), str(PCK), str(DE), str(JUNO_2022), "--kind", "perijove", "--format", "json"
    )
    years = {r["utc"][:4] for r in json.loads(out.stdout)}
    assert years == {"2022", "2023", "2024"}
    info = json.loads(run("kernels", "info", "--kernels", str(JUNO_2022), "--format", "json").stdout)
    assert info["provenance"] == ["synthetic", "predicted"]
