"""Exceptions of the h5py face, each an instance of every builtin class that h5py raises
for the same mistake, so that ``except`` clauses written for h5py catch them.

h5py's classes come from HDF5's error stack and differ from call to call (creating a group
that exists is a ValueError, assigning over a name an OSError, copying onto a name a
RuntimeError); the classes below follow h5py 3 call by call, and their messages say what
was wrong in zarrlite's words.
"""

from __future__ import annotations

from zarrlite.errors import ReadOnlyError


class _Message:
    """KeyError quotes its argument in ``str()``; these classes show the plain message."""

    args: tuple

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class FileClosedError(_Message, ValueError, RuntimeError, KeyError):
    """The file was closed: h5py raises ValueError, RuntimeError or KeyError by call."""


class NameExistsError(_Message, ValueError, OSError):
    """Something already exists under the name given (h5py: ValueError when creating a
    group or dataset or moving, OSError when assigning)."""


class CopyExistsError(_Message, RuntimeError, ValueError):
    """The destination of a copy exists (h5py: RuntimeError)."""


class NoWriteIntentError(_Message, ReadOnlyError, ValueError, KeyError):
    """A change to a file opened read-only (h5py: OSError for data and attributes,
    ValueError for new groups, KeyError for deletions); a PermissionError as zarrlite's
    ReadOnlyError is."""


class MaxShapeError(_Message, ValueError, RuntimeError):
    """A resize beyond the dataset's maximum shape (h5py: RuntimeError)."""


class InvalidSelectionError(_Message, IndexError, TypeError, ValueError):
    """A selection that is not valid for the dataset (a float, too many indices, a field
    name on a plain dtype): numpy says IndexError, h5py TypeError or ValueError by case."""


class BroadcastError(_Message, ValueError, TypeError):
    """Data whose shape does not fit the selection (numpy: ValueError, h5py: TypeError)."""


class DatasetGoneError(_Message, KeyError, ValueError, RuntimeError):
    """The dataset object's dataset was deleted or moved through its file."""
