"""Lazy arrays: block arrays that compute their blocks from other arrays when read.

:class:`LazyArray` is a :class:`~zarrlite.chunked.blockarray.BlockArray` whose
``readblock`` reads its inputs' blocks and combines them, so indexing, ``np.asarray``,
iteration, reductions and chunked copies work on every lazy array as on any block array.
What it adds:

- basic selections (ints, slices of any step, ``None``, ``...``) and transposes make a
  :class:`LazyView` and read nothing; other selections (index arrays, masks, ``oindex``,
  ``vindex``) read at once, as a block array does;
- numpy ufuncs and Python operators make a :class:`LazyElementwise` expression, evaluated
  block by block when read;
- ``astype``, ``store`` (a chunked copy into any writable array) and ``compute``.

:class:`LazySource` is the leaf: any array (a zarrlite Array, numpy, h5py, zarr, dask,
a block array) seen as a lazy array. Nothing here keeps a block after a read returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from zarrlite.chunked import reductions
from zarrlite.chunked.blockarray import ITER_MAX_BYTES, BlockArray
from zarrlite.chunked.copying import CopyStats, copy_chunked
from zarrlite.chunked.eachchunk import eachchunk, haschunks
from zarrlite.chunked.grid import GridChunks
from zarrlite.chunked.lazy_ops import (
    Kernel,
    block_of,
    broadcast_shape,
    cast_kernel,
    check_ufunc,
    default_grid,
    elementwise_grid,
    is_constant,
    reduce_arguments,
    result_dtype,
    ufunc_kernel,
)
from zarrlite.chunked.lazy_views import ViewMap
from zarrlite.errors import ReadOnlyError

__all__ = ["LazyArray", "LazyElementwise", "LazySource", "LazyView", "as_lazy", "as_operand",
           "apply_ufunc", "evaluate_call"]

#: A numpy function as ``__array_function__`` receives it, and its lazy stand-in.
ArrayFunction = Callable[..., Any]


def _binary(ufunc: np.ufunc) -> tuple[Callable[[LazyArray, Any], LazyArray],
                                      Callable[[LazyArray, Any], LazyArray]]:
    """The operator method pair (``a + b`` and ``b + a``) for an elementwise ufunc."""

    def forward(self: LazyArray, other: Any) -> LazyArray:
        return apply_ufunc(ufunc, (self, other), {})

    def reflected(self: LazyArray, other: Any) -> LazyArray:
        return apply_ufunc(ufunc, (other, self), {})

    return forward, reflected


def _unary(ufunc: np.ufunc) -> Callable[[LazyArray], LazyArray]:
    def method(self: LazyArray) -> LazyArray:
        return apply_ufunc(ufunc, (self,), {})

    return method


class LazyArray(BlockArray):
    """A block array computed from other arrays when read (see the module docstring).

    Indexing with a basic selection, ``transpose`` and ``astype`` give lazy arrays, as do
    numpy ufuncs and operators; ``np.asarray(x)``, ``x.compute()``, fancy indexing,
    iteration, reductions (``x.sum()``...) and ``x.store(dest)`` read, block by block.
    Subclasses set ``shape`` and ``dtype`` and implement ``readblock`` and ``eachchunk``.
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    #: The grid is some stored array's own chunks (not a memory-bounded default).
    _own_chunks: bool = True
    #: numpy functions taken lazily by ``__array_function__`` (others evaluate their
    #: lazy arguments first); :mod:`zarrlite.chunked.lazy` fills it.
    array_functions: ClassVar[dict[ArrayFunction, ArrayFunction]] = {}

    # ---------------------------------------------------------------- views
    def _as_view(self) -> tuple[LazyArray, ViewMap]:
        """The array a view of this array shows, and how."""
        return self, ViewMap.identity(self._shape)

    def __getitem__(self, selection: Any) -> Any:
        """A lazy view for a basic selection (ints, slices of any step, ``None``,
        ``...``): nothing is read. Any other selection (index arrays, masks) reads at
        once, returning a numpy array as numpy's ``a[selection]`` would.

        Raises
        ------
        IndexError
            For what numpy refuses.
        """
        source, view = self._as_view()
        selected = view.select(selection)
        if selected is None:
            return BlockArray.__getitem__(self, selection)
        return LazyView(source, selected)

    def transpose(self, *axes: Any) -> LazyArray:
        """A lazy view with the dimensions permuted, as ``numpy.ndarray.transpose``
        (no axes: reversed; or a tuple of axes, or the axes as arguments)."""
        order: Any = axes
        if not axes or (len(axes) == 1 and axes[0] is None):
            order = None
        elif len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            order = axes[0]
        source, view = self._as_view()
        return LazyView(source, view.transpose(order))

    @property
    def T(self) -> LazyArray:
        """The dimensions reversed (a lazy view)."""
        return self.transpose()

    def astype(self, dtype: npt.DTypeLike, casting: Any = "unsafe") -> LazyArray:
        """A lazy array of the items converted to `dtype` (``casting`` as numpy's
        ``astype``; this array itself when the dtype is already `dtype`).

        Raises
        ------
        TypeError
            If `casting` refuses the conversion (numpy's message).
        """
        target = np.dtype(dtype)
        if not np.can_cast(self._dtype, target, casting=casting):
            raise TypeError(f"Cannot cast array data from {self._dtype!r} to {target!r} "
                            f"according to the rule {casting!r}")
        if target == self._dtype:
            return self
        return LazyElementwise(cast_kernel, [self], target, name="astype")

    # ---------------------------------------------------------------- writes
    def _writable(self) -> bool:
        """Whether writes can reach a stored array (a wrapped array or a view of one)."""
        return False

    def __setitem__(self, selection: Any, value: Any) -> None:
        """Write through to the wrapped array (``lazy(a)`` and views of it only).

        Raises
        ------
        ReadOnlyError
            For expressions, casts and concatenations, before anything is read.
        """
        if not self._writable():
            raise ReadOnlyError(f"{self._describe()} is read-only: only lazy(a) and views of "
                                f"it write through to an array")
        BlockArray.__setitem__(self, selection, value)

    # ---------------------------------------------------------------- evaluation
    def compute(self) -> Any:
        """The whole array, read: a numpy array (a numpy scalar when 0-d)."""
        data = np.asarray(self)
        return data[()] if data.ndim == 0 else data

    def store(self, dest: Any, *, progress: bool = False, casting: str = "safe",
              max_bytes: int | None = None) -> CopyStats:
        """Evaluate into `dest` (anything writable by slices: a zarrlite Array, an h5py
        dataset, numpy...) destination chunk by destination chunk:
        ``copy_chunked(dest, self, ...)``, whose arguments and errors these are."""
        return copy_chunked(dest, self, progress=progress, casting=casting,
                            max_bytes=max_bytes)

    def __iter__(self) -> Iterator[Any]:
        """Rows of the first axis, read (numpy arrays, or scalars for a 1-d array), one
        chunk of the first axis (at most ``ITER_MAX_BYTES``) at a time."""
        shape = self._shape
        if not shape:
            raise TypeError("iteration over a 0-d array")
        return self._rows(shape)

    def _rows(self, shape: tuple[int, ...]) -> Iterator[Any]:
        max_rows = max(1, ITER_MAX_BYTES // max(1, math.prod(shape[1:]) * self.itemsize))
        for chunk in self._grid().dims[0]:
            for start in range(chunk.start, chunk.stop, max_rows):
                yield from BlockArray.__getitem__(self, slice(start, min(chunk.stop,
                                                                         start + max_rows)))

    def _item(self) -> Any:
        if self.size != 1:
            raise TypeError("only length-1 arrays can be converted to Python scalars")
        return self.compute().item() if self.ndim else self.compute()

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError("The truth value of an array with more than one element is "
                             "ambiguous. Use a.any() or a.all()")
        return bool(np.asarray(self).reshape(()))

    def __float__(self) -> float:
        return float(self._item())

    def __int__(self) -> int:
        return int(self._item())

    def __complex__(self) -> complex:
        return complex(self._item())

    # ---------------------------------------------------------------- numpy protocols
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any,
                        **kwargs: Any) -> Any:
        """Elementwise ufuncs (``np.sin(x)``, ``np.maximum(x, 0)``) give lazy arrays;
        ``ufunc.reduce`` of add, multiply, maximum, minimum, logical_and and logical_or
        reduces chunk by chunk (as ``x.sum(axis=0)``...).

        Raises
        ------
        TypeError
            For other methods (``accumulate``, ``outer``, ``at``...), ufuncs with several
            outputs or core dimensions, and ``out=``/``where=``.
        """
        if method == "reduce":
            name, params = reduce_arguments(ufunc, inputs[1:], kwargs)
            return getattr(reductions, name)(inputs[0], **params)
        check_ufunc(ufunc, method, kwargs)
        kwargs.pop("out", None)
        return apply_ufunc(ufunc, inputs, kwargs)

    def __array_function__(self, func: ArrayFunction, types: Any, args: Any,
                           kwargs: Any) -> Any:
        """numpy functions: ``np.where``, ``np.concatenate``, ``np.stack``,
        ``np.transpose`` and ``np.permute_dims`` give lazy arrays; ``np.sum``, ``np.mean``
        and the other reductions reduce chunk by chunk; ``np.shape``, ``np.ndim`` and
        ``np.size`` read nothing. Any other numpy function reads its lazy arguments whole
        first (``np.asarray``) and runs on numpy arrays."""
        lazy_function = self.array_functions.get(func)
        if lazy_function is not None:
            return lazy_function(*args, **kwargs)
        return evaluate_call(func, args, kwargs)

    # ---------------------------------------------------------------- operators
    __add__, __radd__ = _binary(np.add)
    __sub__, __rsub__ = _binary(np.subtract)
    __mul__, __rmul__ = _binary(np.multiply)
    __truediv__, __rtruediv__ = _binary(np.true_divide)
    __floordiv__, __rfloordiv__ = _binary(np.floor_divide)
    __mod__, __rmod__ = _binary(np.remainder)
    __pow__, __rpow__ = _binary(np.power)
    __and__, __rand__ = _binary(np.bitwise_and)
    __or__, __ror__ = _binary(np.bitwise_or)
    __xor__, __rxor__ = _binary(np.bitwise_xor)
    __lshift__, __rlshift__ = _binary(np.left_shift)
    __rshift__, __rrshift__ = _binary(np.right_shift)
    __lt__, _ = _binary(np.less)
    __le__, _ = _binary(np.less_equal)
    __gt__, _ = _binary(np.greater)
    __ge__, _ = _binary(np.greater_equal)
    __eq__, _ = _binary(np.equal)  # type: ignore[assignment]
    __ne__, _ = _binary(np.not_equal)  # type: ignore[assignment]
    __neg__ = _unary(np.negative)
    __pos__ = _unary(np.positive)
    __abs__ = _unary(np.absolute)
    __invert__ = _unary(np.invert)
    __hash__ = None  # type: ignore[assignment]  # == is elementwise, as numpy's

    def _describe(self) -> str:
        return f"lazy {type(self).__name__.removeprefix('Lazy').lower()}"

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} shape={self._shape} dtype={self._dtype} "
                f"chunks={self._grid().max_chunk_shape}>")


