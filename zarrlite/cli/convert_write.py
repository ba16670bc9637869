"""Writing a planned conversion: the destination store (refused when it holds something,
unless asked to replace it), each node in turn, the copy's progress."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from zarrlite.api import open_group
from zarrlite.chunked.progress import Progress
from zarrlite.cli.codec_spec import codecs_label
from zarrlite.cli.common import human_size
from zarrlite.cli.convert_plan import Node
from zarrlite.cli.errors import UserError
from zarrlite.cli.locate import Location, is_hdf5, open_store
from zarrlite.convenience import from_array
from zarrlite.h5.attrs import AttributeManager
from zarrlite.hierarchy.creation import contains_array, contains_group
from zarrlite.stores import BaseStore, listdir, rmdir

__all__ = ["Tracked", "Written", "check_destination", "open_destination", "write_nodes"]

def _holds_zarr(store: BaseStore) -> bool:
    return contains_group(store, "") or contains_array(store, "")


def _check_local_destination(path: str, overwrite: bool) -> None:
    """Refuse a local destination that holds something, unless `overwrite` and it is a
    Zarr store (never a directory or file of something else)."""
    if os.path.isdir(path) and not os.listdir(path):
        return
    if not (not is_hdf5(path) and _opens_as_zarr(path)):
        raise UserError(f"{path!r} exists and is not a Zarr store; not replacing it "
                        "(give another destination)")
    if not overwrite:
        raise UserError(f"{path!r} exists; pass --overwrite to replace it")


def _opens_as_zarr(path: str) -> bool:
    """Whether the local `path` (a directory or a file) is a store holding a Zarr array or
    group at its root."""
    try:
        store = open_store(Location(path), "r", None)
    except (OSError, ValueError, TypeError, UserError):  # no store at all
        return False
    try:
        return _holds_zarr(store)
    finally:
        store.close()


def check_destination(location: Location, overwrite: bool) -> None:
    """Refuse, before anything is read or written, a destination that names a node in a
    store, or a local one that holds something (unless `overwrite` and it is a Zarr
    store). (A URL's store is checked when `open_destination` opens it.)

    Raises
    ------
    UserError
    """
    if location.node:
        raise UserError(f"the destination is a store, not a node in one: {str(location)!r}")
    if not location.is_url and os.path.lexists(location.store):
        _check_local_destination(location.store, overwrite)


def open_destination(location: Location, overwrite: bool,
                     storage_options: dict[str, Any] | None) -> tuple[BaseStore, bool]:
    """The store at the URL `location`, empty: a new one, or (with `overwrite`) a Zarr
    store whose contents are removed, here and now (a local destination is written beside
    it instead: see `zarrlite.cli.staging`). Returns the store and whether a Zarr hierarchy
    in it was removed.

    Raises
    ------
    UserError
        If the destination holds something and `overwrite` is False, or holds something
        that is not a Zarr store.
    """
    check_destination(location, overwrite)
    store = open_store(location, "w" if overwrite else "a", storage_options)
    held = _holds_zarr(store)
    if held and not overwrite:
        store.close()
        raise UserError(f"{location.store!r} holds a Zarr hierarchy; pass --overwrite to "
                        "replace it")
    if not held and overwrite and store.supports_deletes and listdir(store, ""):
        store.close()
        raise UserError(f"{location.store!r} holds something that is not a Zarr store; not "
                        "replacing it (give another destination)")
    if held and store.supports_deletes:
        rmdir(store, "")
    return store, held


class Tracked:
    """A source array whose reads advance a progress display. Everything else is the
    source's, except ``attrs``: None, as the conversion copies attributes itself."""

    attrs = None

    def __init__(self, source: Any, progress: Progress) -> None:
        self._source = source
        self._progress = progress
        self._itemsize = np.dtype(source.dtype).itemsize

    def _advance(self, nitems: int) -> None:
        self._progress.advance(nitems * self._itemsize)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._source, name)
        if name == "read_direct":  # h5py: read_direct(out, source_sel=...)
            def read_direct(out: np.ndarray, *args: Any, **kwargs: Any) -> None:
                value(out, *args, **kwargs)
                self._advance(out.size)
            return read_direct
        if name == "readblock":  # zarrlite: readblock(out, slices)
            def readblock(out: np.ndarray, slices: tuple[slice, ...]) -> None:
                value(out, slices)
                self._advance(out.size)
            return readblock
        if name == "asstr":  # h5py's strings as str: a wrapper to track in turn
            return lambda *args, **kwargs: Tracked(value(*args, **kwargs), self._progress)
        return value

    def __getitem__(self, selection: Any) -> Any:
        block = self._source[selection]
        self._advance(int(np.size(block)))
        return block


@dataclass
class Written:
    """What a conversion wrote: arrays, groups, bytes of data, seconds."""

    arrays: int = 0
    groups: int = 0
    nbytes: int = 0
    seconds: float = 0.0


def _line(done: int, total: int) -> str:
    percent = 100 * done / total if total else 100.0
    return f"{percent:3.0f}% ({done / 2**20:.1f} of {total / 2**20:.1f} MiB)"


def write_nodes(nodes: list[Node], store: BaseStore, progress: bool,
                verbose: bool = False) -> Written:
    """Write every node of a plan into `store`: groups, then each array copied chunk by
    chunk in the destination's chunk order (``zarrlite.from_array``), attributes last."""
    started = time.perf_counter()
    written = Written()
    total = sum(node.nbytes for node in nodes)
    with Progress(total, progress, "convert", _line, unit="B", unit_scale=True,
                  unit_divisor=1024) as bar:
        for node in nodes:
            if node.is_array:
                target = _write_array(node, store, bar)
                written.arrays += 1
                written.nbytes += node.nbytes
            else:
                target = open_group(store, mode="a", path=node.path)
                written.groups += 1
            if node.plain_attrs:
                target.attrs.update(node.plain_attrs)
            if node.typed_attrs:
                AttributeManager(target.attrs).update(node.typed_attrs)
            if verbose:
                _tell(node, target)
    written.seconds = time.perf_counter() - started
    return written


def _write_array(node: Node, store: BaseStore, bar: Progress) -> Any:
    create_kw = dict(node.create_kw)
    separator = create_kw.get("dimension_separator")
    if store.dimension_separator not in (None, separator):
        create_kw.pop("dimension_separator")  # the store decides its keys
    return from_array(Tracked(node.source, bar), store, path=node.path or None, **create_kw)


def _tell(node: Node, target: Any) -> None:
    """One line about a node written (``--verbose``)."""
    where = "/" + node.path
    if not node.is_array:
        print(f"group {where}")
        return
    print(f"array {where} {target.shape} {target.dtype} chunks {target.chunks} "
          f"{codecs_label(target)} ({human_size(node.nbytes)}, from "
          f"{node.source_name})")
