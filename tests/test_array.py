"""Tests for zarrlite.Array: numpy is the oracle for every selection read and written.

Sections: basic indexing (get and set, hand-picked and hypothesis-generated); resize and
append; attributes, info and sizes; read-only arrays and open modes; threads. Round trips:
test_array_roundtrip.py; fill values, chunk access and corrupt data: test_array_chunks.py.
"""


import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from helpers import STRUCT, assert_same, codec_id, sample, stored_chunk_keys
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import zarrlite as zl
from zarrlite.codecs import JSON, Delta, Zlib, Zstd

# ================================================================ basic indexing


#: (shape, chunks): 0-d to 4-d, chunks that do not divide the shape, empty dimensions.
GEOMETRIES = [
    ((), ()),
    ((0,), (3,)),
    ((1,), (1,)),
    ((7,), (3,)),
    ((10, 7), (3, 4)),
    ((6, 6), (6, 6)),
    ((5, 0, 3), (2, 2, 2)),
    ((4, 5, 6), (3, 2, 4)),
    ((3, 4, 5, 6), (2, 3, 2, 5)),
]


def selections(shape: tuple[int, ...]) -> Iterator[Any]:
    """Hand-picked basic selections for an array of `shape`."""
    yield Ellipsis
    yield ()
    yield (np.newaxis,)
    yield (Ellipsis, np.newaxis)
    if not shape:
        yield (np.newaxis, Ellipsis, np.newaxis)
        return
    n = shape[0]
    yield slice(None)
    yield slice(None, None, -1)
    yield slice(1, None, 2)
    yield slice(None, None, -3)
    yield slice(n - 1, 0, -2)
    yield slice(n, n)  # empty
    yield slice(-2, None)
    yield slice(100, -100, -1)
    yield slice(-100, 100, 4)
    if n:
        yield 0
        yield -1
        yield np.int64(n // 2)
        yield (n - 1, Ellipsis)
    if len(shape) >= 2:
        m = shape[1]
        yield (Ellipsis, slice(None, None, -2))
        yield (slice(1, None, 3), slice(m, None, -1))
        yield (np.newaxis, slice(None), np.newaxis, slice(1, -1))
        yield (slice(None), slice(2, 2))
        if n and m:
            yield (-1, -1)
            yield (0, Ellipsis, -1)
            yield (slice(None, None, -1), m // 2)
            yield (np.newaxis, n // 2, np.newaxis, slice(None, None, -1))
    if len(shape) >= 3 and all(shape):
        yield tuple(-1 for _ in shape)
        yield tuple(s - 1 for s in shape) + (Ellipsis,)
        yield (slice(None, None, -1), Ellipsis, slice(None, None, 2))
        yield (0, slice(None, None, -2), np.newaxis, 1)


def geometry_ids(geometry: tuple) -> str:
    return "x".join(map(str, geometry[0])) or "0d"


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=geometry_ids)
@pytest.mark.parametrize("order", ["C", "F"])
def test_get_basic_selection_matches_numpy(store, geometry, order):
    shape, chunks = geometry
    a = sample("i4", shape)
    z = zl.array(a, chunks=chunks, order=order, store=store)
    for sel in selections(shape):
        expected = a[sel]
        assert_same(z[sel], expected)
        assert_same(z.get_basic_selection(sel), expected)


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=geometry_ids)
@pytest.mark.parametrize("order", ["C", "F"])
def test_set_basic_selection_matches_numpy(store, geometry, order):
    shape, chunks = geometry
    a = np.zeros(shape, dtype="f8")
    z = zl.zeros(shape, chunks=chunks, order=order, store=store, dtype="f8")
    for i, sel in enumerate(selections(shape)):
        value = sample("f8", a[sel].shape, seed=i)
        z[sel] = value
        a[sel] = value
        assert_same(z[...], a)
        z[sel] = i  # a scalar broadcasts
        a[sel] = i
        assert_same(z[...], a)
    reopened = zl.open_array(store, mode="r")
    assert_same(reopened[...], a)


def test_set_broadcasts_like_numpy():
    a = np.zeros((6, 5, 4), "i2")
    z = zl.zeros(a.shape, chunks=(4, 2, 3), dtype="i2")
    for sel, value in [
        (Ellipsis, np.arange(4)),  # a row broadcasts over the leading dimensions
        ((slice(None), 1), np.arange(6)[:, None]),  # a column
        ((slice(1, 5), slice(None, None, -1), 2), [[1], [2], [3], [4]]),  # nested lists
        ((0,), 7.9),  # float truncated into an int array, as numpy does
        ((np.newaxis, 2), np.ones((1, 1, 4))),
    ]:
        z[sel] = value
        a[sel] = value
        assert_same(z[...], a)


@pytest.mark.parametrize(
    "dtype, sel, value",
    [
        (STRUCT, 0, (1, 2.5)),  # a tuple is one record
        (STRUCT, slice(1, 3), [(3, 4.5), (5, 6.5)]),
        ("i4", 0, np.nan),  # numpy refuses: ValueError
        ("i1", 0, 300),  # OverflowError
        ("u1", slice(None), -1),
        ("f8", 0, 1 + 2j),  # TypeError
        ("f8", 0, "1.5"),  # strings are parsed
        ("i2", slice(None), [1.9, -2.9, 3.0, 4.5]),  # truncated
        ("U3", 1, "abcdef"),  # truncated
        ("M8[D]", 2, "2020-01-02"),
        ("bool", slice(None), [0, 2, -1, 0]),
        (object, slice(0, 2), ("x", "y")),  # a sequence is spread over the selection
        (object, 0, ["whole", "list"]),  # ... but stored whole in a single item
        (object, slice(0, 2), [[1, 2], [3, 4]]),
    ],
)
def test_set_converts_values_like_numpy(dtype, sel, value):
    a = np.zeros(4, dtype=dtype)
    if a.dtype.hasobject:
        a[...] = None
        z = zl.full(4, None, chunks=3, dtype=object, object_codec=JSON())
    else:
        z = zl.zeros(4, chunks=3, dtype=a.dtype)
    try:
        a[sel] = value
    except Exception as exc:  # numpy refuses: so must zarrlite, with the same error type
        with pytest.raises(type(exc)):
            z[sel] = value
        assert z.nchunks_initialized == 0
        return
    z[sel] = value
    assert_same(z[...], a)


def test_set_with_wrong_shape_raises_and_writes_nothing():
    z = zl.zeros((6, 4), chunks=(2, 2), dtype="i4")
    with pytest.raises(ValueError, match=r"broadcast.*\(2, 4\).*\(3, 4\)"):
        z[0:3] = np.ones((2, 4))
    assert z.nchunks_initialized == 0


def test_zero_dimensional_array():
    z = zl.zeros((), dtype="f8")
    assert (z.shape, z.chunks, z.nchunks, z.cdata_shape) == ((), (), 1, (1,))  # as zarr 2
    z[...] = 5
    assert_same(z[()], np.float64(5))
    assert_same(z[...], np.array(5.0))
    z[()] = 6
    assert_same(z[np.newaxis], np.array([6.0]))
    assert z.nchunks_initialized == 1
    assert_same(np.asarray(z), np.array(6.0))
    with pytest.raises(TypeError):
        len(z)
    with pytest.raises(TypeError):
        iter(z).__next__()
    with pytest.raises(IndexError, match="too many indices"):
        z[0]


@pytest.mark.parametrize(
    "sel, error",
    [
        (10, IndexError),
        (-11, IndexError),
        ((0, 7), IndexError),
        ((0, 0, 0), IndexError),
        ((Ellipsis, Ellipsis), IndexError),
        (1.5, IndexError),
        ("a", IndexError),
        (slice(None, None, 0), ValueError),
        ([0, 10], IndexError),  # an integer array out of bounds
        (np.array([True] * 9), IndexError),  # a boolean array of the wrong length
        (([0, 1], [1, 2, 3]), IndexError),  # two arrays that do not broadcast together
    ],
)
def test_bad_selections_raise_before_io(counting, sel, error):
    z = zl.zeros((10, 7), chunks=(3, 4), dtype="i4", store=counting)
    counting.reset()
    with pytest.raises(error):
        z[sel]
    with pytest.raises(error):
        z[sel] = 1
    assert not counting.reads and not counting.writes and not counting.deletes


@st.composite
def arrays_and_selections(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...], Any, str]:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7))
    chunks = tuple(draw(st.integers(1, max(1, s + 1))) for s in shape)
    sel = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    order = draw(st.sampled_from("CF"))
    return shape, chunks, sel, order


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=arrays_and_selections(), seed=st.integers(0, 1000))
def test_hypothesis_get_and_set_match_numpy(case, seed):
    shape, chunks, sel, order = case
    a = sample("i2", shape, seed)
    z = zl.array(a, chunks=chunks, order=order, compressor=zl.Blosc(shuffle=seed % 3))
    assert_same(z[sel], a[sel])
    value = sample("i2", a[sel].shape, seed + 1)
    z[sel] = value
    a[sel] = value
    assert_same(z[...], a)


