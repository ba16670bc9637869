"""The ``zarrlite`` command (also ``python -m zarrlite``).

Each command is a module of this package with ``add_parser(subparsers)``, which adds its
arguments, and ``command(args) -> int``, which runs it; this module only parses the
command line, dispatches, and turns user errors into one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from types import ModuleType
from typing import NoReturn

from zarrlite import __version__
from zarrlite.cli import bench, consolidate, convert, demo, fsck, info, ls, tree
from zarrlite.cli.errors import UserError, storage_option_message, user_message

__all__ = ["UserError", "build_parser", "main", "parse_args"]

PROG = "zarrlite"

#: The commands, in the order ``zarrlite --help`` lists them.
COMMANDS: dict[str, ModuleType] = {
    "info": info,
    "ls": ls,
    "tree": tree,
    "convert": convert,
    "consolidate": consolidate,
    "fsck": fsck,
    "demo": demo,
    "bench": bench,
}

DESCRIPTION = """\
zarrlite: a Zarr v2 storage engine with a C core. Chunked, compressed N-d arrays
in stores that zarr-python, numcodecs and tensorstore read and write too."""

EPILOG = """\
examples:
  zarrlite demo                       run the demo in a temporary directory (removed afterwards)
  zarrlite demo ./scratch             write the demo store to ./scratch/zarrlite-demo.zarr
  zarrlite ls -r data.zarr            every array: shape, dtype, chunks, codecs, size stored
  zarrlite info data.zarr/group/x     the info report of one array
  zarrlite tree data.zarr --depth 2   the hierarchy, two levels deep
  zarrlite convert data.h5 data.zarr  an HDF5 file into a Zarr store, chunk by chunk
  zarrlite consolidate data.zarr      write .zmetadata (one read opens the hierarchy)
  zarrlite fsck data.zarr             list what interrupted writes left (--clean removes)
  zarrlite bench --quick              time zarrlite against zarr-python, tensorstore, h5py

PATH may be a directory, a .zip/.sqlite/.lmdb file or a URL (s3://, gs://, http://),
and may name a node inside: data.zarr/group/x, data.zip:/group/x, s3://b/d.zarr:/x.
'zarrlite COMMAND --help' describes a command."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: ``zarrlite: error: ...``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``zarrlite`` command line.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = _Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",  # required: parse_args
                                parser_class=_Parser)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse a command line; usage errors exit with status 2 after one line on stderr.

    Unknown options are reported as such even when the command is missing too (argparse
    would report only the missing command).
    """
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    if args.command is None:
        parser.error("missing COMMAND, e.g. 'zarrlite demo'")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the ``zarrlite`` command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 for a usage error or one the user can fix (reported
        as one line on stderr), 1 when stdout was closed early, 130 when interrupted;
        ``zarrlite bench`` returns the suite's status.
    """
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    try:
        status = COMMANDS[args.command].command(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return status
    except BrokenPipeError:  # e.g. `zarrlite ls -r data.zarr | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        message = user_message(exc)
        if message is None and getattr(args, "storage_options", None):
            keys = [item.partition("=")[0] for item in args.storage_options]
            message = storage_option_message(exc, keys)
        if message is None:
            raise  # a bug: the traceback tells where
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
