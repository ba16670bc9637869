"""Chunk grids: where the chunks of an array lie, one dimension at a time.

A chunk grid is a :class:`GridChunks`, one dimension object per axis:

- :class:`RegularChunks` — chunks of one length, the first one possibly shortened by an
  offset (a Zarr array's dimension, or a view that starts inside a chunk);
- :class:`IrregularChunks` — explicit chunk lengths (a dask array's dimension).

Each dimension is a sequence of step-1 ``slice`` objects covering ``range(size)`` without
gaps or overlaps. Two dimensions are equal when their chunk boundaries are equal, whatever
their type. The design follows DiskArrays.jl's ``RegularChunks``/``IrregularChunks``/
``GridChunks``, with Python's 0-based half-open slices.

Examples
--------
>>> grid = regular_grid((5, 4), (2, 3))
>>> grid.dims
(RegularChunks(chunksize=2, offset=0, size=5), RegularChunks(chunksize=3, offset=0, size=4))
>>> grid.shape, len(grid)
((3, 2), 6)
>>> grid[2, 1]
(slice(4, 5, None), slice(3, 4, None))
>>> grid.chunk_of((3, 1))
(1, 0)
>>> list(grid.chunks_touching((slice(1, 3), slice(0, 2))))
[(0, 0), (1, 0)]
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

__all__ = [
    "RegularChunks",
    "IrregularChunks",
    "GridChunks",
    "DimChunks",
    "regular_grid",
    "chunks_from_sizes",
]


def _as_int(value: object, what: str) -> int:
    """`value` as a Python int, or TypeError naming `what` (bools are not counts)."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int, got bool {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{what} must be an int, got {type(value).__name__} {value!r}") from None


def _position(index: object, length: int, what: str) -> int:
    """Normalise a possibly negative `index` into ``range(length)``, else IndexError."""
    i = _as_int(index, what)
    if -length <= i < length:
        return i + length if i < 0 else i
    raise IndexError(f"{what} {i} is out of range for {length} (valid: {-length} to {length - 1})")


def _selection_range(selection: slice | range, size: int) -> range:
    """The indices a slice (numpy semantics: clipped, negative from the end) selects, as a
    range with a positive step (the order does not matter to which chunks are touched)."""
    if isinstance(selection, slice):
        r = range(*selection.indices(size))
    elif isinstance(selection, range):
        r = selection
        if len(r) and not (0 <= min(r[0], r[-1]) and max(r[0], r[-1]) < size):
            raise IndexError(f"range {r} lies outside a dimension of size {size}")
    else:
        raise TypeError(f"expected a slice, got {type(selection).__name__} {selection!r}")
    return r if r.step > 0 else r[::-1]


class _DimChunksBase(Sequence[slice]):
    """What both dimension types share: the Sequence protocol, equality by boundaries,
    ``chunk_of`` with negative indices and ``chunks_touching`` for one dimension."""

    __slots__ = ()

    # provided by subclasses ------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of items in the dimension."""
        raise NotImplementedError

    @property
    def sizes(self) -> tuple[int, ...]:
        """The length of every chunk, in order."""
        raise NotImplementedError

    @property
    def max_chunksize(self) -> int:
        """The length of the longest chunk (0 when there are none)."""
        raise NotImplementedError

    def _slice(self, i: int) -> slice:
        raise NotImplementedError

    def _chunk_of(self, index: int) -> int:
        raise NotImplementedError

    def _key(self) -> tuple[object, ...]:
        raise NotImplementedError

    # shared ------------------------------------------------------------------------------
    @overload
    def __getitem__(self, i: int) -> slice: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[slice]: ...

    def __getitem__(self, i: int | slice) -> slice | Sequence[slice]:
        """The slice chunk `i` covers (negative `i` counts from the end)."""
        if isinstance(i, slice):
            return tuple(self._slice(j) for j in range(*i.indices(len(self))))
        return self._slice(_position(i, len(self), "chunk index"))

    def __iter__(self) -> Iterator[slice]:
        return (self._slice(i) for i in range(len(self)))

    def chunk_of(self, index: int) -> int:
        """The number of the chunk holding item `index` (negative counts from the end).

        Raises
        ------
        IndexError
            If `index` is outside the dimension.
        TypeError
            If `index` is not an int.
        """
        return self._chunk_of(_position(index, self.size, "index"))

    def chunks_touching(self, selection: slice | range) -> Sequence[int]:
        """The numbers of the chunks holding any item `selection` selects, ascending.

        `selection` is a slice with numpy semantics (clipped to the dimension; any step)
        or a range of in-bounds indices. Step 1 gives a ``range``.

        >>> RegularChunks(4, 0, 10).chunks_touching(slice(3, 9))
        range(0, 3)
        >>> RegularChunks(4, 0, 10).chunks_touching(slice(0, 10, 9))
        (0, 2)
        """
        r = _selection_range(selection, self.size)
        if not r:
            return range(0)
        first, last = self._chunk_of(r[0]), self._chunk_of(r[-1])
        if r.step == 1:
            return range(first, last + 1)
        touched = []
        index = r[0]
        while index <= r[-1]:
            chunk = self._chunk_of(index)
            touched.append(chunk)
            chunk_stop = self._slice(chunk).stop
            # the first selected index at or after this chunk's end
            index += -(-(chunk_stop - index) // r.step) * r.step
        return tuple(touched)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _DimChunksBase):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(("DimChunks", self._key()))


