"""Geometry over time and ground tracks: the series against SPICE, and ``perijove plot`` files by pixel.

Oracle values come from direct SPICE calls beside each assertion (``spkezr``, ``subpnt``,
``phaseq``, ``gfdist`` through the event search), never from the code under test.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import spiceypy

HALF = 1800.0


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perijove", *args], capture_output=True, text=True, timeout=180)


@pytest.fixture
def eph():
    from perijove.ephemeris import Ephemeris, open_kernels

    return Ephemeris(open_kernels([], defaults=True))


def _flyby_et(eph) -> float:
    """The first Io flyby of the embedded set, from SPICE's geometry finder (gfdist LOCMIN)."""
    from perijove.ephemeris import find_events

    report = find_events(eph, ["flyby"], [501])
    return report.events[0].et


def _one_line_exit_2(out: subprocess.CompletedProcess[str], *words: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    for word in words:
        assert word in lines[0], lines[0]


# -- the series ---------------------------------------------------------------------------------------
def test_series_matches_spice_at_sampled_times(eph):
    from perijove.ephemeris.series import geometry_series

    ca = _flyby_et(eph)
    s = geometry_series(eph, "io", ca - HALF, ca + HALF)
    assert s.spacecraft == -61 and s.target == 501
    picks = [0, len(s.ets) // 3, int(np.argmin(np.abs(s.ets - ca))), len(s.ets) - 1]
    for i in picks:
        et = float(s.ets[i])
        state = spiceypy.spkezr("JUNO", et, "J2000", "NONE", "IO")[0]
        assert s.distance_km[i] == pytest.approx(np.linalg.norm(state[:3]), rel=1e-9)
        assert s.speed_km_s[i] == pytest.approx(np.linalg.norm(state[3:]), rel=1e-9)
        spoint, _t, srfvec = spiceypy.subpnt("NEAR POINT/ELLIPSOID", "IO", et, "IAU_IO", "NONE", "JUNO")
        assert s.altitude_km[i] == pytest.approx(np.linalg.norm(srfvec), abs=1e-6)
        _r, lon, lat = spiceypy.reclat(spoint)
        assert s.lat_deg[i] == pytest.approx(math.degrees(lat), abs=1e-9)
        assert s.lon_deg[i] == pytest.approx(math.degrees(lon) % 360.0, abs=1e-9)
        # Phase angle at Io's centre: Sun-Io-Juno (the Sun's direction is interpolated over 10 minutes).
        phase = math.degrees(spiceypy.phaseq(et, "IO", "SUN", "JUNO", "NONE"))
        assert s.phase_deg[i] == pytest.approx(phase, abs=1e-5)
        # The planetographic pair is the surface normal at the near point: the direction to Juno.
        normal = -srfvec / np.linalg.norm(srfvec)  # srfvec points from Juno down to the surface
        assert s.lat_pg_deg[i] == pytest.approx(math.degrees(math.asin(normal[2])), abs=1e-6)
        assert s.lon_pg_deg[i] == pytest.approx(math.degrees(math.atan2(normal[1], normal[0])) % 360.0, abs=1e-6)
    # The closest approach is a sample, where gfdist puts it, at the published ~1,500 km altitude.
    et, _dist = s.closest_approach()
    assert et == pytest.approx(ca, abs=1e-3)
    assert np.min(np.abs(s.ets - ca)) < 1e-3
    i = int(np.argmin(s.distance_km))
    assert s.altitude_km[i] == pytest.approx(1500.0, abs=50.0)
    assert s.provenance == {"Juno": "synthetic", "Io": "synthetic"}
    assert not spiceypy.failed()


def test_a_ten_minute_flyby_is_resolved_inside_twelve_hours(eph):
    from perijove.ephemeris.series import geometry_series

    ca = _flyby_et(eph)
    s = geometry_series(eph, "io", ca - 5 * 3600.0, ca + 7 * 3600.0)
    assert s.ets.size < 3000  # adaptive, not uniform: 12 h at the flyby's spacing would be ~40,000
    near = np.abs(s.ets - ca) < 300.0  # the 10 minutes around closest approach
    assert near.sum() >= 150
    assert np.max(np.diff(s.ets[near])) < 7.0  # 2% of distance / speed: 6.4 s at 9,300 km, 5 min out
    closest = np.abs(s.ets - ca) < 60.0
    assert np.max(np.diff(s.ets[closest])) < 2.5  # and about a second at 1,500 km
    # The altitude curve is smooth where it bends: linear interpolation between samples is within
    # 0.5% of SPICE at times half-way between them.
    mids = 0.5 * (s.ets[near][:-1] + s.ets[near][1:])[::10]
    for et in mids:
        truth = np.linalg.norm(spiceypy.subpnt("NEAR POINT/ELLIPSOID", "IO", et, "IAU_IO", "NONE", "JUNO")[2])
        assert np.interp(et, s.ets, s.altitude_km) == pytest.approx(truth, rel=5e-3)
    assert s.altitude_km.min() == pytest.approx(1500.0, abs=50.0)


def test_gaps_in_the_data_are_nan_and_spice_is_left_clean(eph):
    from perijove.ephemeris.series import geometry_series

    start = eph.covered(-61)[0].start
    s = geometry_series(eph, "io", start - 1800.0, start + 1800.0)
    before, after = s.ets < start, s.ets > start
    assert before.sum() > 50 and after.sum() > 50
    for name in ("distance_km", "altitude_km", "speed_km_s", "phase_deg", "lat_deg", "lon_deg"):
        values = getattr(s, name)
        assert np.isnan(values[before]).all(), name
        assert np.isfinite(values[after]).all(), name
    assert not spiceypy.failed()


def test_a_span_that_cannot_be_asked_is_an_error(eph):
    from perijove.ephemeris import QueryError
    from perijove.ephemeris.series import geometry_series

    with pytest.raises(QueryError):
        geometry_series(eph, "io", 1000.0, 1000.0)
    with pytest.raises(QueryError):
        geometry_series(eph, "nosuchmoon", 0.0, 10.0)
    assert not spiceypy.failed()


# -- perijove plot --------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plot_writes_each_format_for_the_first_io_flyby(tmp_path, suffix):
    out = tmp_path / f"flyby{suffix}"
    done = run("plot", str(out))
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    if suffix == ".png":
        from PIL import Image

        with Image.open(out) as im:
            assert im.width >= 600 and im.height >= 400
            rgb = np.asarray(im.convert("RGB")).astype(int)
        # Each panel's curve is there (matplotlib's tab:blue distance, tab:green altitude, tab:red phase).
        for colour in ((31, 119, 180), (44, 160, 44), (214, 39, 40)):
            assert (np.abs(rgb - colour).sum(axis=2) < 20).sum() > 200, colour
    elif suffix == ".svg":
        text = data.decode()
        width = float(re.search(r'<svg[^>]*width="([0-9.]+)pt"', text).group(1))
        assert width * 96 / 72 >= 600  # CSS pixels
        assert "2023-12-30" in text and "SYNTHETIC" in text  # the day and the data's provenance
    else:
        assert data.startswith(b"%PDF")
        box = [float(v) for v in re.search(rb"/MediaBox \[ *([0-9. ]+)\]", data).group(1).split()]
        assert (box[2] - box[0]) * 96 / 72 >= 600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial left


def _colour_pixels(rgb: np.ndarray, hex_colour: str, tol: int = 40) -> np.ndarray:
    want = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return np.argwhere(np.abs(rgb.astype(int) - want).sum(axis=2) < tol)  # (row, col)


def test_groundtrack_passes_the_closest_approach_point(tmp_path, eph):
    from PIL import Image

    from perijove.export.plots import CA_COLOUR, GROUNDTRACK_SIZE, TRACK_COLOUR, body_map, groundtrack_figure
    from perijove.model import DisplayOptions

    out = tmp_path / "track.png"
    done = run("plot", "--groundtrack", "--target", "io", str(out))
    assert done.returncode == 0, done.stderr
    with Image.open(out) as im:
        assert im.size == GROUNDTRACK_SIZE
        rgb = np.asarray(im.convert("RGB"))
    # Where the axes put map coordinates: the same figure, laid out the same way, in this process.
    from perijove.ephemeris.series import geometry_series

    ca = _flyby_et(eph)
    series = geometry_series(eph, "io", ca - HALF, ca + HALF)
    image, latitude = body_map(501, DisplayOptions())
    layout = groundtrack_figure(series, image, latitude, (), GROUNDTRACK_SIZE)

    def sub_lonlat(et: float) -> tuple[float, float]:
        spoint = spiceypy.subpnt("NEAR POINT/ELLIPSOID", "IO", et, "IAU_IO", "NONE", "JUNO")[0]
        _r, lon, lat = spiceypy.reclat(spoint)
        return math.degrees(lon) % 360.0, math.degrees(lat)

    # Closest approach: the star's centre within 1.5 pixels of SPICE's sub-spacecraft point.
    col, row = layout.to_pixel(*sub_lonlat(ca))
    star = _colour_pixels(rgb, CA_COLOUR, 60)
    star = star[np.hypot(star[:, 0] - row, star[:, 1] - col) < 20]
    assert len(star) > 20
    assert np.hypot(star[:, 0].mean() - row, star[:, 1].mean() - col) < 1.5
    # The track itself, beside the star (it hides the track at its centre): within 2 pixels of
    # SPICE's sub-spacecraft point at several times around closest approach.
    track = _colour_pixels(rgb, TRACK_COLOUR)
    for dt in (-600.0, -120.0, -30.0, 30.0, 120.0):
        col, row = layout.to_pixel(*sub_lonlat(ca + dt))
        nearest = np.min(np.hypot(track[:, 0] - row, track[:, 1] - col))
        assert nearest <= 2.0, (dt, nearest)
    # ...and nowhere near a point it never passes (the south-west of the map).
    col, row = layout.to_pixel(100.0, -60.0)
    assert np.min(np.hypot(track[:, 0] - row, track[:, 1] - col)) > 50
    # The map under the track is the scene's Io map, east longitude 0° at the left, north up: the
    # drawn map correlates with the map file, and not with it shifted half a turn or upside down.
    c0, r0 = (round(v) for v in layout.to_pixel(0.0, 90.0))
    c1, r1 = (round(v) for v in layout.to_pixel(359.999, -90.0))
    drawn = rgb[r0 + 3 : r1 - 3, c0 + 3 : c1 - 3].astype(float).mean(axis=2)
    source = np.asarray(Image.fromarray(image).convert("L").resize((c1 - c0, r1 - r0)), float)[3:-3, 3:-3]

    def corr(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])

    assert corr(drawn, source) > 0.8
    assert corr(drawn, np.roll(source, source.shape[1] // 2, axis=1)) < 0.5
    assert corr(drawn, source[::-1]) < 0.5


def test_plot_time_span_and_size_options(tmp_path):
    from PIL import Image

    out = tmp_path / "span.png"
    done = run("plot", "--start", "2023-12-30T08:00", "--stop", "2023-12-30T09:00", "--size", "800x700", str(out))
    assert done.returncode == 0, done.stderr
    with Image.open(out) as im:
        assert im.size == (800, 700)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--target", "vulcan"], ["unknown body", "vulcan"]),
        (["--start", "2023-12-30T09:00", "--stop", "2023-12-30T08:00"], ["--stop", "after"]),
        (["--start", "2023-12-30T09:00", "--stop", "2023-12-30T09:00"], ["--stop", "after"]),
        (["--start", "1990-01-01", "--stop", "1990-01-02"], ["no Juno data"]),
        (["--size", "12x12"], ["--size"]),
    ],
)
def test_plot_bad_input_is_one_line_exit_2(tmp_path, args, words):
    out = tmp_path / "bad.png"
    _one_line_exit_2(run("plot", *args, str(out)), *words)
    assert not list(tmp_path.iterdir())


def test_plot_refuses_unknown_extensions_and_unwritable_places(tmp_path):
    _one_line_exit_2(run("plot", str(tmp_path / "plot.gif")), ".png")
    _one_line_exit_2(run("plot", str(tmp_path / "missing" / "plot.png")), "does not exist")
    (tmp_path / "folder.png").mkdir()
    _one_line_exit_2(run("plot", "--overwrite", str(tmp_path / "folder.png")), "is a folder")
    assert [p.name for p in tmp_path.iterdir()] == ["folder.png"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_plot_into_a_read_only_folder_is_one_line(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        _one_line_exit_2(run("plot", str(folder / "plot.png")), "not allowed")
    finally:
        folder.chmod(0o700)


def test_plot_never_replaces_a_file_without_consent(tmp_path):
    out = tmp_path / "mine.png"
    out.write_bytes(b"the user's own file")
    _one_line_exit_2(run("plot", str(out)), "already exists", "--overwrite")
    assert out.read_bytes() == b"the user's own file"
    done = run("plot", "--overwrite", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.png"]


def test_save_figure_is_atomic_and_cleans_up_on_failure(tmp_path, monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from perijove.ephemeris import PerijoveError
    from perijove.export.plots import save_figure

    fig = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(fig)
    fig.add_subplot().plot([0, 1], [0, 1])
    out = tmp_path / "f.png"
    out.write_bytes(b"before")

    def broken(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(PerijoveError, match="disk is full"):
        save_figure(fig, out)
    assert out.read_bytes() == b"before"  # what was there is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # and no partial is left
    monkeypatch.undo()
    save_figure(fig, out)
    assert out.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in Path(tmp_path).iterdir()] == ["f.png"]


def test_a_long_span_keeps_its_mark_labels_apart():
    """Over two years every local minimum of the distance to Io (one every 1.8 days, millions of km
    out) was marked and labelled "closest": the labels printed over each other until unreadable.
    Labels now keep their room, the flybys and the deepest approaches first."""
    import matplotlib

    matplotlib.use("Agg")
    from perijove.ephemeris import Ephemeris, open_kernels, to_et
    from perijove.ephemeris.series import geometry_series
    from perijove.export.plots import series_figure

    eph = Ephemeris(open_kernels())
    series = geometry_series(eph, "io", to_et("2023-06-01"), to_et("2024-06-01"))
    assert len(series.closest) > 50  # the many minima the labels were made for
    from perijove.ephemeris import find_events

    fig = series_figure(series, ())
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in top.texts if t.get_text().startswith("closest")]
    assert 1 <= len(boxes) <= 15
    lines = [ln for ln in top.lines if ln.get_linestyle() == "--"]
    assert len(lines) == len(boxes)  # a line for each mark told, not a wall of them
    # With the span's events (transits every 1.8 days, perijoves, eclipses): no two labels overlap.
    events = find_events(eph, ["perijove", "apojove", "flyby", "transit", "eclipse"], [501]).events
    fig = series_figure(series, events)
    fig.canvas.draw()
    boxes = [t.get_window_extent(fig.canvas.get_renderer()) for t in fig.axes[0].texts]
    assert len(boxes) >= 3
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    import matplotlib.pyplot as plt

    plt.close(fig)
