"""FSStore: keys as files of any fsspec file system (local, ``memory://``, ``http(s)://``,
``s3://``, ``gs://``, ...).

Key ``"a/0.0"`` is the file ``<root>/a/0.0``. Reads go out in batches: ``getitems`` and
``get_partial_values`` each make one ``cat_ranges`` call, which asynchronous file systems
(S3, GCS, HTTP, ...) turn into concurrent requests, so reading many chunks costs about one
round trip. ``setitems`` is one ``pipe`` call. A missing value is left out (``getitems``)
or None (byte ranges); any other failure is raised naming the key (as the file system's
own error class when it takes a message, else as an ``OSError``).

HTTP is read-only: modes ``"r"``, ``"r+"`` and ``"a"`` open a read-only store, ``"w"`` and
``"w-"`` (which would create or replace) are refused. A root URL's query string (a token,
a signature) and fragment stay at the end of every key's URL:
``https://host/data.zarr?sig=x`` reads key ``a/0.0`` from ``https://host/data.zarr/a/0.0?sig=x``.
A server that ignores ``Range`` headers (``python -m http.server``) sends whole values:
they are cut to the range asked for, and from then on the store reads whole values
(``reads_byte_ranges`` turns False). Its listings (``listdir``, iterating the store) need
a server that answers a directory URL ending in ``/`` with an HTML page of links; without
them, open hierarchies through consolidated metadata (``zarrlite.open_consolidated``). A
server that answers a directory's URL without the ``/`` with its listing (rather than 404)
makes that directory read as a value.

Local paths (and ``file://`` URLs) are made absolute when the store is made, so a pickled
store reopens the same folder from any working directory. ``memory://`` file systems
belong to one process: a store pickled into another process sees that process's own
(usually empty) memory file system. Writes to a local file system through fsspec are not
atomic (a reader may see part of a value being written): use
:class:`~zarrlite.stores.DirectoryStore` for local paths.
"""

from __future__ import annotations

import errno
import functools
import importlib
import os
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from zarrlite.errors import ReadOnlyError
from zarrlite.metadata.keys import validate_key
from zarrlite.stores._util import (
    ByteRange,
    checked_ranges_into,
    dir_prefix,
    ensure_bytes,
    readonly_from_mode,
    slice_value,
)
from zarrlite.stores.abc import BaseStore
from zarrlite.stores.process_local import refuse_pickle

__all__ = ["FSStore"]

#: Seconds to wait for a connection, and for each read from it, unless the storage options
#: say otherwise (S3: ``config_kwargs``; HTTP: ``client_kwargs["timeout"]``).
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60
#: Connections kept open to an S3 endpoint, unless ``config_kwargs`` says otherwise.
S3_CONNECTIONS = 64

#: What a missing value looks like: no such file, a directory, or a file where a
#: directory should be.
_MISSING = (FileNotFoundError, IsADirectoryError, NotADirectoryError)
#: File systems that cannot write: modes 'r', 'r+' and 'a' open them read-only.
_HTTP = frozenset({"http", "https"})
_LOCAL = frozenset({"file", "local"})
_GLOB_CHARS = re.compile(r"[*?\[]")
_EXTRAS = {"s3": "s3", "s3a": "s3", "http": "http", "https": "http"}
#: What messages leave out of URLs: user and password, query and fragment.
_URL_USER = re.compile(r"(?i)\b(https?://)[^/\s'\"@]*@")
_URL_QUERY = re.compile(r"(?i)\b(https?://[^\s'\"?#]*)[?#][^\s'\"]*")


def _protocol_of(url: str) -> str:
    """The protocol of the outermost file system of `url` ("file" for a plain path)."""
    outer = url.split("::")[0]
    return outer.split("://")[0].lower() if "://" in outer else "file"


