"""Shared fixtures: a `store` over every kind of store, and a store that counts its accesses.

`CountingStore` wraps any store and records every key read, written and deleted, through
the single-key mapping methods and the batch methods alike, so a test can prove which
chunks an operation touched (in the manner of zarr-python 2's ``CountingDict``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import pytest

from zarrlite.stores import DirectoryStore, MemoryStore, getitems, listdir


class CountingStore(MutableMapping[str, bytes]):
    """A store forwarding to `inner` that counts calls and the keys they touch.

    Attributes
    ----------
    calls : collections.Counter
        Calls per method name: ``getitem``, ``setitem``, ``delitem``, ``getitems``,
        ``setitems``, ``delitems``, ``contains``, ``listdir``.
    reads, writes, deletes : collections.Counter
        How often each key was read, written or deleted (single or batch calls).
    """

    def __init__(self, inner: MutableMapping[str, bytes] | None = None) -> None:
        self.inner: MutableMapping[str, bytes] = MemoryStore() if inner is None else inner
        self.reset()

    def reset(self) -> None:
        """Forget all counts."""
        self.calls: Counter[str] = Counter()
        self.reads: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()
        self.deletes: Counter[str] = Counter()

    # ------------------------------------------------------------- mapping methods
    def __getitem__(self, key: str) -> bytes:
        self.calls["getitem"] += 1
        self.reads[key] += 1
        return self.inner[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.calls["setitem"] += 1
        self.writes[key] += 1
        self.inner[key] = value

    def __delitem__(self, key: str) -> None:
        self.calls["delitem"] += 1
        self.deletes[key] += 1
        del self.inner[key]

    def __contains__(self, key: object) -> bool:
        self.calls["contains"] += 1
        return key in self.inner

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.inner))

    def __len__(self) -> int:
        return len(self.inner)

    # --------------------------------------------------------------- batch methods
    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        keys = list(keys)
        self.calls["getitems"] += 1
        self.reads.update(keys)
        return getitems(self.inner, keys)

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        self.calls["setitems"] += 1
        self.writes.update(mapping.keys())
        for key, value in mapping.items():
            self.inner[key] = value

    def delitems(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        self.calls["delitems"] += 1
        self.deletes.update(keys)
        for key in keys:
            self.inner.pop(key, None)

    def listdir(self, prefix: str = "") -> list[str]:
        self.calls["listdir"] += 1
        return listdir(self.inner, prefix)

    # -------------------------------------------------------------------- queries
    def chunk_reads(self, prefix: str = "") -> set[str]:
        """Chunk keys (not metadata) read under `prefix`."""
        return _chunk_keys(self.reads, prefix)

    def chunk_writes(self, prefix: str = "") -> set[str]:
        """Chunk keys (not metadata) written under `prefix`."""
        return _chunk_keys(self.writes, prefix)

    def chunk_deletes(self, prefix: str = "") -> set[str]:
        """Chunk keys (not metadata) deleted under `prefix`."""
        return _chunk_keys(self.deletes, prefix)


def _chunk_keys(counter: Counter[str], prefix: str) -> set[str]:
    return {
        k for k in counter if k.startswith(prefix) and not k.rsplit("/", 1)[-1].startswith(".z")
    }


def make_store(kind: str, tmp_path: Any) -> MutableMapping[str, bytes]:
    """A new empty store of `kind`: 'memory', 'directory' or 'dict'."""
    if kind == "memory":
        return MemoryStore()
    if kind == "directory":
        return DirectoryStore(str(tmp_path / "store"))
    if kind == "dict":
        return {}
    raise ValueError(kind)


STORE_KINDS = ["memory", "directory", "dict"]


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Any) -> MutableMapping[str, bytes]:
    """An empty store: a MemoryStore, a DirectoryStore under tmp_path, or a plain dict."""
    return make_store(request.param, tmp_path)


@pytest.fixture
def counting(store: MutableMapping[str, bytes]) -> CountingStore:
    """An empty CountingStore over each kind of `store`."""
    return CountingStore(store)


class ByteCountingStore(MemoryStore):
    """A memory store that counts the value bytes it hands out, whole or by ranges."""

    def __init__(self):
        super().__init__()
        self.bytes_read = 0

    def getitems(self, keys):
        values = super().getitems(keys)
        self.bytes_read += sum(len(v) for v in values.values())
        return values

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self.bytes_read += len(value)
        return value

    def get_partial_values(self, key_ranges):
        values = super().get_partial_values(key_ranges)
        self.bytes_read += sum(len(v) for v in values if v is not None)
        return values


# ------------------------------------------------------------ every store back end
# store_backends/ holds one module per store zarrlite ships; their fixtures are loaded
# here so that the shared store suite (test_store_suite.py) runs over all of them.
import store_backends  # noqa: E402

globals().update(store_backends.fixtures())


@pytest.fixture(params=store_backends.NAMES)
def backend(request: pytest.FixtureRequest) -> store_backends.Backend:
    """Each store back end in turn (see tests/store_backends/)."""
    return request.getfixturevalue(f"{request.param}_backend")