def _sizes_key(sizes: Sequence[int]) -> tuple[object, ...]:
    """A compact value that is equal exactly when the chunk sizes are: regular runs of
    middle chunks are stored as (first, middle, count, last), so huge regular dimensions
    compare and hash without listing every chunk."""
    n = len(sizes)
    if n >= 3 and all(s == sizes[1] for s in itertools.islice(sizes, 2, n - 1)):
        return ("runs", sizes[0], sizes[1], n, sizes[-1])
    return ("list", *sizes)


class RegularChunks(_DimChunksBase):
    """One dimension of `size` items cut into chunks of `chunksize`, the first chunk
    shortened by `offset`.

    Chunk ``i`` covers ``max(0, i*chunksize - offset)`` up to (not including)
    ``min(size, (i+1)*chunksize - offset)``.

    Parameters
    ----------
    chunksize : int
        Length of a full chunk (at least 1).
    offset : int
        How many items the first chunk lacks (``0 <= offset < chunksize``).
    size : int
        Number of items in the dimension (at least 0; 0 gives no chunks).

    Raises
    ------
    TypeError
        If an argument is not an int.
    ValueError
        If an argument is out of its range.

    Examples
    --------
    >>> dim = RegularChunks(chunksize=4, offset=1, size=10)
    >>> list(dim)
    [slice(0, 3, None), slice(3, 7, None), slice(7, 10, None)]
    >>> dim.sizes, dim.chunk_of(3), dim[-1]
    ((3, 4, 3), 1, slice(7, 10, None))
    """

    __slots__ = ("_chunksize", "_offset", "_size", "_nchunks")

    def __init__(self, chunksize: int, offset: int, size: int) -> None:
        chunksize = _as_int(chunksize, "chunksize")
        offset = _as_int(offset, "offset")
        size = _as_int(size, "size")
        if chunksize < 1:
            raise ValueError(f"chunksize must be at least 1, got {chunksize}")
        if not 0 <= offset < chunksize:
            raise ValueError(
                f"offset must satisfy 0 <= offset < chunksize ({chunksize}), got {offset}"
            )
        if size < 0:
            raise ValueError(f"size must be at least 0, got {size}")
        self._chunksize = chunksize
        self._offset = offset
        self._size = size
        self._nchunks = 0 if size == 0 else (size + offset - 1) // chunksize + 1

    @property
    def chunksize(self) -> int:
        """Length of a full chunk."""
        return self._chunksize

    @property
    def offset(self) -> int:
        """How many items the first chunk lacks."""
        return self._offset

    @property
    def size(self) -> int:
        """Number of items in the dimension."""
        return self._size

    @property
    def sizes(self) -> tuple[int, ...]:
        """The length of every chunk, in order."""
        return tuple(s.stop - s.start for s in self)

    @property
    def max_chunksize(self) -> int:
        """The length of the longest chunk (0 when there are none)."""
        if self._nchunks <= 2:
            return max(self.sizes, default=0)
        return self._chunksize

    def __len__(self) -> int:
        return self._nchunks

    def _slice(self, i: int) -> slice:
        start = i * self._chunksize - self._offset
        return slice(max(0, start), min(self._size, start + self._chunksize))

    def _chunk_of(self, index: int) -> int:
        return (index + self._offset) // self._chunksize

    def _key(self) -> tuple[object, ...]:
        n = self._nchunks
        if n >= 3:  # the same key _sizes_key gives for these sizes, without listing them
            last = self._size + self._offset - (n - 1) * self._chunksize
            return ("runs", self._chunksize - self._offset, self._chunksize, n, last)
        return ("list", *self.sizes)

    def __repr__(self) -> str:
        return (
            f"RegularChunks(chunksize={self._chunksize}, offset={self._offset}, size={self._size})"
        )


