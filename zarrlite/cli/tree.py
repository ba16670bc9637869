"""``zarrlite tree PATH``: the hierarchy below a group, as a text tree."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from zarrlite.cli.common import add_path, add_storage_options
from zarrlite.cli.errors import UserError
from zarrlite.cli.locate import open_zarr, parse_storage_options
from zarrlite.hierarchy.array import Array

if TYPE_CHECKING:
    from zarrlite.cli.common import SubParsers


def _depth(text: str) -> int:
    try:
        depth = int(text)
    except ValueError:
        depth = -1
    if depth < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return depth


def add_parser(sub: SubParsers) -> None:
    """Add the ``tree`` command to `sub`."""
    parser = sub.add_parser(
        "tree", help="show the hierarchy below a group as a tree",
        description="Print the groups and arrays below a group as a tree; arrays show "
        "their shape and data type.")
    add_path(parser)
    parser.add_argument("-d", "--depth", type=_depth, metavar="N",
                        help="show N levels below PATH (default: all)")
    parser.add_argument("--ascii", action="store_true",
                        help="draw the tree with ASCII characters (+--, |) instead of "
                        "box-drawing ones")
    add_storage_options(parser)


def command(args: argparse.Namespace) -> int:
    """Print the tree of the group at ``args.path`` (an array: its one line)."""
    node = open_zarr(args.path, parse_storage_options(args.storage_options))
    if isinstance(node, Array):
        print(f"{node.basename or '/'} {node.shape} {node.dtype}")
        return 0
    tree = node.tree(level=args.depth)
    try:
        print(bytes(tree).decode() if args.ascii else str(tree))
    except UnicodeEncodeError:
        raise UserError("the terminal cannot show the tree's box-drawing characters; "
                        "pass --ascii") from None
    return 0
