"""h5py's ``.attrs`` over a node's ``.zattrs``: :class:`AttributeManager`.

Values keep the numpy type they were written with: the value itself is stored as plain
JSON, readable by zarr-python and xarray, and what JSON cannot say (the dtype, sometimes
the shape) goes into a type entry under ``.zattrs[H5PY_KEY]["attrs"][name]``; see
:mod:`zarrlite.h5.attr_values` for the encoding. Every change is one write of the
``.zattrs`` document, which keeps the other attributes and the other keys of
:data:`~zarrlite.h5.reserved.H5PY_KEY` as they are in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping, MutableMapping
from typing import Any

import numpy as np

from zarrlite.errors import ReadOnlyError
from zarrlite.h5 import attr_values
from zarrlite.h5.reserved import H5PY_KEY, HIDDEN_KEYS
from zarrlite.hierarchy.attrs import Attributes

__all__ = ["AttributeManager", "ReadOnlyDeleteError"]

#: The sub-key of ``.zattrs[H5PY_KEY]`` holding the type entries.
TYPES_KEY = "attrs"


class ReadOnlyDeleteError(ReadOnlyError, KeyError):
    """Deleting an attribute of a read-only node: a ``PermissionError`` as zarrlite
    raises it, and a ``KeyError`` as h5py raises it."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else ""


class AttrKeysView(KeysView[str]):
    """The names of the attributes, shown as h5py shows them."""

    def __repr__(self) -> str:
        return f"<KeysView {list(self)}>"


def _name(name: Any) -> str:
    """An attribute name as str: h5py takes str and (UTF-8) bytes."""
    if isinstance(name, bytes):
        return name.decode("utf-8")
    if not isinstance(name, str):
        raise TypeError(f"A name should be string or bytes, not {type(name)}")
    return name


