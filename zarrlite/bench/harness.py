"""Timing loop, result checks and per-engine datasets of the benchmark."""

from __future__ import annotations

import gc
import math
import os
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zarrlite.bench.engines import Engine
from zarrlite.bench.options import SUFFIXES, TWO_LEVEL_ENGINES


class Wrong(AssertionError):
    """An engine returned data different from what was written."""


def check_equal(got: Any, expected: np.ndarray, what: str) -> None:
    """Raise `Wrong` unless `got` has the dtype, shape and values of `expected`.

    Examples
    --------
    >>> check_equal(np.arange(3), np.arange(3), "read")
    >>> check_equal(np.zeros(3, "i8"), np.arange(3), "read")
    Traceback (most recent call last):
    ...
    zarrlite.bench.harness.Wrong: read: 2 of 3 values differ
    """
    got = np.asarray(got)
    if got.shape != expected.shape or got.dtype != expected.dtype:
        raise Wrong(
            f"{what}: got {got.dtype}{got.shape}, expected {expected.dtype}{expected.shape}"
        )
    if not np.array_equal(got, expected):
        bad = int(np.count_nonzero(got != expected))
        raise Wrong(f"{what}: {bad} of {expected.size} values differ")


def check_same(got: list[bytes], expected: list[bytes]) -> None:
    """Raise `Wrong` unless the chunk files read back are the ones written."""
    if got != expected:
        raise Wrong("chunk files differ from what was written")


def _nothing(ctx: Any) -> None:
    pass


@dataclass
class Case:
    """One timed thing: prepare() -> ctx (untimed), run(ctx) (timed), check(ctx, result)."""

    run: Callable[[Any], Any]
    check: Callable[[Any, Any], None]
    prepare: Callable[[], Any] = lambda: None
    cleanup: Callable[[Any], None] = _nothing
    #: How many calls one run makes (the time reported is per call).
    calls: int = 1
    #: run() times itself and returns (seconds, result): for work checked piece by piece
    #: inside the run, where only the pieces are timed.
    self_timed: bool = False
    #: Flush the system's dirty pages before each run (for writes: so that the writeback
    #: of the round before does not land in this one).
    sync: bool = False
    #: run() may be called again on the same ctx: a round then runs it back to back as many
    #: times as fill MIN_ROUND_S (found in the warm-up round) and takes the mean, so that
    #: a short call is timed with the caches it has when called repeatedly, not cold.
    repeatable: bool = False


#: Seconds a round of a repeatable case lasts at least (at most MAX_LOOPS runs).
MIN_ROUND_S = 0.05
MAX_LOOPS = 1000


@dataclass
class Result:
    """The timings of one case, or why it has none: status ok, wrong, error or unsupported."""

    status: str = "ok"  # ok | wrong | error | unsupported
    detail: str = ""
    times_s: list[float] = field(default_factory=list)
    #: Highest resident memory during a timed run above what the process held just before
    #: it (Linux; None elsewhere or when not measured).
    peak_extra_bytes: int | None = None
    #: Runs per timed round (more than 1 for short repeatable calls: see Case.repeatable).
    loops: int = 1

    @property
    def median_s(self) -> float | None:
        """The median time in seconds; None unless the status is ok and there are times."""
        return statistics.median(self.times_s) if self.times_s and self.status == "ok" else None


def _time_once(case: Case, loops: int = 1) -> tuple[float, int | None]:
    """Prepare, run (timed; `loops` times back to back for a repeatable case) and check
    `case` once; its time in seconds per call, and the peak resident memory during the run
    above the level before it (None if unknown)."""
    ctx = case.prepare()
    if case.sync:
        os.sync()
    baseline = reset_peak_rss()
    t0 = time.perf_counter()
    for _ in range(loops):
        out = case.run(ctx)
    elapsed = (time.perf_counter() - t0) / loops
    if case.self_timed:
        elapsed, out = out
    peak = _status_bytes("VmHWM")  # before the check, whose temporaries are not the run's
    case.check(ctx, out)
    del out
    case.cleanup(ctx)
    extra = max(0, peak - baseline) if peak is not None and baseline is not None else None
    return elapsed / case.calls, extra


def time_cases(cases: dict[str, Case], repeat: int) -> dict[str, Result]:
    """Time every case: warm-up runs (see MAX_WARMUP), then `repeat` rounds, the cases
    taking turns in each.

    A case that raises stops being timed: `Wrong` makes it "wrong", ``NotImplementedError``
    "unsupported", any other exception "error"; the other cases go on. The garbage
    collector is off meanwhile (as in ``timeit``; garbage is collected after each round,
    outside the timing): a collection right before a short timed call leaves it with cold
    CPU caches, which made 0.3 ms reads take 0.8 ms.
    """
    results = {name: Result() for name in cases}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _rounds(cases, repeat, results)
    finally:
        if was_enabled:
            gc.enable()
    return results


#: Warm-up runs before the timed rounds: until two in a row agree within WARM_TOLERANCE, at
#: most MAX_WARMUP. A fresh process pays first-touch page faults and pool start-up for a
#: few runs (a full read of 256 MiB: 1150, 160, 115, then 83 ms).
MAX_WARMUP = 4
WARM_TOLERANCE = 0.15


def _attempt(case: Case, loops: int, res: Result) -> tuple[float, int | None] | None:
    """One run of `case`; None (with `res` marked) if it raised."""
    try:
        return _time_once(case, loops)
    except NotImplementedError as err:
        res.status, res.detail = "unsupported", str(err)
    except Wrong as err:
        res.status, res.detail = "wrong", str(err)
    except Exception as err:  # keep benchmarking the other engines
        res.status, res.detail = "error", f"{type(err).__name__}: {err}"
    return None


