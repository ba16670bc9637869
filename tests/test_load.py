"""Load: threads and processes writing and reading one directory-store array at once lose
no update, see no torn chunk, raise nothing and keep memory flat (issue 10).

The array holds 8 bands of one chunk row each; writer `w` owns band `w`. Each writer loops
over generations g = 1, 2, ...: it publishes g in shared memory, then writes the value
``w * TAG + g`` over a chunk-aligned run of its band's chunks, chosen by a random number
generator seeded with (seed, w, g) — so anyone can recompute which chunks generation g
wrote. Readers meanwhile read random unaligned (sometimes strided) regions that overlap
several bands and chunks, and check every chunk they see:

- *no torn read*: the chunk's part is uniform, its owner's tag, and a generation that
  existed for that chunk — 0 (the first content), or a g that its owner had published
  and whose run covers the chunk; and per reader a chunk's generation never goes back;
- *no lost update*: each writer reads its run back after writing it (no one else writes
  those chunks), and at the end every chunk holds the last generation its owner wrote to
  it (recomputed from the final counters), and no temporary file is left;
- *no exception* in any thread or process;
- *memory flat*: the resident set size of every process, measured after a warm-up and at
  the end of the steady phase, grows by less than RSS_GROWTH_BOUND.

The workers are 8 threads of this process (4 writers sharing one Array object, 4 readers
sharing another) and 4 forked processes (each one writer thread and one reader thread).
Processes stop at a deadline and when their parent is gone, so none outlives the test.
``benchmarks/load_test.py`` runs the same for longer.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import random
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import zarrlite as zl

SHAPE = (64, 60)  # 8 x 8 chunks, the last column of chunks cut by the edge
CHUNKS = (8, 8)
GRID = tuple(-(-s // n) for s, n in zip(SHAPE, CHUNKS))
N_WRITERS = GRID[0]  # writer w owns chunk row w
TAG = 1_000_000  # a value is owner * TAG + generation
RSS_GROWTH_BOUND = 48 << 20


def region_of(seed: int, w: int, g: int) -> tuple[int, int]:
    """Chunk columns [a, b) of band `w` that generation `g` writes (g >= 1)."""
    rng = random.Random(seed * 1_000_003 + w * 7919 + g)
    a = rng.randrange(GRID[1])
    return a, rng.randint(a + 1, min(GRID[1], a + 4))


def expected_array(seed: int, final: list[int]) -> np.ndarray:
    """The array after writer w wrote generations 1..final[w]."""
    out = np.empty(SHAPE, dtype="<i8")
    for w in range(N_WRITERS):
        last = [0] * GRID[1]
        for g in range(1, final[w] + 1):
            a, b = region_of(seed, w, g)
            last[a:b] = [g] * (b - a)
        for c, g in enumerate(last):
            out[w * CHUNKS[0]: (w + 1) * CHUNKS[0], c * CHUNKS[1]: (c + 1) * CHUNKS[1]] = (
                w * TAG + g)
    return out


def rss() -> int:
    """Resident set size of this process, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclasses.dataclass
class Shared:
    """What workers share across processes: generation counters (published before each
    write), the times the steady phase starts and ends, and the stop flag."""

    seed: int
    gens: Any  # multiprocessing RawArray of int64, one per writer
    steady_from: float
    steady_to: float  # workers stop here (monotonic clock: the same in every process)


