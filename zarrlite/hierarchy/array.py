"""`Array`: one Zarr v2 array in a store, indexed like a numpy array."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import numpy as np
import numpy.typing as npt

from zarrlite.chunkio.engine import ChunkIO
from zarrlite.chunkio.pipeline import ChunkPipeline
from zarrlite.codecs.registry import check_codecs_available
from zarrlite.errors import ArrayNotFoundError, CodecNotAvailableError, ReadOnlyError
from zarrlite.hierarchy.attrs import Attributes
from zarrlite.hierarchy.fancy import FancyIndexing
from zarrlite.hierarchy.node import Node
from zarrlite.indexing.basic import BasicIndexer, NotBasicSelection
from zarrlite.indexing.orthogonal import OrthogonalIndexer, classify_selection
from zarrlite.metadata.array_meta import ArrayMeta
from zarrlite.metadata.keys import ARRAY_META_KEY, ATTRS_KEY, chunk_key, meta_key, normalize_path
from zarrlite.stores.access import delitems, getsize, listdir, location_of
from zarrlite.stores.adapter import as_store


class Array(Node, FancyIndexing):
    """A chunked, compressed N-d array stored as Zarr v2.

    Normally obtained from `zarrlite.open_array`, `zarrlite.create` (or another factory)
    or a `Group`, not constructed directly. It is indexed like a numpy array: ``z[sel]``
    takes ints, slices, ``...``, ``None`` and one integer or boolean array; `oindex`,
    `vindex` and `blocks` take orthogonal, coordinate (or mask) and chunk selections.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Store holding the array; a mapping that is not a zarrlite store (a ``dict``,
        say) is used through an adapter.
    path : str, optional
        Path of the array inside the store ('' for the root).
    read_only : bool, optional
        Refuse writes with ReadOnlyError.
    write_empty_chunks : bool, optional
        Store chunks even when every item equals the fill value (by default such chunks are
        deleted instead, and read back as the fill value).
    meta : ArrayMeta, optional
        Metadata already read (saves one store read).

    Raises
    ------
    ArrayNotFoundError
        If there is no ``.zarray`` at `path` (a KeyError).
    MetadataError
        If the ``.zarray`` document is malformed (a ValueError).
    CodecNotAvailableError
        If the metadata names a compressor or filter that no installed package provides.

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> z = zl.array(np.arange(24, dtype="i4").reshape(4, 6), chunks=(2, 3))
    >>> z
    <zarrlite.Array '/' (4, 6) int32>
    >>> z[1, ::2].tolist()
    [6, 8, 10]
    >>> z.oindex[[0, 3], [1, 4]].tolist()  # rows 0 and 3, columns 1 and 4
    [[1, 4], [19, 22]]
    >>> z.vindex[[0, 3], [1, 4]].tolist()  # the items (0, 1) and (3, 4)
    [1, 22]
    >>> z.blocks[1, 0].tolist()  # the chunk at grid position (1, 0)
    [[12, 13, 14], [18, 19, 20]]

    The same array opened again from its store, read-only:

    >>> zl.Array(z.store, read_only=True)
    <zarrlite.Array '/' (4, 6) int32 read-only>
    """

    def __init__(
        self,
        store: MutableMapping[str, bytes],
        path: str = "",
        read_only: bool = False,
        write_empty_chunks: bool = False,
        meta: ArrayMeta | None = None,
    ) -> None:
        self._store = store = as_store(store)
        self._path = normalize_path(path)
        self._read_only = read_only
        self._write_empty_chunks = write_empty_chunks
        self._meta_key = meta_key(self._path, ARRAY_META_KEY)
        self._attrs: Attributes | None = None
        if meta is None:
            try:
                raw = store[self._meta_key]
            except KeyError:
                raise ArrayNotFoundError(
                    f"no array at {location_of(store, self._path)} (no .zarray)") from None
            meta = ArrayMeta.decode(raw, self._meta_key)
            if store.dimension_separator == "/" and meta.dimension_separator == ".":
                meta = _store_separator(meta, raw)
            try:  # say it at open, not at the first read
                check_codecs_available((meta.compressor, *(meta.filters or ())))
            except CodecNotAvailableError as exc:
                raise CodecNotAvailableError(
                    f"cannot open the array at {location_of(store, self._path)}: {exc}"
                ) from None
        self._set_meta(meta)

    def _set_meta(self, meta: ArrayMeta) -> None:
        self._meta = meta
        self._pipeline_cache: ChunkPipeline | None = None  # built on first use: opening
        self._io_cache: ChunkIO | None = None  # an array must stay cheap

    @property
    def _pipeline(self) -> ChunkPipeline:
        if self._pipeline_cache is None:
            meta = self._meta
            self._pipeline_cache = ChunkPipeline(meta.compressor, meta.filters, meta.dtype,
                                                 meta.chunks, meta.order)
        return self._pipeline_cache

    @property
    def _io(self) -> ChunkIO:
        if self._io_cache is None:
            self._io_cache = ChunkIO(self._store, self._chunk_key, self._meta, self._pipeline,
                                     self._write_empty_chunks)
        return self._io_cache

    def _chunk_key(self, coords: tuple[int, ...]) -> str:
        return chunk_key(self._path, coords, self._meta.dimension_separator)

    # ------------------------------------------------------------------ properties
    # store, path, name, basename: from Node
    @property
    def meta(self) -> ArrayMeta:
        """The parsed ``.zarray`` metadata."""
        return self._meta

    shape = property(lambda self: self._meta.shape, doc="Array shape.")
    chunks = property(lambda self: self._meta.chunks, doc="Chunk shape.")
    dtype = property(lambda self: self._meta.dtype, doc="Data type.")
    fill_value = property(lambda self: self._meta.fill_value, doc="Value of missing items.")
    order = property(lambda self: self._meta.order, doc="Memory layout of chunks, 'C' or 'F'.")
    dimension_separator = property(lambda self: self._meta.dimension_separator,
                                   doc="Separator in chunk keys, '.' or '/'.")
    cdata_shape = property(lambda self: self._meta.cdata_shape, doc="Chunks per dimension.")
    nchunks = property(lambda self: self._meta.nchunks, doc="Number of chunks in the grid.")

    @property
    def compressor(self) -> Any:
        """The compressor codec (None for uncompressed chunks)."""
        return self._pipeline.compressor

    @property
    def filters(self) -> list[Any] | None:
        """Filter codecs applied before the compressor, or None."""
        return list(self._pipeline.filters) or None

    @property
    def read_only(self) -> bool:
        """True if writes are refused."""
        return self._read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self._read_only = bool(value)
        if self._attrs is not None:
            self._attrs.read_only = self._read_only

    @property
    def write_empty_chunks(self) -> bool:
        """Whether chunks equal to the fill value are stored."""
        return self._write_empty_chunks

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self._meta.shape)

    @property
    def size(self) -> int:
        """Number of items in the array."""
        return int(np.prod(self._meta.shape, dtype=np.int64))

    @property
    def itemsize(self) -> int:
        """Bytes per item."""
        return self._meta.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the whole array takes uncompressed."""
        return self.size * self.itemsize

    @property
    def nbytes_stored(self) -> int:
        """Bytes stored for the array: metadata, attributes and chunks."""
        return getsize(self._store, self._path)

    @property
    def nchunks_initialized(self) -> int:
        """Number of chunks present in the store.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros((4, 4), chunks=(2, 2))
        >>> z[0, 0] = 1
        >>> z.nchunks_initialized, z.nchunks
        (1, 4)
        """
        return sum(1 for _ in self._stored_chunk_coords())

    @property
    def stats(self) -> dict[str, int]:
        """Counters of the decoding work done through this Array object.

        ``chunks_decoded`` (whole or in part), ``partial_decodes`` (Blosc chunks of which
        only the needed blocks were decoded), ``blocks_decoded`` (blocks decompressed from
        two-level ``zarrlite.b2nd`` chunks) and ``ranged_reads`` (chunks of which only the
        needed blocks were fetched, by byte ranges). They count from when the object was
        made, and start again from zero when its metadata changes (`resize`, `append`).
        With a counting store they show which work a selection caused.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.ones((4, 4), chunks=(2, 2))
        >>> z[:2, :2] = 5
        >>> z[:, 0].tolist()  # the chunk (1, 0) is missing: read as the fill value
        [5.0, 5.0, 1.0, 1.0]
        >>> z.stats["chunks_decoded"]
        1
        """
        return dict(self._io.stats)

    @property
    def attrs(self) -> Attributes:
        """User attributes (``.zattrs``), a dict-like `Attributes` written through at once.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros(10)
        >>> z.attrs["units"] = "m"
        >>> z.attrs.update(scale=2, offset=0.5)
        >>> z.attrs.asdict()
        {'offset': 0.5, 'scale': 2, 'units': 'm'}
        """
        if self._attrs is None:
            self._attrs = Attributes(self._store, meta_key(self._path, ATTRS_KEY),
                                     self._read_only)
        return self._attrs

    @property
    def info(self) -> Any:
        """A report of the array's properties (printable; ``repr`` gives the text).

        The rows follow zarr-python 2's ``Array.info``, plus ``Partial decoding``: whether
        a small selection decodes only the blocks it needs. A row's value is also
        available by its label.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros((100, 100), chunks=(10, 10), dtype="i4")
        >>> z.info
        Name               : /
        Type               : zarrlite.Array
        Data type          : int32
        Shape              : (100, 100)
        Chunk shape        : (10, 10)
        Order              : C
        Read-only          : False
        Compressor         : Blosc(cname='lz4', clevel=5, shuffle=SHUFFLE, blocksize=0)
        Store type         : zarrlite.stores.memory.MemoryStore
        No. bytes          : 40000 (39.1K)
        ...
        Chunks initialized : 0/100
        Partial decoding   : yes: Blosc blocks
        <BLANKLINE>
        >>> z.info["Chunks initialized"]
        '0/100'
        """
        from zarrlite.hierarchy.info import array_info

        return array_info(self)

    # ------------------------------------------------------------------ reading
    def __getitem__(self, selection: Any) -> Any:
        """Read a selection, numpy style.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None, array-like or a tuple of them
            Ints, slices (any step), ``...`` and ``None``, with at most one integer or
            boolean array among them, or one boolean mask of the array's shape. For more
            than one array, use `oindex` (orthogonal) or `vindex` (coordinates).

        Returns
        -------
        numpy.ndarray or scalar
            A scalar when every dimension is picked by an int (and there is no ``...``).

        Raises
        ------
        IndexError
            If the selection is out of bounds or not supported (two arrays, say).

        See Also
        --------
        get_basic_selection, get_orthogonal_selection, get_mask_selection

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(24, dtype="i4").reshape(4, 6), chunks=(2, 3))
        >>> int(z[1, 2])
        8
        >>> z[::2, 1::2].tolist()
        [[1, 3, 5], [13, 15, 17]]
        >>> z[[0, 3], 1:3].tolist()  # one integer array, as numpy
        [[1, 2], [19, 20]]
        >>> z[z[...] > 20].tolist()  # a boolean mask of the whole array
        [21, 22, 23]
        """
        try:
            return self.get_basic_selection(selection)
        except NotBasicSelection:
            pass
        kind, sel, axes = classify_selection(selection, self._meta.shape)
        if kind == "mask":
            return self.get_mask_selection(sel)
        if kind == "orthogonal":
            result = self.get_orthogonal_selection(sel)
            return result if axes is None else result.transpose(axes)
        return self.get_basic_selection(sel)

    def get_basic_selection(self, selection: Any = Ellipsis, out: np.ndarray | None = None
                            ) -> Any:
        """Read a basic selection: an item or a (strided) box of the array.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None or a tuple of them, optional
            One entry per dimension (missing trailing dimensions are taken whole); slices
            may have any step, negative too. The default, ``...``, reads everything.
        out : numpy.ndarray, optional
            C-contiguous writable array of the array's dtype and the selection's shape to
            read into (saves allocating the result: for big reads, touching new memory
            costs as much as decoding). It is returned.

        Returns
        -------
        numpy.ndarray or scalar
            The selected items; a scalar for a single item picked by ints alone (a 0-d
            array when the selection holds ``...``). `out` when it is given.

        Raises
        ------
        IndexError
            If an index is out of bounds or the selection is not a basic one.
        TypeError
            If `out` is not a numpy array.
        ValueError
            If `out` has the wrong shape or dtype, or is not C-contiguous and writable.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(10, dtype="i4"), chunks=4)
        >>> int(z.get_basic_selection(5))
        5
        >>> z.get_basic_selection(slice(2, 9, 3)).tolist()
        [2, 5, 8]
        >>> z.get_basic_selection(slice(None, None, -4)).tolist()
        [9, 5, 1]

        Reading into an array of one's own:

        >>> out = np.empty(4, dtype="i4")
        >>> z.get_basic_selection(slice(4, 8), out=out) is out
        True
        >>> out.tolist()
        [4, 5, 6, 7]
        """
        indexer = self._basic_indexer(selection)
        if out is None:
            target = np.empty(indexer.sel_shape, dtype=self._meta.dtype)
        else:
            target = _check_out(out, indexer.out_shape, self._meta.dtype).reshape(
                indexer.sel_shape
            )
        self._io.read(list(indexer), target)
        if out is not None:
            return out
        result = target.reshape(indexer.out_shape)
        if result.shape == () and not _has_ellipsis(selection):
            return result[()]
        return result

    def _basic_indexer(self, selection: Any) -> BasicIndexer:
        return BasicIndexer(selection, self._meta.shape, self._meta.chunks)

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        """The whole array read into memory, for ``numpy.asarray(z)``."""
        data = np.asarray(self[...])
        return data if dtype is None else data.astype(dtype, copy=False)

    def __len__(self) -> int:
        """Length of the first dimension (TypeError for a 0-d array)."""
        if not self._meta.shape:
            raise TypeError("len() of unsized object")
        return self._meta.shape[0]

    def __iter__(self) -> Iterator[Any]:
        """Iterate over the first dimension, reading a chunk's worth of rows at a time."""
        if not self._meta.shape:
            raise TypeError("iteration over a 0-d array")
        step = self._meta.chunks[0]
        for start in range(0, self._meta.shape[0], step):
            yield from self[start : start + step]

    # ------------------------------------------------------------------ writing
    def __setitem__(self, selection: Any, value: Any) -> None:
        """Write a selection, numpy style; the value broadcasts to the selection.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None, array-like or a tuple of them
            As for `__getitem__`.
        value : scalar or array-like
            Converted to the array's dtype as numpy assigns, and broadcast to the
            selection's shape.

        Raises
        ------
        ReadOnlyError
            If the array is read-only (a PermissionError).
        IndexError
            If the selection is out of bounds or not supported.
        ValueError
            If `value` does not broadcast to the selection's shape.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros((3, 4), chunks=(2, 2), dtype="i4")
        >>> z[0] = 1
        >>> z[1:, ::3] = [[2, 3], [4, 5]]
        >>> z[:, [1]] = 9
        >>> z[...].tolist()
        [[1, 9, 1, 1], [2, 9, 0, 3], [4, 9, 0, 5]]
        """
        try:
            self.set_basic_selection(selection, value)
            return
        except NotBasicSelection:
            pass
        kind, sel, axes = classify_selection(selection, self._meta.shape)
        if kind == "mask":
            self.set_mask_selection(sel, value)
        elif kind == "orthogonal":
            if axes is not None:  # numpy's result order -> oindex order
                shape = OrthogonalIndexer(sel, self._meta.shape, self._meta.chunks).out_shape
                value = self._prepare_value(value, tuple(shape[a] for a in axes))
                value = value.transpose(np.argsort(axes))
            self.set_orthogonal_selection(sel, value)
        else:
            self.set_basic_selection(sel, value)

    def set_basic_selection(self, selection: Any, value: Any) -> None:
        """Write `value` (broadcast as numpy does) into a basic selection.

        Chunks the selection covers completely are encoded from `value` without being
        read; the others are read, patched and written back.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None or a tuple of them
            As for `get_basic_selection`.
        value : scalar or array-like
            Converted to the array's dtype and broadcast to the selection's shape.

        Raises
        ------
        ReadOnlyError
            If the array is read-only (a PermissionError).
        IndexError
            If an index is out of bounds or the selection is not a basic one.
        ValueError
            If `value` does not broadcast to the selection's shape.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros(6, chunks=3, dtype="i4")
        >>> z.set_basic_selection(slice(1, None, 2), [7, 8, 9])
        >>> z[...].tolist()
        [0, 7, 0, 8, 0, 9]
        """
        self._check_writable()
        indexer = self._basic_indexer(selection)
        values = self._prepare_value(value, indexer.out_shape).reshape(indexer.sel_shape)
        self._io.write(list(indexer), values)

    def _prepare_value(self, value: Any, shape: tuple[int, ...]) -> np.ndarray:
        dtype = self._meta.dtype
        if dtype.hasobject:  # numpy's own rules for sequences of objects (one copy)
            out = np.empty(shape, dtype=object)
            out[() if not shape else ...] = value  # a single item takes any object whole
            return out
        # converted as numpy assigns: a tuple becomes a record, NaN into ints raises
        arr = np.asarray(value, dtype=dtype)
        try:
            return np.broadcast_to(arr, shape)
        except ValueError:
            raise ValueError(
                f"could not broadcast input array from shape {arr.shape} into shape {shape}"
            ) from None

    def _check_writable(self) -> None:
        if self._read_only:
            raise ReadOnlyError(f"array {self.name!r} is read-only")

    def _write_meta(self, meta: ArrayMeta) -> None:
        self._store[self._meta_key] = meta.encode()
        self._set_meta(meta)

    def resize(self, *shape: Any) -> None:
        """Change the shape; chunks wholly outside the new shape are deleted.

        The chunk shape stays. Kept chunks that a shrink cuts through have the cut-off
        part set to the fill value (zarr-python 2 leaves the old data there, zarr-python
        issue 1017), so a later grow reads the fill value in the whole new region.

        Parameters
        ----------
        *shape : int or tuple of int
            New shape, with the same number of dimensions: ``z.resize(5, 6)`` or
            ``z.resize((5, 6))``.

        Raises
        ------
        ReadOnlyError
            If the array is read-only (a PermissionError).
        ValueError
            If the number of dimensions differs or a length is negative.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.ones((4, 4), chunks=(2, 2), dtype="i4")
        >>> z[...] = 5
        >>> z.resize(3, 5)
        >>> z.shape, z.nchunks_initialized
        ((3, 5), 4)
        >>> z[2].tolist()  # the new column reads the fill value
        [5, 5, 5, 5, 1]
        >>> z.resize(4, 5)
        >>> z[3].tolist()  # so does the row the shrink cut off
        [1, 1, 1, 1, 1]
        """
        self._check_writable()
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        new_shape = tuple(int(s) for s in shape)
        if len(new_shape) != self.ndim or any(s < 0 for s in new_shape):
            raise ValueError(
                f"new shape {new_shape} must have {self.ndim} non-negative dimensions"
            )
        old_shape = self._meta.shape
        if all(n >= o for n, o in zip(new_shape, old_shape, strict=True)):
            self._write_meta(dataclasses.replace(self._meta, shape=new_shape))
            return
        stored = list(self._stored_chunk_coords())
        self._clear_cut_off(stored, new_shape)
        self._write_meta(dataclasses.replace(self._meta, shape=new_shape))
        new_grid = self._meta.cdata_shape
        gone = [self._chunk_key(coords) for coords in stored
                if any(c >= n for c, n in zip(coords, new_grid, strict=True))]
        delitems(self._store, gone)

    def _clear_cut_off(self, stored: list[tuple[int, ...]], new_shape: tuple[int, ...]) -> None:
        """Set the part of each kept chunk that a shrink cuts off to the fill value, so that
        growing again later reads the fill value there, not the old data."""
        shape, chunks = self._meta.shape, self._meta.chunks
        fill = self._meta.fill_value
        if fill is None and not self._meta.dtype.hasobject:
            fill = np.zeros((), dtype=self._meta.dtype)
        for coords in stored:
            if any(c * n >= s for c, n, s in zip(coords, chunks, new_shape, strict=True)):
                continue  # wholly cut off: deleted by the caller
            box = [slice(c * n, min((c + 1) * n, s))
                   for c, n, s in zip(coords, chunks, shape, strict=True)]
            for d, (dim_box, s) in enumerate(zip(box, new_shape, strict=True)):
                if s < dim_box.stop:
                    self[tuple(box[:d]) + (slice(s, dim_box.stop),) + tuple(box[d + 1 :])] = fill

    def append(self, data: Any, axis: int = 0) -> tuple[int, ...]:
        """Grow the array along `axis` and write `data` into the new part.

        Parameters
        ----------
        data : array-like
            Values to add, with the array's number of dimensions and its shape outside
            `axis`.
        axis : int, optional
            Dimension to grow (default 0; negative counts from the end).

        Returns
        -------
        tuple of int
            The new shape.

        Raises
        ------
        ReadOnlyError
            If the array is read-only (a PermissionError).
        ValueError
            If `data` has another number of dimensions or another shape outside `axis`,
            or `axis` is out of range.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(6, dtype="i4").reshape(2, 3), chunks=(2, 2))
        >>> z.append([[6, 7, 8]])
        (3, 3)
        >>> z.append([[0], [0], [0]], axis=1)
        (3, 4)
        >>> z[...].tolist()
        [[0, 1, 2, 0], [3, 4, 5, 0], [6, 7, 8, 0]]
        """
        self._check_writable()
        data = np.asarray(data)
        if data.ndim != self.ndim:
            raise ValueError(f"data has {data.ndim} dimensions, the array has {self.ndim}")
        axis = axis + self.ndim if axis < 0 else axis
        if not 0 <= axis < self.ndim:
            raise ValueError(f"axis {axis} is out of range for a {self.ndim}-d array")
        for d, (s, n) in enumerate(zip(self.shape, data.shape)):
            if d != axis and s != n:
                raise ValueError(
                    f"data shape {data.shape} does not match array shape {self.shape} "
                    f"outside axis {axis}"
                )
        old = self.shape[axis]
        new_shape = tuple(s + data.shape[axis] if d == axis else s
                          for d, s in enumerate(self.shape))
        self.resize(new_shape)
        selection = tuple(slice(old, None) if d == axis else slice(None)
                          for d in range(self.ndim))
        self[selection] = data
        return new_shape

    # ------------------------------------------------------------------ chunks
    def _stored_chunk_coords(self) -> Iterator[tuple[int, ...]]:
        """Grid coordinates of every chunk present in the store."""
        grid = self._meta.cdata_shape
        ndim = len(grid)
        if ndim == 0:
            if self._chunk_key(()) in self._store:
                yield ()
            return
        if self._meta.dimension_separator == "/":
            yield from self._walk_nested(self._path, (), grid)
            return
        for name in listdir(self._store, self._path):
            coords = _parse_coords(name.split("."), grid)
            if coords is not None:
                yield coords

    def _walk_nested(self, prefix: str, coords: tuple[int, ...],
                     grid: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
        depth = len(coords)
        for name in listdir(self._store, prefix):
            parsed = _parse_coords([name], grid[depth : depth + 1])
            if parsed is None:
                continue
            here = coords + parsed
            key = f"{prefix}/{name}" if prefix else name
            if depth + 1 == len(grid):
                yield here
            else:
                yield from self._walk_nested(key, here, grid)

    def hexdigest(self, hashname: str = "sha1") -> str:
        """Hash of the chunk bytes, metadata and attributes, in zarr-python 2's manner.

        Parameters
        ----------
        hashname : str, optional
            A name `hashlib.new` accepts (default ``"sha1"``).

        Returns
        -------
        str
            The hex digest: the stored chunks in grid order, then ``.zarray`` and
            ``.zattrs``, so equal arrays stored the same way hash the same.

        Raises
        ------
        ValueError
            If `hashname` is not a hash `hashlib` knows.

        Examples
        --------
        >>> import zarrlite as zl
        >>> a, b = zl.zeros(8, chunks=4), zl.zeros(8, chunks=4)
        >>> a[:2] = b[:2] = 1
        >>> a.hexdigest() == b.hexdigest()
        True
        >>> len(a.hexdigest("sha256"))
        64
        """
        h = hashlib.new(hashname)
        for coords in sorted(self._stored_chunk_coords()):
            h.update(self._store[self._chunk_key(coords)])
        h.update(self._store.get(self._meta_key, b""))
        h.update(self._store.get(meta_key(self._path, ATTRS_KEY), b""))
        return h.hexdigest()

    def islice(self, start: int | None = None, end: int | None = None) -> Iterator[Any]:
        """Iterate over items start:end of the first dimension, reading a chunk at a time.

        Parameters
        ----------
        start, end : int, optional
            Bounds along the first dimension, as in a slice (default: all of it).

        Yields
        ------
        numpy.ndarray or scalar
            ``z[i]`` for each `i` in ``range(start, end)``.

        Raises
        ------
        TypeError
            For a 0-d array.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(10, dtype="i4"), chunks=3)
        >>> [int(x) for x in z.islice(2, 6)]
        [2, 3, 4, 5]
        """
        rows = range(len(self))[slice(start, end)]
        step = self._meta.chunks[0]
        for block_start in range(rows.start, rows.stop, step):
            yield from self[block_start : min(block_start + step, rows.stop)]

    def __repr__(self) -> str:
        ro = " read-only" if self._read_only else ""
        return f"<zarrlite.Array {self.name!r} {self.shape} {self.dtype}{ro}>"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Array) and self._store is other._store
                and self._path == other._path)

    __hash__ = object.__hash__


def _check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
    if out.shape != shape or out.dtype != dtype:
        raise ValueError(
            f"out must have shape {shape} and dtype {dtype}, found {out.shape} and {out.dtype}"
        )
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("out must be C-contiguous and writable")
    return out


def _has_ellipsis(selection: Any) -> bool:
    if selection is Ellipsis:
        return True
    return isinstance(selection, tuple) and any(s is Ellipsis for s in selection)


def _parse_coords(parts: list[str], grid: tuple[int, ...]) -> tuple[int, ...] | None:
    if len(parts) != len(grid):
        return None
    coords = []
    for part in parts:
        # only the keys chunk_key writes: ASCII digits without leading zeros ("²" and "01"
        # are not chunks)
        if not (part.isascii() and part.isdigit()) or (part[0] == "0" and part != "0"):
            return None
        coords.append(int(part))
    return tuple(coords)


def _store_separator(meta: ArrayMeta, raw: bytes) -> ArrayMeta:
    """Metadata that names no separator takes the store's '/' (as in zarr-python 2)."""
    if b'"dimension_separator"' in bytes(raw):
        return meta
    return dataclasses.replace(meta, dimension_separator="/")
