"""Numeric filters compatible with numcodecs: delta, fixedscaleoffset, quantize, astype, bitround.

Filters transform values before compression. Each class takes the
constructor arguments of its numcodecs namesake, has the same configuration,
and computes with the same numpy operations, so encoded bytes are identical.
``encode`` returns a 1-D array in the encoded dtype; ``decode`` returns a 1-D
array in the decoded dtype (the caller reshapes), or fills `out`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from zarrlite.codecs._buffers import (
    as_array,
    as_typed,
    check_nbytes,
    copy_into,
    raw_bytes,
    writable_array,
)
from zarrlite.codecs.abc import BufferLike, Codec, dtype_param
from zarrlite.codecs.registry import register_codec


def _dtype_pair(
    dtype: npt.DTypeLike, astype: npt.DTypeLike | None, codec_id: str
) -> tuple[np.dtype, np.dtype]:
    """Normalise (dtype, astype), astype defaulting to dtype; refuse object dtypes."""
    decoded = dtype_param(dtype, codec_id, "dtype")
    encoded = decoded if astype is None else dtype_param(astype, codec_id, "astype")
    if decoded.hasobject or encoded.hasobject:
        raise ValueError(f"{codec_id}: object dtypes are not supported")
    return decoded, encoded


def _repr_dtypes(codec: Any, head: str) -> str:
    """numcodecs-style repr: `head`, dtype, and astype only when it differs."""
    text = f"{type(codec).__name__}({head}dtype={codec.dtype.str!r}"
    if codec.astype != codec.dtype:
        text += f", astype={codec.astype.str!r}"
    return text + ")"


def out_view(out: Any, dtype: np.dtype, nitems: int, codec_id: str) -> np.ndarray | None:
    """Return a writable 1-D `dtype` view of a contiguous `out`, or None if not contiguous.

    Raises
    ------
    ValueError
        If `out` does not hold exactly `nitems` items of `dtype`.
    """
    dst = writable_array(out, codec_id)
    check_nbytes(dst.nbytes, nitems * dtype.itemsize, codec_id)
    if not (dst.flags.c_contiguous or dst.flags.f_contiguous) or dst.dtype.hasobject:
        return None
    return raw_bytes(dst).view(dtype)


class Delta(Codec):
    """Store the first value, then differences between neighbours.

    Compatible with ``numcodecs.Delta``.

    Parameters
    ----------
    dtype : dtype
        Dtype of the decoded data.
    astype : dtype, optional
        Dtype of the encoded differences (default `dtype`). Integer overflow
        is not checked: choose a type wide enough for the differences and the
        first value.

    Examples
    --------
    >>> import numpy as np
    >>> Delta("i4", astype="i2").encode(np.array([100, 102, 105], "i4"))
    array([100,   2,   3], dtype=int16)
    """

    codec_id = "delta"

    def __init__(self, dtype: npt.DTypeLike, astype: npt.DTypeLike | None = None) -> None:
        self.dtype, self.astype = _dtype_pair(dtype, astype, self.codec_id)

    def encode(self, buf: BufferLike) -> np.ndarray:
        """Return the first value followed by the differences, as `astype`."""
        arr = as_typed(buf, self.dtype)
        enc = np.empty(arr.shape, dtype=self.astype)
        if arr.size:
            enc[0] = arr[0]
            enc[1:] = np.diff(arr)
        return enc

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return the running sum of the encoded values, as `dtype`."""
        enc = as_typed(buf, self.astype)
        target = None if out is None else out_view(out, self.dtype, enc.size, self.codec_id)
        if target is not None:  # sum straight into out
            np.cumsum(enc, out=target)
            return out
        dec = np.empty(enc.shape, dtype=self.dtype)
        np.cumsum(enc, out=dec)
        return dec if out is None else copy_into(dec, out, self.codec_id)

    def get_config(self) -> dict[str, Any]:
        """Return ``{"id": "delta", "dtype": ..., "astype": ...}`` with dtype strings."""
        return {"id": self.codec_id, "dtype": self.dtype.str, "astype": self.astype.str}

    def __repr__(self) -> str:
        return _repr_dtypes(self, "")


