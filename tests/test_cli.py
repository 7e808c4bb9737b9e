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
    assert info["provenance"] == ["synthetic", "planetary"]  # the 2020-2027 planets are JPL's DE440
    assert {f["provenance"] for f in info["files"] if f["type"] != "LSK"} == {"synthetic", "planetary"}


@needs_real
def test_real_kernels_layer_over_the_defaults():
    out = run(
        "events", "--kernels", str(LSK), str(PCK), str(DE), str(JUNO_2022), "--kind", "perijove", "--format", "json"
    )
    years = {r["utc"][:4] for r in json.loads(out.stdout)}
    assert years == {"2022", "2023", "2024"}
    info = json.loads(run("kernels", "info", "--kernels", str(JUNO_2022), "--format", "json").stdout)
    assert info["provenance"] == ["synthetic", "planetary", "predicted"]


# -- issue 12: render and events refuse bad numbers, maps and destinations in one line ----------------
def _render(out, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("render", "--time", "2023-12-30T08:30", "--look-at", "io", "--size", "64x36", *extra, str(out))


def _one_line_error(out: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("perijove"), out.stderr
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr
    for fragment in fragments:
        assert fragment in out.stderr, out.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_render_refuses_a_non_finite_distance(tmp_path, value):
    _one_line_error(_render(tmp_path / "x.png", f"--distance={value}"), "--distance", "finite")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["1e300", "1e-300"])
def test_render_refuses_a_distance_out_of_range(tmp_path, value):
    _one_line_error(_render(tmp_path / "x.png", f"--distance={value}"), "--distance must be between")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_events_refuse_a_non_finite_max_distance(value):
    _one_line_error(run("events", "--kind", "flyby", "--max-distance", value), "--max-distance", "finite")


@pytest.mark.parametrize(
    "item, message",
    [("titan=MAP", "unknown body 'titan'"), ("=MAP", "body name"), (" =MAP", "body name"), ("io=", "BODY=IMAGE")],
)
def test_render_refuses_a_map_for_no_known_body(tmp_path, item, message):
    from PIL import Image

    image = tmp_path / "map.png"
    Image.new("RGB", (16, 8), (200, 30, 30)).save(image)
    _one_line_error(_render(tmp_path / "x.png", "--map", item.replace("MAP", str(image))), message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]


@pytest.mark.parametrize("content", [b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_render_bad_map_image_is_one_line(tmp_path, content):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    _one_line_error(_render(tmp_path / "x.png", "--map", f"io={bad}"), "bad.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.png"]


def test_render_refuses_to_overwrite_unless_asked(tmp_path):
    out = tmp_path / "frame.png"
    out.write_bytes(b"the user's picture")
    _one_line_error(_render(out), "already exists", "--overwrite")
    assert out.read_bytes() == b"the user's picture"
    done = _render(out, "--overwrite")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG") and sorted(p.name for p in tmp_path.iterdir()) == ["frame.png"]


def test_render_into_a_folder_named_like_a_file_is_one_line(tmp_path):
    (tmp_path / "frame.png").mkdir()
    _one_line_error(_render(tmp_path / "frame.png", "--overwrite"), "is a folder")
    assert (tmp_path / "frame.png").is_dir()


def test_render_into_a_read_only_folder_is_one_line(tmp_path):
    import os

    folder = tmp_path / "readonly"
    folder.mkdir()
    if os.geteuid() == 0:
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True)
        if mount.returncode:
            pytest.skip("cannot mount a read-only tmpfs here")
    else:
        folder.chmod(0o555)
    try:
        out = _render(folder / "x.png")
        _one_line_error(out, str(folder))
        assert "read-only" in out.stderr or "not allowed" in out.stderr
        assert list(folder.iterdir()) == []
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        else:
            folder.chmod(0o755)


def test_flyby_and_junocam_renders_look_at_io_by_default(tmp_path):
    """As export does: the flyby camera at 08:36 on 2023-12-30 frames the Io flyby, not Jupiter."""
    from PIL import Image

    for camera in ("flyby", "junocam"):
        default, io = tmp_path / f"{camera}.png", tmp_path / f"{camera}_io.png"
        common = ("render", "--time", "2023-12-30T08:36", "--size", "320x180", "--camera", camera)
        assert run(*common, str(default)).returncode == 0
        assert run(*common, "--look-at", "io", str(io)).returncode == 0
        a, b = (Image.open(p).convert("RGB").tobytes() for p in (default, io))
        assert a == b, camera


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--look-at", "io", "--time", "2023-11-20T00:00"), "no flyby of Io within 2 days"),
        (("--look-at", "europa", "--time", "2023-12-30T08:36"), "no flyby of Europa within 2 days"),
    ],
)
def test_flyby_camera_far_from_any_flyby_is_refused(tmp_path, args, fragment):
    """It framed a pass at a million km (a speck and no spacecraft) and said nothing."""
    out = tmp_path / "far.png"
    got = run("render", "--camera", "flyby", *args, str(out))
    _one_line_error(got, fragment, "closest approach is")
    assert not out.exists()


