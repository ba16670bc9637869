"""The object codecs of ``zarrlite.codecs.objects``: vlen-utf8, vlen-bytes, json2 and pickle
(input: codec byte, then the encoded data). Decoding into a new array and into an `out` of
as many items must agree. Pickle decoding must refuse every input (unpickling untrusted
bytes runs code; the fuzzer never unpickles).

Allowed: CodecError for corrupt data (for pickle: always). Decoded arrays are bounded by
``zarrlite.config`` ``max_chunk_nbytes``, set to MAX_DECODED_NBYTES here: a few bytes of
json2 may name items of any size.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from fuzz.contract import (
    CORRUPT,
    MAX_DECODED_NBYTES,
    REFUSED,
    Finding,
    InputReader,
    bucket,
    expect,
    note,
    same_bytes,
)
from zarrlite import config
from zarrlite.codecs import JSON, Codec, Pickle, VLenBytes, VLenUTF8, objects

CODECS: tuple[Codec, ...] = (VLenUTF8(), VLenBytes(), JSON(), Pickle())


def check_objects(data: bytes) -> None:
    """The contract of one object codec's decode for one input."""
    with config.set(max_chunk_nbytes=MAX_DECODED_NBYTES):
        _check(data)


def _check(data: bytes) -> None:
    reader = InputReader(data)
    codec = CODECS[reader.uint() % len(CODECS)]
    cdata = reader.rest()
    if isinstance(codec, Pickle):
        if objects.ALLOW_UNSAFE_PICKLE_DECODE:
            raise RuntimeError("unpickling is allowed in this process: refusing to fuzz it")
        if expect(CORRUPT, codec.decode, cdata) is not REFUSED:
            raise Finding("pickle decoding ran although it is disabled")
        return
    whole = expect(CORRUPT, codec.decode, cdata)
    if whole is REFUSED:
        return
    note(codec.codec_id, whole.dtype.str, whole.ndim, bucket(whole.size))
    out = np.empty(whole.shape, dtype=whole.dtype)
    if expect(CORRUPT, codec.decode, cdata, out=out) is REFUSED:
        raise Finding("decoding into an out of the decoded size failed")
    if out.dtype != whole.dtype or not _same(out, whole):
        raise Finding("decode into out differs from decode into a new array")


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bytes, or for object items equality that treats NaN as equal to NaN."""
    if not a.dtype.hasobject:
        return same_bytes(a, b)
    for x, y in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()):
        if not (x == y or (x != x and y != y)):
            return False
    return True


def seeds() -> Iterator[bytes]:
    """Each codec on strings, bytes, nested lists and numbers."""
    texts = np.array(["", "a", "héllo", "日本", None], dtype=object)
    blobs = np.array([b"", b"\x00\xff", b"xyz" * 5], dtype=object)
    ragged = np.empty(3, dtype=object)
    ragged[:] = [[1, 2], "x", {"k": 1}]
    yield bytes([0]) + VLenUTF8().encode(texts)
    yield bytes([1]) + VLenBytes().encode(blobs)
    yield bytes([0]) + VLenUTF8().encode(np.array([], dtype=object))
    for value in (texts, ragged, np.arange(6, dtype="<f8").reshape(2, 3),
                  np.array([1.5, np.nan]), np.array([[1, 2], [3, 4]], dtype="<i2")):
        yield bytes([2]) + JSON().encode(value)
    yield bytes([3]) + Pickle().encode(np.arange(3))
