"""Which chunks of an array are in its store: their grid coordinates, from the keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from zarrlite.metadata.array_meta import ArrayMeta
from zarrlite.metadata.keys import chunk_key
from zarrlite.stores.access import listdir


def stored_chunk_coords(store: Any, path: str, meta: ArrayMeta) -> Iterator[tuple[int, ...]]:
    """Grid coordinates of every chunk of the array at `path` present in the store (keys
    named as chunk keys are, inside the grid)."""
    grid = meta.cdata_shape
    ndim = len(grid)
    if ndim == 0:
        if chunk_key(path, (), meta.dimension_separator) in store:
            yield ()
        return
    if meta.dimension_separator == "/":
        # zarr-python 2's nested stores list an array's chunks flattened ("0/1" or "0.1")
        for name in listdir(store, path):
            if ("." in name or "/" in name) and ndim > 1:
                coords = _parse_coords(name.replace("/", ".").split("."), grid)
                if coords is not None:
                    yield coords
                continue
            yield from _walk_nested(store, path, (), grid, first=name)
        return
    for name in listdir(store, path):
        coords = _parse_coords(name.split("."), grid)
        if coords is not None:
            yield coords


def _walk_nested(store: Any, prefix: str, coords: tuple[int, ...], grid: tuple[int, ...],
                 first: str | None = None) -> Iterator[tuple[int, ...]]:
    depth = len(coords)
    for name in listdir(store, prefix) if first is None else [first]:
        parsed = _parse_coords([name], grid[depth : depth + 1])
        if parsed is None:
            continue
        here = coords + parsed
        key = f"{prefix}/{name}" if prefix else name
        if depth + 1 == len(grid):
            yield here
        else:
            yield from _walk_nested(store, key, here, grid)


def _parse_coords(parts: list[str], grid: tuple[int, ...]) -> tuple[int, ...] | None:
    if len(parts) != len(grid):
        return None
    coords = []
    for part in parts:
        # only the keys chunk_key writes: ASCII digits without leading zeros ("²" and "01"
        # are not chunks)
        if not (part.isascii() and part.isdigit()) or (part[0] == "0" and part != "0"):
            return None
        coords.append(int(part))
    return tuple(coords)
