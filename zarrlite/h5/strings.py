"""h5py's special dtypes: strings, variable-length sequences and enums.

h5py describes these with plain numpy dtypes that carry metadata, and so does this
module, with the same metadata keys, so that dtypes made by h5py and by zarrlite are
interchangeable:

- variable-length strings: ``np.dtype("O", metadata={"vlen": str})`` (UTF-8) or
  ``{"vlen": bytes}`` (ASCII);
- fixed-length strings: ``np.dtype("S<n>", metadata={"h5py_encoding": "utf-8"})``
  (or ``"ascii"``; a bare ``S<n>`` dtype counts as ASCII);
- variable-length sequences: ``np.dtype("O", metadata={"vlen": <base type>})``;
- enums: ``np.dtype(<integer type>, metadata={"enum": {name: value}})``.

:func:`storage_of` tells how a dataset of such a dtype is kept in Zarr.
"""

from __future__ import annotations

import codecs
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "KIND_FIXED",
    "KIND_PLAIN",
    "KIND_VLEN_ARRAY",
    "KIND_VLEN_BYTES",
    "KIND_VLEN_UTF8",
    "check_enum_dtype",
    "check_string_dtype",
    "check_vlen_dtype",
    "enum_dtype",
    "storage_of",
    "string_dtype",
    "string_info",
    "vlen_dtype",
]

#: :func:`storage_of` kinds: how a dtype is kept in a Zarr array.
KIND_PLAIN = "plain"
KIND_FIXED = "fixed-string"
KIND_VLEN_UTF8 = "vlen-utf8"
KIND_VLEN_BYTES = "vlen-bytes"
KIND_VLEN_ARRAY = "vlen-array"

#: numpy kinds a variable-length sequence may hold (numcodecs' VLenArray keeps one
#: simple dtype per array).
_VLEN_ARRAY_KINDS = frozenset("biufc")


class string_info(NamedTuple):  # noqa: N801 (h5py's name)
    """What :func:`check_string_dtype` finds: the encoding ("utf-8" or "ascii") and the
    length in bytes (None for variable-length strings)."""

    encoding: str
    length: int | None


def _as_dtype(dt: Any) -> np.dtype:
    return dt if isinstance(dt, np.dtype) else np.dtype(dt)


def _is_stringdtype(dt: np.dtype) -> bool:
    """numpy 2's variable-width ``StringDType`` (kind "T"), which h5py counts as UTF-8."""
    return dt.kind == "T"


