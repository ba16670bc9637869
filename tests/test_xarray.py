"""The ``engine="zarrlite"`` xarray backend (zarrlite.integrations.xarray): stores written
by xarray's own Zarr writer (``zarr_format=2``) read back equal, lazily, reading only the
chunks a selection needs; options, groups, URLs, dask chunks and errors."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import zarrlite as zl
from zarrlite.errors import (
    CodecNotAvailableError,
    ContainsArrayError,
    MetadataError,
    PathNotFoundError,
)
from zarrlite.integrations._xarray_store import points_key
from zarrlite.integrations.xarray import ZarrliteBackendEntrypoint

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning",
                                        "ignore::FutureWarning")


def rich_dataset() -> xr.Dataset:
    """Coordinates (dimension and not), attributes, CF times, timedeltas, strings of three
    kinds, NaN fills, a masked integer and a packed (scale/offset) variable."""
    rng = np.random.default_rng(0)
    temp = rng.normal(280, 5, (6, 4)).astype("f4")
    temp[1, 2] = np.nan
    counts = np.array([1.0, np.nan, 3.0, 4.0, np.nan, 6.0])
    packed = np.array([0.5, 1.25, np.nan, 3.0, 2.5, 0.0])
    ds = xr.Dataset(
        {
            "temp": (("time", "x"), temp, {"units": "K", "long_name": "temperature"}),
            "counts": ("time", counts, {}, {"dtype": "int16", "_FillValue": -99}),
            "packed": ("time", packed, {}, {"dtype": "int16", "scale_factor": 0.25,
                                           "add_offset": 1.0, "_FillValue": -1}),
            "lag": ("time", pd.to_timedelta(np.arange(6), unit="h")),
            "name": ("x", np.array(["a", "bb", "ccc", "dddd"], dtype=object)),
            "code": ("x", np.array(["p", "qq", "r", "s"])),
            "raw": ("x", np.array([b"u", b"vv", b"w", b"x"])),
            "flag": ("x", np.array([True, False, True, True])),
        },
        coords={
            "time": ("time", pd.date_range("2000-01-01", periods=6, freq="6h"), {},
                     {"units": "hours since 2000-01-01", "calendar": "proleptic_gregorian"}),
            "x": [10, 20, 30, 40],
            "lat": ("x", np.array([1.5, 2.5, 3.5, 4.5])),
        },
        attrs={"title": "test", "levels": [1, 2, 3], "scale": 2.5},
    )
    return ds


def write_xarray(ds: xr.Dataset, path: Any, **kwargs: Any) -> None:
    ds.to_zarr(path, zarr_format=2, mode="w", **kwargs)


def open_zl(path: Any, **kwargs: Any) -> xr.Dataset:
    return xr.open_dataset(path, engine="zarrlite", **kwargs)


class CountingStore(zl.DirectoryStore):
    """A read-only directory store recording every key read, by every route the engine
    takes (single values, batches, batches into a buffer, byte ranges)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, mode="r")
        self.reads: Counter[str] = Counter()

    def __getitem__(self, key: str) -> bytes:
        self.reads[key] += 1
        return super().__getitem__(key)

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        keys = list(keys)
        self.reads.update(keys)
        return super().getitems(keys)

    def getitems_into(self, keys: Any, scratch: Any = None) -> Any:
        self.reads.update(keys)
        return super().getitems_into(keys, scratch)

    def get_partial_values(self, key_ranges: Any) -> Any:
        key_ranges = list(key_ranges)
        self.reads.update(k[0] for k in key_ranges)
        return super().get_partial_values(key_ranges)

    def read_ranges_into(self, key: str, ranges: Any, out: Any) -> Any:
        self.reads[key] += 1
        return super().read_ranges_into(key, ranges, out)

    def chunk_reads(self, name: str) -> set[str]:
        """The chunk keys of array `name` read since the last reset."""
        return {k for k in self.reads
                if k.startswith(name + "/") and not k.rsplit("/", 1)[-1].startswith(".z")}


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("consolidated", [True, False])
def test_reads_what_xarray_wrote(tmp_path: Any, consolidated: bool) -> None:
    ds = rich_dataset()
    path = tmp_path / "data.zarr"
    write_xarray(ds, path, consolidated=consolidated)
    got = open_zl(path)
    peer = xr.open_dataset(path, engine="zarr", consolidated=consolidated)
    xr.testing.assert_identical(got.load(), peer.load())
    # and equal to what was written, the vlen strings as object arrays (zarr: StringDType)
    xr.testing.assert_identical(got, ds)
    assert got["name"].dtype == object
    assert got["temp"].dims == ("time", "x")
    assert set(got.coords) == {"time", "x", "lat"}


