"""Interoperability at the codec level and with stored data: our encodings decode with
numcodecs and the reverse, Blosc lz4/lz4hc bytes equal numcodecs' on one thread; and the
stores under tests/fixtures/zarr3-v2 (written once by tests/make_fixtures.py) still read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest
from interop_cases import (  # noqa: F401 - _allow_pickle is an autouse fixture
    BLOSC_CNAMES,
    COMPRESSORS,
    FILTERS,
    FIXTURES,
    OBJECT_CODECS,
    _allow_pickle,
    assert_same,
    filter_data,
    make_data,
    reference_read,
)
from numcodecs.compat import ensure_contiguous_ndarray

import zarrlite as zl
from zarrlite import codecs as zlc

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

# ============================================================================= 4. codecs


def _codec_cases() -> list[tuple[str, dict, np.ndarray]]:
    rng = np.random.default_rng(42)
    f8 = rng.standard_normal(1000)
    i4 = np.cumsum(rng.integers(-5, 5, 3001)).astype("<i4")
    cases = [
        (cid, cfg, [i4, f8, np.arange(5000, dtype=">u2")][k % 3])
        for k, (cid, cfg) in enumerate(COMPRESSORS.items())
        if cfg
    ]
    cases += [
        (
            f"blosc-auto-{t}",
            {"id": "blosc", "cname": "zstd", "clevel": 1, "shuffle": -1, "blocksize": 0},
            a,
        )
        for t, a in (("u1", i4.astype("u1")), ("i4", i4))
    ]
    cases.append(
        (
            "blosc-blocksize",
            {"id": "blosc", "cname": "lz4", "clevel": 9, "shuffle": 1, "blocksize": 4096},
            f8,
        )
    )
    for fid, (dtype, configs, _, _) in FILTERS.items():
        cases += [
            (f"{fid}-{j}", cfg, filter_data(fid, (777,), seed=j).astype(dtype))
            for j, cfg in enumerate(configs)
        ][:1]
    for name, ocodec in (
        ("utf8", "vlen-utf8"),
        ("bytes", "vlen-bytes"),
        ("json", "json2"),
        ("pickle", "pickle"),
    ):
        data = make_data(np.dtype(object), (50,), codec=ocodec)
        cases.append((f"object-{name}", OBJECT_CODECS[ocodec], data))
    cats = np.array(["a", "bb", "a", ""] * 10, dtype=object)
    cases.append(
        (
            "categorize-object",
            {"id": "categorize", "labels": ["a", "bb"], "dtype": "|O", "astype": "<u2"},
            cats,
        )
    )
    return cases


CODEC_CASES = _codec_cases()


def _decoded(buf: Any, like: np.ndarray) -> np.ndarray:
    if like.dtype.hasobject:
        return np.asarray(buf, dtype=object).reshape(like.shape)
    return np.frombuffer(ensure_contiguous_ndarray(buf), dtype=like.dtype).reshape(like.shape)


@pytest.mark.parametrize("cid, cfg, data", CODEC_CASES, ids=[c[0] for c in CODEC_CASES])
def test_codec_interop(cid, cfg, data):
    ours, theirs = zlc.get_codec(cfg), numcodecs.get_codec(cfg)
    assert ours.get_config() == theirs.get_config()
    expected = data
    if cfg["id"] in ("quantize", "fixedscaleoffset", "astype", "bitround"):
        expected = _decoded(theirs.decode(theirs.encode(data)), data)
    assert_same(_decoded(theirs.decode(ours.encode(data)), data), expected)
    assert_same(_decoded(ours.decode(theirs.encode(data)), data), expected)
    assert_same(
        _decoded(ours.decode(bytes(ensure_contiguous_ndarray(theirs.encode(data)))), data), expected
    )
    if cfg["id"] in (
        "delta",
        "shuffle",
        "packbits",
        "crc32",
        "adler32",
        "fletcher32",
        "vlen-utf8",
        "vlen-bytes",
        "categorize",
        "lz4",
        "bz2",
        "zlib",
    ):
        assert bytes(ensure_contiguous_ndarray(ours.encode(data))) == bytes(
            ensure_contiguous_ndarray(theirs.encode(data))
        )


@pytest.fixture
def one_blosc_thread():
    old = numcodecs.blosc.set_nthreads(1)
    yield
    numcodecs.blosc.set_nthreads(old)


BLOSC_BYTES_DATA = {
    "i4-small": np.arange(100, dtype="<i4"),
    "f8-300k": np.random.default_rng(0).standard_normal(300_000),
    "u1-odd": (np.arange(777_777) % 5).astype("u1"),
    "i2-1M": (np.arange(1_000_001) % 300).astype(">i2"),
    "S3": np.frombuffer(b"abc" * 5001, "S3"),
    "c16": np.arange(3000, dtype="<c16") * (1 + 1j),
    "empty": np.zeros(0, "<f4"),
    "one-byte": np.ones(1, "u1"),
}


def test_blosc_decodes_multithreaded_numcodecs():
    """numcodecs on 2 threads may store blocks out of order; the offsets must be followed."""
    data = np.cumsum(np.random.default_rng(5).integers(-9, 9, 2_000_000)).astype("<i4")
    old = numcodecs.blosc.set_nthreads(2)
    try:
        for cname in BLOSC_CNAMES:
            cdata = numcodecs.Blosc(cname, 5, 1, blocksize=1 << 16).encode(data)
            assert_same(_decoded(zl.Blosc().decode(cdata), data), data)
    finally:
        numcodecs.blosc.set_nthreads(old)


@pytest.mark.parametrize("clevel", [0, 1, 5, 9])
@pytest.mark.parametrize("shuffle", [-1, 0, 1, 2])
@pytest.mark.parametrize("cname", ["lz4", "lz4hc"])
def test_blosc_bytes_equal_numcodecs(one_blosc_thread, cname, shuffle, clevel):
    ours = zl.Blosc(cname=cname, clevel=clevel, shuffle=shuffle)
    theirs = numcodecs.Blosc(cname=cname, clevel=clevel, shuffle=shuffle)
    for name, data in BLOSC_BYTES_DATA.items():
        assert bytes(ours.encode(data)) == bytes(theirs.encode(data)), name


# ============================================================================= 5. fixtures


def _fixture_dirs() -> list[Path]:
    return sorted(p.parent for p in FIXTURES.glob("*/expected.npy"))


def test_fixtures_present():
    dirs = _fixture_dirs()
    assert len(dirs) >= 12
    total = sum(f.stat().st_size for f in FIXTURES.rglob("*") if f.is_file())
    assert total < 300_000


@pytest.mark.parametrize("case", _fixture_dirs(), ids=lambda p: p.name)
def test_backwards_compatibility(case):
    """zarrlite reads what zarr-python 3 wrote, as it did when the fixtures were made."""
    expected = np.load(case / "expected.npy", allow_pickle=False)
    info = json.loads((case / "case.json").read_text())
    if info.get("group"):
        g = zl.open_group(str(case), mode="r")
        assert dict(g.attrs) == info["attrs"]
        z = g[info["array"]]
    else:
        z = zl.open_array(str(case), mode="r")
        assert dict(z.attrs) == info["attrs"]
    actual = z[...]
    if z.dtype.hasobject:  # vlen strings and bytes are saved as U / S arrays
        assert actual.tolist() == expected.tolist()
        return
    assert_same(actual, expected)
    assert_same(reference_read(case / info.get("array", ""))[0], expected)
