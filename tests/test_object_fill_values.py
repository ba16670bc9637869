"""The default fill value of object arrays: "" for vlen-utf8 and b"" (stored as "") for
vlen-bytes, which zarr-python 3 and xarray can open (they refuse, or misread, zarr-python
2's 0); 0 for the other object codecs, which zarr-python 3 cannot open whatever the fill
value. An explicit fill value is kept as given. Checked against zarr-python 3, xarray,
zarr-python 2 and zarrlite itself, reading never-written chunks."""

from __future__ import annotations

import json
import warnings

import numcodecs
import numpy as np
import pytest
import xarray as xr
import zarr
from zarr2_env import run_zarr2

import zarrlite as zl
from zarrlite.codecs import objects
from zarrlite.metadata.dtypes import DEFAULT_FILL, default_fill_value

#: codec id: (codec, two values, stored default fill value, zarrlite's fill value)
CODECS = {
    "vlen-utf8": (zl.VLenUTF8(), ["a", "bb"], "", ""),
    "vlen-bytes": (zl.VLenBytes(), [b"a", b"bb"], "", b""),
    "json2": (zl.codecs.JSON(), ["a", 1], 0, 0),
    "pickle": (zl.codecs.Pickle(), ["a", 1], 0, 0),
    "vlen-array": (numcodecs.VLenArray("<i4"), [np.array([1, 2], "i4"), np.array([3], "i4")],
                   0, 0),
}
#: What zarr-python 3 can open (its data types for object arrays).
ZARR3_OPENS = ("vlen-utf8", "vlen-bytes")


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _make(store: str, codec_id: str, **kwargs) -> zl.Array:
    """An array of 6 items in chunks of 2 with the first chunk written."""
    codec, values, _, _ = CODECS[codec_id]
    z = zl.create(6, chunks=2, dtype=object, object_codec=codec, store=store, **kwargs)
    z[:2] = _objects(values)
    return z


def _stored_fill(path) -> object:
    return json.loads((path / ".zarray").read_text())["fill_value"]


def _as_list(items) -> list:
    return [np.asarray(v).tolist() if isinstance(v, np.ndarray) else v for v in items]


@pytest.fixture(autouse=True)
def _trusted_pickles(monkeypatch):
    monkeypatch.setattr(objects, "ALLOW_UNSAFE_PICKLE_DECODE", True)


@pytest.mark.parametrize("codec_id", sorted(CODECS))
def test_default_fill_value_stored_and_read_back(codec_id, tmp_path):
    _, values, stored, fill = CODECS[codec_id]
    z = _make(str(tmp_path / "a.zarr"), codec_id)
    assert _stored_fill(tmp_path / "a.zarr") == stored
    assert type(z.fill_value) is type(fill) and z.fill_value == fill
    again = zl.open_array(str(tmp_path / "a.zarr"), mode="r")
    assert type(again.fill_value) is type(fill) and again.fill_value == fill
    assert _as_list(again[...]) == _as_list(values) + [fill] * 4  # chunks 1, 2: never written
    assert default_fill_value(np.dtype(object), codec_id) == fill


@pytest.mark.parametrize("codec_id", ZARR3_OPENS)
def test_zarr_python_3_reads_what_we_write(codec_id, tmp_path):
    _, values, _, fill = CODECS[codec_id]
    zl.open_group(str(tmp_path / "g.zarr"), mode="w")
    _make(str(tmp_path / "g.zarr"), codec_id, path="a")
    theirs = zarr.open_array(str(tmp_path / "g.zarr/a"), mode="r", zarr_format=2)
    assert theirs.fill_value == fill
    assert theirs[...].tolist() == values + [fill] * 4
    group = zarr.open_group(str(tmp_path / "g.zarr"), mode="r", zarr_format=2)
    assert group["a"][...].tolist() == values + [fill] * 4


@pytest.mark.parametrize("codec_id", ZARR3_OPENS)
def test_we_write_what_zarr_python_3_writes(codec_id, tmp_path):
    from zarr.core.dtype import VariableLengthBytes, VariableLengthUTF8

    dtype = VariableLengthUTF8() if codec_id == "vlen-utf8" else VariableLengthBytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zarr 3 warns that these dtypes may change in v3
        zarr.create_array(str(tmp_path / "theirs.zarr"), shape=(6,), chunks=(2,), dtype=dtype,
                          zarr_format=2)
    _make(str(tmp_path / "ours.zarr"), codec_id)
    assert _stored_fill(tmp_path / "ours.zarr") == _stored_fill(tmp_path / "theirs.zarr")
    theirs = zl.open_array(str(tmp_path / "theirs.zarr"), mode="r")
    assert theirs[...].tolist() == [CODECS[codec_id][3]] * 6


