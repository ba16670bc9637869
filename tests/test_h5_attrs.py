"""zarrlite.h5.attrs: h5py's ``.attrs`` over ``.zattrs``, checked against real h5py.

Each program runs twice, on an attribute manager of a real HDF5 file and on an
`AttributeManager` over a Zarr group, and the two must agree: the value, its type, dtype
(with h5py's dtype metadata) and shape, the key order, and the type and message of every
exception. The Zarr side is then read again from the store by new objects, and its
``.zattrs`` is checked to stay plain JSON for zarr-python.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import CountingStore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import zarrlite as zl
from zarrlite.errors import ReadOnlyError
from zarrlite.h5.attrs import AttributeManager, ReadOnlyDeleteError
from zarrlite.h5.reserved import DIMENSIONS_KEY, H5PY_KEY

# ----------------------------------------------------------------------------- helpers


@pytest.fixture
def h5(tmp_path: Path) -> Any:
    """The attribute manager of a new HDF5 file's root group."""
    with h5py.File(tmp_path / "x.h5", "w") as f:
        yield f.attrs


@pytest.fixture
def zpath(tmp_path: Path) -> str:
    return str(tmp_path / "x.zarr")


@pytest.fixture
def za(zpath: str) -> AttributeManager:
    """An AttributeManager over a new Zarr group's attributes."""
    return AttributeManager(zl.group(zpath).attrs)


def reopened(zpath: str, mode: str = "a") -> AttributeManager:
    """A new manager over new objects reading the same store."""
    return AttributeManager(zl.open_group(zpath, mode=mode).attrs)


def zattrs(zpath: str) -> dict[str, Any]:
    return json.loads(Path(zpath, ".zattrs").read_text())


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", result) or ("error", exception type, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's cast warnings, the same on both sides
            return ("ok", fn())
    except Exception as e:
        return ("error", (type(e), str(e)))


def assert_same_value(got: Any, expected: Any) -> None:
    """Equal value (NaN equal to NaN), same type, dtype (with its metadata) and shape."""
    assert type(got) is type(expected), (got, expected)
    if isinstance(expected, (tuple, list)):
        assert len(got) == len(expected), (got, expected)
        for g, e in zip(got, expected):
            assert_same_value(g, e)
    elif isinstance(expected, (np.ndarray, np.generic)):
        assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
        assert got.dtype.type is expected.dtype.type
        assert dict(got.dtype.metadata or {}) == dict(expected.dtype.metadata or {})
        assert got.shape == expected.shape
        if expected.dtype.kind == "O":
            for g, e in zip(np.ravel(got), np.ravel(expected)):
                assert_same_value(g, e)
        elif expected.dtype.kind == "V" and expected.dtype.fields is None:
            assert got.tobytes() == expected.tobytes()
        else:
            np.testing.assert_array_equal(got, expected)
    else:
        assert got == expected or (got != got and expected != expected), (got, expected)


def assert_same_outcome(got: tuple[str, Any], expected: tuple[str, Any]) -> None:
    assert got[0] == expected[0], (got, expected)
    if got[0] == "error":
        assert got[1] == expected[1]
    else:
        assert_same_value(got[1], expected[1])


def both(h5: Any, za: AttributeManager, program: Callable[[Any], Any]) -> tuple[str, Any]:
    """Run `program(attrs)` on both managers; they must agree. Returns za's outcome."""
    expected = outcome(lambda: program(h5))
    got = outcome(lambda: program(za))
    assert_same_outcome(got, expected)
    return got


# ----------------------------------------------------------------------------- values

STRUCT = np.dtype([("a", "<i4"), ("b", "<f8")])

