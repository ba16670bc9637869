"""What the public reductions share: checking a call against numpy, and numpy's own
finishing steps (dtypes, divisions, warnings) applied to the merged partial results.

Every call is first checked by running the same numpy function on a tiny stand-in of
the array (all axes of length 1, the array's dtype): numpy raises its own errors for bad
axes and dtypes, and tells the result's dtype and whether it is a scalar. An array with
no items is reduced by numpy itself, on an empty array of its shape (no memory), so that
every empty case (errors, NaNs, warnings) is numpy's.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from zarrlite.chunked.reduce_kernels import (
    ArgKernel,
    MomentsKernel,
    SumCountKernel,
    UfuncKernel,
    nan_filled,
)
from zarrlite.chunked.reduce_run import reduce_blocks

__all__ = ["ReductionCall", "reduce_arg", "reduce_blockwise", "reduce_mean", "reduce_moments",
           "reduce_nanmean", "reduce_ufunc"]

#: Warnings point at the caller of the public function.
_STACKLEVEL = 3


class ReductionCall:
    """One call of a reduction: its array, numpy's checks, and the result's form.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    numpy_function : callable
        The numpy function this call stands for (``np.sum``, ...).
    axis : None, int or tuple of int
        As given.
    kwargs : dict
        The other arguments, as numpy takes them.
    check_kwargs : dict, optional
        Arguments replacing some of `kwargs` for the check (e.g. ``ddof=0``, which
        would warn on a stand-in of one item).

    Attributes
    ----------
    empty : bool
        The array has no items: :meth:`numpy_on_empty` gives the result.
    flat : bool
        No axis was given (or the array is 0-d): all items are reduced together.
    axes : tuple of int
        The reduced axes, sorted and non-negative (only when not `empty`).
    nitems : int
        Items reduced into each result item (only when not `empty`).
    result_dtype : numpy.dtype
        The result's dtype, as numpy gives it (only when not `empty`).
    """

    def __init__(self, a: Any, numpy_function: Callable[..., Any], axis: Any,
                 kwargs: dict[str, Any], check_kwargs: dict[str, Any] | None = None) -> None:
        self.shape = tuple(int(n) for n in a.shape)
        self.dtype = np.dtype(a.dtype)
        self._function = numpy_function
        self._axis = axis
        self._kwargs = kwargs
        self.keepdims = bool(kwargs.get("keepdims", False))
        self.empty = math.prod(self.shape) == 0
        #: No axis given (or a 0-d array): the reduction runs over all items.
        self.flat = axis is None or not self.shape
        if self.empty:
            return
        ndim = len(self.shape)
        with np.errstate(all="ignore"):
            checked = numpy_function(np.zeros((1,) * ndim, self.dtype), axis=axis,
                                     **{**kwargs, **(check_kwargs or {})})
        self._returns_array = isinstance(checked, np.ndarray)
        self.result_dtype = np.asarray(checked).dtype
        if self.flat:
            axes: tuple[Any, ...] = tuple(range(ndim))
        else:
            axes = axis if isinstance(axis, tuple) else (axis,)
        self.axes = tuple(sorted(operator.index(ax) % ndim for ax in axes))
        self.nitems = math.prod(self.shape[d] for d in self.axes)

    def numpy_on_empty(self) -> Any:
        """numpy's result (or error) for this call on an array with no items."""
        return self._function(np.empty(self.shape, self.dtype), axis=self._axis,
                              **self._kwargs)

    def shaped(self, merged: np.ndarray) -> Any:
        """A merged result (reduced axes kept at length 1) in the form numpy returns: the
        reduced axes dropped unless `keepdims`, and a numpy scalar where numpy gives one."""
        if not self.keepdims:
            merged = merged.reshape(
                tuple(n for d, n in enumerate(self.shape) if d not in self.axes))
        return merged if self._returns_array else merged[()]


def reduce_blockwise(a: Any, call: ReductionCall,
                     reduce_block: Callable[[np.ndarray], np.ndarray], merge: np.ufunc,
                     dtype: np.dtype | None = None) -> Any:
    """Reduce each block with `reduce_block` (keeping the reduced axes), merge the
    partial results with the ufunc `merge`, and give the result (cast to `dtype` if
    given) in numpy's form."""
    (merged,) = reduce_blocks(a, call.axes, UfuncKernel(reduce_block, merge))
    if dtype is not None:
        merged = merged.astype(dtype, copy=False)
    return call.shaped(merged)


def reduce_ufunc(a: Any, call: ReductionCall, ufunc: np.ufunc, dtype: DTypeLike | None = None,
                 nan_fill: float | None = None) -> Any:
    """``ufunc.reduce`` over the call's axes, block by block (NaNs replaced by `nan_fill`
    first if given), in numpy's form.

    Sums of float16, float32 and complex64 are summed pairwise in their own type inside
    each block, as numpy does, and the block sums added in double precision (rounded to
    the result's type once, at the end).
    """
    axes = call.axes
    if call.dtype.hasobject and dtype is None:  # (reducing zeros gives a Python int)
        result = np.dtype(object)
    else:
        result = np.asarray(ufunc.reduce(np.zeros(1, call.dtype), dtype=dtype)).dtype
    widened = None
    if ufunc is np.add and result.itemsize < {"f": 8, "c": 16}.get(result.kind, 0):
        widened = np.promote_types(result, np.float64)

    def reduce_block(block: np.ndarray) -> np.ndarray:
        if nan_fill is not None:
            block = nan_filled(block, nan_fill)[0]
        partial = ufunc.reduce(block, axis=axes, dtype=dtype, keepdims=True)
        return partial if widened is None else partial.astype(widened)

    return reduce_blockwise(a, call, reduce_block, ufunc, None if widened is None else result)


