"""The one owner of SPICE's kernel pool in this process.

CSPICE keeps a single, global kernel pool per process. Before this module, every new ``KernelSet``
cleared it, so any older ``KernelSet`` (and every ``Ephemeris`` over it) went on answering from the
newer set's files without a word. Now exactly one ``KernelSet`` owns the pool at a time and the pool
records which files it loaded for it. A set that has lost the pool (another set was opened, the pool
was cleared, or SPICE was loaded behind our back) refuses to answer with ``StaleKernelsError`` instead
of reading someone else's data; ``KernelSet.activate()`` takes the pool back explicitly.

Code that needs a different pool for a while (a test, the generator reading a scratch file) uses
``spice_pool().saved()``, which gives the pool back to whoever owned it before, in the spirit of
``spiceypy.KernelPool``.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import spiceypy

from perijove.ephemeris.errors import PerijoveError

if TYPE_CHECKING:  # pragma: no cover
    from perijove.ephemeris.kernels import KernelSet


class StaleKernelsError(PerijoveError):
    """A ``KernelSet`` (or an ``Ephemeris`` over it) was used after it lost SPICE's pool."""


class SpicePool:
    """SPICE's process-wide kernel pool: who owns it and which files it holds, in priority order.

    Only this class calls ``furnsh``, ``unload`` and ``kclear`` for the application, so what it records
    is what SPICE has; ``check`` also compares SPICE's own count, which catches code that loads or
    clears SPICE directly.
    """

    def __init__(self) -> None:
        self._owner: weakref.ReferenceType[KernelSet] | None = None
        self._loaded: list[Path] = []

    # -- reading ---------------------------------------------------------------------------------------------------
    @property
    def owner(self) -> KernelSet | None:
        """The ``KernelSet`` whose files SPICE holds now, or None."""
        return self._owner() if self._owner is not None else None

    def loaded(self) -> tuple[Path, ...]:
        """Files this pool loaded into SPICE, lowest priority first."""
        return tuple(self._loaded)

    def in_sync(self) -> bool:
        """Whether SPICE holds exactly as many files as were loaded through this pool."""
        return spiceypy.ktotal("ALL") == len(self._loaded)

    def check(self, kernels: KernelSet) -> None:
        """Raise ``StaleKernelsError`` unless ``kernels`` owns the pool and SPICE still holds its files."""
        if self._owner is None or self._owner() is not kernels:
            now = self.owner
            holder = "no kernel set" if now is None else f"another kernel set ({_describe(self._loaded)})"
            raise StaleKernelsError(
                f"these kernels ({_describe(kernels.paths())}) no longer hold SPICE's pool: {holder} "
                "was opened after them; use the newer set, or call activate() to load these again"
            )
        total = spiceypy.ktotal("ALL")
        if total != len(self._loaded):
            raise StaleKernelsError(
                f"SPICE's kernel pool was changed outside Perijove: it holds {total} file(s) where these "
                f"kernels loaded {len(self._loaded)} ({_describe(self._loaded)}); call activate() to reload them"
            )

    # -- changing (the owner's calls) -----------------------------------------------------------------------------
    def claim(self, kernels: KernelSet) -> None:
        """Empty the pool and give it to ``kernels``: any earlier owner becomes stale."""
        spiceypy.kclear()
        spiceypy.reset()
        self._loaded = []
        self._owner = weakref.ref(kernels)

    def furnsh(self, kernels: KernelSet, path: Path) -> None:
        """Load one file for the owner, on top. A file loaded again is unloaded first: SPICE would otherwise
        list it twice, and one ``unload`` later would leave it loaded."""
        self._require_owner(kernels)
        if path in self._loaded:
            self.unload(kernels, path)
        spiceypy.furnsh(str(path))
        self._loaded.append(path)

    def unload(self, kernels: KernelSet, path: Path) -> None:
        self._require_owner(kernels)
        if path in self._loaded:
            spiceypy.unload(str(path))
            self._loaded.remove(path)

    def replace(self, kernels: KernelSet, paths: Sequence[Path]) -> None:
        """Make the pool hold exactly ``paths`` (in order) for ``kernels``, which takes it if it had not."""
        self.claim(kernels)
        for path in paths:
            self.furnsh(kernels, path)

    def release(self, kernels: KernelSet | None = None) -> None:
        """Empty the pool and leave it unowned (only if ``kernels`` owns it, when one is given)."""
        if kernels is not None and self.owner is not kernels:
            return
        spiceypy.kclear()
        self._loaded = []
        self._owner = None

    @contextmanager
    def saved(self) -> Iterator[SpicePool]:
        """Run a block that may take the pool; afterwards it is given back to whoever owned it before.

        The earlier owner gets its own files back (as it records them then), so it is not stale after the
        block; with no owner before, the pool is left empty.
        """
        before = self.owner
        try:
            yield self
        finally:
            self.restore(before)

    def restore(self, kernels: KernelSet | None) -> None:
        """Give the pool back to ``kernels`` (reloading its files only if needed), or empty it for None."""
        if kernels is None:
            if self._owner is not None or self._loaded or spiceypy.ktotal("ALL"):
                self.release()
            return
        if self.owner is kernels and self.in_sync() and self._loaded == kernels.paths():
            return
        kernels.activate()

    def _require_owner(self, kernels: KernelSet) -> None:
        if self.owner is not kernels:
            self.check(kernels)  # raises with the reason


def _describe(paths: Sequence[Path]) -> str:
    if not paths:
        return "no files"
    names = [os.path.basename(p) for p in paths]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{len(names)} file(s): {shown}"


_POOL = SpicePool()


def spice_pool() -> SpicePool:
    """The process's one pool owner (SPICE has one pool per process, so there is one of these)."""
    return _POOL
