"""Codecs for object arrays, compatible with numcodecs: vlen-utf8, vlen-bytes, json2, pickle.

``encode`` takes an object array (any shape, read in memory order) and returns
bytes; ``decode`` returns an object array (1-D for the vlen codecs; json2 and
pickle restore the stored shape) which the caller reshapes, or fills `out`,
an object array of the same number of items.

The vlen format is a little-endian uint32 item count, then for each item a
uint32 byte length and the bytes. Decoders check every length against the
input and raise :class:`~zarrlite.errors.CodecError` for corrupt data.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import struct
import textwrap
from typing import Any

import numpy as np

from zarrlite import config
from zarrlite.codecs._buffers import as_bytes, corrupt
from zarrlite.codecs.abc import BufferLike, Codec
from zarrlite.codecs.registry import register_codec
from zarrlite.errors import CodecError

_UINT32_MAX = 0xFFFFFFFF
_UINT32_LE = struct.Struct("<I")
_OPT_IN_VARIABLES = ("ZARRLITE_ALLOW_UNSAFE_PICKLE_DECODE", "NUMCODECS_ALLOW_UNSAFE_PICKLE_DECODE")

#: Whether :meth:`Pickle.decode` may unpickle. Unpickling runs arbitrary code, so
#: it is off unless an environment variable in ``_OPT_IN_VARIABLES`` is 1/true/yes
#: at import, or a trusted application sets this to True. It is deliberately not a
#: codec parameter: codec parameters come from metadata, which may be untrusted.
ALLOW_UNSAFE_PICKLE_DECODE = any(
    os.environ.get(name, "").strip().lower() in {"1", "true", "yes"} for name in _OPT_IN_VARIABLES
)


def _object_items(buf: Any) -> list[Any]:
    """Return the items of `buf` as a list, in memory order (as numcodecs reads them)."""
    return np.asarray(buf, dtype=object).reshape(-1, order="A").tolist()


def _is_missing(value: Any) -> bool:
    """Tell whether `value` is None or equals 0: numcodecs stores both as empty items."""
    if value is None:
        return True
    try:
        return bool(value == 0)
    except (TypeError, ValueError):  # e.g. arrays, whose == is elementwise
        return False


def _fill(values: list[Any] | np.ndarray, out: Any, codec_id: str) -> np.ndarray:
    """Return decoded items as an array (a list becomes a 1-D object array), or fill `out`."""
    if isinstance(values, np.ndarray):
        dec = values
    else:
        dec = np.empty(len(values), dtype=object)
        dec[:] = values
    if out is None:
        return dec
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{codec_id}: out must be a numpy array, got {type(out).__name__}")
    if out.size != dec.size:
        raise ValueError(f"{codec_id}: out has {out.size} items but {dec.size} were decoded")
    if not out.flags.writeable:
        raise ValueError(f"{codec_id}: out is read-only")
    np.copyto(out, dec.reshape(out.shape), casting="unsafe")
    return out


def pack_vlen(items: list[bytes]) -> bytes:
    """Pack byte strings as a count followed by (length, bytes) pairs.

    Parameters
    ----------
    items : list of bytes
        The byte strings, in order.

    Returns
    -------
    bytes
        The numcodecs vlen layout.
    """
    count = len(items)
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=count)
    if count > _UINT32_MAX or (count and int(lengths.max()) > _UINT32_MAX):
        raise ValueError("vlen: more than 2**32 - 1 items or bytes in one item")
    out = np.empty(4 + 4 * count + int(lengths.sum()), dtype=np.uint8)
    out[:4] = np.frombuffer(count.to_bytes(4, "little"), dtype=np.uint8)
    # Item i's length header starts after the count, i headers and the items before it.
    starts = 4 + 4 * np.arange(count, dtype=np.int64) + np.cumsum(lengths) - lengths
    header_index = (starts[:, None] + np.arange(4)).reshape(-1)
    out[header_index] = lengths.astype("<u4").view(np.uint8)
    is_data = np.ones(out.size, dtype=bool)
    is_data[:4] = False
    is_data[header_index] = False
    out[is_data] = np.frombuffer(b"".join(items), dtype=np.uint8)
    return out.tobytes()


def unpack_vlen(buf: BufferLike, codec_id: str) -> list[bytes]:
    """Split the numcodecs vlen layout into its byte strings, checking every length.

    Raises
    ------
    CodecError
        If the count or a length points past the end, or bytes are left over.
    """
    data = as_bytes(buf).tobytes()
    size = len(data)
    if size < 4:
        raise corrupt(codec_id, f"input of {size} bytes is too short for the 4-byte item count")
    count = int.from_bytes(data[:4], "little")
    if count > (size - 4) // 4:
        raise corrupt(codec_id, f"header claims {count} items but the input has only {size} bytes")
    items: list[bytes] = [b""] * count
    read_length = _UINT32_LE.unpack_from
    pos = 4
    try:
        for index in range(count):
            (length,) = read_length(data, pos)  # struct.error once pos runs past the end
            pos += 4
            items[index] = data[pos : pos + length]
            pos += length
    except struct.error:
        raise corrupt(codec_id, f"truncated: item {index} of {count} is cut off") from None
    if pos > size:
        raise corrupt(codec_id, f"truncated: the last of {count} items is cut off")
    if pos < size:
        raise corrupt(codec_id, f"{size - pos} unexpected bytes after the last of {count} items")
    return items


class VLenUTF8(Codec):
    """Variable-length UTF-8 strings, compatible with ``numcodecs.VLenUTF8``.

    None and 0 items are stored as empty strings.

    Examples
    --------
    >>> import numpy as np
    >>> codec = VLenUTF8()
    >>> codec.decode(codec.encode(np.array(["a", "bc"], dtype=object)))
    array(['a', 'bc'], dtype=object)
    """

    codec_id = "vlen-utf8"

    def encode(self, buf: Any) -> bytes:
        """Pack the UTF-8 encodings of the str items of `buf`."""
        items = _object_items(buf)
        if set(map(type, items)) <= {str}:  # fast path: no missing values to replace
            return pack_vlen([item.encode("utf-8") for item in items])
        return pack_vlen([self._utf8(item) for item in items])

    @staticmethod
    def _utf8(item: Any) -> bytes:
        if isinstance(item, str):
            return item.encode("utf-8")
        if _is_missing(item):
            return b""
        raise TypeError(f"vlen-utf8: expected str items, got {type(item).__name__}: {item!r}")

    def decode(self, buf: BufferLike, out: Any = None) -> np.ndarray:
        """Return a 1-D object array of str, or fill `out`."""
        try:
            values = [item.decode("utf-8") for item in unpack_vlen(buf, self.codec_id)]
        except UnicodeDecodeError as exc:
            raise corrupt(self.codec_id, f"invalid UTF-8: {exc}") from exc
        return _fill(values, out, self.codec_id)


class VLenBytes(Codec):
    """Variable-length byte strings, compatible with ``numcodecs.VLenBytes``.

    None and 0 items are stored as empty byte strings.
    """

    codec_id = "vlen-bytes"

    def encode(self, buf: Any) -> bytes:
        """Pack the bytes items of `buf`."""
        items = _object_items(buf)
        if set(map(type, items)) <= {bytes}:
            return pack_vlen(items)
        return pack_vlen([self._bytes(item) for item in items])

    @staticmethod
    def _bytes(item: Any) -> bytes:
        if isinstance(item, bytes):
            return item
        if isinstance(item, (bytearray, memoryview)):
            return bytes(item)
        if _is_missing(item):
            return b""
        raise TypeError(f"vlen-bytes: expected bytes items, got {type(item).__name__}: {item!r}")

    def decode(self, buf: BufferLike, out: Any = None) -> np.ndarray:
        """Return a 1-D object array of bytes, or fill `out`."""
        return _fill(unpack_vlen(buf, self.codec_id), out, self.codec_id)


class JSON(Codec):
    """Encode an array as JSON, compatible with ``numcodecs.JSON`` (id ``json2``).

    The document is a list of the items, followed by the dtype string and the
    shape. Parameters are those of :class:`json.JSONEncoder` (and ``strict``
    of :class:`json.JSONDecoder`); `separators` defaults to the most compact
    form.
    """

    codec_id = "json2"

    def __init__(
        self,
        encoding: str = "utf-8",
        skipkeys: bool = False,
        ensure_ascii: bool = True,
        check_circular: bool = True,
        allow_nan: bool = True,
        sort_keys: bool = True,
        indent: int | None = None,
        separators: tuple[str, str] | None = None,
        strict: bool = True,
    ) -> None:
        if separators is None:
            separators = (",", ":") if indent is None else (", ", ": ")
        self._text_encoding = encoding
        self._encoder_config: dict[str, Any] = {
            "skipkeys": skipkeys,
            "ensure_ascii": ensure_ascii,
            "check_circular": check_circular,
            "allow_nan": allow_nan,
            "indent": indent,
            "separators": tuple(separators),
            "sort_keys": sort_keys,
        }
        self._decoder_config: dict[str, Any] = {"strict": strict}

    def encode(self, buf: Any) -> bytes:
        """Return the JSON document of the items, dtype and shape of `buf`."""
        try:
            arr = np.asarray(buf)
        except ValueError:  # ragged nested sequences
            arr = np.asarray(buf, dtype=object)
        document = [*np.atleast_1d(arr).tolist(), arr.dtype.str, arr.shape]
        text = json.JSONEncoder(**self._encoder_config).encode(document)
        return text.encode(self._text_encoding)

    def decode(self, buf: BufferLike, out: Any = None) -> np.ndarray:
        """Return the array stored in `buf`, with its stored dtype and shape, or fill `out`."""
        try:
            text = as_bytes(buf).tobytes().decode(self._text_encoding)
            document = json.JSONDecoder(**self._decoder_config).decode(text)
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
            raise corrupt(self.codec_id, f"invalid document: {exc}") from exc
        except RecursionError:
            raise corrupt(self.codec_id, "invalid document: nested too deeply") from None
        return _fill(self._rebuild(document), out, self.codec_id)

    def _rebuild(self, document: Any) -> np.ndarray:
        """Check the decoded document and build the array it describes."""
        if not isinstance(document, list) or len(document) < 2:
            raise corrupt(self.codec_id, "expected a list ending with a dtype and a shape")
        *values, dtype_str, shape = document
        try:
            dtype = np.dtype(dtype_str)
        except Exception as exc:  # numpy's dtype parser raises SyntaxError and more
            raise corrupt(self.codec_id, f"invalid dtype {dtype_str!r}") from exc
        if dtype.subdtype is not None:  # numpy folds these into the shape: never encoded
            raise corrupt(self.codec_id, f"subarray dtype {dtype_str!r}")
        if _has_string_dtype(dtype):  # its items are pointers: no Zarr v2 array holds them
            raise corrupt(self.codec_id, f"dtype {dtype_str!r} holds numpy's variable-width "
                          "strings (StringDType), which no Zarr v2 array has")
        if not isinstance(shape, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
        ):
            raise corrupt(self.codec_id, f"invalid shape {shape!r}")
        for axis in range(len(shape) - 1):  # flatten the nested lists level by level
            inner = shape[axis + 1]
            if len(values) != math.prod(shape[: axis + 1]) or not all(
                isinstance(sub, list) and len(sub) == inner for sub in values
            ):
                raise corrupt(self.codec_id, f"items do not match the shape {shape}")
            values = [item for sub in values for item in sub]
        if len(values) != math.prod(shape):
            raise corrupt(self.codec_id, f"{len(values)} items do not match the shape {shape}")
        nbytes = len(values) * dtype.itemsize  # a few bytes of JSON may claim huge items
        if nbytes > config.get("max_chunk_nbytes"):
            raise corrupt(self.codec_id, f"{len(values)} items of dtype {dtype} make "
                          f"{nbytes} bytes, over zarrlite.config max_chunk_nbytes")
        try:
            if dtype.hasobject:  # item by item, so that list items stay lists
                dec = np.empty(len(values), dtype=dtype)
                for index, value in enumerate(values):
                    dec[index] = value
            else:
                dec = np.array(values, dtype=dtype).reshape(-1)
            return dec.reshape(shape)
        except (TypeError, ValueError, OverflowError) as exc:
            raise corrupt(self.codec_id, f"items do not fit dtype {dtype}: {exc}") from exc

    def get_config(self) -> dict[str, Any]:
        """Return the configuration (encoding, encoder options, ``strict``)."""
        return {
            "id": self.codec_id,
            "encoding": self._text_encoding,
            **self._encoder_config,
            **self._decoder_config,
        }

    def __repr__(self) -> str:
        params = [f"encoding={self._text_encoding!r}"]
        params += [f"{k}={v!r}" for k, v in sorted(self._encoder_config.items())]
        params += [f"{k}={v!r}" for k, v in sorted(self._decoder_config.items())]
        text = f"{type(self).__name__}({', '.join(params)})"
        return textwrap.fill(text, width=80, break_long_words=False, subsequent_indent="     ")


class Pickle(Codec):
    """Encode an array with :mod:`pickle`, compatible with ``numcodecs.Pickle``.

    Decoding is refused unless :data:`ALLOW_UNSAFE_PICKLE_DECODE` is true,
    because unpickling can run arbitrary code; prefer ``vlen-utf8``,
    ``vlen-bytes`` or ``json2``.

    Parameters
    ----------
    protocol : int
        Pickle protocol, :data:`pickle.HIGHEST_PROTOCOL` by default.
    """

    codec_id = "pickle"

    def __init__(self, protocol: int = pickle.HIGHEST_PROTOCOL) -> None:
        self.protocol = protocol

    def encode(self, buf: Any) -> bytes:
        """Return ``pickle.dumps(buf)``."""
        return pickle.dumps(buf, protocol=self.protocol)

    def decode(self, buf: BufferLike, out: Any = None) -> np.ndarray:
        """Unpickle the array in `buf` (only when unpickling was allowed)."""
        dec = self.decode_value(buf)
        if not isinstance(dec, np.ndarray):
            raise corrupt(self.codec_id, f"expected a pickled array, got {type(dec).__name__}")
        return _fill(dec, out, self.codec_id)

    def decode_value(self, buf: BufferLike) -> Any:
        """Unpickle any value (a fill value: zarr-python 2 pickles records and tuples)."""
        if not ALLOW_UNSAFE_PICKLE_DECODE:
            raise CodecError(
                "pickle: decoding is disabled because unpickling can run arbitrary code; "
                "if the data is trusted, set zarrlite.codecs.objects.ALLOW_UNSAFE_PICKLE_DECODE"
                " = True or the environment variable ZARRLITE_ALLOW_UNSAFE_PICKLE_DECODE=1"
            )
        try:
            dec = pickle.loads(as_bytes(buf).data)
        except Exception as exc:  # unpickling corrupt data can raise nearly anything
            raise corrupt(self.codec_id, f"cannot unpickle: {exc!r}") from exc
        return dec

    def __repr__(self) -> str:
        return f"Pickle(protocol={self.protocol})"


for _cls in (VLenUTF8, VLenBytes, JSON, Pickle):
    register_codec(_cls)


def _has_string_dtype(dtype: np.dtype) -> bool:
    """Whether numpy's variable-width string dtype (kind 'T') is `dtype` or inside it."""
    if dtype.fields is not None:
        return any(_has_string_dtype(field[0]) for field in dtype.fields.values())
    if dtype.subdtype is not None:
        return _has_string_dtype(dtype.subdtype[0])
    return dtype.kind == "T"
