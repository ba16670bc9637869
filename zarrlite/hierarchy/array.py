"""`Array`: one Zarr v2 array in a store, indexed like a numpy array."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import numpy as np

from zarrlite import config
from zarrlite.chunked.reductions import ReductionMethods
from zarrlite.chunkio.basic import ChunkIO
from zarrlite.chunkio.chunkcache import ChunkCache
from zarrlite.chunkio.pipeline import ChunkPipeline
from zarrlite.codecs.registry import get_codec
from zarrlite.errors import (
    ArrayNotFoundError,
    CodecNotAvailableError,
    MetadataError,
)
from zarrlite.hierarchy.attrs import Attributes
from zarrlite.hierarchy.block_protocol import BlockProtocol
from zarrlite.hierarchy.compat import check_zarr2_keywords
from zarrlite.hierarchy.fancy import FancyIndexing
from zarrlite.hierarchy.fields import FieldSelection
from zarrlite.hierarchy.node import Node
from zarrlite.hierarchy.reshaping import Reshaping
from zarrlite.hierarchy.selection import BasicIndexing
from zarrlite.hierarchy.stored import stored_chunk_coords
from zarrlite.hierarchy.views import Views
from zarrlite.metadata.array_meta import ArrayMeta, chunk_size_problem, count_problem
from zarrlite.metadata.keys import ARRAY_META_KEY, ATTRS_KEY, chunk_key, meta_key, normalize_path
from zarrlite.stores.abc import is_readonly
from zarrlite.stores.access import getsize, location_of, normalize_store
from zarrlite.stores.adapter import as_store, unwrap_store


class Array(Node, FieldSelection, BasicIndexing, FancyIndexing, Reshaping, Views, BlockProtocol,
            ReductionMethods):
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
    chunk_store, synchronizer, cache_metadata, cache_attrs, partial_decompress
        zarr-python 2's keywords, in its order: `chunk_store`, a separate store for the
        chunks (metadata and attributes stay in `store`); `synchronizer`, a
        :class:`~zarrlite.ThreadSynchronizer` or :class:`~zarrlite.ProcessSynchronizer`
        whose lock of each chunk key every chunk write holds (see docs/stores.md,
        "Concurrent writers"), `zarr_version` None or 2, `meta_array` a
        numpy array or None; with ``cache_metadata=False`` the ``.zarray`` is read again
        before each selection (to see resizes made through other objects) and with
        ``cache_attrs=False`` the ``.zattrs`` before each attribute access;
        `partial_decompress` is ignored (``zarrlite.config`` ``partial_decode`` decides).
    zarr_version, meta_array
        zarr-python 2's keywords too (see above).
    write_empty_chunks : bool, optional
        Store chunks even when every item equals the fill value (by default such chunks are
        deleted instead, and read back as the fill value). None (the default) takes
        ``zarrlite.config`` ``write_empty_chunks`` (False unless set).
    meta : ArrayMeta, optional
        Metadata already read (saves one store read); keyword only.
    chunk_cache : int or str, optional
        Bytes of decoded chunks this array keeps in a cache of its own (an int or a string
        such as ``"64MiB"``; 0 for none), keyword only. None (the default) uses the
        process-wide cache sized by ``zarrlite.config`` ``chunk_cache`` (off unless set).
        See docs/guide or README, "Decoded-chunk cache".

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
    <zarrlite.Array (4, 6) int32>
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
    <zarrlite.Array (4, 6) int32 read-only>
    """

    def __init__(
        self,
        store: MutableMapping[str, bytes],
        path: str | None = "",
        read_only: bool = False,
        chunk_store: Any = None,
        synchronizer: Any = None,
        cache_metadata: bool = True,
        cache_attrs: bool = True,
        partial_decompress: bool = False,
        write_empty_chunks: bool | None = None,
        zarr_version: int | None = None,
        meta_array: Any = None,
        *,
        meta: ArrayMeta | None = None,
        chunk_cache: int | str | None = None,
    ) -> None:
        if synchronizer is not None or zarr_version is not None or meta_array is not None:
            check_zarr2_keywords("Array", synchronizer=synchronizer,
                                 zarr_version=zarr_version, meta_array=meta_array)
        self._synchronizer = synchronizer
        self._cache_metadata = cache_metadata
        self._cache_attrs = cache_attrs
        self._is_view = False
        self._store = store = as_store(store)
        #: Where the chunks are: the array's store, or zarr-python 2's separate chunk store.
        self._chunk_store = (store if chunk_store is None
                             else normalize_store(chunk_store, "r" if read_only else "a"))
        self._path = normalize_path(path)
        self._read_only = read_only or is_readonly(store)  # (a read-only store: say so)
        if write_empty_chunks is None:
            write_empty_chunks = config.get("write_empty_chunks")
        self._write_empty_chunks: bool = write_empty_chunks
        #: Bytes of this array's own decoded-chunk cache (None: the shared one).
        self._chunk_cache = _own_cache(chunk_cache)
        self._meta_key = meta_key(self._path, ARRAY_META_KEY)
        self._attrs: Attributes | None = None
        #: (compressor, filters) as built when the metadata was checked at open: the
        #: pipeline uses them rather than building them again.
        self._codecs: tuple[Any, list[Any]] | None = None
        self._meta_raw: Any = None  # the .zarray read (compared on refreshes)
        if meta is None:
            try:
                raw = self._meta_raw = store[self._meta_key]
            except KeyError:
                raise ArrayNotFoundError(
                    f"no array at {location_of(store, self._path)} (no .zarray)") from None
            meta, self._codecs = _read_meta(raw, store, self._path, self._meta_key)
        self._set_meta(meta)

    def __reduce__(self) -> tuple[Any, ...]:
        # An array pickles as where it is and how it was opened, never its data, caches,
        # locks or buffers: unpickling opens it again, so it sees the writes and resizes
        # made since. (A view's changed shape, dtype or filters exist only in this object:
        # its metadata goes along.) The store pickles as what reopens it.
        separate = self._chunk_store if self._chunk_store is not self._store else None
        return _reopen_array, (type(self), self._store, self._path, self._read_only, separate,
                               self._synchronizer, self._cache_metadata, self._cache_attrs,
                               self._write_empty_chunks,
                               self._meta if self._is_view else None, self.chunk_cache)

    def _set_meta(self, meta: ArrayMeta) -> None:
        self._meta = meta
        self._pipeline_cache: ChunkPipeline | None = None  # built on first use: opening
        self._io_cache: ChunkIO | None = None  # an array must stay cheap

    @property
    def _pipeline(self) -> ChunkPipeline:
        if self._pipeline_cache is None:
            meta = self._meta
            compressor, filters = self._codecs or (meta.compressor, meta.filters)
            self._pipeline_cache = ChunkPipeline(compressor, filters, meta.dtype,
                                                 meta.chunks, meta.order)
        return self._pipeline_cache

    @property
    def _io(self) -> ChunkIO:
        if self._io_cache is None:
            # (the key function must not hold the array: a cycle would keep the array, its
            # store and their buffers alive until a full garbage collection)
            key_of = functools.partial(chunk_key, self._path,
                                       separator=self._meta.dimension_separator)
            self._io_cache = ChunkIO(self._chunk_store, key_of, self._meta, self._pipeline,
                                     self._write_empty_chunks, self._synchronizer,
                                     self._chunk_cache)
        return self._io_cache

    def _chunk_key(self, coords: tuple[int, ...]) -> str:
        return chunk_key(self._path, coords, self._meta.dimension_separator)

    # ------------------------------------------------------------------ properties
    # store, path, name, basename: from Node
    @property
    def name(self) -> str | None:
        """Absolute name, e.g. '/group/array'; None for an array at the root of its store
        (as in zarr-python 2)."""
        return "/" + self._path if self._path else None

    @property
    def meta(self) -> ArrayMeta:
        """The parsed ``.zarray`` metadata."""
        return self._meta

    @property
    def shape(self) -> tuple[int, ...]:
        """Array shape; assigning to it resizes the array (see `resize`)."""
        self._refresh_meta()
        return self._meta.shape

    @shape.setter
    def shape(self, value: Any) -> None:
        self.resize(value)

    def _refresh_meta(self) -> None:
        """Read the ``.zarray`` again when metadata is not cached (``cache_metadata=False``)."""
        if not self._cache_metadata and not self._is_view:
            try:
                raw = self._store[self._meta_key]
            except KeyError:
                raise ArrayNotFoundError(
                    f"no array at {location_of(self._store, self._path)} (no .zarray)") from None
            if raw != self._meta_raw:
                meta, self._codecs = _read_meta(raw, self._store, self._path, self._meta_key)
                self._set_meta(meta)
                self._meta_raw = raw

    @property
    def basename(self) -> str | None:
        """Last component of the name; None for an array at the root of its store (as in
        zarr-python 2)."""
        return self._path.rsplit("/", 1)[-1] if self._path else None

    @property
    def chunk_store(self) -> MutableMapping[str, bytes]:
        """The store holding the chunks: the array's store unless a separate one was given
        (``chunk_store=``), as given."""
        return unwrap_store(self._chunk_store)

    @property
    def is_view(self) -> bool:
        """True for an array made by `view` or `astype`."""
        return self._is_view
    chunks = property(lambda self: self._meta.chunks, doc="Chunk shape.")
    dtype = property(lambda self: self._meta.dtype, doc="Data type.")
    fill_value = property(lambda self: self._meta.fill_value, doc="Value of missing items.")
    order = property(lambda self: self._meta.order, doc="Memory layout of chunks, 'C' or 'F'.")
    dimension_separator = property(lambda self: self._meta.dimension_separator,
                                   doc="Separator in chunk keys, '.' or '/'.")
    cdata_shape = property(lambda self: self._meta.cdata_shape or (1,), doc="""Chunks per
        dimension; ``(1,)`` for a 0-d array (its one chunk), as in zarr-python 2.""")
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
    def synchronizer(self) -> Any:
        """What gives the lock each chunk write holds (None: writes take no locks)."""
        return self._synchronizer

    @property
    def chunk_cache(self) -> int | None:
        """Bytes of this array's own decoded-chunk cache (0: none), or None when it uses
        the process-wide one (``zarrlite.config`` ``chunk_cache``)."""
        cache = self._chunk_cache
        if cache is None:
            return None
        return cache.max_nbytes if isinstance(cache, ChunkCache) else 0

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
        """Bytes stored for the array: metadata, attributes and chunks (-1 when a value
        in the store is not bytes-like, so its size is unknown)."""
        size = getsize(self._store, self._path)
        if self._chunk_store is not self._store and size != -1:
            chunk_size = getsize(self._chunk_store, self._path)
            size = -1 if chunk_size == -1 else size + chunk_size
        return size

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
        return sum(1 for _ in stored_chunk_coords(self._chunk_store, self._path, self._meta))

    @property
    def stats(self) -> dict[str, int]:
        """Counters of the decoding work done through this Array object.

        ``chunks_decoded`` (whole or in part), ``partial_decodes`` (Blosc chunks of which
        only the needed blocks were decoded), ``blocks_decoded`` (blocks decompressed from
        two-level ``zarrlite.b2nd`` chunks) and ``ranged_reads`` (chunks of which only the
        needed blocks were fetched, by byte ranges); with a decoded-chunk cache
        (``chunk_cache``), ``chunk_cache_hits`` and ``chunk_cache_misses``: chunks a basic
        selection found in the cache, or looked for there and did not (each hit or miss is
        one chunk of one read; scalar reads of cached chunks count too). They count from
        when the object was made, and start again from zero when its metadata changes
        (`resize`, `append`).
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
                                     self._read_only, cache=self._cache_attrs,
                                     synchronizer=self._synchronizer)
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

    def _check_writable(self) -> None:
        self._refuse_writes_if_read_only(f"array {'/' + self._path!r}")

    def _write_meta(self, meta: ArrayMeta) -> None:
        if self._is_view:
            raise PermissionError("a view's metadata lives in memory only: resize or append "
                                  "the array itself")
        self._store[self._meta_key] = meta.encode()
        self._set_meta(meta)

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
        for coords in sorted(stored_chunk_coords(self._chunk_store, self._path, self._meta)):
            h.update(self._chunk_store[self._chunk_key(coords)])
        h.update(self._store.get(self._meta_key, b""))
        h.update(self._store.get(meta_key(self._path, ATTRS_KEY), b""))
        return h.hexdigest()

    def islice(self, start: int | None = None, end: int | None = None) -> Iterator[Any]:
        """Iterate over items start:end of the first dimension, reading a chunk at a time.

        Parameters
        ----------
        start, end : int, optional
            Bounds along the first dimension, non-negative (default: all of it; an end
            beyond it stops there), as in zarr-python 2.

        Yields
        ------
        numpy.ndarray or scalar
            ``z[i]`` for each `i` in ``range(start, end)``.

        Raises
        ------
        TypeError
            For a 0-d array.
        ValueError
            If a bound is negative or not an integer.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(10, dtype="i4"), chunks=3)
        >>> [int(x) for x in z.islice(2, 6)]
        [2, 3, 4, 5]
        """
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        start = 0 if start is None else start
        end = self.shape[0] if end is None else end
        for bound in (start, end):
            if not isinstance(bound, (int, np.integer)) or bound < 0:
                raise ValueError(f"islice bounds must be non-negative integers, got {bound!r}")
        rows = range(min(start, self.shape[0]), min(end, self.shape[0]))
        step = self._meta.chunks[0]
        for block_start in range(rows.start, rows.stop, step):
            yield from self[block_start : min(block_start + step, rows.stop)]

    def __repr__(self) -> str:
        ro = " read-only" if self._read_only else ""
        name = f" {self.name!r}" if self._path else ""  # a root array has no name
        return f"<zarrlite.Array{name} {self.shape} {self.dtype}{ro}>"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Array) and self._store is other._store
                and self._path == other._path and not self._is_view and not other._is_view)

    __hash__ = object.__hash__


def _reopen_array(cls: type[Array], store: Any, path: str, read_only: bool, chunk_store: Any,
                  synchronizer: Any, cache_metadata: bool, cache_attrs: bool,
                  write_empty_chunks: bool, view_meta: ArrayMeta | None,
                  chunk_cache: int | None = None) -> Array:
    """Unpickle an :class:`Array`: open it again (see ``Array.__reduce__``)."""
    array = cls(store, path, read_only, chunk_store, synchronizer, cache_metadata, cache_attrs,
                write_empty_chunks=write_empty_chunks, meta=view_meta, chunk_cache=chunk_cache)
    array._is_view = view_meta is not None
    return array


def _own_cache(chunk_cache: int | str | None) -> ChunkCache | bool | None:
    """An array's own decoded-chunk cache from its `chunk_cache` argument: None (use the
    shared one), False (none) or a new cache."""
    if chunk_cache is None:
        return None
    nbytes = config.chunk_cache_nbytes(chunk_cache)
    return ChunkCache(nbytes) if nbytes else False


def _store_separator(meta: ArrayMeta, raw: bytes) -> ArrayMeta:
    """Metadata that names no separator takes the store's '/' (as in zarr-python 2)."""
    if b'"dimension_separator"' in bytes(raw):
        return meta
    return dataclasses.replace(meta, dimension_separator="/")


