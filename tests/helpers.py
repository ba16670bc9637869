"""Shared checks for codec tests, in the spirit of numcodecs' ``tests/common.py``.

- :func:`check_encode_decode`: encode from every buffer type, decode from every
  buffer type, with and without ``out``;
- :func:`check_object_encode_decode`: the same for object-array codecs;
- :func:`check_config`: JSON and registry round trip of the configuration;
- :func:`check_numcodecs_interop`: both directions against numcodecs (the oracle).
"""

from __future__ import annotations

import array
import copy
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from numpy.testing import assert_array_almost_equal, assert_array_equal

from zarrlite.codecs import get_codec


def encoded_bytes(enc: Any) -> bytes:
    """Return encoded output (bytes, bytearray, memoryview or array) as bytes."""
    if isinstance(enc, np.ndarray):
        return enc.tobytes(order="A")
    return bytes(enc)


def noncontiguous_copy(arr: np.ndarray) -> np.ndarray:
    """Return a strided (non-contiguous) array with the values of `arr`."""
    holder = np.zeros(arr.shape + (2,), dtype=arr.dtype)
    view = holder[..., 0]
    view[...] = arr
    assert arr.size <= 1 or not view.flags.c_contiguous
    return view


def buffer_variants(arr: np.ndarray) -> dict[str, Any]:
    """Return the data of `arr` as several buffer types (each reading the same bytes)."""
    raw = arr.tobytes(order="A")
    variants: dict[str, Any] = {
        "ndarray": arr,
        "bytes": raw,
        "bytearray": bytearray(raw),
        "array.array": array.array("b", raw),
        "memoryview-bytes": memoryview(raw),
    }
    try:
        variants["memoryview-array"] = memoryview(arr)
    except (ValueError, TypeError):  # e.g. datetime64 has no buffer format
        pass
    if arr.flags.c_contiguous:  # the strided copy reads in C order, like arr
        variants["noncontiguous"] = noncontiguous_copy(arr)
    return variants


def compare_arrays(expected: np.ndarray, actual: Any, precision: int | None = None) -> None:
    """Assert that decoded `actual` (any buffer) holds the values of `expected`."""
    if isinstance(actual, np.ndarray) and actual.dtype.hasobject:
        assert actual.size == expected.size
        assert actual.reshape(-1).tolist() == expected.reshape(-1, order="A").tolist()
        return
    if isinstance(actual, np.ndarray) and actual.dtype == expected.dtype:
        result = actual
    else:
        raw = np.asarray(memoryview(actual)) if not isinstance(actual, np.ndarray) else actual
        raw = np.ascontiguousarray(raw).reshape(-1).view(np.uint8)
        assert raw.nbytes == expected.nbytes, (raw.nbytes, expected.nbytes)
        result = raw.view(expected.dtype)
    order = "F" if expected.flags.f_contiguous and not expected.flags.c_contiguous else "C"
    if result.shape != expected.shape:
        result = result.reshape(expected.shape, order=order)
    if precision is None:
        assert_array_equal(expected, result)
    else:
        assert_array_almost_equal(expected, result, decimal=precision)


def check_encode_decode(
    codec: Any,
    arr: np.ndarray,
    *,
    precision: int | None = None,
    typed_input_only: bool = False,
) -> bytes:
    """Round-trip `arr` through `codec` from every buffer type, with and without ``out``.

    Parameters
    ----------
    codec : Codec
    arr : numpy.ndarray
    precision : int, optional
        Decimal places compared for lossy codecs (exact comparison if None).
    typed_input_only : bool
        Encode only from arrays of `arr`'s dtype (for codecs that need the dtype).

    Returns
    -------
    bytes
        The encoded bytes of `arr`.
    """
    enc = codec.encode(arr)
    reference = encoded_bytes(enc)
    compare_arrays(arr, codec.decode(enc), precision)

    # encoding: every buffer type gives the same bytes
    for name, buf in buffer_variants(arr).items():
        if typed_input_only and not (isinstance(buf, np.ndarray) and buf.dtype == arr.dtype):
            continue
        assert encoded_bytes(codec.encode(buf)) == reference, f"encode from {name}"

    # decoding: from every buffer type
    for buf in (reference, bytearray(reference), memoryview(reference)):
        compare_arrays(arr, codec.decode(buf), precision)
    compare_arrays(arr, codec.decode(np.frombuffer(reference, dtype=np.uint8)), precision)

    # decoding into out: an array like arr, a bytearray, a strided array
    out = np.empty_like(arr)
    assert codec.decode(reference, out=out) is out
    compare_arrays(arr, out, precision)
    out_bytes = bytearray(arr.nbytes)
    assert codec.decode(reference, out=out_bytes) is out_bytes
    compare_arrays(arr, out_bytes, precision)
    if arr.flags.c_contiguous and arr.size > 1:
        strided = noncontiguous_copy(np.zeros_like(arr))
        assert codec.decode(reference, out=strided) is strided
        compare_arrays(arr, np.ascontiguousarray(strided), precision)

    # decoding into out of the wrong size fails loudly
    with pytest.raises(ValueError):
        codec.decode(reference, out=np.empty(arr.nbytes + 1, dtype=np.uint8))
    return reference


