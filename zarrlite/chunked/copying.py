"""`copy_chunked`: copy any chunked array into any writable one, in units of whole
destination chunks, so that each destination chunk is written exactly once.

A *unit* is a box of whole destination chunks: one read of the source and one write of the
destination. Units span the last axes whole while they fit the memory budget and split the
first axis that does not fit into runs of destination chunks (the axes before it go one
destination chunk at a time). A run ends on a source chunk boundary where that costs
little. A source chunk is read once by each unit it overlaps: once in all when the grids
match, and again only where a unit edge cuts through it (with units spanning the last
axes, once per unit row). Units run in parallel on the worker pool, each worker reading
into one scratch buffer it keeps; :class:`CopyStats` reports what was read and written.

Examples
--------
>>> import numpy as np
>>> src = np.arange(60.0).reshape(6, 10)
>>> dest = np.zeros_like(src)
>>> stats = copy_chunked(dest, src)
>>> bool((dest == src).all()), stats.chunks_written, stats.nbytes
(True, 1, 480)
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from zarrlite import config
from zarrlite.chunked.eachchunk import eachchunk, haschunks
from zarrlite.chunked.grid import DimChunks, GridChunks
from zarrlite.chunked.progress import Progress

__all__ = ["COPY_MAX_NBYTES", "CopyStats", "copy_chunked"]

#: Default memory budget of a copy: about how many bytes of source data all workers hold
#: at once (each unit is at least one destination chunk, whatever the budget).
COPY_MAX_NBYTES = 64 << 20

#: Seconds between two refreshes of the plain stderr progress line.


@dataclass
class CopyStats:
    """What a :func:`copy_chunked` call did.

    Attributes
    ----------
    units : int
        Read-write rounds: each read the source once (one request) and wrote the
        destination once.
    chunks_written : int
        Destination chunks written (each exactly once).
    nbytes : int
        Bytes written, in the destination's dtype.
    source_chunk_reads : numpy.ndarray
        For each chunk of the source's grid (``eachchunk(src)``, indexed by chunk
        coordinates), how many reads touched it.
    seconds : float
        Wall time of the copy.
    """

    units: int
    chunks_written: int
    nbytes: int
    source_chunk_reads: np.ndarray
    seconds: float

    @property
    def source_chunks_read(self) -> int:
        """Source chunk reads in all (a chunk read by two units counts twice)."""
        return int(self.source_chunk_reads.sum())

    @property
    def max_reads_per_source_chunk(self) -> int:
        """The most times any one source chunk was read (0 for an empty copy)."""
        return int(self.source_chunk_reads.max(initial=0))


def copy_chunked(dest: Any, src: Any, *, progress: bool = False, casting: str = "safe",
                 max_bytes: int | None = None) -> CopyStats:
    """Copy `src` into `dest`, destination chunk by destination chunk.

    Parameters
    ----------
    dest : array-like
        Anything with ``shape``, ``dtype`` and ``dest[tuple_of_slices] = block`` whose
        chunks ``eachchunk(dest)`` gives: a zarrlite Array, an h5py Dataset, a numpy
        array, a writable BlockArray... It must not keep the block it is given.
    src : array-like
        Anything with ``shape``, ``dtype`` and ``src[tuple_of_slices]`` (a numpy array, or
        something numpy can take, or a dask array, which is computed one unit at a
        time). BlockArrays (``readblock``) and h5py Datasets (``read_direct``) are read
        into a reused scratch buffer.
    progress : bool, optional
        Show progress on stderr: a tqdm bar when tqdm is installed, else one line that
        updates in place.
    casting : {'no', 'equiv', 'safe', 'same_kind', 'unsafe'}, optional
        Which dtype conversions are allowed, as in ``numpy.can_cast`` (default 'safe':
        int16 to float64 passes, float64 to float32 is refused).
    max_bytes : int, optional
        About how many bytes of source data the workers hold at once (default
        :data:`COPY_MAX_NBYTES`, 64 MiB), shared out among them; a unit is never less
        than one destination chunk. Peak memory is about 2 to 3 times this (each unit's
        source data, plus the destination's encoded chunks); bigger units read source
        chunks cut by a unit edge less often.

    Returns
    -------
    CopyStats

    Raises
    ------
    ValueError
        If the shapes differ, or `casting` does not allow the source's dtype to become
        the destination's.

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> src = np.arange(35).reshape(5, 7)
    >>> z = zl.zeros((5, 7), chunks=(2, 3), dtype=src.dtype)
    >>> stats = copy_chunked(z, src)
    >>> bool((z[...] == src).all()), stats.chunks_written
    (True, 9)
    """
    started = time.perf_counter()
    shape = _check_compatible(dest, src, casting)
    src_dtype, dest_itemsize = np.dtype(src.dtype), np.dtype(dest.dtype).itemsize
    workers = _worker_count()
    budget = COPY_MAX_NBYTES if max_bytes is None else int(max_bytes)
    itemsize = max(src_dtype.itemsize, dest_itemsize, 1)
    # a destination without chunks of its own (numpy, contiguous HDF5) is cut to the budget
    dest_grid = (eachchunk(dest) if haschunks(dest)
                 else eachchunk(dest, max_bytes=max(itemsize, budget // workers)))
    src_grid = eachchunk(src)
    runs = _unit_runs(dest_grid, src_grid if haschunks(src) else None,
                      max(1, budget // workers) // itemsize)
    nbytes = math.prod(shape) * dest_itemsize
    units: Iterator[tuple[slice, ...]] = itertools.product(*runs)
    nunits = math.prod(len(r) for r in runs) if math.prod(shape) else 0
    unit_items = math.prod(max((s.stop - s.start for s in r), default=0) for r in runs)
    reader = _reader(src, src_dtype, unit_items)
    with Progress(nbytes, progress, "copy_chunked", _bytes_line, unit="B", unit_scale=True,
                  unit_divisor=1024) as bar:

        def copy_unit(unit: tuple[slice, ...], scratch: list[np.ndarray]) -> None:
            dest[unit] = reader(unit, scratch)
            bar.advance(math.prod(s.stop - s.start for s in unit) * dest_itemsize)

        if nunits:
            _run_units(units, copy_unit, min(workers, nunits))
    return CopyStats(units=nunits, chunks_written=len(dest_grid), nbytes=nbytes,
                     source_chunk_reads=_source_chunk_reads(src_grid, runs, nunits),
                     seconds=time.perf_counter() - started)


def _check_compatible(dest: Any, src: Any, casting: str) -> tuple[int, ...]:
    """The common shape, or ValueError when the shapes or dtypes do not fit."""
    dest_shape, src_shape = tuple(dest.shape), tuple(src.shape)
    if dest_shape != src_shape:
        raise ValueError(f"copy_chunked: the destination's shape {dest_shape} differs from the "
                         f"source's {src_shape}")
    src_dtype, dest_dtype = np.dtype(src.dtype), np.dtype(dest.dtype)
    if not np.can_cast(src_dtype, dest_dtype, casting=casting):  # type: ignore[arg-type]
        raise ValueError(f"copy_chunked: cannot copy {src_dtype} into {dest_dtype} with "
                         f"casting={casting!r} (pass casting='same_kind' or 'unsafe' to "
                         f"convert anyway)")
    return dest_shape


def _worker_count() -> int:
    """Threads that copy units: the pool's size, or 1 on a pool thread (which must never
    wait for the pool)."""
    if threading.current_thread().name.startswith(config.POOL_THREAD_PREFIX):
        return 1
    return max(1, int(config.get("threads")))


# ------------------------------------------------------------------------ planning units


def _unit_runs(dest_grid: GridChunks, src_grid: GridChunks | None,
               budget_items: int) -> list[list[slice]]:
    """The units of a copy as one list of item ranges per axis (the units are their
    product): whole axes from the last while they fit `budget_items`, then runs of whole
    destination chunks along the first axis that does not fit, one destination chunk at a
    time along the axes before it. `src_grid` (None for a source without chunks of its
    own) is where runs prefer to end."""
    dims = dest_grid.dims
    ndim = len(dims)
    runs: list[list[slice]] = [[] for _ in range(ndim)]
    inner = 1  # items of a unit per item along the axis being planned
    for axis in reversed(range(ndim)):
        outer = math.prod(d.max_chunksize for d in dims[:axis])
        if dims[axis].size * inner * outer <= budget_items:
            runs[axis] = [slice(0, dims[axis].size)]
            inner *= dims[axis].size
            continue
        limit = budget_items // max(1, inner * outer)
        src_dim = None if src_grid is None else src_grid.dims[axis]
        runs[axis] = _split_axis(dims[axis], src_dim, limit)
        for before in range(axis):
            runs[before] = list(dims[before])
        break
    return runs


def _split_axis(dest_dim: DimChunks, src_dim: DimChunks | None, limit: int) -> list[slice]:
    """Consecutive runs of whole destination chunks of at most `limit` items (one chunk at
    least). A run that would end inside a source chunk ends instead at the last source
    chunk boundary in it, when that keeps at least half of it."""
    chunks = list(dest_dim)
    src_ends = None if src_dim is None else {s.stop for s in src_dim}
    runs = []
    first = 0
    while first < len(chunks):
        begin = chunks[first].start
        stop = first + 1
        while stop < len(chunks) and chunks[stop].stop - begin <= limit:
            stop += 1
        if src_ends is not None and stop < len(chunks) and chunks[stop - 1].stop not in src_ends:
            for cut in range(stop - 1, first, -1):
                end = chunks[cut - 1].stop
                if end in src_ends and 2 * (end - begin) >= chunks[stop - 1].stop - begin:
                    stop = cut
                    break
        runs.append(slice(begin, chunks[stop - 1].stop))
        first = stop
    return runs


def _source_chunk_reads(src_grid: GridChunks, runs: list[list[slice]], nunits: int) -> np.ndarray:
    """Reads of each source chunk: a unit is a product of per-axis runs, so the units
    touching a chunk are the product over axes of the runs touching its range there."""
    counts = np.zeros(src_grid.shape, dtype=np.int64)
    if not nunits:
        return counts
    counts[...] = 1
    for axis, (dim, axis_runs) in enumerate(zip(src_grid.dims, runs)):
        along = np.zeros(len(dim), dtype=np.int64)
        for run in axis_runs:
            along[dim.chunk_of(run.start) : dim.chunk_of(run.stop - 1) + 1] += 1
        counts *= along.reshape((-1,) + (1,) * (src_grid.ndim - axis - 1))
    return counts


# ------------------------------------------------------------------------ running units


Reader = Callable[[tuple[slice, ...], list[np.ndarray]], np.ndarray]


def _reader(src: Any, dtype: np.dtype, unit_items: int) -> Reader:
    """A function reading one unit of `src` as a numpy array. Sources that read into a
    given array (``readblock``, h5py's ``read_direct``) read into the calling worker's
    scratch (a list holding at most one buffer of `unit_items` items, made on first use);
    anything else is indexed, and a lazy result (dask) computed."""
    readblock = getattr(src, "readblock", None)
    read_direct = getattr(src, "read_direct", None)
    into = None
    if not dtype.hasobject and len(src.shape):
        if callable(readblock):
            into = readblock
        elif callable(read_direct):
            def into(out: np.ndarray, unit: tuple[slice, ...]) -> None:
                read_direct(out, source_sel=unit)

    def read(unit: tuple[slice, ...], scratch: list[np.ndarray]) -> np.ndarray:
        if into is None:
            return _indexed(src, unit)
        if not scratch:
            scratch.append(np.empty(unit_items, dtype=dtype))
        shape = tuple(s.stop - s.start for s in unit)
        out = scratch[0][: math.prod(shape)].reshape(shape)
        into(out, unit)
        return out

    return read


def _indexed(src: Any, unit: tuple[slice, ...]) -> np.ndarray:
    block = src[unit]
    if not isinstance(block, np.ndarray):
        compute = getattr(block, "compute", None)
        if callable(compute):  # a dask array: its blocks, computed
            block = compute()
    return np.asarray(block)


def _run_units(units: Iterator[tuple[slice, ...]],
               copy_unit: Callable[[tuple[slice, ...], list[np.ndarray]], None],
               workers: int) -> None:
    """Copy every unit, on the calling thread and ``workers - 1`` pool threads, each
    taking the next unit when done with one. The caller never waits for a pool task that
    has not started (those are cancelled: the units they would have taken are done), so
    a busy pool cannot stall the copy. The first error stops the others and is raised."""
    lock = threading.Lock()
    errors: list[BaseException] = []

    def next_unit() -> tuple[slice, ...] | None:
        with lock:
            return None if errors else next(units, None)

    def work() -> None:
        scratch: list[np.ndarray] = []
        try:
            while (unit := next_unit()) is not None:
                copy_unit(unit, scratch)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    futures = [config.thread_pool().submit(work) for _ in range(workers - 1)]
    work()
    for future in futures:
        if not future.cancel():
            future.result()
    if errors:
        raise errors[0]


def _bytes_line(done: int, total: int) -> str:
    percent = 100 * done / total if total else 100.0
    return f"{percent:3.0f}% ({_mib(done)} of {_mib(total)} MiB)"


def _mib(nbytes: int) -> str:
    return f"{nbytes / 2**20:.1f}"
