"""What several commands share: the PATH and ``--storage-option`` arguments, and sizes in
binary units."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeAlias

    #: The subparsers object each command adds its parser to.
    SubParsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = ["PATH_HELP", "add_path", "add_storage_options", "human_size"]

PATH_HELP = ("a Zarr store (directory, .zip, .sqlite, URL such as s3://bucket/x.zarr) or a "
             "node in one: data.zarr/group/array, data.zip:/group/array")


def add_path(parser: argparse.ArgumentParser, help: str = PATH_HELP) -> None:  # noqa: A002
    """The PATH argument."""
    parser.add_argument("path", metavar="PATH", help=help)


def add_storage_options(parser: argparse.ArgumentParser) -> None:
    """``-o/--storage-option KEY=VALUE``, repeatable: options of a URL's file system."""
    parser.add_argument(
        "-o", "--storage-option", action="append", metavar="KEY=VALUE", dest="storage_options",
        help="an option of the URL's file system (fsspec), e.g. anon=true or "
        "endpoint_url=http://localhost:9000; VALUE is JSON or a string; repeatable")


def human_size(nbytes: int) -> str:
    """Bytes in binary units, one decimal.

    >>> human_size(512), human_size(1536), human_size(3 << 30)
    ('512 bytes', '1.5 KiB', '3.0 GiB')
    """
    size = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024:
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} PiB"
