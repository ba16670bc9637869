#!/usr/bin/env python
"""Time zarrlite against zarr-python 3, tensorstore and h5py on the same data in one run.

Usage::

    python benchmarks/bench.py [--quick] [--only NAME[,NAME...]] [--engines NAME[,NAME...]]
                               [--repeat N] [--json FILE] [--tmpdir DIR]

The same as ``zarrlite bench`` and ``python -m zarrlite.bench``: the suite lives in the
installed package (``zarrlite/bench/``), so this runs against the installed zarrlite, editable
or not. ``--help`` lists the options; the docstring of ``zarrlite.bench`` and
``benchmarks/README.md`` describe the workloads, the engines and the fairness rules.
"""

import sys

from zarrlite.bench import main

if __name__ == "__main__":
    sys.exit(main())