class IrregularChunks(_DimChunksBase):
    """One dimension cut into chunks of explicit lengths.

    Parameters
    ----------
    chunksizes : sequence of int
        The length of every chunk, each at least 1; an empty sequence is a dimension of
        size 0.

    Raises
    ------
    TypeError
        If `chunksizes` is not a sequence of ints.
    ValueError
        If a length is less than 1.

    Examples
    --------
    >>> dim = IrregularChunks([2, 5, 1])
    >>> list(dim), dim.size, dim.chunk_of(6)
    ([slice(0, 2, None), slice(2, 7, None), slice(7, 8, None)], 8, 1)
    >>> IrregularChunks([3, 4, 3]) == RegularChunks(chunksize=4, offset=1, size=10)
    True
    """

    __slots__ = ("_sizes", "_starts", "_key_value")

    def __init__(self, chunksizes: Iterable[int]) -> None:
        if isinstance(chunksizes, (str, bytes)) or not isinstance(chunksizes, Iterable):
            raise TypeError(
                f"chunksizes must be a sequence of ints, got {type(chunksizes).__name__}"
            )
        sizes = tuple(_as_int(s, "each chunk size") for s in chunksizes)
        for i, s in enumerate(sizes):
            if s < 1:
                raise ValueError(f"each chunk size must be at least 1, got {s} at position {i}")
        self._sizes = sizes
        self._starts = (0, *itertools.accumulate(sizes))  # one more than the chunks
        self._key_value = _sizes_key(sizes)

    @property
    def size(self) -> int:
        """Number of items in the dimension."""
        return self._starts[-1]

    @property
    def sizes(self) -> tuple[int, ...]:
        """The length of every chunk, in order."""
        return self._sizes

    @property
    def max_chunksize(self) -> int:
        """The length of the longest chunk (0 when there are none)."""
        return max(self._sizes, default=0)

    def __len__(self) -> int:
        return len(self._sizes)

    def _slice(self, i: int) -> slice:
        return slice(self._starts[i], self._starts[i + 1])

    def _chunk_of(self, index: int) -> int:
        return bisect.bisect_right(self._starts, index) - 1

    def _key(self) -> tuple[object, ...]:
        return self._key_value

    def __repr__(self) -> str:
        return f"IrregularChunks({list(self._sizes)!r})"


DimChunks = RegularChunks | IrregularChunks
"""Either dimension type."""


def chunks_from_sizes(sizes: Iterable[int]) -> DimChunks:
    """The dimension with these chunk lengths: a :class:`RegularChunks` when the lengths
    fit one (all equal but a shorter first and last), else an :class:`IrregularChunks`.

    >>> chunks_from_sizes([5, 5, 5, 2])
    RegularChunks(chunksize=5, offset=0, size=17)
    >>> chunks_from_sizes([3, 5, 5])
    RegularChunks(chunksize=5, offset=2, size=13)
    >>> chunks_from_sizes([5, 2, 5])
    IrregularChunks([5, 2, 5])
    """
    dim = IrregularChunks(sizes)
    s = dim.sizes
    if not s:
        return dim
    full = max(s[0], s[-1]) if len(s) <= 2 else s[1]
    if s[0] <= full and s[-1] <= full and all(x == full for x in s[1:-1]):
        return RegularChunks(full, full - s[0], dim.size)
    return dim


def _check_dim(dim: object, axis: int) -> DimChunks:
    if isinstance(dim, (RegularChunks, IrregularChunks)):
        return dim
    hint = (
        "; use regular_grid(shape, chunks) for int chunk shapes"
        if isinstance(dim, (int, tuple, list))
        else ""
    )
    raise TypeError(
        "GridChunks takes one RegularChunks or IrregularChunks per dimension, got "
        f"{type(dim).__name__} {dim!r} for dimension {axis}{hint}"
    )