class FixedScaleOffset(Codec):
    """Store ``round((x - offset) * scale)``, like HDF5's scale-offset filter.

    Compatible with ``numcodecs.FixedScaleOffset``.

    Parameters
    ----------
    offset : float
        Value subtracted before scaling.
    scale : float
        Factor applied after subtracting.
    dtype : dtype
        Dtype of the decoded data.
    astype : dtype, optional
        Dtype of the encoded data (default `dtype`); overflow is not checked.

    Examples
    --------
    >>> import numpy as np
    >>> codec = FixedScaleOffset(offset=1000, scale=10, dtype="f8", astype="u1")
    >>> codec.encode(np.array([1000.0, 1000.12, 1001.0]))
    array([ 0,  1, 10], dtype=uint8)
    """

    codec_id = "fixedscaleoffset"

    def __init__(
        self,
        offset: float,
        scale: float,
        dtype: npt.DTypeLike,
        astype: npt.DTypeLike | None = None,
    ) -> None:
        self.offset = offset
        self.scale = scale
        self.dtype, self.astype = _dtype_pair(dtype, astype, self.codec_id)

    def encode(self, buf: BufferLike) -> np.ndarray:
        """Return the scaled, rounded values as `astype`."""
        arr = as_typed(buf, self.dtype)
        return np.around((arr - self.offset) * self.scale).astype(self.astype, copy=False)

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return ``enc / scale + offset`` as `dtype`."""
        enc = as_typed(buf, self.astype)
        dec = ((enc / self.scale) + self.offset).astype(self.dtype, copy=False)
        return dec if out is None else copy_into(dec, out, self.codec_id)

    def get_config(self) -> dict[str, Any]:
        """Return the configuration with dtype strings."""
        return {
            "id": self.codec_id,
            "scale": self.scale,
            "offset": self.offset,
            "dtype": self.dtype.str,
            "astype": self.astype.str,
        }

    def __repr__(self) -> str:
        return _repr_dtypes(self, f"scale={self.scale}, offset={self.offset}, ")


class Quantize(Codec):
    """Round floats to a binary precision of at least `digits` decimal digits (lossy).

    Compatible with ``numcodecs.Quantize``.

    Parameters
    ----------
    digits : int
        Decimal digits of precision to keep.
    dtype : dtype
        Float dtype of the decoded data.
    astype : dtype, optional
        Float dtype of the encoded data (default `dtype`).
    """

    codec_id = "quantize"

    def __init__(
        self, digits: int, dtype: npt.DTypeLike, astype: npt.DTypeLike | None = None
    ) -> None:
        self.digits = digits
        self.dtype, self.astype = _dtype_pair(dtype, astype, self.codec_id)
        if self.dtype.kind != "f" or self.astype.kind != "f":
            raise ValueError("quantize: only floating point data types are supported")

    def encode(self, buf: BufferLike) -> np.ndarray:
        """Return the values rounded to a multiple of a power of two, as `astype`."""
        arr = as_typed(buf, self.dtype)
        exponent = math.log10(10.0**-self.digits)
        exponent = math.floor(exponent) if exponent < 0 else math.ceil(exponent)
        scale = 2.0 ** math.ceil(math.log2(10.0**-exponent))
        return (np.around(scale * arr) / scale).astype(self.astype, copy=False)

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return the encoded values cast to `dtype` (the rounding is not undone)."""
        dec = as_typed(buf, self.astype).astype(self.dtype, copy=False)
        return dec if out is None else copy_into(dec, out, self.codec_id)

    def get_config(self) -> dict[str, Any]:
        """Return the configuration with dtype strings."""
        return {
            "id": self.codec_id,
            "digits": self.digits,
            "dtype": self.dtype.str,
            "astype": self.astype.str,
        }

    def __repr__(self) -> str:
        return _repr_dtypes(self, f"digits={self.digits}, ")


