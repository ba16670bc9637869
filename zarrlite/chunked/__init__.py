"""Chunk-aware computing over any chunked array: chunk grids, a block-array base class,
reductions and chunk-by-chunk copies.

Chunk grids and ``eachchunk``; ``BlockArray``; reductions (also methods of zarrlite's Array);
lazy views, concatenation and elementwise arithmetic (``lazy``, ``concatenate``, ``stack``,
``where``); ``map_chunks``; ``copy_chunked``.

This layer knows arrays only through a small protocol (``shape``, ``dtype``, reading and
writing rectangular blocks, and their chunk grid), so it serves zarrlite's own arrays,
numpy arrays, h5py datasets, zarr-python and dask arrays, and the block arrays of other
format packages alike. It sits below the hierarchy: zarrlite's Array takes its
reductions from here, and nothing here knows about stores or metadata.
"""

from zarrlite.chunked import reductions
from zarrlite.chunked.block_strategy import BatchStrategy
from zarrlite.chunked.blockarray import BlockArray
from zarrlite.chunked.copying import COPY_MAX_NBYTES, CopyStats, copy_chunked
from zarrlite.chunked.eachchunk import eachchunk, haschunks
from zarrlite.chunked.grid import GridChunks, IrregularChunks, RegularChunks, regular_grid
from zarrlite.chunked.lazy import LazyArray, concatenate, lazy, permute_dims, stack, where
from zarrlite.chunked.map_chunks import MapChunksError, map_chunks
from zarrlite.chunked.reductions import ReductionMethods

__all__ = [
    "BatchStrategy",
    "BlockArray",
    "COPY_MAX_NBYTES",
    "CopyStats",
    "GridChunks",
    "IrregularChunks",
    "LazyArray",
    "MapChunksError",
    "ReductionMethods",
    "RegularChunks",
    "concatenate",
    "copy_chunked",
    "eachchunk",
    "haschunks",
    "lazy",
    "map_chunks",
    "permute_dims",
    "reductions",
    "regular_grid",
    "stack",
    "where",
]
