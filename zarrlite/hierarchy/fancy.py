"""Fancy selections of `Array`: ``oindex``, ``vindex``, ``blocks`` and their methods.

A mixin, so that `array.py` keeps the core; it relies on `Array`'s ``_meta``, ``_io``,
``_check_writable``, ``_prepare_value`` and basic selection methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from zarrlite.chunkio import fancy
from zarrlite.hierarchy.fields import pop_fields
from zarrlite.indexing.blocks import BlockIndexer
from zarrlite.indexing.orthogonal import (
    CoordinateIndexer,
    MaskIndexer,
    OrthogonalIndexer,
)

if TYPE_CHECKING:
    from zarrlite.chunkio.basic import ChunkIO
    from zarrlite.metadata.array_meta import ArrayMeta


class FancyIndexing:
    """Orthogonal, coordinate, mask and block selections (zarr-python 2's API)."""

    if TYPE_CHECKING:  # what the mixin relies on, defined by Array
        _meta: ArrayMeta

        @property
        def _io(self) -> ChunkIO: ...
        def _check_writable(self) -> None: ...
        def _prepare_value(self, value: Any, shape: tuple[int, ...]) -> np.ndarray: ...
        def get_basic_selection(
            self, selection: Any = ..., out: np.ndarray | None = None
        ) -> Any: ...
        def set_basic_selection(self, selection: Any, value: Any) -> None: ...

    # --------------------------------------------------------------- orthogonal
    def get_orthogonal_selection(self, selection: Any) -> np.ndarray:
        """Read an orthogonal selection: per dimension an int, a slice, an integer array or
        a boolean array, applied independently (like ``numpy.ix_``)."""
        indexer = OrthogonalIndexer(selection, self._meta.shape, self._meta.chunks)
        out = self._new_out(indexer.sel_shape)
        fancy.read_orthogonal(self._io, list(indexer), out)
        return out.reshape(indexer.out_shape)

    def set_orthogonal_selection(self, selection: Any, value: Any) -> None:
        """Write an orthogonal selection (one read-modify-write per chunk touched)."""
        self._check_writable()
        indexer = OrthogonalIndexer(selection, self._meta.shape, self._meta.chunks)
        values = self._contiguous_value(value, indexer.out_shape).reshape(indexer.sel_shape)
        fancy.write_orthogonal(self._io, list(indexer), values)

    # --------------------------------------------------------------- points
    def get_coordinate_selection(self, selection: Any) -> np.ndarray:
        """Read the items at the given coordinates: one integer array per dimension,
        broadcast together; the result has their broadcast shape."""
        indexer = CoordinateIndexer(selection, self._meta.shape, self._meta.chunks)
        return self._read_points(indexer)

    def set_coordinate_selection(self, selection: Any, value: Any) -> None:
        """Write the items at the given coordinates (the last write wins on repeats)."""
        self._check_writable()
        indexer = CoordinateIndexer(selection, self._meta.shape, self._meta.chunks)
        self._write_points(indexer, value)

    def get_mask_selection(self, mask: Any) -> np.ndarray:
        """Read the items where a boolean array of the array's shape is True (1-d result)."""
        indexer = MaskIndexer(mask, self._meta.shape, self._meta.chunks)
        return self._read_points(indexer)

    def set_mask_selection(self, mask: Any, value: Any) -> None:
        """Write the items where a boolean array of the array's shape is True."""
        self._check_writable()
        indexer = MaskIndexer(mask, self._meta.shape, self._meta.chunks)
        self._write_points(indexer, value)

    def _read_points(self, indexer: Any) -> np.ndarray:
        out = self._new_out(indexer.out_shape)
        fancy.read_points(self._io, list(indexer), out)
        return out

    def _write_points(self, indexer: Any, value: Any) -> None:
        values = self._contiguous_value(value, indexer.out_shape)
        fancy.write_points(self._io, list(indexer), values)

    # --------------------------------------------------------------- blocks
    def get_block_selection(self, selection: Any) -> np.ndarray:
        """Read whole chunks by their grid coordinates: ``z.blocks[1, 0:2]``."""
        indexer = BlockIndexer(selection, self._meta.shape, self._meta.chunks)
        return self.get_basic_selection(indexer.basic_selection)

    def set_block_selection(self, selection: Any, value: Any) -> None:
        """Write whole chunks by their grid coordinates."""
        indexer = BlockIndexer(selection, self._meta.shape, self._meta.chunks)
        self.set_basic_selection(indexer.basic_selection, value)

    # --------------------------------------------------------------- accessors
    @property
    def oindex(self) -> _Accessor:
        """``z.oindex[sel]``: orthogonal selections, read and written.

        Each dimension takes an int, a slice, an integer array or a boolean array, applied
        independently (like ``numpy.ix_``); see `get_orthogonal_selection`.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(24, dtype="i4").reshape(4, 6), chunks=(2, 3))
        >>> z.oindex[[0, 3], [1, 4]].tolist()  # rows 0 and 3, columns 1 and 4
        [[1, 4], [19, 22]]
        >>> z.oindex[[True, False, False, True], 0].tolist()
        [0, 18]
        >>> z.oindex[[0, 3], [1, 4]] = -1
        >>> int(z[3, 4]), int(z[3, 3])
        (-1, 21)
        """
        return _Accessor(self.get_orthogonal_selection, self.set_orthogonal_selection)

    @property
    def vindex(self) -> _Accessor:
        """``z.vindex[sel]``: coordinate (point) selections, read and written.

        One integer array per dimension, broadcast together, picks the items at those
        coordinates (`get_coordinate_selection`); one boolean array of the array's number
        of dimensions is a mask (`get_mask_selection`).

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(24, dtype="i4").reshape(4, 6), chunks=(2, 3))
        >>> z.vindex[[0, 3], [1, 4]].tolist()  # the items (0, 1) and (3, 4)
        [1, 22]
        >>> z.vindex[z[...] % 10 == 0].tolist()  # a mask
        [0, 10, 20]
        >>> z.vindex[[0, 1], [0, 1]] = 99
        >>> z[:2, :2].tolist()
        [[99, 1], [6, 99]]
        """
        return _Accessor(self._vindex_get, self._vindex_set)

    @property
    def blocks(self) -> _Accessor:
        """``z.blocks[sel]``: whole chunks picked by their grid coordinates.

        Ints and slices (step 1) over the chunk grid; the chunks at the array's edge may
        be smaller than the chunk shape. See `get_block_selection`.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> z = zl.array(np.arange(10, dtype="i4"), chunks=4)
        >>> z.blocks[1].tolist(), z.blocks[2].tolist()
        ([4, 5, 6, 7], [8, 9])
        >>> z.blocks[0:2] = 0
        >>> z[...].tolist()
        [0, 0, 0, 0, 0, 0, 0, 0, 8, 9]
        """
        return _Accessor(self.get_block_selection, self.set_block_selection)

    def _mask_of(self, selection: Any) -> np.ndarray | None:
        """The boolean mask when `selection` is one, with the array's dimensions."""
        sel = selection[0] if isinstance(selection, tuple) and len(selection) == 1 else selection
        if isinstance(sel, list) and sel and all(isinstance(b, (bool, np.bool_)) for b in sel):
            sel = np.asarray(sel)  # a list of booleans is a mask too, as in zarr 2
        if isinstance(sel, np.ndarray) and sel.dtype == bool and sel.ndim == len(
            self._meta.shape
        ):
            return sel
        return None

    def _vindex_get(self, selection: Any, **fields: Any) -> np.ndarray:
        mask = self._mask_of(selection)
        if mask is not None:
            return self.get_mask_selection(mask, **fields)
        return self.get_coordinate_selection(selection, **fields)

    def _vindex_set(self, selection: Any, value: Any, **fields: Any) -> None:
        mask = self._mask_of(selection)
        if mask is not None:
            self.set_mask_selection(mask, value, **fields)
        else:
            self.set_coordinate_selection(selection, value, **fields)

    # --------------------------------------------------------------- helpers
    def _new_out(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.empty(shape, dtype=self._meta.dtype)

    def _contiguous_value(self, value: Any, shape: tuple[int, ...]) -> np.ndarray:
        return np.ascontiguousarray(self._prepare_value(value, shape))


class _Accessor:
    """``obj[sel]`` / ``obj[sel] = v`` forwarding to a getter and a setter (field names in
    the selection go to their `fields` argument)."""

    __slots__ = ("_get", "_set")

    def __init__(self, get: Any, set_: Any) -> None:
        self._get = get
        self._set = set_

    def __getitem__(self, selection: Any) -> Any:
        fields, selection = pop_fields(selection)  # z.oindex[[0, 2], "a"]
        return self._get(selection) if fields is None else self._get(selection, fields=fields)

    def __setitem__(self, selection: Any, value: Any) -> None:
        fields, selection = pop_fields(selection)
        if fields is None:
            self._set(selection, value)
        else:
            self._set(selection, value, fields=fields)
