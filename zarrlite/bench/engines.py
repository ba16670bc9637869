"""Engine adapters: zarrlite, zarr-python 3, tensorstore and h5py, one small class each.

Every adapter exposes the same small surface so the workloads are written once:

- ``setup()`` -> import the library and apply the thread settings (``ImportError`` if the
  library is not installed);
- ``create(path, shape, chunks, dtype, two_level=False)`` -> handle of a new, empty array
  (not timed); `two_level` asks for N-d blocks inside each chunk where the engine has them
  (zarrlite's B2ND codec, python-blosc2's NDArray), plain Blosc chunks elsewhere;
- ``write(handle, data)`` -> write the whole array and make it durable in the OS (timed);
- ``close(handle)`` -> release files (not timed);
- ``open(path)`` -> handle of an existing array, for reading (timed in workload C);
- ``read(handle, selection)`` -> numpy array for a basic selection of slices/ints;
- ``points(handle, rows, cols)`` -> values at the coordinate pairs, in the given order;
- ``stored_nbytes(path)`` -> bytes on disk.

All engines use Blosc lz4, clevel 5, byte shuffle, fill value 0, C order and 2 threads where the
engine has threads (h5py has none). The peers are imported by ``setup`` only. ``zarr2``
(zarr-python 2) runs in an interpreter of its own (``--zarr2-python``) and reads the arrays
zarrlite wrote: it has no ``create``.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import version
from typing import Any

import numpy as np

import zarrlite as zl
from zarrlite.bench.options import LABELS

THREADS = 2
CNAME = "lz4"
CLEVEL = 5
SHUFFLE = 1  # byte shuffle in every library's numbering

Shape = tuple[int, ...]


def _dir_nbytes(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


class Engine:
    """Base adapter; subclasses fill in the engine-specific calls."""

    name = "?"
    label = "?"
    #: The engine whose copy of a dataset this one reads (None: its own copy).
    reads_from: str | None = None
    #: The file name suffix of this engine's copies.
    suffix = ""
    #: The versions a probe (a child process that set the engine up) reported.
    found_versions: dict[str, str] | None = None

    def setup(self) -> None:
        """Import the library and apply the thread settings (once, before any timing)."""

    def versions(self) -> dict[str, str]:
        """Versions of the library and what it is built on, for the report."""
        return {}

    def create(
        self, path: str, shape: Shape, chunks: Shape, dtype: str, two_level: bool = False
    ) -> Any:
        """A new, empty array at `path`, replacing one that is there."""
        raise NotImplementedError(f"{self.label} cannot create arrays")

    def write(self, handle: Any, data: np.ndarray) -> None:
        """Write the whole array."""
        raise NotImplementedError(f"{self.label} cannot write")

    def open(self, path: str) -> Any:
        """An existing array, for reading."""
        raise NotImplementedError(f"{self.label} cannot open arrays")

    def open_for_reading(self, path: str) -> Any:
        """An existing array, opened once for the timed reads (default: `open`)."""
        return self.open(path)

    def read(self, handle: Any, selection: Any) -> np.ndarray:
        """A basic selection (slices and integers) as a numpy array."""
        raise NotImplementedError(f"{self.label} cannot read")

    def close(self, handle: Any) -> None:
        """Release what `handle` holds open."""

    def stored_nbytes(self, path: str) -> int:
        """Bytes of the array at `path` on disk."""
        return _dir_nbytes(path)

    def describe(self, handle: Any) -> tuple[Shape, np.dtype]:
        """Shape and numpy dtype of an open array."""
        return tuple(handle.shape), np.dtype(handle.dtype)

    def points(self, handle: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The values at the (row, col) pairs, in the given order."""
        raise NotImplementedError(f"{self.label} has no coordinate (fancy) indexing")


