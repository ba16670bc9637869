"""Tests for the ``zarrlite`` command (zarrlite.cli): options, user errors, and the demo,
whose printed claims are checked against what a second, independent read measures."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.cli import main
from zarrlite.stores import DirectoryStore

UNITS = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50}


class CountingDirectoryStore(DirectoryStore):
    """A read-only directory store that counts the value bytes it hands out, by every route
    the engine may take (whole values, values read into a buffer, byte ranges)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, mode="r")
        self.nbytes_read = 0

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self.nbytes_read += len(value)
        return value

    def getitems(self, keys):
        values = super().getitems(keys)
        self.nbytes_read += sum(len(v) for v in values.values())
        return values

    def getitems_into(self, keys, arena=None):
        values, arena = super().getitems_into(keys, arena)
        self.nbytes_read += sum(memoryview(v).nbytes for v in values.values())
        return values, arena

    def get_partial_values(self, key_ranges):
        values = super().get_partial_values(key_ranges)
        self.nbytes_read += sum(len(v) for v in values if v is not None)
        return values

    def read_ranges_into(self, key, ranges, out):
        counts = super().read_ranges_into(key, ranges, out)
        self.nbytes_read += sum(counts or ())
        return counts


def run(capsys, *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``zarrlite ARGS``, run in this process."""
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_module(*args: str, cwd) -> subprocess.CompletedProcess:
    """``python -m zarrlite ARGS`` in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "zarrlite", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_error(status: int, out: str, err: str) -> None:
    assert status == 2
    assert out == ""
    assert err.startswith("zarrlite: error: ") and err.endswith("\n")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def assert_size(text: str, nbytes: int) -> None:
    """A size printed as '448.7 KiB' (one decimal) or '0 bytes' matches `nbytes`."""
    value, unit = text.split()
    scale = UNITS[unit]
    if unit == "bytes":
        assert int(value) == nbytes
    else:
        assert 1 <= nbytes / scale < 1024, (text, nbytes)
        assert abs(float(value) * scale - nbytes) <= 0.05 * scale, (text, nbytes)


def find(pattern: str, text: str) -> re.Match:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in:\n{text}"
    return match


def chunk_files(array_dir) -> list:
    """The chunk files (not metadata) of an array stored with the '.' separator."""
    return [p for p in array_dir.iterdir() if not p.name.startswith(".z")]


# ------------------------------------------------------------------------------ options


def test_version(capsys):
    status, out, err = run(capsys, "--version")
    assert (status, out, err) == (0, f"zarrlite {zl.__version__}\n", "")


COMMANDS = ["info", "ls", "tree", "convert", "consolidate", "fsck", "demo", "bench"]


@pytest.mark.parametrize("args", [["--help"]] + [[command, "--help"] for command in COMMANDS])
def test_help_is_plain_text(capsys, args):
    status, out, err = run(capsys, *args)
    assert status == 0 and err == ""
    assert out.startswith(f"usage: zarrlite{' ' + args[0] if args[0] != '--help' else ''}")
    for markup in ("``", ":func:", ":class:", ":mod:", "`"):
        assert markup not in out
    if args == ["--help"]:
        assert "Zarr v2" in out
        assert "examples:\n  zarrlite demo" in out
        for command in COMMANDS:  # every command listed, with its one-line help
            assert re.search(rf"^    {command}\b", out, re.MULTILINE), command


def test_help_is_fast_and_imports_no_optional_library(tmp_path):
    code = ("import sys, zarrlite.cli; zarrlite.cli.build_parser(); "
            "print(sorted({'h5py', 'tqdm', 'xarray', 'dask', 'distributed', 'zarr', "
            "'tensorstore', 'fsspec'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_bench_runs_the_suite(tmp_path):
    result = run_module("bench", "--quick", "--only", "C_open", "--engines", "zarrlite",
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "open an array (per call)" in result.stdout
    bad = run_module("bench", "--only", "nope", cwd=tmp_path)
    assert_one_line_error(bad.returncode, bad.stdout, bad.stderr)
    assert "unknown workload 'nope'" in bad.stderr


def test_old_entry_point_still_works(capsys):
    from zarrlite.__main__ import main as old_main

    # the console script of an older editable install calls zarrlite.__main__:main
    assert old_main is main
    assert old_main(["--version"]) == 0
    assert capsys.readouterr().out == f"zarrlite {zl.__version__}\n"


# ------------------------------------------------------------------------- user errors


@pytest.mark.parametrize(
    "args, says",
    [
        ([], "missing COMMAND"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["demo", "a", "b"], "unrecognized arguments: b"),
    ],
)
def test_usage_errors_are_one_line(capsys, args, says):
    status, out, err = run(capsys, *args)
    assert_one_line_error(status, out, err)
    assert says in err


def test_demo_into_a_file_is_a_user_error(tmp_path, capsys):
    somefile = tmp_path / "somefile"
    somefile.write_text("keep me")
    status, out, err = run(capsys, "demo", str(somefile))
    assert_one_line_error(status, out, err)
    assert "not a directory" in err
    status, out, err = run(capsys, "demo", str(somefile / "below"))
    assert_one_line_error(status, out, err)
    assert somefile.read_text() == "keep me"


def test_demo_does_not_replace_what_is_not_a_zarr_store(tmp_path, capsys):
    (tmp_path / "a" / "zarrlite-demo.zarr").mkdir(parents=True)
    (tmp_path / "a" / "zarrlite-demo.zarr" / "notes.txt").write_text("mine")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "zarrlite-demo.zarr").write_text("mine too")
    mine = zl.open_group(str(tmp_path / "c" / "zarrlite-demo.zarr"), mode="w")  # a user's
    mine.zeros("data", shape=3)
    for name in "abc":
        assert_one_line_error(*run(capsys, "demo", str(tmp_path / name)))
    assert (tmp_path / "a" / "zarrlite-demo.zarr" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "b" / "zarrlite-demo.zarr").read_text() == "mine too"
    demo = zl.open_group(str(tmp_path / "c" / "zarrlite-demo.zarr"), mode="r")
    assert list(demo.array_keys()) == ["data"]


@pytest.mark.parametrize("exists", [True, False])
def test_unwritable_directory_is_a_user_error(tmp_path, capsys, monkeypatch, exists):
    # simulated with os.mkdir, so that the test also means something when run as root
    target = tmp_path / "locked"
    if exists:
        target.mkdir()
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if os.fspath(path).startswith(os.fspath(target)):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    status, out, err = run(capsys, "demo", str(target))
    assert_one_line_error(status, out, err)
    assert "Permission denied" in err


def test_demo_into_a_file_from_the_command_line(tmp_path):
    (tmp_path / "somefile").write_text("")
    result = run_module("demo", "somefile", cwd=tmp_path)
    assert_one_line_error(result.returncode, result.stdout, result.stderr)


# -------------------------------------------------------------------------------- demo


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """(output, store directory) of one ``zarrlite demo DIR`` (capsys is per test)."""
    directory = tmp_path_factory.mktemp("demo")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["demo", str(directory)]) == 0
    return out.getvalue(), directory / "zarrlite-demo.zarr"


def test_demo_runs_and_reports(demo_run):
    out, path = demo_run
    assert find(r"store: (\S+)\n", out).group(1) == str(path)
    z = zl.open_array(str(path / "field"), mode="r")
    assert z.shape == (2048, 2048) and z.compressor.codec_id == "zarrlite.b2nd"
    assert sorted(zl.open_group(str(path), mode="r").array_keys()) == ["big", "field", "x"]
    assert len(out.splitlines()) <= 50  # read in half a minute


def test_demo_sparse_claims(demo_run):
    out, path = demo_run
    z = zl.open_array(str(path / "big"), mode="r")
    head = json.loads(find(r"big\[0, 2498:2502\] reads (\[.*\])", out).group(1))
    assert head == z[0, 2498:2502].tolist() == [2498, 2499, 0, 0]

    decoded, nbytes_read = map(
        int, find(r"with (\d+) chunks decoded and (\d+) bytes read", out).groups()
    )
    store = CountingDirectoryStore(str(path))
    again = zl.open_array(store, path="big", mode="r")
    store.nbytes_read = 0
    corner = again[-1000:, -1000:]
    assert (corner == z.fill_value).all() and f"fill value {z.fill_value}," in out
    assert nbytes_read == store.nbytes_read == 0
    assert decoded == again.stats["chunks_decoded"] == 0

    stored = find(r"stored: (\d+) of ([\d,]+) chunks, (\S+ \S+) in all", out)
    meta = json.loads((path / "big" / ".zarray").read_text())
    nchunks = int(np.prod([-(-s // c) for s, c in zip(meta["shape"], meta["chunks"])]))
    assert int(stored.group(1)) == len(chunk_files(path / "big")) == z.nchunks_initialized
    assert int(stored.group(2).replace(",", "")) == nchunks
    assert_size(stored.group(3), sum(p.stat().st_size for p in (path / "big").iterdir()))


def test_demo_two_level_claims(demo_run):
    out, path = demo_run
    line = find(
        r"field\[(\d+):(\d+), (\d+):(\d+)\] decoded (\d+) of the (\d+) blocks and "
        r"read (\S+ \S+)\s+of the chunk's (\S+ \S+) \(([\d.]+)%\) by byte ranges",
        out,
    )
    r0, r1, c0, c1, blocks_decoded, nblocks = map(int, line.groups()[:6])
    (chunk,) = chunk_files(path / "field")
    stored = chunk.stat().st_size

    # the block shape, from python-blosc2 reading the stored chunk (not from zarrlite)
    import blosc2
    frame = blosc2.ndarray_from_cframe(chunk.read_bytes())
    blocks = frame.blocks
    assert nblocks == int(np.prod([-(-n // b) for n, b in zip(frame.shape, blocks)]))
    touched = 1
    for start, stop, block in [(r0, r1, blocks[0]), (c0, c1, blocks[1])]:
        touched *= (stop - 1) // block - start // block + 1
    assert f"in {nblocks} N-d blocks of {tuple(blocks)}" in out

    store = CountingDirectoryStore(str(path))
    z = zl.open_array(store, path="field", mode="r")
    store.nbytes_read = 0
    window = z[r0:r1, c0:c1]
    np.testing.assert_array_equal(window, frame[r0:r1, c0:c1])
    assert blocks_decoded == z.stats["blocks_decoded"] == touched < nblocks
    assert z.stats["ranged_reads"] == 1
    assert_size(line.group(7), store.nbytes_read)
    assert_size(line.group(8), stored)
    assert float(line.group(9)) == pytest.approx(100 * store.nbytes_read / stored, abs=0.05)
    assert store.nbytes_read < stored / 10

    whole = find(
        r"zarr-python reads and decodes the whole chunk for it: (\S+ \S+) read, "
        r"(\S+ \S+) decoded",
        out,
    )
    assert_size(whole.group(1), stored)
    assert_size(whole.group(2), z.nbytes)
    assert f"one chunk of {whole.group(2)}" in out


def test_zarr_python_reads_the_whole_chunk_for_the_window(demo_run):
    """The demo's claim about zarr-python, measured."""
    import zarr
    from zarr.storage import LocalStore, WrapperStore

    out, path = demo_run
    r0, r1, c0, c1 = map(int, find(r"field\[(\d+):(\d+), (\d+):(\d+)\]", out).groups())

    class Counting(WrapperStore):
        nbytes_read = 0  # on the class: zarr may copy the store object

        async def get(self, key, prototype, byte_range=None):
            value = await super().get(key, prototype, byte_range)
            if value is not None and not key.rsplit("/", 1)[-1].startswith(".z"):
                type(self).nbytes_read += len(value)
            return value

    z = zarr.open_array(
        Counting(LocalStore(str(path), read_only=True)), path="field", mode="r", zarr_format=2
    )
    z[r0:r1, c0:c1]
    (chunk,) = chunk_files(path / "field")
    assert Counting.nbytes_read == chunk.stat().st_size


def test_demo_hierarchy_claims(demo_run):
    out, path = demo_run
    x = zl.open_array(str(path / "x"), mode="r")
    assert f"x[499, 999] = {x[499, 999]}, x[500, 0] = nan" in out
    assert np.isnan(x[500, 0]) and np.isnan(x.fill_value)
    assert f"attrs {x.attrs.asdict()}" in out
    assert "Name               : /x" in out and "Read-only          : True" in out
    assert " ├── big (100000000, 100000000) int32" in out


def test_demo_twice_in_the_same_directory(tmp_path, capsys):
    status, first, _ = run(capsys, "demo", str(tmp_path))
    assert status == 0
    zl.open_group(str(tmp_path / "zarrlite-demo.zarr")).zeros("stale", shape=(3,))
    status, second, err = run(capsys, "demo", str(tmp_path))
    assert (status, err) == (0, "")
    assert "stale" not in second and not (tmp_path / "zarrlite-demo.zarr" / "stale").exists()
    assert second == first


def test_demo_in_a_temporary_directory_removes_it(capsys):
    status, out, err = run(capsys, "demo")
    assert (status, err) == (0, "")
    path = find(r"store: (\S+)\n", out).group(1)
    assert path.endswith("zarrlite-demo.zarr") and not os.path.exists(os.path.dirname(path))


def test_python_dash_m_zarrlite_demo(tmp_path):
    result = run_module("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "by byte ranges" in result.stdout and "store: " in result.stdout
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_fsck_reports_and_cleans_stale_temporary_files(tmp_path, capsys):
    import os

    store = tmp_path / "data.zarr"
    zl.zeros(4, chunks=2, store=str(store))[:] = 1
    left = store / ".zl-999999999-0.partial"
    left.write_bytes(b"half")
    os.utime(left, (0, 0))
    status, out, err = run(capsys, "fsck", str(store))
    assert status == 0 and "stale: .zl-999999999-0.partial" in out and left.exists()
    status, out, err = run(capsys, "fsck", str(store), "--clean")
    assert status == 0 and "removed: .zl-999999999-0.partial" in out and not left.exists()
    status, out, err = run(capsys, "fsck", str(store))
    assert status == 0 and "no stale temporary files" in out
    assert_one_line_error(*run(capsys, "fsck", str(tmp_path / "missing")))
