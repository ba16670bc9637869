"""`map_chunks`: apply a function to every chunk of an array, in parallel, and combine
the results in chunk order.

:func:`map_chunks` walks ``eachchunk(a)``'s grid in C order (last axis fastest). Each
chunk is read as a numpy array and given to ``fn``; what ``fn`` returns is

- collected in a list, in chunk order (the default);
- folded with ``reduce(acc, result)``, in chunk order, so the result never depends on
  which worker finished first (``reduce=``);
- or written at the chunk's place in a destination array, when ``fn`` maps blocks to
  blocks of the same shape (``out=`` any writable array, or ``dtype=`` for a new numpy
  array).

The work runs on zarrlite's worker pool and the calling thread by default, or on any
``concurrent.futures`` executor, or on a ``dask.distributed`` client. At most
``2 * workers`` chunks are between being read and being combined, so memory stays a few
chunks per worker however big the array is.

Examples
--------
>>> import numpy as np
>>> a = np.arange(12).reshape(3, 4)
>>> from zarrlite.chunked.grid import regular_grid
>>> class Tiled:  # anything with shape, dtype, chunks (or eachchunk()) and a[slices]
...     shape, dtype, chunks = a.shape, a.dtype, (2, 2)
...     def __getitem__(self, slices):
...         return a[slices]
>>> [int(s) for s in map_chunks(np.sum, Tiled())]  # one result per chunk, in C order
[10, 18, 17, 21]
>>> int(map_chunks(np.max, Tiled(), reduce=max))
11
>>> map_chunks(lambda block: block * 10, Tiled(), dtype="i8")[2].tolist()
[80, 90, 100, 110]
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from zarrlite.chunked.eachchunk import eachchunk, haschunks
from zarrlite.chunked.grid import GridChunks
from zarrlite.chunked.progress import Progress
from zarrlite.chunked.reduce_run import run_ordered

__all__ = ["MapChunksError", "map_chunks"]

#: An array whose pickle is at most this many bytes (a location, such as a zarrlite
#: array on a DirectoryStore) is sent to process or cluster workers, which read their
#: chunks themselves; a bigger or unpicklable one (a numpy array, an h5py dataset) is read
#: in the calling process, chunk by chunk, and the chunks' data sent instead.
SHIP_ARRAY_MAX_NBYTES = 1 << 16

#: Seconds between two refreshes of the plain stderr progress line.


class MapChunksError(RuntimeError):
    """``fn`` raised on one chunk; the original exception is the ``__cause__``.

    Attributes
    ----------
    slices : tuple of slice
        Where the chunk lies in the array.
    """

    def __init__(self, message: str, slices: tuple[slice, ...]) -> None:
        super().__init__(message)
        self.slices = slices

    def __reduce__(self) -> tuple[Any, ...]:  # pickles across process workers
        return (type(self), (self.args[0], self.slices))


def map_chunks(
    fn: Callable[..., Any],
    a: Any,
    *,
    reduce: Callable[[Any, Any], Any] | None = None,
    out: Any = None,
    dtype: npt.DTypeLike | None = None,
    with_slices: bool = False,
    executor: Any = None,
    progress: bool = False,
    max_bytes: int | None = None,
) -> Any:
    """Apply `fn` to the data of every chunk of `a`, in parallel.

    Parameters
    ----------
    fn : callable
        ``fn(block)``, or ``fn(block, slices)`` with `with_slices`: `block` is the chunk's
        items as a numpy array (read-only when it is a view of a numpy `a`), `slices` one
        step-1 slice per dimension saying where the chunk lies. With `out` or `dtype`, `fn`
        returns an array of the block's shape (or something that broadcasts to it).
    a : array-like
        Anything with ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads: a zarrlite
        Array, a BlockArray, an h5py Dataset, a zarr-python or dask array, numpy. It is
        worked through by ``eachchunk(a)``'s grid: its own chunks, or for arrays without
        chunks blocks of whole rows of at most `max_bytes`.
    reduce : callable, optional
        ``reduce(acc, result)`` combines the results two at a time, in chunk order (C
        order): ``reduce(reduce(r0, r1), r2)``... Without it (and without `out` and
        `dtype`) the list of results is returned, in chunk order.
    out : array-like, optional
        Where each chunk's result goes: ``out[slices] = fn(block)``, any writable array of
        `a`'s shape (a zarrlite Array, an h5py Dataset, numpy...). Each result is written
        as soon as it is ready, so memory stays bounded. When every chunk of `out` lies
        inside one chunk of `a` (the same grid, or coarser chunks in `a`), workers write
        in parallel; otherwise results are written one at a time, in order, since two
        workers must not rewrite the same chunk of `out` at once.
    dtype : dtype, optional
        Without `out`: return a new numpy array of `a`'s shape and this dtype holding the
        results (the whole result in memory).
    with_slices : bool, optional
        Call ``fn(block, slices)`` instead of ``fn(block)``.
    executor : optional
        Where `fn` runs. None (default): zarrlite's worker pool and the calling thread
        (``zarrlite.config.set(threads=...)``). A ``concurrent.futures.Executor``: a
        ThreadPoolExecutor's workers read chunks themselves; for a ProcessPoolExecutor
        `fn` must pickle, and `a` is sent to the workers when it pickles small (a
        zarrlite array on a DirectoryStore pickles as its location), else read here chunk
        by chunk with its data sent. A ``dask.distributed.Client`` (anything with
        ``submit`` and ``gather``) is used the same way. Results come back to this
        process; `out` is written here.
    progress : bool, optional
        Show chunks done on stderr: a tqdm bar when tqdm is installed, else one line that
        updates in place.
    max_bytes : int, optional
        The chunk size bound for arrays without chunks of their own (default: the
        ``chunked_max_bytes`` setting, 128 MiB).

    Returns
    -------
    list, object or array
        The list of results; with `reduce`, the combined result; with `out`, `out`; with
        `dtype`, the new numpy array.

    Raises
    ------
    MapChunksError
        If `fn` raises on a chunk: the error of the first failing chunk in chunk order
        (whatever the timing), naming the chunk's slices, with the original exception as
        its cause. The run stops within a few chunks; `out` may be partly written.
    ValueError
        If `reduce` is given with `out` or `dtype`, both `out` and `dtype` are given,
        `out`'s shape differs from `a`'s, a result does not fit its block (raised as the
        errors of `fn` are, in chunk order), or there is nothing to reduce (an array
        without items).

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> z = zl.array(np.arange(10.0), chunks=(4,))
    >>> map_chunks(lambda block, s: (s[0].start, float(block.sum())), z, with_slices=True)
    [(0, 6.0), (4, 22.0), (8, 17.0)]
    >>> squares = zl.zeros(10, chunks=(4,))
    >>> float(map_chunks(np.square, z, out=squares)[-1])
    81.0
    """
    shape = tuple(int(n) for n in a.shape)
    out = _destination(shape, reduce, out, dtype)
    grid = eachchunk(a, max_bytes=max_bytes)
    if reduce is not None and len(grid) == 0:
        raise ValueError(f"map_chunks: nothing to reduce, the array of shape {shape} has no items")
    sink = _Sink(reduce, out, parallel_writes=out is not None and _writes_apart(grid, out))
    with Progress(len(grid), progress, "map_chunks",
                  lambda done, total: f"{done} of {total} chunks", unit="chunk") as bar:
        if executor is None:
            _run_pool(fn, a, grid, with_slices, sink, bar)
        else:
            _run_executor(fn, a, grid, with_slices, executor, sink, bar)
    return sink.result()


# ------------------------------------------------------------------------ what happens to results


def _destination(shape: tuple[int, ...], reduce: Any, out: Any, dtype: npt.DTypeLike | None) -> Any:
    """The array results are written to (None: they are collected or reduced)."""
    if reduce is not None and (out is not None or dtype is not None):
        raise ValueError(
            "map_chunks: give reduce= to combine results, or out=/dtype= to "
            "write them into an array, not both"
        )
    if out is not None and dtype is not None:
        raise ValueError(
            "map_chunks: give out= (an array to write into) or dtype= (for a new "
            "numpy array), not both"
        )
    if dtype is not None:
        return np.empty(shape, dtype=dtype)
    if out is not None and tuple(int(n) for n in out.shape) != shape:
        raise ValueError(
            f"map_chunks: out has shape {tuple(out.shape)}, expected the array's shape {shape}"
        )
    return out


def _writes_apart(grid: GridChunks, out: Any) -> bool:
    """Whether chunks of `grid` can be written to `out` at the same time: `out` has no
    chunks of its own (numpy), or every boundary between chunks of `grid` is one between
    chunks of `out`, so that no chunk of `out` is written by two workers."""
    if not haschunks(out):
        return True
    for mine, theirs in zip(grid.dims, eachchunk(out).dims):
        if not {s.stop for s in mine} <= {s.stop for s in theirs}:
            return False
    return True


class _Sink:
    """Takes each chunk's result, in chunk order: appends, reduces or writes it."""

    def __init__(
        self, reduce: Callable[[Any, Any], Any] | None, out: Any, parallel_writes: bool
    ) -> None:
        self.reduce = reduce
        self.out = out
        self.parallel_writes = parallel_writes
        self.results: list[Any] = []
        self.acc: Any = None
        self.started = False

    def early(self, slices: tuple[slice, ...], result: Any) -> Any:
        """On the worker, as soon as the result is ready: write it when writes may run in
        parallel (then nothing is kept), else pass it on."""
        if self.out is not None and self.parallel_writes:
            _write(self.out, slices, result)
            return None
        return result

    def take(self, slices: tuple[slice, ...], result: Any) -> None:
        """In chunk order, one at a time."""
        if self.out is not None:
            if not self.parallel_writes:
                _write(self.out, slices, result)
        elif self.reduce is None:
            self.results.append(result)
        elif not self.started:
            self.acc, self.started = result, True
        else:
            self.acc = self.reduce(self.acc, result)

    def result(self) -> Any:
        if self.out is not None:
            return self.out
        return self.results if self.reduce is None else self.acc