class AsType(Codec):
    """Convert values between dtypes.

    Compatible with ``numcodecs.AsType``. Converting to a narrower type loses
    data without warning.

    Parameters
    ----------
    encode_dtype : dtype
        Dtype of the encoded data.
    decode_dtype : dtype
        Dtype of the decoded data.
    """

    codec_id = "astype"

    def __init__(self, encode_dtype: npt.DTypeLike, decode_dtype: npt.DTypeLike) -> None:
        self.encode_dtype = dtype_param(encode_dtype, self.codec_id, "encode_dtype")
        self.decode_dtype = dtype_param(decode_dtype, self.codec_id, "decode_dtype")

    def encode(self, buf: BufferLike) -> np.ndarray:
        """Return the values cast to `encode_dtype`."""
        return as_typed(buf, self.decode_dtype).astype(self.encode_dtype)

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return the values cast to `decode_dtype`."""
        enc = as_typed(buf, self.encode_dtype)
        if out is None:
            return enc.astype(self.decode_dtype)
        target = out_view(out, self.decode_dtype, enc.size, self.codec_id)
        if target is None:
            return copy_into(enc.astype(self.decode_dtype), out, self.codec_id)
        np.copyto(target, enc, casting="unsafe")
        return out

    def get_config(self) -> dict[str, Any]:
        """Return the configuration with dtype strings."""
        return {
            "id": self.codec_id,
            "encode_dtype": self.encode_dtype.str,
            "decode_dtype": self.decode_dtype.str,
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(encode_dtype={self.encode_dtype.str!r}, "
            f"decode_dtype={self.decode_dtype.str!r})"
        )


_MANTISSA_BITS = {2: 10, 4: 23, 8: 52}  # explicit mantissa bits of float16/32/64


class BitRound(Codec):
    """Round the float mantissa to `keepbits` bits (round half to even); lossy.

    Compatible with ``numcodecs.BitRound``; the zeroed low bits make the data
    compress much better. Encoding needs the dtype, so `buf` must be a float
    array; decoding is a no-op.

    Parameters
    ----------
    keepbits : int
        Mantissa bits to keep: at most 10, 23 or 52 for float16, 32 or 64
        (the maximum leaves the data unchanged).
    """

    codec_id = "bitround"

    def __init__(self, keepbits: int) -> None:
        if keepbits < 0:
            raise ValueError("bitround: keepbits must be zero or positive")
        self.keepbits = keepbits

    def encode(self, buf: BufferLike) -> np.ndarray:
        """Return a rounded copy of the float array `buf`, 1-D and of the same dtype."""
        arr = as_array(buf)
        if arr.dtype.kind != "f" or arr.dtype.itemsize not in _MANTISSA_BITS:
            raise TypeError(
                f"bitround: only float16/32/64 arrays can be bit-rounded, got {arr.dtype}"
            )
        bits = _MANTISSA_BITS[arr.dtype.itemsize]
        if self.keepbits > bits:
            raise ValueError(f"bitround: keepbits={self.keepbits} exceeds {bits} for {arr.dtype}")
        flat = arr.reshape(-1, order="A").copy()
        if self.keepbits == bits:
            return flat
        ints = flat.view(arr.dtype.str.replace("f", "i"))
        dropped = bits - self.keepbits
        ints += ((ints >> dropped) & 1) + ((1 << (dropped - 1)) - 1)
        ints &= np.array(-(1 << dropped), dtype=ints.dtype)
        return flat

    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Return `buf` unchanged (as floats if it is an integer array)."""
        arr = as_array(buf)
        if out is not None:
            return copy_into(arr, out, self.codec_id)
        if arr.dtype.kind == "i":
            arr = arr.view(arr.dtype.str.replace("i", "f"))
        return arr.reshape(-1, order="A")


for _cls in (Delta, FixedScaleOffset, Quantize, AsType, BitRound):
    register_codec(_cls)
