"""How a reduction walks an array: blocks of whole chunks, reduced in parallel on the
worker pool, merged in a fixed order.

:func:`reduce_blocks` reads the array block by block (a block is one chunk, or a run of
small chunks read together), asks a :class:`BlockKernel` to reduce each block over the
reduced axes, and merges the per-block partial results into arrays shaped like the
result with ``keepdims=True``. The reading and reducing run on the worker pool and on the
calling thread; the merging runs in block order (C order), whichever thread finished a
block, so a result never depends on thread timing.

Memory stays bounded: each thread holds one block at a time, and at most
``2 * threads`` blocks are between being started and being merged.
"""

from __future__ import annotations

import contextvars
import itertools
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from zarrlite import config
from zarrlite.chunked.eachchunk import eachchunk, haschunks
from zarrlite.chunked.grid import GridChunks

__all__ = ["BLOCK_NBYTES", "BlockKernel", "block_slices", "reduce_blocks", "run_ordered"]

#: Chunks smaller than this are read together, in runs along the last axes, into blocks
#: of up to about this many bytes (a bigger chunk is read alone); arrays without chunks of
#: their own are cut into blocks of this size.
BLOCK_NBYTES = 4 << 20

#: Blocks an array is cut into at least, chunks permitting, so that the threads share the
#: work evenly. (A fixed number, not one per thread: the blocks, and so the rounding of
#: floating-point results, do not depend on the ``threads`` setting.)
_MIN_BLOCKS = 16

Task = TypeVar("Task")
Partial = TypeVar("Partial")


class BlockKernel(Protocol):
    """One reduction, block by block: what :func:`reduce_blocks` asks of it.

    A partial result is a tuple of arrays shaped like the block with the reduced axes
    kept at length 1 (e.g. for a variance: counts, means and sums of squared deviations).
    """

    def partial(self, block: np.ndarray, where: tuple[slice, ...]) -> tuple[np.ndarray, ...]:
        """Reduce `block` (the array's items at `where`; never to be written to)."""
        ...

    def combine(self, acc: tuple[np.ndarray, ...], part: tuple[np.ndarray, ...]) -> None:
        """Merge `part` into `acc` in place; `acc` holds the blocks merged before."""
        ...


def run_ordered(tasks: Iterable[Task], compute: Callable[[Task], Partial],
                merge: Callable[[Task, Partial], None]) -> None:
    """Run ``compute(task)`` for every task on the worker pool and the calling thread, and
    ``merge(task, result)`` in task order, one merge at a time.

    At most ``2 * threads`` tasks are between being started and being merged. Called
    from a worker thread, everything runs on that thread (a worker never waits on the
    pool). The first error raised by `compute` or `merge` stops the run and is raised
    here once the other threads are done.

    Examples
    --------
    >>> merged = []
    >>> run_ordered(range(5), lambda i: i * i, lambda i, square: merged.append(square))
    >>> merged
    [0, 1, 4, 9, 16]
    """
    threads = config.get("threads")
    if threading.current_thread().name.startswith(config.POOL_THREAD_PREFIX):
        threads = 1
    run = _OrderedRun(iter(tasks), compute, merge, window=2 * threads)
    helpers = []
    if threads > 1:
        pool = config.thread_pool()
        # each helper runs in a copy of this thread's context (numpy's errstate lives there)
        helpers = [pool.submit(contextvars.copy_context().run, run.work)
                   for _ in range(threads - 1)]
    try:
        run.work()
    except BaseException as exc:  # e.g. KeyboardInterrupt while waiting: stop the helpers
        run.fail(exc)
        raise
    finally:
        for helper in helpers:
            if not helper.cancel():  # a helper that never started costs nothing
                helper.result()
    if run.error is not None:
        raise run.error


