"""Tests for zarrlite.metadata.dtypes and fill values in .zarray: every dtype's JSON form,
fill value encodings (NaN, infinities, base64 bytes, structured), and hypothesis round trips."""

from __future__ import annotations

import base64
import json
import math
import pickle

import numpy as np
import pytest
from helpers import STRUCT_JSON as STRUCT
from helpers import base_meta, same_value
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from zarrlite.errors import CodecError, MetadataError
from zarrlite.metadata.array_meta import (
    ArrayMeta,
    decode_fill_value,
    encode_dtype,
    encode_fill_value,
    normalize_fill_value,
    parse_dtype,
)
from zarrlite.metadata.dtypes import UnsupportedDtypeError, vlen_filter

# ------------------------------------------------------------------------ dtypes

SIMPLE_DTYPES = [
    "|b1",
    *[f"{o}{k}{n}" for o in "<>" for k in "iu" for n in (2, 4, 8)],
    "|i1",
    "|u1",
    *[f"{o}f{n}" for o in "<>" for n in (2, 4, 8)],
    *[f"{o}c{n}" for o in "<>" for n in (8, 16)],
    "|S1",
    "|S10",
    "<U1",
    ">U5",
    "|V1",
    "|V8",
    *[f"{o}{k}8[{u}]" for o in "<>" for k in "Mm" for u in ("Y", "D", "h", "s", "ms", "ns")],
    "<M8[10us]",
    "|O",
]


@pytest.mark.parametrize("typestr", SIMPLE_DTYPES)
def test_dtype_round_trip(typestr):
    dtype = parse_dtype(typestr)
    assert dtype == np.dtype(typestr) and dtype.str == typestr
    assert encode_dtype(dtype) == typestr
    assert parse_dtype(dtype) is dtype


STRUCTURED = [
    [["a", "<i4"]],
    [["a", "<i4"], ["b", "<f8", [2, 3]], ["c", [["x", "<u2"]]]],
    STRUCT,
    [["s", "|S3"], ["u", ">U2"], ["t", "<M8[ms]"], ["v", "|V2"], ["z", "<c8", [1]]],
    [["outer", [["inner", [["x", "|b1", [2]]]]]]],
    [[["title", "a"], "<i4"]],  # titles come out of dtype.descr as [title, name]
]


@pytest.mark.parametrize("descr", STRUCTURED)
def test_structured_round_trip(descr):
    dtype = parse_dtype(descr)
    assert dtype.fields is not None
    assert encode_dtype(dtype) == descr
    assert json.loads(json.dumps(encode_dtype(dtype))) == descr
    assert parse_dtype(json.loads(json.dumps(descr))) == dtype
    assert parse_dtype([tuple(f) for f in descr]) == dtype


def test_structured_with_padding_round_trips_like_zarr2():
    dtype = np.dtype({"names": ["a", "b"], "formats": ["u1", "<i4"], "offsets": [0, 4]})
    descr = encode_dtype(dtype)
    assert descr == [["a", "|u1"], ["", "|V3"], ["b", "<i4"]]
    again = parse_dtype(descr)
    assert again.itemsize == dtype.itemsize and again.fields["b"][1] == 4


@pytest.mark.parametrize(
    "obj, expected",
    [
        (np.float32, "<f4"),
        ("float32", "<f4"),
        ("f8", "<f8"),
        ("int32", "<i4"),
        ("i2", "<i2"),
        (float, "<f8"),
        (int, "<i8"),
        (bool, "|b1"),
        (complex, "<c16"),
        ("S5", "|S5"),
        ("U5", "<U5"),
        (np.dtype(">u2"), ">u2"),
        ("datetime64[ms]", "<M8[ms]"),
        (object, "|O"),
        (str, "|O"),
        (bytes, "|O"),
        ({"names": ["a"], "formats": ["i4"]}, [["a", "<i4"]]),
        ([("a", "i4"), ("b", "f8", 2)], [["a", "<i4"], ["b", "<f8", [2]]]),
    ],
)
def test_parse_user_dtypes(obj, expected):
    assert encode_dtype(parse_dtype(obj)) == expected


def test_vlen_filter():
    assert vlen_filter(str) == {"id": "vlen-utf8"}
    assert vlen_filter(bytes) == {"id": "vlen-bytes"}
    assert vlen_filter(object) is None and vlen_filter("U5") is None and vlen_filter([1]) is None


