"""h5py's ``compression`` keywords as Zarr compressor configurations, and back.

HDF5 filters become Zarr codecs:

- ``compression="gzip"`` (or an int level 0-9, or deflate filter 1) → ``zlib``, whose
  chunks are what HDF5's deflate filter writes;
- ``"blosc"``, ``"zstd"``, ``"lz4"``, ``"zlib"``, ``"bz2"``, ``"lzma"`` (zarrlite's own
  names), codec objects and configurations, and hdf5plugin's Blosc, Blosc2, Zstd, LZ4,
  BZip2 and Bitshuffle filters (objects or filter numbers with their ``cd_values``) → the
  matching codec; ``"lzf"``, ``"szip"`` and other filters are refused (no Zarr codec).

Every configuration returned has compressed and restored test bytes, so a bad level fails
at creation. :func:`compression_of` gives a stored compressor back as h5py's
``compression`` and ``compression_opts``. Used by :mod:`zarrlite.h5.storage`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from zarrlite.codecs.registry import codec_class, get_codec

__all__ = ["GZIP_DEFAULT_LEVEL", "blosc_shuffles", "compression_of", "compressor_config",
           "config_of", "legacy_gzip"]

#: h5py's gzip level when none is given.
GZIP_DEFAULT_LEVEL = 4
_GZIP_LEVELS = frozenset(range(10))  # h5py reads `compression in range(10)` as a gzip level

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


def legacy_gzip(compression: Any, opts: Any) -> tuple[Any, Any]:
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


def compressor_config(compression: Any, opts: Any, shuffle: Any) -> dict[str, Any] | None:
    """The compressor configuration for h5py's `compression` and `compression_opts`.

    Parameters
    ----------
    compression : str, int, mapping, codec or None
        A name ("gzip", "blosc", ...), a gzip level already read by :func:`legacy_gzip`,
        an HDF5 filter number, h5py's or hdf5plugin's filter object, a codec or its
        configuration.
    opts : Any
        ``compression_opts``: a level, a dict of parameters, a tuple of positional
        arguments, or a filter's ``cd_values``.
    shuffle : Any
        h5py's ``shuffle``: Blosc shuffles bytes itself when it is set.

    Returns
    -------
    dict or None
        The codec's full configuration, tried on test bytes; None without compression.

    Raises
    ------
    TypeError, ValueError
        Where h5py raises them, and ValueError for filters with no Zarr codec.

    Examples
    --------
    >>> compressor_config("gzip", 6, shuffle=False)
    {'id': 'zlib', 'level': 6}
    """
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


# -------------------------------------------------------- configurations, and back


def config_of(codec: Any) -> dict[str, Any] | None:
    """The configuration of a compressor given to zarrlite (a config, a codec, "default")."""
    if codec is None or isinstance(codec, str):  # "default": Blosc with byte shuffle
        return {"id": "blosc", "shuffle": 1} if codec == "default" else None
    return dict(codec) if isinstance(codec, Mapping) else dict(codec.get_config())


def blosc_shuffles(config: Mapping[str, Any] | None, itemsize: int) -> bool:
    """Whether `config` is Blosc with byte shuffle (set, or automatic for items of more
    than one byte)."""
    if config is None or config.get("id") != "blosc":
        return False
    mode = config.get("shuffle", 1)
    return bool(mode == 1 or (mode == -1 and itemsize > 1))


def compression_of(config: Mapping[str, Any] | None) -> tuple[str | None, Any]:
    """h5py's (compression, compression_opts) for a compressor configuration: gzip and its
    level for zlib and gzip; else the codec id and its parameters, which give the same
    codec when passed back as ``compression_opts``."""
    if config is None:
        return None, None
    if config["id"] in ("zlib", "gzip"):
        return "gzip", config.get("level", 1)
    return config["id"], {k: v for k, v in config.items() if k != "id"}