def _with_defaults(protocol: str, options: dict[str, Any]) -> dict[str, Any]:
    """Storage options with zarrlite's defaults added where the caller gave none:
    timeouts for S3 and HTTP (so an unreachable server fails instead of hanging), enough
    S3 connections for a batch of chunks (botocore keeps 10), and parent directories made
    on demand for local paths. HTTP sessions also get :func:`_size_trace`."""
    options = dict(options)
    if protocol in _LOCAL:
        options.setdefault("auto_mkdir", True)
    elif protocol in ("s3", "s3a"):
        config = dict(options.get("config_kwargs") or {})
        config.setdefault("connect_timeout", CONNECT_TIMEOUT)
        config.setdefault("read_timeout", READ_TIMEOUT)
        config.setdefault("max_pool_connections", S3_CONNECTIONS)
        options["config_kwargs"] = config
    elif protocol in _HTTP:
        import aiohttp

        client = dict(options.get("client_kwargs") or {})
        client.setdefault("timeout", aiohttp.ClientTimeout(
            total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT))
        client["trace_configs"] = [*(client.get("trace_configs") or ()), _size_trace()]
        options["client_kwargs"] = client
    return options


def _open_filesystem(url: str, options: dict[str, Any]) -> tuple[Any, str]:
    """(fsspec file system, root path in it) for `url`; ImportError naming the extra to
    install when fsspec or the file system's package is missing."""
    protocol = _protocol_of(url)
    extra = _EXTRAS.get(protocol, "fsspec")
    try:
        # imported by name: fsspec ships no type information
        fsspec_core = importlib.import_module("fsspec.core")
    except ImportError as err:
        raise ImportError(f'FSStore needs fsspec: pip install "zarrlite[{extra}]"') from err
    try:
        fs, root = fsspec_core.url_to_fs(url, **_with_defaults(protocol, options))
    except ImportError as err:
        raise ImportError(f"cannot open {_public_url(url)!r}: {err} "
                          f'(pip install "zarrlite[{extra}]")') from err
    return fs, root.rstrip("/")


def _public_url(url: str) -> str:
    """`url` without what may be a secret: user and password, query and fragment."""
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or "://" not in url:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _redacted(text: str) -> str:
    """`text` with the user, password, query and fragment of every HTTP(S) URL in it
    left out (servers' error messages quote the URL they were asked for)."""
    return _URL_QUERY.sub(r"\1", _URL_USER.sub(r"\1", text))


def _unsatisfiable(err: BaseException) -> bool:
    """Whether `err` says a byte range starts past the end of a value that exists (HTTP
    416: s3fs raises it as an OSError with EINVAL, aiohttp with the status)."""
    if getattr(err, "status", None) == 416:
        return True
    return (isinstance(err, OSError) and err.errno == errno.EINVAL
            and "range" in str(err).lower())


def _failure(doing: str, where: str, err: BaseException) -> Exception:
    """The error to raise for `err` ("cannot <doing> of <where>: ..."), of the same class
    when that class takes a message (an OSError otherwise); URLs in it lose their secrets.
    Raise it ``from _shown(err)``."""
    message = _redacted(f"cannot {doing} of {where}: {type(err).__name__}: {err}")
    cls = type(err)
    if issubclass(cls, Exception):
        try:
            return cls(message)
        except Exception:  # an error class whose constructor wants more than a message
            pass
    return OSError(message)


def _shown(err: BaseException) -> BaseException | None:
    """`err`, to chain to the error raised for it; None when its text shows a secret of a
    URL (tracebacks print the chain)."""
    return err if _redacted(str(err)) == str(err) else None


def _request_of(start: int, length: int | None) -> tuple[int, int | None]:
    """The (start, end) fsspec is asked for to get ``value[start:][:length]``. A suffix
    (negative start) is one request for its last bytes, cut to `length` afterwards; an empty
    range asks for one byte, to learn whether the value exists."""
    if length is not None and length < 0:
        raise ValueError(f"byte range length must be >= 0 or None, found {length}")
    if length == 0:
        return 0, 1
    if start < 0:
        return start, None
    return start, None if length is None else start + length


