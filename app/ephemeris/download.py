"""Fetching official kernels into a local cache: resumable, checked, atomic, offline-capable.

Files land in the cache under their server path only when complete and
checked; transfers in progress live in ``.partial/`` and resume with an HTTP
Range request, but only when the server proves it sent the requested range.
A downloaded file must match the size the server's listing published, be a
well-formed kernel of the kind its name says (our own DAF and text-kernel
readers), and load in SPICE in a separate process, before it is placed: a
web server answers errors with HTML pages, and a bad kernel in the active
set breaks every command and the window.

Each placed file's size and SHA-256 are recorded in ``registry.json``; reads
check them again whenever the file looks changed, and every fetch re-hashes
and re-checks all of them, replacing what is damaged. The cache folder
carries a marker file, and clearing it deletes only what the registry lists:
a cache pointed at a folder of the user's own files must never eat them.
One fetch at a time writes into a cache (a lock file), and transfers have a
deadline and a minimum rate so a slow server cannot hang a fetch for ever.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from perijove.ephemeris.catalogue import (
    SETS,
    KernelSetSpec,
    Listing,
    RemoteFile,
    parse_listing,
    parse_listing_sizes,
    select_period_files,
    size_matches,
)
from perijove.ephemeris.daf import DafFormatError, read_daf
from perijove.ephemeris.errors import PerijoveError, one_line
from perijove.ephemeris.textkernel import TextKernelError, parse_text_kernel
from perijove.fileio import sha256_file

CHUNK = 1 << 16
TIMEOUT_S = 30.0  # one network read
DEADLINE_S = 4 * 3600.0  # one whole transfer (the 134 MB whole-mission SPK at 10 KB/s)
MIN_RATE = 2048.0  # bytes per second, averaged over RATE_WINDOW_S
RATE_WINDOW_S = 60.0
SPICE_CHECK_S = 120.0  # SPICE reading one file in the checking process
MAX_REDIRECTS = 5
HEADERS_FACTOR = 4  # a response's status line and headers must arrive within this many read timeouts
MAX_LISTING = 8 << 20  # an index page larger than this is not an index page
MAX_FILE = 8 << 30  # when the server announces no size
MAX_TEXT_KERNEL = 64 << 20
ACTIVE = "active.json"
REGISTRY = "registry.json"
FETCHED = "fetched.json"  # the files each set had when it was last fetched, for 'kernels use'
MARKER = ".perijove-cache"
LOCK = ".lock"
PARTIAL = ".partial"
CHECKS = 2  # version of the checks a registry entry passed; older entries are checked again (2: maps decode)
_OURS = {ACTIVE, REGISTRY, FETCHED, MARKER, LOCK, PARTIAL} | {f".{n}.tmp" for n in (ACTIVE, REGISTRY, FETCHED)}
_MARKER_TEXT = (
    "This folder is Perijove's download cache of official SPICE kernels and maps.\n"
    "'perijove kernels clear-cache' deletes only the files its registry.json lists.\n"
)

ProgressFn = Callable[[str, int, int | None], None]  # file name, bytes so far, total


class DownloadError(PerijoveError):
    """A transfer failed; the message says how and what to do."""


class DownloadCancelled(DownloadError):
    """The user stopped the download; what was fetched so far resumes next time."""


class FetchedSetWarning(UserWarning):
    """The active fetched set cannot be used; the embedded set is used instead (shown as a note)."""


def default_cache_dir() -> Path:
    """The user's data directory for Perijove (``PERIJOVE_CACHE`` overrides it)."""
    if os.environ.get("PERIJOVE_CACHE"):
        return Path(os.environ["PERIJOVE_CACHE"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("perijove", "Perijove")) / "kernels"


_sha256 = sha256_file


def _safe_remote(path: object) -> bool:
    """A registry or active-set path we could have written: relative, no ``..``, no odd characters."""
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry_problem(entry: object) -> str | None:
    if not isinstance(entry, dict):
        return f"is {_kind(entry)}, not an object"
    if not _is_int(entry.get("size")) or entry["size"] < 0:
        return f"has size {entry.get('size')!r}, not a byte count"
    if not _is_int(entry.get("mtime_ns")):
        return f"has mtime_ns {entry.get('mtime_ns')!r}, not a time"
    if not isinstance(entry.get("sha256"), str) or not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]):
        return "has no valid sha256"
    if "checked" in entry and not _is_int(entry["checked"]):
        return f"has checked {entry['checked']!r}, not a number"
    return None


