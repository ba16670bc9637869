"""Tests for zarrlite.metadata.array_meta: .zarray/.zgroup parsing, validation and encoding.

Oracles: documents written by zarr-python 2.18.7 (pasted below, byte for byte), zarr-python 3
writing and reading ``zarr_format=2`` arrays, and tensorstore's zarr driver. Dtypes and fill
values: test_meta_dtypes.py.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import warnings
from types import MappingProxyType

import numpy as np
import pytest
from helpers import STRUCT_JSON as STRUCT
from helpers import base_meta, same_value
from hypothesis import given, settings
from hypothesis import strategies as st

from zarrlite.errors import MetadataError
from zarrlite.metadata.array_meta import (
    ArrayMeta,
    decode_fill_value,
    encode_dtype,
    encode_fill_value,
    guess_chunks,
    normalize_chunks,
    normalize_dimension_separator,
    normalize_fill_value,
    normalize_order,
    normalize_shape,
    parse_dtype,
)
from zarrlite.metadata.documents import decode_json, encode_json
from zarrlite.metadata.group_meta import GroupMeta, decode_group_meta, encode_group_meta

# ---------------------------------------------- golden documents from zarr-python 2.18.7

ZARR2_NAN_BLOSC = b"""{
    "chunks": [
        5,
        3
    ],
    "compressor": {
        "blocksize": 0,
        "clevel": 5,
        "cname": "lz4",
        "id": "blosc",
        "shuffle": 1
    },
    "dtype": "<f8",
    "fill_value": "NaN",
    "filters": null,
    "order": "C",
    "shape": [
        10,
        4
    ],
    "zarr_format": 2
}"""

ZARR2_SLASH_F_DELTA = b"""{
    "chunks": [
        5,
        3
    ],
    "compressor": {
        "blocksize": 0,
        "clevel": 5,
        "cname": "lz4",
        "id": "blosc",
        "shuffle": 1
    },
    "dimension_separator": "/",
    "dtype": "<f8",
    "fill_value": 0.0,
    "filters": [
        {
            "astype": "<f8",
            "dtype": "<f8",
            "id": "delta"
        }
    ],
    "order": "F",
    "shape": [
        10,
        4
    ],
    "zarr_format": 2
}"""

ZARR2_ZERO_D = b"""{
    "chunks": [],
    "compressor": null,
    "dtype": "<i4",
    "fill_value": 0,
    "filters": null,
    "order": "C",
    "shape": [],
    "zarr_format": 2
}"""

ZARR2_ZGROUP = b'{\n    "zarr_format": 2\n}'
ZARR2_ZATTRS = (
    b'{\n    "n": 3,\n    "s": "\\u00e9",\n    "x": NaN,\n'
    b'    "y": [\n        1,\n        2\n    ]\n}'
)

# (dtype JSON, fill_value JSON, expected decoded fill value) as zarr-python 2.18.7 wrote them
ZARR2_FIELDS = [
    ("<f8", None, None),
    ("<f4", "Infinity", np.float32(np.inf)),
    ("<f2", "-Infinity", np.float16(-np.inf)),
    ("<f4", 0.10000000149011612, np.float32(0.1)),
    ("<i4", 5, np.int32(5)),
    ("|u1", None, None),
    ("|b1", True, np.True_),
    ("|b1", False, np.False_),
    ("<c16", [1.0, 2.0], np.complex128(1 + 2j)),
    ("<c8", ["NaN", "Infinity"], np.complex64(complex(np.nan, np.inf))),
    ("<c8", [0.0, 0.0], np.complex64(0)),
    ("|S10", "YWI=", np.bytes_(b"ab")),
    ("|S4", "MA==", np.bytes_(b"0")),  # open_array's default fill 0 went through np.array(0, S4)
    ("|S4", "", np.bytes_(b"")),  # create's default fill 0 went through np.zeros
    ("|S3", "YQBi", np.bytes_(b"a\x00b")),
    ("<U5", "xy", np.str_("xy")),
    ("<U4", "0", np.str_("0")),
    ("<U4", "", np.str_("")),
    ("<U3", "\u00e9", np.str_("\u00e9")),
    ("|V8", None, None),
    ("|V4", "AAAAAA==", np.void(b"\0\0\0\0")),
    ("<M8[ns]", None, None),
    ("<m8[s]", 7, np.timedelta64(7, "s")),
    ("<M8[D]", -9223372036854775808, np.datetime64("NaT", "D")),
    ("<M8[s]", 1577836800, np.datetime64("2020-01-01T00:00:00", "s")),
    (">i2", 3, np.int16(3)),
    (">f8", 1.5, np.float64(1.5)),
    ("<u8", 18446744073709551615, np.uint64(2**64 - 1)),
    ("|i1", -128, np.int8(-128)),
    ([["a", "<i4"], ["b", "<f8"]], "AQAAAAAAAAAAAARA", (1, 2.5)),
    (STRUCT, "A" * 83 + "=", 0),
    ("|O", 0, 0),  # object dtype (vlen-utf8 filter): passed through
]


@pytest.mark.parametrize("raw", [ZARR2_NAN_BLOSC, ZARR2_SLASH_F_DELTA, ZARR2_ZERO_D])
def test_zarr2_documents_round_trip_byte_for_byte(raw):
    meta = ArrayMeta.decode(raw)
    assert meta.encode() == raw
    assert ArrayMeta.decode(meta.encode()) == meta


def test_zarr2_document_fields():
    meta = ArrayMeta.decode(ZARR2_SLASH_F_DELTA)
    assert meta.shape == (10, 4) and meta.chunks == (5, 3)
    assert meta.dtype == np.dtype("<f8") and meta.order == "F"
    assert meta.dimension_separator == "/"
    assert meta.filters == ({"astype": "<f8", "dtype": "<f8", "id": "delta"},)
    assert meta.compressor["id"] == "blosc"
    assert meta.cdata_shape == (2, 2) and meta.nchunks == 4 and meta.ndim == 2
    assert np.isnan(ArrayMeta.decode(ZARR2_NAN_BLOSC).fill_value)
    zero_d = ArrayMeta.decode(ZARR2_ZERO_D)
    assert zero_d.compressor is None and zero_d.cdata_shape == () and zero_d.nchunks == 1


@pytest.mark.parametrize("dtype_json, fill_json, expected", ZARR2_FIELDS)
def test_zarr2_fields(dtype_json, fill_json, expected):
    d = base_meta(dtype=dtype_json, fill_value=fill_json)
    meta = ArrayMeta.decode(encode_json(d))
    dtype = meta.dtype
    assert encode_dtype(dtype) == dtype_json
    if dtype.kind == "O":
        assert meta.fill_value == expected
    else:
        assert same_value(meta.fill_value, expected, dtype)
        if expected is not None and dtype.kind not in "SUV":
            assert type(meta.fill_value) is dtype.type
    assert json.loads(meta.encode()) == d


def test_explicit_dot_separator_is_dropped():
    # zarr-python 2 writes "dimension_separator" when the user passed one, "." included;
    # we keep "." implicit, so only that key differs.
    d = base_meta(dimension_separator=".")
    meta = ArrayMeta.decode(d)
    assert meta.dimension_separator == "."
    out = json.loads(meta.encode())
    assert "dimension_separator" not in out
    out["dimension_separator"] = "."
    assert out == d
    assert ArrayMeta.decode(base_meta(dimension_separator=None)).dimension_separator == "."


def test_zarr2_group_and_attrs_bytes():
    assert encode_group_meta() == ZARR2_ZGROUP
    assert GroupMeta().encode() == ZARR2_ZGROUP
    assert decode_group_meta(ZARR2_ZGROUP) == GroupMeta()
    attrs = {"y": [1, 2], "x": np.float64(np.nan), "n": np.int64(3), "s": "\u00e9"}
    assert encode_json(attrs) == ZARR2_ZATTRS
    back = decode_json(ZARR2_ZATTRS, ".zattrs")
    assert back["n"] == 3 and math.isnan(back["x"]) and back["s"] == "\u00e9"


# ------------------------------------------------------------------ zarr-python 3 oracle

ORACLE_CASES = [
    ("f8", None),
    ("f8", np.nan),
    ("<f4", np.inf),
    ("<f2", -np.inf),
    ("f4", 0.1),
    (">f8", -2.5),
    ("i1", -3),
    (">i2", 3),
    ("<i4", 2**31 - 1),
    ("i8", -(2**63)),
    ("u1", 255),
    (">u2", 7),
    ("u4", 0),
    ("u8", 2**64 - 1),
    ("bool", True),
    ("bool", False),
    ("c8", 1 + 2j),
    (">c16", complex(np.nan, -np.inf)),
    ("S10", b"ab"),
    ("S3", b"abc"),
    ("U5", "xy"),
    (">U3", "\u00e9"),
    ("V8", None),
    ("V3", b"\x01\x02\x03"),
    ("<M8[ns]", None),
    ("<M8[ns]", np.datetime64("NaT")),
    (">M8[D]", np.datetime64("2020-01-02")),
    ("<M8[s]", np.datetime64("1969-12-31T23:59:59")),
    ("<m8[s]", np.timedelta64(7, "s")),
    ("<m8[us]", np.timedelta64("NaT")),
    ([("a", "<i4"), ("b", ">f8")], (1, 2.5)),
    ([("a", "<i4"), ("b", "|S3")], None),
]


@pytest.fixture(scope="module")
def zarr3():
    import zarr
    warnings.filterwarnings("ignore", module="zarr")
    return zarr


def _zarr3_create(zarr, path, dtype, fill_value, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return zarr.create_array(
            store=str(path),
            shape=(10, 4),
            chunks=(5, 3),
            dtype=dtype,
            fill_value=fill_value,
            zarr_format=2,
            **kwargs,
        )


@pytest.mark.parametrize("dtype, fill_value", ORACLE_CASES)
def test_read_what_zarr3_writes(zarr3, tmp_path, dtype, fill_value):
    z = _zarr3_create(zarr3, tmp_path / "a", dtype, fill_value)
    raw = (tmp_path / "a" / ".zarray").read_bytes()
    meta = ArrayMeta.decode(raw)
    assert meta.dtype == np.dtype(dtype)
    assert meta.shape == (10, 4) and meta.chunks == (5, 3)
    assert same_value(meta.fill_value, z.fill_value, meta.dtype)
    # zarr 3 writes indent 2, insertion order and always "dimension_separator": "."; the
    # documents differ in bytes, not in content.
    theirs = json.loads(raw)
    assert theirs.pop("dimension_separator") == "."
    assert json.loads(meta.encode()) == theirs


def test_zarr3_defaults_and_separator(zarr3, tmp_path):
    for i, (dtype, fill_json) in enumerate([("f8", 0.0), ("S4", ""), ("U4", ""), ("V3", "AAAA")]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zarr3.create_array(store=str(tmp_path / str(i)), shape=(3,), dtype=dtype, zarr_format=2)
        raw = (tmp_path / str(i) / ".zarray").read_bytes()
        assert json.loads(raw)["fill_value"] == fill_json
        assert json.loads(ArrayMeta.decode(raw).encode())["fill_value"] == fill_json
    z = _zarr3_create(
        zarr3, tmp_path / "s", "i4", 0, chunk_key_encoding={"name": "v2", "separator": "/"}
    )
    meta = ArrayMeta.decode((tmp_path / "s" / ".zarray").read_bytes())
    assert meta.dimension_separator == "/" and z.shape == meta.shape


def test_zarr3_vlen_string(zarr3, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zarr3.create_array(store=str(tmp_path / "o"), shape=(3,), dtype=str, zarr_format=2)
    meta = ArrayMeta.decode((tmp_path / "o" / ".zarray").read_bytes())
    assert meta.dtype == np.dtype(object)
    assert meta.filters == ({"id": "vlen-utf8"},) and meta.fill_value == ""


@pytest.mark.parametrize("dtype, fill_value", ORACLE_CASES)
def test_zarr3_reads_what_we_write(zarr3, tmp_path, dtype, fill_value):
    dt = parse_dtype(dtype)
    meta = ArrayMeta((10, 4), (5, 3), dt, None, normalize_fill_value(fill_value, dt), "C", None)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".zarray").write_bytes(meta.encode())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = zarr3.open_array(str(tmp_path / "a"), mode="r", zarr_format=2)
        assert z.dtype == dt
        assert same_value(z.fill_value, meta.fill_value, dt)
        if meta.fill_value is not None:
            assert same_value(z[0, 0], meta.fill_value, dt)


def test_zarr3_cannot_read_nested_structs(zarr3, tmp_path):
    # zarr 3.1 writes subarray fields as "|V48" and cannot parse nested or subarray fields
    # that zarr-python 2 wrote; we read and write them like zarr 2 (see test_zarr2_fields).
    meta = ArrayMeta.decode(base_meta(dtype=STRUCT, fill_value=None))
    assert meta.dtype.fields["b"][0].shape == (2, 3)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".zarray").write_bytes(meta.encode())
    with pytest.raises(ValueError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zarr3.open_array(str(tmp_path / "a"), mode="r", zarr_format=2)


TS_CASES = [
    ("<f8", np.nan),
    (">f4", -np.inf),
    ("<i4", -7),
    ("|u1", 255),
    ("|b1", True),
    ("<c8", 1 - 1j),
    (">u8", 2**64 - 1),
    ("|S4", None),
    ("|S4", b"abcd"),  # tensorstore wants itemsize bytes: b"ab" ("YWI=") would be refused
    ("<f2", None),
]


@pytest.mark.parametrize("dtype, fill_value", TS_CASES)
def test_tensorstore_reads_what_we_write(tmp_path, dtype, fill_value):
    import tensorstore as ts
    dt = parse_dtype(dtype)
    meta = ArrayMeta((6,), (4,), dt, None, normalize_fill_value(fill_value, dt), "C", None)
    (tmp_path / ".zarray").write_bytes(meta.encode())
    t = ts.open({"driver": "zarr", "kvstore": {"driver": "file", "path": str(tmp_path)}}).result()
    if dt.kind in "SV":
        # tensorstore opens S4 as char with an extra dimension of 4, which reaches numpy 2 as
        # "|S0" items: only check that it accepted the metadata.
        assert t.shape == (6, dt.itemsize)
        return
    native = dt.newbyteorder("=")
    assert t.dtype.numpy_dtype == native
    values = np.asarray(t[:].read().result())
    if fill_value is not None:
        assert values.tobytes() == np.full(6, meta.fill_value, native).tobytes()


# ------------------------------------------------------------- malformed documents

MISSING = [
    "zarr_format",
    "shape",
    "chunks",
    "dtype",
    "compressor",
    "fill_value",
    "order",
    "filters",
]


@pytest.mark.parametrize("key", MISSING)
def test_missing_key(key):
    d = base_meta()
    del d[key]
    with pytest.raises(MetadataError, match=key):
        ArrayMeta.decode(encode_json(d))


@pytest.mark.parametrize(
    "key, value",
    [
        ("zarr_format", 3),
        ("zarr_format", "2"),
        ("zarr_format", 2.5),
        ("zarr_format", True),
        ("zarr_format", None),
        ("shape", -1),
        ("shape", [10, -4]),
        ("shape", [10, 4.0]),
        ("shape", [10, True]),
        ("shape", "10,4"),
        ("shape", None),
        ("chunks", [5, 0]),
        ("chunks", [5]),
        ("chunks", [5, 3, 1]),
        ("chunks", [5, None]),
        ("chunks", 5),
        ("dtype", "<f9"),
        ("dtype", "nonsense"),
        ("dtype", 5),
        ("dtype", None),
        ("dtype", []),
        ("dtype", [["a"]]),
        ("dtype", "|S0"),
        ("dtype", "<M8"),
        ("compressor", "blosc"),
        ("compressor", {"cname": "lz4"}),
        ("compressor", {"id": 5}),
        ("compressor", []),
        ("filters", {"id": "delta"}),
        ("filters", [1]),
        ("filters", [{"dtype": "<f8"}]),
        ("filters", "delta"),
        ("order", "K"),
        ("order", "c"),
        ("order", None),
        ("dimension_separator", "-"),
        ("dimension_separator", 5),
        ("fill_value", "abc"),
    ],
)
def test_bad_value(key, value):
    with pytest.raises(MetadataError, match=key) as info:
        ArrayMeta.decode(encode_json(base_meta(**{key: value})))
    assert isinstance(info.value, ValueError)
    assert repr(value)[:10] in str(info.value) or key in ("dtype", "fill_value")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"not json",
        b'{"zarr_format": 2,}',
        b"\xff\xfe\x00",
        "{'zarr_format': 2}",
        b"[]",
        5,
    ],
)
def test_bad_json(raw):
    with pytest.raises(MetadataError, match=r"a/\.zarray"):
        ArrayMeta.decode(raw, key="a/.zarray")
    with pytest.raises(MetadataError, match=r"\.zgroup"):
        GroupMeta.decode(raw)


def test_unknown_keys_ignored_and_whitespace_tolerated():
    d = base_meta(extra={"x": 1}, storage_transformers=[])
    meta = ArrayMeta.decode(encode_json(d))
    assert "extra" not in json.loads(meta.encode())
    assert ArrayMeta.decode(b"\n  " + encode_json(base_meta()) + b"\n\n") == meta
    assert ArrayMeta.decode(json.dumps(base_meta())) == meta  # str input
    assert ArrayMeta.decode(bytearray(encode_json(base_meta()))) == meta
    assert ArrayMeta.decode(MappingProxyType(base_meta())) == meta  # any mapping
    assert ArrayMeta.decode(json.dumps(base_meta()).encode("utf-16")) == meta


def test_filters_empty_list_preserved():
    meta = ArrayMeta.decode(base_meta(filters=[]))
    assert meta.filters == ()
    assert json.loads(meta.encode())["filters"] == []


@pytest.mark.parametrize("value", [3, "2", None, True])
def test_bad_group(value):
    with pytest.raises(MetadataError, match="zarr_format"):
        decode_group_meta(encode_json({"zarr_format": value}))
    with pytest.raises(MetadataError, match="zarr_format"):
        GroupMeta.decode({})


def test_group_ignores_extra_keys():
    assert GroupMeta.decode({"zarr_format": 2, "x": 1}).to_dict() == {"zarr_format": 2}


# -------------------------------------------------------------- ArrayMeta behaviour


def test_array_meta_is_frozen_and_replaceable():
    meta = ArrayMeta.decode(ZARR2_NAN_BLOSC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        meta.shape = (1, 1)
    bigger = dataclasses.replace(meta, shape=(11, 4))
    assert bigger.shape == (11, 4) and bigger.cdata_shape == (3, 2) and meta.cdata_shape == (2, 2)
    assert bigger != meta and bigger == dataclasses.replace(meta, shape=(11, 4))
    assert meta == ArrayMeta.decode(ZARR2_NAN_BLOSC)  # NaN fill values compare equal
    with pytest.raises(TypeError):
        hash(meta)


def test_to_dict_returns_copies():
    meta = ArrayMeta.decode(ZARR2_SLASH_F_DELTA)
    d = meta.to_dict()
    d["compressor"]["clevel"] = 9
    d["filters"][0]["id"] = "x"
    assert meta.compressor["clevel"] == 5 and meta.filters[0]["id"] == "delta"


def test_cdata_shape_edge_cases():
    def meta(shape, chunks):
        return ArrayMeta(shape, chunks, np.dtype("i4"), None, None, "C", None)

    assert meta((0, 5), (1, 5)).cdata_shape == (0, 1)
    assert meta((0, 5), (1, 5)).nchunks == 0
    assert meta((), ()).nchunks == 1
    assert meta((7,), (10,)).cdata_shape == (1,)
    assert meta((100, 100), (33, 50)).cdata_shape == (4, 2)


def test_unicode_fill_is_ascii_escaped():
    meta = ArrayMeta.decode(base_meta(dtype="<U3", fill_value="\u00e9"))
    raw = meta.encode()
    raw.decode("ascii")
    assert b'"fill_value": "\\u00e9"' in raw


# ------------------------------------------------------------------------ JSON


def test_encode_json_numpy_values():
    obj = {
        "b": np.bool_(True),
        "i": np.int16(-3),
        "u": np.uint64(2**64 - 1),
        "f": np.float32(0.5),
        "a": np.arange(3).reshape(1, 3),
        "inf": np.inf,
        "nested": [{"x": np.float16(1.5)}],
    }
    back = json.loads(encode_json(obj))
    assert back == {
        "a": [[0, 1, 2]],
        "b": True,
        "f": 0.5,
        "i": -3,
        "inf": math.inf,
        "nested": [{"x": 1.5}],
        "u": 2**64 - 1,
    }
    with pytest.raises(TypeError):
        encode_json({"c": 1 + 2j})
    with pytest.raises(TypeError):
        encode_json({"o": object()})


def test_decode_json_names_key():
    assert decode_json(b'{"a": [1, NaN]}', "x/.zattrs")["a"][0] == 1
    assert decode_json(memoryview(b" {} "), "k") == {}
    with pytest.raises(MetadataError, match=r"x/\.zattrs"):
        decode_json(b'{"a": }', "x/.zattrs")
    with pytest.raises(MetadataError, match="k"):
        decode_json(b"{} x", "k")


# ------------------------------------------------------------ user-facing normalizers


def test_normalize_shape():
    assert normalize_shape(5) == (5,)
    assert normalize_shape(np.int64(5)) == (5,)
    assert normalize_shape([2, np.int32(3)]) == (2, 3)
    assert normalize_shape(()) == ()
    assert normalize_shape((0, 4)) == (0, 4)
    with pytest.raises(ValueError):
        normalize_shape((2, -1))
    with pytest.raises(ValueError):
        normalize_shape(-1)
    with pytest.warns(UserWarning, match="non-integer"):  # as zarr 2: taken, with a warning
        assert normalize_shape((2.0, np.float32(3))) == (2, 3)
    for bad in ((2.5, 3), 3.0, "abc", (None,)):  # a fraction is not cut silently
        with pytest.raises(TypeError):
            normalize_shape(bad)


@pytest.mark.parametrize(
    "chunks, shape, expected",
    [
        (False, (10, 0, 3), (10, 1, 3)),
        (5, (10, 20), (5, 5)),
        (-1, (10, 20), (10, 20)),
        ((None, 4), (10, 20), (10, 4)),
        ((-1, 4), (10, 20), (10, 4)),
        ([np.int64(3), 100], (10, 20), (3, 100)),  # chunks larger than the shape are kept
        ((None,), (0,), (1,)),
        (7, (), ()),
        ((), (), ()),
        (None, (100,), (100,)),
        (True, (100,), (100,)),
    ],
)
def test_normalize_chunks(chunks, shape, expected):
    assert normalize_chunks(chunks, shape, 8) == expected


@pytest.mark.parametrize(
    "chunks, shape, error",
    [
        ((5, 5, 5), (10, 20), ValueError),
        (0, (10,), ValueError),
        ((5, 0), (10, 20), ValueError),
        ((5, -2), (10, 20), ValueError),
        ((5, 2.5), (10, 20), TypeError),
        ("ab", (10, 20), TypeError),
        (2.0, (10,), TypeError),
    ],
)
def test_normalize_chunks_rejects(chunks, shape, error):
    with pytest.raises(error):
        normalize_chunks(chunks, shape, 8)


# zarr-python 2.18.7's util.guess_chunks gives the same answers
@pytest.mark.parametrize(
    "shape, itemsize, expected",
    [
        ((10000, 10000), 8, (313, 625)),
        ((100,), 4, (100,)),
        ((0, 5), 4, (1, 5)),
        ((2**20, 3), 1, (262144, 2)),
        ((10**6,) * 3, 8, (123, 245, 245)),
        ((), 8, ()),
    ],
)
def test_guess_chunks_examples(shape, itemsize, expected):
    assert guess_chunks(shape, itemsize) == expected


@settings(max_examples=300, deadline=None)
@given(
    shape=st.lists(st.integers(0, 10**7), min_size=0, max_size=5),
    itemsize=st.sampled_from([1, 2, 4, 8, 16, 1000, 10**6]),
)
def test_guess_chunks_property(shape, itemsize):
    chunks = guess_chunks(shape, itemsize)
    assert len(chunks) == len(shape)
    assert all(1 <= c <= max(s, 1) for c, s in zip(chunks, shape, strict=True))
    nbytes = math.prod(chunks) * itemsize
    assert nbytes <= 1.5 * 64 * 2**20 or math.prod(chunks) == 1
    if math.prod(max(s, 1) for s in shape) * itemsize <= 256 * 1024:
        assert chunks == tuple(max(s, 1) for s in shape)  # small arrays: one chunk


def test_normalize_order_and_separator():
    assert normalize_order("C") == "C" and normalize_order("f") == "F"
    for bad in ("K", "", None, 1):
        with pytest.raises(ValueError):
            normalize_order(bad)
    assert normalize_dimension_separator(None) == "."
    assert normalize_dimension_separator("/") == "/"
    assert normalize_dimension_separator(".") == "."
    for bad in ("-", "", 5):
        with pytest.raises(ValueError):
            normalize_dimension_separator(bad)


def test_base64_fill_is_standard_alphabet():
    dt = np.dtype("|V3")
    raw = b"\xfb\xff\xfe"
    encoded = encode_fill_value(raw, dt)
    assert encoded == base64.standard_b64encode(raw).decode() and "+" in encoded or "/" in encoded
    assert decode_fill_value(encoded, dt).tobytes() == raw


def test_documents_handed_over_as_mappings_are_copied_and_checked():
    from zarrlite.metadata.documents import decode_json

    parsed = {"a": [1, {"b": "c"}], "n": None, "x": float("nan")}
    copy = decode_json(parsed, "k")
    assert copy["a"] == [1, {"b": "c"}] and copy["n"] is None and copy["x"] != copy["x"]
    copy["a"][1]["b"] = "changed"  # a deep copy: the store's document is untouched
    assert parsed["a"][1]["b"] == "c"
    odd = {"t": (1, 2), 3: "int key"}  # not what json.loads gives: converted as JSON would
    assert decode_json(odd, "k") == {"t": [1, 2], "3": "int key"}
    with pytest.raises(MetadataError, match="k: not a JSON document"):
        decode_json({"s": {1, 2}}, "k")