#: Values h5py stores and gives back (or refuses); each is set and read on both sides.
VALUES: dict[str, Any] = {
    "int": 1,
    "int64 min": -(2**63),
    "uint64 beyond int64": 2**63,
    "int too big": 2**70,
    "float": 1.5,
    "nan": float("nan"),
    "-inf": float("-inf"),
    "-0.0": -0.0,
    "bool": True,
    "complex": 1 + 2j,
    "str": "héllo",
    "empty str": "",
    "str with NUL": "a\x00b",
    "str with surrogate": "a\udcffb",
    "bytes": b"abc",
    "empty bytes": b"",
    "bytes not UTF-8": b"\xff",
    "bytes with NUL": b"\xff\x00",
    "list of int": [1, 2, 3],
    "list of float": [1.0, float("nan"), float("inf")],
    "list int and float": [1, 2.5, True],
    "list of bool": [True, False],
    "nested list": [[1, 2], [3, 4]],
    "empty list": [],
    "list of empty lists": [[], []],
    "ragged list": [[1, 2], [3]],
    "list of str": ["a", "bc"],
    "tuple of str": ("a", "é"),
    "nested str": [["a", "b"], ["c", "d"]],
    "list of bytes": [b"a", b"\xff"],
    "list str and bytes": ["a", b"b"],
    "list int and str": [1, "a"],
    "ragged str": [["a"], "b"],
    "list uint64 and -1": [2**63, -1],
    "range": range(3),
    "memoryview": memoryview(b"ab"),
    "None": None,
    "dict": {"a": 1},
    "set": {1, 2},
    "float16": np.float16(1.5),
    "float32 0.1": np.float32(0.1),
    "longdouble": np.longdouble(1) / 3,
    "clongdouble": np.clongdouble(1 + 1j) / 3,
    "uint8": np.uint8(3),
    "complex64": np.complex64(1 + 2j),
    "bool_": np.bool_(False),
    "int8 array": np.arange(3, dtype="i1"),
    "uint64 array": np.array([2**64 - 1], dtype="u8"),
    "ulonglong": np.array([1], dtype=np.ulonglong),
    "float16 array": np.array([0.1, 65504], "f2"),
    "complex array": np.array([[1 + 2j, 3 - 4j]], "c8"),
    "big-endian": np.array([1, 2], dtype=">i4"),
    "2-d": np.arange(6).reshape(2, 3),
    "0-d": np.array(5, "i2"),
    "empty float32": np.zeros((0,), "f4"),
    "empty (2, 0)": np.zeros((2, 0)),
    "empty (0, 3)": np.zeros((0, 3), "i4"),
    "empty bool": np.array([], bool),
    "bytes_": np.bytes_(b"xy"),
    "bytes_ empty": np.bytes_(b""),
    "bytes_ trailing NUL": np.bytes_(b"ab\x00"),
    "S array": np.array([b"a", b"bcd"]),
    "S array NUL inside": np.array([b"a\x00b"]),
    "S0 array": np.zeros(2, dtype="S0"),
    "empty S array": np.array([], dtype="S3"),
    "str_": np.str_("abc"),
    "U array": np.array(["a", "b"]),
    "object str": np.array(["a", "bb"], dtype=object),
    "object bytes": np.array([b"a", b"bb"], dtype=object),
    "object str 0-d": np.array("abc", dtype=object),
    "object mixed": np.array(["a", 1], dtype=object),
    "object int": np.array([1, 2], dtype=object),
    "object empty": np.array([], dtype=object),
    "list of str_": [np.str_("a")],
    "string_dtype array": np.array(["a", "b"], dtype=h5py.string_dtype()),
    "ascii string_dtype array": np.array([b"a", b"b"], dtype=h5py.string_dtype("ascii")),
    "fixed utf-8 array": np.array(["é".encode(), b"b"], dtype=h5py.string_dtype("utf-8", 4)),
    "void": np.void(b"ab"),
    "struct scalar": np.array((1, 2.5), dtype=STRUCT)[()],
    "struct array": np.array([(1, 2.5), (3, 4.0)], dtype=STRUCT),
    "struct 0-d": np.array((1, b"ab"), dtype=[("a", "i4"), ("s", "S3")]),
    "struct nested": np.array(
        [((1, 2), [1.0, 2.0])], dtype=[("p", [("x", "i1"), ("y", "u2")]), ("q", "f4", (2,))]
    ),
    "struct complex field": np.array([(1, 1 + 2j)], dtype=[("a", "i4"), ("c", "c8")]),
    "struct U field": np.array([(1, "x")], dtype=[("a", "i4"), ("u", "U2")]),
}


@pytest.mark.parametrize("name", list(VALUES))
def test_value_as_h5py(h5: Any, za: AttributeManager, zpath: str, name: str) -> None:
    value = VALUES[name]

    def program(attrs: Any) -> Any:
        attrs[name] = value
        return attrs[name]

    got = both(h5, za, program)
    if got[0] == "ok":  # new objects reading the store give the same
        assert_same_value(reopened(zpath)[name], got[1])
    else:  # nothing was written
        assert name not in reopened(zpath)


