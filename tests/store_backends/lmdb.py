"""LMDBStore: one LMDB environment (a directory) under pytest's tmp_path."""

import pytest

from store_backends import Backend
from zarrlite.stores.lmdb import LMDBStore


@pytest.fixture
def lmdb_backend(tmp_path):
    pytest.importorskip("lmdb")  # an optional dependency: pip install "zarrlite[lmdb]"
    path = tmp_path / "store.lmdb"
    backend = Backend("lmdb", lambda mode: LMDBStore(path, mode=mode), url=str(path))
    yield backend
    backend.close_all()