def writer_loop(z: zl.Array, w: int, shared: Shared, counts: Counter) -> None:
    rows = slice(w * CHUNKS[0], (w + 1) * CHUNKS[0])
    g = shared.gens[w]
    while time.monotonic() < shared.steady_to:
        g += 1
        a, b = region_of(shared.seed, w, g)
        shared.gens[w] = g  # published before any chunk of it can be seen
        cols = slice(a * CHUNKS[1], min(b * CHUNKS[1], SHAPE[1]))
        if g % 2:
            z[rows, cols] = w * TAG + g
        else:  # an array value, not a scalar
            z[rows, cols] = np.full((CHUNKS[0], cols.stop - cols.start), w * TAG + g, "<i8")
        counts["writes"] += 1
        counts["chunks written"] += b - a
        back = z[rows, cols]  # nobody else writes these chunks: the write must be there
        if not (back == w * TAG + g).all():
            lost = np.unique(np.argwhere(back != w * TAG + g)[:, 1] // CHUNKS[1] + a).tolist()
            raise AssertionError(f"writer {w} lost generation {g} in chunk columns {lost}")
        counts["writes read back"] += 1


def reader_loop(z: zl.Array, r: int, shared: Shared, counts: Counter) -> None:
    rng = random.Random(shared.seed * 31 + r)
    last_seen: dict[tuple[int, int], int] = {}
    while time.monotonic() < shared.steady_to:
        r0 = rng.randrange(SHAPE[0] - 1)
        r1 = rng.randint(r0 + 1, min(SHAPE[0], r0 + 30))
        c0 = rng.randrange(SHAPE[1] - 1)
        c1 = rng.randint(c0 + 1, SHAPE[1])
        sr, sc = (rng.randint(1, 3), rng.randint(1, 3)) if rng.random() < 0.2 else (1, 1)
        data = z[r0:r1:sr, c0:c1:sc]
        published = list(shared.gens)  # after the read: every generation seen is in it
        rows, cols = np.arange(r0, r1, sr), np.arange(c0, c1, sc)
        for ci in np.unique(rows // CHUNKS[0]).tolist():
            for cj in np.unique(cols // CHUNKS[1]).tolist():
                part = data[np.ix_(rows // CHUNKS[0] == ci, cols // CHUNKS[1] == cj)]
                check_chunk_seen(part, (ci, cj), shared.seed, published, last_seen)
                counts["chunks checked"] += 1
        counts["reads"] += 1


def check_chunk_seen(part: np.ndarray, chunk: tuple[int, int], seed: int,
                     published: list[int], last_seen: dict) -> None:
    value = int(part.flat[0])
    assert (part == value).all(), (
        f"torn read of chunk {chunk}: values {np.unique(part).tolist()}")
    w, g = divmod(value, TAG)
    assert w == chunk[0], f"chunk {chunk} holds {value}: owner {w} is not its owner"
    if g:
        assert g <= published[w], f"chunk {chunk} holds generation {g}, not yet published"
        a, b = region_of(seed, w, g)
        assert a <= chunk[1] < b, f"chunk {chunk} holds generation {g}, which did not write it"
    assert g >= last_seen.get(chunk, 0), (
        f"chunk {chunk} went back from generation {last_seen[chunk]} to {g}")
    last_seen[chunk] = g


def _run_guarded(fn: Any, errors: list, *args: Any) -> None:
    try:
        fn(*args)
    except BaseException:
        errors.append(traceback.format_exc())


def _process_main(path: str, w: int, r: int, shared: Shared, results: Any) -> None:
    """A worker process: one writer thread and one reader thread; reports its counts,
    errors and RSS figures."""
    parent = os.getppid()
    counts: Counter = Counter()
    errors: list[str] = []
    figures: dict[str, int] = {}
    try:
        zw = zl.open_array(path, mode="r+")
        zr = zl.open_array(path, mode="r")
        per_thread: list[Counter] = [Counter(), Counter()]
        threads = [threading.Thread(target=_run_guarded, args=(writer_loop, errors, zw, w,
                                                               shared, per_thread[0])),
                   threading.Thread(target=_run_guarded, args=(reader_loop, errors, zr, r,
                                                               shared, per_thread[1]))]
        for t in threads:
            t.start()
        figures = _sample_rss(shared, lambda: os.getppid() != parent)
        for t in threads:
            t.join()
        for c in per_thread:
            counts.update(c)
    except BaseException:
        errors.append(traceback.format_exc())
    results.put({"name": f"process {os.getpid()}", "counts": dict(counts), "errors": errors,
                 **figures})


def _sample_rss(shared: Shared, parent_gone: Any = None) -> dict[str, int]:
    """Wait out the run, noting the RSS when the steady phase starts and ends and its
    peak (sampled every 0.25 s); stops early if `parent_gone()`."""
    start = peak = 0
    while time.monotonic() < shared.steady_to - 0.1:
        if parent_gone is not None and parent_gone():
            shared.steady_to = 0.0  # this process's workers stop at once
            break
        now = rss()
        if not start and time.monotonic() >= shared.steady_from:
            start = now
        peak = max(peak, now)
        time.sleep(0.25)
    end = rss()
    return {"rss_start": start or end, "rss_end": end, "rss_peak": max(peak, end)}


@dataclasses.dataclass
class LoadResult:
    counts: Counter
    workers: list[dict]  # per process: name, counts, errors, rss_start, rss_end, rss_peak
    errors: list[str]
    seconds: float

    def summary(self) -> str:
        lines = [f"{self.seconds:.1f} s: " + ", ".join(f"{v} {k}" for k, v in
                                                       sorted(self.counts.items()))]
        for wk in self.workers:
            lines.append(f"  {wk['name']}: RSS {wk['rss_start'] / 2**20:.1f} -> "
                         f"{wk['rss_end'] / 2**20:.1f} MiB in the steady phase "
                         f"(peak {wk['rss_peak'] / 2**20:.1f} MiB), {wk['counts']}")
        return "\n".join(lines)


def make_array(path: str) -> None:
    z = zl.open_array(path, mode="w", shape=SHAPE, chunks=CHUNKS, dtype="<i8",
                      fill_value=-1, compressor=zl.Blosc(cname="lz4", clevel=3, shuffle=1))
    z[...] = expected_array(0, [0] * N_WRITERS)  # generation 0 everywhere


def run_load(path: str, seconds: float, warmup: float = 2.0, n_threads: int = 8,
             n_procs: int = 4, seed: int = 1) -> LoadResult:
    """Run `n_threads` threads here (half writers, half readers) and `n_procs` processes
    (a writer and a reader each) on a new array at `path` for `seconds`, the first
    `warmup` of them not counted as steady; then check the final content."""
    n_thread_writers = n_threads // 2
    assert n_thread_writers + n_procs == N_WRITERS, "one writer per band"
    make_array(path)
    gens = mp.get_context("fork").RawArray("q", N_WRITERS)
    t0 = time.monotonic()
    shared = Shared(seed, gens, t0 + warmup, t0 + seconds)
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_process_main, daemon=True,
                         args=(path, n_thread_writers + i, n_threads - n_thread_writers + i,
                               shared, results)) for i in range(n_procs)]
    counts: Counter = Counter()
    errors: list[str] = []
    workers: list[dict] = []
    try:
        for p in procs:  # before this process starts threads: fork no held lock
            p.start()
        zw = zl.open_array(path, mode="r+")  # one Array object for the writer threads,
        zr = zl.open_array(path, mode="r")  # another for the reader threads
        per_thread = [Counter() for _ in range(n_threads)]
        threads = [threading.Thread(target=_run_guarded, args=(
            writer_loop if i < n_thread_writers else reader_loop, errors,
            zw if i < n_thread_writers else zr, i if i < n_thread_writers else i - n_thread_writers,
            shared, per_thread[i])) for i in range(n_threads)]
        for t in threads:
            t.start()
        figures = _sample_rss(shared)
        for t in threads:
            t.join(timeout=60)
            assert not t.is_alive(), "a worker thread did not stop"
        for c in per_thread:
            counts.update(c)
        workers.append({"name": "this process", "counts": dict(counts), **figures})
        for _ in procs:
            report = results.get(timeout=60)
            errors += report.pop("errors")
            workers.append(report)
            counts.update(report["counts"])
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
    result = LoadResult(counts, workers, errors, time.monotonic() - t0)
    if not errors:
        final = list(gens)
        z = zl.open_array(path, mode="r")
        actual = z[...]
        wanted = expected_array(seed, final)
        wrong = actual != wanted
        lost = sorted({(int(i) // CHUNKS[0], int(j) // CHUNKS[1]) for i, j in np.argwhere(wrong)})
        assert not lost, f"lost updates in chunks {lost[:10]} ({len(lost)} in all)"
        left = [n for _, _, names in os.walk(path) for n in names if n.endswith(".partial")]
        assert not left, f"temporary files left: {left}"
    return result


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")
def test_threads_and_processes_lose_no_update_and_see_no_torn_chunk(tmp_path: Path) -> None:
    result = run_load(str(tmp_path / "a"), seconds=10.0, warmup=2.0)
    print("\n" + result.summary())
    assert not result.errors, "\n".join(result.errors)
    assert len(result.workers) == 5
    for wk in result.workers:  # every worker did real work
        assert wk["counts"].get("writes", 0) >= 10 and wk["counts"].get("reads", 0) >= 10, wk
        growth = wk["rss_end"] - wk["rss_start"]
        if not _under_address_sanitizer():  # ASan holds freed memory back: RSS means nothing
            assert growth < RSS_GROWTH_BOUND, (
                f"{wk['name']}: RSS grew by {growth / 2**20:.1f} MiB")


def _under_address_sanitizer() -> bool:
    with open("/proc/self/maps") as maps:
        return "libasan" in maps.read()


def test_expected_array_follows_the_last_generation() -> None:
    """The lost-update check itself: a chunk keeps the last generation that wrote it."""
    seed = 3
    final = [5, 0, 1, 2, 3, 4, 5, 6]
    out = expected_array(seed, final)
    for c in range(GRID[1]):
        gens = [g for g in range(1, 6) if region_of(seed, 0, g)[0] <= c < region_of(seed, 0, g)[1]]
        assert out[0, c * CHUNKS[1]] == (gens[-1] if gens else 0)
    assert (out[8:16] == TAG).all()  # writer 1 wrote nothing
