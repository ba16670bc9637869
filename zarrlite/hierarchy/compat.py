"""The keywords of zarr-python 2's constructors that zarrlite takes for compatibility
(``Array(store, chunk_store=None, cache_metadata=True, zarr_version=2, ...)``): which
values it honours, and a clear error for those it cannot."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Keywords accepted with any value because zarrlite decides the matter itself: partial
#: decoding (``zl.config`` ``partial_decode``), and caching of attributes is per object.
IGNORED = ("partial_decompress", "cache_attrs")


def check_zarr2_keywords(what: str, **keywords: Any) -> None:
    """Raise for a zarr-python 2 keyword value zarrlite cannot honour.

    Parameters
    ----------
    what : str
        The call, for messages (``"Array"``, ``"create"``).
    **keywords
        Any of ``zarr_version``, ``chunk_store``, ``synchronizer``, ``meta_array``,
        ``storage_transformers`` (and the IGNORED ones).

    Raises
    ------
    ValueError
        For Zarr v3, or a `meta_array` that is not a numpy array.
    NotImplementedError
        For a synchronizer, storage options or storage transformers.
    TypeError
        For a keyword zarr-python 2 does not have either.
    """
    for name, value in keywords.items():
        if name in IGNORED or value is None:
            continue
        if name == "zarr_version":
            if value != 2:
                raise ValueError(f"{what}: zarr_version={value!r}: zarrlite reads and writes "
                                 "Zarr v2 only (zarr-python 3 reads and writes v3)")
        elif name == "chunk_store":
            pass  # supported by the caller
        elif name == "synchronizer":
            raise NotImplementedError(
                f"{what}: synchronizers are not supported yet; writes that cover whole chunks "
                "(or touch different chunks) need none, others must be serialized by the caller")
        elif name == "meta_array":
            if not isinstance(value, np.ndarray):
                raise ValueError(f"{what}: meta_array must be a numpy array (zarrlite returns "
                                 f"numpy arrays), got {type(value).__name__}")
        elif name == "storage_options":
            raise NotImplementedError(
                f"{what}: storage_options (fsspec URLs) are not supported yet: pass a store "
                "object, such as zarr-python 2's FSStore")
        elif name == "storage_transformers":
            if value:
                raise NotImplementedError(f"{what}: storage transformers are a Zarr v3 feature")
        else:
            raise TypeError(f"{what}() got an unexpected keyword argument {name!r}")
