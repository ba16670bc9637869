"""dask on a real ``distributed.LocalCluster`` with two worker *processes*: arrays travel to
the workers pickled (as their store's place, never their data), the workers read and write
the stores themselves, and the results equal numpy's."""

from __future__ import annotations

import os

import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster

import zarrlite as zl


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0", memory_limit="3GiB") as cluster, \
            Client(cluster) as client:
        yield client


def _worker_pids(client: Client) -> set[int]:
    return set(client.run(os.getpid).values())


def test_the_cluster_has_two_worker_processes(client):
    pids = _worker_pids(client)
    assert len(pids) == 2 and os.getpid() not in pids


def test_a_computed_transposed_array_stored_by_the_workers_equals_numpy(client, tmp_path):
    a = np.arange(2000 * 2000, dtype="f8").reshape(2000, 2000) % 977
    src = zl.array(a, chunks=(256, 256), store=str(tmp_path / "src.zarr"))
    y = (zl.to_dask(src) * 2 + 1).T
    with dask.config.set(scheduler=client.get):  # the workers, not threads in this process
        z = zl.from_dask(y, str(tmp_path / "dst.zarr"), chunks=(300, 300))
    assert z.chunks == (300, 300)
    np.testing.assert_array_equal(zl.open_array(str(tmp_path / "dst.zarr"), mode="r")[:],
                                  (a * 2 + 1).T)


def test_dask_array_store_with_chunk_aligned_writes_needs_no_lock(client, tmp_path):
    a = np.random.default_rng(1).integers(0, 1000, size=(1000, 700), dtype="i4")
    z = zl.create((1000, 700), chunks=(100, 70), dtype="i4", store=str(tmp_path / "z.zarr"))
    x = da.from_array(a, chunks=(200, 140))  # each task: whole chunks of its own
    da.store(x, z, lock=False, scheduler=client.get)
    np.testing.assert_array_equal(z[:], a)
    back = da.from_array(z, chunks=z.chunks)  # dask's own from_array over a zarrlite array
    assert back.sum().compute(scheduler=client.get) == a.sum()


def test_unaligned_writes_with_a_process_synchronizer_lose_nothing(client, tmp_path):
    a = np.random.default_rng(2).normal(size=(900, 900))
    x = da.from_array(a, chunks=(150, 150))  # boundaries inside the stored 256² chunks
    sync = zl.ProcessSynchronizer(str(tmp_path / "locks"))
    with dask.config.set(scheduler=client.get):
        z = zl.from_dask(x, str(tmp_path / "z.zarr"), chunks=(256, 256), synchronizer=sync)
    np.testing.assert_array_equal(zl.open_array(str(tmp_path / "z.zarr"), mode="r")[:], a)
    assert z.synchronizer is sync


def test_the_sum_of_a_1_gib_array_equals_numpys(client, tmp_path):
    rows, cols, band = 16384, 16384, 2048  # int32: 1 GiB, 64 chunks of 16 MiB
    z = zl.create((rows, cols), chunks=(band, band), dtype="i4",
                  store=str(tmp_path / "big.zarr"))
    expected = 0
    columns = np.arange(cols, dtype="i8")
    for start in range(0, rows, band):
        block = ((np.arange(start, start + band, dtype="i8")[:, None] * 7 + columns) % 1009)
        block = block.astype("i4")
        z[start:start + band] = block
        expected += int(block.sum(dtype="i8"))
    assert z.nbytes == 1 << 30
    total = zl.to_dask(z).sum(dtype="i8").compute(scheduler=client.get)
    assert int(total) == expected


def test_a_memory_store_array_on_worker_processes_is_a_clear_error(client):
    z = zl.zeros((10, 10), chunks=(5, 5))
    # refused in this process, as the graph is pickled for the workers (distributed wraps
    # the error in its own TypeError, whose cause it is), rather than a worker computing
    # on another, empty store
    with pytest.raises(TypeError) as raised:
        zl.to_dask(z).sum().compute(scheduler=client.get)
    causes = []
    error: BaseException | None = raised.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, zl.ProcessLocalStoreError)
               and str(e).startswith("cannot pickle a MemoryStore") for e in causes)
    # from_dask knows the scheduler that will write: it says so itself, before any task
    with pytest.raises(zl.ProcessLocalStoreError, match="cannot pickle a MemoryStore"):
        zl.from_dask(da.zeros((10, 10), chunks=5), zl.MemoryStore())
    # the threaded scheduler shares this process's memory: that works
    assert zl.to_dask(z).sum().compute(scheduler="threads") == 0


def test_h5py_style_datasets_go_to_the_workers_too(client, tmp_path):
    with zl.File(str(tmp_path / "f.zarr"), "w") as f:
        d = f.create_dataset("g/d", data=np.arange(10000.0).reshape(100, 100), chunks=(25, 50))
        total = da.from_array(d, chunks=d.chunks).sum().compute(scheduler=client.get)
    assert total == np.arange(10000.0).sum()


@pytest.mark.parametrize("chunks, expected", [
    (None, ((256,) * 7 + (208,), (256,) * 3 + (232,))),
    ((500, 500), ((512,) * 3 + (464,), (512, 488))),
    ({0: -1, 1: 300}, ((2000,), (256,) * 3 + (232,))),
])
def test_to_dask_rounds_chunks_to_whole_stored_chunks(chunks, expected):
    z = zl.zeros((2000, 1000), chunks=(256, 256), dtype="u1")
    assert zl.to_dask(z, chunks=chunks).chunks == expected


def test_to_dask_opens_a_path_read_only(tmp_path):
    zl.array(np.arange(12).reshape(3, 4), chunks=(2, 2), store=str(tmp_path / "p.zarr"))
    x = zl.to_dask(str(tmp_path / "p.zarr"))
    assert x.chunks == ((2, 1), (2, 2))
    np.testing.assert_array_equal(x.compute(scheduler="sync"), np.arange(12).reshape(3, 4))
    with pytest.raises(TypeError, match="expected a zarrlite Array"):
        zl.to_dask(np.zeros(3))


def test_from_dask_aligns_irregular_chunks_and_refuses_unknown_sizes(tmp_path):
    x = da.from_array(np.arange(100), chunks=((30, 30, 40),))
    z = zl.from_dask(x, str(tmp_path / "a.zarr"), chunks=25)
    assert z.chunks == (25,) and z[:].tolist() == list(range(100))
    with pytest.raises(zl.ContainsArrayError):
        zl.from_dask(x, str(tmp_path / "a.zarr"))
    unknown = x[x > 50]
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        zl.from_dask(unknown, str(tmp_path / "b.zarr"))
    delayed = zl.from_dask(x * 2, str(tmp_path / "c.zarr"), compute=False)
    delayed.compute(scheduler="sync")
    assert zl.open_array(str(tmp_path / "c.zarr"), mode="r")[-1] == 198


def test_from_dask_of_an_empty_array(tmp_path):
    z = zl.from_dask(da.zeros((0, 3), chunks=(1, 3)), str(tmp_path / "e.zarr"))
    assert z.shape == (0, 3) and z.chunks == (1, 3) and z[:].shape == (0, 3)
