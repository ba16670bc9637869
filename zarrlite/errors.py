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


# ------------------------------------------------------- zarr-python 2's remaining names


class BadCompressorError(TypeError, ValueError):
    """The compressor given is neither a codec, a codec configuration nor None (a
    TypeError, and a ValueError as in zarr-python 2)."""


class FSPathExistNotDir(GroupNotFoundError):
    """A directory store's path exists but is not a directory (zarr-python 2's name)."""


class BoundsCheckError(IndexError):
    """An integer index or a slice start lies outside the array (or block grid)."""


class VindexInvalidSelectionError(IndexError):
    """A coordinate or mask selection (``vindex``) of the wrong kind or shape."""


class ArrayIndexError(IndexError):
    """zarr-python 2's base for the errors of its fancy indexing; kept for code that
    catches it. zarrlite raises :class:`BoundsCheckError` and
    :class:`VindexInvalidSelectionError` instead, both IndexErrors."""


class NegativeStepError(IndexError):
    """zarr-python 2 refused negative slice steps with this; zarrlite allows them as numpy
    does and never raises it. Kept so that code catching it still runs."""


class ProcessLocalStoreError(TypeError):
    """A store that only this process can use was pickled (or an array or group over one):
    one whose data lives in this process's memory (a MemoryStore, a plain dict, an fsspec
    ``memory://`` store), where another process would silently get another, empty store;
    or a zip archive open for writing, which takes one writer."""