def string_dtype(encoding: str = "utf-8", length: int | None = None) -> np.dtype:
    """Make a numpy dtype for h5py-style strings, as ``h5py.string_dtype`` does.

    Parameters
    ----------
    encoding : str, optional
        "utf-8" (the default) or "ascii"; any spelling :func:`codecs.lookup` knows
        ("UTF8", "ASCII", ...).
    length : int or None, optional
        A fixed length in bytes, or None (the default) for variable-length strings.

    Returns
    -------
    numpy.dtype
        ``object`` with metadata ``{"vlen": str}`` (UTF-8) or ``{"vlen": bytes}`` (ASCII)
        for variable-length strings; ``S<length>`` with metadata
        ``{"h5py_encoding": encoding}`` for fixed-length ones.

    Raises
    ------
    ValueError
        If `encoding` is neither UTF-8 nor ASCII.
    TypeError
        If `encoding` is not a str, or `length` is neither an int nor None (or is negative).

    Examples
    --------
    >>> string_dtype().metadata["vlen"]
    <class 'str'>
    >>> dt = string_dtype("ascii", 5)
    >>> dt, dt.metadata["h5py_encoding"]
    (dtype('S5'), 'ascii')
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = encoding
    if name not in ("utf-8", "ascii"):
        raise ValueError(f"Invalid encoding ({name!r}); 'utf-8' or 'ascii' allowed")
    if length is None:
        return np.dtype("O", metadata={"vlen": str if name == "utf-8" else bytes})
    if not isinstance(length, int):
        raise TypeError(f"length must be integer or None (got {length!r})")
    return np.dtype(f"|S{length}", metadata={"h5py_encoding": name})


def check_string_dtype(dt: Any) -> string_info | None:
    """Tell whether `dt` is an h5py-style string dtype, as ``h5py.check_string_dtype``.

    Parameters
    ----------
    dt : numpy.dtype
        Any dtype (h5py's own included); anything ``numpy.dtype`` takes is accepted too.

    Returns
    -------
    string_info or None
        ``(encoding, length)``: a bare ``S<n>`` dtype is ASCII of length n; an object
        dtype tagged ``{"vlen": str}`` (or numpy's StringDType) is variable-length
        UTF-8, ``{"vlen": bytes}`` variable-length ASCII. None for any other dtype.

    Examples
    --------
    >>> check_string_dtype(string_dtype())
    string_info(encoding='utf-8', length=None)
    >>> check_string_dtype(np.dtype("S4"))
    string_info(encoding='ascii', length=4)
    >>> check_string_dtype(np.dtype("U4")) is None
    True
    """
    dt = _as_dtype(dt)
    if dt.kind == "S":
        return string_info((dt.metadata or {}).get("h5py_encoding", "ascii"), dt.itemsize)
    vlen = check_vlen_dtype(dt)
    if vlen is str:
        return string_info("utf-8", None)
    if vlen is bytes:
        return string_info("ascii", None)
    return None


def vlen_dtype(basetype: Any) -> np.dtype:
    """Make a numpy dtype for variable-length sequences of `basetype`, as h5py does.

    Parameters
    ----------
    basetype : Any
        The type of the items, kept as given in the metadata (as h5py keeps it); ``str``
        and ``bytes`` give the variable-length string dtypes.

    Returns
    -------
    numpy.dtype
        ``object`` with metadata ``{"vlen": basetype}``.

    Examples
    --------
    >>> vlen_dtype(np.int32).metadata
    mappingproxy({'vlen': <class 'numpy.int32'>})
    """
    return np.dtype("O", metadata={"vlen": basetype})


def check_vlen_dtype(dt: Any) -> Any:
    """The item type of a variable-length dtype, as ``h5py.check_vlen_dtype``.

    Parameters
    ----------
    dt : numpy.dtype
        Any dtype; anything ``numpy.dtype`` takes is accepted too.

    Returns
    -------
    Any
        The ``"vlen"`` metadata of an object dtype (``str``, ``bytes`` or the base type
        as given to :func:`vlen_dtype`); ``str`` for numpy's StringDType; else None.

    Examples
    --------
    >>> check_vlen_dtype(vlen_dtype("i4"))
    'i4'
    >>> check_vlen_dtype(np.dtype("O")) is None
    True
    """
    dt = _as_dtype(dt)
    if _is_stringdtype(dt):
        return str
    if dt.kind != "O":
        return None
    return (dt.metadata or {}).get("vlen")


def enum_dtype(values_dict: Any, basetype: Any = np.uint8) -> np.dtype:
    """Make a numpy dtype for an enumerated type, as ``h5py.enum_dtype``.

    Parameters
    ----------
    values_dict : dict
        Names mapped to integer values (kept as given).
    basetype : numpy dtype or type, optional
        The integer type (uint8 by default).

    Returns
    -------
    numpy.dtype
        `basetype` with metadata ``{"enum": values_dict}``.

    Raises
    ------
    TypeError
        If `basetype` is not an integer type.

    Examples
    --------
    >>> dt = enum_dtype({"RED": 0, "GREEN": 1}, basetype="i1")
    >>> dt, check_enum_dtype(dt)
    (dtype('int8'), {'RED': 0, 'GREEN': 1})
    """
    dt = np.dtype(basetype)
    if dt.kind not in "iu":
        raise TypeError("Only integer types can be used as enums")
    return np.dtype(dt, metadata={"enum": values_dict})


def check_enum_dtype(dt: Any) -> Any:
    """The name-to-value mapping of an enum dtype, as ``h5py.check_enum_dtype``.

    Parameters
    ----------
    dt : numpy.dtype
        Anything; only a dtype with ``"enum"`` metadata gives a mapping.

    Returns
    -------
    dict or None
        The ``"enum"`` metadata, or None.
    """
    metadata = getattr(dt, "metadata", None)
    return None if metadata is None else metadata.get("enum")


def storage_of(dtype: Any) -> tuple[np.dtype, dict[str, Any] | None, str]:
    """How a dataset of `dtype` is kept in a Zarr v2 array.

    Parameters
    ----------
    dtype : numpy.dtype
        Any dtype h5py takes for a dataset, its special dtypes included.

    Returns
    -------
    zarr_dtype : numpy.dtype
        The dtype of the Zarr array (without h5py's metadata).
    object_codec : dict or None
        The configuration of the object codec the array needs, or None.
    kind : str
        :data:`KIND_VLEN_UTF8` (object dtype, ``{"id": "vlen-utf8"}``),
        :data:`KIND_VLEN_BYTES` (object, ``{"id": "vlen-bytes"}``: h5py's ASCII
        variable-length strings), :data:`KIND_VLEN_ARRAY` (object,
        ``{"id": "vlen-array", "dtype": <item dtype>}``), :data:`KIND_FIXED` (the ``S<n>``
        dtype; its encoding is ``check_string_dtype(dtype).encoding``) or
        :data:`KIND_PLAIN` (`dtype` itself, no codec).

    Raises
    ------
    TypeError
        For an object dtype that is not tagged as variable-length (h5py refuses it too),
        or a variable-length sequence of items that are not numbers or booleans.

    Examples
    --------
    >>> storage_of(string_dtype())
    (dtype('O'), {'id': 'vlen-utf8'}, 'vlen-utf8')
    >>> storage_of(vlen_dtype(np.int32))
    (dtype('O'), {'id': 'vlen-array', 'dtype': '<i4'}, 'vlen-array')
    >>> storage_of(string_dtype(length=8))
    (dtype('S8'), None, 'fixed-string')
    >>> storage_of(np.dtype("<f4"))
    (dtype('float32'), None, 'plain')
    """
    dt = _as_dtype(dtype)
    obj = np.dtype(object)
    if dt.kind == "S":
        return np.dtype(f"S{dt.itemsize}"), None, KIND_FIXED
    vlen = check_vlen_dtype(dt)
    if vlen is str:
        return obj, {"id": "vlen-utf8"}, KIND_VLEN_UTF8
    if vlen is bytes:
        return obj, {"id": "vlen-bytes"}, KIND_VLEN_BYTES
    if vlen is not None:
        base = np.dtype(vlen)
        if base.kind not in _VLEN_ARRAY_KINDS or base.fields is not None:
            raise TypeError(f"variable-length sequences of {base!r} can't be stored: the "
                            "items must be numbers or booleans")
        return obj, {"id": "vlen-array", "dtype": base.str}, KIND_VLEN_ARRAY
    if dt.kind == "O":
        raise TypeError(f"Object dtype {dt!r} has no native HDF5 equivalent: tag it with "
                        "string_dtype() or vlen_dtype()")
    return dt, None, KIND_PLAIN
