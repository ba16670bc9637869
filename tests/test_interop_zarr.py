"""Interoperability with zarr-python 3 on real directory stores, both ways.

1. zarrlite writes, zarr-python 3 reads (``zarr.open_array(path, mode="r", zarr_format=2)``):
   dtypes x order, compressors x order, filters, fill values, attrs, separators, groups, and
   the ``.zarray`` JSON compared with what zarr-python writes for the same array. Arrays
   zarr-python 3 cannot open (nested or subarray structured dtypes, json2 and pickle object
   codecs) are read with ``reference_read``, a small Zarr v2 reader built only on numcodecs
   (interop_cases.py); it also double-checks every other case.
2. zarr-python 3 writes, zarrlite reads: compressors, filters, dtypes, separators, groups.

Every array has chunks that do not divide its shape, and a write that leaves some chunks
missing, so fill values are read from metadata rather than from chunk data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest
import zarr
from interop_cases import (  # noqa: F401 - _allow_pickle is an autouse fixture
    BLOSC_CNAMES,
    COMPRESSOR_IDS,
    COMPRESSORS,
    DTYPE_IDS,
    DTYPES,
    FILTER_IDS,
    FILTERS,
    INF,
    NAN,
    SHAPES,
    ZARR3_CANNOT_READ,
    _allow_pickle,
    assert_same,
    check_missing,
    dtype_case,
    expected_array,
    fill_equal,
    filter_data,
    layout,
    lossy_roundtrip,
    make_data,
    reference_read,
    region_of,
    shifted,
    zarr_read,
    zl_write,
)

import zarrlite as zl

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

# ============================================================================= 1. zarrlite -> zarr


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name", DTYPE_IDS)
def test_zarrlite_to_zarr_dtypes(tmp_path, name, order):
    dtype, fill, ocodec = dtype_case(name)
    i = DTYPE_IDS.index(name) * 2 + (order == "F")
    shape, chunks = layout(i // 2, order)
    compressor = COMPRESSORS[COMPRESSOR_IDS[i % len(COMPRESSOR_IDS)]]
    sep = "./"[(i // 2 + i) % 2]
    attrs = {"case": name, "order": order, "fill": repr(fill)}
    data = make_data(dtype, shape, seed=i, codec=ocodec)
    path = tmp_path / "a"
    expected, region = zl_write(
        path,
        shape,
        chunks,
        dtype,
        fill,
        data,
        compressor=compressor,
        order=order,
        sep=sep,
        ocodec=ocodec,
        attrs=attrs,
    )
    check_missing(path, shape, chunks, region, sep)
    where = region if fill is None else Ellipsis

    ref, ref_fill = reference_read(path)
    assert_same(ref, expected, where)
    assert fill_equal(ref_fill, fill, dtype)
    assert_same(zl.open_array(str(path), mode="r")[...], expected, where)
    if name in ZARR3_CANNOT_READ:
        return
    z = zarr_read(path)
    assert z.shape == shape and z.chunks == chunks
    assert z.metadata.order == order
    assert z.metadata.dimension_separator == sep
    assert dict(z.attrs) == attrs
    if not dtype.hasobject:
        assert z.dtype == dtype
        assert fill_equal(z.fill_value, fill, dtype)
    elif fill is not None:
        assert z.fill_value == fill and type(z.fill_value) is type(fill)
    assert_same(z[...], expected, where)
    assert_same(z[1:, ...], expected[1:], shifted(where))


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("cid", COMPRESSOR_IDS)
def test_zarrlite_to_zarr_compressors(tmp_path, cid, order):
    i = COMPRESSOR_IDS.index(cid) * 2 + (order == "F")
    shape, chunks = layout(i // 2, order)
    dtype = np.dtype(["<i4", ">f8", "<u2", "|u1", ">c8", "|S5", "<f2"][i % 7])
    fill = [7, NAN, 0][i % 3] if dtype.kind in "fc" else {"S": b"ab"}.get(dtype.kind, 3)
    sep = "./"[i % 2]
    data = make_data(dtype, shape, seed=i)
    path = tmp_path / "a"
    expected, region = zl_write(
        path, shape, chunks, dtype, fill, data, compressor=COMPRESSORS[cid], order=order, sep=sep
    )
    check_missing(path, shape, chunks, region, sep)
    z = zarr_read(path)
    assert z.metadata.compressor == (COMPRESSORS[cid] and numcodecs.get_codec(COMPRESSORS[cid]))
    assert_same(z[...], expected)
    assert_same(reference_read(path)[0], expected)


def _write_filter_case(path: Path, fid: str, write: Any, *, zarr_writes: bool
                       ) -> tuple[np.ndarray, list]:
    """Write FILTERS[fid] with `write` (zl_write or zarr_write); return (expected array,
    filter configs). The two directions pick order, separator, layout and compressor
    differently, so that together they cover more combinations."""
    dtype, configs, fill, lossy = FILTERS[fid]
    dtype = np.dtype(dtype)
    i = FILTER_IDS.index(fid)
    if zarr_writes:
        order, sep = "FC"[i % 2], "/."[(i // 2) % 2]
        if fid.startswith("bitround"):
            # numcodecs' BitRound.encode returns C-order items for an F-order chunk, so
            # zarr-python 3 scrambles F-order bitround arrays (it cannot read its own back).
            order = "C"
        shape, chunks = layout(i // 2 + 1, order)
        cid = COMPRESSOR_IDS[(5 * i + 1) % len(COMPRESSOR_IDS)]
    else:
        order, sep = "CF"[i % 2], "./"[(i // 2) % 2]
        shape, chunks = layout(i // 2, order)
        cid = COMPRESSOR_IDS[(3 * i) % len(COMPRESSOR_IDS)]
    data = filter_data(fid, shape, seed=i)
    expected, region = write(path, shape, chunks, dtype, fill, data,
                             compressor=COMPRESSORS[cid], filters=configs, order=order, sep=sep)
    if lossy:
        expected[region] = lossy_roundtrip(configs, data[region])
    check_missing(path, shape, chunks, region, sep)
    return expected, configs


@pytest.mark.parametrize("fid", FILTER_IDS)
def test_zarrlite_to_zarr_filters(tmp_path, fid):
    path = tmp_path / "a"
    expected, configs = _write_filter_case(path, fid, zl_write, zarr_writes=False)
    z = zarr_read(path)
    assert [f.get_config() for f in z.metadata.filters] == configs
    assert_same(z[...], expected)
    assert_same(reference_read(path)[0], expected)
    assert_same(zl.open_array(str(path), mode="r")[...], expected)


@pytest.mark.parametrize(
    "dtype, fill",
    [
        ("<f8", NAN),
        ("<f4", INF),
        (">f8", -INF),
        ("<i8", None),
        ("|S4", b"\x00\xffab"),
        ("<U2", "zé"),
        ("<c16", complex(1, NAN)),
        ("|b1", False),
        ("<M8[ms]", 1234),
    ],
    ids=str,
)
def test_zarr_reads_our_fill_value(tmp_path, dtype, fill):
    z = zl.create((5, 3), chunks=(2, 2), dtype=dtype, fill_value=fill, store=str(tmp_path / "a"))
    if fill is not None:
        z[0, 0] = np.zeros((), dtype)[()]
    theirs = zarr_read(tmp_path / "a")
    ours = zl.open_array(str(tmp_path / "a"), mode="r")
    assert fill_equal(theirs.fill_value, ours.fill_value, np.dtype(dtype))
    if fill is None:
        assert theirs.fill_value is None or theirs.fill_value == 0
        return
    expected = np.full((5, 3), np.asarray(fill).astype(dtype) if dtype[1] == "M" else fill, dtype)
    expected[0, 0] = np.zeros((), dtype)[()]
    assert_same(theirs[...], expected)
    assert_same(ours[...], expected)


ATTRS = {"title": "tëst", "n": 3, "x": 1.5, "nested": {"list": [1, "a", None, True]}, "e": []}


def test_zarr_reads_our_attrs_and_groups(tmp_path):
    root = zl.open_group(str(tmp_path), mode="w")
    root.attrs.update(ATTRS)
    sub = root.create_group("sub")
    sub.attrs["level"] = 1
    deep = sub.create_group("deeper")
    arr = deep.zeros(
        "arr",
        shape=(6, 4),
        chunks=(4, 3),
        dtype="<i2",
        compressor=zl.Blosc("zstd", 3, zl.Blosc.BITSHUFFLE),
    )
    arr[:5, 1:] = np.arange(15).reshape(5, 3)
    arr.attrs.update({"units": "m", "scale": [1, 2]})
    root.zeros("flat", shape=(3,), chunks=(2,), dtype="<f4", dimension_separator="/")

    g = zarr.open_group(str(tmp_path), mode="r", zarr_format=2)
    for zgroup in (tmp_path / ".zgroup", tmp_path / "sub" / ".zgroup"):
        assert json.loads(zgroup.read_text()) == {"zarr_format": 2}
    assert dict(g.attrs) == ATTRS
    assert sorted(g.group_keys()) == ["sub"] and sorted(g.array_keys()) == ["flat"]
    assert dict(g["sub"].attrs) == {"level": 1}
    z = g["sub/deeper/arr"]
    assert dict(z.attrs) == {"units": "m", "scale": [1, 2]}
    expected = np.zeros((6, 4), "<i2")
    expected[:5, 1:] = np.arange(15).reshape(5, 3)
    assert_same(z[...], expected)
    assert_same(g["flat"][...], np.zeros(3, "<f4"))


def _zarr_create_like(
    path: Path, shape, chunks, dtype, fill, *, compressor, filters, order, sep, ocodec
):
    """Create with zarr-python 3 the array zl_write creates."""
    zdtype: Any = dtype
    if ocodec == "vlen-utf8":
        zdtype, filters = zarr.core.dtype.VariableLengthUTF8(), [{"id": "vlen-utf8"}]
    elif ocodec == "vlen-bytes":
        zdtype, filters = zarr.core.dtype.VariableLengthBytes(), [{"id": "vlen-bytes"}]
    return zarr.create_array(
        store=str(path),
        shape=shape,
        chunks=chunks,
        dtype=zdtype,
        zarr_format=2,
        compressors=compressor and numcodecs.get_codec(compressor),
        filters=[numcodecs.get_codec(f) for f in filters or ()] or None,
        fill_value=fill,
        order=order,
        chunk_key_encoding={"name": "v2", "separator": sep},
    )


def _zarray(path: Path) -> dict:
    meta = json.loads((path / ".zarray").read_text())
    if meta.get("dimension_separator") == ".":  # the default; zarr-python 2 omits it too
        del meta["dimension_separator"]
    return meta


META_CASES = [(f"dtype-{n}", n, None) for n in DTYPE_IDS if n not in ZARR3_CANNOT_READ] + [
    (f"filter-{f}", None, f) for f in FILTER_IDS
]


@pytest.mark.parametrize("name, dname, fid", META_CASES, ids=[c[0] for c in META_CASES])
def test_zarray_json_equals_zarr(tmp_path, name, dname, fid):
    i = [c[0] for c in META_CASES].index(name)
    shape, chunks = layout(i // 2, "CF"[i % 2])
    kwargs = dict(
        compressor=COMPRESSORS[COMPRESSOR_IDS[i % len(COMPRESSOR_IDS)]],
        order="CF"[i % 2],
        sep="./"[(i // 2) % 2],
    )
    if fid:
        dtype, kwargs["filters"], fill, _ = FILTERS[fid]
        dtype, ocodec = np.dtype(dtype), ""
    else:
        dtype, fill, ocodec = dtype_case(dname)
        kwargs["filters"] = None
    data = make_data(dtype, shape, codec=ocodec) if not fid else filter_data(fid, shape)
    zl_write(tmp_path / "ours", shape, chunks, dtype, fill, data, ocodec=ocodec, **kwargs)
    _zarr_create_like(tmp_path / "theirs", shape, chunks, dtype, fill, ocodec=ocodec, **kwargs)
    ours, theirs = _zarray(tmp_path / "ours"), _zarray(tmp_path / "theirs")
    assert ours == theirs


# ============================================================================= 2. zarr -> zarrlite


def zarr_write(
    path: Path,
    shape,
    chunks,
    dtype,
    fill,
    data,
    *,
    compressor,
    filters=None,
    order="C",
    sep=".",
    ocodec="",
):
    z = _zarr_create_like(
        path,
        shape,
        chunks,
        dtype,
        fill,
        compressor=compressor,
        filters=filters,
        order=order,
        sep=sep,
        ocodec=ocodec,
    )
    region = region_of(shape)
    z[region] = data[region]
    return expected_array(shape, dtype, fill, data, region), region


@pytest.mark.parametrize("cid", COMPRESSOR_IDS)
def test_zarr_to_zarrlite_compressors(tmp_path, cid):
    i = COMPRESSOR_IDS.index(cid)
    dtype = np.dtype([">i4", "<f8", ">u2", "|u1", "<c8", "|S5", ">f2"][i % 7])
    fill = [NAN, 7, -INF][i % 3] if dtype.kind in "fc" else {"S": b"ab"}.get(dtype.kind, 3)
    order, sep = "CF"[i % 2], "./"[(i // 2) % 2]
    shape, chunks = layout(i // 2, order)
    data = make_data(dtype, shape, seed=i)
    path = tmp_path / "a"
    expected, region = zarr_write(
        path, shape, chunks, dtype, fill, data, compressor=COMPRESSORS[cid], order=order, sep=sep
    )
    check_missing(path, shape, chunks, region, sep)
    z = zl.open_array(str(path), mode="r")
    assert z.shape == shape and z.chunks == chunks and z.dtype == dtype and z.order == order
    assert fill_equal(z.fill_value, fill, dtype)
    assert_same(z[...], expected)
    sel = tuple(slice(1, None, 2) for _ in shape)
    assert_same(z[sel], expected[sel])


@pytest.mark.parametrize("fid", FILTER_IDS)
def test_zarr_to_zarrlite_filters(tmp_path, fid):
    path = tmp_path / "a"
    expected, configs = _write_filter_case(path, fid, zarr_write, zarr_writes=True)
    z = zl.open_array(str(path), mode="r")
    assert [f.get_config() for f in z.filters] == configs
    assert_same(z[...], expected)


ZARR_WRITES_DTYPES = [n for n in DTYPE_IDS if n not in ZARR3_CANNOT_READ]


@pytest.mark.parametrize("name", ZARR_WRITES_DTYPES)
def test_zarr_to_zarrlite_dtypes(tmp_path, name):
    dtype, fill, ocodec = dtype_case(name)
    i = DTYPE_IDS.index(name)
    order, sep = "CF"[i % 2], "/."[(i // 2) % 2]
    shape, chunks = layout(i // 2, order)
    compressor = COMPRESSORS[COMPRESSOR_IDS[(7 * i) % len(COMPRESSOR_IDS)]]
    data = make_data(dtype, shape, seed=i, codec=ocodec)
    path = tmp_path / "a"
    expected, region = zarr_write(
        path,
        shape,
        chunks,
        dtype,
        fill,
        data,
        compressor=compressor,
        order=order,
        sep=sep,
        ocodec=ocodec,
    )
    where = region if fill is None else Ellipsis
    z = zl.open_array(str(path), mode="r")
    if not dtype.hasobject:
        assert z.dtype == dtype
    assert_same(z[...], expected, where)


def test_zarr_groups_to_zarrlite(tmp_path):
    root = zarr.open_group(str(tmp_path), mode="w", zarr_format=2)
    root.attrs.update(ATTRS)
    sub = root.create_group("sub")
    sub.attrs["level"] = 1
    deep = sub.create_group("deeper")
    arr = deep.create_array(
        "arr",
        shape=(6, 4),
        chunks=(4, 3),
        dtype="<i2",
        fill_value=-1,
        compressors=numcodecs.Zlib(3),
    )
    arr[:5, 1:] = np.arange(15).reshape(5, 3)
    arr.attrs.update({"units": "m"})
    root.create_array(
        "flat",
        shape=(3,),
        chunks=(2,),
        dtype="<f4",
        fill_value=NAN,
        chunk_key_encoding={"name": "v2", "separator": "/"},
    )

    g = zl.open_group(str(tmp_path), mode="r")
    assert dict(g.attrs) == ATTRS
    assert sorted(g.group_keys()) == ["sub"] and sorted(g.array_keys()) == ["flat"]
    assert dict(g["sub"].attrs) == {"level": 1}
    z = g["sub/deeper/arr"]
    assert dict(z.attrs) == {"units": "m"}
    expected = np.full((6, 4), -1, "<i2")
    expected[:5, 1:] = np.arange(15).reshape(5, 3)
    assert_same(z[...], expected)
    assert_same(g["flat"][...], np.full(3, NAN, "<f4"))
    tree = repr(g.tree())
    for name in ("sub", "deeper", "arr", "flat"):
        assert name in tree
    seen = []
    g.visit(seen.append)
    assert sorted(seen) == ["flat", "sub", "sub/deeper", "sub/deeper/arr"]


def _stored_chunks(path: Path) -> dict[str, bytes]:
    return {
        f.relative_to(path).as_posix(): f.read_bytes()
        for f in path.rglob("*")
        if f.is_file() and not f.name.startswith(".")
    }


# Without a fill value the padding of edge chunks is undefined; the vlen-bytes fill value
# is covered by the tests above.
SAME_BYTES_CASES = [
    (f"dtype-{n}", n, None)
    for n in ZARR_WRITES_DTYPES
    if DTYPES[n][1] is not None and n != "O-vlen-bytes-fill"
] + [(f"filter-{f}", None, f) for f in FILTER_IDS]


@pytest.mark.parametrize("name, dname, fid", SAME_BYTES_CASES, ids=[c[0] for c in SAME_BYTES_CASES])
def test_chunk_bytes_equal_zarr(tmp_path, name, dname, fid):
    """Same array, same writes: the same chunk keys (empty chunks skipped alike) and bytes."""
    i = [c[0] for c in SAME_BYTES_CASES].index(name)
    order, sep = "CF"[i % 2], "/."[(i // 2) % 2]
    if fid:
        dtype, filters, fill, _ = FILTERS[fid]
        dtype, ocodec, compressor = np.dtype(dtype), "", COMPRESSORS["zlib"]
        data = filter_data(fid, SHAPES[0][0], seed=i)
        order = "C" if fid.startswith("bitround") else order  # see test_zarr_to_zarrlite_filters
    else:
        (dtype, fill, ocodec), filters, compressor = dtype_case(dname), None, None
        data = make_data(dtype, SHAPES[0][0], seed=i, codec=ocodec)
    kwargs = dict(compressor=compressor, filters=filters, order=order, sep=sep, ocodec=ocodec)
    zl_write(tmp_path / "ours", *SHAPES[0], dtype, fill, data, **kwargs)
    zarr_write(tmp_path / "theirs", *SHAPES[0], dtype, fill, data, **kwargs)
    ours, theirs = _stored_chunks(tmp_path / "ours"), _stored_chunks(tmp_path / "theirs")
    assert sorted(ours) == sorted(theirs)
    assert [k for k in ours if ours[k] != theirs[k]] == []


def test_zarr_vlen_bytes_default_fill_to_zarrlite(tmp_path):
    """zarr-python 3 stores a vlen-bytes fill value in base64 ("" for its default b"")."""
    z = zarr.create_array(
        store=str(tmp_path),
        shape=(5,),
        chunks=(2,),
        zarr_format=2,
        dtype=zarr.core.dtype.VariableLengthBytes(),
        compressors=None,
    )
    z[:2] = np.array([b"a", b"\x00b"], dtype=object)
    assert json.loads((tmp_path / ".zarray").read_text())["fill_value"] == ""
    assert z[...].tolist() == [b"a", b"\x00b", b"", b"", b""]
    ours = zl.open_array(str(tmp_path), mode="r")
    assert ours.fill_value == b""
    assert ours[...].tolist() == [b"a", b"\x00b", b"", b"", b""]


@pytest.mark.parametrize("order", ["C", "F"])
def test_zarrlite_updates_zarr_array(tmp_path, order):
    """zarr writes, zarrlite overwrites part and resizes, zarr reads the result."""
    filters = [numcodecs.Delta("<i4"), numcodecs.Adler32()]
    z = zarr.create_array(
        store=str(tmp_path),
        shape=(7, 5),
        chunks=(3, 2),
        dtype="<i4",
        zarr_format=2,
        fill_value=-9,
        order=order,
        filters=filters,
        compressors=numcodecs.Blosc("lz4", 5, 2),
        chunk_key_encoding={"name": "v2", "separator": "/"},
    )
    expected = np.full((7, 5), -9, "<i4")
    expected[:4, :3] = z[:4, :3] = np.arange(12).reshape(4, 3)
    ours = zl.open_array(str(tmp_path), mode="r+")
    ours[2:6, 1:4] = expected[2:6, 1:4] = np.arange(100, 112).reshape(4, 3)
    ours.resize(9, 4)
    expected = np.concatenate([expected[:, :4], np.full((2, 4), -9, "<i4")])
    ours[8, 3] = expected[8, 3] = 77
    ours.attrs["by"] = "zarrlite"
    theirs = zarr_read(tmp_path)
    assert theirs.shape == (9, 4) and dict(theirs.attrs) == {"by": "zarrlite"}
    assert_same(theirs[...], expected)
    assert not (tmp_path / "0" / "2").exists()  # the cut-off chunk column is gone


def test_zarr_updates_zarrlite_array(tmp_path):
    ours = zl.create(
        (6, 7),
        chunks=(4, 3),
        dtype=">f4",
        fill_value=NAN,
        store=str(tmp_path),
        filters=[zl.Quantize(digits=2, dtype=">f4")],
        order="F",
        compressor=zl.Blosc("zstd", 1, zl.Blosc.SHUFFLE),
    )
    expected = np.full((6, 7), NAN, ">f4")
    expected[:3, :3] = ours[:3, :3] = np.full((3, 3), 0.5, ">f4")
    theirs = zarr.open_array(str(tmp_path), mode="r+", zarr_format=2)
    expected[2:, 2:5] = theirs[2:, 2:5] = np.full((4, 3), 1.25, ">f4")
    assert_same(zl.open_array(str(tmp_path), mode="r")[...], expected)


@pytest.mark.parametrize("writer", ["zarrlite", "zarr"])
@pytest.mark.parametrize("shape, chunks", [((), ()), ((0, 5), (3, 2)), ((4, 0), (3, 3))])
def test_zero_dimensional_and_empty_arrays(tmp_path, writer, shape, chunks):
    data = np.full(shape, 5.5, "<f8")
    if writer == "zarrlite":
        z = zl.create(shape, chunks=chunks, dtype="<f8", fill_value=3.0, store=str(tmp_path))
        z[...] = data
        back = zarr_read(tmp_path)
    else:
        z = zarr.create_array(
            store=str(tmp_path),
            shape=shape,
            chunks=chunks,
            dtype="<f8",
            fill_value=3.0,
            zarr_format=2,
        )
        z[...] = data
        back = zl.open_array(str(tmp_path), mode="r")
    assert back.shape == shape and back.chunks == chunks
    assert_same(np.asarray(back[...]), data)


@pytest.mark.parametrize("cname", BLOSC_CNAMES)
def test_blosc_large_typesize_both_ways(tmp_path, cname):
    """Items over 255 bytes: Blosc stores typesize 1; both must still agree."""
    dtype = np.dtype("S300")
    data = np.array([bytes([65 + i % 26]) * (i * 7 % 300) for i in range(35)], dtype).reshape(7, 5)
    codec = {"id": "blosc", "cname": cname, "clevel": 5, "shuffle": 1, "blocksize": 0}
    expected, _ = zl_write(tmp_path / "ours", (7, 5), (3, 2), dtype, b"-", data, compressor=codec)
    assert_same(zarr_read(tmp_path / "ours")[...], expected)
    zarr_write(tmp_path / "theirs", (7, 5), (3, 2), dtype, b"-", data, compressor=codec)
    assert_same(zl.open_array(str(tmp_path / "theirs"), mode="r")[...], expected)


def test_default_compressors_both_ways(tmp_path):
    """Each library's default compressor (zarrlite: Blosc lz4; zarr-python 3: Zstd level 0)."""
    data = np.arange(35, dtype="<i8").reshape(7, 5)
    zl.array(data, chunks=(3, 2), store=str(tmp_path / "ours"))
    theirs = zarr_read(tmp_path / "ours")
    assert theirs.metadata.compressor == numcodecs.Blosc("lz4", 5, 1)
    assert_same(theirs[...], data)
    z = zarr.create_array(
        store=str(tmp_path / "theirs"), shape=(7, 5), chunks=(3, 2), dtype="<i8", zarr_format=2
    )
    z[...] = data
    ours = zl.open_array(str(tmp_path / "theirs"), mode="r")
    assert ours.compressor.get_config()["id"] == "zstd"
    assert_same(ours[...], data)