@pytest.mark.parametrize(
    "obj",
    [
        "<f9",
        "nonsense",
        "U",
        "|S0",
        "V",
        "<M8",
        "m8",
        "(2,)f8",
        np.dtype(("f8", (2,))),
        [],
        [["a"]],
        [["a", "<i4", [2], 5]],
        [[5, "<i4"]],
        [["a", 5]],
        [["a", "<i4", [-1]]],
        [["a", "<i4"], ["a", "<f8"]],
        [["t", "<M8"]],
        None,
        5,
        np.dtypes.StringDType(),
    ],
)
def test_bad_dtypes(obj):
    with pytest.raises(MetadataError, match="dtype") as info:
        parse_dtype(obj)
    assert isinstance(info.value, (TypeError, ValueError))
    assert isinstance(info.value, UnsupportedDtypeError)


# ----------------------------------------------------------------------- fill values

FILL_CASES = [
    ("<f8", np.nan, "NaN"),
    ("<f4", np.inf, "Infinity"),
    (">f2", -np.inf, "-Infinity"),
    ("<f8", -0.0, -0.0),
    ("<f8", 1e300, 1e300),
    ("<f4", 0.5, 0.5),
    ("<c8", 1 + 2j, [1.0, 2.0]),
    ("<c16", complex(np.nan, -np.inf), ["NaN", "-Infinity"]),
    ("|b1", True, True),
    ("|b1", 0, False),
    ("|i1", -128, -128),
    (">i8", 2**62, 2**62),
    ("<u8", 2**64 - 1, 2**64 - 1),
    ("<M8[ns]", np.datetime64("NaT"), -(2**63)),
    ("<M8[D]", "1970-01-11", 10),
    (">M8[s]", np.datetime64("2020-01-01T00:00:00"), 1577836800),
    ("<m8[ms]", np.timedelta64(-5, "ms"), -5),
    ("|S4", b"ab", "YWI="),
    ("|S4", "ab", "YWI="),
    ("|S4", 0, ""),
    ("|S3", b"a\0b", "YQBi"),
    ("<U3", "\u00e9x", "\u00e9x"),
    ("<U3", 0, ""),
    ("|V3", b"\0\1\2", "AAEC"),
    ("|V3", 0, "AAAA"),
    ([("a", "<i4"), ("b", ">f8")], (1, 2.5), "AQAAAEAEAAAAAAAA"),
    ([("a", "<i4"), ("b", "|S2")], 0, "AAAAAAAA"),
    ("|O", "anything", "anything"),
    ("|O", 0, 0),
    ("<f8", None, None),
]


@pytest.mark.parametrize("dtype, value, expected", FILL_CASES)
def test_fill_value_encoding(dtype, value, expected):
    dt = parse_dtype(dtype)
    encoded = encode_fill_value(value, dt)
    if isinstance(expected, float):
        assert math.copysign(1, encoded) == math.copysign(1, expected)
    assert encoded == expected
    assert json.loads(json.dumps(encoded)) == encoded
    decoded = decode_fill_value(encoded, dt)
    if dt.kind == "O":
        assert decoded == value
    else:
        assert same_value(decoded, normalize_fill_value(value, dt), dt)
        assert encode_fill_value(decoded, dt) == expected


def test_decoded_fill_types():
    assert type(decode_fill_value("NaN", np.dtype(">f4"))) is np.float32
    assert type(decode_fill_value(3, np.dtype(">u2"))) is np.uint16
    assert type(decode_fill_value("YWI=", np.dtype("S3"))) is np.bytes_
    assert type(decode_fill_value("ab", np.dtype("U3"))) is np.str_
    assert type(decode_fill_value("AAA=", np.dtype("V2"))) is np.void
    assert decode_fill_value(5, np.dtype(">m8[s]")) == np.timedelta64(5, "s")
    assert decode_fill_value(0.0, np.dtype("<i4")) == 0  # integral floats are tolerated
    assert decode_fill_value(1, np.dtype("|b1")) is np.True_
    assert decode_fill_value(0, np.dtype("S2")) == b"0"  # zarr-python 2 leniency for old files


