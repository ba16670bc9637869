"""DirectoryStore: a folder of files under pytest's tmp_path."""

import pytest

from store_backends import Backend
from zarrlite.stores import DirectoryStore


@pytest.fixture
def directory_backend(tmp_path):
    root = tmp_path / "store.zarr"
    backend = Backend("directory", lambda mode: DirectoryStore(root, mode=mode), url=str(root))
    yield backend
    backend.close_all()
