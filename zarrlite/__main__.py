"""Command line: ``zarrlite demo [DIR]`` (also ``python -m zarrlite demo``)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile


def demo(directory: str) -> None:
    """Build the README's example hierarchy in `directory` and print info and tree."""
    import numpy as np

    import zarrlite as zl

    path = os.path.join(directory, "example.zarr")
    root = zl.group(zl.DirectoryStore(path), overwrite=True)
    big = root.zeros("big", shape=(100_000_000, 100_000_000), chunks=(10_000, 10_000),
                     dtype="i4")
    big[0, 0:20000] = np.arange(20000)
    corner = big[-1000:, -1000:]
    print(f"big[0, 19998:20002] = {big[0, 19998:20002].tolist()}")
    print(f"big[-1000:, -1000:] is {corner.shape} of fill value {int(corner.max())}")
    print(big.info)
    x = root.create_dataset(
        "x", shape=(1000, 1000), chunks=(100, 100), dtype="f8",
        compressor=zl.Blosc(cname="zstd", clevel=3, shuffle=zl.Blosc.BITSHUFFLE),
        filters=[zl.Delta(dtype="f8")], fill_value=np.nan, order="F",
        dimension_separator="/",
    )
    x[:500] = np.linspace(0, 1, 500 * 1000).reshape(500, 1000)
    x.attrs["units"] = "metres"
    a = zl.open(os.path.join(path, "x"), mode="r")
    print(f"x reopened read-only: {a!r}, x[499, 999] = {a[499, 999]}, x[500, 0] = {a[500, 0]}")
    print(a.info)
    two_level(root, path)
    print(root.tree())
    print(f"\nstore written to {path}")


def two_level(root: object, path: str) -> None:
    """A two-level array: a small window out of one big chunk decodes (and reads) only
    the N-d blocks it touches."""
    import numpy as np

    import zarrlite as zl

    y, x = np.mgrid[0:2048, 0:2048].astype("f4")
    field = np.sin(x / 50) * np.cos(y / 70)
    root.create_dataset("field", data=field, chunks=(2048, 2048),  # type: ignore[attr-defined]
                        compressor=zl.B2ND(cname="lz4", clevel=5))
    f = zl.open(os.path.join(path, "field"), mode="r")
    window = f[1000:1064, 300:364]
    assert np.array_equal(window, field[1000:1064, 300:364])
    print(f"field: one 2048x2048 chunk of {f.compressor!r}")
    shape, blocks = f.compressor.stored_layout(f.chunks, f.dtype.itemsize)
    nblocks = int(np.prod([-(-n // b) for n, b in zip(shape, blocks)]))
    print(f"field[1000:1064, 300:364] decoded {f.stats['blocks_decoded']} of its chunk's "
          f"{nblocks} blocks of {blocks}, fetched by byte ranges: {f.stats['ranged_reads'] == 1}")
    print(f"partial decoding: {f.info['Partial decoding']}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zarrlite", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo_parser = sub.add_parser("demo", help="write and describe an example store")
    demo_parser.add_argument("directory", nargs="?", help="where to write (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        if args.directory:
            os.makedirs(args.directory, exist_ok=True)
            demo(args.directory)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                demo(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
