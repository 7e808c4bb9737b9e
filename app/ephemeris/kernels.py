"""The ordered, layered set of SPICE kernels the whole application reads.

SPICE keeps one global kernel pool per process, so one ``KernelSet`` owns it
at a time. Loading is all-or-nothing: every new file is checked first (kind,
integrity, syntax, metakernel entries), and if SPICE still rejects one, the
pool is rebuilt from the files that were loaded before, so a bad file never
leaves the application with less than it had.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import spiceypy

from perijove.ephemeris.daf import SUPPORTED_TYPES, DafFormatError, read_daf
from perijove.ephemeris.errors import KernelError, spice_errors, spice_reason
from perijove.ephemeris.provenance import classify
from perijove.ephemeris.textkernel import TextKernelError, join_continued, parse_text_kernel
from perijove.ephemeris.windows import Window, merge

_TEXT_KINDS = {"LSK", "PCK", "FK", "SCLK", "IK", "MK"}
_BINARY_KINDS = {"SPK", "CK", "PCK"}


@dataclass(frozen=True)
class KernelFile:
    """One loaded file, with what it provides."""

    path: Path
    kind: str  # SPK, CK, PCK (binary), LSK, TPC (text PCK), FK, SCLK, IK, TEXT, DSK
    provenance: str
    source: Path | None = None  # the metakernel that named it, if any
    default: bool = False  # part of the embedded default set
    coverage: dict[int, tuple[Window, ...]] = field(default_factory=dict)
    segment_types: tuple[int, ...] = ()
    note: str = ""

    @property
    def bodies(self) -> tuple[int, ...]:
        return tuple(sorted(self.coverage))


def _kernel_error(path: Path, reason: str) -> KernelError:
    return KernelError(f"{path}: {reason}")


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise _kernel_error(path, "not a SPICE kernel (binary data with no DAF/DAS header)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            raise _kernel_error(path, "not a SPICE kernel") from None
        if sum(ch.isprintable() or ch.isspace() for ch in text) < 0.95 * len(text):
            raise _kernel_error(path, "not a SPICE kernel (not text, no DAF/DAS header)") from None
        return text


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise _kernel_error(path, "file not found")
    if path.is_dir():
        raise _kernel_error(path, "is a folder, not a kernel file")
    if not os.access(path, os.R_OK):
        raise _kernel_error(path, "cannot be read (permission denied)")
    if path.stat().st_size == 0:
        raise _kernel_error(path, "empty file, not a SPICE kernel")


def _sniff(path: Path) -> str:
    head = path.read_bytes()[:8].decode("latin-1")
    return head.strip()


@dataclass(frozen=True)
class _Plan:
    """A checked file ready for ``furnsh``, before it becomes a ``KernelFile``."""

    path: Path
    kind: str
    source: Path | None
    segment_types: tuple[int, ...] = ()
    comments: str = ""


def _plan_binary(path: Path, idword: str, source: Path | None) -> _Plan:
    kind = idword.split("/", 1)[1]
    if idword.startswith("DAS/"):
        if kind == "DSK":
            return _Plan(path, "DSK", source)
        raise _kernel_error(path, f"unsupported kernel type {idword} (Perijove reads SPK, CK, PCK, DSK)")
    if kind not in _BINARY_KINDS:
        raise _kernel_error(path, f"unsupported kernel type {idword} (Perijove reads SPK, CK, PCK, DSK)")
    try:
        daf = read_daf(path)
    except DafFormatError as err:
        raise _kernel_error(path, f"corrupt {kind} file: {err}") from None
    types = tuple(sorted({seg.data_type for seg in daf.segments}))
    unsupported = [t for t in types if t not in SUPPORTED_TYPES[kind]]
    if unsupported:
        raise _kernel_error(path, f"unsupported {kind} segment type {unsupported[0]}")
    if not daf.segments:
        raise _kernel_error(path, f"{kind} file holds no segments")
    return _Plan(path, kind, source, types, daf.comments)


def _plan_text(path: Path, source: Path | None) -> tuple[_Plan, list[_Plan]]:
    """Check a text kernel; for a metakernel also plan every file it names."""
    text = _read_text(path)
    try:
        parsed = parse_text_kernel(text)
    except TextKernelError as err:
        raise _kernel_error(path, f"syntax error, {err}") from None
    header = text[:8].strip().upper()
    kind = header.split("/", 1)[1] if header.startswith("KPL/") else "TEXT"
    if "\\begindata" not in text:
        raise _kernel_error(path, "not a SPICE kernel (no DAF/DAS header and no \\begindata)")
    if "KERNELS_TO_LOAD" not in parsed.variables:
        kind = {"PCK": "TPC"}.get(kind, kind)
        return _Plan(path, kind, source, comments=text), []
    if source is not None:
        raise _kernel_error(path, f"metakernel {source} names another metakernel")
    entries = _metakernel_entries(
        path, parsed.strings("KERNELS_TO_LOAD"), parsed.strings("PATH_SYMBOLS"), parsed.strings("PATH_VALUES")
    )
    return _Plan(path, "MK", source), [_plan_file(entry, path) for entry in entries]


def _metakernel_entries(mk: Path, raw: list[str], symbols: list[str], values: list[str]) -> list[Path]:
    values = join_continued(values)
    if len(symbols) != len(values):
        raise _kernel_error(mk, f"{len(symbols)} PATH_SYMBOLS but {len(values)} PATH_VALUES")
    # Longest symbols first, so $KERNELS is not replaced inside $KERNELS_DIR.
    table = sorted(zip(symbols, values, strict=True), key=lambda sv: -len(sv[0]))
    out = []
    for entry in join_continued(raw):
        for symbol, value in table:
            entry = entry.replace(f"${symbol}", value)
        if "$" in entry:
            raise _kernel_error(mk, f"entry {entry!r} uses an undefined path symbol")
        path = Path(entry)
        if not path.is_absolute():
            path = mk.parent / path
        path = Path(os.path.normpath(path))
        if not path.exists():
            raise _kernel_error(mk, f"metakernel entry not found: {entry} (looked for {path})")
        out.append(path)
    return out


def _plan_file(path: Path, source: Path | None = None) -> _Plan:
    path = Path(os.path.abspath(Path(path).expanduser()))
    try:
        _check_exists(path)
        idword = _sniff(path)
    except OSError as err:
        raise _kernel_error(path, f"cannot be read ({err.strerror or err})") from None
    if idword.startswith(("DAF/", "DAS/", "NAIF/DAF")):
        return _plan_binary(path, idword.replace("NAIF/DAF", "DAF/SPK"), source)
    if idword.startswith(("DAFETF", "DASETF")):
        raise _kernel_error(path, "unsupported kernel type: SPICE transfer format (convert it with tobin)")
    plan, children = _plan_text(path, source)
    if children:
        raise _MetaPlan(plan, children)
    return plan


class _MetaPlan(Exception):
    """Internal: a metakernel expanded into the plans of its entries."""

    def __init__(self, plan: _Plan, children: list[_Plan]) -> None:
        super().__init__(str(plan.path))
        self.plan, self.children = plan, children


def _coverage(plan: _Plan) -> tuple[dict[int, tuple[Window, ...]], str]:
    path = str(plan.path)
    cover: dict[int, tuple[Window, ...]] = {}
    note = ""
    with spice_errors(f"{plan.path}: cannot read coverage", KernelError):
        if plan.kind == "SPK":
            for body in spiceypy.spkobj(path):
                cell = spiceypy.spkcov(path, body)
                cover[body] = _cell_windows(cell)
        elif plan.kind == "PCK":
            for frame in spiceypy.pckfrm(path):
                cover[frame] = _cell_windows(spiceypy.pckcov(path, frame))
    if plan.kind == "CK":
        for inst in spiceypy.ckobj(path):
            try:
                cell = spiceypy.ckcov(path, inst, False, "INTERVAL", 0.0, "TDB")
                cover[inst] = _cell_windows(cell)
            except spiceypy.utils.exceptions.SpiceyError as err:
                spiceypy.reset()
                cover[inst] = ()
                note = f"coverage unknown until an SCLK kernel is loaded ({spice_reason(err)})"
    return cover, note


def _cell_windows(cell: spiceypy.utils.support_types.SpiceCell) -> tuple[Window, ...]:
    n = spiceypy.wncard(cell)
    return tuple(Window(*spiceypy.wnfetd(cell, i)) for i in range(n))


class KernelSet:
    """Embedded defaults plus user kernels, loaded into SPICE in order (later wins)."""

    def __init__(self, defaults: Sequence[str | os.PathLike[str]] = (), *, load_defaults: bool = True) -> None:
        self._files: list[KernelFile] = []
        self._groups: list[tuple[Path, list[Path]]] = []  # what the user asked for, expanded
        spiceypy.kclear()
        if load_defaults and defaults:
            self.load(defaults, default=True)

    # -- reading -----------------------------------------------------------------
    @property
    def files(self) -> tuple[KernelFile, ...]:
        return tuple(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def paths(self) -> list[Path]:
        return [f.path for f in self._files]

    def bodies(self) -> list[int]:
        """NAIF ids of every object with SPK data."""
        return sorted({b for f in self._files if f.kind == "SPK" for b in f.coverage})

    def coverage(self, body: int) -> tuple[Window, ...]:
        """Union of the SPK windows for ``body`` over all loaded files (ET, TDB seconds)."""
        wins = [w for f in self._files if f.kind == "SPK" for w in f.coverage.get(body, ())]
        return merge(wins)

    def provenances(self) -> list[str]:
        """Distinct provenances of the loaded SPKs, in load order."""
        seen: dict[str, None] = {}
        for f in self._files:
            if f.kind == "SPK":
                seen.setdefault(f.provenance)
        return list(seen)

    # -- changing ----------------------------------------------------------------
    def load(
        self, paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], *, default: bool = False
    ) -> list[KernelFile]:
        """Load files and metakernels, in order, over what is loaded; all or nothing."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        plans: list[_Plan] = []
        groups: list[tuple[Path, list[Path]]] = []
        for given in paths:
            try:
                plan = _plan_file(Path(given))
                plans.append(plan)
                groups.append((plan.path, [plan.path]))
            except _MetaPlan as meta:
                plans.extend(meta.children)
                groups.append((meta.plan.path, [c.path for c in meta.children]))
        before = list(self._files)
        added: list[KernelFile] = []
        try:
            for plan in plans:
                with spice_errors(str(plan.path), KernelError):
                    spiceypy.furnsh(str(plan.path))
                cover, note = _coverage(plan)
                added.append(
                    KernelFile(
                        path=plan.path,
                        kind=plan.kind,
                        source=plan.source,
                        provenance=classify(plan.path, plan.kind, plan.comments),
                        default=default,
                        coverage=cover,
                        segment_types=plan.segment_types,
                        note=note,
                    )
                )
                # SPICE moves a file loaded again to the top of the priority order.
                self._files = [f for f in self._files if f.path != plan.path] + [added[-1]]
        except KernelError:
            self._files = before
            self._reload()
            raise
        given = {g for g, _ in groups}
        self._groups = [g for g in self._groups if g[0] not in given] + groups
        return added

    def unload(self, path: str | os.PathLike[str]) -> None:
        """Unload a file or a whole metakernel that was loaded earlier."""
        target = Path(os.path.abspath(Path(path).expanduser()))
        for i, (given, members) in enumerate(self._groups):
            if given == target:
                del self._groups[i]
                keep = {m for _, ms in self._groups for m in ms}
                for m in members:
                    if m not in keep:
                        with spice_errors(str(m), KernelError):
                            spiceypy.unload(str(m))
                self._files = [f for f in self._files if f.path in keep]
                return
        raise KernelError(f"{target}: not loaded")

    def clear(self, *, keep_defaults: bool = True) -> None:
        """Unload the user's kernels (and, if asked, the defaults too)."""
        self._files = [f for f in self._files if keep_defaults and f.default]
        kept = {f.path for f in self._files}
        self._groups = [(g, ms) for g, ms in self._groups if set(ms) <= kept]
        self._reload()

    def _reload(self) -> None:
        spiceypy.kclear()
        spiceypy.reset()
        for f in self._files:
            spiceypy.furnsh(str(f.path))
