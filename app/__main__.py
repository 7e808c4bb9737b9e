"""Allows ``python -m perijove`` to behave exactly like the ``perijove`` command."""

import sys

if __name__ == "__main__":  # guarded: worker processes re-import the main module
    try:
        from perijove.cli import main
    except KeyboardInterrupt:  # Ctrl-C before the command line is even read
        print("perijove: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
