"""The ordered, layered set of SPICE kernels the whole application reads.

SPICE keeps one global kernel pool per process, so one ``KernelSet`` owns it
at a time (``perijove.ephemeris.pool``): opening a set takes the pool, and a set
that has lost it refuses to answer rather than read another set's files.
Loading is all-or-nothing: every new file is checked first (kind,
integrity, syntax, metakernel entries), and if SPICE still rejects one, the
pool is rebuilt from the files that were loaded before, so a bad file never
leaves the application with less than it had.

SPICE itself trusts what it reads: a corrupt segment directory crashes it, and
a chain of SPK centres that loops back on itself (Io relative to Jupiter's
barycentre in one file, the barycentre relative to Io in another) makes every
state query search for ever. Both are refused here, before SPICE sees them, and
a file that changes between our check and SPICE's load is refused too.
"""

from __future__ import annotations

import errno
import itertools
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import spiceypy

from perijove.ephemeris.daf import SUPPORTED_TYPES, DafFile, DafFormatError, read_daf
from perijove.ephemeris.errors import KernelError, spice_errors, spice_reason
from perijove.ephemeris.pool import SpicePool, spice_pool
from perijove.ephemeris.provenance import classify
from perijove.ephemeris.textkernel import (
    MAX_TEXT_KERNEL_BYTES,
    TextKernelError,
    join_continued,
    parse_text_kernel,
)
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
    fetched: bool = False  # part of the active fetched official set (loaded at every start too)
    coverage: dict[int, tuple[Window, ...]] = field(default_factory=dict)
    segment_types: tuple[int, ...] = ()
    note: str = ""

    @property
    def bodies(self) -> tuple[int, ...]:
        return tuple(sorted(self.coverage))


def _kernel_error(path: Path, reason: str) -> KernelError:
    return KernelError(f"{path}: {reason}")


def _read_text(path: Path) -> str:
    with open(path, "rb") as handle:
        # The size first, so a huge file is refused unread; the bounded read catches files whose size lies.
        size = os.fstat(handle.fileno()).st_size
        raw = handle.read(MAX_TEXT_KERNEL_BYTES + 1) if size <= MAX_TEXT_KERNEL_BYTES else b""
    if size > MAX_TEXT_KERNEL_BYTES or len(raw) > MAX_TEXT_KERNEL_BYTES:
        shown = max(size, len(raw)) / 2**20
        limit = MAX_TEXT_KERNEL_BYTES >> 20
        raise _kernel_error(path, f"too large for a text kernel ({shown:.0f} MiB; at most {limit} MiB)")
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
    try:
        os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise _kernel_error(path, "is a link that leads back to itself") from None
        if path.is_symlink():
            raise _kernel_error(path, f"is a link to nothing ({os.readlink(path)} does not exist)") from None
        raise _kernel_error(path, "file not found") from None
    if path.is_dir():
        raise _kernel_error(path, "is a folder, not a kernel file")
    if not path.is_file():  # a FIFO would block the reader, a device reads forever or as nothing
        raise _kernel_error(path, "is not a regular file (a pipe, socket or device): give a kernel file")
    if not os.access(path, os.R_OK):
        raise _kernel_error(path, "cannot be read (permission denied)")
    if path.stat().st_size == 0:
        raise _kernel_error(path, "empty file, not a SPICE kernel")


def _sniff(path: Path) -> str:
    with open(path, "rb") as handle:
        return handle.read(8).decode("latin-1").strip()