# ================================================================ resize and append


def test_resize_shrink_deletes_outside_chunks_and_grow_reads_fill(store):
    a = sample("i4", (10, 10))
    z = zl.array(a, chunks=(3, 4), store=store, fill_value=-1)
    z.resize(5, 5)
    assert z.shape == (5, 5) and z.cdata_shape == (2, 2)
    assert stored_chunk_keys(store) == {"0.0", "0.1", "1.0", "1.1"}
    assert_same(z[...], a[:5, :5])
    z.resize((7, 12))
    expected = np.full((7, 12), -1, "i4")
    expected[:5, :5] = a[:5, :5]
    assert_same(z[...], expected)
    assert_same(zl.open_array(store, mode="r")[...], expected)


@pytest.mark.parametrize("fill_value", [0, 9, None])
def test_shrink_then_grow_does_not_resurrect_old_data(fill_value):
    z = zl.full((4, 6), fill_value, chunks=(2, 3), dtype="i4")
    z[...] = 1
    z.resize((1, 1))  # cuts through chunk 0.0, which is kept
    z.resize((4, 6))
    expected = np.full((4, 6), 0 if fill_value is None else fill_value, "i4")
    expected[0, 0] = 1
    assert_same(z[...], expected)
    z.resize(3, 5)  # shrink within the same chunk grid
    z[...] = 2
    z.resize(3, 4)
    z.resize(4, 6)
    expected = np.full((4, 6), 0 if fill_value is None else fill_value, "i4")
    expected[:3, :4] = 2
    assert_same(z[...], expected)


