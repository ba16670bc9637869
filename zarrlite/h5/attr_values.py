"""Attribute values of the h5py face: numpy values to JSON and back.

An attribute is made into a numpy array as h5py makes it (:func:`array_for`), then
written as plain JSON (:func:`encode`): numbers stay JSON numbers, strings JSON strings,
arrays nested lists. What JSON loses (the dtype, sometimes the shape) goes into a *type
entry* beside the value, and only when the plain JSON would not give the same array back:

=================  ===================================================================
numpy kind          JSON value
=================  ===================================================================
bool, int, float    ``true``, ``3``, ``1.5`` (non-finite as ``NaN``/``Infinity``);
                    a long double not exact as a float64 as a decimal string
complex             ``[re, im]``
``S`` (bytes)       a string: the bytes decoded as UTF-8, undecodable bytes as lone
                    surrogates (``surrogateescape``), so every byte string comes back
``V`` (opaque)      base64 string
structured          a list of field values
datetime64          ISO 8601 string (``"2026-12-04"``, ``"NaT"``)
timedelta64         integer count of the dtype's unit (``"NaT"``)
vlen strings        strings; vlen sequences: lists
=================  ===================================================================

The type entry is ``{"dtype": <Zarr v2 dtype>}`` plus, when needed, ``"shape"``,
``"vlen"`` (``"utf-8"``, ``"ascii"`` or the item dtype) and ``"encoding"`` (fixed
strings marked UTF-8). A value without an entry (written by zarr-python, say) reads as
h5py would give it back had h5py written that Python value; JSON that h5py could not
store (objects, null, mixed lists) reads as it is.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from zarrlite.h5.strings import check_string_dtype, check_vlen_dtype, string_dtype, vlen_dtype
from zarrlite.metadata.documents import decode_json, encode_json
from zarrlite.metadata.dtypes import encode_dtype, parse_dtype

__all__ = ["array_for", "decode", "encode", "present", "retype"]

#: What a type entry that does not fit its value raises while decoding.
_DECODE_ERRORS = (TypeError, ValueError, OverflowError, KeyError, IndexError)


# ------------------------------------------------------------------ h5py's conversions


def _item_type(data: Any) -> type | None:
    """The one type of the items of a (nested) list, tuple or untagged object array; a
    scalar's own type; None if the items are of several types (or there are none)."""
    types: set[type | None]
    if isinstance(data, np.ndarray):
        if data.dtype.kind != "O" or check_vlen_dtype(data.dtype) is not None:
            return None
        types = {type(item) for item in data.flat}
    elif isinstance(data, (list, tuple)):
        types = {_item_type(item) for item in data}
    else:
        return type(data)
    return types.pop() if len(types) == 1 else None


def _guess_dtype(data: Any) -> np.dtype | None:
    """h5py's guess: str items make variable-length UTF-8, bytes items ASCII strings."""
    item = _item_type(data)
    if item is str:
        return string_dtype()
    if item is bytes:
        return string_dtype("ascii")
    return None


def _vlen_string(item: Any, encoding: str) -> str:
    """One item of a variable-length string array, checked as HDF5 writes it."""
    if isinstance(item, bytes):
        text = bytes(item).decode("utf-8", "surrogateescape")
    elif isinstance(item, str):
        text = str(item)
        text.encode(encoding)  # UnicodeEncodeError (a ValueError), as h5py
    else:
        raise TypeError("Can't implicitly convert non-string objects to strings")
    if "\x00" in text:
        raise ValueError("VLEN strings do not support embedded NULLs")
    return text


def _check_fields(dtype: np.dtype) -> None:
    if dtype.fields is None:
        base = dtype.subdtype[0] if dtype.subdtype is not None else dtype
        if base.kind in "UT":
            raise TypeError(f"No conversion path for dtype: {base!r}")
        if base.kind == "O":
            raise TypeError(f"attributes of structured dtypes with object fields ({base!r}) "
                            "can't be stored by zarrlite")
        return
    for name in dtype.names or ():
        _check_fields(dtype.fields[name][0])


