"""``zarrlite info PATH``: the info report of an array or a group, and its attributes."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from zarrlite.cli.common import add_path, add_storage_options
from zarrlite.cli.errors import one_line
from zarrlite.cli.locate import open_zarr, parse_storage_options

if TYPE_CHECKING:
    from zarrlite.cli.common import SubParsers

#: Longest attribute value shown (longer ones end in "...").
VALUE_WIDTH = 72


def add_parser(sub: SubParsers) -> None:
    """Add the ``info`` command to `sub`."""
    parser = sub.add_parser(
        "info", help="report on an array or a group (shape, chunks, codecs, sizes, ...)",
        description="Print the info report of an array (data type, shape, chunks, filters, "
        "compressor, bytes stored, chunks initialized, partial decoding) or a group "
        "(members), then its attributes.")
    add_path(parser)
    add_storage_options(parser)


def command(args: argparse.Namespace) -> int:
    """Print the report of the node at ``args.path``."""
    node = open_zarr(args.path, parse_storage_options(args.storage_options))
    print(repr(node.info), end="")
    attrs = node.attrs.asdict()
    if attrs:
        width = max(len(name) for name in attrs)
        print("Attributes:")
        for name, value in attrs.items():
            print(f"  {name:<{width}} : {shorten(value)}")
    return 0


def shorten(value: Any, width: int = VALUE_WIDTH) -> str:
    """An attribute value as one line of JSON, at most `width` characters.

    >>> shorten({"units": "K", "scale": [1, 2, 3]})
    '{"units": "K", "scale": [1, 2, 3]}'
    >>> shorten(list(range(100)), width=20)
    '[0, 1, 2, 3, 4, ...'
    """
    text = one_line(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= width else text[: width - 3] + "..."
