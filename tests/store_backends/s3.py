"""FSStore over S3: moto's S3-compatible server on 127.0.0.1 (tests/http_s3_servers.py).

One server and bucket per test session (per xdist worker); each test gets a key prefix of
its own. The session also points AWS clients at the server through the environment
(``AWS_ENDPOINT_URL_S3`` and dummy keys), so a bare ``s3://bucket/prefix`` URL opens with
``zl.open`` as it would against AWS.
"""

import uuid

import pytest

from store_backends import Backend


@pytest.fixture(scope="session")
def s3_server():
    """moto's server with one bucket, its traffic counted at the server."""
    pytest.importorskip("moto.server")
    s3fs = pytest.importorskip("s3fs")
    from http_s3_servers import S3Server

    with S3Server() as server, pytest.MonkeyPatch.context() as env:
        for name, value in server.environment.items():
            env.setenv(name, value)
        # fsspec reuses file systems made with the same arguments: one made before these
        # variables were set (by a test opening "s3://..." with no server) would not see them
        s3fs.S3FileSystem.clear_instance_cache()
        yield server
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def s3_backend(s3_server):
    from zarrlite.stores.fsspec import FSStore

    url = f"s3://{s3_server.bucket}/{uuid.uuid4().hex}"
    options = s3_server.storage_options
    backend = Backend("s3", lambda mode: FSStore(url, mode=mode, **options), url=url)
    yield backend
    backend.close_all()
    FSStore(url, mode="a", **options).rmdir()  # moto keeps objects in memory
