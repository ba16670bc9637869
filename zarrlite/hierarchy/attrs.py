"""User attributes of an array or group, kept as JSON in ``.zattrs``."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, MutableMapping
from typing import Any

from zarrlite.errors import ReadOnlyError
from zarrlite.metadata.documents import decode_json, encode_json


class Attributes(MutableMapping[str, Any]):
    """A dict-like view of ``.zattrs``; every change is written to the store at once.

    Normally obtained as ``Array.attrs`` or ``Group.attrs``. Values must be JSON-able
    (numpy scalars and arrays are converted) and read back as JSON gives them: a tuple
    comes back a list. The document is read once and cached: changes made through
    another object show after `refresh`. A change reads the document again first, so
    that it keeps what other objects (or processes) wrote meanwhile, as zarr-python 2 does.

    Parameters
    ----------
    store : MutableMapping
        The store holding the attributes.
    key : str
        Key of the ``.zattrs`` document.
    read_only : bool, optional
        Refuse changes with ReadOnlyError.
    cache : bool, optional
        Keep the document read (the default); False reads it again on every access, to see
        changes made through other objects at once.
    synchronizer : ThreadSynchronizer or ProcessSynchronizer, optional
        Each change holds the lock of `key` from reading the document to writing it, so
        changes from several threads or processes keep each other's keys.

    Raises
    ------
    ReadOnlyError
        On a change when `read_only` (a PermissionError).
    TypeError
        On a change holding a value JSON cannot represent (nothing is written).
    MetadataError
        On the first read, if the document is not a JSON object (a ValueError).

    Examples
    --------
    >>> import zarrlite as zl
    >>> z = zl.zeros(3)
    >>> z.attrs["shape_hint"] = (1, 3)
    >>> z.attrs["shape_hint"], "shape_hint" in z.attrs, len(z.attrs)
    ([1, 3], True, 1)
    >>> del z.attrs["shape_hint"]
    >>> z.attrs
    Attributes({})
    """

    def __init__(self, store: MutableMapping[str, bytes], key: str = ".zattrs",
                 read_only: bool = False, cache: bool = True, synchronizer: Any = None):
        self.store = store
        #: Gives the lock a change holds from reading the document to writing it.
        self.synchronizer = synchronizer
        self.key = key
        self.read_only = read_only
        self.cache = cache
        self._cache: dict[str, Any] | None = None

    def _load(self, fresh: bool = False) -> dict[str, Any]:
        """The document: the cached copy, or (no cache, or `fresh`) read from the store.
        A change reads fresh, as zarr-python 2 does, so that it keeps keys another
        object wrote meanwhile."""
        if fresh or self._cache is None or not self.cache:
            try:
                raw = self.store[self.key]
            except KeyError:
                self._cache = {}
            else:
                doc = decode_json(raw, self.key)
                if not isinstance(doc, dict):
                    from zarrlite.errors import MetadataError

                    raise MetadataError(f"{self.key} must hold a JSON object, found {doc!r}")
                self._cache = doc
        return self._cache

    def _ipython_key_completions_(self) -> list[str]:
        return sorted(self._load())

    def refresh(self) -> None:
        """Forget the cached copy; the next access reads the store again.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros(3)
        >>> other = zl.Array(z.store)  # a second object over the same array
        >>> z.attrs.asdict()
        {}
        >>> other.attrs["k"] = 1
        >>> "k" in z.attrs  # the cached copy
        False
        >>> z.attrs.refresh()
        >>> "k" in z.attrs
        True
        """
        self._cache = None

    def asdict(self) -> dict[str, Any]:
        """A copy of all attributes as a plain dict."""
        return dict(self._load())

    def _locked(self) -> Any:
        """The synchronizer's lock of the document's key, or no lock."""
        if self.synchronizer is None:
            return contextlib.nullcontext()
        return self.synchronizer[self.key]

    def _write(self, doc: dict[str, Any]) -> None:
        if self.read_only:
            raise ReadOnlyError(f"attributes at {self.key!r} are read-only")
        if not all(isinstance(k, str) for k in doc):  # JSON turns them into strings
            warnings.warn("only attribute keys of type 'string' will be allowed in the future "
                          "(JSON stores other keys as strings)", DeprecationWarning, stacklevel=3)
            doc = {str(k): v for k, v in doc.items()}  # now, so that 1 and "1" are one key
        raw = encode_json(doc)
        self.store[self.key] = raw
        self._cache = decode_json(raw, self.key)

    def put(self, doc: dict[str, Any]) -> None:
        """Replace all attributes with `doc` (one write).

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros(3)
        >>> z.attrs["old"] = 1
        >>> z.attrs.put({"new": 2})
        >>> z.attrs.asdict()
        {'new': 2}
        """
        self._write(dict(doc))

    def update(self, *args: Any, **kwargs: Any) -> None:  # one write for many keys
        """Set several attributes in one write, taking what ``dict.update`` takes.

        Examples
        --------
        >>> import zarrlite as zl
        >>> z = zl.zeros(3)
        >>> z.attrs.update({"a": 1}, b=[2, 3])
        >>> z.attrs.asdict()
        {'a': 1, 'b': [2, 3]}
        """
        with self._locked():
            doc = dict(self._load(fresh=True))
            doc.update(*args, **kwargs)
            self._write(doc)

    def __getitem__(self, name: str) -> Any:
        return self._load()[name]

    def __setitem__(self, name: str, value: Any) -> None:
        with self._locked():
            doc = dict(self._load(fresh=True))
            doc[name] = value
            self._write(doc)

    def __delitem__(self, name: str) -> None:
        with self._locked():
            doc = dict(self._load(fresh=True))
            del doc[name]
            self._write(doc)

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, name: object) -> bool:
        return name in self._load()

    def __repr__(self) -> str:
        return f"Attributes({self._load()!r})"
