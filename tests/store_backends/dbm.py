"""DBMStore: a database of whatever kind ``dbm.open`` picks, under pytest's tmp_path."""

import pytest

from store_backends import Backend
from zarrlite.stores.dbm import DBMStore


@pytest.fixture
def dbm_backend(tmp_path):
    path = tmp_path / "store.db"
    # no url: no path form opens a dbm database with zl.open
    backend = Backend("dbm", lambda mode: DBMStore(path, mode=mode))
    yield backend
    backend.close_all()
