"""Per-thread buffers and small helpers shared by the chunk I/O modules (engine, fancy,
ranged): reusable scratch, naming the chunk in decoding errors, and the slices that map a
chunk projection between its chunk and the output."""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from zarrlite import config
from zarrlite.codecs.b2nd import frame_sizes
from zarrlite.errors import BufferSizeError, CodecError
from zarrlite.indexing.projection import ChunkProjection, out_region_to_slices, region_to_slices
from zarrlite.stores.access import location_of

_local = threading.local()


#: Exact-size scratch buffers a thread keeps (of different sizes) before dropping the oldest.
MAX_EXACT_BUFFERS = 4
#: Kept buffers shrink when a thread goes on to smaller arrays: one over SMALL_NBYTES that
#: the thread has not asked for in its last IDLE_REQUESTS requests of scratch is dropped,
#: and the fetch buffer (which grows to the biggest read) is dropped after SHRINK_AFTER
#: reads in a row that used under a quarter of it. A thread that alternates big and small
#: arrays keeps its big buffers.
SMALL_NBYTES = 1 << 20
IDLE_REQUESTS = 64
SHRINK_AFTER = 8


class _Kept:
    """One thread's kept buffers by purpose, least recently used first, and when it last
    used them. Another thread releases them by replacing `bufs` with an empty dict (never
    by changing the dict the owner may be working on): a buffer the owner then keeps in
    the old dict is simply not kept."""

    __slots__ = ("bufs", "last_use", "requests", "asked", "oversized", "__weakref__")

    def __init__(self) -> None:
        self.bufs: dict[str, np.ndarray] = {}
        self.last_use = 0.0
        self.requests = 0  # requests of scratch so far
        self.asked: dict[str, int] = {}  # purpose -> the request that last asked for it
        self.oversized = 0  # reads in a row that used under a quarter of the fetch buffer


_all_kept: weakref.WeakSet[_Kept] = weakref.WeakSet()  # every live thread's (for release)
_all_kept_lock = threading.Lock()
_janitor_lock = threading.Lock()
_janitor_running = False


def _state() -> _Kept:
    state: _Kept | None = getattr(_local, "state", None)
    if state is None:
        state = _local.state = _Kept()
        with _all_kept_lock:
            _all_kept.add(state)
    state.last_use = time.monotonic()
    return state


def _kept() -> dict[str, np.ndarray]:
    """This thread's kept buffers by purpose, least recently used first."""
    return _state().bufs


def _asked_for(name: str) -> None:
    """Count a request of this thread's scratch for `name`; every so often, drop the big
    buffers it has not asked for in a while (it has gone on to other, smaller arrays)."""
    state = _state()
    state.requests += 1
    state.asked[name] = state.requests
    if state.requests % 16:
        return
    bufs = state.bufs
    for old in [k for k, b in bufs.items() if b.nbytes > SMALL_NBYTES
                and state.requests - state.asked.get(k, 0) > IDLE_REQUESTS]:  # fmt: skip
        bufs.pop(old, None)
    if len(state.asked) > 4 * len(bufs) + 16:  # forget purposes no buffer is kept for
        state.asked = {k: v for k, v in state.asked.items() if k in bufs or k == name}


def release_all(idle_for: float = 0.0) -> int:
    """Free the buffers of every thread that has not used them for `idle_for` seconds, and
    return freed memory to the system; the number of threads whose buffers were freed."""
    now = time.monotonic()
    with _all_kept_lock:
        states = list(_all_kept)
    released = 0
    for state in states:
        if state.bufs and now - state.last_use >= idle_for:
            state.bufs = {}
            state.asked = {}
            released += 1
    if released:
        gc.collect(0)  # buffers caught in young reference cycles (a traceback) go too
        _trim_heap()
    return released


def all_kept_nbytes() -> int:
    """Bytes of scratch all threads keep now (for tests and measurements)."""
    with _all_kept_lock:
        states = list(_all_kept)
    return sum(b.nbytes for state in states for b in list(state.bufs.values()))