def test_plain_values_stay_plain_json(za: AttributeManager, zpath: str) -> None:
    za["i"], za["f"], za["s"], za["b"] = 1, 2.5, "text", True
    za["li"], za["lf"], za["ls"] = [1, 2], [0.5, 1.5], ["x", "y"]
    za["nan"] = float("nan")
    assert zattrs(zpath) == {
        "i": 1, "f": 2.5, "s": "text", "b": True, "li": [1, 2], "lf": [0.5, 1.5],
        "ls": ["x", "y"], "nan": pytest.approx(float("nan"), nan_ok=True),
    }
    assert "NaN" in Path(zpath, ".zattrs").read_text()  # as zarrlite's encode_json writes it


def test_typed_values_json(za: AttributeManager, zpath: str) -> None:
    za["f4"] = np.float32(0.5)
    za["c"] = np.array([1 + 2j, 3 + 0j])
    za["t"] = np.datetime64("2026-12-04")
    za["raw"] = np.bytes_(b"ab")
    za["rec"] = np.array([(1, 2.5)], dtype=STRUCT)
    za["e"] = np.zeros((0, 2), "i2")
    doc = zattrs(zpath)
    assert doc["f4"] == 0.5 and doc["c"] == [[1.0, 2.0], [3.0, 0.0]]
    assert doc["t"] == "2026-12-04" and doc["raw"] == "ab" and doc["rec"] == [[1, 2.5]]
    assert doc[H5PY_KEY]["attrs"] == {
        "f4": {"dtype": "<f4"},
        "c": {"dtype": "<c16"},
        "t": {"dtype": "<M8[D]"},
        "raw": {"dtype": "|S2"},
        "rec": {"dtype": [["a", "<i4"], ["b", "<f8"]], "shape": [1]},
        "e": {"dtype": "<i2", "shape": [0, 2]},
    }


def test_zarr_python_reads_the_attributes(za: AttributeManager, zpath: str) -> None:
    zarr = pytest.importorskip("zarr")
    za["count"], za["name"], za["grid"] = 3, "demo", [[1, 2], [3, 4]]
    za["scale"] = np.float32(0.25)
    got = zarr.open_group(zpath, mode="r", zarr_format=2).attrs.asdict()
    assert got["count"] == 3 and got["name"] == "demo" and got["grid"] == [[1, 2], [3, 4]]
    assert got["scale"] == 0.25
    assert got[H5PY_KEY] == {"attrs": {"scale": {"dtype": "<f4"}}}


# ------------------------------------------------------------------- datetimes (not in h5py)


@pytest.mark.parametrize("value", [
    np.datetime64("2026-12-04"),
    np.datetime64("2026-12-04T01:02:03.123456789", "ns"),
    np.array(["2020-01", "NaT"], dtype="M8[M]"),
    np.timedelta64(5, "s"),
    np.array([1, -2], dtype="m8[ms]"),
    np.array(["NaT"], dtype="m8[h]"),
    np.array([(1, "2020-01-01")], dtype=[("a", "i4"), ("t", "M8[D]")]),
], ids=str)
def test_datetimes_round_trip_where_h5py_refuses(h5: Any, za: AttributeManager, zpath: str,
                                                 value: Any) -> None:
    with pytest.raises(TypeError, match="No conversion path"):
        h5["t"] = value
    za["t"] = value
    for attrs in (za, reopened(zpath)):
        got = attrs["t"]
        assert type(got) is type(value) and got.dtype == value.dtype
        assert np.asarray(got).tobytes() == np.asarray(value).tobytes()


def test_create_datetime_from_str(h5: Any, za: AttributeManager) -> None:
    with pytest.raises(TypeError, match="No conversion path"):
        h5.create("t", "2020-01-01", dtype="M8[D]")
    za.create("t", "2020-01-01", dtype="M8[D]")
    assert_same_value(za["t"], np.datetime64("2020-01-01", "D"))


def test_datetime_json_is_iso(za: AttributeManager, zpath: str) -> None:
    za["t"] = np.array(["2026-12-04T10:30", "NaT"], dtype="M8[m]")
    assert zattrs(zpath)["t"] == ["2026-12-04T10:30", "NaT"]


def test_datetime_without_unit_refused(za: AttributeManager) -> None:
    with pytest.raises(TypeError, match="unit"):
        za["t"] = np.datetime64("NaT")


