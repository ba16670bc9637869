"""Reading for the xarray backend: a zarrlite group seen as an xarray data store.

`ZarrliteDataStore` hands xarray the group's arrays as raw (still CF-encoded) variables:
dimension names from the ``_ARRAY_DIMENSIONS`` attribute, the Zarr ``fill_value`` as
``_FillValue`` (as xarray does for Zarr v2), and lazy `ZarrliteBackendArray` data that
reads only the chunks a selection needs. xarray does the CF decoding.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, NamedTuple

import numpy as np
from xarray.backends.common import AbstractDataStore, BackendArray
from xarray.coding.strings import create_vlen_dtype
from xarray.core import indexing
from xarray.core.utils import FrozenDict
from xarray.core.variable import Variable

from zarrlite.api import open_group
from zarrlite.codecs.registry import get_codec
from zarrlite.convenience.consolidated import ConsolidatedMetadataStore
from zarrlite.errors import (
    CodecNotAvailableError,
    ContainsArrayError,
    ContainsGroupError,
    MetadataError,
)
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.attrs import Attributes
from zarrlite.hierarchy.group import Group
from zarrlite.metadata.array_meta import ArrayMeta
from zarrlite.metadata.keys import ARRAY_META_KEY, ATTRS_KEY, CONSOLIDATED_KEY, join_path, meta_key
from zarrlite.stores.abc import BaseStore
from zarrlite.stores.access import normalize_store

#: The attribute holding an array's dimension names (xarray's convention for Zarr v2).
DIMENSION_KEY = "_ARRAY_DIMENSIONS"
#: The key of consolidated metadata.


class ZarrliteBackendArray(BackendArray):
    """One zarrlite array as xarray's lazy backend array.

    Basic selections go to ``array[...]``, outer ones to ``array.oindex`` and vectorized
    ones to ``array.vindex``, so every selection reads only the chunks holding its items
    (support declared as ``IndexingSupport.VECTORIZED``).

    Parameters
    ----------
    array : zarrlite.Array
        The array read.
    """

    __slots__ = ("_array", "_group", "_name", "dtype", "shape")

    def __init__(self, array: Array) -> None:
        self._array: Array | None = array
        self._group: Group | None = None
        self._name = array.basename or ""
        self.shape: tuple[int, ...] = array.shape
        self.dtype: np.dtype = variable_dtype(array.meta)

    @classmethod
    def member(cls, group: Group, name: str, meta: ArrayMeta) -> ZarrliteBackendArray:
        """The array `name` of `group`, whose metadata is `meta`, opened on first use
        (opening a dataset then costs no array objects for the variables never read)."""
        self = cls.__new__(cls)
        self._array, self._group, self._name = None, group, name
        self.shape = meta.shape
        self.dtype = variable_dtype(meta)
        return self

    def get_array(self) -> Array:
        """The zarrlite array read."""
        if self._array is None:
            assert self._group is not None
            array = self._group[self._name]
            if not isinstance(array, Array):
                raise ContainsGroupError(f"{self._name!r} is now a group, not an array")
            self._array = array
        return self._array

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        if isinstance(key, indexing.VectorizedIndexer):
            method = self._vectorized
        elif isinstance(key, indexing.OuterIndexer):
            method = self._outer
        else:
            method = self._basic
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.VECTORIZED, method)

    def _basic(self, key: tuple[Any, ...]) -> np.ndarray:
        return np.asarray(self.get_array()[key])

    def _outer(self, key: tuple[Any, ...]) -> np.ndarray:
        if all(isinstance(k, (int, np.integer, slice)) for k in key):
            return self._basic(key)
        return np.asarray(self.get_array().oindex[key])

    def _vectorized(self, key: tuple[Any, ...]) -> np.ndarray:
        return np.asarray(self.get_array().vindex[points_key(key, self.shape)])


def points_key(key: tuple[Any, ...], shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """A vectorized key with its slices replaced by integer arrays, broadcast as xarray
    means them: the arrays' dimensions first, then one dimension per slice, in order.

    Examples
    --------
    >>> k = points_key((np.array([0, 2]), slice(1, 4)), (3, 5))
    >>> [a.tolist() for a in k]
    [[[0], [2]], [[1, 2, 3]]]
    """
    nslices = sum(isinstance(k, slice) for k in key)
    if not nslices:
        return key
    ndim = next((k.ndim for k in key if not isinstance(k, slice)), 0)
    out, seen = [], 0
    for k, size in zip(key, shape, strict=True):
        if isinstance(k, slice):
            where = [1] * (ndim + nslices)
            where[ndim + seen] = -1
            out.append(np.arange(*k.indices(size)).reshape(where))
            seen += 1
        else:
            out.append(np.reshape(k, k.shape + (1,) * nslices))
    return tuple(out)


def variable_dtype(meta: ArrayMeta) -> np.dtype:
    """The dtype xarray should see for an array of metadata `meta`: variable-length
    strings are object arrays marked with their element type (as xarray's own backends
    mark them)."""
    dtype = meta.dtype
    if dtype.kind == "O":
        ids = {config.get("id") for config in meta.filters or ()}
        if "vlen-utf8" in ids:
            return create_vlen_dtype(str)
        if "vlen-bytes" in ids:
            return create_vlen_dtype(bytes)
    return dtype


class ZarrliteDataStore(AbstractDataStore):
    """A zarrlite group as an xarray data store (read-only).

    Parameters
    ----------
    group : zarrlite.Group
        The group whose arrays are the variables.
    drop_variables : iterable of str, optional
        Arrays not to open at all.
    close_store : BaseStore, optional
        A store to close in `close` (one this module opened).
    """

    def __init__(self, group: Group, drop_variables: Iterable[str] = (),
                 close_store: BaseStore | None = None) -> None:
        self.group = group
        self._drop = frozenset(drop_variables)
        self._close_store = close_store
        self._members: list[Member] | None = None
        self._codecs: dict[str, Any] = {}  # see codec_encoding

    @classmethod
    def open(cls, store: Any, *, group: str | None = None, consolidated: bool | None = None,
             storage_options: dict[str, Any] | None = None,
             drop_variables: Iterable[str] = ()) -> ZarrliteDataStore:
        """Open the group at `group` of `store` (a path, URL, store or zarrlite Group),
        through its consolidated metadata when `consolidated` is True, or None and
        ``.zmetadata`` exists (a Group is used as it is opened).

        Raises
        ------
        FileNotFoundError
            If a local path does not exist.
        PathNotFoundError
            If there is no group at `group`, or ``consolidated=True`` and no
            ``.zmetadata`` (KeyErrors).
        TypeError, ValueError
            For a bad `consolidated` or an unusable `store`.
        """
        if consolidated not in (None, True, False):
            raise TypeError(f"consolidated must be True, False or None, found {consolidated!r}")
        if isinstance(store, Group):
            node = store if group is None else store[group]
            if not isinstance(node, Group):
                raise ContainsArrayError(f"{group!r} is an array, not a group")
            return cls(node, drop_variables)
        opened_here = isinstance(store, (str, os.PathLike))
        if opened_here:
            _check_local_path(store)
        base = normalize_store(store, "r", storage_options)
        meta: MutableMapping[str, Any] = base
        if consolidated or (consolidated is None and CONSOLIDATED_KEY in base):
            meta = ConsolidatedMetadataStore(base, CONSOLIDATED_KEY)
        root = open_group(meta, mode="r", path=group,
                          chunk_store=None if meta is base else base)
        return cls(root, drop_variables, close_store=base if opened_here else None)

    def members(self) -> list[Member]:
        """The group's arrays not dropped: their names, metadata and attributes (read once).

        Raises
        ------
        MetadataError
            If an array's metadata or attributes are malformed, or its
            ``_ARRAY_DIMENSIONS`` attribute is missing or wrong.
        """
        if self._members is None:
            self._members = [read_member(self.group, name)
                             for name in self.group.array_keys() if name not in self._drop]
        return self._members

    def open_store_variable(self, member: Member) -> Variable:
        """The raw variable of one array: dimensions, attributes, lazy data, encoding."""
        meta = member.meta
        attrs = {k: v for k, v in member.attrs.items()
                 if k != DIMENSION_KEY and not k.lower().startswith("_nc")}
        if meta.fill_value is not None:
            attrs["_FillValue"] = meta.fill_value
        array = ZarrliteBackendArray.member(self.group, member.name, meta)
        encoding = {"chunks": meta.chunks,
                    "preferred_chunks": dict(zip(member.dims, meta.chunks, strict=True)),
                    **codec_encoding(member.name, meta, self._codecs)}
        return Variable(member.dims, indexing.LazilyIndexedArray(array), attrs, encoding)

    def get_variables(self) -> Mapping[str, Variable]:
        return FrozenDict((member.name, self.open_store_variable(member))
                          for member in self.members())

    def get_attrs(self) -> dict[str, Any]:
        return {k: v for k, v in self.group.attrs.asdict().items()
                if not k.lower().startswith("_nc")}

    def get_dimensions(self) -> dict[str, int]:
        """Dimension sizes, checked to agree between arrays."""
        sizes: dict[str, int] = {}
        for member in self.members():
            for dim, size in zip(member.dims, member.meta.shape, strict=True):
                if sizes.setdefault(dim, size) != size:
                    raise ValueError(f"dimension {dim!r} has length {sizes[dim]} in one "
                                     f"array and {size} in {member.name!r}")
        return sizes

    def close(self) -> None:
        if self._close_store is not None:
            self._close_store.close()


class Member(NamedTuple):
    """What a data store knows of one array of its group before reading it."""

    name: str
    meta: ArrayMeta
    attrs: dict[str, Any]
    dims: tuple[str, ...]


def read_member(group: Group, name: str) -> Member:
    """The metadata and attributes of the array `name` of `group`, without opening it.

    Raises
    ------
    MetadataError
        If the metadata or attributes are malformed, or ``_ARRAY_DIMENSIONS`` is missing
        or wrong (ValueErrors).
    """
    path = join_path(group.path, name)
    key = meta_key(path, ARRAY_META_KEY)
    try:
        meta = ArrayMeta.decode(group.store[key], key)
        attrs = Attributes(group.store, meta_key(path, ATTRS_KEY), read_only=True).asdict()
    except MetadataError as exc:
        raise MetadataError(f"cannot open the array {name!r} of {group.name!r}: {exc}"
                            ) from None
    return Member(name, meta, attrs, array_dims(name, attrs.get(DIMENSION_KEY), meta.shape))


def codec_encoding(name: str, meta: ArrayMeta, built: dict[str, Any]
                   ) -> dict[str, tuple[Any, ...]]:
    """The ``compressors`` (none or one) and ``filters`` encodings of the array `name` of
    metadata `meta`, as codec objects. `built` holds the codecs built so far by
    configuration: codecs are stateless, so arrays can share them.

    Raises
    ------
    CodecNotAvailableError
        If no installed package provides a codec the array names (a ValueError).
    MetadataError
        If a codec configuration is invalid (a ValueError).
    """
    compressors = () if meta.compressor is None else (meta.compressor,)
    try:
        return {"compressors": tuple(_shared_codec(c, built) for c in compressors),
                "filters": tuple(_shared_codec(c, built) for c in meta.filters or ())}
    except CodecNotAvailableError as exc:
        raise CodecNotAvailableError(f"cannot open the array {name!r}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise MetadataError(f"array {name!r}: invalid codec configuration: {exc}") from None


def _shared_codec(config: Mapping[str, Any], built: dict[str, Any]) -> Any:
    key = repr(config)  # (the same codec with its keys in another order: built again)
    codec = built.get(key)
    if codec is None:
        codec = built[key] = get_codec(config)
    return codec


def array_dims(name: str, dims: Any, shape: tuple[int, ...]) -> tuple[str, ...]:
    """The dimension names of the array `name` of shape `shape`, checked: `dims` is its
    ``_ARRAY_DIMENSIONS`` attribute.

    Raises
    ------
    MetadataError
        If the attribute is missing or is not one name per dimension (a ValueError).
    """
    if dims is None:
        raise MetadataError(
            f"array {name!r} has no {DIMENSION_KEY!r} attribute, so xarray cannot name its "
            "dimensions: was it written by xarray (Dataset.to_zarr) or zl.xarray.to_zarr?")
    if (not isinstance(dims, list) or len(dims) != len(shape)
            or not all(isinstance(d, str) for d in dims)):
        raise MetadataError(
            f"array {name!r}: {DIMENSION_KEY!r} must list {len(shape)} dimension names "
            f"(one per dimension of shape {shape}), found {dims!r}")
    return tuple(dims)


def _check_local_path(path: str | os.PathLike[str]) -> None:
    """FileNotFoundError for a local path (not a URL) that does not exist."""
    text = os.fspath(path)
    if "://" not in text and "::" not in text and not os.path.exists(text):
        raise FileNotFoundError(f"no such file or directory: {text!r}")


__all__ = ["Member", "ZarrliteBackendArray", "ZarrliteDataStore", "array_dims",
           "points_key", "read_member"]
