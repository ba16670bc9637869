"""HDF5 sources of ``zarrlite convert``, read with h5py (imported only here, only when
converting an HDF5 file): opening a file or an object in it, walking its groups, and its
attributes made ready for Zarr.

Attributes are written as zarrlite's h5py face writes them (``zarrlite.h5.attr_values``):
plain JSON that zarr-python and xarray read, plus a type entry where JSON alone would not
give the numpy value back, so ``zarrlite.File`` reads what h5py read. HDF5 dimension scales
become xarray's ``_ARRAY_DIMENSIONS``: the dimension names of a dataset whose every axis
has one scale attached (a netCDF-4 file's variables, say), by the scales' names.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import posixpath
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from zarrlite.cli.errors import UserError, os_message
from zarrlite.cli.locate import Location, has_hdf5_signature, is_hdf5
from zarrlite.h5 import attr_values
from zarrlite.h5.reserved import DIMENSIONS_KEY

__all__ = ["ENUM_KEY", "Warn", "attributes", "dimension_names", "enum_names", "fill_value",
           "import_h5py", "open_hdf5", "unsupported_dtype", "walk"]

#: Called with a message for something left out of the conversion.
Warn = Callable[[str], None]

#: The ``.zattrs`` key that keeps an HDF5 enum's names and values (``{"red": 0, ...}``),
#: the data itself being stored as plain integers.
ENUM_KEY = "_h5py_enum"

#: Attributes of HDF5's dimension scale bookkeeping: they hold object references (which
#: Zarr cannot), and what they say becomes ``_ARRAY_DIMENSIONS``.
_SCALE_ATTRS = frozenset({"DIMENSION_LIST", "REFERENCE_LIST"})
#: What a dimension scale itself carries besides, left out with them.
_SCALE_OWN_ATTRS = frozenset({"CLASS", "NAME"})


def import_h5py() -> Any:
    """h5py, or UserError when it is not installed."""
    try:  # imported by name: h5py ships no type information
        return importlib.import_module("h5py")
    except ImportError:
        raise UserError("converting an HDF5 file needs h5py, which is not installed "
                        "(pip install h5py)") from None


def _open_url(url: str, storage_options: dict[str, Any] | None) -> Any:
    """The file at `url`, opened for reading through fsspec; None when there is no file
    there (a Zarr store is a directory) or fsspec cannot open it."""
    try:
        fsspec_core = importlib.import_module("fsspec.core")
        fs, path = fsspec_core.url_to_fs(url, **(storage_options or {}))
        return fs.open(path, "rb")
    except (ImportError, OSError, ValueError):
        return None


def open_hdf5(location: Location, storage_options: dict[str, Any] | None = None
              ) -> tuple[contextlib.ExitStack[Any], Any] | None:
    """Open `location` as an HDF5 file, local or at a URL (read through fsspec): (what
    closes the file, the h5py group or dataset `location` names in it); None when it is
    no HDF5 file.

    Raises
    ------
    UserError
        If the file is HDF5 but cannot be opened, or holds nothing at the node's path.
    """
    closing = contextlib.ExitStack()
    if location.is_url:
        handle = _open_url(location.store, storage_options)
        if handle is None:
            return None
        closing.callback(handle.close)
        if not has_hdf5_signature(handle):
            closing.close()
            return None
        target: Any = handle
    elif os.path.isfile(location.store) and is_hdf5(location.store):
        target = location.store
    else:
        return None
    with closing:
        try:
            file = closing.enter_context(import_h5py().File(target, "r"))
        except OSError as exc:
            raise UserError(f"cannot open the HDF5 file {location.store!r}: "
                            f"{os_message(exc)}") from None
        path = "/" + location.node
        if path not in file:
            raise UserError(f"no group or dataset {path!r} in the HDF5 file "
                            f"{location.store!r}")
        return closing.pop_all(), file[path]


def walk(group: Any, warn: Warn) -> Iterator[tuple[str, Any]]:
    """(path relative to `group`, h5py Group or Dataset) for everything below `group`,
    depth first in name order, each group before its members. Soft and external links,
    and committed data types, have no Zarr equivalent: they are left out, with a
    warning. An object reached again by another hard link is copied again, with a warning
    (Zarr has no links); a hard link to a group that holds it (a cycle) is left out."""
    return _walk(group, warn, {group.id: group.name}, (group.id,), quiet=False)


def _walk(group: Any, warn: Warn, seen: dict[Any, str], ancestors: tuple[Any, ...],
          quiet: bool) -> Iterator[tuple[str, Any]]:
    """`walk` below `group`. `seen`: the path where each object was first reached (h5py's
    object ids compare equal for one object, whatever the path); `ancestors`: the ids of
    the groups above; `quiet`: inside a group already reported as linked twice (its
    members are not reported one by one)."""
    h5py = import_h5py()
    for name in sorted(group):
        link = group.get(name, getlink=True)
        full = posixpath.join(group.name, name)
        if isinstance(link, h5py.SoftLink):
            warn(f"left out {full}: a soft link to {link.path} (Zarr has no links)")
            continue
        if isinstance(link, h5py.ExternalLink):
            warn(f"left out {full}: an external link to {link.filename}:{link.path}")
            continue
        obj = group[name]
        if not isinstance(obj, (h5py.Group, h5py.Dataset)):
            warn(f"left out {full}: a committed data type (Zarr has none)")
            continue
        if obj.id in ancestors:
            warn(f"left out {full}: a hard link to {seen[obj.id]}, which holds it (a cycle; "
                 "Zarr has no links)")
            continue
        first = seen.setdefault(obj.id, full)
        again = first != full
        if again and not quiet:
            kind = "group" if isinstance(obj, h5py.Group) else "dataset"
            warn(f"copied {first} again as {full}: both are hard links to one {kind} "
                 "(Zarr has no links)")
        yield name, obj
        if isinstance(obj, h5py.Group):
            members = _walk(obj, warn, seen, (*ancestors, obj.id), quiet or again)
            yield from ((f"{name}/{sub}", child) for sub, child in members)


def fill_value(dataset: Any) -> Any:
    """The Zarr fill value of an h5py dataset: its HDF5 fill value when one was set
    (netCDF-4 variables have one: their ``_FillValue``), else None, whatever the data type.
    HDF5's default (0, an empty string, a record of zeros) is not carried over: readers
    that take a Zarr fill value as the mark of missing data (xarray) would hide every 0 or
    empty string of the data. A variable-length UTF-8 string's fill value is a ``str``, as
    the Zarr array's items are."""
    h5py = import_h5py()
    defined = dataset.id.get_create_plist().fill_value_defined()
    if defined != h5py.h5d.FILL_VALUE_USER_DEFINED:
        return None
    value = dataset.fillvalue
    if isinstance(value, np.void):  # a record: numpy's own value (item() is a tuple)
        return value
    if isinstance(value, np.generic):
        value = value.item()
    string = h5py.check_string_dtype(dataset.dtype)
    if (isinstance(value, bytes) and dataset.dtype.kind == "O" and string is not None
            and string.encoding == "utf-8"):
        return value.decode("utf-8", errors="surrogateescape")
    return value