def _write(out: Any, slices: tuple[slice, ...], result: Any) -> None:
    shape = tuple(s.stop - s.start for s in slices)
    value = np.asarray(result)
    try:
        np.broadcast_shapes(value.shape, shape)
    except ValueError:
        raise ValueError(
            f"map_chunks: fn returned an array of shape {value.shape} for the "
            f"chunk at {_describe(slices)} of shape {shape}; with out= or dtype= "
            f"it must return the block's shape"
        ) from None
    out[slices] = value


# ------------------------------------------------------------------------ one chunk


def _read(a: Any, slices: tuple[slice, ...]) -> np.ndarray:
    """The chunk's items as a new numpy array (a read-only view for a numpy `a`)."""
    if isinstance(a, np.ndarray):
        block = np.asarray(a[slices]).view()  # (a 0-d array's a[()] is a scalar)
        block.flags.writeable = False
        return block
    dtype = np.dtype(a.dtype)
    if slices and not dtype.hasobject:
        readblock: Any = getattr(a, "readblock", None)  # BlockArrays and zarrlite arrays
        read_direct: Any = getattr(a, "read_direct", None)  # h5py datasets
        if callable(readblock) or callable(read_direct):
            out = np.empty(tuple(s.stop - s.start for s in slices), dtype=dtype)
            if callable(readblock):
                readblock(out, slices)
            else:
                read_direct(out, source_sel=slices)
            return out
    block = a[slices]
    if not isinstance(block, np.ndarray):
        compute = getattr(block, "compute", None)
        if callable(compute):  # a dask array: this chunk, computed
            block = compute()
    return np.asarray(block)


