"""``zarrlite.b2nd``: two-level chunks, each a one-chunk C-Blosc2 b2nd array.

A chunk is split into N-d blocks compressed independently, so a reader can decompress only
the blocks a selection touches. The stored bytes of a chunk are a C-Blosc2 contiguous frame
(see docs/b2nd-format.md): C-Blosc2 alone decodes it, and python-blosc2 opens it with
``blosc2.ndarray_from_cframe``. zarrlite registers the codec with numcodecs (entry point
group ``numcodecs.codecs``), so zarr-python reads such arrays when zarrlite is installed.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import numpy as np

from zarrlite import _ext, config
from zarrlite.codecs._buffers import as_array, decode_into
from zarrlite.codecs.abc import BufferLike, Codec
from zarrlite.codecs.registry import register_codec
from zarrlite.errors import CodecError

# C-Blosc2 compressor codes
_COMPCODES = {"blosclz": 0, "lz4": 1, "lz4hc": 2, "zlib": 4, "zstd": 5}
#: Most dimensions of a b2nd array (C-Blosc2's B2ND_MAX_DIM); chunks with more are stored
#: as one flat dimension.
B2ND_MAX_DIMS = 16
#: Default block size target: a block should sit in a core's L2 cache while it is used.
BLOCK_TARGET_NBYTES = 256 * 1024


def choose_blocks(
    shape: tuple[int, ...], itemsize: int, target_nbytes: int = BLOCK_TARGET_NBYTES
) -> tuple[int, ...]:
    """A block shape for a chunk: halve the longest block dimension until a block holds at
    most `target_nbytes` (blocks stay roughly cubic, good for windows in any direction)."""
    blocks = list(shape)
    while int(np.prod(blocks, dtype=np.int64)) * itemsize > target_nbytes:
        d = int(np.argmax(blocks))
        if blocks[d] == 1:
            break
        blocks[d] = -(-blocks[d] // 2)
    return tuple(blocks)


_local = threading.local()


def _scratch(nbytes: int) -> np.ndarray:
    """This thread's buffer for blocks on their way into place (kept: fresh memory would
    cost page faults on every chunk), at least `nbytes` long."""
    buf = getattr(_local, "scratch", None)
    if buf is None or buf.nbytes < nbytes:
        buf = _local.scratch = np.empty(max(nbytes, 1), dtype=np.uint8)
    return buf


def stores_transposed(chunks: tuple[int, ...], order: str) -> bool:
    """Whether chunks of this shape and order are stored as their transpose: F-ordered
    chunks are, unless at most one dimension exceeds 1 (then C and F order are the same
    bytes, and the chunk is stored as it is)."""
    return order == "F" and sum(n > 1 for n in chunks) > 1


class B2ND(Codec):
    """Two-level compressor: chunks made of independently compressed N-d blocks.

    Parameters
    ----------
    cname : str
        Compressor inside C-Blosc2: 'blosclz', 'lz4', 'lz4hc', 'zlib' or 'zstd'.
    clevel : int
        Compression level, 0 to 9.
    shuffle : int
        0 none, 1 byte shuffle, 2 bit shuffle.
    blocks : tuple of int, optional
        Block shape (as many dimensions as the chunk; each at most the chunk's); None picks
        one of about 256 KiB from the chunk shape and item size.

    Examples
    --------
    >>> import numpy as np
    >>> codec = B2ND(cname="zstd", clevel=5, blocks=(16, 16))
    >>> a = np.arange(64 * 48, dtype="f4").reshape(64, 48)
    >>> out = np.empty_like(a)
    >>> _ = codec.decode(codec.encode(a), out=out)
    >>> bool((out == a).all())
    True
    """

    codec_id: ClassVar[str] = "zarrlite.b2nd"
    partial_decode: ClassVar[str | None] = "regions"
    #: Chunks of more dimensions are stored flat, and decoded whole.
    max_region_ndim: ClassVar[int] = B2ND_MAX_DIMS
    NOSHUFFLE: ClassVar[int] = 0
    SHUFFLE: ClassVar[int] = 1
    BITSHUFFLE: ClassVar[int] = 2

    def __init__(
        self, cname: str = "zstd", clevel: int = 5, shuffle: int = SHUFFLE, blocks: Any = None
    ) -> None:
        if cname not in _COMPCODES:
            raise ValueError(
                f"zarrlite.b2nd: unknown cname {cname!r}; expected one of {sorted(_COMPCODES)}"
            )
        if not isinstance(clevel, (int, np.integer)) or not 0 <= clevel <= 9:
            raise ValueError(f"zarrlite.b2nd: clevel must be 0 to 9, got {clevel!r}")
        if shuffle not in (0, 1, 2):
            raise ValueError(f"zarrlite.b2nd: shuffle must be 0, 1 or 2, got {shuffle!r}")
        if blocks is not None:
            blocks = [int(b) for b in blocks]
            if not blocks or any(b < 1 for b in blocks):
                raise ValueError(f"zarrlite.b2nd: blocks must be positive, got {blocks!r}")
        self.cname = cname
        self.clevel = int(clevel)
        self.shuffle = int(shuffle)
        self.blocks = blocks

    def _layout(self, buf: BufferLike) -> tuple[np.ndarray, bool]:
        """The data as a C-contiguous array, and whether it is the transpose of the chunk
        (an F-ordered chunk is stored transposed, so its bytes keep their order)."""
        arr = as_array(buf)
        if arr.dtype.hasobject:
            raise TypeError("zarrlite.b2nd cannot encode object arrays; use an object codec")
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.flags.c_contiguous:
            return arr, False
        if arr.flags.f_contiguous:
            return arr.T, True
        return np.ascontiguousarray(arr), False

    def stored_layout(self, shape: tuple[int, ...], itemsize: int, transposed: bool = False
                      ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(shape, block shape) of the b2nd array that stores a chunk of `shape` (C order;
        `transposed`: the chunk is F-ordered and stored as its transpose)."""
        shape = tuple(shape[::-1]) if transposed else tuple(shape)
        requested = self.blocks
        if requested is not None and len(requested) != len(shape):
            raise ValueError(
                f"zarrlite.b2nd: blocks {tuple(requested)} do not match a "
                f"{len(shape)}-d chunk of shape {shape}"
            )
        if requested is not None and transposed:
            requested = requested[::-1]
        if len(shape) > B2ND_MAX_DIMS:
            shape, requested = (int(np.prod(shape, dtype=np.int64)),), None
        if requested is None:
            return shape, choose_blocks(shape, itemsize)
        return shape, tuple(min(b, n) for b, n in zip(requested, shape))

    def encode(self, buf: BufferLike) -> bytes:
        arr, transposed = self._layout(buf)
        shape, blocks = self.stored_layout(arr.T.shape if transposed else arr.shape,
                                           arr.dtype.itemsize, transposed)
        arr = arr.reshape(shape)
        if arr.size == 0:
            raise ValueError("zarrlite.b2nd cannot encode an empty chunk")
        dtype = arr.dtype.str if arr.dtype.fields is None else f"|V{arr.dtype.itemsize}"
        return _ext.b2nd_encode(
            arr.reshape(-1).view(np.uint8),
            tuple(arr.shape),
            blocks,
            arr.dtype.itemsize,
            dtype,
            _COMPCODES[self.cname],
            self.clevel,
            self.shuffle,
        )

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        cdata = as_array(buf).reshape(-1).view(np.uint8) if not isinstance(buf, bytes) else buf
        nbytes, padded = frame_sizes(cdata)
        # scratch is taken once `out` is known to fit: a wrong-sized out allocates nothing
        return decode_into(out, nbytes, self.codec_id,
                           lambda dst: _ext.b2nd_decode(cdata, dst, _scratch(padded)))


register_codec(B2ND)


def frame_sizes(cdata: Any) -> tuple[int, int]:
    """(decoded bytes, scratch bytes: the chunk padded to whole blocks) of a b2nd frame,
    from its checked header.

    Raises
    ------
    CodecError
        If `cdata` is not a b2nd frame, or claims more than ``zarrlite.config``
        ``max_chunk_nbytes`` (no array has chunks that big, and a few hundred bytes of
        frame can claim terabytes: refused before anything that big is allocated).
    """
    try:
        nbytes, padded = _ext.b2nd_sizes(cdata)
    except CodecError as err:
        raise CodecError(f"zarrlite.b2nd: {err}", err.code) from None
    limit = config.get("max_chunk_nbytes")
    if max(nbytes, padded) > limit:
        raise CodecError(f"zarrlite.b2nd: the frame claims {nbytes} decoded bytes ({padded} "
                         f"with its blocks padded), over the {limit} that zarrlite.config "
                         "max_chunk_nbytes allows")
    return nbytes, padded


def frame_layout(head: bytes) -> tuple[int, int] | None:
    """(header length, frame length) of a C-Blosc2 contiguous frame, from its first bytes;
    None when `head` does not start like one."""
    if (len(head) < 24 or head[0] != 0x9E or head[1:10] != b"\xa8b2frame\x00"
            or head[10] != 0xD2 or head[15] != 0xCF):
        return None
    return int.from_bytes(head[11:15], "big"), int.from_bytes(head[16:24], "big")
