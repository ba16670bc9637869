"""`BlockArray`: numpy-style indexing for any format that reads and writes rectangular blocks.

A format package (a raw binary file, a netCDF variable, an image tile pyramid) subclasses
:class:`BlockArray` and provides ``shape``, ``dtype`` and ``readblock``, optionally
``writeblock`` and ``eachchunk``; the base class gives it numpy's indexing, get and set:
ints, slices with any step, ``...``, ``None``, index arrays and boolean masks (``a[sel]``),
orthogonal selections (``a.oindex[sel]``) and coordinate or mask selections
(``a.vindex[sel]``), plus ``np.asarray(a)``, iteration and ``len``. The design follows
DiskArrays.jl's ``AbstractDiskArray``.

Each request becomes as few ``readblock`` calls as its shape allows: one for anything inside
one chunk, anything dense (a step-1 box, small steps) and anything on an unchunked array;
for sparse requests (index lists, masks, points, big steps) spanning chunks, one per touched
chunk or one bounding block, chosen by density. Writes are one ``writeblock`` per touched
chunk (read first only where what is written in the chunk leaves gaps). The rules, and the
``density_threshold`` that tunes them, are in :mod:`zarrlite.chunked.block_strategy`.

An array without ``eachchunk`` is one chunk, so every request on it is one block: its
bounding box. That suits memory maps and small arrays; a big array on slow storage should
declare its chunks, which bound what a sparse request reads.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from zarrlite.chunked import block_io
from zarrlite.chunked.block_select import (
    OrthogonalRequest,
    PointRequest,
    basic_request,
    numpy_request,
    orthogonal_request,
    vindex_request,
)
from zarrlite.chunked.block_strategy import BatchStrategy
from zarrlite.chunked.grid import GridChunks, RegularChunks
from zarrlite.chunked.reductions import ReductionMethods
from zarrlite.errors import ReadOnlyError
from zarrlite.indexing.basic import NotBasicSelection

__all__ = ["BatchStrategy", "BlockArray"]

Request = OrthogonalRequest | PointRequest

#: Iteration reads the first axis in slabs of at most this many bytes (and within a chunk).
ITER_MAX_BYTES = 1 << 27

_SCALAR_TYPES = (int, float, complex, bool, str, bytes, np.generic)


class BlockArray(ReductionMethods, abc.ABC):
    """Base class for arrays stored in blocks: subclass it, get numpy's indexing.

    A subclass provides:

    - ``shape`` (tuple of int) and ``dtype`` (anything ``numpy.dtype`` takes), as attributes
      or properties;
    - ``readblock(out, slices)``: fill ``out`` with the block at ``slices``;
    - optionally ``writeblock(data, slices)``: store ``data`` at ``slices`` (without it the
      array is read-only);
    - optionally ``eachchunk()``: the array's chunk grid (without it the array is one chunk).

    The ``slices`` passed are one step-1 slice per dimension, within the array; ``out`` and
    ``data`` are C-contiguous numpy arrays of the array's dtype with the block's shape (0-d
    for a 0-d array), so ``file.readinto(out)`` or ``out[...] = memmap[slices]`` work as is.
    Empty selections make no call at all. Reductions (``a.sum()``, ``a.mean(axis=0)``, ...,
    from :class:`~zarrlite.chunked.reductions.ReductionMethods`) and chunked copies read
    blocks from several threads at once, so ``readblock`` must be thread-safe (a memmap,
    ``os.pread``, or a lock around ``seek`` and ``read``).

    Attributes
    ----------
    batch_strategy : BatchStrategy
        How requests are cut into blocks (a class attribute; override it to tune the
        density threshold).

    Examples
    --------
    >>> import numpy as np
    >>> from zarrlite.chunked.grid import regular_grid
    >>> class Squares(BlockArray):
    ...     shape, dtype = (4, 6), np.dtype("i8")
    ...     def readblock(self, out, slices):
    ...         rows, cols = np.ogrid[slices]
    ...         out[...] = rows * 10 + cols
    ...     def eachchunk(self):
    ...         return regular_grid(self.shape, (2, 3))
    >>> a = Squares()
    >>> a[1:3, ::2].tolist()
    [[10, 12, 14], [20, 22, 24]]
    >>> a.oindex[[3, 0], [5, 1]].tolist(), a.vindex[[3, 0], [5, 1]].tolist()
    ([[35, 31], [5, 1]], [35, 1])
    >>> int(a[-1, -1]), len(a), a
    (35, 4, <Squares shape=(4, 6) dtype=int64 chunks=(2, 3)>)
    """

    shape: tuple[int, ...]
    dtype: Any
    batch_strategy: ClassVar[BatchStrategy] = BatchStrategy()

    # ---------------------------------------------------------------- the subclass's part
    @abc.abstractmethod
    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        """Fill `out` (C-contiguous, the array's dtype, the block's shape) with the items
        at `slices` (one step-1 slice per dimension, within the array)."""

    def writeblock(self, data: np.ndarray, slices: tuple[slice, ...]) -> None:
        """Store `data` (C-contiguous, the array's dtype, the block's shape) at `slices`.

        Raises
        ------
        ReadOnlyError
            Always, unless a subclass implements it: the array is read-only.
        """
        raise ReadOnlyError(_read_only_message(self))

    def eachchunk(self) -> GridChunks:
        """The array's chunk grid; by default one chunk covering the whole array (a request
        is then one readblock call). Chunk-by-chunk work (reductions, copies,
        ``map_chunks``) does not take this default as the array's own chunking: it goes
        through such an array in memory-bounded blocks, as through a numpy array."""
        return GridChunks(*(RegularChunks(max(n, 1), 0, n) for n in self._shape))

    eachchunk.unchunked_default = True  # type: ignore[attr-defined]

    # ---------------------------------------------------------------- array attributes
    @property
    def _shape(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self.shape)

    @property
    def _dtype(self) -> np.dtype:
        return np.dtype(self.dtype)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self._shape)

    @property
    def size(self) -> int:
        """Number of items."""
        return math.prod(self._shape)

    @property
    def itemsize(self) -> int:
        """Bytes per item."""
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of all items (uncompressed)."""
        return self.size * self.itemsize

    def _grid(self) -> GridChunks:
        grid = self.eachchunk()
        if grid.size != self._shape:
            raise ValueError(
                f"{type(self).__name__}.eachchunk() covers shape {grid.size}, but the array "
                f"has shape {self._shape}"
            )
        return grid

    # ---------------------------------------------------------------- indexing
    def __getitem__(self, selection: Any) -> Any:
        """Read a selection, exactly as numpy's ``a[selection]`` would.

        Returns
        -------
        numpy.ndarray or numpy scalar
            A numpy scalar when ints pick every dimension (and there is no ``...``).

        Raises
        ------
        IndexError
            For what numpy refuses, with numpy's or zarrlite's message.
        """
        return self._read(self._request(selection))

    def __setitem__(self, selection: Any, value: Any) -> None:
        """Write a selection, exactly as numpy's ``a[selection] = value`` would (value
        broadcast and cast by numpy's rules; for repeated indices the last value wins).

        Raises
        ------
        IndexError
            For what numpy refuses.
        ReadOnlyError
            If the subclass does not implement ``writeblock``.
        """
        self._write(self._request(selection), value)

    @property
    def oindex(self) -> _Accessor:
        """``a.oindex[sel]``: orthogonal selection (get and set), as zarr's: per dimension an
        int, a slice, or a 1-D integer or boolean array, applied independently."""
        return _Accessor(self, orthogonal_request)

    @property
    def vindex(self) -> _Accessor:
        """``a.vindex[sel]``: coordinate selection (one integer array per dimension,
        broadcast) or mask selection (a boolean array of the array's shape), get and set."""
        return _Accessor(self, vindex_request)

    def _request(self, selection: Any) -> Request:
        try:
            return basic_request(selection, self._shape)
        except NotBasicSelection:
            return numpy_request(selection, self._shape)

    def _read(self, request: Request) -> Any:
        threshold = self.batch_strategy.density_threshold
        if isinstance(request, PointRequest):
            if request.mask is not None:
                return block_io.read_mask(
                    self, self._grid(), request.mask, request.shape[0], self._dtype, threshold
                )
            return block_io.read_points(
                self, self._grid(), request.points(), request.shape, self._dtype, threshold
            )
        data = block_io.read_orthogonal(
            self, self._grid(), request.dims, self._dtype, threshold
        ).reshape(request.shape)
        if request.axes is not None:
            data = np.ascontiguousarray(data.transpose(request.axes))
        return data[()] if request.scalar else data

    def _write(self, request: Request, value: Any) -> None:
        if type(self).writeblock is BlockArray.writeblock:  # fail before any readblock
            raise ReadOnlyError(_read_only_message(self))
        threshold = self.batch_strategy.density_threshold
        if isinstance(request, PointRequest):
            values = _prepare_value(value, request.shape, self._dtype, broadcast=False)
            if values.ndim:
                values = values.reshape(-1)
            npoints = math.prod(request.shape)
            block_io.write_points(
                self, self._grid(), request.points(), npoints, values, threshold
            )
            return
        values = _prepare_value(value, request.result_shape, self._dtype, broadcast=True)
        if request.axes is not None:
            values = values.transpose(np.argsort(request.axes))
        values = values.reshape(request.sel_shape)
        block_io.write_orthogonal(self, self._grid(), request.dims, values, threshold)

    # ---------------------------------------------------------------- numpy protocols
    def __array__(
        self, dtype: npt.DTypeLike | None = None, copy: bool | None = None
    ) -> np.ndarray:
        """The whole array, read (``np.asarray(a)``, ``np.array(a, dtype)``).

        Raises
        ------
        ValueError
            If ``copy=False``: the items live in blocks, so a copy cannot be avoided.
        """
        if copy is False:
            raise ValueError(
                f"{type(self).__name__} cannot be turned into a numpy array without a copy"
            )
        data: np.ndarray = self._read(basic_request(Ellipsis, self._shape))
        return data if dtype is None else data.astype(dtype, copy=False)

    def __len__(self) -> int:
        """The length of the first axis (TypeError for a 0-d array, as numpy)."""
        shape = self._shape
        if not shape:
            raise TypeError("len() of unsized object")
        return shape[0]

    def __iter__(self) -> Iterator[Any]:
        """Iterate over the first axis, as numpy (rows, or scalars for a 1-d array).

        The first axis is read in slabs: one chunk of it at a time (at most
        :data:`ITER_MAX_BYTES`), all other axes whole.
        """
        shape = self._shape
        if not shape:
            raise TypeError("iteration over a 0-d array")
        return self._iter_slabs(shape)

    def _iter_slabs(self, shape: tuple[int, ...]) -> Iterator[Any]:
        row_nbytes = math.prod(shape[1:]) * self.itemsize
        max_rows = max(1, ITER_MAX_BYTES // max(row_nbytes, 1))
        for chunk in self._grid().dims[0]:
            for start in range(chunk.start, chunk.stop, max_rows):
                yield from self[start:min(chunk.stop, start + max_rows)]

    def __repr__(self) -> str:
        chunks = self._grid().max_chunk_shape
        return f"<{type(self).__name__} shape={self._shape} dtype={self._dtype} chunks={chunks}>"


class _Accessor:
    """``a.oindex[sel]`` / ``a.vindex[sel]``, get and set, through a selection normaliser."""

    __slots__ = ("_array", "_normalize")

    def __init__(
        self, array: BlockArray, normalize: Callable[[Any, tuple[int, ...]], Request]
    ) -> None:
        self._array = array
        self._normalize = normalize

    def __getitem__(self, selection: Any) -> Any:
        return self._array._read(self._normalize(selection, self._array._shape))

    def __setitem__(self, selection: Any, value: Any) -> None:
        self._array._write(self._normalize(selection, self._array._shape), value)


def _read_only_message(array: BlockArray) -> str:
    return f"{type(array).__name__} is read-only: it does not implement writeblock()"


def _prepare_value(
    value: Any, shape: tuple[int, ...], dtype: np.dtype, broadcast: bool
) -> np.ndarray:
    """`value` cast and broadcast to `shape` by numpy's own assignment rules.

    A scalar is converted once and returned 0-d (or broadcast to `shape` without a copy
    when `broadcast`); anything else is assigned into a new array of `shape`.
    """
    if isinstance(value, _SCALAR_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 0):
        item = np.empty((), dtype=dtype)
        item[()] = value
        return np.broadcast_to(item, shape) if broadcast else item
    values = np.empty(shape, dtype=dtype)
    values[...] = value
    return values
