"""zarrlite.h5.strings: h5py's special dtypes, compared with h5py's own functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import h5py
import numpy as np
import pytest

import zarrlite as zl
from zarrlite.h5 import strings
from zarrlite.h5.strings import (
    check_enum_dtype,
    check_string_dtype,
    check_vlen_dtype,
    enum_dtype,
    storage_of,
    string_dtype,
    string_info,
    vlen_dtype,
)


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", fn())
    except Exception as e:
        return ("error", (type(e), str(e)))


def assert_same_dtype(got: Any, expected: Any) -> None:
    assert isinstance(got, np.dtype) and isinstance(expected, np.dtype)
    assert got == expected and got.type is expected.type
    assert dict(got.metadata or {}) == dict(expected.metadata or {})


def assert_same(ours: Callable[[], Any], theirs: Callable[[], Any]) -> None:
    got, expected = outcome(ours), outcome(theirs)
    assert got[0] == expected[0], (got, expected)
    if isinstance(expected[1], np.dtype):
        assert_same_dtype(got[1], expected[1])
    else:
        assert got[1] == expected[1]


@pytest.mark.parametrize("args", [
    (), ("utf-8",), ("UTF-8",), ("utf8",), ("ascii",), ("ASCII",), ("us-ascii",),
    ("latin-1",), ("foo",), (None,), (1,), (b"utf-8",),
    ("utf-8", 5), ("ascii", 5), ("utf-8", 0), ("utf-8", -1), ("utf-8", 2.5), ("utf-8", "5"),
    ("utf-8", np.int64(3)), ("utf-8", True), ("latin-1", 5),
], ids=repr)
def test_string_dtype(args: tuple[Any, ...]) -> None:
    assert_same(lambda: string_dtype(*args), lambda: h5py.string_dtype(*args))


DTYPES = [
    h5py.string_dtype(), h5py.string_dtype("ascii"), h5py.string_dtype(length=4),
    h5py.string_dtype("ascii", 4), np.dtype("S4"), np.dtype("S"), np.dtype("U4"),
    np.dtype("O"), np.dtype("i4"), np.dtype("O", metadata={"vlen": str}),
    np.dtype("O", metadata={"vlen": bytes}), np.dtype("O", metadata={"h5py_encoding": "utf-8"}),
    np.dtype("S3", metadata={"h5py_encoding": "utf-8"}),
    np.dtype("S3", metadata={"h5py_encoding": "latin"}), h5py.vlen_dtype("i4"),
    h5py.vlen_dtype(np.float64), np.dtype([("a", "S2")]), np.dtypes.StringDType(),
    h5py.enum_dtype({"A": 0, "B": 1}), np.dtype("i1", metadata={"enum": {"X": 1}}),
]


@pytest.mark.parametrize("dt", DTYPES, ids=repr)
def test_checks(dt: np.dtype) -> None:
    assert_same(lambda: check_string_dtype(dt), lambda: h5py.check_string_dtype(dt))
    assert_same(lambda: check_vlen_dtype(dt), lambda: h5py.check_vlen_dtype(dt))
    assert_same(lambda: check_enum_dtype(dt), lambda: h5py.check_enum_dtype(dt))


def test_check_recognises_our_dtypes_in_h5py_and_back() -> None:
    for encoding in ("utf-8", "ascii"):
        for length in (None, 3):
            ours = string_dtype(encoding, length)
            assert_same_dtype(ours, h5py.string_dtype(encoding, length))
            assert h5py.check_string_dtype(ours) == check_string_dtype(ours)


def test_string_info() -> None:
    info = check_string_dtype(string_dtype())
    assert info == ("utf-8", None) == h5py.check_string_dtype(h5py.string_dtype())
    assert (info.encoding, info.length) == ("utf-8", None)
    assert repr(info) == "string_info(encoding='utf-8', length=None)"
    assert string_info._fields == ("encoding", "length")


def test_check_takes_what_numpy_dtype_takes() -> None:
    # h5py raises AttributeError for a str; zarrlite converts it
    assert check_string_dtype("S4") == ("ascii", 4)
    assert check_vlen_dtype("i4") is None
    assert check_enum_dtype("i4") is None and check_enum_dtype(None) is None


@pytest.mark.parametrize("basetype", [
    "i4", np.int32, np.dtype("f8"), str, bytes, object, [("a", "i4")], "nonsense",
], ids=repr)
def test_vlen_dtype(basetype: Any) -> None:
    assert_same(lambda: vlen_dtype(basetype), lambda: h5py.vlen_dtype(basetype))
    assert check_vlen_dtype(vlen_dtype(basetype)) == h5py.check_vlen_dtype(
        h5py.vlen_dtype(basetype))


@pytest.mark.parametrize("args", [
    ({"A": 0, "B": 1},), ({"A": 0}, "i1"), ({"A": 0}, np.uint8), ({"A": 0}, "f4"),
    ({"A": "x"},), ({"A": 300}, "i1"), ({},), ([("A", 1)],), ({"A": 1}, "bogus"),
], ids=repr)
def test_enum_dtype(args: tuple[Any, ...]) -> None:
    assert_same(lambda: enum_dtype(*args), lambda: h5py.enum_dtype(*args))


def test_equal_to_plain_dtypes() -> None:
    assert string_dtype() == np.dtype("O") and vlen_dtype(str) == string_dtype()
    assert string_dtype(length=5) == np.dtype("S5")


# ------------------------------------------------------------------------- storage_of


@pytest.mark.parametrize("dt, expected", [
    (h5py.string_dtype(), (np.dtype("O"), {"id": "vlen-utf8"}, strings.KIND_VLEN_UTF8)),
    (string_dtype(), (np.dtype("O"), {"id": "vlen-utf8"}, strings.KIND_VLEN_UTF8)),
    (np.dtypes.StringDType(), (np.dtype("O"), {"id": "vlen-utf8"}, strings.KIND_VLEN_UTF8)),
    (string_dtype("ascii"), (np.dtype("O"), {"id": "vlen-bytes"}, strings.KIND_VLEN_BYTES)),
    (vlen_dtype(np.int32),
     (np.dtype("O"), {"id": "vlen-array", "dtype": "<i4"}, strings.KIND_VLEN_ARRAY)),
    (h5py.vlen_dtype("f8"),
     (np.dtype("O"), {"id": "vlen-array", "dtype": "<f8"}, strings.KIND_VLEN_ARRAY)),
    (string_dtype(length=8), (np.dtype("S8"), None, strings.KIND_FIXED)),
    (string_dtype("ascii", 2), (np.dtype("S2"), None, strings.KIND_FIXED)),
    (np.dtype("S3"), (np.dtype("S3"), None, strings.KIND_FIXED)),
    (np.dtype("<f4"), (np.dtype("<f4"), None, strings.KIND_PLAIN)),
    (np.dtype([("a", "i4")]), (np.dtype([("a", "i4")]), None, strings.KIND_PLAIN)),
    ("U4", (np.dtype("U4"), None, strings.KIND_PLAIN)),
], ids=repr)
def test_storage_of(dt: Any, expected: tuple[Any, Any, str]) -> None:
    zarr_dtype, codec, kind = storage_of(dt)
    assert (zarr_dtype, codec, kind) == expected
    assert zarr_dtype.metadata is None


@pytest.mark.parametrize("dt", [np.dtype("O"), vlen_dtype("U3"), vlen_dtype([("a", "i4")]),
                                vlen_dtype(object)], ids=repr)
def test_storage_of_refuses(dt: np.dtype) -> None:
    with pytest.raises(TypeError):
        storage_of(dt)


@pytest.mark.parametrize("dt, data", [
    (string_dtype(), ["a", "héllo", ""]),
    (string_dtype("ascii"), [b"a", b"xy"]),
    (vlen_dtype(np.int32), [np.arange(2, dtype="i4"), np.arange(0, dtype="i4")]),
    (string_dtype(length=4), [b"ab", b"abcd"]),
], ids=repr)
def test_storage_of_round_trips_in_zarrlite(dt: np.dtype, data: list[Any]) -> None:
    zarr_dtype, codec, _kind = storage_of(dt)
    values = np.empty(len(data), dtype=zarr_dtype)
    for i, item in enumerate(data):
        values[i] = item
    z = zl.create(shape=len(data), dtype=zarr_dtype, object_codec=codec)
    z[:] = values
    got = zl.open_array(z.store)[:]
    for g, v in zip(got, data):
        np.testing.assert_array_equal(g, v)
