"""Entry point of the frozen application (PyInstaller): the same ``perijove`` command."""

import multiprocessing
import os
import sys

from perijove.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # event searches and exports run in spawned child processes
    # Windows' windowed executable has no console: printing would fail, so text goes nowhere.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 (lives as long as the process)
    # Older macOS passes the .app a process serial number argument: not ours to parse.
    sys.exit(main([arg for arg in sys.argv[1:] if not arg.startswith("-psn_")]))
