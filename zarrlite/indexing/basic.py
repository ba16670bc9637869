"""Selection normalization, per-dimension indexers and chunk projections.

A *selection* (what the user passed) becomes one *region* ``(start, step, count)`` per array
dimension, then one *projection* per touched chunk: which elements of the chunk, and where
they go in the output. Basic selections follow numpy exactly; integer and boolean arrays raise
:class:`NotBasicSelection` for the caller to route to fancy indexing. Each dimension indexer
yields a :class:`ChunkDimProjection` per chunk it touches; :class:`BasicIndexer` takes their
product, so other dimension indexers can plug in.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, NamedTuple

import numpy as np

from zarrlite.errors import BoundsCheckError
from zarrlite.indexing.projection import ChunkProjection, OutRegion, Region

_INVALID_INDEX_MSG = (
    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or "
    "boolean arrays are valid indices"
)
_INVALID_ARRAY_MSG = "arrays used as indices must be of integer (or boolean) type"
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_FULL_SLICE = slice(None)

# Inner dimensions touching at most this many chunks are computed once per iteration and
# reused for every outer position; larger ones are recomputed lazily.
_MATERIALIZE_LIMIT = 1 << 16

_tuple_new = tuple.__new__


class NotBasicSelection(IndexError):
    """The selection holds an integer or boolean array, so it needs fancy indexing."""


class ChunkDimProjection(NamedTuple):
    """How one chunk along one dimension maps onto the output.

    ``dim_chunk_region`` is ``(start, step, count)`` local to the chunk (``count >= 1``, step 1
    when ``count == 1``); ``dim_out_region`` is ``(start, count)`` in the output.
    """

    dim_chunk_index: int
    dim_chunk_region: Region
    dim_out_region: OutRegion


def normalize_integer(i: int, dim_len: int, axis: int = 0) -> int:
    """Resolve a possibly negative integer index against a dimension.

    Parameters
    ----------
    i, dim_len : int
        The index (anything :func:`operator.index` accepts) and the dimension's length.
    axis : int, optional
        Array axis, for the error message.

    Returns
    -------
    int
        The index in ``range(dim_len)``.

    Raises
    ------
    IndexError
        If the index is out of bounds, with numpy's message.
    """
    i = operator.index(i)
    j = i + dim_len if i < 0 else i
    if not 0 <= j < dim_len:
        raise BoundsCheckError(f"index {i} is out of bounds for axis {axis} with size {dim_len}")
    return j


def normalize_slice(s: slice, dim_len: int) -> Region:
    """Resolve a slice against a dimension into ``(start, step, count)``.

    The result is canonical: an empty region is ``(0, 1, 0)`` and a one-element region has
    step 1, so equal sets of elements taken in the same order give equal regions.

    Parameters
    ----------
    s, dim_len : slice, int
        Any slice (out-of-range bounds are clipped as numpy does); the dimension's length.

    Returns
    -------
    tuple of int
        ``(start, step, count)``: the elements ``start + k * step`` for ``k < count``.

    Raises
    ------
    ValueError, TypeError
        If the step is zero, or a bound is not an integer or None (as Python's slices).

    Examples
    --------
    >>> normalize_slice(slice(None, None, -2), 5), normalize_slice(slice(5, 2), 10)
    ((4, -2, 3), (0, 1, 0))
    """
    start, stop, step = s.indices(dim_len)
    count = len(range(start, stop, step))
    return (start, step, count) if count > 1 else (start, 1, 1) if count else (0, 1, 0)


class DimIndexer:
    """Base class: the selection along one array dimension, split along its chunks.

    Subclasses set ``dim_len``, ``dim_chunk_len`` and ``nitems`` (elements selected), and
    implement ``__iter__`` (a :class:`ChunkDimProjection` per touched chunk, in increasing
    chunk index, recomputed on each call) and ``__len__`` (touched chunks, without iterating).
    ``drops_axis`` is True when numpy's result has no axis for the dimension.
    """

    __slots__ = ("dim_len", "dim_chunk_len", "nitems")
    dim_len: int
    dim_chunk_len: int
    nitems: int
    drops_axis: ClassVar[bool] = False

    @property
    def nchunks(self) -> int:
        """Number of chunks along the dimension in the whole chunk grid."""
        return -(-self.dim_len // self.dim_chunk_len)

    def dim_chunk_extent(self, dim_chunk_index: int) -> int:
        """Number of in-bounds elements of a chunk (less than a chunk at the edge)."""
        return min(self.dim_chunk_len, self.dim_len - dim_chunk_index * self.dim_chunk_len)

    def __len__(self) -> int:
        raise NotImplementedError

    def __iter__(self) -> Iterator[ChunkDimProjection]:
        raise NotImplementedError


class IntDimIndexer(DimIndexer):
    """A single integer along one dimension: one element of one chunk.

    Parameters
    ----------
    dim_sel, dim_len, dim_chunk_len, axis : int
        The index (possibly negative), the dimension and chunk lengths, and the array axis
        for the error message.

    Raises
    ------
    IndexError
        If the index is out of bounds.
    """

    __slots__ = ("index",)
    drops_axis: ClassVar[bool] = True

    def __init__(self, dim_sel: int, dim_len: int, dim_chunk_len: int, axis: int = 0) -> None:
        self.dim_len = dim_len
        self.dim_chunk_len = dim_chunk_len
        self.nitems = 1
        self.index = normalize_integer(dim_sel, dim_len, axis)

    @property
    def region(self) -> Region:
        """The selection as ``(start, step, count)`` in array coordinates."""
        return self.index, 1, 1

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[ChunkDimProjection]:
        dim_chunk_index, local = divmod(self.index, self.dim_chunk_len)
        yield _tuple_new(ChunkDimProjection, (dim_chunk_index, (local, 1, 1), (0, 1)))


class SliceDimIndexer(DimIndexer):
    """A slice, with any step, along one dimension.

    Parameters
    ----------
    dim_sel, dim_len, dim_chunk_len : slice, int, int
        The slice (bounds are clipped as numpy does), the dimension and chunk lengths.

    Raises
    ------
    ValueError
        If the step is zero.

    Notes
    -----
    Chunks come in increasing index whatever the step's sign, so with a negative step the
    output positions decrease from one chunk to the next.
    """

    __slots__ = ("start", "step", "count")

    def __init__(self, dim_sel: slice, dim_len: int, dim_chunk_len: int) -> None:
        self.dim_len = dim_len
        self.dim_chunk_len = dim_chunk_len
        self.start, self.step, self.count = normalize_slice(dim_sel, dim_len)
        self.nitems = self.count

    @property
    def region(self) -> Region:
        """The selection as ``(start, step, count)`` in array coordinates."""
        return self.start, self.step, self.count

    def __len__(self) -> int:
        start, step, count = self.start, self.step, self.count
        if count == 0:
            return 0
        chunk_len = self.dim_chunk_len
        if abs(step) >= chunk_len:
            return count  # every element lands in a chunk of its own
        last = start + step * (count - 1)
        return abs(last // chunk_len - start // chunk_len) + 1

    def __iter__(self) -> Iterator[ChunkDimProjection]:
        start, step, count = self.start, self.step, self.count
        chunk_len = self.dim_chunk_len
        # Walk the selected elements from the lowest upwards; ``done`` counts those passed.
        abs_step = -step if step < 0 else step
        x = start if step > 0 else start + step * (count - 1)
        done = 0
        while done < count:
            dim_chunk_index, local = divmod(x, chunk_len)
            n = min((chunk_len - 1 - local) // abs_step + 1, count - done)
            first = local if step > 0 else local + abs_step * (n - 1)
            out_start = done if step > 0 else count - done - n
            chunk_region = (first, step if n > 1 else 1, n)
            yield _tuple_new(ChunkDimProjection, (dim_chunk_index, chunk_region, (out_start, n)))
            done += n
            x += abs_step * n


def _classify_other(item: Any) -> Any:
    """Return an item numpy takes as an integer as ``int``, an integer or boolean array index
    as ``ndarray``; raise numpy's ``IndexError`` for anything else."""
    if isinstance(item, (bool, np.bool_)):
        return np.asarray(item)  # numpy treats a boolean scalar as a 0-d mask
    if isinstance(item, np.ndarray):
        if item.dtype.kind not in "biu":
            raise IndexError(_INVALID_ARRAY_MSG)
    else:
        try:
            item = operator.index(item)
        except TypeError:
            item = np.asarray(item)
            if item.size == 0 and item.dtype.kind not in "biu":
                item = item.astype(np.intp)  # numpy takes an empty sequence as integers
            if item.dtype.kind not in "biu":
                raise IndexError(_INVALID_INDEX_MSG) from None
    if isinstance(item, np.ndarray):
        if item.dtype.kind == "b" or item.ndim:
            return item
        item = int(item)
    if not _INT64_MIN <= item <= _INT64_MAX:
        raise IndexError(_INVALID_INDEX_MSG)
    return item


def expand_selection(
    selection: Any, ndim: int, allow_arrays: bool = False
) -> tuple[list[Any], tuple[int | None, ...]]:
    """Expand a selection into one item per array dimension.

    Parameters
    ----------
    selection : object
        What the user passed: an item or a tuple of items.
    ndim : int
        Number of array dimensions.
    allow_arrays : bool, optional
        Return integer and boolean arrays as ndarrays instead of raising.

    Returns
    -------
    dim_sels : list
        ``ndim`` items: ``int`` (in int64, not bounds-checked), ``slice`` or, if allowed,
        ``ndarray``. ``...`` and missing trailing items become ``slice(None)``.
    out_axes : tuple of int or None
        For each axis of numpy's basic-indexing result, the array dimension it comes from,
        or None for a new axis.

    Raises
    ------
    IndexError
        For an invalid item, a second ellipsis or too many indices, with numpy's messages.
    NotBasicSelection
        For an integer or boolean array when ``allow_arrays`` is false.
    """
    items = selection if isinstance(selection, tuple) else (selection,)
    dim_sels: list[Any] = []
    out_axes: list[int | None] = []
    ellipsis_dim = ellipsis_out = -1
    has_array = False
    for item in items:
        t = type(item)
        if t is slice:
            out_axes.append(len(dim_sels))
            dim_sels.append(item)
        elif t is int and _INT64_MIN <= item <= _INT64_MAX:
            dim_sels.append(item)
        elif item is None:
            out_axes.append(None)
        elif item is Ellipsis:
            if ellipsis_dim >= 0:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ellipsis_dim, ellipsis_out = len(dim_sels), len(out_axes)
        else:
            item = _classify_other(item)
            if type(item) is not int:
                has_array = True
                out_axes.append(len(dim_sels))
            dim_sels.append(item)
    if has_array and not allow_arrays:
        raise NotBasicSelection(
            "integer and boolean array indices are not basic selections; use fancy indexing"
        )
    nsel = len(dim_sels)
    if nsel > ndim:
        raise IndexError(
            f"too many indices for array: array is {ndim}-dimensional, but {nsel} were indexed"
        )
    if nsel == ndim:
        return dim_sels, tuple(out_axes)
    nfill = ndim - nsel
    if ellipsis_dim < 0:
        dim_sels.extend([_FULL_SLICE] * nfill)
        out_axes.extend(range(nsel, ndim))
        return dim_sels, tuple(out_axes)
    dim_sels[ellipsis_dim:ellipsis_dim] = [_FULL_SLICE] * nfill
    shifted = [a if a is None or a < ellipsis_dim else a + nfill for a in out_axes]
    shifted[ellipsis_out:ellipsis_out] = range(ellipsis_dim, ellipsis_dim + nfill)
    return dim_sels, tuple(shifted)


class BasicIndexer:
    """A basic selection against a chunked array, split into chunk projections.

    Iterating yields a :class:`ChunkProjection` per touched chunk, lazily, in C order of chunk
    coordinates; ``len()`` counts them. Reading ``chunk[region_to_slices(p.chunk_side)]``
    into ``out[out_region_to_slices(p.out_side)]`` for each ``p``, with ``out`` of shape
    ``sel_shape``, then ``out.reshape(out_shape)``, gives numpy's ``a[selection]``.

    Parameters
    ----------
    selection : object
        Integers (numpy integers and 0-d integer arrays too), slices with any step, at most
        one ``...`` and any number of ``None``, alone or in a tuple.
    shape, chunks : tuple of int
        Array shape and chunk shape (positive lengths).

    Attributes
    ----------
    dim_indexers : tuple of DimIndexer
        One per array dimension.
    sel_shape : tuple of int
        Per array dimension, the number of selected elements (1 for an integer index).
    out_shape : tuple of int
        numpy's result shape: integer dimensions dropped, new axes added.
    nitems : int
        Number of selected elements.

    Raises
    ------
    IndexError
        For an invalid selection, with numpy's message.
    NotBasicSelection
        For an integer or boolean array in the selection.
    ValueError
        For a zero slice step, or chunks that do not fit the shape.

    Examples
    --------
    >>> indexer = BasicIndexer((1, slice(None, None, -1)), (4, 5), (2, 3))
    >>> indexer.out_shape, len(indexer)
    ((5,), 2)
    >>> for p in indexer:
    ...     print(p.chunk_coords, p.chunk_side, p.out_side, p.complete)
    (0, 0) ((1, 1, 1), (2, -1, 3)) ((0, 1), (2, 3)) False
    (0, 1) ((1, 1, 1), (1, -1, 2)) ((0, 1), (0, 2)) False
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]) -> None:
        shape = tuple(map(int, shape))
        chunks = tuple(map(int, chunks))
        if len(chunks) != len(shape):
            raise ValueError(f"expected {len(shape)} chunk lengths for shape {shape}, got {chunks}")
        if min(chunks, default=1) < 1 or min(shape, default=0) < 0:
            raise ValueError(f"invalid shape {shape} or chunks {chunks}")
        dim_sels, out_axes = expand_selection(selection, len(shape))
        dim_indexers: list[DimIndexer] = [
            IntDimIndexer(s, n, c, axis) if type(s) is int else SliceDimIndexer(s, n, c)
            for axis, (s, n, c) in enumerate(zip(dim_sels, shape, chunks, strict=True))
        ]
        self.shape = shape
        self.chunks = chunks
        self.dim_indexers = tuple(dim_indexers)
        self.sel_shape = sel_shape = tuple([d.nitems for d in dim_indexers])
        self.out_shape = tuple([1 if a is None else sel_shape[a] for a in out_axes])
        self.nitems = math.prod(sel_shape)

    @property
    def region(self) -> tuple[Region, ...]:
        """Per array dimension, the normalized ``(start, step, count)``."""
        return tuple([d.region for d in self.dim_indexers])  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return math.prod(map(len, self.dim_indexers))

    def __iter__(self) -> Iterator[ChunkProjection]:
        dims = self.dim_indexers
        if not dims:
            yield _tuple_new(ChunkProjection, ((), (), (), True))
            return
        nchunks = len(self)
        if nchunks == 0:
            return
        if nchunks == 1 or any(len(d) > _MATERIALIZE_LIMIT for d in dims[1:]):
            for parts in _lazy_product(dims):
                coords, chunk_region, out_region, flags = zip(*parts, strict=True)
                yield _tuple_new(ChunkProjection, (coords, chunk_region, out_region, all(flags)))
            return
        # One column per field and dimension, so that itertools.product builds the tuples.
        columns = [tuple(zip(*_with_complete(d), strict=True)) for d in dims[1:]]
        coords = regions = out_regions = flags = ()
        if columns:
            coords, regions, out_regions, flags = zip(*columns, strict=True)
        product, cls = itertools.product, itertools.repeat(ChunkProjection)
        for c, r, o, f in _with_complete(dims[0]):  # lazy along the first dimension
            fields = product((c,), *coords), product((r,), *regions), product((o,), *out_regions)
            yield from map(
                _tuple_new, cls, zip(*fields, map(all, product((f,), *flags)), strict=True)
            )


def _with_complete(dim_indexer: DimIndexer) -> Iterator[tuple[int, Region, OutRegion, bool]]:
    """Yield a dimension's projections, each with a flag: does it cover its whole chunk?"""
    extent = dim_indexer.dim_chunk_extent
    for index, region, out_region in dim_indexer:
        _start, step, count = region
        yield index, region, out_region, (step == 1 or step == -1) and count == extent(index)


def _lazy_product(dims: Sequence[DimIndexer]) -> Iterator[tuple[Any, ...]]:
    """Like :func:`itertools.product` of :func:`_with_complete`, recomputing inner dimensions."""
    if len(dims) == 1:
        for item in _with_complete(dims[0]):
            yield (item,)
        return
    for item in _with_complete(dims[0]):
        for tail in _lazy_product(dims[1:]):
            yield (item, *tail)
