"""RedisStore: keys and values in a Redis server, each key under a prefix.

Store key ``"a/0.0"`` is the Redis string key ``"<prefix>:a/0.0"``, as in zarr-python 2's
``RedisStore``, so hierarchies written by either open in the other. Stores with different
prefixes share a server (and a database) without seeing each other's keys, unless one
prefix is another followed by ``":"`` (``"proj"`` and ``"proj:v2"``): see
:class:`RedisStore`.

Every method is one round trip to the server (a pipeline of commands when it needs
several): ``getitems`` is one ``MGET``, ``setitems`` one ``MULTI``/``EXEC`` transaction
(other clients see all of a batch or none of it), ``delitems`` one ``DEL``; byte ranges
are read with ``GETRANGE``, and listings walk the prefix with ``SCAN MATCH`` (never
``KEYS``, which blocks the server). The client is redis-py's, whose connection pool hands
each thread its own connection, so the store may be used from several threads at once.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from zarrlite.errors import PathNotFoundError
from zarrlite.metadata.keys import validate_key
from zarrlite.stores._util import (
    ByteRange,
    check_rename,
    dir_prefix,
    ensure_bytes,
    readonly_from_mode,
)
from zarrlite.stores.abc import BaseStore

__all__ = ["RedisStore"]

#: Keys per command (MGET, DEL) and per pipeline of single-key commands.
_KEYS_PER_COMMAND = 4096
#: Bytes of values per MSET: a batch of big values goes out as several commands (the
#: server caps one unparsed command at its client-query-buffer-limit, 1 GiB by default).
_BYTES_PER_COMMAND = 32 << 20
#: SCAN's COUNT hint: how many keys the server looks at per call.
_SCAN_COUNT = 1000
#: Byte offsets are clamped to this (Redis takes 64-bit integers; values are < 512 MiB).
_MAX_OFFSET = 1 << 62
#: Seconds allowed to connect and then for each reply, unless the caller says otherwise.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_SOCKET_TIMEOUT = 60.0
#: Retries of a command that failed to connect or timed out, unless the caller passes
#: ``retry=`` (or ``retry_on_timeout=``/``retry_on_error=``): one, after at most
#: DEFAULT_RETRY_PAUSE seconds, so a server that does not answer fails in about twice the
#: timeout (redis-py 8's own default, 10 retries with backoff, made it over eleven times).
DEFAULT_RETRIES = 1
DEFAULT_RETRY_PAUSE = 0.25
#: The arguments that choose a retry policy (the caller's then stands).
_RETRY_ARGUMENTS = ("retry", "retry_on_timeout", "retry_on_error")
_GLOB_SPECIALS = re.compile(r"([*?\[\]\\])")
#: Keys are encoded so that every str round-trips, lone surrogates included.
_KEY_ERRORS = "surrogatepass"

_T = TypeVar("_T")


def _glob_escape(text: str) -> str:
    """`text` as a SCAN MATCH pattern that matches only itself."""
    return _GLOB_SPECIALS.sub(r"\\\1", text)


def _slices(items: Sequence[_T], size: int = _KEYS_PER_COMMAND) -> Iterator[Sequence[_T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _batches_by_size(items: list[tuple[bytes, bytes]]) -> Iterator[list[tuple[bytes, bytes]]]:
    """Consecutive runs of `items` with at most _KEYS_PER_COMMAND keys and (unless one
    value alone is bigger) _BYTES_PER_COMMAND bytes of values."""
    batch: list[tuple[bytes, bytes]] = []
    nbytes = 0
    for item in items:
        size = len(item[1])
        if batch and (len(batch) == _KEYS_PER_COMMAND or nbytes + size > _BYTES_PER_COMMAND):
            yield batch
            batch, nbytes = [], 0
        batch.append(item)
        nbytes += size
    if batch:
        yield batch


def _getrange_bounds(start: int, length: int | None) -> tuple[int, int, int | None] | None:
    """``(first, last, keep)`` for ``GETRANGE key first last`` and then ``[:keep]``, which
    together give ``value[start:][:length]``; None when the answer is ``b""`` (length 0).

    GETRANGE takes inclusive end offsets, and clamps a negative end that falls before
    the value's start to the first byte, so negative ends other than -1 are never sent:
    a negative start reads the tail (``start -1``, at most ``-start`` bytes) and cuts it
    here.
    """
    start = operator.index(start)
    if length is None:
        return (max(min(start, _MAX_OFFSET), -_MAX_OFFSET), -1, None)
    length = operator.index(length)
    if length < 0:
        raise ValueError(f"byte range length must be >= 0 or None, found {length}")
    if length == 0:
        return None
    if start < 0:
        return (max(start, -_MAX_OFFSET), -1, length)
    return (min(start, _MAX_OFFSET), min(start + length - 1, _MAX_OFFSET), None)


def _split_prefix_query(url: str) -> tuple[str, str | None]:
    """`url` without its ``prefix=`` query parameter, and that parameter (or None)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefixes = [value for name, value in query if name == "prefix"]
    rest = [(name, value) for name, value in query if name != "prefix"]
    stripped = urlunsplit(parts._replace(query=urlencode(rest)))
    return stripped, (prefixes[-1] if prefixes else None)


