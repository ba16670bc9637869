"""``zarrlite convert SRC DST``: an HDF5 file, or a Zarr store, into a Zarr store, chunk by
chunk; groups, attributes and chunking kept unless the options change them."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from zarrlite.cli import convert_plan, hdf5_source, staging
from zarrlite.cli.codec_spec import parse_blocks, parse_compressor
from zarrlite.cli.common import add_storage_options, human_size
from zarrlite.cli.convert_plan import Node, Settings
from zarrlite.cli.convert_write import (
    Written,
    check_destination,
    open_destination,
    write_nodes,
)
from zarrlite.cli.errors import UserError, user_message
from zarrlite.cli.locate import (
    Location,
    locate,
    open_store,
    open_zarr,
    parse_storage_options,
    split_location,
)
from zarrlite.convenience import consolidate_metadata
from zarrlite.stores import BaseStore, getsize

if TYPE_CHECKING:
    from zarrlite.cli.common import SubParsers

DESCRIPTION = """\
Copy SRC into a new Zarr store DST, chunk by chunk (never a whole dataset in memory).

SRC is an HDF5 file (recognized by its signature, whatever its name), an object in
one (file.h5:/group/dataset), or a Zarr store or node (data.zarr, data.zarr/group,
s3://bucket/data.zarr). Groups and attributes are kept, and each array's chunks:
an HDF5 dataset's chunk shape (contiguous datasets get zarrlite's guess), a Zarr
array's chunks, filters, fill value and compressor. HDF5 data is compressed with
zarrlite's default (blosc:lz4:5:shuffle) unless --compressor says otherwise.

DST is a directory, a .zip, .sqlite or .lmdb file, or a URL; it must not exist (or be
empty) unless --overwrite is given, and then it must be a Zarr store. A local DST is
written beside itself and takes its place once complete: a failed conversion leaves it
as it was. (At a URL, --overwrite removes the old store first.)"""

EPILOG = """\
compressor SPEC (as 'zarrlite ls' shows codecs):
  none | default | NAME[:PARAM...] | JSON, where NAME[:PARAM...] is one of
  blosc[:CNAME[:CLEVEL[:SHUFFLE]]]  CNAME lz4, lz4hc, zstd, zlib, blosclz; SHUFFLE
                                     noshuffle, shuffle, bitshuffle, autoshuffle
  b2nd[:CNAME[:CLEVEL[:SHUFFLE]]]   two-level chunks (as --b2nd)
  zstd[:LEVEL]  gzip[:LEVEL]  zlib[:LEVEL]  bz2[:LEVEL]  lzma[:PRESET]  lz4[:ACCELERATION]
  and KEY=VALUE parameters after them (blosc:lz4:5:shuffle:blocksize=65536);
  JSON: '{"id": "zstd", "level": 3}'

