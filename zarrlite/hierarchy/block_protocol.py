"""The block-array protocol of :mod:`zarrlite.chunked`, spoken by `Array`: its chunk grid,
and reading or writing one rectangular block, so that chunk-by-chunk work (reductions,
copies, block arrays of other formats) treats a zarrlite array like any other."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from zarrlite.chunked.grid import GridChunks, regular_grid


class BlockProtocol:
    """`eachchunk`, `readblock` and `writeblock`, for `Array`."""

    if TYPE_CHECKING:  # what the mixin relies on, defined by Array
        @property
        def shape(self) -> tuple[int, ...]: ...
        @property
        def chunks(self) -> Any: ...
        def get_basic_selection(self, selection: Any = ..., out: Any = None) -> Any: ...
        def set_basic_selection(self, selection: Any, value: Any) -> None: ...

    def eachchunk(self) -> GridChunks:
        """The array's chunk grid (a regular grid of its ``chunks``).

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.zeros((5, 4), chunks=(2, 4)).eachchunk()
        >>> g.shape, list(g)[-1]
        ((3, 1), (slice(4, 5, None), slice(0, 4, None)))
        """
        return regular_grid(self.shape, self.chunks)

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        """Read the block `slices` (step-1 slices, one per dimension) into `out`, whose
        shape is the block's (no intermediate copy when `out` is C-contiguous)."""
        self.get_basic_selection(tuple(slices), out=out)

    def writeblock(self, data: Any, slices: tuple[slice, ...]) -> None:
        """Write `data` (the block's shape, or broadcastable to it) to the block `slices`."""
        self.set_basic_selection(tuple(slices), data)
