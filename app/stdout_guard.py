"""The command line's standard output, as a stream whose failures end the command in one line.

``perijove events | head -1`` closes the pipe early; Python then raised ``BrokenPipeError`` from
a ``print`` deep in a command, reported as an internal error, and again at exit. Output to a full
disk raised a bare ``OSError``. Here a write that fails is told apart from every other error: a
closed pipe ends the command quietly, as it ends any Unix tool, and any other failure is the
one-line error every bad input gets.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from perijove.fileio import describe_os_error


class OutputFailed(Exception):
    """Standard output could not be written (not a closed pipe): the message is the one line to show."""


class GuardedStdout:
    """Delegates to the real stream; a failed write or flush raises ``OutputFailed`` (or lets
    ``BrokenPipeError`` through, for ``quiet_exit``)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def _guard(self, call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as err:
            raise OutputFailed(describe_os_error("standard output", err)) from None

    def write(self, text: str) -> int:
        return self._guard(self._stream.write, text)

    def flush(self) -> None:
        self._guard(self._stream.flush)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def guard() -> TextIO | None:
    """Put the guard on ``sys.stdout``; the stream it replaced (to put back), or None."""
    if sys.stdout is None or isinstance(sys.stdout, GuardedStdout):
        return None
    stream = sys.stdout
    sys.stdout = GuardedStdout(stream)
    return stream


def quiet_exit(broken: TextIO | None) -> int:
    """After a closed pipe: nothing more is written there (Python flushes stdout again at exit),
    and the status a tool stopped by SIGPIPE has. Only the process's own standard output is
    pointed at the null device, and only when it is the stream that broke: a host that called
    ``main`` with another stream keeps its output."""
    if broken is not None and broken is sys.__stdout__:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.__stdout__.fileno())
        except (OSError, AttributeError, ValueError):
            pass
        finally:
            os.close(devnull)
    return 141
