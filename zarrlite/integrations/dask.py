"""dask arrays from zarrlite arrays and back, with chunks aligned to the stored chunks.

``zl.to_dask(z)`` gives a dask array whose every chunk is a whole number of ``z``'s chunks,
so each dask task reads and decodes only its own chunks. ``zl.from_dask(x, where)`` creates
a Zarr array and stores ``x`` in it with every task writing whole chunks of its own, so the
workers of a cluster need no locks (``dask.array.store(..., lock=False)``); when the write
cannot be aligned (a synchronizer is given instead), the synchronizer's per-chunk locks
keep concurrent partial writes of one chunk from losing each other's items.

Both work on any dask scheduler, including a ``distributed`` cluster of worker processes or
machines: arrays pickle as their store's location and path (never their data), and a store
that lives in one process's memory refuses to be unpickled anywhere else (see
``docs/guide/07-dask-and-xarray.md``). dask is imported when these functions are called.
"""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np

from zarrlite.api import open_array
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.creation import create

__all__ = ["aligned_chunks", "from_dask", "to_dask"]


def aligned_chunks(wanted: tuple[tuple[int, ...], ...], stored: tuple[int, ...],
                   shape: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """dask chunks close to `wanted` whose boundaries fall on `stored` chunk boundaries.

    Each dimension gets regular chunks of the largest wanted size rounded to the nearest
    whole number of stored chunks (at least one), the last one cut by the shape.

    Examples
    --------
    >>> aligned_chunks(((300, 300, 300, 100),), (256,), (1000,))
    ((256, 256, 256, 232),)
    >>> aligned_chunks(((1000,),), (100,), (1000,))
    ((1000,),)
    """
    out: list[tuple[int, ...]] = []
    for sizes, chunk, length in zip(wanted, stored, shape):
        if length == 0:
            out.append((0,))
            continue
        target = max(sizes) if sizes else length
        step = max(1, round(target / chunk)) * chunk
        full, rest = divmod(length, step)
        out.append((step,) * full + ((rest,) if rest else ()))
    return tuple(out)


def to_dask(array: Any, chunks: Any = None, *, name: str | None = None,
            inline_array: bool = False, storage_options: dict[str, Any] | None = None) -> Any:
    """A dask array that reads `array` chunk by chunk.

    Parameters
    ----------
    array : Array, Dataset, path or URL
        A zarrlite array (``zl.File`` datasets too), or where one is (opened read-only).
    chunks : optional
        None (the default): one dask chunk per stored chunk. Otherwise any chunk
        specification dask accepts (an int, a tuple, a dict, "auto", "64MiB"), rounded in
        each dimension to a whole number of stored chunks, so no stored chunk is read by
        two tasks.
    name : str, optional
        The dask array's name (default: a token of the array and chunks, as dask makes).
    inline_array : bool, optional
        Passed to ``dask.array.from_array``.
    storage_options : dict, optional
        fsspec options when `array` is a URL.

    Returns
    -------
    dask.array.Array

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> z = zl.array(np.arange(100.0).reshape(10, 10), chunks=(4, 5))
    >>> x = zl.to_dask(z)
    >>> x.chunks
    ((4, 4, 2), (5, 5))
    >>> float(x.sum().compute())
    4950.0
    >>> zl.to_dask(z, chunks=(7, 10)).chunks  # rounded to whole stored chunks
    ((8, 2), (10,))
    """
    import dask.array as da

    z = _as_array(array, storage_options)
    if chunks is None:
        dask_chunks = da.core.normalize_chunks(z.chunks, z.shape, dtype=z.dtype)
    else:
        wanted = da.core.normalize_chunks(chunks, z.shape, dtype=z.dtype,
                                          previous_chunks=z.chunks)
        dask_chunks = aligned_chunks(wanted, z.chunks, z.shape)
    return da.from_array(z, chunks=dask_chunks, name=name, inline_array=inline_array,
                         meta=np.empty((0,) * z.ndim, dtype=z.dtype))


def from_dask(x: Any, store: Any = None, *, path: str | None = None, chunks: Any = None,
              overwrite: bool = False, compute: bool = True, synchronizer: Any = None,
              **create_kw: Any) -> Any:
    """Create a Zarr array and store dask array `x` in it, chunk-aligned, from the workers.

    Parameters
    ----------
    x : dask.array.Array or array-like
        The data (anything else is made a dask array first).
    store : MutableMapping, path or URL, optional
        Where to create the array, as for :func:`zarrlite.create` (None: a MemoryStore,
        which only the threaded and synchronous schedulers can use).
    path : str, optional
        The array's path inside the store.
    chunks : int or tuple, optional
        The stored chunks (default: `x`'s chunk size, its largest chunk per dimension).
    overwrite : bool, optional
        Replace what is at the path (default: raise ``zl.ContainsArrayError``).
    compute : bool, optional
        Write now (the default) or return the ``dask.delayed`` object that writes.
    synchronizer : ThreadSynchronizer or ProcessSynchronizer, optional
        Per-chunk locks. Without one, `x` is rechunked so that every task writes whole
        chunks of its own; with one, `x`'s chunks are kept and tasks writing parts of one
        chunk take its lock in turn.
    **create_kw
        More arguments of :func:`zarrlite.create`: ``dtype``, ``compressor``,
        ``fill_value``, ``filters``, ``storage_options``, ...

    Returns
    -------
    Array, or dask.delayed.Delayed when ``compute=False``

    Examples
    --------
    >>> import dask.array as da, numpy as np, zarrlite as zl
    >>> x = da.arange(20, chunks=7).reshape(4, 5)
    >>> z = zl.from_dask(x, chunks=(2, 5))
    >>> z.chunks, z[3].tolist()
    ((2, 5), [15, 16, 17, 18, 19])
    """
    import dask.array as da

    if not isinstance(x, da.Array):
        x = da.asarray(x)
    if any(math.isnan(size) for dim in x.chunks for size in dim):
        raise ValueError("from_dask: the dask array has unknown chunk sizes (nan); call "
                         "x.compute_chunk_sizes() first")
    if chunks is None:
        chunks = tuple(max(max(dim, default=1), 1) for dim in x.chunks)  # (1 if empty)
    create_kw.setdefault("dtype", x.dtype)
    z = create(x.shape, chunks=chunks, store=store, path=path, overwrite=overwrite,
               synchronizer=synchronizer, **create_kw)
    if synchronizer is None and not _is_aligned(x.chunks, z.chunks):
        x = x.rechunk(aligned_chunks(x.chunks, z.chunks, z.shape))
    if compute:
        _check_workers_can_open(z, x)
    stored = da.store(x, z, lock=False, compute=compute)
    return z if compute else stored


def _check_workers_can_open(z: Array, x: Any) -> None:
    """Raise zarrlite's own error now, when the scheduler that will run the write is a
    distributed cluster whose workers cannot open `z`'s store (one in this process's
    memory), rather than distributed's "Could not serialize" later."""
    import dask.base

    client = getattr(dask.base.get_scheduler(collections=[x]), "__self__", None)
    address = str(getattr(getattr(client, "scheduler", None), "address", "") or "")
    if type(client).__name__ == "Client" and not address.startswith("inproc://"):
        pickle.dumps(z)  # a store only this process can use raises ProcessLocalStoreError


def _is_aligned(dask_chunks: tuple[tuple[int, ...], ...], stored: tuple[int, ...]) -> bool:
    """True when every dask chunk boundary is a stored chunk boundary."""
    for sizes, chunk in zip(dask_chunks, stored):
        edge = 0
        for size in sizes[:-1]:
            edge += size
            if edge % chunk:
                return False
    return True


def _as_array(array: Any, storage_options: dict[str, Any] | None) -> Array:
    if isinstance(array, Array):
        return array
    if isinstance(array, str) or hasattr(array, "__fspath__"):
        return open_array(array, mode="r", storage_options=storage_options)
    raise TypeError(f"to_dask: expected a zarrlite Array, a path or a URL, found "
                    f"{type(array).__name__}; for other arrays use dask.array.from_array")
