"""``python -m zarrlite.bench``: the benchmark suite (see `zarrlite.bench`)."""

import sys

from zarrlite.bench import main

if __name__ == "__main__":
    sys.exit(main())
