"""`ByteCountingStore`: a read-only view of a store that counts the bytes read through it."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

from zarrlite.stores import (
    BaseStore,
    ByteRange,
    as_byte_view,
    get_partial_values,
    getitems,
    getsize,
    listdir,
    read_ranges_into,
)


def _nbytes(value: Any) -> int:
    return len(as_byte_view(value))


class ByteCountingStore(BaseStore):
    """Forward reads to `inner` and count the value bytes they return.

    Whole values (``[key]``, ``getitems``) and byte ranges (``get_partial_values``,
    ``read_ranges_into``) are forwarded to the inner store's own methods, so an array read
    through this store asks for the same bytes as one read straight from `inner` (whole
    values come through ``getitems``, never read into a reusable buffer). Writes are refused.

    Parameters
    ----------
    inner : MutableMapping[str, bytes]
        The store to read.

    Attributes
    ----------
    nbytes_read : int
        Value bytes handed out since creation or the last :meth:`reset`.

    Examples
    --------
    >>> store = ByteCountingStore({"a": b"0123456789"})
    >>> store.get_partial_values([("a", 2, 3)])
    [b'234']
    >>> store.nbytes_read
    3
    """

    _readonly = True

    @property
    def threadsafe(self) -> bool:  # type: ignore[override]
        """As the inner store: the count itself is kept under a lock."""
        return bool(getattr(self.inner, "threadsafe", False))

    @property
    def reads_byte_ranges(self) -> bool:
        """As the inner store: byte ranges are read through its own methods."""
        return bool(getattr(self.inner, "reads_byte_ranges", False))

    def __init__(self, inner: MutableMapping[str, bytes]) -> None:
        self.inner = inner
        self.nbytes_read = 0
        self._lock = threading.Lock()  # reads may come from several worker threads

    def reset(self) -> None:
        """Set the byte count back to zero."""
        with self._lock:
            self.nbytes_read = 0

    def _count(self, n: int) -> None:
        with self._lock:
            self.nbytes_read += n

    def __getitem__(self, key: str) -> bytes:
        value = self.inner[key]
        self._count(_nbytes(value))
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._check_writable()

    def __delitem__(self, key: str) -> None:
        self._check_writable()

    def __contains__(self, key: object) -> bool:
        return key in self.inner

    def __iter__(self) -> Iterator[str]:
        return iter(self.inner)

    def __len__(self) -> int:
        return len(self.inner)

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        values = getitems(self.inner, keys)
        self._count(sum(_nbytes(v) for v in values.values()))
        return values

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        values = get_partial_values(self.inner, key_ranges)
        self._count(sum(_nbytes(v) for v in values if v is not None))
        return values

    def read_ranges_into(
        self, key: str, ranges: Iterable[tuple[int, int, int]], out: Any
    ) -> list[int] | None:
        counts = read_ranges_into(self.inner, key, ranges, out)
        self._count(sum(counts or ()))
        return counts

    def listdir(self, prefix: str = "") -> list[str]:
        return listdir(self.inner, prefix)

    def getsize(self, prefix: str = "") -> int:
        return getsize(self.inner, prefix)
