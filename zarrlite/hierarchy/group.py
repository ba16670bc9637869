"""`Group`: a node of the hierarchy holding arrays and other groups."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from zarrlite.chunkio.chunkcache import invalidate_prefix
from zarrlite.errors import (
    ContainsArrayError,
    ContainsGroupError,
    GroupNotFoundError,
    MetadataError,
    PathNotFoundError,
)
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.attrs import Attributes
from zarrlite.hierarchy.compat import check_zarr2_keywords
from zarrlite.hierarchy.creation import contains_array, contains_group, init_group
from zarrlite.hierarchy.group_creation import ArrayCreation
from zarrlite.hierarchy.node import Node
from zarrlite.hierarchy.walk import Walking
from zarrlite.metadata.group_meta import decode_group_meta
from zarrlite.metadata.keys import ATTRS_KEY, GROUP_META_KEY, join_path, meta_key, normalize_path
from zarrlite.stores.abc import is_readonly
from zarrlite.stores.access import listdir, location_of, normalize_store, rename, rmdir
from zarrlite.stores.adapter import as_store, unwrap_store


class Group(Node, Walking, ArrayCreation, MutableMapping[str, Any]):
    """A group of arrays and subgroups, addressed by '/'-separated names.

    Normally obtained from `zarrlite.group`, `zarrlite.open_group` or `zarrlite.open`,
    not constructed directly. A group is a mutable mapping from member names to `Array`
    and `Group` objects; the members it returns share its `read_only`.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
        Store holding the group; a mapping that is not a zarrlite store (a ``dict``,
        say) is used through an adapter.
    path : str, optional
        Path of the group inside the store ('' for the root).
    read_only : bool, optional
        Refuse changes with ReadOnlyError.
    chunk_store, cache_attrs, synchronizer, zarr_version, meta_array
        zarr-python 2's keywords, in its order (see `Array`): the chunks of the group's
        arrays go to `chunk_store` when it is given.

    Raises
    ------
    GroupNotFoundError
        If there is no ``.zgroup`` at `path` (a KeyError).
    MetadataError
        If the ``.zgroup`` document is malformed (a ValueError).

    Examples
    --------
    >>> import zarrlite as zl
    >>> root = zl.group()
    >>> temp = root.create_group("climate").zeros("temp", shape=(365, 10), chunks=(100, 10))
    >>> root["climate/temp"]
    <zarrlite.Array '/climate/temp' (365, 10) float64>
    >>> list(root), "climate/temp" in root
    (['climate'], True)

    The same group opened again from its store, read-only:

    >>> zl.Group(root.store, read_only=True)["climate"]
    <zarrlite.Group '/climate' read-only>
    """

    def __init__(self, store: MutableMapping[str, bytes], path: str | None = "",
                 read_only: bool = False, chunk_store: Any = None, cache_attrs: bool = True,
                 synchronizer: Any = None, zarr_version: int | None = None, *,
                 meta_array: Any = None) -> None:
        check_zarr2_keywords("Group", synchronizer=synchronizer,
                             zarr_version=zarr_version, meta_array=meta_array)
        #: Passed to every member opened or created through the group.
        self._synchronizer = synchronizer
        self._store = store = as_store(store)
        self._chunk_store = (None if chunk_store is None
                             else normalize_store(chunk_store, "r" if read_only else "a"))
        self._cache_attrs = cache_attrs
        self._path = normalize_path(path)
        self._read_only = read_only or is_readonly(store)  # (a read-only store: say so)
        key = meta_key(self._path, GROUP_META_KEY)
        try:
            raw = store[key]
        except KeyError:
            raise GroupNotFoundError(
                f"no group at {location_of(store, self._path)} (no .zgroup)") from None
        try:
            decode_group_meta(raw, key)
        except MetadataError as exc:
            raise MetadataError(
                f"cannot open the group at {location_of(store, self._path)}: {exc}") from None
        self._attrs = Attributes(store, meta_key(self._path, ATTRS_KEY), read_only,
                                 cache=cache_attrs, synchronizer=synchronizer)

    def __reduce__(self) -> tuple[Any, ...]:
        # where the group is and how it was opened (the store pickles as what reopens it)
        return _reopen_group, (self._store, self._path, self._read_only, self._chunk_store,
                               self._cache_attrs, self._synchronizer)

    # ------------------------------------------------------------------ properties
    # store, path, name, basename: from Node
    read_only = property(lambda self: self._read_only, doc="True if changes are refused.")
    synchronizer = property(lambda self: self._synchronizer, doc="""What gives the locks
        that writes through the group's members hold (None: no locks).""")
    attrs = property(lambda self: self._attrs, doc="""User attributes (``.zattrs``).

        A dict-like `Attributes`: every change is written to the store at once.

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> g.attrs["title"] = "survey"
        >>> g.attrs["title"], dict(g.attrs)
        ('survey', {'title': 'survey'})
        """)

    @property
    def chunk_store(self) -> MutableMapping[str, bytes]:
        """The store the chunks of the group's arrays go to: the group's store unless a
        separate one was given (``chunk_store=``), as given."""
        return self.store if self._chunk_store is None else unwrap_store(self._chunk_store)

    @property
    def info(self) -> Any:
        """A report of the group's members (printable; ``repr`` gives the text).

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> _ = g.zeros("x", shape=3), g.create_group("sub")
        >>> g.info
        Name        : /
        Type        : zarrlite.Group
        Read-only   : False
        Store type  : zarrlite.stores.memory.MemoryStore
        No. members : 2
        No. arrays  : 1
        No. groups  : 1
        Arrays      : x
        Groups      : sub
        <BLANKLINE>
        """
        from zarrlite.hierarchy.info import group_info

        return group_info(self)

    def _item_path(self, name: str) -> str:
        """The store path of member `name`: below this group, or from the root of the
        store when `name` starts with '/' (as in zarr-python 2)."""
        if isinstance(name, bytes):  # as zarr-python 2: ASCII bytes, or any object's str()
            name = name.decode("ascii")
        elif not isinstance(name, str) and name is not None:
            name = str(name)
        if name.startswith("/"):
            return normalize_path(name)
        return join_path(self._path, normalize_path(name))

    def _array(self, path: str) -> Array:
        """The member array at store path `path`, sharing this group's settings."""
        return Array(self._store, path, self._read_only, chunk_store=self._chunk_store,
                     cache_attrs=self._cache_attrs, synchronizer=self._synchronizer)

    def _group(self, path: str) -> Group:
        """The member group at store path `path`, sharing this group's settings."""
        return Group(self._store, path, self._read_only, chunk_store=self._chunk_store,
                     cache_attrs=self._cache_attrs, synchronizer=self._synchronizer)

    def _check_writable(self) -> None:
        self._refuse_writes_if_read_only(f"group {self.name!r}")

    # ------------------------------------------------------------------ members
    def __getitem__(self, name: str) -> Array | Group:
        """The member `name` (a '/'-separated path below this group), as an Array or Group.

        Raises
        ------
        PathNotFoundError
            If nothing is there (a KeyError).
        """
        path = self._item_path(name)
        if contains_array(self._store, path):
            return self._array(path)
        if contains_group(self._store, path):
            return self._group(path)
        raise PathNotFoundError(f"no array or group named {name!r} in the group at "
                                    f"{location_of(self._store, self._path)}")

    def get(self, name: str, default: Any = None) -> Any:
        """The member `name`, or `default` if nothing is there."""
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name: object) -> bool:
        """True if an array or group exists at `name` (a path below this group)."""
        if not isinstance(name, str):
            return False
        try:
            path = self._item_path(name)
        except ValueError:
            return False
        return contains_array(self._store, path) or contains_group(self._store, path)

    def _member_names(self) -> list[str]:
        names = []
        for name in listdir(self._store, self._path):
            path = join_path(self._path, name)
            if contains_array(self._store, path) or contains_group(self._store, path):
                names.append(name)
        return sorted(names)

    def __iter__(self) -> Iterator[str]:
        """Names of the direct members (arrays and groups), sorted."""
        return iter(self._member_names())

    def __len__(self) -> int:
        """Number of direct members."""
        return len(self._member_names())

    def group_keys(self) -> Iterator[str]:
        """Names of the subgroups, sorted (an iterator).

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> _ = g.create_group("b"), g.create_group("a"), g.zeros("x", shape=2)
        >>> list(g.group_keys()), list(g.array_keys())
        (['a', 'b'], ['x'])
        """
        for name in self._member_names():
            if contains_group(self._store, join_path(self._path, name)):
                yield name

    def groups(self) -> Iterator[tuple[str, Group]]:
        """(name, Group) pairs of the subgroups, in name order."""
        for name in self.group_keys():
            yield name, self._group(join_path(self._path, name))

    def array_keys(self, recurse: bool = False) -> Iterator[str]:
        """Names of the arrays, sorted (an iterator).

        Parameters
        ----------
        recurse : bool, optional
            Also the arrays of every subgroup, depth first (their own names, as in
            zarr-python 2; `visititems` gives paths).
        """
        for name, _array in self._array_members(recurse, open_arrays=False):
            yield name

    def arrays(self, recurse: bool = False) -> Iterator[tuple[str, Array]]:
        """(name, Array) pairs of the arrays, in name order (`recurse`: see `array_keys`).

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> _ = g.zeros("x", shape=2), g.ones("y", shape=3), g.zeros("sub/z", shape=1)
        >>> [(name, a.shape) for name, a in g.arrays()]
        [('x', (2,)), ('y', (3,))]
        >>> list(g.array_keys(recurse=True))
        ['z', 'x', 'y']
        """
        yield from self._array_members(recurse, open_arrays=True)  # type: ignore[misc]

    def _array_members(self, recurse: bool, open_arrays: bool
                       ) -> Iterator[tuple[str, Array | None]]:
        for name in self._member_names():
            path = join_path(self._path, name)
            if contains_array(self._store, path):
                yield name, self._array(path) if open_arrays else None
            elif recurse:
                yield from self._group(path)._array_members(
                    True, open_arrays)

    def __getattr__(self, name: str) -> Any:
        """A member as an attribute: ``g.temp`` is ``g["temp"]``."""
        if name.startswith("_"):  # private names, and IPython's probes: never members
            raise AttributeError(name)
        try:
            return self[name]
        except (KeyError, ValueError):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}, and the group "
                f"has no member of that name") from None

    # IPython asks for these rich displays; a group has none (and members with such names
    # are not displays): answered here so that no member lookup happens, as in zarr 2
    def _repr_html_(self) -> None: return None  # noqa: E704
    def _repr_markdown_(self) -> None: return None  # noqa: E704
    def _repr_latex_(self) -> None: return None  # noqa: E704
    def _repr_json_(self) -> None: return None  # noqa: E704
    def _repr_svg_(self) -> None: return None  # noqa: E704
    def _repr_png_(self) -> None: return None  # noqa: E704
    def _repr_jpeg_(self) -> None: return None  # noqa: E704
    def _repr_pdf_(self) -> None: return None  # noqa: E704
    def _repr_javascript_(self) -> None: return None  # noqa: E704
    def _repr_mimebundle_(self, **kwargs: Any) -> None: return None  # noqa: E704

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {n for n in self if n.isidentifier()})

    def _ipython_key_completions_(self) -> list[str]:
        return sorted(self)

    def __enter__(self) -> Group:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the store if it can be closed (a zip file, a database)."""
        close = getattr(self.store, "close", None)
        if callable(close):
            close()

    # ------------------------------------------------------------------ changes
    def create_group(self, name: str, overwrite: bool = False) -> Group:
        """Create a subgroup, and any missing groups on the way to it.

        Parameters
        ----------
        name : str
            Path of the new group relative to this one (``'a/b'`` creates ``a`` too).
        overwrite : bool, optional
            Delete whatever is at `name` first.

        Returns
        -------
        Group

        Raises
        ------
        ReadOnlyError
            If this group is read-only (a PermissionError).
        ContainsGroupError, ContainsArrayError
            If `name` is taken and `overwrite` is False, or a node on the way to it is an
            array (ValueErrors).

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> g.create_group("a/b")
        <zarrlite.Group '/a/b'>
        >>> g.create_group("a")
        Traceback (most recent call last):
        ...
        zarrlite.errors.ContainsGroupError: path 'a' of a MemoryStore already holds a group; ...
        """
        self._check_writable()
        path = self._item_path(name)
        init_group(self._store, path, overwrite=overwrite)
        return self._group(path)

    def require_group(self, name: str, overwrite: bool = False) -> Group:
        """Return the subgroup `name`, creating it (and its parents) if needed.

        Parameters
        ----------
        name : str
            Path of the group relative to this one.
        overwrite : bool, optional
            Replace the group even if it exists (its members are deleted).

        Returns
        -------
        Group

        Raises
        ------
        ReadOnlyError
            If the group must be created and this group is read-only.
        ContainsArrayError
            If an array is at `name` (and `overwrite` is False).

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> g.require_group("a") == g.require_group("a")
        True
        >>> g.require_groups("x", "y/z")
        (<zarrlite.Group '/x'>, <zarrlite.Group '/y/z'>)
        """
        path = self._item_path(name)
        if contains_group(self._store, path) and not overwrite:
            return self._group(path)
        return self.create_group(name, overwrite=overwrite)

    def require_groups(self, *names: str) -> tuple[Group, ...]:
        """`require_group` for each name; the groups in the order of `names`."""
        return tuple(self.require_group(n) for n in names)

    def create_groups(self, *names: str, overwrite: bool = False) -> tuple[Group, ...]:
        """`create_group` for each name; the groups in the order of `names`."""
        return tuple(self.create_group(n, overwrite=overwrite) for n in names)

    def __setitem__(self, name: str, value: Any) -> None:
        """Store `value` as the array `name`, replacing whatever is there.

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> g["x"] = [1, 2, 3]
        >>> g["x"][...].tolist()
        [1, 2, 3]
        """
        self.array(name, value, overwrite=True)

    def __delitem__(self, name: str) -> None:
        """Delete the member `name` and everything below it.

        Raises
        ------
        ReadOnlyError
            If this group is read-only.
        PathNotFoundError
            If nothing is at `name` (a KeyError).
        ValueError
            If `name` is '' (the group itself), or a group holding this one ('/')
        """
        self._check_writable()
        path = self._item_path(name)
        if path == self._path or not path or self._path.startswith(path + "/"):
            # "" names the group itself; "/" (the root) or "/a" holds it
            raise ValueError(f"cannot delete {'/' + path!r} from itself or from a group "
                             f"inside it ({self.name!r}); delete it from its parent")
        if name not in self:
            raise PathNotFoundError(f"no array or group named {name!r} in the group at "
                                    f"{location_of(self._store, self._path)}")
        rmdir(self._store, path)
        invalidate_prefix(self._store, path)
        if self._chunk_store is not None:
            rmdir(self._chunk_store, path)
            invalidate_prefix(self._chunk_store, path)

    def move(self, source: str, dest: str) -> None:
        """Move (rename) the member `source` to `dest`, both relative to this group.

        Missing groups on the way to `dest` are created.

        Parameters
        ----------
        source : str
            Path of an existing array or group.
        dest : str
            Its new path; nothing may be there yet.

        Raises
        ------
        ReadOnlyError
            If this group is read-only (a PermissionError).
        PathNotFoundError
            If nothing is at `source` (a KeyError).
        ContainsArrayError, ContainsGroupError
            If something is already at `dest`, or an array is on the way to it.
        ValueError
            If `dest` lies inside `source`.

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> _ = g.zeros("raw/x", shape=3)
        >>> g.move("raw/x", "clean/y")
        >>> print(g.tree())
        /
         ├── clean
         │   └── y (3,) float64
         └── raw
        """
        self._check_writable()
        src = self._item_path(source)
        dst = self._item_path(dest)
        if source not in self:
            raise PathNotFoundError(f"no array or group named {source!r} in the group at "
                                    f"{location_of(self._store, self._path)}")
        if contains_array(self._store, dst) or contains_group(self._store, dst):
            raise (ContainsArrayError if contains_array(self._store, dst)
                   else ContainsGroupError)(f"{dest!r} already exists")
        parent = dst.rsplit("/", 1)[0] if "/" in dst else ""
        if parent and not contains_group(self._store, parent):
            init_group(self._store, parent)
        rename(self._store, src, dst)
        for store in (self._store, self._chunk_store):
            if store is not None:
                invalidate_prefix(store, src)
                invalidate_prefix(store, dst)
        if self._chunk_store is not None and listdir(self._chunk_store, src):
            rename(self._chunk_store, src, dst)

    def __repr__(self) -> str:
        ro = " read-only" if self._read_only else ""
        return f"<zarrlite.Group {self.name!r}{ro}>"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Group) and self._store is other._store
                and self._path == other._path)

    __hash__ = object.__hash__


def _reopen_group(store: Any, path: str, read_only: bool, chunk_store: Any, cache_attrs: bool,
                  synchronizer: Any) -> Group:
    """Unpickle a :class:`Group`: open it again (see ``Group.__reduce__``)."""
    return Group(store, path, read_only, chunk_store, cache_attrs, synchronizer)