def check_object_encode_decode(codec: Any, arr: np.ndarray) -> bytes:
    """Round-trip the object array `arr` (as array, list and strided view), with and without out.

    Returns
    -------
    bytes
        The encoded bytes of `arr`.
    """
    reference = encoded_bytes(codec.encode(arr))
    compare_arrays(arr, codec.decode(reference))
    if arr.ndim == 1:
        assert encoded_bytes(codec.encode(noncontiguous_copy(arr))) == reference
    for buf in (bytearray(reference), memoryview(reference), np.frombuffer(reference, "u1")):
        compare_arrays(arr, codec.decode(buf))
    out = np.empty(arr.size, dtype=object)
    assert codec.decode(reference, out=out) is out
    compare_arrays(arr, out)
    with pytest.raises(ValueError):
        codec.decode(reference, out=np.empty(arr.size + 1, dtype=object))
    return reference


def check_config(codec: Any) -> None:
    """Check that the config is JSON-serialisable and round-trips through get_codec."""
    config = codec.get_config()
    assert config["id"] == codec.codec_id
    loaded = json.loads(json.dumps(config))
    snapshot = copy.deepcopy(loaded)
    rebuilt = get_codec(loaded)
    assert loaded == snapshot, "get_codec modified its argument"
    assert type(rebuilt) is type(codec)
    assert rebuilt == codec
    assert rebuilt.get_config() == config
    assert repr(rebuilt) == repr(codec)


def check_numcodecs_interop(codec: Any, arr: np.ndarray, precision: int | None = None) -> bool:
    """Check that numcodecs decodes our encoding and we decode numcodecs' encoding.

    Also checks that numcodecs builds an equal codec, with the same repr, from our config.

    Returns
    -------
    bool
        Whether both encodings of `arr` are byte-identical.
    """
    import numcodecs

    theirs = numcodecs.get_codec(codec.get_config())
    assert theirs.get_config() == codec.get_config()
    assert repr(theirs) == repr(codec)
    assert codec == theirs
    ours_enc = codec.encode(arr)
    theirs_enc = theirs.encode(arr)
    compare_arrays(arr, theirs.decode(ours_enc), precision)
    compare_arrays(arr, codec.decode(theirs_enc), precision)
    compare_arrays(arr, codec.decode(encoded_bytes(theirs_enc)), precision)
    return encoded_bytes(ours_enc) == encoded_bytes(theirs_enc)


@st.composite
def ortho_selections(draw: Any, shape: tuple[int, ...]) -> tuple:
    """A random orthogonal selection (ints, slices, int arrays, masks) for `shape`."""
    sel = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "ints", "bools"]))
        if kind == "int":
            sel.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            step = draw(st.sampled_from([None, 1, 2, -1, -3]))
            sel.append(slice(draw(st.none() | st.integers(-n, n)), None, step))
        elif kind == "ints":
            sel.append(np.array(draw(st.lists(st.integers(-n, n - 1), max_size=8)), dtype=int))
        else:
            sel.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    return tuple(sel)