def test_stringdtype_stored_as_vlen_strings(h5: Any, za: AttributeManager) -> None:
    value = np.array(["a", "bé"], dtype=np.dtypes.StringDType())
    with pytest.raises(TypeError):  # h5py 3.16 refuses numpy's StringDType in attributes
        h5["s"] = value
    za["s"] = value
    assert_same_value(za["s"], np.array(["a", "bé"], dtype=h5py.string_dtype()))


def test_vlen_sequences(h5: Any, za: AttributeManager, zpath: str) -> None:
    items = np.empty(3, dtype=object)
    items[0], items[1], items[2] = np.arange(2), np.arange(3), np.array([], "i4")
    one = np.empty((), dtype=object)
    one[()] = np.arange(3)

    def program(attrs: Any) -> Any:
        attrs.create("v", items, dtype=h5py.vlen_dtype("i4"))
        attrs.create("one", one, dtype=h5py.vlen_dtype(np.dtype("f8")))
        return attrs["v"], attrs["one"]

    got = both(h5, za, program)
    for name, value in zip(["v", "one"], got[1]):
        assert_same_value(reopened(zpath)[name], value)
    assert zattrs(zpath)["v"] == [[0, 1], [0, 1, 2], []]
    # h5py 3.16 writes garbage here (int64 items into an int16 sequence type); zarrlite
    # converts each item
    za.create("m", items, dtype=h5py.vlen_dtype("i2"))
    za.modify("m", items[::-1].copy())
    expected = np.empty(3, dtype=h5py.vlen_dtype(np.dtype("i2")))
    expected[:] = [np.array([], "i2"), np.arange(3, dtype="i2"), np.arange(2, dtype="i2")]
    assert_same_value(reopened(zpath)["m"], expected)


# ----------------------------------------------------------------------------- create


CREATES: dict[str, dict[str, Any]] = {
    "reshape": dict(data=[1, 2, 3, 4], shape=(2, 2)),
    "reshape 6 to (3, 2)": dict(data=np.arange(6), shape=(3, 2)),
    "shape int": dict(data=[1, 2], shape=2),
    "shape ()": dict(data=[5], shape=()),
    "shape too big": dict(data=[1, 2, 3], shape=(2, 2)),
    "scalar to (3,)": dict(data=5, shape=(3,)),
    "shape -1": dict(data=[1], shape=-1),
    "shape numpy int": dict(data=[1, 2], shape=np.int64(2)),
    "dtype f4": dict(data=[1, 2, 3], dtype="f4"),
    "float to int32": dict(data=1.7, dtype="i4"),
    "str to int": dict(data="abc", dtype="i4"),
    "list overflows int8": dict(data=[300], dtype="i1"),
    "array wraps into int8": dict(data=np.array([300]), dtype="i1"),
    "float array to int": dict(data=np.array([1.7, -1.7]), dtype="i4"),
    "float64 to float16": dict(data=np.array([1e6, 0.1]), dtype="f2"),
    "bool to int": dict(data=True, dtype="i4"),
    "float to complex64": dict(data=np.array([1.5]), dtype="c8"),
    "int to S4": dict(data=np.array([15]), dtype="S4"),
    "str to S2": dict(data="abcd", dtype="S2"),
    "str list to S3": dict(data=["a", "bcd"], dtype="S3"),
    "struct to other struct": dict(data=np.array([(1, 2.0)], dtype=STRUCT),
                                   dtype=[("b", "f4"), ("a", "i8")]),
    "subarray dtype": dict(data=np.array([[1, 2], [3, 4]]), dtype=np.dtype(("i4", (2,)))),
    "subarray dtype from list": dict(data=[[1, 2], [3, 4]], dtype=np.dtype(("i4", (2,)))),
    "subarray dtype mismatch": dict(data=np.arange(6).reshape(2, 3),
                                    dtype=np.dtype(("i4", (2,)))),
    "None data with dtype": dict(data=None, shape=(2,), dtype="i4"),
    "None data": dict(data=None, shape=(2,)),
    "U dtype": dict(data="abc", dtype="U3"),
    "object dtype": dict(data=["a"], dtype=object),
    "unknown dtype": dict(data=1, dtype="nonsense"),
    "string_dtype": dict(data="abc", dtype=h5py.string_dtype()),
    "ascii string_dtype": dict(data="abc", dtype=h5py.string_dtype("ascii")),
    "ascii string_dtype non-ASCII": dict(data="é", dtype=h5py.string_dtype("ascii")),
    "utf-8 string_dtype from bytes": dict(data=[b"ab", b"\xff"], dtype=h5py.string_dtype()),
    "U array to string_dtype": dict(data=np.array(["a", "b"]), dtype=h5py.string_dtype()),
    "fixed string_dtype": dict(data="abc", dtype=h5py.string_dtype(length=5)),
    "fixed string_dtype array": dict(data=["abc", "d"], dtype=h5py.string_dtype(length=5)),
    "fixed from non-ASCII str": dict(data=["é"], dtype=h5py.string_dtype(length=3)),
    "S10": dict(data=b"ab", dtype="S10"),
    "enum": dict(data=1, dtype=h5py.enum_dtype({"A": 0, "B": 1}, basetype="i1")),
}


