"""`Dataset`: a zarrlite `Array` seen through h5py's ``Dataset`` interface.

It is the array itself (a subclass, no copy of anything): what zarrlite's `Array` does,
a `Dataset` does too, and where h5py names or behaves differently (``resize(size,
axis)``, ``maxshape``, ``fillvalue``, ``compression``, ``read_direct``, ``iter_chunks``,
``astype``/``asstr``/``fields`` wrappers, variable-length strings read as ``bytes``), the
h5py behaviour wins. h5py-only settings (maximum shape, contiguous layout, scale-offset)
are kept in ``.zattrs`` under ``zarrlite.h5.reserved.H5PY_KEY``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from zarrlite.chunkio.basic import ChunkIO
from zarrlite.errors import BoundsCheckError
from zarrlite.h5 import dtypes, strings
from zarrlite.h5.attrs import AttributeManager
from zarrlite.h5.dims import DimensionManager
from zarrlite.h5.errors import (
    BroadcastError,
    DatasetGoneError,
    InvalidSelectionError,
    MaxShapeError,
)
from zarrlite.h5.node import H5Node
from zarrlite.h5.reserved import H5PY_KEY
from zarrlite.h5.storage import h5py_properties
from zarrlite.h5.wrappers import (
    AsStrWrapper,
    AstypeWrapper,
    FieldsWrapper,
    as_stored,
    hdf5_cast,
    to_bytes,
)
from zarrlite.hierarchy.array import Array
from zarrlite.metadata.array_meta import ArrayMeta


class Dataset(H5Node, Array):
    """An array in a `File`, with h5py's ``Dataset`` interface.

    Obtained from a group (``f["name"]``, ``g.create_dataset(...)``), not constructed
    directly.

    Examples
    --------
    >>> import numpy as np, zarrlite as zl
    >>> f = zl.File(zl.MemoryStore(), "w")
    >>> d = f.create_dataset("temp", shape=(0, 4), maxshape=(None, 4), dtype="f4")
    >>> d.resize(3, axis=0)
    >>> d[:] = np.arange(12).reshape(3, 4)
    >>> d.shape, d.maxshape, d.name, d.parent.name
    ((3, 4), (None, 4), '/temp', '/')
    """

    _kind = "dataset"
    _h5_bytes: bool  # variable-length UTF-8 strings, given back as bytes (as h5py 3)
    _h5_ascii: bool  # variable-length ASCII strings (stored as bytes)
    _h5_dtype: np.dtype  # the dtype with h5py's tags
    _h5_gone = False  # deleted or moved through the file: the object refuses access

    @classmethod
    def _open(cls, file: Any, path: str, meta: ArrayMeta | None = None) -> Dataset:
        """The dataset at `path` of `file` (`meta`: its metadata, when just written)."""
        ds = cls(file._store, path, file._read_only, cache_attrs=False, meta=meta)
        ds._h5_file = file
        ds._h5_bytes = dtypes.reads_as_bytes(ds._meta)
        ds._h5_ascii = dtypes.holds_ascii(ds._meta)
        encoding = ds._bookkeeping().get("encoding") if ds._meta.dtype.kind == "S" else None
        ds._h5_dtype = dtypes.h5py_dtype(ds._meta, encoding)
        return ds

    # ---------------------------------------------------------------- open/closed
    def _check_open(self) -> None:
        super()._check_open()
        if self._h5_gone:
            raise DatasetGoneError(f"dataset {'/' + self._path!r} was deleted or moved "
                                   "through its file; open it again by its name")

    @property
    def _io(self) -> ChunkIO:  # every read and write goes through here
        if not self._h5_file._is_open or self._h5_gone:
            self._check_open()
        return Array._io.fget(self)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        if not self._h5_file._is_open:
            return "<Closed Zarr dataset>"
        return (f'<Zarr dataset "{self.basename}": shape {self.shape}, '
                f'type "{self.dtype.str}">')

    @property
    def attrs(self) -> AttributeManager:  # type: ignore[override]
        """Attributes with h5py's interface (numpy types kept)."""
        self._check_open()
        return AttributeManager(Array.attrs.fget(self), self._check_open)  # type: ignore[attr-defined]

    @property
    def dims(self) -> DimensionManager:
        """Dimension labels (``ds.dims[0].label``), kept as xarray's ``_ARRAY_DIMENSIONS``."""
        self._check_open()
        return DimensionManager(self)

    # ---------------------------------------------------------------- shape and storage
    @property
    def shape(self) -> tuple[int, ...]:
        self._check_open()
        return self._meta.shape

    @shape.setter
    def shape(self, value: Any) -> None:
        self.resize(value)

    @property
    def dtype(self) -> np.dtype:
        """The dtype as h5py gives it: variable-length strings carry h5py's string tag."""
        return self._h5_dtype

    def _bookkeeping(self) -> dict[str, Any]:
        """The face's settings in ``.zattrs``, read once: they are written when the dataset
        is created and never change (``resize`` changes the shape in ``.zarray``)."""
        book = self.__dict__.get("_h5_book")
        if book is None:
            doc = Array.attrs.fget(self).asdict().get(H5PY_KEY)  # type: ignore[attr-defined]
            book = self._h5_book = doc if isinstance(doc, dict) else {}
        return book

    def _properties(self) -> dict[str, Any]:
        return h5py_properties(self._meta, self._bookkeeping())

    @property
    def chunks(self) -> tuple[int, ...] | None:
        """The chunk shape; None for a dataset created contiguous (``chunks=None``)."""
        self._check_open()
        return self._properties()["chunks"]

    @property
    def maxshape(self) -> tuple[int | None, ...]:
        """The largest shape `resize` allows (None: unlimited)."""
        self._check_open()
        return self._properties()["maxshape"]

    @property
    def fillvalue(self) -> Any:
        """The value unwritten items read as (h5py's name for ``fill_value``)."""
        self._check_open()
        fill = self._meta.fill_value
        if fill is None:
            return np.zeros((), self._meta.dtype)[()] if not self._meta.dtype.hasobject else None
        return to_bytes(fill) if self._h5_bytes else fill

    compression = property(lambda self: self._properties()["compression"],
                           doc="h5py's name of the compressor ('gzip', 'blosc', ...) or None.")
    compression_opts = property(lambda self: self._properties()["compression_opts"],
                                doc="The compressor's options (the level for 'gzip').")
    shuffle = property(lambda self: self._properties()["shuffle"],
                       doc="Whether bytes are shuffled before compression.")
    fletcher32 = property(lambda self: self._properties()["fletcher32"],
                          doc="Whether chunks carry a Fletcher-32 checksum.")
    scaleoffset = property(lambda self: self._properties()["scaleoffset"],
                           doc="The scale-offset setting the dataset was created with.")
    is_virtual = False
    external = None

    def len(self) -> int:
        """The length of the first axis (h5py's ``Dataset.len``, for lengths over 2**63)."""
        return len(self)

    def resize(self, size: Any, axis: int | None = None) -> None:
        """Change the shape, within `maxshape` (h5py's signature).

        Parameters
        ----------
        size : int or tuple of int
            The new shape, or with `axis` the new length of that axis.
        axis : int, optional
            The one axis to change.

        Raises
        ------
        TypeError
            For a dataset created contiguous (h5py: only chunked datasets resize).
        ValueError
            For a size beyond `maxshape`, or a bad axis.
        """
        self._check_open()
        if self.chunks is None:
            raise TypeError("Only chunked datasets can be resized")
        shape = list(self._meta.shape)
        if axis is not None:
            if not 0 <= axis < len(shape):
                raise ValueError(f"Invalid axis ({axis}); 0 to {len(shape) - 1} allowed")
            shape[axis] = int(size)
        else:
            size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
            if len(size) != len(shape):
                raise TypeError(f"new shape {size} must have rank {len(shape)}")
            shape = [int(s) for s in size]
        for new, top in zip(shape, self.maxshape, strict=True):
            if top is not None and new > top:
                raise MaxShapeError(
                    f"cannot resize to {tuple(shape)}: a dimension cannot exceed the maximal "
                    f"size {self.maxshape}")
        Array.resize(self, tuple(shape))

    # ---------------------------------------------------------------- reading
    def __getitem__(self, selection: Any) -> Any:
        try:
            result = super().__getitem__(selection)
        except IndexError as exc:
            raise _selection_error(exc) from None
        return to_bytes(result) if self._h5_bytes else result

    def __setitem__(self, selection: Any, value: Any) -> None:
        value = as_stored(value, self._meta.dtype, self._h5_bytes, self._h5_ascii)
        try:
            super().__setitem__(selection, value)
        except IndexError as exc:
            raise _selection_error(exc) from None
        except ValueError as exc:
            if "broadcast" not in str(exc):
                raise
            rows = _rows(value) if self._meta.dtype.kind == "O" else None
            if rows is None:
                raise BroadcastError(str(exc)) from None
            try:  # variable-length items, one per row
                super().__setitem__(selection, rows)
            except ValueError:
                raise BroadcastError(str(exc)) from None

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        data = np.asarray(self[()])
        return data if dtype is None else data.astype(dtype, copy=False)

    def __iter__(self) -> Iterator[Any]:
        if not self._meta.shape:
            raise TypeError("Can't iterate over a scalar dataset")
        for i in range(self._meta.shape[0]):
            yield self[i]

    def astype(self, dtype: Any) -> AstypeWrapper:
        """Read converted to `dtype`: ``ds.astype("f8")[0:10]``."""
        self._check_open()
        return AstypeWrapper(self, dtype)

    def asstr(self, encoding: str | None = None, errors: str = "strict") -> AsStrWrapper:
        """Read strings as ``str`` (decoded with `encoding`, by default the dataset's)."""
        self._check_open()
        if strings.check_string_dtype(self.dtype) is None:
            raise TypeError(f"dset.asstr() can only be used on datasets with an HDF5 string "
                            f"datatype, not {self.dtype}")
        return AsStrWrapper(self, encoding, errors)

    def fields(self, names: str | list[str]) -> FieldsWrapper:
        """Read only the named fields of a compound dataset: ``ds.fields(["x"])[:]``."""
        self._check_open()
        return FieldsWrapper(self, names)

    def iter_chunks(self, sel: Any = None) -> Iterator[tuple[slice, ...]]:
        """The parts of `sel` (slices, by default all) that lie in each chunk, as tuples of
        slices in C order, as h5py yields them.

        Raises
        ------
        TypeError
            For a dataset created contiguous (no chunks to iterate).
        """
        self._check_open()
        chunks = self.chunks
        if chunks is None:
            raise TypeError("Chunked dataset required")
        return _chunk_slices(self._meta.shape, chunks, sel)

    def read_direct(self, dest: np.ndarray, source_sel: Any = None, dest_sel: Any = None) -> None:
        """Read `source_sel` of the dataset into `dest[dest_sel]` without a temporary copy
        where the layout allows.

        Raises
        ------
        TypeError
            If `dest` is not a C-contiguous, writable numpy array.
        """
        self._check_open()
        if not isinstance(dest, np.ndarray) or not dest.flags.c_contiguous \
                or not dest.flags.writeable:
            raise TypeError("dest must be a C-contiguous writable numpy array")
        source_sel = Ellipsis if source_sel is None else source_sel
        where = Ellipsis if dest_sel is None else dest_sel
        target = dest[where]
        if (not self._h5_bytes and isinstance(target, np.ndarray)
                and target.dtype == self._meta.dtype and target.flags.c_contiguous
                and np.may_share_memory(target, dest)):  # a view of dest: decode into it
            try:
                self.get_basic_selection(source_sel, out=target)
                return
            except (IndexError, TypeError, ValueError):  # not basic, or another shape
                pass
        data = hdf5_cast(self[source_sel], dest.dtype)
        try:
            dest[where] = data
        except ValueError as exc:  # h5py: TypeError ("Can't broadcast ...")
            raise BroadcastError(f"cannot read a selection of shape {data.shape} into "
                                 f"dest[dest_sel] of shape {np.shape(dest[where])}: {exc}"
                                 ) from None

    def write_direct(self, source: np.ndarray, source_sel: Any = None,
                     dest_sel: Any = None) -> None:
        """Write `source[source_sel]` into the dataset at `dest_sel`."""
        self._check_open()
        if not isinstance(source, np.ndarray) or not source.flags.c_contiguous:
            raise TypeError("source must be a C-contiguous numpy array")
        self[Ellipsis if dest_sel is None else dest_sel] = (
            source if source_sel is None else source[source_sel])