@pytest.mark.parametrize("target", ["earth", "sun"])
def test_plot_refuses_a_target_without_a_surface_to_plot(tmp_path, target):
    """Earth gave empty panels, the Sun a ground track on a grey placeholder: both exit 0 before."""
    out = tmp_path / "p.png"
    for extra in ((), ("--groundtrack",)):
        got = run("plot", "--target", target, "--start", "2023-12-30", "--stop", "2023-12-31", *extra, str(out))
        _one_line_error(got, "--target must be Jupiter or one of its Galilean moons")
        assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["render", "--time", "2023-12-30T08:36", "--look-at", "", "--size", "64x36"],
        ["render", "--time", "2023-12-30T08:36", "--look-at", "   ", "--size", "64x36"],
        ["export", "--start", "2023-12-30T08:00", "--stop", "2023-12-30T08:10", "--frames", "2", "--from", ""],
        ["plot", "--target", ""],
    ],
)
def test_an_empty_body_name_is_a_one_line_error(tmp_path, args):
    """An empty name reached SPICE: 'internal error: SpiceEMPTYSTRING' over 12 lines, or its banner."""
    out = tmp_path / ("x.mp4" if args[0] == "export" else "x.png")
    result = run(*args, str(out))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "empty body name" in result.stderr, result.stderr
    assert "Toolkit" not in result.stderr and "internal error" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_kernel_whose_name_is_not_utf8_is_refused_in_one_line(tmp_path):
    """SPICE takes file names as UTF-8 text: a name with other bytes was an internal error (exit 1)."""
    import os

    from perijove.resources import asset_path

    bad = os.path.join(os.fsencode(tmp_path), b"bad\xff\xfename.bsp")
    with open(bad, "wb") as dst:
        dst.write(asset_path("kernels", "perijove_juno.bsp").read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "perijove", "events", "--kind", "perijove", "--kernels", bad],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "not UTF-8" in result.stderr, result.stderr


def test_ctrl_c_while_the_command_line_is_read_is_one_line(monkeypatch, capsys):
    """Ctrl-C in the first half second (numpy importing under the parser) printed a traceback."""
    from perijove import cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["events"]) == 130
    assert capsys.readouterr().err == "perijove: interrupted\n"


def test_a_png_name_ending_in_a_slash_is_refused_and_the_file_kept(tmp_path):
    """'out/existing.png/' names a folder; it replaced the file out/existing.png."""
    existing = tmp_path / "existing.png"
    existing.write_bytes(b"the user's picture")
    result = run("render", "--time", "2023-12-30T08:36", "--size", "64x36", "--overwrite", f"{existing}/")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "names a folder" in result.stderr
    assert existing.read_bytes() == b"the user's picture"
    movie = tmp_path / "movie.mp4"  # export too: a folder's name is for PNG frames, not an .mp4
    movie.write_bytes(b"the user's movie")
    args = ["--start", "2023-12-30T08:00", "--stop", "2023-12-30T08:10", "--frames", "2", "--size", "64x36"]
    result = run("export", *args, "--overwrite", f"{movie}/")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "names a folder" in result.stderr
    assert movie.read_bytes() == b"the user's movie"


