"""The physical limits each workload is held against: what any engine must at least pay.

- ``A_limits``: bare decompression of A's chunks as zarrlite stored them, into preallocated
  buffers, without file I/O, by C-Blosc 1 (numcodecs) and by C-Blosc2 (python-blosc2), each
  with a 2-worker thread pool (1 Blosc thread each) and with Blosc's own 2 threads; bare
  compression of A's chunks (C-Blosc 1 format, numcodecs); ``memcpy`` of A into a
  preallocated and into a new array; reading A's chunk files;
- ``B_files``: creating, writing and reading B's 4096 chunk files with plain ``os`` calls,
  on 1 and 2 threads.

Each case is made by a factory (`limit_cases`) so that a fresh process builds only the one
it times. A case whose library is missing raises ``NotImplementedError`` (shown as n/a).
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from zarrlite.bench.engines import CLEVEL, CNAME, SHUFFLE, THREADS
from zarrlite.bench.harness import Case, Dataset, Wrong, check_equal, check_same, load_chunks

#: The limit cases of each workload, in table order.
LIMIT_CASES = {
    "A_limits": (
        "decompress:c-blosc2-pool",
        "decompress:c-blosc2-threads",
        "decompress:c-blosc1-pool",
        "decompress:c-blosc1-threads",
        "compress:c-blosc1-pool",
        "compress:c-blosc1-threads",
        "memcpy",
        "copy-to-new-array",
        "files:read-A",
    ),
    "B_files": (
        "files:write-1-thread",
        "files:write-2-threads",
        "files:read-1-thread",
        "files:read-2-threads",
    ),
}


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise NotImplementedError(f"needs {name.split('.')[0]} ({err})") from err


def _chunk_of(data: np.ndarray, chunks: tuple[int, ...], coords: tuple[int, ...]) -> np.ndarray:
    ci, cj = coords
    rows, cols = chunks
    return data[ci * rows : (ci + 1) * rows, cj * cols : (cj + 1) * cols]


class _Chunks:
    """A's stored chunks (read once, untimed), preallocated outputs and a 2-worker pool."""

    def __init__(self, ds: Dataset, path: str) -> None:
        self.ds = ds
        self.coords, self.cdatas = load_chunks(path)
        nbytes = int(np.prod(ds.chunks)) * ds.data.itemsize
        self.outs = np.empty((len(self.cdatas), nbytes), dtype=np.uint8)
        self.pool = ThreadPoolExecutor(THREADS)

    def check_decoded(self, _c: Any, _out: Any) -> None:
        for c, out in zip(self.coords, self.outs):
            expected = _chunk_of(self.ds.data, self.ds.chunks, c)
            check_equal(out.view(expected.dtype).reshape(expected.shape), expected, "decompress")
        self.outs[...] = 0

    def blocks(self) -> list[np.ndarray]:
        data, chunks = self.ds.data, self.ds.chunks
        return [np.ascontiguousarray(_chunk_of(data, chunks, c)) for c in self.coords]


def _decompress(chunks: _Chunks, library: str, pool: bool) -> Case:
    if library == "c-blosc2":
        blosc2 = _import("blosc2")
        blosc2.set_nthreads(1 if pool else THREADS)

        def decode(i: int) -> None:
            blosc2.decompress(chunks.cdatas[i], dst=chunks.outs[i])
    else:
        numcodecs, blosc = _import("numcodecs"), _import("numcodecs.blosc")
        codec = numcodecs.Blosc(cname=CNAME, clevel=CLEVEL, shuffle=SHUFFLE)
        blosc.set_nthreads(THREADS)  # used on the main thread; pool workers use 1

        def decode(i: int) -> None:
            codec.decode(chunks.cdatas[i], out=chunks.outs[i])

    indices = range(len(chunks.cdatas))

    def run(_c: Any) -> None:
        if pool:
            list(chunks.pool.map(decode, indices))
        else:
            for i in indices:
                decode(i)

    return Case(run=run, check=chunks.check_decoded)


def _compress(chunks: _Chunks, pool: bool) -> Case:
    numcodecs, blosc = _import("numcodecs"), _import("numcodecs.blosc")
    codec = numcodecs.Blosc(cname=CNAME, clevel=CLEVEL, shuffle=SHUFFLE)
    blosc.set_nthreads(THREADS)
    blocks = chunks.blocks()

    def check(_c: Any, encoded: list[bytes]) -> None:
        for cdata, block in zip(encoded, blocks):
            decoded = np.frombuffer(codec.decode(cdata), dtype=block.dtype)
            check_equal(decoded.reshape(block.shape), block, "compress")

    if pool:
        return Case(run=lambda _c: list(chunks.pool.map(codec.encode, blocks)), check=check)
    return Case(run=lambda _c: [codec.encode(b) for b in blocks], check=check)


def _a_case(name: str, ds: Dataset, path: str) -> Case:
    if name == "memcpy":
        a = ds.data
        dst = np.empty_like(a)
        dst[...] = 1  # touched: the copy pays no page faults
        return Case(run=lambda _c: np.copyto(dst, a),
                    check=lambda _c, _o: check_equal(dst, a, "memcpy"))  # fmt: skip
    if name == "copy-to-new-array":
        return Case(run=lambda _c: ds.data.copy(),
                    check=lambda _c, out: check_equal(out, ds.data, "copy"))  # fmt: skip
    chunks = _Chunks(ds, path)
    if name == "files:read-A":
        return Case(run=lambda _c: load_chunks(path)[1],
                    check=lambda _c, out: check_same(out, chunks.cdatas))  # fmt: skip
    verb, how = name.split(":")
    library, mode = how.rsplit("-", 1)
    if verb == "decompress":
        return _decompress(chunks, library, mode == "pool")
    return _compress(chunks, mode == "pool")


def _b_case(name: str, ds: Dataset, path: str, root: str) -> Case:
    coords, cdatas = load_chunks(path)
    names = [f"{i}.{j}" for i, j in coords]
    target = os.path.join(root, "B-files-" + name.replace(":", "-"))
    pool = ThreadPoolExecutor(THREADS)
    threads = 2 if name.endswith("2-threads") else 1

    def fresh() -> str:
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        return target

    def write_one(k: int) -> int:
        fd = os.open(os.path.join(target, names[k]), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            return os.write(fd, cdatas[k])
        finally:
            os.close(fd)

    def read_one(k: int) -> bytes:
        with open(os.path.join(path, names[k]), "rb") as f:
            return f.read()

    def each(fn: Callable[[int], Any]) -> list[Any]:
        if threads == 1:
            return [fn(k) for k in range(len(names))]
        return list(pool.map(fn, range(len(names))))

    if name.startswith("files:write"):
        return Case(prepare=fresh, run=lambda _c: each(write_one), sync=True,
                    check=lambda _c, _o: check_same(load_chunks(target)[1], cdatas),
                    cleanup=lambda _c: shutil.rmtree(target, ignore_errors=True))  # fmt: skip
    return Case(run=lambda _c: each(read_one), check=lambda _c, out: check_same(out, cdatas))


def limit_case(workload: str, name: str, ds: Dataset, path: str, root: str) -> Case:
    """The limit case `name` of `workload`, on dataset `ds` whose zarrlite copy is at `path`.

    Raises
    ------
    NotImplementedError
        If the case needs a library that is not installed.
    Wrong
        If `name` is not one of `workload`'s limit cases.
    """
    if name not in LIMIT_CASES.get(workload, ()):
        raise Wrong(f"no limit case {name!r} in {workload}")
    if workload == "A_limits":
        return _a_case(name, ds, path)
    return _b_case(name, ds, path, root)
