"""The NaN-ignoring reductions (``nansum``, ``nanmean``, ``nanargmax``, ...), chunk by
chunk, each as the numpy function of the same name.

As in numpy: a slice with no numbers gives 0 for ``nansum``, 1 for ``nanprod``, NaN
and a RuntimeWarning for ``nanmean``/``nanvar``/``nanstd``/``nanmin``/``nanmax``, and a
ValueError for ``nanargmin``/``nanargmax``; arrays of types without NaN (integers,
bools) give what the plain reductions give. Also importable from
:mod:`zarrlite.chunked.reductions`, where the module documentation says how the
reductions run.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from zarrlite.chunked.reduce_impl import (
    ReductionCall,
    reduce_arg,
    reduce_mean,
    reduce_moments,
    reduce_nanmean,
    reduce_ufunc,
)

__all__ = ["nanargmax", "nanargmin", "nanmax", "nanmean", "nanmin", "nanprod", "nanstd",
           "nansum", "nanvar"]


def nansum(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
           keepdims: bool = False) -> Any:
    """Sum over the given axes counting NaNs as zero, as :func:`numpy.nansum`.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axis : None, int or tuple of int
        Axes to sum over (None: all).
    dtype : dtype, optional
        Type of the accumulator and result (default numpy's, as for ``numpy.sum``).
    keepdims : bool
        Keep the reduced axes, with length 1.

    Returns
    -------
    numpy.ndarray or numpy scalar

    Examples
    --------
    >>> nansum(np.array([[1.0, np.nan], [np.nan, np.nan]]), axis=1)
    array([1., 0.])
    """
    call = ReductionCall(a, np.nansum, axis, {"dtype": dtype, "keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_ufunc(a, call, np.add, dtype, nan_fill=0.0)


def nanprod(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
            keepdims: bool = False) -> Any:
    """Product over the given axes counting NaNs as one, as :func:`numpy.nanprod`;
    parameters as :func:`nansum`.

    Examples
    --------
    >>> nanprod(np.array([2.0, np.nan, 3.0]))
    np.float64(6.0)
    """
    call = ReductionCall(a, np.nanprod, axis, {"dtype": dtype, "keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_ufunc(a, call, np.multiply, dtype, nan_fill=1.0)


def nanmean(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
            keepdims: bool = False) -> Any:
    """Mean of the numbers over the given axes, ignoring NaNs, as :func:`numpy.nanmean`.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axis : None, int or tuple of int
        Axes to average over (None: all).
    dtype : dtype, optional
        Type to sum in; must be inexact for an inexact array (default: the array's type,
        float64 for integers).
    keepdims : bool
        Keep the reduced axes, with length 1.

    Returns
    -------
    numpy.ndarray or numpy scalar
        NaN where a slice holds only NaNs (with a RuntimeWarning).

    Examples
    --------
    >>> nanmean(np.array([[1.0, np.nan], [2.0, 4.0]]), axis=1)
    array([1., 3.])
    """
    call = ReductionCall(a, np.nanmean, axis, {"dtype": dtype, "keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    if not issubclass(call.dtype.type, np.inexact):
        return reduce_mean(a, call, dtype)
    return reduce_nanmean(a, call, dtype)


def nanvar(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
           ddof: float = 0, keepdims: bool = False) -> Any:
    """Variance of the numbers over the given axes, ignoring NaNs, as
    :func:`numpy.nanvar`.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axis : None, int or tuple of int
        Axes to reduce (None: all).
    dtype : dtype, optional
        Result type; must be inexact for an inexact array.
    ddof : int or float
        Delta degrees of freedom: the divisor is the count of numbers minus `ddof`.
    keepdims : bool
        Keep the reduced axes, with length 1.

    Returns
    -------
    numpy.ndarray or numpy scalar
        NaN where the divisor is not positive (with a RuntimeWarning).

    Examples
    --------
    >>> nanvar(np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0]]), axis=1)
    array([1., 0.])
    """
    call = ReductionCall(a, np.nanvar, axis,
                         {"dtype": dtype, "ddof": ddof, "keepdims": keepdims}, {"ddof": 0})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_moments(a, call, dtype, ddof, skip_nan=True, sqrt=False)


def nanstd(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
           ddof: float = 0, keepdims: bool = False) -> Any:
    """Standard deviation ignoring NaNs, as :func:`numpy.nanstd`: the square root of
    :func:`nanvar`, whose parameters it takes.

    Examples
    --------
    >>> nanstd(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    call = ReductionCall(a, np.nanstd, axis,
                         {"dtype": dtype, "ddof": ddof, "keepdims": keepdims}, {"ddof": 0})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_moments(a, call, dtype, ddof, skip_nan=True, sqrt=True)


def _warn_all_nan(result: Any) -> Any:
    if np.asarray(result).dtype.kind in "fcmM" and np.isnan(result).any():
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
    return result


def nanmin(a: Any, axis: int | tuple[int, ...] | None = None, *, keepdims: bool = False) -> Any:
    """Minimum of the numbers over the given axes, ignoring NaNs, as
    :func:`numpy.nanmin`.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axis : None, int or tuple of int
        Axes to reduce (None: all).
    keepdims : bool
        Keep the reduced axes, with length 1.

    Returns
    -------
    numpy.ndarray or numpy scalar
        NaN where a slice holds only NaNs (with a RuntimeWarning).

    Raises
    ------
    ValueError
        If a reduced axis has length 0.

    Examples
    --------
    >>> nanmin(np.array([[np.nan, 2.0], [3.0, 1.0]]), axis=0)
    array([3., 1.])
    """
    call = ReductionCall(a, np.nanmin, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return _warn_all_nan(reduce_ufunc(a, call, np.fmin))


def nanmax(a: Any, axis: int | tuple[int, ...] | None = None, *, keepdims: bool = False) -> Any:
    """Maximum of the numbers over the given axes, ignoring NaNs, as
    :func:`numpy.nanmax`; parameters as :func:`nanmin`.

    Examples
    --------
    >>> nanmax(np.array([[np.nan, 2.0], [3.0, 1.0]]), axis=0)
    array([3., 2.])
    """
    call = ReductionCall(a, np.nanmax, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return _warn_all_nan(reduce_ufunc(a, call, np.fmax))


def nanargmin(a: Any, axis: int | None = None, *, keepdims: bool = False) -> Any:
    """Position of the first minimum ignoring NaNs, as :func:`numpy.nanargmin`.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axis : None or int
        The axis to search along (None: the flattened array).
    keepdims : bool
        Keep the reduced axes, with length 1.

    Returns
    -------
    numpy.ndarray or numpy.intp

    Raises
    ------
    ValueError
        If a searched slice holds only NaNs, or has length 0.

    Examples
    --------
    >>> nanargmin(np.array([[np.nan, 2.0], [3.0, np.nan]]), axis=1)
    array([1, 0])
    """
    call = ReductionCall(a, np.nanargmin, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_arg(a, call, maximize=False, skip_nan=True)


def nanargmax(a: Any, axis: int | None = None, *, keepdims: bool = False) -> Any:
    """Position of the first maximum ignoring NaNs, as :func:`numpy.nanargmax`;
    parameters as :func:`nanargmin`.

    Examples
    --------
    >>> nanargmax(np.array([1.0, np.nan, 3.0]))
    np.int64(2)
    """
    call = ReductionCall(a, np.nanargmax, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_arg(a, call, maximize=True, skip_nan=True)
