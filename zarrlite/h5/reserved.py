"""What the h5py face keeps in ``.zattrs`` besides the user's attributes.

One key, :data:`H5PY_KEY`, holds a JSON object that h5py-style code never sees through
``.attrs`` (zarr-python and xarray show it as an ordinary attribute):

- ``"attrs"``: ``{name: {"dtype": ..., ...}}``, how to give each attribute back with the
  numpy type it was written with (see ``zarrlite.h5.attrs``);
- ``"maxshape"``: a dataset's maximum shape, ``null`` for an unlimited axis;
- ``"scaleoffset"``: the ``scaleoffset`` a dataset was created with.

Dimension labels (``Dataset.dims``) live under xarray's ``_ARRAY_DIMENSIONS`` key, also
hidden from ``.attrs``.
"""

from __future__ import annotations

#: The ``.zattrs`` key of the h5py face's own bookkeeping.
H5PY_KEY = "_h5py"

#: xarray's key for dimension names, one per axis.
DIMENSIONS_KEY = "_ARRAY_DIMENSIONS"

#: ``.zattrs`` keys hidden from h5py-style ``.attrs``.
HIDDEN_KEYS = frozenset({H5PY_KEY, DIMENSIONS_KEY})
