"""MemoryStore: keys and values in one flat ``dict``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from zarrlite.errors import PathNotFoundError
from zarrlite.metadata.keys import validate_key
from zarrlite.stores._util import (
    ByteRange,
    check_rename,
    dir_prefix,
    ensure_bytes,
    readonly_from_mode,
    slice_value,
)
from zarrlite.stores.abc import BaseStore
from zarrlite.stores.process_local import refuse_pickle

__all__ = ["MemoryStore"]


class MemoryStore(BaseStore):
    """Store that keeps every value as ``bytes`` in a flat ``dict``.

    Single dict operations are atomic under the GIL, so worker threads may get,
    set and delete different keys concurrently; methods that scan keys work on
    a snapshot.

    Parameters
    ----------
    data : Mapping[str, bytes-like], optional
        Initial contents; values are copied to ``bytes``.
    mode : str, optional
        ``"r"`` for a read-only store; any other mode of
        :data:`~zarrlite.stores.MODES` allows writes.

    Examples
    --------
    >>> store = MemoryStore()
    >>> store["a/0.0"] = b"xy"
    >>> store.listdir("a")
    ['0.0']
    """

    #: setitems copies each value before returning, so it may be given views of a
    #: buffer the caller reuses.
    copies_values = True

    #: Safe to call from several threads at once (see above).
    threadsafe = True

    def __init__(self, data: Mapping[str, Any] | None = None, *, mode: str = "a") -> None:
        self._data: dict[str, bytes] = {}
        if data:
            for key, value in data.items():
                self._data[validate_key(key)] = ensure_bytes(value)
        self._readonly = readonly_from_mode(mode)

    def __repr__(self) -> str:
        mode = ", mode='r'" if self._readonly else ""
        return f"<MemoryStore with {len(self._data)} keys{mode}>"

    def __reduce__(self) -> tuple[Any, ...]:
        # the data is this process's: another process gets a clear error, not an empty store
        count = len(self._data)
        refuse_pickle(f"MemoryStore ({count} key{'' if count == 1 else 's'})")

    def __copy__(self) -> MemoryStore:  # a new store with the same values, as dict.copy
        return MemoryStore(self._data, mode="r" if self._readonly else "a")

    def __deepcopy__(self, memo: dict[int, Any]) -> MemoryStore:
        return self.__copy__()

    # mapping interface -----------------------------------------------------------

    def __getitem__(self, key: str) -> bytes:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._check_writable()
        self._data[validate_key(key)] = ensure_bytes(value)

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        del self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    # batches -----------------------------------------------------------------------

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist; missing keys are left out."""
        get = self._data.get
        out = {}
        for key in keys:
            value = get(key)
            if value is not None:
                out[key] = value
        return out

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping` (all keys are validated first)."""
        self._check_writable()
        self._data.update({validate_key(k): ensure_bytes(v) for k, v in mapping.items()})

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete `keys`, ignoring those that do not exist."""
        self._check_writable()
        pop = self._data.pop
        for key in keys:
            pop(key, None)

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        """Return byte ranges of values; see :func:`~zarrlite.stores.get_partial_values`."""
        get = self._data.get
        out: list[bytes | None] = []
        for key, start, length in key_ranges:
            value = get(key)
            out.append(None if value is None else slice_value(value, start, length))
        return out

    # hierarchy ---------------------------------------------------------------------

    def _keys_under(self, prefix: str) -> list[str]:
        start = dir_prefix(prefix)
        keys = list(self._data)
        return [k for k in keys if k.startswith(start)] if start else keys

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the immediate children of path `prefix`."""
        n = len(dir_prefix(prefix))
        return sorted({k[n:].partition("/")[0] for k in self._keys_under(prefix)})

    def rmdir(self, prefix: str = "") -> None:
        """Delete every key under path `prefix` (everything for ``""``)."""
        self._check_writable()
        if not dir_prefix(prefix):
            self._data.clear()
        else:
            self.delitems(self._keys_under(prefix))

    def rename(self, src: str, dst: str) -> None:
        """Move every key under path `src` to the same place under path `dst`.

        See :func:`~zarrlite.stores.rename` for the errors raised.
        """
        self._check_writable()
        src, dst = check_rename(src, dst)
        src_keys = self._keys_under(src)
        if not src_keys:
            raise PathNotFoundError(f"cannot rename {src!r}: nothing is stored under it")
        if dst in self._data or self._keys_under(dst):
            raise ValueError(f"cannot rename {src!r} to {dst!r}: the destination is not empty")
        n = len(src)
        data = self._data
        for key in src_keys:
            value = data.pop(key, None)
            if value is not None:
                data[dst + key[n:]] = value

    def getsize(self, prefix: str = "") -> int:
        """Return the number of bytes stored at key `prefix`, or under path `prefix`."""
        start = dir_prefix(prefix)
        if start:
            value = self._data.get(start[:-1])
            if value is not None:
                return len(value)
        get = self._data.get
        return sum(len(get(k, b"")) for k in self._keys_under(prefix))