def _apply(
    fn: Callable[..., Any], source: Any, slices: tuple[slice, ...], with_slices: bool, is_data: bool
) -> Any:
    """Run `fn` on one chunk: `source` is the chunk's data (`is_data`) or the array to read
    it from. Module-level, so that process and cluster workers can unpickle it."""
    block = source if is_data else _read(source, slices)
    try:
        return fn(block, slices) if with_slices else fn(block)
    except Exception as exc:
        raise MapChunksError(
            f"map_chunks: fn raised {type(exc).__name__} on the chunk at "
            f"{_describe(slices)}: {exc}",
            slices,
        ) from exc


def _describe(slices: tuple[slice, ...]) -> str:
    """``[0:4, 8:12]``: numpy's notation for a chunk's place."""
    return "[" + ", ".join(f"{s.start}:{s.stop}" for s in slices) + "]"


# ------------------------------------------------------------------------ runners


def _run_pool(
    fn: Callable[..., Any], a: Any, grid: GridChunks, with_slices: bool, sink: _Sink, bar: Progress
) -> None:
    """On zarrlite's worker pool and the calling thread (run_ordered: a worker never waits
    on the pool, and at most ``2 * threads`` chunks are in flight)."""

    def compute(slices: tuple[slice, ...]) -> Any:
        try:
            return sink.early(slices, _apply(fn, a, slices, with_slices, is_data=False))
        except Exception as exc:  # raised in chunk order, by merge: the same error every run
            return _Failed(exc)

    def merge(slices: tuple[slice, ...], result: Any) -> None:
        if isinstance(result, _Failed):
            raise result.error
        sink.take(slices, result)
        bar.advance()

    run_ordered(iter(grid), compute, merge)


