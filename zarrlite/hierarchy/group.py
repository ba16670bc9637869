"""`Group`: a node of the hierarchy holding arrays and other groups."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import numpy as np

from zarrlite.errors import (
    ContainsArrayError,
    ContainsGroupError,
    GroupNotFoundError,
    PathNotFoundError,
    ReadOnlyError,
)
from zarrlite.hierarchy import creation
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.attrs import Attributes
from zarrlite.hierarchy.creation import contains_array, contains_group, init_group
from zarrlite.hierarchy.node import Node
from zarrlite.metadata.array_meta import decode_group_meta
from zarrlite.metadata.keys import ATTRS_KEY, GROUP_META_KEY, join_path, meta_key, normalize_path
from zarrlite.stores.access import listdir, location_of, rename, rmdir
from zarrlite.stores.adapter import as_store


class Group(Node, MutableMapping[str, Any]):
    """A group of arrays and subgroups, addressed by '/'-separated names.

    Normally obtained from `zarrlite.group`, `zarrlite.open_group` or `zarrlite.open`.

    Parameters
    ----------
    store : MutableMapping[str, bytes]
    path : str
        Path of the group inside the store ('' for the root).
    read_only : bool
        Refuse changes with ReadOnlyError.
    """

    def __init__(self, store: MutableMapping[str, bytes], path: str = "",
                 read_only: bool = False) -> None:
        self._store = store = as_store(store)
        self._path = normalize_path(path)
        self._read_only = read_only
        key = meta_key(self._path, GROUP_META_KEY)
        try:
            raw = store[key]
        except KeyError:
            raise GroupNotFoundError(
                f"no group at {location_of(store, self._path)} (no .zgroup)") from None
        decode_group_meta(raw, key)  # MetadataError (a ValueError) if corrupt
        self._attrs = Attributes(store, meta_key(self._path, ATTRS_KEY), read_only)

    # ------------------------------------------------------------------ properties
    # store, path, name, basename: from Node
    read_only = property(lambda self: self._read_only, doc="True if changes are refused.")
    attrs = property(lambda self: self._attrs, doc="User attributes (.zattrs).")

    @property
    def info(self) -> Any:
        from zarrlite.hierarchy.info import group_info

        return group_info(self)

    def _item_path(self, name: str) -> str:
        return join_path(self._path, normalize_path(name))

    def _check_writable(self) -> None:
        if self._read_only:
            raise ReadOnlyError(f"group {self.name!r} is read-only")

    # ------------------------------------------------------------------ members
    def __getitem__(self, name: str) -> Array | Group:
        path = self._item_path(name)
        if contains_array(self._store, path):
            return Array(self._store, path, read_only=self._read_only)
        if contains_group(self._store, path):
            return Group(self._store, path, read_only=self._read_only)
        raise PathNotFoundError(f"no array or group named {name!r} in {self.name!r}")

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name: object) -> bool:
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
        return iter(self._member_names())

    def __len__(self) -> int:
        return len(self._member_names())

    def group_keys(self) -> list[str]:
        """Names of the subgroups."""
        return [n for n in self._member_names()
                if contains_group(self._store, join_path(self._path, n))]

    def array_keys(self) -> list[str]:
        """Names of the arrays."""
        return [n for n in self._member_names()
                if contains_array(self._store, join_path(self._path, n))]

    def groups(self) -> Iterator[tuple[str, Group]]:
        """(name, Group) pairs of the subgroups."""
        for name in self.group_keys():
            yield name, Group(self._store, join_path(self._path, name), self._read_only)

    def arrays(self) -> Iterator[tuple[str, Array]]:
        """(name, Array) pairs of the arrays."""
        for name in self.array_keys():
            yield name, Array(self._store, join_path(self._path, name), self._read_only)

    def visititems(self, func: Callable[[str, Any], Any]) -> Any:
        """Call ``func(relative_name, node)`` on every descendant, depth first, in name
        order; stop and return the first non-None result."""
        def walk(group: Group, prefix: str) -> Any:
            for name in group:
                node = group[name]
                relative = f"{prefix}{name}"
                result = func(relative, node)
                if result is not None:
                    return result
                if isinstance(node, Group):
                    result = walk(node, relative + "/")
                    if result is not None:
                        return result
            return None

        return walk(self, "")

    def visit(self, func: Callable[[str], Any]) -> Any:
        """Call ``func(relative_name)`` on every descendant (see `visititems`)."""
        return self.visititems(lambda name, _node: func(name))

    def visitkeys(self, func: Callable[[str], Any]) -> Any:
        return self.visit(func)

    def visitvalues(self, func: Callable[[Any], Any]) -> Any:
        return self.visititems(lambda _name, node: func(node))

    def tree(self) -> Tree:
        """A text tree of the hierarchy below this group (print it)."""
        return Tree(self)

    # ------------------------------------------------------------------ changes
    def create_group(self, name: str, overwrite: bool = False) -> Group:
        """Create a subgroup; ContainsGroupError/ContainsArrayError if the name is taken."""
        self._check_writable()
        path = self._item_path(name)
        init_group(self._store, path, overwrite=overwrite)
        return Group(self._store, path, self._read_only)

    def require_group(self, name: str, overwrite: bool = False) -> Group:
        """Return the subgroup `name`, creating it if needed."""
        path = self._item_path(name)
        if contains_group(self._store, path) and not overwrite:
            return Group(self._store, path, self._read_only)
        return self.create_group(name, overwrite=overwrite)

    def require_groups(self, *names: str) -> tuple[Group, ...]:
        return tuple(self.require_group(n) for n in names)

    def _create(self, func: Callable[..., Array], name: str, **kwargs: Any) -> Array:
        self._check_writable()
        return func(store=self._store, path=self._item_path(name), **kwargs)

    def create_dataset(self, name: str, data: Any = None, **kwargs: Any) -> Array:
        """Create an array; with `data`, shape and dtype default to the data's."""
        if data is not None:
            return self._create(creation.array, name, data=data, **kwargs)
        return self._create(creation.create, name, **kwargs)

    create = create_dataset

    def require_dataset(self, name: str, shape: Any, dtype: Any = None, exact: bool = False,
                        **kwargs: Any) -> Array:
        """Return the array `name` if its shape and dtype fit, else create it.

        Raises TypeError when an array exists with another shape, or a dtype that cannot
        hold `dtype` (any different dtype when `exact`).
        """
        path = self._item_path(name)
        if not contains_array(self._store, path):
            if contains_group(self._store, path):
                raise ContainsGroupError(f"a group exists at {name!r}")
            return self.create_dataset(name, shape=shape, dtype=dtype, **kwargs)
        arr = Array(self._store, path, read_only=self._read_only)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if arr.shape != shape:
            raise TypeError(f"array {name!r} exists with shape {arr.shape}, not {shape}")
        if dtype is not None:
            dtype = np.dtype(dtype)
            ok = arr.dtype == dtype if exact else np.can_cast(dtype, arr.dtype)
            if not ok:
                raise TypeError(f"array {name!r} exists with dtype {arr.dtype}, not {dtype}")
        return arr

    def zeros(self, name: str, **kwargs: Any) -> Array:
        return self._create(creation.zeros, name, **kwargs)

    def ones(self, name: str, **kwargs: Any) -> Array:
        return self._create(creation.ones, name, **kwargs)

    def full(self, name: str, fill_value: Any, **kwargs: Any) -> Array:
        return self._create(creation.full, name, fill_value=fill_value, **kwargs)

    def empty(self, name: str, **kwargs: Any) -> Array:
        return self._create(creation.empty, name, **kwargs)

    def array(self, name: str, data: Any, **kwargs: Any) -> Array:
        return self._create(creation.array, name, data=data, **kwargs)

    def __setitem__(self, name: str, value: Any) -> None:
        self.array(name, value, overwrite=True)

    def __delitem__(self, name: str) -> None:
        self._check_writable()
        if self._item_path(name) == self._path:  # "" or "/" name the group itself
            raise ValueError(f"cannot delete group {self.name!r} from itself; "
                             "delete it from its parent")
        if name not in self:
            raise PathNotFoundError(f"no array or group named {name!r} in {self.name!r}")
        rmdir(self._store, self._item_path(name))

    def move(self, source: str, dest: str) -> None:
        """Move (rename) the member `source` to `dest`, both relative to this group."""
        self._check_writable()
        src = self._item_path(source)
        dst = self._item_path(dest)
        if source not in self:
            raise PathNotFoundError(f"no array or group named {source!r} in {self.name!r}")
        if contains_array(self._store, dst) or contains_group(self._store, dst):
            raise (ContainsArrayError if contains_array(self._store, dst)
                   else ContainsGroupError)(f"{dest!r} already exists")
        parent = dst.rsplit("/", 1)[0] if "/" in dst else ""
        if parent and not contains_group(self._store, parent):
            init_group(self._store, parent)
        rename(self._store, src, dst)

    def __repr__(self) -> str:
        ro = " read-only" if self._read_only else ""
        return f"<zarrlite.Group {self.name!r}{ro}>"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Group) and self._store is other._store
                and self._path == other._path)

    __hash__ = object.__hash__


class Tree:
    """Text rendering of a hierarchy, as ``Group.tree()`` returns it."""

    def __init__(self, group: Group) -> None:
        self.group = group

    def _lines(self, group: Group, prefix: str) -> list[str]:
        lines = []
        names = list(group)
        for i, name in enumerate(names):
            last = i == len(names) - 1
            node = group[name]
            branch = "└── " if last else "├── "
            if isinstance(node, Array):
                lines.append(f"{prefix}{branch}{name} {node.shape} {node.dtype}")
            else:
                lines.append(f"{prefix}{branch}{name}")
                lines += self._lines(node, prefix + ("    " if last else "│   "))
        return lines

    def __repr__(self) -> str:
        return "\n".join([self.group.name] + self._lines(self.group, ""))

    __str__ = __repr__
