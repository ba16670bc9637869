"""``zarrlite consolidate PATH``: gather a store's metadata into one ``.zmetadata``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from zarrlite.cli.common import add_storage_options
from zarrlite.cli.errors import UserError
from zarrlite.cli.locate import locate, open_store, parse_storage_options
from zarrlite.convenience import consolidate_metadata
from zarrlite.hierarchy.creation import contains_array, contains_group
from zarrlite.metadata.documents import decode_json
from zarrlite.metadata.keys import CONSOLIDATED_KEY

if TYPE_CHECKING:
    from zarrlite.cli.common import SubParsers

def add_parser(sub: SubParsers) -> None:
    """Add the ``consolidate`` command to `sub`."""
    parser = sub.add_parser(
        "consolidate", help="write consolidated metadata (.zmetadata) for a store",
        description="Gather every .zarray, .zgroup and .zattrs of a store into one "
        ".zmetadata document at its root, as zarr-python's consolidate_metadata does, so "
        "that opening the hierarchy (on object storage, say) takes one read. Run it again "
        "after changing the hierarchy.")
    parser.add_argument("path", metavar="PATH",
                        help="the store: a directory, .zip, .sqlite or URL")
    add_storage_options(parser)


def command(args: argparse.Namespace) -> int:
    """Consolidate the store at ``args.path`` and say how many nodes it holds."""
    location = locate(args.path, find_root=False)
    store = open_store(location, "r+", parse_storage_options(args.storage_options))
    try:
        root = location.node
        if not (contains_group(store, root) or contains_array(store, root)):
            raise UserError(f"no Zarr array or group at {args.path!r} (no .zgroup or .zarray)")
        consolidate_metadata(store, CONSOLIDATED_KEY, path=root)
        metadata = decode_json(store[CONSOLIDATED_KEY], CONSOLIDATED_KEY)["metadata"]
    finally:
        store.close()
    arrays = sum(key.endswith(".zarray") for key in metadata)
    groups = sum(key.endswith(".zgroup") for key in metadata)
    print(f"{args.path}: wrote {CONSOLIDATED_KEY} with the metadata of {arrays + groups} nodes "
          f"({groups} groups, {arrays} arrays)")
    return 0
