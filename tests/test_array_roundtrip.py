"""zarrlite.Array round trips over dtypes, orders, compressors, filters and object codecs;
chunk keys with either dimension separator."""


from typing import Any

import numpy as np
import pytest
from helpers import STRINGS, assert_same, codec_id, sample, stored_chunk_keys

import zarrlite as zl
from zarrlite.codecs import (
    BZ2,
    CRC32,
    JSON,
    LZ4,
    LZMA,
    Adler32,
    AsType,
    BitRound,
    Categorize,
    Delta,
    FixedScaleOffset,
    Fletcher32,
    GZip,
    PackBits,
    Pickle,
    Quantize,
    Shuffle,
    VLenBytes,
    VLenUTF8,
    Zlib,
    Zstd,
)

# ================================================================ round trips

DTYPES = [
    "bool",
    "i1",
    "i2",
    "i4",
    "i8",
    "u1",
    "u2",
    "u4",
    "u8",
    "f2",
    "f4",
    "f8",
    "c8",
    "c16",
    ">i2",
    ">i4",
    ">u8",
    ">f4",
    ">f8",
    ">c16",
    "S10",
    "U7",
    ">U3",
    "M8[ns]",
    "M8[D]",
    "m8[s]",
    ">M8[ms]",
    [("a", "<i4"), ("b", ">f8", (2,)), ("c", [("x", "u1"), ("y", "S3")])],
    [("p", "f4", (2, 2)), ("q", "?")],
]

COMPRESSORS = (
    [
        "default",
        None,
        Zstd(level=3),
        Zstd(checksum=True),
        LZ4(),
        Zlib(level=5),
        GZip(),
        BZ2(),
        LZMA(),
    ]
    + [
        zl.Blosc(cname=c, clevel=5, shuffle=s)
        for c in ("blosclz", "lz4", "lz4hc", "zlib", "zstd")
        for s in (0, 1, 2)
    ]
    + [zl.Blosc(cname="zstd", clevel=1, shuffle=zl.Blosc.AUTOSHUFFLE, blocksize=256)]
)


def check_round_trip(z: zl.Array, a: np.ndarray) -> None:
    """Full read, strided read, partial (read-modify-write) update, re-open."""
    assert_same(z[...], a)
    if a.ndim == 2:
        assert_same(z[1::2, ::-2], a[1::2, ::-2])
        a = a.copy()
        a[1:4, 1] = a[0, 0:3]
        z[1:4, 1] = a[0, 0:3]
        assert_same(z[...], a)
    reopened = zl.open_array(z.store, mode="r", path=z.path)
    assert reopened.meta == z.meta
    assert reopened.dtype == a.dtype
    assert_same(reopened[...], a)


@pytest.mark.parametrize("compressor", ["default", Zstd(), None], ids=codec_id)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", DTYPES, ids=codec_id)
def test_round_trip_dtypes(dtype, order, compressor):
    a = sample(dtype, (7, 5), seed=3)
    z = zl.array(a, chunks=(3, 2), order=order, compressor=compressor, dtype=np.dtype(dtype))
    check_round_trip(z, a)


@pytest.mark.parametrize("compressor", COMPRESSORS, ids=codec_id)
@pytest.mark.parametrize("dtype, order", [("i4", "C"), ("f8", "F"), ("u1", "C")])
def test_round_trip_compressors(store, compressor, dtype, order):
    a = sample(dtype, (9, 11), seed=5)
    z = zl.array(a, chunks=(4, 5), order=order, compressor=compressor, store=store)
    expected = zl.Blosc() if compressor == "default" else compressor
    assert z.compressor == expected or z.compressor.get_config() == expected.get_config()
    check_round_trip(z, a)


def test_default_compressor_is_blosc_lz4_shuffle():
    z = zl.zeros(10)
    assert z.meta.compressor == {
        "id": "blosc",
        "cname": "lz4",
        "clevel": 5,
        "shuffle": 1,
        "blocksize": 0,
    }


FILTER_CASES = [
    ("i4", [Delta(dtype="i4")]),
    ("i8", [Delta(dtype="i8", astype="i2")]),
    ("f8", [Shuffle(elementsize=8)]),
    ("f8", [FixedScaleOffset(offset=1, scale=100, dtype="f8", astype="i4")]),
    ("f4", [Quantize(digits=3, dtype="f4")]),
    ("i2", [AsType(encode_dtype="i8", decode_dtype="i2")]),
    ("bool", [PackBits()]),
    ("U5", [Categorize(labels=["", "ab", "c\u00e9", "ddddd"], dtype="U5", astype="u1")]),
    ("f4", [BitRound(keepbits=23)]),
    ("f8", [BitRound(keepbits=10)]),
    ("f8", [CRC32()]),
    ("i4", [Adler32()]),
    ("u2", [Fletcher32()]),
    ("i4", [Delta(dtype="i4"), CRC32()]),
]


