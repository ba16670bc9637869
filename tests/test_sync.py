"""Synchronizers: concurrent writers of parts of one chunk lose nothing with one, and can
lose data without one (shown deterministically: every writer reads the old chunk first)."""

from __future__ import annotations

import multiprocessing
import pickle
import random
import threading

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.stores import DirectoryStore, MemoryStore
from zarrlite.stores.sync import ProcessSynchronizer, ThreadSynchronizer


class ReadersMeetStore(MemoryStore):
    """A memory store whose chunk reads wait (up to a moment) until `n` readers have read:
    without locks, every writer then works from the same old chunk."""

    def __init__(self, n):
        super().__init__()
        self.barrier = threading.Barrier(n)

    def getitems(self, keys):
        values = super().getitems(keys)
        if any(not k.endswith((".zarray", ".zattrs")) for k in keys):
            try:
                self.barrier.wait(timeout=0.5)
            except threading.BrokenBarrierError:
                pass  # a lock kept the others out: go on alone
        return values


def write_elements_at_once(store, synchronizer, n):
    z = zl.open_array(store, mode="w", shape=(7,), chunks=(7,), dtype="i4", fill_value=0)
    arrays = [zl.open_array(store, mode="r+", synchronizer=synchronizer) for _ in range(n)]

    def write(i):
        arrays[i][i] = i + 1

    threads = [threading.Thread(target=write, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return z[:n].tolist()


def test_unaligned_writes_without_a_synchronizer_lose_data():
    # both writers read the chunk while it is all zeros; the second write drops the first
    result = write_elements_at_once(ReadersMeetStore(2), None, 2)
    assert result in ([1, 0], [0, 2])


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_a_synchronizer_makes_unaligned_writers_take_turns(kind, tmp_path):
    sync = ThreadSynchronizer() if kind == "thread" else ProcessSynchronizer(tmp_path / "locks")
    assert write_elements_at_once(ReadersMeetStore(3), sync, 3) == [1, 2, 3]


def _write_residue(path, lock_dir, residue, seed):
    sync = ProcessSynchronizer(lock_dir) if lock_dir else None
    z = zl.open_array(DirectoryStore(path), mode="r+", synchronizer=sync)
    indices = list(range(residue, 1000, 4))
    random.Random(seed).shuffle(indices)
    for i in indices:
        z[i] = i + 1


def test_four_processes_writing_single_elements_lose_nothing(tmp_path):
    path, locks = str(tmp_path / "a.zarr"), str(tmp_path / "locks")
    zl.open_array(path, mode="w", shape=(1000,), chunks=(7,), dtype="i4", fill_value=0)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_residue, args=(path, locks, i, i))
               for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    np.testing.assert_array_equal(zl.open_array(path, mode="r")[:], np.arange(1, 1001))


def test_attribute_changes_hold_the_attribute_lock(tmp_path):
    sync = ProcessSynchronizer(tmp_path / "locks")
    store = DirectoryStore(tmp_path / "g.zarr")
    zl.open_group(store, mode="w")
    groups = [zl.open_group(store, mode="r+", synchronizer=sync) for _ in range(4)]

    def set_many(i):
        for j in range(25):
            groups[i].attrs[f"k{i}_{j}"] = j

    threads = [threading.Thread(target=set_many, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(zl.open_group(store, mode="r").attrs) == 100


def test_members_views_and_pickles_keep_the_synchronizer(tmp_path):
    sync = ProcessSynchronizer(tmp_path / "locks")
    g = zl.open_group(tmp_path / "g.zarr", mode="w", synchronizer=sync)
    z = g.zeros("x", shape=10, chunks=3)
    assert z.synchronizer is sync and g["x"].synchronizer is sync
    assert z.view(dtype="u8").synchronizer is sync
    again = pickle.loads(pickle.dumps(sync))
    assert isinstance(again, ProcessSynchronizer) and again.path == sync.path
    assert isinstance(pickle.loads(pickle.dumps(ThreadSynchronizer())), ThreadSynchronizer)


def test_lock_files_are_made_lazily_per_key(tmp_path):
    sync = ProcessSynchronizer(tmp_path / "locks")
    z = zl.open_array(tmp_path / "a.zarr", mode="w", shape=(20,), chunks=(5,), dtype="u1",
                      synchronizer=sync)
    assert not (tmp_path / "locks").exists()
    z[6:8] = 1
    assert sorted(p.name for p in (tmp_path / "locks").iterdir()) == ["1.lock"]
    with pytest.raises(ValueError, match="invalid store key"):
        sync["../escape"]


def test_a_synchronizer_must_give_locks():
    with pytest.raises(TypeError, match="synchronizer must map a key to a lock"):
        zl.open_array(None, mode="w", shape=3, synchronizer=42)


def test_pickled_process_synchronizer_locks_the_same_files_from_another_directory(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sync = ProcessSynchronizer("locks")
    assert sync.path == str(tmp_path / "locks")
    monkeypatch.chdir("/")
    assert pickle.loads(pickle.dumps(sync)).path == str(tmp_path / "locks")
    g = zl.open_group(tmp_path / "g.zarr", mode="w", synchronizer=sync)
    assert g.synchronizer is sync
