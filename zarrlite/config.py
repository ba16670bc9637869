"""Process-wide settings: ``zarrlite.config.set(threads=4)``.

Settings are read at the start of each read or write, so a change applies to the next
operation. ``set`` also works as a context manager that restores the old values.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_DEFAULTS: dict[str, Any] = {
    "threads": os.cpu_count() or 1,
    "partial_decode": True,
    "max_chunk_nbytes": 1 << 34,
    "max_kept_scratch_nbytes": 1 << 27,
    "idle_buffer_seconds": 10.0,
    "write_empty_chunks": False,
    "chunked_max_bytes": 1 << 27,
    "chunk_cache": 0,
}
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2,
          "g": 1000**3, "gb": 1000**3, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
          "tib": 1 << 40, "tb": 1000**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([a-zA-Z]*)\s*$")


def parse_nbytes(size: int | str | None) -> int | None:
    """A size in bytes from an int or a string such as ``"256MiB"`` or ``"1.5 GB"``;
    None stays None (no bound).

    Examples
    --------
    >>> parse_nbytes("256MiB"), parse_nbytes(1000), parse_nbytes("2 kB")
    (268435456, 1000, 2000)
    """
    if size is None:
        return None
    if isinstance(size, bool):
        raise TypeError("a size must be an int or a string such as '256MiB', not a bool")
    if isinstance(size, int):
        nbytes = size
    elif isinstance(size, str):
        match = _SIZE.match(size)
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(f"cannot read {size!r} as a size: expected e.g. 1000000, "
                             "'256MiB' or '2GB'")
        nbytes = int(float(match.group(1)) * _UNITS[unit])
    else:
        raise TypeError(f"a size must be an int or a string such as '256MiB', "
                        f"not {type(size).__name__}")
    if nbytes < 0:
        raise ValueError(f"a size must not be negative, got {size!r}")
    return nbytes


_settings: dict[str, Any] = dict(_DEFAULTS)
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
#: Name prefix of the worker threads.
POOL_THREAD_PREFIX = "zarrlite-worker"


def get(name: str) -> Any:
    """Return the current value of setting `name` (KeyError if there is no such setting)."""
    return _settings[name]


def _validate(name: str, value: Any) -> Any:
    if name not in _DEFAULTS:
        raise KeyError(f"unknown zarrlite setting {name!r}; known: {sorted(_DEFAULTS)}")
    if name == "threads":
        if value is None:
            return _DEFAULTS["threads"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"threads must be a positive integer or None, got {value!r}")
    if name in ("partial_decode", "write_empty_chunks") and not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    if name == "chunked_max_bytes" and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ValueError(f"chunked_max_bytes must be a positive integer, got {value!r}")
    if name in ("max_chunk_nbytes", "max_kept_scratch_nbytes") and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if name == "idle_buffer_seconds" and value is not None and (
            not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0):
        raise ValueError(f"idle_buffer_seconds must be a positive number or None, got {value!r}")
    if name == "chunk_cache":
        return chunk_cache_nbytes(value)
    return value


def chunk_cache_nbytes(value: int | str | None) -> int:
    """The ``chunk_cache`` setting (or an array's `chunk_cache` argument) in bytes: an int,
    a string such as ``"256MiB"``, or 0 or None for no cache.

    Raises
    ------
    ValueError
        If `value` is negative, a bool or of another type, or a string that is not a size.

    Examples
    --------
    >>> chunk_cache_nbytes("1 MiB"), chunk_cache_nbytes(None)
    (1048576, 0)
    """
    try:
        nbytes = parse_nbytes(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"chunk_cache must be a size in bytes (an int, or a string such as "
                         f"'256MiB'), or 0 or None for no cache; got {value!r}") from err
    return nbytes or 0


class set:  # noqa: N801 - used as a function, like dask.config.set
    """Change settings; usable as a context manager that restores the previous values.

    Parameters
    ----------
    threads : int or None
        Worker threads for reads and writes that touch several chunks (None: CPU count).
    partial_decode : bool
        Decode only the blocks a selection needs (Blosc blocks, two-level N-d blocks) when
        that is cheaper, and read only their bytes from stores that read byte ranges
        (default True); False decodes and reads whole chunks, for measurement or safety.
        Results are identical.
    max_chunk_nbytes : int
        Largest chunk (decoded bytes) an array may have (default 16 GiB): metadata naming
        bigger chunks is refused at open with a MetadataError, and creating such an array
        with a ValueError, rather than failing later on a huge allocation.
    max_kept_scratch_nbytes : int
        Most bytes of scratch buffers each thread keeps between reads and writes (default
        128 MiB); buffers beyond it are freed after use (the least recently used first).
        See also :func:`release_buffers`.
    write_empty_chunks : bool
        Whether arrays opened or created without a `write_empty_chunks` argument store
        chunks that only hold the fill value (default False: they are deleted, and read
        back as the fill value; zarr-python 2 stores them, so True behaves as it does).
    chunked_max_bytes : int
        Largest block (in bytes) that chunk-by-chunk work (``eachchunk``, reductions,
        copies) reads at once from an array without chunks of its own, such as a numpy
        array or a contiguous HDF5 dataset (default 128 MiB).
    chunk_cache : int or str
        Bytes of decoded chunks kept in memory for the arrays opened without a
        `chunk_cache` argument of their own: an int, or a string such as ``"256MiB"``;
        0 or None turns the cache off (the default). Reads of part of a chunk then decode
        the whole chunk once and keep it (least recently used out first), so that later
        reads of the same chunk copy from memory; writes and resizes through any array of
        the process drop the chunks they change (writes by other processes are not seen).
        Hits and misses are counted in ``Array.stats``.
    idle_buffer_seconds : float or None
        A thread's kept scratch buffers are freed once it has not read or written for this
        many seconds (default 10), and the C library is asked to return freed memory to the
        system; None keeps them until :func:`release_buffers`.

    Examples
    --------
    >>> import zarrlite
    >>> with zarrlite.config.set(threads=1):
    ...     zarrlite.config.get("threads")
    1
    """

    def __init__(self, **settings: Any) -> None:
        checked = {name: _validate(name, value) for name, value in settings.items()}
        self._previous = {name: _settings[name] for name in checked}
        _settings.update(checked)

    def __enter__(self) -> set:
        return self

    def __exit__(self, *exc_info: object) -> None:
        _settings.update(self._previous)


def _forget_pool_after_fork() -> None:
    """In a forked child the parent's worker threads do not exist: start afresh (a pool
    whose threads are gone would take work and never do it)."""
    global _pool, _pool_lock, _pool_size
    _pool, _pool_size, _pool_lock = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def thread_pool() -> ThreadPoolExecutor:
    """The shared worker pool, sized to the ``threads`` setting."""
    global _pool, _pool_size
    wanted = _settings["threads"]
    with _pool_lock:
        if _pool is None or _pool_size != wanted:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=wanted, thread_name_prefix=POOL_THREAD_PREFIX)
            _pool_size = wanted
        return _pool


#: What release_buffers() calls: the layers that keep buffers register here.
release_hooks: list[Any] = []


def release_buffers() -> None:
    """Free the scratch buffers every thread keeps between reads and writes, now (a buffer
    in use by a read is freed when that read is done), and ask the C library to return
    freed memory to the system.

    Examples
    --------
    >>> import zarrlite
    >>> zarrlite.config.release_buffers()
    """
    for hook in release_hooks:
        hook()
