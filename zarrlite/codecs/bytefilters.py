"""Filters compatible with numcodecs that regroup bytes or bits, or map labels to codes.

``shuffle`` transposes the bytes of fixed-size elements, ``packbits`` packs
booleans eight to a byte, ``categorize`` replaces string labels by small
integers. Encoded bytes are identical to numcodecs'.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from zarrlite.codecs._buffers import as_array, as_bytes, as_typed, copy_into, corrupt
from zarrlite.codecs.abc import BufferLike, Codec, dtype_param
from zarrlite.codecs.filters import out_view
from zarrlite.codecs.registry import register_codec


class Shuffle(Codec):
    """Byte shuffle: gather byte 0 of every element, then byte 1, and so on.

    Compatible with ``numcodecs.Shuffle``. Shuffling groups bytes of similar
    significance, which helps a following compressor.

    Parameters
    ----------
    elementsize : int
        Element size in bytes; 0 or 1 leaves the data unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> Shuffle(elementsize=2).encode(np.array([1, 2, 3], "<u2"))
    array([1, 2, 3, 0, 0, 0], dtype=uint8)
    """

    codec_id = "shuffle"

    def __init__(self, elementsize: int = 4) -> None:
        self.elementsize = elementsize

    def encode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return the shuffled bytes as a ``uint8`` array, or write them into `out`."""
        return self._transpose(buf, out, unshuffle=False)

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return the unshuffled bytes as a ``uint8`` array, or write them into `out`."""
        return self._transpose(buf, out, unshuffle=True)

    def _transpose(self, buf: BufferLike, out: Any, unshuffle: bool) -> Any:
        src = as_bytes(buf)
        size = int(self.elementsize)
        if size > 1 and src.size % size:
            raise ValueError(
                f"shuffle: buffer of {src.size} bytes is not a whole number of {size}-byte elements"
            )
        target = None if out is None else out_view(out, np.dtype(np.uint8), src.size, "shuffle")
        dst = np.empty(src.size, np.uint8) if target is None else target
        if size <= 1:
            dst[...] = src
        elif unshuffle:  # one strided copy per byte position: much faster than via .T here
            rows, columns = src.reshape(size, -1), dst.reshape(-1, size)
            for byte in range(size):
                columns[:, byte] = rows[byte]
        else:
            dst.reshape(size, -1)[...] = src.reshape(-1, size).T
        if out is None:
            return dst
        return out if target is not None else copy_into(dst, out, "shuffle")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(elementsize={self.elementsize})"


class PackBits(Codec):
    """Pack booleans into bits, compatible with ``numcodecs.PackBits``.

    The first encoded byte holds the number of padding bits (0-7) at the end
    of the last byte.

    Examples
    --------
    >>> import numpy as np
    >>> PackBits().encode(np.array([True, False, False, True]))
    array([  4, 144], dtype=uint8)
    """

    codec_id = "packbits"

    def encode(self, buf: BufferLike) -> np.ndarray:
        """Return the padding count followed by the packed bits."""
        arr = as_typed(buf, np.dtype(bool))
        enc = np.empty(1 + (arr.size + 7) // 8, dtype=np.uint8)
        enc[0] = -arr.size % 8
        enc[1:] = np.packbits(arr)
        return enc

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return a 1-D boolean array, or fill `out`."""
        enc = as_bytes(buf)
        if enc.size == 0:
            raise corrupt("packbits", "empty input, expected at least the padding byte")
        padding = int(enc[0])
        if padding > 7 or (padding and enc.size == 1):
            raise corrupt("packbits", f"invalid padding of {padding} bits for {enc.size} bytes")
        dec = np.unpackbits(enc[1:])
        if padding:
            dec = dec[:-padding]
        dec = dec.view(bool)
        return dec if out is None else copy_into(dec, out, self.codec_id)


def _text(label: Any) -> str:
    """Return a label as str, decoding UTF-8 bytes as numcodecs does."""
    if isinstance(label, str):
        return label
    return bytes(as_bytes(label)).decode("utf-8")


class Categorize(Codec):
    """Encode string labels as integers: 0 for unknown values, i + 1 for ``labels[i]``.

    Compatible with ``numcodecs.Categorize``. Unknown values decode as ``""``.

    Parameters
    ----------
    labels : sequence of str
        The category labels.
    dtype : dtype
        Dtype of the decoded data: object (``"O"``) or unicode (``"U..."``).
    astype : dtype, optional
        Integer dtype of the codes, ``"u1"`` by default.

    Examples
    --------
    >>> import numpy as np
    >>> codec = Categorize(["female", "male"], dtype=object)
    >>> codec.encode(np.array(["male", "female", "other"], dtype=object))
    array([2, 1, 0], dtype=uint8)
    """

    codec_id = "categorize"

    def __init__(
        self, labels: Iterable[str], dtype: npt.DTypeLike, astype: npt.DTypeLike = "u1"
    ) -> None:
        self.dtype = dtype_param(dtype, self.codec_id, "dtype")
        if self.dtype.kind not in "UO":
            raise TypeError("categorize: only unicode ('U') and object ('O') dtypes are supported")
        self.labels = [_text(label) for label in labels]
        self.astype = dtype_param(astype, self.codec_id, "astype")
        if self.astype.hasobject:
            raise TypeError("categorize: encoding as an object array is not supported")

    def encode(self, buf: Any) -> np.ndarray:
        """Return the 1-D array of codes."""
        if self.dtype.hasobject:
            arr = np.asarray(buf, dtype=object).reshape(-1, order="A")
        else:
            arr = as_typed(buf, self.dtype)
        enc = np.zeros(arr.shape, dtype=self.astype)
        for code, label in enumerate(self.labels, start=1):
            enc[arr == label] = code
        return enc

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return the 1-D array of labels, or fill `out`."""
        enc = as_typed(buf, self.astype)
        dec = np.full(enc.shape, "", dtype=self.dtype)
        for code, label in enumerate(self.labels, start=1):
            dec[enc == code] = label
        if out is None:
            return dec
        dst = as_array(out)
        if dst.dtype.hasobject:
            if dst.size != dec.size:
                raise ValueError(f"categorize: out has {dst.size} items, decoded {dec.size}")
            np.copyto(dst, dec.reshape(dst.shape))
            return out
        return copy_into(dec, out, self.codec_id)

    def get_config(self) -> dict[str, Any]:
        """Return the configuration with dtype strings."""
        return {
            "id": self.codec_id,
            "labels": self.labels,
            "dtype": self.dtype.str,
            "astype": self.astype.str,
        }

    def __repr__(self) -> str:
        labels = repr(self.labels[:3])
        if len(self.labels) > 3:
            labels = labels[:-1] + ", ...]"
        return (
            f"{type(self).__name__}(dtype={self.dtype.str!r}, astype={self.astype.str!r}, "
            f"labels={labels})"
        )


for _cls in (Shuffle, PackBits, Categorize):
    register_codec(_cls)
