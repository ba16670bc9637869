"""Fields of structured arrays and ``out=`` targets for every selection method, as
zarr-python 2 takes them: ``z["a"]``, ``z[0:5, "a"]``, ``z.get_orthogonal_selection(sel,
fields=["a", "b"])``, ``z.get_basic_selection(sel, out=other_array)`` (a mixin of `Array`,
placed before the selection mixins, whose methods it wraps).

A field read decodes whole records and picks the fields; a field write reads the records,
replaces the fields and writes them back (one read-modify-write per selection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from zarrlite.metadata.array_meta import ArrayMeta

Fields = str | list[str] | tuple[str, ...] | None


def pop_fields(selection: Any) -> tuple[Fields, Any]:
    """Split the field names (strings) out of a selection: ``"a"`` -> ("a", ``...``),
    ``(slice(0, 5), "a", "b")`` -> (["a", "b"], slice(0, 5))."""
    if isinstance(selection, str):
        return selection, Ellipsis
    if isinstance(selection, list) and selection and all(isinstance(s, str) for s in selection):
        return list(selection), Ellipsis
    if not isinstance(selection, tuple):
        return None, selection
    for s in selection:  # (a loop, not any(): scalar reads z[i, j] come through here)
        if isinstance(s, str):
            break
    else:
        return None, selection
    names = [s for s in selection if isinstance(s, str)]
    rest = tuple(s for s in selection if not isinstance(s, str))
    return (names[0] if len(names) == 1 else names), (rest[0] if len(rest) == 1 else rest)


class FieldSelection:
    """`fields=` and `out=` for the get/set selection methods of `Array`."""

    if TYPE_CHECKING:  # what the mixin relies on, defined by Array and the selection mixins
        _meta: ArrayMeta

    # ---------------------------------------------------------------- numpy style
    def __getitem__(self, selection: Any) -> Any:
        fields, selection = pop_fields(selection)
        if fields is None:
            return super().__getitem__(selection)  # type: ignore[misc]
        self._field_names(fields)  # checked before any read
        return self._pick(super().__getitem__(selection), fields)  # type: ignore[misc]

    def __setitem__(self, selection: Any, value: Any) -> None:
        fields, selection = pop_fields(selection)
        if fields is None:
            super().__setitem__(selection, value)  # type: ignore[misc]
            return
        self._field_names(fields)  # checked before any read
        records = np.array(super().__getitem__(selection))  # type: ignore[misc]
        self._put(records, fields, value)
        super().__setitem__(selection, records)  # type: ignore[misc]

    # ---------------------------------------------------------------- the methods
    def get_basic_selection(self, selection: Any = Ellipsis, out: Any = None,
                            fields: Fields = None) -> Any:
        read = super().get_basic_selection  # type: ignore[misc]
        if fields is not None:
            fields = _fields_arg(fields)
        if fields is None and (out is None or _direct_out(out, self._meta.dtype)):
            return read(selection, out=out)
        return self._deliver(read, selection, fields, out)

    def get_orthogonal_selection(self, selection: Any, out: Any = None,
                                 fields: Fields = None) -> Any:
        return self._deliver(super().get_orthogonal_selection, selection, fields, out)  # type: ignore[misc]

    def get_coordinate_selection(self, selection: Any, out: Any = None,
                                 fields: Fields = None) -> Any:
        return self._deliver(super().get_coordinate_selection, selection, fields, out)  # type: ignore[misc]

    def get_mask_selection(self, selection: Any, out: Any = None,
                           fields: Fields = None) -> Any:
        return self._deliver(super().get_mask_selection, selection, fields, out)  # type: ignore[misc]

    def get_block_selection(self, selection: Any, out: Any = None,
                            fields: Fields = None) -> Any:
        return self._deliver(super().get_block_selection, selection, fields, out)  # type: ignore[misc]

    def set_basic_selection(self, selection: Any, value: Any, fields: Fields = None) -> None:
        self._set(super().set_basic_selection, super().get_basic_selection,  # type: ignore[misc]
                  selection, value, fields)

    def set_orthogonal_selection(self, selection: Any, value: Any,
                                 fields: Fields = None) -> None:
        self._set(super().set_orthogonal_selection,  # type: ignore[misc]
                  super().get_orthogonal_selection, selection, value, fields)  # type: ignore[misc]

    def set_coordinate_selection(self, selection: Any, value: Any,
                                 fields: Fields = None) -> None:
        self._set(super().set_coordinate_selection,  # type: ignore[misc]
                  super().get_coordinate_selection, selection, value, fields)  # type: ignore[misc]

    def set_mask_selection(self, selection: Any, value: Any, fields: Fields = None) -> None:
        self._set(super().set_mask_selection, super().get_mask_selection,  # type: ignore[misc]
                  selection, value, fields)

    def set_block_selection(self, selection: Any, value: Any, fields: Fields = None) -> None:
        self._set(super().set_block_selection, super().get_block_selection,  # type: ignore[misc]
                  selection, value, fields)

    # ---------------------------------------------------------------- helpers
    def _set(self, write: Callable[[Any, Any], None], read: Callable[[Any], Any],
             selection: Any, value: Any, fields: Fields) -> None:
        fields = _fields_arg(fields)
        if fields is None:
            write(selection, value)
            return
        self._field_names(fields)  # checked before any read
        records = np.array(read(selection))
        self._put(records, fields, value)
        write(selection, records)

    def _field_names(self, fields: Fields) -> list[str]:
        """The names in `fields`, each checked against the dtype (IndexError if absent)."""
        names = self._meta.dtype.names
        wanted = [fields] if isinstance(fields, str) else list(fields or ())
        if names is None:
            raise IndexError(f"fields {wanted} given, but the array's dtype "
                             f"{self._meta.dtype} has no fields")
        for name in wanted:
            if name not in names:
                raise IndexError(f"no field {name!r} in dtype {self._meta.dtype}; "
                                 f"fields: {list(names)}")
        return wanted

    def _pick(self, records: Any, fields: Fields) -> Any:
        wanted = self._field_names(fields)
        if isinstance(fields, str):
            picked = records[fields]
        else:  # a packed copy, not numpy's padded multi-field view
            packed = np.dtype([(f, records.dtype.fields[f][0]) for f in wanted])
            picked = records[wanted].astype(packed)
        return picked.copy() if isinstance(picked, np.ndarray) else picked

    def _put(self, records: np.ndarray, fields: Fields, value: Any) -> None:
        wanted = self._field_names(fields)
        if isinstance(fields, str):
            records[fields] = value
            return
        value = np.asarray(value)
        for name in wanted:
            records[name] = value[name] if value.dtype.names else value

    def _deliver(self, read: Callable[[Any], Any], selection: Any, fields: Fields,
                 out: Any) -> Any:
        """Read `selection`, pick `fields` (checked first) and fill `out` if given."""
        fields = _fields_arg(fields)
        if fields is not None:
            self._field_names(fields)
        result = read(selection)
        if fields is not None:
            result = self._pick(result, fields)
        if out is None:
            return result
        if not hasattr(out, "shape") or not hasattr(out, "__setitem__"):
            raise TypeError(f"out must be an array (numpy, zarrlite, ...), "
                            f"got {type(out).__name__}")
        if tuple(out.shape) != np.shape(result):
            raise ValueError(f"out must have the selection's shape {np.shape(result)}, "
                             f"found {getattr(out, 'shape', None)}")
        out[...] = result
        return out


def _fields_arg(fields: Any) -> Fields:
    """`fields` as given to a selection method: a name, a list of names, or None (also an
    empty list, all fields, as zarr-python 2 reads it); anything else is an IndexError."""
    if fields is None or isinstance(fields, str):
        return fields
    if isinstance(fields, (list, tuple)) and all(isinstance(f, str) for f in fields):
        return list(fields) or None
    raise IndexError(f"fields must be a field name or a list of names, got {fields!r}")


def _direct_out(out: Any, dtype: np.dtype) -> bool:
    """Whether the selection can be read straight into `out` (a C-contiguous writable
    numpy array of the array's dtype)."""
    return (isinstance(out, np.ndarray) and out.dtype == dtype and out.flags.c_contiguous
            and out.flags.writeable)
