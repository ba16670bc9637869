"""Timing loop, result checks and per-engine datasets for ``bench.py``."""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import engines as eng
import numpy as np


class Wrong(AssertionError):
    """An engine returned data different from what was written."""


def check_equal(got: Any, expected: np.ndarray, what: str) -> None:
    got = np.asarray(got)
    if got.shape != expected.shape or got.dtype != expected.dtype:
        raise Wrong(
            f"{what}: got {got.dtype}{got.shape}, expected {expected.dtype}{expected.shape}"
        )
    if not np.array_equal(got, expected):
        bad = int(np.count_nonzero(got != expected))
        raise Wrong(f"{what}: {bad} of {expected.size} values differ")


@dataclass
class Case:
    """One timed thing: prepare() -> ctx (untimed), run(ctx) (timed), check(ctx, result)."""

    run: Callable[[Any], Any]
    check: Callable[[Any, Any], None]
    prepare: Callable[[], Any] = lambda: None
    cleanup: Callable[[Any], None] = lambda ctx: None


@dataclass
class Result:
    status: str = "ok"  # ok | wrong | error | unsupported
    detail: str = ""
    times_s: list[float] = field(default_factory=list)

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.times_s) if self.times_s and self.status == "ok" else None


def time_cases(cases: dict[str, Case], repeat: int) -> dict[str, Result]:
    """Warm-up round, then `repeat` rounds; the cases are interleaved inside each round."""
    results = {name: Result() for name in cases}
    for rnd in range(repeat + 1):
        for name, case in cases.items():
            res = results[name]
            if res.status != "ok":
                continue
            try:
                ctx = case.prepare()
                os.sync()  # flush earlier writes so their writeback does not land in this timing
                gc.collect()
                t0 = time.perf_counter()
                out = case.run(ctx)
                elapsed = time.perf_counter() - t0
                case.check(ctx, out)
                del out
                case.cleanup(ctx)
            except NotImplementedError as err:
                res.status, res.detail = "unsupported", str(err)
                continue
            except Wrong as err:
                res.status, res.detail = "wrong", str(err)
                continue
            except Exception as err:  # keep benchmarking the other engines
                res.status, res.detail = "error", f"{type(err).__name__}: {err}"
                continue
            if rnd:
                res.times_s.append(elapsed)
    return results


class Dataset:
    """One logical array (its data in RAM) and each engine's copy of it on disk."""

    def __init__(self, key: str, data: np.ndarray, chunks: tuple[int, ...], root: str) -> None:
        self.key, self.data, self.chunks, self.root = key, data, chunks, root
        self.ready: set[str] = set()
        self.handles: dict[str, Any] = {}

    def path(self, engine: eng.Engine) -> str:
        return os.path.join(
            self.root, f"{self.key}-{engine.name}" + (".h5" if engine.name == "h5py" else "")
        )

    def remove(self, engine: eng.Engine) -> None:
        self.close(engine)
        path = self.path(engine)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)
        self.ready.discard(engine.name)

    def create(self, engine: eng.Engine) -> Any:
        self.remove(engine)
        return engine.create(self.path(engine), self.data.shape, self.chunks, self.data.dtype.str)

    def ensure(self, engine: eng.Engine) -> None:
        """Write this dataset with `engine` (untimed) unless a write workload already did."""
        if engine.name not in self.ready:
            handle = self.create(engine)
            engine.write(handle, self.data)
            engine.close(handle)
            self.ready.add(engine.name)

    def handle(self, engine: eng.Engine) -> Any:
        """A read handle, opened once (untimed) and reused by the read workloads."""
        self.ensure(engine)
        if engine.name not in self.handles:
            self.handles[engine.name] = engine.open(self.path(engine))
        return self.handles[engine.name]

    def close(self, engine: eng.Engine) -> None:
        handle = self.handles.pop(engine.name, None)
        if handle is not None:
            engine.close(handle)


def check_same(got: list[bytes], expected: list[bytes]) -> None:
    if got != expected:
        raise Wrong("chunk files differ from what was written")


def load_chunks(path: str) -> tuple[list[tuple[int, int]], list[bytes]]:
    """The chunk files of a 2-d array in a directory store, in C order of chunk coords."""
    names = [n for n in os.listdir(path) if not n.startswith(".")]
    coords = sorted(tuple(int(p) for p in n.split(".")) for n in names)
    cdatas = []
    for c in coords:
        with open(os.path.join(path, f"{c[0]}.{c[1]}"), "rb") as f:
            cdatas.append(f.read())
    return coords, cdatas
