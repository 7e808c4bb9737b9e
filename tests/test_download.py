"""Fetching official kernels from a mirror on 127.0.0.1: resume, verification, offline, errors.

The first tests fetch the real 2022 files from ``../shared``; the rest use a mirror of the
embedded kernels laid out like NAIF's server (``build_tiny_layout``) and a fault server that
misbehaves the ways issue 12 found: wrong content, wrong Range handling, slow bytes, redirects,
two fetches at once, a poisoned or damaged cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest
from conftest import JUNO_2022, REAL, needs_real
from mirror import TINY_SPK, Mirror, build_naif_layout, build_tiny_layout

from perijove.ephemeris.catalogue import SETS, Listing, parse_listing, select_period_files
from perijove.ephemeris.defaults import default_kernel_dir
from perijove.ephemeris.download import Cache, Downloader, DownloadError, fetch_set

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


@needs_real
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


@needs_real
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


@needs_real
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


@needs_real
def test_offline_mode_uses_the_cache(mirror, cache):
    with pytest.raises(DownloadError, match="offline"):
        fetch_set("juno-io-flybys", cache, mirror.url, offline=True, **WINDOW)
    fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    count = len(mirror.requests)
    paths = fetch_set("juno-io-flybys", cache, "http://127.0.0.1:9/", offline=True, **WINDOW)
    assert len(paths) == 6 and len(mirror.requests) == count


@needs_real
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


@needs_real
def test_listing_page_without_links_is_an_error(mirror, cache, monkeypatch):
    monkeypatch.setattr(Downloader, "_get_text", lambda self, url, spec=None: "<html><p>We are moving!</p></html>")
    with pytest.raises(DownloadError, match="listing has no links"):
        fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)
    monkeypatch.undo()
    (mirror.root / "JUNO/kernels/spk").rename(mirror.root / "JUNO/kernels/spk_moved")
    with pytest.raises(DownloadError, match="404"):
        fetch_set("juno-io-flybys", cache, mirror.url, **WINDOW)


@needs_real
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


@needs_real
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
    assert "reconstructed" not in info["provenance"] and "synthetic" in info["provenance"]
    cleared = _cli("kernels", "clear-cache", env_cache=cache)
    assert cleared.returncode == 0 and not cache.exists()
    offline = _cli("kernels", "fetch", "--offline", "--base-url", mirror.url, env_cache=cache)
    assert offline.returncode == 2 and offline.stderr.count("\n") == 1 and "offline" in offline.stderr


@needs_real
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


# -- issue 12: a download cache that cannot be poisoned ------------------------------------------------------------
LSK_PATH = "generic_kernels/lsk/naif0012.tls"
FK_PATH = "JUNO/kernels/fk/juno_v12.tf"
SET = "juno-io-flybys"


@pytest.fixture
def tiny(tmp_path):
    """A NAIF-like fault server over the embedded kernels (nothing from ../shared)."""
    root = build_tiny_layout(tmp_path / "naif-tiny", default_kernel_dir())
    with Mirror(root) as m:
        yield m


@pytest.fixture(scope="module")
def fetched_template(tmp_path_factory):
    """A cache holding the tiny set as a good fetch left it, copied by each test that damages one."""
    base = tmp_path_factory.mktemp("fetched")
    root = build_tiny_layout(base / "naif-tiny", default_kernel_dir())
    cache = Cache(base / "cache")
    with Mirror(root) as m:
        fetch_set(SET, cache, m.url)
    return cache.root


@pytest.fixture
def fetched(fetched_template, tmp_path) -> Cache:
    dest = tmp_path / "fetched-cache"
    shutil.copytree(fetched_template, dest)  # copy2 keeps the times the registry recorded
    return Cache(dest)


def _catch(fn):
    try:
        return fn()
    except Exception as err:  # the tests look at what was raised
        return err


def _bounded(fn, seconds: float):
    """Run ``fn`` in a thread; a regression that hangs fails the test instead of hanging the suite."""
    out: dict = {}
    worker = threading.Thread(target=lambda: out.update(result=_catch(fn)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    return out["result"]


def _main(*argv: str) -> int:
    from perijove.cli import main

    return main(list(argv))


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


# 11. Fetch accepts any content.
def test_listing_sizes_are_read_in_the_shapes_servers_show():
    from perijove.ephemeris.catalogue import parse_listing_sizes, size_matches

    page = (
        '<tr><td><a href="naif0012.tls">naif0012.tls</a></td><td align="right">2016-07-25 16:02  </td>'
        '<td align="right">5.1K</td><td>&nbsp;</td></tr>\n'
        '<a href="de440s.bsp">de440s.bsp</a>     25-Jul-2016 16:02   31M  planets 12\n'
        '<a href="a.tf">a.tf</a> 2024-01-26 10:02 151 KB\n<a href="b.tpc">b.tpc</a> 2024-01-26 131227 bytes\n'
        '<a href="old/">old/</a> 2024-01-26 10:02 -\n'
    )
    assert parse_listing_sizes(page) == {"naif0012.tls": "5.1K", "de440s.bsp": "31M", "a.tf": "151K", "b.tpc": "131227"}
    assert size_matches("5.1K", 5257) and size_matches("31M", 32_726_016) and size_matches("151K", 154_356)
    assert size_matches("131227", 131_227) and not size_matches("131227", 131_228)
    assert not size_matches("5.1K", 62) and not size_matches("31M", 5257) and size_matches("?", 1)


def test_an_html_page_in_place_of_a_kernel_is_refused(tiny, cache):
    tiny.body[LSK_PATH] = b"<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>\n"
    with pytest.raises(DownloadError, match=r"naif0012\.tls.*listing publishes"):
        fetch_set(SET, cache, tiny.url)
    assert not cache.path(LSK_PATH).exists() and not cache.partial(LSK_PATH).exists()
    assert cache.active()["set"] is None


@pytest.mark.parametrize(
    "path, make, reason",
    [
        (TINY_SPK, lambda n: random.Random(12).randbytes(n), r"not a DAF/SPK|not a SPICE kernel"),
        (LSK_PATH, lambda n: (b"<html><body>moved</body></html>" + b" " * n)[:n], r"HTML page"),
        (FK_PATH, lambda n: (b"KPL/FK\n\\begindata\nFRAME_X = ( 1 2\n" + b" " * n)[:n], r"syntax error"),
        (TINY_SPK, lambda n: b"DAF/SPK " + bytes(n - 8), r"corrupt"),
    ],
    ids=["random-bytes", "html-padded", "broken-text-kernel", "zeroed-daf"],
)
def test_bytes_of_the_published_size_that_are_no_kernel_are_refused(tiny, cache, path, make, reason):
    size = (tiny.root / path).stat().st_size
    tiny.body[path] = make(size)
    with pytest.raises(DownloadError, match=reason):
        fetch_set(SET, cache, tiny.url)
    assert not cache.path(path).exists() and not cache.partial(path).exists()
    assert cache.active()["set"] is None


def test_a_kernel_spice_cannot_load_is_refused_and_never_activated(tiny, cache):
    data = bytearray((tiny.root / TINY_SPK).read_bytes())
    data[data.find(b"FTPSTR") + 10] ^= 0xFF  # our DAF reader accepts it; SPICE sees FTP damage
    tiny.body[TINY_SPK] = bytes(data)
    with pytest.raises(DownloadError, match=r"spk_rec_231115_240315_240320\.bsp.*SPICE"):
        fetch_set(SET, cache, tiny.url)
    assert not cache.path(TINY_SPK).exists() and cache.active()["set"] is None
    del tiny.body[TINY_SPK]
    fetch_set(SET, cache, tiny.url)  # the good file is fetched; the verified members stayed
    assert cache.active()["set"] == SET and len(cache.active_paths()) == 6


def test_a_failed_fetch_keeps_the_set_in_use_and_leaves_commands_working(fetched, tiny, monkeypatch, capsys):
    before = fetched.active()
    tiny.body[FK_PATH] = b"<html>error</html>"
    fetched.path(FK_PATH).write_bytes(b"garbage")  # damaged, and the server now sends an error page
    monkeypatch.setenv("PERIJOVE_CACHE", str(fetched.root))
    assert _main("kernels", "fetch", "--base-url", tiny.url) == 2
    assert "perijove: error:" in _one_line(capsys.readouterr().err)
    assert fetched.active() == before and fetched.path(FK_PATH).read_bytes() == b"garbage"
    assert _main("kernels", "info", "--format", "json") == 0  # on the embedded set, with a note
    assert "juno_v12.tf" in _one_line(capsys.readouterr().err)


# 12. Range and 416.
@pytest.mark.parametrize("mode", ["ignore-206", "no-content-range", "ignore-200", "416"])
def test_resume_only_when_the_server_proves_it_honoured_the_range(tiny, cache, mode):
    data = (tiny.root / TINY_SPK).read_bytes()
    part = cache.partial(TINY_SPK)
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:300_000])
    tiny.range_mode[TINY_SPK] = mode
    fetch_set(SET, cache, tiny.url)
    assert cache.path(TINY_SPK).read_bytes() == data
    assert not part.exists()


def test_a_leftover_partial_larger_than_the_file_is_not_installed(tiny, cache):
    data = (tiny.root / TINY_SPK).read_bytes()
    part = cache.partial(TINY_SPK)
    part.parent.mkdir(parents=True)
    part.write_bytes(data + b"left over from another version" * 1000)  # the server answers 416
    fetch_set(SET, cache, tiny.url)
    assert cache.path(TINY_SPK).read_bytes() == data
    ranges = [rng for path, rng in tiny.requests if path == TINY_SPK]
    assert ranges[0].startswith("bytes=") and ranges[-1] == ""  # it asked, was refused, and started over


def test_a_complete_partial_is_installed_on_a_proven_416(tiny, cache):
    data = (tiny.root / TINY_SPK).read_bytes()
    part = cache.partial(TINY_SPK)
    part.parent.mkdir(parents=True)
    part.write_bytes(data)  # e.g. cancelled after the last byte arrived
    fetch_set(SET, cache, tiny.url)
    assert cache.path(TINY_SPK).read_bytes() == data
    assert [rng for path, rng in tiny.requests if path == TINY_SPK] == [f"bytes={len(data)}-"]


# 13. Slow servers, redirects, two fetches at once.
def test_a_server_that_trickles_bytes_is_given_up_on(tiny, cache):
    tiny.trickle[LSK_PATH] = (1, 0.02)  # 50 bytes/s: the 5 KB file would take 100 s
    started = time.monotonic()
    err = _bounded(lambda: fetch_set(SET, cache, tiny.url, min_rate=1000, rate_window=0.3), 20)
    assert isinstance(err, DownloadError) and "too slow" in str(err), err
    assert time.monotonic() - started < 10
    assert not cache.path(LSK_PATH).exists() and cache.partial(LSK_PATH).exists()  # kept for resuming


def test_an_overall_deadline_bounds_one_transfer(tiny, cache):
    tiny.trickle[TINY_SPK] = (4096, 0.01)  # fast enough for the minimum rate, but about 2 s in all
    err = _bounded(lambda: fetch_set(SET, cache, tiny.url, deadline=0.5), 20)
    assert isinstance(err, DownloadError) and "not finished after" in str(err), err
    assert not cache.path(TINY_SPK).exists()
    del tiny.trickle[TINY_SPK]
    fetch_set(SET, cache, tiny.url)  # and the next fetch resumes it
    assert [rng for path, rng in tiny.requests if path == TINY_SPK][-1] not in ("", "bytes=0-")


def test_a_server_that_dribbles_its_headers_is_given_up_on(tiny, cache):
    tiny.slow_headers[LSK_PATH] = 0.02  # each byte well within the read timeout; the head takes 8 s
    dl = Downloader(cache, tiny.url, timeout=0.25)
    started = time.monotonic()
    err = _bounded(lambda: dl.fetch(SETS[SET], SETS[SET].files[0]), 20)
    assert isinstance(err, DownloadError) and "did not send its answer within 1 s" in str(err), err
    assert time.monotonic() - started < 5


def test_a_slow_directory_listing_is_bounded_too(tiny, cache):
    tiny.trickle["JUNO/kernels/spk/"] = (1, 0.02)
    err = _bounded(lambda: fetch_set(SET, cache, tiny.url, min_rate=1000, rate_window=0.3), 20)
    assert isinstance(err, DownloadError) and "too slow" in str(err), err


@pytest.mark.parametrize(
    "location",
    [
        lambda tiny, secret: secret.as_uri(),
        lambda tiny, secret: f"http://localhost:{tiny.port}/{LSK_PATH}",
        lambda tiny, secret: f"ftp://127.0.0.1:{tiny.port}/{LSK_PATH}",
    ],
    ids=["file", "other-host", "ftp"],
)
def test_redirects_are_refused_unless_http_to_the_same_host(tiny, cache, tmp_path, location):
    secret = tmp_path / "secret.tls"
    secret.write_bytes((tiny.root / LSK_PATH).read_bytes())
    tiny.redirect[LSK_PATH] = location(tiny, secret)
    with pytest.raises(DownloadError, match="refused a redirect"):
        fetch_set(SET, cache, tiny.url)
    assert not cache.path(LSK_PATH).exists()
    assert [p for p, _ in tiny.requests].count(LSK_PATH) == 1  # nothing was fetched from elsewhere


def test_redirects_within_the_host_and_to_published_mirrors_are_followed(tiny, cache, monkeypatch):
    moved = tiny.root / "moved"
    moved.mkdir()
    shutil.copy(tiny.root / LSK_PATH, moved / "naif0012.tls")
    tiny.redirect[LSK_PATH] = "/moved/naif0012.tls"
    with Mirror(tiny.root) as other:
        monkeypatch.setitem(SETS, SET, replace(SETS[SET], mirrors=(f"http://localhost:{other.port}/",)))
        tiny.redirect[FK_PATH] = f"http://localhost:{other.port}/{FK_PATH}"
        fetch_set(SET, cache, tiny.url)
        assert (FK_PATH, "") in other.requests
    assert ("moved/naif0012.tls", "") in tiny.requests
    assert cache.path(LSK_PATH).read_bytes() == (tiny.root / LSK_PATH).read_bytes()


def test_a_base_url_that_is_not_http_is_refused(cache, tmp_path):
    for base in (tmp_path.as_uri(), "ftp://127.0.0.1/", "naif.jpl.nasa.gov/pub/naif/"):
        with pytest.raises(DownloadError, match="http"):
            fetch_set(SET, cache, base)
    assert not cache.root.exists()


def test_two_fetches_into_one_cache_take_turns(tiny, cache):
    data = (tiny.root / TINY_SPK).read_bytes()
    tiny.trickle[TINY_SPK] = (65536, 0.05)  # the first fetch takes about a second over this file
    results: dict = {}
    first = threading.Thread(target=lambda: results.update(first=_catch(lambda: fetch_set(SET, cache, tiny.url))))
    first.start()
    deadline = time.monotonic() + 20
    while not cache.partial(TINY_SPK).exists() and time.monotonic() < deadline and first.is_alive():
        time.sleep(0.01)
    second = _bounded(lambda: fetch_set(SET, cache, tiny.url), 20)
    first.join(30)
    assert isinstance(second, DownloadError) and "another Perijove" in str(second), second
    assert isinstance(results["first"], list), results["first"]
    assert cache.path(TINY_SPK).read_bytes() == data


def test_clear_and_use_wait_for_no_one(fetched):
    with fetched.lock():
        for action in (fetched.clear, lambda: fetch_set(SET, fetched, offline=True)):
            with pytest.raises(DownloadError, match="another Perijove"):
                action()
    assert len(fetched.active_paths()) == 6


# 14. A good fetch repairs a poisoned cache.
def test_a_good_fetch_repairs_a_poisoned_cache(fetched, tiny):
    spk = fetched.path(TINY_SPK)
    spk.write_bytes(b"<html>poisoned</html>")
    with pytest.raises(DownloadError, match="failed verification"):
        fetched.active_paths()
    fetch_set(SET, fetched, tiny.url)
    assert spk.read_bytes() == (tiny.root / TINY_SPK).read_bytes()
    assert len(fetched.active_paths()) == 6


def test_fetch_rehashes_files_whose_size_and_time_were_kept(fetched, tiny):
    spk = fetched.path(TINY_SPK)
    st = spk.stat()
    data = bytearray(spk.read_bytes())
    data[5000] ^= 0xFF
    spk.write_bytes(bytes(data))
    os.utime(spk, ns=(st.st_atime_ns, st.st_mtime_ns))
    fetch_set(SET, fetched, tiny.url)
    assert spk.read_bytes() == (tiny.root / TINY_SPK).read_bytes()


def test_fetch_replaces_what_an_older_version_recorded_without_checking(fetched, tiny):
    """Earlier versions hashed whatever arrived: an HTML page could sit in the registry as 'verified'."""
    page = b"<!DOCTYPE html><html><body>Not Found</body></html>"
    lsk = fetched.path(LSK_PATH)
    lsk.write_bytes(page)
    registry = json.loads((fetched.root / "registry.json").read_text())
    st = lsk.stat()
    registry[LSK_PATH] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": hashlib.sha256(page).hexdigest()}
    (fetched.root / "registry.json").write_text(json.dumps(registry))
    fetch_set(SET, fetched, tiny.url)
    assert lsk.read_bytes() == (tiny.root / LSK_PATH).read_bytes()


# 15. clear-cache deletes only what the registry lists, in a folder with our marker.
def test_clear_cache_refuses_a_folder_that_is_not_a_cache(tmp_path, monkeypatch, capsys):
    photos = tmp_path / "Photos"
    (photos / "2024").mkdir(parents=True)
    (photos / "2024" / "cat.jpg").write_bytes(b"\xff\xd8\xff a cat")
    (photos / "registry.json").write_text("{}")  # even a file that looks like ours
    assert _main("kernels", "clear-cache", "--cache", str(photos)) == 2
    assert "not a Perijove download cache" in _one_line(capsys.readouterr().err)
    monkeypatch.chdir(photos)
    monkeypatch.setenv("PERIJOVE_CACHE", ".")
    assert _main("kernels", "clear-cache") == 2
    assert "not a Perijove download cache" in _one_line(capsys.readouterr().err)
    assert sorted(p.name for p in photos.rglob("*")) == ["2024", "cat.jpg", "registry.json"]


def test_clear_cache_deletes_only_what_the_registry_lists(fetched, capsys):
    mine = fetched.root / "JUNO" / "kernels" / "spk" / "my_notes.txt"
    mine.write_text("mine")
    (fetched.root / "keep.bsp").write_bytes(b"not downloaded by Perijove")
    assert _main("kernels", "clear-cache", "--cache", str(fetched.root)) == 0
    assert "removed 6 file(s)" in capsys.readouterr().out
    assert mine.read_text() == "mine" and (fetched.root / "keep.bsp").exists()
    left = sorted(str(p.relative_to(fetched.root)) for p in fetched.root.rglob("*") if p.is_file())
    assert left == [".lock", ".perijove-cache", "JUNO/kernels/spk/my_notes.txt", "keep.bsp"]


def test_clear_cache_with_a_damaged_registry_deletes_nothing(fetched, capsys):
    (fetched.root / "registry.json").write_text('{"x": 1}')
    assert _main("kernels", "clear-cache", "--cache", str(fetched.root)) == 2
    assert "registry.json" in _one_line(capsys.readouterr().err)
    assert fetched.path(TINY_SPK).is_file() and (fetched.root / "registry.json").is_file()


def test_fetch_refuses_a_folder_with_other_files_as_its_cache(tiny, tmp_path):
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.tex").write_text("mine")
    with pytest.raises(DownloadError, match="not a Perijove download cache"):
        fetch_set(SET, Cache(folder), tiny.url)
    assert [p.name for p in folder.iterdir()] == ["thesis.tex"]


# 16. Damaged registry or active set, deleted cache files.
@pytest.mark.parametrize(
    "name, text",
    [
        ("registry.json", "[1, 2, 3]"),
        ("registry.json", json.dumps({TINY_SPK: {"size": "big", "mtime_ns": 1, "sha256": "00"}})),
        ("active.json", json.dumps({"set": 5, "files": "abc"})),
        ("active.json", json.dumps({"set": SET, "files": [1, None]})),
        ("active.json", json.dumps({"set": "no-such-set", "files": []})),
        ("active.json", '{"set": "juno-io-flybys", "fil'),
    ],
    ids=["registry-list", "registry-types", "active-types", "active-files", "active-unknown", "active-corrupt"],
)
def test_a_damaged_cache_leaves_commands_on_the_embedded_set_with_a_note(fetched, monkeypatch, capsys, name, text):
    (fetched.root / name).write_text(text)
    monkeypatch.setenv("PERIJOVE_CACHE", str(fetched.root))
    assert _main("kernels", "info", "--format", "json") == 0
    out, err = capsys.readouterr()
    loaded = [f["file"] for f in json.loads(out)["files"]]
    assert loaded and not [f for f in loaded if f.startswith(str(fetched.root))]  # the embedded set alone
    note = _one_line(err)
    assert note.startswith("perijove: note:") and name in note and "embedded" in note
    assert _main("kernels", "list") == 0  # list says what is wrong rather than failing
    assert name in capsys.readouterr().out


def test_a_deleted_cache_file_is_a_note_and_fetch_restores_it(fetched, tiny, monkeypatch, capsys):
    fetched.path(TINY_SPK).unlink()
    monkeypatch.setenv("PERIJOVE_CACHE", str(fetched.root))
    assert _main("kernels", "info", "--format", "json") == 0
    note = _one_line(capsys.readouterr().err)
    assert "perijove: note:" in note and "spk_rec_231115_240315_240320.bsp" in note and "kernels fetch" in note
    fetch_set(SET, fetched, tiny.url)
    assert len(fetched.active_paths()) == 6


def test_a_recorded_file_the_loader_rejects_is_a_note_not_an_error(fetched, monkeypatch, capsys):
    """A file an older version recorded unchecked (its hash matches) still must not stop every command."""
    fk = fetched.path(FK_PATH)
    fk.write_text("<html><body>Not Found</body></html>\n")
    fetched.record(FK_PATH, fk, hashlib.sha256(fk.read_bytes()).hexdigest(), checked=False)
    monkeypatch.setenv("PERIJOVE_CACHE", str(fetched.root))
    assert _main("kernels", "info", "--format", "json") == 0
    note = _one_line(capsys.readouterr().err)
    assert note.startswith("perijove: note:") and "juno_v12.tf" in note and "kernels fetch" in note


def test_fetch_rebuilds_a_registry_with_wrong_types(fetched, tiny):
    (fetched.root / "registry.json").write_text(json.dumps({"x": 1, TINY_SPK: []}))
    (fetched.root / "active.json").write_text("[]")
    fetch_set(SET, fetched, tiny.url)
    assert len(fetched.active_paths()) == 6


# 17. The kernels subcommands.
def test_maps_urls_keep_their_host(cache):
    spec = SETS["maps"]
    assert [Downloader(cache).url(spec, f.path) for f in spec.files] == [f"https://{f.path}" for f in spec.files]


def test_fetch_maps_asks_the_published_hosts_and_fails_in_one_line(tmp_path, monkeypatch, capsys):
    import requests

    asked: list[str] = []

    class NoNetwork:
        def get(self, url: str, **_kw):
            asked.append(url)
            raise requests.ConnectionError("tests never leave 127.0.0.1")

    monkeypatch.setattr(Downloader, "_http", lambda self: NoNetwork())
    assert _main("kernels", "fetch", "--set", "maps", "--cache", str(tmp_path / "c")) == 2
    assert "cannot connect" in _one_line(capsys.readouterr().err)
    assert asked and all(
        url.startswith(("https://planetarymaps.usgs.gov/", "https://photojournal.jpl.nasa.gov/")) for url in asked
    )
    assert not (tmp_path / "c").exists()  # a fetch that got nothing leaves nothing


def test_use_before_any_fetch_says_to_fetch_first(tmp_path, capsys):
    cache = str(tmp_path / "c")
    assert _main("kernels", "use", SET, "--cache", cache) == 2
    line = _one_line(capsys.readouterr().err)
    assert "offline" not in line and f"perijove kernels fetch --set {SET}" in line
    assert _main("kernels", "use", "maps", "--cache", cache) == 2
    assert "maps" in _one_line(capsys.readouterr().err)
    assert _main("kernels", "use", "no-such-set", "--cache", cache) == 2
    assert "unknown set" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "c").exists()


def test_use_switches_between_fetched_and_embedded(fetched, capsys):
    root = str(fetched.root)
    assert _main("kernels", "use", "none", "--cache", root) == 0 and fetched.active()["set"] is None
    assert _main("kernels", "use", SET, "--cache", root) == 0 and fetched.active()["set"] == SET
    assert len(fetched.active_paths()) == 6
    fetched.path(FK_PATH).write_text("damaged")
    assert _main("kernels", "use", "none", "--cache", root) == 0
    capsys.readouterr()
    assert _main("kernels", "use", SET, "--cache", root) == 2  # never activate a set with a bad member
    assert "juno_v12.tf" in _one_line(capsys.readouterr().err) and fetched.active()["set"] is None


def test_list_says_which_set_is_active_and_shows_names_not_patterns(fetched, tmp_path, capsys):
    assert _main("kernels", "list", "--cache", str(tmp_path / "empty")) == 0
    out = capsys.readouterr().out
    assert "active set: none" in out and "(?P<" not in out and "spk_rec_<from>_<to>_<made>.bsp" in out
    assert _main("kernels", "list", "--cache", str(fetched.root)) == 0
    out = capsys.readouterr().out
    assert f"active set: {SET}" in out and "spk_rec_231115_240315_240320.bsp" in out and "(?P<" not in out


def _serve_maps(root, jupiter: bytes | None = None) -> None:
    import numpy as np
    from PIL import Image

    for f in SETS["maps"].files:
        dest = root / f.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if f.role == "jupiter" and jupiter is not None:
            dest.write_bytes(jupiter)
        else:
            kind = "TIFF" if f.path.endswith(".tif") else "JPEG"
            Image.fromarray(np.full((64, 128, 3), 90, np.uint8)).save(dest, format=kind)


def test_a_map_that_does_not_decode_is_never_installed(tmp_path):
    """A map was checked by its first bytes only: a JPEG header over garbage was installed, and every
    render, export and the window's view then failed on it, fetching again reporting success."""
    garbage = b"\xff\xd8\xff" + random.Random(5).randbytes(20_000)
    root, cache = tmp_path / "web", tmp_path / "user-cache"
    _serve_maps(root, jupiter=garbage)
    with Mirror(root) as mirror:
        run = _cli("kernels", "fetch", "--set", "maps", "--base-url", mirror.url, env_cache=cache)
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert "PIA07782.jpg" in run.stderr and "image" in run.stderr and "nothing was installed" in run.stderr
    assert not list(cache.rglob("PIA07782.jpg"))
    out = tmp_path / "j.png"
    render = _cli("render", "--time", "2023-12-30T08:30", "--size", "64x48", "--no-stars", str(out), env_cache=cache)
    assert render.returncode == 0, render.stderr


