"""Dtypes carrying numpy metadata (h5py's tags: string encodings, enums, vlen, references)
are stored as their plain numpy dtype, at any nesting level; h5py's compound datasets go
through every creation path with values equal to h5py's."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
from zarr2_env import run_zarr2

import zarrlite as zl
from zarrlite.codecs import objects
from zarrlite.metadata.dtypes import encode_dtype, object_fields, parse_dtype

ENUM = h5py.enum_dtype({"red": 0, "green": 1, "blue": 2}, basetype="i1")

#: Compound dtypes as written to HDF5 (h5py reads them back tagged).
COMPOUNDS = {
    "s_field": np.dtype([("x", "<i4"), ("name", "S5")]),
    "utf8_field": np.dtype([("x", "<i2"), ("name", h5py.string_dtype("utf-8", 6))]),
    "nested": np.dtype([("x", "<i4"), ("inner", [("n", "S3"), ("v", "<f8")]), ("t", "S2")]),
    "array_fields": np.dtype([("a", "S2", (3,)), ("m", "<f4", (2, 2)), ("b", "?")]),
    "deep": np.dtype([("o", [("i", [("s", "S4", (2,)), ("k", ENUM)]), ("c", "<c8")])]),
    "big_endian": np.dtype([("x", ">i8"), ("s", "S3"), ("e", ENUM)]),
}


def _has_metadata(dtype: np.dtype) -> bool:
    if dtype.metadata:
        return True
    if dtype.subdtype is not None:
        return _has_metadata(dtype.subdtype[0])
    return any(_has_metadata(dtype.fields[n][0]) for n in dtype.names or ())


def _values(dtype: np.dtype, n: int = 7) -> np.ndarray:
    """n records of `dtype` with distinct values in every field (random bytes, then every
    string made printable and every bool 0 or 1)."""
    rng = np.random.default_rng(15)
    raw = rng.integers(0, 256, size=n * dtype.itemsize, dtype=np.uint8)
    data = np.frombuffer(raw.tobytes(), dtype=dtype).copy()
    _tidy(data)
    return data


def _tidy(data: np.ndarray) -> None:
    for name in data.dtype.names:
        field = data[name]
        base = data.dtype.fields[name][0].base
        if base.names is not None:
            _tidy(field)
        elif base.kind == "S":
            letters = b"abcdefghijklmnopqrstuvwxyz"
            for i, index in enumerate(np.ndindex(field.shape)):
                field[index] = bytes(letters[(i + j) % 26] for j in range(base.itemsize - i % 2))
        elif base.kind == "b":
            field[...] = np.arange(field.size).reshape(field.shape) % 2 == 0
        elif base.kind == "f" or base.kind == "c":
            field[...] = np.arange(field.size).reshape(field.shape) * 0.5
        elif base.kind in "iu":
            field[...] = np.arange(field.size).reshape(field.shape) % 3


@pytest.fixture(params=sorted(COMPOUNDS))
def compound_file(request, tmp_path):
    """An HDF5 file holding dataset 'c' (chunked) of one compound dtype; (path, h5py's values)."""
    dtype = COMPOUNDS[request.param]
    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("c", data=_values(dtype), chunks=(3,))
        f.create_dataset("g/c2", data=_values(dtype)[::-1])
    with h5py.File(path, "r") as f:
        expected = f["c"][...]
        assert _has_metadata(expected.dtype)  # h5py does tag them (the point of the test)
    return path, expected


def _same(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.dtype == expected.dtype
    assert not _has_metadata(actual.dtype)
    assert actual.tobytes() == expected.tobytes()


def _stored_dtype(store_path, key: str) -> object:
    return json.loads((store_path / key / ".zarray").read_text())["dtype"]


def _plain_descr(dtype: np.dtype) -> object:
    """numpy's descr without the metadata, as JSON lists (what zarr-python writes for the
    untagged dtype); worked out here from ``dtype.descr``, where a tagged type shows as
    ``(typestr, metadata)``."""

    def untag(descr: object) -> object:
        if isinstance(descr, tuple):  # (typestr, {metadata})
            return descr[0]
        if isinstance(descr, str):
            return descr
        return [[entry[0], untag(entry[1]), *[list(e) for e in entry[2:]]] for entry in descr]

    return untag(dtype.descr)


def test_zl_array_of_h5py_compound(compound_file, tmp_path):
    path, expected = compound_file
    with h5py.File(path, "r") as f:
        z = zl.array(f["c"][...], store=str(tmp_path / "a.zarr"), chunks=4)
    _same(z[...], expected)
    _same(zl.open_array(str(tmp_path / "a.zarr"), mode="r")[...], expected)
    assert _stored_dtype(tmp_path, "a.zarr") == _plain_descr(expected.dtype)


def test_zl_array_of_h5py_dataset_object(compound_file):
    path, expected = compound_file
    with h5py.File(path, "r") as f:
        z = zl.array(f["c"])
    assert z.chunks == (3,)
    _same(z[...], expected)


def test_from_array_of_h5py_compound(compound_file, tmp_path):
    path, expected = compound_file
    with h5py.File(path, "r") as f:
        z = zl.from_array(f["c"], str(tmp_path / "f.zarr"))
    assert z.chunks == (3,)
    _same(z[...], expected)
    assert _stored_dtype(tmp_path, "f.zarr") == _plain_descr(expected.dtype)


@pytest.mark.parametrize("dest_kind", ["zl.File", "zl.group"])
def test_copy_all_of_h5py_compound(compound_file, tmp_path, dest_kind):
    path, expected = compound_file
    where = str(tmp_path / "copy.zarr")
    dest = zl.File(where, "w") if dest_kind == "zl.File" else zl.open_group(where, mode="w")
    with h5py.File(path, "r") as f:
        zl.copy_all(f, dest)
        expected2 = f["g/c2"][...]
    again = zl.open_group(where, mode="r")
    _same(again["c"][...], expected)
    _same(again["g/c2"][...], expected2)
    assert _stored_dtype(tmp_path / "copy.zarr", "c") == _plain_descr(expected.dtype)
    with zl.File(where, "r") as f:  # and back into HDF5 through the h5py face
        assert f["c"][...].tobytes() == expected.tobytes()


def test_h5_face_create_dataset_with_compound_data(compound_file, tmp_path):
    path, expected = compound_file
    with h5py.File(path, "r") as h, zl.File(str(tmp_path / "h.zarr"), "w") as f:
        from_values = f.create_dataset("values", data=h["c"][...])
        from_dataset = f.create_dataset("dataset", data=h["c"])
        by_dtype = f.create_dataset("empty", shape=(2,), dtype=h["c"].dtype)
        by_dtype[...] = h["c"][:2]
        _same(from_values[...], expected)
        _same(from_dataset[...], expected)
        _same(by_dtype[...], expected[:2])
    assert _stored_dtype(tmp_path / "h.zarr", "values") == _plain_descr(expected.dtype)


def test_zarr_python_2_writes_the_same_dtype_and_reads_ours(tmp_path):
    """zarr 2 (the format's reference) writes the plain descr for the untagged dtype, and
    reads what zarrlite wrote from h5py's tagged values."""
    plain = np.dtype([("o", [("i", [("s", "S4", (2,)), ("k", "i1")]), ("c", "<c8")])])
    data = _values(plain)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["d"] = data.astype(COMPOUNDS["deep"])  # the same layout, with h5py's enum tag
    with h5py.File(tmp_path / "d.h5", "r") as f:
        zl.array(f["d"][...], store=str(tmp_path / "ours.zarr"), chunks=3)
    np.save(tmp_path / "plain.npy", data)  # numpy's own file: the untagged dtype
    script = r"""
import json, sys, numpy as np, zarr
base = sys.argv[1]
data = np.load(base + "/plain.npy")
zarr.array(data, store=base + "/theirs.zarr", chunks=3)
ours = zarr.open_array(base + "/ours.zarr", mode="r")
print(json.dumps([ours[...].tobytes() == data.tobytes(), ours.dtype == data.dtype]))
"""
    out = run_zarr2(script, str(tmp_path)).stdout
    assert json.loads(out) == [True, True]
    assert _stored_dtype(tmp_path, "ours.zarr") == _stored_dtype(tmp_path, "theirs.zarr")


def test_zarr_python_3_reads_a_flat_compound_from_h5py(tmp_path):
    import zarr  # zarr-python 3: flat structured dtypes of scalar fields only

    dtype = np.dtype([("x", "<i4"), ("name", "S5"), ("v", "<f8")])
    with h5py.File(tmp_path / "c.h5", "w") as f:
        f["c"] = _values(dtype)
    with h5py.File(tmp_path / "c.h5", "r") as f:
        expected = f["c"][...]
        zl.array(expected, store=str(tmp_path / "z.zarr"), chunks=3)
    theirs = zarr.open_array(str(tmp_path / "z.zarr"), mode="r", zarr_format=2)
    assert theirs[...].tobytes() == expected.tobytes()


@pytest.mark.parametrize("tagged", [
    h5py.string_dtype("ascii", 4),
    h5py.string_dtype("utf-8", 4),
    ENUM,
    np.dtype("<f4", metadata={"units": "m"}),
])
def test_top_level_tags_are_dropped(tagged, tmp_path):
    with h5py.File(tmp_path / "t.h5", "w") as f:
        f.create_dataset("t", shape=(5,), dtype=tagged)
        f["t"][...] = np.arange(5).astype(tagged) if tagged.kind != "S" else b"ab"
    with h5py.File(tmp_path / "t.h5", "r") as f:
        expected = f["t"][...]
        z = zl.array(expected)
        copy = zl.group()
        zl.copy_all(f, copy)
    _same(z[...], expected)
    _same(copy["t"][...], expected)
    assert z.meta.encode() == zl.array(expected.astype(tagged.str)).meta.encode()


# ------------------------------------------------------------- variable-length fields


@pytest.fixture
def vlen_file(tmp_path):
    dtype = np.dtype([("x", "<i4"), ("s", h5py.string_dtype()),
                      ("inner", [("seq", h5py.vlen_dtype("i2")), ("k", "<f4")])])
    with h5py.File(tmp_path / "v.h5", "w") as f:
        d = f.create_dataset("v", shape=(3,), dtype=dtype)
        d[0] = (1, "one", (np.array([1, 2], "i2"), 0.5))
    return tmp_path / "v.h5"


def _check_names_fields(exc: pytest.ExceptionInfo) -> None:
    message = str(exc.value)
    assert "'s' (h5py: variable-length str)" in message
    assert "'inner/seq' (h5py: variable-length" in message


def test_vlen_fields_are_refused_naming_them(vlen_file, tmp_path):
    with h5py.File(vlen_file, "r") as f:
        with pytest.raises(TypeError, match="no variable-length fields") as exc:
            zl.array(f["v"][...])
        _check_names_fields(exc)
        with pytest.raises(ValueError, match="needs an object codec") as exc:
            zl.from_array(f["v"])
        _check_names_fields(exc)
        with pytest.raises(TypeError) as exc:
            zl.copy_all(f, zl.File(str(tmp_path / "c.zarr"), "w"))
        _check_names_fields(exc)
        with pytest.raises(TypeError) as exc:
            zl.File(str(tmp_path / "d.zarr"), "w").create_dataset("v", data=f["v"][...])
        _check_names_fields(exc)


def test_vlen_fields_with_a_record_codec(vlen_file, monkeypatch):
    """With an object codec that keeps records (pickle) the tags are dropped like others."""
    monkeypatch.setattr(objects, "ALLOW_UNSAFE_PICKLE_DECODE", True)
    with h5py.File(vlen_file, "r") as f:
        expected = f["v"][...]
    z = zl.array(expected, object_codec=zl.codecs.Pickle())
    assert not _has_metadata(z.dtype)
    got = z[...]
    assert got["x"].tolist() == expected["x"].tolist()
    assert got["s"].tolist() == expected["s"].tolist()
    assert [np.asarray(a).tolist() for a in got["inner"]["seq"]] == \
        [np.asarray(a).tolist() for a in expected["inner"]["seq"]]


# ------------------------------------------------------------------ the dtype itself


def test_parse_dtype_drops_metadata_and_keeps_the_layout():
    tagged = np.dtype({"names": ["a", "b", "c"],
                       "formats": [np.dtype("S3", metadata={"h5py_encoding": "ascii"}),
                                   np.dtype(("<i2", (2,)), metadata={"x": 1}), ENUM],
                       "offsets": [0, 4, 12], "titles": ["first", None, None],
                       "itemsize": 16}, align=False)
    plain = parse_dtype(tagged)
    assert not _has_metadata(plain)
    assert plain == tagged
    assert plain.fields["a"][2] == "first" and plain.itemsize == 16
    assert [plain.fields[n][1] for n in plain.names] == [0, 4, 12]
    aligned = np.dtype([("a", np.dtype("u1", metadata={"m": 1})), ("b", "<f8")], align=True)
    assert parse_dtype(aligned).isalignedstruct and parse_dtype(aligned).itemsize == 16
    assert encode_dtype(tagged) == encode_dtype(plain)
    untagged = np.dtype([("a", "<i4")])
    assert parse_dtype(untagged) is untagged  # nothing to drop: the same object


def test_object_fields_names_paths():
    dtype = np.dtype([("a", "i4"), ("b", [("c", object), ("d", h5py.ref_dtype)]),
                      ("e", h5py.string_dtype("ascii"), (2,))])
    assert object_fields(dtype) == ["'b/c'", "'b/d' (h5py: references)",
                                    "'e' (h5py: variable-length bytes)"]
