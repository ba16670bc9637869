"""Chunk pipeline: filters then compressor on the way out, the reverse on the way in.

A chunk in memory is a contiguous array of the full chunk shape, laid out in the array's
order (C or F). Its encoded bytes ("cdata") are what the store holds.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import numpy as np

from zarrlite import _ext
from zarrlite.codecs._buffers import raw_bytes
from zarrlite.codecs.abc import BlockCodec, Codec, CodecLike, RegionCodec
from zarrlite.codecs.registry import as_codec
from zarrlite.errors import CodecError


class ChunkPipeline:
    """Encode and decode whole chunks of one array.

    Parameters
    ----------
    compressor : codec, config dict or None
    filters : sequence of codecs or config dicts, or None
    dtype : numpy.dtype
    chunks : tuple of int
    order : {'C', 'F'}
    """

    def __init__(
        self,
        compressor: Any,
        filters: Any,
        dtype: np.dtype,
        chunks: tuple[int, ...],
        order: Literal["C", "F"],
    ) -> None:
        self.compressor = as_codec(compressor)
        self.filters = [_filter_codec(f) for f in (filters or ())]
        self.dtype = dtype
        self.chunks = chunks
        self.order = order
        self.nitems = int(np.prod(chunks, dtype=np.int64))
        self.nbytes = self.nitems * dtype.itemsize
        self.is_object = dtype.hasobject
        # what the compressor declares (codecs from numcodecs declare nothing: whole chunks)
        partial = getattr(self.compressor, "partial_decode", None)
        plain = not self.filters and not self.is_object
        #: True when chunks are plain Blosc: the C core can decode them into any region.
        self.is_blosc = partial == "blocks" and plain
        #: True when chunks are plain b2nd frames: the C core decodes only touched blocks.
        #: (Chunks of more dimensions than the codec's regions are stored flat: whole.)
        self.is_b2nd = (partial == "regions" and plain
                        and len(chunks) <= cast(RegionCodec, self.compressor).max_region_ndim)

    def blosc_params(self) -> tuple[int, int, int, int, int]:
        """For plain Blosc chunks (`is_blosc`): what the C encoder takes."""
        return cast(BlockCodec, self.compressor).c_params(self.dtype.itemsize)

    def encode(self, chunk: np.ndarray) -> bytes:
        """Encode a chunk-shaped array contiguous in the array's order."""
        if self.is_blosc:  # straight to C: this runs once per chunk written
            return _ext.blosc_encode(raw_bytes(chunk),
                                     *self.blosc_params())
        data: Any = chunk
        for codec in self.filters:
            data = codec.encode(data)
        if self.compressor is not None:
            data = self.compressor.encode(data)
        if isinstance(data, bytes):
            return data
        if isinstance(data, np.ndarray):
            return data.tobytes(order="A")
        return bytes(data)

    def decode(self, cdata: Any, out: np.ndarray | None = None) -> np.ndarray:
        """Decode cdata into a chunk-shaped array.

        Parameters
        ----------
        cdata : bytes-like
            Encoded chunk.
        out : numpy.ndarray, optional
            Writable contiguous 1-D uint8 buffer of exactly ``self.nbytes`` bytes to decode
            into (ignored for object dtypes). The result is a view of it.

        Raises
        ------
        CodecError
            If the data is corrupt or decodes to the wrong size.
        """
        if self.is_object:
            return self._decode_objects(cdata)
        if out is None:
            out = np.empty(self.nbytes, dtype=np.uint8)
        if not self.filters:
            if self.compressor is not None:
                self.compressor.decode(cdata, out=out)
            else:
                raw = np.frombuffer(cdata, dtype=np.uint8)
                self._check_nbytes(raw.nbytes)
                out[...] = raw
        else:
            data = self.compressor.decode(cdata) if self.compressor is not None else cdata
            for codec in reversed(self.filters):
                data = codec.decode(data)
            raw = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
            self._check_nbytes(raw.nbytes)
            out[...] = raw
        return out.view(self.dtype).reshape(self.chunks, order=self.order)

    def _decode_objects(self, cdata: Any) -> np.ndarray:
        data = self.compressor.decode(cdata) if self.compressor is not None else cdata
        for codec in reversed(self.filters):
            data = codec.decode(data)
        arr = np.asarray(data)
        if arr.dtype != self.dtype:
            raise CodecError(
                f"chunk of dtype {self.dtype} decoded to dtype {arr.dtype}; an object codec "
                "(vlen-utf8, vlen-bytes, json2, pickle) must be the first filter"
            )
        if arr.size != self.nitems:
            raise CodecError(f"chunk decodes to {arr.size} items, expected {self.nitems}")
        return arr.reshape(self.chunks, order=self.order)

    def _check_nbytes(self, nbytes: int) -> None:
        if nbytes != self.nbytes:
            raise CodecError(f"chunk decodes to {nbytes} bytes, expected {self.nbytes}")


def _filter_codec(config: Any) -> Codec | CodecLike:
    codec = as_codec(config)
    if codec is None:
        raise TypeError("filters: expected codecs or codec configurations, found None")
    return codec
