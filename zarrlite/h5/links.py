"""h5py's link and empty-dataset types, so that code naming them runs up to the point of
use, where the h5py face refuses them with a clear TypeError: a Zarr v2 hierarchy has no
links, and no datasets without a dataspace."""

from __future__ import annotations

from typing import Any

import numpy as np


class SoftLink:
    """h5py's soft link (a path); storing one raises TypeError."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"<SoftLink to \"{self.path}\">"


class ExternalLink:
    """h5py's external link (a file and a path); storing one raises TypeError."""

    def __init__(self, filename: str, path: str) -> None:
        self.filename = filename
        self.path = path

    def __repr__(self) -> str:
        return f"<ExternalLink to \"{self.path}\" in file \"{self.filename}\">"


class HardLink:
    """h5py's hard-link marker (``g.get(name, getlink=True)``)."""


class Empty:
    """h5py's empty (null dataspace) value; storing one raises TypeError."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)
        self.shape = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Empty) and other.dtype == self.dtype

    def __repr__(self) -> str:
        return f"Empty(dtype={self.dtype!r})"


#: What the face refuses to store, and why.
UNSTORABLE = {
    SoftLink: "Zarr hierarchies have no links",
    ExternalLink: "Zarr hierarchies have no links",
    HardLink: "Zarr hierarchies have no links",
    Empty: "Zarr arrays always have a shape: h5py.Empty (null dataspace) has no Zarr "
           "counterpart",
}
