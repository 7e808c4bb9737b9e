"""``perijove kernels fetch | list | clear-cache | use``: the official kernels, from the command line."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from dataclasses import replace
from pathlib import Path

from perijove.ephemeris.catalogue import SETS, select_period_files
from perijove.ephemeris.download import (
    LOCK,
    MARKER,
    REGISTRY,
    Cache,
    Downloader,
    DownloadError,
    FetchedSetWarning,
    default_cache_dir,
    fetch_set,
    use_set,
)


def _cache(args: argparse.Namespace) -> Cache:
    return Cache(Path(args.cache) if getattr(args, "cache", None) else default_cache_dir())


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _list(cache: Cache) -> int:
    """Every set, its files and what is cached, and which set the commands and the window use."""
    try:
        active = cache.active()["set"]
        if active:
            cache.active_paths()  # say now if it cannot be used, not only when a command falls back
            print(f"active set: {active} (every command and the window load it over the embedded set)")
        else:
            print("active set: none (every command and the window use the embedded synthetic set)")
    except (DownloadError, OSError) as err:
        active = None
        print(f"active set: not usable, the embedded set is used instead: {err}")
    try:
        cache.registry()
    except DownloadError as err:
        print(f"download registry: damaged, 'perijove kernels fetch' rebuilds it: {err}")
    for spec in SETS.values():
        mark = " (active)" if spec.name == active else ""
        print(f"{spec.name}{mark}: {spec.description}")
        for f in spec.files:
            state = "cached" if cache.cached(f.path) else "not cached"
            print(f"  {f.name:<52} {_size(f.size):>9}  {f.role:<28} {state}")
        for listing in spec.listings:
            folder = cache.path(listing.directory)
            names = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
            got = [n for n, _a, _b in select_period_files(names, replace(listing, start="0000", stop="9999"))]
            got = [n for n in got if cache.cached(listing.directory + n)]
            label = listing.label or f"files matching {listing.pattern}"
            print(
                f"  {listing.role}: per-period files {label} in {listing.directory}, "
                f"chosen from the server's listing (default {listing.start} .. {listing.stop}): {len(got)} cached"
            )
            for name in got:
                print(f"    {name:<50} {_size(cache.path(listing.directory + name).stat().st_size):>9}  cached")
    print(f"cache: {cache.root}")
    return 0


def _clear(cache: Cache) -> int:
    count = cache.clear()
    kept = cache.kept_changed
    ours = {MARKER, REGISTRY, LOCK}
    files = [p for p in cache.root.rglob("*") if p.is_file()] if cache.root.is_dir() else []
    left = sum(1 for p in files if p.name not in ours and p not in kept)
    print(
        f"removed {count} file(s) from {cache.root}"
        + (f"; left {left} file(s) Perijove did not download" if left else "")
        + (f"; kept {len(kept)} changed since they were fetched: {', '.join(p.name for p in kept)}" if kept else "")
    )
    return 0


def _fetch(args: argparse.Namespace, cache: Cache, progress) -> list[Path]:
    try:
        return fetch_set(
            args.set,
            cache,
            args.base_url,
            offline=args.offline,
            start=args.start,
            stop=args.stop,
            activate=not args.no_use,
            progress=progress.update if progress else None,
        )
    finally:
        if progress:
            progress.close()


def run_fetch_command(args: argparse.Namespace) -> int:
    cache = _cache(args)
    if args.kernels_command == "list":
        return _list(cache)
    if args.kernels_command == "clear-cache":
        return _clear(cache)
    if args.kernels_command == "use":
        if args.name == "none":
            if cache.root.is_dir() and (cache.root / "active.json").exists():
                cache.claim(create=False)  # never write into a folder that is not ours
                with cache.lock():
                    cache.set_active(None, [])
            print("using the embedded set only")
            return 0
        use_set(args.name, cache)
        print(f"using {args.name} from {cache.root}")
        return 0
    progress = _progress()
    try:
        paths = _fetch(args, cache, progress)
    finally:
        for aside in cache.set_aside:  # said even when a later file failed: the move happened
            print(f"kept {aside}: changed since it was fetched (or not fetched by Perijove), replaced by the download")
    spec = SETS.get(args.set)
    print(
        f"{len(paths)} file(s) in {cache.root}"
        + (
            "; every command and the window now use them over the embedded set"
            if spec is not None and spec.kind == "kernels" and not args.no_use
            else ""
        )
    )
    return 0


class _Bars:
    """One tqdm bar per file on a terminal."""

    def __init__(self) -> None:
        self.bar = None
        self.name = None

    def update(self, name: str, done: int, total: int | None) -> None:
        from tqdm import tqdm

        if name != self.name:
            self.close()
            self.bar = tqdm(total=total, unit="B", unit_scale=True, desc=name, file=sys.stderr, leave=True)
            self.name = name
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _progress() -> _Bars | None:
    return _Bars() if sys.stderr.isatty() and not os.environ.get("CI") else None


def show_notes() -> None:
    """Print a ``FetchedSetWarning`` as one ``perijove: note:`` line, every time one is raised.

    The ephemeris layer cannot print (the window shows its own notes), so it warns; on the
    command line the warning is a note, not Python's two-line warning with a source line.
    """
    current = warnings.showwarning
    if getattr(current, "_perijove_notes", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, FetchedSetWarning):
            print(f"perijove: note: {message}", file=sys.stderr)
            return
        current(message, category, filename, lineno, file, line)

    show._perijove_notes = True  # type: ignore[attr-defined]
    warnings.showwarning = show
    warnings.filterwarnings("always", category=FetchedSetWarning)


__all__ = ["DownloadError", "Downloader", "run_fetch_command", "show_notes"]
