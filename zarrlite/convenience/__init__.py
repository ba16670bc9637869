"""zarr-python 2's convenience functions: save and load numpy arrays, print a tree, and
copy data between stores (key by key) or between hierarchies (array by array).

The rule is zarr-python 2.18's documented behaviour. Where zarrlite differs on purpose
(a refused copy writes nothing; ``load`` of a missing path raises; ``copy_all`` honours
``without_attrs`` and ``dry_run`` for the destination's own attributes) the function's
Notes say so.

One module for each job: `saving` (save, load, tree), `store_copy` (`copy_store`, key by
key) and `node_copy` (`copy`, `copy_all`, array by array). Each copy module keeps its own
tuning constant: `store_copy.COPY_STORE_BATCH`, `node_copy.COPY_REGION_NBYTES`.
"""

from __future__ import annotations

from zarrlite.convenience.consolidated import (
    ConsolidatedMetadataStore,
    consolidate_metadata,
    open_consolidated,
)
from zarrlite.convenience.from_array import from_array
from zarrlite.convenience.node_copy import copy, copy_all
from zarrlite.convenience.saving import LazyLoader, load, save, save_array, save_group, tree
from zarrlite.convenience.store_copy import copy_store

__all__ = [
    "ConsolidatedMetadataStore",
    "LazyLoader",
    "consolidate_metadata",
    "copy",
    "copy_all",
    "copy_store",
    "from_array",
    "load",
    "open_consolidated",
    "save",
    "save_array",
    "save_group",
    "tree",
]