def test_a_map_cached_by_an_older_version_is_checked_again_before_use(tmp_path):
    """One installed before the decode check is checked once more, and a bad one is left unused."""
    from perijove.ephemeris import download

    root, cache_dir = tmp_path / "web", tmp_path / "user-cache"
    _serve_maps(root)
    with Mirror(root) as mirror:
        assert _cli("kernels", "fetch", "--set", "maps", "--base-url", mirror.url, env_cache=cache_dir).returncode == 0
    cache = Cache(cache_dir)
    jupiter = next(f for f in SETS["maps"].files if f.role == "jupiter")
    path = cache.path(jupiter.path)
    path.write_bytes(b"\xff\xd8\xff" + random.Random(6).randbytes(20_000))
    cache.record(jupiter.path, path, hashlib.sha256(path.read_bytes()).hexdigest(), checked=False)  # an older check
    assert set(download.cached_maps(cache)) == {"io"}  # Jupiter: back to its default map
    io = next(f for f in SETS["maps"].files if f.role == "io")
    io_path = cache.path(io.path)
    cache.record(io.path, io_path, hashlib.sha256(io_path.read_bytes()).hexdigest(), checked=False)

    def refused(*_a, **_k):
        raise DownloadError("registry.json: cannot write it (No space left on device)")

    cache.record = refused  # a full disk: the good map is still used
    assert set(download.cached_maps(cache)) == {"io"}