def test_encodings_match_xarrays_zarr_backend(tmp_path: Any) -> None:
    ds = rich_dataset()
    path = tmp_path / "data.zarr"
    write_xarray(ds, path, encoding={"temp": {"chunks": (4, 3)}})
    got, peer = open_zl(path), xr.open_dataset(path, engine="zarr")
    for name in ds.variables:
        mine, theirs = dict(got[name].encoding), dict(peer[name].encoding)
        for key in ("compressors", "filters"):
            assert ([c.get_config() for c in mine.pop(key)]
                    == [c.get_config() for c in theirs.pop(key)]), (name, key)
        theirs.pop("shards")
        if name == "name":  # zarr gives a StringDType, zarrlite xarray's object dtype
            assert theirs.pop("dtype") == np.dtypes.StringDType()
            assert mine.pop("dtype") == np.dtype(object)
        assert mine.keys() == theirs.keys(), name
        for key, value in mine.items():
            assert value == theirs[key] or (np.isnan(value) and np.isnan(theirs[key])), key
    assert got["temp"].encoding["chunks"] == (4, 3)
    assert got["temp"].encoding["preferred_chunks"] == {"time": 4, "x": 3}
    assert got["packed"].encoding["scale_factor"] == 0.25
    assert got["time"].encoding["units"] == "hours since 2000-01-01"


def test_decoding_options_are_xarrays(tmp_path: Any) -> None:
    ds = rich_dataset()
    write_xarray(ds, tmp_path / "d.zarr")
    for options in ({"decode_times": False}, {"mask_and_scale": False},
                    {"decode_timedelta": False}, {"decode_cf": False},
                    {"drop_variables": ["name", "raw"]}, {"drop_variables": "temp"},
                    {"decode_coords": False}, {"concat_characters": False}):
        got = open_zl(tmp_path / "d.zarr", **options)
        peer = xr.open_dataset(tmp_path / "d.zarr", engine="zarr", **options)
        for name in peer.variables:
            if peer[name].dtype == np.dtypes.StringDType():
                peer[name] = peer[name].astype(object)
        xr.testing.assert_identical(got.load(), peer.load())
    assert open_zl(tmp_path / "d.zarr", decode_times=False)["time"].dtype == np.int64
    assert "name" not in open_zl(tmp_path / "d.zarr", drop_variables=["name"])


@pytest.mark.parametrize("chunks", [{}, "auto", {"time": 2}, {"time": 4, "x": 1}])
def test_chunks_give_dask_arrays(tmp_path: Any, chunks: Any) -> None:
    import dask.array as da

    ds = rich_dataset().drop_vars(["name"])  # dask cannot size object chunks "auto"
    write_xarray(ds, tmp_path / "d.zarr", encoding={"temp": {"chunks": (2, 2)}})
    got = open_zl(tmp_path / "d.zarr", chunks=chunks)
    peer = xr.open_dataset(tmp_path / "d.zarr", engine="zarr", chunks=chunks)
    assert isinstance(got["temp"].data, da.Array)
    assert got["temp"].chunks == peer["temp"].chunks
    if chunks == {}:
        assert got["temp"].chunks == ((2, 2, 2), (2, 2))  # the Zarr chunks
    xr.testing.assert_identical(got.compute(), ds)


def test_groups(tmp_path: Any) -> None:
    ds = rich_dataset()
    path = tmp_path / "tree.zarr"
    write_xarray(ds, path, group="a/b")
    ds[["temp"]].to_zarr(path, zarr_format=2, mode="a", group="c")
    xr.testing.assert_identical(open_zl(path, group="a/b"), ds)
    xr.testing.assert_identical(open_zl(path, group="/c"), ds[["temp"]])
    assert len(open_zl(path, consolidated=False).variables) == 0  # the root has no arrays
    with pytest.raises(PathNotFoundError):
        open_zl(path, group="nope")


def test_remote_url(tmp_path: Any) -> None:
    ds = rich_dataset()
    url = "memory://test_xarray/remote.zarr"
    write_xarray(ds, url)
    try:
        xr.testing.assert_identical(open_zl(url), ds)
        got = open_zl(url, chunks={}, storage_options={})
        xr.testing.assert_identical(got.compute(), ds)
    finally:
        import fsspec

        fsspec.filesystem("memory").rm("/test_xarray", recursive=True)


