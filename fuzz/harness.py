"""Run one fuzz target under atheris: ``python fuzz/harness.py TARGET [libFuzzer flags]
[corpus dirs]``. fuzz/run.py calls this; use it directly to replay or minimize an input
(``-runs=0 FILE``, ``-minimize_crash=1 FILE``).

zarrlite's Python modules and the targets are instrumented for coverage; the C decoders
are not (no clang here), but every input goes through them.
"""

from __future__ import annotations

import os
import sys

import atheris

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # for `fuzz`

with atheris.instrument_imports(include=["zarrlite", "fuzz"]):
    from fuzz import contract
    from fuzz.targets import TARGETS

# counters for the features the targets note (what the uninstrumented C core did)
_COUNTERS = [atheris._reserve_counter() for _ in range(contract.FEATURE_SLOTS)]
contract.feature_hook = lambda slot: atheris._trace_branch(_COUNTERS[slot])


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: harness.py TARGET [libFuzzer flags] [corpus...]; targets: "
                 f"{', '.join(TARGETS)}")
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