def numpy_orthogonal(a: np.ndarray, sel: tuple) -> np.ndarray:
    """numpy's equivalent of an orthogonal selection."""
    axes = []
    for n, s in zip(a.shape, sel):
        if isinstance(s, slice):
            axes.append(np.arange(n)[s])
        elif isinstance(s, np.ndarray) and s.dtype == bool:
            axes.append(np.nonzero(s)[0])
        else:
            axes.append(np.atleast_1d(np.arange(n)[s]))
    result = a[np.ix_(*axes)]
    drop = tuple(d for d, s in enumerate(sel) if isinstance(s, (int, np.integer)))
    return result.reshape([n for d, n in enumerate(result.shape) if d not in drop])


#: A structured dtype used across the array tests.
STRUCT = np.dtype([("a", "i4"), ("b", "f8")])



def sample(dtype: Any, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Deterministic, non-trivial data of `dtype` and `shape` (no fill-value runs)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    kind = dtype.kind
    if kind == "b":
        flat = rng.integers(0, 2, n).astype(bool)
    elif kind in "iu":
        info = np.iinfo(dtype)
        flat = rng.integers(max(info.min, -1000), min(info.max, 1000), n, endpoint=True)
    elif kind == "f":
        flat = rng.standard_normal(n) * 100
    elif kind == "c":
        flat = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    elif kind == "S":
        flat = np.array([b"s%d" % i for i in rng.integers(0, 10**6, n)])
    elif kind == "U":
        flat = np.array([f"\u00fc{i}" for i in rng.integers(0, 10**4, n)])
    elif kind in "Mm":
        flat = rng.integers(-(10**6), 10**6, n)
    elif kind == "V":
        flat = np.zeros(n, dtype)
        raw = flat.view(np.uint8).reshape(n, dtype.itemsize)
        raw[...] = rng.integers(0, 256, raw.shape)
        return flat.reshape(shape)
    else:
        raise TypeError(dtype)
    return np.asarray(flat).astype(dtype).reshape(shape)


def assert_same(actual: Any, expected: Any) -> None:
    """Equal type kind, dtype, shape and bytes (so NaN, -0.0 and NaT compare exactly)."""
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), type(actual)
        assert actual.shape == expected.shape
        assert actual.dtype == expected.dtype
        if expected.dtype.hasobject:
            assert actual.tolist() == expected.tolist()
        else:
            assert actual.tobytes(order="C") == expected.tobytes(order="C")
    else:
        assert not isinstance(actual, np.ndarray) or actual.shape == ()
        assert np.asarray(actual).tobytes() == np.asarray(expected).tobytes()
        assert type(actual) is type(expected)


def stored_chunk_keys(store: Any, prefix: str = "") -> set[str]:
    return {
        k[len(prefix) :]
        for k in store
        if k.startswith(prefix) and not k.rsplit("/", 1)[-1].startswith(".z")
    }


def codec_id(obj: Any) -> str:
    """A test id for a codec parameter."""
    return repr(obj) if not isinstance(obj, (str, list)) else str(obj)


#: Object-array strings with non-ASCII, empty and NUL-holding items.
STRINGS = np.array(
    [["\u03b1", "b", "", "dddd", "e\u0000f"]] * 3 + [["x", "yy", "", "z", "w"]], dtype=object
)


def same_value(a: Any, b: Any, dtype: np.dtype) -> bool:
    """True when two fill values are equal as stored (NaN equals NaN, -0.0 differs from 0.0)."""
    if a is None or b is None:
        return a is None and b is None
    x, y = np.array(a, dtype=dtype), np.array(b, dtype=dtype)
    if dtype.kind in "fc":
        parts = [(x, y)] if dtype.kind == "f" else [(x.real, y.real), (x.imag, y.imag)]
        return all(
            (np.isnan(p) and np.isnan(q)) or (p == q and np.signbit(p) == np.signbit(q))
            for p, q in parts
        )
    return x.tobytes() == y.tobytes()


def base_meta(**changes: Any) -> dict:
    """A valid .zarray document as a dict, with `changes` applied."""
    d = {
        "zarr_format": 2,
        "shape": [10, 4],
        "chunks": [5, 3],
        "dtype": "<f8",
        "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
        "fill_value": 0.0,
        "order": "C",
        "filters": None,
    }
    d.update(changes)
    return d


#: A nested structured dtype in .zarray JSON form.
STRUCT_JSON = [
    ["a", "<i4"], ["b", "<f8", [2, 3]], ["c", [["x", "<u2"]]], ["d", [["y", ">f4"]], [2]]
]
