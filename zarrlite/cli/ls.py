"""``zarrlite ls PATH``: one line per member of a group (or for one array), as h5ls
lists an HDF5 file: name, kind and shape, data type, chunks, codecs, bytes stored."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from zarrlite.cli.codec_spec import codecs_label
from zarrlite.cli.common import add_path, add_storage_options, human_size
from zarrlite.cli.errors import user_message
from zarrlite.cli.locate import open_zarr, parse_storage_options
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.group import Group

if TYPE_CHECKING:
    from zarrlite.cli.common import SubParsers


def add_parser(sub: SubParsers) -> None:
    """Add the ``ls`` command to `sub`."""
    parser = sub.add_parser(
        "ls", help="list a group's members: shapes, data types, chunks, codecs, sizes",
        description="List the members of a group, one line each, as h5ls does: name, "
        "Group or Array {shape}, data type, chunk shape, codecs (filters+compressor, in "
        "the syntax of 'convert --compressor') and bytes stored (with the compression "
        "ratio, once chunks are written; not for objects). For an array, list that array.")
    add_path(parser)
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="list the members of subgroups too, by their path")
    add_storage_options(parser)


def command(args: argparse.Namespace) -> int:
    """Print the listing of ``args.path``."""
    node = open_zarr(args.path, parse_storage_options(args.storage_options))
    if isinstance(node, Array):
        rows = [row(node.basename or "/", node)]
    else:
        rows = list(member_rows(node, "", args.recursive))
    print_table(rows)
    return 0


def _dims(values: tuple[int, ...]) -> str:
    """A shape as h5ls writes it: ``{100, 200}`` (``{}`` for a 0-d array)."""
    return "{" + ", ".join(str(v) for v in values) + "}"


def row(name: str, node: Any) -> list[str]:
    """The columns of one node's line."""
    if isinstance(node, Group):
        return [name, "Group"]
    stored = node.nbytes_stored
    # a ratio of metadata alone, or of object pointers, would mean nothing
    counts = stored and node.nbytes and not node.dtype.hasobject and node.nchunks_initialized
    ratio = f" ({node.nbytes / stored:.1f}x)" if counts else ""
    return [name, f"Array {_dims(node.shape)}", str(node.dtype),
            f"chunks {_dims(node.chunks)}", codecs_label(node), human_size(stored) + ratio]


def member_rows(group: Group, prefix: str, recursive: bool) -> Iterator[list[str]]:
    """The lines of `group`'s members (in name order), each subgroup's own members
    after it when `recursive`."""
    for name in group:
        path = prefix + name
        try:
            node = group[name]
            line = row(path, node)
        except Exception as exc:  # a member that cannot be opened: say why, go on
            message = user_message(exc)
            if message is None:
                raise
            yield [path, f"(cannot open: {message})"]
            continue
        yield line
        if recursive and isinstance(node, Group):
            yield from member_rows(node, path + "/", recursive)


def print_table(rows: list[list[str]]) -> None:
    """Print `rows` with each column as wide as its widest cell (a row's last cell is
    not padded)."""
    ncols = max((len(r) for r in rows), default=0)
    widths = [max((len(r[i]) for r in rows if len(r) > i + 1), default=0)
              for i in range(ncols)]
    for r in rows:
        cells = [cell.ljust(widths[i]) if i < len(r) - 1 else cell for i, cell in enumerate(r)]
        print("  ".join(cells))
