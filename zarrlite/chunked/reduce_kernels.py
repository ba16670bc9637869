"""The per-block halves of the reductions: reduce one block, merge two partial results.

Each kernel follows :class:`~zarrlite.chunked.reduce_run.BlockKernel`: ``partial`` reduces
a block over the reduced axes (keeping them at length 1) with numpy, and ``combine``
merges a later block's partial result into the earlier ones' in place. Blocks are never
written to (a numpy array's blocks are views of it).

- :class:`UfuncKernel`: anything a ufunc merges: sums, products, minima, maxima, counts,
  any/all;
- :class:`SumCountKernel`: sums and counts of the items that are not NaN (``nanmean``);
- :class:`MomentsKernel`: counts, means and sums of squared deviations merged with Chan,
  Golub and LeVeque's pairwise formula (variance and standard deviation);
- :class:`ArgKernel`: positions of minima or maxima, the first one winning ties and NaN
  winning over numbers, as numpy's ``argmin``/``argmax``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["ArgKernel", "MomentsKernel", "SumCountKernel", "UfuncKernel", "nan_filled"]


def nan_filled(block: np.ndarray, value: float) -> tuple[np.ndarray, np.ndarray | None]:
    """`block` with its NaNs replaced by `value` (a new array, only if it has NaNs), and
    the mask of the NaNs (None for types without NaN), as numpy's nan-functions see it.

    >>> nan_filled(np.array([1.0, np.nan]), 0.0)
    (array([1., 0.]), array([False,  True]))
    """
    if not issubclass(block.dtype.type, np.inexact):
        return block, None
    mask = np.isnan(block)
    if mask.any():
        block = np.where(mask, np.asarray(value, dtype=block.dtype), block)
    return block, mask


class UfuncKernel:
    """Partial results from `reduce_block`, merged by a binary ufunc.

    >>> kernel = UfuncKernel(lambda b: np.add.reduce(b, axis=(0,), keepdims=True), np.add)
    >>> acc = kernel.partial(np.ones((2, 3)), (slice(0, 2), slice(0, 3)))
    >>> kernel.combine(acc, kernel.partial(np.ones((1, 3)), (slice(2, 3), slice(0, 3))))
    >>> acc[0]
    array([[3., 3., 3.]])
    """

    def __init__(self, reduce_block: Callable[[np.ndarray], np.ndarray],
                 merge: np.ufunc) -> None:
        self._reduce_block = reduce_block
        self._merge = merge

    def partial(self, block: np.ndarray, where: tuple[slice, ...]) -> tuple[np.ndarray, ...]:
        return (np.asarray(self._reduce_block(block)),)

    def combine(self, acc: tuple[np.ndarray, ...], part: tuple[np.ndarray, ...]) -> None:
        self._merge(acc[0], part[0], out=acc[0])


class SumCountKernel:
    """Per result item: the sum (in `dtype`, None: numpy's default) and the count of the
    items that are not NaN.
    """

    def __init__(self, axes: tuple[int, ...], dtype: np.dtype | None) -> None:
        self._axes = axes
        self._dtype = dtype

    def partial(self, block: np.ndarray, where: tuple[slice, ...]) -> tuple[np.ndarray, ...]:
        filled, mask = nan_filled(block, 0.0)
        total = np.add.reduce(filled, axis=self._axes, dtype=self._dtype, keepdims=True)
        valid = np.ones(block.shape, dtype=bool) if mask is None else ~mask
        count = np.add.reduce(valid, axis=self._axes, dtype=np.intp, keepdims=True)
        return np.asarray(total), count

    def combine(self, acc: tuple[np.ndarray, ...], part: tuple[np.ndarray, ...]) -> None:
        np.add(acc[0], part[0], out=acc[0])
        np.add(acc[1], part[1], out=acc[1])


class MomentsKernel:
    """Per result item: count, mean and the sum of squared deviations from the mean (M2),
    computed in `dtype` (float64 or wider; complex for complex data).

    Blocks merge with the pairwise update of Chan, Golub and LeVeque (1979): for counts
    ``na``, ``nb``, means ``ma``, ``mb`` and ``d = mb - ma``, the merged mean is
    ``ma + d * nb / n`` and ``M2 = M2a + M2b + |d|**2 * na * nb / n``. With `skip_nan`,
    NaNs are left out (``nanvar``); otherwise they make the result NaN, as in numpy.

    >>> kernel = MomentsKernel((0,), np.dtype("f8"), skip_nan=False)
    >>> acc = kernel.partial(np.array([1.0, 2.0]), (slice(0, 2),))
    >>> kernel.combine(acc, kernel.partial(np.array([3.0, 4.0, 5.0]), (slice(2, 5),)))
    >>> [x.item() for x in acc]  # n, mean, M2 of 1..5
    [5, 3.0, 10.0]
    """

    def __init__(self, axes: tuple[int, ...], dtype: np.dtype, skip_nan: bool) -> None:
        self._axes = axes
        self._dtype = dtype
        self._real = np.empty(0, dtype).real.dtype
        self._skip_nan = skip_nan

    def partial(self, block: np.ndarray, where: tuple[slice, ...]) -> tuple[np.ndarray, ...]:
        axes = self._axes
        keep = tuple(1 if d in axes else n for d, n in enumerate(block.shape))
        valid = None
        if self._skip_nan and issubclass(block.dtype.type, np.inexact):
            valid = ~np.isnan(block)
            x = np.where(valid, block.astype(self._dtype, copy=False), 0)
            count = np.add.reduce(valid, axis=axes, dtype=np.intp, keepdims=True)
        else:
            x = block.astype(self._dtype, copy=False)
            count = np.full(keep, math.prod(block.shape[d] for d in axes), dtype=np.intp)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.asarray(np.add.reduce(x, axis=axes, keepdims=True) / count)
        if valid is not None:
            mean[count == 0] = 0  # an all-NaN item: counts nothing, adds nothing
        # (a 0-d block gives numpy scalars: made arrays again, to be written in place)
        dev = np.asarray(np.subtract(x, mean, out=x if x is not block else None))
        if valid is not None:
            np.copyto(dev, 0, where=~valid)
        return count, mean, self._sum_squares(dev)

    def _sum_squares(self, dev: np.ndarray) -> np.ndarray:
        if dev.dtype.kind == "c":
            squares = np.square(dev.real)
            squares += np.square(dev.imag)
        else:
            squares = np.square(dev, out=dev)
        return np.add.reduce(squares, axis=self._axes, keepdims=True)

    def combine(self, acc: tuple[np.ndarray, ...], part: tuple[np.ndarray, ...]) -> None:
        count_a, mean_a, m2_a = acc
        count_b, mean_b, m2_b = part
        count = count_a + count_b
        with np.errstate(invalid="ignore", divide="ignore"):
            weight_b = count_b.astype(self._real) / count
            delta = mean_b - mean_a
            mean = mean_a + delta * weight_b
            m2 = m2_a + m2_b + _abs2(delta) * (count_a * weight_b)
        if self._skip_nan:  # an item without numbers on one side keeps the other's
            only_a, only_b = count_b == 0, count_a == 0
            np.copyto(mean, mean_a, where=only_a)
            np.copyto(m2, m2_a, where=only_a)
            np.copyto(mean, mean_b, where=only_b)
            np.copyto(m2, m2_b, where=only_b)
        count_a[...] = count
        mean_a[...] = mean
        m2_a[...] = m2


def _abs2(z: np.ndarray) -> np.ndarray:
    if z.dtype.kind == "c":
        return np.square(z.real) + np.square(z.imag)
    return np.square(z)


class ArgKernel:
    """Per result item: the extreme value and its index (flat over the whole array when
    `axis` is None, else along `axis`), the first occurrence winning ties.

    As in numpy, NaN (and NaT) counts as the extreme and its first occurrence wins. With
    `skip_nan` (``nanargmin``/``nanargmax``), NaNs are replaced by the opposite infinity,
    as numpy does, and a third partial result records where numbers were seen.
    """

    def __init__(self, shape: Sequence[int], axis: int | None, maximize: bool,
                 skip_nan: bool) -> None:
        self._shape = tuple(shape)
        self._axis = axis
        self._find = np.argmax if maximize else np.argmin
        self._better = np.greater if maximize else np.less
        self._nan_fill = -np.inf if maximize else np.inf
        self._skip_nan = skip_nan

    def partial(self, block: np.ndarray, where: tuple[slice, ...]) -> tuple[np.ndarray, ...]:
        seen = None
        if self._skip_nan:
            block, mask = nan_filled(block, self._nan_fill)
            valid = np.ones(block.shape, dtype=bool) if mask is None else ~mask
            axes = tuple(range(block.ndim)) if self._axis is None else (self._axis,)
            seen = np.logical_or.reduce(valid, axis=axes, keepdims=True)
        if self._axis is None:
            keep = (1,) * block.ndim
            local = np.unravel_index(self._find(block), block.shape) if block.ndim else ()
            value = np.asarray(block[local]).reshape(keep)
            index = 0
            if block.ndim:
                index = int(np.ravel_multi_index(
                    tuple(int(i) + s.start for i, s in zip(local, where)), self._shape))
            position = np.full(keep, index, dtype=np.intp)
        else:
            local_index = self._find(block, axis=self._axis, keepdims=True)
            value = np.take_along_axis(block, local_index, axis=self._axis)
            position = local_index + where[self._axis].start
        parts = (value, position)
        return parts if seen is None else (*parts, seen)

    def combine(self, acc: tuple[np.ndarray, ...], part: tuple[np.ndarray, ...]) -> None:
        value_a, index_a = acc[0], acc[1]
        value_b, index_b = part[0], part[1]
        earlier = index_b < index_a
        take = self._better(value_b, value_a) | ((value_b == value_a) & earlier)
        if value_a.dtype.kind in "fcmM":
            nan_a, nan_b = np.isnan(value_a), np.isnan(value_b)
            take = (take & ~nan_a & ~nan_b) | (nan_b & (~nan_a | earlier))
        np.copyto(value_a, value_b, where=take)
        np.copyto(index_a, index_b, where=take)
        if len(acc) > 2:
            np.logical_or(acc[2], part[2], out=acc[2])
