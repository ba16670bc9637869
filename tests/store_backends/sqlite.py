"""SQLiteStore: one SQLite database file under pytest's tmp_path."""

import pytest

from store_backends import Backend
from zarrlite.stores.sqlite import SQLiteStore


@pytest.fixture
def sqlite_backend(tmp_path):
    path = tmp_path / "store.sqlite"
    backend = Backend("sqlite", lambda mode: SQLiteStore(path, mode=mode), url=str(path))
    yield backend
    backend.close_all()
