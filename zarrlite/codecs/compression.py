"""Compressors compatible with numcodecs: zstd, lz4, zlib, gzip, bz2 and lzma.

Each class takes the constructor arguments of its numcodecs namesake and
produces data numcodecs decodes (and decodes what numcodecs produces). The
work is done by python-zstandard, python-lz4 and the standard library, all of
which release the GIL on large buffers, so the codecs scale across threads.
Every decoder checks the sizes it reads from the data and raises
:class:`~zarrlite.errors.CodecError` for corrupt or truncated input.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from typing import Any

import lz4.block
import numpy as np
import zstandard

from zarrlite import config
from zarrlite.codecs._buffers import (
    as_bytes,
    check_nbytes,
    copy_into,
    corrupt,
    raw_bytes,
    writable_array,
)
from zarrlite.codecs.abc import BufferLike, Codec
from zarrlite.codecs.registry import register_codec

_ZSTD_MAGIC = 0xFD2FB528
_ZSTD_SKIPPABLE_MAGIC = 0x184D2A50  # the low 4 bits are free
_ZSTD_BLOCK_MAX = 128 * 1024  # largest block a zstd frame may regenerate
_ZSTD_DICT_ID_SIZES = (0, 1, 2, 4)
_ZSTD_FCS_SIZES = (0, 2, 4, 8)  # flag 0 means 1 byte when the frame is single-segment


def _nonempty(buf: BufferLike, codec_id: str) -> np.ndarray:
    """Return the bytes of encoded data, refusing empty input (no valid stream is empty)."""
    src = as_bytes(buf)
    if src.size == 0:
        raise corrupt(codec_id, "empty input, expected a compressed stream")
    return src


def _deliver(data: bytes, out: Any, codec_id: str) -> Any:
    """Return decoded `data`, or copy it into `out` and return `out`."""
    if out is None:
        return data
    return copy_into(data, out, codec_id)


def _decode_limit(out: Any, codec_id: str) -> int:
    """Most bytes a stream may decompress to: `out`'s size, else ``zarrlite.config``
    ``max_chunk_nbytes`` (a few bytes of a hostile stream can expand to gigabytes)."""
    if out is not None:
        return writable_array(out, codec_id).nbytes
    return int(config.get("max_chunk_nbytes"))


def _decompress_streams(new_decompressor: Any, data: Any, limit: int, codec_id: str,
                        several: bool) -> bytes:
    """Decompress `data` with decompressors from `new_decompressor()` (zlib's, bz2's or
    lzma's: ``decompress(data, max_length)``, ``eof``, ``unused_data``), one stream after
    another when `several`, stopping with CodecError as soon as the output passes `limit`
    bytes or a stream ends early."""
    parts, total = [], 0
    while True:
        decompressor = new_decompressor()
        piece = decompressor.decompress(data, limit + 1 - total)
        parts.append(piece)
        total += len(piece)
        if total > limit:
            raise corrupt(codec_id, f"the stream decompresses to more than the {limit} bytes "
                          "expected")
        if not decompressor.eof:
            raise corrupt(codec_id, "truncated stream")
        data = decompressor.unused_data
        if not several or not data:
            return b"".join(parts)


def _le(view: memoryview, start: int, size: int) -> int:
    return int.from_bytes(view[start : start + size], "little")


def zstd_frames(src: memoryview) -> list[tuple[int, int, int, int]]:
    """Walk the frames of zstd data without decompressing them.

    Parameters
    ----------
    src : memoryview
        Encoded bytes (format ``B``).

    Returns
    -------
    list of (start, stop, content_size, max_size)
        One entry per data frame (skippable frames are passed over);
        ``content_size`` is -1 when the frame header does not store it, and
        ``max_size`` bounds what the frame's blocks can regenerate.

    Raises
    ------
    CodecError
        If a frame is truncated, has a bad magic number or a reserved bit set,
        or claims a content size its blocks cannot hold.
    """
    frames = []
    pos, end = 0, len(src)
    while pos < end:
        if end - pos < 8:
            raise corrupt("zstd", f"truncated frame header at byte {pos}")
        magic = _le(src, pos, 4)
        if magic & 0xFFFFFFF0 == _ZSTD_SKIPPABLE_MAGIC:
            pos += 8 + _le(src, pos + 4, 4)
            if pos > end:
                raise corrupt("zstd", "truncated skippable frame")
            continue
        if magic != _ZSTD_MAGIC:
            raise corrupt("zstd", f"bad frame magic number {magic:#010x} at byte {pos}")
        start = pos
        descriptor = src[pos + 4]
        if descriptor & 0x08:
            raise corrupt("zstd", f"reserved bit set in the frame header at byte {pos}")
        single_segment = bool(descriptor & 0x20)
        fcs_size = _ZSTD_FCS_SIZES[descriptor >> 6] or (1 if single_segment else 0)
        pos += 5 + (0 if single_segment else 1) + _ZSTD_DICT_ID_SIZES[descriptor & 3]
        if pos + fcs_size + 3 > end:
            raise corrupt("zstd", f"truncated frame header at byte {start}")
        content_size = _le(src, pos, fcs_size) if fcs_size else -1
        if fcs_size == 2:
            content_size += 256
        pos += fcs_size
        pos, max_size = _zstd_blocks(src, pos)
        if descriptor & 0x04:  # content checksum
            pos += 4
        if pos > end:
            raise corrupt("zstd", f"truncated frame starting at byte {start}")
        if content_size > max_size:
            raise corrupt(
                "zstd",
                f"frame header claims {content_size} bytes but its blocks hold at most {max_size}",
            )
        frames.append((start, pos, content_size, max_size))
    if not frames:
        raise corrupt("zstd", "no zstd frame in the input")
    return frames


def _zstd_blocks(src: memoryview, pos: int) -> tuple[int, int]:
    """Skip the blocks of one frame; return the position after them and their maximum size."""
    end = len(src)
    max_size = 0
    while True:
        if pos + 3 > end:
            raise corrupt("zstd", f"truncated block header at byte {pos}")
        header = _le(src, pos, 3)
        block_type, block_size = (header >> 1) & 3, header >> 3
        pos += 3
        if block_type == 0:  # raw
            pos += block_size
            max_size += block_size
        elif block_type == 1:  # RLE: one byte repeated block_size times
            pos += 1
            max_size += block_size
        elif block_type == 2:  # compressed
            pos += block_size
            max_size += _ZSTD_BLOCK_MAX
        else:
            raise corrupt("zstd", f"reserved block type at byte {pos - 3}")
        if pos > end:
            raise corrupt("zstd", "truncated block")
        if header & 1:  # last block
            return pos, max_size


class Zstd(Codec):
    """Zstandard compression, compatible with ``numcodecs.Zstd``.

    Parameters
    ----------
    level : int
        Compression level; 0 means the library default (3), negative levels
        are faster, levels above 22 are clamped to 22.
    checksum : bool
        Store a content checksum in each frame.

    Notes
    -----
    Decoding accepts several concatenated frames, skippable frames, and
    frames that do not store their content size, as numcodecs does.
    """

    codec_id = "zstd"

    def __init__(self, level: int = 0, checksum: bool = False) -> None:
        self.level = level
        self.checksum = checksum

    def encode(self, buf: BufferLike) -> bytes:
        """Compress `buf` into one zstd frame that stores its content size."""
        level = min(int(self.level), zstandard.MAX_COMPRESSION_LEVEL)
        cctx = zstandard.ZstdCompressor(
            level=level, write_checksum=bool(self.checksum), write_content_size=True
        )
        try:
            return cctx.compress(as_bytes(buf).data)
        except zstandard.ZstdError as exc:
            raise corrupt("zstd", f"compression failed: {exc}") from exc

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Decompress `buf`, into `out` when given (without an intermediate copy)."""
        src = _nonempty(buf, "zstd")
        view = src.data
        frames = zstd_frames(view)
        sizes = [frame[2] for frame in frames]
        dctx = zstandard.ZstdDecompressor()
        try:
            if out is not None:
                return _zstd_decode_into(dctx, view, out, -1 if -1 in sizes else sum(sizes))
            if len(frames) == 1 and sizes[0] > 0:
                start, stop = frames[0][:2]
                return dctx.decompress(view[start:stop])
            parts = [_zstd_frame(dctx, view[start:stop], size, max_size)
                     for start, stop, size, max_size in frames]
        except zstandard.ZstdError as exc:
            raise corrupt("zstd", f"decompression failed: {exc}") from exc
        return b"".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(level={self.level!r})"


def _zstd_frame(dctx: zstandard.ZstdDecompressor, frame: memoryview, content_size: int,
                max_size: int) -> bytes:
    """Decompress one frame. A frame that says it holds nothing is decoded all the same
    (python-zstandard's ``decompress`` returns b"" for it without reading its blocks, so
    corrupt blocks would pass), as is one that does not say."""
    if content_size > 0:
        return dctx.decompress(frame, max_output_size=max_size)
    return dctx.decompressobj().decompress(bytes(frame))


def _zstd_decode_into(
    dctx: zstandard.ZstdDecompressor, src: memoryview, out: Any, total: int
) -> Any:
    """Stream-decompress every frame of `src` into `out`; `total` is -1 if unknown."""
    dst = writable_array(out, "zstd")
    if total >= 0:
        check_nbytes(dst.nbytes, total, "zstd")
    if not (dst.flags.c_contiguous or dst.flags.f_contiguous):
        scratch = np.empty(dst.nbytes, np.uint8)
        _zstd_decode_into(dctx, src, scratch, total)
        return copy_into(scratch, out, "zstd")
    target = raw_bytes(dst).data
    filled = 0
    with dctx.stream_reader(src, read_across_frames=True) as reader:
        while filled < len(target):
            count = reader.readinto(target[filled:])
            if count == 0:
                break
            filled += count
        if reader.read(1):
            raise ValueError(f"zstd: the decoded data is larger than out ({dst.nbytes} bytes)")
    check_nbytes(dst.nbytes, filled, "zstd")
    return out


class LZ4(Codec):
    """LZ4 block compression, compatible with ``numcodecs.LZ4``.

    The encoded form is the uncompressed size as a 4-byte little-endian
    integer followed by one LZ4 block.

    Parameters
    ----------
    acceleration : int
        Larger is faster and compresses less; values below 1 mean 1.
    """

    codec_id = "lz4"
    max_buffer_size = 0x7E000000  # LZ4 block limit, as in numcodecs

    def __init__(self, acceleration: int = 1) -> None:
        self.acceleration = acceleration

    def encode(self, buf: BufferLike) -> bytes:
        """Compress `buf` into a size header plus one LZ4 block."""
        data = as_bytes(buf)
        if data.size > self.max_buffer_size:
            raise ValueError(
                f"lz4: cannot compress {data.size} bytes, the limit is {self.max_buffer_size}"
            )
        acceleration = max(int(self.acceleration), 1)
        return lz4.block.compress(data, mode="fast", acceleration=acceleration, store_size=True)

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Decompress `buf`, checking the stored size against the block."""
        src = as_bytes(buf)
        if src.size < 5:
            raise corrupt("lz4", f"truncated input of {src.size} bytes")
        nbytes = int.from_bytes(src[:4], "little")
        # An LZ4 block expands at most ~255 times: a larger claim is corruption.
        if nbytes > min(self.max_buffer_size, 256 * (src.size - 4) + 64):
            raise corrupt("lz4", f"size header claims {nbytes} bytes from a {src.size}-byte input")
        if out is not None:
            check_nbytes(writable_array(out, "lz4").nbytes, nbytes, "lz4")
        try:
            data = lz4.block.decompress(src[4:], uncompressed_size=nbytes)
        except lz4.block.LZ4BlockError as exc:
            raise corrupt("lz4", f"corrupt block: {exc}") from exc
        if len(data) != nbytes:
            raise corrupt("lz4", f"block holds {len(data)} bytes, size header says {nbytes}")
        return _deliver(data, out, "lz4")


class Zlib(Codec):
    """zlib (deflate with a zlib header) compression, compatible with ``numcodecs.Zlib``.

    Parameters
    ----------
    level : int
        Compression level, 0-9 (-1 for zlib's default).
    """

    codec_id = "zlib"

    def __init__(self, level: int = 1) -> None:
        self.level = level

    def encode(self, buf: BufferLike) -> bytes:
        """Compress `buf` with :func:`zlib.compress`."""
        return zlib.compress(as_bytes(buf).data, self.level)

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Decompress `buf`; truncated streams raise CodecError."""
        src = _nonempty(buf, "zlib")
        try:
            data = _decompress_streams(zlib.decompressobj, src.data, _decode_limit(out, "zlib"),
                                       "zlib", several=False)
        except zlib.error as exc:
            raise corrupt("zlib", str(exc)) from exc
        return _deliver(data, out, "zlib")


class GZip(Codec):
    """gzip compression, compatible with ``numcodecs.GZip``.

    Parameters
    ----------
    level : int
        Compression level, 0-9.

    Notes
    -----
    The stream equals the one numcodecs writes except for the modification
    time in the header, which numcodecs sets to the current time and this
    codec to 0 so that encoding is deterministic.
    """

    codec_id = "gzip"

    def __init__(self, level: int = 1) -> None:
        self.level = level

    def encode(self, buf: BufferLike) -> bytes:
        """Compress `buf` into one gzip member."""
        data = as_bytes(buf)
        # Header as written by gzip.GzipFile for a nameless stream: no flags, mtime 0,
        # "extra flags" telling the fastest (4) or best (2) level, OS unknown (255).
        xfl = {1: 4, 9: 2}.get(self.level, 0)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + bytes((xfl, 255))
        deflate = zlib.compressobj(
            self.level, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, 0
        )
        body = deflate.compress(data.data) + deflate.flush()
        trailer = (zlib.crc32(data.data) & 0xFFFFFFFF).to_bytes(4, "little") + (
            data.size & 0xFFFFFFFF
        ).to_bytes(4, "little")
        return b"".join((header, body, trailer))

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Decompress every gzip member of `buf`, checking CRC and length."""
        src = _nonempty(buf, "gzip")
        try:  # zlib checks each member's header, CRC and length (wbits 16 + 15: gzip)
            data = _decompress_streams(lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
                                       src.data, _decode_limit(out, "gzip"), "gzip",
                                       several=True)
        except (OSError, EOFError, zlib.error) as exc:
            raise corrupt("gzip", str(exc)) from exc
        return _deliver(data, out, "gzip")


class BZ2(Codec):
    """bzip2 compression, compatible with ``numcodecs.BZ2``.

    Parameters
    ----------
    level : int
        Compression level, 1-9.
    """

    codec_id = "bz2"

    def __init__(self, level: int = 1) -> None:
        self.level = level

    def encode(self, buf: BufferLike) -> bytes:
        """Compress `buf` with :func:`bz2.compress`."""
        return bz2.compress(as_bytes(buf).data, self.level)

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Decompress every bzip2 stream of `buf`."""
        src = _nonempty(buf, "bz2")
        try:
            data = _decompress_streams(bz2.BZ2Decompressor, src.data, _decode_limit(out, "bz2"),
                                       "bz2", several=True)
        except (OSError, ValueError, EOFError) as exc:
            raise corrupt("bz2", str(exc)) from exc
        return _deliver(data, out, "bz2")


class LZMA(Codec):
    """LZMA/XZ compression, compatible with ``numcodecs.LZMA``.

    Parameters
    ----------
    format : int
        An ``lzma.FORMAT_*`` value (1 is ``FORMAT_XZ``).
    check : int
        An ``lzma.CHECK_*`` value; -1 picks the format's default.
    preset : int, optional
        Compression level 0-9, optionally or-ed with ``lzma.PRESET_EXTREME``.
    filters : list of dict, optional
        A custom filter chain (then `preset` must be None); required for
        ``FORMAT_RAW``.
    """

    codec_id = "lzma"

    def __init__(
        self,
        format: int = 1,  # shadows the builtin, but it is numcodecs' parameter name
        check: int = -1,
        preset: int | None = None,
        filters: list[dict[str, Any]] | None = None,
    ) -> None:
        self.format = format
        self.check = check
        self.preset = preset
        self.filters = filters

    def encode(self, buf: BufferLike) -> bytes:
        """Compress `buf` with :func:`lzma.compress`."""
        try:
            return lzma.compress(
                as_bytes(buf).data,
                format=self.format,
                check=self.check,
                preset=self.preset,
                filters=self.filters,
            )
        except lzma.LZMAError as exc:
            raise corrupt("lzma", f"compression failed: {exc}") from exc

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Decompress `buf` with :func:`lzma.decompress`."""
        src = _nonempty(buf, "lzma")
        try:
            data = _decompress_streams(
                lambda: lzma.LZMADecompressor(format=self.format, filters=self.filters),
                src.data, _decode_limit(out, "lzma"), "lzma",
                several=self.format != lzma.FORMAT_RAW)
        except (lzma.LZMAError, EOFError) as exc:
            raise corrupt("lzma", str(exc)) from exc
        return _deliver(data, out, "lzma")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(format={self.format!r}, check={self.check!r}, "
            f"preset={self.preset!r}, filters={self.filters!r})"
        )


for _cls in (Zstd, LZ4, Zlib, GZip, BZ2, LZMA):
    register_codec(_cls)
