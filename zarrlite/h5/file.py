"""`File`: a Zarr hierarchy opened the way ``h5py.File`` opens an HDF5 file.

The "file" is a store: a directory (given a path), or any store or mapping. The modes are
h5py's: ``r`` (read-only, must exist), ``r+`` (read/write, must exist), ``w`` (create,
replacing what is there), ``w-``/``x`` (create, fail if it exists), ``a`` (read/write,
created if missing). A Zarr hierarchy "exists" when a group (``.zgroup``) is at the root.

``w`` deletes an existing hierarchy first; it refuses to delete anything that is not one
(a directory holding other files), so a wrong path never costs data.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import MutableMapping
from typing import Any

from zarrlite.h5.dataset import Dataset
from zarrlite.h5.errors import FileClosedError
from zarrlite.h5.group import Group
from zarrlite.hierarchy.creation import init_group
from zarrlite.metadata.array_meta import ArrayMeta
from zarrlite.metadata.keys import ARRAY_META_KEY, GROUP_META_KEY, normalize_path
from zarrlite.stores import LMDBStore, MemoryStore, SQLiteStore, ZipStore
from zarrlite.stores.access import normalize_store, rmdir

MODES = ("r", "r+", "w", "w-", "x", "a")

#: HDF5 tuning keywords of h5py.File that change nothing a Zarr store keeps.
_IGNORED = frozenset({
    "libver", "userblock_size", "swmr", "rdcc_nslots", "rdcc_nbytes", "rdcc_w0",
    "track_order", "fs_strategy", "fs_persist", "fs_threshold", "fs_page_size",
    "page_buf_size", "min_meta_keep", "min_raw_keep", "locking", "alignment_threshold",
    "alignment_interval", "meta_block_size",
})

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class File(Group):
    """A Zarr hierarchy opened with h5py's ``File`` interface; also its root group.

    Parameters
    ----------
    name : str, os.PathLike or MutableMapping
        A directory (a directory store), or a store / mapping.
    mode : {'r', 'r+', 'w', 'w-', 'x', 'a'}, optional
        As in h5py (default 'r').
    driver : None, 'sec2' or 'core', optional
        ``driver="core", backing_store=False`` gives an in-memory file, as in h5py; other
        HDF5 drivers are refused.
    **kwds
        HDF5 tuning keywords (``libver``, ``rdcc_nbytes``, ``swmr``, ``locking``, ...) are
        accepted and change nothing; others raise TypeError.

    Raises
    ------
    FileNotFoundError
        Modes 'r' and 'r+' when no hierarchy is there.
    FileExistsError
        Modes 'w-' and 'x' when one is.
    ValueError
        For an unknown mode.
    OSError
        When `name` is an HDF5 file, a plain file, or (mode 'w') a directory that holds
        something other than a Zarr hierarchy.

    Examples
    --------
    >>> import zarrlite as zl
    >>> with zl.File(zl.MemoryStore(), "w") as f:
    ...     d = f.create_dataset("x", data=[1, 2, 3])
    ...     f.attrs["title"] = "demo"
    ...     print(f.name, f.mode, list(f), f["x"][1])
    / r+ ['x'] 2
    >>> bool(f)
    False
    """

    def __init__(self, name: Any, mode: str = "r", driver: str | None = None,
                 **kwds: Any) -> None:
        if mode not in MODES:
            raise ValueError("Invalid mode; must be one of r, r+, w, w-, x, a")
        backing_store = kwds.pop("backing_store", True)
        unknown = sorted(set(kwds) - _IGNORED)
        if unknown:
            raise TypeError(f"File() got unexpected keyword arguments {unknown}")
        if driver not in (None, "sec2", "core"):
            raise TypeError(f"driver={driver!r}: HDF5 drivers do not apply to Zarr stores; "
                            "pass a store object instead")
        self._is_open = False
        #: One Dataset object per path while any is held: a resize through one is seen by
        #: every holder, as h5py's objects all see the file.
        self._datasets: weakref.WeakValueDictionary[str, Dataset] = \
            weakref.WeakValueDictionary()
        self._filename = _filename_of(name)
        if driver == "core" and not backing_store:
            name = MemoryStore()
        store = _open_store(name, mode)
        exists = _hierarchy_exists(store, self._filename)
        if mode in ("r", "r+") and not exists:
            raise FileNotFoundError(2, "Unable to open file: no Zarr hierarchy (no .zgroup)",
                                    self._filename)
        if mode in ("w-", "x") and exists:
            raise FileExistsError(17, "Unable to create file: a Zarr hierarchy is there",
                                  self._filename)
        if mode == "w" and exists and store.supports_deletes:  # (a zip archive: made anew)
            rmdir(store, "")
        if mode in ("w", "w-", "x") or (mode == "a" and not exists):
            init_group(store, "", overwrite=False)
        super().__init__(store, "", mode == "r", cache_attrs=False)
        self._h5_file = self
        self._is_open = True
        self._mode = "r" if mode == "r" else "r+"

    # ---------------------------------------------------------------- the file
    @property
    def filename(self) -> str:
        """The path given (or the store's location)."""
        self._check_open()
        return self._filename

    @property
    def mode(self) -> str:
        """'r' (read-only) or 'r+' (read/write), as h5py reports it."""
        self._check_open()
        return self._mode

    @property
    def driver(self) -> str:
        """Where the hierarchy lives: 'zarr' (h5py names the HDF5 driver here)."""
        return "zarr"

    def close(self) -> None:
        """Close the file: every object from it refuses access from now on (h5py's rule).
        A store that zarrlite opened from a path and that has ``close()`` is closed."""
        if not self._is_open:
            return
        self._is_open = False
        close = getattr(self._store, "close", None)
        if callable(close):
            close()

    def __reduce__(self) -> tuple[Any, ...]:
        # the store (pickled as what reopens it) and the mode; never 'w', which would empty
        # the file again where it is unpickled
        self._check_open()
        return _reopen_file, (self._store, self._mode, self._filename)

    def __enter__(self) -> File:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if not self._is_open:
            return "<Closed Zarr file>"
        return f'<Zarr file "{os.path.basename(self._filename)}" (mode {self._mode})>'

    def _check_open(self) -> None:
        if not self._is_open:
            raise FileClosedError("the file is closed (not a file or file object)")

    def _group_at(self, path: str) -> Group:
        """The group at store path `path` ('' for this root)."""
        return self if not normalize_path(path) else Group._open(self, path)

    def _dataset_at(self, path: str, meta: ArrayMeta | None = None) -> Dataset:
        """The dataset at store path `path`: the object already handed out, if any
        (`meta`: the metadata just written, which saves reading it back)."""
        ds = self._datasets.get(path)
        if ds is None:
            ds = self._datasets[path] = Dataset._open(self, path, meta)
        return ds

    def _forget(self, path: str) -> None:
        """Datasets at or below `path` were deleted or moved: objects held for them refuse
        access from now on (rather than read the fill value, or another array)."""
        prefix = path + "/"
        for key in [k for k in self._datasets.keys() if k == path or k.startswith(prefix)]:
            ds = self._datasets.pop(key, None)
            if ds is not None:
                ds._h5_gone = True


def _reopen_file(store: Any, mode: str, filename: str) -> File:
    """Unpickle a `File`: open its store again, in mode 'r' or 'r+'."""
    file = File(store, mode)
    file._filename = filename
    return file


def _filename_of(name: Any) -> str:
    if isinstance(name, (str, os.PathLike)):
        return os.fspath(name)
    path = getattr(name, "path", None)  # a directory store (zarrlite's or zarr-python's)
    return path if isinstance(path, str) else f"<{type(name).__name__}>"


#: File's modes as a one-file store's: 'w' empties the file (h5py truncates), 'x' is 'w-'.
_FILE_STORE_MODES = {"r": "r", "r+": "r+", "a": "a", "w": "w", "w-": "w-", "x": "w-"}

#: Stores kept in one file (or one LMDB folder), by the name's ending.
_FILE_STORES = {".zip": ZipStore, ".sqlite": SQLiteStore, ".sqlite3": SQLiteStore,
                ".lmdb": LMDBStore}


def _file_store_class(path: str) -> Any:
    """The one-file store class a path's ending names, or None (a directory store)."""
    if os.path.isdir(path) and not os.path.isfile(os.path.join(path, "data.mdb")):
        return None
    ending = os.path.splitext(path)[1].lower()
    return _FILE_STORES.get(ending)


def _open_store(name: Any, mode: str) -> Any:
    if isinstance(name, (str, os.PathLike)):
        path = os.fspath(name)
        store_class = _file_store_class(path) if isinstance(path, str) else None
        if store_class is not None:
            if mode in ("r", "r+") and not os.path.exists(path):
                raise FileNotFoundError(2, "Unable to open file: no such file", path)
            return store_class(path, mode=_FILE_STORE_MODES[mode])
        if isinstance(path, str) and "://" in path:
            return normalize_store(path, "r" if mode == "r" else "a")
        if isinstance(path, str) and os.path.isfile(path):
            with open(path, "rb") as fh:
                head = fh.read(8)
            what = "an HDF5 file: open it with h5py, or copy it into a Zarr hierarchy with " \
                   "zarrlite.copy" if head == _HDF5_SIGNATURE else "a file, not a directory"
            raise OSError(f"Unable to open {path!r}: it is {what}")
        if mode in ("r", "r+") and not os.path.isdir(path):
            raise FileNotFoundError(2, "Unable to open file: no such directory", path)
        return normalize_store(path, "r" if mode == "r" else "a")
    if isinstance(name, MutableMapping) or hasattr(name, "__getitem__"):
        return normalize_store(name, "r" if mode == "r" else "a")
    raise TypeError(f"File() takes a path or a store, not {type(name).__name__} (file-like "
                    "objects hold HDF5 bytes; Zarr needs a directory or a store)")


def _hierarchy_exists(store: Any, filename: str) -> bool:
    """True when a group is at the root; OSError when something else (an array, or files
    that are not Zarr) is, so that mode 'w' never deletes what is not a hierarchy."""
    if GROUP_META_KEY in store:
        return True
    if ARRAY_META_KEY in store:
        raise OSError(f"{filename!r} holds a Zarr array at its root, not a group: open it "
                      "with zarrlite.open_array")
    try:
        empty = next(iter(store.keys()), None) is None
    except TypeError:
        empty = True
    if not empty:
        raise OSError(f"{filename!r} holds something other than a Zarr hierarchy (no "
                      ".zgroup at its root); refusing to use it as a file")
    return False
