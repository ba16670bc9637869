"""What arrays and groups share: a place in a store, and the names derived from it."""

from __future__ import annotations

from collections.abc import MutableMapping

from zarrlite.errors import ReadOnlyError
from zarrlite.stores.abc import is_readonly
from zarrlite.stores.adapter import unwrap_store


class Node:
    """A node of the hierarchy: a path inside a store (the base of `Array` and `Group`).

    Subclasses set ``_store`` and ``_path`` (normalized: no leading or trailing '/', ''
    for the root).

    Examples
    --------
    >>> import zarrlite as zl
    >>> z = zl.group().zeros("a/b", shape=2)
    >>> z.path, z.name, z.basename
    ('a/b', '/a/b', 'b')
    """

    _store: MutableMapping[str, bytes]
    _path: str
    _read_only: bool
    #: The Zarr format version (code written for zarr-python 2 checks ``_version == 2``).
    _version = 2

    @property
    def store(self) -> MutableMapping[str, bytes]:
        """The store holding the node, as it was given.

        A mapping that zarrlite uses through an adapter (a ``dict``, say) is returned
        itself, not the adapter.

        Examples
        --------
        >>> import zarrlite as zl
        >>> d = {}
        >>> zl.zeros(3, store=d).store is d
        True
        >>> sorted(d)
        ['.zarray']
        """
        return unwrap_store(self._store)

    @property
    def _key_prefix(self) -> str:
        """The prefix of the node's keys in its store (``'a/b/'``; '' at the root), as
        zarr-python 2 names it."""
        return self._path + "/" if self._path else ""

    @property
    def path(self) -> str:
        """Path inside the store ('' for the root)."""
        return self._path

    @property
    def name(self) -> str | None:
        """Absolute name, e.g. '/group/array'; the root group is '/', and an array at the
        root of its store has no name (None), as in zarr-python 2."""
        return "/" + self._path

    @property
    def basename(self) -> str | None:
        """Last component of the name ('' for the root)."""
        return self._path.rsplit("/", 1)[-1]

    def _refuse_writes_if_read_only(self, what: str) -> None:
        """Raise ReadOnlyError naming `what` (e.g. "array '/t'") when the node is read-only,
        with the store's own reason when the store is what refuses (HTTP, mode 'r')."""
        if not self._read_only:
            return
        why = ""
        if is_readonly(self._store):
            try:
                getattr(self._store, "_check_writable", lambda: None)()
            except ReadOnlyError as exc:
                why = f": {exc}"
        raise ReadOnlyError(f"{what} is read-only{why}")