def test_stores_and_groups_as_input(tmp_path: Any) -> None:
    ds = rich_dataset()
    write_xarray(ds, tmp_path / "d.zarr", group="g")
    store = zl.DirectoryStore(str(tmp_path / "d.zarr"))
    xr.testing.assert_identical(open_zl(store, group="g"), ds)
    group = zl.open_group(str(tmp_path / "d.zarr"), mode="r")
    xr.testing.assert_identical(open_zl(group, group="g"), ds)
    xr.testing.assert_identical(open_zl(group["g"]), ds)
    xr.testing.assert_identical(zl.integrations.xarray.open_dataset(store, group="g"), ds)
    with pytest.raises(ContainsArrayError):
        open_zl(group, group="g/temp")


def test_consolidated_option(tmp_path: Any) -> None:
    ds = rich_dataset()
    path = tmp_path / "d.zarr"
    write_xarray(ds, path)  # consolidated
    zl.open_array(str(path / "temp"), mode="r+").attrs["note"] = "later"  # not consolidated
    assert "note" not in open_zl(path)["temp"].attrs  # .zmetadata is used when present
    assert "note" not in open_zl(path, consolidated=True)["temp"].attrs
    assert open_zl(path, consolidated=False)["temp"].attrs["note"] == "later"
    write_xarray(ds, tmp_path / "plain.zarr", consolidated=False)
    with pytest.raises(PathNotFoundError, match="consolidated"):
        open_zl(tmp_path / "plain.zarr", consolidated=True)
    with pytest.raises(TypeError, match="consolidated"):
        open_zl(path, consolidated="yes")


def test_bad_input(tmp_path: Any) -> None:
    with pytest.raises(FileNotFoundError):
        open_zl(tmp_path / "missing.zarr")
    write_xarray(rich_dataset(), tmp_path / "d.zarr")
    with pytest.raises(ValueError, match="read-only"):
        open_zl(tmp_path / "d.zarr", mode="a")
    with pytest.raises(TypeError):
        open_zl(tmp_path / "d.zarr", engine_option=1)
    g = zl.open_group(str(tmp_path / "plain"), mode="w")
    g.zeros("a", shape=(3,))
    with pytest.raises(MetadataError, match="_ARRAY_DIMENSIONS"):
        open_zl(tmp_path / "plain")
    g["a"].attrs["_ARRAY_DIMENSIONS"] = ["x", "y"]
    with pytest.raises(MetadataError, match="one per dimension"):
        open_zl(tmp_path / "plain")
    g["a"].attrs["_ARRAY_DIMENSIONS"] = ["x"]
    g.zeros("b", shape=(4,)).attrs["_ARRAY_DIMENSIONS"] = ["x"]
    with pytest.raises(ValueError, match="conflicting|length"):
        open_zl(tmp_path / "plain")
    del g["b"]
    zarray = tmp_path / "plain" / "a" / ".zarray"
    doc = json.loads(zarray.read_text())
    for change, error, match in [({"compressor": {"id": "nope"}}, CodecNotAvailableError, "'a'"),
                                 ({"compressor": {"id": "zlib", "bogus": 1}}, MetadataError,
                                  "'a'"),
                                 ({"shape": "x"}, MetadataError, "'a'.*shape")]:
        zarray.write_text(json.dumps({**doc, **change}))
        with pytest.raises(error, match=match):
            open_zl(tmp_path / "plain")


def test_engine_is_registered_and_guessed(tmp_path: Any) -> None:
    assert isinstance(xr.backends.list_engines()["zarrlite"], ZarrliteBackendEntrypoint)
    ds = rich_dataset()
    write_xarray(ds, tmp_path / "noext")
    entry = ZarrliteBackendEntrypoint()
    assert entry.guess_can_open(tmp_path / "noext")
    assert entry.guess_can_open(str(tmp_path / "noext"))
    assert not entry.guess_can_open(tmp_path)  # no group there
    assert not entry.guess_can_open("s3://bucket/x.zarr")
    assert not entry.guess_can_open(b"bytes")
    xr.testing.assert_identical(xr.open_dataset(tmp_path / "noext"), ds)  # no engine named


def test_import_zarrlite_does_not_import_xarray(tmp_path: Any) -> None:
    code = "import sys, zarrlite; sys.exit('xarray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=tmp_path).returncode == 0