def _cut(part: bytes, start: int, length: int | None, size: int | None) -> tuple[bytes, bool]:
    """``value[start:][:length]`` from what a request of :func:`_request_of` returned, and
    whether the server had ignored the range (sent the whole value, which is then sliced
    here). `size` is the value's size when the server told it (else None).

    An answer is the whole value when it has `size` bytes (a range answer of that many
    bytes is the whole value too), or more bytes than the range can hold.
    """
    if length == 0:
        return b"", False
    ignored = False
    most = -start if start < 0 else length  # a suffix is asked for whole, then cut
    if len(part) == size or (most is not None and len(part) > most):
        answer = slice_value(part, start, None if start < 0 else length)
        ignored = len(answer) != len(part)
        part = answer
    return (part if length is None else part[:length]), ignored


class _Sizes(dict[str, int]):
    """URL -> size of the value, as an HTTP server told it while answering one batch of
    requests (the ``trace_request_ctx`` of each; see :func:`_size_trace`)."""


@functools.cache
def _size_trace() -> Any:
    """The aiohttp trace (one for every session: fsspec then reuses its file systems)
    that notes in the :class:`_Sizes` of a request the size of the value the server
    answered with: from ``Content-Range`` for a 206, ``Content-Length`` for a 200. The
    bytes of a range answer alone cannot tell a server that ignored the range: 100 bytes
    for ``bytes=5-`` are the tail of a 105-byte value or all of a 100-byte one."""
    import aiohttp

    async def on_start(_session: Any, ctx: Any, params: Any) -> None:
        ctx.url = str(params.url)  # before any redirect

    async def on_end(_session: Any, ctx: Any, params: Any) -> None:
        sizes = ctx.trace_request_ctx
        if isinstance(sizes, _Sizes):
            size = _size_told(params.response)
            if size is not None:
                sizes[ctx.url] = size

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    return trace


def _size_told(response: Any) -> int | None:
    """The size of the value an HTTP response is (part of), when its headers say."""
    if response.status == 206:
        total = response.headers.get("Content-Range", "").rpartition("/")[2].strip()
        return int(total) if total.isdigit() else None
    if response.status == 200 and response.headers.get("Content-Encoding", "") in (
            "", "identity"):
        return response.content_length
    return None