def _identity(path: Path) -> tuple[int, int, int, int]:
    """What tells us the file SPICE opens is the file we checked: same inode, size and modification time."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class _Plan:
    """A checked file ready for ``furnsh``, before it becomes a ``KernelFile``."""

    path: Path
    kind: str
    source: Path | None
    segment_types: tuple[int, ...] = ()
    comments: str = ""
    identity: tuple[int, ...] = ()
    daf: DafFile | None = None


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
    return _Plan(path, kind, source, types, daf.comments, daf=daf)


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
        _check_radii(path, parsed.variables)
        return _Plan(path, kind, source, comments=text), []
    if source == path:
        raise _kernel_error(path, "metakernel lists itself in KERNELS_TO_LOAD")
    if source is not None:
        raise _kernel_error(path, f"metakernel {source} names another metakernel")
    for name in ("KERNELS_TO_LOAD", "PATH_SYMBOLS", "PATH_VALUES"):
        if len(parsed.strings(name)) != len(parsed.variables.get(name, [])):
            raise _kernel_error(path, f"{name} must hold quoted file names and paths, not numbers or dates")
    entries = _metakernel_entries(
        path, parsed.strings("KERNELS_TO_LOAD"), parsed.strings("PATH_SYMBOLS"), parsed.strings("PATH_VALUES")
    )
    return _Plan(path, "MK", source), [_plan_file(entry, path) for entry in entries]


_RADII = re.compile(r"BODY-?\d+_RADII")
_SMALLEST_KM, _LARGEST_KM = 1e-6, 1e8  # a millimetre; a hundred times the Sun


def _check_radii(path: Path, variables: dict[str, list]) -> None:
    """Radii shape every body, altitude and shadow; zero, negative, missing or absurd ones turn into NaN and
    division warnings deep in the renderer, so a text PCK must give three plausible lengths or nothing."""
    for name, values in variables.items():
        if not _RADII.fullmatch(name):
            continue
        numbers = [v for v in values if isinstance(v, float)]
        plausible = [v for v in numbers if math.isfinite(v) and _SMALLEST_KM <= v <= _LARGEST_KM]
        if len(values) != 3 or len(plausible) != 3:
            shown = ", ".join(str(v) for v in values[:4]) + (", ..." if len(values) > 4 else "")
            raise _kernel_error(path, f"{name} must be three radii in km (a millimetre to 1e8 km), not ({shown})")


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


def _utf8(text: str) -> bool:
    """Whether SPICE can be given ``text`` as a file name (a name with other bytes arrives as surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plan_file(path: Path, source: Path | None = None) -> _Plan:
    path = Path(os.path.abspath(Path(path).expanduser()))
    try:
        _check_exists(path)
        if not _utf8(str(path)):
            raise _kernel_error(path, "its name is not UTF-8 text, which SPICE cannot open; rename the file")
        identity = _identity(path)
        idword = _sniff(path)
        if idword.startswith(("DAF/", "DAS/", "NAIF/DAF")):
            return replace(_plan_binary(path, idword.replace("NAIF/DAF", "DAF/SPK"), source), identity=identity)
        if idword.startswith(("DAFETF", "DASETF")):
            raise _kernel_error(path, "unsupported kernel type: SPICE transfer format (convert it with tobin)")
        plan, children = _plan_text(path, source)
    except OSError as err:
        raise _kernel_error(path, f"cannot be read ({err.strerror or err})") from None
    if children:
        raise _MetaPlan(plan, children)
    return replace(plan, identity=identity)


def _check_unchanged(plan: _Plan) -> None:
    """Refuse a file replaced or rewritten between our checks and SPICE's load: SPICE would read unchecked bytes."""
    try:
        same = _identity(plan.path) == plan.identity
        if same and plan.daf is not None:
            same = read_daf(plan.path) == plan.daf  # an in-place rewrite that kept size and time
    except (OSError, DafFormatError):
        same = False
    if not same:
        raise _kernel_error(plan.path, "the file changed while it was being loaded; load it again")


class _MetaPlan(Exception):
    """Internal: a metakernel expanded into the plans of its entries."""

    def __init__(self, plan: _Plan, children: list[_Plan]) -> None:
        super().__init__(str(plan.path))
        self.plan, self.children = plan, children


def _coverage(plan: _Plan) -> tuple[dict[int, tuple[Window, ...]], str]:
    path = str(plan.path)
    cover: dict[int, tuple[Window, ...]] = {}
    note = ""
    # spiceypy's default cells hold 1000 ids and 1000 intervals; a file can have more of either (one per segment).
    room = max(1000, len(plan.daf.segments) if plan.daf else 0)
    with spice_errors(f"{plan.path}: cannot read coverage", KernelError):
        if plan.kind == "SPK":
            for body in spiceypy.spkobj(path, spiceypy.cell_int(room)):
                cell = spiceypy.spkcov(path, body, spiceypy.cell_double(2 * room))
                cover[body] = _cell_windows(cell)
        elif plan.kind == "PCK":
            frames = spiceypy.cell_int(room)
            spiceypy.pckfrm(path, frames)
            for frame in frames:
                cover[int(frame)] = _cell_windows(spiceypy.pckcov(path, int(frame), spiceypy.cell_double(2 * room)))
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


# -- loops of SPK centres -------------------------------------------------------------------------------------------
#
# SPICE finds a state by following each body's centre of motion (from the highest-priority segment covering the
# time) until it meets the observer or the solar-system barycentre. It has no guard against a chain that comes back
# to a body it has already visited, so such a set of kernels hangs every query that touches it.

_Link = tuple[int, int, float, float]  # (body, centre, start, stop) of one SPK segment


def _spk_links(plan: _Plan) -> tuple[_Link, ...]:
    if plan.kind != "SPK" or plan.daf is None:
        return ()
    return tuple((s.ints[0], s.ints[1], s.start, s.stop) for s in plan.daf.segments)


def _bodies_on_cycles(edges: set[tuple[int, int]]) -> set[int]:
    """Bodies that lie on some cycle of the body -> centre graph, ignoring time (strongly connected components)."""
    succ: dict[int, set[int]] = {}
    pred: dict[int, set[int]] = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)
        pred.setdefault(b, set()).add(a)

    def reach(start: int, graph: dict[int, set[int]]) -> set[int]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    on_cycle: set[int] = set()
    for node in succ:
        if node not in on_cycle and node in reach(node, succ):
            on_cycle |= {node} | (reach(node, succ) & reach(node, pred))
    return on_cycle


