"""Allows ``python -m perijove`` to behave exactly like the ``perijove`` command."""

import sys

from perijove.cli import main

sys.exit(main())
