"""Views of an array's chunks under other metadata: `view` and `astype` (a mixin of `Array`,
as zarr-python 2 has them).

A view is an `Array` over the same store and path whose metadata (shape, chunks, dtype,
fill value, filters) is changed in memory only: its chunks are the array's chunks, decoded
and encoded as the view says. Nothing about the stored array changes, and a view refuses
what would rewrite the metadata (`resize`, `append`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from zarrlite.codecs.filters import AsType
from zarrlite.metadata.array_meta import normalize_chunks, normalize_shape
from zarrlite.metadata.dtypes import normalize_fill_value

if TYPE_CHECKING:
    from zarrlite.metadata.array_meta import ArrayMeta


class Views:
    """`view` and `astype`, for `Array`."""

    if TYPE_CHECKING:  # what the mixin relies on, defined by Array
        _meta: ArrayMeta
        _store: Any
        _chunk_store: Any
        _path: str
        _read_only: bool
        _write_empty_chunks: bool
        _synchronizer: Any
        _is_view: bool
        filters: Any

    def view(self, shape: Any = None, chunks: Any = None, dtype: Any = None,
             fill_value: Any = None, filters: Any = None, read_only: bool | None = None,
             synchronizer: Any = None) -> Any:
        """A new Array over the same chunks, with some metadata changed in memory only.

        Parameters
        ----------
        shape, chunks, dtype, fill_value : optional
            Replacements for the array's own. A `dtype` of another item size reads the
            same chunk bytes as other items (the chunk shape must then fit their size).
        filters : list of codecs, optional
            Replacement filters (a list, possibly empty).
        read_only : bool, optional
            By default the array's own.
        synchronizer : optional
            By default the array's own (see `Array`).

        Returns
        -------
        Array
            With ``is_view`` True.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.array([True, False, True]), chunks=2)
        >>> z.view(dtype="u1")[:].tolist()
        [1, 0, 1]
        >>> z.view(shape=(2,))[:].tolist()  # the first chunk's items only
        [True, False]
        """
        if synchronizer is None:
            synchronizer = self._synchronizer
        meta = self._meta
        changes: dict[str, Any] = {}
        new_dtype = meta.dtype if dtype is None else np.dtype(dtype)
        if dtype is not None:
            changes["dtype"] = new_dtype
        new_shape = meta.shape if shape is None else normalize_shape(shape)
        if shape is not None:
            changes["shape"] = new_shape
        if chunks is not None:
            changes["chunks"] = normalize_chunks(chunks, new_shape, new_dtype.itemsize)
        if fill_value is not None or dtype is not None:
            value = meta.fill_value if fill_value is None else fill_value
            changes["fill_value"] = normalize_fill_value(value, new_dtype)
        if filters is not None:
            changes["filters"] = tuple(f.get_config() if hasattr(f, "get_config") else dict(f)
                                       for f in filters) or None
        separate = self._chunk_store if self._chunk_store is not self._store else None
        view = type(self)(self._store, self._path,  # type: ignore[call-arg]
                          read_only=self._read_only if read_only is None else read_only,
                          chunk_store=separate,
                          write_empty_chunks=self._write_empty_chunks,
                          synchronizer=synchronizer,
                          meta=dataclasses.replace(meta, **changes))
        view._is_view = True
        return view

    def astype(self, dtype: Any) -> Any:
        """A read-only view converting items to `dtype` as they are read.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(4, dtype="u1"), chunks=2)
        >>> v = z.astype("f4")
        >>> v.dtype, v[:].tolist(), v.is_view
        (dtype('float32'), [0.0, 1.0, 2.0, 3.0], True)
        """
        dtype = np.dtype(dtype)
        convert = AsType(encode_dtype=self._meta.dtype, decode_dtype=dtype)
        return self.view(filters=[convert, *(self.filters or ())], dtype=dtype,
                         read_only=True)
