"""Write the backwards-compatibility fixtures under ``tests/fixtures/zarr3-v2/``.

Run once by hand (pytest does not collect this file)::

    python tests/make_fixtures.py

Each case is a small Zarr v2 store written by zarr-python 3 (``zarr_format=2``) in
``tests/fixtures/zarr3-v2/<name>/``, with ``expected.npy`` (the values every reader must
return, saved without pickle) and ``case.json`` (how to open it, and the attributes). Arrays
have chunks that do not divide their shape and leave some chunks unwritten, so the fill value
is read from metadata. ``tests/test_interop_codecs.py::test_backwards_compatibility`` reads each
case with zarrlite. Regenerate only on purpose: the point of fixtures is that they stay put.
"""

from __future__ import annotations

import json
import math
import shutil
import warnings
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import zarr

OUT = Path(__file__).parent / "fixtures" / "zarr3-v2"
NAN = math.nan


def _ramp(shape: tuple[int, ...], dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return (rng.integers(0, 3, n) == 0).reshape(shape)
    if dt.kind in "iu":
        return np.cumsum(rng.integers(-3, 9, n)).astype(dt).reshape(shape)
    if dt.kind == "f":
        return (np.cumsum(rng.standard_normal(n)) * 10).astype(dt).reshape(shape)
    if dt.kind == "c":
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt).reshape(shape)
    if dt.kind in "mM":
        return rng.integers(0, 10**9, n).astype(dt).reshape(shape)
    raise ValueError(dtype)


def _words(shape: tuple[int, ...], seed: int, alphabet: str = "abcdé漢") -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        "".join(rng.choice(list(alphabet), rng.integers(1, 5))) for _ in range(math.prod(shape))
    ]


def _cases() -> dict[str, dict[str, Any]]:
    s2, c2 = (9, 7), (4, 3)
    s3, c3 = (5, 6, 3), (2, 4, 2)
    struct = np.dtype([("a", "<i4"), ("b", ">f8"), ("c", "|S2")])
    st = np.zeros(s2, struct)
    st["a"], st["b"] = _ramp(s2, "<i4", 11), _ramp(s2, ">f8", 12)
    st["c"] = np.array([w.encode()[:2] for w in _words(s2, 13, "xyz")]).reshape(s2)
    labels = ["red", "green", "blue"]
    return {
        "f8-blosc-lz4-nan": dict(
            data=_ramp(s2, "<f8", 1), chunks=c2, fill=NAN, compressors=numcodecs.Blosc("lz4", 5, 1)
        ),
        "i2-be-zstd-F": dict(
            data=_ramp(s2, ">i2", 2),
            chunks=c2,
            fill=-1,
            order="F",
            compressors=numcodecs.Zstd(level=3),
        ),
        "u4-blosc-zstd-bitshuffle-nested": dict(
            data=_ramp(s3, "<u4", 3),
            chunks=c3,
            fill=7,
            compressors=numcodecs.Blosc("zstd", 3, 2),
            sep="/",
        ),
        "bool-packbits-zlib": dict(
            data=_ramp(s2, "|b1", 4),
            chunks=c2,
            fill=True,
            filters=[numcodecs.PackBits()],
            compressors=numcodecs.Zlib(level=6),
        ),
        "i4-delta-blosc-zlib-F": dict(
            data=_ramp(s3, "<i4", 5),
            chunks=c3,
            fill=0,
            order="F",
            filters=[numcodecs.Delta("<i4")],
            compressors=numcodecs.Blosc("zlib", 1, 1),
        ),
        "f4-quantize-gzip": dict(
            data=_ramp(s2, "<f4", 6),
            chunks=c2,
            fill=0.0,
            filters=[numcodecs.Quantize(2, "<f4")],
            compressors=numcodecs.GZip(level=5),
        ),
        "f8-fixedscaleoffset-bz2": dict(
            data=_ramp(s2, "<f8", 7),
            chunks=c2,
            fill=0.0,
            filters=[numcodecs.FixedScaleOffset(0, 100, "<f8", "<i4")],
            compressors=numcodecs.BZ2(level=9),
        ),
        "f8-astype-bitround-lzma": dict(
            data=_ramp(s2, "<f8", 8),
            chunks=c2,
            fill=-0.5,
            filters=[numcodecs.AsType("<f4", "<f8"), numcodecs.BitRound(12)],
            compressors=numcodecs.LZMA(preset=1),
        ),
        "i8-shuffle-checksums-lz4": dict(
            data=_ramp(s2, ">i8", 9),
            chunks=c2,
            fill=5,
            filters=[
                numcodecs.Shuffle(8),
                numcodecs.CRC32(),
                numcodecs.Adler32(),
                numcodecs.Fletcher32(),
            ],
            compressors=numcodecs.LZ4(),
        ),
        "S5-blosc-blosclz": dict(
            data=np.array([w.encode() for w in _words(s2, 10, "pqr")], "S5").reshape(s2),
            chunks=c2,
            fill=b"zz",
            compressors=numcodecs.Blosc("blosclz"),
        ),
        "U6-categorize-lz4hc": dict(
            data=np.array(np.random.default_rng(14).choice(labels, math.prod(s2)), "<U6").reshape(
                s2
            ),
            chunks=c2,
            fill="",
            filters=[numcodecs.Categorize(labels, "<U6")],
            compressors=numcodecs.Blosc("lz4hc", 9, 0),
        ),
        "M8ms-none": dict(
            data=_ramp(s2, "<M8[ms]", 15),
            chunks=c2,
            fill=np.datetime64("NaT", "ms"),
            compressors=None,
        ),
        "c8-be-blosc-noshuffle": dict(
            data=_ramp(s2, ">c8", 16),
            chunks=c2,
            fill=1 + 2j,
            compressors=numcodecs.Blosc("lz4", 1, 0),
        ),
        "struct-zstd": dict(
            data=st,
            chunks=c2,
            fill=np.array((-1, NAN, b"f"), struct)[()],
            compressors=numcodecs.Zstd(1),
        ),
        "vlen-utf8-F": dict(
            data=np.array(_words(s2, 17), dtype=object).reshape(s2),
            chunks=c2,
            fill="",
            order="F",
            dtype=str,
            filters=[numcodecs.VLenUTF8()],
            compressors=numcodecs.Blosc("zstd", 5, 1),
        ),
        "vlen-bytes-full": dict(
            data=np.array([w.encode() for w in _words(s2, 18)], dtype=object).reshape(s2),
            chunks=c2,
            fill=b"",
            full=True,
            dtype=zarr.core.dtype.VariableLengthBytes(),
            filters=[numcodecs.VLenBytes()],
        ),
    }