class FSStore(BaseStore):
    """Store over an fsspec file system: each key is a file under a root URL.

    Parameters
    ----------
    url : str or os.PathLike
        Root of the store: ``"s3://bucket/data.zarr"``, ``"https://host/data.zarr"``,
        ``"memory://x"``, ``"file:///tmp/x"`` or a local path (made absolute). An HTTP
        URL's query string and fragment go at the end of every key's URL.
    mode : str, optional
        ``"r"`` (the default) for a read-only store; any other mode of
        :data:`~zarrlite.stores.MODES` allows writes. HTTP cannot write: ``"r+"`` and
        ``"a"`` open it read-only too, and ``"w"`` and ``"w-"`` are refused.
    key_separator : {None, '.', '/'}, optional
        The chunk key separator of arrays whose metadata does not name one (see
        :attr:`~zarrlite.stores.BaseStore.dimension_separator`).
    **storage_options
        Passed to the fsspec file system: ``anon``, ``key``, ``secret``, ``client_kwargs``
        for S3, ``headers`` for HTTP, ... Timeouts default to :data:`CONNECT_TIMEOUT` and
        :data:`READ_TIMEOUT` seconds for S3 and HTTP.

    Raises
    ------
    ImportError
        If fsspec, or the package of the URL's file system (s3fs, aiohttp), is missing.
    ValueError
        For an invalid mode or key separator, or mode ``"w"`` or ``"w-"`` over HTTP.

    Examples
    --------
    >>> store = FSStore("memory://fsstore-doc", mode="w")
    >>> store.setitems({"a/0.0": b"xy", "a/0.1": b"z"})
    >>> store.listdir("a"), store.get_partial_values([("a/0.0", -1, None)])
    (['0.0', '0.1'], [b'y'])
    >>> store.rmdir()
    """

    #: setitems has sent or copied every value when it returns.
    copies_values = True

    def __init__(self, url: str | os.PathLike[str], mode: str = "r", *,
                 key_separator: str | None = None, **storage_options: Any) -> None:
        url = os.fspath(url)
        if not isinstance(url, str):
            raise TypeError(f"FSStore takes a str URL or path, found {type(url).__name__}")
        self._readonly = readonly_from_mode(mode)
        if key_separator not in (None, ".", "/"):
            raise ValueError(f"key_separator must be '.', '/' or None, found {key_separator!r}")
        protocol = _protocol_of(url)
        self._http = protocol in _HTTP
        if self._http:
            if mode in ("w", "w-"):
                raise ValueError(
                    f"cannot open {_public_url(url)!r} with mode {mode!r}: HTTP stores are "
                    f"read-only, and mode {mode!r} would create the hierarchy; open it with "
                    "mode 'r' (or 'r+' or 'a', which open HTTP read-only too)")
            self._readonly = True
        self.mode = mode
        self.dimension_separator = key_separator
        self.storage_options = storage_options
        self._fs, self.root = _open_filesystem(url, storage_options)
        if protocol in _LOCAL and "::" not in url:
            # the absolute path fsspec resolved: what a pickle must reopen elsewhere
            url = f"{protocol}://{self.root}" if "://" in url else self.root
        self.url = url
        self._pid = os.getpid()
        #: HTTP: keys are percent-encoded, and go before the root URL's query and fragment.
        base, self._suffix = self.root, ""
        if self._http:
            parts = urllib.parse.urlsplit(self.root)
            base = urllib.parse.urlunsplit(parts._replace(query="", fragment="")).rstrip("/")
            self._suffix = (f"?{parts.query}" if parts.query else "") + (
                f"#{parts.fragment}" if parts.fragment else "")
        self._base = base
        self._prefix = base + "/"
        #: Set once a server answered a byte range with the whole value: from then on
        #: values are read whole (see :attr:`reads_byte_ranges`).
        self._ranges_ignored = False
        #: Asynchronous file systems (S3, HTTP, ...) run every call on fsspec's own event
        #: loop and may be called from any thread; so may the local and memory ones.
        self.threadsafe = bool(getattr(self._fs, "async_impl", False)) or protocol in (
            "file", "local", "memory")

    @property
    def fs(self) -> Any:
        """The fsspec file system (made again in a forked child: the parent's event loop
        does not exist there)."""
        if self._pid != os.getpid():
            self._fs, _ = _open_filesystem(self.url, self.storage_options)
            self._pid = os.getpid()
        return self._fs

    @property
    def reads_byte_ranges(self) -> bool:
        """True until the server answers a byte range with the whole value (as web servers
        without range support do): then byte-range reads would fetch whole values, and
        the engine reads values whole instead."""
        return not self._ranges_ignored

    def __repr__(self) -> str:
        mode = ", mode='r'" if self._readonly else ""
        return f"<FSStore {_public_url(self.url)!r}{mode}>"

    def __reduce__(self) -> tuple[Any, ...]:
        if _protocol_of(self.url) == "memory":  # another process's memory:// is empty
            refuse_pickle(f"FSStore {_public_url(self.url)!r}")
        return _reopen, (self.url, self.mode, self.dimension_separator, self.storage_options)

    def location_of(self, path: str) -> str:
        """The URL of node `path`, for messages."""
        url = _public_url(self.url).rstrip("/")
        return f"{url}/{path}" if path else url

    def _check_writable(self) -> None:
        if self._readonly:
            why = ": HTTP file systems cannot write" if self._http else ""
            raise ReadOnlyError(f"{self!r} is read-only{why}")

    # paths ---------------------------------------------------------------------------

    def _location(self, key: str) -> str:
        """The file system path of a (validated) key or node path, without the root URL's
        query and fragment (a directory's, or a prefix of others)."""
        validate_key(key)
        return self._prefix + (urllib.parse.quote(key, safe="/") if self._http else key)

    def _path(self, key: str) -> str:
        """The file system path (the URL over HTTP) of a (validated) key."""
        return self._location(key) + self._suffix

    def _dir_path(self, prefix: str) -> str:
        """The file system path of node path `prefix` (the root for ""), without the root
        URL's query and fragment."""
        start = dir_prefix(prefix)
        return self._location(start[:-1]) if start else self._base

    def _key_of(self, path: str) -> str | None:
        """The key of a path the file system listed (None for one outside the root)."""
        path = path.rstrip("/")
        if not path.startswith(self._prefix):
            return None
        return path[len(self._prefix) :]

    # mapping interface ---------------------------------------------------------------

    def __getitem__(self, key: str) -> bytes:
        value = self.getitems([key]).get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.setitems({key: value})

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        if key not in self:
            raise KeyError(key)
        self._remove([self._path(key)])

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            validate_key(key)
        except ValueError:
            return False
        if self._http:
            return self._http_exists(key)
        # one ranged read of a byte, as reads go (S3 answers a HEAD of a missing key by
        # listing the prefix)
        return self.get_partial_values([(key, 0, 0)])[0] is not None

    def _http_exists(self, key: str) -> bool:
        """Whether the server has `key`, asked with a HEAD (never a GET of the value,
        which a server without range support would send whole). fsspec reports every
        failure as a missing file, with the server's error as its cause: only 404 and 410
        mean missing."""
        try:
            info = self.fs.info(self._path(key))
        except FileNotFoundError as err:
            cause = err.__cause__
            if cause is None or getattr(cause, "status", None) in (404, 410):
                return False
            raise _failure(f"look up key {key!r}", repr(self), cause) from _shown(cause)
        except Exception as err:
            raise _failure(f"look up key {key!r}", repr(self), err) from _shown(err)
        return info.get("type", "file") == "file"

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys_in(""))

    def __len__(self) -> int:
        return len(self._keys_in(""))

    @contextmanager
    def _reporting(self, doing: str) -> Iterator[None]:
        """Re-raise a failure of the file system calls inside, other than a missing path
        (which the caller handles), saying what was being done and where."""
        try:
            yield
        except _MISSING:
            raise
        except Exception as err:
            raise _failure(doing, repr(self), err) from _shown(err)

    def _find(self, dirpath: str) -> list[str]:
        """Paths of the files under directory `dirpath`, at any depth (not over HTTP: see
        :meth:`_keys_in`)."""
        fs = self.fs
        fs.invalidate_cache(dirpath)
        try:
            with self._reporting(f"list {dirpath!r}"):
                return list(fs.find(dirpath))
        except _MISSING:
            return []

    def _keys_in(self, prefix: str) -> list[str]:
        """The sorted keys under node path `prefix` (every key for "")."""
        if not self._http:
            keys = (self._key_of(path) for path in self._find(self._dir_path(prefix)))
            return sorted(key for key in keys if key)
        # HTTP: walk the listings of "<dir>/" (fsspec would ask for "<dir>", which web
        # servers answer with a redirect, or not at all)
        start = dir_prefix(prefix)
        found: list[str] = []
        todo = [start[:-1]]
        while todo:
            current = todo.pop()
            for name, is_dir in self._http_entries(current):
                key = f"{current}/{name}" if current else name
                (todo if is_dir else found).append(key)
        return sorted(found)

    def _http_entries(self, prefix: str) -> list[tuple[str, bool]]:
        """(name, is a directory) of each entry an HTTP server's listing of node path
        `prefix` links to, names decoded; none when the server has no listing there."""
        dirpath = self._dir_path(prefix)
        listing = dirpath + "/" + self._suffix
        fs = self.fs
        fs.invalidate_cache(listing)
        try:
            with self._reporting(f"list {prefix!r}"):
                entries = fs.ls(listing, detail=True)
        except _MISSING:
            return []
        # fsspec joins relative links to the listing's URL, query included (the longer)
        heads = (listing.rstrip("/") + "/", dirpath + "/")
        out = []
        for entry in entries:
            name = entry["name"]
            head = next((h for h in heads if name.startswith(h)), None)
            if head is None:
                continue
            rest = re.split(r"[?#]", name[len(head) :], maxsplit=1)[0]  # a link's own query
            child, sep, _ = rest.partition("/")
            if child:
                out.append((urllib.parse.unquote(child),
                            bool(sep) or entry.get("type") == "directory"))
        return out

    # batches -------------------------------------------------------------------------

    def getitems(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the values of those `keys` that exist; missing keys are left out.

        All values are fetched with one ``cat_ranges`` call (concurrent requests on
        asynchronous file systems), each as the range from byte 0 to the end: one GET per
        value, where s3fs would first ask for the size of a value read whole.

        Raises
        ------
        OSError
            For a failure other than a missing value, naming the key.
        """
        keys = list(dict.fromkeys(keys))
        values = self.get_partial_values([(key, 0, None) for key in keys])
        return {key: value for key, value in zip(keys, values) if value is not None}

    def setitems(self, mapping: Mapping[str, Any]) -> None:
        """Store every ``key: value`` of `mapping` with one ``pipe`` call; all keys and
        values are checked before anything is written."""
        self._check_writable()
        values = {self._path(key): ensure_bytes(value) for key, value in mapping.items()}
        if not values:
            return
        keys = list(mapping)
        what = f"key {keys[0]!r}" + (f" (one of {len(keys)})" if len(keys) > 1 else "")
        try:
            with self._reporting(f"write {what}"):
                self.fs.pipe(values)
        except _MISSING as err:  # a parent that is a file, on local file systems
            raise _failure(f"write {what}", repr(self), err) from _shown(err)

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete `keys`, ignoring those that do not exist."""
        self._check_writable()
        self._remove([self._path(key) for key in keys])

    def _remove(self, paths: list[str]) -> None:
        """Delete files, ignoring missing ones: one call for all of them (S3 deletes up to
        1000 objects per request), or one per file where a name holds glob characters,
        which ``rm`` would expand."""
        if not paths:
            return
        fs = self.fs
        with self._reporting(f"delete {paths[0]!r}" + (f" (one of {len(paths)})"
                                                       if len(paths) > 1 else "")):
            if not any(_GLOB_CHARS.search(path) for path in paths):
                try:
                    fs.rm(paths)
                    return
                except _MISSING:
                    pass  # some did not exist: delete the others one by one
            for path in paths:
                try:
                    fs.rm_file(path)
                except _MISSING:
                    pass

    def get_partial_values(self, key_ranges: Iterable[ByteRange]) -> list[bytes | None]:
        """Return byte ranges of values, with one ``cat_ranges`` call for all of them.

        See :func:`~zarrlite.stores.get_partial_values` for the arguments. A range with a
        negative start is one suffix request (``bytes=-n``). A server found to ignore
        ranges is asked once for each value, whole, which is then cut here.
        """
        key_ranges = list(key_ranges)
        if not key_ranges:
            return []
        requests = [_request_of(start, length) for _key, start, length in key_ranges]
        paths = [self._path(key) for key, _start, _length in key_ranges]
        whole = self._ranges_ignored
        sizes: dict[str, int] = {}
        if whole:
            distinct = list(dict.fromkeys(paths))
            found, _ = self._cat_ranges(distinct, [None] * len(distinct),
                                        [None] * len(distinct))
            by_path = dict(zip(distinct, found))
            results = [by_path[path] for path in paths]
        else:
            results, sizes = self._cat_ranges(paths, [s for s, _ in requests],
                                              [e for _, e in requests])
        out: list[bytes | None] = []
        for (key, start, length), path, result in zip(key_ranges, paths, results):
            if isinstance(result, BaseException):
                if isinstance(result, _MISSING):
                    out.append(None)
                    continue
                if _unsatisfiable(result):  # starts past the end of a value that exists
                    out.append(b"")
                    continue
                raise _failure(f"read key {key!r}", repr(self), result) from _shown(result)
            if whole:
                out.append(slice_value(bytes(result), start, length))
                continue
            part, ignored = _cut(bytes(result), start, length, sizes.get(path))
            if ignored:
                self._ranges_ignored = True
            out.append(part)
        return out

    def _cat_ranges(self, paths: list[str], starts: list[int | None],
                    ends: list[int | None]) -> tuple[list[Any], dict[str, int]]:
        """The file system's ``cat_ranges`` (each failure in place of its result), and the
        size of each value (by path) an HTTP server told while answering."""
        fs = self.fs
        if not self._http:
            return fs.cat_ranges(paths, starts, ends, on_error="return"), {}
        told = _Sizes()
        results = fs.cat_ranges(paths, starts, ends, on_error="return", trace_request_ctx=told)
        sizes = {}
        for path in dict.fromkeys(paths):
            size = told.get(str(fs.encode_url(path)))
            if size is not None:
                sizes[path] = size
        return results, sizes

    def read_ranges_into(self, key: str, ranges: Iterable[tuple[int, int, int]],
                         out: Any) -> list[int] | None:
        """Read byte ranges of one value into a writable buffer, with one ``cat_ranges``
        call; see :func:`~zarrlite.stores.read_ranges_into`."""
        ranges, view = checked_ranges_into(ranges, out)
        parts = self.get_partial_values([(key, start, length) for start, length, _ in ranges]
                                        or [(key, 0, 0)])
        if any(part is None for part in parts):
            return None
        counts = []
        for (_start, _length, at), part in zip(ranges, parts):
            assert part is not None
            view[at : at + len(part)] = part
            counts.append(len(part))
        return counts

    # hierarchy -----------------------------------------------------------------------

    def listdir(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the files and directories directly under `prefix`."""
        if self._http:
            return sorted({name for name, _ in self._http_entries(prefix)})
        dirpath = self._dir_path(prefix)
        fs = self.fs
        fs.invalidate_cache(dirpath)
        try:
            with self._reporting(f"list {prefix!r}"):
                entries = fs.ls(dirpath + "/", detail=False)
        except _MISSING:
            return []
        names = set()
        for entry in entries:
            name = entry.rstrip("/")
            if name == dirpath:  # ls of a file lists the file itself
                continue
            names.add(name.rpartition("/")[2])
        return sorted(names)

    def rmdir(self, prefix: str = "") -> None:
        """Delete everything under path `prefix` (``""``: everything under the root; the
        root itself is kept)."""
        self._check_writable()
        dirpath = self._dir_path(prefix)
        fs = self.fs
        self._remove(self._find(dirpath))
        # file systems with real directories (local) keep them when their files go
        try:
            found = {path.rstrip("/") for path in fs.find(dirpath, withdirs=True)}
        except OSError:
            found = set()
        found.discard(dirpath)
        if prefix.strip("/"):
            found.add(dirpath)  # the root itself is kept (and never an S3 bucket)
        for path in sorted(found, key=len, reverse=True):
            try:
                fs.rmdir(path)
            except OSError:  # not empty, gone already, or no directories at all (S3)
                pass

    def getsize(self, prefix: str = "") -> int:
        """Return the size of the value at `prefix`, or the total size of values under it
        (-1 if the server does not tell a value's size)."""
        start = dir_prefix(prefix)
        path = self._path(start[:-1]) if start else self._base
        fs = self.fs
        fs.invalidate_cache(path)
        with self._reporting(f"find the size of {prefix!r}"):
            info: dict[str, Any] = {"type": "directory"}
            sizes: list[Any]
            try:
                if start or not self._http:  # (web servers answer the root only with "/")
                    info = fs.info(path)
            except _MISSING:  # nothing there, or a directory a web server does not answer
                info = {"type": "directory"}
            if info.get("type") == "file":
                sizes = [info.get("size")]
            elif not self._http:
                try:
                    found = fs.find(path, detail=True)
                except _MISSING:
                    found = {}
                sizes = [entry.get("size") for entry in found.values()]
            else:  # listings of web servers carry no sizes: ask for each (HEAD)
                sizes = [fs.info(self._path(key)).get("size") for key in self._keys_in(prefix)]
        if any(size is None for size in sizes):
            return -1
        return sum(int(size) for size in sizes)


def _reopen(url: str, mode: str, key_separator: str | None,
            storage_options: dict[str, Any]) -> FSStore:
    """Unpickle an FSStore: open the same URL again."""
    return FSStore(url, mode, key_separator=key_separator, **storage_options)
