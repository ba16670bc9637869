"""``zarrlite convert`` through a real ``zarrlite`` process, on real files: an h5py-written
file with nested groups, attributes of many types and several kinds of datasets; Zarr to
Zarr with new chunks and codecs; HTTP and S3 URLs. h5py and numpy are the oracles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import zarrlite as zl

ZARRLITE = [sys.executable, "-m", "zarrlite"]
RNG = np.random.default_rng(42)
FRAMES = RNG.integers(0, 4000, size=(6, 70, 50), dtype="u2")
FIELD = np.cos(np.linspace(0, 20, 300 * 40)).reshape(300, 40)
TIME = np.arange(300, dtype="f8") * 0.5
RECORDS = np.array([(1, 2.5), (2, -1.0), (3, 7.25)], dtype=[("id", "<i4"), ("value", "<f8")])


def zarrlite(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m zarrlite ARGS`` in a new process, in `cwd`."""
    return subprocess.run([*ZARRLITE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=None if env is None else {**os.environ, **env})


def ok(result: subprocess.CompletedProcess) -> str:
    """stdout of a command that must have succeeded."""
    assert result.returncode == 0, result.stderr
    return result.stdout


def write_experiment(path: Path) -> None:
    """An HDF5 file as instruments write them: nested groups, attributes of many numpy
    types, a chunked compressed 3-d dataset, a contiguous 2-d one with a dimension scale,
    strings, records, a scalar, and things Zarr cannot hold (links, references)."""
    with h5py.File(path, "w") as f:
        f.attrs["title"] = "bench run"
        f.attrs["version"] = np.int16(3)
        f.attrs["flags"] = np.array([True, False])
        f.attrs["raw"] = np.bytes_(b"ascii bytes")
        images = f.create_group("run1/detector/images")
        images.attrs["exposure_s"] = np.float32(0.25)
        images.attrs["gain"] = np.array([1.5, 2.0, 2.5], dtype="f4")
        frames = images.create_dataset("frames", data=FRAMES, chunks=(1, 35, 50),
                                       compression="gzip", shuffle=True)
        frames.attrs["units"] = "counts"
        frames.attrs["origin"] = np.array([0, 0, 0], dtype="i8")
        f.create_group("run1/empty_group").attrs["note"] = "nothing inside"
        field = f.create_dataset("run1/field", data=FIELD)  # contiguous
        time = f.create_dataset("run1/time", data=TIME)
        station = f.create_dataset("run1/station", data=np.arange(40, dtype="i2"))
        time.make_scale("time")
        station.make_scale("station")
        field.dims[0].attach_scale(time)
        field.dims[1].attach_scale(station)
        field.attrs["long_name"] = "a smooth field"
        f.create_dataset("names", data=["alpha", "beta", "gamma"],
                         dtype=h5py.string_dtype())
        f.create_dataset("records", data=RECORDS, chunks=(2,))
        f.create_dataset("answer", data=np.float32(42.0))
        f["link_to_field"] = h5py.SoftLink("/run1/field")
        f.create_dataset("refs", data=[f["names"].ref], dtype=h5py.ref_dtype)
        f["names"].attrs["points_to"] = f["answer"].ref


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("h5") / "experiment.h5"
    write_experiment(path)
    return path


@pytest.fixture(scope="module")
def converted(experiment, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The experiment converted by ``zarrlite convert experiment.h5 out.zarr``."""
    cwd = tmp_path_factory.mktemp("convert")
    result = zarrlite("convert", str(experiment), "out.zarr", cwd=cwd)
    ok(result)
    return cwd / "out.zarr", result


def h5_datasets(path: Path) -> dict[str, h5py.Dataset]:
    found: dict[str, str] = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.setdefault(name, type(obj).__name__))
    return found


def test_every_dataset_and_group_is_converted(experiment, converted):
    out, result = converted
    root = zl.open_group(str(out), mode="r")
    assert sorted(root.group_keys()) == ["run1"]
    assert sorted(root["run1"].group_keys()) == ["detector", "empty_group"]
    assert sorted(root.array_keys()) == ["answer", "names", "records"]
    assert sorted(root["run1"].array_keys()) == ["field", "station", "time"]
    assert "7 arrays, 5 groups" in result.stdout  # refs and the soft link left out
    with h5py.File(experiment, "r") as f:
        for name in ["run1/detector/images/frames", "run1/field", "run1/time",
                     "run1/station", "records", "answer"]:
            z = root[name]
            expected = f[name][()]
            assert z.dtype == expected.dtype, name
            assert z.shape == expected.shape, name
            np.testing.assert_array_equal(z[...], expected, err_msg=name)
        assert root["names"][...].tolist() == ["alpha", "beta", "gamma"]


def test_hdf5_chunks_are_kept_and_data_is_compressed(converted):
    out, _ = converted
    frames = zl.open_array(str(out / "run1/detector/images/frames"), mode="r")
    assert frames.chunks == (1, 35, 50)
    assert frames.compressor.get_config()["id"] == "blosc"
    assert frames.nchunks_initialized == frames.nchunks == 12
    records = zl.open_array(str(out / "records"), mode="r")
    assert records.chunks == (2,)
    field = zl.open_array(str(out / "run1/field"), mode="r")  # contiguous in HDF5
    assert field.nchunks >= 1 and field.shape == (300, 40)


def test_attributes_read_back_as_h5py_reads_them(experiment, converted):
    out, _ = converted
    with h5py.File(experiment, "r") as h5, zl.File(str(out), "r") as zf:
        for name in ["/", "run1/detector/images", "run1/detector/images/frames",
                     "run1/empty_group", "run1/field"]:
            expected, actual = h5[name].attrs, zf[name].attrs
            names = sorted(n for n in expected if n not in ("DIMENSION_LIST",))
            assert sorted(actual) == names, name
            for attr in names:
                want, got = expected[attr], actual[attr]
                assert type(got) is type(want), (name, attr, got, want)
                np.testing.assert_array_equal(got, want)
                if isinstance(want, (np.ndarray, np.generic)):
                    assert got.dtype == want.dtype, (name, attr)


def test_attributes_are_plain_json_for_other_readers(converted):
    out, _ = converted
    doc = json.loads((out / "run1/detector/images/frames/.zattrs").read_text())
    assert doc["units"] == "counts" and doc["origin"] == [0, 0, 0]
    images = json.loads((out / "run1/detector/images/.zattrs").read_text())
    assert images["exposure_s"] == 0.25 and images["gain"] == [1.5, 2.0, 2.5]


def test_dimension_scales_become_array_dimensions(converted):
    out, _ = converted
    field = json.loads((out / "run1/field/.zattrs").read_text())
    assert field["_ARRAY_DIMENSIONS"] == ["time", "station"]
    assert "DIMENSION_LIST" not in field
    time = json.loads((out / "run1/time/.zattrs").read_text())
    assert time["_ARRAY_DIMENSIONS"] == ["time"]
    assert not {"CLASS", "NAME", "REFERENCE_LIST"} & set(time)


def test_xarray_opens_the_converted_group(converted):
    import xarray as xr

    out, _ = converted
    ds = xr.open_zarr(str(out), group="run1", consolidated=False)
    assert ds["field"].dims == ("time", "station")
    np.testing.assert_array_equal(ds["field"].values, FIELD)
    np.testing.assert_array_equal(ds["time"].values, TIME)
    assert ds["field"].attrs["long_name"] == "a smooth field"


def test_zarr_python_reads_the_converted_store(converted):
    import zarr

    out, _ = converted
    root = zarr.open_group(str(out), mode="r", zarr_format=2)
    np.testing.assert_array_equal(root["run1/detector/images/frames"][...], FRAMES)
    assert root["run1/detector/images"].attrs["gain"] == [1.5, 2.0, 2.5]
    assert list(root["names"][...]) == ["alpha", "beta", "gamma"]


def test_what_zarr_cannot_hold_is_left_out_with_a_warning(converted):
    _, result = converted
    warnings = [line for line in result.stderr.splitlines() if line]
    assert all(line.startswith("zarrlite: warning: ") for line in warnings), result.stderr
    assert any("/link_to_field: a soft link to /run1/field" in w for w in warnings)
    assert any("/refs: it holds HDF5 object references" in w for w in warnings)
    assert any("attribute 'points_to' of /names: it holds HDF5 object references" in w
               for w in warnings)
    assert len(warnings) == 3
    assert "Traceback" not in result.stderr


def test_fill_values_set_in_hdf5_are_kept_and_the_default_is_not(tmp_path):
    with h5py.File(tmp_path / "fill.h5", "w") as f:
        f.create_dataset("set", data=np.zeros(4), fillvalue=-999.0)
        f.create_dataset("default", data=np.zeros(4, dtype="i2"))
        f.create_dataset("sparse", shape=(100,), chunks=(10,), dtype="f4", fillvalue=np.nan)
        f["sparse"][:10] = 1
    ok(zarrlite("convert", "fill.h5", "fill.zarr", cwd=tmp_path))
    root = zl.open_group(str(tmp_path / "fill.zarr"), mode="r")
    assert root["set"].fill_value == -999.0
    assert root["default"].fill_value is None
    np.testing.assert_array_equal(root["default"][...], np.zeros(4))
    sparse = root["sparse"]
    assert np.isnan(sparse.fill_value) and sparse.nchunks_initialized == 1  # NaN chunks
    assert sparse[:10].tolist() == [1.0] * 10 and np.isnan(sparse[10:]).all()  # not stored


@pytest.mark.parametrize("name, make", [
    ("empty_extent", lambda f: f.create_dataset("d", shape=(0, 10), maxshape=(None, 10),
                                                 dtype="f4", chunks=(5, 10))),
    ("enum", lambda f: f.create_dataset("d", data=np.array([0, 1, 1], dtype="i1"),
                                        dtype=h5py.enum_dtype({"a": 0, "b": 1}, "i1"))),
    ("fixed_bytes", lambda f: f.create_dataset("d", data=np.array([b"ab", b"c"], "S2"))),
    ("vlen_bytes", lambda f: f.create_dataset("d", data=[b"a", b"bcd"],
                                              dtype=h5py.string_dtype("ascii"))),
    ("big_endian", lambda f: f.create_dataset("d", data=np.arange(7, dtype=">i4"))),
    ("complex", lambda f: f.create_dataset("d", data=np.arange(4) * (1 + 2j), chunks=(2,))),
    ("bool_3d", lambda f: f.create_dataset("d", data=np.eye(6, dtype=bool)[None].repeat(3, 0))),
    ("uneven_chunks", lambda f: f.create_dataset("d", data=np.arange(1000.).reshape(25, 40),
                                                 chunks=(7, 9), compression="lzf")),
])
def test_dataset_kinds_round_trip(tmp_path, name, make):
    with h5py.File(tmp_path / "k.h5", "w") as f:
        make(f)
    ok(zarrlite("convert", "k.h5:/d", "k.zarr", cwd=tmp_path))
    z = zl.open_array(str(tmp_path / "k.zarr"), mode="r")
    with h5py.File(tmp_path / "k.h5", "r") as f:
        expected = f["d"][()]
        assert z.shape == f["d"].shape and z.chunks == (f["d"].chunks or z.chunks)
    actual = z[...]
    assert actual.tolist() == expected.tolist()
    if expected.dtype.kind != "O":
        assert actual.dtype == expected.dtype


def test_one_dataset_and_one_group_by_path(experiment, tmp_path):
    ok(zarrlite("convert", f"{experiment}:/run1/detector/images/frames", "frames.zarr",
                cwd=tmp_path))
    z = zl.open_array(str(tmp_path / "frames.zarr"), mode="r")
    np.testing.assert_array_equal(z[...], FRAMES)
    assert z.attrs["units"] == "counts"
    ok(zarrlite("convert", f"{experiment}:/run1/detector", "detector.zarr", cwd=tmp_path))
    g = zl.open_group(str(tmp_path / "detector.zarr"), mode="r")
    assert list(g.group_keys()) == ["images"] and g["images"].attrs["exposure_s"] == 0.25
    np.testing.assert_array_equal(g["images/frames"][...], FRAMES)


def test_hdf5_is_recognized_by_its_signature_not_its_name(experiment, tmp_path):
    renamed = tmp_path / "experiment.data"
    renamed.write_bytes(experiment.read_bytes())
    ok(zarrlite("convert", "experiment.data:/answer", "answer.zarr", cwd=tmp_path))
    assert zl.open_array(str(tmp_path / "answer.zarr"), mode="r")[()] == 42.0


def test_hdf5_with_a_user_block(tmp_path):
    with h5py.File(tmp_path / "ub.h5", "w", userblock_size=1024) as f:
        f["x"] = np.arange(5)
    ok(zarrlite("convert", "ub.h5", "ub.zarr", cwd=tmp_path))
    assert zl.open_array(str(tmp_path / "ub.zarr/x"))[...].tolist() == [0, 1, 2, 3, 4]


def test_chunks_and_compressor_options_on_hdf5(experiment, tmp_path):
    ok(zarrlite("convert", f"{experiment}:/run1/detector/images/frames", "f.zarr",
                "--chunks", "2,-1,20", "--compressor", "zstd:7", cwd=tmp_path))
    z = zl.open_array(str(tmp_path / "f.zarr"), mode="r")
    assert z.chunks == (2, 70, 20)
    assert z.compressor.get_config() == {"id": "zstd", "level": 7, "checksum": False}
    np.testing.assert_array_equal(z[...], FRAMES)


def test_one_chunk_length_applies_to_every_array(experiment, tmp_path):
    ok(zarrlite("convert", str(experiment), "o.zarr", "--chunks", "32",
                "--compressor", "none", cwd=tmp_path))
    root = zl.open_group(str(tmp_path / "o.zarr"), mode="r")
    assert root["run1/detector/images/frames"].chunks == (6, 32, 32)
    assert root["run1/time"].chunks == (32,)
    assert root["answer"].chunks == () and root["answer"].compressor is None


def test_two_level_chunks(experiment, tmp_path):
    ok(zarrlite("convert", f"{experiment}:/run1/field", "b.zarr", "--chunks", "300,40",
                "--b2nd", "--blocks", "50,8", "--compressor", "blosc:lz4:3:bitshuffle",
                cwd=tmp_path))
    z = zl.open_array(str(tmp_path / "b.zarr"), mode="r")
    assert z.compressor.get_config() == {"id": "zarrlite.b2nd", "cname": "lz4", "clevel": 3,
                                         "shuffle": 2, "blocks": [50, 8]}
    np.testing.assert_array_equal(z[...], FIELD)
    before = z.stats["blocks_decoded"]
    window = z[100:110, 0:5]
    np.testing.assert_array_equal(window, FIELD[100:110, 0:5])
    assert z.stats["blocks_decoded"] - before == 1  # of the chunk's 6 x 5 blocks


def test_zarr_to_zarr_keeps_what_is_not_changed(tmp_path):
    src = zl.open_group(str(tmp_path / "src.zarr"), mode="w")
    src.attrs["about"] = {"nested": [1, 2]}
    x = src.create_dataset("g/x", data=np.arange(1000, dtype="f4").reshape(20, 50),
                           chunks=(5, 25), filters=[zl.Delta(dtype="f4")], fill_value=-1,
                           compressor=zl.Zstd(level=2), order="F")
    x.attrs["units"] = "m"
    src.create_dataset("s", data=np.array(["a", "bc"], dtype=object), dtype=str)
    src.create_group("empty")
    ok(zarrlite("convert", "src.zarr", "dst.zip", cwd=tmp_path))
    dst = zl.open_group(str(tmp_path / "dst.zip"), mode="r")
    y = dst["g/x"]
    assert (y.chunks, y.fill_value, y.order) == ((5, 25), -1, "F")
    assert y.filters == [zl.Delta(dtype="f4")] and y.compressor == zl.Zstd(level=2)
    assert y.attrs.asdict() == {"units": "m"} and dst.attrs["about"] == {"nested": [1, 2]}
    np.testing.assert_array_equal(y[...], x[...])
    assert dst["s"][...].tolist() == ["a", "bc"] and "empty" in dst


def test_zarr_to_zarr_rechunks_and_recompresses(tmp_path):
    data = RNG.random((64, 64))
    zl.array(data, chunks=(8, 8), store=str(tmp_path / "a.zarr"))
    result = zarrlite("convert", "a.zarr", "b.zarr", "--chunks", "64,16", "--b2nd", "-v",
                      cwd=tmp_path)
    assert "array / (64, 64) float64 chunks (64, 16) b2nd:zstd:5:shuffle" in ok(result)
    b = zl.open_array(str(tmp_path / "b.zarr"), mode="r")
    assert b.chunks == (64, 16) and b.compressor.codec_id == "zarrlite.b2nd"
    np.testing.assert_array_equal(b[...], data)


def test_a_node_inside_a_zarr_store(tmp_path):
    g = zl.open_group(str(tmp_path / "a.zarr"), mode="w")
    g.create_dataset("deep/er/x", data=np.arange(10), chunks=5)
    ok(zarrlite("convert", "a.zarr/deep/er/x", "x.zarr", cwd=tmp_path))
    assert zl.open_array(str(tmp_path / "x.zarr"))[...].tolist() == list(range(10))


def test_overwrite_replaces_a_zarr_store_only(experiment, tmp_path):
    zl.open_group(str(tmp_path / "out.zarr"), mode="w").zeros("old", shape=3)
    ok(zarrlite("convert", f"{experiment}:/answer", "out.zarr", "--overwrite", cwd=tmp_path))
    assert not (tmp_path / "out.zarr/old").exists()
    assert zl.open_array(str(tmp_path / "out.zarr"))[()] == 42.0
    (tmp_path / "empty").mkdir()
    ok(zarrlite("convert", f"{experiment}:/answer", "empty", cwd=tmp_path))


def test_consolidate_option(experiment, tmp_path):
    ok(zarrlite("convert", str(experiment), "c.zarr", "--consolidate", cwd=tmp_path))
    root = zl.open_consolidated(str(tmp_path / "c.zarr"), mode="r")
    np.testing.assert_array_equal(root["run1/field"][...], FIELD)


def test_progress_bar_only_when_asked_or_on_a_terminal(experiment, tmp_path):
    quiet = zarrlite("convert", f"{experiment}:/run1/field", "a.zarr", cwd=tmp_path)
    assert ok(quiet) and quiet.stderr == ""  # stderr is not a terminal here
    shown = zarrlite("convert", f"{experiment}:/run1/field", "b.zarr", "--progress",
                     cwd=tmp_path)
    assert ok(shown) and "convert" in shown.stderr and "100%" in shown.stderr
    assert "Traceback" not in shown.stderr


def test_summary_line(experiment, tmp_path):
    out = ok(zarrlite("convert", f"{experiment}:/run1/field", "a.zarr", cwd=tmp_path))
    assert out.startswith(f"{experiment}:/run1/field -> a.zarr: 1 array, 93.8 KiB of data (")
    assert out.count("\n") == 1


# ------------------------------------------------------------------------------- URLs


def test_convert_from_http(converted, tmp_path):
    from http_s3_servers import HTTPServer

    out, _ = converted
    with HTTPServer(out.parent) as server:
        url = f"{server.url}/out.zarr"
        ok(zarrlite("convert", f"{url}:/run1", "copy.zarr", cwd=tmp_path))
    copy = zl.open_group(str(tmp_path / "copy.zarr"), mode="r")
    np.testing.assert_array_equal(copy["field"][...], FIELD)
    assert copy["field"].attrs["_ARRAY_DIMENSIONS"] == ["time", "station"]


def test_convert_an_hdf5_file_over_http(experiment, tmp_path):
    from http_s3_servers import HTTPServer

    with HTTPServer(experiment.parent) as server:
        url = f"{server.url}/{experiment.name}"
        ok(zarrlite("convert", f"{url}:/run1/detector", "d.zarr", cwd=tmp_path))
        missing = zarrlite("convert", f"{url}:/nope", "e.zarr", cwd=tmp_path)
    assert missing.returncode == 2 and "no group or dataset '/nope'" in missing.stderr
    g = zl.open_group(str(tmp_path / "d.zarr"), mode="r")
    np.testing.assert_array_equal(g["images/frames"][...], FRAMES)
    assert g["images"].attrs["exposure_s"] == 0.25


def test_convert_to_s3_with_storage_options(experiment, tmp_path):
    from http_s3_servers import S3Server

    with S3Server() as server:
        url = f"s3://{server.bucket}/data.zarr"
        options = server.storage_options
        endpoint = json.dumps(options["client_kwargs"])
        args = ["-o", f"key={options['key']}", "-o", f"secret={options['secret']}",
                "-o", f"client_kwargs={endpoint}"]
        ok(zarrlite("convert", str(experiment), url, *args, cwd=tmp_path))
        root = zl.open_group(url, mode="r", storage_options=options)
        np.testing.assert_array_equal(root["run1/detector/images/frames"][...], FRAMES)
        again = zarrlite("convert", str(experiment), url, *args, cwd=tmp_path)
        assert again.returncode == 2 and "pass --overwrite" in again.stderr
        ok(zarrlite("convert", f"{experiment}:/answer", url, "--overwrite", *args,
                    cwd=tmp_path))
        assert zl.open(url, mode="r", storage_options=options).shape == ()


# ------------------------------------------------------------------ HDF5 data types


def write_strings_and_records(path: Path) -> None:
    """Strings (fixed-width, variable-length UTF-8 and ASCII) and records, with HDF5's
    default fill value and with one set; all on one dimension scale, so xarray opens them
    as variables."""
    with h5py.File(path, "w") as f:
        n = f.create_dataset("n", data=np.arange(5))
        n.make_scale("n")
        kinds = {
            "fixed": dict(data=np.array([b"ab", b"", b"c", b"", b"d"], "S3"), chunks=(2,)),
            "utf8": dict(data=["é", "", "c", "", "e"], dtype=h5py.string_dtype(), chunks=(2,)),
            "ascii": dict(data=[b"a", b"", b"c", b"", b"e"], dtype=h5py.string_dtype("ascii")),
            "record": dict(data=np.array([(1, 0.0), (0, 0.0), (2, 1.5), (0, 0.0), (3, 2.0)],
                                         dtype=[("id", "<i4"), ("v", "<f8")])),
            "fixed_set": dict(data=np.array([b"ab", b"--", b"c", b"", b"d"], "S3"),
                              fillvalue=b"--"),
            "utf8_set": dict(data=["a", "?", "c", "", "e"], dtype=h5py.string_dtype(),
                             fillvalue=b"?"),
        }
        for name, kw in kinds.items():
            f.create_dataset(name, **kw).dims[0].attach_scale(n)


def test_default_fill_of_strings_and_records_is_not_carried_over(tmp_path):
    write_strings_and_records(tmp_path / "s.h5")
    ok(zarrlite("convert", "s.h5", "s.zarr", cwd=tmp_path))
    meta = {name: json.loads((tmp_path / "s.zarr" / name / ".zarray").read_text())
            for name in ["fixed", "utf8", "ascii", "record", "fixed_set", "utf8_set"]}
    assert {name: m["fill_value"] for name, m in meta.items()} == {
        "fixed": None, "utf8": None, "ascii": None, "record": None,
        "fixed_set": "LS0=",  # b"--", base64 as zarr v2 writes it
        "utf8_set": "?"}
    with h5py.File(tmp_path / "s.h5", "r") as f:
        expected = {name: f[name].asstr()[...].tolist() if name.startswith("utf8")
                    else f[name][...].tolist() for name in meta}
    zroot = zl.open_group(str(tmp_path / "s.zarr"), mode="r")
    import zarr

    zarr3 = zarr.open_group(str(tmp_path / "s.zarr"), mode="r", zarr_format=2)
    for name in meta:
        assert zroot[name][...].tolist() == expected[name], name
        assert zarr3[name][...].tolist() == expected[name], name
    import xarray as xr

    for engine, kw in [("zarrlite", {}), ("zarr", {"consolidated": False})]:
        ds = xr.open_dataset(tmp_path / "s.zarr", engine=engine, **kw)
        for name in ["fixed", "utf8", "ascii", "record"]:  # empty strings stay strings
            assert ds[name].values.tolist() == expected[name], (engine, name)
        # a fill value set in HDF5 is the mark of missing data, as for numbers
        assert ds["fixed_set"].values[1] != ds["fixed_set"].values[1], engine  # NaN
        assert ds["utf8_set"].values.tolist()[2:] == ["c", "", "e"], engine


def test_an_enum_is_stored_as_integers_with_its_names_in_an_attribute(tmp_path):
    with h5py.File(tmp_path / "e.h5", "w") as f:
        f.create_dataset("state", data=np.array([0, 2, 1], dtype="u1"),
                         dtype=h5py.enum_dtype({"off": 0, "on": 1, "broken": 2}, "u1"))
    result = zarrlite("convert", "e.h5", "e.zarr", cwd=tmp_path)
    ok(result)
    assert result.stderr == ("zarrlite: warning: stored /state as plain uint8 integers (Zarr "
                             "has no enums): the names of its values are in its attribute "
                             "'_h5py_enum'\n")
    z = zl.open_array(str(tmp_path / "e.zarr/state"), mode="r")
    assert z.dtype == np.dtype("u1") and z[...].tolist() == [0, 2, 1]
    assert z.attrs["_h5py_enum"] == {"off": 0, "on": 1, "broken": 2}


def test_hard_links_are_copied_at_each_path_with_a_warning(tmp_path):
    with h5py.File(tmp_path / "l.h5", "w") as f:
        f["a/x"] = np.arange(4)
        f["b"] = f["a/x"]  # a second hard link to the dataset
        f["c"] = f["a"]  # ... and to the group
        f["a/loop"] = f["a"]  # a group that holds itself
    result = zarrlite("convert", "l.h5", "l.zarr", cwd=tmp_path)
    ok(result)
    assert result.stderr.splitlines() == [
        "zarrlite: warning: left out /a/loop: a hard link to /a, which holds it (a cycle; "
        "Zarr has no links)",
        "zarrlite: warning: copied /a/x again as /b: both are hard links to one dataset "
        "(Zarr has no links)",
        "zarrlite: warning: copied /a again as /c: both are hard links to one group (Zarr "
        "has no links)",
        "zarrlite: warning: left out /c/loop: a hard link to /a, which holds it (a cycle; "
        "Zarr has no links)",
    ]
    root = zl.open_group(str(tmp_path / "l.zarr"), mode="r")
    for path in ["a/x", "b", "c/x"]:
        assert root[path][...].tolist() == [0, 1, 2, 3], path
    assert "loop" not in root["a"] and "loop" not in root["c"]


@pytest.mark.parametrize("dtype, value", [(h5py.string_dtype(), "héllo"),
                                          (h5py.string_dtype("ascii"), b"hello")])
def test_a_scalar_variable_length_string(tmp_path, dtype, value):
    with h5py.File(tmp_path / "s.h5", "w") as f:
        f.create_dataset("s", data=value, dtype=dtype)
    ok(zarrlite("convert", "s.h5", "s.zarr", cwd=tmp_path))
    z = zl.open_array(str(tmp_path / "s.zarr/s"), mode="r")
    assert z.shape == () and z[()] == value and z.fill_value is None
    import zarr

    assert zarr.open_array(str(tmp_path / "s.zarr/s"), mode="r")[()] == value


def test_verbose_lines_show_the_codecs_as_ls_does(tmp_path):
    g = zl.open_group(str(tmp_path / "a.zarr"), mode="w")
    g.create_dataset("x", data=np.arange(100), chunks=50, filters=[zl.Delta(dtype="i8")],
                     compressor=zl.Zstd(level=3))
    g.create_dataset("s", data=np.array(["a", "bc"], dtype=object), dtype=str)
    out = ok(zarrlite("convert", "a.zarr", "b.zarr", "-v", cwd=tmp_path))
    assert "array /x (100,) int64 chunks (50,) delta+zstd:3 (" in out
    assert "array /s (2,) object chunks (2,) vlen-utf8+blosc:lz4:5:shuffle (" in out
    listing = ok(zarrlite("ls", "b.zarr", cwd=tmp_path))
    assert "delta+zstd:3" in listing and "vlen-utf8+blosc:lz4:5:shuffle" in listing


# ------------------------------------------------------------------ --overwrite


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file below `root` (or `root` itself, a file) and its contents."""
    if root.is_file():
        return {root.name: root.read_bytes()}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def corrupt_store(path: Path) -> None:
    """A Zarr store whose fourth chunk cannot be decoded: converting it fails midway."""
    zl.array(np.arange(100.0), chunks=10, store=str(path))
    (path / "3").write_bytes(b"not a blosc chunk at all")


def entries(directory: Path) -> list[str]:
    """The names in `directory`, but the files SQLite keeps beside a database that was
    opened read-only (which it does not remove)."""
    return sorted(p.name for p in directory.iterdir() if not p.name.endswith(("-wal", "-shm")))


@pytest.mark.parametrize("dest", ["old.zarr", "old.zip", "old.sqlite"])
def test_a_failed_overwrite_leaves_the_old_store_as_it_was(experiment, tmp_path, dest):
    corrupt_store(tmp_path / "corrupt.zarr")
    ok(zarrlite("convert", f"{experiment}:/run1", dest, cwd=tmp_path))
    before = tree_bytes(tmp_path / dest)
    names = entries(tmp_path)
    failed = zarrlite("convert", "corrupt.zarr", dest, "--overwrite", cwd=tmp_path)
    assert failed.returncode == 2 and "cannot decode chunk" in failed.stderr
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert tree_bytes(tmp_path / dest) == before
    assert entries(tmp_path) == names  # no hidden copy left
    old = zl.open_group(str(tmp_path / dest), mode="r")
    np.testing.assert_array_equal(old["field"][...], FIELD)
    old.store.close()
    ok(zarrlite("convert", f"{experiment}:/answer", dest, "--overwrite", cwd=tmp_path))
    assert entries(tmp_path) == names
    assert zl.open_array(str(tmp_path / dest), mode="r")[()] == 42.0


def test_a_failed_conversion_into_an_empty_directory_empties_it_again(tmp_path):
    corrupt_store(tmp_path / "corrupt.zarr")
    (tmp_path / "empty").mkdir()
    failed = zarrlite("convert", "corrupt.zarr", "empty", cwd=tmp_path)
    assert failed.returncode == 2 and "cannot decode chunk" in failed.stderr
    assert list((tmp_path / "empty").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.zarr", "empty"]


def test_overwrite_through_a_symbolic_link_replaces_its_target(experiment, tmp_path):
    zl.open_group(str(tmp_path / "real.zarr"), mode="w").zeros("old", shape=3)
    (tmp_path / "link.zarr").symlink_to("real.zarr")
    ok(zarrlite("convert", f"{experiment}:/answer", "link.zarr", "--overwrite", cwd=tmp_path))
    assert (tmp_path / "link.zarr").is_symlink()
    assert zl.open_array(str(tmp_path / "real.zarr"), mode="r")[()] == 42.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.zarr", "real.zarr"]


def test_a_failed_overwrite_of_a_url_says_the_old_store_was_removed(tmp_path):
    from http_s3_servers import S3Server

    corrupt_store(tmp_path / "corrupt.zarr")
    zl.array(np.arange(5), store=str(tmp_path / "small.zarr"))
    with S3Server() as server:
        url = f"s3://{server.bucket}/data.zarr"
        options = server.storage_options
        args = ["-o", f"key={options['key']}", "-o", f"secret={options['secret']}",
                "-o", f"client_kwargs={json.dumps(options['client_kwargs'])}"]
        ok(zarrlite("convert", "small.zarr", url, *args, cwd=tmp_path))
        failed = zarrlite("convert", "corrupt.zarr", url, "--overwrite", *args, cwd=tmp_path)
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1, failed.stderr
    assert failed.stderr.startswith("zarrlite: error: cannot decode chunk")
    assert (f"; the Zarr store that was at '{url}' had been removed first (--overwrite on a "
            "URL replaces in place), and what is there now is an incomplete conversion"
            in failed.stderr)


def test_unlimited_maxshape_survives_convert(tmp_path):
    with h5py.File(tmp_path / "ms.h5", "w") as f:
        f.create_dataset("frames", shape=(3, 4), maxshape=(None, 4), chunks=(2, 4), dtype="f4")
        f.create_dataset("fixed", shape=(3, 4), chunks=(2, 4), dtype="f4")
    ok(zarrlite("convert", "ms.h5", "ms.zarr", "--no-progress", cwd=tmp_path))
    with zl.File(tmp_path / "ms.zarr", "r+") as f:
        assert f["frames"].maxshape == (None, 4) and f["fixed"].maxshape == (3, 4)
        f["frames"].resize(10, axis=0)  # appending to a converted file works, as in HDF5
        assert f["frames"].shape == (10, 4)