def _rows(value: Any) -> np.ndarray | None:
    """A numeric array of 2 or more dimensions as an object array of its last-axis rows:
    what h5py writes into a variable-length dataset (``v[0:2] = np.ones((2, 3))``)."""
    if not isinstance(value, np.ndarray) or value.ndim < 2 or value.dtype.kind not in "biuf":
        return None
    rows = np.empty(value.shape[:-1], dtype=object)
    for index in np.ndindex(rows.shape):
        rows[index] = value[index]
    return rows


def _selection_error(exc: IndexError) -> IndexError:
    """An index out of range stays numpy's (and h5py's) IndexError; any other invalid
    selection becomes an error h5py's TypeError and ValueError clauses catch too."""
    if isinstance(exc, BoundsCheckError):
        return exc
    return InvalidSelectionError(str(exc))


def _chunk_slices(shape: tuple[int, ...], chunks: tuple[int, ...],
                  sel: Any) -> Iterator[tuple[slice, ...]]:
    """h5py's ``iter_chunks``: for each chunk meeting the selection, the intersection."""
    if sel is None:
        sel = ()
    if not isinstance(sel, tuple):
        sel = (sel,)
    if len(sel) > len(shape):
        raise ValueError(f"selection has {len(sel)} dimensions, the dataset {len(shape)}")
    bounds = []
    for axis, n in enumerate(shape):
        s = sel[axis] if axis < len(sel) else slice(None)
        if isinstance(s, (int, np.integer)):
            i = int(s) + n if s < 0 else int(s)
            s = slice(i, i + 1)
        if not isinstance(s, slice):
            raise TypeError(f"iter_chunks takes slices and integers, got {s!r}")
        start, stop, step = s.indices(n)
        if step != 1:
            raise ValueError("iter_chunks needs slices of step 1")
        bounds.append((start, max(start, stop)))
    per_axis = []
    for (start, stop), c in zip(bounds, chunks, strict=True):
        parts = []
        at = start
        while at < stop:
            end = min(stop, (at // c + 1) * c)
            parts.append(slice(at, end, 1))  # step 1 spelled out, as h5py gives them
            at = end
        per_axis.append(parts)
    return (tuple(p) for p in itertools.product(*per_axis))
