"""Bridges to other libraries, each imported only when used: dask (`zarrlite.integrations.dask`)
and xarray (`zarrlite.integrations.xarray`, also the ``engine="zarrlite"`` backend)."""