@pytest.mark.parametrize("name", list(CREATES))
def test_create_as_h5py(h5: Any, za: AttributeManager, zpath: str, name: str) -> None:
    kwargs = CREATES[name]

    def program(attrs: Any) -> Any:
        attrs.create("x", **kwargs)
        return attrs["x"]

    got = both(h5, za, program)
    if got[0] == "ok":
        assert_same_value(reopened(zpath)["x"], got[1])


def test_enum_array_loses_its_mapping(h5: Any, za: AttributeManager) -> None:
    dt = h5py.enum_dtype({"A": 0, "B": 1}, basetype="i1")
    for attrs in (h5, za):
        attrs.create("e", [0, 1], dtype=dt)
    assert h5py.check_enum_dtype(h5["e"].dtype) == {"A": 0, "B": 1}
    assert za["e"].dtype == np.dtype("i1") and za["e"].dtype.metadata is None
    np.testing.assert_array_equal(za["e"], h5["e"])


def test_create_shape_as_list(za: AttributeManager) -> None:
    za.create("x", [1, 2, 3, 4], shape=[2, 2])  # h5py wants a tuple; a list is taken
    assert za["x"].shape == (2, 2)


# ----------------------------------------------------------------------------- modify

MODIFIES: dict[str, tuple[dict[str, Any], Any]] = {
    "keeps int16": (dict(data=np.arange(3, dtype="i2")), [4.7, 5, 6]),
    "other shape": (dict(data=np.arange(3, dtype="i2")), [4, 5]),
    "same size other shape": (dict(data=np.arange(4, dtype="i2").reshape(2, 2)), [1, 2, 3, 4]),
    "scalar into array": (dict(data=np.arange(4, dtype="i2").reshape(2, 2)), 9),
    "one element into scalar": (dict(data=np.float32(1)), [2]),
    "scalar into one element": (dict(data=np.array([1], "i2")), 7),
    "float32 scalar": (dict(data=np.float32(1)), 2),
    "float32 from str": (dict(data=np.float32(1)), "2.5"),
    "int from float": (dict(data=np.int32(1)), 2.7),
    "int from nan": (dict(data=np.int32(1)), float("nan")),
    "overflow": (dict(data=np.int8(1)), 1000),
    "int8 from str": (dict(data=np.int8(1)), "abc"),
    "complex from float": (dict(data=np.complex64(1j)), 2.5),
    "str from int": (dict(data="str"), 3),
    "str from bytes": (dict(data="x"), b"yz"),
    "str array": (dict(data=["x", "y"]), ["p", "q"]),
    "S truncates": (dict(data=np.bytes_(b"xy")), b"abcdef"),
    "S from str": (dict(data=np.bytes_(b"xy")), "ab"),
    "struct": (dict(data=np.array((1, 2.0), dtype=STRUCT)), (3, 4.5)),
    "array value cast": (dict(data=np.arange(2, dtype="i2")), np.array([1.5, 2.5])),
    "U array value": (dict(data=["x"]), np.array(["y"])),
}


@pytest.mark.parametrize("name", list(MODIFIES))
def test_modify_as_h5py(h5: Any, za: AttributeManager, zpath: str, name: str) -> None:
    create, value = MODIFIES[name]

    def program(attrs: Any) -> Any:
        attrs.create("m", **create)
        attrs.modify("m", value)
        return attrs["m"]

    got = both(h5, za, program)
    if got[0] == "ok":
        assert_same_value(reopened(zpath)["m"], got[1])


def test_modify_missing_creates(h5: Any, za: AttributeManager) -> None:
    both(h5, za, lambda attrs: attrs.modify("new", 2) or attrs["new"])


