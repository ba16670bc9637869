"""The benchmark's command-line options and the names they accept (no peer is imported here)."""

from __future__ import annotations

import argparse

#: Every workload, in the order they run (``--only`` takes these names or prefixes of them).
WORKLOADS = (
    "A_write",
    "A_read",
    "A_limits",
    "C_open",
    "column",
    "band",
    "window",
    "window_b2nd",
    "points",
    "points_sparse",
    "sliding",
    "scalar",
    "B_write",
    "B_read",
    "B_files",
)

#: Engine name (as ``--engines`` takes it) -> the label shown in the table.
LABELS = {
    "zarrlite": "zarrlite",
    "zarr": "zarr-python 3",
    "tensorstore": "tensorstore",
    "h5py": "h5py+Blosc",
    "blosc2": "python-blosc2",
    "zarr2": "zarr-python 2",
}

#: The cell name that writes an engine's copy of a workload's dataset (untimed).
PREPARE = "@prepare"

#: File name suffixes of the engines whose copies are single files.
SUFFIXES = {"h5py": ".h5", "blosc2": ".b2nd"}
#: Engines that store a two-level dataset with N-d blocks inside its chunks.
TWO_LEVEL_ENGINES = frozenset({"zarrlite", "blosc2"})

#: Every engine, zarrlite first; the others are the peers.
ENGINE_NAMES = tuple(LABELS)
PEERS = ENGINE_NAMES[1:]


def workload_list(text: str) -> tuple[str, ...]:
    """Parse ``--only``: comma-separated workload names or prefixes, case-sensitive.

    Parameters
    ----------
    text : str
        For example ``"A_read,C_"``; ``"A"`` stands for every workload starting with A.

    Returns
    -------
    tuple of str
        The chosen workloads, in the order they run.

    Raises
    ------
    argparse.ArgumentTypeError
        If a name is the prefix of no workload, or none is given.

    Examples
    --------
    >>> workload_list("B_r,C")
    ('C_open', 'B_read')
    """
    chosen: set[str] = set()
    for token in (t.strip() for t in text.split(",") if t.strip()):
        hits = [w for w in WORKLOADS if w.startswith(token)]
        if not hits:
            raise argparse.ArgumentTypeError(
                f"unknown workload {token!r}; choose from {', '.join(WORKLOADS)}"
            )
        chosen.update(hits)
    if not chosen:
        raise argparse.ArgumentTypeError(f"no workload named; choose from {', '.join(WORKLOADS)}")
    return tuple(w for w in WORKLOADS if w in chosen)


def engine_list(text: str) -> tuple[str, ...]:
    """Parse ``--engines``: comma-separated engine names.

    Parameters
    ----------
    text : str
        For example ``"zarrlite,h5py"``.

    Returns
    -------
    tuple of str
        The named engines, in the order of `ENGINE_NAMES`.

    Raises
    ------
    argparse.ArgumentTypeError
        If a name is not an engine, or none is given.

    Examples
    --------
    >>> engine_list("h5py, zarrlite")
    ('zarrlite', 'h5py')
    """
    names = {t.strip() for t in text.split(",") if t.strip()}
    unknown = sorted(names - set(ENGINE_NAMES))
    if unknown or not names:
        what = f"unknown engine {unknown[0]!r}" if unknown else "no engine named"
        raise argparse.ArgumentTypeError(f"{what}; choose from {','.join(ENGINE_NAMES)}")
    return tuple(n for n in ENGINE_NAMES if n in names)


def positive_int(text: str) -> int:
    """Parse ``--repeat``: an integer of at least 1.

    Examples
    --------
    >>> positive_int("3")
    3
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options to `parser`: ``zarrlite bench``, ``python -m zarrlite.bench``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        Gets ``--quick``, ``--only``, ``--engines``, ``--repeat``, ``--json`` and ``--tmpdir``;
        `zarrlite.bench.run` takes the namespace it parses.
    """
    parser.add_argument(
        "--quick", action="store_true", help="small arrays, 2 repeats: a smoke test of seconds"
    )
    parser.add_argument(
        "--only",
        type=workload_list,
        metavar="NAME[,NAME...]",
        help=f"run only these workloads (names or prefixes): {', '.join(WORKLOADS)}",
    )
    parser.add_argument(
        "--engines",
        type=engine_list,
        metavar="NAME[,NAME...]",
        help=f"engines to time, of {','.join(ENGINE_NAMES)} (default: every one installed; "
        "a named one that is not installed is an error)",
    )
    parser.add_argument(
        "--repeat",
        type=positive_int,
        metavar="N",
        help="timed rounds per measurement (default 5; 2 with --quick)",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        metavar="N",
        help="cells timed at the same time (default 1; 2 with --quick, whose figures are a "
        "smoke test only)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write every timing to this JSON file")
    parser.add_argument(
        "--zarr2-python",
        metavar="PYTHON",
        help="an interpreter with zarr-python 2 installed: times zarr 2 (opening, partial "
        "decompression) too; benchmarks/run.py makes one",
    )
    parser.add_argument(
        "--tmpdir",
        metavar="DIR",
        help="parent directory for the stores (default: the system's temporary directory)",
    )