def test_shrink_to_fill_only_chunk_deletes_it():
    z = zl.zeros((6,), chunks=(3,), dtype="i4")
    z[3:] = [0, 5, 5]
    z.resize(4)
    assert z.nchunks_initialized == 0


def test_resize_errors():
    z = zl.zeros((4, 4), chunks=2)
    with pytest.raises(ValueError, match="2 non-negative"):
        z.resize(4)
    with pytest.raises(ValueError, match="non-negative"):
        z.resize(-1, 4)
    z.resize(0, 4)
    assert z[...].shape == (0, 4) and z.nchunks == 0


def test_append(store):
    z = zl.zeros((0, 3), chunks=(2, 2), dtype="i4", store=store)
    a = np.zeros((0, 3), "i4")
    for i in range(4):
        rows = sample("i4", (i + 1, 3), seed=i)
        assert z.append(rows) == (a.shape[0] + i + 1, 3)
        a = np.concatenate([a, rows])
    cols = sample("i4", (a.shape[0], 2), seed=9)
    assert z.append(cols, axis=1) == (10, 5)
    a = np.concatenate([a, cols], axis=1)
    assert_same(z[...], a)
    assert_same(zl.open_array(store, mode="r")[...], a)
    with pytest.raises(ValueError, match="does not match"):
        z.append(np.ones((2, 2), "i4"))
    with pytest.raises(ValueError, match="dimensions"):
        z.append(np.ones(5, "i4"))
    with pytest.raises(ValueError, match="out of range"):
        z.append(np.ones((1, 5), "i4"), axis=2)
    assert z.shape == (10, 5)


# ================================================================ attributes, info, sizes


def test_attrs_round_trip_and_persist(store):
    z = zl.zeros(4, store=store, path="a")
    assert dict(z.attrs) == {}
    z.attrs["name"] = "x"
    z.attrs.update({"n": 3, "nested": {"l": [1, 2.5, None, True]}})
    del z.attrs["name"]
    assert "name" not in z.attrs and len(z.attrs) == 2
    reopened = zl.open_array(store, path="a", mode="r")
    assert reopened.attrs.asdict() == {"n": 3, "nested": {"l": [1, 2.5, None, True]}}
    assert json.loads(store["a/.zattrs"]) == reopened.attrs.asdict()
    with pytest.raises(PermissionError):
        reopened.attrs["n"] = 4
    z.attrs.put({"only": 1})
    reopened.attrs.refresh()
    assert dict(reopened.attrs) == {"only": 1}


