"""Metadata documents as JSON: written as zarr-python 2 writes them, read with the checks
every document shares."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from zarrlite.errors import MetadataError

ZARR_FORMAT = 2

_DECODER = json.JSONDecoder()
_DUMPS_OPTIONS: dict[str, Any] = {
    "indent": 4,
    "sort_keys": True,
    "ensure_ascii": True,
    "separators": (",", ": "),
}

def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def encode_json(obj: Any) -> bytes:
    """Serialize `obj` in the JSON style of zarr-python 2.

    Parameters
    ----------
    obj : Any
        JSON-able data; numpy scalars and arrays become numbers and lists, and
        non-finite floats are written as ``NaN``/``Infinity`` as Python's
        ``json`` module does.

    Returns
    -------
    bytes
        ASCII JSON with sorted keys and an indent of 4.

    Raises
    ------
    TypeError
        If `obj` holds something JSON cannot represent.

    Examples
    --------
    >>> encode_json({"b": np.int64(1), "a": [np.float32(0.5)]})
    b'{\\n    "a": [\\n        0.5\\n    ],\\n    "b": 1\\n}'
    """
    return json.dumps(obj, default=_json_default, **_DUMPS_OPTIONS).encode("ascii")


class _NotPlainJSON(Exception):
    """A value that only a JSON round trip can check or convert."""


_JSON_SCALARS = (str, int, float, bool, type(None))


def _json_copy(value: Any, depth: int = 0) -> Any:
    """A deep copy of a document made only of dicts with str keys, lists and JSON scalars
    of exactly those types (what ``json.loads`` returns); anything else raises
    _NotPlainJSON, and the caller converts it by a round trip instead."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if depth > 64:
        raise _NotPlainJSON
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _NotPlainJSON
        return {key: _json_copy(item, depth + 1) for key, item in value.items()}
    if kind is list:
        return [_json_copy(item, depth + 1) for item in value]
    raise _NotPlainJSON


def decode_json(raw: bytes | bytearray | memoryview | str, key: str) -> Any:
    """Parse JSON metadata read from the store under `key`.

    Parameters
    ----------
    raw : bytes or str
        The stored document (UTF-8, -16 or -32 when bytes).
    key : str
        The store key, used in error messages (e.g. ``"a/.zattrs"``).

    Returns
    -------
    Any
        The parsed document.

    Raises
    ------
    MetadataError
        If `raw` is not valid JSON.

    Notes
    -----
    A mapping is taken as the parsed document: zarr-python 2's consolidated-metadata store
    hands out metadata that way. It is checked to be plain JSON (by a round trip).
    """
    if isinstance(raw, Mapping):
        try:  # most such documents were parsed from JSON: copying them is enough (~4x faster)
            return _json_copy(raw)
        except _NotPlainJSON:
            pass
        try:
            return json.loads(json.dumps(raw, allow_nan=True))
        except (ValueError, TypeError, RecursionError) as e:
            raise MetadataError(f"{key}: not a JSON document ({e})") from None
    try:
        if not isinstance(raw, str):
            data = bytes(raw)
            try:
                raw = data.decode("utf-8")
            except UnicodeDecodeError:  # let json detect UTF-16/32 (and report bad bytes)
                return json.loads(data)
        # raw_decode skips json.loads' whitespace regexes: ~1 us of a ~5 us parse
        try:
            obj, end = _DECODER.raw_decode(raw)
        except ValueError:
            return json.loads(raw)  # leading whitespace, or an error to report
        if end != len(raw):
            return json.loads(raw)  # trailing whitespace, or an error to report
        return obj
    except (ValueError, TypeError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise MetadataError(f"{key}: invalid JSON ({e})") from None
    except RecursionError:
        raise MetadataError(f"{key}: invalid JSON (nested too deeply)") from None


# ------------------------------------------------------------------ user-facing checks


def as_dict(raw: Any, key: str) -> dict:
    """A metadata document (`raw`: JSON bytes or text, or a mapping) as a dict; a
    MetadataError naming `key` if it is not a JSON object."""
    if type(raw) is dict:
        return raw
    d = dict(raw) if isinstance(raw, Mapping) else decode_json(raw, key)
    if type(d) is not dict:
        raise MetadataError(f"{key}: expected a JSON object, found {d!r}")
    return d


def bad_value(key: str, name: str, expected: str, found: Any) -> MetadataError:
    """The MetadataError for item `name` of document `key`: what was expected, and found."""
    return MetadataError(f"{key}: {name!r} must be {expected}, found {found!r}")
