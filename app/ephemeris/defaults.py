"""The embedded default kernel set, and opening it with the user's files on top.

The defaults live in ``assets/kernels/`` and are listed, in load order, by
``manifest.json`` there, so a command never has to guess which files form
the set or in which order they layer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from perijove.ephemeris.errors import KernelError
from perijove.ephemeris.kernels import KernelSet
from perijove.resources import asset_path

MANIFEST = "manifest.json"


def default_kernel_dir() -> Path:
    """Folder of the embedded default kernels."""
    return asset_path("kernels")


def default_kernel_paths() -> list[Path]:
    """Embedded default kernels in load order; empty when none are shipped."""
    folder = default_kernel_dir()
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return []
    entries = json.loads(manifest.read_text(encoding="utf-8"))["load_order"]
    return [folder / name for name in entries]


def fetched_kernel_paths() -> list[Path]:
    """The fetched official set the user chose with ``perijove kernels use`` (verified), or none.

    A damaged cache gives none and a ``FetchedSetWarning`` saying why, so the embedded set still works.
    """
    from perijove.ephemeris.download import active_kernel_paths

    return active_kernel_paths()


def open_kernels(extra: Iterable[str | os.PathLike[str]] = (), *, defaults: bool = True) -> KernelSet:
    """A ``KernelSet``: the embedded defaults, then the fetched official set (when one is active),
    then ``extra``; later files win."""
    kernels = KernelSet(default_kernel_paths() if defaults else ())
    fetched = fetched_kernel_paths() if defaults else []
    if fetched:
        try:
            kernels.load(fetched, fetched=True)
        except KernelError as err:  # e.g. checks stricter than those it passed when it was fetched
            from perijove.ephemeris.download import warn_fetched_unusable

            warn_fetched_unusable(str(err))
    extra = list(extra)
    if extra:
        kernels.load(extra)
    return kernels