def _subtract(span: tuple[float, float], covered: list[tuple[float, float]]) -> list[tuple[float, float]]:
    pieces, (a, b) = [], span
    for c, d in covered:
        if d < a or c > b:
            continue
        if c > a:
            pieces.append((a, c))
        a = max(a, d)
    if a <= b:
        pieces.append((a, b))
    return pieces


def _find_centre_loop(files: list[tuple[Path, tuple[_Link, ...]]]) -> tuple[Path, list[int], float] | None:
    """A loop of centres SPICE would follow at some time, with the highest-priority file that makes it; or None.

    ``files`` are in load order (later wins); within a file later segments win, as in SPICE's own search.
    """
    on_cycle = _bodies_on_cycles({(t, c) for _, links in files for t, c, _, _ in links})
    if not on_cycle:
        return None
    # Which segment SPICE would use for each body at each time: subtract what higher-priority segments cover.
    pieces: list[tuple[float, float, int, int, int]] = []  # (start, stop, body, centre, file rank)
    covered: dict[int, list[tuple[float, float]]] = {}
    for rank in range(len(files) - 1, -1, -1):
        for target, centre, start, stop in reversed(files[rank][1]):
            if target not in on_cycle:
                continue
            have = covered.setdefault(target, [])
            if centre in on_cycle:
                pieces.extend((a, b, target, centre, rank) for a, b in _subtract((start, stop), have))
            have.append((start, stop))
            have.sort()
    bounds = sorted({t for a, b, *_ in pieces for t in (a, b)})
    probes = bounds + [(x + y) / 2 for x, y in itertools.pairwise(bounds)]
    for when in probes:
        centre_of = {body: (centre, rank) for a, b, body, centre, rank in pieces if a <= when <= b}
        for start_body in centre_of:
            path, body = [start_body], centre_of[start_body][0]
            while body in centre_of and body not in path:
                path.append(body)
                body = centre_of[body][0]
            if body in path:
                loop = [*path[path.index(body) :], body]
                worst = max(centre_of[b][1] for b in loop[:-1])
                return files[worst][0], loop, when
    return None


def _cell_windows(cell: spiceypy.utils.support_types.SpiceCell) -> tuple[Window, ...]:
    n = spiceypy.wncard(cell)
    return tuple(Window(*spiceypy.wnfetd(cell, i)) for i in range(n))


