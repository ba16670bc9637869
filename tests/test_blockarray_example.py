"""The "format package" example of docs/chunked.md runs as written and does what it says.

The example is kept here word for word (``EXAMPLE``) and run in a temporary working
directory; the test then checks its results against numpy and counts the blocks it reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

EXAMPLE = '''
import json
import numpy as np
from zarrlite.chunked.blockarray import BlockArray
from zarrlite.chunked.grid import regular_grid

MAGIC = b"RAWARRAY"  # then one JSON line {"dtype": ..., "shape": ...}, then the items


def create_raw(path, shape, dtype):
    header = MAGIC + json.dumps({"dtype": np.dtype(dtype).str, "shape": shape}).encode()
    with open(path, "wb") as f:
        f.write(header + b"\\n")
        f.truncate(f.tell() + np.dtype(dtype).itemsize * int(np.prod(shape)))


class RawArray(BlockArray):
    """A C-order array stored after a small header, in chunks of 256 x 256."""

    def __init__(self, path, mode="r"):
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise ValueError(f"{path} is not a raw array file")
            header = json.loads(f.readline())
            offset = f.tell()
        self.shape, self.dtype = tuple(header["shape"]), np.dtype(header["dtype"])
        self.mode = mode
        self.items = np.memmap(path, self.dtype, mode, offset, self.shape)

    def readblock(self, out, slices):
        out[...] = self.items[slices]

    def writeblock(self, data, slices):
        if self.mode == "r":
            raise PermissionError("opened read-only")
        self.items[slices] = data

    def eachchunk(self):
        return regular_grid(self.shape, (256, 256))


create_raw("image.raw", [1000, 800], "i4")
a = RawArray("image.raw", mode="r+")
a[...] = np.arange(800_000, dtype="i4").reshape(1000, 800)  # a writeblock per chunk
a.items.flush()

a = RawArray("image.raw")
print(a)  # <RawArray shape=(1000, 800) dtype=int32 chunks=(256, 256)>
print(a[1, :3].tolist())  # [800, 801, 802]: one readblock
print(a[999:200:-400, [799, 0]].tolist())  # [[799999, 799200], [479999, 479200]]
print(a.vindex[[0, 999], [0, 799]].tolist())  # [0, 799999]: two 1x1 blocks, not the whole
print(a[a[:, 0] >= 798_400, -1].tolist())  # [799199, 799999]: a mask of rows
print(a.mean(axis=0)[:2].tolist(), a.max())  # [399600.0, 399601.0] 799999: chunk by chunk
'''


def run_example(tmp_path: Path) -> dict[str, Any]:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace: dict[str, Any] = {"__name__": "example"}
        exec(compile(EXAMPLE, "docs/chunked.md example", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


def test_example_runs_and_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_example(tmp_path)
    assert capsys.readouterr().out.splitlines() == [
        "<RawArray shape=(1000, 800) dtype=int32 chunks=(256, 256)>",
        "[800, 801, 802]",
        "[[799999, 799200], [479999, 479200]]",
        "[0, 799999]",
        "[799199, 799999]",
        "[399600.0, 399601.0] 799999",
    ]


def test_example_matches_numpy_in_few_blocks(tmp_path: Path) -> None:
    ns = run_example(tmp_path)
    expected = np.arange(800_000, dtype="i4").reshape(1000, 800)
    reads: list[tuple[slice, ...]] = []

    class Counted(ns["RawArray"]):  # type: ignore[misc]
        def readblock(self, out: np.ndarray, slices: tuple[slice, ...]) -> None:
            reads.append(slices)
            super().readblock(out, slices)

    a = Counted(str(tmp_path / "image.raw"))
    for sel, calls in [((1, slice(None, 3)), 1), ((slice(None, None, 400), [0, 799]), 6),
                       ((slice(300, 700), slice(100, 600)), 1), ((slice(None, None, 2), 5), 1),
                       ((slice(None, None, 300), 5), 4), (Ellipsis, 1)]:
        reads.clear()
        np.testing.assert_array_equal(a[sel], expected[sel])
        assert len(reads) == calls, sel
    reads.clear()
    np.testing.assert_array_equal(a.vindex[[0, 999], [0, 799]], [0, 799_999])
    assert reads == [(slice(0, 1), slice(0, 1)), (slice(999, 1000), slice(799, 800))]
    reads.clear()
    np.testing.assert_array_equal(a[a[:, 0] >= 798_400, -1], expected[998:, -1])
    assert reads[-1] == (slice(998, 1000), slice(799, 800))
    with pytest.raises(PermissionError):
        a[0, 0] = 1
    header = (tmp_path / "image.raw").read_bytes()[:8]
    assert header == b"RAWARRAY"
    with pytest.raises(ValueError, match="not a raw array file"):
        (tmp_path / "other.raw").write_bytes(b"NOTRAW\n")
        ns["RawArray"](str(tmp_path / "other.raw"))
