"""ZipStore: one zip archive under pytest's tmp_path (each open is a new ZipFile on it)."""

import pytest

from store_backends import Backend
from zarrlite.stores.zip import ZipStore


@pytest.fixture
def zip_backend(tmp_path):
    path = tmp_path / "store.zip"
    backend = Backend("zip", lambda mode: ZipStore(path, mode=mode), url=str(path))
    yield backend
    backend.close_all()