def test_sizes_and_chunk_counts(store):
    z = zl.zeros((10, 7), chunks=(3, 4), dtype="i2", store=store, path="p/q", compressor=None)
    assert (z.nchunks, z.cdata_shape, z.nbytes, z.size, z.itemsize) == ((4 * 2), (4, 2), 140, 70, 2)
    assert z.nchunks_initialized == 0
    assert z.nbytes_stored == len(store["p/q/.zarray"])
    z[0:4, 0:5] = 1
    assert z.nchunks_initialized == 4
    assert z.nbytes_stored == len(store["p/q/.zarray"]) + 4 * 3 * 4 * 2
    z.attrs["a"] = 1
    assert z.nbytes_stored == sum(len(store[k]) for k in store if k.startswith("p/q/"))


def test_info_report(store):
    z = zl.zeros(
        (100, 100), chunks=(10, 10), dtype="i4", store=store, path="g/arr", compressor=Zlib(level=1)
    )
    z[0:20, 0:10] = 7
    info = z.info
    text = repr(info)
    stored = z.nbytes_stored
    expected = {
        "Name": "/g/arr",
        "Type": "zarrlite.Array",
        "Data type": "int32",
        "Shape": "(100, 100)",
        "Chunk shape": "(10, 10)",
        "Order": "C",
        "Read-only": "False",
        "Compressor": "Zlib(level=1)",
        "Store type": f"{type(store).__module__}.{type(store).__qualname__}",
        "No. bytes": "40000 (39.1K)",
        "No. bytes stored": f"{stored} ({stored})" if stored < 1024 else None,
        "Storage ratio": f"{40000 / stored:.1f}",
        "Chunks initialized": "2/100",
        "Partial decoding": "no: whole chunks (the compressor has no independent blocks)",
    }
    for label, value in expected.items():
        assert label in text
        if value is not None:
            assert info[label] == value, label
    lines = text.splitlines()
    assert [line.split(":")[0].strip() for line in lines] == list(expected)
    assert len({line.index(":") for line in lines}) == 1  # aligned
    assert "Filter [0]" in repr(zl.zeros(3, filters=[Delta("f8")]).info)
    assert zl.open_array(store, path="g/arr", mode="r").info["Read-only"] == "True"


def test_array_protocol_len_iter_islice():
    a = sample("f4", (11, 3))
    z = zl.array(a, chunks=(4, 2))
    assert_same(np.asarray(z), a)
    assert_same(np.array(z, dtype="f8"), a.astype("f8"))
    assert len(z) == 11
    rows = list(z)
    assert len(rows) == 11 and all(isinstance(r, np.ndarray) for r in rows)
    assert_same(np.stack(rows), a)
    assert_same(np.stack(list(z.islice(2, 9))), a[2:9])
    assert list(z.islice(5, 5)) == []
    assert_same(np.stack(list(z.islice(8, 10**6))), a[8:])  # an end beyond stops there
    for start, end in ((-1, 0), (-3, None), (0, -1), (1.5, 3)):  # as zarr 2: refused
        with pytest.raises(ValueError, match="non-negative"):
            list(z.islice(start, end))
    assert list(zl.array(np.arange(5), chunks=2)) == [0, 1, 2, 3, 4]


def test_hexdigest_is_stable_and_tracks_changes(store):
    a = sample("i4", (6, 6))
    z = zl.array(a, chunks=(4, 4), store=store)
    digest = z.hexdigest()
    assert digest == zl.array(a, chunks=(4, 4)).hexdigest()  # same data in another store
    assert digest == zl.open_array(store, mode="r").hexdigest()
    assert len(z.hexdigest("sha256")) == 64
    z[0, 0] = a[0, 0] + 1
    changed = z.hexdigest()
    assert changed != digest
    z[0, 0] = a[0, 0]
    assert z.hexdigest() == digest
    z.attrs["k"] = 1
    assert z.hexdigest() != digest


@pytest.mark.parametrize("separator", [".", "/"])
def test_stray_keys_are_not_chunks(store, separator):
    a = sample("i4", (4, 4))
    z = zl.array(a, chunks=(2, 2), store=store, path="arr", dimension_separator=separator)
    clean = zl.array(a, chunks=(2, 2), dimension_separator=separator).hexdigest()
    for stray in ("01", "\u00b2", "x", "0.0.0", "-1", "1e1", "0.01", "0/01", "notes.txt"):
        store["arr/" + stray] = b"not a chunk"
    assert z.nchunks_initialized == 4
    assert z.hexdigest() == clean
    assert_same(z[...], a)