def _build_codecs(meta: ArrayMeta, key: str, path: str, store: Any) -> tuple[Any, list[Any]]:
    """Build every codec the metadata names, so that an unknown codec or a bad codec
    configuration is reported at open (CodecNotAvailableError naming the array at `path`
    of `store`, MetadataError naming the field), not at the first read. Returns
    (compressor, filters)."""
    fields = [("compressor", meta.compressor)]
    fields += [(f"filters[{i}]", f) for i, f in enumerate(meta.filters or ())]
    built: list[Any] = []
    for field, codec_config in fields:
        if codec_config is None:
            built.append(None)
            continue
        try:
            built.append(get_codec(codec_config))
        except CodecNotAvailableError as exc:
            where = location_of(store, path)
            raise CodecNotAvailableError(f"cannot open the array at {where}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise MetadataError(
                f"{key}: {field} {codec_config!r} is not a valid codec configuration: {exc}"
            ) from None
    return built[0], built[1:]


#: Metadata already decoded and checked, by (document bytes, store's separator): opening
#: an array whose .zarray reads the same bytes skips decoding them again (ArrayMeta is
#: frozen, so arrays may share one). Codecs are built anew for every array.
_decoded: dict[tuple[bytes, Any, Any], ArrayMeta] = {}
_DECODED_KEPT = 256


