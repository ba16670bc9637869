"""zarrlite: a Zarr v2 storage engine with a C core."""