# ================================================================ read-only and modes


def test_read_only_array_refuses_every_write(store):
    z = zl.zeros((4, 4), chunks=2, store=store)
    z[...] = 1
    ro = zl.open_array(store, mode="r")
    assert ro.read_only
    before = dict(store.items())
    for action in (
        lambda: ro.__setitem__((0, 0), 5),
        lambda: ro.set_basic_selection(Ellipsis, 5),
        lambda: ro.resize(2, 2),
        lambda: ro.append(np.ones((1, 4))),
        lambda: ro.attrs.__setitem__("a", 1),
    ):
        with pytest.raises(PermissionError):
            action()
    assert dict(store.items()) == before
    ro.read_only = False
    ro[0, 0] = 5
    assert z[0, 0] == 5
    z.read_only = True
    with pytest.raises(zl.ReadOnlyError):
        z[0, 0] = 6


def test_open_array_modes(store):
    with pytest.raises(zl.PathNotFoundError):
        zl.open_array(store, mode="r")
    with pytest.raises(KeyError):
        zl.open_array(store, mode="r+")
    with pytest.raises(TypeError, match="shape"):
        zl.open_array(store, mode="a")
    z = zl.open_array(store, mode="a", shape=(4,), chunks=2, dtype="i4")
    z[...] = 5
    assert_same(zl.open_array(store, mode="a", shape=(99,))[...], np.full(4, 5, "i4"))
    assert zl.open_array(store, mode="r+")[1] == 5
    assert not zl.open_array(store, mode="r+").read_only
    assert zl.open_array(store, mode="r").read_only
    with pytest.raises(zl.ContainsArrayError):
        zl.open_array(store, mode="w-", shape=3)
    z = zl.open_array(store, mode="w", shape=3, dtype="f4")
    assert_same(z[...], np.zeros(3, "f4"))
    assert stored_chunk_keys(store) == set()
    with pytest.raises(ValueError, match="invalid mode"):
        zl.open_array(store, mode="q")


# ================================================================ threads


@pytest.mark.parametrize("compressor", ["default", Zstd(), None], ids=codec_id)
def test_threads_give_identical_results(compressor):
    a = sample("f8", (40, 30), seed=11)
    results = []
    for threads in (1, 4):
        with zl.config.set(threads=threads):
            z = zl.zeros(a.shape, chunks=(7, 6), compressor=compressor)
            z[...] = a
            z[3:37:3, ::-2] = -a[3:37:3, ::-2]
            z[::5, 29] = 0
            results.append((z[...], z[1:39, 2:29:4], dict(z.store.items())))
    (full1, part1, store1), (full4, part4, store4) = results
    assert_same(full1, full4)
    assert_same(part1, part4)
    assert store1 == store4
    expected = a.copy()
    expected[3:37:3, ::-2] = -a[3:37:3, ::-2]
    expected[::5, 29] = 0
    assert_same(full1, expected)


def test_threads_setting_is_validated_and_restored():
    before = zl.config.get("threads")
    with zl.config.set(threads=3):
        assert zl.config.get("threads") == 3
    assert zl.config.get("threads") == before
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            zl.config.set(threads=bad)


def test_reversed_full_write_does_not_read(counting):
    z = zl.zeros((10, 12), chunks=(5, 4), dtype="i4", store=counting)
    z[...] = 1
    counting.reset()
    value = np.arange(120, dtype="i4").reshape(10, 12)
    z[::-1, ::-1] = value  # every chunk covered by a reversed run: nothing to read
    assert counting.chunk_reads() == set()
    assert_same(z[...], value[::-1, ::-1])
    assert_same(z[::-1, 3:9], value[::-1, ::-1][::-1, 3:9])


# Chunks of several Blosc blocks of whole rows are decoded block by block, skipping the
# blocks a selection does not touch: check every kind of step against numpy.
_BLOCKY = zl.Blosc(cname="zstd", clevel=1, shuffle=zl.Blosc.SHUFFLE, blocksize=4096)