examples:
  zarrlite convert data.h5 data.zarr
  zarrlite convert data.h5:/run1/images images.zarr --chunks 1,512,512 --compressor zstd:5
  zarrlite convert data.zarr s3://bucket/data.zarr --consolidate
  zarrlite convert big.zarr big-b2nd.zarr --chunks 4096,4096 --b2nd --blocks 256,256"""


def add_parser(sub: SubParsers) -> None:
    """Add the ``convert`` command to `sub`."""
    parser = sub.add_parser(
        "convert", help="convert an HDF5 file or a Zarr store into a Zarr store",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", metavar="SRC", help="HDF5 file or object, Zarr store or node")
    parser.add_argument("dest", metavar="DST", help="the new Zarr store")
    parser.add_argument("--chunks", metavar="SHAPE",
                        help="chunk shape of every array: one length per axis (100,100; -1 "
                        "for the whole axis), one length for every axis (100), or 'auto' "
                        "(zarrlite's guess); default: each array's own")
    parser.add_argument("--compressor", metavar="SPEC",
                        help="compressor of every array (see below); default: blosc:lz4:5 "
                        "for HDF5, each Zarr array's own")
    parser.add_argument("--b2nd", action="store_true",
                        help="two-level chunks (zarrlite.b2nd): N-d blocks inside each chunk, "
                        "compressed with --compressor's codec (zstd:5 by default), so small "
                        "reads decode only the blocks they touch")
    parser.add_argument("--blocks", metavar="SHAPE",
                        help="with --b2nd: the block shape (64,64); default: about 256 KiB "
                        "per block")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace DST when it is a Zarr store already (a local one "
                        "once the new one is complete)")
    parser.add_argument("--consolidate", action="store_true",
                        help="also write consolidated metadata (.zmetadata) into DST")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show a progress bar on stderr (default: when stderr is a "
                        "terminal)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print one line per group and array written")
    add_storage_options(parser)


def settings_of(args: argparse.Namespace) -> Settings:
    """The array options of `args`, checked."""
    if args.blocks is not None and not args.b2nd:
        raise UserError("--blocks sets the blocks of two-level chunks: give --b2nd too")
    return Settings(
        chunks=convert_plan.parse_chunks(args.chunks),
        chunks_text=args.chunks or "",
        compressor=parse_compressor(args.compressor) if args.compressor else "default",
        compressor_given=args.compressor is not None,
        b2nd=args.b2nd,
        blocks=parse_blocks(args.blocks) if args.blocks is not None else None,
    )


def _warn(message: str) -> None:
    print(f"zarrlite: warning: {message}", file=sys.stderr)


def _check_not_same(source: Location, dest: Location) -> None:
    """Refuse a destination that is the source, or inside it, or holds it."""
    if source.is_url or dest.is_url:
        if source.store.rstrip("/") == dest.store.rstrip("/"):
            raise UserError("the destination is the source")
        return
    src = os.path.realpath(source.store)
    dst = os.path.realpath(dest.store)
    if src == dst or src.startswith(dst + os.sep) or dst.startswith(src + os.sep):
        raise UserError(f"the destination {dest.store!r} and the source {source.store!r} "
                        "overlap; give a destination outside the source")


def command(args: argparse.Namespace) -> int:
    """Convert ``args.source`` into ``args.dest``."""
    settings = settings_of(args)
    options = parse_storage_options(args.storage_options)
    source = locate(args.source)
    dest = split_location(args.dest)
    if options and not (source.is_url or dest.is_url):
        raise UserError("--storage-option applies to URLs ('s3://...'), and neither SRC nor "
                        "DST is one")
    _check_not_same(source, dest)
    check_destination(dest, args.overwrite)
    opened = hdf5_source.open_hdf5(source, options if source.is_url else None)
    if opened is None:
        root = open_zarr(args.source, options if source.is_url else None)
        _convert(convert_plan.zarr_plan(root, settings), dest, args, options)
        return 0
    closing, root = opened
    with closing:
        _convert(convert_plan.hdf5_plan(root, settings, _warn), dest, args, options)
    return 0


def _convert(nodes: list[Node], dest: Location, args: argparse.Namespace,
             options: dict[str, Any] | None) -> None:
    """Write the planned `nodes` into a new store at `dest`, and say what was written."""
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    if dest.is_url:
        written, stored = _convert_url(nodes, dest, args, options, progress)
    else:
        written, stored = _convert_local(nodes, dest.store, args, progress)
    what = f"{written.arrays} array{'s' * (written.arrays != 1)}"
    if written.groups:
        what += f", {written.groups} group{'s' * (written.groups != 1)}"
    rate = written.nbytes / 2**20 / written.seconds if written.seconds else 0.0
    print(f"{args.source} -> {args.dest}: {what}, {human_size(written.nbytes)} of data "
          f"({human_size(stored)} stored) in {written.seconds:.1f} s ({rate:.0f} MiB/s)")


def _write(nodes: list[Node], store: BaseStore, args: argparse.Namespace,
           progress: bool) -> tuple[Written, int]:
    """Write `nodes` into `store` (closed afterwards, also on failure): what was written,
    and the bytes stored."""
    try:
        written = write_nodes(nodes, store, progress, args.verbose)
        if args.consolidate:
            consolidate_metadata(store)
        return written, getsize(store, "")
    finally:
        store.close()


def _convert_local(nodes: list[Node], path: str, args: argparse.Namespace,
                   progress: bool) -> tuple[Written, int]:
    """Convert into the local store `path`: written into a hidden sibling, which replaces
    `path` once complete; on failure the sibling is removed and `path` stays as it was.
    (An empty directory given as the destination is written in place, and emptied again
    on failure.)"""
    place = os.path.realpath(path)  # a symbolic link stays, and its target is replaced
    in_place = os.path.isdir(place) and not os.listdir(place)
    target = place if in_place else staging.staging_path(place)
    try:
        result = _write(nodes, open_store(Location(target), "a", None), args, progress)
        if not in_place:
            staging.swap_in(target, place)
    except BaseException:
        if in_place:
            staging.clear_directory(target)
        else:
            staging.remove(target)
        raise
    return result


def _convert_url(nodes: list[Node], dest: Location, args: argparse.Namespace,
                 options: dict[str, Any] | None, progress: bool) -> tuple[Written, int]:
    """Convert into the store at a URL, in place: with ``--overwrite``, the Zarr
    hierarchy there is removed first (an object store has no rename to swap with), so a
    conversion that fails says so."""
    store, removed = open_destination(dest, args.overwrite, options)
    try:
        return _write(nodes, store, args, progress)
    except BaseException as exc:
        if not removed:
            raise
        note = (f"the Zarr store that was at {dest.store!r} had been removed first "
                "(--overwrite on a URL replaces in place), and what is there now is an "
                "incomplete conversion")
        message = user_message(exc) if isinstance(exc, Exception) else None
        if message is None:  # a bug, or an interruption: said apart from it
            _warn(note)
            raise
        raise UserError(f"{message}; {note}") from exc
