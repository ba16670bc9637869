"""Interoperability with tensorstore: it reads what zarrlite writes, and the reverse (no
filters, no lz4, no U/M/m dtypes: limits of tensorstore's Zarr v2 driver)."""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tensorstore as ts
from interop_cases import (  # noqa: F401 - _allow_pickle is an autouse fixture
    COMPRESSORS,
    INF,
    NAN,
    SHAPES,
    _allow_pickle,
    assert_same,
    check_missing,
    expected_array,
    layout,
    make_data,
    region_of,
    zl_write,
)

import zarrlite as zl

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

# ============================================================================= 3. tensorstore

# fmt: off
TS_DTYPES = ["|b1", "|i1", "|u1", "<i2", ">i2", ">i4", "<i8", "<u2", ">u4", ">u8", "<f2", ">f2",
             "<f4", ">f4", "<f8", ">f8", "<c8", ">c16", "|S4"]
TS_COMPRESSORS = ["blosc-blosclz-0", "blosc-lz4-1", "blosc-lz4hc-2", "blosc-zlib-1",
                  "blosc-zstd-2", "blosc-lz4-2", "zstd", "zlib", "gzip", "bz2", "none"]
# fmt: on


def ts_spec(path: Path, **extra: Any) -> dict:
    return {"driver": "zarr", "kvstore": {"driver": "file", "path": str(path)}, **extra}


def ts_array(arr: Any, dtype: np.dtype) -> np.ndarray:
    """tensorstore reads |Sn as a trailing axis of n chars, which numpy 2.4 sees as |S0."""
    if dtype.kind != "S":
        return np.asarray(arr).astype(dtype)
    iface = dict(arr.__array_interface__, typestr="|S1", descr=[("", "|S1")])
    chars = np.array(type("Chars", (), {"__array_interface__": iface})(), copy=True)
    return chars.view(dtype)[..., 0]


@pytest.mark.parametrize("dtype", TS_DTYPES)
def test_zarrlite_to_tensorstore(tmp_path, dtype):
    dtype = np.dtype(dtype)
    i = TS_DTYPES.index(dtype.str if dtype.kind != "b" else "|b1")
    cid = TS_COMPRESSORS[i % len(TS_COMPRESSORS)]
    order, sep = "CF"[i % 2], "./"[(i // 2) % 2]
    shape, chunks = layout(i // 2, order)
    fill = {"b": True, "S": b"abcd", "f": NAN, "c": 1j}.get(dtype.kind, 5)
    data = make_data(dtype, shape, seed=i)
    path = tmp_path / "a"
    expected, region = zl_write(
        path, shape, chunks, dtype, fill, data, compressor=COMPRESSORS[cid], order=order, sep=sep
    )
    t = ts.open(ts_spec(path), read=True).result()
    assert t.shape[: len(shape)] == shape
    assert_same(ts_array(t.read().result(), dtype), expected)
    assert_same(ts_array(t[1:].read().result(), dtype), expected[1:])


def test_zarrlite_structured_to_tensorstore(tmp_path):
    dtype = np.dtype([("a", "<i4"), ("b", ">f8"), ("c", "|u1")])
    shape, chunks = SHAPES[0]
    data = make_data(dtype, shape, seed=3)
    path = tmp_path / "a"
    expected, _ = zl_write(path, shape, chunks, dtype, 0, data, compressor=COMPRESSORS["zlib"])
    for name in dtype.names:
        t = ts.open(ts_spec(path, field=name), read=True).result()
        assert_same(t.read().result().astype(dtype[name]), expected[name])


@pytest.mark.parametrize("cid", TS_COMPRESSORS)
def test_tensorstore_to_zarrlite(tmp_path, cid):
    i = TS_COMPRESSORS.index(cid)
    dtype = np.dtype(TS_DTYPES[(3 * i) % len(TS_DTYPES)])
    order, sep = "FC"[i % 2], "/."[(i // 2) % 2]
    shape, chunks = layout(i // 2, order)
    fill = {"b": True, "S": b"xy\x00\x00", "f": -INF, "c": complex(NAN, 1)}.get(dtype.kind, 9)
    compressor = COMPRESSORS[cid]
    if compressor and compressor["id"] == "zstd":
        compressor = {"id": "zstd", "level": compressor["level"]}
    metadata = {
        "shape": list(shape),
        "chunks": list(chunks),
        "dtype": dtype.str,
        "compressor": compressor,
        "order": order,
        "dimension_separator": sep,
        "fill_value": _ts_fill_json(fill, dtype),
    }
    path = tmp_path / "a"
    t = ts.open(ts_spec(path, metadata=metadata), create=True).result()
    data = make_data(dtype, shape, seed=i)
    region = region_of(shape)
    value = data[region]
    if dtype.kind == "S":
        value = value.view("S1").reshape(value.shape + (dtype.itemsize,))
    t[region] = value
    check_missing(path, shape, chunks, region, sep)
    expected = expected_array(shape, dtype, fill, data, region)
    z = zl.open_array(str(path), mode="r")
    assert z.dtype == dtype and z.order == order
    assert_same(z[...], expected)


def _ts_fill_json(value: Any, dtype: np.dtype) -> Any:
    """The fill value as tensorstore wants it (|Sn: all n bytes in base64)."""
    if dtype.kind == "c":
        return [_ts_fill_json(v, np.dtype("f8")) for v in (value.real, value.imag)]
    if dtype.kind == "f" and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if dtype.kind == "S":
        return base64.standard_b64encode(np.array(value, dtype=dtype).tobytes()).decode()
    return value


def test_tensorstore_structured_to_zarrlite(tmp_path):
    dtype = np.dtype([("a", ">i4"), ("b", "<f4")])
    metadata = {
        "shape": [7, 5],
        "chunks": [3, 2],
        "dtype": [["a", ">i4"], ["b", "<f4"]],
        "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1},
        "fill_value": None,
        "order": "C",
    }
    path = tmp_path / "a"
    data = make_data(dtype, (7, 5), seed=1)
    for name in dtype.names:
        t = ts.open(ts_spec(path, metadata=metadata, field=name), open=True, create=True).result()
        t[...] = data[name]
    assert_same(zl.open_array(str(path), mode="r")[...], data)