@pytest.mark.parametrize("chunks", [(64, 64), (50, 30), (64, 8, 8)])
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_multi_block_chunks_match_numpy(chunks, data):
    shape = tuple(2 * c + 3 for c in chunks)
    a = np.arange(int(np.prod(shape)), dtype="f8").reshape(shape)
    z = zl.array(a, chunks=chunks, compressor=_BLOCKY)
    sel = []
    for n in shape:
        kind = data.draw(st.sampled_from(["int", "slice"]))
        if kind == "int":
            sel.append(data.draw(st.integers(-n, n - 1)))
        else:
            start = data.draw(st.none() | st.integers(-n - 2, n + 2))
            stop = data.draw(st.none() | st.integers(-n - 2, n + 2))
            step = data.draw(st.sampled_from([None, 1, 2, 3, 7, -1, -2, -5]))
            sel.append(slice(start, stop, step))
    sel = tuple(sel)
    np.testing.assert_array_equal(z[sel], a[sel])


def test_get_basic_selection_reads_into_out():
    a = np.arange(12 * 10, dtype="f4").reshape(12, 10)
    z = zl.array(a, chunks=(5, 4))
    out = np.full((6, 10), -1, dtype="f4")
    assert z.get_basic_selection(np.s_[2:8], out=out) is out
    np.testing.assert_array_equal(out, a[2:8])
    col = np.empty(12, dtype="f4")
    z.get_basic_selection(np.s_[::-1, 3], out=col)
    np.testing.assert_array_equal(col, a[::-1, 3])
    with pytest.raises(ValueError, match="shape"):
        z.get_basic_selection(np.s_[2:8], out=np.empty((5, 10), "f4"))
    # any other array (another dtype, strided, a zarrlite Array) is filled as numpy assigns
    for other in (np.empty((6, 10), "f8"), np.empty((10, 6), "f4").T, zl.zeros((6, 10))):
        assert z.get_basic_selection(np.s_[2:8], out=other) is other
        np.testing.assert_array_equal(other[...], a[2:8])
    for method, sel in ((z.get_orthogonal_selection, ([1, 3], [2])),
                        (z.get_coordinate_selection, ([1, 3], [2, 2])),
                        (z.get_block_selection, (0, 1))):
        target = zl.zeros(np.shape(method(sel)), dtype="f4")
        assert method(sel, out=target) is target
        np.testing.assert_array_equal(target[...], method(sel))
    with pytest.raises(TypeError):
        z.get_basic_selection(np.s_[2:8], out=[0] * 60)


class _CrashingStore(dict):
    """A store that 'dies' (raises) on writing `.zarray` or deleting a key once armed: the
    state a process killed between two store calls of a resize leaves behind."""

    crash_on: str | None = None

    def __setitem__(self, key, value):
        if self.crash_on == "meta" and key.endswith(".zarray"):
            raise KeyboardInterrupt("killed before the new .zarray")
        super().__setitem__(key, value)

    def __delitem__(self, key):
        if self.crash_on == "delete":
            raise KeyboardInterrupt("killed while deleting chunks")
        super().__delitem__(key)


@pytest.mark.parametrize("crash_on", ["meta", "delete"])
def test_resize_killed_midway_never_shows_stale_data(crash_on):
    store = _CrashingStore()
    a = np.arange(1, 101, dtype="i4")
    z = zl.array(a, chunks=10, store=store)
    store.crash_on = crash_on
    with pytest.raises(KeyboardInterrupt):
        z.resize(35)
    store.crash_on = None
    after = zl.open_array(store, mode="r+")
    assert after.shape == (100,)  # the new shape is written last
    values = after[:]
    assert (values[:35] == a[:35]).all()
    # what the shrink drops reads as the old values or as the fill value, nothing else
    assert ((values[35:] == a[35:]) | (values[35:] == 0)).all()
    after.resize(35)  # done again, then grown: the dropped part reads as the fill value
    after.resize(100)
    np.testing.assert_array_equal(after[:], np.concatenate([a[:35], np.zeros(65, "i4")]))


