"""Changing an array's shape: `resize` and `append` (a mixin of `Array`)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from zarrlite.hierarchy.stored import stored_chunk_coords

if TYPE_CHECKING:
    from zarrlite.metadata.array_meta import ArrayMeta


class Reshaping:
    """`resize` and `append`, for `Array`."""

    if TYPE_CHECKING:  # what the mixin relies on, defined by Array
        _meta: ArrayMeta
        _store: Any
        _chunk_store: Any
        _path: str
        _io: Any
        @property
        def shape(self) -> tuple[int, ...]: ...
        @property
        def ndim(self) -> int: ...

        def _check_writable(self) -> None: ...
        def _write_meta(self, meta: ArrayMeta) -> None: ...
        def _chunk_key(self, coords: tuple[int, ...]) -> str: ...
        def __setitem__(self, selection: Any, value: Any) -> None: ...

    def resize(self, *shape: Any) -> None:
        """Change the shape; chunks wholly outside the new shape are deleted.

        The chunk shape stays. Kept chunks that a shrink cuts through have the cut-off
        part set to the fill value (zarr-python 2 leaves the old data there, zarr-python
        issue 1017), so a later grow reads the fill value in the whole new region.

        Parameters
        ----------
        *shape : int or tuple of int
            New shape, with the same number of dimensions: ``z.resize(5, 6)`` or
            ``z.resize((5, 6))``.

        Raises
        ------
        ReadOnlyError
            If the array is read-only (a PermissionError).
        ValueError
            If the number of dimensions differs or a length is negative.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.ones((4, 4), chunks=(2, 2), dtype="i4")
        >>> z[...] = 5
        >>> z.resize(3, 5)
        >>> z.shape, z.nchunks_initialized
        ((3, 5), 4)
        >>> z[2].tolist()  # the new column reads the fill value
        [5, 5, 5, 5, 1]
        >>> z.resize(4, 5)
        >>> z[3].tolist()  # so does the row the shrink cut off
        [1, 1, 1, 1, 1]
        """
        self._check_writable()
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        new_shape = tuple(int(s) for s in shape)
        if len(new_shape) != self.ndim or any(s < 0 for s in new_shape):
            raise ValueError(
                f"new shape {new_shape} must have {self.ndim} non-negative dimensions"
            )
        old_shape = self._meta.shape
        if all(n >= o for n, o in zip(new_shape, old_shape, strict=True)):
            self._write_meta(dataclasses.replace(self._meta, shape=new_shape))
            return
        # Shrinking: first the data that goes (cut-through parts of kept chunks set to the
        # fill value, chunks wholly outside deleted), then the new shape. A crash in between
        # leaves the old shape with some of the dropped data already reading as the fill
        # value, never a new shape over stale chunks (which a later grow would show).
        new_meta = dataclasses.replace(self._meta, shape=new_shape)
        stored = list(stored_chunk_coords(self._chunk_store, self._path, self._meta))
        self._clear_cut_off(stored, new_shape)
        new_grid = new_meta.cdata_shape
        gone = [self._chunk_key(coords) for coords in stored
                if any(c >= n for c, n in zip(coords, new_grid, strict=True))]
        if self._chunk_store.supports_deletes:
            self._io.store_batch({}, gone)  # (deletes, and drops them from chunk caches)
        elif gone:  # a zip archive: a later grow must read the fill value there, not these
            self._io.store_batch({}, gone)
        self._write_meta(new_meta)

    def _clear_cut_off(self, stored: list[tuple[int, ...]], new_shape: tuple[int, ...]) -> None:
        """Set the part of each kept chunk that a shrink cuts off to the fill value, so that
        growing again later reads the fill value there, not the old data."""
        shape, chunks = self._meta.shape, self._meta.chunks
        fill = self._meta.fill_value
        if fill is None and not self._meta.dtype.hasobject:
            fill = np.zeros((), dtype=self._meta.dtype)
        for coords in stored:
            if any(c * n >= s for c, n, s in zip(coords, chunks, new_shape, strict=True)):
                continue  # wholly cut off: deleted by the caller
            box = [slice(c * n, min((c + 1) * n, s))
                   for c, n, s in zip(coords, chunks, shape, strict=True)]
            for d, (dim_box, s) in enumerate(zip(box, new_shape, strict=True)):
                if s < dim_box.stop:
                    self[tuple(box[:d]) + (slice(s, dim_box.stop),) + tuple(box[d + 1 :])] = fill

    def append(self, data: Any, axis: int = 0) -> tuple[int, ...]:
        """Grow the array along `axis` and write `data` into the new part.

        Parameters
        ----------
        data : array-like
            Values to add, with the array's number of dimensions and its shape outside
            `axis`.
        axis : int, optional
            Dimension to grow (default 0; negative counts from the end).

        Returns
        -------
        tuple of int
            The new shape.

        Raises
        ------
        ReadOnlyError
            If the array is read-only (a PermissionError).
        ValueError
            If `data` has another number of dimensions or another shape outside `axis`,
            or `axis` is out of range.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(6, dtype="i4").reshape(2, 3), chunks=(2, 2))
        >>> z.append([[6, 7, 8]])
        (3, 3)
        >>> z.append([[0], [0], [0]], axis=1)
        (3, 4)
        >>> z[...].tolist()
        [[0, 1, 2, 0], [3, 4, 5, 0], [6, 7, 8, 0]]
        """
        self._check_writable()
        data = np.asarray(data)
        if data.ndim != self.ndim:
            raise ValueError(f"data has {data.ndim} dimensions, the array has {self.ndim}")
        axis = axis + self.ndim if axis < 0 else axis
        if not 0 <= axis < self.ndim:
            raise ValueError(f"axis {axis} is out of range for a {self.ndim}-d array")
        for d, (s, n) in enumerate(zip(self.shape, data.shape)):
            if d != axis and s != n:
                raise ValueError(
                    f"data shape {data.shape} does not match array shape {self.shape} "
                    f"outside axis {axis}"
                )
        old = self.shape[axis]
        new_shape = tuple(s + data.shape[axis] if d == axis else s
                          for d, s in enumerate(self.shape))
        self.resize(new_shape)
        selection = tuple(slice(old, None) if d == axis else slice(None)
                          for d in range(self.ndim))
        self[selection] = data
        return new_shape