def through_filters(a: np.ndarray, filters: list[Any]) -> np.ndarray:
    """What element-wise (possibly lossy) filters make of `a`: the expected read-back."""
    data: Any = a
    for f in filters:
        data = f.encode(data)
    for f in reversed(filters):
        data = f.decode(data)
    return np.asarray(data).reshape(-1).view(a.dtype).reshape(a.shape)


@pytest.mark.parametrize("compressor", ["default", Zlib(), None], ids=codec_id)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype, filters", FILTER_CASES, ids=[codec_id(c[1]) for c in FILTER_CASES])
def test_round_trip_filters(dtype, filters, order, compressor):
    if dtype.startswith("U"):
        labels = filters[0].labels
        a = np.array([[labels[(i * 3 + j) % 4] for j in range(5)] for i in range(7)], dtype)
    else:
        a = sample(dtype, (7, 5), seed=9)
    expected = through_filters(a, filters)
    z = zl.array(a, chunks=(3, 2), order=order, compressor=compressor, filters=filters)
    assert [f.get_config() for f in z.filters] == [f.get_config() for f in filters]
    check_round_trip(z, expected)


@pytest.mark.parametrize("order", ["C", "F"])
def test_round_trip_categorize_objects(order):
    labels = ["", "ab", "c\u00e9"]
    a = np.array([[labels[(i + j) % 3] for j in range(5)] for i in range(7)], dtype=object)
    z = zl.array(
        a,
        chunks=(3, 2),
        order=order,
        fill_value="",
        filters=[Categorize(labels=labels, dtype=object, astype="u1")],
    )
    assert z.meta.filters[0]["id"] == "categorize"
    check_round_trip(z, a)


BYTES = np.array([[b"a", b"", b"xyz", b"\x00", b"q" * 50]] * 4, dtype=object)
JSONABLE = np.array([[[1, 2], {"k": "v"}, "s", None, 3.5]] * 4 + [[0, 1, 2, 3, 4]], dtype=object)


@pytest.mark.parametrize("compressor", ["default", Zstd(), None], ids=codec_id)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(
    "data, kwargs, first_filter",
    [
        (STRINGS, {"dtype": str}, "vlen-utf8"),
        (STRINGS, {"dtype": object, "object_codec": VLenUTF8()}, "vlen-utf8"),
        (BYTES, {"dtype": bytes}, "vlen-bytes"),
        (BYTES, {"dtype": object, "object_codec": VLenBytes()}, "vlen-bytes"),
        (JSONABLE, {"dtype": object, "object_codec": JSON()}, "json2"),
        (JSONABLE, {"dtype": object, "object_codec": Pickle()}, "pickle"),
    ],
    ids=["str", "vlen-utf8", "bytes", "vlen-bytes", "json2", "pickle"],
)
def test_round_trip_objects(monkeypatch, data, kwargs, first_filter, order, compressor):
    monkeypatch.setattr(zl.codecs.objects, "ALLOW_UNSAFE_PICKLE_DECODE", True)
    z = zl.array(data, chunks=(3, 2), order=order, compressor=compressor, fill_value=None, **kwargs)
    assert z.dtype == object
    assert z.meta.filters[0]["id"] == first_filter
    check_round_trip(z, data)


def test_object_items_that_compare_element_wise(monkeypatch):
    """ndarray items next to a fill value of 0: neither an error nor taken for the fill."""
    monkeypatch.setattr(zl.codecs.objects, "ALLOW_UNSAFE_PICKLE_DECODE", True)
    z = zl.create(4, chunks=2, dtype=object, object_codec=Pickle())
    assert z.fill_value == 0
    z[0] = np.array([1, 2])
    z[2] = np.array([0])  # == 0 element-wise, but not the fill value
    z[3] = np.array([0])
    items = z[...]
    assert items[0].tolist() == [1, 2] and items[1] == 0
    assert isinstance(items[2], np.ndarray) and items[3].tolist() == [0]
    assert z.nchunks_initialized == 2


def test_object_dtype_without_codec_is_refused():
    with pytest.raises(ValueError, match="object codec"):  # ValueError as in zarr 2
        zl.zeros(3, dtype=object)


def test_pickle_decode_is_refused_unless_allowed(monkeypatch):
    monkeypatch.setattr(zl.codecs.objects, "ALLOW_UNSAFE_PICKLE_DECODE", False)
    z = zl.array(JSONABLE, dtype=object, object_codec=Pickle(), chunks=(2, 2))
    with pytest.raises(zl.CodecError, match="'0.0'.*unpickling"):
        z[...]


@pytest.mark.parametrize("separator", [".", "/"])
def test_dimension_separator_in_chunk_keys(store, separator):
    a = sample("i4", (5, 4, 3))
    z = zl.array(a, chunks=(2, 2, 2), dimension_separator=separator, store=store, path="g/a")
    keys = stored_chunk_keys(store, "g/a/")
    assert keys == {separator.join(map(str, c)) for c in np.ndindex(3, 2, 2)}
    assert z.nchunks_initialized == 12
    assert_same(zl.open_array(store, path="g/a", mode="r")[::-1, 1], a[::-1, 1])
