"""LRUStoreCache in front of a DirectoryStore (small enough that values get evicted)."""

import pytest

from store_backends import Backend
from zarrlite.stores import DirectoryStore
from zarrlite.stores.cache import LRUStoreCache


@pytest.fixture
def lru_cache_backend(tmp_path):
    root = tmp_path / "cached.zarr"

    def opener(mode):
        return LRUStoreCache(DirectoryStore(root, mode=mode), max_size="64KiB")

    backend = Backend("lru_cache", opener, url=str(root))
    yield backend
    backend.close_all()
