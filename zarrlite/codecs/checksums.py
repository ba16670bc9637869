"""Checksum codecs compatible with numcodecs: crc32, adler32 and fletcher32.

Encoding adds a 4-byte little-endian checksum to the data; decoding checks it
and returns the data without it. A mismatch raises
:class:`~zarrlite.errors.CodecError` naming the codec.
"""

from __future__ import annotations

import zlib
from typing import Any, ClassVar, Literal

import numpy as np

from zarrlite.codecs._buffers import as_bytes, copy_into, corrupt
from zarrlite.codecs.abc import BufferLike, Codec
from zarrlite.codecs.registry import register_codec

_MASK32 = 0xFFFFFFFF


class _Checksum32(Codec):
    """A 32-bit checksum stored at a fixed place next to the data."""

    location: Literal["start", "end"] = "start"
    _description: ClassVar[str]

    def encode(self, buf: BufferLike) -> bytes:
        """Return the data with its checksum added at `location`."""
        data = as_bytes(buf)
        tag = (self._checksum(data) & _MASK32).to_bytes(4, "little")
        parts = (tag, data.data) if self.location == "start" else (data.data, tag)
        return b"".join(parts)

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Check the checksum and return the data without it (or fill `out`)."""
        src = as_bytes(buf)
        if src.size < 4:
            raise corrupt(
                self.codec_id, f"input of {src.size} bytes is too short for a 4-byte checksum"
            )
        if self.location == "start":
            tag, data = src[:4], src[4:]
        else:
            tag, data = src[-4:], src[:-4]
        stored = int.from_bytes(tag, "little")
        computed = self._checksum(data) & _MASK32
        if stored != computed:
            raise corrupt(
                self.codec_id,
                f"checksum mismatch, the data is corrupt: stored {stored:#010x}, "
                f"computed {computed:#010x}",
            )
        return bytes(data) if out is None else copy_into(data, out, self.codec_id)

    @staticmethod
    def _checksum(data: np.ndarray) -> int:
        raise NotImplementedError


class _LocatedChecksum32(_Checksum32):
    """A checksum whose place ('start' or 'end') is configurable, as in numcodecs."""

    def __init__(self, location: Literal["start", "end"] | None = None) -> None:
        # Set on the instance only when given, so get_config matches numcodecs:
        # {"id": "crc32"} by default, {"id": "crc32", "location": ...} when passed.
        if location is not None:
            self.location = location
        if self.location not in ("start", "end"):
            raise ValueError(
                f"{self.codec_id}: invalid checksum location {self.location!r}, "
                "expected 'start' or 'end'"
            )


class CRC32(_LocatedChecksum32):
    """CRC-32 (zlib's) checksum, compatible with ``numcodecs.CRC32``.

    Parameters
    ----------
    location : {'start', 'end'}, optional
        Where the checksum is stored; 'start' by default.
    """

    codec_id = "crc32"

    @staticmethod
    def _checksum(data: np.ndarray) -> int:
        return zlib.crc32(data.data)


class Adler32(_LocatedChecksum32):
    """Adler-32 checksum, compatible with ``numcodecs.Adler32``.

    Parameters
    ----------
    location : {'start', 'end'}, optional
        Where the checksum is stored; 'start' by default.
    """

    codec_id = "adler32"

    @staticmethod
    def _checksum(data: np.ndarray) -> int:
        return zlib.adler32(data.data)


_FLETCHER_MOD = 65535


def fletcher32(data: np.ndarray) -> int:
    """Fletcher-32 checksum as computed by HDF5, netCDF and numcodecs.

    The reference algorithm reads big-endian 16-bit words (an odd last byte is
    the high byte of a final word), adds each word to ``sum1`` and then
    ``sum1`` to ``sum2`` in uint32, and folds both sums
    (``(s & 0xFFFF) + (s >> 16)``) after every 360 words and twice at the end.

    Its blocks of 360 words are short enough that neither sum ever wraps
    around 2**32, and a fold keeps a value modulo 65535 and turns a positive
    value into a positive one. So the result is the plain sums modulo 65535,
    ``sum1 = sum(w[i])`` and ``sum2 = sum((n - i) * w[i])`` for n words,
    except that a residue of 0 is stored as 65535 when the sum is positive.
    That form is vectorised: the weights repeat with period 65535, so the
    words are summed in columns of that period first.

    Parameters
    ----------
    data : numpy.ndarray
        1-D ``uint8`` array.

    Returns
    -------
    int
        The checksum, ``sum2 << 16 | sum1``.
    """
    nwords, odd = divmod(data.size, 2)
    words = data[: 2 * nwords].view(">u2")
    columns = np.zeros(_FLETCHER_MOD, dtype=np.uint64)  # columns[j] = sum of w[i], i % P == j
    nrows = nwords // _FLETCHER_MOD
    if nrows:
        full = words[: nrows * _FLETCHER_MOD].reshape(nrows, _FLETCHER_MOD)
        columns += full.sum(axis=0, dtype=np.uint64)
    rest = words[nrows * _FLETCHER_MOD :]
    columns[: rest.size] += rest
    if odd:
        columns[nwords % _FLETCHER_MOD] += np.uint64(int(data[-1]) << 8)
    total = int(columns.sum())  # exact below 2**47 words; zero only if every word is
    columns %= _FLETCHER_MOD
    count = nwords + odd
    weights = ((count - np.arange(_FLETCHER_MOD)) % _FLETCHER_MOD).astype(np.uint64)
    weighted = int(columns @ weights)

    def folded(value: int) -> int:
        return value % _FLETCHER_MOD or (_FLETCHER_MOD if total else 0)

    return (folded(weighted) << 16) | folded(total)


class Fletcher32(_Checksum32):
    """Fletcher-32 checksum stored after the data, compatible with ``numcodecs.Fletcher32``.

    This is the HDF5/netCDF variant (16-bit big-endian words, 360-word
    blocks), not the textbook one.
    """

    codec_id = "fletcher32"
    location = "end"

    @staticmethod
    def _checksum(data: np.ndarray) -> int:
        return fletcher32(data)

    def get_config(self) -> dict[str, Any]:
        """Return ``{"id": "fletcher32"}``."""
        return {"id": self.codec_id}


for _cls in (CRC32, Adler32, Fletcher32):
    register_codec(_cls)