@pytest.mark.parametrize("kind", ["memory", "directory", "dict"])
def test_arrays_pickle_after_use(tmp_path, kind):
    import copy
    import pickle

    store = {"memory": zl.MemoryStore(), "directory": str(tmp_path), "dict": {}}[kind]
    z = zl.zeros((10, 10), chunks=(5, 5), dtype="i4", store=store)
    z[2:7, 3] = 4  # reads, writes and statistics: state that must not block pickling
    if kind != "directory":  # data in this process's memory: refused, naming the store
        with pytest.raises(zl.ProcessLocalStoreError, match="MemoryStore|dict store"):
            pickle.dumps(z)
        again = copy.deepcopy(z)  # a copy inside the process copies the data
    else:
        again = pickle.loads(pickle.dumps(z))
    np.testing.assert_array_equal(again[...], z[...])
    again[0, 0] = 9  # and it works on: a new chunk I/O state
    assert again[0, 0] == 9
    assert (z[0, 0] == 9) == (kind == "directory")  # the same store, or a copy


def test_write_empty_chunks_global_switch():
    # zarr 2 stores chunks holding only the fill value; zarrlite deletes them unless told
    def stored(**kwargs):
        store = {}
        z = zl.zeros(4, chunks=2, store=store, **kwargs)
        z[:] = 0
        return sorted(k for k in store if not k.startswith("."))

    assert stored() == []
    with zl.config.set(write_empty_chunks=True):
        assert stored() == ["0", "1"]
        assert stored(write_empty_chunks=False) == []  # the argument wins
        store = {}
        zl.zeros(4, chunks=2, store=store)
        assert zl.open_array(store).write_empty_chunks
    assert stored(write_empty_chunks=True) == ["0", "1"]
    with pytest.raises(ValueError, match="write_empty_chunks"):
        zl.config.set(write_empty_chunks="yes")


def test_a_0d_array_written_into_a_0d_object_array_gives_its_item():
    z = zl.create((), dtype=str)
    z[...] = np.array("hello")  # numpy: a[...] = np.array("hello") stores the str
    assert z[...] == "hello" and isinstance(z[()], str)
    j = zl.create((), dtype=object, object_codec=zl.JSON())
    j[()] = ["a", "list"]  # any other object is one item, whole
    assert j[()] == ["a", "list"]


def test_opening_the_same_metadata_decodes_it_once_and_sees_changes(tmp_path):
    """Arrays whose .zarray holds the same bytes share one decoded (frozen) metadata
    object, never codec objects; a changed .zarray is decoded anew."""
    path = str(tmp_path / "a.zarr")
    zl.create((10, 10), chunks=(5, 5), dtype="i4", store=path)
    a, b = zl.open_array(path, mode="r"), zl.open_array(path, mode="r")
    assert a._meta is b._meta
    assert a.compressor is not b.compressor and a.compressor == b.compressor
    zl.open_array(path, mode="r+").resize(20, 10)
    c = zl.open_array(path, mode="r")
    assert c.shape == (20, 10) and c._meta is not a._meta
    # the same document in a store whose keys default to '/' separators reads its own way
    doc = (tmp_path / "a.zarr" / ".zarray").read_bytes()
    doc = doc.replace(b'"dimension_separator": ".",', b"")
    assert b"dimension_separator" not in doc

    class SlashStore(dict):
        dimension_separator = "/"

    assert zl.open_array({".zarray": doc}, mode="r")._meta.dimension_separator == "."
    assert zl.open_array(SlashStore({".zarray": doc}), mode="r")._meta.dimension_separator == "/"
    assert zl.open_array({".zarray": doc}, mode="r")._meta.dimension_separator == "."


def test_the_metadata_memo_keeps_size_limits_and_mutable_fill_values_apart(tmp_path):
    """A structured fill value (a numpy.void, changeable in place) is not shared between
    arrays opened from the same .zarray; the max_chunk_nbytes limit applies to every open."""
    path = str(tmp_path / "s.zarr")
    dt = np.dtype([("a", "i4"), ("b", "f8")])
    zl.create((4,), chunks=(2,), dtype=dt, fill_value=(1, 2.0), store=path)
    a, b = zl.open_array(path, mode="r"), zl.open_array(path, mode="r")
    a.fill_value["a"] = 99
    assert b.fill_value["a"] == 1 and b[0]["a"] == 1
    big = str(tmp_path / "big.zarr")
    zl.create((2048, 2048), chunks=(1024, 1024), dtype="f8", store=big)
    assert zl.open_array(big, mode="r").chunks == (1024, 1024)  # now in the memo
    with zl.config.set(max_chunk_nbytes=1 << 20):
        with pytest.raises(zl.errors.MetadataError, match="chunks"):
            zl.open_array(big, mode="r")
