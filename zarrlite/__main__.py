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
    print(root.tree())
    print(f"\nstore written to {path}")


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
