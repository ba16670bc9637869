"""Making arrays and groups: the factories (create, zeros, ones, full, empty, array and the
``*_like`` ones) and the metadata they write into a store, with the hierarchy checks."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import numpy as np

from zarrlite import config
from zarrlite.chunkio.chunkcache import invalidate_prefix
from zarrlite.codecs.registry import as_codec
from zarrlite.errors import BadCompressorError, ContainsArrayError, ContainsGroupError
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.compat import (
    ZARR2_CREATE_KEYWORDS,
    check_zarr2_keywords,
    h5py_keywords,
    object_dtype_names,
    subarray_dtype,
)
from zarrlite.metadata.array_meta import (
    ArrayMeta,
    chunk_size_problem,
    count_problem,
    normalize_chunks,
    normalize_dimension_separator,
    normalize_order,
    normalize_shape,
)
from zarrlite.metadata.documents import decode_json, encode_json
from zarrlite.metadata.dtypes import (
    DEFAULT_FILL,
    UnsupportedDtypeError,
    default_fill_value,
    normalize_fill_value,
    object_fields,
    object_fill_value,
    parse_dtype,
    vlen_filter,
)
from zarrlite.metadata.group_meta import encode_group_meta
from zarrlite.metadata.keys import ARRAY_META_KEY, GROUP_META_KEY, meta_key, normalize_path
from zarrlite.stores.access import location_of, normalize_store, rmdir

#: What ``compressor="default"`` means: Blosc lz4, level 5, byte shuffle, as zarr-python 2.
DEFAULT_COMPRESSOR = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}


def contains_array(store: MutableMapping[str, bytes], path: str) -> bool:
    """True if an array exists at `path`."""
    return meta_key(normalize_path(path), ARRAY_META_KEY) in store


def contains_group(store: MutableMapping[str, bytes], path: str) -> bool:
    """True if a group exists at `path`."""
    return meta_key(normalize_path(path), GROUP_META_KEY) in store


def _check_free(store: MutableMapping[str, bytes], path: str, overwrite: bool,
                making: str) -> None:
    """Make `path` free for a new node (`making`: "array" or "group"), clearing it when
    overwrite, and give it parents."""
    if overwrite:
        rmdir(store, path)
        invalidate_prefix(store, path)
        _require_parent_groups(store, path, overwrite=True)
        return
    where = location_of(store, path)
    replace = "pass overwrite=True (or mode='w') to replace it"
    if contains_array(store, path):
        raise ContainsArrayError(
            f"{where} already holds an array; {replace}" if making == "array" else
            f"{where} holds an array, not a group: open it with zl.open_array or zl.open")
    if contains_group(store, path):
        raise ContainsGroupError(
            f"{where} already holds a group; {replace}" if making == "group" else
            f"{where} holds a group, not an array: open it with zl.open_group or zl.open, "
            "or create the array under a name inside it")
    _require_parent_groups(store, path)


def _require_parent_groups(store: MutableMapping[str, bytes], path: str,
                           overwrite: bool = False) -> None:
    """Make every node above `path` a group; an array there is an error, or replaced by a
    group (its data deleted) when `overwrite`."""
    if not path:
        return
    parts = path.split("/")[:-1]
    for i in range(len(parts) + 1):
        parent = "/".join(parts[:i])
        if contains_array(store, parent) and overwrite:
            rmdir(store, parent)
            invalidate_prefix(store, parent)
        elif contains_array(store, parent):
            raise ContainsArrayError(
                f"cannot create {path!r}: {location_of(store, parent)} holds an array, "
                "and an array cannot hold other nodes"
            )
        if not contains_group(store, parent):
            store[meta_key(parent, GROUP_META_KEY)] = encode_group_meta()


def _codec_config(codec: Any) -> dict | None:
    codec = as_codec(codec)
    if codec is None:
        return None
    # as a re-open reads it back (tuples become lists), so that the metadata compare equal
    config = decode_json(encode_json(codec.get_config()), "codec configuration")
    if config.get("id") == "zstd" and config.get("checksum") is False:
        # numcodecs' default; zarr-python 3 leaves it out of .zarray too, because
        # tensorstore refuses an explicit "checksum" key
        del config["checksum"]
    return config


def _compressor_config(codec: Any) -> dict | None:
    try:
        return _codec_config(codec)
    except TypeError as e:  # zarr-python 2 raises its BadCompressorError, a ValueError
        raise BadCompressorError(f"compressor: {e}") from None


def _filter_config(codec: Any) -> dict:
    config = _codec_config(codec)
    if config is None:
        raise TypeError("filters: expected codecs or codec configurations, found None")
    return config


def build_array_meta(
    shape: Any,
    chunks: Any = True,
    dtype: Any = None,
    compressor: Any = "default",
    fill_value: Any = DEFAULT_FILL,
    order: str = "C",
    filters: Any = None,
    dimension_separator: str | None = None,
    object_codec: Any = None,
) -> ArrayMeta:
    """Validate creation arguments and return the metadata of a new array."""
    if dtype is None:
        dtype = np.float64
    shape = normalize_shape(shape)
    dtype, object_codec = object_dtype_names(dtype, object_codec)
    sub = subarray_dtype(dtype)
    if sub is not None:  # "(2,2)f4": its shape goes into the array's, as in zarr-python 2
        dtype, shape = sub.base, shape + sub.shape
    implied = vlen_filter(dtype)
    np_dtype = parse_dtype(dtype)
    chunks = normalize_chunks(chunks, shape, np_dtype.itemsize)
    problem = count_problem(shape, chunks) or chunk_size_problem(chunks, np_dtype.itemsize)
    if problem is not None:
        raise ValueError(problem)
    if compressor == "default":
        compressor = DEFAULT_COMPRESSOR
    filter_configs = [_filter_config(f) for f in (filters or ())]
    if np_dtype.hasobject:
        filter_configs = _object_filters(dtype, np_dtype, object_codec, implied,
                                         filter_configs)
    object_codec_id = filter_configs[0]["id"] if np_dtype.kind == "O" else None
    if fill_value is DEFAULT_FILL:
        fill_value = default_fill_value(np_dtype, object_codec_id)
    else:
        fill_value = object_fill_value(fill_value, object_codec_id)
    return ArrayMeta(
        shape=shape,
        chunks=chunks,
        dtype=np_dtype,
        compressor=_compressor_config(compressor),
        fill_value=normalize_fill_value(fill_value, np_dtype),
        order=normalize_order(order),
        filters=tuple(filter_configs) or None,
        dimension_separator=normalize_dimension_separator(dimension_separator),
    )


#: The ids of object codecs (one of them is first among the filters of an object dtype).
_OBJECT_CODECS = frozenset({"vlen-utf8", "vlen-bytes", "vlen-array", "json2", "pickle",
                            "msgpack2"})


def _object_filters(dtype: Any, np_dtype: np.dtype, object_codec: Any, implied: dict | None,
                    filter_configs: list[dict]) -> list[dict]:
    """The filters of a dtype holding objects, its object codec first (`object_codec`, or
    the one `implied` by ``dtype=str``/``bytes``); refuse a dtype without one, naming the
    object fields of a structured dtype (h5py's vlen fields among them)."""
    if object_codec is not None:
        if not {c["id"] for c in filter_configs[:1]} & _OBJECT_CODECS:
            filter_configs.insert(0, _filter_config(object_codec))
    elif implied is not None and not filter_configs:
        filter_configs = [implied]
    elif not filter_configs and np_dtype.fields is not None:
        fields = object_fields(dtype if isinstance(dtype, np.dtype) else np_dtype)
        raise UnsupportedDtypeError(
            f"an object dtype needs an object codec: fields {', '.join(fields)} of "
            f"{np_dtype} hold objects, and Zarr v2 has no variable-length fields; make "
            "them fixed-length ('S', 'U'), or pass object_codec=zarrlite.codecs.Pickle(), "
            "which keeps records"
        )
    elif not filter_configs:
        raise ValueError(
            "an object dtype needs an object codec: pass object_codec="
            "zarrlite.codecs.VLenUTF8() (or VLenBytes, JSON, Pickle), or dtype=str"
        )
    if np_dtype.fields is not None:
        _check_record_codec(filter_configs[0]["id"])
    return filter_configs


#: Object codecs that hold a flat list of items and so cannot rebuild records.
_ITEM_CODECS = frozenset({"vlen-utf8", "vlen-bytes", "vlen-array", "json2", "msgpack2"})


def _check_record_codec(codec_id: str) -> None:
    if codec_id in _ITEM_CODECS:
        raise ValueError(
            f"a structured dtype holding objects needs an object codec that keeps records, "
            f"such as pickle; {codec_id!r} stores a flat list of items and cannot"
        )


def init_array(store: MutableMapping[str, bytes], path: str, meta: ArrayMeta,
               overwrite: bool = False) -> None:
    """Write a new array's ``.zarray`` at `path` (creating parent groups)."""
    path = normalize_path(path)
    _check_free(store, path, overwrite, "array")
    store[meta_key(path, ARRAY_META_KEY)] = meta.encode()


def init_group(store: MutableMapping[str, bytes], path: str, overwrite: bool = False) -> None:
    """Write a new group's ``.zgroup`` at `path` (creating parent groups)."""
    path = normalize_path(path)
    _check_free(store, path, overwrite, "group")
    store[meta_key(path, GROUP_META_KEY)] = encode_group_meta()


# -------------------------------------------------------------------- factories

#: What may be passed as a store: a mapping, a directory path, or None (a new MemoryStore).
StoreLike = MutableMapping[str, bytes] | str | None


def create(
    shape: Any,
    chunks: Any = True,
    dtype: Any = None,
    compressor: Any = "default",
    fill_value: Any = DEFAULT_FILL,
    order: str = "C",
    store: StoreLike = None,
    overwrite: bool = False,
    path: str | None = None,
    filters: Any = None,
    dimension_separator: str | None = None,
    write_empty_chunks: bool | None = None,
    read_only: bool = False,
    object_codec: Any = None,
    chunk_cache: int | str | None = None,
    **kwargs: Any,
) -> Array:
    """Create a new array.

    Parameters
    ----------
    shape : int or tuple of int
        Array shape (0 lengths allowed).
    chunks : int, tuple of int, True, False or None, optional
        Chunk shape; True or None (the default is True) guesses one, False makes a single
        chunk, an int is used in every dimension, and -1 or None in a dimension spans it.
    dtype : dtype-like, optional
        Data type (default float64); ``str`` or ``bytes`` make an object array with a
        vlen codec.
    compressor : codec, config dict, None or "default", optional
        "default" is Blosc(cname="lz4", clevel=5, shuffle=SHUFFLE); None stores chunks
        uncompressed.
    fill_value : scalar or None, optional
        Value of items never written; None leaves it undefined. By default 0, as in
        zarr-python 2, but ``""`` for ``vlen-utf8`` and ``b""`` for ``vlen-bytes``
        object arrays, as zarr-python 3 writes them (it cannot open them with 0).
    order : {'C', 'F'}, optional
        Memory layout of each chunk.
    store : MutableMapping, path or None, optional
        Where to write: a mapping, a directory path (a DirectoryStore), or None for a
        new MemoryStore.
    overwrite : bool, optional
        Delete anything already at `path` first.
    path : str, optional
        Path inside the store (default: the root); missing parent groups are created.
    filters : list of codecs or config dicts, optional
        Codecs applied, in order, before the compressor.
    dimension_separator : {'.', '/'}, optional
        Separator in chunk keys; by default the store's own (usually '.').
    write_empty_chunks : bool, optional
        Store chunks that only hold the fill value (by default they are deleted; None
        takes ``zarrlite.config`` ``write_empty_chunks``, False unless set).
    read_only : bool, optional
        Return the new array read-only.
    chunk_cache : int or str, optional
        Bytes of decoded chunks the array keeps in a cache of its own (0: none); None uses
        the process-wide cache (``zarrlite.config`` ``chunk_cache``, off unless set).
    object_codec : codec, optional
        Codec for object dtypes (VLenUTF8, VLenBytes, JSON, Pickle).

    Returns
    -------
    Array

    Raises
    ------
    ContainsArrayError, ContainsGroupError
        If something exists at `path` and `overwrite` is False, or an array is on the
        way to it (ValueErrors).
    TypeError
        For an unsupported dtype, an object dtype without an object codec, or an unknown
        keyword argument.
    ValueError
        For a bad shape, chunk shape, order, separator or fill value, or a compressor
        or filter that is not available (MetadataError and CodecNotAvailableError are
        ValueErrors).

    Examples
    --------
    >>> import zarrlite as zl
    >>> z = zl.create((100, 100), chunks=(10, 10), dtype="i4")
    >>> z[0, :5] = 7
    >>> z[0, :6].tolist()
    [7, 7, 7, 7, 7, 0]
    >>> z.chunks, z.nchunks_initialized
    ((10, 10), 1)

    In a directory, with the chunks of each row in one subdirectory:

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> z = zl.create((4, 4), chunks=2, dtype="u1", store=d, path="images/a",
    ...               dimension_separator="/", compressor=None)
    >>> z[...] = 1
    >>> sorted(os.listdir(os.path.join(d, "images", "a", "1")))
    ['0', '1']
    """
    compressor, fill_value = h5py_keywords(compressor, fill_value, kwargs)
    zarr2 = {k: kwargs.pop(k) for k in ZARR2_CREATE_KEYWORDS if k in kwargs}
    storage_options = kwargs.pop("storage_options", None)
    if kwargs:
        raise TypeError(f"create() got unexpected keyword arguments {sorted(kwargs)}")
    check_zarr2_keywords("create", **zarr2)
    if chunk_cache is not None:
        config.chunk_cache_nbytes(chunk_cache)  # (a bad size: say so before any store I/O)
    store = normalize_store(store, "w" if overwrite else "a", storage_options)
    path = normalize_path(path)
    if dimension_separator is None:  # the store's own, as zarr-python 2 does
        dimension_separator = store.dimension_separator
    elif store.dimension_separator not in (None, dimension_separator):
        raise ValueError(f"dimension_separator={dimension_separator!r} conflicts with the "
                         f"store's separator {store.dimension_separator!r}")
    meta = build_array_meta(shape, chunks, dtype, compressor, fill_value, order, filters,
                            dimension_separator, object_codec)
    init_array(store, path, meta, overwrite=overwrite)
    chunk_store = zarr2.get("chunk_store")
    if chunk_store is not None and overwrite:  # old chunks there would show through
        rmdir(normalize_store(chunk_store), path)
        invalidate_prefix(normalize_store(chunk_store), path)
    return Array(store, path, read_only=read_only, write_empty_chunks=write_empty_chunks,
                 chunk_cache=chunk_cache, chunk_store=chunk_store,
                 cache_metadata=zarr2.get("cache_metadata", True),
                 synchronizer=zarr2.get("synchronizer"),
                 cache_attrs=zarr2.get("cache_attrs", True), meta=meta)


def _default_fill(kwargs: dict[str, Any], value: Any) -> dict[str, Any]:
    if "fill_value" in kwargs:  # as zarr-python 2 (a TypeError there too), never ignored
        raise TypeError("zeros, ones and empty set the fill value; use full() to choose it")
    kwargs = dict(kwargs)
    kwargs["fill_value"] = value
    return kwargs


def zeros(shape: Any, **kwargs: Any) -> Array:
    """Create an array whose items read as 0 (its fill value), storing no chunks yet.

    Strings read as empty: fixed-length ones as zero bytes, and the variable-length
    strings of ``vlen-utf8`` and ``vlen-bytes`` object arrays as ``""`` and ``b""``
    (see `create`).

    Parameters
    ----------
    shape : int or tuple of int
        Array shape.
    **kwargs
        Other arguments of `create` (`chunks`, `dtype`, `store`, `path`, ...), but not
        `fill_value`.

    Returns
    -------
    Array

    Raises
    ------
    TypeError
        If `fill_value` is given (use `full`).

    See Also
    --------
    create : the other arguments and errors.

    Examples
    --------
    >>> import zarrlite as zl
    >>> z = zl.zeros((1000, 1000), chunks=(100, 100), dtype="i4")
    >>> z
    <zarrlite.Array (1000, 1000) int32>
    >>> int(z[999, 999]), z.nchunks_initialized
    (0, 0)
    """
    return create(shape, **_default_fill(kwargs, DEFAULT_FILL))


def ones(shape: Any, **kwargs: Any) -> Array:
    """Create an array whose items read as 1 (its fill value), storing no chunks yet.

    Parameters
    ----------
    shape : int or tuple of int
        Array shape.
    **kwargs
        Other arguments of `create`, but not `fill_value`.

    Returns
    -------
    Array

    Raises
    ------
    TypeError
        If `fill_value` is given (use `full`).

    Examples
    --------
    >>> import zarrlite as zl
    >>> zl.ones((2, 3), dtype="u1")[...].tolist()
    [[1, 1, 1], [1, 1, 1]]
    """
    return create(shape, **_default_fill(kwargs, 1))


def full(shape: Any, fill_value: Any, **kwargs: Any) -> Array:
    """Create an array whose items read as `fill_value`, storing no chunks yet.

    Parameters
    ----------
    shape : int or tuple of int
        Array shape.
    fill_value : scalar or None
        Value of every item not yet written, in the array's dtype (float64 by default).
    **kwargs
        Other arguments of `create`.

    Returns
    -------
    Array

    Raises
    ------
    MetadataError
        If `fill_value` does not fit the dtype (1.5 for an integer dtype, say; a
        ValueError).

    Examples
    --------
    >>> import zarrlite as zl
    >>> z = zl.full(4, -1, dtype="i2")
    >>> z[1:3] = 5
    >>> z[...].tolist()
    [-1, 5, 5, -1]
    >>> zl.full(2, float("nan"))[...].tolist()
    [nan, nan]
    """
    return create(shape, **_default_fill(kwargs, fill_value))


def empty(shape: Any, **kwargs: Any) -> Array:
    """Create an array without a fill value (unwritten items read as zero bytes).

    As in zarr-python 2 (``fill_value=None``). Every chunk written is stored, since no
    chunk can equal an undefined fill value.

    Parameters
    ----------
    shape : int or tuple of int
        Array shape.
    **kwargs
        Other arguments of `create`, but not `fill_value`.

    Returns
    -------
    Array

    Raises
    ------
    TypeError
        If `fill_value` is given (use `full`).

    Examples
    --------
    >>> import zarrlite as zl
    >>> z = zl.empty(3, dtype="i4")
    >>> z.fill_value is None, z[...].tolist()
    (True, [0, 0, 0])
    """
    return create(shape, **_default_fill(kwargs, None))


def array(data: Any, **kwargs: Any) -> Array:
    """Create an array holding a copy of `data`.

    Parameters
    ----------
    data : array-like or Array
        The content; anything `numpy.asarray` takes, or a zarrlite Array (read whole).
    **kwargs
        Other arguments of `create`, but not `shape` (always the data's). `dtype`
        defaults to the data's, `chunks` to the data's chunks when it is an Array, else
        to a guess.

    Returns
    -------
    Array

    Raises
    ------
    TypeError
        If `shape` is given.

    See Also
    --------
    create : the other arguments and errors.

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> z = zl.array(np.arange(12, dtype="i4").reshape(3, 4), chunks=(2, 2))
    >>> z.shape, z.dtype, z[2].tolist()
    ((3, 4), dtype('int32'), [8, 9, 10, 11])

    A list of strings becomes fixed-width unicode, as in numpy; ``dtype=str`` makes
    variable-length strings instead:

    >>> zl.array(["a", "bb"]).dtype, zl.array(["a", "bb"], dtype=str).dtype
    (dtype('<U2'), dtype('O'))

    Copying another Array keeps its chunks:

    >>> zl.array(z, dtype="f4").chunks
    (2, 2)
    """
    kwargs.setdefault("chunks", chunks_of(data) or True)
    data = np.asarray(data) if not isinstance(data, Array) else data
    if kwargs.get("dtype") is None:  # dtype=None: the data's, as zarr-python 2
        kwargs["dtype"] = data.dtype
    read_only = kwargs.pop("read_only", False)
    z = create(data.shape, **kwargs)
    z[...] = data[...]
    if read_only:  # written first, then handed out read-only (as zarr-python 2 does)
        z = Array(z._store, z._path, read_only=True, write_empty_chunks=z._write_empty_chunks,
                  meta=z.meta)
    return z


def chunks_of(a: Any) -> tuple[int, ...] | None:
    """The chunk shape of a chunked array-like: a ``chunks`` tuple of one length per
    dimension (zarrlite, zarr, h5py, dask...), or bcolz's ``chunklen`` along the first;
    None for anything else."""
    shape = getattr(a, "shape", None)
    if not isinstance(shape, tuple):
        return None
    chunks = getattr(a, "chunks", None)
    if isinstance(chunks, tuple) and len(chunks) == len(shape) and all(
            isinstance(c, (int, np.integer)) for c in chunks):
        return tuple(int(c) for c in chunks)
    chunklen = getattr(a, "chunklen", None)
    if isinstance(chunklen, (int, np.integer)) and shape:
        return (int(chunklen), *shape[1:])
    return None
