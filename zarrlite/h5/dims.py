"""``Dataset.dims``: dimension labels, stored as xarray's ``_ARRAY_DIMENSIONS`` attribute.

h5py's dimension *scales* (datasets attached to an axis, HDF5's DIMENSION_LIST) have no
Zarr counterpart: attaching or creating one raises NotImplementedError. Labels round-trip
with xarray, which names an array's dimensions from ``_ARRAY_DIMENSIONS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from zarrlite.h5.reserved import DIMENSIONS_KEY
from zarrlite.hierarchy.array import Array

_NO_SCALES = ("dimension scales (datasets attached to an axis) are an HDF5 feature with no "
              "Zarr counterpart; zarrlite keeps dimension labels only (dims[i].label)")


class DimensionProxy:
    """One axis of a dataset: its `label`."""

    def __init__(self, dataset: Array, axis: int) -> None:
        self._dataset = dataset
        self._axis = axis

    @property
    def label(self) -> str:
        """The axis' name ('' when none was given)."""
        return _labels(self._dataset)[self._axis]

    @label.setter
    def label(self, value: str) -> None:
        labels = _labels(self._dataset)
        labels[self._axis] = str(value)
        self._dataset._check_writable()
        Array.attrs.fget(self._dataset)[DIMENSIONS_KEY] = labels  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return 0  # no scales attached, ever

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __getitem__(self, item: Any) -> Any:
        raise NotImplementedError(_NO_SCALES)

    def attach_scale(self, dscale: Any) -> None:
        raise NotImplementedError(_NO_SCALES)

    def detach_scale(self, dscale: Any) -> None:
        raise NotImplementedError(_NO_SCALES)

    def keys(self) -> list[str]:
        return []

    def values(self) -> list[Any]:
        return []

    def items(self) -> list[tuple[str, Any]]:
        return []

    def __repr__(self) -> str:
        return f'<"{self.label}" dimension {self._axis} of Zarr dataset "{self._dataset.name}">'


class DimensionManager:
    """``ds.dims``: a sequence of `DimensionProxy`, one per axis."""

    def __init__(self, dataset: Array) -> None:
        self._dataset = dataset

    def __len__(self) -> int:
        return len(self._dataset.shape)

    def __getitem__(self, axis: int) -> DimensionProxy:
        n = len(self)
        if not -n <= axis < n:
            raise IndexError(f"Index out of range: dimension {axis} of a {n}-d dataset")
        return DimensionProxy(self._dataset, axis % n)

    def __iter__(self) -> Iterator[DimensionProxy]:
        return (DimensionProxy(self._dataset, i) for i in range(len(self)))

    def create_scale(self, dset: Any, name: str = "") -> None:
        raise NotImplementedError(_NO_SCALES)

    def __repr__(self) -> str:
        return f'<Dimensions of Zarr dataset "{self._dataset.name}">'


def _labels(dataset: Array) -> list[str]:
    ndim = len(dataset.shape)
    stored = Array.attrs.fget(dataset).get(DIMENSIONS_KEY)  # type: ignore[attr-defined]
    if isinstance(stored, list) and len(stored) == ndim:
        return ["" if s is None else str(s) for s in stored]
    return [""] * ndim