def enum_names(dtype: np.dtype) -> dict[str, int] | None:
    """An HDF5 enum's names and values (``{"red": 0, "green": 1}``), or None when `dtype`
    is no enum. Zarr has no enums: the data is stored as the integers, and the mapping
    in the attribute :data:`ENUM_KEY`."""
    names = import_h5py().check_enum_dtype(dtype)
    return None if names is None else {str(k): int(v) for k, v in names.items()}


def unsupported_dtype(dtype: np.dtype) -> str | None:
    """Why a dataset of `dtype` cannot become a Zarr array (None: it can): object
    references and variable-length sequences have no Zarr equivalent; variable-length
    strings do (as ``str`` or ``bytes``)."""
    h5py = import_h5py()
    if not dtype.hasobject:
        return None
    if dtype.kind == "O" and h5py.check_string_dtype(dtype) is not None:
        return None
    if h5py.check_ref_dtype(dtype) is not None:
        return "it holds HDF5 object references"
    if dtype.kind == "O" and h5py.check_vlen_dtype(dtype) is not None:
        return "it holds variable-length sequences"
    return f"its data type {dtype} holds objects"


def attributes(obj: Any, warn: Warn) -> tuple[dict[str, Any], dict[str, Any]]:
    """The attributes of h5py object `obj` for Zarr: (values for the h5py face's
    ``AttributeManager``, plain ``.zattrs`` entries: ``_ARRAY_DIMENSIONS``).

    Attributes that cannot be read or stored (references, say) are left out, each with a
    warning; dimension scale bookkeeping is left out silently when it becomes dimension
    names.
    """
    h5py = import_h5py()
    is_scale = isinstance(obj, h5py.Dataset) and h5py.h5ds.is_scale(obj.id)
    names = dimension_names(obj) if isinstance(obj, h5py.Dataset) else None
    plain = {DIMENSIONS_KEY: names} if names is not None else {}
    typed: dict[str, Any] = {}
    for name in sorted(obj.attrs):
        if name in _SCALE_ATTRS or (is_scale and name in _SCALE_OWN_ATTRS):
            if names is None and name == "DIMENSION_LIST":
                warn(f"left out the dimension scales of {obj.name}: dimension names need "
                     "one scale on every axis")
            continue
        try:
            value = obj.attrs[name]
            attr_values.encode(attr_values.array_for(value))  # can it be stored?
        except (OSError, TypeError, ValueError) as exc:
            warn(f"left out attribute {name!r} of {obj.name}: {_unstorable(obj, name, exc)}")
            continue
        typed[name] = value
    return typed, plain


def _unstorable(obj: Any, name: str, exc: Exception) -> str:
    """Why attribute `name` of `obj` cannot be stored, in HDF5's terms where possible."""
    h5py = import_h5py()
    try:
        attr = obj.attrs.get_id(name)
    except (OSError, KeyError):
        return str(exc)
    if h5py.check_ref_dtype(attr.dtype) is not None:
        return "it holds HDF5 object references (Zarr has none)"
    if attr.shape is None:
        return "an empty attribute (HDF5's null dataspace: Zarr has none)"
    return str(exc)


def dimension_names(dataset: Any) -> list[str] | None:
    """The names of a dataset's dimensions from its dimension scales (each scale's name in
    the file), when every axis has exactly one; a 1-d scale names its own axis."""
    h5py = import_h5py()
    if dataset.ndim == 0:
        return None
    if dataset.ndim == 1 and h5py.h5ds.is_scale(dataset.id):
        return [posixpath.basename(dataset.name)]
    names = []
    for dim in dataset.dims:
        if len(dim) != 1:
            return None
        names.append(posixpath.basename(dim[0].name))
    return names
