"""Consolidated metadata, as zarr-python 2 writes and reads it: every ``.zarray``,
``.zgroup`` and ``.zattrs`` of a store gathered into one ``.zmetadata`` document, so that
opening a hierarchy (on object storage, say) takes one metadata read instead of one per
node.

``.zmetadata`` is ``{"metadata": {key: parsed document, ...}, "zarr_consolidated_format":
1}``, written at the store's root with zarr-python 2's JSON style; zarr-python 2 and 3
(``zarr_format=2``) and xarray read it. A hierarchy opened through it reads its metadata
from that document: the metadata is read-only there (chunks are not), and it goes stale
when the hierarchy changes without ``consolidate_metadata`` being called again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from zarrlite.api import open as open_node
from zarrlite.errors import MetadataError, PathNotFoundError, ReadOnlyError
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.group import Group
from zarrlite.metadata.documents import decode_json, encode_json
from zarrlite.metadata.keys import CONSOLIDATED_KEY
from zarrlite.stores.access import normalize_store

#: The keys consolidated: the metadata documents of Zarr v2.
_METADATA_SUFFIXES = (".zarray", ".zgroup", ".zattrs")


def consolidate_metadata(store: Any, metadata_key: str = CONSOLIDATED_KEY, *,
                         path: str = "", storage_options: Any = None) -> Array | Group:
    """Gather every metadata document of `store` into one key, and open the hierarchy
    through it (as zarr-python 2's ``consolidate_metadata``).

    Parameters
    ----------
    store : MutableMapping or str
        A store or a directory path.
    metadata_key : str, optional
        Where the document goes (``.zmetadata`` by default, at the store's root).
    path : str, optional
        The node to open afterwards.
    storage_options : dict, optional
        For a URL `store`: its fsspec options.

    Returns
    -------
    Array or Group
        The node at `path`, opened with `open_consolidated`.

    Examples
    --------
    >>> import zarrlite as zl
    >>> store = zl.MemoryStore()
    >>> g = zl.group(store)
    >>> g.zeros("x", shape=3).attrs["units"] = "m"
    >>> zl.consolidate_metadata(store)["x"].attrs["units"]
    'm'
    >>> sorted(zl.open_consolidated(store, mode="r").group_keys()), ".zmetadata" in store
    ([], True)
    """
    store = normalize_store(store, "a", storage_options)
    keys = sorted(key for key in store.keys() if key.endswith(_METADATA_SUFFIXES))
    metadata = {key: decode_json(raw, key) for key, raw in store.getitems(keys).items()}
    store[metadata_key] = encode_json({"metadata": metadata, "zarr_consolidated_format": 1})
    return open_consolidated(store, metadata_key, path=path)


def open_consolidated(store: Any, metadata_key: str = CONSOLIDATED_KEY, mode: str = "r+",
                      **kwargs: Any) -> Array | Group:
    """Open a hierarchy reading all its metadata from one consolidated document.

    Parameters
    ----------
    store : MutableMapping or str
        A store or a directory path.
    metadata_key : str, optional
        The consolidated document's key.
    mode : {'r', 'r+'}, optional
        'r+' allows writing chunks; the metadata stays read-only either way.
    **kwargs
        For `zarrlite.open`: ``path``, ``chunk_store`` (by default `store`), ...

    Returns
    -------
    Array or Group

    Raises
    ------
    PathNotFoundError
        If there is no consolidated document (a KeyError and ValueError).
    MetadataError
        If it is not a consolidated document of format 1.
    ValueError
        For a mode other than 'r' and 'r+'.
    """
    if mode not in ("r", "r+"):
        raise ValueError(f"invalid mode, expected either 'r' or 'r+'; found {mode!r}")
    store = normalize_store(store, mode, kwargs.pop("storage_options", None))
    meta_store = ConsolidatedMetadataStore(store, metadata_key)
    chunk_store = kwargs.pop("chunk_store", None) or store
    return open_node(meta_store, mode=mode, chunk_store=chunk_store, **kwargs)


class ConsolidatedMetadataStore(MutableMapping[str, Any]):
    """The metadata documents of one consolidated ``.zmetadata``, as a read-only store
    (values are the parsed documents; chunks are read from the store they came from)."""

    def __init__(self, store: Mapping[str, bytes], metadata_key: str = CONSOLIDATED_KEY) -> None:
        try:
            raw = store[metadata_key]
        except KeyError:
            raise PathNotFoundError(
                f"no consolidated metadata at {metadata_key!r}: call consolidate_metadata "
                "first, or open the hierarchy with open_group") from None
        doc = decode_json(raw, metadata_key)
        if not isinstance(doc, dict) or doc.get("zarr_consolidated_format") != 1:
            raise MetadataError(f"{metadata_key}: not consolidated metadata of format 1")
        metadata = doc.get("metadata")
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and k.endswith(_METADATA_SUFFIXES) for k in metadata):
            raise MetadataError(f"{metadata_key}: 'metadata' must map metadata keys to "
                                "documents")
        self.store = store
        self.metadata_key = metadata_key
        self._metadata: dict[str, Any] = metadata

    def __getitem__(self, key: str) -> Any:
        return self._metadata[key]

    def __contains__(self, key: object) -> bool:
        return key in self._metadata

    def __iter__(self) -> Iterator[str]:
        return iter(self._metadata)

    def __len__(self) -> int:
        return len(self._metadata)

    def _refuse(self, key: str) -> ReadOnlyError:
        return ReadOnlyError(
            f"cannot change {key!r}: metadata opened from {self.metadata_key!r} is "
            "read-only; change it through open_group/open_array, then call "
            "consolidate_metadata again")

    def __setitem__(self, key: str, value: Any) -> None:
        raise self._refuse(key)

    def __delitem__(self, key: str) -> None:
        raise self._refuse(key)
