"""Helpers shared by the store modules: modes, byte ranges, value conversion, path checks."""

from __future__ import annotations

from typing import Any

from zarrlite.metadata.keys import normalize_path

__all__ = [
    "MODES",
    "ByteRange",
    "as_byte_view",
    "check_rename",
    "dir_prefix",
    "ensure_bytes",
    "nbytes",
    "readonly_from_mode",
    "slice_value",
]

#: Modes accepted by stores and :func:`normalize_store`, as in zarr-python 2:
#: ``"r"`` read only; ``"r+"`` read/write, must exist; ``"a"`` read/write, create if
#: needed; ``"w"`` create, overwriting; ``"w-"`` create, fail if it exists. Stores only
#: use the mode to decide whether they are read-only; existence checks and
#: overwriting belong to the caller.
MODES = frozenset({"r", "r+", "a", "w", "w-"})

#: ``(key, start, length)``: `start` may be negative (counted from the end, as in a
#: slice) and `length` None means "to the end".
ByteRange = tuple[str, int, int | None]


def as_byte_view(value: Any) -> bytes | memoryview:
    """Return `value` as ``bytes`` or a C-contiguous one-byte-per-item memoryview.

    No copy is made for bytes and contiguous buffers; non-contiguous buffers and
    numpy arrays without buffer support (e.g. datetime64) are copied in C order.

    Parameters
    ----------
    value : bytes-like
        bytes, bytearray, memoryview, numpy array or any buffer.

    Returns
    -------
    bytes or memoryview
        A view with ``len(view)`` equal to the number of bytes.

    Raises
    ------
    TypeError
        If `value` is not bytes-like (a ``str``, for example).
    """
    if type(value) is bytes:
        return value
    try:
        view = memoryview(value)
    except (TypeError, ValueError):
        tobytes = getattr(value, "tobytes", None)
        if tobytes is None or isinstance(value, str):
            raise TypeError(
                f"store values must be bytes-like, found {type(value).__name__}"
            ) from None
        return bytes(tobytes())
    if not view.c_contiguous:
        return view.tobytes()
    if view.format == "B" and view.ndim == 1:
        return view
    try:
        return view.cast("B")
    except (TypeError, ValueError, NotImplementedError):
        return view.tobytes()


def ensure_bytes(value: Any) -> bytes:
    """Return `value` as an immutable ``bytes`` object (copying unless it already is one).

    Parameters
    ----------
    value : bytes-like
        bytes, bytearray, memoryview, numpy array or any buffer.

    Returns
    -------
    bytes

    Raises
    ------
    TypeError
        If `value` is not bytes-like.

    Examples
    --------
    >>> ensure_bytes(bytearray(b"ab"))
    b'ab'
    """
    if type(value) is bytes:
        return value
    view = as_byte_view(value)
    return view if type(view) is bytes else bytes(view)


def nbytes(value: Any) -> int:
    return len(value) if type(value) is bytes else memoryview(value).nbytes


def checked_ranges_into(ranges: Any, out: Any) -> tuple[list[tuple[int, int, int]], memoryview]:
    """The (start, length, out_offset) ranges of a ``read_ranges_into`` call as a list, and
    `out` as a byte view; ValueError for a range that is negative or does not fit `out`."""
    ranges = list(ranges)
    view = memoryview(out).cast("B")
    for start, length, at in ranges:
        if start < 0 or length < 0 or at < 0 or at + length > len(view):
            raise ValueError(f"bad byte range ({start}, {length}) into {at} of a "
                             f"{len(view)}-byte buffer")
    return ranges, view


def slice_value(value: bytes, start: int, length: int | None) -> bytes:
    if length is not None and length < 0:
        raise ValueError(f"byte range length must be >= 0 or None, found {length}")
    part = value[start:] if start else value
    return part if length is None else part[:length]


def readonly_from_mode(mode: str) -> bool:
    """Validate a store mode and tell whether it is read-only.

    Parameters
    ----------
    mode : str
        One of :data:`MODES`.

    Returns
    -------
    bool
        True for ``"r"``.

    Raises
    ------
    ValueError
        If `mode` is not one of :data:`MODES`.
    """
    if mode not in MODES:
        raise ValueError(f"invalid mode {mode!r}: expected one of {sorted(MODES)}")
    return mode == "r"


def dir_prefix(prefix: str | None) -> str:
    """Normalize `prefix` and return it with a trailing ``"/"`` (``""`` for the root)."""
    prefix = normalize_path(prefix)
    return prefix + "/" if prefix else ""


def check_rename(src: str, dst: str) -> tuple[str, str]:
    src = normalize_path(src)
    dst = normalize_path(dst)
    if not src or not dst:
        raise ValueError(f"cannot rename {src!r} to {dst!r}: the root cannot be renamed")
    if src == dst or dst.startswith(src + "/") or src.startswith(dst + "/"):
        raise ValueError(f"cannot rename {src!r} to {dst!r}: one path contains the other")
    return src, dst
