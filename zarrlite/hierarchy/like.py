"""Arrays made like others: `zeros_like`, `ones_like`, `empty_like`, `full_like` and the
arguments they take from the model (`like_kwargs`)."""

from __future__ import annotations

from typing import Any

from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.creation import chunks_of, empty, full, ones, zeros

_UNSET: Any = object()  # an argument not given (None is a valid fill value)


def like_kwargs(a: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`kwargs` completed from the model `a` (as zarr-python 2 does): its shape, its chunks
    (when it has a chunk tuple: a zarrlite or h5py array), its dtype, and from a zarrlite
    Array also its compressor, order and filters. What `kwargs` gives wins."""
    out = dict(kwargs)
    shape = getattr(a, "shape", None)
    if isinstance(shape, tuple):
        out.setdefault("shape", shape)
        chunks = chunks_of(a)
        if chunks is not None:
            out.setdefault("chunks", chunks)
    if hasattr(a, "dtype"):
        out.setdefault("dtype", a.dtype)
    if isinstance(a, Array):
        out.setdefault("compressor", a.compressor)
        out.setdefault("order", a.order)
        out.setdefault("filters", a.filters)
    if "shape" not in out:
        raise TypeError(f"cannot tell the shape of a {type(a).__name__}: pass shape=")
    return out


def zeros_like(a: Any, **kwargs: Any) -> Array:
    """Create an array of zeros with the shape and dtype of `a`.

    Parameters
    ----------
    a : Array or numpy.ndarray
        The model. From a zarrlite Array, `chunks`, `compressor`, `order` and `filters`
        are copied too (not its store, path or fill value).
    **kwargs
        Arguments of `create` that override what is taken from `a` (not `fill_value`).

    Returns
    -------
    Array

    Raises
    ------
    TypeError
        If `fill_value` is given.

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> a = zl.ones((4, 6), chunks=(2, 3), dtype="i2", compressor=None)
    >>> z = zl.zeros_like(a)
    >>> z.shape, z.chunks, z.dtype, z.compressor
    ((4, 6), (2, 3), dtype('int16'), None)
    >>> zl.zeros_like(np.ones((2, 2), dtype="u1"))[...].tolist()
    [[0, 0], [0, 0]]
    """
    kwargs = like_kwargs(a, kwargs)
    return zeros(kwargs.pop("shape"), **kwargs)


def ones_like(a: Any, **kwargs: Any) -> Array:
    """Create an array of ones with the shape and dtype of `a` (see `zeros_like`).

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> zl.ones_like(np.zeros(3, dtype="i4"))[...].tolist()
    [1, 1, 1]
    """
    kwargs = like_kwargs(a, kwargs)
    return ones(kwargs.pop("shape"), **kwargs)


def empty_like(a: Any, **kwargs: Any) -> Array:
    """Create an array without a fill value with the shape and dtype of `a`.

    See `empty` for what that means and `zeros_like` for what is taken from `a`.

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> z = zl.empty_like(np.zeros((2, 5), dtype="f4"))
    >>> z.shape, z.dtype, z.fill_value is None
    ((2, 5), dtype('float32'), True)
    """
    kwargs = like_kwargs(a, kwargs)
    return empty(kwargs.pop("shape"), **kwargs)


def full_like(a: Any, fill_value: Any = _UNSET, **kwargs: Any) -> Array:
    """Create an array whose items read as `fill_value`, with the shape and dtype of `a`.

    Parameters
    ----------
    a : Array or array-like
        The model (see `zeros_like` for what is taken from it).
    fill_value : scalar, optional
        Needed unless `a` is a zarrlite Array, whose fill value is the default.
    **kwargs
        Arguments of `create` that override what is taken from `a`.

    Returns
    -------
    Array

    Raises
    ------
    TypeError
        If there is no fill value to use, or no shape (a list without ``shape=``).

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> a = zl.full(3, 7, dtype="i4")
    >>> zl.full_like(a)[...].tolist(), zl.full_like(a, fill_value=2)[...].tolist()
    ([7, 7, 7], [2, 2, 2])
    >>> zl.full_like(np.arange(3), 9)[...].tolist()
    [9, 9, 9]
    """
    kwargs = like_kwargs(a, kwargs)
    if fill_value is _UNSET:
        if not isinstance(a, Array):  # as zarr-python 2: no silent default
            raise TypeError("full_like needs a fill_value unless the model is a zarrlite Array")
        fill_value = a.fill_value
    return full(kwargs.pop("shape"), fill_value, **kwargs)
