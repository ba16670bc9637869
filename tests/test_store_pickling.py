"""Stores opened by a relative path pickle as their absolute place: a worker started in
another directory reopens the same file, never a new empty one there."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

import zarrlite as zl

NAMES = ["data.zarr", "data.zip", "data.sqlite", "data.lmdb"]


@pytest.mark.parametrize("name", NAMES)
def test_relative_paths_reopen_the_same_place_from_elsewhere(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    z = zl.open_array(name, mode="w", shape=(10,), chunks=(5,), dtype="i4")
    z[:] = np.arange(1, 11)
    z.store.close()
    blob = pickle.dumps(zl.open_array(name, mode="r").store)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import pickle, sys, zarrlite as zl; s = pickle.loads(sys.stdin.buffer.read());"
            " print(zl.open_array(s, mode='r')[:].tolist())")
    done = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True,
                          cwd=elsewhere, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == str(list(range(1, 11)))
    assert list(elsewhere.iterdir()) == []  # nothing made there


@pytest.mark.parametrize("name", ["d.sqlite", "d.lmdb"])
def test_mode_w_at_a_path_keeps_the_other_nodes_of_a_database_file(name, tmp_path,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    zl.open_array(name, path="a", mode="w", shape=(3,), dtype="i4")[:] = 1
    zl.open_array(name, path="b", mode="w", shape=(3,), dtype="i4")[:] = 2
    zl.create(3, store=name, path="b", overwrite=True)
    assert zl.open_array(name, path="a", mode="r")[:].tolist() == [1, 1, 1]
    assert zl.open_array(name, path="b", mode="r")[:].tolist() == [0, 0, 0]


@pytest.mark.parametrize("name", ["x.sqlite", "UP.ZIP", "y.lmdb", "z.sqlite3"])
def test_h5py_face_reopens_every_one_file_store(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with zl.File(name, "w") as f:
        f.create_dataset("d", data=[1, 2])
    with zl.File(name, "r") as f:
        assert f["d"][:].tolist() == [1, 2]
    with zl.File(name, "w") as f:  # 'w' empties the file, as h5py truncates it
        f["e"] = [3]
    with zl.File(name, "r") as f:
        assert list(f) == ["e"]