def test_lazy_dataset_pickles(tmp_path: Any) -> None:
    ds = rich_dataset()
    write_xarray(ds, tmp_path / "d.zarr")
    got = pickle.loads(pickle.dumps(open_zl(tmp_path / "d.zarr")))
    xr.testing.assert_identical(got, ds)


# ------------------------------------------------------------------ lazy indexing
def grid_store(tmp_path: Any) -> tuple[xr.Dataset, CountingStore]:
    """A (10, 12, 8) float32 variable in (2, 3, 4) chunks, written by xarray."""
    data = np.arange(10 * 12 * 8, dtype="f4").reshape(10, 12, 8)
    ds = xr.Dataset({"v": (("t", "y", "x"), data)},
                    coords={"t": np.arange(10), "y": np.arange(12) * 2.0})
    path = str(tmp_path / "grid.zarr")
    write_xarray(ds, path, encoding={"v": {"chunks": (2, 3, 4)}})
    return ds, CountingStore(path)


def chunk_keys(*ranges: Iterable[int]) -> set[str]:
    import itertools

    return {"v/" + ".".join(map(str, c)) for c in itertools.product(*ranges)}


SELECTIONS = [  # (name, isel arguments, chunks read per dimension)
    ("basic", {"t": slice(2, 5), "y": 4}, ([1, 2], [1], [0, 1])),
    ("basic step", {"t": slice(None, None, -3), "x": slice(1, 3)}, ([0, 1, 3, 4], range(4),
                                                                     [0])),
    ("outer", {"t": [0, 7], "x": [1, 6]}, ([0, 3], range(4), [0, 1])),
    ("outer unsorted", {"t": [9, -10, 9], "y": np.array([11, 0])}, ([0, 4], [0, 3],
                                                                      [0, 1])),
    ("empty", {"t": [], "y": slice(3, 3)}, ([], [], [])),
    ("empty points", {"t": xr.DataArray(np.zeros(0, int), dims="p"),
                      "y": xr.DataArray(np.zeros(0, int), dims="p")}, ([], [], [])),
]


@pytest.mark.parametrize("name, sel, chunks", SELECTIONS, ids=[s[0] for s in SELECTIONS])
def test_selections_read_only_their_chunks(tmp_path: Any, name: str, sel: dict,
                                                 chunks: tuple) -> None:
    ds, store = grid_store(tmp_path)
    got = open_zl(store)
    store.reads.clear()
    lazy = got["v"].isel(sel)
    assert not store.chunk_reads("v")  # indexing is lazy
    np.testing.assert_array_equal(lazy.values, ds["v"].isel(sel).values)
    assert store.chunk_reads("v") == chunk_keys(*chunks)


def test_vectorized_reads_only_the_points_chunks(tmp_path: Any) -> None:
    ds, store = grid_store(tmp_path)
    got = open_zl(store)
    store.reads.clear()
    t = xr.DataArray([0, 9], dims="p")
    y = xr.DataArray([0, 11], dims="p")
    lazy = got["v"].isel(t=t, y=y)  # two points in (t, y), with every x
    np.testing.assert_array_equal(lazy.values, ds["v"].isel(t=t, y=y).values)
    # the diagonal chunks only: an outer read would take (0, 0), (0, 3), (4, 0), (4, 3)
    assert store.chunk_reads("v") == {"v/0.0.0", "v/0.0.1", "v/4.3.0", "v/4.3.1"}


def test_vectorized_two_dimensional_indexers(tmp_path: Any) -> None:
    ds, store = grid_store(tmp_path)
    got = open_zl(store)
    t = xr.DataArray([[0, 9], [-1, 5]], dims=("a", "b"))
    x = xr.DataArray([[7, 0], [3, -2]], dims=("a", "b"))
    for sel in ({"t": t, "x": x}, {"t": t, "x": x, "y": slice(2, 9, 3)},
                {"t": t, "y": 5, "x": x}):
        expected = ds["v"].isel(sel)
        lazy = got["v"].isel(sel)
        assert lazy.dims == expected.dims
        np.testing.assert_array_equal(lazy.values, expected.values)


def test_points_key_matches_numpy() -> None:
    a = np.arange(5 * 6 * 7).reshape(5, 6, 7)
    i, j = np.array([[0, 4], [2, 1]]), np.array([[6, 0], [3, 3]])
    key = points_key((i, slice(1, 5, 2), j), a.shape)
    np.testing.assert_array_equal(a[key], a[i, 1:5:2, j])  # numpy: arrays' dimensions first
    assert points_key((i, j), (5, 7)) == (i, j)


