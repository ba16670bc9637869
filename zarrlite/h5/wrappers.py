"""What h5py's ``Dataset.astype``, ``asstr`` and ``fields`` return: objects indexed like
the dataset that convert as they read (nothing is read until they are indexed)."""

from __future__ import annotations

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

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        data = np.asarray(self[()])
        return data if dtype is None else data.astype(dtype, copy=False)


class AstypeWrapper(_Wrapper):
    """``ds.astype(dtype)``: reads converted to `dtype` (as numpy's ``astype``)."""

    def __init__(self, dataset: Any, dtype: Any) -> None:
        super().__init__(dataset)
        self._dtype = np.dtype(dtype)

    def _convert(self, data: Any) -> Any:
        return np.asarray(data).astype(self._dtype)

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