class _OrderedRun(Generic[Task, Partial]):
    """The shared state of one :func:`run_ordered`: every thread calls :meth:`work`."""

    def __init__(self, tasks: Iterator[Task], compute: Callable[[Task], Partial],
                 merge: Callable[[Task, Partial], None], window: int) -> None:
        self._tasks = tasks
        self._compute = compute
        self._merge = merge
        self._window = window
        self._cond = threading.Condition()
        self._started = 0  # tasks taken by a thread
        self._merged = 0  # tasks merged (all of them below this number)
        self._done: dict[int, tuple[Task, Partial]] = {}  # computed, waiting to be merged
        self._merging = False  # a thread is merging
        self._exhausted = False
        self.error: BaseException | None = None

    def fail(self, exc: BaseException) -> None:
        with self._cond:
            if self.error is None:
                self.error = exc
            self._cond.notify_all()

    def work(self) -> None:
        """Take tasks until there are none left or the run failed; never raises."""
        while True:
            with self._cond:
                while (self.error is None and not self._exhausted
                       and self._started >= self._merged + self._window):
                    self._cond.wait()
                if self.error is not None or self._exhausted:
                    return
                try:
                    task = next(self._tasks)
                except StopIteration:
                    self._exhausted = True
                    self._cond.notify_all()
                    return
                except BaseException as exc:
                    self.error = exc
                    self._cond.notify_all()
                    return
                number = self._started
                self._started += 1
            try:
                result = self._compute(task)
            except BaseException as exc:
                self.fail(exc)
                return
            with self._cond:
                self._done[number] = (task, result)
                if self._merging:  # the merging thread takes it when its turn comes
                    continue
                self._merging = True
            self._merge_ready()

    def _merge_ready(self) -> None:
        """Holding the merging role: merge every task whose turn has come, in order."""
        while True:
            with self._cond:
                entry = self._done.pop(self._merged, None)
                if entry is None or self.error is not None:
                    self._merging = False
                    return
            try:
                self._merge(*entry)
            except BaseException as exc:
                with self._cond:
                    self._merging = False
                self.fail(exc)
                return
            with self._cond:
                self._merged += 1
                self._cond.notify_all()


def block_slices(grid: GridChunks, itemsize: int) -> tuple[list[slice], ...]:
    """Per axis, the slices of the blocks to read: runs of whole chunks.

    Runs of chunks along the last axes are joined while a block stays under
    :data:`BLOCK_NBYTES` and the array still makes 16 blocks; the blocks are the product
    of the per-axis slices (a chunk is never split).

    Examples
    --------
    >>> from zarrlite.chunked.grid import regular_grid
    >>> [len(s) for s in block_slices(regular_grid((8192, 8192), (1024, 1024)), 4)]
    [8, 8]
    >>> rows, columns = block_slices(regular_grid((100, 40), (10, 10)), 8)
    >>> len(rows), columns
    (10, [slice(0, 20, None), slice(20, 40, None)])
    """
    total = itemsize * math.prod(grid.size)
    target = max(1, min(BLOCK_NBYTES, total // _MIN_BLOCKS))
    extents = [max(1, dim.max_chunksize) for dim in grid.dims]  # of the largest block
    joining = True
    per_axis: list[list[slice]] = []
    for axis in reversed(range(grid.ndim)):
        dim = grid.dims[axis]
        chunks = list(dim)
        run = 1
        if joining:
            others = max(1, itemsize) * math.prod(extents) // extents[axis]
            run = max(1, target // (others * extents[axis]))
            joining = run >= len(chunks)  # the whole axis: the next axis may join too
            extents[axis] = dim.size if joining else run * extents[axis]
        per_axis.append([slice(chunks[i].start, chunks[min(i + run, len(chunks)) - 1].stop)
                         for i in range(0, len(chunks), run)])
    return tuple(reversed(per_axis))


def _grid(a: Any) -> GridChunks:
    """The array's chunks; for an array without chunks of its own, blocks of at most
    :data:`BLOCK_NBYTES` (or the ``chunked_max_bytes`` setting, if smaller)."""
    if haschunks(a):
        return eachchunk(a)
    return eachchunk(a, max_bytes=min(BLOCK_NBYTES, int(config.get("chunked_max_bytes"))))


def reduce_blocks(a: Any, axes: Sequence[int], kernel: BlockKernel) -> tuple[np.ndarray, ...]:
    """Reduce array `a` over `axes` block by block with `kernel`; the merged partial
    results, shaped like the result with ``keepdims=True``.

    Parameters
    ----------
    a : array-like
        Non-empty, with ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axes : sequence of int
        The reduced axes, normalized (non-negative, no duplicates).
    kernel : BlockKernel
        Reduces one block and merges partial results.

    Returns
    -------
    tuple of numpy.ndarray
        The kernel's partial result over the whole array.
    """
    shape = tuple(int(n) for n in a.shape)
    reduced = frozenset(axes)
    out_shape = tuple(1 if d in reduced else n for d, n in enumerate(shape))
    blocks = itertools.product(*block_slices(_grid(a), np.dtype(a.dtype).itemsize))
    state: list[np.ndarray] = []

    def compute(where: tuple[slice, ...]) -> tuple[np.ndarray, ...]:
        return kernel.partial(np.asarray(a[where]), where)

    def merge(where: tuple[slice, ...], part: tuple[np.ndarray, ...]) -> None:
        region = tuple(slice(0, 1) if d in reduced else s for d, s in enumerate(where))
        if all(where[d].start == 0 for d in reduced):  # the first block of its region
            if not state:  # blocks merge in C order: the first is at the origin
                state.extend(np.empty(out_shape, dtype=p.dtype) for p in part)
            for acc, p in zip(state, part):
                acc[region] = p
        else:
            kernel.combine(tuple(acc[region] for acc in state), part)

    run_ordered(blocks, compute, merge)
    return tuple(state)
