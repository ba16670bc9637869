"""`copy` and `copy_all`: copy arrays and groups into another hierarchy (zarrlite's,
zarr-python's or h5py's), decoding each array and writing it again region by region."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from zarrlite.codecs import Zlib
from zarrlite.convenience._logging import CopyLog, check_choice
from zarrlite.errors import CopyError

__all__ = ["copy", "copy_all"]

#: Largest region (in bytes of decoded data) that `copy` reads from its source at once:
#: regions are whole destination chunks, as many as fit, and never less than one chunk.
COPY_REGION_NBYTES = 64 * 2**20

_NODE_IF_EXISTS = ("raise", "replace", "skip", "skip_initialized")


@dataclass
class _NodeCopy:
    """The settings of one `copy` or `copy_all` call and its running counts."""

    log: CopyLog
    shallow: bool
    without_attrs: bool
    if_exists: str
    dry_run: bool
    create_kws: dict[str, Any]
    n_copied: int = 0
    n_skipped: int = 0
    n_bytes: int = 0

    def counts(self) -> tuple[int, int, int]:
        return self.n_copied, self.n_skipped, self.n_bytes


def _from_h5py(obj: Any) -> bool:
    """True for h5py's objects, whose creation keywords and chunks differ from Zarr's."""
    return type(obj).__module__.startswith("h5py.")


def _start_copy(source: Any, dest: Any, shallow: bool, without_attrs: bool, log: Any,
                if_exists: str, dry_run: bool, create_kws: dict[str, Any]) -> _NodeCopy:
    if not hasattr(dest, "create_dataset"):
        raise ValueError(f"dest must be a group, got {dest!r}")
    check_choice("if_exists", if_exists, _NODE_IF_EXISTS)
    if if_exists == "skip_initialized" and _from_h5py(dest):
        raise ValueError(f"{if_exists!r} can only be used when copying to zarr")
    return _NodeCopy(CopyLog(log), shallow, without_attrs, if_exists, dry_run, create_kws)


def copy(source: Any, dest: Any, name: str | None = None, shallow: bool = False,
         without_attrs: bool = False, log: Any = None, if_exists: str = "raise",
         dry_run: bool = False, **create_kws: Any) -> tuple[int, int, int]:
    """Copy an array or a group (with everything below it) into the group `dest`.

    Arrays are decoded and written again, one region of whole destination chunks at a
    time, so settings can change on the way (`create_kws`) and the source can be another
    library's.

    Parameters
    ----------
    source : Array, Group, h5py.Dataset or h5py.Group
        What to copy: zarrlite's or zarr-python's arrays and groups, or h5py's.
    dest : Group or h5py.Group
        The group to copy into.
    name : str, optional
        The copy's name in `dest` (default: the source's own; required for a root group
        or an array at the root of its store).
    shallow : bool, optional
        Copy a group with its arrays only, not its subgroups.
    without_attrs : bool, optional
        Leave the user attributes behind.
    log : callable, str or file-like, optional
        Receives one line per node ("copy NAME", or "copy NAME SHAPE DTYPE" for an
        array; "skip ..." for a node left alone) and a summary line.
    if_exists : {'raise', 'replace', 'skip', 'skip_initialized'}, optional
        For a name already taken in the destination: refuse the copy (default), replace
        the array there, leave it (for arrays: 'skip_initialized' leaves it only if all
        its chunks are stored; not for h5py destinations). A group copied onto an
        existing group is merged into it in every mode.
    dry_run : bool, optional
        Only log (and count) what would be copied; nothing is created.
    **create_kws
        Creation arguments for every array copied (`chunks`, `compressor`, `filters`,
        `order`, `fill_value`, ...), overriding those taken from the source. From a
        Zarr source the copy keeps chunks, compressor, filters, order and fill value;
        from h5py, its chunks, fill value and gzip level (as a Zlib compressor; other
        h5py compression gives the default compressor). The maximum shape of an h5py
        dataset (or of one of zarrlite's h5py face) carries over into groups that keep
        one, h5py's and the h5py face's (``zarrlite.File``); a Zarr group has none.

    Returns
    -------
    n_copied, n_skipped, n_bytes_copied : int
        Nodes (arrays and groups) copied and skipped, and bytes of decoded array data
        copied (0 in a dry run).

    Raises
    ------
    CopyError
        If `if_exists` is 'raise' and a name is taken (a RuntimeError).
    TypeError
        If no name is given and the source has none.
    ValueError
        If `dest` is not a group or `if_exists` not one of the above.

    Notes
    -----
    As in zarr-python 2, a shallow copy skips subgroups entirely: they are neither
    created nor counted. An array standing where a group is to be copied is replaced in
    the modes 'replace' and 'skip_initialized' and left in 'skip'.

    Examples
    --------
    >>> import numpy as np, zarrlite as zl, zarrlite.convenience as zlc
    >>> source = zl.group()
    >>> source.create_dataset("foo/bar/baz", data=np.arange(100), chunks=30)
    <zarrlite.Array '/foo/bar/baz' (100,) int64>
    >>> dest = zl.group()
    >>> zlc.copy(source["foo"], dest, log=print)
    copy /foo
    copy /foo/bar
    copy /foo/bar/baz (100,) int64
    all done: 3 copied, 0 skipped, 800 bytes copied
    (3, 0, 800)
    >>> dest["foo/bar/baz"].chunks
    (30,)
    >>> zlc.copy(source["foo"], dest, if_exists="skip", log=print)
    copy /foo
    copy /foo/bar
    skip /foo/bar/baz (100,) int64
    all done: 2 copied, 1 skipped, 0 bytes copied
    (2, 1, 0)
    """
    job = _start_copy(source, dest, shallow, without_attrs, log, if_exists, dry_run,
                      create_kws)
    with job.log:
        _copy_node(job, source, dest, name, root=True)
        job.log.summary(dry_run, *job.counts())
    return job.counts()


def copy_all(source: Any, dest: Any, shallow: bool = False, without_attrs: bool = False,
             log: Any = None, if_exists: str = "raise", dry_run: bool = False,
             **create_kws: Any) -> tuple[int, int, int]:
    """Copy every member of the group `source` into the group `dest`, and the source's
    attributes onto `dest`.

    Parameters are those of `copy` (without `name`). With `shallow`, only the arrays
    directly in `source` are copied.

    Returns
    -------
    n_copied, n_skipped, n_bytes_copied : int
        As for `copy`; `source` itself is not counted.

    Raises
    ------
    TypeError
        If `source` is not a group.
    CopyError, ValueError
        As for `copy`.

    Notes
    -----
    zarr-python 2 copies `source`'s attributes onto `dest` even with ``without_attrs``
    or ``dry_run``; zarrlite does as those parameters say.

    Examples
    --------
    >>> import zarrlite as zl, zarrlite.convenience as zlc
    >>> source = zl.group()
    >>> source.attrs["title"] = "run 1"
    >>> _ = source.zeros("foo/bar", shape=10, dtype="u1"), source.ones("spam", shape=5)
    >>> dest = zl.group()
    >>> zlc.copy_all(source, dest, log=print)
    copy /foo
    copy /foo/bar (10,) uint8
    copy /spam (5,) float64
    all done: 3 copied, 0 skipped, 50 bytes copied
    (3, 0, 50)
    >>> sorted(dest), dest.attrs["title"]
    (['foo', 'spam'], 'run 1')
    """
    job = _start_copy(source, dest, shallow, without_attrs, log, if_exists, dry_run,
                      create_kws)
    if hasattr(source, "shape") or not hasattr(source, "keys"):
        raise TypeError(f"copy_all copies the members of a group, got {source!r}; "
                        "use copy for an array")
    with job.log:
        for name in source.keys():
            _copy_node(job, source[name], dest, name, root=False)
        if not without_attrs and not dry_run:
            dest.attrs.update(source.attrs)
        job.log.summary(dry_run, *job.counts())
    return job.counts()


def _copy_node(job: _NodeCopy, source: Any, dest: Any, name: str | None, root: bool) -> None:
    """Copy `source` (an array, or a group and what it holds) into `dest` as `name`;
    `dest` is None in a dry run below a group that does not exist yet."""
    if name is None:
        name = (source.name or "").split("/")[-1]
        if not name:
            raise TypeError("source has no name, please provide the `name` parameter to "
                            "indicate a name to copy to")
    if hasattr(source, "shape"):
        _copy_array_node(job, source, dest, name)
    elif root or not job.shallow:
        _copy_group_node(job, source, dest, name)


def _copy_array_node(job: _NodeCopy, source: Any, dest: Any, name: str) -> None:
    described = f"{source.name} {source.shape} {source.dtype}"
    exists = dest is not None and name in dest
    if exists and job.if_exists == "raise":
        raise CopyError(f"an object {name!r} already exists in destination {dest.name!r}")
    if exists and job.if_exists in ("skip", "skip_initialized"):
        there = dest[name]
        if job.if_exists == "skip" or (hasattr(there, "nchunks_initialized")
                                       and there.nchunks_initialized == there.nchunks):
            job.log(f"skip {described}")
            job.n_skipped += 1
            return
    job.log(f"copy {described}")
    if not job.dry_run:
        if exists:
            del dest[name]
        kws = _array_create_kws(source, dest, job.create_kws)
        copied = dest.create_dataset(name, shape=source.shape, dtype=source.dtype, **kws)
        _copy_array_data(source, copied)
        job.n_bytes += copied.size * copied.dtype.itemsize
        if not job.without_attrs:
            copied.attrs.update(_attrs_for(source, dest))
    job.n_copied += 1


def _copy_group_node(job: _NodeCopy, source: Any, dest: Any, name: str) -> None:
    array_there = dest is not None and name in dest and hasattr(dest[name], "shape")
    if array_there and job.if_exists == "raise":
        raise CopyError(f"an array {name!r} already exists in destination {dest.name!r}")
    if array_there and job.if_exists == "skip":
        job.log(f"skip {source.name}")
        job.n_skipped += 1
        return
    job.log(f"copy {source.name}")
    copied: Any = None
    if not job.dry_run:
        if array_there:
            del dest[name]
        copied = dest.require_group(name)
        if not job.without_attrs:
            copied.attrs.update(source.attrs)
    elif dest is not None and not array_there:
        copied = dest.get(name, None)  # an existing group: its members show conflicts
    for member in source.keys():
        _copy_node(job, source[member], copied, member, root=False)
    job.n_copied += 1


def _array_create_kws(source: Any, dest: Any, create_kws: dict[str, Any]) -> dict[str, Any]:
    """Creation keywords for the copy of `source` in `dest`: `create_kws`, completed with
    the settings that carry over between the two libraries."""
    kws = dict(create_kws)
    kws.setdefault("chunks", source.chunks)
    maxshape = _growable_maxshape(source)
    if maxshape is not None and (_from_h5py(dest) or getattr(dest, "_takes_maxshape", False)):
        kws.setdefault("maxshape", maxshape)
    if _from_h5py(source) and _from_h5py(dest):
        for key in ("compression", "compression_opts", "shuffle", "fletcher32"):
            kws.setdefault(key, getattr(source, key))
        kws.setdefault("fillvalue", source.fillvalue)
    elif _from_h5py(source):
        kws.setdefault("fill_value", source.fillvalue)
        if source.compression == "gzip" and "compression" not in kws:
            level = 4 if source.compression_opts is None else source.compression_opts
            kws.setdefault("compressor", Zlib(level=level))
    elif _from_h5py(dest):
        if not source.shape:  # HDF5 scalars take no chunks and no filters
            return {"fillvalue": source.fill_value, **create_kws}
        if kws["chunks"] is not None and kws["chunks"] is not True:  # HDF5: within the shape
            limits = kws.get("maxshape") or source.shape  # (an unlimited axis: any length)
            kws["chunks"] = tuple(c if n is None else min(c, max(n, 1))
                                  for c, n in zip(kws["chunks"], limits))
        if "compression" not in kws:  # opts without a compression: h5py refuses them
            kws.update(compression="gzip", compression_opts=kws.get("compression_opts", 1))
        kws.setdefault("shuffle", False)
        kws.setdefault("fillvalue", source.fill_value)
    else:
        for key in ("compressor", "filters", "order", "fill_value"):
            kws.setdefault(key, getattr(source, key))
    return kws


def _growable_maxshape(source: Any) -> tuple[int | None, ...] | None:
    """The maximum shape of an h5py-style dataset (h5py's, or zarrlite's h5py face) when it
    differs from its shape (None: an unlimited axis); None when it can't grow (or is a
    Zarr array, which has no maximum shape)."""
    maxshape = getattr(source, "maxshape", None)
    if not isinstance(maxshape, tuple) or maxshape == tuple(source.shape):
        return None
    return maxshape


def _attrs_for(source: Any, dest: Any) -> Any:
    """The source's attributes as the destination can take them (HDF5 has no room for a
    'filters' attribute, which some Zarr v3 data keeps there)."""
    if _from_h5py(dest) and "filters" in source.attrs:
        return {k: v for k, v in source.attrs.items() if k != "filters"}
    return source.attrs


def copy_regions(shape: tuple[int, ...], chunks: tuple[int, ...] | None, itemsize: int,
                 max_nbytes: int | None = None) -> Iterator[tuple[slice, ...]]:
    """Split an array into regions of whole chunks, each at most `max_nbytes` of data
    (or one chunk, if a chunk is larger), in C order.

    Regions grow along the last dimension first, so they are contiguous in C order.

    Parameters
    ----------
    shape, chunks : tuple of int
        The array's shape and chunk shape (None: unchunked, read row by row).
    itemsize : int
        Bytes per item.
    max_nbytes : int, optional
        The largest region, in bytes (default: `COPY_REGION_NBYTES`).

    Examples
    --------
    >>> list(copy_regions((4, 5), (2, 2), itemsize=8, max_nbytes=100))
    [(slice(0, 2, None), slice(0, 5, None)), (slice(2, 4, None), slice(0, 5, None))]
    >>> len(list(copy_regions((4, 5), (2, 2), itemsize=8, max_nbytes=40)))
    6
    """
    if max_nbytes is None:
        max_nbytes = COPY_REGION_NBYTES
    if 0 in shape:
        return
    if chunks is None:
        chunks = (1,) + tuple(shape[1:])
    steps = [min(max(c, 1), n) for c, n in zip(chunks, shape)]
    for dim in reversed(range(len(shape))):
        others = itemsize * math.prod(steps[:dim] + steps[dim + 1:])
        fits = max_nbytes // max(others, 1)  # items along `dim` within the budget
        if fits >= shape[dim]:
            steps[dim] = shape[dim]
            continue
        steps[dim] *= max(1, fits // steps[dim])
        break
    starts = [range(0, n, step) for n, step in zip(shape, steps)]
    for offset in itertools.product(*starts):
        yield tuple(slice(o, min(o + step, n)) for o, step, n in zip(offset, steps, shape))


def _copy_array_data(source: Any, dest: Any) -> None:
    """Write `source`'s data into `dest` (same shape) region by region."""
    if not dest.shape:
        dest[()] = source[()]
        return
    for region in copy_regions(dest.shape, dest.chunks, dest.dtype.itemsize):
        dest[region] = source[region]
