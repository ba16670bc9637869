"""RedisStore: keys under a prefix of their own on a real redis-server (tests/servers.py).

One server per test session (per pytest-xdist worker), started on a free port of
127.0.0.1 with nothing kept on disk; each test gets a fresh key prefix, whose keys are
deleted afterwards.
"""

import uuid

import pytest
import servers

from store_backends import Backend
from zarrlite.stores.redis import RedisStore


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A redis-server for the session; fails (never skips) when none is installed."""
    server = servers.start_redis(tmp_path_factory.mktemp("redis-server"))
    yield server
    server.stop()


@pytest.fixture
def redis_backend(redis_server):
    prefix = f"zl-test-{uuid.uuid4().hex[:12]}"
    connection = {"host": redis_server.host, "port": redis_server.port}

    def opener(mode):
        return RedisStore(prefix, mode=mode, **connection)

    url = f"redis://{redis_server.host}:{redis_server.port}/0?prefix={prefix}"
    backend = Backend("redis", opener, url=url)
    yield backend
    backend.close_all()
    with RedisStore(prefix, **connection) as store:
        store.clear()
