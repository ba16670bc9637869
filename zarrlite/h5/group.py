"""`Group`: a zarrlite group with h5py's ``Group`` interface (the `File` is one too).

A subclass of zarrlite's `Group`, so ``isinstance(g, zarrlite.Group)`` holds for both faces;
where h5py's behaviour differs (errors on existing names, ``require_*`` rules,
``get(getclass=)``, ``copy``, dataset creation with h5py's keywords) h5py's wins.
"""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, ValuesView
from typing import Any

import numpy as np

from zarrlite.errors import ContainsArrayError, ContainsGroupError, PathNotFoundError
from zarrlite.h5 import strings
from zarrlite.h5.attrs import AttributeManager
from zarrlite.h5.dataset import Dataset
from zarrlite.h5.errors import (
    CopyExistsError,
    NameExistsError,
)
from zarrlite.h5.links import UNSTORABLE, Empty
from zarrlite.h5.node import H5Node
from zarrlite.h5.reserved import H5PY_KEY
from zarrlite.h5.storage import creation_arguments
from zarrlite.hierarchy import creation
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.creation import contains_array, contains_group
from zarrlite.hierarchy.group import Group as ZarrGroup
from zarrlite.metadata.dtypes import object_fields
from zarrlite.metadata.keys import join_path


class Group(H5Node, ZarrGroup):
    """A group in a `File`, with h5py's ``Group`` interface.

    Obtained from a file (``f.create_group("a/b")``, ``f["a"]``), not constructed directly.

    Examples
    --------
    >>> import zarrlite as zl
    >>> f = zl.File(zl.MemoryStore(), "w")
    >>> g = f.create_group("exp/trial1")
    >>> g.name, g.parent.name, "exp/trial1" in f
    ('/exp/trial1', '/exp', True)
    """

    _kind = "group"
    #: Declared for ``zarrlite.copy``: `create_dataset` takes h5py's ``maxshape`` and keeps it.
    _takes_maxshape = True

    @classmethod
    def _open(cls, file: Any, path: str) -> Group:
        group = cls(file._store, path, file._read_only, cache_attrs=False)
        group._h5_file = file
        return group

    # ---------------------------------------------------------------- members as h5 objects
    def _array(self, path: str) -> Dataset:
        return self._h5_file._dataset_at(path)

    def _group(self, path: str) -> Group:
        return Group._open(self._h5_file, path)

    def __repr__(self) -> str:
        if not self._h5_file._is_open:
            return "<Closed Zarr group>"
        return f'<Zarr group "{self.name}" ({len(self)} members)>'

    @property
    def attrs(self) -> AttributeManager:
        """Attributes with h5py's interface (numpy types kept)."""
        self._check_open()
        return AttributeManager(self._attrs, self._check_open)

    # ---------------------------------------------------------------- reading members
    def __getitem__(self, name: Any) -> Any:
        self._check_open()
        if not isinstance(name, (str, bytes)):
            raise TypeError(f"Accessing a group is done with bytes or str, not {type(name)}")
        if name == ".":
            return self
        try:
            return super().__getitem__(name)  # type: ignore[index]
        except PathNotFoundError:
            raise PathNotFoundError(f"Unable to open object (object {name!r} doesn't exist in "
                                    f"group {self.name!r})") from None

    def __contains__(self, name: object) -> bool:
        if isinstance(name, bytes):  # h5py takes UTF-8 bytes names everywhere
            name = name.decode("utf-8", "surrogateescape")
        return self._h5_file._is_open and super().__contains__(name)

    def __iter__(self) -> Any:
        self._check_open()
        return super().__iter__()

    def __len__(self) -> int:
        self._check_open()
        return super().__len__()

    def keys(self) -> KeysView[str]:
        """The member names, by name (printed as h5py prints them)."""
        return _Keys(self)

    def values(self) -> ValuesView[Any]:
        return _Values(self)

    def items(self) -> ItemsView[str, Any]:
        return _Items(self)

    def get(self, name: Any, default: Any = None, getclass: bool = False,
            getlink: bool = False) -> Any:
        """The member `name` (or its class with `getclass`), or `default` when absent.

        Raises
        ------
        NotImplementedError
            For `getlink`: Zarr has no links.
        """
        self._check_open()
        if getlink:
            raise NotImplementedError("get(getlink=True): Zarr hierarchies have no links")
        if name not in self:
            return default
        obj = self[name]
        if not getclass:
            return obj
        # h5py code compares with h5py.Group / h5py.Dataset: under `import zarrlite as
        # h5py` those are zarrlite.Group (this class's base) and zarrlite.Dataset
        return Dataset if isinstance(obj, Dataset) else ZarrGroup

    def visititems(self, func: Any) -> Any:
        self._check_open()
        return super().visititems(func)

    # ---------------------------------------------------------------- creating members
    def create_group(self, name: str, track_order: bool | None = None) -> Group:
        """Create a group (and the missing groups on the way).

        Raises
        ------
        ValueError
            If something exists under `name` (`NameExistsError`).
        TypeError
            If `name` is not a non-empty str (or bytes).
        """
        self._check_writable()
        if not isinstance(name, (str, bytes)) or not name:
            raise TypeError(f"a group needs a non-empty name, got {name!r}")
        try:
            return super().create_group(name)  # type: ignore[return-value]
        except (ContainsArrayError, ContainsGroupError):
            raise NameExistsError(f"Unable to create group {name!r} (name already exists)"
                                  ) from None

    def require_group(self, name: str) -> Group:  # type: ignore[override]
        """The group `name`, created if absent.

        Raises
        ------
        TypeError
            If a dataset is there.
        """
        self._check_open()
        path = self._item_path(name)
        if contains_array(self._store, path):
            raise TypeError("Incompatible object (Dataset) already exists")
        if contains_group(self._store, path):
            return self._group(path)
        return self.create_group(name)

    def create_dataset(self, name: str | None, shape: Any = None, dtype: Any = None,  # type: ignore[override]
                       data: Any = None, **kwds: Any) -> Dataset:
        """Create a dataset with h5py's keywords (see docs/h5py.md for what each stores).

        Parameters
        ----------
        name : str
            Path below this group; missing groups are created.
        shape, dtype, data
            As h5py: `shape` from `data` when not given (data of the same size is
            reshaped), `dtype` from `data`, else float32.
        **kwds
            h5py's ``chunks``, ``maxshape``, ``fillvalue``, ``compression``,
            ``compression_opts``, ``shuffle``, ``fletcher32``, ``scaleoffset``,
            ``track_times``, ``track_order``, ...; and zarrlite's ``compressor``,
            ``filters``, ``order``, ``dimension_separator``, ``write_empty_chunks``.

        Raises
        ------
        ValueError
            If something exists under `name`, or the arguments disagree.
        TypeError
            For a keyword that cannot be honoured (named in the message).
        """
        self._check_writable()
        if name is None:
            raise TypeError("anonymous datasets (name=None) are not supported: give a name")
        if not isinstance(name, (str, bytes)) or not name:
            raise TypeError(f"a dataset needs a non-empty name, got {name!r}")
        path = self._item_path(name)
        if contains_array(self._store, path) or contains_group(self._store, path):
            raise NameExistsError(f"Unable to create dataset {name!r} (name already exists)")
        if type(data) in UNSTORABLE:
            raise TypeError(f"cannot store {data!r}: {UNSTORABLE[type(data)]}")
        if data is not None:
            data = _as_data(data, dtype)
        if dtype is None:
            dtype = _data_dtype(data) if data is not None else np.dtype("f4")
        _check_storable(np.dtype(dtype))
        if shape is None and data is None:
            raise TypeError("One of data, shape or dtype must be specified")
        data_shape = None if data is None else tuple(data.shape)
        if shape is not None and data is not None:
            shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
            if int(np.prod(shape)) != int(np.prod(data.shape)):
                raise ValueError("Shape tuple is incompatible with data")
        args = creation_arguments(shape, dtype, data_shape, **kwds)
        bookkeeping = args.pop("h5py", None) or {}
        args.pop("ignored", None)
        string = strings.check_string_dtype(np.dtype(dtype))
        if string is not None and string.length is not None and string.encoding == "utf-8":
            bookkeeping["encoding"] = "utf-8"  # an S dtype alone reads as ASCII
        zarr_dtype, object_codec, _kind = strings.storage_of(dtype)
        if object_codec is not None:  # create puts it first, before any other filter
            args["object_codec"] = object_codec
        made = creation.create(store=self._store, path=path, dtype=zarr_dtype, **args)
        if bookkeeping:
            made.attrs[H5PY_KEY] = bookkeeping
        ds = self._h5_file._dataset_at(path, made.meta)
        if data is not None:
            values = data[...] if isinstance(data, Array) or hasattr(data, "id") else data
            try:
                ds[...] = np.reshape(values, ds.shape) if data_shape != ds.shape else values
            except Exception:
                del self[name]  # no half-made dataset left behind
                raise
        return ds

    def require_dataset(self, name: str, shape: Any, dtype: Any,  # type: ignore[override]
                        exact: bool = False, **kwds: Any) -> Dataset:
        """The dataset `name` if its shape and dtype fit (h5py's rules), else a new one.

        Raises
        ------
        TypeError
            If a group is there, the shapes differ, or the dtype does not fit.
        """
        self._check_open()
        path = self._item_path(name)
        if contains_group(self._store, path):
            raise TypeError("Incompatible object (Group) already exists")
        if not contains_array(self._store, path):
            return self.create_dataset(name, shape=shape, dtype=dtype, **kwds)
        ds = self._array(path)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if ds.shape != shape:
            raise TypeError(f"Shapes do not match (existing {ds.shape} vs new {shape})")
        dtype = np.dtype(dtype)
        if exact and dtype != ds.dtype:
            raise TypeError(f"Datatypes do not exactly match (existing {ds.dtype} vs new "
                            f"{dtype})")
        if not np.can_cast(dtype, ds.dtype):
            raise TypeError(f"Datatypes cannot be safely cast (existing {ds.dtype} vs new "
                            f"{dtype})")
        return ds

    def create_dataset_like(self, name: str, other: Any, **kwupdate: Any) -> Dataset:
        """Create a dataset with the shape, dtype, chunks, compression, ... of `other` (any
        h5py-like dataset), changed by `kwupdate`."""
        for key in ("shape", "dtype", "chunks", "compression", "compression_opts",
                    "scaleoffset", "shuffle", "fletcher32", "fillvalue"):
            if key not in kwupdate and getattr(other, key, None) is not None:
                kwupdate[key] = getattr(other, key)
        maxshape = getattr(other, "maxshape", None)
        if "maxshape" not in kwupdate and maxshape is not None and maxshape != other.shape:
            kwupdate["maxshape"] = maxshape
        return self.create_dataset(name, **kwupdate)

    def __setitem__(self, name: str, obj: Any) -> None:
        """``g[name] = array_like`` creates a dataset; links are not supported."""
        self._check_writable()
        if type(obj) in UNSTORABLE and type(obj) is not Empty:
            raise TypeError(f"cannot store {obj!r} under {name!r}: {UNSTORABLE[type(obj)]}")
        if isinstance(obj, (Array, ZarrGroup)) or type(obj).__name__ in (
                "SoftLink", "ExternalLink", "HardLink", "Group", "Dataset", "Datatype"):
            raise TypeError(f"cannot store a {type(obj).__name__} under {name!r}: Zarr "
                            "hierarchies have no links; copy it with Group.copy instead")
        if name in self:
            raise NameExistsError(f"Unable to create link {name!r} (name already exists)")
        self.create_dataset(name, data=obj)

    def __delitem__(self, name: str) -> None:
        self._check_writable()
        if name not in self:
            raise PathNotFoundError(f"Couldn't delete {name!r}: no such member of group "
                                    f"{self.name!r}")
        super().__delitem__(name)
        self._h5_file._forget(self._item_path(name))

    def move(self, source: str, dest: str) -> None:
        """Move (rename) the member `source` to `dest`.

        Raises
        ------
        ValueError
            If `source` does not exist, or `dest` does.
        """
        self._check_writable()
        if source == dest and source in self:  # h5py: moving onto itself does nothing
            return
        if source not in self:
            raise PathNotFoundError(f"Unable to move {source!r} (name doesn't exist)")
        if dest in self:
            raise NameExistsError(f"Unable to move {source!r} to {dest!r} (an object with "
                                  "that name already exists)")
        super().move(source, dest)
        self._h5_file._forget(self._item_path(source))

    def copy(self, source: Any, dest: Any, name: str | None = None, shallow: bool = False,
             expand_soft: bool = False, expand_external: bool = False,
             expand_refs: bool = False, without_attrs: bool = False) -> None:
        """Copy `source` (a member's name, or a dataset or group of any file, h5py's too)
        to `dest` (a path below this group, or a group to copy into, as `name`).

        Raises
        ------
        RuntimeError
            If the destination exists (`CopyExistsError`).
        """
        from zarrlite.convenience import copy as copy_node

        self._check_open()
        if isinstance(source, str):
            source = self[source]
        if isinstance(dest, str):
            target = self._item_path(dest)
            parent_path, _, name = target.rpartition("/")
            parent = (self._h5_file._group_at(parent_path)
                      if contains_group(self._store, parent_path)
                      else self._h5_file.require_group("/" + parent_path))
            dest_group = parent
        else:
            dest_group = dest
            if name is None:
                name = source.name.rpartition("/")[2]
        if name in dest_group:
            where = join_path(dest_group.name.strip("/"), name)
            raise CopyExistsError(f"Unable to copy object to '/{where}' (destination object "
                                  "already exists)")
        check = getattr(dest_group, "_check_writable", None)  # h5py's groups have none
        if check is not None:
            check()
        if shallow and not isinstance(source, Array) and hasattr(source, "items"):
            _copy_shallow(source, dest_group, name, without_attrs)
        else:
            copy_node(source, dest_group, name=name, without_attrs=without_attrs)

    def flush(self) -> None:
        """Nothing to do: every change is written to the store at once."""
        self._check_open()