def test_use_and_clear_say_in_one_line_when_the_cache_cannot_be_written(fetched, monkeypatch, capsys):
    """A full or read-only disk, or a folder where active.json goes, ended 'kernels use none' and
    'clear-cache' in 'internal error: OSError', and left an empty .active.json.tmp behind."""
    import errno

    from perijove.ephemeris import download

    root = str(fetched.root)
    real_replace = os.replace

    def full(src, dst):
        if str(dst).endswith("active.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(download.os, "replace", full)
    assert _main("kernels", "use", "none", "--cache", root) == 2
    line = _one_line(capsys.readouterr().err)
    assert "active.json" in line and "No space left" in line and "internal error" not in line
    assert fetched.active()["set"] == SET and not (fetched.root / ".active.json.tmp").exists()
    monkeypatch.setattr(download.os, "replace", real_replace)
    (fetched.root / "active.json").unlink()
    (fetched.root / "active.json").mkdir()
    assert _main("kernels", "use", "none", "--cache", root) == 2
    line = _one_line(capsys.readouterr().err)
    assert "active.json" in line and ".tmp" not in line
    (fetched.root / "active.json").rmdir()

    def locked(self, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(download.Path, "unlink", locked)
    assert _main("kernels", "clear-cache", "--cache", root) == 2
    line = _one_line(capsys.readouterr().err)
    assert "Permission denied" in line and "internal error" not in line


def test_clear_cache_keeps_a_file_the_user_changed(fetched, capsys):
    """Files of the cache that the user edited since they were fetched are theirs now: kept."""
    edited = fetched.path(FK_PATH)
    edited.write_text("my own frames kernel")
    assert _main("kernels", "clear-cache", "--cache", str(fetched.root)) == 0
    out = capsys.readouterr()
    assert edited.read_text() == "my own frames kernel"
    assert "juno_v12.tf" in out.out + out.err and "kept" in out.out + out.err


def test_a_fetch_keeps_the_users_changed_copy_before_repairing_it(fetched, tiny, capsys):
    """A fetch repaired a cached file the user had edited by writing the server's copy over it:
    the edit was lost without a word. It is moved aside (never deleted) and named."""
    edited = fetched.path(FK_PATH)
    edited.write_text("my own frames kernel")
    assert _main("kernels", "fetch", "--base-url", tiny.url, "--cache", str(fetched.root)) == 0
    out = capsys.readouterr().out
    assert edited.read_bytes() == (tiny.root / FK_PATH).read_bytes()  # repaired
    aside = edited.with_name("juno_v12.tf.changed")
    assert aside.read_text() == "my own frames kernel"
    assert "juno_v12.tf.changed" in out and "changed since" in out
    # Edited again and fetched again: the first kept copy is not overwritten either.
    edited.write_text("my second edit")
    fetch_set(SET, fetched, tiny.url)
    assert fetched.set_aside == [edited.with_name("juno_v12.tf.changed-2")]
    assert aside.read_text() == "my own frames kernel"
    assert edited.with_name("juno_v12.tf.changed-2").read_text() == "my second edit"
    # Kept copies are the user's: clearing the cache leaves them.
    fetched.clear()
    assert aside.exists() and edited.with_name("juno_v12.tf.changed-2").exists()


def test_a_fetch_never_writes_over_a_file_it_did_not_download(fetched, tiny):
    """A file of the user's at a path the registry does not list was replaced by the download."""
    import json as _json

    registry = _json.loads((fetched.root / "registry.json").read_text())
    del registry[LSK_PATH]
    (fetched.root / "registry.json").write_text(_json.dumps(registry))
    mine = fetched.path(LSK_PATH)
    mine.write_text("my leap seconds notes")
    fetch_set(SET, fetched, tiny.url)
    assert mine.read_bytes() == (tiny.root / LSK_PATH).read_bytes()
    assert mine.with_name("naif0012.tls.changed").read_text() == "my leap seconds notes"
    # An unchanged cached file is neither moved nor copied.
    before = sorted(p.name for p in fetched.path(FK_PATH).parent.iterdir())
    fetch_set(SET, fetched, tiny.url)
    assert fetched.set_aside == [] and sorted(p.name for p in fetched.path(FK_PATH).parent.iterdir()) == before


def test_a_fetch_keeps_a_link_the_user_put_in_the_cache(fetched, tiny, tmp_path):
    """A link at a cached file's place was replaced by the download without a word."""
    mine = tmp_path / "my_frames.tf"
    mine.write_text("my own frames kernel")
    cached = fetched.path(FK_PATH)
    cached.unlink()
    cached.symlink_to(mine)
    fetch_set(SET, fetched, tiny.url)
    assert cached.read_bytes() == (tiny.root / FK_PATH).read_bytes() and not cached.is_symlink()
    aside = cached.with_name("juno_v12.tf.changed")
    assert aside.is_symlink() and aside.resolve() == mine.resolve() and fetched.set_aside == [aside]
    assert mine.read_text() == "my own frames kernel"


def test_a_set_that_every_command_would_refuse_is_never_made_active(tmp_path, capsys):
    """A PCK SPICE loads but our own checks refuse (Jupiter with one radius) was fetched and made
    active; every command then set it aside with a note telling the user to fetch again, which
    checked it the same way, passed, and said so: a loop with no way out."""
    root = build_tiny_layout(tmp_path / "naif-tiny", default_kernel_dir())
    pck = root / "generic_kernels/pck/pck00011.tpc"
    text = pck.read_text()
    start = text.index("BODY599_RADII")
    end = text.index(")", start)
    pck.write_text(text[:start] + "BODY599_RADII = ( 71492 " + text[end:])
    cache = Cache(tmp_path / "c")
    with Mirror(root) as m:
        assert _main("kernels", "fetch", "--base-url", m.url, "--cache", str(cache.root)) == 2
    line = _one_line(capsys.readouterr().err)
    assert "pck00011.tpc" in line and "radii" in line.lower() and "not made active" in line
    assert cache.active()["set"] is None
    assert _main("kernels", "use", SET, "--cache", str(cache.root)) == 2  # and not by 'use' either
    assert "not made active" in _one_line(capsys.readouterr().err) and cache.active()["set"] is None
