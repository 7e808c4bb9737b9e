"""Fetching official kernels into a local cache: resumable, verified, atomic, offline-capable.

Files land in the cache under their server path only when complete and
verified; transfers in progress live in ``.partial/`` and resume with an HTTP
Range request. Each file's size and SHA-256 are recorded on first download
(or checked against a published hash) and checked again whenever the cached
file looks changed, so a corrupted cache is reported instead of loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from perijove.ephemeris.catalogue import SETS, KernelSetSpec, RemoteFile, parse_listing, select_period_files
from perijove.ephemeris.errors import PerijoveError

CHUNK = 1 << 16
TIMEOUT_S = 30.0
ACTIVE = "active.json"
REGISTRY = "registry.json"

ProgressFn = Callable[[str, int, int | None], None]  # file name, bytes so far, total


class DownloadError(PerijoveError):
    """A transfer failed; the message says how and what to do."""


class DownloadCancelled(DownloadError):
    """The user stopped the download; what was fetched so far resumes next time."""


def default_cache_dir() -> Path:
    """The user's data directory for Perijove (``PERIJOVE_CACHE`` overrides it)."""
    if os.environ.get("PERIJOVE_CACHE"):
        return Path(os.environ["PERIJOVE_CACHE"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("perijove", "Perijove")) / "kernels"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Cache:
    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser()

    def path(self, remote_path: str) -> Path:
        parts = [p for p in remote_path.split("/") if p not in ("", ".", "..")]
        return self.root.joinpath(*parts)

    def partial(self, remote_path: str) -> Path:
        return self.root / ".partial" / remote_path.replace("/", "__")

    # -- registry of sizes and hashes -------------------------------------------------------
    def _registry(self) -> dict:
        try:
            return json.loads((self.root / REGISTRY).read_text())
        except (OSError, ValueError):
            return {}

    def _write_json(self, name: str, data: object) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{name}.tmp"
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.root / name)

    def record(self, remote_path: str, path: Path, sha256: str) -> None:
        reg = self._registry()
        st = path.stat()
        reg[remote_path] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
        self._write_json(REGISTRY, reg)

    def verify(self, remote_path: str, published_sha256: str | None = None) -> Path:
        """The cached file if it is intact; DownloadError if it was corrupted since it was fetched."""
        path = self.path(remote_path)
        entry = self._registry().get(remote_path)
        if entry is None:
            raise DownloadError(f"{path}: not in the download registry; fetch it again")
        st = path.stat()
        if st.st_size != entry["size"] or st.st_mtime_ns != entry["mtime_ns"]:
            digest = _sha256(path)
            if digest != entry["sha256"] or (published_sha256 and digest != published_sha256):
                raise DownloadError(
                    f"{path}: failed verification (its SHA-256 changed since it was downloaded); "
                    "run 'perijove kernels fetch' to replace it"
                )
            self.record(remote_path, path, digest)
        return path

    def cached(self, remote_path: str) -> bool:
        return self.path(remote_path).is_file() and remote_path in self._registry()

    # -- which fetched set the application uses ------------------------------------------------
    def set_active(self, set_name: str | None, files: list[str]) -> None:
        self._write_json(ACTIVE, {"set": set_name, "files": files})

    def active(self) -> dict:
        try:
            return json.loads((self.root / ACTIVE).read_text())
        except (OSError, ValueError):
            return {"set": None, "files": []}

    def active_paths(self) -> list[Path]:
        """Verified paths of the active set, in load order (empty when none is chosen)."""
        info = self.active()
        if not info.get("set"):
            return []
        return [self.verify(p) for p in info.get("files", [])]

    def clear(self) -> int:
        import shutil

        count = sum(1 for p in self.root.rglob("*") if p.is_file()) if self.root.exists() else 0
        shutil.rmtree(self.root, ignore_errors=True)
        return count


