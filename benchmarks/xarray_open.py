#!/usr/bin/env python
"""xarray with ``engine="zarrlite"`` against ``engine="zarr"`` (zarr-python 3, Zarr v2 data).

Usage::

    python benchmarks/xarray_open.py [--quick] [--repeat N] [--tmpdir DIR] [--json out.json]

Both stores are written by xarray itself (``Dataset.to_zarr(zarr_format=2)``, consolidated,
xarray's default Blosc lz4 compressor) in a temporary directory, removed at the end:

    open 50 vars    ``xr.open_dataset(path, engine=E)`` of a dataset of 50 float32
                    variables (time: 365, lat: 18, lon: 36) with time, lat and lon
                    coordinates: the metadata, and the three coordinates xarray loads
                    for its indexes
    10-point series open a (365, 180, 360) float32 variable stored in 365 daily chunks
                    of (1, 180, 360), and read the time series at 10 (lat, lon) points
                    (``isel`` with pointwise DataArray indexers, then ``.values``): one
                    read of each of the 365 chunks
    1-point series  the same at a single (lat, lon) point (basic indexing)

(``--quick``: 73 daily chunks.) Each case is timed with ``time.perf_counter`` after one
warm-up round; the figure is the median of ``--repeat`` rounds, the engines interleaved
inside each round (the best round is shown too: on a busy machine it is the steadier
figure). Results of the two engines are compared outside the timed region. Files come from
the OS page cache.

Target (issue 15): zarrlite at least 2x faster than zarr on the first two cases.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from zarrlite.integrations.xarray import ZarrliteBackendEntrypoint  # noqa: E402

ENGINES = ("zarrlite", "zarr")
#: The backend class itself: run from a source tree, an older zarrlite.egg-info there can
#: hide the installed entry point that makes the name "zarrlite" known to xarray.
BACKENDS: dict[str, Any] = {"zarrlite": ZarrliteBackendEntrypoint, "zarr": "zarr"}
NVARS = 50
POINTS = 10
TARGET = 2.0


def make_wide(path: str) -> None:
    """The 50-variable dataset, consolidated."""
    rng = np.random.default_rng(0)
    coords = {"time": pd.date_range("2001-01-01", periods=365), "lat": np.linspace(-85, 85, 18),
              "lon": np.linspace(-175, 175, 36)}
    shape = tuple(len(c) for c in coords.values())
    data = {f"var{i:02d}": (("time", "lat", "lon"), rng.random(shape, dtype=np.float32),
                            {"units": "K", "long_name": f"variable {i}"})
            for i in range(NVARS)}
    ds = xr.Dataset(data, coords=coords, attrs={"title": "50 variables"})
    encoding = {name: {"chunks": (73, 18, 36)} for name in data}
    ds.to_zarr(path, zarr_format=2, consolidated=True, encoding=encoding)


def make_series(path: str, days: int) -> None:
    """A daily (days, 180, 360) float32 field, one chunk per day, consolidated."""
    y = np.linspace(0, 4 * np.pi, 180, dtype=np.float32)[:, None]
    x = np.linspace(0, 6 * np.pi, 360, dtype=np.float32)[None, :]
    field = 280 + 20 * np.sin(y) * np.cos(x)
    values = np.stack([field + np.float32(d % 30) for d in range(days)])
    ds = xr.Dataset({"t2m": (("time", "lat", "lon"), values, {"units": "K"})},
                    coords={"time": pd.date_range("2001-01-01", periods=days),
                            "lat": np.linspace(-89.5, 89.5, 180),
                            "lon": np.linspace(-179.5, 179.5, 360)})
    ds.to_zarr(path, zarr_format=2, consolidated=True,
               encoding={"t2m": {"chunks": (1, 180, 360)}})


def open_wide(path: str, engine: str) -> Any:
    ds = xr.open_dataset(path, engine=BACKENDS[engine])
    return len(ds.data_vars), ds["time"].values[-1]


def series_points(path: str, engine: str) -> np.ndarray:
    rng = np.random.default_rng(1)
    lat = xr.DataArray(rng.integers(0, 180, POINTS), dims="point")
    lon = xr.DataArray(rng.integers(0, 360, POINTS), dims="point")
    ds = xr.open_dataset(path, engine=BACKENDS[engine])
    return ds["t2m"].isel(lat=lat, lon=lon).values


def series_one(path: str, engine: str) -> np.ndarray:
    ds = xr.open_dataset(path, engine=BACKENDS[engine])
    return ds["t2m"].isel(lat=45, lon=200).values


def same(a: Any, b: Any) -> None:
    if isinstance(a, tuple):
        assert a == b, (a, b)
    else:
        np.testing.assert_array_equal(a, b)


def bench(run: Callable[[str, str], Any], path: str, repeat: int) -> dict[str, list[float]]:
    """Seconds of each round, per engine (after a warm-up round whose results are compared)."""
    first = {engine: run(path, engine) for engine in ENGINES}
    same(first["zarrlite"], first["zarr"])
    times: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    for _ in range(repeat):
        for engine in ENGINES:
            start = time.perf_counter()
            run(path, engine)
            times[engine].append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="73 daily chunks instead of 365")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--tmpdir", default=None, help="where the stores are written")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    days = 73 if args.quick else 365
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # zarr's v2 notices
    root = tempfile.mkdtemp(prefix="zl-xarray-", dir=args.tmpdir)
    try:
        wide, series = os.path.join(root, "wide.zarr"), os.path.join(root, "series.zarr")
        make_wide(wide)
        make_series(series, days)
        cases = {f"open {NVARS} vars": (open_wide, wide),
                 f"{POINTS}-point series": (series_points, series),
                 "1-point series": (series_one, series)}
        print(f"xarray {xr.__version__}, median of {args.repeat}; series over {days} daily "
              "chunks of (1, 180, 360) float32")
        print(f"{'case':<18} {'zarrlite ms':>12} {'zarr ms':>10} {'zarr/zarrlite':>14}"
              f"   (best of {args.repeat}: zarrlite, zarr, ratio)")
        report: dict[str, Any] = {"days": days, "repeat": args.repeat, "results": {}}
        for name, (run, path) in cases.items():
            times = bench(run, path, args.repeat)
            median = {e: statistics.median(t) for e, t in times.items()}
            best = {e: min(t) for e, t in times.items()}
            ratio = median["zarr"] / median["zarrlite"]
            report["results"][name] = {"median_s": median, "best_s": best, "ratio": ratio}
            print(f"{name:<18} {median['zarrlite'] * 1e3:12.1f} {median['zarr'] * 1e3:10.1f}"
                  f" {ratio:13.2f}x   ({best['zarrlite'] * 1e3:.1f}, {best['zarr'] * 1e3:.1f},"
                  f" {best['zarr'] / best['zarrlite']:.2f}x)")
        print(f"target: zarr/zarrlite >= {TARGET} on the first two cases")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=2)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