def test_modify_plain_json_attribute(za: AttributeManager, zpath: str) -> None:
    zl.open_group(zpath).attrs["cfg"] = {"a": 1}  # JSON h5py could not have written
    za.modify("cfg", [1, 2])
    assert_same_value(za["cfg"], np.array([1, 2]))


# --------------------------------------------------------------------------- the mapping


NAMES = ["b", "B", "a", "_x", "Z", "é", "a1", "a10", "a2", "ab", "A", " ", "a/b", "."]


def test_order_len_contains_get(h5: Any, za: AttributeManager) -> None:
    def program(attrs: Any) -> Any:
        empty = (len(attrs), bool(attrs), list(attrs))
        for i, name in enumerate(NAMES):
            attrs[name] = i
        return (empty, list(attrs), list(attrs.keys()), [k for k, _ in attrs.items()],
                [int(v) for v in attrs.values()], len(attrs), bool(attrs),
                "a" in attrs, "zz" in attrs, b"a" in attrs, attrs.get("zz"),
                attrs.get("zz", 7), int(attrs.get("a")), int(attrs[b"a"]),
                attrs.keys() == set(NAMES))

    both(h5, za, program)


@pytest.mark.parametrize("program", [
    lambda attrs: attrs["missing"],
    lambda attrs: attrs.__delitem__("missing"),
    lambda attrs: attrs.pop("missing"),
    lambda attrs: attrs[1],
    lambda attrs: attrs.get(1),
    lambda attrs: 1 in attrs,
    lambda attrs: attrs.__setitem__(1, 2),
    lambda attrs: attrs.__setitem__("", 2),
    lambda attrs: attrs.create("", 2),
    lambda attrs: attrs.modify("", 2),
    lambda attrs: attrs.__setitem__(b"bytes name", 2) or attrs["bytes name"],
    lambda attrs: attrs.setdefault("s", 3),
    lambda attrs: attrs.update({"z": 1, "w": [1, 2]}, v="x") or list(attrs),
    lambda attrs: attrs.__setitem__("p", 1) or attrs.pop("p") or list(attrs),
    lambda attrs: attrs.update(a=1, b=2) or attrs.clear() or len(attrs),
    lambda attrs: attrs.__setitem__("a", 1) or attrs.__setitem__("a", "s") or attrs["a"],
], ids=["missing", "del missing", "pop missing", "int name", "get int name", "int in",
        "set int name", "set empty name", "create empty name", "modify empty name",
        "bytes name", "setdefault", "update", "pop", "clear", "overwrite"])
def test_mapping_as_h5py(h5: Any, za: AttributeManager, program: Callable[[Any], Any]) -> None:
    got, expected = outcome(lambda: program(za)), outcome(lambda: program(h5))
    if expected[0] == "error" and expected[1][0] is KeyError and "delete" in expected[1][1]:
        # h5py's message does not name the attribute; ours keeps its wording and names it
        assert got[0] == "error" and got[1][0] is KeyError
        assert got[1][1] == "\"Unable to delete attribute (can't locate attribute: 'missing')\""
    elif expected[0] == "error" and expected[1][0] is RuntimeError:  # HDF5's own message
        assert got[0] == "error" and got[1][0] is RuntimeError and "empty name" in got[1][1]
    else:
        assert_same_outcome(got, expected)


def test_missing_message(za: AttributeManager) -> None:
    with pytest.raises(KeyError) as info:
        za["x"]
    assert info.value.args[0] == ("Unable to synchronously open attribute "
                                  "(can't locate attribute: 'x')")


def test_repr_and_keys_view(za: AttributeManager) -> None:
    assert repr(za).startswith("<Attributes of zarrlite object at 0x")
    za["b"], za["a"] = 1, 2
    assert repr(za.keys()) == "<KeysView ['a', 'b']>"


def test_empty_name_written_by_zarr_is_readable(za: AttributeManager, zpath: str) -> None:
    zl.open_group(zpath).attrs[""] = 5
    assert list(za) == [""] and za[""] == np.int64(5)
    del za[""]
    assert len(za) == 0


# ------------------------------------------------------------ values written by zarr users


@pytest.mark.parametrize("value", [
    1, 2**63, 1.5, float("nan"), True, "text", [1, 2], [1.5, 2], [[1, 2], [3, 4]], [],
    ["a", "b"], [True, False],
], ids=repr)
def test_plain_zarr_attribute_reads_as_h5py_gives_it(h5: Any, zpath: str, value: Any) -> None:
    zl.open_group(zpath, mode="w").attrs["x"] = value
    h5["x"] = value
    assert_same_value(reopened(zpath)["x"], h5["x"])


