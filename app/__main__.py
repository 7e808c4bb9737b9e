"""Allows ``python -m perijove`` to behave exactly like the ``perijove`` command."""

import sys

from perijove.cli import main

if __name__ == "__main__":  # guarded: worker processes re-import the main module
    sys.exit(main())