class Downloader:
    """Fetches catalogue files into a ``Cache`` over HTTP(S) with requests."""

    def __init__(
        self,
        cache: Cache,
        base_url: str | None = None,
        offline: bool = False,
        timeout: float = TIMEOUT_S,
        progress: ProgressFn | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> None:
        self.cache = cache
        self.base_url = base_url
        self.offline = offline
        self.timeout = timeout
        self.progress = progress
        self.cancel = cancel
        self._session = None

    def _http(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "perijove-kernel-fetch"
        return self._session

    def url(self, spec: KernelSetSpec, remote_path: str) -> str:
        base = (self.base_url or spec.base_url).rstrip("/") + "/"
        return base + remote_path

    def listing(self, spec: KernelSetSpec, directory: str) -> list[str]:
        if self.offline:
            raise DownloadError("offline: cannot read the server's directory listing")
        text = self._get_text(self.url(spec, directory))
        names = parse_listing(text)
        if not names:
            raise DownloadError(
                f"{self.url(spec, directory)}: the directory listing has no links (the page changed shape?)"
            )
        return names

    def _get_text(self, url: str) -> str:
        import requests

        try:
            r = self._http().get(url, timeout=self.timeout)
        except requests.Timeout:
            raise DownloadError(f"{url}: the server did not answer within {self.timeout:.0f} s") from None
        except requests.ConnectionError:
            raise DownloadError(f"{url}: cannot connect (offline? try --offline to use the cache)") from None
        if r.status_code != 200:
            raise DownloadError(f"{url}: server answered {r.status_code} {r.reason}")
        return r.text

    def fetch(self, spec: KernelSetSpec, remote: RemoteFile) -> Path:
        """The verified cached file, downloading (or resuming) it first if needed."""
        if self.cache.cached(remote.path):
            return self.cache.verify(remote.path, remote.sha256)
        if self.offline:
            raise DownloadError(f"{remote.name}: not in the cache and offline mode is on")
        return self._download(spec, remote)

    def _download(self, spec: KernelSetSpec, remote: RemoteFile) -> Path:
        import requests

        url = self.url(spec, remote.path)
        part = self.cache.partial(remote.path)
        part.parent.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            r = self._http().get(url, stream=True, timeout=self.timeout, headers=headers)
        except requests.Timeout:
            raise DownloadError(f"{url}: the server did not answer within {self.timeout:.0f} s") from None
        except requests.ConnectionError:
            raise DownloadError(f"{url}: cannot connect (offline? try --offline to use the cache)") from None
        with r:
            if r.status_code == 404:
                raise DownloadError(f"{url}: not found on the server (404)")
            if r.status_code == 416 and have:  # we already have everything the server has
                total = have
            elif r.status_code == 206 and have:
                total = have + int(r.headers.get("Content-Length", 0)) if "Content-Length" in r.headers else None
            elif r.status_code == 200:
                have = 0  # the server ignored the range: start again
                total = int(r.headers["Content-Length"]) if "Content-Length" in r.headers else None
            else:
                raise DownloadError(f"{url}: server answered {r.status_code} {r.reason}")
            if r.status_code != 416:
                try:
                    with open(part, "ab" if have else "wb") as handle:
                        for chunk in r.iter_content(CHUNK):
                            if self.cancel is not None and self.cancel():
                                raise DownloadCancelled(
                                    f"download of {remote.name} cancelled; run fetch again to resume"
                                )
                            handle.write(chunk)
                            have += len(chunk)
                            if self.progress is not None:
                                self.progress(remote.name, have, total)
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout) as err:
                    raise DownloadError(
                        f"{url}: connection lost after {have:,} bytes ({type(err).__name__}); run fetch again to resume"
                    ) from None
                except OSError as err:
                    raise DownloadError(f"{part}: cannot write ({err.strerror or err})") from None
        size = part.stat().st_size
        if total is not None and size != total:
            raise DownloadError(f"{url}: got {size:,} of {total:,} bytes; run fetch again to resume")
        digest = _sha256(part)
        if remote.sha256 and digest != remote.sha256:
            part.unlink(missing_ok=True)
            raise DownloadError(f"{url}: the download does not match its published SHA-256")
        dest = self.cache.path(remote.path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, dest)
        self.cache.record(remote.path, dest, digest)
        return dest

    def resolve(self, spec: KernelSetSpec, start: str | None = None, stop: str | None = None) -> list[RemoteFile]:
        """Every file of the set, with per-period files found from the listing (or the cache, offline)."""
        files = list(spec.files)
        for listing in spec.listings:
            if start or stop:
                from dataclasses import replace

                listing = replace(listing, start=start or listing.start, stop=stop or listing.stop)
            if self.offline:
                files += self._cached_period_files(listing)
                continue
            names = self.listing(spec, listing.directory)
            chosen = select_period_files(names, listing)
            if chosen:
                files += [
                    RemoteFile(listing.directory + name, listing.role, listing.provenance) for name, _a, _b in chosen
                ]
            elif listing.fallback and listing.fallback in names:
                files.append(RemoteFile(listing.directory + listing.fallback, listing.role, listing.provenance))
            else:
                raise DownloadError(
                    f"no file in {self.url(spec, listing.directory)} covers {listing.start} .. {listing.stop}"
                )
        return files

    def _cached_period_files(self, listing) -> list[RemoteFile]:
        folder = self.cache.path(listing.directory)
        names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        chosen = select_period_files(names, listing)
        return [RemoteFile(listing.directory + n, listing.role, listing.provenance) for n, _a, _b in chosen]


def cached_maps(cache: Cache | None = None) -> dict[str, str]:
    """Body name -> path of each fetched global map (the ``maps`` set) that is intact in the cache."""
    cache = cache or Cache(default_cache_dir())
    out: dict[str, str] = {}
    for f in SETS["maps"].files:
        if cache.cached(f.path):
            try:
                out[f.role] = str(cache.verify(f.path, f.sha256))
            except DownloadError:
                continue  # a damaged map falls back to the procedural one
    return out


def fetch_set(
    name: str,
    cache: Cache,
    base_url: str | None = None,
    *,
    offline: bool = False,
    start: str | None = None,
    stop: str | None = None,
    activate: bool = True,
    progress: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[Path]:
    """Fetch (or, offline, find) every file of a set; make it the active set if asked."""
    if name not in SETS:
        raise DownloadError(f"unknown set {name!r}; use one of {', '.join(SETS)}")
    spec = SETS[name]
    dl = Downloader(cache, base_url, offline=offline, progress=progress, cancel=cancel)
    remotes = dl.resolve(spec, start, stop)
    paths = [dl.fetch(spec, r) for r in remotes]
    if activate and spec.kind == "kernels":
        cache.set_active(name, [r.path for r in remotes])
    return paths
