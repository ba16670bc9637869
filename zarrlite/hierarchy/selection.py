"""Basic selections of an array: ``z[...]`` and ``z[...] = v`` (numpy's rules, routed to fancy
indexing where the selection holds arrays), ``get/set_basic_selection``, and reading the
whole array (a mixin of `Array`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from zarrlite.indexing.basic import BasicIndexer, NotBasicSelection
from zarrlite.indexing.orthogonal import OrthogonalIndexer
from zarrlite.indexing.route import classify_selection

if TYPE_CHECKING:
    from zarrlite.chunkio.basic import ChunkIO
    from zarrlite.metadata.array_meta import ArrayMeta


class BasicIndexing:
    """Basic selections and the numpy-style entry points, for `Array`."""

    if TYPE_CHECKING:  # what the mixin relies on, defined by Array and FancyIndexing
        _meta: ArrayMeta

        @property
        def _io(self) -> ChunkIO: ...
        def _check_writable(self) -> None: ...
        def get_mask_selection(self, selection: Any) -> np.ndarray: ...
        def get_coordinate_selection(self, selection: Any) -> np.ndarray: ...
        def set_coordinate_selection(self, selection: Any, value: Any) -> None: ...
        def get_orthogonal_selection(self, selection: Any) -> np.ndarray: ...
        def set_mask_selection(self, selection: Any, value: Any) -> None: ...
        def set_orthogonal_selection(self, selection: Any, value: Any) -> None: ...

    # ------------------------------------------------------------------ reading
    def __getitem__(self, selection: Any) -> Any:
        """Read a selection, numpy style.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None, array-like or a tuple of them
            Ints, slices (any step), ``...`` and ``None``, with at most one integer or
            boolean array among them, or one boolean mask of the array's shape. For more
            than one array, use `oindex` (orthogonal) or `vindex` (coordinates).

        Returns
        -------
        numpy.ndarray or scalar
            A scalar when every dimension is picked by an int (and there is no ``...``).

        Raises
        ------
        IndexError
            If the selection is out of bounds or not supported (two arrays, say).

        See Also
        --------
        get_basic_selection, get_orthogonal_selection, get_mask_selection

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(24, dtype="i4").reshape(4, 6), chunks=(2, 3))
        >>> int(z[1, 2])
        8
        >>> z[::2, 1::2].tolist()
        [[1, 3, 5], [13, 15, 17]]
        >>> z[[0, 3], 1:3].tolist()  # one integer array, as numpy
        [[1, 2], [19, 20]]
        >>> z[z[...] > 20].tolist()  # a boolean mask of the whole array
        [21, 22, 23]
        """
        item = self._cached_item(selection)
        if item is not None:
            return item
        try:
            return self.get_basic_selection(selection)
        except NotBasicSelection:
            pass
        kind, sel, axes = classify_selection(selection, self._meta.shape)
        if kind == "mask":
            return self.get_mask_selection(sel)
        if kind == "points":
            return self.get_coordinate_selection(sel)
        if kind == "orthogonal":
            result = self.get_orthogonal_selection(sel)
            return result if axes is None else result.transpose(axes)
        return self.get_basic_selection(sel)

    def _cached_item(self, selection: Any) -> Any:
        """``z[i, j]`` (Python ints, one per dimension) from a cached chunk, without the
        indexer (for h5py-style loops of scalar reads); None when that does not apply."""
        if type(selection) is int:
            selection = (selection,)
        elif type(selection) is not tuple:
            return None
        if self._meta.dtype.fields is not None:  # (records: a copy, not a view of the cache)
            return None
        return self._io.cached_item(selection)

    def get_basic_selection(self, selection: Any = Ellipsis, out: np.ndarray | None = None
                            ) -> Any:
        """Read a basic selection: an item or a (strided) box of the array.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None or a tuple of them, optional
            One entry per dimension (missing trailing dimensions are taken whole); slices
            may have any step, negative too. The default, ``...``, reads everything.
        out : array, optional
            Where to put the result, of the selection's shape: a C-contiguous writable
            numpy array of the array's dtype is read into directly (saves allocating the
            result: for big reads, touching new memory costs as much as decoding); any
            other array (another dtype, strided, a zarrlite Array) is assigned the result.
            It is returned.
        fields : str or list of str, optional
            Fields of a structured dtype to return (all by default); ``z["a"]`` and
            ``z[0:5, "a"]`` work too. Every selection method takes `out` and `fields`.

        Returns
        -------
        numpy.ndarray or scalar
            The selected items; a scalar for a single item picked by ints alone (a 0-d
            array when the selection holds ``...``). `out` when it is given.

        Raises
        ------
        IndexError
            If an index is out of bounds or the selection is not a basic one.
        TypeError
            If `out` is not an array.
        ValueError
            If `out` does not have the selection's shape.
        IndexError
            If a field is not in the dtype (or the dtype has no fields).

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(10, dtype="i4"), chunks=4)
        >>> int(z.get_basic_selection(5))
        5
        >>> z.get_basic_selection(slice(2, 9, 3)).tolist()
        [2, 5, 8]
        >>> z.get_basic_selection(slice(None, None, -4)).tolist()
        [9, 5, 1]

        Reading into an array of one's own:

        >>> out = np.empty(4, dtype="i4")
        >>> z.get_basic_selection(slice(4, 8), out=out) is out
        True
        >>> out.tolist()
        [4, 5, 6, 7]
        """
        indexer = self._basic_indexer(selection)
        if out is None:
            target = np.empty(indexer.sel_shape, dtype=self._meta.dtype)
        else:
            target = _check_out(out, indexer.out_shape, self._meta.dtype).reshape(
                indexer.sel_shape
            )
        self._io.read(list(indexer), target)
        if out is not None:
            return out
        result = target.reshape(indexer.out_shape)
        if result.shape == () and not _has_ellipsis(selection):
            return result[()]
        if self._meta.order == "F" and result.ndim > 1:
            # in the array's own layout, as zarr-python 2 returns it (one copy more)
            return np.asfortranarray(result)
        return result

    def _basic_indexer(self, selection: Any) -> BasicIndexer:
        return BasicIndexer(selection, self._meta.shape, self._meta.chunks)

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        """The whole array read into memory, for ``numpy.asarray(z)``."""
        data = np.asarray(self[...])
        return data if dtype is None else data.astype(dtype, copy=False)

    def __len__(self) -> int:
        """Length of the first dimension (TypeError for a 0-d array)."""
        if not self._meta.shape:
            raise TypeError("len() of unsized object")
        return self._meta.shape[0]

    def __iter__(self) -> Iterator[Any]:
        """Iterate over the first dimension, reading a chunk's worth of rows at a time."""
        if not self._meta.shape:
            raise TypeError("iteration over a 0-d array")
        step = self._meta.chunks[0]
        for start in range(0, self._meta.shape[0], step):
            yield from self[start : start + step]

    # ------------------------------------------------------------------ writing
    def __setitem__(self, selection: Any, value: Any) -> None:
        """Write a selection, numpy style; the value broadcasts to the selection.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None, array-like or a tuple of them
            As for `__getitem__`.
        value : scalar or array-like
            Converted to the array's dtype as numpy assigns, and broadcast to the
            selection's shape.

        Raises
        ------
        ReadOnlyError
            If the array is read-only (a PermissionError).
        IndexError
            If the selection is out of bounds or not supported.
        ValueError
            If `value` does not broadcast to the selection's shape.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros((3, 4), chunks=(2, 2), dtype="i4")
        >>> z[0] = 1
        >>> z[1:, ::3] = [[2, 3], [4, 5]]
        >>> z[:, [1]] = 9
        >>> z[...].tolist()
        [[1, 9, 1, 1], [2, 9, 0, 3], [4, 9, 0, 5]]
        """
        try:
            self.set_basic_selection(selection, value)
            return
        except NotBasicSelection:
            pass
        kind, sel, axes = classify_selection(selection, self._meta.shape)
        if kind == "mask":
            self.set_mask_selection(sel, value)
        elif kind == "points":
            self.set_coordinate_selection(sel, value)
        elif kind == "orthogonal":
            if axes is not None:  # numpy's result order -> oindex order
                shape = OrthogonalIndexer(sel, self._meta.shape, self._meta.chunks).out_shape
                value = self._prepare_value(value, tuple(shape[a] for a in axes))
                value = value.transpose(np.argsort(axes))
            self.set_orthogonal_selection(sel, value)
        else:
            self.set_basic_selection(sel, value)

    def set_basic_selection(self, selection: Any, value: Any) -> None:
        """Write `value` (broadcast as numpy does) into a basic selection.

        Chunks the selection covers completely are encoded from `value` without being
        read; the others are read, patched and written back.

        Parameters
        ----------
        selection : int, slice, Ellipsis, None or a tuple of them
            As for `get_basic_selection`.
        value : scalar or array-like
            Converted to the array's dtype and broadcast to the selection's shape.

        Raises
        ------
        ReadOnlyError
            If the array is read-only (a PermissionError).
        IndexError
            If an index is out of bounds or the selection is not a basic one.
        ValueError
            If `value` does not broadcast to the selection's shape.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros(6, chunks=3, dtype="i4")
        >>> z.set_basic_selection(slice(1, None, 2), [7, 8, 9])
        >>> z[...].tolist()
        [0, 7, 0, 8, 0, 9]
        """
        self._check_writable()
        indexer = self._basic_indexer(selection)
        values = self._prepare_value(value, indexer.out_shape).reshape(indexer.sel_shape)
        self._io.write(list(indexer), values)

    def _prepare_value(self, value: Any, shape: tuple[int, ...]) -> np.ndarray:
        dtype = self._meta.dtype
        if dtype.hasobject:  # numpy's own rules for sequences of objects (one copy)
            out = np.empty(shape, dtype=dtype)
            if not shape and isinstance(value, np.ndarray) and value.ndim == 0:
                value = value[()]  # a 0-d array gives its item, as numpy's a[...] = v does
            out[() if not shape else ...] = value  # a single item takes any object whole
            return out
        # converted as numpy assigns: a tuple becomes a record, NaN into ints raises
        arr = np.asarray(value, dtype=dtype)
        try:
            return np.broadcast_to(arr, shape)
        except ValueError:
            raise ValueError(
                f"could not broadcast input array from shape {arr.shape} into shape {shape}"
            ) from None


def _check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
    if out.shape != shape or out.dtype != dtype:
        raise ValueError(
            f"out must have shape {shape} and dtype {dtype}, found {out.shape} and {out.dtype}"
        )
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("out must be C-contiguous and writable")
    return out


def _has_ellipsis(selection: Any) -> bool:
    if selection is Ellipsis:
        return True
    return isinstance(selection, tuple) and any(s is Ellipsis for s in selection)