def _normalize(arr: np.ndarray) -> np.ndarray:
    """`arr` as it is stored: variable-length strings as str items (the dtype tagged),
    sequences as arrays of their base type; refuse what h5py cannot store."""
    dt = arr.dtype
    if dt.kind == "U":
        raise TypeError(f"No conversion path for dtype: {dt!r}")
    if dt.kind == "T":  # numpy's StringDType: kept as h5py's vlen UTF-8 strings
        arr, dt = arr.astype(object), string_dtype()
    if dt.kind == "S" and dt.itemsize == 0:
        return arr.astype("S1")
    if dt.kind in "biufc" and (dt.type is not np.dtype(dt.str).type or dt.metadata):
        # numpy's aliases as HDF5 gives them back (ulonglong -> uint64); enums as integers
        return arr.astype(np.dtype(dt.str))
    if dt.kind == "V":
        _check_fields(dt)
    if dt.kind != "O":
        return arr
    vlen = check_vlen_dtype(dt)
    if vlen is None:
        raise TypeError(f"Object dtype {dt!r} has no native HDF5 equivalent")
    out = np.empty(arr.shape, dtype=dt)
    flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
    if vlen in (str, bytes):
        encoding = "utf-8" if vlen is str else "ascii"
        for i, item in enumerate(flat_in):
            flat_out[i] = _vlen_string(item, encoding)
        return out
    base = np.dtype(vlen)
    if base.kind not in "biufc" or base.fields is not None:
        raise TypeError(f"variable-length attributes of {base!r} can't be stored by zarrlite")
    for i, item in enumerate(flat_in):
        seq = np.asarray(item, dtype=base)
        if seq.ndim != 1:
            raise ValueError(f"variable-length items must be 1-d sequences, found shape "
                             f"{seq.shape}")
        flat_out[i] = seq
    return out.view(vlen_dtype(base))


