"""The xarray writer, ``zl.integrations.xarray.to_zarr``: what it writes is what xarray's
own Zarr writer (``zarr_format=2``) writes, ``xr.open_zarr(..., zarr_format=2)`` reads it
back equal, and encodings, dask chunks, modes and bad input are handled."""

from __future__ import annotations

import json
import os
from typing import Any

import numcodecs
import numpy as np
import pytest
import xarray as xr
from test_xarray import rich_dataset

import zarrlite as zl
from zarrlite.errors import ContainsGroupError
from zarrlite.integrations.xarray import to_zarr

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning",
                                        "ignore::FutureWarning")

#: The .zarray fields compared with xarray's writer (its dimension_separator is implied).
ZARRAY_FIELDS = ("shape", "chunks", "dtype", "fill_value", "order", "filters", "compressor",
                 "zarr_format")


def read_zarr(path: Any, **kwargs: Any) -> xr.Dataset:
    """What xarray's zarr backend reads, loaded, its StringDType strings as objects."""
    ds = xr.open_zarr(path, zarr_format=2, **kwargs).load()
    for name in list(ds.variables):
        if ds[name].dtype == np.dtypes.StringDType():
            ds[name] = ds[name].astype(object)
    return ds


def documents(path: str) -> dict[str, Any]:
    """Every metadata document under `path` except .zmetadata, parsed."""
    found = {}
    for key in zl.DirectoryStore(path).keys():
        if key.rsplit("/", 1)[-1] in (".zarray", ".zattrs", ".zgroup"):
            with open(os.path.join(path, key)) as f:
                found[key] = json.load(f)
    return found


