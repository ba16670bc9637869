"""The arithmetic of lazy elementwise expressions, apart from the array classes: operand
kinds, broadcasting, result dtypes, the grid an expression is evaluated by, and the
kernels that compute one block.

An *operand* is either an array (anything with ``shape``, ``dtype`` and ``readblock``: a
lazy array) or a *constant*: a Python or numpy scalar, or a 0-d numpy array, passed to
numpy as it is so that numpy's promotion rules apply to it as in an eager expression.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from zarrlite import config
from zarrlite.chunked.eachchunk import eachchunk
from zarrlite.chunked.grid import DimChunks, GridChunks
from zarrlite.chunked.reduce_run import BLOCK_NBYTES

__all__ = [
    "REDUCE_AS", "Kernel", "Operand", "block_of", "broadcast_shape", "cast_kernel",
    "check_ufunc", "default_grid", "elementwise_grid", "is_constant", "reduce_arguments",
    "result_dtype", "ufunc_kernel", "where_kernel",
]

#: Computes one block of an expression into `out` from its operands' blocks (or constants).
Kernel = Callable[[Sequence[Any], np.ndarray], None]

#: ufunc keywords an expression keeps (they change results, not where results go).
UFUNC_KEYWORDS = frozenset({"dtype", "casting", "signature"})

_SCALARS = (bool, int, float, complex, np.generic)


class Operand(Protocol):
    """An array operand of an expression, as the functions here see it."""

    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def dtype(self) -> Any: ...
    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None: ...
    def eachchunk(self) -> GridChunks: ...


def is_constant(value: Any) -> bool:
    """A scalar or a 0-d numpy array: used as it is, never read in blocks."""
    return isinstance(value, _SCALARS) or (isinstance(value, np.ndarray) and value.ndim == 0)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ",".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def broadcast_shape(shapes: Sequence[tuple[int, ...]]) -> tuple[int, ...]:
    """The shape the operands broadcast to, by numpy's rules.

    Raises
    ------
    ValueError
        With numpy's message when they do not broadcast.

    >>> broadcast_shape([(3, 1), (4,), ()])
    (3, 4)
    """
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        listed = " ".join(_shape_text(s) for s in shapes)
        raise ValueError(f"operands could not be broadcast together with shapes {listed} "
                         ) from None


def _stand_in(value: Any) -> Any:
    """A one-item array of an array operand's dtype (1-d, so that numpy 1.x's value-based
    casting treats it as an array), or the constant itself."""
    if is_constant(value):
        return value
    return np.ones(1, dtype=value.dtype)


def result_dtype(function: Callable[..., Any], operands: Sequence[Any],
                 kwargs: dict[str, Any] | None = None) -> np.dtype:
    """The dtype numpy gives ``function(*operands, **kwargs)``, found by calling it on
    one-item stand-ins (so numpy's type resolution, and its errors, apply as they are).

    >>> result_dtype(np.add, [np.zeros(3, "i2"), 2.5])
    dtype('float64')
    """
    with np.errstate(all="ignore"):
        result = function(*(_stand_in(v) for v in operands), **(kwargs or {}))
    return np.asarray(result).dtype


def block_of(operand: Any, shape: tuple[int, ...], slices: tuple[slice, ...],
             out: np.ndarray | None = None) -> Any:
    """The operand's part of the expression's block at `slices` (the expression has
    `shape`): the constant itself, or the operand's block read, with length 1 along the
    axes it is broadcast on (numpy then broadcasts it).

    The block is read into `out` (the expression's block, about to be computed in place)
    when that has the block's shape and the operand's dtype; else into a new array."""
    if is_constant(operand):
        return operand
    lead = len(shape) - len(operand.shape)
    own = tuple(slice(0, 1) if n == 1 and shape[lead + d] != 1 else slices[lead + d]
                for d, n in enumerate(operand.shape))
    block_shape = tuple(s.stop - s.start for s in own)
    if out is not None and out.shape == block_shape and out.dtype == np.dtype(operand.dtype):
        block = out
    else:
        block = np.empty(block_shape, dtype=operand.dtype)
    operand.readblock(block, own)
    return block


def default_grid(shape: tuple[int, ...], dtype: np.dtype) -> GridChunks:
    """The grid of an array without chunks of its own (numpy, a contiguous HDF5 dataset,
    an expression over those): whole rows of the last axes in blocks of at most
    :data:`~zarrlite.chunked.reduce_run.BLOCK_NBYTES` (4 MiB, or the
    ``chunked_max_bytes`` setting when smaller), as reductions read such arrays."""
    max_bytes = min(BLOCK_NBYTES, int(config.get("chunked_max_bytes")))
    return eachchunk(np.broadcast_to(np.empty((), dtype=dtype), shape), max_bytes=max_bytes)


def elementwise_grid(operands: Sequence[Any], shape: tuple[int, ...], dtype: np.dtype,
                     chunked: Sequence[bool]) -> GridChunks:
    """The grid an expression of `shape` is evaluated by: along each axis, the chunks of
    the first operand that spans the axis (is not broadcast along it) and has chunks of
    its own (``chunked``); along other axes, :func:`default_grid`'s for the
    expression's shape and dtype."""
    dims: list[DimChunks | None] = [None] * len(shape)
    for operand, own in zip(operands, chunked):
        if is_constant(operand) or not own:
            continue
        lead = len(shape) - len(operand.shape)
        grid = None
        for d, n in enumerate(operand.shape):
            if dims[lead + d] is None and n == shape[lead + d]:
                grid = operand.eachchunk() if grid is None else grid
                dims[lead + d] = grid.dims[d]
    if any(d is None for d in dims):
        default = default_grid(shape, dtype).dims
        dims = [default[a] if d is None else d for a, d in enumerate(dims)]
    return GridChunks(*(d for d in dims if d is not None))


def ufunc_kernel(ufunc: np.ufunc, kwargs: dict[str, Any]) -> Kernel:
    """A kernel computing ``ufunc(*blocks, **kwargs)`` straight into `out`."""

    def kernel(blocks: Sequence[Any], out: np.ndarray) -> None:
        ufunc(*blocks, out=out, **kwargs)

    return kernel


def where_kernel(blocks: Sequence[Any], out: np.ndarray) -> None:
    """``numpy.where(cond, x, y)`` of the blocks, into `out`."""
    out[...] = np.where(*blocks)


def cast_kernel(blocks: Sequence[Any], out: np.ndarray) -> None:
    """The one block converted to `out`'s dtype (``astype``, unsafe casting)."""
    np.copyto(out, blocks[0], casting="unsafe")


def check_ufunc(ufunc: np.ufunc, method: str, kwargs: dict[str, Any]) -> None:
    """TypeError unless ``ufunc(...)`` (method ``__call__``) can be evaluated lazily:
    one output, no core dimensions (``matmul``), no ``out=``/``where=``.

    >>> check_ufunc(np.divmod, "__call__", {})
    Traceback (most recent call last):
    TypeError: lazy arrays take ufuncs with one output; numpy.divmod has 2 ...
    """
    hint = "(evaluate with numpy.asarray first)"
    name = f"numpy.{ufunc.__name__}"
    if method != "__call__":
        raise TypeError(f"lazy arrays take {name}(...) elementwise, and reductions through "
                        f"their methods or zarrlite.chunked.reductions; not "
                        f"{name}.{method} {hint}")
    if ufunc.signature is not None:
        raise TypeError(f"{name} is not elementwise (signature {ufunc.signature}): lazy "
                        f"arrays take elementwise ufuncs only {hint}")
    if ufunc.nout != 1:
        raise TypeError(f"lazy arrays take ufuncs with one output; {name} has {ufunc.nout} "
                        f"{hint}")
    if kwargs.get("out") is not None:
        raise TypeError(f"lazy arrays do not take out= in {name}: use expr.store(dest) to "
                        f"write an expression into an array")
    unknown = sorted(set(kwargs) - UFUNC_KEYWORDS - {"out"})
    if unknown:
        raise TypeError(f"lazy arrays do not take {', '.join(unknown)} in {name} {hint}")


#: ufunc.reduce spelled as the reduction function of the same meaning.
REDUCE_AS: dict[np.ufunc, str] = {
    np.add: "sum", np.multiply: "prod", np.maximum: "max", np.minimum: "min",
    np.logical_and: "all", np.logical_or: "any",
}


def reduce_arguments(ufunc: np.ufunc, args: tuple[Any, ...],
                     kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The reduction function name and keyword arguments standing for
    ``ufunc.reduce(array, *args, **kwargs)`` (axis 0 by default, as numpy's).

    Raises
    ------
    TypeError
        For a ufunc without a reduction here, or ``out=``, ``initial=``, ``where=``.
    """
    name = REDUCE_AS.get(ufunc)
    if name is None:
        raise TypeError(f"numpy.{ufunc.__name__}.reduce is not supported on lazy arrays; "
                        f"{', '.join(f'numpy.{u.__name__}' for u in REDUCE_AS)} reduce "
                        f"(evaluate with numpy.asarray first)")
    params = dict(zip(("axis", "dtype", "out", "keepdims"), args))
    params.update(kwargs)
    if params.pop("out", None) is not None:
        raise TypeError("lazy reductions do not take out=")
    extra = sorted(set(params) - {"axis", "dtype", "keepdims"})
    if extra:
        raise TypeError(f"lazy reductions do not take {', '.join(extra)}")
    params.setdefault("axis", 0)
    if name in ("max", "min", "all", "any"):
        if params.pop("dtype", None) is not None:
            raise TypeError(f"numpy.{ufunc.__name__}.reduce on a lazy array takes no dtype=")
    return name, params