def _expected_array(data: np.ndarray, fill: Any, region: tuple[slice, ...]) -> np.ndarray:
    if data.dtype.hasobject:
        kind = str if isinstance(data.flat[0], str) else bytes
        data = np.array(data.tolist(), dtype=kind)
        fill = kind() if fill is None else fill
    expected = np.zeros_like(data)
    if fill is not None:
        expected[...] = fill
    expected[region] = data[region]
    return expected


def _write_array(path: Path, name: str, case: dict[str, Any]) -> dict[str, Any]:
    data = case["data"]
    filters = case.get("filters")
    z = zarr.create_array(
        store=str(path),
        shape=data.shape,
        chunks=case["chunks"],
        dtype=case.get("dtype", data.dtype),
        zarr_format=2,
        compressors=case.get("compressors"),
        filters=filters,
        fill_value=case["fill"],
        order=case.get("order", "C"),
        chunk_key_encoding={"name": "v2", "separator": case.get("sep", ".")},
    )
    region = (
        tuple(slice(0, n) for n in data.shape)
        if case.get("full")
        else tuple(slice(0, math.ceil(n * 0.6)) for n in data.shape)
    )
    z[region] = data[region]
    z.attrs["case"] = name
    expected = _expected_array(data, case["fill"], region)
    back = z[...]
    if not data.dtype.hasobject:  # the stored values, after lossy filters
        expected[region] = back[region]
    return {"expected": expected, "attrs": {"case": name}}


def _write_group(path: Path) -> None:
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    root.attrs.update({"title": "fixture group", "version": 1, "tags": ["a", "é"]})
    sub = root.create_group("level1").create_group("level2")
    sub.attrs["depth"] = 2
    arr = sub.create_array(
        "arr",
        shape=(6, 5),
        chunks=(4, 4),
        dtype="<u2",
        fill_value=9,
        compressors=numcodecs.Blosc("zstd", 1, 1),
    )
    values = _ramp((6, 5), "<u2", 19)
    arr[:4, :3] = values[:4, :3]
    expected = np.full((6, 5), 9, "<u2")
    expected[:4, :3] = values[:4, :3]
    np.save(path / "expected.npy", expected, allow_pickle=False)
    info = {
        "group": True,
        "array": "level1/level2/arr",
        "attrs": {"title": "fixture group", "version": 1, "tags": ["a", "é"]},
    }
    (path / "case.json").write_text(json.dumps(info, indent=1) + "\n")


def main() -> None:
    warnings.simplefilter("ignore")
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    for name, case in _cases().items():
        path = OUT / name
        result = _write_array(path, name, case)
        np.save(path / "expected.npy", result["expected"], allow_pickle=False)
        (path / "case.json").write_text(json.dumps({"attrs": result["attrs"]}, indent=1) + "\n")
    _write_group(OUT / "group-nested")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {len(list(OUT.iterdir()))} cases, {total} bytes, into {OUT}")


if __name__ == "__main__":
    main()
