"""Real servers on 127.0.0.1 for the remote-store tests: a static HTTP file server that
answers byte ranges (or, with ``ranges=False``, ignores them as ``python -m http.server``
does), and moto's S3-compatible server.

Both count the requests they answer and the body bytes they send (:class:`Traffic`), so a
test can check what a read cost at the server, not what the client believes it asked for.
Each runs in a daemon thread on a port the system picks, and stops with :meth:`stop` (or
at the end of a ``with`` block).
"""

from __future__ import annotations

import html
import os
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: What :class:`S3Server` clients need beside the endpoint: moto accepts any keys.
S3_DUMMY_KEYS = {"key": "testing", "secret": "testing"}
S3_REGION = "us-east-1"


class Traffic:
    """Requests answered and body bytes sent by one server (thread-safe counters), and the
    targets asked for (path and query, where the server tells them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.bytes_sent = 0
        self.methods: dict[str, int] = {}
        self.targets: list[str] = []

    def count_request(self, method: str, target: str | None = None) -> None:
        with self._lock:
            self.requests += 1
            self.methods[method] = self.methods.get(method, 0) + 1
            if target is not None:
                self.targets.append(target)

    def count_bytes(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.bytes_sent = 0
            self.methods = {}
            self.targets = []

    def snapshot(self) -> tuple[int, int]:
        """(requests, bytes sent) so far."""
        with self._lock:
            return self.requests, self.bytes_sent


# ------------------------------------------------------------------------ HTTP


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """The (first, last) bytes of a single-range ``Range`` header over a value of `size`
    bytes (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``); None to answer with the whole value
    (no header, several ranges, or one that does not parse); ``"unsatisfiable"`` for a range
    starting past the end."""
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first_text, sep, last_text = spec.strip().partition("-")
    if not sep:
        return None
    try:
        if not first_text:  # a suffix: the last n bytes
            n = int(last_text)
            if n <= 0:
                return "unsatisfiable"
            return max(size - n, 0), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size:
        return "unsatisfiable"
    if last < first:
        return None
    return first, min(last, size - 1)


class RangeRequestHandler(BaseHTTPRequestHandler):
    """GET and HEAD of the files under the server's directory, with single byte ranges.

    A directory answers only with a trailing slash (an HTML list of links, as web servers
    give); without one it is 404, so that no directory ever reads as a value. A server made
    with ``ranges=False`` ignores ``Range`` headers: every GET gets the whole file (200).
    """

    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse their connections
    #: Headers and body go out in separate writes: without TCP_NODELAY the body waits for
    #: the client's delayed acknowledgement of the headers (40 ms on Linux).
    disable_nagle_algorithm = True
    server: FileHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base's name
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's naming
        self._answer(send_body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(send_body=True)

    def _local_path(self) -> str | None:
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        parts = [p for p in path.split("/") if p]
        if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
            return None
        return os.path.join(self.server.directory, *parts) + ("/" if path.endswith("/") else "")

    def _answer(self, send_body: bool) -> None:
        self.server.traffic.count_request(self.command, self.path)
        path = self._local_path()
        if urllib.parse.unquote(urllib.parse.urlsplit(self.path).path) in self.server.failing:
            self._send(500, b"failing on purpose", send_body)
        elif path is None:
            self._send(404, b"", send_body)
        elif path.endswith("/"):
            if os.path.isdir(path):
                self._send(200, _listing(path), send_body, "text/html; charset=utf-8")
            else:
                self._send(404, b"", send_body)
        elif not os.path.isfile(path):
            self._send(404, b"", send_body)
        else:
            self._send_file(path, send_body)

    def _send_file(self, path: str, send_body: bool) -> None:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            wanted = (parse_range(self.headers.get("Range", ""), size)
                      if self.server.ranges else None)
            if wanted == "unsatisfiable":
                self._send(416, b"", send_body, extra={"Content-Range": f"bytes */{size}"})
                return
            if wanted is None:
                first, last, status, extra = 0, size - 1, 200, {}
            else:
                assert isinstance(wanted, tuple)
                first, last = wanted
                status, extra = 206, {"Content-Range": f"bytes {first}-{last}/{size}"}
            f.seek(first)
            body = f.read(last - first + 1) if send_body else b""
        self._send(status, body, send_body, "application/octet-stream", extra,
                   length=last - first + 1)

    def _send(self, status: int, body: bytes, send_body: bool,
              content_type: str = "text/plain", extra: dict[str, str] | None = None,
              length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        if self.server.ranges:
            self.send_header("Accept-Ranges", "bytes")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)
            self.server.traffic.count_bytes(len(body))


def _listing(directory: str) -> bytes:
    """An HTML page linking each entry of `directory` (subdirectories with a trailing
    slash), names percent-encoded."""
    links = []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        name = urllib.parse.quote(entry.name) + ("/" if entry.is_dir() else "")
        links.append(f'<li><a href="{html.escape(name)}">{html.escape(entry.name)}</a></li>')
    return ("<html><body><ul>" + "".join(links) + "</ul></body></html>").encode()


class FileHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server for one directory, with its traffic counters."""

    daemon_threads = True
    #: Connections waiting to be accepted: a client opens one per request of a batch at
    #: once, and the default (5) drops the others' SYNs, which are sent again after 1 s.
    request_queue_size = 128

    def __init__(self, directory: str, ranges: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), RangeRequestHandler)
        self.directory = os.fspath(directory)
        #: False: ignore Range headers (answer every GET with the whole file).
        self.ranges = ranges
        self.traffic = Traffic()
        #: URL paths ("/a/b") answered with 500 Internal Server Error.
        self.failing: set[str] = set()


