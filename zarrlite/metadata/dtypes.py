"""Data types and fill values in their Zarr v2 JSON form.

A ``.zarray`` stores its dtype as a numpy type string (``"<f8"``, ``"|S10"``,
``"<M8[ns]"``) or, for structured dtypes, as a list of ``[name, type]`` or
``[name, type, shape]`` entries, nested for nested fields. The fill value is
stored as JSON following zarr-python 2: non-finite floats as the strings
``"NaN"``, ``"Infinity"`` and ``"-Infinity"``, complex numbers as
``[real, imag]``, datetimes and timedeltas as their int64 view, raw bytes
(``S``, ``V`` and structured dtypes) as base64, and ``U`` as the plain string.

Functions here raise :class:`~zarrlite.errors.MetadataError` (a
``ValueError``) naming the offending value. Unsupported dtypes raise
:class:`UnsupportedDtypeError`, which is both a ``MetadataError`` and a
``TypeError``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
from typing import Any

import numpy as np

from zarrlite.errors import MetadataError

__all__ = [
    "DEFAULT_FILL",
    "UnsupportedDtypeError",
    "decode_fill_value",
    "default_fill_value",
    "object_fill_value",
    "encode_dtype",
    "encode_fill_value",
    "normalize_fill_value",
    "object_fields",
    "parse_dtype",
    "vlen_filter",
]

#: numpy dtype kinds that can be stored (``O`` needs an object codec in ``filters``).
SUPPORTED_KINDS = frozenset("biufcSUVMmO")

_OBJECT = np.dtype(object)
_VLEN_FILTERS: dict[type, str] = {str: "vlen-utf8", bytes: "vlen-bytes"}
_FLOAT_NAMES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class UnsupportedDtypeError(MetadataError, TypeError):
    """A dtype that zarrlite cannot store (a ``MetadataError`` and a ``TypeError``)."""


# --------------------------------------------------------------------------- dtypes


def parse_dtype(obj: Any) -> np.dtype:
    """Turn a Zarr v2 JSON dtype, or anything a user may pass, into a numpy dtype.

    Parameters
    ----------
    obj : str, list, numpy.dtype or type
        A type string (``"<f8"``, ``"|S10"``, ``"<M8[ns]"``, ``"|O"``), the
        structured list form (``[["a", "<i4"], ["b", "<f8", [2, 3]]]``), or a
        user value such as ``np.float32``, ``"int32"``, ``float`` or a dtype.
        The Python types ``str`` and ``bytes`` mean variable-length objects
        (see :func:`vlen_filter`).

    Returns
    -------
    numpy.dtype
        Without numpy's ``dtype.metadata`` at any level (h5py's tags: string encodings,
        enums, ``vlen``, references): Zarr v2 stores the plain dtype, as zarr-python does.

    Raises
    ------
    UnsupportedDtypeError
        If `obj` is malformed or names a dtype that cannot be stored:
        zero-length strings, datetimes without a unit, top-level subarray
        dtypes, numpy's ``StringDType``.

    Examples
    --------
    >>> parse_dtype("<M8[ns]")
    dtype('<M8[ns]')
    >>> parse_dtype([["a", "<i4"], ["b", "<f8", [2]]])
    dtype([('a', '<i4'), ('b', '<f8', (2,))])
    """
    if isinstance(obj, str):
        return _parse_typestr(obj)
    if isinstance(obj, np.dtype):
        return _check_dtype(obj, obj)
    if isinstance(obj, list):
        return _parse_descr(obj)
    if obj is str or obj is bytes:
        return _OBJECT
    if obj is None:
        raise UnsupportedDtypeError("dtype: expected a dtype, found None")
    try:
        dtype = np.dtype(obj)
    except Exception as e:
        raise UnsupportedDtypeError(f"dtype: cannot parse {obj!r} ({e})") from None
    return _check_dtype(dtype, obj)


@functools.lru_cache(maxsize=512)
def _parse_typestr(typestr: str) -> np.dtype:
    try:
        dtype = np.dtype(typestr)
    except Exception as e:
        raise UnsupportedDtypeError(f"dtype: cannot parse {typestr!r} ({e})") from None
    return _check_dtype(dtype, typestr)


def _parse_descr(descr: list) -> np.dtype:
    # Not cached: making the nested lists hashable costs as much as parsing them.
    try:
        dtype = np.dtype(_descr_from_json(descr))
    except Exception as e:
        raise UnsupportedDtypeError(f"dtype: cannot parse {descr!r} ({e})") from None
    return _check_dtype(dtype, descr)


def _check_dtype(dtype: np.dtype, obj: Any) -> np.dtype:
    dtype = _without_metadata(dtype)
    if dtype.subdtype is not None:
        raise UnsupportedDtypeError(
            f"dtype: subarray dtype {obj!r} is not supported at the top level; "
            "put its shape into the array shape"
        )
    if dtype.fields is not None:
        for field in dtype.fields.values():
            _check_scalar(field[0].base, obj)
        return dtype
    _check_scalar(dtype, obj)
    return dtype


def _check_scalar(dtype: np.dtype, obj: Any) -> None:
    kind = dtype.kind
    if dtype.fields is not None:
        _check_dtype(dtype, obj)
    elif kind not in SUPPORTED_KINDS:
        raise UnsupportedDtypeError(f"dtype: {obj!r} ({dtype}) is not supported")
    elif kind in "SUV" and dtype.itemsize == 0:
        raise UnsupportedDtypeError(f"dtype: {obj!r} has zero length; give one, e.g. 'U10'")
    elif kind in "Mm" and np.datetime_data(dtype)[0] == "generic":
        raise UnsupportedDtypeError(f"dtype: {obj!r} has no time unit; give one, e.g. 'M8[ns]'")


def _fields(dtype: np.dtype) -> list[tuple[str, tuple[Any, ...]]]:
    """(name, (dtype, offset[, title])) of each field, in order ([] if not structured)."""
    fields: Any = dtype.fields
    return [(name, tuple(fields[name])) for name in dtype.names or ()]


def _has_metadata(dtype: np.dtype) -> bool:
    if dtype.metadata:
        return True
    if dtype.subdtype is not None:
        return _has_metadata(dtype.subdtype[0])
    return any(_has_metadata(field[0]) for _, field in _fields(dtype))


def _without_metadata(dtype: np.dtype) -> np.dtype:
    """`dtype` without ``dtype.metadata`` at any level (same fields, offsets, titles,
    item size and alignment); `dtype` itself when it has none."""
    if not _has_metadata(dtype):
        return dtype
    if dtype.subdtype is not None:
        base, shape = dtype.subdtype
        return np.dtype((_without_metadata(base), shape))
    if dtype.names is None:
        return np.dtype(dtype.str)  # the type string carries no metadata
    fields = [field for _, field in _fields(dtype)]
    spec: Any = {
        "names": list(dtype.names),
        "formats": [_without_metadata(field[0]) for field in fields],
        "offsets": [field[1] for field in fields],
        "itemsize": dtype.itemsize,
    }
    if any(len(field) == 3 for field in fields):
        spec["titles"] = [field[2] if len(field) == 3 else None for field in fields]
    return np.dtype(spec, align=dtype.isalignedstruct)


def object_fields(dtype: np.dtype, prefix: str = "") -> list[str]:
    """The fields of a structured `dtype` that hold objects, for messages: each path
    (nested fields as ``outer/inner``), quoted, with what h5py's tag says they hold.

    Examples
    --------
    >>> object_fields(np.dtype([("a", "i4"), ("b", [("c", object)])]))
    ["'b/c'"]
    """
    found = []
    for name, (field, *_) in _fields(dtype):
        base = field.subdtype[0] if field.subdtype is not None else field
        if base.names is not None:
            found += object_fields(base, f"{prefix}{name}/")
        elif base.kind == "O":
            tags = base.metadata or {}
            vlen = tags.get("vlen")
            what = (f" (h5py: variable-length {getattr(vlen, '__name__', vlen)})"
                    if vlen is not None else " (h5py: references)" if "ref" in tags else "")
            found.append(f"'{prefix}{name}'{what}")
    return found


def _descr_from_json(descr: Any) -> Any:
    """Convert the JSON list form into the list of tuples numpy accepts (a user's list
    may name field types as Python types or dtypes: ``[("a", int), ("b", object)]``)."""
    if isinstance(descr, (str, type, np.dtype)):
        return descr
    if not isinstance(descr, (list, tuple)) or not descr:
        raise ValueError(f"expected a type string or a non-empty list of fields, found {descr!r}")
    fields = []
    for entry in descr:
        if not isinstance(entry, (list, tuple)) or len(entry) not in (2, 3):
            raise ValueError(f"expected [name, type] or [name, type, shape], found {entry!r}")
        name = entry[0]
        if isinstance(name, (list, tuple)):  # [title, name]
            if len(name) != 2 or not all(isinstance(n, str) for n in name):
                raise ValueError(f"expected a field name, found {name!r}")
            name = tuple(name)
        elif not isinstance(name, str):
            raise ValueError(f"expected a field name, found {name!r}")
        field: tuple[Any, ...] = (name, _descr_from_json(entry[1]))
        if len(entry) == 3:
            shape = entry[2]
            shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
            if not all(type(n) is int and n >= 0 for n in shape):
                raise ValueError(f"expected a subarray shape, found {entry[2]!r}")
            field += (shape,)
        fields.append(field)
    return fields


def encode_dtype(dtype: np.dtype) -> str | list:
    """Give the Zarr v2 JSON form of `dtype`, as zarr-python 2 writes it.

    Parameters
    ----------
    dtype : numpy.dtype

    Returns
    -------
    str or list
        ``dtype.str`` for simple dtypes; for structured dtypes ``dtype.descr``
        made of JSON lists (``[name, type]`` or ``[name, type, shape]``).

    Raises
    ------
    UnsupportedDtypeError
        If `dtype` cannot be stored.

    Examples
    --------
    >>> encode_dtype(np.dtype(">i2"))
    '>i2'
    >>> encode_dtype(np.dtype([("a", "<i4"), ("b", "<f8", (2,))]))
    [['a', '<i4'], ['b', '<f8', [2]]]
    """
    dtype = parse_dtype(dtype)
    if dtype.fields is None:
        return dtype.str
    return _descr_to_json(dtype.descr)


def _descr_to_json(descr: Any) -> Any:
    if isinstance(descr, str):
        return descr
    out = []
    for entry in descr:
        name = list(entry[0]) if isinstance(entry[0], tuple) else entry[0]
        item = [name, _descr_to_json(entry[1])]
        if len(entry) == 3:
            item.append(list(entry[2]))
        out.append(item)
    return out


def vlen_filter(obj: Any) -> dict | None:
    """Give the object-codec filter implied by a user dtype, if any.

    Parameters
    ----------
    obj : Any
        What the user passed as dtype.

    Returns
    -------
    dict or None
        ``{"id": "vlen-utf8"}`` for ``str``, ``{"id": "vlen-bytes"}`` for
        ``bytes`` (both parse to the object dtype), else None.
    """
    codec_id = _VLEN_FILTERS.get(obj) if isinstance(obj, type) else None
    return None if codec_id is None else {"id": codec_id}


# ----------------------------------------------------------------------- fill values


class _DefaultFill:
    """The type of :data:`DEFAULT_FILL`."""

    def __repr__(self) -> str:
        return "DEFAULT_FILL"


#: The fill value of an array created without one: see :func:`default_fill_value`.
DEFAULT_FILL: Any = _DefaultFill()

#: The default fill value of object arrays, by object codec: zarr-python 3 opens vlen-utf8
#: and vlen-bytes arrays (only those) and refuses 0 for bytes ("Expected a string") and
#: reads it as "0" for str; its own default, like the h5py face's, is the empty string.
_OBJECT_FILLS: dict[str, Any] = {"vlen-utf8": "", "vlen-bytes": b""}


def default_fill_value(dtype: np.dtype, object_codec_id: str | None = None) -> Any:
    """The fill value of a new array when none is given: 0, as zarr-python 2, except for
    ``vlen-utf8`` and ``vlen-bytes`` object arrays: ``""`` and ``b""`` (stored as ``""``),
    as zarr-python 3 writes them, so that it can open the array.

    Parameters
    ----------
    dtype : numpy.dtype
    object_codec_id : str, optional
        The codec id of an object array's first filter.

    Examples
    --------
    >>> default_fill_value(np.dtype("f4")), default_fill_value(np.dtype(object), "vlen-bytes")
    (0, b'')
    >>> default_fill_value(np.dtype(object), "json2")
    0
    """
    if dtype.kind == "O":
        return _OBJECT_FILLS.get(object_codec_id or "", 0)
    return 0


def object_fill_value(value: Any, object_codec_id: str | None) -> Any:
    """A user's fill value for an object array, in the type its codec holds: text for
    ``vlen-utf8`` (bytes decoded as UTF-8), bytes for ``vlen-bytes`` (text encoded as
    UTF-8, as zarr-python 3 does); else `value` itself.

    Without this, a text fill value of a vlen-bytes array would be stored as it is, and
    read as base64 (zarr-python 3's form of bytes); bytes of a vlen-utf8 array would be
    stored as base64 and read as that text.

    Raises
    ------
    MetadataError
        For bytes that are not UTF-8, for a vlen-utf8 array.

    Examples
    --------
    >>> object_fill_value("n/a", "vlen-bytes"), object_fill_value(b"n/a", "vlen-utf8")
    (b'n/a', 'n/a')
    >>> object_fill_value(0, "vlen-bytes")
    0
    """
    if object_codec_id == "vlen-bytes" and isinstance(value, str):
        return value.encode("utf-8")
    if object_codec_id == "vlen-utf8" and isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise _bad_fill(value, _OBJECT, "vlen-utf8 holds text; these bytes are not "
                            "UTF-8") from None
    return value


def _bad_fill(value: Any, dtype: np.dtype, why: str = "") -> MetadataError:
    extra = f" ({why})" if why else ""
    return MetadataError(f"fill_value: {value!r} is not valid for dtype {dtype}{extra}")


def _is_zero(value: Any) -> bool:
    if type(value) in (int, float, bool):
        return value == 0
    return isinstance(value, np.generic) and value.dtype.kind in "biuf" and value == 0


def normalize_fill_value(value: Any, dtype: np.dtype) -> Any:
    """Convert a user's fill value into a numpy scalar of `dtype`.

    Parameters
    ----------
    value : Any
        None, a number (``0``, ``np.nan``), bytes, a string, a datetime, a
        tuple or ``np.void`` for structured dtypes, raw bytes of the full item
        size for ``V`` dtypes. As in zarr-python 2's ``create``, a numeric zero
        means "all zero bytes" for ``S``, ``U``, ``V`` and structured dtypes
        (so ``0`` gives ``b""``, not ``b"0"``). Unlike zarr-python 2, ``-0.0``
        keeps its sign.
    dtype : numpy.dtype

    Returns
    -------
    numpy scalar, None, or `value` itself for the object dtype.

    Raises
    ------
    MetadataError
        If `value` cannot be represented exactly enough in `dtype` (a
        fractional or NaN value for an integer dtype, an out-of-range number,
        bytes of the wrong length for a ``V`` dtype, a non-string for ``U``).

    Examples
    --------
    >>> normalize_fill_value(0, np.dtype("S3"))
    np.bytes_(b'')
    >>> normalize_fill_value("NaN", np.dtype("f4"))
    np.float32(nan)
    """
    if value is None or dtype.kind == "O":
        return value
    kind = dtype.kind
    if kind in "SUV" and _is_zero(value):
        return np.zeros((), dtype=dtype)[()]
    if kind == "U" and not isinstance(value, str):
        raise _bad_fill(value, dtype, "expected a str")
    if kind == "b" and not isinstance(value, (bool, np.bool_, int, np.integer)):
        raise _bad_fill(value, dtype, "expected a bool")
    if kind in "iu" and isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            raise _bad_fill(value, dtype, "not an integer")
        value = int(value)
    if kind == "V" and isinstance(value, (bytes, bytearray, memoryview)):
        return _void_from_bytes(bytes(value), value, dtype)
    try:
        with np.errstate(all="raise"):  # overflow in a cast raises (thread-safe, unlike warnings)
            return np.array(value, dtype=dtype)[()]
    except Exception as e:
        raise _bad_fill(value, dtype, str(e)) from None


def _void_from_bytes(raw: bytes, value: Any, dtype: np.dtype) -> Any:
    if len(raw) != dtype.itemsize:
        raise _bad_fill(value, dtype, f"expected {dtype.itemsize} bytes, found {len(raw)}")
    return np.frombuffer(bytearray(raw), dtype=dtype)[0]


def _encode_float(x: Any) -> float | str:
    x = float(x)
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def encode_fill_value(value: Any, dtype: np.dtype, object_codec: Any = None) -> Any:
    """Give the JSON form of a fill value, following zarr-python 2.

    Parameters
    ----------
    value : Any
        The fill value; anything :func:`normalize_fill_value` accepts.
    dtype : numpy.dtype
    object_codec : codec, optional
        The array's object codec (its first filter): a structured dtype holding
        objects stores its fill value encoded by it, then base64, as
        zarr-python 2 does.

    Returns
    -------
    None, bool, int, float, str or list
        See the module docstring for the rules. Object-dtype values are
        returned unchanged.

    Raises
    ------
    MetadataError
        If `value` is not valid for `dtype`.

    Examples
    --------
    >>> encode_fill_value(np.nan, np.dtype("<f8"))
    'NaN'
    >>> encode_fill_value(1 + 2j, np.dtype("<c8"))
    [1.0, 2.0]
    >>> encode_fill_value(b"ab", np.dtype("|S4"))
    'YWI='
    """
    kind = dtype.kind
    if kind == "V" and dtype.hasobject:
        return _encode_object_record(value, dtype, object_codec)
    if kind == "O" and isinstance(value, bytes):
        # vlen-bytes arrays: zarr-python 3 stores a bytes fill value as base64
        return base64.standard_b64encode(value).decode("ascii")
    if value is None or kind == "O":
        return value
    # a scalar of exactly the dtype's type needs no checks (not so for M/m: units differ)
    v = (
        value
        if kind in "biufc" and type(value) is dtype.type
        else normalize_fill_value(value, dtype)
    )
    if kind == "f":
        return _encode_float(v)
    if kind in "iu":
        return int(v)
    if kind == "b":
        return bool(v)
    if kind == "c":
        return [_encode_float(v.real), _encode_float(v.imag)]
    if kind in "Mm":
        return int(v.view("i8"))
    if kind == "U":
        return str(v)
    raw = bytes(v) if kind == "S" else v.tobytes()
    return base64.standard_b64encode(raw).decode("ascii")


def decode_fill_value(value: Any, dtype: np.dtype, object_codec: Any = None) -> Any:
    """Read a fill value from its JSON form, following zarr-python 2.

    Parameters
    ----------
    value : Any
        The decoded JSON value of ``"fill_value"``.
    dtype : numpy.dtype
        The array's dtype.
    object_codec : codec, optional
        The array's object codec, needed for a structured dtype holding objects.

    Returns
    -------
    numpy scalar of `dtype`, None, or `value` itself for the object dtype.

    Raises
    ------
    MetadataError
        If `value` does not fit `dtype`; the message names ``fill_value``.

    Examples
    --------
    >>> decode_fill_value("-Infinity", np.dtype("<f2"))
    np.float16(-inf)
    >>> decode_fill_value(-9223372036854775808, np.dtype("<M8[s]"))
    np.datetime64('NaT','s')
    """
    if value is None:
        return None
    kind = dtype.kind
    try:
        if kind == "f":
            return dtype.type(_decode_float(value))
        if kind in "iu":
            return dtype.type(_decode_int(value))
        if kind == "b":
            if type(value) is bool or (type(value) is int and value in (0, 1)):
                return np.bool_(value)
        elif kind == "c":
            if isinstance(value, (list, tuple)) and len(value) == 2:
                return dtype.type(complex(_decode_float(value[0]), _decode_float(value[1])))
        elif kind in "Mm":
            native = dtype.newbyteorder("=")
            return np.array(_decode_int(value), dtype="i8").view(native)[()]
        elif kind == "U":
            if isinstance(value, str):  # numpy truncates to the length and drops trailing NULs
                return np.str_(value[: dtype.itemsize // 4].rstrip("\0"))
        elif kind == "S":
            if isinstance(value, str):
                raw = base64.b64decode(value, validate=True)
                return np.bytes_(raw[: dtype.itemsize].rstrip(b"\0"))
            if type(value) in (int, float):  # zarr-python 2 was lenient here (old files)
                return np.array(value, dtype=dtype)[()]
        elif kind == "V" and dtype.hasobject:
            if isinstance(value, str):
                return _decode_object_record(value, dtype, object_codec)
            if _is_zero(value):
                return np.zeros((), dtype=dtype)[()]
        elif kind == "V":
            if isinstance(value, str):
                return _void_from_bytes(base64.b64decode(value, validate=True), value, dtype)
        elif kind == "O":
            return value
    except MetadataError:
        raise
    except (TypeError, ValueError, OverflowError, binascii.Error) as e:
        raise _bad_fill(value, dtype, str(e)) from None
    raise _bad_fill(value, dtype)


def _no_object_codec(dtype: np.dtype) -> MetadataError:
    return MetadataError(
        f"fill_value: dtype {dtype} holds objects, so its fill value is stored encoded by the "
        "object codec (the first filter), and there is none"
    )


def _encode_object_record(value: Any, dtype: np.dtype, object_codec: Any) -> Any:
    """A record holding objects: the object codec's encoding of a 0-d array, as base64.

    Its raw bytes would be object pointers. zarr-python 2 reads the result back with
    ``np.array(codec.decode(raw), dtype)[()]``.
    """
    if value is None:
        return None
    if object_codec is None:
        raise _no_object_codec(dtype)
    record = np.array(normalize_fill_value(value, dtype), dtype=dtype)
    # pickle a tuple: a pickled numpy record names numpy's private modules, which move
    raw = object_codec.encode(record.item() if _codec_id(object_codec) == "pickle" else record)
    raw = raw.tobytes() if isinstance(raw, np.ndarray) else bytes(raw)
    return base64.standard_b64encode(raw).decode("ascii")


def _codec_id(codec: Any) -> Any:
    return getattr(codec, "codec_id", None)


def _decode_object_record(text: str, dtype: np.dtype, object_codec: Any) -> Any:
    if object_codec is None:
        raise _no_object_codec(dtype)
    raw = base64.b64decode(text, validate=True)
    decode_value = getattr(object_codec, "decode_value", object_codec.decode)
    try:
        return np.array(decode_value(raw), dtype=dtype)[()]
    except MetadataError:
        raise
    except (TypeError, ValueError) as e:  # what the codec gave does not fit the dtype
        raise _bad_fill(text, dtype, str(e)) from None


def _decode_float(value: Any) -> float:
    if type(value) in (float, int):
        return value
    if isinstance(value, str) and value in _FLOAT_NAMES:
        return _FLOAT_NAMES[value]
    raise ValueError("expected a number, 'NaN', 'Infinity' or '-Infinity'")


def _decode_int(value: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise ValueError("expected an integer")
