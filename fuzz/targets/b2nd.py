"""Two-level (``zarrlite.b2nd``) chunks: C-Blosc2 frames decoded whole (``b2nd_frame``) and
in part (``b2nd_partial``: ``b2nd_decode_region``, ``b2nd_region_blocks``,
``b2nd_item_blocks``, ``b2nd_decode_blocks``), checked against the whole decode.

Allowed: CodecError for a corrupt frame; ValueError (BufferSizeError included) for a region,
item size, mask or buffer that does not fit the frame, as `_ext` documents.
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
from zarrlite import _ext, config
from zarrlite.codecs import B2ND

#: Most dimensions a fuzzed region has, and most items along each.
MAX_REGION_NDIM = 4
MAX_REGION_COUNT = 32


def _whole(cdata: bytes) -> object:
    """The frame decoded whole (uint8 array), REFUSED, or None when it claims too much."""
    sizes = expect(CORRUPT, _ext.b2nd_sizes, cdata)
    if sizes is REFUSED:
        return REFUSED
    note("sizes", bucket(sizes[0]), bucket(sizes[1]))
    if max(sizes) > MAX_DECODED_NBYTES:
        return None
    whole = expect(CORRUPT, B2ND().decode, cdata)
    note("whole", whole is REFUSED)
    return whole


def check_frame(data: bytes) -> None:
    """The contract of the codec's whole decode: into a new buffer and into `out`. Frames
    are bounded by ``zarrlite.config`` ``max_chunk_nbytes``, set to MAX_DECODED_NBYTES here:
    a few hundred bytes of frame may claim terabytes, and must be refused."""
    with config.set(max_chunk_nbytes=MAX_DECODED_NBYTES):
        _check_frame(data)


def _check_frame(data: bytes) -> None:
    whole = expect(CORRUPT, B2ND().decode, data)
    if whole is REFUSED:  # also check that an out of the wrong size is refused
        expect(CORRUPT_OR_ARGUMENT, B2ND().decode, data, out=np.empty(64, np.uint8))
        return
    note("whole", bucket(whole.nbytes))
    out = np.empty(2 * whole.nbytes, np.uint8)[::2]  # not contiguous: through a temporary
    got = expect(CORRUPT, B2ND().decode, data, out=out)
    if got is not REFUSED and not np.array_equal(out, whole):
        raise Finding("decode into out differs from decode into a new buffer")


def check_partial(data: bytes) -> None:
    """The contract of the partial decoders. Input: operation, item size, scratch choice,
    16-bit block pattern, dimensions, (start, step, count) per dimension, item offsets,
    then the frame."""
    reader = InputReader(data)
    operation, itemsize, small_scratch = reader.uint() % 4, reader.uint() % 17, reader.uint() & 1
    pattern = reader.uint(2)
    ndim = 1 + reader.uint() % MAX_REGION_NDIM
    region = tuple((reader.sint(), reader.sint(), reader.uint() % MAX_REGION_COUNT)
                   for _ in range(ndim))
    offsets = np.array([reader.sint(2) * max(itemsize, 1) for _ in range(reader.uint() % 8)],
                       dtype=np.int64)
    cdata = reader.rest()
    sizes = expect(CORRUPT, _ext.b2nd_sizes, cdata)
    if sizes is REFUSED or max(sizes) > MAX_DECODED_NBYTES:
        return
    scratch = np.empty(sizes[1] // 2 if small_scratch else sizes[1], np.uint8)
    if operation == 0:
        _check_region(cdata, region, itemsize, scratch)
    elif operation == 1:
        flags = expect(CORRUPT_OR_ARGUMENT, _ext.b2nd_region_blocks, cdata, region, itemsize)
        note("region blocks", flags is REFUSED or bucket(int(flags.sum())))
    elif operation == 2:
        found = expect(CORRUPT_OR_ARGUMENT, _ext.b2nd_item_blocks, cdata, offsets, itemsize)
        note("item blocks", found is REFUSED or bucket(found[1]))
    else:
        _check_blocks(cdata, pattern, itemsize, sizes[0], scratch)


def _check_region(cdata: bytes, region: tuple, itemsize: int, scratch: np.ndarray) -> None:
    counts = [count for _start, _step, count in region]
    nbytes = int(np.prod(counts)) * itemsize
    dst = np.zeros(nbytes, np.uint8)
    strides = tuple(int(np.prod(counts[d + 1 :])) * itemsize for d in range(len(counts)))
    decoded = expect(CORRUPT_OR_ARGUMENT, _ext.b2nd_decode_region, cdata, region, dst, 0,
                     strides, itemsize, scratch)
    if decoded is REFUSED:
        return
    note("region", bucket(decoded), len(region), itemsize)
    whole = _whole(cdata)
    shape = _frame_shape(cdata) if isinstance(whole, np.ndarray) else None
    if shape is None or len(shape) != len(region) or whole.nbytes != np.prod(shape) * itemsize:
        return
    items = whole.view(f"V{itemsize}").reshape(shape)
    index = tuple(np.arange(count) * step + start for start, step, count in region)
    expected = items[np.ix_(*index)]
    if not same_bytes(np.ascontiguousarray(expected), dst):
        raise Finding("b2nd_decode_region and the whole decode disagree")


def _frame_shape(cdata: bytes) -> tuple[int, ...] | None:
    """The array shape of a frame C-Blosc2 opened already, from python-blosc2 if it is
    installed (the oracle of region decodes needs it)."""
    try:
        import blosc2
    except ImportError:
        return None
    try:
        return tuple(blosc2.ndarray_from_cframe(cdata).shape)
    except Exception:  # python-blosc2's own parsing (it evaluates the dtype text): not ours
        return None


def _check_blocks(cdata: bytes, pattern: int, itemsize: int, nbytes: int,
                  scratch: np.ndarray) -> None:
    """Decode the flagged blocks over 0x00 and over 0xFF: every byte written must be the
    whole decode's byte."""
    found = expect(CORRUPT_OR_ARGUMENT, _ext.b2nd_item_blocks, cdata,
                   np.empty(0, np.int64), itemsize)  # no items: just the number of blocks
    nblocks = len(found[0]) if found is not REFUSED else 1 + pattern % 64
    wanted = np.array(flags_of(pattern, nblocks), dtype=np.uint8)
    dsts = []
    for fill in (0x00, 0xFF):
        dst = np.full(nbytes, fill, np.uint8)
        decoded = expect(CORRUPT_OR_ARGUMENT, _ext.b2nd_decode_blocks, cdata, wanted,
                         itemsize, dst, scratch)
        if decoded is REFUSED:
            return
        note("blocks", bucket(decoded), bucket(nblocks))
        dsts.append(dst)
    low, high = dsts
    written = (low != 0x00) | (high != 0xFF)
    if not np.array_equal(low[written], high[written]):
        raise Finding("two block decodes of the same frame disagree")
    whole = _whole(cdata)
    if isinstance(whole, np.ndarray) and not np.array_equal(low[written], whole[written]):
        raise Finding("b2nd_decode_blocks and the whole decode disagree")


