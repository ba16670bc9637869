"""Every user error of the ``zarrlite`` command, through a real process: one line on
stderr naming what was wrong, exit status 2, no traceback, nothing left behind; and a bug
still shows its traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import zarrlite as zl
from zarrlite.cli import errors, info, main

ZARRLITE = [sys.executable, "-m", "zarrlite"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A directory with an HDF5 file, Zarr stores (one with broken metadata, one with a
    corrupt chunk), a plain file and a plain directory."""
    d = tmp_path_factory.mktemp("errors")
    with h5py.File(d / "data.h5", "w") as f:
        f.create_dataset("grid", data=np.arange(12.0).reshape(3, 4))
        f.create_dataset("line", data=np.arange(5))
    whole = (d / "data.h5").read_bytes()
    (d / "truncated.h5").write_bytes(whole[: len(whole) // 2])
    g = zl.open_group(str(d / "data.zarr"), mode="w")
    g.create_dataset("x", data=np.arange(100.0), chunks=10)
    g.create_dataset("grid", data=np.ones((4, 4)), chunks=2)
    zl.array(np.arange(100.0), chunks=10, store=str(d / "corrupt.zarr"))
    (d / "corrupt.zarr" / "3").write_bytes(b"not a blosc chunk at all")
    zl.array(np.arange(3), store=str(d / "badmeta.zarr"))
    (d / "badmeta.zarr" / ".zarray").write_text("{not json")
    codec = zl.array(np.arange(3), store=str(d / "nocodec.zarr"))
    meta = json.loads((d / "nocodec.zarr" / ".zarray").read_text())
    meta["compressor"] = {"id": "no-such-codec"}
    (d / "nocodec.zarr" / ".zarray").write_text(json.dumps(meta))
    del codec
    (d / "notes.txt").write_text("plain text")
    (d / "empty.h5").write_bytes(b"")
    (d / "garbage.zip").write_bytes(b"not a zip archive")
    (d / "plain_dir").mkdir()
    (d / "plain_dir" / "file").write_text("x")
    return d


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*ZARRLITE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def listing(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


CASES = [
    # usage
    ([], "missing COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["info"], "the following arguments are required: PATH"),
    (["ls", "data.zarr", "--bogus"], "unrecognized arguments: --bogus"),
    (["convert", "data.h5"], "the following arguments are required: DST"),
    (["tree", "data.zarr", "--depth", "-1"], "--depth: expected a whole number >= 0, got '-1'"),
    (["tree", "data.zarr", "--depth", "two"], "expected a whole number >= 0, got 'two'"),
    # paths
    (["info", ""], "empty PATH"),
    (["info", "missing.zarr"], "no such file or directory: 'missing.zarr'"),
    (["ls", "missing.zarr/x/y"], "no such file or directory: 'missing.zarr/x/y'"),
    (["info", "data.zarr/nope"], "nothing to open at"),
    (["tree", "data.zarr:/nope"], "nothing to open at"),
    (["info", "missing.zip:/x"], "no such file or directory: 'missing.zip'"),
    (["info", "notes.txt"], "'notes.txt' is neither an HDF5 file nor a Zarr store"),
    (["ls", "notes.txt"], "'notes.txt' is neither an HDF5 file nor a Zarr store"),
    (["ls", "empty.h5"], "'empty.h5' is neither an HDF5 file nor a Zarr store (an empty file)"),
    (["ls", "garbage.zip"], "'garbage.zip' is neither an HDF5 file nor a Zarr store ("),
    (["ls", "plain_dir"], "nothing to open at"),
    (["info", "data.h5"], "'data.h5' is an HDF5 file, not a Zarr store"),
    (["tree", "data.h5:/grid"], "is an HDF5 file"),
    (["info", "badmeta.zarr"], "invalid JSON"),
    (["ls", "nocodec.zarr"], "no-such-codec"),
    (["info", "foo://bucket/x.zarr"], "cannot open 'foo://bucket/x.zarr'"),
    (["info", "http://127.0.0.1:1/x.zarr"], "Cannot connect to host 127.0.0.1:1"),
    (["info", "data.zarr", "-o", "anon=true"], "--storage-option applies to URLs"),
    (["info", "s3://b/x.zarr", "-o", "anon"], "--storage-option 'anon': expected KEY=VALUE"),
    (["ls", "http://127.0.0.1:1/x.zarr", "-o", "bogus_opt=1"],
     "--storage-option bogus_opt: not an option of this URL's file system (ClientSession."),
    (["convert", "http://127.0.0.1:1/x.zarr", "out.zarr", "-o", "bogus=1"],
     "--storage-option bogus: not an option of this URL's file system ("),
    (["fsck", "missing.zarr"], "'missing.zarr' is not a directory"),
    # consolidate
    (["consolidate", "missing.zarr"], "no such file or directory"),
    (["consolidate", "plain_dir"], "no Zarr array or group at 'plain_dir'"),
    # convert: sources
    (["convert", "missing.h5", "out.zarr"], "no such file or directory: 'missing.h5'"),
    (["convert", "data.h5:/nope", "out.zarr"], "no group or dataset '/nope' in the HDF5 file"),
    (["convert", "truncated.h5", "out.zarr"], "cannot open the HDF5 file 'truncated.h5'"),
    (["convert", "notes.txt", "out.zarr"], "'notes.txt' is neither an HDF5 file nor a Zarr"),
    (["convert", "empty.h5", "out.zarr"], "'empty.h5' is neither an HDF5 file nor a Zarr store"),
    # convert: destinations
    (["convert", "data.h5", "data.zarr"], "'data.zarr' exists; pass --overwrite"),
    (["convert", "data.h5", "plain_dir", "--overwrite"], "exists and is not a Zarr store"),
    (["convert", "data.h5", "notes.txt", "--overwrite"], "exists and is not a Zarr store"),
    (["convert", "data.h5", "data.h5"], "overlap"),
    (["convert", "data.zarr", "data.zarr", "--overwrite"], "overlap"),
    (["convert", "data.zarr", "data.zarr/inside"], "overlap"),
    (["convert", "data.zarr/x", "data.zarr"], "overlap"),
    (["convert", "data.h5", "new.zarr:/group"], "the destination is a store, not a node"),
    (["convert", "data.h5", "out.zarr", "-o", "anon=true"], "neither SRC nor DST is one"),
    # convert: options
    (["convert", "data.h5", "out.zarr", "--chunks", "10,x"], "--chunks '10,x': expected"),
    (["convert", "data.h5", "out.zarr", "--chunks", "0"], "--chunks '0': expected"),
    (["convert", "data.h5", "out.zarr", "--chunks", "2,2"], "/line has 1 dimension (5,), not 2"),
    (["convert", "data.h5", "out.zarr", "--compressor", "snappy"], "codec 'snappy' is neither"),
    (["convert", "data.h5", "out.zarr", "--compressor", "zstd:1:2"], "too many parameters"),
    (["convert", "data.h5", "out.zarr", "--compressor", "blosc:fast"], "unknown cname 'fast'"),
    (["convert", "data.h5", "out.zarr", "--compressor", "zstd:level=x"], "--compressor"),
    (["convert", "data.h5", "out.zarr", "--compressor", "{nope"], "not valid JSON"),
    (["convert", "data.h5", "out.zarr", "--compressor", '{"level": 1}'], 'needs an "id"'),
    (["convert", "data.h5", "out.zarr", "--blocks", "2,2"], "give --b2nd too"),
    (["convert", "data.h5", "out.zarr", "--b2nd", "--blocks", "2,a"], "--blocks '2,a'"),
    (["convert", "data.h5", "out.zarr", "--b2nd", "--blocks", "2,2"], "/line has 1 dimension"),
    (["convert", "data.h5", "out.zarr", "--b2nd", "--compressor", "gzip:5"], "not 'gzip'"),
    (["convert", "data.h5", "out.zarr", "--b2nd", "--compressor", "zstd:19"], "out of range"),
]


@pytest.mark.parametrize("args, says", CASES, ids=[" ".join(a) or "(none)" for a, _ in CASES])
def test_user_error_is_one_line(workdir, args, says):
    before = listing(workdir)
    result = run(args, workdir)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("zarrlite: error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert says in result.stderr
    assert listing(workdir) == before  # refused before writing anything


def test_a_failed_conversion_says_what_failed_and_leaves_nothing(workdir, tmp_path):
    result = run(["convert", str(workdir / "corrupt.zarr"), "out.zarr"], tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("zarrlite: error: cannot decode chunk '")
    assert "3': blosc decode: encoded data is corrupt or truncated" in result.stderr
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_bug_keeps_its_traceback(monkeypatch):
    def broken(args):
        raise ZeroDivisionError("a bug in zarrlite")

    monkeypatch.setattr(info, "command", broken)
    with pytest.raises(ZeroDivisionError):
        main(["info", "anything"])


@pytest.mark.parametrize("exc, expected", [
    (zl.PathNotFoundError("nothing at 'x'"), "nothing at 'x'"),
    (zl.MetadataError(".zarray: bad\n  dtype"), ".zarray: bad dtype"),
    (PermissionError(13, "Permission denied", "/data.zarr"),
     "Permission denied: '/data.zarr'"),
    (zl.ReadOnlyError("the store is read-only"), "the store is read-only"),
    (ModuleNotFoundError("No module named 's3fs'", name="s3fs"),
     "this needs the package 's3fs', which is not installed (pip install s3fs)"),
    (ModuleNotFoundError("No module named 'zarrlite._ext'", name="zarrlite._ext"), None),
    (BrokenPipeError(32, "Broken pipe"), None),
    (ValueError("an unexpected value"), None),
    (KeyError("an unexpected key"), None),
])
def test_which_exceptions_are_user_errors(exc, expected):
    assert errors.user_message(exc) == expected


def test_only_a_type_error_naming_a_storage_option_given_is_the_users():
    inner = TypeError("AioSession.__init__() got an unexpected keyword argument 'bogus'")
    outer = TypeError("cannot read key '.zarray': TypeError: ...")
    outer.__cause__ = inner
    assert errors.storage_option_message(outer, ["anon", "bogus"]) == (
        "--storage-option bogus: not an option of this URL's file system "
        "(AioSession.__init__() got an unexpected keyword argument 'bogus')")
    assert errors.storage_option_message(outer, ["anon"]) is None  # not the user's option
    unrelated = TypeError("unsupported operand type(s) for +: 'int' and 'str'")
    assert errors.storage_option_message(unrelated, ["bogus"]) is None


def test_a_type_error_is_a_bug_when_no_storage_option_explains_it(monkeypatch):
    def broken(args):
        raise TypeError("f() got an unexpected keyword argument 'anon'")

    monkeypatch.setattr(info, "command", broken)
    with pytest.raises(TypeError):
        main(["info", "data.zarr"])  # no -o given: zarrlite's own bug
    assert main(["info", "s3://b/x.zarr", "-o", "anon=true"]) == 2


def test_broken_pipe_stops_quietly(workdir):
    script = (f"import subprocess, sys; p = subprocess.Popen({ZARRLITE + ['ls', '-r', '.']!r}, "
              "stdout=subprocess.PIPE, stderr=subprocess.PIPE); p.stdout.close(); "
              "err = p.stderr.read(); sys.exit(p.wait() if not err else err.decode())")
    result = subprocess.run([sys.executable, "-c", script], cwd=workdir / "data.zarr",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
