"""``zarrlite demo [DIR]``: write a small example store and show, with numbers measured
while the demo runs, what zarrlite does differently."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import textwrap
from typing import TYPE_CHECKING

import numpy as np

import zarrlite as zl
from zarrlite.cli.common import human_size
from zarrlite.cli.counting import ByteCountingStore
from zarrlite.cli.errors import UserError
from zarrlite.metadata.keys import chunk_key
from zarrlite.stores import getsize

if TYPE_CHECKING:
    from zarrlite.cli.common import SubParsers

#: Name of the store the demo writes inside its directory.
STORE_NAME = "zarrlite-demo.zarr"
#: The root attribute that marks a store as the demo's own: only such a store is replaced.
DEMO_MARK = "zarrlite_demo"
#: Side of the two-level array's single chunk (float32: 16 MiB decoded).
FIELD_SIDE = 2048
#: The window read out of that chunk.
WINDOW = (slice(1000, 1064), slice(300, 364))
INDENT = "   "


def add_parser(sub: SubParsers) -> None:
    """Add the ``demo`` command to `sub`."""
    parser = sub.add_parser(
        "demo",
        help="write an example store and show what zarrlite does differently",
        description="Write an example store (zarrlite-demo.zarr) and print, with numbers "
        "measured as it runs, what zarrlite does differently: unwritten regions cost "
        "nothing, and a small window of a big two-level chunk reads and decodes "
        "only the blocks it touches.",
    )
    parser.add_argument(
        "directory",
        nargs="?",
        metavar="DIR",
        help="where to write zarrlite-demo.zarr, replacing an earlier one "
        "(default: a temporary directory, removed afterwards)",
    )


def command(args: argparse.Namespace) -> int:
    """``zarrlite demo [DIR]``: `run` in ``args.directory``."""
    run(args.directory)
    return 0


def run(directory: str | None) -> str:
    """Run the demo in `directory`, or in a temporary directory removed afterwards.

    Parameters
    ----------
    directory : str or None
        Where to write ``zarrlite-demo.zarr`` (created if missing; an earlier ``zarrlite-demo.zarr``
        there is replaced). None: a new temporary directory.

    Returns
    -------
    str
        Path of the store written (already removed when `directory` is None).

    Raises
    ------
    UserError
        If `directory` is a file, cannot be written, or holds a ``zarrlite-demo.zarr`` that
        an earlier demo did not write.
    """
    try:
        if directory is None:
            with tempfile.TemporaryDirectory(prefix="zarrlite-demo-") as tmp:
                return demo(os.path.join(tmp, STORE_NAME), kept=False)
        return demo(_store_path(directory), kept=True)
    except BrokenPipeError:
        raise  # the reader of our output went away: not a problem with the store
    except OSError as exc:
        where = directory if directory is not None else "a temporary directory"
        raise UserError(f"cannot write the demo store in {where!r}: {_describe(exc)}") from exc


def _describe(exc: OSError) -> str:
    if exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename!r}"
    return str(exc)


def _store_path(directory: str) -> str:
    """DIR/zarrlite-demo.zarr, after checking that the demo may write (or replace) it."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise UserError(f"{directory!r} is not a directory; give a directory to write the demo in")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, STORE_NAME)
    if os.path.lexists(path):
        if not os.path.isdir(path):
            raise UserError(f"{path!r} exists and is not a directory; not replacing it")
        if os.listdir(path) and not _is_demo_store(path):
            raise UserError(f"{path!r} exists and is not an earlier demo store; not replacing "
                            "it (give the demo another directory)")
    return path


def _is_demo_store(path: str) -> bool:
    """Whether `path` holds a store an earlier demo wrote (its root attributes say so)."""
    try:
        with open(os.path.join(path, ".zattrs"), encoding="utf-8") as f:
            return json.load(f).get(DEMO_MARK) is True
    except (OSError, ValueError, AttributeError):
        return False


def demo(path: str, kept: bool = True) -> str:
    """Write the example hierarchy at `path` and print what each part shows.

    Parameters
    ----------
    path : str
        Directory of the store; anything there is replaced.
    kept : bool
        Whether the store stays after the demo (only changes the last line printed).

    Returns
    -------
    str
        `path`.
    """
    root = zl.group(zl.DirectoryStore(path), overwrite=True)
    root.attrs[DEMO_MARK] = True
    reader = ByteCountingStore(zl.DirectoryStore(path, mode="r"))
    print(
        f"zarrlite {zl.__version__} demo: writes a Zarr v2 store and reads parts of it back;\n"
        "the bytes read are counted by a wrapper around the directory store\n"
    )
    _sparse(root, reader)
    _two_level(root, reader)
    _hierarchy(root, path)
    print(f"store: {path}")
    if not kept:
        print("  (in a temporary directory, now removed; 'zarrlite demo DIR' keeps the store)")
    return path