def _kind(value: object) -> str:
    """What a JSON value is, in words: "a list", "a number", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    names = {int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), f"a {type(value).__name__}")


def _read_json(path: Path) -> object:
    """The parsed file, ``None`` if it does not exist; DownloadError naming it if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        raise DownloadError(f"{path}: cannot be read ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise DownloadError(f"{path}: not valid JSON (not UTF-8 text)") from None
    try:
        return json.loads(text)
    except ValueError as err:
        raise DownloadError(f"{path}: not valid JSON ({err})") from None


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True


def _try_lock(handle) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass
class Cache:
    root: Path
    kept_changed: list[Path] = field(default_factory=list, compare=False, repr=False)  # by the last clear()
    set_aside: list[Path] = field(default_factory=list, compare=False, repr=False)  # by the last fetch_set()

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser()

    def path(self, remote_path: str) -> Path:
        """Where a server path lives in the cache (``..`` and empty parts dropped)."""
        parts = [p for p in remote_path.split("/") if p not in ("", ".", "..")]
        return self.root.joinpath(*parts)

    def partial(self, remote_path: str) -> Path:
        """The file a transfer in progress grows in."""
        return self.root / PARTIAL / remote_path.replace("/", "__")

    def _meta(self, remote_path: str) -> Path:
        part = self.partial(remote_path)
        return part.with_name(part.name + ".meta")

    # -- whose folder this is ----------------------------------------------------------------
    def is_ours(self) -> bool:
        """Whether the folder carries our marker (only then may anything in it be deleted)."""
        return (self.root / MARKER).is_file()

    def _adoptable(self) -> bool:
        """A folder made by an older Perijove (no marker yet), or holding only our own bookkeeping.

        An older cache is recognised by its registry: everything at the top of the folder must be
        our bookkeeping or the first folder of a path the registry lists.
        """
        names = {p.name for p in self.root.iterdir()}
        if names <= _OURS:
            return True
        try:
            listed = {remote.split("/", 1)[0] for remote in self.registry()} if REGISTRY in names else set()
        except DownloadError:
            return False
        return bool(listed) and names <= _OURS | listed

    def claim(self, *, create: bool = True) -> None:
        """Make sure the folder is ours before writing into it: new, empty, or already a cache.

        A cache pointed at a folder of other files (``--cache ~/Photos``, ``PERIJOVE_CACHE=.``) is
        refused rather than filled with kernels that a later clear-cache would have to sort out.
        """
        if self.root.exists() and not self.root.is_dir():
            raise DownloadError(f"{self.root}: is a file, not a folder for the download cache")
        if self.is_ours():
            return
        if self.root.is_dir() and not self._adoptable():
            raise DownloadError(
                f"{self.root}: not a Perijove download cache (no {MARKER} file) and not empty; "
                "choose a new or empty folder with --cache or PERIJOVE_CACHE"
            )
        if not create and not self.root.is_dir():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the cache for one fetch, clear or switch; a second one at the same time is refused."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+") as handle:
            if not _try_lock(handle):
                raise DownloadError(
                    f"{self.root}: another Perijove is fetching into or clearing this cache; "
                    "wait for it to finish and try again"
                )
            try:
                yield
            finally:
                _unlock(handle)

    # -- registry of sizes and hashes -------------------------------------------------------
    def registry(self, *, repair: bool = False) -> dict[str, dict]:
        """Size, time and SHA-256 of every file placed, by server path.

        A damaged registry is an error naming what is wrong; with ``repair`` (a fetch, which
        re-checks every file anyway) the unusable part is dropped instead.
        """
        file = self.root / REGISTRY
        try:
            data = _read_json(file)
        except DownloadError:
            if repair:
                return {}
            raise
        if data is None:
            return {}
        if not isinstance(data, dict):
            if repair:
                return {}
            raise DownloadError(f"{file}: holds {_kind(data)}, not an object of downloaded files")
        out: dict[str, dict] = {}
        for key, entry in data.items():
            problem = "is not a server path" if not _safe_remote(key) else _entry_problem(entry)
            if problem:
                if repair:
                    continue
                raise DownloadError(f"{file}: entry {key!r} {problem}")
            out[key] = entry
        return out

    def _write_json(self, name: str, data: object) -> None:
        """Write one of our bookkeeping files whole or not at all; DownloadError (one line) if the disk says no."""
        target, tmp = self.root / name, self.root / f".{name}.tmp"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if target.is_dir() and not target.is_symlink():
                raise IsADirectoryError(errno.EISDIR, "a folder is in its place")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, target)
        except OSError as err:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise DownloadError(f"{target}: cannot write it ({err.strerror or err}); nothing was changed") from None

    def record(self, remote_path: str, path: Path, sha256: str, *, checked: bool = True) -> None:
        """Remember a placed file's size, time and hash (and that it passed today's checks)."""
        reg = self.registry(repair=True)
        st = path.stat()
        entry = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
        if checked:
            entry["checked"] = CHECKS
        reg[remote_path] = entry
        self._write_json(REGISTRY, reg)

    def verify(self, remote_path: str, published_sha256: str | None = None) -> Path:
        """The cached file if it is intact; DownloadError if it is missing or was changed since it was fetched."""
        path = self.path(remote_path)
        entry = self.registry().get(remote_path)
        if entry is None:
            raise DownloadError(f"{path}: not in the download registry; run 'perijove kernels fetch' to fetch it again")
        try:
            st = path.stat()
        except FileNotFoundError:
            raise DownloadError(
                f"{path}: missing from the download cache (deleted?); run 'perijove kernels fetch' to restore it"
            ) from None
        if not path.is_file():
            raise DownloadError(f"{path}: not a file; run 'perijove kernels fetch' to replace it")
        if st.st_size != entry["size"] or st.st_mtime_ns != entry["mtime_ns"]:
            digest = _sha256(path)
            if digest != entry["sha256"] or (published_sha256 and digest != published_sha256):
                raise DownloadError(
                    f"{path}: failed verification (its SHA-256 changed since it was downloaded); "
                    "run 'perijove kernels fetch' to replace it"
                )
            self.record(remote_path, path, digest, checked=entry.get("checked", 0) >= CHECKS)
        return path

    def cached(self, remote_path: str) -> bool:
        """Whether the file is in the cache and the registry (not whether it is intact)."""
        try:
            return self.path(remote_path).is_file() and remote_path in self.registry(repair=True)
        except OSError:
            return False

    # -- which fetched set the application uses ------------------------------------------------
    def set_active(self, set_name: str | None, files: list[str]) -> None:
        self._write_json(ACTIVE, {"set": set_name, "files": files})

    def active(self) -> dict:
        """``{"set": name or None, "files": [server paths]}``; DownloadError naming what is wrong if damaged."""
        file = self.root / ACTIVE
        data = _read_json(file)
        if data is None:
            return {"set": None, "files": []}
        if not isinstance(data, dict):
            raise DownloadError(f"{file}: holds {_kind(data)}, not an object with 'set' and 'files'")
        name, files = data.get("set"), data.get("files", [])
        if name is not None and not isinstance(name, str):
            raise DownloadError(f"{file}: 'set' is {_kind(name)}, not a set name")
        if not isinstance(files, list) or not all(_safe_remote(f) for f in files):
            raise DownloadError(f"{file}: 'files' is not a list of server paths")
        if name is not None and (name not in SETS or SETS[name].kind != "kernels"):
            raise DownloadError(f"{file}: names {name!r}, which is not a kernel set")
        if name is not None and not files:
            raise DownloadError(f"{file}: set {name!r} lists no files")
        return {"set": name, "files": list(files)}

    def active_paths(self) -> list[Path]:
        """Verified paths of the active set, in load order (empty when none is chosen)."""
        info = self.active()
        if not info["set"]:
            return []
        published = {f.path: f.sha256 for f in SETS[info["set"]].files}
        return [self.verify(p, published.get(p)) for p in info["files"]]

    def remember(self, set_name: str, files: list[str]) -> None:
        """Note which files make up a set as fetched, so ``kernels use`` can switch back to it offline."""
        data = self.fetched()
        data[set_name] = files
        self._write_json(FETCHED, data)

    def fetched(self) -> dict[str, list[str]]:
        """Set name -> its files as last fetched (what is unreadable is left out: a fetch rewrites it)."""
        try:
            data = _read_json(self.root / FETCHED)
        except DownloadError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            k: list(v)
            for k, v in data.items()
            if k in SETS and isinstance(v, list) and v and all(_safe_remote(f) for f in v)
        }

    # -- clearing ------------------------------------------------------------------------------
    def clear(self) -> int:
        """Delete what this cache downloaded (the files its registry lists) and its own bookkeeping.

        Nothing else is touched: a folder without our marker is refused outright, and files the
        registry does not list (the user's own) stay, with the folders that hold them.
        """
        if not self.root.exists():
            return 0
        if not self.root.is_dir() or not self.is_ours():
            raise DownloadError(
                f"{self.root}: not a Perijove download cache (it has no {MARKER} file); nothing was deleted"
            )
        removed = 0
        self.kept_changed = []
        try:
            with self.lock():
                try:
                    registry = self.registry()
                except DownloadError as err:  # without the list, nothing here is known to be ours
                    raise DownloadError(f"{err}; nothing was deleted") from None
                for remote, entry in registry.items():
                    path = self.path(remote)
                    if not (path.is_file() and not path.is_symlink() and _inside(path, self.root)):
                        continue
                    if _sha256(path) != entry.get("sha256"):  # edited since it was fetched: the user's now
                        self.kept_changed.append(path)
                        continue
                    path.unlink()
                    removed += 1
                    self._prune(path.parent)
                partial = self.root / PARTIAL
                if partial.is_dir() and not partial.is_symlink():
                    for p in partial.iterdir():
                        if p.is_file() and not p.is_symlink():
                            p.unlink()
                    self._prune(partial)
                for name in _OURS - {MARKER, LOCK, PARTIAL}:
                    p = self.root / name
                    if name == REGISTRY and self.kept_changed:
                        continue  # still needed to tell the kept files from new ones
                    if p.is_file() and not p.is_symlink():
                        p.unlink()
            if {p.name for p in self.root.iterdir()} <= {MARKER, LOCK}:
                for name in (LOCK, MARKER):
                    (self.root / name).unlink(missing_ok=True)
                self.root.rmdir()
        except OSError as err:
            where = f"{err.filename}: " if err.filename else f"{self.root}: "
            raise DownloadError(
                f"{where}cannot delete it ({err.strerror or err}); {removed} downloaded file(s) were deleted before it"
            ) from None
        return removed

    def _prune(self, folder: Path) -> None:
        """Remove folders left empty, up to (not including) the cache root."""
        root = os.path.realpath(self.root)
        while os.path.realpath(folder) != root and _inside(folder, self.root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def forget_if_unused(self) -> None:
        """Remove a cache this call created and left without a single file of substance."""
        if not self.root.is_dir() or not self.is_ours():
            return
        partial = self.root / PARTIAL
        if partial.is_dir() and not any(partial.iterdir()):
            partial.rmdir()
        if {p.name for p in self.root.iterdir()} <= {MARKER, LOCK}:
            for name in (LOCK, MARKER):
                (self.root / name).unlink(missing_ok=True)
            self.root.rmdir()


# -- checks before a file is placed ------------------------------------------------------------------
_EXPECTED = {
    ".bsp": "DAF/SPK",
    ".bc": "DAF/CK",
    ".bpc": "DAF/PCK",
    ".tls": "text",
    ".tpc": "text",
    ".tf": "text",
    ".tsc": "text",
    ".ti": "text",
}
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+", b"\x89PNG\r\n\x1a\n")


def _looks_like_html(head: bytes) -> bool:
    start = head[:1024].lstrip().lower()
    return start.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<h1")) or b"<html" in start


def image_problem(path: Path) -> str | None:
    """Why a map image does not decode, or None. Its first bytes prove nothing: a JPEG header over
    garbage passed them, was installed, and then failed every render. Decoded at a reduced scale
    where the format allows it (JPEG), which still reads every byte of the compressed data."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height = im.size
                im.draft("RGB", (min(width, 1024), min(height, 512)))
                im.load()
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as err:
        return f"not a readable image ({' '.join(str(err).split()) or type(err).__name__})"
    return None


def format_problem(path: Path, name: str, kind: str = "kernels") -> str | None:
    """Why the file is not what its name promises (a kernel, or for maps an image), or None.

    Uses our own DAF and text-kernel readers, which need no SPICE and read only a DAF's
    headers; the SPICE load comes after, in another process.
    """
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head:
        return "an empty file"
    if _looks_like_html(head):
        return "an HTML page, not a " + ("map image" if kind == "maps" else "SPICE kernel")
    if kind == "maps":
        return None if head.startswith(_IMAGE_MAGIC) else "not a JPEG, TIFF or PNG image"
    expected = _EXPECTED.get(Path(name).suffix.lower())
    idword = head[:8].decode("latin-1").strip()
    if idword.startswith("NAIF/DAF"):
        idword = "DAF/SPK"
    if idword.startswith("DAF/"):
        if expected is not None and expected != idword:
            return f"a {idword} file where {'a text kernel' if expected == 'text' else expected} was expected"
        try:
            daf = read_daf(path)
        except DafFormatError as err:
            return f"a corrupt {idword} file ({err})"
        return None if daf.segments else f"a {idword} file with no segments"
    if idword.startswith(("DAFETF", "DASETF")):
        return "a SPICE transfer-format file, not a binary kernel"
    if idword.startswith("DAS/"):
        return None if expected is None else f"a {idword} file where {expected} was expected"
    if expected is not None and expected != "text":
        return f"not a {expected} file (not a SPICE kernel: it starts with {head[:12]!r})"
    if path.stat().st_size > MAX_TEXT_KERNEL:
        return "too large for a text kernel"
    raw = path.read_bytes()
    if b"\x00" in raw:
        return "binary data, not a SPICE kernel"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        if sum(ch.isprintable() or ch.isspace() for ch in text) < 0.95 * len(text):
            return "not text, not a SPICE kernel"
    if "\\begindata" not in text:
        return "not a SPICE kernel (no DAF header and no \\begindata)"
    try:
        parsed = parse_text_kernel(text)
    except TextKernelError as err:
        return f"a text kernel with a syntax error, {err}"
    if not parsed.variables:
        return "a text kernel with no data"
    if "KERNELS_TO_LOAD" in parsed.variables:
        return "a metakernel (it would load other files), not a kernel"
    return None


def _spice_probe(path: str) -> None:
    """Load one file alone and read what a command would: coverage, and a state from every SPK segment."""
    import spiceypy

    spiceypy.kclear()
    spiceypy.furnsh(path)
    with open(path, "rb") as handle:
        idword = handle.read(8).decode("latin-1").strip()
    if idword in ("DAF/SPK", "NAIF/DAF"):
        for body in spiceypy.spkobj(path):
            cover = spiceypy.spkcov(path, body)
            for i in range(min(spiceypy.wncard(cover), 50)):
                start, stop = spiceypy.wnfetd(cover, i)
                for et in (start, 0.5 * (start + stop), stop):
                    with spiceypy.no_found_check():
                        handle_, descr, _ident, found = spiceypy.spksfs(body, et, 41)
                    if found:
                        spiceypy.spkpvn(handle_, descr, et)
    elif idword == "DAF/PCK":
        for frame in spiceypy.pckfrm(path):
            spiceypy.pckcov(path, frame)
    elif idword == "DAF/CK":
        for inst in spiceypy.ckobj(path):
            spiceypy.ckcov(path, inst, False, "SEGMENT", 0.0, "SCLK")
    elif not idword.startswith("DAS/"):
        with spiceypy.no_found_check():
            _names, found = spiceypy.gnpool("*", 0, 1)
        if not found:
            raise ValueError("SPICE found no variables in it")


def _set_probe(paths: list[str]) -> None:
    """Load a whole set over the embedded one, as every command will: our own checks (radii,
    centre loops, ...) refuse files SPICE itself loads; KernelError (with the file) if one does."""
    from perijove.ephemeris.defaults import default_kernel_paths
    from perijove.ephemeris.kernels import KernelSet

    kernels = KernelSet(default_kernel_paths())
    try:
        kernels.load(paths)
    finally:
        kernels.close()


def _spice_worker(conn) -> None:
    """The checking process: loads each file it is sent alone, answers None or the reason it failed."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    import spiceypy
    from spiceypy.utils.exceptions import SpiceyError

    from perijove.ephemeris.errors import spice_reason

    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        try:
            if isinstance(path, list):
                _set_probe(path)
            else:
                _spice_probe(path)
            answer = None
        except SpiceyError as err:
            spiceypy.reset()
            answer = spice_reason(err)
        except PerijoveError as err:  # our own checks say which file and why
            spiceypy.reset()
            answer = one_line(str(err))
        except Exception as err:  # anything SPICE-adjacent that fails is a reason to refuse the file
            spiceypy.reset()
            answer = one_line(f"{type(err).__name__}: {err}")
        finally:
            spiceypy.kclear()
        conn.send(answer)


class _SpiceChecker:
    """A child process that loads downloaded files into SPICE, one at a time, in isolation.

    SPICE has one pool per process and is not thread-safe (the window draws with it while a
    download runs), and a corrupt file may crash it outright: so the load happens elsewhere,
    and a crash or a hang there only marks the file as bad. Starting the process (Python and
    spiceypy) costs most of a second, so one is shared by all fetches of this process and
    stops itself after a while without work.
    """

    IDLE_S = 120.0

    def __init__(self) -> None:
        self._proc = None
        self._conn = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def _start(self) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_spice_worker, args=(child,), daemon=True, name="perijove-spice-check")
        self._proc.start()
        child.close()
        self._conn = parent

    def check(self, path: Path | list[Path], timeout: float = SPICE_CHECK_S) -> str | None:
        """None if SPICE loads and reads the file (or, given a list, if the set loads over the
        embedded one with every check a command makes); otherwise why not."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            try:
                return self._check(path, timeout)
            finally:
                self._timer = threading.Timer(self.IDLE_S, self.close)
                self._timer.daemon = True
                self._timer.start()

    def _check(self, path: Path, timeout: float) -> str | None:
        if self._proc is None or not self._proc.is_alive():
            self._close(kill=True)
            self._start()
        assert self._conn is not None and self._proc is not None
        self._conn.send([str(p) for p in path] if isinstance(path, list) else str(path))
        if not self._conn.poll(timeout):
            self._close(kill=True)
            return f"SPICE did not finish reading it within {timeout:.0f} s"
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            self._proc.join(5)
            code = self._proc.exitcode
            self._close(kill=True)
            return f"SPICE crashed reading it (exit status {code})"

    def close(self) -> None:
        """Stop the process (the next check starts another)."""
        with self._lock:
            self._close(kill=False)

    def _close(self, kill: bool) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            with suppress(OSError):
                if not kill:
                    conn.send(None)
            conn.close()
        if proc is not None:
            proc.join(0 if kill else 5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)


_CHECKER = _SpiceChecker()


# -- HTTP ----------------------------------------------------------------------------------------------
def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _short(url: str) -> str:
    return url if len(url) <= 160 else url[:157] + "..."


def _content_range(value: str | None) -> tuple[int | None, int | None, int | None] | None:
    """``bytes first-last/total`` (or ``bytes */total``) as numbers; None if it is not one."""
    if not value:
        return None
    m = re.fullmatch(r"\s*bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)\s*", value)
    if not m:
        return None
    first, last, total = m.groups()
    return (
        int(first) if first is not None else None,
        int(last) if last is not None else None,
        int(total) if total not in (None, "*") else None,
    )


def _int_header(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


class _Status(DownloadError):
    """The server answered, but not with what was asked for."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


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
        *,
        deadline: float = DEADLINE_S,
        min_rate: float = MIN_RATE,
        rate_window: float = RATE_WINDOW_S,
        spice_timeout: float = SPICE_CHECK_S,
    ) -> None:
        if base_url is not None:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise DownloadError(f"{_short(base_url)}: not an http:// or https:// URL for --base-url")
        self.cache = cache
        self.base_url = base_url
        self.offline = offline
        self.timeout = timeout
        self.progress = progress
        self.cancel = cancel
        self.deadline = deadline
        self.min_rate = min_rate
        self.rate_window = rate_window
        self._session = None
        self._sizes: dict[str, dict[str, str] | None] = {}  # directory -> name -> size its listing shows
        self.spice_timeout = spice_timeout

    def close(self) -> None:
        """Close the HTTP connections this downloader opened."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> Downloader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _http(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "perijove-kernel-fetch"
        return self._session

    def url(self, spec: KernelSetSpec, remote_path: str) -> str:
        base = self.base_url or spec.base_url
        return (base if base.endswith("/") else base + "/") + remote_path

    # -- one request, its redirects and its body -------------------------------------------------
    def _get(self, url: str, headers: dict[str, str]):
        """``session.get`` with a bound on the whole answer's head, and cancel honoured while waiting.

        The read timeout applies to each read, so a server dribbling its status line and headers a
        byte at a time would hold ``get`` for ever; it runs in a helper thread that is abandoned
        (it ends when the server does) once the head has taken longer than HEADERS_FACTOR timeouts.
        """
        box: dict = {}

        def run() -> None:
            try:
                box["r"] = self._http().get(
                    url, stream=True, timeout=self.timeout, headers=headers, allow_redirects=False
                )
            except BaseException as err:  # handed to the waiting thread
                box["err"] = err

        helper = threading.Thread(target=run, daemon=True, name="perijove-http")
        helper.start()
        limit = time.monotonic() + HEADERS_FACTOR * self.timeout
        while helper.is_alive():
            helper.join(min(0.1, max(0.0, limit - time.monotonic())))
            if self.cancel is not None and self.cancel() and helper.is_alive():
                raise DownloadCancelled(f"download from {_short(url)} cancelled; run fetch again to resume")
            if helper.is_alive() and time.monotonic() >= limit:
                raise DownloadError(
                    f"{_short(url)}: the server did not send its answer within {HEADERS_FACTOR * self.timeout:.0f} s"
                )
        if "err" in box:
            raise box["err"]
        return box["r"]

    def _open(self, spec: KernelSetSpec | None, url: str, headers: dict[str, str]):
        """The response to GET ``url``, following redirects only to http(s) on its host or a published mirror."""
        import requests

        allowed = {_host(url)} | {_host(m) for m in (spec.mirrors if spec else ())}
        first = url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                r = self._get(url, headers)
            except requests.Timeout:
                raise DownloadError(f"{_short(url)}: the server did not answer within {self.timeout:.0f} s") from None
            except requests.ConnectionError:
                raise DownloadError(
                    f"{_short(url)}: cannot connect (offline? try --offline to use the cache)"
                ) from None
            except requests.RequestException as err:
                raise DownloadError(f"{_short(url)}: request failed ({type(err).__name__})") from None
            if r.status_code not in (301, 302, 303, 307, 308):
                return r
            location = r.headers.get("Location", "")
            r.close()
            target = urljoin(url, location) if location else ""
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in allowed:
                raise DownloadError(
                    f"{_short(first)}: refused a redirect to {_short(target) or 'nowhere'} "
                    "(only http(s) on the same host or the set's published mirrors)"
                )
            url = target
        raise DownloadError(f"{_short(first)}: more than {MAX_REDIRECTS} redirects")

    def _pump(self, r, url: str, write: Callable[[bytes], None], done: int, total: int | None, name: str | None) -> int:
        """Copy the body to ``write`` until it ends, enforcing cancel, the deadline and the minimum rate."""
        import requests
        import urllib3

        read = getattr(r.raw, "read1", None) or r.raw.read  # read1 returns what has arrived: slow bytes still count
        started = window = time.monotonic()
        in_window = 0
        while True:
            if self.cancel is not None and self.cancel():
                raise DownloadCancelled(f"download of {name or url} cancelled; run fetch again to resume")
            try:
                chunk = read(CHUNK)
            except (OSError, urllib3.exceptions.HTTPError, requests.RequestException) as err:
                raise DownloadError(
                    f"{_short(url)}: connection lost after {done:,} bytes ({type(err).__name__}); "
                    "run fetch again to resume"
                ) from None
            if not chunk:
                return done
            write(chunk)
            done += len(chunk)
            in_window += len(chunk)
            if self.progress is not None and name is not None:
                self.progress(name, done, total)
            now = time.monotonic()
            if now - started > self.deadline:
                raise DownloadError(
                    f"{_short(url)}: not finished after {self.deadline:.0f} s ({done:,} bytes so far); "
                    "run fetch again to resume"
                )
            if now - window >= self.rate_window:
                rate = in_window / (now - window)
                if rate < self.min_rate:
                    raise DownloadError(
                        f"{_short(url)}: too slow ({rate:,.0f} bytes/s, below the minimum of {self.min_rate:,.0f}); "
                        "run fetch again to resume, or use --base-url with a mirror"
                    )
                window, in_window = now, 0

    def _get_text(self, url: str, spec: KernelSetSpec | None = None) -> str:
        r = self._open(spec, url, {"Accept-Encoding": "identity"})
        with r:
            if r.status_code != 200:
                raise _Status(f"{_short(url)}: server answered {r.status_code} {r.reason}", r.status_code)
            body = bytearray()

            def keep(chunk: bytes) -> None:
                body.extend(chunk)
                if len(body) > MAX_LISTING:
                    raise DownloadError(f"{_short(url)}: the page is over {MAX_LISTING >> 20} MB, not a listing")

            self._pump(r, url, keep, 0, None, None)
            return bytes(body).decode(r.encoding or "utf-8", "replace")

    # -- listings -----------------------------------------------------------------------------------
    def listing(self, spec: KernelSetSpec, directory: str) -> list[str]:
        if self.offline:
            raise DownloadError("offline: cannot read the server's directory listing")
        text = self._get_text(self.url(spec, directory), spec)
        names = parse_listing(text)
        if not names:
            raise DownloadError(
                f"{self.url(spec, directory)}: the directory listing has no links (the page changed shape?)"
            )
        self._sizes[directory] = parse_listing_sizes(text)
        return names

    def _published_size(self, spec: KernelSetSpec, remote: RemoteFile) -> str | None:
        """The size the file's directory listing shows, if the server publishes one."""
        directory = remote.path.rsplit("/", 1)[0] + "/" if "/" in remote.path else ""
        if directory not in self._sizes:
            try:
                self._sizes[directory] = parse_listing_sizes(self._get_text(self.url(spec, directory), spec))
            except _Status:
                self._sizes[directory] = None  # a server without index pages publishes no sizes
        sizes = self._sizes[directory]
        return sizes.get(remote.name) if sizes else None

    # -- files ------------------------------------------------------------------------------------
    def cached_problem(self, spec: KernelSetSpec, remote: RemoteFile) -> str | None:
        """None if the cached copy is intact and passes today's checks; otherwise what is wrong with it.

        Every fetch re-hashes every file: a damaged file may keep its size and time, and one that
        an older version recorded without checks may be an error page with a matching hash.
        """
        path = self.cache.path(remote.path)
        entry = self.cache.registry(repair=True).get(remote.path)
        if entry is None or not path.is_file():
            return "not in the cache" if entry is None else "missing from the cache (deleted?)"
        digest = _sha256(path)
        if digest != entry["sha256"] or (remote.sha256 and digest != remote.sha256):
            return "failed verification (its SHA-256 changed since it was downloaded)"
        checked = entry.get("checked", 0) >= CHECKS
        problem = format_problem(path, remote.name, spec.kind)  # cheap: DAF headers, small text files
        if problem is None and not checked and spec.kind == "kernels":
            reason = _CHECKER.check(path, self.spice_timeout)
            problem = f"SPICE cannot load it ({reason})" if reason else None
        if problem is None and not checked and spec.kind == "maps":
            problem = image_problem(path)
        if problem:
            return problem
        st = path.stat()
        if not checked or st.st_size != entry["size"] or st.st_mtime_ns != entry["mtime_ns"]:
            self.cache.record(remote.path, path, digest)
        return None

    def fetch(self, spec: KernelSetSpec, remote: RemoteFile) -> Path:
        """The checked cached file, downloading (or resuming) it first if it is missing or damaged."""
        problem = self.cached_problem(spec, remote)
        if problem is None:
            return self.cache.path(remote.path)
        if self.offline:
            raise DownloadError(f"{remote.name}: {problem}, and offline mode is on")
        return self._download(spec, remote)

    def _discard(self, remote: RemoteFile) -> None:
        self.cache.partial(remote.path).unlink(missing_ok=True)
        self.cache._meta(remote.path).unlink(missing_ok=True)

    def _download(self, spec: KernelSetSpec, remote: RemoteFile) -> Path:
        url = self.url(spec, remote.path)
        published = self._published_size(spec, remote)
        part = self.cache.partial(remote.path)
        meta_path = self.cache._meta(remote.path)
        part.parent.mkdir(parents=True, exist_ok=True)
        meta = _read_meta(meta_path)
        have = part.stat().st_size if part.is_file() else 0
        if have and meta.get("url", url) != url:
            self._discard(remote)  # a partial from another server
            have, meta = 0, {}
        total: int | None = None
        for _attempt in range(2):
            headers = {"Accept-Encoding": "identity"}
            if have:
                headers["Range"] = f"bytes={have}-"
                if meta.get("validator"):
                    headers["If-Range"] = meta["validator"]
            with self._open(spec, url, headers) as r:
                status = r.status_code
                if status == 404:
                    raise DownloadError(f"{url}: not found on the server (404)")
                if have and status == 416:
                    proof = _content_range(r.headers.get("Content-Range"))
                    if proof and proof[2] == have and meta.get("total") in (None, have):
                        total = have  # the partial already holds the whole file, as the server says
                        break
                    self._discard(remote)  # larger than the file, or from another version: start over
                    have, meta = 0, {}
                    continue
                if have and status == 206:
                    proof = _content_range(r.headers.get("Content-Range"))
                    if (
                        proof is None
                        or proof[0] != have
                        or (proof[2] is not None and proof[1] != proof[2] - 1)
                        or meta.get("total") not in (None, proof[2])
                    ):
                        self._discard(remote)  # the server did not send the range asked for: never splice
                        have, meta = 0, {}
                        continue
                    total = proof[2]
                elif status == 200:
                    have = 0  # a whole file: the server ignored the range, or the file changed (If-Range)
                    total = _int_header(r.headers.get("Content-Length"))
                else:
                    raise DownloadError(f"{url}: server answered {status} {r.reason}")
                if total is not None and published and not size_matches(published, total):
                    raise DownloadError(
                        f"{url}: the server offers {total:,} bytes but its listing publishes {published}; "
                        "not downloaded (an error page?)"
                    )
                validator = r.headers.get("ETag") or r.headers.get("Last-Modified") or meta.get("validator")
                meta = {"url": url, "total": total, "validator": validator}
                _write_meta(meta_path, meta)
                limit = total if total is not None else MAX_FILE
                try:
                    with open(part, "ab" if have else "wb") as handle:

                        def write(chunk: bytes, handle=handle, limit=limit) -> None:
                            if handle.tell() + len(chunk) > limit:
                                raise DownloadError(
                                    f"{url}: the server sent more than the {limit:,} bytes it announced"
                                )
                            handle.write(chunk)

                        self._pump(r, url, write, have, total, remote.name)
                except OSError as err:
                    raise DownloadError(f"{part}: cannot write ({err.strerror or err})") from None
                break
        else:
            raise DownloadError(f"{url}: the server does not answer range requests consistently")
        size = part.stat().st_size
        if total is not None and size != total:
            raise DownloadError(f"{url}: got {size:,} of {total:,} bytes; run fetch again to resume")
        problem = None
        if published and not size_matches(published, size):
            problem = f"got {size:,} bytes but the listing publishes {published}"
        digest = _sha256(part)
        if problem is None and remote.sha256 and digest != remote.sha256:
            problem = "the download does not match its published SHA-256"
        if problem is None and (bad := format_problem(part, remote.name, spec.kind)):
            problem = f"the download is {bad}" if bad.startswith(("a ", "an ")) else f"the download is bad: {bad}"
        if problem is None and spec.kind == "kernels" and (reason := _CHECKER.check(part, self.spice_timeout)):
            problem = f"SPICE cannot load it ({reason})"
        if problem is None and spec.kind == "maps" and (bad := image_problem(part)):
            problem = f"the download is {bad}"
        if problem is not None:
            self._discard(remote)
            raise DownloadError(f"{url}: {problem}; nothing was installed")
        dest = self.cache.path(remote.path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_dir() and not dest.is_symlink():
            raise DownloadError(f"{dest}: is a folder; cannot place {remote.name} there")
        self._set_aside_if_not_ours(remote, dest, digest)
        os.replace(part, dest)
        meta_path.unlink(missing_ok=True)
        self.cache.record(remote.path, dest, digest)
        return dest

    def _set_aside_if_not_ours(self, remote: RemoteFile, dest: Path, new_digest: str) -> None:
        """Move a file at ``dest`` that is not what this cache placed there (edited since, or never
        downloaded) to ``NAME.changed`` (``-2``, ``-3``… when taken) before the download replaces it:
        a repair must not cost the user an edit. A damaged download is moved aside too, since the
        two cannot be told apart; ``Cache.set_aside`` names every file moved, for the user to see."""
        if not (dest.exists() or dest.is_symlink()) or (dest.is_dir() and not dest.is_symlink()):
            return
        if not dest.is_symlink():  # a link is never what this cache places: always kept
            old = _sha256(dest)
            entry = self.cache.registry(repair=True).get(remote.path)
            if old == new_digest or (entry is not None and entry.get("sha256") == old):
                return  # the same bytes, or our own unchanged copy
        aside, n = dest.with_name(dest.name + ".changed"), 2
        while aside.exists() or aside.is_symlink():
            aside, n = dest.with_name(f"{dest.name}.changed-{n}"), n + 1
        os.replace(dest, aside)
        self.cache.set_aside.append(aside)

    def resolve(self, spec: KernelSetSpec, start: str | None = None, stop: str | None = None) -> list[RemoteFile]:
        """Every file of the set, with per-period files found from the listing (or the cache, offline)."""
        files = list(spec.files)
        for listing in spec.listings:
            if start or stop:
                from dataclasses import replace

                listing = replace(listing, start=start or listing.start, stop=stop or listing.stop)
            if self.offline:
                cached = self._cached_period_files(listing)
                if not cached:
                    raise DownloadError(
                        f"no cached file in {listing.directory} covers {listing.start} .. {listing.stop}, "
                        "and offline mode is on"
                    )
                files += cached
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

    def _cached_period_files(self, listing: Listing) -> list[RemoteFile]:
        folder = self.cache.path(listing.directory)
        names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        chosen = select_period_files(names, listing)
        if not chosen and listing.fallback and listing.fallback in names:
            return [RemoteFile(listing.directory + listing.fallback, listing.role, listing.provenance)]
        return [RemoteFile(listing.directory + n, listing.role, listing.provenance) for n, _a, _b in chosen]


def _read_meta(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        "url": data["url"] if isinstance(data.get("url"), str) else None,
        "total": data["total"] if _is_int(data.get("total")) else None,
        "validator": data["validator"] if isinstance(data.get("validator"), str) else None,
    }


def _write_meta(path: Path, meta: dict) -> None:
    path.write_text(json.dumps(meta), encoding="utf-8")


def cached_maps(cache: Cache | None = None) -> dict[str, str]:
    """Body name -> path of each fetched global map (the ``maps`` set) that is intact in the cache."""
    cache = cache or Cache(default_cache_dir())
    out: dict[str, str] = {}
    for f in SETS["maps"].files:
        if cache.cached(f.path):
            try:
                path = cache.verify(f.path, f.sha256)
                entry = cache.registry().get(f.path) or {}
                if entry.get("checked", 0) < CHECKS:  # placed by an older version: decoded once before use
                    if image_problem(path):
                        continue
                    with suppress(DownloadError, OSError):  # a registry that cannot be written: checked next time
                        cache.record(f.path, path, entry.get("sha256") or _sha256(path))
                out[f.role] = str(path)
            except (DownloadError, OSError):
                continue  # a damaged map falls back to the procedural one
    return out


def active_kernel_paths(cache: Cache | None = None) -> list[Path]:
    """The active fetched set's files, or none with a ``FetchedSetWarning`` saying why it is not used.

    A damaged cache must not take every command down with it: the embedded set still works,
    and the note tells the user what is wrong and how to repair it.
    """
    cache = cache or Cache(default_cache_dir())
    try:
        return cache.active_paths()
    except (DownloadError, OSError) as err:
        warn_fetched_unusable(str(err) if isinstance(err, DownloadError) else f"{err.filename}: {err.strerror or err}")
        return []


def warn_fetched_unusable(reason: str) -> None:
    """Say (as a ``FetchedSetWarning``) that the fetched set is not used, why, and how to repair it."""
    if "kernels fetch" not in reason:
        reason += "; run 'perijove kernels fetch' (or 'perijove kernels use none')"
    warnings.warn(
        f"not using the fetched kernel set, using the embedded set: {reason}", FetchedSetWarning, stacklevel=3
    )


def _os_error(err: OSError, cache: Cache) -> DownloadError:
    return DownloadError(f"{err.filename or cache.root}: {err.strerror or err}")


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
    timeout: float = TIMEOUT_S,
    deadline: float = DEADLINE_S,
    min_rate: float = MIN_RATE,
    rate_window: float = RATE_WINDOW_S,
) -> list[Path]:
    """Fetch (or, offline, find and re-check) every file of a set; make it the active set if asked.

    The set becomes active only when every member passed its checks; a failure leaves the
    active set as it was. A cached file replaced that was not as this cache placed it is kept
    beside it first (``cache.set_aside``).
    """
    if name not in SETS:
        raise DownloadError(f"unknown set {name!r}; use one of {', '.join(SETS)}")
    spec = SETS[name]
    if offline and not cache.root.is_dir():
        raise DownloadError(f"{name}: nothing is cached in {cache.root}, and offline mode is on")
    existed = cache.root.exists()
    cache.set_aside = []
    try:
        with Downloader(
            cache,
            base_url,
            offline=offline,
            timeout=timeout,
            progress=progress,
            cancel=cancel,
            deadline=deadline,
            min_rate=min_rate,
            rate_window=rate_window,
        ) as dl:
            cache.claim()
            with cache.lock():
                remotes = dl.resolve(spec, start, stop)
                paths = [dl.fetch(spec, r) for r in remotes]
                cache.remember(name, [r.path for r in remotes])
                if activate and spec.kind == "kernels":
                    _check_whole_set(name, paths, dl.spice_timeout)
                    cache.set_active(name, [r.path for r in remotes])
    except OSError as err:
        raise _os_error(err, cache) from None
    finally:
        if not existed:
            with suppress(OSError):
                cache.forget_if_unused()
    return paths