class GridChunks:
    """An N-d chunk grid: the product of one chunk dimension per axis.

    Iterating gives each chunk as a tuple of step-1 slices, in C order (last axis
    fastest); ``grid[coords]`` gives the chunk at chunk coordinates `coords`. A 0-d grid
    has exactly one chunk, ``()``; a grid with a 0-size dimension has none.

    Parameters
    ----------
    *dims : RegularChunks or IrregularChunks
        One per dimension.

    Raises
    ------
    TypeError
        If a dimension is of another type (ints included: see :func:`regular_grid`).

    Examples
    --------
    >>> grid = GridChunks(RegularChunks(3, 0, 5), IrregularChunks([1, 2]))
    >>> grid.size, grid.shape, len(grid)
    ((5, 3), (2, 2), 4)
    >>> list(grid)[:2]
    [(slice(0, 3, None), slice(0, 1, None)), (slice(0, 3, None), slice(1, 3, None))]
    >>> list(GridChunks())
    [()]
    """

    __slots__ = ("_dims",)

    def __init__(self, *dims: DimChunks) -> None:
        self._dims: tuple[DimChunks, ...] = tuple(_check_dim(d, i) for i, d in enumerate(dims))

    @property
    def dims(self) -> tuple[DimChunks, ...]:
        """The chunk dimension of each axis."""
        return self._dims

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self._dims)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of chunks along each axis."""
        return tuple(len(d) for d in self._dims)

    @property
    def size(self) -> tuple[int, ...]:
        """The shape of the array the grid covers."""
        return tuple(d.size for d in self._dims)

    @property
    def max_chunk_shape(self) -> tuple[int, ...]:
        """The largest chunk length along each axis (0 on an axis without chunks): a
        buffer of this shape holds any chunk."""
        return tuple(d.max_chunksize for d in self._dims)

    def __len__(self) -> int:
        return math.prod(self.shape)

    def __iter__(self) -> Iterator[tuple[slice, ...]]:
        return itertools.product(*self._dims)

    def chunk_coords(self) -> Iterator[tuple[int, ...]]:
        """The coordinates of every chunk, in C order (matching iteration)."""
        return itertools.product(*(range(len(d)) for d in self._dims))

    def _check_length(self, value: object, what: str) -> tuple[object, ...]:
        if not isinstance(value, tuple):
            raise TypeError(f"{what} must be a tuple of ints, got {type(value).__name__} {value!r}")
        if len(value) != self.ndim:
            raise IndexError(
                f"{what} must have {self.ndim} entries (one per dimension), got {len(value)}"
            )
        return value

    def __getitem__(self, chunk_coords: tuple[int, ...]) -> tuple[slice, ...]:
        """The slices of the chunk at `chunk_coords` (negative counts from the end)."""
        coords = self._check_length(chunk_coords, "chunk coordinates")
        return tuple(d[_as_int(c, "chunk index")] for d, c in zip(self._dims, coords))

    def chunk_of(self, index: tuple[int, ...]) -> tuple[int, ...]:
        """The coordinates of the chunk holding the item at `index` (negative counts from
        the end).

        Raises
        ------
        IndexError
            If `index` has the wrong length or lies outside the array.
        """
        items = self._check_length(index, "index")
        return tuple(d.chunk_of(i) for d, i in zip(self._dims, items))  # type: ignore[arg-type]

    def chunks_touching(self, selection: tuple[slice | int, ...]) -> Iterator[tuple[int, ...]]:
        """The coordinates of every chunk holding an item of `selection`, in C order.

        `selection` holds one slice (numpy semantics: clipped, negative from the end; step
        1 is the usual case, any step works) or int per leading axis; missing trailing
        axes are taken whole.

        Raises
        ------
        IndexError
            If `selection` has more entries than the grid has dimensions, or an int is out
            of range.
        """
        if not isinstance(selection, tuple):
            selection = (selection,)
        if len(selection) > self.ndim:
            raise IndexError(
                f"selection has {len(selection)} entries for a grid of {self.ndim} dimensions"
            )
        per_axis: list[Sequence[int]] = []
        whole = (slice(None),) * (self.ndim - len(selection))
        for d, sel in zip(self._dims, selection + whole):
            if isinstance(sel, slice):
                per_axis.append(d.chunks_touching(sel))
            else:
                per_axis.append((d.chunk_of(sel),))
        return itertools.product(*per_axis)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GridChunks):
            return NotImplemented
        return self._dims == other._dims

    def __hash__(self) -> int:
        return hash(("GridChunks", self._dims))

    def __repr__(self) -> str:
        return f"GridChunks({', '.join(repr(d) for d in self._dims)})"


def regular_grid(shape: Sequence[int], chunks: Sequence[int]) -> GridChunks:
    """The regular grid of an array of `shape` cut into chunks of shape `chunks` (as a
    Zarr array is).

    Raises
    ------
    ValueError
        If `shape` and `chunks` differ in length, or an entry is out of range.
    TypeError
        If an entry is not an int.

    Examples
    --------
    >>> regular_grid((10,), (4,)).dims[0].sizes
    (4, 4, 2)
    """
    shape, chunks = tuple(shape), tuple(chunks)
    if len(shape) != len(chunks):
        raise ValueError(f"chunks must have one entry per dimension of shape {shape}, got {chunks}")
    return GridChunks(*(RegularChunks(c, 0, s) for s, c in zip(shape, chunks)))