def _sparse(root: zl.Group, reader: ByteCountingStore) -> None:
    """A huge array with a few chunks written: reads of the rest cost nothing."""
    big = root.zeros("big", shape=(10**8, 10**8), chunks=(1000, 1000), dtype="i4")
    big[0, :2500] = np.arange(2500)
    z = zl.open_array(reader, path="big", mode="r")
    head = z[0, 2498:2502].tolist()
    reader.reset()
    decoded_before = z.stats["chunks_decoded"]
    corner = z[-1000:, -1000:]
    nbytes_read = reader.nbytes_read
    decoded = z.stats["chunks_decoded"] - decoded_before
    if head != [2498, 2499, 0, 0] or not (corner == z.fill_value).all():
        raise RuntimeError("the sparse array read back differs from the data written")
    print("1. Unwritten regions cost nothing")
    print(f"{INDENT}big = {z.dtype} array {z.shape}, {human_size(z.nbytes)}, chunks {z.chunks}")
    print(f"{INDENT}wrote big[0, :2500] = arange(2500); big[0, 2498:2502] reads {head}")
    print(
        f"{INDENT}big[-1000:, -1000:] was never written: it reads as the fill value "
        f"{z.fill_value},\n{INDENT}  with {decoded} chunks decoded and {nbytes_read} bytes read"
    )
    print(
        f"{INDENT}stored: {z.nchunks_initialized} of {z.nchunks:,} chunks, "
        f"{human_size(z.nbytes_stored)} in all\n"
    )


def _two_level(root: zl.Group, reader: ByteCountingStore) -> None:
    """A small window out of one big two-level chunk: few blocks decoded, few bytes read."""
    n = FIELD_SIDE
    axis = np.arange(n, dtype="f4")
    field = np.cos(axis / 70)[:, None] * np.sin(axis / 50)[None, :]
    root.create_dataset(
        "field", data=field, chunks=(n, n), compressor=zl.B2ND(cname="lz4", clevel=5)
    )
    f = zl.open_array(reader, path="field", mode="r")
    reader.reset()
    window = f[WINDOW]
    nbytes_read = reader.nbytes_read
    if not np.array_equal(window, field[WINDOW]):
        raise RuntimeError("the window read back differs from the data written")
    shape, blocks = f.compressor.stored_layout(f.chunks, f.dtype.itemsize)
    nblocks = int(np.prod([-(-c // b) for c, b in zip(shape, blocks)]))
    stored = getsize(reader, chunk_key("field", (0, 0), f.dimension_separator))
    decoded = f.nbytes  # one chunk: the whole array
    how = "by byte ranges" if f.stats["ranged_reads"] else "(the chunk was read whole)"
    rows, cols = (f"{s.start}:{s.stop}" for s in WINDOW)
    print(
        f"2. Two-level chunks ({f.compressor.codec_id}): a window reads and decodes only "
        "the blocks it touches"
    )
    print(
        f"{INDENT}field = {f.dtype} array {f.shape} in one chunk of {human_size(decoded)}, "
        f"stored as {human_size(stored)}\n{INDENT}  in {nblocks} N-d blocks of {blocks}"
    )
    print(
        f"{INDENT}field[{rows}, {cols}] decoded {f.stats['blocks_decoded']} of the {nblocks} "
        f"blocks and read {human_size(nbytes_read)}\n{INDENT}  of the chunk's {human_size(stored)} "
        f"({100 * nbytes_read / stored:.1f}%) {how}"
    )
    print(
        f"{INDENT}zarr-python reads and decodes the whole chunk for it: {human_size(stored)} read, "
        f"{human_size(decoded)} decoded\n"
    )


def _hierarchy(root: zl.Group, path: str) -> None:
    """An array with a filter, attributes and a NaN fill value, reopened read-only; the
    group's tree."""
    x = root.create_dataset(
        "x",
        shape=(1000, 1000),
        chunks=(250, 250),
        dtype="f8",
        compressor=zl.Blosc(cname="zstd", clevel=3, shuffle=zl.Blosc.BITSHUFFLE),
        filters=[zl.Delta(dtype="f8")],
        fill_value=np.nan,
        order="F",
        dimension_separator="/",
    )
    x[:500] = np.linspace(0, 1, 500 * 1000).reshape(500, 1000)
    x.attrs["units"] = "metres"
    a = zl.open_array(path, mode="r", path="x")
    print("3. Plain Zarr v2, as zarr-python writes it: filters, attributes, fill values, groups")
    print(
        f"{INDENT}x reopened read-only: x[499, 999] = {a[499, 999]}, x[500, 0] = "
        f"{a[500, 0]} (fill value),\n{INDENT}  attrs {a.attrs.asdict()}; x.info:"
    )
    print(textwrap.indent(repr(a.info), INDENT), end="")
    print(f"{INDENT}root.tree():")
    print(textwrap.indent(str(root.tree()), INDENT) + "\n")