def _check_whole_set(name: str, paths: list[Path], timeout: float) -> None:
    """Never activate a set every command would then set aside: load it as they will first."""
    reason = _CHECKER.check(list(paths), timeout)
    if reason:
        raise DownloadError(f"{name}: {reason}; the set was not made active")


def use_set(name: str, cache: Cache) -> list[Path]:
    """Make a fetched set the active one, after checking every member is in the cache and intact."""
    if name not in SETS:
        kernel_sets = ", ".join(s for s in SETS if SETS[s].kind == "kernels")
        raise DownloadError(f"unknown set {name!r}; use one of {kernel_sets}, or none")
    spec = SETS[name]
    if spec.kind != "kernels":
        raise DownloadError(f"{name} holds maps, not kernels: fetched maps are used without 'kernels use'")
    fetch_first = f"run 'perijove kernels fetch --set {name}' first"
    if not cache.root.is_dir():
        raise DownloadError(f"{name} has not been fetched into {cache.root} yet; {fetch_first}")
    try:
        cache.claim(create=False)
        with cache.lock(), Downloader(cache, offline=True) as dl:
            files = cache.fetched().get(name)
            if files is None:
                try:
                    remotes = dl.resolve(spec)
                except DownloadError:
                    raise DownloadError(f"{name} has not been fetched into {cache.root} yet; {fetch_first}") from None
            else:
                known = {f.path: f for f in spec.files}
                remotes = [known.get(p) or RemoteFile(p, "", "") for p in files]
            paths = []
            for remote in remotes:
                problem = dl.cached_problem(spec, remote)
                if problem is not None:
                    raise DownloadError(f"{remote.name}: {problem}; {fetch_first}")
                paths.append(cache.path(remote.path))
            _check_whole_set(name, paths, dl.spice_timeout)
            cache.set_active(name, [r.path for r in remotes])
    except OSError as err:
        raise _os_error(err, cache) from None
    return paths
