"""The one atomic-write helper and the one file digest the application shares."""

from __future__ import annotations

import hashlib
import os

import pytest

from perijove.ephemeris import PerijoveError
from perijove.fileio import atomic_write, partial_path, sha256_file


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path):
    out = tmp_path / "plot.png"
    out.write_bytes(b"old")

    def half_then_fail(handle):
        handle.write(b"half of a new file")
        raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError, match="drawing failed"):
        atomic_write(out, half_then_fail)
    assert out.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["plot.png"]
    atomic_write(out, lambda handle: handle.write(b"new"))
    assert out.read_bytes() == b"new" and not partial_path(out).exists()


def test_file_system_errors_are_one_line_perijove_errors(tmp_path):
    with pytest.raises(PerijoveError, match=r"cannot write \(No such file or directory\)") as info:
        atomic_write(tmp_path / "missing" / "a.png", lambda handle: handle.write(b"x"))
    assert "\n" not in str(info.value) and "missing" in str(info.value)
    (tmp_path / "a_folder").mkdir()
    with pytest.raises(PerijoveError, match="a_folder: is a folder"):
        atomic_write(tmp_path / "a_folder", lambda handle: handle.write(b"x"))
    assert sorted(os.listdir(tmp_path)) == ["a_folder"]


def test_partials_carry_the_name_the_export_cleaner_knows(tmp_path):
    from perijove.export.sinks import PARTIAL_RE

    match = PARTIAL_RE.match(partial_path(tmp_path / "frame.png").name)
    assert match and match["name"] == "frame.png" and int(match["pid"]) == os.getpid()


def test_sha256_streams_a_file_larger_than_one_block(tmp_path):
    data = os.urandom(3 * (1 << 20) + 17)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    # Oracle: hashlib over the whole bytes at once.
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert sha256_file(tmp_path / "blob.bin") == sha256_file(str(path))