class KernelSet:
    """Embedded defaults plus user kernels, loaded into SPICE in order (later wins).

    Creating one takes SPICE's pool (there is one per process): any earlier set becomes stale and
    raises ``StaleKernelsError`` when used, until its ``activate()`` takes the pool back.
    """

    def __init__(self, defaults: Sequence[str | os.PathLike[str]] = (), *, load_defaults: bool = True) -> None:
        self._files: list[KernelFile] = []
        self._links: dict[Path, tuple[_Link, ...]] = {}  # SPK body/centre pairs of each loaded file
        self._groups: list[tuple[Path, list[Path]]] = []  # what the user asked for, expanded
        self._pool: SpicePool = spice_pool()
        self._pool.claim(self)
        if load_defaults and defaults:
            self.load(defaults, default=True)

    # -- owning the pool ---------------------------------------------------------
    @property
    def is_current(self) -> bool:
        """Whether SPICE's pool holds this set's files now (queries over it are answered)."""
        return self._pool.owner is self and self._pool.in_sync()

    def require_current(self) -> None:
        """Raise ``StaleKernelsError`` if another set (or code outside Perijove) has taken SPICE's pool."""
        self._pool.check(self)

    def activate(self) -> None:
        """Take SPICE's pool back for this set, loading its files again in order (the set that had it goes stale)."""
        try:
            self._pool.replace(self, [f.path for f in self._files])
        except spiceypy.utils.exceptions.SpiceyError as err:  # a file deleted or changed since it was loaded
            spiceypy.reset()
            self._pool.release(self)
            raise KernelError(f"cannot load these kernels again: {spice_reason(err)}") from None

    def close(self) -> None:
        """Empty SPICE's pool if this set holds it; the set is stale afterwards."""
        self._pool.release(self)

    def __enter__(self) -> KernelSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------
    @property
    def files(self) -> tuple[KernelFile, ...]:
        return tuple(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def paths(self) -> list[Path]:
        return [f.path for f in self._files]

    def groups(self) -> list[tuple[Path, tuple[Path, ...]]]:
        """What was asked for, in load order: each file or metakernel given, with the files it brought."""
        return [(given, tuple(members)) for given, members in self._groups]

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
        self,
        paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
        *,
        default: bool = False,
        fetched: bool = False,
    ) -> list[KernelFile]:
        """Load files and metakernels, in order, over what is loaded; all or nothing.

        A file loaded again keeps being what it was (part of the embedded or the fetched set), so
        opening a built-in file by hand never makes it the user's to unload.
        """
        self.require_current()
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
        self._refuse_centre_loops(plans)
        before = list(self._files)
        added: list[KernelFile] = []
        try:
            for plan in plans:
                with spice_errors(str(plan.path), KernelError):
                    self._pool.furnsh(self, plan.path)
                _check_unchanged(plan)
                cover, note = _coverage(plan)
                earlier = next((f for f in self._files if f.path == plan.path), None)
                added.append(
                    KernelFile(
                        path=plan.path,
                        kind=plan.kind,
                        source=plan.source,
                        provenance=classify(plan.path, plan.kind, plan.comments),
                        default=default or (earlier is not None and earlier.default),
                        fetched=fetched or (earlier is not None and earlier.fetched),
                        coverage=cover,
                        segment_types=plan.segment_types,
                        note=note,
                    )
                )
                # SPICE moves a file loaded again to the top of the priority order.
                self._files = [f for f in self._files if f.path != plan.path] + [added[-1]]
                self._links[plan.path] = _spk_links(plan)
        except KernelError:
            self._files = before
            self._reload()
            raise
        given = {g for g, _ in groups}
        self._groups = [g for g in self._groups if g[0] not in given] + groups
        return added

    def _refuse_centre_loops(self, plans: list[_Plan]) -> None:
        """Check the SPK centres of the set as it would be after loading ``plans``, before SPICE sees any."""
        order = [f.path for f in self._files]
        links = {p: self._links.get(p, ()) for p in order}
        for plan in plans:
            if plan.path in links:
                order.remove(plan.path)
            order.append(plan.path)
            links[plan.path] = _spk_links(plan)
        found = _find_centre_loop([(p, links[p]) for p in order])
        if found:
            path, loop, when = found
            chain = " -> ".join(str(b) for b in loop)
            raise _kernel_error(
                path, f"SPK centres loop back on themselves at ET {when:.0f} ({chain}); SPICE would search for ever"
            )

    def unload(self, path: str | os.PathLike[str]) -> None:
        """Unload a file or a whole metakernel that was loaded earlier."""
        self.require_current()
        target = Path(os.path.abspath(Path(path).expanduser()))
        for i, (given, members) in enumerate(self._groups):
            if given == target:
                del self._groups[i]
                keep = {m for _, ms in self._groups for m in ms}
                for m in members:
                    if m not in keep:
                        with spice_errors(str(m), KernelError):
                            self._pool.unload(self, m)
                self._files = [f for f in self._files if f.path in keep]
                return
        raise KernelError(f"{target}: not loaded")

    def clear(self, *, keep_defaults: bool = True) -> None:
        """Unload the user's kernels (and, if asked, the defaults too)."""
        self.require_current()
        self._files = [f for f in self._files if keep_defaults and f.default]
        kept = {f.path for f in self._files}
        self._groups = [(g, ms) for g, ms in self._groups if set(ms) <= kept]
        self._reload()

    def _reload(self) -> None:
        spiceypy.reset()
        self._pool.replace(self, [f.path for f in self._files])
