"""Fields of structured arrays in every selection method, and ``out=`` targets; numpy is
the oracle."""

import numpy as np
import pytest

import zarrlite as zl

DTYPE = np.dtype([("a", "<i4"), ("b", "<f8"), ("c", "S3")])


@pytest.fixture
def pair():
    rng = np.random.default_rng(7)
    data = np.zeros((9, 7), dtype=DTYPE)
    data["a"] = rng.integers(-100, 100, data.shape)
    data["b"] = rng.random(data.shape)
    data["c"] = rng.choice([b"x", b"yy", b"zzz"], data.shape)
    return data, zl.array(data, chunks=(4, 3))


@pytest.mark.parametrize("fields", ["a", "c", ["a", "b"], ["c", "a"]])
def test_reading_fields_matches_numpy(pair, fields):
    data, z = pair
    names = [fields] if isinstance(fields, str) else fields

    def expect(records):
        if isinstance(fields, str):
            return records[fields]
        return records[names].astype(np.dtype([(n, DTYPE.fields[n][0]) for n in names]))

    sel = (slice(1, 8, 2), slice(None, None, -1))
    np.testing.assert_array_equal(z.get_basic_selection(sel, fields=fields), expect(data[sel]))
    rows, cols = [0, 5, 8], [6, 1]
    np.testing.assert_array_equal(z.get_orthogonal_selection((rows, cols), fields=fields),
                                  expect(data[np.ix_(rows, cols)]))
    np.testing.assert_array_equal(z.oindex[(rows, cols, *names)],
                                  expect(data[np.ix_(rows, cols)]))
    points = ([0, 5, 8], [6, 1, 1])
    np.testing.assert_array_equal(z.get_coordinate_selection(points, fields=fields),
                                  expect(data[points]))
    np.testing.assert_array_equal(z.vindex[(*points, *names)], expect(data[points]))
    mask = data["a"] > 0
    np.testing.assert_array_equal(z.get_mask_selection(mask, fields=fields), expect(data[mask]))
    np.testing.assert_array_equal(z.get_block_selection((1, 0), fields=fields),
                                  expect(data[4:8, 0:3]))
    if isinstance(fields, str):
        np.testing.assert_array_equal(z[fields], data[fields])
        np.testing.assert_array_equal(z[2:5, fields], data[2:5][fields])
        assert z[3, 4, fields] == data[3, 4][fields]


def test_writing_fields_matches_numpy(pair):
    data, z = pair
    expected = data.copy()
    z["a"] = 5
    expected["a"] = 5
    z[1:3, "b"] = -1.5
    expected["b"][1:3] = -1.5
    z.set_orthogonal_selection(([0, 8], [2]), 9, fields="a")
    expected["a"][np.ix_([0, 8], [2])] = 9
    z.vindex[[4, 6], [0, 3], "c"] = b"new"
    expected["c"][[4, 6], [0, 3]] = b"new"
    z.set_mask_selection(expected["a"] == 9, 0.25, fields="b")
    expected["b"][expected["a"] == 9] = 0.25
    pair_value = np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")])
    pair_value["a"], pair_value["b"] = [1, 2], [3.0, 4.0]
    z.set_basic_selection((0, slice(0, 2)), pair_value, fields=["a", "b"])
    expected["a"][0, :2], expected["b"][0, :2] = [1, 2], [3.0, 4.0]
    z.set_block_selection((2, 2), 77, fields="a")
    expected["a"][8:, 6:] = 77
    np.testing.assert_array_equal(z[...], expected)


def test_bad_fields_raise_before_any_io(pair):
    _data, z = pair
    for call in (lambda: z["nope"], lambda: z.get_orthogonal_selection(([0], [0]), fields="x"),
                 lambda: z.set_basic_selection(0, 1, fields=["a", "nope"])):
        with pytest.raises(IndexError, match="no field"):
            call()
    plain = zl.zeros(4)
    with pytest.raises(IndexError, match="has no fields"):
        plain["a"]


def test_out_may_be_any_array(pair):
    data, z = pair
    out = zl.zeros((9, 7), dtype="i8")
    assert z.get_basic_selection(..., out=out, fields="a") is out
    np.testing.assert_array_equal(out[...], data["a"])
    with pytest.raises(ValueError, match="shape"):
        z.get_basic_selection(..., out=np.empty((2, 2), DTYPE))


# ------------------------------------------------ records holding objects (pickle codec)

OBJECT_RECORD = np.dtype([("name", object), ("n", "<i4")])


@pytest.fixture
def pickle_allowed(monkeypatch):
    from zarrlite.codecs import objects

    monkeypatch.setattr(objects, "ALLOW_UNSAFE_PICKLE_DECODE", True)


def test_records_holding_objects_round_trip(tmp_path, pickle_allowed):
    data = np.array([("a", 1), (b"b", 2), ([1, 2], 3), (None, 4), ({"k": 1}, 5)], OBJECT_RECORD)
    z = zl.open_array(str(tmp_path / "r.zarr"), mode="w", shape=7, chunks=3, dtype=OBJECT_RECORD,
                      fill_value=("-", -1), object_codec=zl.codecs.Pickle())
    z[:5] = data
    again = zl.open_array(str(tmp_path / "r.zarr"), mode="r")
    expected = np.concatenate([data, np.array([("-", -1)] * 2, OBJECT_RECORD)])
    assert again[:].tolist() == expected.tolist()
    assert again["n"].tolist() == expected["n"].tolist()
    assert again.oindex[[6, 0]].tolist() == expected[[6, 0]].tolist()
    assert again.fill_value.tolist() == ("-", -1)
    assert sorted(k for k in z.store if not k.startswith(".")) == ["0", "1"]
    z[3:6] = z.fill_value  # a chunk holding only the fill value is not stored
    assert sorted(k for k in z.store if not k.startswith(".")) == ["0"]


def test_records_holding_objects_need_a_record_codec():
    for codec in (zl.codecs.JSON(), zl.codecs.VLenUTF8(), zl.codecs.VLenBytes()):
        with pytest.raises(ValueError, match=f"'{codec.codec_id}' stores a flat list"):
            zl.create(3, dtype=OBJECT_RECORD, object_codec=codec)
    with pytest.raises(ValueError, match="needs an object codec"):
        zl.create(3, dtype=OBJECT_RECORD)
