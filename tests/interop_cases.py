"""Shared machinery of the interop tests (test_interop_*.py): data makers, the case tables
(dtypes, compressors, filters, object codecs), zarrlite writers and a small reference Zarr v2
reader built only on numcodecs."""

from __future__ import annotations

import base64
import itertools
import json
import lzma
import math
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest
import zarr
from numcodecs.compat import ensure_contiguous_ndarray

import zarrlite as zl
from zarrlite import codecs as zlc


@pytest.fixture(autouse=True)
def _allow_pickle(monkeypatch):
    """The pickle cases decode data these tests wrote themselves."""
    monkeypatch.setattr(numcodecs.pickles, "ALLOW_UNSAFE_PICKLE_DECODE", True)
    monkeypatch.setattr(zlc.objects, "ALLOW_UNSAFE_PICKLE_DECODE", True)




FIXTURES = Path(__file__).parent / "fixtures" / "zarr3-v2"
NAN = math.nan
INF = math.inf

# ----------------------------------------------------------------------------- helpers


def region_of(shape: tuple[int, ...]) -> tuple[slice, ...]:
    """The part of an array the tests write: the first ~60% along every axis."""
    return tuple(slice(0, max(1, math.ceil(n * 0.6))) for n in shape)


def grid_of(shape: tuple[int, ...], chunks: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(-(-n // c) for n, c in zip(shape, chunks, strict=True))


def chunk_key(index: tuple[int, ...], sep: str) -> str:
    return sep.join(map(str, index)) if index else "0"


def untouched_chunks(shape, chunks, region) -> list[tuple[int, ...]]:
    """Chunk indices that the write of `region` does not touch."""
    out = []
    for idx in np.ndindex(*grid_of(shape, chunks)):
        if any(i * c >= r.stop for i, c, r in zip(idx, chunks, region, strict=True)):
            out.append(idx)
    return out


def shifted(where: Any) -> Any:
    """`where` (Ellipsis or a region) for the array sliced with ``[1:]``."""
    if where is Ellipsis:
        return where
    return (slice(0, where[0].stop - 1),) + where[1:]


def filled(shape, dtype, fill) -> np.ndarray:
    """An array of `shape` holding `fill` (zeros if fill is None)."""
    arr = np.zeros(shape, dtype=dtype)
    if dtype.hasobject:
        arr[...] = None if fill is None else fill
        if fill is None:
            arr[...] = 0  # numcodecs reads missing object items as 0 / None: not compared
    elif fill is not None:
        arr[...] = fill
    return arr


def assert_same(actual: Any, expected: np.ndarray, where: Any = Ellipsis) -> None:
    """Assert equal values: NaN == NaN, NaT == NaT; object and StringDType via lists."""
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    actual, expected = actual[where], expected[where]
    if expected.dtype.hasobject or actual.dtype.kind == "T":
        assert np.asarray(actual, dtype=object).tolist() == expected.tolist()
    elif expected.dtype.names:
        assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
        assert actual.tobytes() == expected.tobytes()
    else:
        assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
        np.testing.assert_array_equal(actual, expected, strict=True)


def fill_equal(actual: Any, expected: Any, dtype: np.dtype) -> bool:
    """Whether two fill values mean the same item of `dtype` (None only equals None)."""
    if expected is None or actual is None:
        return actual is expected
    if dtype.hasobject:
        return type(actual) is type(expected) and actual == expected
    a, e = np.array([actual], dtype=dtype), np.array([expected], dtype=dtype)
    if dtype.names:
        return a.tobytes() == e.tobytes()
    try:
        np.testing.assert_array_equal(a, e)
    except AssertionError:
        return False
    return True


# ----------------------------------------------------------------------------- data


_TEXT = "abcxyzé漢🙂 "


def make_data(dtype: np.dtype, shape: tuple[int, ...], seed: int = 0, codec: str = "") -> Any:
    """Deterministic test values of `dtype` covering the range (extremes, specials, empty)."""
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    if dtype.names:
        arr = np.zeros(shape, dtype=dtype)
        for name in dtype.names:
            field = dtype.fields[name][0]
            arr[name] = make_data(field.base, shape + field.shape, seed + 1)
        return arr
    kind = dtype.kind
    if kind == "b":
        flat = rng.integers(0, 2, n).astype(bool)
        flat[: min(n, 2)] = [False, True][: min(n, 2)]
    elif kind in "iu":
        info = np.iinfo(dtype)
        flat = rng.integers(info.min, info.max, n, endpoint=True, dtype=dtype.newbyteorder("="))
        flat[: min(n, 2)] = [info.min, info.max][: min(n, 2)]
    elif kind == "f":
        flat = (rng.standard_normal(n) * 100).astype(dtype)
        flat[: min(n, 4)] = [INF, -INF, -0.0, np.finfo(dtype).tiny][: min(n, 4)]
    elif kind == "c":
        flat = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
    elif kind == "S":
        flat = np.array(
            [bytes(rng.integers(65, 91, rng.integers(0, dtype.itemsize + 1))) for _ in range(n)],
            dtype=dtype,
        )
    elif kind == "U":
        size = dtype.itemsize // 4
        flat = np.array(
            ["".join(rng.choice(list(_TEXT), rng.integers(0, size + 1))) for _ in range(n)],
            dtype=dtype,
        )
    elif kind in "mM":
        flat = rng.integers(-(10**6), 10**6, n).astype(dtype)
        flat[: min(n, 1)] = np.array("NaT", dtype=dtype)
    elif kind == "O":
        flat = np.empty(n, dtype=object)
        flat[:] = [_object_item(codec, i, rng) for i in range(n)]
    else:  # pragma: no cover
        raise AssertionError(dtype)
    return np.asarray(flat).astype(dtype).reshape(shape)


def _object_item(codec: str, i: int, rng: np.random.Generator) -> Any:
    text = "".join(rng.choice(list(_TEXT), i % 5))
    if codec == "vlen-utf8":
        return text
    if codec == "vlen-bytes":
        return text.encode() + bytes([i % 3])
    if codec == "json2":
        return [text, i, i / 4, None, {"k": text}, True][i % 6]
    return [text, i, (i, text), {i, -i}, b"raw" * (i % 3), 1.5j, frozenset()][i % 7]


# ----------------------------------------------------------------------------- reference reader


def _dtype_from_json(spec: Any) -> np.dtype:
    def fields(items):
        out = []
        for item in items:
            name, sub = item[0], item[1]
            sub = fields(sub) if isinstance(sub, list) else sub
            out.append((name, sub, tuple(item[2])) if len(item) > 2 else (name, sub))
        return out

    return np.dtype(fields(spec) if isinstance(spec, list) else spec)


def _fill_from_json(value: Any, dtype: np.dtype) -> Any:
    """Decode a Zarr v2 fill value as the spec (and zarr-python 2) define it."""
    if value is None:
        return None
    if dtype.kind == "f":
        return {"NaN": NAN, "Infinity": INF, "-Infinity": -INF}.get(value, value)
    if dtype.kind == "c":
        return complex(*(_fill_from_json(v, np.dtype("f8")) for v in value))
    if dtype.kind == "S":  # may be shorter than the itemsize (zarr-python 2 strips NULs)
        return np.array(base64.standard_b64decode(value), dtype=dtype)[()]
    if dtype.kind == "V":
        return np.frombuffer(base64.standard_b64decode(value), dtype=dtype)[0]
    if dtype.kind in "mM":
        return np.array(value, dtype=np.dtype("i8").newbyteorder(dtype.byteorder)).view(dtype)[()]
    return value


def reference_read(path: Path) -> tuple[np.ndarray, Any]:
    """Read a Zarr v2 directory-store array with numcodecs and numpy only.

    Returns the array (unset items of arrays without fill value are zeros) and the decoded
    fill value.
    """
    meta = json.loads((path / ".zarray").read_text())
    assert meta["zarr_format"] == 2
    dtype = _dtype_from_json(meta["dtype"])
    shape, chunks = tuple(meta["shape"]), tuple(meta["chunks"])
    sep = meta.get("dimension_separator") or "."
    fill = _fill_from_json(meta["fill_value"], dtype)
    if (meta["filters"] or [{}])[0].get("id") == "vlen-bytes" and isinstance(fill, str):
        fill = base64.b64decode(fill)  # zarr-python 3 stores bytes fill values as base64
    out = filled(shape, dtype, fill)
    compressor = meta["compressor"] and numcodecs.get_codec(meta["compressor"])
    filters = [numcodecs.get_codec(f) for f in meta["filters"] or ()]
    for idx in np.ndindex(*grid_of(shape, chunks)):
        key = path / chunk_key(idx, sep)
        if not key.exists():
            continue
        buf: Any = key.read_bytes()
        if compressor:
            buf = compressor.decode(buf)
        for f in reversed(filters):
            buf = f.decode(buf)
        if dtype.hasobject:
            chunk = np.asarray(buf, dtype=object).reshape(chunks, order=meta["order"])
        else:
            chunk = np.frombuffer(ensure_contiguous_ndarray(buf), dtype=dtype)
            chunk = chunk.reshape(chunks, order=meta["order"])
        bounds = zip(idx, chunks, shape, strict=True)
        dst = tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in bounds)
        out[dst] = chunk[tuple(slice(0, s.stop - s.start) for s in dst)]
    return out, fill


# ----------------------------------------------------------------------------- cases

#: Compressor configurations, shared by zarrlite (zl.codecs.get_codec) and numcodecs.
BLOSC_CNAMES = ("blosclz", "lz4", "lz4hc", "zlib", "zstd")
COMPRESSORS: dict[str, dict | None] = {
    **{
        f"blosc-{cname}-{shuffle}": {
            "id": "blosc",
            "cname": cname,
            "clevel": 5,
            "shuffle": shuffle,
            "blocksize": 0,
        }
        for cname, shuffle in itertools.product(BLOSC_CNAMES, (0, 1, 2))
    },
    "zstd": {"id": "zstd", "level": 3, "checksum": False},
    "zstd-checksum": {"id": "zstd", "level": 1, "checksum": True},
    "lz4": {"id": "lz4", "acceleration": 1},
    "zlib": {"id": "zlib", "level": 6},
    "gzip": {"id": "gzip", "level": 5},
    "bz2": {"id": "bz2", "level": 9},
    "lzma": {"id": "lzma", "format": 1, "check": -1, "preset": 1, "filters": None},
    "lzma-raw": {
        "id": "lzma",
        "format": lzma.FORMAT_RAW,
        "check": -1,
        "preset": None,
        "filters": [{"id": lzma.FILTER_DELTA, "dist": 4}, {"id": lzma.FILTER_LZMA2, "preset": 1}],
    },
    "none": None,
}
COMPRESSOR_IDS = list(COMPRESSORS)

#: (dtype, fill_value, object codec id): every dtype family, both byte orders.
DTYPES: dict[str, tuple[Any, Any, str]] = {
    "bool": ("|b1", True, ""),
    "i1": ("|i1", -128, ""),
    "u1": ("|u1", 255, ""),
    "<i2": ("<i2", -3, ""),
    ">i2": (">i2", 7, ""),
    "<i4": ("<i4", 0, ""),
    ">i4": (">i4", -(2**31), ""),
    "<i8": ("<i8", 2**62, ""),
    ">i8": (">i8", -1, ""),
    "<u2": ("<u2", 65535, ""),
    ">u2": (">u2", 1, ""),
    "<u4": ("<u4", 2**32 - 1, ""),
    ">u4": (">u4", 0, ""),
    "<u8": ("<u8", 2**64 - 1, ""),
    ">u8": (">u8", 12345, ""),
    "<f2": ("<f2", NAN, ""),
    ">f2": (">f2", -INF, ""),
    "<f4": ("<f4", INF, ""),
    ">f4": (">f4", NAN, ""),
    "<f8": ("<f8", -0.5, ""),
    ">f8": (">f8", NAN, ""),
    "<c8": ("<c8", 1 - 2j, ""),
    ">c16": (">c16", complex(NAN, INF), ""),
    "<c16": ("<c16", 0j, ""),
    "S1": ("|S1", b"z", ""),
    "S7": ("|S7", b"fill", ""),
    "<U5": ("<U5", "fillé", ""),
    ">U3": (">U3", "", ""),
    "<M8[ns]": ("<M8[ns]", "NaT", ""),
    ">M8[D]": (">M8[D]", "2001-02-03", ""),
    "<M8[s]": ("<M8[s]", None, ""),
    "<m8[ms]": ("<m8[ms]", 5, ""),
    ">m8[us]": (">m8[us]", "NaT", ""),
    "struct": ([("a", "<i4"), ("b", ">f8"), ("c", "|S3"), ("d", "|b1")], None, ""),
    "struct-fill": ([("x", "<u2"), ("y", "<f4")], 0, ""),
    "struct-nested": ([("a", ">i2"), ("b", [("x", "<f8"), ("y", "|S2")])], None, ""),
    "struct-subarray": ([("a", "<i4"), ("m", "<f4", (2, 3))], None, ""),
    "O-vlen-utf8": (object, "fill", "vlen-utf8"),
    "O-vlen-utf8-empty": (object, "", "vlen-utf8"),
    "O-vlen-bytes": (object, None, "vlen-bytes"),
    "O-vlen-bytes-fill": (object, b"\x00q", "vlen-bytes"),
    "O-json2": (object, None, "json2"),
    "O-pickle": (object, None, "pickle"),
}
DTYPE_IDS = list(DTYPES)

#: What zarr-python 3.1 cannot open or create for zarr_format=2 (read with reference_read).
ZARR3_CANNOT_READ = {"struct-nested", "struct-subarray", "O-json2", "O-pickle"}
OBJECT_CODECS = {
    "vlen-utf8": {"id": "vlen-utf8"},
    "vlen-bytes": {"id": "vlen-bytes"},
    "json2": zlc.JSON().get_config(),
    "pickle": {"id": "pickle", "protocol": 5},
}

#: (dtype, filter configs, fill value, lossy): every numcodecs filter, and a chain.
FILTERS: dict[str, tuple[str, list[dict], Any, bool]] = {
    "delta": ("<i4", [{"id": "delta", "dtype": "<i4", "astype": "<i4"}], -1, False),
    "delta-astype": (">i8", [{"id": "delta", "dtype": ">i8", "astype": "<i2"}], 0, False),
    "shuffle": ("<f8", [{"id": "shuffle", "elementsize": 8}], NAN, False),
    "fixedscaleoffset": (
        "<f8",
        [{"id": "fixedscaleoffset", "offset": 1000, "scale": 10, "dtype": "<f8", "astype": "<i4"}],
        0.0,
        True,
    ),
    "quantize": (
        "<f4",
        [{"id": "quantize", "digits": 3, "dtype": "<f4", "astype": "<f4"}],
        0.0,
        True,
    ),
    "quantize-f8": (
        "<f8",
        [{"id": "quantize", "digits": 2, "dtype": "<f8", "astype": "<f4"}],
        NAN,
        True,
    ),
    "astype": ("<f8", [{"id": "astype", "encode_dtype": "<f4", "decode_dtype": "<f8"}], INF, True),
    "packbits": ("|b1", [{"id": "packbits"}], True, False),
    "categorize": (
        "<U6",
        [
            {
                "id": "categorize",
                "labels": ["apple", "kiwi", "fig", "é漢"],
                "dtype": "<U6",
                "astype": "|u1",
            }
        ],
        "",
        False,
    ),
    "bitround": ("<f4", [{"id": "bitround", "keepbits": 7}], NAN, True),
    "bitround-f8": ("<f8", [{"id": "bitround", "keepbits": 20}], -INF, True),
    "crc32": ("<i2", [{"id": "crc32"}], 3, False),
    "adler32": ("<u8", [{"id": "adler32"}], 0, False),
    "fletcher32": ("<f4", [{"id": "fletcher32"}], NAN, False),
    "chain": (
        "<i4",
        [
            {"id": "delta", "dtype": "<i4", "astype": "<i4"},
            {"id": "shuffle", "elementsize": 4},
            {"id": "crc32"},
        ],
        0,
        False,
    ),
}
FILTER_IDS = list(FILTERS)

SHAPES = [((7, 5), (3, 2)), ((11,), (4,)), ((5, 4, 3), (2, 3, 2))]


def layout(i: int, order: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shape and chunks for case `i`: any of SHAPES for C order, an N-d one for F order."""
    return SHAPES[i % 3] if order == "C" else SHAPES[2 * (i % 2)]


def filter_data(fid: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    dtype, configs, _, _ = FILTERS[fid]
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    if fid == "categorize":
        return rng.choice(configs[0]["labels"] + [""], n).astype(dtype).reshape(shape)
    if fid == "delta-astype":
        return np.cumsum(rng.integers(-1000, 1000, n)).astype(dtype).reshape(shape)
    if fid == "fixedscaleoffset":
        return (rng.uniform(-100, 2000, n)).astype(dtype).reshape(shape)
    data = make_data(np.dtype(dtype), shape, seed)
    if np.dtype(dtype).kind == "f" and fid in ("quantize", "quantize-f8", "astype"):
        data[np.isinf(data)] = 1e3
    return data


def lossy_roundtrip(configs: list[dict], data: np.ndarray) -> np.ndarray:
    """Values after numcodecs encodes and decodes (these filters work item by item)."""
    buf: Any = np.ascontiguousarray(data)
    for cfg in configs:
        buf = numcodecs.get_codec(cfg).encode(buf)
    for cfg in reversed(configs):
        buf = numcodecs.get_codec(cfg).decode(buf)
    return np.frombuffer(ensure_contiguous_ndarray(buf), dtype=data.dtype).reshape(data.shape)


def dtype_case(name: str) -> tuple[np.dtype, Any, str]:
    dtype, fill, ocodec = DTYPES[name]
    dtype = np.dtype(dtype)
    if dtype.kind in "mM" and isinstance(fill, str):
        fill = np.datetime64(fill) if dtype.kind == "M" else np.timedelta64(fill)
    return dtype, fill, ocodec


def expected_array(shape, dtype, fill, data, region) -> np.ndarray:
    expected = filled(shape, dtype, fill)
    expected[region] = data[region]
    return expected


def zl_write(
    path: Path,
    shape,
    chunks,
    dtype,
    fill,
    data,
    *,
    compressor=None,
    filters=None,
    order="C",
    sep=".",
    ocodec="",
    attrs=None,
) -> tuple[np.ndarray, tuple[slice, ...]]:
    """Create an array with zarrlite, write `region_of(shape)` of `data`; return expected."""
    object_codec = zlc.get_codec(OBJECT_CODECS[ocodec]) if ocodec else None
    z = zl.create(
        shape,
        chunks=chunks,
        dtype=dtype,
        store=str(path),
        fill_value=fill,
        compressor=compressor and zlc.get_codec(compressor),
        filters=filters and [zlc.get_codec(f) for f in filters],
        order=order,
        dimension_separator=sep,
        object_codec=object_codec,
    )
    if attrs:
        z.attrs.update(attrs)
    region = region_of(shape)
    z[region] = data[region]
    return expected_array(shape, dtype, fill, data, region), region


def check_missing(path: Path, shape, chunks, region, sep) -> None:
    """The chunks outside the written region must not exist (fill values come from metadata)."""
    missing = untouched_chunks(shape, chunks, region)
    assert missing, "test layout must leave chunks missing"
    for idx in missing:
        assert not (path / chunk_key(idx, sep)).exists()
    first = path / chunk_key((0,) * len(shape), sep)
    assert first.exists()


def zarr_read(path: Path) -> Any:
    return zarr.open_array(str(path), mode="r", zarr_format=2)