def test_time_series_reads_exactly_its_chunks(tmp_path: Any) -> None:
    days = 365
    rng = np.random.default_rng(3)
    data = rng.random((days, 6, 5), dtype="f4")
    ds = xr.Dataset({"v": (("time", "lat", "lon"), data)},
                    coords={"time": pd.date_range("2001-01-01", periods=days)})
    path = str(tmp_path / "daily.zarr")
    write_xarray(ds, path, encoding={"v": {"chunks": (1, 6, 5)}})
    store = CountingStore(path)
    got = open_zl(store)
    store.reads.clear()
    picks = np.sort(rng.choice(days, 10, replace=False))
    series = got["v"].isel(time=picks, lat=2, lon=4).values
    np.testing.assert_array_equal(series, data[picks, 2, 4])
    assert store.chunk_reads("v") == {f"v/{i}.0.0" for i in picks}
    store.reads.clear()  # ten (lat, lon) points over the whole year: each day once
    lat = xr.DataArray(rng.integers(0, 6, 10), dims="point")
    lon = xr.DataArray(rng.integers(0, 5, 10), dims="point")
    series = got["v"].isel(lat=lat, lon=lon).values
    np.testing.assert_array_equal(series, data[:, lat.values, lon.values])
    assert store.chunk_reads("v") == {f"v/{i}.0.0" for i in range(days)}
    assert max(store.reads[k] for k in store.chunk_reads("v")) == 1


def test_opening_reads_no_data_chunks(tmp_path: Any) -> None:
    ds, store = grid_store(tmp_path)
    got = open_zl(store)
    assert not store.chunk_reads("v")  # only the index coordinates were read
    assert store.chunk_reads("t") and store.chunk_reads("y")
    got = open_zl(store, chunks={})
    assert not store.chunk_reads("v")
    store.reads.clear()
    np.testing.assert_array_equal(got["v"][3].values, ds["v"][3].values)
    assert store.chunk_reads("v") == chunk_keys([1], range(4), range(2))


def test_backend_array_directly(tmp_path: Any) -> None:
    from xarray.core import indexing

    from zarrlite.integrations.xarray import ZarrliteBackendArray

    a = np.arange(24.0).reshape(4, 6)
    z = zl.array(a, chunks=(2, 4))
    b = ZarrliteBackendArray(z)
    assert b.shape == (4, 6) and b.dtype == a.dtype and b.get_array() is z
    np.testing.assert_array_equal(b[indexing.BasicIndexer((1, slice(None, None, -2)))],
                                  a[1, ::-2])
    np.testing.assert_array_equal(b[indexing.OuterIndexer((np.array([3, 0]), 2))], a[[3, 0], 2])
    key = indexing.VectorizedIndexer((np.array([0, 3]), np.array([5, 1])))
    np.testing.assert_array_equal(b[key], a[[0, 3], [5, 1]])
    zero = ZarrliteBackendArray(zl.array(np.array(7.5)))
    assert zero[indexing.BasicIndexer(())] == 7.5
    with pytest.raises(IndexError):
        b[indexing.BasicIndexer((9, 0))]
    with pytest.raises(IndexError):
        b[indexing.VectorizedIndexer((np.array([0, 8]), np.array([0, 0])))]


def test_close(tmp_path: Any) -> None:
    write_xarray(rich_dataset(), tmp_path / "d.zarr")
    with open_zl(os.fspath(tmp_path / "d.zarr")) as ds:
        assert float(ds["temp"][0, 0]) == pytest.approx(float(rich_dataset()["temp"][0, 0]))


def test_dask_backed_dataset_on_worker_processes(tmp_path: Any) -> None:
    """A dataset opened with chunks= travels to distributed worker processes pickled, and
    they read it (and write it with zl.xarray.to_zarr) themselves."""
    import dask
    from distributed import Client, LocalCluster

    ds = rich_dataset()
    write_xarray(ds, tmp_path / "d.zarr", encoding={"temp": {"chunks": (2, 2)}})
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client, \
            dask.config.set(scheduler=client.get):
        lazy = open_zl(tmp_path / "d.zarr", chunks={})
        assert float(lazy["temp"].sum()) == pytest.approx(float(ds["temp"].sum()), rel=1e-6)
        xr.testing.assert_identical(lazy.compute(), ds)
        zl.xarray.to_zarr(lazy, str(tmp_path / "copy.zarr"))
    xr.testing.assert_identical(open_zl(tmp_path / "copy.zarr"), ds)