def test_a_map_that_does_not_decode_is_one_line_before_any_work(tmp_path):
    """A JPEG cut short passed Pillow's verify() and failed mid-render: "internal error: ValueError"."""
    import numpy as np
    from PIL import Image

    whole = tmp_path / "whole.jpg"
    rng = np.random.default_rng(1)
    Image.fromarray((rng.random((256, 512, 3)) * 255).astype(np.uint8)).save(whole, quality=95)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    out = tmp_path / "x.png"
    run = subprocess.run(
        [sys.executable, "-m", "perijove", "render", "--time", "2023-12-30T08:30", "--size", "64x48",
         "--map", f"io={cut}", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert "cut.jpg" in run.stderr and "truncated" in run.stderr and "internal error" not in run.stderr
    assert not out.exists()


# -- output that cannot be written: a closed pipe, a full disk, no standard output ------------------------
_PERIJOVE = f"{sys.executable} -m perijove"


_POSIX_SHELL = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bash, head and /dev/full")


@_POSIX_SHELL
@pytest.mark.parametrize("args", ["events", "events --format json", "events --format csv"])  # 54-198 KB each
def test_a_pipe_closed_early_ends_quietly(args):
    """``perijove events | head -1`` said "internal error: BrokenPipeError" (exit 1)."""
    out = subprocess.run(
        f"set -o pipefail; {_PERIJOVE} {args} | head -c 1 >/dev/null",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.stderr == "", out.stderr
    assert out.returncode in (0, 141), out.returncode  # 141: as a tool SIGPIPE stops


@_POSIX_SHELL
@pytest.mark.parametrize("args", ["events --kind perijove", "kernels info"])
def test_output_to_a_full_disk_is_a_one_line_error(args):
    with open("/dev/full", "w") as full:
        out = subprocess.run([sys.executable, "-m", "perijove", *args.split()], stdout=full, stderr=subprocess.PIPE,
                             text=True, timeout=300)
    _one_line_error(out, "standard output", "disk is full")


@_POSIX_SHELL
def test_a_listing_with_its_standard_output_closed_is_refused():
    """``perijove events >&-`` searched, printed nowhere and exited 0."""
    out = subprocess.run(
        f"{_PERIJOVE} events --kind perijove >&-", shell=True, executable="/bin/bash", capture_output=True, text=True,
        timeout=300,
    )
    _one_line_error(out, "standard output")


# -- options given empty, or that cannot go together: one line, exit 2, nothing written ----------------
@pytest.mark.parametrize(
    "args, fragment",
    [
        (["events", "--start", ""], "--start"),
        (["events", "--stop", " "], "--stop"),
        (["events", "--kind", ""], "--kind"),
        (["events", "--kind", ","], "--kind"),
        (["events", "--body", ""], "--body"),
        (["plot", "--start", "", "--stop", "", "OUT"], "--start"),
        (["kernels", "fetch", "--start", "", "--cache", "OUT"], "--start"),
        (["kernels", "fetch", "--base-url", "", "--cache", "OUT"], "--base-url"),
        (["export", "--start", "2023-12-30T08:30", "--stop", "2023-12-30T08:31", "--ease-at", "", "OUT"], "--ease-at"),
        (["compare", "--body", "juno", "--start", "2023-12-30", "--stop", "2023-12-31", "--plot", "", "--against",
          "LSK"], "--plot"),
    ],
)
def test_an_option_given_empty_is_refused_not_ignored(tmp_path, args, fragment):
    """``events --start ''`` searched the whole data, ``--ease-at ''`` eased nothing, ``--plot ''``
    drew nothing, ``--kind ,`` meant all: each exited 0 as if the option had not been given."""
    args = [str(tmp_path / "out") if a == "OUT" else str(LSK) if a == "LSK" else a for a in args]
    out = run(*args)
    _one_line_error(out, fragment, "empty")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["export", "--follow", "juno", "--from", "sun"], ("--follow", "--from")),
        (["export", "--camera", "flyby", "--from", "sun"], ("--camera flyby", "--from")),
        (["export", "--camera", "junocam", "--from", "europa"], ("--camera junocam", "--from")),
        (["render", "--camera", "flyby", "--from", "sun"], ("--camera flyby", "--from")),
    ],
)
def test_options_that_cannot_go_together_are_refused(tmp_path, args, fragments):
    """``--from`` was dropped without a word where the camera does not use it."""
    command, rest = args[0], args[1:]
    if command == "export":
        full = ["export", "--start", "2023-12-30T08:30", "--stop", "2023-12-30T08:31", "--frames", "2", *rest,
                str(tmp_path / "m")]
    else:
        full = ["render", "--time", "2023-12-30T08:30", "--size", "64x36", *rest, str(tmp_path / "r.png")]
    _one_line_error(run(*full), *fragments)
    assert list(tmp_path.iterdir()) == []


def test_export_to_a_dash_is_refused(tmp_path):
    """``export … -`` made a folder named "-" (a user typing "-" means standard output)."""
    out = subprocess.run(
        [sys.executable, "-m", "perijove", "export", "--start", "2023-12-30T08:30", "--stop", "2023-12-30T08:31",
         "--frames", "2", "--", "-"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    _one_line_error(out, "standard output")
    assert list(tmp_path.iterdir()) == []


def test_events_that_could_not_be_searched_at_all_is_an_error_not_an_empty_list(tmp_path):
    """A set with Juno's SPK but no planets: every search was skipped with a note, then "(no
    events)" and exit 0, which reads as "there are none"."""
    from perijove.ephemeris.defaults import default_kernel_dir

    kernels = default_kernel_dir()
    out = run(
        "events", "--no-defaults", "--kind", "perijove", "--kernels",
        str(kernels / "leapseconds.tls"), str(kernels / "perijove_juno.bsp"), str(kernels / "perijove_synthetic.tpc"),
    )  # fmt: skip
    _one_line_error(out, "no ephemeris for Jupiter", "nothing was searched")
    assert "(no events)" not in out.stdout