def _data_dtype(data: Any) -> np.dtype:
    """The dtype of a new dataset holding `data`: an untagged object array of ``str`` (or
    of ``bytes``) holds variable-length UTF-8 (ASCII) strings, as h5py guesses."""
    dtype = data.dtype
    if dtype.kind != "O" or strings.check_string_dtype(dtype) or strings.check_vlen_dtype(dtype):
        return dtype
    items = np.asarray(data).ravel().tolist()
    if items and all(isinstance(i, str) for i in items):
        return strings.string_dtype("utf-8")
    if items and all(isinstance(i, bytes) for i in items):
        return strings.string_dtype("ascii")
    return dtype


def _copy_shallow(source: Any, dest: Group, name: str, without_attrs: bool) -> None:
    """h5py's shallow copy of a group: its datasets, and its subgroups empty (each with its
    attributes)."""
    from zarrlite.convenience import copy as copy_node

    def new_group(parent: Group, child: str, like: Any) -> Group:
        made = parent.create_group(child)
        if not without_attrs:
            made.attrs.update(like.attrs)
        return made

    top = new_group(dest, name, source)
    for member_name, member in source.items():
        if hasattr(member, "shape"):
            copy_node(member, top, name=member_name, without_attrs=without_attrs)
        else:
            new_group(top, member_name, member)