class Zarrlite(Engine):
    """zarrlite itself, with ``zarrlite.config.set(threads=2)``."""

    name = "zarrlite"
    label = LABELS[name]

    def setup(self) -> None:
        zl.config.set(threads=THREADS)

    def versions(self) -> dict[str, str]:
        return {"zarrlite": zl.__version__}

    def create(
        self, path: str, shape: Shape, chunks: Shape, dtype: str, two_level: bool = False
    ) -> Any:
        compressor: Any = zl.Blosc(cname=CNAME, clevel=CLEVEL, shuffle=zl.Blosc.SHUFFLE)
        if two_level:
            compressor = zl.B2ND(cname=CNAME, clevel=CLEVEL)
        return zl.create(
            shape,
            chunks=chunks,
            dtype=dtype,
            compressor=compressor,
            fill_value=0,
            store=path,
            overwrite=True,
        )

    def write(self, handle: Any, data: np.ndarray) -> None:
        handle[...] = data

    def open(self, path: str) -> Any:
        return zl.open_array(path, mode="r")

    def read(self, handle: Any, selection: Any) -> np.ndarray:
        return handle[selection]

    def points(self, handle: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return handle.vindex[rows, cols]


class ZarrPython(Engine):
    """zarr-python 3 writing and reading Zarr v2 arrays, with numcodecs' Blosc."""

    name = "zarr"
    label = LABELS[name]

    def setup(self) -> None:
        self.zarr: Any = importlib.import_module("zarr")
        self.numcodecs: Any = importlib.import_module("numcodecs")
        self.blosc: Any = importlib.import_module("numcodecs.blosc")
        # Codec work runs in zarr's thread pool (asyncio.to_thread); inside those worker threads
        # numcodecs' Blosc uses a private context with 1 thread, so 2 workers = 2 threads.
        self.zarr.config.set({"threading.max_workers": THREADS})
        self.blosc.set_nthreads(THREADS)

    def versions(self) -> dict[str, str]:
        return {
            "zarr": self.zarr.__version__,
            "numcodecs": self.numcodecs.__version__,
            "numcodecs c-blosc": self.blosc.VERSION_STRING,
        }

    def create(
        self, path: str, shape: Shape, chunks: Shape, dtype: str, two_level: bool = False
    ) -> Any:
        compressor = self.numcodecs.Blosc(cname=CNAME, clevel=CLEVEL, shuffle=SHUFFLE)
        return self.zarr.create_array(
            store=path,
            shape=shape,
            chunks=chunks,
            dtype=dtype,
            zarr_format=2,
            compressors=compressor,
            filters=None,
            fill_value=0,
            order="C",
            overwrite=True,
        )

    def write(self, handle: Any, data: np.ndarray) -> None:
        handle[...] = data

    def open(self, path: str) -> Any:
        return self.zarr.open_array(path, mode="r", zarr_format=2)

    def read(self, handle: Any, selection: Any) -> np.ndarray:
        return handle[selection]

    def points(self, handle: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return handle.vindex[rows, cols]


class TensorStore(Engine):
    """tensorstore's ``zarr`` driver over its ``file`` kvstore, 2 copy and 2 I/O threads."""

    name = "tensorstore"
    label = LABELS[name]

    def setup(self) -> None:
        self.ts: Any = importlib.import_module("tensorstore")
        self.context = self.ts.Context(
            {
                "data_copy_concurrency": {"limit": THREADS},
                "file_io_concurrency": {"limit": THREADS},
            }
        )

    def versions(self) -> dict[str, str]:
        return {"tensorstore": version("tensorstore")}

    def _spec(self, path: str) -> dict[str, Any]:
        return {"driver": "zarr", "kvstore": {"driver": "file", "path": path}}

    def create(
        self, path: str, shape: Shape, chunks: Shape, dtype: str, two_level: bool = False
    ) -> Any:
        spec = self._spec(path)
        spec["metadata"] = {
            "shape": list(shape),
            "chunks": list(chunks),
            "dtype": np.dtype(dtype).str,
            "compressor": {"id": "blosc", "cname": CNAME, "clevel": CLEVEL, "shuffle": SHUFFLE},
            "fill_value": 0,
            "order": "C",
            "filters": None,
        }
        return self.ts.open(spec, create=True, delete_existing=True, context=self.context).result()

    def write(self, handle: Any, data: np.ndarray) -> None:
        handle.write(data).result()

    def open(self, path: str) -> Any:
        return self.ts.open(self._spec(path), open=True, read=True, context=self.context).result()

    def read(self, handle: Any, selection: Any) -> np.ndarray:
        return handle[selection].read().result()

    def points(self, handle: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return handle.vindex[rows, cols].read().result()

    def describe(self, handle: Any) -> tuple[Shape, np.dtype]:
        return tuple(handle.domain.shape), handle.dtype.numpy_dtype


class H5py(Engine):
    """One HDF5 file per array; dataset "a" chunked, with the hdf5plugin Blosc filter."""

    name = "h5py"
    label = LABELS[name]
    suffix = ".h5"

    def setup(self) -> None:
        self.h5py: Any = importlib.import_module("h5py")
        self.hdf5plugin: Any = importlib.import_module("hdf5plugin")

    def versions(self) -> dict[str, str]:
        return {
            "h5py": self.h5py.__version__,
            "hdf5": self.h5py.version.hdf5_version,
            "hdf5plugin": self.hdf5plugin.version,
        }

    def create(
        self, path: str, shape: Shape, chunks: Shape, dtype: str, two_level: bool = False
    ) -> Any:
        f = self.h5py.File(path, "w")
        blosc = self.hdf5plugin.Blosc(
            cname=CNAME, clevel=CLEVEL, shuffle=self.hdf5plugin.Blosc.SHUFFLE
        )
        return f.create_dataset("a", shape=shape, chunks=chunks, dtype=dtype, fillvalue=0, **blosc)

    def write(self, handle: Any, data: np.ndarray) -> None:
        handle[...] = data
        handle.file.flush()  # push HDF5's chunk cache and metadata to the OS

    def close(self, handle: Any) -> None:
        handle.file.close()

    def open(self, path: str, chunk_cache: bool = False) -> Any:
        if chunk_cache:  # HDF5's default chunk cache, for the scalar-read workload
            return self.h5py.File(path, "r")["a"]
        # No chunk cache: HDF5 2.0 caches 8 MiB of decoded chunks per dataset by default, so a
        # repeated window/column/point read (or all of a small array) would come from memory.
        # No other engine here keeps decoded chunks between calls.
        return self.h5py.File(path, "r", rdcc_nbytes=0)["a"]

    def read(self, handle: Any, selection: Any) -> np.ndarray:
        return handle[selection]

    def points(self, handle: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        # h5py's high level only takes increasing index lists; use an HDF5 point selection.
        h5s = self.h5py.h5s
        space = handle.id.get_space()
        space.select_elements(np.stack([rows, cols], axis=1).astype(np.uint64))
        out = np.empty(len(rows), dtype=handle.dtype)
        handle.id.read(h5s.create_simple((len(rows),)), space, out)
        return out

    def stored_nbytes(self, path: str) -> int:
        return os.path.getsize(path)


class Blosc2(Engine):
    """python-blosc2's NDArray in one file per array (a b2nd frame), 2 C-Blosc2 threads;
    `two_level` or not, it has N-d blocks of C-Blosc2's choosing inside each chunk."""

    name = "blosc2"
    label = LABELS[name]
    suffix = ".b2nd"

    def setup(self) -> None:
        self.blosc2: Any = importlib.import_module("blosc2")
        self.blosc2.set_nthreads(THREADS)

    def versions(self) -> dict[str, str]:
        return {"blosc2": self.blosc2.__version__}

    def create(
        self, path: str, shape: Shape, chunks: Shape, dtype: str, two_level: bool = False
    ) -> Any:
        b2 = self.blosc2
        cparams = b2.CParams(
            codec=b2.Codec.LZ4, clevel=CLEVEL, filters=[b2.Filter.SHUFFLE], nthreads=THREADS
        )
        dparams = b2.DParams(nthreads=THREADS)
        return b2.zeros(shape, dtype=dtype, chunks=chunks, urlpath=path, mode="w",
                        cparams=cparams, dparams=dparams)  # fmt: skip

    def write(self, handle: Any, data: np.ndarray) -> None:
        handle[...] = data

    def open(self, path: str) -> Any:
        return self.blosc2.open(path, mode="r", dparams=self.blosc2.DParams(nthreads=THREADS))

    def read(self, handle: Any, selection: Any) -> np.ndarray:
        return np.asarray(handle[selection])

    def points(self, handle: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return np.asarray(handle[rows, cols])

    def stored_nbytes(self, path: str) -> int:
        return os.path.getsize(path)


class Zarr2(Engine):
    """zarr-python 2 (with numcodecs < 0.16) reading the arrays zarrlite wrote, in an
    interpreter of its own; reads of part of a chunk through ``partial_decompress=True``
    over an FSStore (its Blosc ``decode_partial`` route), whole reads as zarr 2 does by
    default."""

    name = "zarr2"
    label = LABELS[name]
    reads_from = "zarrlite"

    def setup(self) -> None:
        self.zarr: Any = importlib.import_module("zarr")
        if not self.zarr.__version__.startswith("2."):
            raise ImportError(f"zarr {self.zarr.__version__} here, not zarr-python 2")
        self.blosc: Any = importlib.import_module("numcodecs.blosc")
        self.blosc.set_nthreads(THREADS)

    def versions(self) -> dict[str, str]:
        zarr = getattr(self, "zarr", None)  # set up in its own interpreter only
        return {"zarr2": zarr.__version__ if zarr else "2 (--zarr2-python)"}

    def open(self, path: str) -> Any:
        return self.zarr.open_array(path, mode="r")

    def open_for_reading(self, path: str) -> Any:
        store = self.zarr.storage.FSStore(path, mode="r")
        return self.zarr.Array(store, read_only=True, partial_decompress=True)

    def read(self, handle: Any, selection: Any) -> np.ndarray:
        return handle[selection]

    def points(self, handle: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return handle.vindex[rows, cols]


ENGINES: tuple[type[Engine], ...] = (Zarrlite, ZarrPython, TensorStore, H5py, Blosc2, Zarr2)
