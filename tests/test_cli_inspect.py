"""``zarrlite info``, ``ls``, ``tree`` and ``consolidate`` through a real ``zarrlite``
process, on stores written in the test (directory, zip, HTTP); what they print is checked
against the store itself."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.cli.codec_spec import compressor_label, parse_compressor

ZARRLITE = [sys.executable, "-m", "zarrlite"]


def zarrlite(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m zarrlite ARGS`` in a new process, in `cwd`."""
    return subprocess.run([*ZARRLITE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def columns(line: str) -> list[str]:
    """The cells of a table line (separated by two spaces or more)."""
    return re.split(r"\s{2,}", line.strip())


def write_store(root: Path) -> zl.Group:
    """A small hierarchy: arrays with filters and codecs, nested groups, attributes."""
    g = zl.open_group(str(root), mode="w")
    g.attrs.update({"title": "survey", "count": 3})
    x = g.create_dataset("x", data=np.arange(20000, dtype="f4").reshape(100, 200),
                         chunks=(10, 20), filters=[zl.Delta(dtype="f4")],
                         compressor=zl.Blosc(cname="zstd", clevel=3, shuffle=2))
    x.attrs["units"] = "m"
    g.create_dataset("sub/deeper/y", data=np.ones((4, 5, 6), dtype="i2"), chunks=(2, 5, 6),
                     compressor=zl.Zstd(level=5))
    g.create_dataset("sub/z", shape=(1000,), chunks=(100,), dtype="u1")  # nothing written
    g.create_dataset("scalar", data=np.float64(2.5))
    g.create_group("empty")
    return g


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("inspect") / "data.zarr"
    write_store(root)
    return root


# ------------------------------------------------------------------------------ ls


def test_ls_lists_members_like_h5ls(store):
    out = ok(zarrlite("ls", "data.zarr", cwd=store.parent))
    lines = out.splitlines()
    assert [columns(line)[0] for line in lines] == ["empty", "scalar", "sub", "x"]
    assert columns(lines[0]) == ["empty", "Group"]
    x = zl.open_array(str(store / "x"), mode="r")
    name, kind, dtype, chunks, codecs, stored = columns(lines[3])
    assert (name, kind, dtype, chunks) == ("x", "Array {100, 200}", "float32", "chunks {10, 20}")
    assert codecs == "delta+blosc:zstd:3:bitshuffle"
    size = f"{x.nbytes_stored / 1024:.1f} KiB ({x.nbytes / x.nbytes_stored:.1f}x)"
    assert stored == size
    assert columns(lines[1])[1:4] == ["Array {}", "float64", "chunks {}"]


def test_ls_columns_are_aligned(store):
    lines = ok(zarrlite("ls", "-r", "data.zarr", cwd=store.parent)).splitlines()
    arrays = [line for line in lines if "Array" in line]
    starts = {line.index("Array") for line in arrays}
    assert len(starts) == 1 and len(arrays) == 4


def test_ls_recursive_names_every_node_by_path(store):
    out = ok(zarrlite("ls", "--recursive", "data.zarr", cwd=store.parent))
    names = [columns(line)[0] for line in out.splitlines()]
    assert names == ["empty", "scalar", "sub", "sub/deeper", "sub/deeper/y", "sub/z", "x"]
    z_line = out.splitlines()[5]
    assert columns(z_line)[1:5] == ["Array {1000}", "uint8", "chunks {100}",
                                    "blosc:lz4:5:shuffle"]
    z = zl.open_array(str(store / "sub/z"), mode="r")
    assert columns(z_line)[5] == f"{z.nbytes_stored} bytes"  # metadata only: no ratio
    y = columns(out.splitlines()[4])
    assert y[1:5] == ["Array {4, 5, 6}", "int16", "chunks {2, 5, 6}", "zstd:5"]


def test_ls_of_an_array_and_of_a_subgroup(store):
    out = ok(zarrlite("ls", "data.zarr/sub/deeper/y", cwd=store.parent))
    assert columns(out)[:2] == ["y", "Array {4, 5, 6}"] and out.count("\n") == 1
    out = ok(zarrlite("ls", "data.zarr/sub", cwd=store.parent))
    assert [columns(line)[0] for line in out.splitlines()] == ["deeper", "z"]


def test_ls_shows_what_cannot_be_opened_and_goes_on(tmp_path):
    g = zl.open_group(str(tmp_path / "d.zarr"), mode="w")
    g.zeros("good", shape=3)
    g.zeros("bad", shape=3)
    meta = json.loads((tmp_path / "d.zarr/bad/.zarray").read_text())
    meta["compressor"] = {"id": "no-such-codec"}
    (tmp_path / "d.zarr/bad/.zarray").write_text(json.dumps(meta))
    result = zarrlite("ls", "d.zarr", cwd=tmp_path)
    lines = ok(result).splitlines()
    assert lines[0].startswith("bad") and "(cannot open: " in lines[0]
    assert "no-such-codec" in lines[0]
    assert columns(lines[1])[:2] == ["good", "Array {3}"]


# ---------------------------------------------------------------------------- info


def test_info_of_an_array_is_its_report_and_attributes(store):
    out = ok(zarrlite("info", "data.zarr/x", cwd=store.parent))
    x = zl.open_array(str(store), path="x", mode="r")
    report = repr(x.info)
    assert out.startswith(report)
    assert "Name               : /x\n" in out  # named inside its store
    assert out[len(report):] == 'Attributes:\n  units : "m"\n'


def test_info_of_a_group(store):
    out = ok(zarrlite("info", "data.zarr", cwd=store.parent))
    g = zl.open_group(str(store), mode="r")
    assert out.startswith(repr(g.info))
    assert "No. members : 4" in out
    assert out.endswith('Attributes:\n  count : 3\n  title : "survey"\n')


def test_info_by_colon_path_in_a_zip(store, tmp_path):
    zl.copy_store(zl.DirectoryStore(str(store)), zl.ZipStore(str(tmp_path / "d.zip"),
                                                               mode="w"))
    for path in ["d.zip:/sub/deeper/y", "d.zip/sub/deeper/y"]:
        out = ok(zarrlite("info", path, cwd=tmp_path))
        assert "Name               : /sub/deeper/y" in out
        assert "zarrlite.stores.zip.ZipStore" in out


def test_info_shortens_long_attribute_values(tmp_path):
    g = zl.open_group(str(tmp_path / "a.zarr"), mode="w")
    g.attrs["long"] = list(range(1000))
    out = ok(zarrlite("info", "a.zarr", cwd=tmp_path))
    line = next(line for line in out.splitlines() if "long" in line)
    assert line.endswith("...") and len(line) < 100


# ---------------------------------------------------------------------------- tree


def test_tree_is_the_groups_tree(store):
    out = ok(zarrlite("tree", "data.zarr", cwd=store.parent))
    assert out == str(zl.open_group(str(store), mode="r").tree()) + "\n"
    assert " ├── sub\n │   ├── deeper\n │   │   └── y (4, 5, 6) int16" in out


@pytest.mark.parametrize("depth, lines", [(0, 1), (1, 5), (2, 7), (3, 8)])
def test_tree_depth(store, depth, lines):
    out = ok(zarrlite("tree", "data.zarr", "--depth", str(depth), cwd=store.parent))
    assert len(out.splitlines()) == lines


def test_tree_ascii_and_subgroup_and_array(store):
    out = ok(zarrlite("tree", "--ascii", "data.zarr/sub", cwd=store.parent))
    assert out == "sub\n +-- deeper\n |   +-- y (4, 5, 6) int16\n +-- z (1000,) uint8\n"
    out = ok(zarrlite("tree", "data.zarr/x", cwd=store.parent))
    assert out == "x (100, 200) float32\n"


# --------------------------------------------------------------------- consolidate


def test_consolidate_writes_zmetadata(tmp_path):
    write_store(tmp_path / "c.zarr")
    out = ok(zarrlite("consolidate", "c.zarr", cwd=tmp_path))
    assert out == "c.zarr: wrote .zmetadata with the metadata of 8 nodes (4 groups, 4 arrays)\n"
    doc = json.loads((tmp_path / "c.zarr/.zmetadata").read_text())
    assert doc["zarr_consolidated_format"] == 1
    assert doc["metadata"]["x/.zattrs"] == {"units": "m"}
    root = zl.open_consolidated(str(tmp_path / "c.zarr"), mode="r")
    assert root["x"][3, 4] == 604.0


def test_consolidate_then_zarr_python_opens_consolidated(tmp_path):
    import zarr

    write_store(tmp_path / "c.zarr")
    ok(zarrlite("consolidate", "c.zarr", cwd=tmp_path))
    root = zarr.open_consolidated(str(tmp_path / "c.zarr"), mode="r", zarr_format=2)
    assert sorted(root.array_keys()) == ["scalar", "x"]


# ---------------------------------------------------------------------------- URLs


def test_info_ls_tree_over_http(store):
    from http_s3_servers import HTTPServer

    with HTTPServer(store.parent) as server:
        url = f"{server.url}/data.zarr"
        out = ok(zarrlite("ls", "-r", url, cwd=store.parent))
        assert [columns(line)[0] for line in out.splitlines()][-1] == "x"
        out = ok(zarrlite("info", f"{url}:/sub/deeper/y", cwd=store.parent))
        assert "Name               : /sub/deeper/y" in out and "FSStore" in out
        out = ok(zarrlite("tree", url, "--depth", "1", cwd=store.parent))
        assert out.splitlines()[0] == "/" and len(out.splitlines()) == 5


# ------------------------------------------------------------------- compressor specs


@pytest.mark.parametrize("codec", [
    zl.Blosc(), zl.Blosc(cname="zstd", clevel=9, shuffle=zl.Blosc.NOSHUFFLE, blocksize=4096),
    zl.Zstd(level=-3), zl.Zstd(level=3, checksum=True), zl.GZip(level=9), zl.Zlib(level=2),
    zl.BZ2(level=4), zl.LZMA(preset=6), zl.LZ4(acceleration=3),
    zl.B2ND(cname="lz4", clevel=1, shuffle=2, blocks=(16, 16)), None,
])
def test_codec_labels_parse_back_to_the_codec(codec):
    label = compressor_label(codec)
    assert parse_compressor(label) == codec, label
