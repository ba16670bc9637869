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

    Normally obtained from `zarrlite.open_array`, `zarrlite.create` or a `Group`, not
    constructed directly.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Store holding the array.
    path : str
        Path of the array inside the store.
    read_only : bool
        Refuse writes with ReadOnlyError.
    write_empty_chunks : bool
        Store chunks even when every item equals the fill value (by default such chunks are
        deleted instead, and read back as the fill value).
    meta : ArrayMeta, optional
        Metadata already read (saves one store read).
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
        return len(self._meta.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self._meta.shape, dtype=np.int64))

    @property
    def itemsize(self) -> int:
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
        """Number of chunks present in the store."""
        return sum(1 for _ in self._stored_chunk_coords())

    @property
    def stats(self) -> dict[str, int]:
        """Counters since this Array object was made: ``chunks_decoded`` (whole or in part),
        ``partial_decodes`` (Blosc chunks of which only the needed blocks were decoded) and
        ``blocks_decoded`` (blocks decompressed from two-level ``zarrlite.b2nd`` chunks).
        With a counting store they show which work a selection caused."""
        return dict(self._io.stats)

    @property
    def attrs(self) -> Attributes:
        """User attributes (``.zattrs``)."""
        if self._attrs is None:
            self._attrs = Attributes(self._store, meta_key(self._path, ATTRS_KEY),
                                     self._read_only)
        return self._attrs

    @property
    def info(self) -> Any:
        """A report of the array's properties (printable; ``repr`` gives the text)."""
        from zarrlite.hierarchy.info import array_info

        return array_info(self)

    # ------------------------------------------------------------------ reading
    def __getitem__(self, selection: Any) -> Any:
        """Read a selection, numpy style: ints, slices (any step), ``...``, ``None``, and
        one integer or boolean array among them (or a boolean mask of the whole array)."""
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
        """Read a basic selection; returns an ndarray, or a scalar for a single item.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None or a tuple of them
        out : numpy.ndarray, optional
            C-contiguous writable array of the array's dtype and the selection's shape to
            read into (saves allocating the result: for big reads, touching new memory
            costs as much as decoding). It is returned.
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
        data = np.asarray(self[...])
        return data if dtype is None else data.astype(dtype, copy=False)

    def __len__(self) -> int:
        if not self._meta.shape:
            raise TypeError("len() of unsized object")
        return self._meta.shape[0]

    def __iter__(self) -> Iterator[Any]:
        if not self._meta.shape:
            raise TypeError("iteration over a 0-d array")
        step = self._meta.chunks[0]
        for start in range(0, self._meta.shape[0], step):
            yield from self[start : start + step]

    # ------------------------------------------------------------------ writing
    def __setitem__(self, selection: Any, value: Any) -> None:
        """Write a selection, numpy style; the value broadcasts to the selection."""
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
        """Write `value` (broadcast as numpy does) into a basic selection."""
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

        Kept chunks that a shrink cuts through have the cut-off part set to the fill
        value (zarr-python 2 leaves the old data there, zarr-python issue 1017), so a
        later grow reads the fill value in the whole new region.

        Parameters
        ----------
        *shape : int or tuple of int
            New shape, with the same number of dimensions.
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

        Returns
        -------
        tuple of int
            The new shape.
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
        """Hash of the chunk bytes, metadata and attributes, in zarr-python 2's manner."""
        h = hashlib.new(hashname)
        for coords in sorted(self._stored_chunk_coords()):
            h.update(self._store[self._chunk_key(coords)])
        h.update(self._store.get(self._meta_key, b""))
        h.update(self._store.get(meta_key(self._path, ATTRS_KEY), b""))
        return h.hexdigest()

    def islice(self, start: int | None = None, end: int | None = None) -> Iterator[Any]:
        """Iterate over items start:end of the first dimension, a chunk at a time."""
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