_LAYOUTS = [((40,), (8,), "<f4"), ((12, 10), (4, 5), "<i2"), ((7, 9), (7, 9), "u1"),
            ((6, 5, 4), (2, 3, 4), "<f8"), ((33, 17), (8, 8), "<u4")]


def _frames() -> Iterator[tuple[bytes, tuple, str]]:
    for index, (shape, blocks, dtype) in enumerate(_LAYOUTS):
        data = (np.arange(int(np.prod(shape))) % 251).astype(dtype).reshape(shape)
        cname = ("zstd", "lz4", "blosclz", "zlib", "lz4hc")[index]
        yield B2ND(cname=cname, shuffle=index % 3, blocks=blocks).encode(data), shape, dtype


def frame_seeds() -> Iterator[bytes]:
    """Frames zarrlite writes, and frames python-blosc2 writes (b2nd ones, and a plain
    super-chunk frame that is no b2nd array) when it is installed."""
    for cdata, _shape, _dtype in _frames():
        yield cdata
    try:
        import blosc2
    except ImportError:
        return
    nd = blosc2.asarray(np.arange(120, dtype="<f8").reshape(10, 12), chunks=(10, 12),
                        blocks=(5, 4))
    yield bytes(nd.to_cframe())
    yield bytes(blosc2.SChunk(chunksize=400, data=np.arange(100, dtype="<i4"),
                              cparams={"typesize": 4}).to_cframe())


def partial_seeds() -> Iterator[bytes]:
    """Each operation on each of zarrlite's frames, with a region inside the frame."""
    for cdata, shape, dtype in _frames():
        itemsize = np.dtype(dtype).itemsize
        region = b"".join(bytes([n // 3, 1, max(n // 2, 1)]) for n in shape)
        offsets = bytes([2]) + (1).to_bytes(2, "little") + (3).to_bytes(2, "little")
        for operation in range(4):
            yield (bytes([operation, itemsize, 0, 0x35, 0x0F, len(shape) - 1]) + region
                   + offsets + cdata)
