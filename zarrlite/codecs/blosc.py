"""The standard ``blosc`` compressor, bytes-compatible with numcodecs' Blosc.

Chunks are written in Blosc1 format (version byte 2) by the C core, so zarr-python,
numcodecs and tensorstore read them; they are decoded through C-Blosc2, which reads every
Blosc format version. Both directions release the GIL.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from zarrlite import _ext
from zarrlite.codecs._buffers import as_bytes, decode_into
from zarrlite.codecs.abc import BufferLike, Codec
from zarrlite.codecs.registry import register_codec
from zarrlite.errors import CodecError

_CNAMES = ("blosclz", "lz4", "lz4hc", "zlib", "zstd")
_SHUFFLE_NAMES = {-1: "AUTOSHUFFLE", 0: "NOSHUFFLE", 1: "SHUFFLE", 2: "BITSHUFFLE"}


def _typesize_of(buf: Any) -> int:
    if isinstance(buf, np.ndarray):
        return buf.dtype.itemsize
    try:
        return memoryview(buf).itemsize
    except TypeError:
        return 1


class Blosc(Codec):
    """Blosc meta-compressor: shuffle, then compress in independent blocks.

    Parameters
    ----------
    cname : str
        Compressor inside Blosc: 'blosclz', 'lz4', 'lz4hc', 'zlib' or 'zstd'.
    clevel : int
        Compression level, 0 (store) to 9.
    shuffle : int
        ``Blosc.NOSHUFFLE`` (0), ``Blosc.SHUFFLE`` (1, byte shuffle), ``Blosc.BITSHUFFLE``
        (2) or ``Blosc.AUTOSHUFFLE`` (-1: bit shuffle for 1-byte items, byte shuffle else).
    blocksize : int
        Requested block size in bytes; 0 chooses one as C-Blosc 1.x does.
    typesize : int, optional
        Item size used for shuffling; by default the item size of the buffer encoded.

    Examples
    --------
    >>> import numpy as np
    >>> codec = Blosc(cname="zstd", clevel=3, shuffle=Blosc.BITSHUFFLE)
    >>> data = np.arange(1000, dtype="i4")
    >>> out = np.empty_like(data)
    >>> _ = codec.decode(codec.encode(data), out=out)
    >>> bool((out == data).all())
    True
    """

    codec_id: ClassVar[str] = "blosc"
    partial_decode: ClassVar[str | None] = "blocks"
    NOSHUFFLE: ClassVar[int] = 0
    SHUFFLE: ClassVar[int] = 1
    BITSHUFFLE: ClassVar[int] = 2
    AUTOSHUFFLE: ClassVar[int] = -1

    def __init__(
        self,
        cname: str = "lz4",
        clevel: int = 5,
        shuffle: int = SHUFFLE,
        blocksize: int = 0,
        typesize: int | None = None,
    ) -> None:
        if isinstance(cname, bytes):
            cname = cname.decode()
        if cname not in _CNAMES:
            raise ValueError(f"blosc: unknown cname {cname!r}; expected one of {_CNAMES}")
        if not isinstance(clevel, (int, np.integer)) or not 0 <= clevel <= 9:
            raise ValueError(f"blosc: clevel must be an integer from 0 to 9, got {clevel!r}")
        if shuffle not in _SHUFFLE_NAMES:
            raise ValueError(f"blosc: shuffle must be -1, 0, 1 or 2, got {shuffle!r}")
        if not isinstance(blocksize, (int, np.integer)) or blocksize < 0:
            raise ValueError(f"blosc: blocksize must be a non-negative integer, got {blocksize!r}")
        if typesize is not None and not 1 <= typesize:
            raise ValueError(f"blosc: typesize must be positive, got {typesize!r}")
        self.cname = cname
        self.clevel = int(clevel)
        self.shuffle = int(shuffle)
        self.blocksize = int(blocksize)
        self._typesize = typesize
        self._cname_code = _CNAMES.index(cname)

    def shuffle_for(self, typesize: int) -> int:
        """The shuffle actually applied to items of `typesize` bytes."""
        if self.shuffle == self.AUTOSHUFFLE:
            return self.BITSHUFFLE if typesize == 1 else self.SHUFFLE
        return self.shuffle

    def c_params(self, itemsize: int) -> tuple[int, int, int, int, int]:
        """What the C encoder takes for items of `itemsize` bytes: (typesize, compressor
        code, clevel, shuffle, blocksize). A typesize given to the codec wins."""
        typesize = self._typesize or itemsize
        return (typesize, self._cname_code, self.clevel, self.shuffle_for(typesize),
                self.blocksize)

    def encode(self, buf: BufferLike) -> bytes:
        return _ext.blosc_encode(as_bytes(buf), *self.c_params(_typesize_of(buf)))

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        cdata = as_bytes(buf)
        nbytes = decoded_nbytes(cdata)
        return decode_into(out, nbytes, self.codec_id, lambda dst: _ext.blosc_decode(cdata, dst))

    def __repr__(self) -> str:
        return (
            f"Blosc(cname={self.cname!r}, clevel={self.clevel}, "
            f"shuffle={_SHUFFLE_NAMES[self.shuffle]}, blocksize={self.blocksize})"
        )


#: Most streams a Blosc block is split into (one per byte of an item of up to 16 bytes).
MAX_SPLITS = 16


def is_blosc1_header(head: bytes) -> bool:
    """Whether `head` starts like a chunk of the C-Blosc 1.x formats (version 1 or 2)."""
    return len(head) >= 16 and head[0] in (1, 2)


def ranged_chunk_sizes(header: bytes, max_nbytes: int) -> tuple[int, int, int] | None:
    """(nbytes, blocksize, cbytes) of a Blosc chunk, from its header (its first 16 to 32
    bytes), when its blocks can be read apart by byte ranges (each decodes from its own
    bytes: not stored uncompressed, no special value, dictionary or delta filter) and its
    sizes are plausible for a chunk decoding to at most `max_nbytes`; else None."""
    if len(header) < 16:
        return None
    try:
        if _ext.blosc_block_kind(header) != _ext.BLOCKS_RANGED:
            return None
    except CodecError:
        return None
    nbytes, blocksize, cbytes = (int(v) for v in np.frombuffer(header, "<i4", count=3, offset=4))
    if not 0 < nbytes <= max_nbytes or blocksize <= 0:
        return None
    nblocks = -(-nbytes // blocksize)
    if cbytes > 32 + nbytes + nblocks * 4 * (1 + MAX_SPLITS):  # more than any encoder writes
        return None
    return nbytes, blocksize, cbytes


def block_starts(head: bytes, table_at: int, nblocks: int) -> np.ndarray:
    """The block table of a Blosc chunk: each block's start offset in the chunk (int32,
    little-endian, at byte `table_at` of `head`). The caller checks that it fits."""
    return np.frombuffer(head, dtype="<i4", count=nblocks, offset=table_at)


def block_sizes(cdata: Any) -> tuple[int, int]:
    """(decoded size, block size) in bytes of a Blosc chunk, read from its (checked)
    header."""
    header = _ext.blosc_header(cdata)
    return int(header[3]), int(header[4])


def decoded_nbytes(cdata: Any) -> int:
    """Decoded size in bytes of a Blosc chunk, read from its (checked) header."""
    try:
        return int(_ext.blosc_header(cdata)[3])
    except CodecError as err:
        raise CodecError(f"blosc: {err}", err.code) from None


register_codec(Blosc)