class HTTPServer:
    """Serve `directory` over HTTP on 127.0.0.1, in a daemon thread; with ``ranges=False``
    ``Range`` headers are ignored (every GET gets the whole file, as from
    ``python -m http.server``).

    Attributes
    ----------
    url : str
        ``http://127.0.0.1:<port>``; a file ``<directory>/a/b`` is ``<url>/a/b``.
    traffic : Traffic
    failing : set of str
        URL paths (``"/a/b"``) the server answers with 500, to test error handling.
    ranges : bool
        Whether ``Range`` headers are answered (else ignored).
    """

    def __init__(self, directory: str | os.PathLike[str], ranges: bool = True) -> None:
        self._server = FileHTTPServer(os.fspath(directory), ranges)
        self.directory = self._server.directory
        self.ranges = ranges
        self.traffic = self._server.traffic
        self.failing = self._server.failing
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="test-http-server")
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> HTTPServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# -------------------------------------------------------------------------- S3


class _CountingApp:
    """WSGI middleware counting each request and the body bytes of each response."""

    def __init__(self, app: Callable[..., Iterable[bytes]], traffic: Traffic) -> None:
        self.app = app
        self.traffic = traffic

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterator[bytes]:
        self.traffic.count_request(environ.get("REQUEST_METHOD", "?"))
        result = self.app(environ, start_response)
        try:
            for part in result:
                self.traffic.count_bytes(len(part))
                yield part
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()


class S3Server:
    """moto's S3-compatible server on 127.0.0.1 (a port the system picks), in a daemon
    thread, with one bucket made and the traffic counted at the server.

    Attributes
    ----------
    endpoint_url : str
    bucket : str
    traffic : Traffic
    """

    def __init__(self, bucket: str | None = None) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

        self.traffic = Traffic()
        app = _CountingApp(DomainDispatcherApplication(create_backend_app), self.traffic)
        self._server = make_server("127.0.0.1", 0, app, threaded=True,
                                   request_handler=QuietHandler)
        host, port = self._server.server_address[:2]
        self.endpoint_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="test-s3-server")
        self._thread.start()
        self.bucket = bucket or f"zarrlite-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=self.bucket)
        self.traffic.reset()

    @property
    def storage_options(self) -> dict[str, Any]:
        """What ``s3fs.S3FileSystem`` (and so ``FSStore``) needs to reach this server."""
        return {**S3_DUMMY_KEYS, "client_kwargs": {"endpoint_url": self.endpoint_url,
                                                   "region_name": S3_REGION}}

    @property
    def environment(self) -> dict[str, str]:
        """Environment variables that point AWS clients (boto3, s3fs) at this server."""
        return {"AWS_ACCESS_KEY_ID": S3_DUMMY_KEYS["key"],
                "AWS_SECRET_ACCESS_KEY": S3_DUMMY_KEYS["secret"],
                "AWS_DEFAULT_REGION": S3_REGION,
                "AWS_ENDPOINT_URL_S3": self.endpoint_url}

    def client(self) -> Any:
        """A boto3 S3 client for this server (for set-up outside the code under test)."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=S3_REGION,
                            aws_access_key_id=S3_DUMMY_KEYS["key"],
                            aws_secret_access_key=S3_DUMMY_KEYS["secret"])

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> S3Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
