"""What h5py's ``Dataset.astype``, ``asstr`` and ``fields`` return: objects indexed like
the dataset that convert as they read (nothing is read until they are indexed)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from zarrlite.h5.strings import check_string_dtype, string_dtype
from zarrlite.hierarchy.array import Array


def _encode(item: Any) -> Any:
    return item.encode("utf-8") if isinstance(item, str) else item


_encode_all = np.frompyfunc(_encode, 1, 1)
_UTF8 = string_dtype("utf-8")


def to_bytes(result: Any) -> Any:
    """Variable-length strings as h5py 3 gives them: ``bytes`` (UTF-8), not ``str``, in
    arrays tagged with h5py's string dtype."""
    if isinstance(result, np.ndarray) and result.dtype == object:
        return _encode_all(result, out=np.empty(result.shape, dtype=_UTF8))
    return _encode(result)


def hdf5_cast(data: Any, dtype: np.dtype) -> np.ndarray:
    """`data` as an array of `dtype`, converted as HDF5 converts: into an integer dtype,
    floats are truncated toward zero and values beyond the range saturate (numpy wraps
    them around: 300 -> 44 for uint8, where HDF5 gives 255)."""
    arr = np.asarray(data)
    if dtype.kind in "iu" and arr.dtype.kind in "iuf" and arr.dtype != dtype:
        info = np.iinfo(dtype)
        if arr.dtype.kind == "f":
            with np.errstate(invalid="ignore"):
                return np.clip(np.trunc(arr), info.min, info.max).astype(dtype)
        if not np.can_cast(arr.dtype, dtype):
            src = np.iinfo(arr.dtype)
            return np.clip(arr, max(info.min, src.min), min(info.max, src.max)).astype(dtype)
    return arr.astype(dtype, copy=False)


def _decode(item: Any) -> Any:
    return bytes(item).decode("utf-8") if isinstance(item, (bytes, np.bytes_)) else item


_decode_all = np.frompyfunc(_decode, 1, 1)


def _encode_ascii(item: Any) -> Any:
    return item.encode("ascii") if isinstance(item, str) else item


_encode_ascii_all = np.frompyfunc(_encode_ascii, 1, 1)


def as_stored(value: Any, dtype: np.dtype, utf8: bool, ascii: bool = False) -> Any:
    """A value written to a dataset, as h5py would take it: ``bytes`` into variable-length
    UTF-8 strings (stored as ``str``, so zarr-python reads text) and ``str`` into ASCII
    ones (encoded; UnicodeEncodeError for other text, as h5py), a 0-d object array as its
    item, numbers into integer datasets converted as HDF5 converts (`hdf5_cast`)."""
    kind = dtype.kind
    if kind == "O":
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype == object:
            value = value[()]
        if ascii:
            if isinstance(value, (str, bytes)):
                return _encode_ascii(value)
            arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
            if arr.dtype.kind in "OU":
                return _encode_ascii_all(arr.astype(object), out=np.empty(arr.shape, object))
            return value
        if not utf8:
            return value
        if isinstance(value, (bytes, np.bytes_)):
            return _decode(value)
        if isinstance(value, str):
            return value
        arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
        if arr.dtype.kind in "OS":
            return _decode_all(arr, out=np.empty(arr.shape, dtype=object))
        return value
    if kind in "iu" and not isinstance(value, (bool, np.bool_)):
        return _integers(value, dtype)
    return value


def _integers(value: Any, dtype: np.dtype) -> Any:
    """Numbers for an integer dataset: numpy values of another type through `hdf5_cast`;
    Python numbers exactly when they fit (ints beyond 2**63 included), saturated when not."""
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind in "iuf" and value.dtype != dtype:
            return hdf5_cast(value, dtype)
        return value
    if type(value) is int:
        info = np.iinfo(dtype)
        return min(max(value, int(info.min)), int(info.max))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a cast numpy would wrap around warns: saturate it
        try:
            return np.asarray(value, dtype=dtype)
        except (OverflowError, ValueError, TypeError, RuntimeWarning):
            pass
    arr = np.asarray(value)
    return hdf5_cast(arr, dtype) if arr.dtype.kind in "iuf" else value


class _Wrapper:
    """Indexable like the dataset; `_convert` turns what was read into what is given."""

    def __init__(self, dataset: Any) -> None:
        self._dataset = dataset

    def _convert(self, data: Any) -> Any:
        raise NotImplementedError

    def _read(self, selection: Any) -> Any:
        return Array.__getitem__(self._dataset, selection)  # str, not bytes: convert below

    def __getitem__(self, selection: Any) -> Any:
        return self._convert(self._read(selection))

    def __len__(self) -> int:
        return len(self._dataset)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._dataset.shape)

    @property
    def ndim(self) -> int:
        return len(self._dataset.shape)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        data = np.asarray(self[()])
        return data if dtype is None else data.astype(dtype, copy=False)


class AstypeWrapper(_Wrapper):
    """``ds.astype(dtype)``: reads converted to `dtype` (as numpy's ``astype``)."""

    def __init__(self, dataset: Any, dtype: Any) -> None:
        super().__init__(dataset)
        self._dtype = np.dtype(dtype)

    def _convert(self, data: Any) -> Any:
        return hdf5_cast(data, self._dtype)

    @property
    def dtype(self) -> np.dtype:
        return self._dtype


class AsStrWrapper(_Wrapper):
    """``ds.asstr()``: strings decoded to ``str`` (an object array, as h5py gives)."""

    def __init__(self, dataset: Any, encoding: str | None, errors: str) -> None:
        super().__init__(dataset)
        info = check_string_dtype(dataset.dtype)
        self._encoding = encoding or (info.encoding if info is not None else "utf-8")
        self._errors = errors

    def _decode(self, item: Any) -> Any:
        if isinstance(item, (bytes, np.bytes_)):
            return bytes(item).decode(self._encoding, self._errors)
        return item

    def _convert(self, data: Any) -> Any:
        if isinstance(data, np.ndarray):
            out = np.empty(data.shape, dtype=object)
            for index, item in np.ndenumerate(data):
                out[index] = self._decode(item)
            return out
        return self._decode(data)


class FieldsWrapper(_Wrapper):
    """``ds.fields(names)``: reads of only the named fields of a compound dataset."""

    def __init__(self, dataset: Any, names: str | list[str]) -> None:
        super().__init__(dataset)
        if not isinstance(names, str):
            names = list(names)
        self._names = names
        self._dataset._field_names(names)  # IndexError/KeyError now, not at the read

    def _read(self, selection: Any) -> Any:
        return self._dataset.get_basic_selection(selection, fields=self._names) \
            if _is_basic(selection) else self._dataset[selection][self._names]

    def _convert(self, data: Any) -> Any:
        return data


def _is_basic(selection: Any) -> bool:
    items = selection if isinstance(selection, tuple) else (selection,)
    return all(isinstance(s, (int, np.integer, slice)) or s is Ellipsis for s in items)