def _tagged(arr: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`arr` with `dtype`'s metadata (asarray and astype may drop it)."""
    if dtype.metadata and arr.dtype == dtype and arr.dtype.metadata != dtype.metadata:
        return arr.view(dtype)
    return arr


def array_for(data: Any, shape: Any = None, dtype: Any = None) -> np.ndarray:
    """The array h5py's ``AttributeManager.create`` would store for `data`.

    Parameters
    ----------
    data : Any
        The value: Python scalars, (nested) lists, numpy scalars and arrays.
    shape : int or tuple of int, optional
        The attribute's shape; it must have as many elements as `data`.
    dtype : numpy dtype, optional
        The attribute's dtype, `data` is cast to it; a subarray dtype adds its shape.

    Returns
    -------
    numpy.ndarray
        Its variable-length strings are str items, with h5py's tagged dtype.

    Raises
    ------
    ValueError
        If `shape` does not fit the number of elements (h5py's message), or a string
        holds a NUL.
    TypeError
        For what h5py cannot store either: numpy ``U`` strings, untagged objects, mixed
        str and bytes; or object fields in a structured dtype.
    """
    if dtype is not None and not isinstance(dtype, np.dtype):
        dtype = np.dtype(dtype)
    if dtype is not None and (not isinstance(data, np.ndarray)
                              or (dtype.kind == "f" and dtype.itemsize == 2)):
        as_dtype: np.dtype | None = dtype
    else:
        as_dtype = _guess_dtype(data)
    arr = np.asarray(data, order="C", dtype=as_dtype)
    if as_dtype is not None:
        arr = arr.view(as_dtype)  # the tag (ValueError for a subarray dtype, as h5py)
    shape = arr.shape if shape is None else (shape,) if isinstance(shape, int) else tuple(shape)
    dtype = arr.dtype if dtype is None else dtype
    if dtype.subdtype is not None:
        dtype, subshape = dtype.subdtype
        if shape[len(shape) - len(subshape):] != subshape:
            raise ValueError(f"Array dtype shape {subshape} is incompatible with data shape "
                             f"{shape}")
    if math.prod(shape) != arr.size:
        raise ValueError("Shape of new attribute conflicts with shape of data")
    arr = _tagged(np.asarray(arr.reshape(shape), dtype=dtype), dtype)
    return _normalize(arr)


def retype(value: Any, current: np.ndarray) -> np.ndarray:
    """`value` as an array of `current`'s dtype and shape (h5py's ``modify``).

    Raises
    ------
    TypeError
        If the shapes differ (unless both hold one element), or the value cannot be
        converted to the dtype.
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" == current.dtype.kind and not check_vlen_dtype(value.dtype):
            value = value.view(current.dtype)  # objects: take the attribute's own tag
        arr = _normalize(value)
    else:
        arr = _tagged(np.asarray(value, order="C", dtype=current.dtype), current.dtype)
    if arr.shape != current.shape and not (arr.size == 1 and current.size == 1):
        raise TypeError("Shape of data is incompatible with existing attribute")
    arr = np.asarray(arr.reshape(current.shape), dtype=current.dtype)
    return _normalize(_tagged(arr, current.dtype))


def present(arr: np.ndarray) -> Any:
    """The value h5py's ``AttributeManager.__getitem__`` gives for a stored array: a
    scalar (numpy scalar, str, or the item) for 0-d, else the array; fixed strings
    carry h5py's ``h5py_encoding`` metadata."""
    if arr.ndim == 0:
        return arr[()]
    info = check_string_dtype(arr.dtype)
    if arr.dtype.kind == "S" and info is not None and not arr.dtype.metadata:
        arr = arr.view(string_dtype(info.encoding, arr.dtype.itemsize))
    return arr


# ------------------------------------------------------------------ numpy -> JSON


def _nest(flat: list[Any], shape: tuple[int, ...]) -> Any:
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _float_json(x: Any) -> float | str:
    value = float(x)
    if math.isfinite(value) and type(x)(value) != x:  # a long double beyond float64
        return np.format_float_scientific(x, unique=True)
    return value


def _item_json(x: Any, dt: np.dtype) -> Any:
    kind = dt.kind
    if dt.fields is not None:
        return [_to_json(np.asarray(x[name])) for name in dt.names or ()]
    if kind == "f":
        return _float_json(x)
    if kind == "c":
        return [_float_json(x.real), _float_json(x.imag)]
    if kind == "S":
        return bytes(x).decode("utf-8", "surrogateescape")
    if kind == "V":
        return base64.standard_b64encode(x.tobytes()).decode("ascii")
    if kind == "M":
        return str(np.datetime_as_string(x))
    if kind == "m":
        return "NaT" if np.isnat(x) else int(x.astype(np.int64))
    if kind == "O":
        return x if isinstance(x, str) else _to_json(np.asarray(x))
    return x.item()


def _to_json(arr: np.ndarray) -> Any:
    dt = arr.dtype
    if dt.kind in "biu" or (dt.kind == "f" and dt.type is not np.longdouble):
        return arr.tolist()
    if dt.kind == "M":
        return np.datetime_as_string(arr).tolist()
    return _nest([_item_json(x, dt) for x in arr.reshape(-1)], arr.shape)


# ------------------------------------------------------------------ JSON -> numpy


def _nested_shape(value: Any) -> tuple[int, ...]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return tuple(shape)


def _infer_shape(value: Any, dt: np.dtype) -> tuple[int, ...]:
    """The shape `value` has when the entry gives none."""
    if dt.fields is not None:
        return ()
    if dt.kind == "O" and check_string_dtype(dt) is None:  # sequences: 1-d of lists
        return (len(value),) if isinstance(value, list) else ()
    shape = _nested_shape(value)
    return shape[:-1] if dt.kind == "c" and shape else shape


def _flatten(value: Any, shape: tuple[int, ...]) -> list[Any]:
    if not shape:
        return [value]
    if not isinstance(value, list) or len(value) != shape[0]:
        raise ValueError(f"expected a list of {shape[0]}, found {value!r}")
    return [item for sub in value for item in _flatten(sub, shape[1:])]


def _float_item(x: Any, dt: np.dtype) -> Any:
    if isinstance(x, str) and dt.type is np.longdouble:  # written as a decimal string
        return dt.type(x)
    if type(x) not in (int, float):
        raise TypeError(f"expected a number, found {x!r}")
    return x


def _complex_item(x: Any, dt: np.dtype) -> Any:
    if not isinstance(x, list) or len(x) != 2:
        raise ValueError(f"expected [real, imag], found {x!r}")
    item = np.zeros((), dtype=dt)
    part = item.real.dtype
    item.real, item.imag = _float_item(x[0], part), _float_item(x[1], part)
    return item[()]


def _fits(x: Any, kind: str, vlen: Any) -> bool:
    """Whether JSON item `x` has the type that kind `kind` is written as."""
    if kind == "b":
        return type(x) is bool
    if kind in "iu":
        return type(x) is int
    if kind == "m":
        return type(x) is int or x == "NaT"
    if kind == "O" and vlen not in (str, bytes):
        return isinstance(x, list)
    return isinstance(x, str)


def _item_from_json(x: Any, dt: np.dtype) -> Any:
    kind = dt.kind
    if dt.fields is not None:
        fields = [dt.fields[name][0] for name in dt.names or ()]
        if not isinstance(x, list) or len(x) != len(fields):
            raise ValueError(f"expected a list of {len(fields)} fields, found {x!r}")
        return tuple(_field_from_json(v, field) for v, field in zip(x, fields))
    if kind == "f":
        return _float_item(x, dt)
    if kind == "c":
        return _complex_item(x, dt)
    vlen = check_vlen_dtype(dt) if kind == "O" else None
    if not _fits(x, kind, vlen):
        raise TypeError(f"expected {dt} as JSON, found {x!r}")
    if kind == "S":
        return x.encode("utf-8", "surrogateescape")
    if kind == "V":
        return base64.standard_b64decode(x.encode("ascii"))
    if kind in "Mm":
        return np.array(x, dtype=dt)[()]  # ISO strings, counts and "NaT"
    if kind == "O" and vlen not in (str, bytes):
        return _from_json(x, np.dtype(vlen), None)
    return x


def _field_from_json(value: Any, dt: np.dtype) -> Any:
    if dt.subdtype is not None:
        return _from_json(value, dt.subdtype[0], dt.subdtype[1])
    return _item_from_json(value, dt)


def _from_json(value: Any, dt: np.dtype, shape: tuple[int, ...] | None) -> np.ndarray:
    if shape is None:
        shape = _infer_shape(value, dt)
    flat = _flatten(value, shape)
    out = np.empty(len(flat), dtype=dt)
    for i, item in enumerate(flat):
        out[i] = _item_from_json(item, dt)
    return _tagged(out.reshape(shape), dt)


# ------------------------------------------------------------------ entries


def _entry_dtype(entry: dict[str, Any]) -> np.dtype:
    dt = parse_dtype(entry["dtype"])
    vlen = entry.get("vlen")
    if dt.kind == "O":
        if vlen in ("utf-8", "ascii"):
            return string_dtype(vlen)
        return vlen_dtype(parse_dtype(vlen))
    if dt.kind == "S" and entry.get("encoding") == "utf-8":
        return string_dtype("utf-8", dt.itemsize)
    return dt


def _make_entry(arr: np.ndarray) -> dict[str, Any]:
    dt = arr.dtype
    entry: dict[str, Any] = {"dtype": encode_dtype(dt)}
    info = check_string_dtype(dt)
    if dt.kind == "O":
        vlen = check_vlen_dtype(dt)
        entry["vlen"] = info.encoding if info is not None else encode_dtype(np.dtype(vlen))
    elif dt.kind == "S" and info is not None and info.encoding == "utf-8":
        entry["encoding"] = "utf-8"
    return entry


def _plain_array(value: Any) -> np.ndarray | None:
    """What an attribute without a type entry reads as: h5py's array for the JSON
    value, or None for JSON that h5py could not store (read as it is)."""
    try:
        return array_for(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or dict(a.dtype.metadata or {}) != dict(b.dtype.metadata or {}):
        return False
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "O":
        return all(type(x) is type(y) and x == y for x, y in zip(a.flat, b.flat))
    return a.tobytes() == b.tobytes()


def encode(arr: np.ndarray) -> tuple[Any, dict[str, Any] | None]:
    """The JSON value of an attribute array and its type entry.

    Parameters
    ----------
    arr : numpy.ndarray
        An array made by :func:`array_for` or :func:`retype`.

    Returns
    -------
    value : Any
        Plain JSON: numbers, strings, nested lists.
    entry : dict or None
        ``{"dtype": ..., ["shape", "vlen", "encoding"]}``; None when `value` alone
        reads back as `arr`.

    Raises
    ------
    TypeError
        For a dtype that zarrlite cannot describe (datetimes without a unit).

    Examples
    --------
    >>> encode(array_for(3))
    (3, None)
    >>> encode(array_for(np.float32(0.5)))
    (0.5, {'dtype': '<f4'})
    >>> encode(array_for(np.zeros((0, 2), "i2")))
    ([], {'dtype': '<i2', 'shape': [0, 2]})
    """
    entry = _make_entry(arr)  # refuses an unsupported dtype before converting values
    value = decode_json(encode_json(_to_json(arr)), "attribute")
    if _infer_shape(value, arr.dtype) != arr.shape:
        entry["shape"] = list(arr.shape)
    plain = _plain_array(value)
    if plain is not None and _identical(plain, arr):
        return value, None
    return value, entry


def decode(value: Any, entry: Any) -> np.ndarray | None:
    """The array an attribute's JSON `value` and type `entry` stand for.

    Parameters
    ----------
    value : Any
        The JSON value.
    entry : dict or None
        Its type entry. An entry that does not fit the value (the value was replaced by
        a tool that does not know about entries) is ignored.

    Returns
    -------
    numpy.ndarray or None
        None when the value is JSON that h5py could not store (an object, null, a list
        of mixed types): it is given back as it is.
    """
    if isinstance(entry, dict) and "dtype" in entry:
        try:
            shape = entry.get("shape")
            dt = _entry_dtype(entry)
            return _from_json(value, dt, None if shape is None else tuple(shape))
        except _DECODE_ERRORS:
            pass
    return _plain_array(value)
