"""zarrlite: a Zarr v2 storage engine with a C core.

>>> import numpy as np, zarrlite as zl
>>> z = zl.zeros((1000, 1000), chunks=(100, 100), dtype="f4")
>>> z[10:20, 10:20] = 1
>>> float(z[...].sum())
100.0
"""

try:  # the compiled core first: without it nothing below can work
    from zarrlite import _ext  # noqa: F401
except ImportError as _exc:  # pragma: no cover - only in an unbuilt source tree
    import os as _os

    raise ImportError(
        f"zarrlite's compiled core (zarrlite._ext) is not built in {_os.path.dirname(__file__)}"
        ": this is the source tree, not an installed zarrlite. Install it with "
        "'pip install .' and run Python from another directory, or build it in place with "
        "'pip install -e .' (see CONTRIBUTING.md)"
    ) from _exc

from zarrlite import chunked, chunks, codecs, config
from zarrlite.api import (
    array,
    create,
    empty,
    empty_like,
    full,
    full_like,
    group,
    ones,
    ones_like,
    open,
    open_array,
    open_group,
    open_like,
    zeros,
    zeros_like,
)
from zarrlite.chunked import (
    BlockArray,
    CopyStats,
    concatenate,
    copy_chunked,
    eachchunk,
    haschunks,
    lazy,
    map_chunks,
    permute_dims,
    stack,
    where,
)
from zarrlite.codecs import *  # noqa: F403  codec classes: Blosc, Zstd, Delta, ...
from zarrlite.codecs import __all__ as _codec_names
from zarrlite.convenience import (
    consolidate_metadata,
    copy,
    copy_all,
    copy_store,
    from_array,
    load,
    open_consolidated,
    save,
    save_array,
    save_group,
    tree,
)
from zarrlite.errors import (
    ArrayNotFoundError,
    CodecError,
    CodecNotAvailableError,
    ContainsArrayError,
    ContainsGroupError,
    CopyError,
    GroupNotFoundError,
    MetadataError,
    PathNotFoundError,
    ProcessLocalStoreError,
    ReadOnlyError,
)
from zarrlite.h5 import (
    AttributeManager,
    Dataset,
    Empty,
    ExternalLink,
    File,
    HardLink,
    SoftLink,
    check_string_dtype,
    check_vlen_dtype,
    string_dtype,
    vlen_dtype,
)
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.attrs import Attributes
from zarrlite.hierarchy.group import Group
from zarrlite.integrations.dask import from_dask, to_dask
from zarrlite.stores import (
    DBMStore,
    DirectoryStore,
    FSStore,
    LMDBStore,
    LRUStoreCache,
    MemoryStore,
    ProcessSynchronizer,
    RedisStore,
    SQLiteStore,
    ThreadSynchronizer,
    ZipStore,
)

__version__ = "0.1.0"

__all__ = [
    "Array",
    "ArrayNotFoundError",
    "AttributeManager",
    "Attributes",
    "BlockArray",
    "CodecError",
    "CodecNotAvailableError",
    "ContainsArrayError",
    "ContainsGroupError",
    "CopyError",
    "CopyStats",
    "DBMStore",
    "Dataset",
    "DirectoryStore",
    "Empty",
    "ExternalLink",
    "FSStore",
    "File",
    "Group",
    "GroupNotFoundError",
    "HardLink",
    "LMDBStore",
    "LRUStoreCache",
    "MemoryStore",
    "MetadataError",
    "PathNotFoundError",
    "ProcessLocalStoreError",
    "ProcessSynchronizer",
    "ReadOnlyError",
    "RedisStore",
    "SQLiteStore",
    "SoftLink",
    "ThreadSynchronizer",
    "ZipStore",
    "array",
    "check_string_dtype",
    "check_vlen_dtype",
    "chunked",
    "chunks",
    "codecs",
    "config",
    "consolidate_metadata",
    "copy",
    "copy_all",
    "concatenate",
    "copy_chunked",
    "copy_store",
    "create",
    "eachchunk",
    "empty",
    "empty_like",
    "full",
    "from_array",
    "from_dask",
    "full_like",
    "group",
    "haschunks",
    "lazy",
    "load",
    "map_chunks",
    "ones",
    "ones_like",
    "open",
    "open_array",
    "open_group",
    "open_consolidated",
    "open_like",
    "permute_dims",
    "save",
    "save_array",
    "save_group",
    "stack",
    "string_dtype",
    "to_dask",
    "tree",
    "vlen_dtype",
    "where",
    "zeros",
    "zeros_like",
    *_codec_names,
]


def __getattr__(name: str) -> object:
    # zl.xarray: the xarray writer and backend, imported (with xarray) on first use
    if name == "xarray":
        import importlib

        module = importlib.import_module("zarrlite.integrations.xarray")
        globals()["xarray"] = module
        return module
    raise AttributeError(f"module 'zarrlite' has no attribute {name!r}")
