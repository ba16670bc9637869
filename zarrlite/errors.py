"""Exception classes raised by zarrlite.

Every class subclasses a builtin so that callers can catch the builtin:
bad metadata is a ``ValueError``, a read-only store a ``PermissionError``,
a missing path a ``KeyError``, a failing codec a ``RuntimeError``. Where zarr-python 2
raised another builtin for the same error, the class subclasses both, so code written for
either catches it: a missing path is also a ``ValueError`` (as zarr 2's errors are).
"""

from __future__ import annotations


class MetadataError(ValueError):
    """Malformed or unsupported ``.zarray``/``.zgroup``/``.zattrs`` content."""


class CodecError(RuntimeError):
    """A codec failed, usually because the encoded data is corrupt.

    Attributes
    ----------
    code : int
        The status code returned by the C core (negative), or 0 when the
        error did not come from C.
    """

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


class BufferSizeError(ValueError):
    """A buffer handed to the C core is too small or does not match the data's size."""


class ReadOnlyError(PermissionError):
    """A write was attempted on an array, group or store opened read-only."""


class PathNotFoundError(KeyError, ValueError):
    """Nothing (no array, no group) exists at the requested path (a KeyError, and a
    ValueError as in zarr-python 2)."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else ""


class ContainsArrayError(ValueError):
    """An array already exists where a group or new array was requested."""


class ContainsGroupError(ValueError):
    """A group already exists where an array or new group was requested."""


class ArrayNotFoundError(PathNotFoundError):
    """No array exists at the requested path."""


class GroupNotFoundError(PathNotFoundError):
    """No group exists at the requested path."""


class CodecNotAvailableError(ValueError):
    """Metadata names a codec that neither zarrlite nor an installed package provides."""


class CopyError(RuntimeError):
    """A copy between hierarchies was refused (the destination exists and the conflict
    policy is "raise")."""