def same_encoding(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Encodings equal, codecs by configuration and NaN equal to NaN."""
    def plain(value: Any) -> Any:
        if isinstance(value, tuple) and value and hasattr(value[0], "get_config"):
            return [c.get_config() for c in value]
        if isinstance(value, (float, np.floating)) and np.isnan(value):
            return "NaN"
        return value
    return {k: plain(v) for k, v in a.items()} == {k: plain(v) for k, v in b.items()}


def comparable(docs: dict[str, Any]) -> dict[str, Any]:
    """`docs` with only the compared fields of each .zarray."""
    return {key: {f: doc[f] for f in ZARRAY_FIELDS} if key.endswith(".zarray") else doc
            for key, doc in docs.items()}


@pytest.mark.parametrize("consolidated", [True, False])
def test_xarray_reads_back_equal(tmp_path: Any, consolidated: bool) -> None:
    ds = rich_dataset()
    path = str(tmp_path / "out.zarr")
    assert zl.xarray.to_zarr is to_zarr  # zl.xarray is the integration module
    assert zl.xarray.to_zarr(ds, path, consolidated=consolidated) is None
    xr.testing.assert_identical(read_zarr(path, consolidated=consolidated), ds)
    xr.testing.assert_identical(xr.open_dataset(path, engine="zarrlite"), ds)
    assert os.path.exists(os.path.join(path, ".zmetadata")) == consolidated


def test_metadata_is_what_xarray_writes(tmp_path: Any) -> None:
    ds = rich_dataset()
    mine, theirs = str(tmp_path / "mine.zarr"), str(tmp_path / "theirs.zarr")
    encoding = {"temp": {"chunks": (4, 3)}, "counts": {"dtype": "int32", "_FillValue": 7}}
    to_zarr(ds, mine, encoding=encoding)
    ds.to_zarr(theirs, zarr_format=2, encoding=encoding)
    got, expected = documents(mine), documents(theirs)
    assert comparable(got) == comparable(expected)
    mine_read, theirs_read = read_zarr(mine), read_zarr(theirs)  # and the encodings read
    for name in ds.variables:
        assert same_encoding(mine_read[name].encoding, theirs_read[name].encoding), name
    assert got["counts/.zarray"]["fill_value"] == 7
    assert got["temp/.zattrs"]["_ARRAY_DIMENSIONS"] == ["time", "x"]
    assert got["time/.zattrs"]["units"] == "hours since 2000-01-01"
    assert got["name/.zarray"]["filters"] == [{"id": "vlen-utf8"}]
    with open(os.path.join(mine, ".zmetadata")) as f:
        assert json.load(f)["metadata"] == got


def test_encodings_are_honoured(tmp_path: Any) -> None:
    ds = rich_dataset()
    path = str(tmp_path / "out.zarr")
    encoding = {
        "temp": {"chunks": (2, 2), "compressor": zl.Zstd(level=3), "filters": [zl.Shuffle(4)]},
        "counts": {"compressors": (zl.Blosc(cname="zstd", clevel=1, shuffle=2),),
                   "dtype": "int16", "_FillValue": -1},
        "lat": {"compressors": (), "_FillValue": None},
        "x": {"compressors": ({"id": "zlib", "level": 1},)},  # a configuration
        "flag": {"compressor": numcodecs.Zlib(level=4)},  # numcodecs' own
        "time": {"units": "days since 1999-12-31", "dtype": "float64"},
        "packed": {"dtype": "uint8", "scale_factor": 0.25, "_FillValue": 255},
    }
    to_zarr(ds, path, encoding=encoding)
    meta = documents(path)
    assert meta["temp/.zarray"]["chunks"] == [2, 2]
    assert meta["temp/.zarray"]["compressor"] == {"id": "zstd", "level": 3}
    assert meta["temp/.zarray"]["filters"][0]["id"] == "shuffle"
    assert meta["counts/.zarray"]["compressor"]["cname"] == "zstd"
    assert meta["lat/.zarray"]["compressor"] is None
    assert meta["x/.zarray"]["compressor"] == {"id": "zlib", "level": 1}
    assert meta["flag/.zarray"]["compressor"] == {"id": "zlib", "level": 4}
    assert meta["lat/.zarray"]["fill_value"] is None
    assert meta["time/.zattrs"]["units"] == "days since 1999-12-31"
    assert meta["time/.zarray"]["dtype"] == "<f8"
    assert meta["packed/.zarray"]["dtype"] == "|u1"
    back = read_zarr(path)
    xr.testing.assert_identical(back, ds)
    assert back["packed"].encoding["scale_factor"] == 0.25
    assert back["temp"].encoding["chunks"] == (2, 2)


def test_round_trip_through_zarrlite_keeps_encodings(tmp_path: Any) -> None:
    ds = rich_dataset()
    first, second = str(tmp_path / "first.zarr"), str(tmp_path / "second.zarr")
    to_zarr(ds, first, encoding={"temp": {"chunks": (3, 2), "compressor": zl.Zlib(level=2)}})
    opened = xr.open_dataset(first, engine="zarrlite")
    to_zarr(opened, second)  # the encodings read are written again
    assert documents(second) == documents(first)
    xr.testing.assert_identical(xr.open_dataset(second, engine="zarrlite"), ds)
    third = str(tmp_path / "third.zarr")  # and xarray's own writer takes them too
    opened.to_zarr(third, zarr_format=2)
    assert documents(third)["temp/.zarray"]["compressor"] == {"id": "zlib", "level": 2}
    xr.testing.assert_identical(read_zarr(third), ds)


def test_dask_variables_are_written_chunk_by_chunk(tmp_path: Any) -> None:
    ds = rich_dataset().chunk({"time": 2, "x": 3})
    path = str(tmp_path / "out.zarr")
    pending = to_zarr(ds, path, compute=False)
    store = zl.DirectoryStore(path)
    assert not [k for k in store.keys() if k.startswith("temp/") and "/.z" not in k]
    pending.compute()
    assert sorted(k for k in store.keys() if k.startswith("temp/") and "/.z" not in k) == [
        "temp/0.0", "temp/0.1", "temp/1.0", "temp/1.1", "temp/2.0", "temp/2.1"]
    assert documents(path)["temp/.zarray"]["chunks"] == [2, 3]
    xr.testing.assert_identical(read_zarr(path), ds.compute())
    to_zarr(ds, str(tmp_path / "more.zarr"), encoding={"temp": {"chunks": (1, 3)}})
    xr.testing.assert_identical(read_zarr(str(tmp_path / "more.zarr")), ds.compute())


def test_dask_chunks_must_line_up(tmp_path: Any) -> None:
    ds = rich_dataset()
    path = str(tmp_path / "out.zarr")
    with pytest.raises(ValueError, match="do not line up"):
        to_zarr(ds.chunk({"time": 3}), path, encoding={"temp": {"chunks": (2, 4)}})
    with pytest.raises(ValueError, match="uneven"):
        to_zarr(ds.chunk({"time": (1, 2, 3)}), path)
    assert not os.path.exists(path)  # checked before anything was written


def test_lazily_read_datasets_are_copied(tmp_path: Any) -> None:
    ds = rich_dataset()
    path = str(tmp_path / "out.zarr")
    to_zarr(ds, path, encoding={"temp": {"chunks": (1, 2)}})
    for chunks in (None, {}):
        lazy = xr.open_dataset(path, engine="zarrlite", chunks=chunks)
        copy = str(tmp_path / f"copy{chunks}.zarr")
        to_zarr(lazy, copy)
        xr.testing.assert_identical(read_zarr(copy), ds)
        assert comparable(documents(copy)) == comparable(documents(path))


def test_modes_groups_and_urls(tmp_path: Any) -> None:
    ds = rich_dataset()
    path = str(tmp_path / "out.zarr")
    to_zarr(ds, path)
    with pytest.raises(ContainsGroupError):
        to_zarr(ds, path)  # mode 'w-'
    to_zarr(ds[["temp"]], path, mode="w")
    xr.testing.assert_identical(read_zarr(path), ds[["temp"]])
    to_zarr(ds, path, group="a/b")
    to_zarr(ds[["flag"]], path, group="c")
    xr.testing.assert_identical(read_zarr(path, group="a/b"), ds)
    xr.testing.assert_identical(read_zarr(path, group="c"), ds[["flag"]])
    xr.testing.assert_identical(xr.open_dataset(path, engine="zarrlite", group="a/b"), ds)
    url = "memory://test_xarray_write/out.zarr"
    try:
        to_zarr(ds, url, storage_options={})
        xr.testing.assert_identical(read_zarr(url), ds)
    finally:
        import fsspec

        fsspec.filesystem("memory").rm("/test_xarray_write", recursive=True)
    store = zl.MemoryStore()
    to_zarr(ds, store)
    xr.testing.assert_identical(xr.open_dataset(store, engine="zarrlite"), ds)


def test_scalars_and_empty_variables(tmp_path: Any) -> None:
    ds = xr.Dataset({"s": ((), np.float32(2.5), {"units": "m"}), "e": ("n", np.zeros(0, "i4")),
                     "when": ((), np.datetime64("2001-02-03T04:05"))})
    path = str(tmp_path / "out.zarr")
    to_zarr(ds, path)
    xr.testing.assert_identical(read_zarr(path), ds)
    assert documents(path)["s/.zattrs"]["_ARRAY_DIMENSIONS"] == []


@pytest.mark.parametrize("kwargs, error, match", [
    ({"mode": "a"}, ValueError, "mode"),
    ({"encoding": {"nope": {}}}, ValueError, "not a variable"),
    ({"encoding": {"temp": {"bogus": 1}}}, ValueError, "bogus"),
    ({"encoding": {"temp": {"shards": (2, 2)}}}, ValueError, "shards"),
    ({"encoding": {"temp": {"chunks": (2,)}}}, ValueError, "one positive int"),
    ({"encoding": {"temp": {"chunks": (0, 2)}}}, ValueError, "one positive int"),
    ({"encoding": {"temp": {"compressors": (zl.Zlib(), zl.Zstd())}}}, ValueError, "one"),
    ({"encoding": {"temp": {"compressor": None, "compressors": ()}}}, ValueError, "both"),
    ({"encoding": {"temp": 3}}, TypeError, "dict"),
    ({"encoding": ["temp"]}, TypeError, "encoding"),
])
def test_bad_arguments(tmp_path: Any, kwargs: dict, error: type, match: str) -> None:
    path = str(tmp_path / "out.zarr")
    with pytest.raises(error, match=match):
        to_zarr(rich_dataset(), path, **kwargs)
    assert not os.path.exists(path)


@pytest.mark.parametrize("ds, error, match", [
    (xr.Dataset({"a/b": ("x", [1])}), ValueError, "Zarr key"),
    (xr.Dataset({".zattrs": ("x", [1])}), ValueError, "Zarr key"),
    (xr.Dataset({1: ("x", [1])}), TypeError, "names must be strings"),
    (xr.Dataset({"a": ((1,), [1])}), TypeError, "dimension names"),
    (xr.Dataset({"a": ("x", [1], {2: "v"})}), TypeError, "attribute names"),
    (xr.Dataset({"a": ("x", [1], {"when": object()})}), TypeError, "JSON"),
    (xr.Dataset(attrs={"s": {1, 2}}), TypeError, "'s' of the dataset"),
    (xr.DataArray([1, 2]), TypeError, "to_dataset"),
    ({"a": [1]}, TypeError, "Dataset"),
])
def test_bad_datasets(tmp_path: Any, ds: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        to_zarr(ds, str(tmp_path / "out.zarr"))
    assert not os.path.exists(tmp_path / "out.zarr")  # checked before anything was written


def test_chunk_shapes_from_encoding(tmp_path: Any) -> None:
    ds = rich_dataset()
    path = str(tmp_path / "out.zarr")
    to_zarr(ds, path, encoding={"temp": {"chunks": {"time": 5}}, "lat": {"chunks": 3},
                                "counts": {"chunks": [4]}})
    meta = documents(path)
    assert meta["temp/.zarray"]["chunks"] == [5, 4]
    assert meta["lat/.zarray"]["chunks"] == [3]
    assert meta["counts/.zarray"]["chunks"] == [4]
    xr.testing.assert_identical(read_zarr(path), ds)


@pytest.mark.parametrize("chunked", [False, True])
def test_writes_what_xarrays_zarr_backend_read(tmp_path: Any, chunked: bool) -> None:
    """zarr-python 3 gives StringDType strings and numcodecs codecs in the encodings."""
    ds = rich_dataset()
    source = str(tmp_path / "source.zarr")
    ds.to_zarr(source, zarr_format=2, encoding={"temp": {"chunks": (3, 2)}})
    opened = xr.open_dataset(source, engine="zarr", chunks={} if chunked else None)
    assert opened["name"].dtype == np.dtypes.StringDType()
    path = str(tmp_path / "out.zarr")
    to_zarr(opened, path)
    assert comparable(documents(path)) == comparable(documents(source))
    xr.testing.assert_identical(xr.open_dataset(path, engine="zarrlite"), ds)
