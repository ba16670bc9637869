"""Blosc chunks (every format version) through the ``blosc`` codec and the C block decoder:
whole decodes, into new and given (also non-contiguous) buffers, and ``blosc_decode_blocks``
with a block mask, checked against the whole decode.

Input: mode byte, 16-bit block pattern, then the chunk. Allowed: CodecError for a corrupt
chunk; ValueError (BufferSizeError) where `out` or the mask does not match the chunk's
header, as `_ext` documents for wrong buffer sizes.
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
    flags_of,
    note,
    same_bytes,
)
from zarrlite import _ext
from zarrlite.codecs import Blosc

#: Most blocks the block-mask path is tried with (the mask is one byte a block).
MAX_MASK_BLOCKS = 1 << 16


def check_chunk(data: bytes) -> None:
    """The contract of the blosc codec and block decoder for one input."""
    reader = InputReader(data)
    mode, pattern = reader.uint(1), reader.uint(2)
    cdata = reader.rest()
    codec = Blosc()
    header = expect(CORRUPT, _ext.blosc_header, cdata)
    note("kind", expect(CORRUPT, _ext.blosc_block_kind, cdata[:32]))
    if header is REFUSED:
        if expect(CORRUPT, codec.decode, cdata) is not REFUSED:
            raise Finding("decode accepted a chunk whose header blosc_header refuses")
        return
    nbytes, blocksize = int(header[3]), int(header[4])
    note("version", header[0])  # one feature each, not their product: a corpus that stays
    note("flags", header[1])  # small enough to be mutated well
    note("typesize", header[2])
    note("sizes", bucket(nbytes), bucket(blocksize))
    if nbytes > MAX_DECODED_NBYTES:  # a big claim: only check that a small out is refused
        expect(CORRUPT_OR_ARGUMENT, codec.decode, cdata, out=np.empty(64, np.uint8))
        return
    whole = expect(CORRUPT, codec.decode, cdata)
    note("whole", header[1], whole is REFUSED)
    if mode & 1:
        _check_into_out(codec, cdata, nbytes, whole, contiguous=not mode & 2)
    if nbytes and blocksize > 0 and -(-nbytes // blocksize) <= MAX_MASK_BLOCKS:
        _check_blocks(cdata, nbytes, blocksize, pattern, whole, nthreads=1 + (mode >> 2 & 1))


def _check_into_out(codec: Blosc, cdata: bytes, nbytes: int, whole: object,
                    contiguous: bool) -> None:
    out = np.empty(nbytes, np.uint8) if contiguous else np.empty(2 * nbytes, np.uint8)[::2]
    got = expect(CORRUPT, codec.decode, cdata, out=out)
    if got is not REFUSED and whole is not REFUSED and not same_bytes(out, whole):
        raise Finding("decode into out differs from decode into a new buffer")


def _check_blocks(cdata: bytes, nbytes: int, blocksize: int, pattern: int, whole: object,
                  nthreads: int) -> None:
    """Decode the flagged blocks twice, over 0x00 and over 0xFF: the bytes written are
    then known exactly. Every byte of a flagged block must be written, with the value the
    whole decode gives; only a chunk whose blocks decode together may write others."""
    nblocks = -(-nbytes // blocksize)
    wanted = np.array(flags_of(pattern, nblocks), dtype=np.uint8)
    dsts = []
    for fill in (0x00, 0xFF):
        dst = np.full(nbytes, fill, dtype=np.uint8)
        if expect(CORRUPT_OR_ARGUMENT, _ext.blosc_decode_blocks, cdata, dst, wanted,
                  nthreads) is REFUSED:
            return
        dsts.append(dst)
    low, high = dsts
    written = (low != 0x00) | (high != 0xFF)
    note("blocks", bucket(int(wanted.sum())), bucket(nblocks), whole is REFUSED)
    in_wanted = np.repeat(wanted.astype(bool), blocksize)[:nbytes]
    if not np.array_equal(low[written], high[written]):
        raise Finding("two block decodes of the same chunk disagree")
    if not written[in_wanted].all():
        raise Finding("blosc_decode_blocks left bytes of a wanted block unwritten")
    whole_kind = _ext.blosc_block_kind(cdata[:32]) == _ext.BLOCKS_WHOLE
    if not whole_kind and written[~in_wanted].any():
        raise Finding("blosc_decode_blocks wrote bytes outside the wanted blocks")
    if whole is not REFUSED:
        reference = np.frombuffer(bytes(whole), dtype=np.uint8)
        if not np.array_equal(low[written], reference[written]):
            raise Finding("blosc_decode_blocks and the whole decode disagree")


def _samples() -> Iterator[np.ndarray]:
    rng = np.random.default_rng(10)
    yield np.arange(2000, dtype="<i4")
    yield np.zeros(700, dtype="<f8")
    yield rng.integers(0, 4, 3000).astype("u1")
    yield rng.random(600).astype("<f4")
    yield np.arange(5, dtype="<u2")
    yield np.empty(0, dtype="u1")


def blosc1_seeds() -> Iterator[bytes]:
    """Blosc1-format chunks, as zarrlite (and numcodecs) write them."""
    configs = [("lz4", 1, 0), ("blosclz", 2, 256), ("zstd", 1, 512), ("zlib", 0, 0),
               ("lz4hc", 2, 1024), ("lz4", 0, 128)]
    for index, sample in enumerate(_samples()):
        for cname, shuffle, blocksize in configs:
            cdata = Blosc(cname=cname, clevel=5, shuffle=shuffle, blocksize=blocksize).encode(
                sample)
            mode = (index * 3 + len(cname)) % 8
            yield bytes([mode, 0x5A, 0x0F]) + cdata
    yield bytes([1, 1, 0]) + Blosc(clevel=0).encode(np.arange(100, dtype="u1"))  # memcpyed


def blosc2_seeds() -> Iterator[bytes]:
    """Chunks in C-Blosc2's own formats (extended header, filters, dictionaries, special
    values), made by python-blosc2 when it is installed."""
    try:
        import blosc2
    except ImportError:
        return
    filters = [[blosc2.Filter.SHUFFLE], [blosc2.Filter.BITSHUFFLE],
               [blosc2.Filter.DELTA, blosc2.Filter.SHUFFLE], [blosc2.Filter.TRUNC_PREC]]
    codecs = [blosc2.Codec.LZ4, blosc2.Codec.ZSTD, blosc2.Codec.BLOSCLZ, blosc2.Codec.ZLIB]
    for index, sample in enumerate(_samples()):
        if sample.size == 0:
            continue
        for codec, chain in zip(codecs, filters):
            params = {"typesize": sample.itemsize, "clevel": 5, "codec": codec,
                      "filters": chain, "filters_meta": [8 if f == blosc2.Filter.TRUNC_PREC
                                                         else 0 for f in chain]}
            if chain[0] == blosc2.Filter.TRUNC_PREC and sample.dtype.kind != "f":
                continue
            cdata = blosc2.compress2(sample, blocksize=256 * (1 + index % 3), **params)
            yield bytes([index % 8, 0xA5, 0x33]) + bytes(cdata)
        dictionary = blosc2.compress2(sample, typesize=sample.itemsize, codec=blosc2.Codec.ZSTD,
                                      use_dict=True, blocksize=256)
        yield bytes([3, 0x0F, 0xF0]) + bytes(dictionary)