def test_xarray_opens_a_group_with_vlen_arrays(tmp_path):
    g = zl.open_group(str(tmp_path / "x.zarr"), mode="w")
    for name, dtype, values in (("b", bytes, [b"x", b"yy"]), ("s", str, ["x", "yy"])):
        a = g.create_dataset(name, shape=4, chunks=2, dtype=dtype)
        a[:2] = _objects(values)
        a.attrs["_ARRAY_DIMENSIONS"] = ["n"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = xr.open_dataset(str(tmp_path / "x.zarr"), engine="zarr", consolidated=False,
                             zarr_format=2, mask_and_scale=False)
    assert ds["b"].values.tolist() == [b"x", b"yy", b"", b""]
    assert ds["s"].values.tolist() == ["x", "yy", "", ""]


@pytest.mark.parametrize("codec_id", sorted(CODECS))
def test_explicit_fill_values_are_kept(codec_id, tmp_path):
    for i, explicit in enumerate((0, None, "n/a", 7)):
        path = tmp_path / f"e{i}.zarr"
        z = _make(str(path), codec_id, fill_value=explicit)
        if codec_id == "vlen-bytes" and explicit == "n/a":
            explicit = b"n/a"  # text in a bytes array: UTF-8, as zarr-python 3 does
            assert _stored_fill(path) == "bi9h"  # base64, zarr-python 3's form of bytes
        else:
            assert _stored_fill(path) == explicit
        assert zl.open_array(str(path), mode="r").fill_value == explicit
        assert z[5] == explicit and zl.open_array(str(path), mode="r")[4] == explicit
    full = zl.full(3, 0, dtype=str)  # full() is explicit too
    assert full.fill_value == 0 and full[0] == 0


def test_fill_values_in_the_codecs_item_type(tmp_path):
    """bytes for a vlen-utf8 array are decoded (else stored as base64 and read as that
    text); zarr-python 3 reads both."""
    z = zl.create(3, chunks=2, dtype=str, fill_value=b"caf\xc3\xa9", store=str(tmp_path / "u"))
    assert z.fill_value == "café" and _stored_fill(tmp_path / "u") == "café"
    z = zl.create(3, chunks=2, dtype=bytes, fill_value="café", store=str(tmp_path / "b"))
    assert z.fill_value == "café".encode()
    for name, want in (("u", "café"), ("b", "café".encode())):
        theirs = zarr.open_array(str(tmp_path / name), mode="r", zarr_format=2)
        assert theirs[...].tolist() == [want] * 3
    with pytest.raises(ValueError, match="not UTF-8"):
        zl.create(3, dtype=str, fill_value=b"\xff")


def test_other_creation_paths_use_the_default(tmp_path):
    assert zl.create(2, dtype=str).fill_value == ""
    assert zl.create(2, dtype=bytes).fill_value == b""
    assert zl.zeros(2, dtype=str)[...].tolist() == ["", ""]  # the zero of strings
    assert zl.zeros(2, dtype="S3").fill_value == b""
    assert zl.zeros(2, dtype=object, object_codec=zl.codecs.JSON()).fill_value == 0
    assert zl.zeros(2, dtype="i4").fill_value == 0 and zl.create(2).fill_value == 0
    assert zl.create(2, dtype=object, filters=[zl.VLenBytes()]).fill_value == b""
    assert zl.create(2, dtype="array:i4").fill_value == 0
    g = zl.group()
    assert g.create_dataset("s", shape=2, dtype=str).fill_value == ""
    assert zl.open_array(str(tmp_path / "o.zarr"), mode="w", shape=2, dtype=bytes).fill_value \
        == b""
    with zl.File(str(tmp_path / "h.zarr"), "w") as f:  # the h5py face agrees
        f.create_dataset("s", shape=2, dtype=zl.string_dtype())
    assert zl.open_array(str(tmp_path / "h.zarr"), path="s").fill_value == ""
    assert repr(DEFAULT_FILL) == "DEFAULT_FILL"


def test_zarr_python_2_reads_what_we_write_and_we_read_theirs(tmp_path):
    for codec_id in CODECS:
        _make(str(tmp_path / f"ours-{codec_id}.zarr"), codec_id)
    script = r"""
import json, sys, numpy as np, numcodecs, zarr
base = sys.argv[1]
codecs = {"vlen-utf8": numcodecs.VLenUTF8(), "vlen-bytes": numcodecs.VLenBytes(),
          "json2": numcodecs.JSON(), "pickle": numcodecs.Pickle(),
          "vlen-array": numcodecs.VLenArray("<i4")}
out = {}
for codec_id, codec in codecs.items():
    ours = zarr.open_array(base + "/ours-" + codec_id + ".zarr", mode="r")
    if codec_id != "pickle":  # numcodecs 0.15 refuses to unpickle by default
        items = [repr(v.tolist() if isinstance(v, np.ndarray) else v) for v in ours[...]]
    else:
        items = None
    zarr.create(6, chunks=2, dtype=object, object_codec=codec,
                store=base + "/theirs-" + codec_id + ".zarr")
    out[codec_id] = [repr(ours.fill_value), items]
print(json.dumps(out))
"""
    out = json.loads(run_zarr2(script, str(tmp_path)).stdout)
    # zarr 2 decodes a fill value as JSON only: vlen-bytes' "" reads as the str ''
    assert out["vlen-utf8"] == ["''", ["'a'", "'bb'"] + ["''"] * 4]
    assert out["vlen-bytes"] == ["''", ["b'a'", "b'bb'"] + ["''"] * 4]
    assert out["json2"] == ["0", ["'a'", "1"] + ["0"] * 4]
    assert out["pickle"] == ["0", None]
    assert out["vlen-array"] == ["0", ["[1, 2]", "[3]"] + ["0"] * 4]
    for codec_id in CODECS:  # zarr 2's own default, 0, is read as it is
        theirs = zl.open_array(str(tmp_path / f"theirs-{codec_id}.zarr"), mode="r")
        assert theirs.fill_value == 0 and _as_list(theirs[...]) == [0] * 6
