"""``perijove kernels fetch | list | clear-cache | use``: the official kernels, from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from perijove.ephemeris.catalogue import SETS
from perijove.ephemeris.download import Cache, Downloader, DownloadError, default_cache_dir, fetch_set


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


def run_fetch_command(args: argparse.Namespace) -> int:
    cache = _cache(args)
    if args.kernels_command == "list":
        active = cache.active().get("set")
        for spec in SETS.values():
            mark = " (active)" if spec.name == active else ""
            print(f"{spec.name}{mark}: {spec.description}")
            for f in spec.files:
                state = "cached" if cache.cached(f.path) else "not cached"
                print(f"  {f.name:<52} {_size(f.size):>9}  {f.role:<28} {state}")
            for listing in spec.listings:
                folder = cache.path(listing.directory)
                got = sorted(p.name for p in folder.glob("*.bsp")) if folder.is_dir() else []
                print(
                    f"  {listing.directory}{listing.pattern} ({listing.role}, {listing.start} .. {listing.stop}): "
                    f"{len(got)} cached"
                )
        print(f"cache: {cache.root}")
        return 0
    if args.kernels_command == "clear-cache":
        count = cache.clear()
        print(f"removed {count} file(s) from {cache.root}")
        return 0
    if args.kernels_command == "use":
        if args.name == "none":
            cache.set_active(None, [])
            print("using the embedded set only")
            return 0
        info = cache.active()
        if info.get("set") == args.name:
            print(f"already using {args.name}")
            return 0
        fetch_set(args.name, cache, offline=True)  # must be complete in the cache
        print(f"using {args.name} from {cache.root}")
        return 0
    progress = _progress()
    try:
        paths = fetch_set(
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


__all__ = ["DownloadError", "Downloader", "run_fetch_command"]
