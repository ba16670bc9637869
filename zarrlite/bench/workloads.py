"""The workloads: each is a set of cells (one per engine, or per limit case) that the
parent process prepares data for and a fresh process times (`zarrlite.bench.cell`)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from zarrlite.bench import floors
from zarrlite.bench.data import Sizes, make_float_data, make_int_data
from zarrlite.bench.engines import Engine
from zarrlite.bench.harness import Case, Dataset, Result, Wrong, check_equal
from zarrlite.bench.options import PREPARE, WORKLOADS
from zarrlite.bench.report import fmt_time

#: Each workload's dataset.
DATASET = {
    "A_write": "A", "A_read": "A", "A_limits": "A", "C_open": "A", "points": "A",
    "sliding": "A", "column": "W", "band": "W", "window": "W", "window_b2nd": "T",
    "points_sparse": "T", "scalar": "S", "B_write": "B", "B_read": "B", "B_files": "B",
}  # fmt: skip
#: The engines that take part in each workload (when installed); the others take all
#: engines but zarr-python 2, which only reads (and is timed where partial decompression
#: or opening is the question).
ENGINES_OF = {
    "A_write": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2"),
    "A_read": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2", "zarr2"),
    "C_open": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2", "zarr2"),
    "column": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2", "zarr2"),
    "band": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2", "zarr2"),
    "window": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2", "zarr2"),
    "window_b2nd": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2"),
    "points": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2"),
    "points_sparse": ("zarrlite", "zarr", "tensorstore", "h5py", "blosc2"),
    "sliding": ("zarrlite",),
    "scalar": ("zarrlite", "h5py"),
    "B_write": ("zarrlite", "zarr", "tensorstore", "h5py"),
    "B_read": ("zarrlite", "zarr", "tensorstore", "h5py"),
}
#: Cells that are not an engine's plain run: zarrlite variants.
EXTRA_CELLS = {
    "A_read": ("zarrlite@zarr-store",),
    "sliding": ("zarrlite:cache-off", "zarrlite:cache-cold"),
    "scalar": ("zarrlite:cache-off",),
}
#: Bytes of the decoded-chunk cache where the cache is on.
CACHE_NBYTES = 256 << 20


class Bench:
    """One benchmark run: the engines, the datasets on disk and the results so far.

    Parameters
    ----------
    sizes : Sizes
        Shapes, chunks and call counts.
    engines : list of Engine
        Set up already (in the parent: every engine taking part; in a cell: the one timed).
    repeat : int
        Timed rounds per measurement.
    root : str
        The directory for the stores and the saved data (the parent removes it).
    spawn : callable or None
        ``spawn(workload, cell, engine_name) -> Result``: times a cell in a fresh process.
        None in the cell process itself.
    jobs : int
        Cells of one workload timed at the same time (1 for figures worth comparing).
    """

    def __init__(self, sizes: Sizes, engines: list[Engine], repeat: int, root: str,
                 spawn: Callable[[str, str, str], Result] | None = None,
                 jobs: int = 1) -> None:  # fmt: skip
        self.sizes, self.engines, self.repeat, self.root = sizes, engines, repeat, root
        self.spawn, self.jobs = spawn, jobs
        self.results: dict[str, dict[str, Result]] = {}
        self.info: dict[str, Any] = {}
        self.skipped: list[str] = []  # workloads left out, and why
        self._data: dict[str, Dataset] = {}

    # ------------------------------------------------------------------ data
    def dataset(self, key: str) -> Dataset:
        """Dataset A, B, W, T or S."""
        if key not in self._data:
            s = self.sizes
            chunks = {"A": s.a_chunks, "B": s.b_chunks, "W": s.w_chunks, "T": s.w_chunks,
                      "S": s.s_chunks}[key]  # fmt: skip
            self._data[key] = Dataset(key, chunks, self.root, two_level=key == "T",
                                      plain_twin="W" if key == "T" else None)  # fmt: skip
        return self._data[key]

    def save_data(self) -> None:
        """Make every dataset's values once and save them for the cells (parent only)."""
        s = self.sizes
        floats = make_float_data(s.a_shape)
        for key, values in (("A", floats), ("W", floats), ("T", floats),
                            ("B", make_int_data(s.b_shape)),
                            ("S", make_float_data(s.s_shape))):  # fmt: skip
            np.save(Dataset.data_path(self.root, key), values)

    def engine(self, name: str) -> Engine | None:
        """The engine called `name`, if it takes part."""
        return next((e for e in self.engines if e.name == name), None)

    # ------------------------------------------------------------------ cells
    def cells(self, workload: str) -> list[tuple[str, str]]:
        """The cells of `workload` as (cell name, engine that runs it), in table order."""
        if workload in floors.LIMIT_CASES:
            if self.engine("zarrlite") is None:
                return []
            return [(name, "zarrlite") for name in floors.LIMIT_CASES[workload]]
        taking_part = [e.name for e in self.engines if e.name in ENGINES_OF[workload]]
        out = [(name, name) for name in taking_part]
        if "zarrlite" in taking_part:
            for extra in EXTRA_CELLS.get(workload, ()):
                if extra != "zarrlite@zarr-store" or "zarr" in taking_part:
                    out.append((extra, "zarrlite"))
        return out

    def copies_needed(self, workload: str) -> list[str]:
        """The engines whose copy of the workload's dataset its cells read."""
        if workload.endswith("_write"):
            return []
        names: list[str] = []
        for cell, engine_name in self.cells(workload):
            engine = self.engine("zarr" if cell == "zarrlite@zarr-store" else engine_name)
            if engine is not None and engine.reads_from is not None:
                engine = self.engine(engine.reads_from)
            if engine is not None and engine.name not in names:
                names.append(engine.name)
        return names

    def prepare(self, workload: str) -> list[str]:
        """Write (untimed, each in a process of its own) the copies the cells of `workload`
        read that are not there yet; the problems, as lines (parent only)."""
        assert self.spawn is not None
        ds = self.dataset(DATASET[workload])
        problems = []
        for name in self.copies_needed(workload):
            engine = self.engine(name)
            if engine is None or os.path.exists(ds.path(engine)):
                continue
            res = self.spawn(workload, PREPARE, name)
            if res.status != "ok":
                problems.append(f"writing {ds.key} with {name}: {res.detail}")
        return problems

    def write_copy(self, workload: str, engine: Engine) -> None:
        """Write `engine`'s copy of the dataset of `workload` (in a cell process)."""
        self.dataset(DATASET[workload]).ensure(engine)

    def case(self, workload: str, cell: str) -> Case:
        """The case of one cell, built in the process that times it."""
        ds = self.dataset(DATASET[workload])
        s = self.sizes
        if workload in floors.LIMIT_CASES:
            zl = self.engine("zarrlite")
            assert zl is not None
            return floors.limit_case(workload, cell, ds, ds.path(zl), self.root)
        engine = self.engine(cell.split(":")[0].split("@")[0])
        assert engine is not None, cell
        if workload.endswith("_write"):
            return _write_case(ds, engine)
        if workload == "C_open":
            return _open_case(ds, engine, s.open_calls // max(1, self.repeat))
        if workload in ("points", "points_sparse"):
            n = s.npoints if workload == "points" else s.sparse_points
            return _points_case(ds, engine, n)
        if workload == "sliding":
            return _sliding_case(ds, engine, s, cell)
        if workload == "scalar":
            return _scalar_case(ds, engine, s, cell)
        if cell == "zarrlite@zarr-store":
            handle = engine.open(ds.path_of("zarr"))
            return _read_case(ds, engine, Ellipsis, handle)
        return _read_case(ds, engine, self.selection(workload), ds.handle(engine))

    def selection(self, workload: str) -> Any:
        """The basic selection a read workload takes."""
        s = self.sizes
        if workload == "column":
            return (slice(None), s.column)
        if workload == "band":
            return (slice(s.band_start, s.band_start + s.band_rows), slice(None))
        if workload in ("window", "window_b2nd"):
            return tuple(slice(p, p + s.window) for p in s.window_start)
        return Ellipsis

    # ------------------------------------------------------------------ the run
    def record(self, workload: str, cell: str, res: Result) -> None:
        """Keep `res` and show it on stderr."""
        self.results.setdefault(workload, {})[cell] = res
        med = res.median_s
        shown = fmt_time(med) if med is not None else f"{res.status}: {res.detail}"
        print(f"  {workload:13s} {cell:30s} {shown}", file=sys.stderr, flush=True)

    def skip(self, workload: str, why: str) -> None:
        """Leave `workload` out, saying why."""
        self.skipped.append(f"{workload}: {why}")
        print(f"  {workload:13s} skipped: {why}", file=sys.stderr, flush=True)

    def run(self, selected: tuple[str, ...]) -> None:
        """Run the `selected` workloads in the order of `WORKLOADS`, each cell in a fresh
        process (parent only)."""
        assert self.spawn is not None
        self.save_data()
        for workload in WORKLOADS:
            if workload not in selected:
                continue
            print(f"[{workload}]", file=sys.stderr, flush=True)
            cells = self.cells(workload)
            if not cells:
                self.skip(workload, "needs the zarrlite engine")
                continue
            for problem in self.prepare(workload):  # the cells that need it say so too
                print(f"  {problem}", file=sys.stderr, flush=True)
            with ThreadPoolExecutor(self.jobs) as pool:
                timed = list(pool.map(self.spawn, [workload] * len(cells),
                                      *zip(*cells)))  # fmt: skip
            for (cell, _engine_name), res in zip(cells, timed):
                self.record(workload, cell, res)
                if workload.endswith("_write") and cell in [e.name for e in self.engines]:
                    ds = self.dataset(DATASET[workload])
                    engine = self.engine(cell)
                    if res.status == "ok" and engine is not None:
                        ds.ready.add(cell)
            if workload.endswith("_write"):
                self._note_sizes(DATASET[workload])

    def _note_sizes(self, key: str) -> None:
        ds = self.dataset(key)
        self.info.setdefault("stored_nbytes", {})[key] = {
            e.name: e.stored_nbytes(ds.path(e)) for e in self.engines if e.name in ds.ready
        }

    def close(self) -> None:
        """Close every read handle."""
        for ds in self._data.values():
            for e in self.engines:
                ds.close(e)


# ---------------------------------------------------------------------- case builders
def _write_case(ds: Dataset, e: Engine) -> Case:
    """Create (untimed), write the whole array (timed), reopen and read back (untimed)."""

    def check(handle: Any, _out: Any) -> None:
        e.close(handle)
        reopened = e.open(ds.path(e))
        try:
            check_equal(e.read(reopened, Ellipsis), ds.data, "read-back after write")
        finally:
            e.close(reopened)

    return Case(prepare=lambda: ds.create(e), run=lambda h: e.write(h, ds.data), check=check,
                sync=True)  # fmt: skip


def _read_case(ds: Dataset, e: Engine, selection: Any, handle: Any) -> Case:
    """Read `selection` through an open `handle` (timed), compare with numpy's."""
    expected = ds.data[selection]
    return Case(run=lambda _c: e.read(handle, selection),
                check=lambda _c, out: check_equal(out, expected, "read"),
                repeatable=True)  # fmt: skip


def _points_case(ds: Dataset, e: Engine, npoints: int) -> Case:
    """Read `npoints` seeded random (row, col) points (timed), in the given order."""
    rng = np.random.default_rng(1234)
    rows = rng.integers(0, ds.data.shape[0], npoints)
    cols = rng.integers(0, ds.data.shape[1], npoints)
    expected = ds.data[rows, cols]
    handle = ds.handle(e)
    return Case(run=lambda _c: e.points(handle, rows, cols),
                check=lambda _c, out: check_equal(out, expected, "points"),
                repeatable=True)  # fmt: skip


def _open_case(ds: Dataset, e: Engine, calls: int) -> Case:
    """Open the array `calls` times (timed; the time is per call) and check its shape."""
    path = ds.path(e)

    def run(_c: Any) -> list[Any]:
        return [e.open(path) for _ in range(calls)]

    def check(_c: Any, handles: list[Any]) -> None:
        for handle in handles:
            shape, dtype = e.describe(handle)
            if shape != ds.data.shape or dtype != ds.data.dtype:
                raise Wrong(f"open: got {dtype}{shape}, expected {ds.data.dtype}{ds.data.shape}")
            e.close(handle)

    return Case(run=run, check=check, calls=calls)


def _slide_windows(ds: Dataset, s: Sizes) -> list[tuple[slice, slice]]:
    side, step = s.slide_window, s.slide_step
    row0 = ds.chunks[0] * (ds.data.shape[0] // ds.chunks[0] // 2)  # a chunk row in the middle
    return [(slice(row0, row0 + side), slice(c, c + side))
            for c in range(0, ds.data.shape[1] - side + 1, step)]  # fmt: skip


def _sliding_case(ds: Dataset, e: Engine, s: Sizes, cell: str) -> Case:
    """A window slid along one chunk row, each window read, checked and dropped before the
    next (timed: the reads only, per window): zarrlite with the chunk cache on (warm from
    the rounds before), off, or on but emptied before each pass."""
    import zarrlite as zl

    windows = _slide_windows(ds, s)
    expected = [ds.data[w] for w in windows]
    cache = 0 if cell.endswith("cache-off") else CACHE_NBYTES
    handle = zl.open_array(ds.path(e), mode="r", chunk_cache=cache)

    def prepare() -> None:
        if cell.endswith("cache-cold"):
            cached = handle._io.cache()
            if cached is not None:
                cached.clear()

    def run(_c: Any) -> tuple[float, int]:
        elapsed, wrong = 0.0, 0
        for w, want in zip(windows, expected):
            t0 = time.perf_counter()
            out = handle[w]
            elapsed += time.perf_counter() - t0
            wrong += not np.array_equal(out, want)
        return elapsed, wrong

    def check(_c: Any, wrong: int) -> None:
        if wrong:
            raise Wrong(f"sliding window: {wrong} of {len(windows)} windows differ")

    return Case(prepare=prepare, run=run, check=check, calls=len(windows), self_timed=True)


def _scalar_case(ds: Dataset, e: Engine, s: Sizes, cell: str) -> Case:
    """``d[i, j]`` at seeded random places of one corner of S (timed; per call): zarrlite
    with the chunk cache on or off, h5py with HDF5's default chunk cache."""
    rng = np.random.default_rng(99)
    side = s.scalar_region
    places = [(int(i), int(j)) for i, j in rng.integers(0, side, (s.scalar_calls, 2))]
    if e.name == "h5py":
        handle = e.open(ds.path(e), chunk_cache=True)  # type: ignore[call-arg]
    else:
        import zarrlite as zl

        cache = 0 if cell.endswith("cache-off") else CACHE_NBYTES
        handle = zl.open_array(ds.path(e), mode="r", chunk_cache=cache)

    def run(_c: Any) -> list[Any]:
        return [handle[ij] for ij in places]

    def check(_c: Any, values: list[Any]) -> None:
        expected = [ds.data[ij] for ij in places]
        if values != expected:
            raise Wrong("scalar reads differ from the data written")

    return Case(run=run, check=check, calls=len(places))
