"""Writing for the xarray integration: an `xarray.Dataset` to a Zarr v2 group.

xarray's own CF encoding turns each variable into what is stored (times as numbers with
units, masked values as ``_FillValue``, scale and offset, strings); this module then lays
it out as xarray's Zarr backend does for ``zarr_format=2``: one array per variable,
``_FillValue`` as the array's ``fill_value``, the dimension names in the
``_ARRAY_DIMENSIONS`` attribute, and consolidated metadata at the end.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import xarray as xr
from xarray import conventions
from xarray.backends.common import ensure_dtype_not_object
from xarray.coding import strings
from xarray.namedarray.utils import is_duck_dask_array

from zarrlite.api import open_group
from zarrlite.codecs import VLenUTF8
from zarrlite.convenience.consolidated import consolidate_metadata
from zarrlite.integrations._xarray_store import DIMENSION_KEY

#: Encoding keys a variable may carry besides those xarray's CF coders use (units,
#: calendar, dtype, _FillValue, scale_factor, add_offset, ...).
STORAGE_KEYS = frozenset({"chunks", "compressor", "compressors", "filters",
                          "write_empty_chunks"})
#: Encoding keys ignored when they come from a dataset that was read (not when given).
DROPPED_KEYS = frozenset({"source", "original_shape", "preferred_chunks", "shards",
                          "serializer", "coordinates"})
WRITE_MODES = ("w-", "w")


def to_zarr(ds: xr.Dataset, store: Any, *, group: str | None = None, mode: str = "w-",
            encoding: Mapping[Hashable, Mapping[str, Any]] | None = None,
            consolidated: bool = True, compute: bool = True,
            storage_options: dict[str, Any] | None = None) -> Any:
    """Write `ds` as a Zarr v2 group that ``xr.open_zarr(store, zarr_format=2)`` and
    ``xr.open_dataset(store, engine="zarrlite")`` read back equal.

    Parameters
    ----------
    ds : xarray.Dataset
        The dataset. Dask-backed variables are written chunk by chunk; the others are
        loaded whole (by xarray's CF encoding) and written.
    store : str, os.PathLike or MutableMapping
        A directory path, a URL (``"s3://..."``, ``"memory://..."``; with
        `storage_options`), or a store.
    group : str, optional
        Path of the group inside the store (default: the root).
    mode : {'w-', 'w'}, optional
        'w-' (the default) fails if something is at `group`; 'w' replaces it.
    encoding : dict, optional
        Per-variable encodings, replacing the variables' own ``.encoding``: CF keys
        (``dtype``, ``_FillValue``, ``scale_factor``, ``add_offset``, ``units``,
        ``calendar``) and storage keys (``chunks``, ``compressor`` or ``compressors``,
        ``filters``, ``write_empty_chunks``).
    consolidated : bool, optional
        Write consolidated metadata (``.zmetadata``) at the end (default True).
    compute : bool, optional
        Write dask-backed variables now (default); if False, return a dask object whose
        computation writes them (the metadata and other variables are written already).

    Returns
    -------
    None or dask.delayed.Delayed
        The pending write of dask-backed variables when `compute` is False.

    Raises
    ------
    TypeError
        If `ds` is not a Dataset, or a name is not a string.
    ValueError
        For a bad mode, encoding, variable name or chunking (including dask chunks that
        do not line up with the Zarr chunks), or if `group` exists in mode 'w-'.
    """
    if not isinstance(ds, xr.Dataset):
        hint = " (use DataArray.to_dataset() first)" if isinstance(ds, xr.DataArray) else ""
        raise TypeError(f"to_zarr writes an xarray.Dataset, found {type(ds).__name__}{hint}")
    if mode not in WRITE_MODES:
        raise ValueError(f"mode must be one of {WRITE_MODES}, found {mode!r}")
    explicit = _check_encoding(ds, encoding)
    variables, attrs = conventions.encode_dataset_coordinates(ds)
    for name, enc in explicit.items():
        variables[name].encoding = dict(enc)
    encoded = {name: encode_variable(var, name, name in explicit)
               for name, var in variables.items()}
    settings = {name: array_settings(name, var) for name, var in encoded.items()}
    group_attrs = encode_attrs(attrs, "the dataset")
    root = open_group(store, mode=mode, path=group, storage_options=storage_options)
    root.attrs.put(group_attrs)
    lazy_sources, lazy_targets = [], []
    for name, var in encoded.items():
        kwargs, doc = settings[name]
        target = root.create_dataset(name, **kwargs)
        target.attrs.put(doc)
        dask_data = _dask_data(var)
        if dask_data is not None:
            lazy_sources.append(dask_data)
            lazy_targets.append(target)
        else:  # (xarray's CF encoding has loaded it already)
            target[...] = var.values
    if consolidated:
        consolidate_metadata(root.store)
    if not lazy_sources:
        return None
    import dask
    import dask.array

    stored = dask.array.store(lazy_sources, lazy_targets, lock=False, compute=compute)
    return None if compute else dask.delayed(_written)(stored)


def _dask_data(var: xr.Variable) -> Any:
    """The dask array holding `var`'s data, or None (asked without touching the data of a
    variable read lazily from a file: ``var.data`` would load it)."""
    if var.chunks is None:
        return None
    data = var.data
    return data if is_duck_dask_array(data) else None


def _written(stored: Any) -> None:
    """The end of a pending write (`to_zarr` with ``compute=False``): nothing to return."""


def _check_encoding(ds: xr.Dataset, encoding: Mapping[Hashable, Any] | None
                    ) -> dict[Hashable, Mapping[str, Any]]:
    """The explicit encodings, checked to name variables of `ds`."""
    if encoding is None:
        return {}
    if not isinstance(encoding, Mapping):
        raise TypeError(f"encoding must map variable names to dicts, found "
                        f"{type(encoding).__name__}")
    for name, enc in encoding.items():
        if name not in ds.variables:
            raise ValueError(f"encoding names {name!r}, which is not a variable of the "
                             f"dataset (variables: {sorted(map(str, ds.variables))})")
        if not isinstance(enc, Mapping):
            raise TypeError(f"encoding[{name!r}] must be a dict, found {type(enc).__name__}")
    return dict(encoding)


def encode_variable(var: xr.Variable, name: Hashable, explicit: bool) -> xr.Variable:
    """`var` CF-encoded as xarray encodes it for Zarr: times, masks, scale and offset by
    xarray's coders; object arrays given a concrete dtype; unicode kept (fixed-width or
    variable-length); variable-length bytes made fixed-width."""
    _check_name(name, "variable")
    if any(not isinstance(d, str) for d in var.dims):
        raise TypeError(f"variable {name!r}: dimension names must be strings, found "
                        f"{var.dims!r}")
    var = _without_string_dtype(var)
    var = conventions.encode_cf_variable(var, name=name, coders=conventions.ZARR_CODERS)
    var = ensure_dtype_not_object(var, name=name)
    var = strings.EncodedStringCoder(allows_unicode=True).encode(var, name=name)
    var = strings.ensure_fixed_length_bytes(var)
    leftover = set(var.encoding) - STORAGE_KEYS - DROPPED_KEYS
    if var.encoding.get("_FillValue", 0) is None:  # "no fill value", as xarray takes it
        leftover.discard("_FillValue")
    if explicit and leftover:
        raise ValueError(f"unexpected encoding for variable {name!r}: {sorted(leftover)}; "
                         f"Zarr takes {sorted(STORAGE_KEYS)} and xarray's CF keys")
    if explicit and "shards" in var.encoding:
        raise ValueError(f"variable {name!r}: 'shards' needs Zarr v3; zarrlite writes v2")
    return var


def _without_string_dtype(var: xr.Variable) -> xr.Variable:
    """`var` with numpy's variable-length ``StringDType`` (zarr-python 3 reads ``vlen-utf8``
    arrays so) made an object array of ``str``, which Zarr v2 stores as ``vlen-utf8``."""
    encoding = dict(var.encoding)
    wanted = encoding.get("dtype")
    if isinstance(wanted, np.dtype) and wanted.kind == "T":
        del encoding["dtype"]
    elif var.dtype.kind != "T":
        return var
    converted = var.astype(strings.create_vlen_dtype(str)) if var.dtype.kind == "T" else \
        var.copy(deep=False)
    converted.attrs, converted.encoding = dict(var.attrs), encoding
    return converted


def _check_name(name: Hashable, what: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{what} names must be strings, found {name!r}")
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"{what} name {name!r} cannot be a Zarr key: it must be "
                         "non-empty, without '/', and not start with '.'")


def array_settings(name: str, var: xr.Variable) -> tuple[dict[str, Any], dict[str, Any]]:
    """How to create the array of the encoded variable `var`: the arguments of
    `Group.create_dataset`, and the attributes (with ``_ARRAY_DIMENSIONS``). Everything is
    checked here, before anything is written."""
    enc = var.encoding
    attrs = dict(var.attrs)
    fill_value = attrs.pop("_FillValue", None)
    if enc.get("_FillValue") is not None:
        raise ValueError(f"variable {name!r}: _FillValue must be an attribute or a CF "
                         "encoding key, not left in the encoding")
    dtype: Any = var.dtype
    object_codec = None
    if strings.check_vlen_dtype(var.dtype) is str:
        dtype, object_codec = object, VLenUTF8()
    kwargs = {"shape": var.shape, "dtype": dtype,
              "fill_value": _fill_value(fill_value, var.dtype),
              "chunks": zarr_chunks(name, var, enc.get("chunks")),
              "compressor": _compressor(name, enc), "filters": _filters(enc),
              "object_codec": object_codec, "write_empty_chunks": enc.get("write_empty_chunks")}
    doc = encode_attrs(attrs, f"variable {name!r}")
    doc[DIMENSION_KEY] = list(var.dims)
    return kwargs, doc


def _fill_value(value: Any, dtype: np.dtype) -> Any:
    """The array's fill value: the ``_FillValue`` as a plain scalar of the array's kind."""
    if value is None:
        return None
    value = value.item() if isinstance(value, np.generic) else value
    if dtype.kind == "S" and isinstance(value, str):
        return value.encode()
    return value


def zarr_chunks(name: str, var: xr.Variable, chunks: Any) -> Any:
    """The Zarr chunk shape of `var`: the encoding's, else the dask chunks', else guessed
    (True). Dask chunks must line up with it, so that no two dask tasks write the same
    Zarr chunk.

    Raises
    ------
    ValueError
        For a chunk shape that is not one positive size per dimension, dask chunks that
        are uneven, or dask chunks that do not line up with the Zarr chunks.
    """
    dask_chunks = var.chunks if _dask_data(var) is not None else None
    if chunks is None and dask_chunks is not None:
        chunks = tuple(c[0] if c else 1 for c in dask_chunks)
        for dim, sizes in zip(var.dims, dask_chunks, strict=True):
            if len(sizes) > 1 and (len(set(sizes[:-1])) > 1 or sizes[-1] > sizes[0]):
                raise ValueError(
                    f"variable {name!r}: dask chunks {sizes} along {dim!r} are uneven, "
                    "so no Zarr chunk shape matches them; rechunk the variable or give "
                    "encoding chunks that they line up with")
    if chunks is None:
        return True
    chunks = _chunk_tuple(name, var, chunks)
    if dask_chunks is not None:
        _check_alignment(name, var.dims, dask_chunks, chunks)
    return chunks


def _chunk_tuple(name: str, var: xr.Variable, chunks: Any) -> tuple[int, ...]:
    if isinstance(chunks, Mapping):
        chunks = tuple(chunks.get(d, size) for d, size in zip(var.dims, var.shape,
                                                                strict=True))
    elif isinstance(chunks, (int, np.integer)):
        chunks = (int(chunks),) * var.ndim
    if not isinstance(chunks, (tuple, list)) or len(chunks) != var.ndim or not all(
            isinstance(c, (int, np.integer)) and not isinstance(c, bool) and c > 0
            for c in chunks):
        raise ValueError(f"variable {name!r}: encoding chunks must be one positive int per "
                         f"dimension {var.dims}, found {chunks!r}")
    return tuple(int(c) for c in chunks)


def _check_alignment(name: str, dims: tuple[Hashable, ...],
                     dask_chunks: tuple[tuple[int, ...], ...],
                     chunks: tuple[int, ...]) -> None:
    for dim, sizes, size in zip(dims, dask_chunks, chunks, strict=True):
        bounds = np.cumsum(sizes[:-1])
        if np.any(bounds % size):
            raise ValueError(
                f"variable {name!r}: dask chunks {sizes} along {dim!r} do not line up with "
                f"Zarr chunks of {size}, so two dask tasks would write one Zarr chunk; "
                f"rechunk (e.g. ds.chunk({{{dim!r}: {size}}})) or change encoding chunks")


def _compressor(name: str, enc: Mapping[str, Any]) -> Any:
    """The encoding's compressor (``compressor``, or ``compressors`` holding at most one),
    else zarrlite's default."""
    if "compressor" in enc and "compressors" in enc:
        raise ValueError(f"variable {name!r}: give 'compressor' or 'compressors', not both")
    if "compressors" in enc:
        found = enc["compressors"]
        found = () if found is None else tuple(_as_list(found))
        if len(found) > 1:
            raise ValueError(f"variable {name!r}: Zarr v2 takes one compressor, found "
                             f"{len(found)} in 'compressors'")
        return found[0] if found else None
    return enc.get("compressor", "default")


def _filters(enc: Mapping[str, Any]) -> list[Any] | None:
    found = enc.get("filters")
    return None if found is None else _as_list(found) or None


def _as_list(codecs: Any) -> list[Any]:
    return list(codecs) if isinstance(codecs, (list, tuple)) else [codecs]


def encode_attrs(attrs: Mapping[Any, Any], owner: str) -> dict[str, Any]:
    """`attrs` as JSON-ready values (numpy arrays as lists, numpy scalars as Python ones).

    Raises
    ------
    TypeError
        For a name that is not a string, or a value JSON cannot hold.
    """
    out = {}
    for key, value in attrs.items():
        if not isinstance(key, str):
            raise TypeError(f"attribute names of {owner} must be strings, found {key!r}")
        out[key] = _attr_value(value)
        try:
            json.dumps(out[key], allow_nan=True)
        except (TypeError, ValueError):
            raise TypeError(f"attribute {key!r} of {owner}: {value!r} cannot be stored as "
                            "JSON (numbers, strings, booleans, None, lists and dicts can)"
                            ) from None
    return out


def _attr_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_attr_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _attr_value(v) for k, v in value.items()}
    return value


__all__ = ["array_settings", "encode_variable", "to_zarr", "zarr_chunks"]
