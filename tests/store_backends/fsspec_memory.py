"""FSStore over fsspec's in-process memory file system: ``memory://<a new root>`` per test.

Every FSStore over the same ``memory://`` URL sees the same files (the file system is one
per process), so a store opened read-only reads what a writable one wrote.
"""

import uuid

import pytest

from store_backends import Backend


@pytest.fixture
def fsspec_memory_backend():
    pytest.importorskip("fsspec")
    from zarrlite.stores.fsspec import FSStore

    url = f"memory://zarrlite-suite-{uuid.uuid4().hex}"
    backend = Backend("fsspec_memory", lambda mode: FSStore(url, mode=mode), url=url)
    yield backend
    backend.close_all()
    FSStore(url, mode="a").rmdir()  # the memory file system lives as long as the process
