"""Lazy views and lazy elementwise arithmetic over any arrays: nothing is read until the
result is read, and then block by block.

- ``lazy(a)`` sees any array (a zarrlite Array, numpy, h5py, zarr, dask, a block array)
  as a :class:`~zarrlite.chunked.lazy_array.LazyArray`; ``lazy(a)[sel]`` with a basic
  selection, ``transpose``/``permute_dims`` and ``astype`` are lazy views of it;
- ``concatenate`` and ``stack`` join arrays into one virtual array whose chunks are the
  members' chunks;
- numpy ufuncs, Python operators and ``where`` make expressions, broadcast by numpy's
  rules, computed one block at a time when indexed with an index array, read
  (``np.asarray``, ``compute``), iterated, reduced (``expr.sum(axis=0)``) or stored
  (``expr.store(dest)``, ``zl.from_array(expr, ...)``).

Every lazy array is a :class:`~zarrlite.chunked.blockarray.BlockArray`, so chunked
copies and reductions take it as they take any array, with memory bounded by its chunks.

Examples
--------
>>> import numpy as np
>>> a = np.arange(12.0).reshape(3, 4)
>>> x = lazy(a)[::-1, 1:] * 2 + np.sin(lazy(a)[0])[1:]  # nothing read yet
>>> x.shape, x.dtype
((3, 3), dtype('float64'))
>>> bool(np.allclose(x.compute(), a[::-1, 1:] * 2 + np.sin(a[0])[1:]))
True
>>> float(where(lazy(a) > 5, a, 0).sum()), permute_dims(lazy(a), (1, 0)).shape
(51.0, (4, 3))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from zarrlite.chunked import reductions
from zarrlite.chunked.lazy_array import (
    LazyArray,
    LazyElementwise,
    LazySource,
    LazyView,
    as_lazy,
    as_operand,
    evaluate_call,
)
from zarrlite.chunked.lazy_concat import LazyConcat, concatenate, stack
from zarrlite.chunked.lazy_ops import result_dtype, where_kernel

__all__ = [
    "LazyArray", "LazyConcat", "LazyElementwise", "LazySource", "LazyView", "concatenate",
    "lazy", "permute_dims", "stack", "where",
]


def lazy(array: Any) -> LazyArray:
    """`array` as a lazy array: indexing it with basic selections, transposing,
    ``astype`` and arithmetic read nothing.

    Parameters
    ----------
    array : array-like
        Anything with ``shape``, ``dtype`` and ``array[tuple_of_slices]`` reads: a
        zarrlite Array, a numpy array, an h5py dataset, a zarr-python or dask array, a
        block array (read with its ``readblock``). Lazy arrays are returned as they are.

    Returns
    -------
    LazyArray
        Its chunks are `array`'s own (``eachchunk(array)``), or blocks of whole rows of
        about 4 MiB for an array without chunks (numpy, contiguous HDF5). Writes through
        it (``lazy(a)[0, :] = 1``) go to `array`.

    Examples
    --------
    >>> v = lazy(np.arange(10))[::-3]
    >>> v, v.compute().tolist()
    (<LazyView shape=(4,) dtype=int64 chunks=(4,)>, [9, 6, 3, 0])
    """
    if not (hasattr(array, "shape") and hasattr(array, "dtype")):
        raise TypeError(f"lazy() needs an array with shape and dtype (numpy, h5py, zarr, "
                        f"zarrlite, dask, a BlockArray), got {type(array).__name__}")
    return as_lazy(array)


def where(condition: Any, x: Any, y: Any) -> LazyArray:
    """Items of `x` where `condition` is true, else of `y`, lazily (``numpy.where`` with
    three arguments; ``np.where(cond, x, y)`` on lazy arguments calls this).

    The three are broadcast together by numpy's rules; the dtype is numpy's for
    ``np.where`` on arrays of their dtypes.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.
    """
    operands = [as_operand(v) for v in (condition, x, y)]
    return LazyElementwise(where_kernel, operands, result_dtype(np.where, operands),
                           name="where")


def permute_dims(x: Any, axes: Sequence[int]) -> LazyArray:
    """`x` with its dimensions permuted (the array API's ``permute_dims``; a lazy view).

    Raises
    ------
    ValueError
        If `axes` is not a permutation of ``x``'s dimensions.
    """
    return as_lazy(x).transpose(tuple(axes))


# ------------------------------------------------------------------ numpy functions


def _reduction(name: str) -> Callable[..., Any]:
    function = getattr(reductions, name)

    def reduce(a: Any, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is not None:
            raise TypeError(f"numpy.{name} on a lazy array does not take out=")
        return function(a, *args, **kwargs)

    return reduce


def _shape_function(attribute: str) -> Callable[..., Any]:
    def read_nothing(a: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(a, LazyArray) and not args and not kwargs:
            return getattr(a, attribute)
        return evaluate_call(getattr(np, attribute), (a, *args), kwargs)

    return read_nothing


def _np_concatenate(arrays: Sequence[Any], axis: int | None = 0, out: Any = None,
                    **kwargs: Any) -> Any:
    if out is not None:
        return evaluate_call(np.concatenate, (arrays,), {"axis": axis, "out": out, **kwargs})
    return concatenate(arrays, axis, **kwargs)


def _np_stack(arrays: Sequence[Any], axis: int = 0, out: Any = None, **kwargs: Any) -> Any:
    if out is not None:
        return evaluate_call(np.stack, (arrays,), {"axis": axis, "out": out, **kwargs})
    return stack(arrays, axis, **kwargs)


def _np_where(condition: Any, *xy: Any) -> Any:
    if len(xy) != 2:  # np.where(cond): the indices of the true items
        return evaluate_call(np.where, (condition, *xy), {})
    return where(condition, *xy)


def _np_transpose(a: Any, axes: Sequence[int] | None = None) -> LazyArray:
    return as_lazy(a).transpose(axes)


def _np_astype(x: Any, dtype: npt.DTypeLike, /, *, copy: bool = True,
               device: Any = None) -> LazyArray:
    return as_lazy(x).astype(dtype)


_FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    getattr(np, name): _reduction(name) for name in reductions.__all__
    if name != "ReductionMethods" and callable(getattr(np, name, None))
}
_FUNCTIONS.update({np.amax: _reduction("max"), np.amin: _reduction("min")})
_FUNCTIONS.update({getattr(np, name): _shape_function(name) for name in ("shape", "ndim", "size")})
_FUNCTIONS.update({np.where: _np_where, np.transpose: _np_transpose,
                   np.concatenate: _np_concatenate, np.stack: _np_stack})
if hasattr(np, "permute_dims"):  # numpy 2
    _FUNCTIONS[np.permute_dims] = _np_transpose
if hasattr(np, "astype"):  # numpy 2.1
    _FUNCTIONS[np.astype] = _np_astype
LazyArray.array_functions.update(_FUNCTIONS)