def _is_inexact(dtype: np.dtype) -> bool:
    return issubclass(dtype.type, np.inexact)


def reduce_mean(a: Any, call: ReductionCall, dtype: DTypeLike | None) -> Any:
    """numpy's ``mean``: a sum over the axes divided by the count, in numpy's dtypes
    (integers and bools in float64, float16 summed in float32)."""
    float16 = None
    if dtype is None:
        if issubclass(call.dtype.type, (np.integer, np.bool_)):
            dtype = np.dtype("f8")
        elif call.dtype == np.float16:
            dtype, float16 = np.dtype("f4"), call.dtype
    ret = reduce_ufunc(a, call, np.add, dtype)
    rcount = np.intp(call.nitems)
    if isinstance(ret, np.ndarray):
        ret = np.true_divide(ret, rcount, out=ret, casting="unsafe", subok=False)
        return ret if float16 is None else ret.astype(float16)
    if float16 is not None:
        return float16.type(ret / rcount)
    if not hasattr(ret, "dtype"):  # an object array's sum: numpy's division says what fails
        return np.true_divide(np.array(ret, dtype=object), rcount)
    return ret.dtype.type(ret / rcount)


def reduce_nanmean(a: Any, call: ReductionCall, dtype: DTypeLike | None) -> Any:
    """numpy's ``nanmean`` of an inexact array: sums and counts of the items that are not
    NaN; NaN and a warning where there are none."""
    kernel = SumCountKernel(call.axes, None if dtype is None else np.dtype(dtype))
    total, count = reduce_blocks(a, call.axes, kernel)
    average = _divide_by_count(call.shaped(total), call.shaped(count))
    if np.any(count == 0):
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=_STACKLEVEL)
    return average


def _moments_dtype(dtype: np.dtype) -> np.dtype:
    """Where counts, means and squared deviations are kept: float64, or wider, or complex."""
    if not _is_inexact(dtype):
        return np.dtype("f8")
    return np.promote_types(dtype, np.dtype("f8"))


def reduce_moments(a: Any, call: ReductionCall, dtype: DTypeLike | None, ddof: float,
                   skip_nan: bool, sqrt: bool) -> Any:
    """numpy's ``var`` (``std`` with `sqrt`), or ``nanvar``/``nanstd`` with `skip_nan`,
    from counts, means and squared deviations merged block by block.

    The statistics are kept in float64 (or the wider dtype asked for) and the result is
    rounded to numpy's dtype at the end: float32 and float16 results are at least as
    accurate as numpy's own.
    """
    skip_nan = skip_nan and _is_inexact(call.dtype)
    if not skip_nan and ddof >= call.nitems:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning,
                      stacklevel=_STACKLEVEL)
    work_dtype = call.dtype if dtype is None else np.dtype(dtype)
    kernel = MomentsKernel(call.axes, _moments_dtype(work_dtype), skip_nan)
    count, _, squares = reduce_blocks(a, call.axes, kernel)
    ret = call.shaped(squares)
    if skip_nan:
        dof = call.shaped(count) - ddof
        ret = _divide_by_count(ret, dof)
        bad = dof <= 0
        if np.any(bad):
            warnings.warn("Degrees of freedom <= 0 for slice.", RuntimeWarning,
                          stacklevel=_STACKLEVEL)
            if isinstance(ret, np.ndarray):
                np.copyto(ret, np.nan, where=bad, casting="unsafe")
            else:
                ret = ret.dtype.type(np.nan)
    else:
        rcount = np.maximum(np.intp(call.nitems) - ddof, 0)
        if isinstance(ret, np.ndarray):
            ret = np.true_divide(ret, rcount, out=ret, casting="unsafe", subok=False)
        else:
            ret = ret.dtype.type(ret / rcount)
    if sqrt:
        ret = np.sqrt(ret, out=ret) if isinstance(ret, np.ndarray) else np.sqrt(ret)
    if isinstance(ret, np.ndarray):
        return ret.astype(call.result_dtype, copy=False)
    return call.result_dtype.type(ret)


def _divide_by_count(total: Any, count: Any) -> Any:
    """numpy's ``_divide_by_count``: total / count, in place for arrays, keeping the
    scalar type otherwise, with 0/0 giving NaN silently."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if isinstance(total, np.ndarray):
            return np.divide(total, count, out=total, casting="unsafe")
        return total.dtype.type(total / count)


def reduce_arg(a: Any, call: ReductionCall, maximize: bool, skip_nan: bool) -> Any:
    """numpy's ``argmin``/``argmax`` (``nanargmin``/``nanargmax`` with `skip_nan`)."""
    skip_nan = skip_nan and _is_inexact(call.dtype)
    axis = None if call.flat else call.axes[0]
    kernel = ArgKernel(call.shape, axis, maximize, skip_nan)
    parts = reduce_blocks(a, call.axes, kernel)
    if skip_nan and not parts[2].all():
        raise ValueError("All-NaN slice encountered")
    return call.shaped(parts[1])
