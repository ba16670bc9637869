"""h5py's dataset-creation keywords as Zarr creation arguments (zarrlite.h5.storage and
zarrlite.h5.chunk_guess), with real h5py as the oracle: the same chunks, maxshape,
compression, shuffle, fletcher32, scaleoffset and fill value for what both accept, the same
exception classes for what both refuse, and each documented difference shown as it is."""

from __future__ import annotations

import itertools
import json
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import zarrlite
from zarrlite.codecs.registry import get_codec
from zarrlite.h5.chunk_guess import CONTIGUOUS_MAX_NBYTES, contiguous_chunks, guess_chunk
from zarrlite.h5.storage import HDF5_ONLY, creation_arguments, h5py_properties

h5py = pytest.importorskip("h5py")
from h5py._hl.filters import guess_chunk as h5py_guess_chunk  # noqa: E402  (the oracle)

try:  # codec objects from numcodecs are taken too, when it is installed
    import numcodecs
except ImportError:
    numcodecs = None

PROPERTIES = ("chunks", "maxshape", "compression", "compression_opts", "shuffle",
              "fletcher32", "scaleoffset", "fillvalue")
_names = itertools.count()


@pytest.fixture(scope="module")
def h5file(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with h5py.File(tmp_path_factory.mktemp("oracle") / "oracle.h5", "w") as f:
        yield f


def h5py_dataset(h5file: Any, **kwds: Any) -> Any:
    return h5file.create_dataset(f"d{next(_names)}", **kwds)


def h5py_props(h5file: Any, **kwds: Any) -> dict[str, Any]:
    """What h5py reports for a dataset created with `kwds`."""
    ds = h5py_dataset(h5file, **kwds)
    return {name: getattr(ds, name) for name in PROPERTIES}


def split(args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(zarrlite.create keywords, bookkeeping as kept in .zattrs, ignored keywords)."""
    args = dict(args)
    book = json.loads(json.dumps(args.pop("h5py")))  # as it comes back from .zattrs
    return args, book, args.pop("ignored")


def make(**kwds: Any) -> tuple[Any, dict[str, Any], list[str]]:
    """Our side of `create_dataset(**kwds)`: the zarrlite array, bookkeeping, ignored."""
    shape, dtype, data = kwds.pop("shape", None), kwds.pop("dtype", None), kwds.pop("data", None)
    if data is not None:
        data = np.asarray(data, dtype=dtype)
        dtype = data.dtype
    args = creation_arguments(shape, dtype, None if data is None else data.shape, **kwds)
    args, book, ignored = split(args)
    z = zarrlite.create(dtype=np.dtype("f4" if dtype is None else dtype), **args)
    if data is not None:
        z[...] = data.reshape(z.shape)
    return z, book, ignored


def our_props(**kwds: Any) -> dict[str, Any]:
    z, book, _ = make(**kwds)
    return h5py_properties(z.meta, book)


def assert_same_properties(ours: dict[str, Any], theirs: dict[str, Any],
                           names: tuple[str, ...] = PROPERTIES) -> None:
    for name in names:
        a, b = ours[name], theirs[name]
        if name == "fillvalue":
            assert np.asarray(a).dtype == np.asarray(b).dtype, (a, b)
            assert np.array_equal(np.asarray(a), np.asarray(b),
                                  equal_nan=np.asarray(a).dtype.kind in "fc"), (a, b)
        else:
            assert a == b and type(a) is type(b), f"{name}: ours {a!r}, h5py {b!r}"


# ------------------------------------------------------------------- guess_chunk

lengths = st.one_of(st.integers(0, 64), st.integers(0, 10**7), st.integers(0, 2**64 - 1))
typesizes = st.one_of(st.sampled_from([1, 2, 4, 8, 16]), st.integers(0, 2**24))


@given(st.lists(lengths, min_size=1, max_size=8), typesizes, st.booleans())
@settings(max_examples=3000, deadline=None)
def test_guess_chunk_equals_h5py(shape: list[int], typesize: int, unlimited: bool) -> None:
    shape_t = tuple(shape)
    maxshape = (None,) * len(shape) if unlimited else shape_t  # ignored by both
    with warnings.catch_warnings():  # h5py's log10(0) for 0-byte items
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = h5py_guess_chunk(shape_t, maxshape, typesize)
    assert guess_chunk(shape_t, maxshape, typesize) == expected


@pytest.mark.parametrize("shape, typesize", [
    ((0,), 4), ((0, 0, 0), 8), ((2**62, 3), 8), ((2**64 - 1,) * 4, 1), ((1,), 2**21),
    ((10**6,), 0), ((3, 5, 7, 11, 13, 17, 19, 23), 8), ((2**53 + 1,), 1), ((1023, 1025), 3),
])
def test_guess_chunk_edges(shape: tuple[int, ...], typesize: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert guess_chunk(shape, None, typesize) == h5py_guess_chunk(shape, None, typesize)


def test_guess_chunk_refuses_scalars_as_h5py() -> None:
    with pytest.raises(ValueError) as theirs:
        h5py_guess_chunk((), None, 4)
    with pytest.raises(ValueError, match="scalar"):
        guess_chunk((), None, 4)
    assert "scalar" in str(theirs.value)


small_shapes = st.lists(st.integers(0, 3000), min_size=1, max_size=4)
dtypes = st.sampled_from(["i1", "<i2", "<f4", "<f8", "<c16", "S7"])


@given(small_shapes, dtypes, st.sampled_from(["chunks", "maxshape", "gzip", "shuffle"]))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_implied_chunks_equal_h5py(h5file: Any, shape: list[int], dtype: str,
                                   why: str) -> None:
    kwds: dict[str, Any] = {"chunks": {"chunks": True}, "maxshape": {"maxshape": (None,) * len(
        shape)}, "gzip": {"compression": "gzip"}, "shuffle": {"shuffle": True}}[why]
    expected = h5py_dataset(h5file, shape=tuple(shape), dtype=dtype, **kwds).chunks
    assert creation_arguments(tuple(shape), dtype, **kwds)["chunks"] == expected


# -------------------------------------------------------------- contiguous datasets


@given(st.lists(st.integers(0, 5000), min_size=1, max_size=4), st.integers(1, 2**21))
@settings(max_examples=500, deadline=None)
def test_contiguous_chunks_are_c_order_slabs(shape: list[int], itemsize: int) -> None:
    chunks = contiguous_chunks(shape, itemsize)
    assert len(chunks) == len(shape) and all(c >= 1 for c in chunks)
    if math.prod(shape) * itemsize <= CONTIGUOUS_MAX_NBYTES:
        assert chunks == tuple(max(n, 1) for n in shape)  # one chunk, the whole array
        return
    assert math.prod(chunks) * itemsize <= max(CONTIGUOUS_MAX_NBYTES, itemsize)
    split_axes = [i for i, (c, n) in enumerate(zip(chunks, shape)) if c != max(n, 1)]
    if not split_axes:  # items larger than the bound: one item per chunk
        assert all(c == 1 for c in chunks) and itemsize > CONTIGUOUS_MAX_NBYTES
        return
    axis = split_axes[-1]
    assert all(c == 1 for c in chunks[:axis])  # a slab: ones, the split axis, whole axes
    nslabs = -(-shape[axis] // chunks[axis])
    assert -(-shape[axis] // nslabs) == chunks[axis]  # split evenly


def test_contiguous_dataset_reports_no_chunks(h5file: Any) -> None:
    for shape in [(10,), (0, 5), (2000, 2000), (3, 400, 500)]:
        args = creation_arguments(shape, "f8")
        assert args["h5py"] == {"contiguous": True}
        assert args["compressor"] is None and args["filters"] is None
        assert h5py_dataset(h5file, shape=shape, dtype="f8").chunks is None
        assert our_props(shape=shape, dtype="f8")["chunks"] is None
    assert creation_arguments((2000, 2000), "f8")["chunks"] == (65, 2000)  # 1 MiB slabs


# ------------------------------------------------------ accepted by both: same result

ACCEPTED: list[dict[str, Any]] = [
    dict(shape=(10,), dtype="i4"),
    dict(shape=(100, 100), dtype="f8"),
    dict(shape=10, dtype="i2"),
    dict(shape=[10], dtype="i2"),
    dict(shape=(10.0,), dtype="i2"),
    dict(data=np.arange(10)),
    dict(data=np.arange(10), shape=(2, 5)),
    dict(data=[1.5, 2], dtype="i4"),
    dict(shape=(10,), dtype="i4", chunks=True),
    dict(shape=(10,), dtype="i4", chunks=(5,)),
    dict(shape=(10,), dtype="i4", chunks=5),
    dict(shape=(10,), dtype="i4", chunks=(5.0,)),
    dict(shape=(10,), dtype="i4", chunks=(np.int64(5),)),
    dict(shape=(10, 5), dtype="i2", chunks=(20, 5), maxshape=(None, 5)),
    dict(shape=(10, 5), dtype="i2", chunks=(5, 6), maxshape=(None, None)),
    dict(shape=(10,), dtype="i4", chunks=(11,), maxshape=(20,)),
    dict(shape=(10,), dtype="i4", maxshape=(None,)),
    dict(shape=(10,), dtype="i4", maxshape=(10,)),
    dict(shape=(10,), dtype="i4", maxshape=20),
    dict(shape=(10,), dtype="i4", maxshape=[20]),
    dict(shape=(10,), dtype="i4", maxshape=(12.5,)),
    dict(shape=(10,), dtype="i4", maxshape=(np.int64(12),)),
    dict(shape=(1,), dtype="i4", maxshape=True),
    dict(shape=(10, 3), dtype="i4", maxshape=(None, 3)),
    dict(shape=(0,), dtype="i4"),
    dict(shape=(0,), dtype="i4", chunks=True),
    dict(shape=(0,), dtype="i4", maxshape=(None,)),
    dict(shape=(0,), dtype="i4", maxshape=(10,)),
    dict(shape=(0, 7), dtype="f4", compression="gzip"),
    dict(shape=(), dtype="i4"),
    dict(shape=(), dtype="i4", maxshape=()),
    dict(shape=(), dtype="i4", chunks=False),
    dict(shape=(), dtype="i4", chunks=()),
    dict(shape=(), dtype="f8", fillvalue=2.5),
    dict(shape=(100,), dtype="i4", compression="gzip"),
    dict(shape=(100,), dtype="i4", compression="gzip", compression_opts=9),
    dict(shape=(100,), dtype="i4", compression="gzip", compression_opts=0),
    dict(shape=(100,), dtype="i4", compression="gzip", compression_opts=3.0),
    dict(shape=(100,), dtype="i4", compression="gzip", compression_opts=np.int64(3)),
    dict(shape=(100,), dtype="i4", compression="gzip", compression_opts=True),
    dict(shape=(100,), dtype="i4", compression=True),
    dict(shape=(100,), dtype="i4", compression=True, compression_opts=7),
    dict(shape=(100,), dtype="i4", compression=1),
    dict(shape=(100,), dtype="i4", compression=0),
    dict(shape=(100,), dtype="i4", compression=False),  # h5py: gzip level 0 (False == 0)
    dict(shape=(100,), dtype="i4", compression=np.int64(4)),
    dict(shape=(100,), dtype="i4", compression=4.0),
    dict(shape=(100,), dtype="i4", compression=None, compression_opts=None),
    dict(shape=(100,), dtype="i4", compression=h5py.filters.Gzip(5)),
    dict(shape=(100,), dtype="i4", compression=h5py.filters.Gzip(5), compression_opts=3),
    dict(shape=(100,), dtype="i4", shuffle=True),
    dict(shape=(100,), dtype="i4", shuffle=1),
    dict(shape=(100,), dtype="i4", shuffle=0),
    dict(shape=(100,), dtype="i4", shuffle=False, fletcher32=False),
    dict(shape=(100,), dtype="i4", fletcher32=True),
    dict(shape=(100,), dtype="u1", shuffle=True, compression="gzip", fletcher32=True),
    dict(shape=(100, 3), dtype=[("a", "<i4"), ("b", "<f8")], shuffle=True),
    dict(shape=(100,), dtype="i4", scaleoffset=0),
    dict(shape=(100,), dtype="i4", scaleoffset=True),
    dict(shape=(100,), dtype="i4", scaleoffset=False),
    dict(shape=(100,), dtype="i2", scaleoffset=8, compression="gzip", chunks=(5,),
         maxshape=(None,)),
    dict(shape=(100,), dtype="i8", scaleoffset=64),
    dict(shape=(100,), dtype="f4", scaleoffset=3),
    dict(shape=(100,), dtype="f4", scaleoffset=0),
    dict(shape=(100,), dtype="f4", scaleoffset=2.5),
    dict(shape=(100,), dtype="f8", scaleoffset=100),
    dict(shape=(100,), dtype="f8", scaleoffset=2, compression="gzip", shuffle=True),
    dict(shape=(10,), dtype="i4", fillvalue=5),
    dict(shape=(10,), dtype="f4", fillvalue=np.nan),
    dict(shape=(10,), dtype="f4", fillvalue=1e40),
    dict(shape=(10,), dtype="f4", fillvalue=np.float64(1.1)),
    dict(shape=(10,), dtype="f4", fillvalue=16777217),
    dict(shape=(10,), dtype="f2", fillvalue=1e6),
    dict(shape=(10,), dtype="i4", fillvalue=3.7),
    dict(shape=(10,), dtype="i4", fillvalue=-3.7),
    dict(shape=(10,), dtype="i4", fillvalue=np.inf),
    dict(shape=(10,), dtype="i4", fillvalue=True),
    dict(shape=(10,), dtype="i4", fillvalue=[7]),
    dict(shape=(10,), dtype="i4", fillvalue=np.uint64(2**64 - 1)),
    dict(shape=(10,), dtype="u1", fillvalue=300),
    dict(shape=(10,), dtype="u1", fillvalue=-1),
    dict(shape=(10,), dtype="u8", fillvalue=2**64 - 1),
    dict(shape=(10,), dtype="i8", fillvalue=9.3e18),
    dict(shape=(10,), dtype="i1", fillvalue=-128.9),
    dict(shape=(10,), dtype="?", fillvalue=2),
    dict(shape=(10,), dtype="f8", fillvalue=True),
    dict(shape=(10,), dtype="c16", fillvalue=1 + 2j),
    dict(shape=(10,), dtype="c8", fillvalue=1e40 + 1j),
    dict(shape=(10,), dtype="S5"),
    dict(shape=(10,), dtype="S5", fillvalue=b"ab"),
    dict(shape=(10,), dtype="S3", fillvalue="abcd"),
    dict(shape=(10,), dtype="S3", fillvalue=b"abcdef"),
    dict(shape=(10,), dtype="?"),
    dict(shape=(10,), dtype=[("a", "<i4"), ("b", "<f8")]),
    dict(shape=(10,), dtype="i4", track_times=True, track_order=True),
    dict(shape=(10,), dtype="i4", track_times=1, track_order=False),
    dict(shape=(10,), dtype="i4", fill_time="alloc"),
    dict(shape=(10,), dtype="i4", rdcc_nbytes=1000, rdcc_w0=0.5, rdcc_nslots=7),
    dict(shape=(10,), dtype="i4", efile_prefix="/tmp", virtual_prefix="/tmp"),
    dict(shape=(10,), dtype="i4", allow_unknown_filter=True, dapl=None, dcpl=None,
         external=None),
]


@pytest.mark.parametrize("kwds", ACCEPTED, ids=lambda kw: repr(kw)[:70])
def test_properties_equal_h5py(h5file: Any, kwds: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = h5py_props(h5file, **dict(kwds))
    assert_same_properties(our_props(**dict(kwds)), theirs)


# ----------------------------------------------- refused by both: same exception class

REFUSED: list[dict[str, Any]] = [
    dict(shape=(10,), dtype="i4", chunks=False),
    dict(shape=(10,), dtype="i4", chunks=False, compression="gzip"),
    dict(shape=(10,), dtype="i4", chunks=False, maxshape=(20,)),
    dict(shape=(10,), dtype="i4", chunks=False, shuffle=True),
    dict(shape=(10,), dtype="i4", chunks=False, scaleoffset=0),
    dict(shape=(10,), dtype="i4", chunks=False, compression=0),
    dict(shape=(10,), dtype="i4", chunks=(0,)),
    dict(shape=(10, 5), dtype="i4", chunks=(5, 0)),
    dict(shape=(10,), dtype="i4", chunks=(11,)),
    dict(shape=(10, 5), dtype="i4", chunks=(11, 0)),
    dict(shape=(10, 5), dtype="i4", chunks=(5, 6), maxshape=(None, 5)),
    dict(shape=(10, 5), dtype="i4", chunks=(20, 5), maxshape=(None, 4)),
    dict(shape=(0, 5), dtype="i4", chunks=(1, 5)),
    dict(shape=(10,), dtype="i4", chunks=(5, 5)),
    dict(shape=(10, 5), dtype="i4", chunks=(5,)),
    dict(shape=(10,), dtype="i4", chunks=[5]),
    dict(shape=(10,), dtype="i4", chunks="a"),
    dict(shape=(10,), dtype="i4", chunks=5.0),
    dict(shape=(10,), dtype="i4", chunks=-1),
    dict(shape=(10,), dtype="i4", chunks=(-1,)),
    dict(shape=(10,), dtype="i4", chunks=(None,)),
    dict(shape=(10,), dtype="i4", maxshape=(5,)),
    dict(shape=(10,), dtype="i4", maxshape=5),
    dict(shape=(10,), dtype="i4", maxshape=True),
    dict(shape=(10, 3), dtype="i4", maxshape=(None, 2)),
    dict(shape=(10,), dtype="i4", maxshape=(5, 10)),
    dict(shape=(10, 5), dtype="i4", maxshape=(None,)),
    dict(shape=(10,), dtype="i4", maxshape="a"),
    dict(shape=(10,), dtype="i4", maxshape=10.0),
    dict(shape=(10,), dtype="i4", maxshape=(-1,)),
    dict(shape=(10,), dtype="i4", maxshape=(2**64,)),
    dict(shape=(-1,), dtype="i4"),
    dict(data=np.arange(10), shape=(3, 5)),
    dict(shape=(), dtype="i4", chunks=True),
    dict(shape=(), dtype="i4", compression="gzip"),
    dict(shape=(), dtype="i4", compression=0),
    dict(shape=(), dtype="i4", shuffle=True),
    dict(shape=(), dtype="i4", scaleoffset=0),
    dict(shape=(), dtype="i4", maxshape=(None,)),
    dict(shape=(10,), dtype="i4", compression=1, compression_opts=3),
    dict(shape=(10,), dtype="i4", compression=True, compression_opts=10),
    dict(shape=(10,), dtype="i4", compression=10),
    dict(shape=(10,), dtype="i4", compression=40000),
    dict(shape=(10,), dtype="i4", compression=3.5),
    dict(shape=(10,), dtype="i4", compression="zzz"),
    dict(shape=(10,), dtype="i4", compression="GZIP"),
    dict(shape=(10,), dtype="i4", compression="none"),
    dict(shape=(10,), dtype="i4", compression=""),
    dict(shape=(10,), dtype="i4", compression="gzip", compression_opts=10),
    dict(shape=(10,), dtype="i4", compression="gzip", compression_opts=-1),
    dict(shape=(10,), dtype="i4", compression="gzip", compression_opts=(3,)),
    dict(shape=(10,), dtype="i4", compression="gzip", compression_opts="3"),
    dict(shape=(10,), dtype="i4", compression_opts=3),
    dict(shape=(10,), dtype="i4", compression="lzf", compression_opts=3),
    dict(shape=(10,), dtype="i4", compression="szip", compression_opts=("xx", 8)),
    dict(shape=(10,), dtype="i4", compression="szip", compression_opts=("nn", 7)),
    dict(shape=(10,), dtype="i4", compression="szip", compression_opts=5),
    dict(shape=(10,), dtype="i4", scaleoffset=-1),
    dict(shape=(10,), dtype="f4", scaleoffset=-0.5),
    dict(shape=(10,), dtype="f4", scaleoffset=True),
    dict(shape=(10,), dtype="f2", scaleoffset=2),
    dict(shape=(10,), dtype="c8", scaleoffset=2),
    dict(shape=(10,), dtype="S3", scaleoffset=2),
    dict(shape=(10,), dtype="?", scaleoffset=2),
    dict(shape=(10,), dtype=[("a", "<i4")], scaleoffset=0),
    dict(shape=(10,), dtype="i4", scaleoffset=2, fletcher32=True),
    dict(shape=(10,), dtype="f8", scaleoffset=0, fletcher32=True),
    dict(shape=(10,), dtype="i4", fillvalue="a"),
    dict(shape=(10,), dtype="f8", fillvalue="nan"),
    dict(shape=(10,), dtype="i4", fillvalue=b"5"),
    dict(shape=(10,), dtype="i8", fillvalue=2**70),
    dict(shape=(10,), dtype="f4", fillvalue=2**70),
    dict(shape=(10,), dtype="i4", fillvalue=1 + 2j),
    dict(shape=(10,), dtype="?", fillvalue=0.5),
    dict(shape=(10,), dtype="i4", track_times="x"),
    dict(shape=(10,), dtype="i4", track_order="x"),
    dict(shape=(10,), dtype="i4", fill_time="bad"),
]


@pytest.mark.parametrize("kwds", REFUSED, ids=lambda kw: repr(kw)[:70])
def test_refused_as_h5py_refuses(h5file: Any, kwds: dict[str, Any]) -> None:
    with pytest.raises(Exception) as theirs:
        h5py_dataset(h5file, **dict(kwds))
    with pytest.raises(Exception) as ours:
        make(**dict(kwds))
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)
    assert len(str(ours.value)) > 15  # says what was wrong


def test_unknown_keyword_is_a_type_error(h5file: Any) -> None:
    with pytest.raises(TypeError):
        h5py_dataset(h5file, shape=(10,), dtype="i4", bogus=True)
    with pytest.raises(TypeError, match=r"create_dataset\(\) got an unexpected keyword "
                                        r"argument 'bogus'"):
        creation_arguments((10,), "i4", bogus=True)
    with pytest.raises(TypeError, match="alloc_time"):  # not a keyword of h5py 3.16 either
        creation_arguments((10,), "i4", alloc_time="early")


# ----------------------------------------------------- documented differences, shown


def test_lzf_and_szip_are_refused_with_alternatives(h5file: Any) -> None:
    for compression in ("lzf", "szip", 32000):
        h5py_dataset(h5file, shape=(10,), dtype="i4", compression=compression)  # h5py writes
        with pytest.raises(ValueError, match="lz4|blosc") as err:
            creation_arguments((10,), "i4", compression=compression)
        assert "lzf" in str(err.value) or "szip" in str(err.value)


@pytest.mark.parametrize("name, value", [
    ("external", "raw.bin"), ("external", [("raw.bin", 0, 40)]),
    ("dcpl", h5py.h5p.create(h5py.h5p.DATASET_CREATE)),
])
def test_external_storage_and_dcpl_are_refused(name: str, value: Any) -> None:
    with pytest.raises(TypeError, match=name):
        creation_arguments((10,), "i2", **{name: value})
    assert creation_arguments((10,), "i2", **{name: None})["ignored"] == []


def test_hdf5_only_keywords_are_listed_as_ignored() -> None:
    given = {name: value for name, value in zip(HDF5_ONLY, (
        True, True, object(), "/tmp", "/tmp", True, 2**20, 0.5, 521, "never"))}
    args = creation_arguments((10,), "i2", **given)
    assert args["ignored"] == list(HDF5_ONLY)
    plain = creation_arguments((10,), "i2")
    assert {k: args[k] for k in ("chunks", "compressor", "filters", "h5py")} == \
        {k: plain[k] for k in ("chunks", "compressor", "filters", "h5py")}


def test_nan_fill_for_integers_is_refused(h5file: Any) -> None:
    # HDF5 stores whatever the CPU's float-to-int conversion gives (INT_MIN on x86)
    assert h5py_dataset(h5file, shape=(2,), dtype="i4", fillvalue=np.nan).fillvalue == -2**31
    with pytest.raises(ValueError, match="nan"):
        creation_arguments((2,), "i4", fillvalue=np.nan)


def test_fill_differences(h5file: Any) -> None:
    # HDF5 has no real -> complex conversion; numpy does, and so does zarrlite
    with pytest.raises(ValueError):
        h5py_dataset(h5file, shape=(2,), dtype="c8", fillvalue=3)
    assert creation_arguments((2,), "c8", fillvalue=3)["fill_value"] == np.complex64(3)
    # h5py reads the first item of an array; zarrlite wants one value
    assert h5py_dataset(h5file, shape=(2,), dtype="i4", fillvalue=[1, 2]).fillvalue == 1
    with pytest.raises(ValueError, match="one number"):
        creation_arguments((2,), "i4", fillvalue=[1, 2])
    # h5py fails with an AttributeError (it calls .encode on the int); zarrlite a TypeError
    with pytest.raises(AttributeError):
        h5py_dataset(h5file, shape=(2,), dtype="S3", fillvalue=5)
    with pytest.raises(TypeError, match="bytes or str"):
        creation_arguments((2,), "S3", fillvalue=5)
    # structured fill values: HDF5 cannot convert a tuple; numpy (and zarrlite) can
    z, _, _ = make(shape=(2,), dtype=[("a", "<i4"), ("b", "<f8")], fillvalue=(1, 2.5))
    assert z[0].tolist() == (1, 2.5)


def test_numpy_integers_are_taken_where_h5py_wants_python_ints(h5file: Any) -> None:
    for kwds in (dict(chunks=np.int64(5)), dict(maxshape=np.int64(12))):
        with pytest.raises(TypeError):
            h5py_dataset(h5file, shape=(10,), dtype="i4", **kwds)
    assert creation_arguments((10,), "i4", chunks=np.int64(5))["chunks"] == (5,)
    assert creation_arguments((10,), "i4", maxshape=np.int64(12))["h5py"] == {
        "maxshape": [12]}


fill_values = st.one_of(st.integers(-2**65, 2**65), st.floats(width=64), st.booleans(),
                        st.complex_numbers(max_magnitude=1e300),
                        st.sampled_from([np.inf, -np.inf, 0.5, -0.5, 2**63, -2**63 - 1,
                                         1e-40, 1e-310, 65520.0, np.float32(2.5)]))


@given(st.sampled_from(["i1", "u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4",
                        "<f8", "?", "<c8", "<c16"]), fill_values)
@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fill_conversion_equals_hdf5(h5file: Any, dtype: str, value: Any) -> None:
    kind = np.dtype(dtype).kind
    assume(not (kind == "c" and not isinstance(value, complex)))  # the differences above
    assume(not (kind in "iu" and isinstance(value, float) and math.isnan(value)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = h5py_dataset(h5file, shape=(1,), dtype=dtype, fillvalue=value).fillvalue
    except Exception as theirs:
        with pytest.raises(type(theirs)):
            creation_arguments((1,), dtype, fillvalue=value)
        return
    got = creation_arguments((1,), dtype, fillvalue=value)["fill_value"]
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    assert np.array_equal(np.asarray(got), np.asarray(expected), equal_nan=True), (got, expected)


# ---------------------------------------------------------------------- scaleoffset


@pytest.mark.parametrize("dtype, scale, digits", [
    ("f4", 10.0, 0), ("f4", 10.0, 1), ("f4", 10.0, 2), ("f4", 10.0, 3), ("f4", 10.0, 4),
    ("f8", 100.0, 0), ("f8", 100.0, 1), ("f8", 100.0, 3), ("f8", 100.0, 6), ("f8", 1e5, 8),
])
def test_float_scaleoffset_agrees_with_hdf5(tmp_path: Any, dtype: str, scale: float,
                                            digits: int) -> None:
    """zarrlite's quantize filter keeps every value within 0.5 * 10**-n, as h5py documents;
    HDF5's D-scaling does too except that it snaps values within 10**-n of the fill value
    to it and computes in the dataset's float type. So both agree within 10**-n (plus
    HDF5's float rounding, 4 * eps * max|x|), or 1.5 * 10**-n next to the fill value."""
    rng = np.random.default_rng(digits)
    x = (rng.standard_normal(20000) * scale).astype(dtype)
    x[:200] = rng.uniform(-2.0, 2.0, 200) * 10.0**-digits  # next to the fill value, 0
    with h5py.File(tmp_path / "so.h5", "w") as f:
        f.create_dataset("x", data=x, chunks=(1000,), scaleoffset=digits)
    with h5py.File(tmp_path / "so.h5", "r") as f:  # reopened: HDF5's chunk cache is unfiltered
        theirs = f["x"][...].astype("f8")
    z, book, _ = make(data=x, chunks=(1000,), scaleoffset=digits)
    assert book == {"maxshape": [20000], "scaleoffset": digits}
    assert z.filters[0].codec_id == "quantize"
    ours = z[...].astype("f8")
    codec = get_codec(z.meta.filters[0])
    assert np.array_equal(ours, np.asarray(codec.decode(codec.encode(x))).astype("f8"))
    x8, step = x.astype("f8"), 10.0**-digits
    assert np.abs(ours - x8).max() <= 0.5 * step  # exact arithmetic: powers of two
    slack = 4 * np.finfo(dtype).eps * np.abs(x8).max()
    near = np.abs(x8) < step
    assert np.abs(ours - theirs)[~near].max() <= step + slack
    assert np.abs(ours - theirs)[near].max() <= 1.5 * step + slack
    assert np.abs(theirs - x8)[near].max() > 0.5 * step  # HDF5's snapping, as said


def test_float_scaleoffset_beyond_the_precision_stores_values_exactly() -> None:
    for dtype, digits in (("f4", 7), ("f8", 16), ("f8", 400)):
        args = creation_arguments((100,), dtype, scaleoffset=digits)
        assert args["filters"] is None
        assert args["h5py"] == {"maxshape": [100], "scaleoffset": digits}
        assert args["chunks"] == (100,)  # chunked, as h5py makes it


def test_integer_scaleoffset_is_lossless(tmp_path: Any) -> None:
    x = np.array([0, 5, 1000, 70000, -3] * 200, dtype="i4")
    with h5py.File(tmp_path / "so.h5", "w") as f:
        f.create_dataset("auto", data=x, chunks=(500,), scaleoffset=0)
        f.create_dataset("bits", data=x, chunks=(500,), scaleoffset=4)
    with h5py.File(tmp_path / "so.h5", "r") as f:
        assert np.array_equal(f["auto"][...], x)
        assert not np.array_equal(f["bits"][...], x)  # HDF5 keeps 4 bits of x - min
    for bits in (0, 4):
        z, book, _ = make(data=x, chunks=(500,), scaleoffset=bits)
        assert book == {"maxshape": [1000], "scaleoffset": bits} and z.meta.filters is None
        assert np.array_equal(z[...], x)


# ------------------------------------------------ every config works, data round-trips

CODEC_CASES: list[dict[str, Any]] = [
    dict(compression="gzip"), dict(compression="gzip", shuffle=True, fletcher32=True),
    dict(compression=9), dict(shuffle=True), dict(fletcher32=True),
    dict(compression="blosc"), dict(compression="blosc", shuffle=True),
    dict(compression="blosc", compression_opts=7),
    dict(compression="blosc", compression_opts={"cname": "zstd", "clevel": 3, "shuffle": 2}),
    dict(compression="blosc", compression_opts=("zlib", 4), shuffle=True),
    dict(compression="blosc", compression_opts={"shuffle": 0}, shuffle=True),
    dict(compression="zstd"), dict(compression="zstd", compression_opts=-3),
    dict(compression="zstd", compression_opts={"level": 19, "checksum": True}),
    dict(compression="lz4"), dict(compression="lz4", compression_opts=10),
    dict(compression="zlib", compression_opts=2), dict(compression="bz2", compression_opts=1),
    dict(compression="lzma", compression_opts=1), dict(compression={"id": "zstd", "level": 5}),
    dict(compression=zarrlite.codecs.Zstd(level=2), shuffle=True),
    *([dict(compression=numcodecs.Zlib(3)), dict(compression=numcodecs.Blosc("zstd", 3, 2))]
      if numcodecs else []),
    dict(compression=32001), dict(compression=32001, compression_opts=(0, 0, 0, 0, 3, 2, 5)),
    dict(compression=32015, compression_opts=(4,)), dict(compression=32004),
    dict(compression=307, compression_opts=(5,)), dict(compression=32026),
    dict(compression=32008, compression_opts=(0, 2)),
    dict(compression=32008, compression_opts=(0, 3, 5)),
    dict(compression=h5py.filters.Gzip(2)),
    dict(compressor={"id": "lz4", "acceleration": 1}, shuffle=True),
    dict(compressor="default", shuffle=True),
    dict(filters=[{"id": "delta", "dtype": "<i8"}], compression="gzip", fletcher32=True),
]


@pytest.mark.parametrize("kwds", CODEC_CASES, ids=[f"case{i}" for i in range(len(CODEC_CASES))])
def test_configs_build_codecs_and_data_round_trips(kwds: dict[str, Any]) -> None:
    args, book, _ = split(creation_arguments((300, 7), "i8", **kwds))
    assert book == {"maxshape": [300, 7]}  # chunked: the maximum shape is kept
    for config in [args["compressor"], *(args["filters"] or ())]:
        if isinstance(config, dict):
            codec = get_codec(config)
            assert codec.get_config()["id"] == config["id"]
    z = zarrlite.create(dtype="i8", **args)
    data = np.random.default_rng(0).integers(-1000, 1000, (300, 7))
    z[...] = data
    assert np.array_equal(z[...], data)
    assert np.array_equal(zarrlite.open_array(z.store, mode="r")[...], data)


def test_blosc_shuffle_follows_the_shuffle_keyword() -> None:
    args = creation_arguments((100,), "i4", compression="blosc")
    assert args["compressor"]["shuffle"] == 0 and args["filters"] is None
    args = creation_arguments((100,), "i4", compression="blosc", shuffle=True)
    assert args["compressor"]["shuffle"] == 1 and args["filters"] is None
    args = creation_arguments((100,), "i4", compression="blosc",
                              compression_opts={"shuffle": 2}, shuffle=True)
    assert args["compressor"]["shuffle"] == 2
    assert args["filters"] == [{"id": "shuffle", "elementsize": 4}]  # as HDF5 would chain
    args = creation_arguments((100,), "f8", compression="gzip", shuffle=True, fletcher32=True,
                              scaleoffset=None)
    assert [f["id"] for f in args["filters"]] == ["shuffle", "fletcher32"]


def test_object_dtypes_get_no_shuffle_filter() -> None:
    args = creation_arguments((10,), h5py.string_dtype(), shuffle=True, fletcher32=True)
    assert args["filters"] == [{"id": "fletcher32"}]
    assert args["fill_value"] == ""
    assert creation_arguments((10,), h5py.string_dtype(), fillvalue=b"x")["fill_value"] == "x"
    ascii_strings = h5py.string_dtype("ascii")
    assert creation_arguments((10,), ascii_strings)["fill_value"] == b""
    assert creation_arguments((10,), ascii_strings, fillvalue="x")["fill_value"] == b"x"
    utf8 = h5py.string_dtype("utf-8", 4)
    assert creation_arguments((10,), utf8, fillvalue="é€")["fill_value"] == "é€".encode()[:4]


@pytest.mark.parametrize("kwds, message", [
    (dict(compression="blosc", compression_opts={"cname": "snappy"}), "cname"),
    (dict(compression="blosc", compression_opts=12), "clevel"),
    (dict(compression="zlib", compression_opts=12), "zlib"),
    (dict(compression="bz2", compression_opts=0), "bz2"),
    (dict(compression=32001, compression_opts=(0, 0, 0, 0, 5, 1, 3)), "snappy"),
    (dict(compression=32001, compression_opts=3), "tuple"),
    (dict(compression=32008, compression_opts=(0, 0)), "bitshuffle"),
    (dict(compression=32013), "zfp"),
    (dict(compression={"id": "zstd"}, compression_opts=3), "parameters"),
    (dict(compression="zstd", compressor={"id": "zstd"}), "not both"),
    (dict(fillvalue=1, fill_value=2), "not both"),
])
def test_bad_codec_settings_fail_at_creation(kwds: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        creation_arguments((10,), "i4", **kwds)


def test_bad_codec_parameters_are_type_errors() -> None:
    with pytest.raises(TypeError, match="levle"):
        creation_arguments((10,), "i4", compression="zstd", compression_opts={"levle": 3})
    with pytest.raises(TypeError, match="compression_opts"):
        creation_arguments((10,), "i4", compression="zstd", compression_opts="fast")


def test_zarr_keywords_pass_through() -> None:
    codec = zarrlite.codecs.Zstd(level=1)
    args = creation_arguments((10, 10), "i4", compressor=codec, order="F",
                              dimension_separator="/", write_empty_chunks=True,
                              fill_value=None, filters=[{"id": "delta", "dtype": "<i4"}])
    assert args["compressor"] is codec and args["fill_value"] is None
    assert args["filters"] == [{"id": "delta", "dtype": "<i4"}]
    assert (args["order"], args["dimension_separator"], args["write_empty_chunks"]) == (
        "F", "/", True)
    assert args["h5py"] == {"maxshape": [10, 10]} and args["chunks"] == (10, 10)  # chunked
    z = zarrlite.create(dtype="i4", **split(args)[0])
    assert z.order == "F" and z.fill_value is None


# ---------------------------------------- HDF5 chunks decode with the mapped codecs


def direct_chunk(h5file: Any, data: np.ndarray, **kwds: Any) -> bytes:
    ds = h5py_dataset(h5file, data=data, chunks=data.shape, **kwds)
    h5file.flush()
    return bytes(ds.id.read_direct_chunk((0,) * data.ndim)[1])


def test_hdf5_chunks_equal_or_decode_with_the_mapped_codecs(h5file: Any) -> None:
    data = np.arange(1000, dtype="<i4") * 7
    raw = data.tobytes()
    shuffle = get_codec({"id": "shuffle", "elementsize": 4})
    fletcher = get_codec({"id": "fletcher32"})

    def pipeline(**kwds: Any) -> list[Any]:
        args = creation_arguments(data.shape, data.dtype, **kwds)
        return [get_codec(c) for c in (args["filters"] or [])] + (
            [get_codec(args["compressor"])] if args["compressor"] else [])

    def encode(codecs: list[Any]) -> bytes:
        buf: Any = data
        for codec in codecs:
            buf = codec.encode(buf)
        return buf if isinstance(buf, bytes) else np.ascontiguousarray(buf).tobytes()

    # no compressor: the same bytes as HDF5's chunk
    assert direct_chunk(h5file, data, shuffle=True) == encode(pipeline(shuffle=True))
    assert direct_chunk(h5file, data, fletcher32=True) == encode(pipeline(fletcher32=True))
    both = dict(shuffle=True, fletcher32=True)
    assert direct_chunk(h5file, data, **both) == encode(pipeline(**both))
    # a compressor: HDF5's chunk decodes with the codec zarrlite stores
    zlib = pipeline(compression="gzip", compression_opts=6)[0]
    assert bytes(zlib.decode(direct_chunk(h5file, data, compression="gzip",
                                          compression_opts=6))) == raw
    unshuffled = shuffle.decode(zlib.decode(direct_chunk(
        h5file, data, compression="gzip", shuffle=True)))
    assert bytes(unshuffled) == raw
    # HDF5 checksums the compressed chunk, Zarr (filters before the compressor) the raw one
    chunk = direct_chunk(h5file, data, compression="gzip", fletcher32=True)
    assert bytes(zlib.decode(fletcher.decode(chunk))) == raw


def test_hdf5plugin_chunks_decode_with_the_mapped_codecs(h5file: Any) -> None:
    hdf5plugin = pytest.importorskip("hdf5plugin")
    data = np.arange(5000, dtype="<f8") / 3
    for plugin in (hdf5plugin.Blosc(cname="zstd", clevel=4, shuffle=hdf5plugin.Blosc.SHUFFLE),
                   hdf5plugin.Blosc(cname="lz4", clevel=9, shuffle=hdf5plugin.Blosc.BITSHUFFLE),
                   hdf5plugin.Zstd(clevel=7), hdf5plugin.BZip2(blocksize=3)):
        config = creation_arguments(data.shape, data.dtype, compression=plugin)["compressor"]
        chunk = direct_chunk(h5file, data, compression=plugin)
        assert bytes(get_codec(config).decode(chunk)) == data.tobytes()


@pytest.mark.parametrize("make_plugin, expected", [
    (lambda p: p.Blosc(), {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1,
                           "blocksize": 0}),
    (lambda p: p.Blosc(cname="zstd", clevel=2, shuffle=p.Blosc.BITSHUFFLE),
     {"id": "blosc", "cname": "zstd", "clevel": 2, "shuffle": 2, "blocksize": 0}),
    (lambda p: p.Blosc2(cname="lz4hc", clevel=3, filters=p.Blosc2.NOFILTER),
     {"id": "blosc", "cname": "lz4hc", "clevel": 3, "shuffle": 0, "blocksize": 0}),
    (lambda p: p.Zstd(clevel=9), {"id": "zstd", "level": 9, "checksum": False}),
    (lambda p: p.LZ4(nbytes=1024), {"id": "lz4", "acceleration": 1}),
    (lambda p: p.BZip2(blocksize=4), {"id": "bz2", "level": 4}),
    (lambda p: p.Bitshuffle(cname="zstd", clevel=6),
     {"id": "blosc", "cname": "zstd", "clevel": 6, "shuffle": 2, "blocksize": 0}),
])
def test_hdf5plugin_filters_map_to_codecs(make_plugin: Any, expected: dict[str, Any]) -> None:
    hdf5plugin = pytest.importorskip("hdf5plugin")
    plugin = make_plugin(hdf5plugin)
    assert creation_arguments((100,), "f4", compression=plugin)["compressor"] == expected
    # as h5py: **plugin spreads into compression= and compression_opts=
    assert creation_arguments((100,), "f4", **plugin)["compressor"] == expected


def test_hdf5plugin_datasets_report_the_codec(h5file: Any) -> None:
    hdf5plugin = pytest.importorskip("hdf5plugin")
    theirs = h5py_props(h5file, shape=(100,), dtype="f4", compression=hdf5plugin.Zstd(3))
    ours = our_props(shape=(100,), dtype="f4", compression=hdf5plugin.Zstd(3))
    assert (theirs["compression"], theirs["compression_opts"]) == ("unknown", None)
    assert (ours["compression"], ours["compression_opts"]) == ("zstd", {"level": 3})
    assert_same_properties(ours, theirs, ("chunks", "maxshape", "shuffle", "fletcher32"))
    # Blosc's own byte shuffle counts as shuffle in zarrlite (h5py sees one opaque filter)
    assert h5py_props(h5file, shape=(100,), dtype="f4",
                      compression=hdf5plugin.Blosc())["shuffle"] is False
    assert our_props(shape=(100,), dtype="f4", compression=hdf5plugin.Blosc())["shuffle"]


# --------------------------------------------------------------------------- back


@pytest.mark.parametrize("kwds", [
    dict(compression="gzip", compression_opts=7, shuffle=True, fletcher32=True),
    dict(compression="blosc", compression_opts={"cname": "zstd", "shuffle": 2}, shuffle=True),
    dict(compression="blosc", shuffle=True), dict(compression="zstd", compression_opts=5),
    dict(compression="lzma"), dict(scaleoffset=2, maxshape=(None, 7), chunks=(10, 7)),
    dict(maxshape=(300, None), fillvalue=-1.5), dict(),
], ids=repr)
def test_reported_properties_recreate_the_same_storage(kwds: dict[str, Any]) -> None:
    """create_dataset_like passes the reported properties back: the same metadata."""
    z, book, _ = make(shape=(30, 7), dtype="f8", **kwds)
    props = h5py_properties(z.meta, book)
    again = {k: v for k, v in props.items() if v is not None and k != "maxshape"}
    if props["maxshape"] != z.shape:
        again["maxshape"] = props["maxshape"]
    z2, book2, _ = make(shape=(30, 7), dtype="f8", **again)
    assert z2.meta == z.meta and book2 == book


def test_properties_of_arrays_made_elsewhere() -> None:
    z = zarrlite.create((40, 40), chunks=(10, 10), dtype="u2", fill_value=None,
                        compressor={"id": "blosc", "cname": "lz4", "clevel": 5,
                                    "shuffle": -1, "blocksize": 0},
                        filters=[{"id": "delta", "dtype": "<u2"}])
    props = h5py_properties(z.meta.to_dict(), None)  # a .zarray document, no bookkeeping
    assert props == {"chunks": (10, 10), "maxshape": (40, 40), "compression": "blosc",
                     "compression_opts": {"cname": "lz4", "clevel": 5, "shuffle": -1,
                                          "blocksize": 0},
                     "shuffle": True, "fletcher32": False, "scaleoffset": None,
                     "fillvalue": np.uint16(0)}
    z = zarrlite.create(5, compressor={"id": "gzip", "level": 3})
    assert h5py_properties(z.meta)["compression"] == "gzip"
    assert h5py_properties(z.meta)["compression_opts"] == 3


def test_empty_datasets() -> None:
    args = creation_arguments(None, "i4")
    assert (args["shape"], args["chunks"], args["h5py"]) == ((), (), {"contiguous": True,
                                                                     "empty": True})
    props = h5py_properties(zarrlite.create(dtype="i4", **split(args)[0]).meta, args["h5py"])
    assert props["chunks"] is None and props["maxshape"] is None
    with pytest.raises(TypeError, match="Empty datasets don't support"):
        creation_arguments(None, "i4", chunks=True)


def test_maxshape_of_a_chunked_dataset_outlives_a_shrinking_resize(h5file: Any) -> None:
    ds = h5py_dataset(h5file, shape=(30, 7), dtype="f4", chunks=(10, 7))
    ds.resize((5, 7))
    z, book, _ = make(shape=(30, 7), dtype="f4", chunks=(10, 7))
    z.resize((5, 7))
    assert h5py_properties(z.meta, book)["maxshape"] == ds.maxshape == (30, 7)
