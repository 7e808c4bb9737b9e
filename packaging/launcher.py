"""Entry point of the frozen application (PyInstaller): the same ``perijove`` command."""

import multiprocessing
import sys

from perijove.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # event searches and exports run in spawned child processes
    sys.exit(main())