class _Failed:
    """An error of one chunk, held until that chunk's turn to be merged."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _run_executor(
    fn: Callable[..., Any],
    a: Any,
    grid: GridChunks,
    with_slices: bool,
    executor: Any,
    sink: _Sink,
    bar: Progress,
) -> None:
    """On a concurrent.futures executor or a dask.distributed client: a window of
    ``2 * workers`` submitted chunks, taken back in chunk order."""
    submit = _submitter(executor)
    in_process = isinstance(executor, concurrent.futures.ThreadPoolExecutor)
    ship_array = in_process or _pickles_small(a)
    window = 2 * _worker_count(executor)
    pending: collections.deque[tuple[tuple[slice, ...], Any]] = collections.deque()

    def take_oldest() -> None:
        slices, future = pending.popleft()
        result = future.result()
        if not in_process:  # results came back here: write them here
            result = sink.early(slices, result)
        sink.take(slices, result)
        bar.advance()

    try:
        for slices in grid:
            if len(pending) >= window:
                take_oldest()
            if ship_array:
                task = (fn, a, slices, with_slices, False)
            else:
                task = (fn, _read(a, slices), slices, with_slices, True)
            if in_process:
                pending.append((slices, submit(_apply_early, sink, *task)))
            else:
                pending.append((slices, submit(_apply, *task)))
        while pending:
            take_oldest()
    finally:
        for _, future in pending:  # after an error: what has not started never will
            future.cancel()


def _apply_early(sink: _Sink, *task: Any) -> Any:
    """`_apply`, then the sink's early step, on a thread of the caller's process."""
    return sink.early(task[2], _apply(*task))


def _submitter(executor: Any) -> Callable[..., Any]:
    """``executor.submit``; on a dask.distributed client, marked impure (each chunk is its
    own task, without hashing its data for a key)."""
    if not hasattr(executor, "submit"):
        raise TypeError(
            f"map_chunks: executor must be a concurrent.futures.Executor or a "
            f"dask.distributed Client, got {type(executor).__name__}"
        )
    if isinstance(executor, concurrent.futures.Executor) or not hasattr(executor, "gather"):
        return executor.submit

    def submit(*args: Any) -> Any:
        return executor.submit(*args, pure=False)

    return submit


def _worker_count(executor: Any) -> int:
    """How many tasks `executor` runs at once (the standard executors keep it in
    ``_max_workers``; a dask.distributed client reports its workers' threads)."""
    nthreads = getattr(executor, "nthreads", None)
    if callable(nthreads) and hasattr(executor, "gather"):
        try:
            return max(1, sum(nthreads().values()))
        except Exception:  # a client without workers yet: fall back to this machine's size
            pass
    workers = getattr(executor, "_max_workers", None)
    if isinstance(workers, int) and workers > 0:
        return workers
    return os.cpu_count() or 1


class _TooBig(Exception):
    pass


class _Budget:
    """A file that takes at most `limit` bytes, then raises _TooBig."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def write(self, data: Any) -> int:
        n = memoryview(data).nbytes
        self.left -= n
        if self.left < 0:
            raise _TooBig
        return n


def _pickles_small(a: Any) -> bool:
    """Whether `a` pickles in at most SHIP_ARRAY_MAX_NBYTES (stopping as soon as it does
    not, so a big in-memory array is not pickled whole to find out)."""
    try:
        pickle.Pickler(_Budget(SHIP_ARRAY_MAX_NBYTES), protocol=pickle.HIGHEST_PROTOCOL).dump(a)
    except Exception:  # too big, or not picklable at all (an h5py dataset)
        return False
    return True
