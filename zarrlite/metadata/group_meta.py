"""Group metadata: the ``.zgroup`` document."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from zarrlite.errors import MetadataError
from zarrlite.metadata.documents import ZARR_FORMAT, as_dict, bad_value, encode_json


@dataclasses.dataclass(frozen=True)
class GroupMeta:
    """The contents of a ``.zgroup`` document: only ``{"zarr_format": 2}``."""

    zarr_format: int = ZARR_FORMAT

    @classmethod
    def decode(cls, raw: bytes | str | Mapping, key: str = ".zgroup") -> GroupMeta:
        """Parse and validate a ``.zgroup`` document.

        Raises
        ------
        MetadataError
            If the JSON is invalid or ``zarr_format`` is missing or not 2.
        """
        d = as_dict(raw, key)
        if "zarr_format" not in d:
            raise MetadataError(f"{key}: missing required key 'zarr_format'")
        zarr_format = d["zarr_format"]
        if zarr_format != ZARR_FORMAT or type(zarr_format) is not int:
            raise bad_value(key, "zarr_format", "2", zarr_format)
        return cls()

    def to_dict(self) -> dict[str, Any]:
        """Give the JSON-able ``.zgroup`` mapping."""
        return {"zarr_format": self.zarr_format}

    def encode(self) -> bytes:
        """Give the ``.zgroup`` bytes exactly as zarr-python 2 writes them."""
        return encode_json(self.to_dict())


def encode_group_meta() -> bytes:
    """Give the ``.zgroup`` bytes: ``{"zarr_format": 2}`` in zarr-python 2 style."""
    return GroupMeta().encode()


def decode_group_meta(raw: bytes | str | Mapping, key: str = ".zgroup") -> GroupMeta:
    """Parse and validate a ``.zgroup`` document (see :meth:`GroupMeta.decode`)."""
    return GroupMeta.decode(raw, key)