class LazySource(LazyArray):
    """Any array as a lazy array (what :func:`~zarrlite.chunked.lazy.lazy` makes).

    Blocks are read with the array's own ``readblock`` when it has one (zarrlite Arrays,
    block arrays), else as ``array[slices]`` (dask's blocks computed). Its grid is
    ``eachchunk(array)`` for an array with chunks of its own, else whole rows in blocks of
    about 4 MiB. Writes go to the array (``writeblock``, else ``array[slices] = data``);
    the array refuses them if it is read-only.
    """

    def __init__(self, array: Any) -> None:
        self.array = array
        self.shape = tuple(int(n) for n in array.shape)
        self.dtype = np.dtype(array.dtype)
        self._own_chunks = haschunks(array)
        self._chunks: GridChunks | None = None

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        readblock = getattr(self.array, "readblock", None)
        if callable(readblock):
            readblock(out, slices)
            return
        block = self.array[slices]
        if not isinstance(block, np.ndarray):
            compute = getattr(block, "compute", None)
            if callable(compute):  # dask: the block computed
                block = compute()
        out[...] = block

    def writeblock(self, data: np.ndarray, slices: tuple[slice, ...]) -> None:
        writeblock = getattr(self.array, "writeblock", None)
        if callable(writeblock):
            writeblock(data, slices)
        else:
            self.array[slices] = data

    def eachchunk(self) -> GridChunks:
        if self._chunks is None:
            self._chunks = (eachchunk(self.array) if self._own_chunks
                            else default_grid(self._shape, self._dtype))
        return self._chunks

    def _writable(self) -> bool:
        return True


