"""What ``zarrlite convert`` will write, worked out (and checked) before anything is
written: one :class:`Node` per group and array of the destination, in the order they are
written (each group before its members)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zarrlite.cli import hdf5_source
from zarrlite.cli.codec_spec import b2nd_codec
from zarrlite.cli.errors import UserError
from zarrlite.h5.reserved import H5PY_KEY
from zarrlite.h5.storage import maxshape_bookkeeping
from zarrlite.hierarchy.array import Array
from zarrlite.hierarchy.group import Group

__all__ = ["ChunkSpec", "Node", "Settings", "hdf5_plan", "parse_chunks", "zarr_plan"]

#: ``--chunks``: None (keep the source's), "auto" (zarrlite's guess), one length for every
#: axis, or one per axis (-1: the whole axis).
ChunkSpec = None | str | int | tuple[int, ...]


@dataclass
class Settings:
    """The options of a conversion that shape each array.

    Attributes
    ----------
    chunks : ChunkSpec
        ``--chunks``, parsed.
    chunks_text : str
        ``--chunks`` as given (for messages).
    compressor : codec, None or "default"
        ``--compressor``, parsed; "default" when not given.
    compressor_given : bool
        Whether ``--compressor`` was given (a Zarr source keeps its own otherwise).
    b2nd : bool
        ``--b2nd``: two-level chunks.
    blocks : tuple of int, optional
        ``--blocks``, the two-level chunks' block shape.
    """

    chunks: ChunkSpec = None
    chunks_text: str = ""
    compressor: Any = "default"
    compressor_given: bool = False
    b2nd: bool = False
    blocks: tuple[int, ...] | None = None


@dataclass
class Node:
    """One group or array to write.

    Attributes
    ----------
    path : str
        Its path in the destination (``""``: the root).
    source_name : str
        Its name in the source, for messages.
    source : object, optional
        The array to copy (an h5py Dataset or a zarrlite Array); None for a group.
    create_kw : dict
        Arguments of ``zarrlite.from_array`` (chunks, compressor, filters, ...).
    typed_attrs : dict
        Attributes written through the h5py face (values of HDF5 attributes).
    plain_attrs : dict
        ``.zattrs`` entries written as they are.
    """

    path: str
    source_name: str
    source: Any = None
    create_kw: dict[str, Any] = field(default_factory=dict)
    typed_attrs: dict[str, Any] = field(default_factory=dict)
    plain_attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def is_array(self) -> bool:
        return self.source is not None

    @property
    def nbytes(self) -> int:
        """Bytes of the source array (0 for a group)."""
        if self.source is None:
            return 0
        return math.prod(self.source.shape) * np.dtype(self.source.dtype).itemsize


def parse_chunks(text: str | None) -> ChunkSpec:
    """``--chunks``: ``auto``, one length (``100``), or one per axis (``100,-1``).

    Raises
    ------
    UserError
        For anything else.
    """
    if text is None:
        return None
    if text.strip().lower() == "auto":
        return "auto"
    try:
        lengths = tuple(int(part) for part in text.split(","))
    except ValueError:
        lengths = ()
    if not lengths or any(n == 0 or n < -1 for n in lengths):
        raise UserError(f"--chunks {text!r}: expected 'auto', a length (100) or one length "
                        "per axis (100,100; -1 for a whole axis)")
    return lengths[0] if len(lengths) == 1 and "," not in text else lengths


def resolve_chunks(settings: Settings, shape: tuple[int, ...], name: str) -> Any:
    """The chunks of an array of `shape` under ``--chunks``: None to keep the source's,
    True to guess, else a tuple (lengths capped at the array's)."""
    spec = settings.chunks
    if spec is None:
        return None
    if spec == "auto":
        return True
    if not shape:
        return ()  # a 0-d array has one chunk whatever is asked
    lengths = (spec,) * len(shape) if isinstance(spec, int) else tuple(int(c) for c in spec)
    if len(lengths) != len(shape):
        raise UserError(f"--chunks {settings.chunks_text}: {name} has {_dims(shape)}, not "
                        f"{len(lengths)} (give one length, --chunks 100, for every axis "
                        "alike, or convert the arrays one by one: FILE:/PATH)")
    return tuple(max(1, n) if c == -1 else min(c, max(1, n)) for c, n in zip(lengths, shape))


def _dims(shape: tuple[int, ...]) -> str:
    """``'2 dimensions (3, 4)'``, ``'1 dimension (3,)'``."""
    return f"{len(shape)} dimension{'s' * (len(shape) != 1)} {shape}"


def _compressor(settings: Settings, shape: tuple[int, ...], name: str,
                own: Any = "default") -> Any:
    """The compressor of an array: ``--b2nd``, ``--compressor``, else `own`."""
    if settings.b2nd:
        if settings.blocks is not None and len(settings.blocks) != len(shape):
            raise UserError(f"--blocks {','.join(map(str, settings.blocks))}: {name} has "
                            f"{_dims(shape)}, not {len(settings.blocks)}")
        return b2nd_codec(settings.compressor if settings.compressor_given else None,
                          settings.blocks)
    return settings.compressor if settings.compressor_given else own


# --------------------------------------------------------------------------- sources


def zarr_plan(root: Array | Group, settings: Settings) -> list[Node]:
    """The nodes of a conversion from a zarrlite Array or Group: every array keeps its
    chunks, filters, fill value, order and compressor unless the options say otherwise;
    attributes are copied as they are."""
    if isinstance(root, Array):
        return [_zarr_array("", root, settings)]
    nodes = [Node("", root.name or "/", plain_attrs=root.attrs.asdict())]
    for path, node in _zarr_members(root, ""):
        if isinstance(node, Array):
            nodes.append(_zarr_array(path, node, settings))
        else:
            nodes.append(Node(path, node.name or path, plain_attrs=node.attrs.asdict()))
    return nodes


def _zarr_members(group: Group, prefix: str) -> Iterator[tuple[str, Any]]:
    for name in group:
        node = group[name]
        yield prefix + name, node
        if isinstance(node, Group):
            yield from _zarr_members(node, f"{prefix}{name}/")


def _zarr_array(path: str, a: Array, settings: Settings) -> Node:
    name = a.name or "/"
    chunks = resolve_chunks(settings, a.shape, name)
    create_kw = {
        "chunks": a.chunks if chunks is None else chunks,
        "compressor": _compressor(settings, a.shape, name, own=a.compressor),
        "filters": a.filters,
        "fill_value": a.fill_value,
        "order": a.order,
        "dimension_separator": a.dimension_separator,
    }
    return Node(path, name, source=a, create_kw=create_kw, plain_attrs=a.attrs.asdict())


def hdf5_plan(root: Any, settings: Settings, warn: hdf5_source.Warn) -> list[Node]:
    """The nodes of a conversion from an h5py Group or Dataset: chunked datasets keep
    their chunks (contiguous ones get zarrlite's guess), compression is zarrlite's default
    unless the options say otherwise, a fill value set in HDF5 is kept and HDF5's
    default is not (see `hdf5_source.fill_value`), an enum's names go into an attribute.
    Datasets Zarr cannot hold are left out, each with a warning."""
    h5py = hdf5_source.import_h5py()
    if isinstance(root, h5py.Dataset):
        node = _hdf5_dataset("", root, settings, warn)
        if node is None:
            raise UserError(f"cannot convert {root.name}: see the warning above")
        return [node]
    typed, plain = hdf5_source.attributes(root, warn)
    nodes = [Node("", root.name, typed_attrs=typed, plain_attrs=plain)]
    members: Iterable[tuple[str, Any]] = hdf5_source.walk(root, warn)
    for path, obj in members:
        if isinstance(obj, h5py.Dataset):
            array = _hdf5_dataset(path, obj, settings, warn)
            if array is not None:
                nodes.append(array)
        else:
            typed, plain = hdf5_source.attributes(obj, warn)
            nodes.append(Node(path, obj.name, typed_attrs=typed, plain_attrs=plain))
    return nodes


def _hdf5_dataset(path: str, ds: Any, settings: Settings, warn: hdf5_source.Warn
                  ) -> Node | None:
    if ds.shape is None:
        warn(f"left out {ds.name}: an empty dataset (no shape; Zarr has no equivalent)")
        return None
    reason = hdf5_source.unsupported_dtype(ds.dtype)
    if reason is not None:
        warn(f"left out {ds.name}: {reason} (no Zarr equivalent)")
        return None
    chunks = resolve_chunks(settings, ds.shape, ds.name)
    create_kw: dict[str, Any] = {"compressor": _compressor(settings, ds.shape, ds.name),
                                 "fill_value": hdf5_source.fill_value(ds)}
    if chunks is not None:
        create_kw["chunks"] = chunks
    typed, plain = hdf5_source.attributes(ds, warn)
    book = maxshape_bookkeeping(ds.shape, ds.maxshape)  # unlimited axes stay resizable
    if book:
        plain[H5PY_KEY] = book
    names = hdf5_source.enum_names(ds.dtype)
    if names is not None:
        key = hdf5_source.ENUM_KEY
        warn(f"stored {ds.name} as plain {ds.dtype} integers (Zarr has no enums): the names "
             f"of its values are in its attribute {key!r}")
        plain[key] = names
    return Node(path, ds.name, source=ds, create_kw=create_kw, typed_attrs=typed,
                plain_attrs=plain)