def _decode_checked(raw: Any, store: Any, key: str) -> ArrayMeta:
    """The metadata in `raw`, parsed, with the store's separator applied and sizes within
    bounds (MetadataError otherwise)."""
    memo_key = None
    if isinstance(raw, (bytes, bytearray, memoryview)):  # (not a consolidated document)
        # (the size check depends on the max_chunk_nbytes setting)
        memo_key = (bytes(raw), store.dimension_separator, config.get("max_chunk_nbytes"))
        meta = _decoded.get(memo_key)
        if meta is not None:
            return meta
    meta = ArrayMeta.decode(raw, key)
    if store.dimension_separator == "/" and meta.dimension_separator == ".":
        meta = _store_separator(meta, raw)
    problem = (count_problem(meta.shape, meta.chunks)
               or chunk_size_problem(meta.chunks, meta.dtype.itemsize))
    if problem is not None:
        raise MetadataError(f"{key}: {problem}")
    if memo_key is not None and not isinstance(meta.fill_value, (np.ndarray, np.void)):
        # (a structured fill value can be changed in place: not shared between arrays)
        if len(_decoded) >= _DECODED_KEPT:
            try:  # the oldest goes (another thread may be doing the same)
                del _decoded[next(iter(_decoded))]
            except (KeyError, RuntimeError, StopIteration):
                pass
        _decoded[memo_key] = meta
    return meta


def _read_meta(raw: Any, store: Any, path: str, key: str
               ) -> tuple[ArrayMeta, tuple[Any, list[Any]]]:
    """The metadata of the array at `path`, checked completely: parsed, sizes within
    bounds, every codec built (and returned with it). Problems raise MetadataError (or
    CodecNotAvailableError) naming the array's location and the key."""
    try:
        meta = _decode_checked(raw, store, key)
        codecs = _build_codecs(meta, key, path, store)
    except MetadataError as exc:
        raise MetadataError(f"cannot open the array at {location_of(store, path)}: {exc}"
                            ) from None
    return meta, codecs
