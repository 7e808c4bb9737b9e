"""Writing a file so no reader ever sees half of it, and naming a file by its bytes.

One place for both, because each copy drifted: the partials of a killed process must carry the one name
``.NAME.partial-PID`` that ``perijove.export.sinks`` recognises and cleans up, and a file's digest must be
streamed so a 134 MB kernel is never read into memory at once.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from perijove.ephemeris.errors import PerijoveError


def describe_os_error(path: Path, err: OSError) -> str:
    """One line for people: what went wrong with ``path``, without the errno jargon."""
    if err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"{path}: the disk is full"
    if err.errno == errno.EROFS:
        return f"{path}: the file system is read-only"
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"{path}: not allowed to write here"
    if err.errno == errno.EFBIG:
        return f"{path}: the file grew larger than this file system (or a limit) allows"
    if err.errno == errno.EISDIR:
        return f"{path}: is a folder"
    return f"{path}: cannot write ({' '.join(str(err.strerror or err).split())})"


def partial_path(path: Path) -> Path:
    """The hidden partial beside ``path`` this process writes first (``.NAME.partial-PID``)."""
    return path.parent / f".{path.name}.partial-{os.getpid()}"


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(handle)`` on a partial beside ``path`` and move it into place only when complete.

    A failure (a full disk, a read-only folder, an exception in ``write``) leaves ``path`` as it was
    and no partial behind; file-system errors become one-line ``PerijoveError``s.
    """
    path = Path(path)
    tmp = partial_path(path)
    try:
        tmp.unlink(missing_ok=True)  # ours: same name, same process id
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as err:
        raise PerijoveError(describe_os_error(path, err)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise PerijoveError(describe_os_error(path, err)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
