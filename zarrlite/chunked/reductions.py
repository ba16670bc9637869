"""numpy's reductions over arrays too big to load: ``sum``, ``mean``, ``std``, ``argmax``
and the rest, read chunk by chunk, in parallel, with bounded memory.

Each function takes what the numpy function of the same name takes (no ``out=``) and
returns what numpy returns for the whole array loaded: the same dtype, shape, scalar or
array, errors and warnings, exactly for integers, bools, minima, maxima and positions,
and to within rounding for floating-point sums, means and variances. The array may be
anything with ``shape``, ``dtype`` and numpy-style reads ``a[tuple_of_slices]``: a
zarrlite Array, a numpy array, an h5py Dataset, a zarr-python array, a BlockArray.

How it runs (see :mod:`~zarrlite.chunked.reduce_run`): the array is read in blocks of
whole chunks along :func:`~zarrlite.chunked.eachchunk.eachchunk`'s grid (small chunks
are read several at a time, arrays without chunks in blocks of 4 MiB); blocks are reduced
on the worker pool and the calling thread, each thread holding one block at a time; the
partial results merge in a fixed order, so results do not depend on thread timing.
Floating-point sums are summed pairwise inside a block (as numpy does) and blockwise
across blocks; variances merge per-block counts, means and squared deviations with Chan
et al.'s formula.

The NaN-ignoring variants (``nansum``, ...) live in :mod:`~zarrlite.chunked.reduce_nan`
and are importable from here; :class:`ReductionMethods` gives all of them as methods.

Examples
--------
>>> import numpy as np
>>> a = np.arange(12.0).reshape(3, 4)
>>> mean(a, axis=1), argmax(a), std(a, axis=(0, 1), ddof=1)
(array([1.5, 5.5, 9.5]), np.int64(11), np.float64(3.605551275463989))
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from zarrlite.chunked.reduce_impl import (
    ReductionCall,
    reduce_arg,
    reduce_blockwise,
    reduce_mean,
    reduce_moments,
    reduce_ufunc,
)
from zarrlite.chunked.reduce_nan import (
    nanargmax,
    nanargmin,
    nanmax,
    nanmean,
    nanmin,
    nanprod,
    nanstd,
    nansum,
    nanvar,
)

__all__ = [
    "ReductionMethods", "all", "any", "argmax", "argmin", "count_nonzero", "max", "mean",
    "min", "nanargmax", "nanargmin", "nanmax", "nanmean", "nanmin", "nanprod", "nanstd",
    "nansum", "nanvar", "prod", "std", "sum", "var",
]

def sum(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
        keepdims: bool = False) -> Any:
    """Sum of the items over the given axes, as :func:`numpy.sum`.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axis : None, int or tuple of int
        Axes to sum over (None: all).
    dtype : dtype, optional
        Type of the accumulator and result (default numpy's: bools and small integers
        are summed in the platform integer).
    keepdims : bool
        Keep the reduced axes, with length 1.

    Returns
    -------
    numpy.ndarray or numpy scalar

    Examples
    --------
    >>> sum(np.ones((2, 3), dtype="i1"), axis=0)
    array([2, 2, 2])
    """
    call = ReductionCall(a, np.sum, axis, {"dtype": dtype, "keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_ufunc(a, call, np.add, dtype)


def prod(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
         keepdims: bool = False) -> Any:
    """Product of the items over the given axes, as :func:`numpy.prod`.

    Parameters are those of :func:`sum`.

    Examples
    --------
    >>> prod(np.arange(1, 7).reshape(2, 3), axis=1)
    array([  6, 120])
    """
    call = ReductionCall(a, np.prod, axis, {"dtype": dtype, "keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_ufunc(a, call, np.multiply, dtype)


def mean(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
         keepdims: bool = False) -> Any:
    """Arithmetic mean over the given axes, as :func:`numpy.mean`.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axis : None, int or tuple of int
        Axes to average over (None: all).
    dtype : dtype, optional
        Type to sum in (default numpy's: float64 for integers and bools, float32 for
        float16, else the array's type).
    keepdims : bool
        Keep the reduced axes, with length 1.

    Returns
    -------
    numpy.ndarray or numpy scalar

    Examples
    --------
    >>> mean(np.arange(6).reshape(2, 3), axis=0)
    array([1.5, 2.5, 3.5])
    """
    call = ReductionCall(a, np.mean, axis, {"dtype": dtype, "keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_mean(a, call, dtype)


def var(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
        ddof: float = 0, keepdims: bool = False) -> Any:
    """Variance over the given axes, as :func:`numpy.var`.

    Computed from per-block counts, means and sums of squared deviations merged with
    Chan et al.'s formula, in float64 or wider, and rounded to numpy's dtype at the end.

    Parameters
    ----------
    a : array-like
        With ``shape``, ``dtype`` and ``a[tuple_of_slices]`` reads.
    axis : None, int or tuple of int
        Axes to reduce (None: all).
    dtype : dtype, optional
        Result type (default numpy's: float64 for integers and bools, the real type of
        the array's type otherwise).
    ddof : int or float
        Delta degrees of freedom: the divisor is ``N - ddof``.
    keepdims : bool
        Keep the reduced axes, with length 1.

    Returns
    -------
    numpy.ndarray or numpy scalar

    Examples
    --------
    >>> var(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=0, ddof=1)
    array([2. , 4.5])
    """
    call = ReductionCall(a, np.var, axis, {"dtype": dtype, "ddof": ddof, "keepdims": keepdims},
                         {"ddof": 0})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_moments(a, call, dtype, ddof, skip_nan=False, sqrt=False)


def std(a: Any, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
        ddof: float = 0, keepdims: bool = False) -> Any:
    """Standard deviation over the given axes, as :func:`numpy.std`: the square root of
    :func:`var`, whose parameters it takes.

    Examples
    --------
    >>> std(np.array([1, 2, 3, 4]))
    np.float64(1.118033988749895)
    """
    call = ReductionCall(a, np.std, axis, {"dtype": dtype, "ddof": ddof, "keepdims": keepdims},
                         {"ddof": 0})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_moments(a, call, dtype, ddof, skip_nan=False, sqrt=True)


def min(a: Any, axis: int | tuple[int, ...] | None = None, *, keepdims: bool = False) -> Any:
    """Minimum over the given axes, as :func:`numpy.min` (NaN wins: see :func:`nanmin`).

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

    Raises
    ------
    ValueError
        If a reduced axis has length 0.

    Examples
    --------
    >>> min(np.array([[3, 1], [2, 4]]), axis=1)
    array([1, 2])
    """
    call = ReductionCall(a, np.min, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_ufunc(a, call, np.minimum)


def max(a: Any, axis: int | tuple[int, ...] | None = None, *, keepdims: bool = False) -> Any:
    """Maximum over the given axes, as :func:`numpy.max`; parameters as :func:`min`.

    Examples
    --------
    >>> max(np.array([[3, 1], [2, 4]]), axis=0)
    array([3, 4])
    """
    call = ReductionCall(a, np.max, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_ufunc(a, call, np.maximum)


def any(a: Any, axis: int | tuple[int, ...] | None = None, *, keepdims: bool = False) -> Any:
    """Whether any item over the given axes is true, as :func:`numpy.any`; parameters as
    :func:`min`.

    Examples
    --------
    >>> any(np.array([[0, 0], [0, 2]]), axis=0)
    array([False,  True])
    """
    call = ReductionCall(a, np.any, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_ufunc(a, call, np.logical_or, bool)


def all(a: Any, axis: int | tuple[int, ...] | None = None, *, keepdims: bool = False) -> Any:
    """Whether all items over the given axes are true, as :func:`numpy.all`; parameters
    as :func:`min`.

    Examples
    --------
    >>> all(np.array([[1, 0], [1, 2]]), axis=0)
    array([ True, False])
    """
    call = ReductionCall(a, np.all, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_ufunc(a, call, np.logical_and, bool)


def count_nonzero(a: Any, axis: int | tuple[int, ...] | None = None, *,
                  keepdims: bool = False) -> Any:
    """Number of non-zero items over the given axes, as :func:`numpy.count_nonzero`;
    parameters as :func:`min`.

    Examples
    --------
    >>> count_nonzero(np.array([[0, 1], [2, 3]]), axis=1)
    array([1, 2])
    """
    call = ReductionCall(a, np.count_nonzero, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    axes = call.axes

    def count_block(block: np.ndarray) -> np.ndarray:
        return np.asarray(np.count_nonzero(block, axis=axes, keepdims=True))

    return reduce_blockwise(a, call, count_block, np.add)


def argmin(a: Any, axis: int | None = None, *, keepdims: bool = False) -> Any:
    """Position of the first minimum, as :func:`numpy.argmin`: a flat index (C order)
    when `axis` is None, else indices along `axis`. NaN counts as the minimum (see
    :func:`nanargmin`).

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
        If a searched axis has length 0.

    Examples
    --------
    >>> argmin(np.array([[4, 1, 1], [0, 5, 6]])), argmin(np.array([[4, 1], [0, 5]]), axis=1)
    (np.int64(3), array([1, 0]))
    """
    call = ReductionCall(a, np.argmin, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_arg(a, call, maximize=False, skip_nan=False)


def argmax(a: Any, axis: int | None = None, *, keepdims: bool = False) -> Any:
    """Position of the first maximum, as :func:`numpy.argmax`; parameters as
    :func:`argmin`.

    Examples
    --------
    >>> argmax(np.array([[4, 6, 6], [0, 5, 6]]))
    np.int64(1)
    """
    call = ReductionCall(a, np.argmax, axis, {"keepdims": keepdims})
    if call.empty:
        return call.numpy_on_empty()
    return reduce_arg(a, call, maximize=True, skip_nan=False)


class ReductionMethods:
    """numpy's reduction methods (``a.sum()``, ``a.mean(axis=0)``, ``a.nanmax()``, ...)
    for a class with ``shape``, ``dtype`` and ``self[tuple_of_slices]`` reads; each method
    calls the function of the same name in this module with ``self``. ``out=`` (which
    numpy passes when ``np.sum(a)`` finds the method) receives the result when given.

    Examples
    --------
    >>> class Ramp(ReductionMethods):
    ...     shape, dtype = (4, 5), np.dtype("i4")
    ...     def __getitem__(self, key):
    ...         return np.arange(20, dtype="i4").reshape(4, 5)[key]
    >>> Ramp().sum(axis=1), Ramp().argmax()
    (array([10, 35, 60, 85]), np.int64(19))
    """

    __slots__ = ()

    def sum(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
            keepdims: bool = False, out: Any = None) -> Any:
        """Sum over the given axes: :func:`zarrlite.chunked.reductions.sum`."""
        return _into(out, sum(self, axis, dtype, keepdims=keepdims))

    def prod(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
             keepdims: bool = False, out: Any = None) -> Any:
        """Product over the given axes: :func:`zarrlite.chunked.reductions.prod`."""
        return _into(out, prod(self, axis, dtype, keepdims=keepdims))

    def mean(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
             keepdims: bool = False, out: Any = None) -> Any:
        """Mean over the given axes: :func:`zarrlite.chunked.reductions.mean`."""
        return _into(out, mean(self, axis, dtype, keepdims=keepdims))

    def var(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
            ddof: float = 0, keepdims: bool = False, out: Any = None) -> Any:
        """Variance over the given axes: :func:`zarrlite.chunked.reductions.var`."""
        return _into(out, var(self, axis, dtype, ddof=ddof, keepdims=keepdims))

    def std(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
            ddof: float = 0, keepdims: bool = False, out: Any = None) -> Any:
        """Standard deviation: :func:`zarrlite.chunked.reductions.std`."""
        return _into(out, std(self, axis, dtype, ddof=ddof, keepdims=keepdims))

    def min(self, axis: int | tuple[int, ...] | None = None, *,
            keepdims: bool = False, out: Any = None) -> Any:
        """Minimum over the given axes: :func:`zarrlite.chunked.reductions.min`."""
        return _into(out, min(self, axis, keepdims=keepdims))

    def max(self, axis: int | tuple[int, ...] | None = None, *,
            keepdims: bool = False, out: Any = None) -> Any:
        """Maximum over the given axes: :func:`zarrlite.chunked.reductions.max`."""
        return _into(out, max(self, axis, keepdims=keepdims))

    def any(self, axis: int | tuple[int, ...] | None = None, *,
            keepdims: bool = False, out: Any = None) -> Any:
        """Whether any item is true: :func:`zarrlite.chunked.reductions.any`."""
        return _into(out, any(self, axis, keepdims=keepdims))

    def all(self, axis: int | tuple[int, ...] | None = None, *,
            keepdims: bool = False, out: Any = None) -> Any:
        """Whether all items are true: :func:`zarrlite.chunked.reductions.all`."""
        return _into(out, all(self, axis, keepdims=keepdims))

    def count_nonzero(self, axis: int | tuple[int, ...] | None = None, *,
                      keepdims: bool = False, out: Any = None) -> Any:
        """Non-zero items: :func:`zarrlite.chunked.reductions.count_nonzero`."""
        return _into(out, count_nonzero(self, axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, *, keepdims: bool = False, out: Any = None) -> Any:
        """Position of the minimum: :func:`zarrlite.chunked.reductions.argmin`."""
        return _into(out, argmin(self, axis, keepdims=keepdims))

    def argmax(self, axis: int | None = None, *, keepdims: bool = False, out: Any = None) -> Any:
        """Position of the maximum: :func:`zarrlite.chunked.reductions.argmax`."""
        return _into(out, argmax(self, axis, keepdims=keepdims))

    def nansum(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
               keepdims: bool = False, out: Any = None) -> Any:
        """Sum, NaNs as zero: :func:`zarrlite.chunked.reduce_nan.nansum`."""
        return _into(out, nansum(self, axis, dtype, keepdims=keepdims))

    def nanprod(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
                keepdims: bool = False, out: Any = None) -> Any:
        """Product, NaNs as one: :func:`zarrlite.chunked.reduce_nan.nanprod`."""
        return _into(out, nanprod(self, axis, dtype, keepdims=keepdims))

    def nanmean(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
                keepdims: bool = False, out: Any = None) -> Any:
        """Mean ignoring NaNs: :func:`zarrlite.chunked.reduce_nan.nanmean`."""
        return _into(out, nanmean(self, axis, dtype, keepdims=keepdims))

    def nanvar(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
               ddof: float = 0, keepdims: bool = False, out: Any = None) -> Any:
        """Variance ignoring NaNs: :func:`zarrlite.chunked.reduce_nan.nanvar`."""
        return _into(out, nanvar(self, axis, dtype, ddof=ddof, keepdims=keepdims))

    def nanstd(self, axis: int | tuple[int, ...] | None = None, dtype: DTypeLike | None = None, *,
               ddof: float = 0, keepdims: bool = False, out: Any = None) -> Any:
        """Standard deviation ignoring NaNs: :func:`zarrlite.chunked.reduce_nan.nanstd`."""
        return _into(out, nanstd(self, axis, dtype, ddof=ddof, keepdims=keepdims))

    def nanmin(self, axis: int | tuple[int, ...] | None = None, *,
               keepdims: bool = False, out: Any = None) -> Any:
        """Minimum ignoring NaNs: :func:`zarrlite.chunked.reduce_nan.nanmin`."""
        return _into(out, nanmin(self, axis, keepdims=keepdims))

    def nanmax(self, axis: int | tuple[int, ...] | None = None, *,
               keepdims: bool = False, out: Any = None) -> Any:
        """Maximum ignoring NaNs: :func:`zarrlite.chunked.reduce_nan.nanmax`."""
        return _into(out, nanmax(self, axis, keepdims=keepdims))

    def nanargmin(self, axis: int | None = None, *, keepdims: bool = False, out: Any = None) -> Any:
        """Position of the minimum ignoring NaNs: :func:`~.reduce_nan.nanargmin`."""
        return _into(out, nanargmin(self, axis, keepdims=keepdims))

    def nanargmax(self, axis: int | None = None, *, keepdims: bool = False, out: Any = None) -> Any:
        """Position of the maximum ignoring NaNs: :func:`~.reduce_nan.nanargmax`."""
        return _into(out, nanargmax(self, axis, keepdims=keepdims))


def _into(out: Any, result: Any) -> Any:
    """`result`, or `out` filled with it (numpy's ``out=`` of ``np.sum(a, out=o)``)."""
    if out is None:
        return result
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
    if out.shape != np.shape(result):
        raise ValueError(f"out has shape {out.shape}, the result {np.shape(result)}")
    np.copyto(out, result, casting="same_kind")
    return out
