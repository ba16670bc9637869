"""The h5py-style face of zarrlite: ``File``, groups, datasets and attributes as h5py
has them, over zarrlite's hierarchy (no byte arithmetic here).

``import zarrlite as h5py`` gives these names at the top level: `File`, `Dataset`,
`AttributeManager`, `string_dtype`, `check_string_dtype`, `vlen_dtype`,
`check_vlen_dtype`; `zarrlite.Group` is the base of this package's `Group`, so
``isinstance(obj, h5py.Group)`` holds for groups of a `File`. See docs/h5py.md.
"""

from zarrlite.h5.attrs import AttributeManager
from zarrlite.h5.dataset import Dataset
from zarrlite.h5.file import File
from zarrlite.h5.group import Group
from zarrlite.h5.links import Empty, ExternalLink, HardLink, SoftLink
from zarrlite.h5.strings import check_string_dtype, check_vlen_dtype, string_dtype, vlen_dtype

__all__ = [
    "AttributeManager",
    "Dataset",
    "Empty",
    "ExternalLink",
    "File",
    "Group",
    "HardLink",
    "SoftLink",
    "check_string_dtype",
    "check_vlen_dtype",
    "string_dtype",
    "vlen_dtype",
]