def _all_of(data: Any, kind: type) -> bool:
    """True for a `kind` instance, or a (nested) list or tuple of them only."""
    if isinstance(data, kind):
        return True
    return (isinstance(data, (list, tuple)) and len(data) > 0
            and all(_all_of(item, kind) for item in data))


def _as_data(data: Any, dtype: Any) -> Any:
    """`data` as an array: Python strings (and lists of them) become variable-length
    strings, as h5py makes them, never fixed-width ones that later writes would cut."""
    if isinstance(data, (np.ndarray, Array)) or (hasattr(data, "shape") and hasattr(data, "dtype")):
        return data
    if dtype is None and _all_of(data, str):
        return np.asarray(data, dtype=strings.string_dtype("utf-8"))
    if dtype is None and _all_of(data, bytes):
        return np.asarray(data, dtype=strings.string_dtype("ascii"))
    return np.asarray(data, dtype=dtype)


def _check_storable(dtype: np.dtype) -> None:
    """h5py's refusals that a Zarr array would otherwise take differently, and the
    dtypes the face cannot keep."""
    if dtype.subdtype is not None:
        raise TypeError(f"subarray dtype {dtype} is not supported for datasets: Zarr v2 keeps "
                        f"it in the shape; add {dtype.subdtype[1]} to the shape and use dtype "
                        f"{dtype.subdtype[0]}")
    if dtype.kind == "U":
        raise TypeError(f"No conversion path for dtype: {dtype!r} (numpy's fixed-width "
                        "unicode; use h5py.string_dtype() for strings)")
    if dtype.names is not None and dtype.hasobject:
        raise TypeError(f"compound dtype {dtype} has variable-length (object) fields "
                        f"{', '.join(object_fields(dtype))}: Zarr v2 has no variable-length "
                        "fields, so the h5py face stores compound datasets of fixed-size "
                        "fields only (make them fixed-length strings, 'S')")


class _Keys(KeysView):
    def __repr__(self) -> str:
        return f"<KeysViewHDF5 {list(self)}>"


class _Values(ValuesView):
    def __repr__(self) -> str:
        return f"<ValuesViewHDF5 of {self._mapping!r}>"  # type: ignore[attr-defined]


class _Items(ItemsView):
    def __repr__(self) -> str:
        return f"<ItemsViewHDF5 of {self._mapping!r}>"  # type: ignore[attr-defined]
