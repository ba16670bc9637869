"""Synchronizers: one lock per store key, so that writers of the same chunk take turns.

Writing part of a chunk is a read-modify-write: read the stored chunk, patch it, write it
back. Two writers patching different parts of one chunk at the same time can each read
the old chunk, and the second write then drops the first one's change. Writers that only
ever write whole chunks, or different chunks, need no lock; others pass a synchronizer as
``synchronizer=`` to ``open_array``, ``open_group`` or ``create``, and every chunk write
(and attribute update) then holds that chunk key's lock from its read to its write.

- :class:`ThreadSynchronizer`: threads of one process.
- :class:`ProcessSynchronizer`: processes (and threads) on one machine or sharing a file
  system with working ``flock``; one lock file per key under a folder, made when first
  needed.

A synchronizer is any object with ``__getitem__(key)`` returning a context manager, as in
zarr-python 2, so zarr-python 2's synchronizers (and anyone's) work too.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from zarrlite.metadata.keys import validate_key

__all__ = ["ProcessSynchronizer", "ThreadSynchronizer"]


class ThreadSynchronizer:
    """Locks by key for the threads of one process.

    Examples
    --------
    >>> sync = ThreadSynchronizer()
    >>> with sync["a/0.0"]:
    ...     pass
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()

    def __getitem__(self, key: str) -> Any:
        """The lock of `key` (a ``threading.Lock``, made when first asked for and
        forgotten once no one holds it)."""
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = _KeyLock()
            return lock

    def __reduce__(self) -> tuple[Any, ...]:
        # a lock only means something inside one process: another process gets its own
        return (ThreadSynchronizer, ())

    def __repr__(self) -> str:
        return "ThreadSynchronizer()"


class _KeyLock:
    """A ``threading.Lock`` that weak references can point at."""

    __slots__ = ("_lock", "__weakref__")

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class ProcessSynchronizer:
    """Locks by key for processes: ``flock`` on one file per key under `path`.

    Parameters
    ----------
    path : str or os.PathLike
        Folder for the lock files (made when needed). Every process that writes the
        same array must use the same folder; a folder of the local file system, not a
        network one whose ``flock`` does not lock across machines.

    Notes
    -----
    Each acquisition opens the key's lock file and ``flock``\\ s it, so threads of one
    process exclude each other too. Lock files are left in place (removing one while
    another process waits on it would let a third process lock a new file of the same
    name); delete the folder when no writer is running.

    Examples
    --------
    >>> import tempfile
    >>> sync = ProcessSynchronizer(tempfile.mkdtemp())
    >>> with sync["a/0.0"]:
    ...     pass
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            import fcntl  # noqa: F401  (POSIX only)
        except ImportError as err:  # pragma: no cover - Windows
            raise NotImplementedError(
                "ProcessSynchronizer needs POSIX file locks (fcntl.flock), which this "
                "platform lacks") from err
        path = os.fspath(path)
        if not isinstance(path, str):
            raise TypeError(f"expected a str path, found {type(path).__name__}")
        #: Absolute, so that a worker started in another directory locks the same files.
        self.path = os.path.abspath(path)

    def __getitem__(self, key: str) -> Any:
        """A context manager holding `key`'s lock file locked while inside it."""
        validate_key(key)
        return self._locked(os.path.join(self.path, key.replace("/", os.sep) + ".lock"))

    @contextmanager
    def _locked(self, lock_path: str) -> Iterator[None]:
        import fcntl

        os.makedirs(os.path.dirname(lock_path), exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ProcessSynchronizer, (self.path,))

    def __repr__(self) -> str:
        return f"ProcessSynchronizer({self.path!r})"
