"""Chunk grids, by the name issue 14 gives them: ``zarrlite.chunks.GridChunks``,
``eachchunk``, ... (the same objects as in :mod:`zarrlite.chunked`)."""

from zarrlite.chunked.eachchunk import eachchunk, haschunks
from zarrlite.chunked.grid import GridChunks, IrregularChunks, RegularChunks, regular_grid

__all__ = ["GridChunks", "IrregularChunks", "RegularChunks", "eachchunk", "haschunks",
           "regular_grid"]
