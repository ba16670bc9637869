"""FSStore over fsspec's local file system: a folder under pytest's tmp_path, opened by its
path, and by its ``file://`` URL through ``zl.open``."""

import pytest

from store_backends import Backend


@pytest.fixture
def fsspec_local_backend(tmp_path):
    pytest.importorskip("fsspec")
    from zarrlite.stores.fsspec import FSStore

    root = tmp_path / "store.zarr"
    backend = Backend("fsspec_local", lambda mode: FSStore(root, mode=mode),
                      url=root.as_uri())
    yield backend
    backend.close_all()
