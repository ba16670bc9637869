"""h5py's dataset-creation keywords as zarrlite creation arguments, and back.

:func:`creation_arguments` checks ``create_dataset``'s storage keywords as h5py 3 does (the
same exception classes, for the same mistakes) and returns the keywords of
:func:`zarrlite.create`; :func:`h5py_properties` reads a stored array back as h5py's
``Dataset`` properties. HDF5 filters become Zarr codecs:

- ``compression="gzip"`` (or an int level 0-9, or deflate filter 1) → ``zlib``, whose
  chunks are what HDF5's deflate filter writes;
- ``"blosc"``, ``"zstd"``, ``"lz4"``, ``"zlib"``, ``"bz2"``, ``"lzma"`` (zarrlite's own
  names), codec objects and configurations, and hdf5plugin's Blosc, Blosc2, Zstd, LZ4,
  BZip2 and Bitshuffle filters (objects or filter numbers with their ``cd_values``) → the
  matching codec; ``"lzf"``, ``"szip"`` and other filters are refused (no Zarr codec);
- ``shuffle`` → Blosc's own byte shuffle, else a ``shuffle`` filter; ``fletcher32`` → a
  ``fletcher32`` filter, after the others (Zarr filters run before the compressor, so it
  checks the uncompressed bytes; HDF5's checks the compressed ones);
- ``scaleoffset`` on floats → a ``quantize`` filter (error at most half of 10**-n);
  integers are stored exactly.

What h5py keeps that Zarr has no place for (``maxshape``, ``scaleoffset``, and whether the
dataset is contiguous) is returned under the ``"h5py"`` key for ``.zattrs``. See
docs/h5py.md, "Creating datasets".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from zarrlite.codecs.registry import codec_class, get_codec
from zarrlite.h5.chunk_guess import (
    as_dims,
    check_chunks_fit,
    check_rank,
    check_unchunked,
    dataset_shape,
    layout,
    maxshape_dims,
)
from zarrlite.metadata.array_meta import ArrayMeta

__all__ = ["creation_arguments", "h5py_properties"]

#: h5py's gzip level when none is given.
GZIP_DEFAULT_LEVEL = 4
_GZIP_LEVELS = frozenset(range(10))  # h5py reads `compression in range(10)` as a gzip level

#: h5py keywords that tune HDF5 only (times, attribute order, caches, prefixes, when fill
#: values are written): accepted, checked as h5py checks them, and listed as "ignored".
HDF5_ONLY = ("track_times", "track_order", "dapl", "efile_prefix", "virtual_prefix",
             "allow_unknown_filter", "rdcc_nbytes", "rdcc_w0", "rdcc_nslots", "fill_time")

#: zarrlite's own keywords of ``create``, passed through unchanged.
ZARR_KEYWORDS = ("compressor", "filters", "order", "dimension_separator",
                 "write_empty_chunks", "object_codec", "fill_value")

#: ``compression`` names zarrlite takes besides "gzip", and their codec ids.
COMPRESSION_NAMES = {"blosc": "blosc", "zstd": "zstd", "lz4": "lz4", "zlib": "zlib",
                     "bz2": "bz2", "lzma": "lzma"}

#: The parameter an int ``compression_opts`` sets, by codec id.
LEVEL_PARAMETERS = {"blosc": "clevel", "zstd": "level", "lz4": "acceleration",
                    "zlib": "level", "bz2": "level", "lzma": "preset"}

#: HDF5 filter numbers zarrlite cannot write, with their names.
_REFUSED_FILTERS = {2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
                    32000: "lzf", 32013: "zfp", 32017: "sz", 32018: "fcidecomp",
                    32024: "sz3", 32028: "sperr", 32033: "htj2k"}

#: Blosc compressor codes in the cd_values of HDF5's Blosc and Blosc2 filters.
_BLOSC_CNAMES = {0: "blosclz", 1: "lz4", 2: "lz4hc", 4: "zlib", 5: "zstd"}

_ALTERNATIVES = 'use compression="gzip", "blosc", "zstd" or "lz4"'


def creation_arguments(shape: Any = None, dtype: Any = None, data_shape: Any = None,
                       chunks: Any = None, maxshape: Any = None, fillvalue: Any = None,
                       compression: Any = None, compression_opts: Any = None,
                       shuffle: Any = None, fletcher32: Any = None, scaleoffset: Any = None,
                       **others: Any) -> dict[str, Any]:
    """Translate ``create_dataset``'s keywords into :func:`zarrlite.create` keywords.

    Parameters
    ----------
    shape : int, tuple or None
        The dataset shape; None takes `data_shape` (neither: an h5py "empty" dataset).
    dtype : dtype-like, optional
        The dataset dtype (h5py's special dtypes included); default float32.
    data_shape : tuple, optional
        The shape of the ``data`` given, if any (its size must equal `shape`'s).
    chunks, maxshape, fillvalue, compression, compression_opts, shuffle, fletcher32, \
scaleoffset
        As h5py's ``create_dataset`` (docs/h5py.md says what each stores).
    **others
        h5py's HDF5-only keywords (:data:`HDF5_ONLY`: checked, then ignored) and zarrlite's
        :data:`ZARR_KEYWORDS` (passed through).

    Returns
    -------
    dict
        ``shape``, ``chunks``, ``compressor`` (a config or None), ``filters`` (a list of
        configs or None), ``fill_value``, any zarrlite keywords given; ``"h5py"``: the
        bookkeeping to keep in ``.zattrs`` (``contiguous``, ``empty``, ``maxshape`` of
        chunked datasets, ``scaleoffset``, each only when it applies); ``"ignored"``: the
        HDF5-only keywords given. Pass all but the last two (and a dtype) to
        :func:`zarrlite.create`.

    Raises
    ------
    TypeError, ValueError, OverflowError
        Where h5py raises them (a chunk larger than a fixed axis, a bad gzip level, options
        on a scalar, a negative length, ...); also ValueError for a filter zarrlite cannot
        write (lzf, szip, unknown filter numbers) and TypeError for ``external``, a
        ``dcpl`` or an unknown keyword.

    Examples
    --------
    >>> args = creation_arguments((1000, 1000), "f8", compression="gzip", shuffle=True)
    >>> args["chunks"], args["compressor"], args["filters"]
    ((63, 63), {'id': 'zlib', 'level': 4}, [{'id': 'shuffle', 'elementsize': 8}])
    >>> creation_arguments(100, "i4")["h5py"]
    {'contiguous': True}
    """
    zarr = _split_keywords(others)
    dtype = np.dtype("=f4") if dtype is None else np.dtype(dtype)
    shape = dataset_shape(shape, data_shape)
    maxshape = as_dims(maxshape)
    if isinstance(chunks, numbers.Integral) and not isinstance(chunks, bool):
        chunks = (chunks,)
    check_chunks_fit(chunks, shape, maxshape)
    if chunks is False and any((compression, shuffle, fletcher32, maxshape, scaleoffset)):
        raise ValueError("Chunked format required for given storage options: chunks=False "
                         "asks for contiguous storage, which cannot be compressed, "
                         "filtered or resized")
    compression, compression_opts = _legacy_gzip(compression, compression_opts)
    if compression is not None and zarr.get("compressor") is not None:
        raise ValueError("give either compression= (h5py) or compressor= (zarr), not both")
    if zarr.get("fill_value") is not None and fillvalue is not None:
        raise ValueError("give either fillvalue= (h5py) or fill_value= (zarr), not both")
    if not shape:
        check_unchunked(shape, chunks, compression, compression_opts, shuffle, fletcher32,
                        scaleoffset, maxshape)
    else:
        check_rank(chunks, "chunks", len(shape))
        check_rank(maxshape, "maxshape", len(shape))
    compressor = _compressor(compression, compression_opts, shuffle)
    filtered = any((shuffle, fletcher32, compression, maxshape, scaleoffset is not None,
                    zarr.get("compressor") is not None, zarr.get("filters")))
    scaleoffset = _scaleoffset(scaleoffset, dtype, fletcher32)
    chunk_shape, contiguous = layout(shape, chunks, maxshape, dtype.itemsize, filtered)
    ignored = _check_hdf5_only(others)
    if fillvalue is None and "fill_value" in zarr:
        fill = zarr.pop("fill_value")
    else:
        fill = _fill_value(fillvalue, dtype)
        zarr.pop("fill_value", None)
    book = _bookkeeping(shape, maxshape, contiguous, scaleoffset)
    if compression is None:
        compressor = zarr.get("compressor")
    zarr.pop("compressor", None)
    filters = zarr.pop("filters", None)
    implied = _implied_filters(dtype, scaleoffset, shuffle, fletcher32, compressor)
    if implied:
        filters = list(filters or ()) + implied
    return {"shape": shape or (), "chunks": chunk_shape, "compressor": compressor,
            "filters": filters, "fill_value": fill, **zarr, "h5py": book, "ignored": ignored}


def _bookkeeping(shape: tuple[int, ...] | None, maxshape: Any, contiguous: bool,
                 scaleoffset: int | None) -> dict[str, Any]:
    """What h5py knows and Zarr has no place for, for ``.zattrs``: whether the dataset is
    empty or contiguous, the maximum shape of a chunked one (the shape when not given:
    fixed, and kept across a shrinking resize), the scale-offset setting."""
    book: dict[str, Any] = {}
    if shape is None:
        book["empty"] = True
    if contiguous:
        book["contiguous"] = True
    elif shape:
        book["maxshape"] = list(shape if maxshape is None else maxshape_dims(maxshape, shape))
    if scaleoffset is not None:
        book["scaleoffset"] = scaleoffset
    return book


def _split_keywords(others: dict[str, Any]) -> dict[str, Any]:
    """zarrlite's keywords among `others`; refuse what cannot be honoured or is unknown."""
    zarr = {}
    for name, value in others.items():
        if name in ZARR_KEYWORDS:
            zarr[name] = value
        elif name == "external":
            if value is not None and not (isinstance(value, (list, tuple)) and not value):
                raise TypeError("external= (raw data kept in files outside the HDF5 file) "
                                "cannot be honoured: a Zarr array keeps its data in its own "
                                "chunks; read the file with numpy and write it as data")
        elif name == "dcpl":
            if value is not None:
                raise TypeError("dcpl= (a low-level HDF5 property list) cannot be honoured: "
                                "zarrlite has no HDF5 library to read it; pass chunks, "
                                "compression, shuffle, ... as keywords")
        elif name not in HDF5_ONLY:
            raise TypeError(f"create_dataset() got an unexpected keyword argument {name!r}")
    return zarr


def _check_hdf5_only(others: dict[str, Any]) -> list[str]:
    """Check the HDF5-only keywords as h5py does; return the names given (not None)."""
    for name in ("track_times", "track_order"):
        if others.get(name) not in (None, True, False):
            raise TypeError(f"{name} must be either True or False, got {others[name]!r}")
    fill_time = others.get("fill_time")
    if fill_time is not None and fill_time not in ("alloc", "never", "ifset"):
        raise ValueError("fill_time must be one of the following choices: 'alloc', 'never' "
                         f"or 'ifset', but it is {fill_time!r}")
    return [name for name in HDF5_ONLY if others.get(name) is not None]


def _legacy_gzip(compression: Any, opts: Any) -> tuple[Any, Any]:
    """h5py's older spellings of gzip: ``compression=True`` (level 4 unless
    `compression_opts` says), and a level 0-9 as `compression` (False counts as 0)."""
    if compression is True:
        return "gzip", GZIP_DEFAULT_LEVEL if opts is None else opts
    try:
        legacy = compression in _GZIP_LEVELS
    except TypeError:  # unhashable: a config dict
        legacy = False
    if not legacy:
        return compression, opts
    if opts is not None:
        raise TypeError(f"Conflict in compression options: compression={compression!r} is "
                        f"a gzip level already, and compression_opts={opts!r} another")
    return "gzip", compression


# ---------------------------------------------------------------------- compressors


def _compressor(compression: Any, opts: Any, shuffle: Any) -> dict[str, Any] | None:
    """The compressor configuration for h5py's `compression` and `compression_opts`."""
    if compression is None:
        if opts is not None:
            raise TypeError(f"Compression method must be specified: compression_opts="
                            f"{opts!r} was given without compression")
        return None
    if isinstance(compression, Mapping) and set(compression) == {"compression",
                                                                 "compression_opts"}:
        # h5py's filter objects (h5py.filters.Gzip, hdf5plugin.Blosc(), ...) are such
        # mappings; as in h5py, their options win over compression_opts.
        compression, opts = compression["compression"], compression["compression_opts"]
        if isinstance(compression, str):
            return _named_codec(compression, opts, shuffle)
        return _filter_codec(compression, opts)
    if isinstance(compression, Mapping) or callable(getattr(compression, "get_config", None)):
        if opts is not None:
            raise ValueError(f"compression_opts={opts!r} cannot change the codec "
                             f"{compression!r}: set its parameters instead")
        config = dict(compression) if isinstance(compression, Mapping) else \
            compression.get_config()
        return _working(config, repr(compression))
    if isinstance(compression, str):
        return _named_codec(compression, opts, shuffle)
    if isinstance(compression, numbers.Integral):
        return _filter_codec(int(compression), opts)
    raise ValueError(f'Compression filter "{compression}" is unavailable: {_ALTERNATIVES}, '
                     "or pass a codec")


def _named_codec(name: str, opts: Any, shuffle: Any) -> dict[str, Any]:
    """The codec for a compression name, `opts` being a level, a dict of parameters or a
    tuple of positional arguments; a Blosc shuffle not set there follows `shuffle`."""
    if name == "gzip":
        return {"id": "zlib", "level": _gzip_level(opts)}
    if name == "lzf":
        raise ValueError('compression="lzf" (h5py\'s LZF filter) has no Zarr codec, so '
                         'zarrlite cannot write it; for fast compression use '
                         'compression="lz4" or "blosc"')
    if name == "szip":
        _check_szip_options(opts)
        raise ValueError('compression="szip" has no Zarr codec, so zarrlite cannot write it; '
                         'use compression="blosc" or "lz4" (fast) or "zstd" (small)')
    codec_id = COMPRESSION_NAMES.get(name)
    if codec_id is None:
        raise ValueError(f'Compression filter "{name}" is unavailable: {_ALTERNATIVES}, '
                         f'"zlib", "bz2" or "lzma"')
    args: tuple = ()
    params: dict[str, Any] = {}
    if isinstance(opts, Mapping):
        params = dict(opts)
    elif isinstance(opts, (tuple, list)):
        args = tuple(opts)
    elif isinstance(opts, numbers.Integral) and not isinstance(opts, bool):
        params = {LEVEL_PARAMETERS[codec_id]: int(opts)}
    elif opts is not None:
        raise TypeError(f"compression_opts for {name!r} must be None, an int (its "
                        f"{LEVEL_PARAMETERS[codec_id]}), a dict of its parameters or a "
                        f"tuple of its positional arguments, got {opts!r}")
    if codec_id == "blosc" and "shuffle" not in params and len(args) < 3:
        params["shuffle"] = 1 if shuffle else 0
    try:
        codec = codec_class(codec_id)(*args, **params)
    except TypeError as e:
        raise TypeError(f"compression={name!r}, compression_opts={opts!r}: {e}") from None
    except ValueError as e:
        raise ValueError(f"compression={name!r}, compression_opts={opts!r}: {e}") from None
    return _working(codec.get_config(), f"compression={name!r}, compression_opts={opts!r}")


def _gzip_level(opts: Any) -> int:
    if opts is None:
        return GZIP_DEFAULT_LEVEL
    try:
        valid = opts in range(10)  # h5py's test: True, 3.0 and numpy ints pass
    except TypeError:
        valid = False
    if not valid:
        raise ValueError(f"GZIP setting must be an integer from 0-9, not {opts!r}")
    return int(opts)


def _check_szip_options(opts: Any) -> None:
    """h5py's checks of szip options, so that bad ones fail as in h5py."""
    if opts is None:
        return
    message = "SZIP options must be a 2-tuple ('ec'|'nn', even integer 0-32)"
    try:
        method, pixels = opts
    except (TypeError, ValueError) as e:
        raise TypeError(f"{message}, got {opts!r}") from e
    if method not in ("ec", "nn") or not (0 < pixels <= 32 and pixels % 2 == 0):
        raise ValueError(f"{message}, got {opts!r}")


def _filter_codec(filter_id: Any, cd_values: Any) -> dict[str, Any]:
    """The codec for an HDF5 filter number and its options (``cd_values``), as h5py takes
    them with ``compression=<int>`` and from hdf5plugin's filter objects."""
    if cd_values is None:
        cd_values = ()
    if not isinstance(cd_values, tuple):
        raise ValueError(f"compression_opts for filter {filter_id} must be a tuple of the "
                         f"filter's integer options (cd_values) or None, got {cd_values!r}")
    cd = tuple(int(v) for v in cd_values)
    what = f"filter {filter_id} with options {cd}"
    if filter_id == 1:  # deflate
        config = {"id": "zlib", "level": cd[0] if cd else GZIP_DEFAULT_LEVEL}
    elif filter_id == 307:  # bzip2: its option is bz2's level, the block size
        config = {"id": "bz2", "level": cd[0] if cd else 9}
    elif filter_id in (32001, 32026):  # Blosc, Blosc2: (..., clevel, shuffle, compressor)
        config = _blosc(cd[4] if len(cd) > 4 else 5, cd[5] if len(cd) > 5 else 1,
                        cd[6] if len(cd) > 6 else 0, what)
    elif filter_id == 32004:  # LZ4: its option, the block size, has no Zarr counterpart
        config = {"id": "lz4", "acceleration": 1}
    elif filter_id == 32008:  # Bitshuffle: (block size, compressor: 2 lz4, 3 zstd, level)
        code = cd[1] if len(cd) > 1 else 0
        if code not in (2, 3):
            raise ValueError(f"{what}: bitshuffle without compression has no Zarr codec; "
                             "use hdf5plugin.Bitshuffle(cname='lz4') or 'zstd'")
        config = _blosc(cd[2] if len(cd) > 2 and code == 3 else (5 if code == 2 else 3),
                        2, 1 if code == 2 else 5, what)
    elif filter_id == 32015:  # Zstandard: (level,), negative levels stored as uint32
        level = cd[0] if cd else 3
        config = {"id": "zstd", "level": level - 2**32 if level >= 2**31 else level}
    elif filter_id in _REFUSED_FILTERS:
        raise ValueError(f"compression filter {filter_id} ({_REFUSED_FILTERS[filter_id]}) "
                         f"has no Zarr codec, so zarrlite cannot write it; {_ALTERNATIVES}")
    else:
        raise ValueError(f"Unknown compression filter number: {filter_id}; zarrlite maps "
                         "HDF5 filters 1 (deflate), 307 (bzip2), 32001 (blosc), 32004 (lz4), "
                         "32008 (bitshuffle), 32015 (zstd) and 32026 (blosc2)")
    return _working(config, what)


def _blosc(clevel: int, shuffle: int, code: int, what: str) -> dict[str, Any]:
    cname = _BLOSC_CNAMES.get(code)
    if cname is None:
        extra = " (snappy, which zarrlite's Blosc lacks)" if code == 3 else ""
        raise ValueError(f"{what}: Blosc compressor code {code}{extra} is not available; "
                         f"codes {sorted(_BLOSC_CNAMES)} are")
    return {"id": "blosc", "cname": cname, "clevel": clevel, "shuffle": shuffle,
            "blocksize": 0}


def _working(config: dict[str, Any], what: str) -> dict[str, Any]:
    """The full configuration of the codec `config` describes, once the codec has
    compressed and restored a few bytes, so that a bad level fails at creation rather than
    at the first write."""
    try:
        codec = get_codec(config)
    except TypeError as e:
        raise TypeError(f"{what}: {e}") from None
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None
    sample = np.arange(64, dtype=np.uint8)
    restored = np.zeros_like(sample)
    try:
        codec.decode(codec.encode(sample), out=restored)
        ok = np.array_equal(restored, sample)
    except Exception as e:  # a codec's own error, whatever its class
        raise ValueError(f"{what}: the codec {config} fails on test data: {e}") from None
    if not ok:
        raise ValueError(f"{what}: the codec {config} does not restore test data")
    return dict(codec.get_config())  # every parameter, as the codec has it


# ------------------------------------------------------------------- filters, fill


def _scaleoffset(value: Any, dtype: np.dtype, fletcher32: Any) -> int | None:
    """h5py's checks of `scaleoffset`; the setting as an int (True: 0 for integers)."""
    if value is None:
        return None
    if value < 0:
        raise ValueError(f"scale factor must be >= 0, got scaleoffset={value!r}")
    if dtype.kind == "f":
        if value is True:
            raise ValueError("integer scaleoffset must be provided for floating point types "
                             "(the number of decimal digits to keep)")
        if dtype.itemsize not in (4, 8):
            raise ValueError(f"scaleoffset: HDF5 scales only 4- and 8-byte floats, not "
                             f"{dtype}")
    elif dtype.kind in "iu":
        value = 0 if value is True else value  # True: HDF5 finds the bits needed
    else:
        raise TypeError(f"scale/offset filter only supported for integer and floating-point "
                        f"types, not {dtype}")
    if fletcher32:
        raise ValueError("fletcher32 cannot be used with potentially lossy scale/offset "
                         "filter")
    return int(value)


def _implied_filters(dtype: np.dtype, scaleoffset: int | None, shuffle: Any, fletcher32: Any,
                     compressor: Any) -> list[dict[str, Any]]:
    """The filters h5py's keywords ask for, in HDF5's order: scale-offset, shuffle,
    Fletcher-32 (last, the nearest to the stored bytes that Zarr allows)."""
    out = []
    if scaleoffset is not None and dtype.kind == "f" and \
            scaleoffset <= np.finfo(dtype).precision:
        # Rounds to multiples of 2**-b with 2**b >= 10**n (exactly: the scaling is by a power
        # of two). Beyond the dtype's decimal precision values are kept as they are, which
        # meets h5py's error bound too, and no scaling can overflow.
        out.append({"id": "quantize", "digits": scaleoffset, "dtype": dtype.str,
                    "astype": dtype.str})
    if shuffle and not dtype.hasobject and not _blosc_shuffles(_config_of(compressor),
                                                               dtype.itemsize):
        out.append({"id": "shuffle", "elementsize": dtype.itemsize})
    if fletcher32:
        out.append({"id": "fletcher32"})
    return out


def _config_of(codec: Any) -> dict[str, Any] | None:
    """The configuration of a compressor given to zarrlite (a config, a codec, "default")."""
    if codec is None or isinstance(codec, str):  # "default": Blosc with byte shuffle
        return {"id": "blosc", "shuffle": 1} if codec == "default" else None
    return dict(codec) if isinstance(codec, Mapping) else dict(codec.get_config())


def _blosc_shuffles(config: Mapping[str, Any] | None, itemsize: int) -> bool:
    """Whether `config` is Blosc with byte shuffle (set, or automatic for items of more
    than one byte)."""
    if config is None or config.get("id") != "blosc":
        return False
    mode = config.get("shuffle", 1)
    return bool(mode == 1 or (mode == -1 and itemsize > 1))


def _fill_value(value: Any, dtype: np.dtype) -> Any:
    """h5py's `fillvalue` in the dataset dtype, converted as HDF5 converts it (floats
    truncated toward zero and clamped for integers, overflow to inf for floats, strings
    cut to the item size); None gives what h5py reads unwritten items as (zeros, b"")."""
    if dtype.kind == "O":  # h5py's variable-length strings: str for UTF-8, bytes for ASCII
        vlen = _metadata(dtype).get("vlen")
        if value is None:
            return "" if vlen is str else (b"" if vlen is bytes else None)
        if vlen is str and isinstance(value, bytes):
            return value.decode("utf-8")
        return value.encode("ascii") if vlen is bytes and isinstance(value, str) else value
    if value is None:
        return np.zeros((), dtype)[()]
    if dtype.kind == "S":
        return _bytes_fill(value, dtype)
    if dtype.kind not in "biufc":
        return value  # structured, datetime, ...: zarrlite's own conversion
    if isinstance(value, str):
        raise TypeError(f"fillvalue {value!r} is a string: a {dtype} dataset needs a number")
    if isinstance(value, bytes):
        raise ValueError(f"fillvalue {value!r} is bytes: a {dtype} dataset needs a number")
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biufc":
        raise ValueError(f"fillvalue {value!r} is not one number that {dtype} can hold")
    arr = arr.reshape(())
    source = arr.dtype.kind
    if source == "c" and dtype.kind != "c" or source in "fc" and dtype.kind == "b":
        raise ValueError(f"fillvalue {value!r} cannot be converted to {dtype}")
    if dtype.kind in "iu":
        return _integer_fill(arr, dtype)
    if dtype.kind == "b":
        return np.bool_(arr != 0)
    with np.errstate(over="ignore"):
        return arr.astype(dtype)[()]


def _metadata(dtype: np.dtype) -> dict[str, Any]:
    """The metadata h5py's special dtypes carry ({} for others)."""
    return dict(dtype.metadata or {})


def _integer_fill(arr: np.ndarray, dtype: np.dtype) -> Any:
    info = np.iinfo(dtype)
    if arr.dtype.kind == "f":
        x = float(arr)
        if math.isnan(x):
            raise ValueError(f"fillvalue nan cannot be stored in a {dtype} dataset (HDF5 "
                             "would store an arbitrary value)")
        n = info.max if x == math.inf else info.min if x == -math.inf else math.trunc(x)
    else:
        n = int(arr)
    return np.array(min(max(n, info.min), info.max), dtype=dtype)[()]


def _bytes_fill(value: Any, dtype: np.dtype) -> Any:
    if isinstance(value, str):
        encoding = _metadata(dtype).get("h5py_encoding", "ascii")
        value = value.encode(encoding)
    if not isinstance(value, bytes):
        raise TypeError(f"fillvalue {value!r} of a {dtype} dataset must be bytes or str")
    return np.bytes_(value[: dtype.itemsize])


# ------------------------------------------------------------------------- back


def h5py_properties(meta: ArrayMeta | Mapping[str, Any],
                    bookkeeping: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """h5py's ``Dataset`` storage properties of a stored array.

    Parameters
    ----------
    meta : ArrayMeta or mapping
        The array's metadata, or its ``.zarray`` document.
    bookkeeping : mapping, optional
        The ``"h5py"`` bookkeeping :func:`creation_arguments` returned (kept in
        ``.zattrs``); None or {} for arrays made otherwise.

    Returns
    -------
    dict
        ``chunks`` (None for contiguous, scalar and empty datasets), ``maxshape`` (the shape
        unless kept; None for empty datasets), ``compression`` ("gzip" for zlib and gzip,
        the codec id otherwise, None without compressor), ``compression_opts`` (the level
        for "gzip", the codec's parameters otherwise), ``shuffle`` (a shuffle filter, or
        Blosc's byte shuffle), ``fletcher32``, ``scaleoffset`` (as created, else None) and
        ``fillvalue`` (zeros when the fill value is undefined).

    Examples
    --------
    >>> meta = ArrayMeta((10,), (10,), np.dtype("i4"), {"id": "zlib", "level": 6}, 0, "C",
    ...                  None)
    >>> props = h5py_properties(meta, {"maxshape": [None]})
    >>> props["compression"], props["compression_opts"], props["maxshape"]
    ('gzip', 6, (None,))
    """
    if not isinstance(meta, ArrayMeta):
        meta = ArrayMeta.decode(meta)
    book = bookkeeping or {}
    empty = bool(book.get("empty"))
    contiguous = empty or bool(book.get("contiguous")) or meta.ndim == 0
    maxshape: tuple[int | None, ...] | None = meta.shape
    if empty:
        maxshape = None
    elif book.get("maxshape") is not None:
        maxshape = tuple(None if m is None else int(m) for m in book["maxshape"])
    ids = [f["id"] for f in meta.filters or ()]
    compression, opts = _compression_of(meta.compressor)
    fill = meta.fill_value
    if fill is None and not meta.dtype.hasobject:
        fill = np.zeros((), meta.dtype)[()]
    return {
        "chunks": None if contiguous else meta.chunks,
        "maxshape": maxshape,
        "compression": compression,
        "compression_opts": opts,
        "shuffle": "shuffle" in ids or _blosc_shuffles(meta.compressor, meta.dtype.itemsize),
        "fletcher32": "fletcher32" in ids,
        "scaleoffset": book.get("scaleoffset"),
        "fillvalue": fill,
    }


def _compression_of(config: Mapping[str, Any] | None) -> tuple[str | None, Any]:
    """h5py's (compression, compression_opts) for a compressor configuration: gzip and its
    level for zlib and gzip; else the codec id and its parameters, which give the same
    codec when passed back as ``compression_opts``."""
    if config is None:
        return None, None
    if config["id"] in ("zlib", "gzip"):
        return "gzip", config.get("level", 1)
    return config["id"], {k: v for k, v in config.items() if k != "id"}