@pytest.mark.parametrize(
    "dtype, value",
    [
        ("<f8", "nan"),
        ("<f8", "abc"),
        ("<f8", [1.0]),
        ("<f8", True),
        ("<i4", 1.5),
        ("<i4", "1"),
        ("<i4", True),
        ("|u1", 300),
        ("|u1", -1),
        ("|b1", "true"),
        ("|b1", 2),
        ("<c8", 1.0),
        ("<c8", [1.0]),
        ("<c8", ["x", 1.0]),
        ("<M8[ns]", "2020-01-01"),
        ("<M8[ns]", 1.5),
        ("|S4", "!!!"),
        ("|S4", [1]),
        ("|V4", "AAA="),
        ("|V4", 0),
        ([("a", "<i4")], "AAAAAAAA"),
        ("<U4", 5),
    ],
)
def test_bad_fill_values(dtype, value):
    with pytest.raises(MetadataError, match="fill_value"):
        decode_fill_value(value, parse_dtype(dtype))
    with pytest.raises(MetadataError, match="fill_value"):
        ArrayMeta.decode(base_meta(dtype=parse_dtype(dtype).str, fill_value=value))


@pytest.mark.parametrize(
    "dtype, value, expected",
    [
        ("f4", np.nan, np.float32(np.nan)),
        ("f8", "NaN", np.nan),
        ("f8", -0.0, -0.0),
        ("i4", 3.0, 3),
        ("u1", np.uint8(255), 255),
        ("S4", 0, b""),
        ("S4", b"abc", b"abc"),
        ("S4", "abc", b"abc"),
        ("U4", "\u00e9", "\u00e9"),
        ("U4", 0, ""),
        ("V2", b"ab", b"ab"),
        ("M8[D]", "2020-01-01", np.datetime64("2020-01-01")),
        ("M8[D]", np.datetime64("NaT"), np.datetime64("NaT")),
        ("m8[s]", 7, np.timedelta64(7, "s")),
        ("c8", 1j, 1j),
        ("b1", 1, True),
        ([("a", "<i4"), ("b", "<f8")], (1, 2.5), (1, 2.5)),
        ([("a", "<i4"), ("b", "<f8")], 0, (0, 0.0)),
    ],
)
def test_normalize_fill_value(dtype, value, expected):
    dt = parse_dtype(dtype)
    got = normalize_fill_value(value, dt)
    assert isinstance(got, np.generic)
    assert same_value(got, expected, dt)
    assert normalize_fill_value(None, dt) is None
    assert normalize_fill_value(got, dt) == got or dt.kind in "fcMm"


@pytest.mark.parametrize(
    "dtype, value",
    [
        ("i4", 2.5),
        ("i4", np.nan),
        ("u1", 300),
        ("u1", -1),
        ("f8", 1 + 2j),
        ("f4", 1e300),
        ("U4", b"ab"),
        ("U4", 5),
        ("S4", "\u00e9"),
        ("V4", b"ab"),
        ("b1", "x"),
        ("M8[D]", "not a date"),
        ([("a", "<i4"), ("b", "<f8")], (1, 2, 3)),
    ],
)
def test_normalize_fill_value_rejects(dtype, value):
    with pytest.raises(ValueError, match="fill_value"):
        normalize_fill_value(value, parse_dtype(dtype))


def test_object_fill_value_passes_through():
    dt = np.dtype(object)
    marker = object()
    assert normalize_fill_value(marker, dt) is marker
    assert decode_fill_value({"a": 1}, dt) == {"a": 1}
    assert encode_fill_value("", dt) == ""


RECORD_WITH_OBJECT = np.dtype([("x", "<f8"), ("y", "O")])


def test_record_with_objects_fill_value_goes_through_the_object_codec():
    from zarrlite.codecs import JSON, Pickle

    for codec in (Pickle(), JSON()):
        text = encode_fill_value((1.5, "a"), RECORD_WITH_OBJECT, codec)
        assert base64.b64decode(text) == codec.encode(
            (1.5, "a") if codec.codec_id == "pickle" else np.array((1.5, "a"), RECORD_WITH_OBJECT))
    # pickle a tuple, not a numpy record: it reads back under any numpy version
    assert pickle.loads(base64.b64decode(
        encode_fill_value((1.5, None), RECORD_WITH_OBJECT, Pickle()))) == (1.5, None)
    assert encode_fill_value(None, RECORD_WITH_OBJECT, Pickle()) is None


