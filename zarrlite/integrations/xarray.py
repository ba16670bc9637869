"""xarray on zarrlite: the ``engine="zarrlite"`` backend, and a writer.

Reading::

    ds = xr.open_dataset("data.zarr", engine="zarrlite")            # lazy, numpy-backed
    ds = xr.open_dataset("s3://bucket/data.zarr", engine="zarrlite", chunks={})  # dask

opens Zarr v2 groups as xarray writes them (``Dataset.to_zarr(zarr_format=2)``):
dimension names from ``_ARRAY_DIMENSIONS``, consolidated metadata when there is some,
variables that read only the chunks a selection touches, CF decoding by xarray.

Writing: ``zl.xarray.to_zarr(ds, "out.zarr")`` lays a dataset out as xarray's Zarr
backend does for ``zarr_format=2``, so ``xr.open_zarr("out.zarr", zarr_format=2)`` reads
it back equal.

This module imports xarray; ``import zarrlite`` does not import it (``zl.xarray`` is
loaded on first use, and xarray loads it when listing its engines).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, ClassVar

import xarray as xr
from xarray.backends.common import BackendEntrypoint
from xarray.backends.store import StoreBackendEntrypoint

from zarrlite.integrations._xarray_store import (
    CONSOLIDATED_KEY,
    ZarrliteBackendArray,
    ZarrliteDataStore,
)
from zarrlite.integrations._xarray_write import to_zarr

#: What ``engine="zarrlite"`` takes besides `filename_or_obj` (xarray checks calls
#: against it).
OPEN_PARAMETERS = ("mask_and_scale", "decode_times", "concat_characters", "decode_coords",
                   "drop_variables", "use_cftime", "decode_timedelta", "group",
                   "consolidated", "storage_options", "mode")


class ZarrliteBackendEntrypoint(BackendEntrypoint):
    """The ``engine="zarrlite"`` backend of `xarray.open_dataset`.

    Besides xarray's decoding options (``mask_and_scale``, ``decode_times``,
    ``decode_timedelta``, ``use_cftime``, ``concat_characters``, ``decode_coords``,
    ``drop_variables``) it takes ``group`` (a path inside the store), ``consolidated``
    (None: use ``.zmetadata`` when present; True: require it; False: ignore it),
    ``storage_options`` (fsspec options of a URL) and ``mode`` (only ``"r"``). xarray
    itself handles ``chunks=`` (dask), using each array's Zarr chunks as the preferred
    chunks.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> _ = xr.Dataset({"a": ("x", np.arange(3.0))}).to_zarr("example.zarr", zarr_format=2)
    >>> xr.open_dataset("example.zarr", engine="zarrlite")["a"].values.tolist()
    [0.0, 1.0, 2.0]
    """

    description = "Open Zarr v2 stores with zarrlite"
    url = "docs/xarray.md in the zarrlite sources"
    open_dataset_parameters: ClassVar[tuple[str, ...] | None] = OPEN_PARAMETERS

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        """True for a local directory holding a Zarr v2 group (``.zgroup`` or
        ``.zmetadata``); paths ending in ``.zarr`` are left to xarray's own ``zarr``
        engine unless ``engine="zarrlite"`` is asked for, and URLs are not probed."""
        if not isinstance(filename_or_obj, (str, os.PathLike)):
            return False
        path = os.fspath(filename_or_obj)
        if not isinstance(path, str) or "://" in path:
            return False
        return any(os.path.isfile(os.path.join(path, key))
                   for key in (".zgroup", CONSOLIDATED_KEY))

    def open_dataset(
        self,
        filename_or_obj: Any,
        *,
        mask_and_scale: bool = True,
        decode_times: Any = True,
        concat_characters: bool = True,
        decode_coords: Any = True,
        drop_variables: str | Iterable[str] | None = None,
        use_cftime: bool | None = None,
        decode_timedelta: Any = None,
        group: str | None = None,
        consolidated: bool | None = None,
        storage_options: dict[str, Any] | None = None,
        mode: str = "r",
    ) -> xr.Dataset:
        """Open the group `group` of `filename_or_obj` (a path, URL, zarrlite store or
        Group) as a lazy Dataset (see the class docstring for the options)."""
        if mode != "r":
            raise ValueError(f"engine='zarrlite' opens read-only: mode must be 'r', "
                             f"found {mode!r}")
        drop = [drop_variables] if isinstance(drop_variables, str) else drop_variables
        store = ZarrliteDataStore.open(filename_or_obj, group=group, consolidated=consolidated,
                                       storage_options=storage_options,
                                       drop_variables=drop or ())
        try:
            return StoreBackendEntrypoint().open_dataset(
                store, mask_and_scale=mask_and_scale, decode_times=decode_times,
                concat_characters=concat_characters, decode_coords=decode_coords,
                drop_variables=drop_variables, use_cftime=use_cftime,
                decode_timedelta=decode_timedelta)
        except BaseException:
            store.close()
            raise


def open_dataset(store: Any, **kwargs: Any) -> xr.Dataset:
    """``xr.open_dataset(store, engine="zarrlite", **kwargs)``.

    Parameters
    ----------
    store : str, os.PathLike, MutableMapping or zarrlite.Group
        What to open: a directory path, a URL, a store or a group.
    **kwargs
        Options of `xarray.open_dataset` (``chunks``, ``decode_times``, ...) and of
        the backend (``group``, ``consolidated``, ``storage_options``).

    Returns
    -------
    xarray.Dataset
    """
    return xr.open_dataset(store, engine="zarrlite", **kwargs)


__all__ = ["ZarrliteBackendArray", "ZarrliteBackendEntrypoint", "ZarrliteDataStore",
           "open_dataset", "to_zarr"]