def _warm_up(case: Case, res: Result) -> int:
    """Warm `case` up (see MAX_WARMUP); the runs per timed round (see Case.repeatable)."""
    previous = None
    for _ in range(MAX_WARMUP):
        timed = _attempt(case, 1, res)
        if timed is None:
            return 1
        elapsed = timed[0]
        if previous is not None and abs(elapsed - previous) <= WARM_TOLERANCE * previous:
            break
        previous = elapsed
        gc.collect()
    if not case.repeatable:
        return 1
    # from the last (warm) run: the first of a fresh process can take 100 times longer
    return max(1, min(MAX_LOOPS, math.ceil(MIN_ROUND_S / max(elapsed * case.calls, 1e-7))))


def _rounds(cases: dict[str, Case], repeat: int, results: dict[str, Result]) -> None:
    loops = {name: _warm_up(case, results[name]) for name, case in cases.items()}
    for _ in range(repeat):
        for name, case in cases.items():
            res = results[name]
            if res.status != "ok":
                continue
            timed = _attempt(case, loops[name], res)
            if timed is None:
                continue
            elapsed, extra = timed
            res.times_s.append(elapsed)
            res.loops = loops[name]
            if extra is not None:
                res.peak_extra_bytes = max(res.peak_extra_bytes or 0, extra)
        gc.collect()


def _status_bytes(field_name: str) -> int | None:
    """A memory figure of this process from /proc/self/status (Linux), in bytes."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> int | None:
    """Reset this process's peak resident memory (VmHWM) to what it holds now; returns
    that, or None where the peak cannot be reset (not Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return None
    return _status_bytes("VmRSS")


class Dataset:
    """One logical array (its data saved once as ``ROOT/KEY.npy``) and each engine's copy
    of it on disk, at ``ROOT/KEY-ENGINE[.suffix]``.

    Parameters
    ----------
    key : str
        The dataset's name (A, B, W, T, S).
    chunks : tuple of int
        The chunk shape every engine stores it with.
    root : str
        The run's scratch directory.
    two_level : bool
        Whether engines with N-d blocks inside chunks use them (zarrlite's B2ND codec,
        python-blosc2); the others read the plain-Blosc copy of `plain_twin`.
    plain_twin : str or None
        The dataset with the same data and chunks in plain Blosc chunks (for a two-level one).
    """

    def __init__(self, key: str, chunks: tuple[int, ...], root: str, two_level: bool = False,
                 plain_twin: str | None = None) -> None:  # fmt: skip
        self.key, self.chunks, self.root = key, chunks, root
        self.two_level, self.plain_twin = two_level, plain_twin
        self.ready: set[str] = set()
        self.handles: dict[str, Any] = {}
        self._data: np.ndarray | None = None

    @property
    def data(self) -> np.ndarray:
        """The array's values (loaded from the run's scratch directory on first use)."""
        if self._data is None:
            self._data = np.load(self.data_path(self.root, self.key))
        return self._data

    @staticmethod
    def data_path(root: str, key: str) -> str:
        """Where dataset `key`'s values are saved."""
        return os.path.join(root, f"{key}.npy")

    def owner(self, engine: Engine) -> str:
        """The name of the engine whose copy `engine` reads."""
        return engine.reads_from or engine.name

    def path(self, engine: Engine) -> str:
        """Where `engine`'s copy lives (for a two-level dataset read by an engine without
        N-d blocks: the plain twin's copy)."""
        return self.path_of(self.owner(engine))

    def path_of(self, owner: str) -> str:
        """Where the copy written by the engine called `owner` lives."""
        key = self.key
        if self.two_level and self.plain_twin and owner not in TWO_LEVEL_ENGINES:
            key = self.plain_twin
        return os.path.join(self.root, f"{key}-{owner}{SUFFIXES.get(owner, '')}")

    def remove(self, engine: Engine) -> None:
        """Close and delete `engine`'s copy."""
        self.close(engine)
        path = self.path(engine)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)
        self.ready.discard(engine.name)

    def create(self, engine: Engine) -> Any:
        """A fresh, empty copy for `engine`; its handle."""
        self.remove(engine)
        return engine.create(self.path(engine), self.data.shape, self.chunks,
                             self.data.dtype.str, two_level=self.two_level)  # fmt: skip

    def ensure(self, engine: Engine) -> None:
        """Write this dataset with `engine` (untimed) unless that copy is there already."""
        if engine.name not in self.ready and not os.path.exists(self.path(engine)):
            handle = self.create(engine)
            engine.write(handle, self.data)
            engine.close(handle)
        self.ready.add(engine.name)

    def handle(self, engine: Engine) -> Any:
        """A read handle, opened once (untimed) and reused by the read workloads."""
        if engine.name not in self.handles:
            self.handles[engine.name] = engine.open_for_reading(self.path(engine))
        return self.handles[engine.name]

    def close(self, engine: Engine) -> None:
        """Close `engine`'s read handle, if open."""
        handle = self.handles.pop(engine.name, None)
        if handle is not None:
            engine.close(handle)


def load_chunks(path: str) -> tuple[list[tuple[int, ...]], list[bytes]]:
    """The chunk files of a 2-d array in a directory store, in C order of chunk coords."""
    names = [n for n in os.listdir(path) if not n.startswith(".")]
    coords = sorted(tuple(int(p) for p in n.split(".")) for n in names)
    cdatas = []
    for c in coords:
        with open(os.path.join(path, f"{c[0]}.{c[1]}"), "rb") as f:
            cdatas.append(f.read())
    return coords, cdatas