def test_record_with_objects_fill_value_needs_the_codec():
    with pytest.raises(MetadataError, match="holds objects.*object codec"):
        encode_fill_value((1.5, "a"), RECORD_WITH_OBJECT)
    with pytest.raises(MetadataError, match="holds objects.*object codec"):
        decode_fill_value("gAVLAC4=", RECORD_WITH_OBJECT)
    # a zero means all-zero items, as for other structured dtypes
    assert decode_fill_value(0, RECORD_WITH_OBJECT).tolist() == (0.0, 0)


def test_record_with_objects_pickled_fill_value_decodes_only_when_allowed(monkeypatch):
    from zarrlite.codecs import objects

    text = base64.b64encode(pickle.dumps((2.0, [1]))).decode()
    with pytest.raises(CodecError, match="pickle: decoding is disabled"):
        decode_fill_value(text, RECORD_WITH_OBJECT, objects.Pickle())
    monkeypatch.setattr(objects, "ALLOW_UNSAFE_PICKLE_DECODE", True)
    assert decode_fill_value(text, RECORD_WITH_OBJECT, objects.Pickle()).tolist() == (2.0, [1])
    with pytest.raises(MetadataError, match="fill_value"):  # a value that is no such record
        decode_fill_value(base64.b64encode(pickle.dumps((1, 2, 3))).decode(),
                          RECORD_WITH_OBJECT, objects.Pickle())


# ----------------------------------------------------------- hypothesis round trips

any_scalar_dtype = st.one_of(
    hnp.scalar_dtypes(),
    hnp.byte_string_dtypes(endianness="=", min_len=1),
    hnp.unicode_string_dtypes(min_len=1),
)
any_dtype = st.one_of(
    any_scalar_dtype,
    hnp.array_dtypes(subtype_strategy=any_scalar_dtype, allow_subarrays=True),
    hnp.nested_dtypes(subtype_strategy=any_scalar_dtype),
)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), dtype=any_dtype)
def test_fill_value_round_trip_property(data, dtype):
    if dtype.subdtype is not None:  # a top-level subarray: not a storable dtype
        with pytest.raises(UnsupportedDtypeError):
            parse_dtype(dtype)
        return
    descr = json.loads(json.dumps(encode_dtype(dtype)))
    assert parse_dtype(descr) == dtype
    value = data.draw(hnp.from_dtype(dtype))
    value = np.array(value, dtype=dtype)[()]
    encoded = json.loads(json.dumps(encode_fill_value(value, dtype)))
    decoded = decode_fill_value(encoded, dtype)
    assert same_value(decoded, value, dtype)


dims = st.integers(0, 4)


@st.composite
def array_metas(draw):
    ndim = draw(dims)
    shape = tuple(draw(st.lists(st.integers(0, 10**6), min_size=ndim, max_size=ndim)))
    chunks = tuple(draw(st.lists(st.integers(1, 10**4), min_size=ndim, max_size=ndim)))
    dtype = draw(any_scalar_dtype)
    fill = draw(st.none() | hnp.from_dtype(dtype))
    compressor = draw(st.none() | st.just({"id": "zstd", "level": 1}))
    filters = draw(st.none() | st.just(({"id": "delta", "dtype": dtype.str},)))
    fill = None if fill is None else np.array(fill, dtype=dtype)[()]
    return ArrayMeta(
        shape,
        chunks,
        dtype,
        compressor,
        fill,
        draw(st.sampled_from("CF")),
        filters,
        draw(st.sampled_from("./")),
    )


@settings(max_examples=200, deadline=None)
@given(meta=array_metas())
def test_array_meta_round_trip_property(meta):
    raw = meta.encode()
    again = ArrayMeta.decode(raw)
    assert again == meta
    assert again.encode() == raw
    assert same_value(again.fill_value, meta.fill_value, meta.dtype)
    assert ArrayMeta.decode(json.loads(raw)) == meta
    assert len(again.cdata_shape) == meta.ndim
    assert again.nchunks == math.prod(
        -(-s // c) for s, c in zip(meta.shape, meta.chunks, strict=True)
    )
