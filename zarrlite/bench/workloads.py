"""The workloads: write, read, points, open, and the floors, run against every engine."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from zarrlite.bench import floors
from zarrlite.bench.data import Sizes, make_float_data, make_int_data
from zarrlite.bench.engines import Engine
from zarrlite.bench.harness import Case, Dataset, Result, Wrong, check_equal, time_cases
from zarrlite.bench.options import WORKLOADS
from zarrlite.bench.report import fmt_time

#: The dataset each workload uses, and the last workload that uses it (then it is deleted).
LAST_USE = {"A": "points", "W": "window", "B": "B_files"}


class Bench:
    """One benchmark run: the engines, the datasets on disk and the results so far.

    Parameters
    ----------
    sizes : Sizes
        Shapes, chunks and call counts.
    engines : list of Engine
        Set up already.
    repeat : int
        Timed rounds per measurement.
    root : str
        An empty directory for the stores (the caller removes it).
    """

    def __init__(self, sizes: Sizes, engines: list[Engine], repeat: int, root: str) -> None:
        self.sizes, self.engines, self.repeat, self.root = sizes, engines, repeat, root
        self.results: dict[str, dict[str, Result]] = {}
        self.info: dict[str, Any] = {}
        self.skipped: list[str] = []  # workloads left out, and why
        self._data: dict[str, Dataset] = {}
        self._float: np.ndarray | None = None  # A's data, shared by the window array W

    def dataset(self, key: str) -> Dataset:
        """Dataset A, B or W, made on first use."""
        if key not in self._data:
            s = self.sizes
            if key == "B":
                self._data[key] = Dataset(key, make_int_data(s.b_shape), s.b_chunks, self.root)
            else:
                if self._float is None:
                    self._float = make_float_data(s.a_shape)
                chunks = s.w_chunks if key == "W" else s.a_chunks
                self._data[key] = Dataset(key, self._float, chunks, self.root)
        return self._data[key]

    def engine(self, name: str) -> Engine | None:
        """The engine called `name`, if it takes part."""
        return next((e for e in self.engines if e.name == name), None)

    def record(self, workload: str, results: dict[str, Result]) -> None:
        """Keep `results` and show each on stderr as it comes."""
        self.results.setdefault(workload, {}).update(results)
        for name, res in results.items():
            med = res.median_s
            shown = fmt_time(med) if med is not None else f"{res.status}: {res.detail}"
            print(f"  {workload:13s} {name:28s} {shown}", file=sys.stderr, flush=True)

    def skip(self, workload: str, why: str) -> None:
        """Leave `workload` out, saying why."""
        self.skipped.append(f"{workload}: {why}")
        print(f"  {workload:13s} skipped: {why}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ workloads
    def run_write(self, workload: str, key: str) -> None:
        """Time writing the whole dataset `key` into a fresh array, per engine."""
        ds = self.dataset(key)
        cases = {e.name: self._write_case(ds, e) for e in self.engines}
        self.record(workload, time_cases(cases, self.repeat))
        for e in self.engines:
            if self.results[workload][e.name].status == "ok":
                ds.ready.add(e.name)
            else:
                ds.remove(e)
        self.info.setdefault("stored_nbytes", {})[key] = {
            e.name: e.stored_nbytes(ds.path(e)) for e in self.engines if e.name in ds.ready
        }

    @staticmethod
    def _write_case(ds: Dataset, e: Engine) -> Case:
        """Create (untimed), write the whole array (timed), reopen and read back (untimed)."""

        def check(handle: Any, _out: Any) -> None:
            e.close(handle)
            reopened = e.open(ds.path(e))
            try:
                check_equal(e.read(reopened, Ellipsis), ds.data, "read-back after write")
            finally:
                e.close(reopened)

        return Case(prepare=lambda: ds.create(e), run=lambda h: e.write(h, ds.data), check=check)

    def run_read(self, workload: str, key: str, selection: Any) -> None:
        """Time reading `selection` of dataset `key`, per engine (opened once, untimed)."""
        ds = self.dataset(key)
        expected = ds.data[selection]
        cases = {}
        for e in self.engines:
            cases[e.name] = self._read_case(ds, e, selection, expected, workload)
            ds.handle(e)  # open before timing
        zl, zarr = self.engine("zarrlite"), self.engine("zarr")
        if workload == "A_read" and zl and zarr:
            # zarrlite reading the chunks zarr-python wrote (their Blosc block sizes may differ)
            ds.ensure(zarr)
            other = zl.open(ds.path(zarr))
            cases["zarrlite@zarr-store"] = Case(
                run=lambda _c: zl.read(other, selection),
                check=lambda _c, out: check_equal(out, expected, "zarrlite on zarr's store"),
            )
        self.record(workload, time_cases(cases, self.repeat))

    def run_points(self) -> None:
        """Time reading random (row, col) points of A, per engine."""
        ds = self.dataset("A")
        rng = np.random.default_rng(1234)
        rows = rng.integers(0, ds.data.shape[0], self.sizes.npoints)
        cols = rng.integers(0, ds.data.shape[1], self.sizes.npoints)
        expected = ds.data[rows, cols]
        cases = {e.name: self._points_case(ds, e, rows, cols, expected) for e in self.engines}
        self.record("points", time_cases(cases, self.repeat))

    @staticmethod
    def _points_case(
        ds: Dataset, e: Engine, rows: np.ndarray, cols: np.ndarray, expected: np.ndarray
    ) -> Case:
        """Read the (row, col) points through `e`'s read handle of `ds` (timed) and compare."""
        return Case(
            run=lambda _c: e.points(ds.handle(e), rows, cols),
            check=lambda _c, out: check_equal(out, expected, "points"),
        )

    @staticmethod
    def _read_case(ds: Dataset, e: Engine, selection: Any, expected: Any, what: str) -> Case:
        """Read `selection` through `e`'s read handle of `ds` (timed), compare with `expected`."""
        return Case(
            run=lambda _c: e.read(ds.handle(e), selection),
            check=lambda _c, out: check_equal(out, expected, what),
        )

    def run_open(self) -> None:
        """Time single opens of A: 20 warm-up calls, then `open_calls` spread over the rounds."""
        ds = self.dataset("A")
        for e in self.engines:
            ds.ensure(e)
        calls = self.sizes.open_calls
        rounds = max(1, self.repeat)
        results = {e.name: Result() for e in self.engines}
        for rnd in range(rounds + 1):  # round 0: warm-up of 20 calls
            for e in self.engines:
                res = results[e.name]
                if res.status != "ok":
                    continue
                n = 20 if rnd == 0 else -(-calls // rounds)
                try:
                    res.times_s += [t for t in self._time_opens(ds, e, n) if rnd]
                except Wrong as err:
                    res.status, res.detail = "wrong", str(err)
                except Exception as err:
                    res.status, res.detail = "error", f"{type(err).__name__}: {err}"
        self.record("C_open", results)

    def _time_opens(self, ds: Dataset, e: Engine, n: int) -> list[float]:
        path, times = ds.path(e), []
        gc.collect()
        for _ in range(n):
            t0 = time.perf_counter()
            handle = e.open(path)
            times.append(time.perf_counter() - t0)
            shape, dtype = e.describe(handle)
            if shape != ds.data.shape or dtype != ds.data.dtype:
                raise Wrong(f"open: got {dtype}{shape}, expected {ds.data.dtype}{ds.data.shape}")
            e.close(handle)
        return times

    def run_floor(self, workload: str) -> None:
        """The reference measurements, from the chunk files zarrlite wrote."""
        zl = self.engine("zarrlite")
        if zl is None:
            self.skip(workload, "needs the zarrlite engine")
        elif workload == "A_decompress":
            try:
                results = floors.decompress(self.dataset("A"), zl, self.repeat)
            except ImportError as err:
                self.skip(workload, f"needs numcodecs ({err})")
            else:
                self.record(workload, results)
        else:
            self.record(workload, floors.files(self.dataset("B"), zl, self.repeat, self.root))

    # ------------------------------------------------------------------ the run
    def steps(self) -> dict[str, Callable[[], None]]:
        """Each workload's name and what runs it."""
        s = self.sizes
        window = tuple(slice(p, p + s.window) for p in s.window_start)
        return {
            "A_write": lambda: self.run_write("A_write", "A"),
            "A_read": lambda: self.run_read("A_read", "A", Ellipsis),
            "A_decompress": lambda: self.run_floor("A_decompress"),
            "C_open": self.run_open,
            "column": lambda: self.run_read("column", "A", (slice(None), s.column)),
            "points": self.run_points,
            "window": lambda: self.run_read("window", "W", window),
            "B_write": lambda: self.run_write("B_write", "B"),
            "B_read": lambda: self.run_read("B_read", "B", Ellipsis),
            "B_files": lambda: self.run_floor("B_files"),
        }

    def run(self, selected: tuple[str, ...]) -> None:
        """Run the `selected` workloads in the order of `WORKLOADS`."""
        steps = self.steps()
        for name in WORKLOADS:
            if name in selected:
                print(f"[{name}]", file=sys.stderr, flush=True)
                steps[name]()
            for key, last in LAST_USE.items():  # free disk and handles early
                if key in self._data and WORKLOADS.index(name) >= WORKLOADS.index(last):
                    self.close(key)

    def close(self, key: str | None = None) -> None:
        """Close and delete dataset `key` (default: every one) for every engine."""
        for k in [key] if key else list(self._data):
            ds = self._data.pop(k)
            for e in self.engines:
                ds.remove(e)