class LazyView(LazyArray):
    """A basic selection or transpose of a lazy array, read when it is read.

    A view of a view is one view of the first's source. Its chunks are the source's,
    restricted to what the view shows and permuted with its dimensions. Writes go through
    to the source when the source takes them (``lazy(a)`` of a writable array).
    """

    def __init__(self, source: LazyArray, view: ViewMap) -> None:
        self.source = source
        self.view = view
        self.shape = view.shape
        self.dtype = source._dtype
        self._own_chunks = source._own_chunks
        self._chunks: GridChunks | None = None

    def _as_view(self) -> tuple[LazyArray, ViewMap]:
        return self.source, self.view

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        selection = self.view.source_selection(slices)
        if self.view.is_plain:  # a box of the source as it is
            self.source.readblock(out, selection)  # type: ignore[arg-type]
            return
        boxed = self.view.source_box(slices)
        if boxed is not None:  # dense, reversed or transposed: the box, one read
            box, local = boxed
            data = np.empty(tuple(s.stop - s.start for s in box), dtype=self.source._dtype)
            self.source.readblock(data, box)
            out[...] = self.view.arrange(data[local], out.shape)
            return
        data = np.asarray(BlockArray.__getitem__(self.source, selection))
        out[...] = self.view.arrange(data, out.shape)

    def writeblock(self, data: np.ndarray, slices: tuple[slice, ...]) -> None:
        selection = self.view.source_selection(slices)
        if self.view.is_plain:
            self.source.writeblock(data, selection)  # type: ignore[arg-type]
            return
        self.source[selection] = self.view.unarrange(data)

    def eachchunk(self) -> GridChunks:
        if self._chunks is None:
            self._chunks = self.view.grid(self.source._grid())
        return self._chunks

    def _writable(self) -> bool:
        return self.source._writable()