class RedisStore(BaseStore):
    """Store that keeps each value as a Redis string ``"<prefix>:<key>"``.

    Needs the ``redis`` package (``pip install "zarrlite[redis]"``) and a server:
    Redis, or a server that speaks its protocol, such as Valkey.

    A store lists (and ``rmdir``, ``clear`` and ``zl.open_group(..., mode="w")`` delete)
    the Redis keys that start with ``"<prefix>:"``, which are also the keys of every store
    whose prefix is this one followed by ``":"``: the keys ``"proj:v2:.zgroup"`` of the
    store with prefix ``"proj:v2"`` are key ``"v2:.zgroup"`` of the store with prefix
    ``"proj"``, as zarr-python 2 lays them out, and no store can tell them apart. So one
    store's prefix must not be another's followed by ``":"`` (``"proj"`` and
    ``"proj:v2"``; ``"proj"`` and ``"proj2"`` are fine). ``rmdir("")`` and ``clear()``
    would delete the other store's keys: they raise ValueError instead when keys whose
    first path segment holds a ``":"`` are there, and delete nothing (a node of this
    store named with a ``":"`` is then deleted with ``rmdir(name)``).

    Parameters
    ----------
    prefix : str, optional
        What every Redis key of this store starts with (followed by ``":"``); zarr-python
        2's ``RedisStore`` uses the same default, ``"zarr"``. Neither empty nor ending
        with ``":"``.
    mode : str, optional
        ``"r"`` for a read-only store; any other mode of :data:`~zarrlite.stores.MODES`
        allows writes.
    **redis_kwargs
        Passed to ``redis.Redis``: ``host``, ``port``, ``db``, ``username``,
        ``password``, ``unix_socket_path``, ``ssl``... Unless given,
        ``socket_connect_timeout`` is 10 s and ``socket_timeout`` (the longest wait for
        a reply) 60 s, and a command that could not connect or timed out is retried once
        (``retry=redis.retry.Retry(...)`` chooses otherwise), so a server that does not
        answer fails after about 20 s (connecting) or 120 s (a reply).
        ``decode_responses`` must stay False: values are bytes.

    Raises
    ------
    ImportError
        If the ``redis`` package is not installed.
    TypeError
        If `prefix` is not a str.
    ValueError
        If `prefix` is empty or ends with ``":"``, `mode` is invalid or
        ``decode_responses=True`` is given.

    Notes
    -----
    Nothing is sent to the server before the first read or write. A server that cannot
    be reached raises a :class:`ConnectionError` naming its address (after one retry),
    one that stops answering a :class:`TimeoutError`.

    The store pickles as its prefix, mode and connection arguments (a store made with a
    ``connection_pool=`` argument cannot be pickled), so a copy unpickled in another
    process opens the same keys.

    Examples
    --------
    >>> store = RedisStore("zarr", host="127.0.0.1", port=6379)  # doctest: +SKIP
    >>> store["a/0.0"] = b"xy"  # doctest: +SKIP
    >>> store.listdir("a")  # doctest: +SKIP
    ['0.0']
    """

    #: redis-py's connection pool gives each thread a connection of its own.
    threadsafe = True

    #: Values are sent to the server (non-bytes values copied first) before setitems
    #: returns.
    copies_values = True

    def __init__(self, prefix: str = "zarr", *, mode: str = "a", **redis_kwargs: Any) -> None:
        self._connect(prefix, mode, None, redis_kwargs)

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **redis_kwargs: Any) -> RedisStore:
        """Open the store a ``redis://``, ``rediss://`` or ``unix://`` URL names.

        Parameters
        ----------
        url : str
            ``redis://[[user]:password@]host[:port][/db][?prefix=name]``, or a
            ``unix://`` socket path; other query parameters are redis-py's connection
            arguments. The prefix defaults to ``"zarr"``.
        mode : str, optional
            As for :class:`RedisStore`.
        **redis_kwargs
            More arguments for ``redis.Redis.from_url``.

        Returns
        -------
        RedisStore

        Examples
        --------
        >>> RedisStore.from_url("redis://127.0.0.1:6379/0?prefix=zarr")  # doctest: +SKIP
        <RedisStore prefix 'zarr' at 127.0.0.1:6379 db 0>
        """
        if not isinstance(url, str):
            raise TypeError(f"expected a str URL, found {type(url).__name__}")
        stripped, prefix = _split_prefix_query(url)
        store = cls.__new__(cls)
        store._connect("zarr" if prefix is None else prefix, mode, stripped, redis_kwargs)
        return store

    def _connect(self, prefix: str, mode: str, url: str | None,
                 redis_kwargs: dict[str, Any]) -> None:
        """Set the store up (from __init__, from_url and unpickling); no I/O."""
        if not isinstance(prefix, str):
            raise TypeError(f"the key prefix must be a str, found {type(prefix).__name__}")
        if not prefix or prefix.endswith(":"):
            raise ValueError(
                f"invalid key prefix {prefix!r}: expected a non-empty prefix not ending "
                "with ':' (the keys 'p::k' of a prefix 'p:' are keys ':k' of prefix 'p', "
                "which lists and deletes them)")
        self._readonly = readonly_from_mode(mode)
        try:
            import redis
        except ImportError as exc:
            raise ImportError(
                'RedisStore needs the redis package: pip install "zarrlite[redis]"'
            ) from exc
        self._prefix = prefix
        self._mode = mode
        self._url = url
        self._redis_kwargs = dict(redis_kwargs)
        self._head = (prefix + ":").encode("utf-8", _KEY_ERRORS)
        self._head_pattern = _glob_escape(prefix + ":").encode("utf-8", _KEY_ERRORS)
        self._errors = redis.exceptions
        options = dict(redis_kwargs)
        if "connection_pool" not in options:
            options.setdefault("socket_connect_timeout", DEFAULT_CONNECT_TIMEOUT)
            options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
            url_options = parse_qsl(urlsplit(url).query) if url is not None else []
            if not any(name in _RETRY_ARGUMENTS for name in [*options, *dict(url_options)]):
                options["retry"] = redis.retry.Retry(
                    redis.backoff.ExponentialWithJitterBackoff(cap=DEFAULT_RETRY_PAUSE,
                                                               base=DEFAULT_RETRY_PAUSE / 2),
                    DEFAULT_RETRIES)
        self._client: Any = (redis.Redis.from_url(url, **options) if url is not None
                             else redis.Redis(**options))
        if self._client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("RedisStore needs bytes replies: do not pass decode_responses=True")

    # ------------------------------------------------------------ description, pickling

    @property
    def prefix(self) -> str:
        """What every Redis key of this store starts with (before ``":"``)."""
        return self._prefix

    @property
    def address(self) -> str:
        """Where the server is, for messages: ``"127.0.0.1:6379 db 0"`` or a socket path."""
        kwargs = self._client.connection_pool.connection_kwargs
        db = kwargs.get("db", 0)
        if kwargs.get("path"):
            return f"{kwargs['path']} db {db}"
        host = str(kwargs.get("host", "localhost"))
        host = f"[{host}]" if ":" in host else host
        return f"{host}:{kwargs.get('port', 6379)} db {db}"

    def __repr__(self) -> str:
        mode = ", mode='r'" if self._readonly else ""
        return f"<RedisStore prefix {self._prefix!r} at {self.address}{mode}>"

    def location_of(self, path: str) -> str:
        """Where node `path` is, for messages."""
        return f"path {path!r} of {self!r}"

    def __getstate__(self) -> dict[str, Any]:
        if "connection_pool" in self._redis_kwargs:
            raise TypeError("a RedisStore made with connection_pool= cannot be pickled: "
                            "pass the connection arguments (host=, port=, ...) instead")
        return {"prefix": self._prefix, "mode": self._mode, "url": self._url,
                "redis_kwargs": self._redis_kwargs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._connect(state["prefix"], state["mode"], state["url"], state["redis_kwargs"])

    def close(self) -> None:
        """Close the store's connections (a later call opens new ones)."""
        self._client.close()

    # --------------------------------------------------------------------- helpers

    def _rkey(self, key: str) -> bytes:
        return self._head + key.encode("utf-8", _KEY_ERRORS)

    @contextmanager
    def _server(self) -> Iterator[None]:
        """Turn redis-py's exceptions into builtin ones that name the server."""
        errors = self._errors
        try:
            yield
        except errors.TimeoutError as exc:
            raise TimeoutError(f"the Redis server at {self.address} did not answer in time: "
                               f"{exc}") from exc
        except errors.ConnectionError as exc:
            raise ConnectionError(f"cannot use the Redis server at {self.address}: "
                                  f"{exc}") from exc
        except (errors.ReadOnlyError, errors.NoPermissionError) as exc:
            raise PermissionError(f"the Redis server at {self.address} refused a write "
                                  f"for {self!r}: {exc}") from exc
        except errors.RedisError as exc:
            raise RuntimeError(f"the Redis server at {self.address} failed a command "
                               f"for {self!r}: {exc}") from exc

    def _scan(self, start: str) -> set[str]:
        """The keys (of this store) that begin with `start`, each once."""
        pattern = self._head_pattern + _glob_escape(start).encode("utf-8", _KEY_ERRORS) + b"*"
        n = len(self._head)
        keys = set()
        with self._server():
            for rkey in self._client.scan_iter(match=pattern, count=_SCAN_COUNT):
                try:
                    keys.add(rkey[n:].decode("utf-8", _KEY_ERRORS))
                except UnicodeDecodeError:  # not written by a store: no str names it
                    pass
        return keys

    # ----------------------------------------------------------- mapping interface

    def __getitem__(self, key: str) -> bytes:
        if not isinstance(key, str):
            raise KeyError(key)
        with self._server():
            value = self._client.get(self._rkey(key))
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._check_writable()
        rkey = self._rkey(validate_key(key))
        data = ensure_bytes(value)
        with self._server():
            self._client.set(rkey, data)

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        if not isinstance(key, str):
            raise KeyError(key)
        with self._server():
            deleted = self._client.delete(self._rkey(key))
        if not deleted:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        with self._server():
            return bool(self._client.exists(self._rkey(key)))

    def __iter__(self) -> Iterator[str]:
        return iter(self._scan(""))

    def __len__(self) -> int:
        return len(self._scan(""))

    # --------------------------------------------------------------------- batches

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist (one ``MGET``); missing keys are
        left out."""
        wanted = [k for k in dict.fromkeys(keys) if isinstance(k, str)]
        if not wanted:
            return {}
        rkeys = [self._rkey(k) for k in wanted]
        with self._server():
            if len(rkeys) <= _KEYS_PER_COMMAND:
                values = self._client.mget(rkeys)
            else:  # a transaction: one snapshot, as one MGET would be
                pipe = self._client.pipeline(transaction=True)
                for part in _slices(rkeys):
                    pipe.mget(part)
                values = [v for reply in pipe.execute() for v in reply]
        return {k: v for k, v in zip(wanted, values) if v is not None}

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping` in one transaction: other clients see
        all of them or none. Every key is validated before anything is sent."""
        self._check_writable()
        items = [(self._rkey(validate_key(k)), ensure_bytes(v)) for k, v in mapping.items()]
        if not items:
            return
        with self._server():
            pipe = self._client.pipeline(transaction=True)
            for batch in _batches_by_size(items):
                if len(batch) == 1:
                    pipe.set(*batch[0])
                else:
                    pipe.mset(dict(batch))
            pipe.execute()

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete `keys` (one ``DEL``), ignoring those that do not exist."""
        self._check_writable()
        rkeys = [self._rkey(k) for k in dict.fromkeys(keys) if isinstance(k, str)]
        self._delete(rkeys)

    def _delete(self, rkeys: list[bytes]) -> None:
        if not rkeys:
            return
        with self._server():
            if len(rkeys) <= _KEYS_PER_COMMAND:
                self._client.delete(*rkeys)
                return
            pipe = self._client.pipeline(transaction=True)
            for part in _slices(rkeys):
                pipe.delete(*part)
            pipe.execute()

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        """Return byte ranges of values (one transaction of ``GETRANGE`` commands); see
        :func:`~zarrlite.stores.get_partial_values`."""
        plans = [(key, _getrange_bounds(start, length)) for key, start, length in key_ranges]
        names = [k for k in dict.fromkeys(key for key, _ in plans) if isinstance(k, str)]
        if not names:
            return [None] * len(plans)
        with self._server():
            pipe = self._client.pipeline(transaction=True)
            for key in names:
                pipe.exists(self._rkey(key))
            for key, bounds in plans:
                if bounds is not None and isinstance(key, str):
                    pipe.getrange(self._rkey(key), bounds[0], bounds[1])
            replies = iter(pipe.execute())
        exists = {key: bool(next(replies)) for key in names}
        out: list[bytes | None] = []
        for key, bounds in plans:
            if not isinstance(key, str):
                out.append(None)
                continue
            part = b"" if bounds is None else next(replies)
            if not exists[key]:
                out.append(None)
            elif bounds is not None and bounds[2] is not None:
                out.append(part[: bounds[2]])
            else:
                out.append(part)
        return out

    # ------------------------------------------------------------------- hierarchy

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the immediate children of path `prefix`."""
        start = dir_prefix(prefix)
        n = len(start)
        return sorted({key[n:].partition("/")[0] for key in self._scan(start)})

    def rmdir(self, prefix: str = "") -> None:
        """Delete every key under path `prefix` (every key of the store for ``""``).

        Raises
        ------
        ValueError
            For ``""``, when keys whose first path segment holds a ``":"`` are there (they
            may be another store's, see :class:`RedisStore`): nothing is deleted.
        """
        self._check_writable()
        start = dir_prefix(prefix)
        keys = self._scan(start)
        if not start:
            self._check_no_nested_prefix(keys)
        self._delete([self._rkey(k) for k in keys])

    def _check_no_nested_prefix(self, keys: Iterable[str]) -> None:
        """ValueError if some of `keys` may be another store's: those whose first path
        segment holds a ":" (key "v2:x/.zarray" is also key "x/.zarray" of prefix
        "<prefix>:v2"). Zarr's own keys (.zgroup, .zarray, .zattrs, .zmetadata, chunk
        keys) never hold one; only node names may."""
        suspects = sorted(k for k in keys if ":" in k.partition("/")[0])
        if suspects:
            other = f"{self._prefix}:{suspects[0].partition(':')[0]}"
            raise ValueError(
                f"refusing to delete every key of {self!r}: {len(suspects)} of them, such "
                f"as {suspects[0]!r}, may be keys of a store with prefix {other!r} (a "
                "prefix must not be another followed by ':'); nothing was deleted. "
                "Delete this store's nodes one by one with rmdir(path)")

    def rename(self, src: str, dst: str) -> None:
        """Move every key under path `src` to the same place under path `dst`, on the
        server (``RENAME``, in one transaction).

        See :func:`~zarrlite.stores.rename` for the errors raised.
        """
        self._check_writable()
        src, dst = check_rename(src, dst)
        src_keys = sorted(self._scan(src + "/"))
        if not src_keys:
            raise PathNotFoundError(f"cannot rename {src!r}: nothing is stored under it")
        if dst in self or self._scan(dst + "/"):
            raise ValueError(f"cannot rename {src!r} to {dst!r}: the destination is not empty")
        n = len(src)
        with self._server():
            pipe = self._client.pipeline(transaction=True)
            for key in src_keys:
                pipe.rename(self._rkey(key), self._rkey(dst + key[n:]))
            results = pipe.execute(raise_on_error=False)
        for result in results:  # a key deleted since the scan is not an error
            if isinstance(result, Exception) and "no such key" not in str(result).lower():
                with self._server():
                    raise result

    def getsize(self, prefix: str = "") -> int:
        """Return the number of bytes stored at key `prefix`, or under path `prefix`."""
        start = dir_prefix(prefix)
        with self._server():
            if start:
                pipe = self._client.pipeline(transaction=True)
                pipe.exists(self._rkey(start[:-1]))
                pipe.strlen(self._rkey(start[:-1]))
                exists, size = pipe.execute()
                if exists:
                    return int(size)
            total = 0
            for part in _slices(sorted(self._scan(start))):
                pipe = self._client.pipeline(transaction=False)
                for key in part:
                    pipe.strlen(self._rkey(key))
                total += sum(pipe.execute())
        return total