@pytest.mark.parametrize("value", [{"a": [1, 2]}, None, [1, "a"], [[1, 2], [3]], 2**70])
def test_json_h5py_cannot_store_reads_as_is(zpath: str, value: Any) -> None:
    zl.open_group(zpath, mode="w").attrs["x"] = value
    assert reopened(zpath)["x"] == value


def test_stale_type_entry_is_ignored(za: AttributeManager, zpath: str) -> None:
    za["x"] = np.int8(3)
    zl.open_group(zpath).attrs["x"] = "replaced by zarr-python"  # the entry stays behind
    assert reopened(zpath)["x"] == "replaced by zarr-python"
    zl.open_group(zpath).attrs["x"] = 7  # fits the entry: read with its dtype
    assert_same_value(reopened(zpath)["x"], np.int8(7))


# ------------------------------------------------------------------------ reserved keys


def test_hidden_keys(za: AttributeManager, zpath: str) -> None:
    zl.open_group(zpath).attrs.update({DIMENSIONS_KEY: ["x"], H5PY_KEY: {"maxshape": [None]}})
    za["f"] = np.float32(1)
    assert list(za) == ["f"] and len(za) == 1
    assert H5PY_KEY not in za and DIMENSIONS_KEY not in za
    for key in (H5PY_KEY, DIMENSIONS_KEY):
        with pytest.raises(KeyError, match="reserved"):
            za[key]
        with pytest.raises(ValueError, match="reserved"):
            za[key] = 1
        with pytest.raises(ValueError, match="reserved"):
            za.create(key, 1)
        with pytest.raises(ValueError, match="reserved"):
            za.modify(key, 1)
        with pytest.raises(KeyError, match="reserved"):
            del za[key]
    assert za.get(H5PY_KEY) is None
    doc = zattrs(zpath)
    assert doc[DIMENSIONS_KEY] == ["x"]
    assert doc[H5PY_KEY] == {"maxshape": [None], "attrs": {"f": {"dtype": "<f4"}}}


def test_delete_removes_type_entry_and_keeps_other_sub_keys(za: AttributeManager,
                                                            zpath: str) -> None:
    zl.open_group(zpath).attrs[H5PY_KEY] = {"maxshape": [3]}
    za["f"], za["g"] = np.float32(1), np.int8(2)
    del za["f"]
    assert zattrs(zpath)[H5PY_KEY] == {"maxshape": [3], "attrs": {"g": {"dtype": "|i1"}}}
    del za["g"]
    assert zattrs(zpath) == {H5PY_KEY: {"maxshape": [3]}}


def test_bookkeeping_key_removed_when_empty(za: AttributeManager, zpath: str) -> None:
    za["f"] = np.float32(1)
    za["f"] = 1.0  # a plain float64 needs no entry
    assert zattrs(zpath) == {"f": 1.0}


def test_changes_keep_what_other_objects_wrote(za: AttributeManager, zpath: str) -> None:
    za["a"] = np.int8(1)
    other = reopened(zpath)
    other["b"] = np.int16(2)
    za["c"] = np.int32(3)  # reads the document afresh: "b" and its entry survive
    fresh = reopened(zpath)
    assert [type(fresh[k]) for k in "abc"] == [np.int8, np.int16, np.int32]


def test_bad_bookkeeping_key_refused(za: AttributeManager, zpath: str) -> None:
    zl.open_group(zpath).attrs[H5PY_KEY] = "not an object"
    with pytest.raises(ValueError, match="JSON object"):
        za["x"] = 1
    assert "x" not in zl.open_group(zpath).attrs


# --------------------------------------------------------------------------- writes


def test_one_store_write_per_change() -> None:
    store = CountingStore()
    group = zl.group(store)
    attrs = AttributeManager(group.attrs)
    key = ".zattrs"
    for change in (
        lambda: attrs.__setitem__("a", np.float32(1)),
        lambda: attrs.__setitem__("b", [1, 2]),
        lambda: attrs.create("c", [1, 2, 3, 4], shape=(2, 2), dtype="u1"),
        lambda: attrs.modify("c", [[4, 3], [2, 1]]),
        lambda: attrs.update({"d": 1, "e": b"x"}),
        lambda: attrs.__delitem__("a"),
        lambda: attrs.clear(),
    ):
        store.reset()
        change()
        assert store.writes == {key: 1}
    store.reset()
    with pytest.raises(TypeError):
        attrs["bad"] = None
    assert not store.writes


