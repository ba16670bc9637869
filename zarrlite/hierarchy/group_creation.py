"""Creating arrays in a group: `create_dataset`, `require_dataset`, `zeros`, `*_like` and the
rest (a mixin of `Group`)."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import numpy as np

from zarrlite.errors import ContainsGroupError
from zarrlite.hierarchy import creation, like
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.creation import contains_array, contains_group


class ArrayCreation:
    """The array-creating methods of `Group`."""

    if TYPE_CHECKING:  # what the mixin relies on, defined by Group
        _store: MutableMapping[str, bytes]
        _chunk_store: MutableMapping[str, bytes] | None
        _read_only: bool
        _synchronizer: Any
        def _array(self, path: str) -> Array: ...
        def _item_path(self, name: str) -> str: ...
        def _check_writable(self) -> None: ...

    def _create(self, func: Callable[..., Array], name: str, **kwargs: Any) -> Array:
        self._check_writable()
        if self._chunk_store is not None:
            kwargs.setdefault("chunk_store", self._chunk_store)
        if self._synchronizer is not None:
            kwargs.setdefault("synchronizer", self._synchronizer)
        return func(store=self._store, path=self._item_path(name), **kwargs)

    def create_dataset(self, name: str, data: Any = None, **kwargs: Any) -> Array:
        """Create an array in this group (also available as ``create``).

        Parameters
        ----------
        name : str
            Path of the array relative to this group; missing groups on the way are
            created.
        data : array-like, optional
            Initial content: shape, dtype and chunks default to the data's (as for
            `zarrlite.array`; `shape` must not be given).
        **kwargs
            Creation arguments as for `zarrlite.create` (`shape` is needed without
            `data`), e.g. `chunks`, `dtype`, `compressor`, `fill_value`, `overwrite`.

        Returns
        -------
        Array

        Raises
        ------
        ReadOnlyError
            If this group is read-only (a PermissionError).
        ContainsArrayError, ContainsGroupError
            If `name` is taken and `overwrite` is not True.

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> g = zl.group()
        >>> g.create_dataset("raw", shape=(100, 10), chunks=(10, 10), dtype="u1")
        <zarrlite.Array '/raw' (100, 10) uint8>
        >>> z = g.create_dataset("sub/labels", data=np.arange(4, dtype="i2"))
        >>> z.name, z[...].tolist()
        ('/sub/labels', [0, 1, 2, 3])
        """
        if data is not None:
            return self._create(creation.array, name, data=data, **kwargs)
        return self._create(creation.create, name, **kwargs)

    create = create_dataset

    def require_dataset(self, name: str, shape: Any, dtype: Any = None, exact: bool = False,
                        **kwargs: Any) -> Array:
        """Return the array `name` if its shape and dtype fit, else create it.

        Parameters
        ----------
        name : str
            Path of the array relative to this group.
        shape : int or tuple of int
            The shape the array must have.
        dtype : dtype-like, optional
            The existing array's dtype must be able to hold this one (``numpy.can_cast``);
            None accepts any. A new array gets it (float64 if None).
        exact : bool, optional
            Require exactly `dtype`.
        **kwargs
            Creation arguments as for `create_dataset`, used only when creating.

        Returns
        -------
        Array

        Raises
        ------
        TypeError
            If an array exists with another shape, or a dtype that cannot hold `dtype`
            (any different dtype when `exact`).
        ContainsGroupError
            If a group is at `name`.
        ReadOnlyError
            If the array must be created and this group is read-only.

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> a = g.require_dataset("x", shape=(3, 4), dtype="i4")
        >>> g.require_dataset("x", shape=(3, 4), dtype="i2") == a  # an int16 fits in int32
        True
        >>> g.require_dataset("x", shape=(3, 4), dtype="f8")
        Traceback (most recent call last):
        ...
        TypeError: array 'x' exists with dtype int32, not float64
        """
        path = self._item_path(name)
        if not contains_array(self._store, path):
            if contains_group(self._store, path):
                raise ContainsGroupError(f"a group exists at {name!r}")
            return self.create_dataset(name, shape=shape, dtype=dtype, **kwargs)
        arr = self._array(path)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if arr.shape != shape:
            raise TypeError(f"array {name!r} exists with shape {arr.shape}, not {shape}")
        if dtype is not None:
            dtype = np.dtype(dtype)
            ok = arr.dtype == dtype if exact else np.can_cast(dtype, arr.dtype)
            if not ok:
                raise TypeError(f"array {name!r} exists with dtype {arr.dtype}, not {dtype}")
        return arr

    def zeros(self, name: str, **kwargs: Any) -> Array:
        """Create the array `name` whose items read as 0 (see `zarrlite.zeros`).

        Examples
        --------
        >>> import zarrlite as zl
        >>> zl.group().zeros("x", shape=(2, 2), dtype="i4")[...].tolist()
        [[0, 0], [0, 0]]
        """
        return self._create(creation.zeros, name, **kwargs)

    def ones(self, name: str, **kwargs: Any) -> Array:
        """Create the array `name` whose items read as 1 (see `zarrlite.ones`)."""
        return self._create(creation.ones, name, **kwargs)

    def full(self, name: str, fill_value: Any, **kwargs: Any) -> Array:
        """Create the array `name` whose items read as `fill_value` (see `zarrlite.full`)."""
        return self._create(creation.full, name, fill_value=fill_value, **kwargs)

    def empty(self, name: str, **kwargs: Any) -> Array:
        """Create the array `name` without a fill value (see `zarrlite.empty`)."""
        return self._create(creation.empty, name, **kwargs)

    def array(self, name: str, data: Any, **kwargs: Any) -> Array:
        """Create the array `name` holding a copy of `data` (see `zarrlite.array`)."""
        return self._create(creation.array, name, data=data, **kwargs)

    def empty_like(self, name: str, data: Any, **kwargs: Any) -> Array:
        """Create the array `name` like `data` without a fill value (see
        `zarrlite.empty_like`)."""
        return self._create(like.empty_like, name, a=data, **kwargs)

    def zeros_like(self, name: str, data: Any, **kwargs: Any) -> Array:
        """Create the array `name` of zeros like `data` (see `zarrlite.zeros_like`).

        Examples
        --------
        >>> import numpy as np, zarrlite as zl
        >>> g = zl.group()
        >>> g.zeros_like("z", np.ones((2, 3), dtype="u1"))
        <zarrlite.Array '/z' (2, 3) uint8>
        """
        return self._create(like.zeros_like, name, a=data, **kwargs)

    def ones_like(self, name: str, data: Any, **kwargs: Any) -> Array:
        """Create the array `name` of ones like `data` (see `zarrlite.ones_like`)."""
        return self._create(like.ones_like, name, a=data, **kwargs)

    def full_like(self, name: str, data: Any, **kwargs: Any) -> Array:
        """Create the array `name` filled like `data` (see `zarrlite.full_like`)."""
        return self._create(like.full_like, name, a=data, **kwargs)