def _trim_heap() -> None:
    """Ask glibc to give freed heap memory back to the system (its arenas otherwise keep
    it for reuse, and RSS stays high after big buffers are freed); nothing elsewhere."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc; musl has none
    except (OSError, AttributeError):
        return None


_malloc_trim = _find_malloc_trim()


def _start_janitor() -> None:
    """Start the thread that frees the buffers of threads idle for ``config``
    ``idle_buffer_seconds``; it stops by itself once no thread keeps any."""
    global _janitor_running
    with _janitor_lock:
        if _janitor_running or config.get("idle_buffer_seconds") is None:
            return
        _janitor_running = True
    threading.Thread(target=_janitor, name="zarrlite-buffer-janitor", daemon=True).start()


def _janitor() -> None:
    global _janitor_running
    while True:
        idle = config.get("idle_buffer_seconds")
        time.sleep(min(idle or 1.0, 60.0) / 2)
        if idle is not None:
            release_all(idle_for=idle)
        with _janitor_lock:
            # stop when nothing is kept (a buffer kept just after this check waits for the
            # next thread that keeps one to start a janitor: rare, and bounded by the limit)
            if idle is None or all_kept_nbytes() == 0:
                _janitor_running = False
                return


def _after_fork_in_child() -> None:
    global _janitor_running, _janitor_lock, _all_kept_lock
    _janitor_running = False  # the parent's janitor thread does not exist here
    _janitor_lock, _all_kept_lock = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
config.release_hooks.append(release_all)


def _reuse(name: str) -> np.ndarray | None:
    _asked_for(name)
    kept = _kept()
    buf = kept.pop(name, None)
    if buf is not None:
        kept[name] = buf  # now the most recently used
    return buf


def _keep(name: str, buf: np.ndarray) -> None:
    """Keep `buf` for this thread's next use under `name`, within the kept-bytes bound
    (``config`` ``max_kept_scratch_nbytes``): older buffers go first; one bigger than the
    bound is not kept at all."""
    limit = config.get("max_kept_scratch_nbytes")
    kept = _kept()
    kept.pop(name, None)
    if buf.nbytes > limit:
        return
    total = buf.nbytes + sum(b.nbytes for b in kept.values())
    exact = [k for k in kept if k.startswith("exact ")]
    for old in list(kept):
        if total <= limit and (len(exact) < MAX_EXACT_BUFFERS or not name.startswith("exact ")):
            break
        if old in exact:
            exact.remove(old)
        total -= kept.pop(old).nbytes
    kept[name] = buf
    if not _janitor_running:
        _start_janitor()


def kept_nbytes() -> int:
    """Bytes of scratch this thread keeps now (for tests and measurements)."""
    return sum(b.nbytes for b in _kept().values())


def scratch(nbytes: int) -> np.ndarray:
    """A per-thread reusable uint8 buffer of exactly `nbytes` bytes."""
    name = f"exact {nbytes}"
    buf = _reuse(name)
    if buf is None:
        buf = np.empty(nbytes, dtype=np.uint8)
        _keep(name, buf)
    return buf


def named_scratch(name: str, nbytes: int) -> np.ndarray:
    """A per-thread reusable uint8 buffer for one purpose (`name`), of at least `nbytes`,
    returned sliced to it (a kept one much bigger than needed is replaced)."""
    buf = _reuse(name)
    if buf is None or buf.nbytes < nbytes or buf.nbytes > 4 * nbytes + (1 << 20):
        buf = np.empty(max(nbytes, 1), dtype=np.uint8)
        _keep(name, buf)
    return buf[:nbytes]


def fetch_scratch() -> Any:
    """This thread's buffer for chunks a store reads into (``getitems_into``), or None."""
    return _reuse("fetch")


def keep_fetch_scratch(buf: Any, used: int) -> None:
    """Keep the (possibly grown) buffer a store read `used` bytes of chunks into, for this
    thread's next fetch, unless the last reads used much less of it (see SHRINK_AFTER)."""
    state = _state()
    if buf.nbytes > 4 * used + SMALL_NBYTES:
        state.oversized += 1
        if state.oversized >= SHRINK_AFTER:
            state.oversized = 0
            state.bufs.pop("fetch", None)
            return
    else:
        state.oversized = 0
    _keep("fetch", buf)


def frame_scratch(nbytes: int) -> np.ndarray:
    """A per-thread reusable buffer of `nbytes` for the byte ranges of one chunk (a fresh
    one would page-fault on every read); a new one while this thread's is held (a ranged
    read nested in a store call: see :func:`holding_frame_scratch`)."""
    if getattr(_local, "frame_held", False):
        return np.empty(nbytes, dtype=np.uint8)
    return named_scratch("frame", nbytes)


@contextmanager
def holding_frame_scratch() -> Iterator[None]:
    """While the store fills this thread's frame scratch, nested ranged reads get their own."""
    held, _local.frame_held = getattr(_local, "frame_held", False), True
    try:
        yield
    finally:
        _local.frame_held = held


@contextmanager
def decoding(key: str, purpose: str = "", store: Any = None) -> Iterator[None]:
    """Name the chunk in decoding errors: CodecError and ValueError from the codecs become
    a CodecError saying which chunk could not be decoded, where (`store`: the place as the
    user wrote it, e.g. 'climate.zarr/t/0.0') and what for (`purpose`, such as "to update
    it")."""
    try:
        yield
    except (CodecError, ValueError) as err:
        raise decode_error(key, err, purpose, store) from err


def decode_error(key: str, err: Exception, purpose: str = "", store: Any = None) -> CodecError:
    """The CodecError naming chunk `key` (of `store`, when given) that `err` (from a codec)
    becomes."""
    what = f" {purpose}" if purpose else ""
    where = repr(key) if store is None else location_of(store, key)
    return CodecError(f"cannot decode chunk {where}{what}: {err}", getattr(err, "code", 0))


def b2nd_call(decode: Callable[[np.ndarray], int], cdata: Any) -> int:
    """Run a block decoder of two-level chunks with this thread's block scratch: the
    padded chunk size of the frames seen so far (all chunks of an array share it), grown
    when a frame needs more."""
    buf = _reuse("b2nd blocks")
    if buf is not None:
        try:
            return decode(buf)
        except BufferSizeError:
            pass
    buf = np.empty(frame_sizes(cdata)[1], dtype=np.uint8)  # bounded by max_chunk_nbytes
    _keep("b2nd blocks", buf)
    return decode(buf)


def out_slices(proj: ChunkProjection) -> tuple[Any, ...]:
    """Slices of the output that a projection fills (``...`` for 0-d: keeps an array view,
    where ``()`` would give a scalar)."""
    return out_region_to_slices(proj.out_side) or (Ellipsis,)


def chunk_slices(proj: ChunkProjection) -> tuple[Any, ...]:
    """Slices of the chunk that a projection reads (``...`` for 0-d)."""
    return region_to_slices(proj.chunk_side) or (Ellipsis,)


def out_offset_shape(out: np.ndarray, proj: ChunkProjection) -> tuple[int, tuple[int, ...]]:
    offset = 0
    for (start, _count), stride in zip(proj.out_side, out.strides):
        offset += start * stride
    return offset, tuple(count for _start, count in proj.out_side)
