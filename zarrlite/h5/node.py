"""What h5py's datasets and groups share: the file they belong to, whether it is open, their
absolute names and parents (a mixin placed before zarrlite's `Array` or `Group`)."""

from __future__ import annotations

from typing import Any

from zarrlite.h5.errors import FileClosedError, NoWriteIntentError


class H5Node:
    """The h5py side of a node; `_kind` ("dataset", "group") names it in messages."""

    _h5_file: Any  # the File (not imported: the file module imports the node classes)
    _path: str
    _read_only: bool
    _kind = "node"

    def _check_open(self) -> None:
        if not self._h5_file._is_open:
            raise FileClosedError(f"the {self._kind}'s file is closed (invalid identifier)")

    def _check_writable(self) -> None:
        self._check_open()
        if self._read_only:
            raise NoWriteIntentError(
                f"cannot change {self._kind} {self.name!r}: the file is open read-only "
                "(no write intent on file)")

    def __reduce__(self) -> tuple[Any, ...]:
        # (unlike h5py's objects, these pickle: as their file and name, for dask's workers)
        self._check_open()
        return _member_of, (self._h5_file, self._path)

    def __bool__(self) -> bool:
        return bool(self._h5_file._is_open)

    @property
    def name(self) -> str | None:
        """Absolute name, as h5py gives it ('/' for the root); None once the file is closed."""
        return "/" + self._path if self._h5_file._is_open else None

    @property
    def file(self) -> Any:
        """The `File` this node belongs to."""
        return self._h5_file

    @property
    def parent(self) -> Any:
        """The group holding this node (the root is its own parent)."""
        self._check_open()
        return self._h5_file._group_at(self._path.rpartition("/")[0])


def _member_of(file: Any, path: str) -> Any:
    """Unpickle a dataset or group: the member `path` of `file` (itself just reopened)."""
    return file["/" + path]