class LazyElementwise(LazyArray):
    """An elementwise expression of arrays and constants, broadcast by numpy's rules and
    computed block by block when read (ufuncs, operators, ``where``, ``astype``).

    Its chunks are, along each axis, those of the first operand with chunks of its own
    that spans the axis. Read-only.
    """

    def __init__(self, kernel: Kernel, operands: Sequence[Any], dtype: npt.DTypeLike,
                 name: str) -> None:
        self.operands = list(operands)
        self.shape = broadcast_shape([np.shape(op) if is_constant(op) else op.shape
                                      for op in self.operands])
        self.dtype = np.dtype(dtype)
        self.name = name
        self._kernel = kernel
        arrays = [op for op in self.operands if isinstance(op, LazyArray)]
        self._own_chunks = any(op._own_chunks for op in arrays)
        self._chunks: GridChunks | None = None

    def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
        # The first operand that fits is read into `out` and computed in place (numpy's
        # elementwise loops allow an input to be the output): one buffer less per level.
        spare: np.ndarray | None = out
        blocks = []
        for op in self.operands:
            block = block_of(op, self._shape, slices, spare)
            if block is out:
                spare = None
            blocks.append(block)
        self._kernel(blocks, out)

    def eachchunk(self) -> GridChunks:
        if self._chunks is None:
            chunked = [isinstance(op, LazyArray) and op._own_chunks for op in self.operands]
            self._chunks = elementwise_grid(self.operands, self._shape, self._dtype, chunked)
        return self._chunks

    def _describe(self) -> str:
        return f"lazy expression ({self.name})"

    def __repr__(self) -> str:
        return "<LazyElementwise " + self.name + super().__repr__().removeprefix(
            "<LazyElementwise")


# -------------------------------------------------------------------- building arrays


def as_lazy(array: Any) -> LazyArray:
    """`array` as a lazy array: itself if it is one, else a :class:`LazySource` (anything
    without ``shape`` and ``dtype`` goes through ``numpy.asarray`` first)."""
    if isinstance(array, LazyArray):
        return array
    if not (hasattr(array, "shape") and hasattr(array, "dtype")):
        array = np.asarray(array)
    return LazySource(array)


def as_operand(value: Any) -> Any:
    """An operand of an expression: a lazy array, or a constant (a scalar or 0-d numpy
    array, kept as it is so numpy's promotion treats it as in an eager expression)."""
    if isinstance(value, LazyArray) or is_constant(value):
        return value
    if not (hasattr(value, "shape") and hasattr(value, "dtype")):
        value = np.asarray(value)
        if value.ndim == 0:
            return value
    return LazySource(value)


def apply_ufunc(ufunc: np.ufunc, inputs: Sequence[Any], kwargs: dict[str, Any]) -> LazyArray:
    """The lazy ``ufunc(*inputs, **kwargs)`` (dtype and errors as numpy's)."""
    operands = [as_operand(x) for x in inputs]
    dtype = result_dtype(ufunc, operands, kwargs)
    return LazyElementwise(ufunc_kernel(ufunc, kwargs), operands, dtype, name=ufunc.__name__)


def _evaluated(value: Any) -> Any:
    if isinstance(value, LazyArray):
        return np.asarray(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_evaluated(v) for v in value)
    if isinstance(value, dict):
        return {k: _evaluated(v) for k, v in value.items()}
    return value


def evaluate_call(func: ArrayFunction, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """``func(*args, **kwargs)`` with every lazy array among the arguments (in lists,
    tuples and dicts too) read whole into a numpy array first."""
    return func(*_evaluated(tuple(args)), **_evaluated(dict(kwargs)))
