"""The ``zarrlite`` command (also ``python -m zarrlite``)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from zarrlite import __version__
from zarrlite.cli import demo, fsck
from zarrlite.cli.errors import UserError

__all__ = ["UserError", "build_parser", "main", "parse_args"]

PROG = "zarrlite"

DESCRIPTION = """\
zarrlite: a Zarr v2 storage engine with a C core. Chunked, compressed N-d arrays
in stores that zarr-python, numcodecs and tensorstore read and write too."""

EPILOG = """\
examples:
  zarrlite demo            run the demo in a temporary directory (removed afterwards)
  zarrlite demo ./scratch  write the demo store to ./scratch/zarrlite-demo.zarr and keep it
  zarrlite fsck data.zarr  list what interrupted writes left in a store (--clean removes)"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: ``zarrlite: error: ...``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{PROG} --help')\n")


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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")  # required: see parse_args
    demo_parser = sub.add_parser(
        "demo",
        help="write an example store and show what zarrlite does differently",
        description="Write an example store (zarrlite-demo.zarr) and print, with numbers measured "
        "as it runs, what zarrlite does differently: unwritten regions cost "
        "nothing, and a small window of a big two-level chunk reads and decodes "
        "only the blocks it touches.",
    )
    demo_parser.add_argument(
        "directory",
        nargs="?",
        metavar="DIR",
        help="where to write zarrlite-demo.zarr, replacing an earlier one "
        "(default: a temporary directory, removed afterwards)",
    )
    fsck_parser = sub.add_parser(
        "fsck",
        help="find (and remove) what interrupted writes left in a directory store",
        description="List the temporary files that writes killed midway left in a directory "
        "store (readers never see them); with --clean, remove them.",
    )
    fsck_parser.add_argument("path", metavar="PATH", help="the store's directory")
    fsck_parser.add_argument("--clean", action="store_true",
                             help="remove the stale temporary files")
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
        as one line on stderr), 1 when stdout was closed early.
    """
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    try:
        if args.command == "demo":
            demo.run(args.directory)
        elif args.command == "fsck":
            fsck.run(args.path, args.clean)
    except UserError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `zarrlite demo | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    return 0
