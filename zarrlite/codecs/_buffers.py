"""Buffer helpers shared by the codecs: views without copies, checked copies into `out`."""

from __future__ import annotations

from typing import Any

import numpy as np

from zarrlite.errors import CodecError


def as_array(buf: Any) -> np.ndarray:
    """Return `buf` as a numpy array sharing its memory.

    Parameters
    ----------
    buf : buffer-like
        A numpy array or any object exporting the buffer protocol.

    Returns
    -------
    numpy.ndarray
        `buf` itself if it is an array, else a view of its memory.

    Raises
    ------
    TypeError
        If `buf` does not export the buffer protocol.
    """
    if isinstance(buf, np.ndarray):
        return buf
    try:
        view = memoryview(buf)
    except TypeError:
        raise TypeError(
            f"expected a numpy array or a buffer-protocol object, got {type(buf).__name__}"
        ) from None
    return np.asarray(view)


def raw_bytes(arr: np.ndarray) -> np.ndarray:
    """The memory of a C- or F-contiguous array as a flat ``uint8`` view, in memory order.

    Examples
    --------
    >>> raw_bytes(np.array([[1, 2]], dtype="<u2")).tolist()
    [1, 0, 2, 0]
    """
    return arr.reshape(-1, order="A").view(np.uint8)


def as_bytes(buf: Any) -> np.ndarray:
    """Return the memory of `buf` as a contiguous 1-D ``uint8`` array.

    C- and F-contiguous arrays are viewed in memory order without a copy;
    other arrays are copied in C order first.

    Parameters
    ----------
    buf : buffer-like
        A numpy array or any object exporting the buffer protocol.

    Returns
    -------
    numpy.ndarray
        1-D ``uint8`` array of ``nbytes`` elements.

    Raises
    ------
    TypeError
        If `buf` is an object array (its memory holds pointers, not data).
    """
    arr = as_array(buf)
    if arr.dtype.hasobject:
        raise TypeError("object arrays are not supported by this codec; use an object codec")
    if arr.dtype.kind in "Mm":
        arr = arr.view(np.int64)
    if not (arr.flags.c_contiguous or arr.flags.f_contiguous):
        arr = np.ascontiguousarray(arr)
    return raw_bytes(arr)


def as_typed(buf: Any, dtype: np.dtype) -> np.ndarray:
    """Return the data of `buf` as a 1-D array of `dtype`, copying only if needed.

    Parameters
    ----------
    buf : buffer-like
        A numpy array or any object exporting the buffer protocol.
    dtype : numpy.dtype
        The dtype the memory is reinterpreted as.

    Returns
    -------
    numpy.ndarray
        1-D array of `dtype` in memory order.

    Raises
    ------
    ValueError
        If the byte size of `buf` is not a multiple of the itemsize of `dtype`.
    """
    arr = as_array(buf)
    if arr.dtype == dtype:
        return arr.reshape(-1, order="A")
    raw = as_bytes(arr)
    if raw.size % dtype.itemsize:
        raise ValueError(
            f"buffer of {raw.size} bytes is not a whole number of {dtype.str} items "
            f"({dtype.itemsize} bytes each)"
        )
    return raw.view(dtype)


def writable_array(out: Any, codec_id: str) -> np.ndarray:
    """Return `out` as a writable numpy array sharing its memory.

    Raises
    ------
    ValueError
        If `out` is read-only.
    """
    arr = as_array(out)
    if not arr.flags.writeable:
        raise ValueError(f"{codec_id}: out is read-only")
    return arr


def copy_into(src: Any, out: Any, codec_id: str) -> Any:
    """Copy the bytes of `src` into `out` and return `out`.

    Parameters
    ----------
    src : buffer-like
        Decoded data, contiguous.
    out : writable buffer-like
        Destination of exactly ``src``'s byte size; may be a non-contiguous
        array, which is filled in C order.
    codec_id : str
        Named in error messages.

    Returns
    -------
    object
        `out`.

    Raises
    ------
    ValueError
        If the byte sizes differ or `out` is read-only.
    """
    dst = writable_array(out, codec_id)
    data = as_bytes(src)
    check_nbytes(dst.nbytes, data.size, codec_id)
    if dst.flags.c_contiguous or dst.flags.f_contiguous:
        raw_bytes(dst)[...] = data
    else:
        np.copyto(dst, data.view(dst.dtype).reshape(dst.shape))
    return out


def check_nbytes(out_nbytes: int, decoded_nbytes: int, codec_id: str) -> None:
    """Raise ValueError unless `out` holds exactly the decoded size."""
    if out_nbytes != decoded_nbytes:
        raise ValueError(
            f"{codec_id}: out has {out_nbytes} bytes but the decoded data has {decoded_nbytes}"
        )


def corrupt(codec_id: str, message: str) -> CodecError:
    """Build the CodecError raised for corrupt or truncated encoded data."""
    return CodecError(f"{codec_id}: {message}")


def decode_into(out: Any, nbytes: int, codec_id: str, decode: Any) -> Any:
    """Run ``decode(dst)`` (which fills a contiguous uint8 buffer of `nbytes`) into `out`,
    or into a new uint8 array when `out` is None; returns `out` or the new array.

    Contiguous `out` arrays are decoded into directly; others through a temporary.

    Raises
    ------
    ValueError
        If `out` is read-only or does not hold exactly `nbytes` bytes.
    """
    if out is None:
        dst = np.empty(nbytes, dtype=np.uint8)
        decode(dst)
        return dst
    arr = writable_array(out, codec_id)
    check_nbytes(arr.nbytes, nbytes, codec_id)
    if arr.flags.c_contiguous or arr.flags.f_contiguous:
        decode(raw_bytes(arr))
    else:
        tmp = np.empty(nbytes, dtype=np.uint8)
        decode(tmp)
        np.copyto(arr, tmp.view(arr.dtype).reshape(arr.shape))
    return out