def test_reads_do_not_write() -> None:
    store = CountingStore()
    attrs = AttributeManager(zl.group(store).attrs)
    attrs["a"] = np.int8(1)
    store.reset()
    assert attrs["a"] == 1 and list(attrs) == ["a"] and "a" in attrs and len(attrs) == 1
    assert not store.writes


# ---------------------------------------------------------------- read-only and closed


def test_read_only_as_h5py(tmp_path: Path, zpath: str) -> None:
    with h5py.File(tmp_path / "r.h5", "w") as f:
        f.attrs["b"] = 1
    zl.group(zpath).attrs["b"] = 1
    with h5py.File(tmp_path / "r.h5", "r") as f:
        ro_h5, ro_za = f.attrs, reopened(zpath, mode="r")
        for program in (lambda a: a.__setitem__("q", 1), lambda a: a.create("q", 1),
                        lambda a: a.modify("b", 3), lambda a: a.update(q=1)):
            with pytest.raises(OSError):
                program(ro_h5)
            with pytest.raises(ReadOnlyError):  # a PermissionError, so an OSError
                program(ro_za)
        with pytest.raises(KeyError):
            del ro_h5["b"]
        with pytest.raises(ReadOnlyDeleteError) as info:  # a KeyError and a PermissionError
            del ro_za["b"]
        assert isinstance(info.value, KeyError) and isinstance(info.value, PermissionError)
        assert "read-only" in str(info.value)
        assert ro_za["b"] == 1 and list(ro_za) == ["b"]


class Closed(ValueError):
    pass


def test_closed_file() -> None:
    is_open = [True]

    def check_open() -> None:
        if not is_open[0]:
            raise Closed("Not a location (invalid object ID)")

    attrs = AttributeManager(zl.group().attrs, check_open)
    attrs["a"] = 1
    is_open[0] = False
    assert repr(attrs) == "<Attributes of closed zarrlite object>"
    for program in (lambda: attrs["a"], lambda: attrs.__setitem__("b", 1),
                    lambda: attrs.__delitem__("a"), lambda: "a" in attrs, lambda: len(attrs),
                    lambda: list(attrs), lambda: attrs.keys(), lambda: attrs.get("a"),
                    lambda: attrs.create("b", 1), lambda: attrs.modify("a", 2),
                    lambda: attrs.update(b=1), lambda: attrs.clear()):
        with pytest.raises(Closed):
            program()
    is_open[0] = True
    assert list(attrs) == ["a"]


# --------------------------------------------------------------------------- hypothesis

NUMERIC_DTYPES = st.sampled_from([
    "?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", ">i4", "f2", "f4", "f8", ">f8",
    "c8", "c16", "S1", "S5", np.longdouble, np.clongdouble,
]).map(np.dtype)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(NUMERIC_DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                   max_side=3)))
def test_round_trip_matches_h5py(tmp_path: Path, value: np.ndarray) -> None:
    store = zl.MemoryStore()
    AttributeManager(zl.group(store).attrs)["x"] = value
    got = AttributeManager(zl.open_group(store).attrs)["x"]
    with h5py.File(tmp_path / "h.h5", "w") as f:
        f.attrs["x"] = value
        expected = f.attrs["x"]
    assert_same_value(got, expected)
    got = np.asarray(got, dtype=value.dtype)
    np.testing.assert_array_equal(got, value)  # NaN payloads are not kept (JSON has one NaN)
    if value.dtype.kind in "fc":  # but the sign of zeros is
        for part in ("real", "imag"):
            want, have = getattr(value, part), getattr(got, part)
            keep = ~np.isnan(want)
            assert (np.signbit(have[keep]) == np.signbit(want[keep])).all()


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(st.sampled_from(["M8[D]", "M8[s]", "M8[ns]", "m8[s]", "m8[us]"]).map(np.dtype),
                  hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)))
def test_datetime_round_trip(value: np.ndarray) -> None:
    store = zl.MemoryStore()
    AttributeManager(zl.group(store).attrs)["t"] = value
    got = AttributeManager(zl.open_group(store).attrs)["t"]
    assert np.asarray(got).dtype == value.dtype and np.shape(got) == value.shape
    assert np.asarray(got).tobytes() == value.tobytes()
