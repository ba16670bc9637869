"""The stream compressors of ``zarrlite.codecs.compression``: zstd, lz4, zlib, gzip, bz2
and lzma (input: codec byte, out mode byte, then the stream). Each decodes into a new
buffer and into an `out` of the decoded size, which must agree, and refuses an `out` one
byte too small.

Allowed: CodecError for a corrupt stream; ValueError only when an `out` was given (its
size does not match the decoded data), as `Codec.decode` documents.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from fuzz.contract import (
    CORRUPT,
    CORRUPT_OR_ARGUMENT,
    MAX_DECODED_NBYTES,
    REFUSED,
    Finding,
    InputReader,
    bucket,
    expect,
    note,
    same_bytes,
)
from zarrlite.codecs import BZ2, LZ4, LZMA, Codec, GZip, Zlib, Zstd

#: The codecs, by the first input byte (modulo their number); zstd and lz4 parse their
#: own headers, so they come twice.
CODECS: tuple[Codec, ...] = (Zstd(), LZ4(), Zlib(), GZip(), BZ2(), LZMA(), Zstd(), LZ4())


def check_stream(data: bytes) -> None:
    """The contract of one compressor's decode for one input."""
    reader = InputReader(data)
    codec = CODECS[reader.uint() % len(CODECS)]
    mode = reader.uint()
    cdata = reader.rest()
    if mode & 1:  # the array path: out has the chunk's size (from the metadata: 97 * n)
        out = np.empty((mode >> 1) * 97, np.uint8)
        expect(CORRUPT_OR_ARGUMENT, codec.decode, cdata, out=out)
        return
    whole = expect(CORRUPT, codec.decode, cdata)
    if whole is REFUSED:
        return
    decoded = bytes(whole)
    note(codec.codec_id, bucket(len(decoded)))
    if len(decoded) > MAX_DECODED_NBYTES:
        return
    contiguous = not mode & 2
    out = np.empty(len(decoded), np.uint8) if contiguous else np.empty(2 * len(decoded),
                                                                       np.uint8)[::2]
    if expect(CORRUPT, codec.decode, cdata, out=out) is REFUSED:
        raise Finding("decoding into an out of the decoded size failed")
    if not same_bytes(out, decoded):
        raise Finding("decode into out differs from decode into a new buffer")
    if decoded:
        if expect(CORRUPT_OR_ARGUMENT, codec.decode, cdata,
                  out=np.empty(len(decoded) - 1, np.uint8)) is not REFUSED:
            raise Finding("decode accepted an out one byte too small")


def seeds() -> Iterator[bytes]:
    """Every codec on a few buffers, both out modes."""
    rng = np.random.default_rng(7)
    samples = [np.arange(500, dtype="<i4").tobytes(), b"", b"abc" * 100,
               rng.integers(0, 3, 900).astype("u1").tobytes()]
    for index, codec in enumerate(CODECS[:6]):
        for sample in samples:
            cdata = bytes(codec.encode(sample))
            for mode in (0, 2, 1 + 2 * (len(sample) // 97)):
                yield bytes([index, mode]) + cdata
    import zstandard  # frames without a content size, and concatenated frames

    stream = zstandard.ZstdCompressor(write_content_size=False).compress(samples[0])
    yield bytes([0, 0]) + stream + bytes(Zstd().encode(samples[2]))
