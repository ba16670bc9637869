"""Metadata documents: ``.zarray``, ``.zgroup`` and ``.zattrs`` (input: document byte, then
the JSON bytes), parsed on their own and through the API: an array opened from a store
holding the document reads one item (the fill value: the store holds no chunk), a group
opens, attributes load.

Allowed: MetadataError (and CodecNotAvailableError, also a ValueError, for a codec id that
no installed package provides), as the README and `open_array` document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import zarrlite as zl
from fuzz.contract import REFUSED, Finding, InputReader, expect
from zarrlite.errors import CodecNotAvailableError, MetadataError
from zarrlite.metadata.array_meta import ArrayMeta
from zarrlite.metadata.group_meta import GroupMeta

BAD_METADATA = (MetadataError, CodecNotAvailableError)
DOCUMENTS = (".zarray", ".zgroup", ".zattrs")


def check_document(data: bytes) -> None:
    """The contract of one metadata document's parsing for one input."""
    reader = InputReader(data)
    name = DOCUMENTS[reader.uint() % len(DOCUMENTS)]
    raw = reader.rest()
    if name == ".zarray":
        meta = expect(BAD_METADATA, ArrayMeta.decode, raw)
        opened = expect(BAD_METADATA, _read_first_item, raw)
        if meta is REFUSED and opened is not REFUSED:
            raise Finding("an array opened with a .zarray that ArrayMeta.decode refuses")
    elif name == ".zgroup":
        meta = expect(BAD_METADATA, GroupMeta.decode, raw)
        opened = expect(BAD_METADATA, zl.open_group, zl.MemoryStore({".zgroup": raw}), mode="r")
        if (meta is REFUSED) != (opened is REFUSED):
            raise Finding("GroupMeta.decode and open_group disagree about a .zgroup")
    else:
        store = zl.MemoryStore({".zgroup": b'{"zarr_format": 2}', ".zattrs": raw})
        group = zl.open_group(store, mode="r")
        expect(BAD_METADATA, group.attrs.asdict)


def _read_first_item(raw: bytes) -> object:
    z = zl.open_array(zl.MemoryStore({".zarray": raw}), mode="r")
    return z[(0,) * z.ndim] if z.size else z[...]


def seeds() -> Iterator[bytes]:
    """Documents as zarrlite and zarr-python write them, with each kind of codec, dtype and
    fill value."""
    arrays = [
        {"shape": [10, 20], "chunks": [5, 7], "dtype": "<f8", "fill_value": "NaN",
         "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1,
                        "blocksize": 0}, "order": "C", "filters": None},
        {"shape": [3], "chunks": [2], "dtype": "|O", "fill_value": "",
         "compressor": {"id": "zstd", "level": 3}, "order": "F",
         "filters": [{"id": "vlen-utf8"}], "dimension_separator": "/"},
        {"shape": [], "chunks": [], "dtype": [["a", "<i4"], ["b", "<f4", [2]]],
         "fill_value": "AAAAAAAAAAAAAAAA", "compressor": None, "order": "C", "filters": None},
        {"shape": [4, 4], "chunks": [4, 4], "dtype": "<M8[ns]", "fill_value": 0,
         "compressor": {"id": "zarrlite.b2nd", "cname": "zstd", "clevel": 5, "shuffle": 1,
                        "blocks": [2, 2]}, "order": "C",
         "filters": [{"id": "delta", "dtype": "<i8"}]},
        {"shape": [100], "chunks": [10], "dtype": "|S4", "fill_value": "YWJjZA==",
         "compressor": {"id": "lz4", "acceleration": 1}, "order": "C",
         "filters": [{"id": "fixedscaleoffset", "offset": 0, "scale": 10, "dtype": "<f8"}]},
    ]
    for array in arrays:
        yield b"\x00" + json.dumps({"zarr_format": 2, **array}, indent=4).encode()
    yield b"\x01" + json.dumps({"zarr_format": 2}).encode()
    yield b"\x02" + json.dumps({"units": "m", "scale": [1.5, None], "nested": {"a": []}}).encode()
    yield b"\x02" + "{\"ü\": \"\\u00e9\"}".encode("utf-16")