def _types_of(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The type entries of `doc` (empty when absent or not JSON objects)."""
    h5 = doc.get(H5PY_KEY)
    types = h5.get(TYPES_KEY) if isinstance(h5, dict) else None
    return types if isinstance(types, dict) else {}


class AttributeManager(MutableMapping[str, Any]):
    """The attributes of a group or dataset, as h5py's ``AttributeManager``.

    Attributes are listed by name (h5py's order when creation order is not tracked).
    Reading gives what h5py gives: numpy scalars for scalars (``np.int64`` for a Python
    int), ``str`` for strings, numpy arrays for lists. The keys of
    :data:`~zarrlite.h5.reserved.HIDDEN_KEYS` are not attributes: they are not listed,
    and cannot be set or deleted here.

    Parameters
    ----------
    attributes : zarrlite.hierarchy.attrs.Attributes
        The node's attributes; its `read_only` flag refuses changes.
    check_open : callable, optional
        Called with no argument before every operation; raises when the file is closed.

    Raises
    ------
    KeyError
        Reading or deleting a missing attribute (h5py's messages).
    TypeError
        A name that is neither str nor bytes; a value h5py cannot store either (numpy
        ``U`` strings, objects, None, mixed lists).
    ValueError
        Setting a reserved key; a `shape` that does not fit the data.
    zarrlite.errors.ReadOnlyError
        A change to a read-only node (a ``PermissionError``, so an ``OSError`` as h5py
        raises; deleting raises :class:`ReadOnlyDeleteError`, also a ``KeyError``).

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> attrs = AttributeManager(zl.group().attrs)
    >>> attrs["count"] = 3
    >>> attrs["scale"] = np.float32(0.5)
    >>> attrs["count"], attrs["scale"]
    (np.int64(3), np.float32(0.5))
    >>> list(attrs)
    ['count', 'scale']
    """

    def __init__(self, attributes: Attributes, check_open: Callable[[], Any] | None = None):
        self._attributes = attributes
        self._check_open = check_open

    # ------------------------------------------------------------------ helpers

    def _open(self) -> None:
        if self._check_open is not None:
            self._check_open()

    def _doc(self) -> dict[str, Any]:
        return self._attributes.asdict()

    def _writable_name(self, name: Any) -> str:
        name = _name(name)
        if name in HIDDEN_KEYS:
            raise ValueError(f"{name!r} is a .zattrs key reserved by zarrlite's h5py face; "
                             "it can't be set through .attrs")
        if not name:
            raise RuntimeError("Can't create an attribute with an empty name (HDF5 and h5py "
                               "refuse empty names)")
        return name

    def _check_writable(self, name: str, deleting: bool = False) -> None:
        if self._attributes.read_only:
            error = ReadOnlyDeleteError if deleting else ReadOnlyError
            verb = "delete" if deleting else "write"
            raise error(f"can't {verb} attribute {name!r}: the attributes are read-only")

    def _stored(self, name: str) -> tuple[Any, np.ndarray | None]:
        """The JSON value of `name` and the array it stands for (None: plain JSON)."""
        doc = self._doc()
        if name in HIDDEN_KEYS or name not in doc:
            reserved = "; it is a reserved .zattrs key" if name in HIDDEN_KEYS else ""
            raise KeyError(f"Unable to synchronously open attribute (can't locate "
                           f"attribute: {name!r}{reserved})")
        value = doc[name]
        return value, attr_values.decode(value, _types_of(doc).get(name))

    def _commit(self, changes: Mapping[str, tuple[Any, dict[str, Any] | None] | None]) -> None:
        """Apply `changes` (name to (value, type entry), or None to delete) to the
        document as it is in the store, in one write."""
        self._attributes.refresh()
        doc = self._attributes.asdict()
        h5 = doc.get(H5PY_KEY, {})
        if not isinstance(h5, dict):
            raise ValueError(f".zattrs[{H5PY_KEY!r}] must be a JSON object, found {h5!r}")
        h5 = dict(h5)
        types = {k: v for k, v in _types_of(doc).items() if k in doc}
        for name, change in changes.items():
            if change is None:
                if name not in doc:
                    raise KeyError(f"Unable to delete attribute (can't locate attribute: "
                                   f"{name!r})")
                del doc[name]
                types.pop(name, None)
                continue
            doc[name], entry = change
            if entry is None:
                types.pop(name, None)
            else:
                types[name] = entry
        if types:
            h5[TYPES_KEY] = types
        else:
            h5.pop(TYPES_KEY, None)
        if h5:
            doc[H5PY_KEY] = h5
        else:
            doc.pop(H5PY_KEY, None)
        self._attributes.put(doc)

    # ------------------------------------------------------------------ mapping

    def __getitem__(self, name: Any) -> Any:
        """Read an attribute, with the numpy type it was written with."""
        self._open()
        value, arr = self._stored(_name(name))
        return value if arr is None else attr_values.present(arr)

    def __setitem__(self, name: Any, value: Any) -> None:
        """Set an attribute, replacing any; the type and shape come from `value`."""
        self.create(name, value)

    def __delitem__(self, name: Any) -> None:
        """Delete an attribute (and its type entry)."""
        self._open()
        name = _name(name)
        if name in HIDDEN_KEYS:
            raise KeyError(f"{name!r} is a .zattrs key reserved by zarrlite's h5py face; "
                           "it can't be deleted through .attrs")
        self._check_writable(name, deleting=True)
        self._commit({name: None})

    def __contains__(self, name: object) -> bool:
        self._open()
        name = _name(name)
        return name not in HIDDEN_KEYS and name in self._doc()

    def __iter__(self) -> Iterator[str]:
        self._open()
        return iter(sorted(k for k in self._doc() if k not in HIDDEN_KEYS))

    def __len__(self) -> int:
        self._open()
        return sum(1 for k in self._doc() if k not in HIDDEN_KEYS)

    def keys(self) -> AttrKeysView:
        """The attribute names, in order."""
        self._open()
        return AttrKeysView(self)

    def get(self, name: Any, default: Any = None) -> Any:
        """The attribute `name`, or `default` if there is none."""
        try:
            return self[name]
        except KeyError:
            return default

    def __repr__(self) -> str:
        try:
            self._open()
        except Exception:
            return "<Attributes of closed zarrlite object>"
        return f"<Attributes of zarrlite object at 0x{id(self._attributes):x}>"

    def _ipython_key_completions_(self) -> list[str]:
        return list(self)

    # ------------------------------------------------------------------ h5py's methods

    def create(self, name: Any, data: Any, shape: Any = None, dtype: Any = None) -> None:
        """Create an attribute, replacing any, as h5py's ``create``.

        Parameters
        ----------
        name : str or bytes
            The attribute's name.
        data : Any
            Its value: a scalar, a (nested) list, a numpy scalar or array.
        shape : int or tuple of int, optional
            Reshape `data` to this; the number of elements must not change.
        dtype : numpy dtype, optional
            Cast `data` to this (h5py's special dtypes included); a subarray dtype
            appends its shape.

        Raises
        ------
        ValueError
            If `shape` does not fit the data ("Shape of new attribute conflicts with
            shape of data"), or `name` is reserved.
        TypeError
            For a value h5py cannot store (numpy ``U`` strings, objects, None).

        Examples
        --------
        >>> import zarrlite as zl
        >>> attrs = AttributeManager(zl.group().attrs)
        >>> attrs.create("grid", [1, 2, 3, 4], shape=(2, 2), dtype="i2")
        >>> attrs["grid"]
        array([[1, 2],
               [3, 4]], dtype=int16)
        """
        self._open()
        name = self._writable_name(name)
        change = attr_values.encode(attr_values.array_for(data, shape, dtype))
        self._check_writable(name)
        self._commit({name: change})

    def modify(self, name: Any, value: Any) -> None:
        """Change an attribute's value, keeping its dtype and shape, as h5py's ``modify``.

        An attribute that does not exist (or holds JSON h5py could not have written)
        is set as by ``attrs[name] = value``.

        Raises
        ------
        TypeError
            If `value` has another shape (unless both hold one element), or cannot be
            converted to the attribute's type.
        """
        self._open()
        name = self._writable_name(name)
        current = self._stored(name)[1] if name in self._doc() else None
        if current is None:
            self.create(name, value)
            return
        change = attr_values.encode(attr_values.retype(value, current))
        self._check_writable(name)
        self._commit({name: change})

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        """Set several attributes, as ``dict.update`` takes them, in one write."""
        self._open()
        items = list(other.items() if isinstance(other, Mapping) else other)
        items += list(kwargs.items())
        changes: dict[str, tuple[Any, dict[str, Any] | None] | None] = {}
        for name, value in items:
            changes[self._writable_name(name)] = attr_values.encode(
                attr_values.array_for(value))
        if changes:
            self._check_writable(next(iter(changes)))
            self._commit(changes)

    def clear(self) -> None:
        """Delete every attribute, in one write."""
        self._open()
        names: Iterable[str] = list(self)
        if names:
            self._check_writable(next(iter(names)), deleting=True)
            self._commit(dict.fromkeys(names))
