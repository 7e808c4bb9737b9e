"""Fetching official kernels from a mirror on 127.0.0.1: resume, verification, offline, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import JUNO_2022, REAL, needs_real
from mirror import Mirror, build_naif_layout

from perijove.ephemeris.catalogue import SETS, Listing, parse_listing, select_period_files
from perijove.ephemeris.defaults import default_kernel_dir
from perijove.ephemeris.download import Cache, Downloader, DownloadError, fetch_set

pytestmark = needs_real
WINDOW = {"start": "2022-07-01", "stop": "2022-08-31"}
SPK_2022 = "JUNO/kernels/spk/spk_rec_220614_221109_220810.bsp"


@pytest.fixture
def mirror(tmp_path):
    root = build_naif_layout(tmp_path / "naif", REAL, default_kernel_dir() / "perijove_planets.bsp")
    with Mirror(root) as m:
        yield m


@pytest.fixture
def cache(tmp_path):
    return Cache(tmp_path / "cache")


def _files(cache: Cache) -> list[str]:
    return sorted(
        str(p.relative_to(cache.root)) for p in cache.root.rglob("*") if p.is_file() and not p.name.endswith(".json")
    )


def test_fetch_places_verified_files_and_records_hashes(mirror, cache):
    paths = fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    assert [p.name for p in paths] == [
        "naif0012.tls",
        "pck00011.tpc",
        "de440s.bsp",
        "jup388s.bsp",
        "juno_v12.tf",
        "spk_rec_220614_221109_220810.bsp",
    ]
    assert paths[-1].read_bytes() == JUNO_2022.read_bytes()
    assert not (cache.root / ".partial").exists() or not any((cache.root / ".partial").iterdir())
    registry = json.loads((cache.root / "registry.json").read_text())
    assert len(registry[SPK_2022]["sha256"]) == 64
    assert cache.active()["set"] == "juno-io-flybys"
    before = len(mirror.requests)
    fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)  # everything cached: only the listing is read
    assert [r for r, _ in mirror.requests[before:]] == ["JUNO/kernels/spk/"]


def test_connection_cut_half_way_leaves_nothing_then_resumes(mirror, cache):
    mirror.cut_once[SPK_2022] = 0.5
    with pytest.raises(DownloadError, match=r"connection lost|got .* of"):
        fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    assert not cache.path(SPK_2022).exists()  # nothing under the real name
    assert SPK_2022 not in _files(cache)
    paths = fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    assert paths[-1].read_bytes() == JUNO_2022.read_bytes()
    ranges = [rng for path, rng in mirror.requests if path == SPK_2022]
    assert ranges[-1].startswith("bytes=") and int(ranges[-1][6:-1]) > 0  # the retry resumed


def test_corrupted_cache_fails_verification(mirror, cache):
    fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    spk = cache.path(SPK_2022)
    data = bytearray(spk.read_bytes())
    data[5000] ^= 0xFF
    spk.write_bytes(bytes(data))
    with pytest.raises(DownloadError, match="failed verification"):
        cache.active_paths()
    with pytest.raises(DownloadError, match="failed verification"):
        fetch_set("juno-io-flybys", cache, mirror.url, offline=True, **WINDOW)


def test_offline_mode_uses_the_cache(mirror, cache):
    with pytest.raises(DownloadError, match="offline"):
        fetch_set("juno-io-flybys", cache, mirror.url, offline=True, **WINDOW)
    fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    count = len(mirror.requests)
    paths = fetch_set("juno-io-flybys", cache, "http://127.0.0.1:9/", offline=True, **WINDOW)
    assert len(paths) == 6 and len(mirror.requests) == count


def test_errors_are_clear(mirror, cache, tmp_path):
    dl = Downloader(cache, mirror.url)
    spec = SETS["juno-io-flybys"]
    from perijove.ephemeris.catalogue import RemoteFile

    with pytest.raises(DownloadError, match="not found on the server"):
        dl.fetch(spec, RemoteFile("generic_kernels/lsk/naif9999.tls", "x", "generic"))
    with pytest.raises(DownloadError, match="cannot connect"):
        Downloader(cache, "http://127.0.0.1:9/").fetch(spec, spec.files[0])
    mirror.stall.add("generic_kernels/lsk/naif0012.tls")
    with pytest.raises(DownloadError, match="did not answer within"):
        Downloader(cache, mirror.url, timeout=0.5).fetch(spec, spec.files[0])
    with pytest.raises(DownloadError, match="covers 2031"):
        fetch_set("juno-io-flybys", cache, mirror.url, start="2031-01-01", stop="2031-02-01")
    assert not cache.cached(spec.files[0].path)


def test_listing_that_changed_shape():
    assert parse_listing("<html><body>maintenance</body></html>") == []
    names = parse_listing(
        '<a href="?C=N;O=D">Name</a><a href="/">up</a><a href="spk_rec_231201_240101_240105.bsp">x</a>'
        '<a href="spk_rec_231201_240101_240110.bsp">x</a><a href="spk_rec_240101_240201_240203.bsp">x'
        '</a><a href="spk_rec_200101_200201_200203.bsp">x</a>'
    )
    chosen = select_period_files(names, Listing("d/", SETS["juno-io-flybys"].listings[0].pattern, "r", "p"))
    assert [c[0] for c in chosen] == ["spk_rec_231201_240101_240110.bsp", "spk_rec_240101_240201_240203.bsp"]


def test_listing_page_without_links_is_an_error(mirror, cache, monkeypatch):
    monkeypatch.setattr(Downloader, "_get_text", lambda self, url: "<html><p>We are moving!</p></html>")
    with pytest.raises(DownloadError, match="listing has no links"):
        fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    monkeypatch.undo()
    (mirror.root / "JUNO/kernels/spk").rename(mirror.root / "JUNO/kernels/spk_moved")
    with pytest.raises(DownloadError, match="404"):
        fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)


def test_cancel_keeps_the_partial_for_resume(mirror, cache):
    from perijove.ephemeris.download import DownloadCancelled

    de = "generic_kernels/spk/planets/de440s.bsp"

    def cancel() -> bool:  # the user presses Cancel part-way through the planetary ephemeris
        part = cache.partial(de)
        return part.exists() and part.stat().st_size > 300_000

    with pytest.raises(DownloadCancelled):
        fetch_set("juno-io-flybys", cache, mirror.url, cancel=cancel, **WINDOW)
    assert not cache.path(de).exists() and cache.partial(de).stat().st_size > 0
    paths = fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    assert len(paths) == 6 and paths[2].read_bytes() == (REAL / "de440_2030.bsp").read_bytes()
    assert [rng for path, rng in mirror.requests if path == de][-1] != ""  # resumed, not restarted


def _cli(*args: str, env_cache) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "PERIJOVE_CACHE": str(env_cache)}
    return subprocess.run(
        [sys.executable, "-m", "perijove", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_after_fetch_every_command_uses_the_real_2022_set(mirror, tmp_path):
    cache = tmp_path / "user-cache"
    run = _cli(
        "kernels", "fetch", "--base-url", mirror.url, "--start", "2022-07-01", "--stop", "2022-08-31", env_cache=cache
    )
    assert run.returncode == 0, run.stderr
    events = _cli("events", "--kind", "perijove", "--format", "json", env_cache=cache)
    utcs = [e["utc"] for e in json.loads(events.stdout)]
    assert "2022-07-05T09:17:22.234" in utcs and "2022-08-17T14:45:39.433" in utcs
    info = json.loads(_cli("kernels", "info", "--format", "json", env_cache=cache).stdout)
    assert "reconstructed" in info["provenance"]
    listing = _cli("kernels", "list", env_cache=cache).stdout
    assert "juno-io-flybys (active)" in listing and "cached" in listing
    assert _cli("kernels", "use", "none", env_cache=cache).returncode == 0
    info = json.loads(_cli("kernels", "info", "--format", "json", env_cache=cache).stdout)
    assert info["provenance"] == ["synthetic"]
    cleared = _cli("kernels", "clear-cache", env_cache=cache)
    assert cleared.returncode == 0 and not cache.exists()
    offline = _cli("kernels", "fetch", "--offline", "--base-url", mirror.url, env_cache=cache)
    assert offline.returncode == 2 and offline.stderr.count("\n") == 1 and "offline" in offline.stderr


def test_fetched_maps_replace_the_procedural_ones(tmp_path):
    """The maps set, fetched from a mirror, is what 'perijove render' paints Io with."""
    import numpy as np
    from PIL import Image

    root = tmp_path / "web"
    for f in SETS["maps"].files:
        dest = root / f.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        colour = (40, 200, 60) if f.role == "io" else (90, 90, 200)  # unmistakably not Io or Jupiter
        Image.fromarray(np.full((64, 128, 3), colour, np.uint8)).save(
            dest, format="TIFF" if dest.suffix == ".tif" else "JPEG"
        )
    cache = tmp_path / "user-cache"
    with Mirror(root) as mirror:
        run = _cli("kernels", "fetch", "--set", "maps", "--base-url", mirror.url, env_cache=cache)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "io.png"
    render = _cli(
        "render",
        "--time",
        "2023-12-30T08:30",
        "--look-at",
        "io",
        "--from",
        "sun",
        "--size",
        "200x150",
        "--no-stars",
        "--no-orbits",
        "--no-trajectory",
        str(out),
        env_cache=cache,
    )
    assert render.returncode == 0, render.stderr
    centre = np.asarray(Image.open(out))[75, 100].astype(int)
    assert centre[1] > centre[0] + 60 and centre[1] > centre[2] + 60  # green: the fetched map, not sulphur
