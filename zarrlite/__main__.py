"""``python -m zarrlite``: the ``zarrlite`` command (see `zarrlite.cli`)."""

import sys

from zarrlite.cli import main

if __name__ == "__main__":
    sys.exit(main())
