"""FSStore over HTTP, read-only, from a real server on 127.0.0.1 (tests/http_s3_servers.py).

HTTP cannot write, so ``opener("r")`` gives the read-only HTTP FSStore and every other
mode a :class:`~zarrlite.stores.DirectoryStore` over the folder the server serves: the
suite writes through the directory store and reads back through HTTP. One server runs per
test session (per xdist worker); each test gets a folder of its own under it.
"""

import uuid

import pytest

from store_backends import Backend
from zarrlite.stores import DirectoryStore


@pytest.fixture(scope="session")
def http_server(tmp_path_factory):
    """A range-answering HTTP server over a session folder, with traffic counters."""
    from http_s3_servers import HTTPServer

    with HTTPServer(tmp_path_factory.mktemp("http-root")) as server:
        yield server


@pytest.fixture
def http_backend(http_server):
    from zarrlite.stores.fsspec import FSStore

    name = f"store-{uuid.uuid4().hex}.zarr"
    folder = f"{http_server.directory}/{name}"
    url = f"{http_server.url}/{name}"

    def opener(mode):
        return FSStore(url, mode="r") if mode == "r" else DirectoryStore(folder, mode=mode)

    backend = Backend("http", opener, url=url)
    yield backend
    backend.close_all()
    DirectoryStore(folder).rmdir()
