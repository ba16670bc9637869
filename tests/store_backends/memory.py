"""MemoryStore: one store object shared by every open (a dict has no place to reopen)."""

import pytest

from store_backends import Backend
from zarrlite.stores import MemoryStore


@pytest.fixture
def memory_backend():
    data = MemoryStore()

    def opener(mode):
        return MemoryStore(dict(data._data), mode="r") if mode == "r" else data

    backend = Backend("memory", opener)
    yield backend
    backend.close_all()
