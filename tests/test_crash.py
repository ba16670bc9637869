"""Kill-9 crash trials: a writer killed with SIGKILL at any moment leaves a directory store
that opens and reads as docs/reliability.md promises (issue 10).

Each trial copies a small array (made once per configuration), forks a writer from this
process (which has already imported zarrlite: a fork costs milliseconds where a new
interpreter costs a second), lets it run a random sequence of operations — whole-array
and chunk-aligned region writes, attribute writes, shrinks, grows and appends — and kills
it at a moment drawn uniformly over the writer's expected run. Every write fills its
region with a value used by no other operation of the trial (its *generation*), so the
content a chunk may hold at each moment is known. A model replays the operations as a
list of *batches*: changes that may land in any order, one batch after another (a batch
is one write's chunks, a shrink's cleared and deleted chunks, one metadata document).

After each kill, the parent checks that

- the store opens read-only (``zl.open`` and ``zl.open_array``, mode 'r'), ``z[...]``
  reads, every stored key is ``.zarray``, ``.zattrs`` or a chunk key, and every chunk file
  decodes to a whole chunk that ``z[...]`` agrees with;
- the store is a state the writer could have left at some moment of the operation it was
  running (it records which, in shared memory, before starting each): every earlier
  operation complete, no later one begun, and every chunk holds its old or its new
  content, never a mix of two generations; ``.zattrs`` is a JSON document equal to the
  old or the new one; the shape is the old or the new one;
- during a shrink, exactly what docs/reliability.md promises: the old shape while the
  cut-off part is being cleared (each of its elements reads the old value or the fill
  value, the kept part is untouched), the new shape only once all of it reads the fill
  value and the chunks wholly outside are gone;
- growing the array afterwards shows the fill value everywhere beyond the shape it had;
- the ``.zl-*.partial`` files of an interrupted write are never listed or iterated,
  ``DirectoryStore.repair(clean=False)`` reports exactly those whose modification time is
  older than its ``min_age`` (their writer is dead), without removing them, and
  ``repair()`` removes them (see `check_temp_files` for a file that holds the old value).

``benchmarks/crash_trials.py`` runs the same trials in larger numbers.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import mmap
import os
import random
import shutil
import signal
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import zarrlite as zl
from zarrlite.codecs.b2nd import B2ND

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the trials fork writers")


@dataclasses.dataclass(frozen=True)
class Config:
    """One kind of array the trials write."""

    name: str
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: str
    compressor: Any
    fill_value: Any
    separator: str = "."

    @property
    def cap(self) -> tuple[int, ...]:
        """The largest shape a trial reaches: 1.5 times the first, in whole chunks."""
        return tuple(-(-(s * 3 // 2) // n) * n for s, n in zip(self.shape, self.chunks))

    @property
    def grid(self) -> tuple[int, ...]:
        return tuple(c // n for c, n in zip(self.cap, self.chunks))


# Generations are 1 (the first content) and 2 + the operation's index: none is a fill value.
CONFIGS = [
    Config("i4-1d-blosc", (32,), (8,), "<i4", zl.Blosc(cname="lz4", clevel=5, shuffle=1), 0),
    Config("f8-2d-zstd", (16, 16), (8, 8), "<f8", zl.Zstd(level=3), -1.5),
    Config("u1-2d-none", (8, 24), (8, 8), "u1", None, 255),
    Config("f4-2d-b2nd-nested", (16, 16), (8, 8), "<f4", B2ND(blocks=(4, 4)), 0.0, "/"),
    Config("i2-3d-zstd-nested", (8, 4, 4), (4, 4, 4), "<i2", zl.Zstd(level=1), -7, "/"),
]
KINDS = ("write", "region", "attrs", "shrink", "grow", "append")
_WEIGHTS = (2, 4, 2, 2, 1, 2)
MAX_OPS = 12  # generations up to 13, within every dtype above
_TMP_MARK = (".zl-", ".partial")
TEMPLATE_AGE = 3600.0  # the first files of each trial are dated an hour back


# ----------------------------------------------------------------------------------------
# operations and the model


def make_ops(rng: random.Random, cfg: Config, n_ops: int) -> list[tuple]:
    """A random sequence of `n_ops` operations on an array of `cfg` as first made."""
    shape, ops = cfg.shape, []
    for i in range(n_ops):
        tag = i + 2
        kind = rng.choices(KINDS, _WEIGHTS)[0]
        op = _make_op(rng, cfg, kind, shape, tag)
        while op is None:  # e.g. nothing left to shrink, or no room to grow
            op = _make_op(rng, cfg, rng.choice(KINDS), shape, tag)
        ops.append(op)
        shape = _shape_after(op, shape)
    return ops


def _make_op(rng: random.Random, cfg: Config, kind: str, shape: tuple, tag: int) -> Any:
    ndim = len(shape)
    if kind == "write":
        return ("write", tag)
    if kind == "region":  # whole chunks (cut at the array's edge)
        region = []
        for s, n in zip(shape, cfg.chunks):
            nch = -(-s // n)
            a = rng.randrange(nch)
            b = rng.randint(a + 1, nch)
            region.append((a * n, min(b * n, s)))
        return ("region", tuple(region), tag)
    if kind == "attrs":
        return ("attrs", {"gen": tag, "pad": "x" * (tag * 37 % 300)})
    if kind == "shrink":
        new = tuple(rng.randint(1, s) if rng.random() < 0.7 else s for s in shape)
        return ("shrink", new) if new != shape else None
    if kind == "grow":
        new = tuple(rng.randint(s, c) for s, c in zip(shape, cfg.cap))
        return ("grow", new) if new != shape else None
    axis = rng.randrange(ndim)
    n = rng.randint(1, 2 * cfg.chunks[axis])
    return ("append", axis, n, tag) if shape[axis] + n <= cfg.cap[axis] else None


def _shape_after(op: tuple, shape: tuple) -> tuple:
    if op[0] in ("shrink", "grow"):
        return op[1]
    if op[0] == "append":
        _, axis, n, _ = op
        return tuple(s + n if d == axis else s for d, s in enumerate(shape))
    return shape


def apply_op(z: zl.Array, op: tuple) -> None:
    """Run one operation on the writer's array."""
    kind = op[0]
    if kind == "write":
        z[...] = np.full(z.shape, op[1], dtype=z.dtype)
    elif kind == "region":
        z[tuple(slice(a, b) for a, b in op[1])] = op[2]
    elif kind == "attrs":
        z.attrs.put(op[1])
    elif kind in ("shrink", "grow"):
        z.resize(op[1])
    else:
        _, axis, n, tag = op
        shape = tuple(n if d == axis else s for d, s in enumerate(z.shape))
        z.append(np.full(shape, tag, dtype=z.dtype), axis=axis)


def _box(coords: tuple, chunks: tuple) -> tuple:
    return tuple(slice(c * n, (c + 1) * n) for c, n in zip(coords, chunks))


@dataclasses.dataclass
class Plan:
    """The states a trial's writer passes through.

    ``states[b]`` maps every item — ``"shape"``, ``"attrs"`` and each chunk's grid
    coordinates over the largest shape — to its value after `b` batches (a chunk's value is
    its whole decoded content; a missing chunk reads as the fill value). Batch `b` may
    change several items in any order; ``mixes[b]`` maps a chunk to a mask of elements that
    may each be old or new while the batch runs (the cut-off part during a shrink).
    Operation `i` runs batches ``op_batches[i]``.
    """

    states: list[dict]
    mixes: list[dict]
    op_batches: list[range]


def initial_state(cfg: Config) -> tuple[dict, np.ndarray]:
    backing = np.full(cfg.cap, cfg.fill_value, dtype=cfg.dtype)
    backing[tuple(slice(0, s) for s in cfg.shape)] = 1
    state: dict[Any, Any] = {"shape": cfg.shape, "attrs": {"gen": 1}}
    for coords in itertools.product(*map(range, cfg.grid)):
        state[coords] = backing[_box(coords, cfg.chunks)].copy()
    return state, backing


def simulate(cfg: Config, ops: list[tuple]) -> Plan:
    """Replay `ops` on the model, batch by batch."""
    state, backing = initial_state(cfg)
    plan = Plan([state], [], [])
    chunks, fill = cfg.chunks, cfg.fill_value

    def batch(changes: dict, mixes: dict | None = None) -> None:
        new = dict(plan.states[-1])
        new.update(changes)
        plan.states.append(new)
        plan.mixes.append(mixes or {})

    def write(region: tuple, tag: int) -> None:
        backing[tuple(slice(a, b) for a, b in region)] = tag
        ranges = [range(a // n, -(-b // n)) for (a, b), n in zip(region, chunks)]
        batch({c: backing[_box(c, chunks)].copy() for c in itertools.product(*ranges)})

    for op in ops:
        first = len(plan.mixes)
        shape = plan.states[-1]["shape"]
        kind = op[0]
        if kind == "write":
            write(tuple((0, s) for s in shape), op[1])
        elif kind == "region":
            write(op[1], op[2])
        elif kind == "attrs":
            batch({"attrs": op[1]})
        elif kind == "grow":
            batch({"shape": op[1]})
        elif kind == "shrink":
            new_shape, changes, mixes = op[1], {}, {}
            for coords in itertools.product(*map(range, cfg.grid)):
                box = _box(coords, chunks)
                if all(b.stop <= s for b, s in zip(box, new_shape)):
                    continue  # wholly kept
                if any(b.start >= s for b, s in zip(box, new_shape)):
                    backing[box] = fill  # wholly outside: deleted
                else:  # cut through: the cut-off part is cleared, element by element
                    inside = np.ones(chunks, dtype=bool)
                    for d, (b, s) in enumerate(zip(box, new_shape)):
                        keep = np.arange(b.start, b.stop) < s
                        inside &= keep.reshape([-1 if e == d else 1 for e in range(len(chunks))])
                    backing[box][~inside] = fill
                    mixes[coords] = ~inside
                changes[coords] = backing[box].copy()
            batch(changes, mixes)
            batch({"shape": new_shape})
        else:  # append: the new shape first, then the data
            _, axis, n, tag = op
            new_shape = _shape_after(op, shape)
            batch({"shape": new_shape})
            write(tuple((shape[d], s) if d == axis else (0, s)
                        for d, s in enumerate(new_shape)), tag)
        plan.op_batches.append(range(first, len(plan.mixes)))
    return plan


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b))
    return a == b


def _allowed(seen: Any, before: Any, after: Any, mix: np.ndarray | None) -> bool:
    if _same(seen, before) or _same(seen, after):
        return True
    if mix is None or not isinstance(seen, np.ndarray):
        return False
    either = (seen == before) | (seen == after)
    return bool(np.array_equal(seen[~mix], after[~mix]) and either[mix].all())


def explain(plan: Plan, marker: int, seen: dict) -> str | None:
    """Where within the running operation the observed state lies: 'untouched',
    'partial' or 'complete'; None when no moment of that operation explains it."""
    states = plan.states
    if marker < 0:
        return "untouched" if all(_same(seen[k], states[0][k]) for k in seen) else None
    if marker >= len(plan.op_batches):
        return "complete" if all(_same(seen[k], states[-1][k]) for k in seen) else None
    batches = plan.op_batches[marker]
    if all(_same(seen[k], states[batches.start][k]) for k in seen):
        return "untouched"
    if all(_same(seen[k], states[batches.stop][k]) for k in seen):
        return "complete"
    for b in batches:
        before, after, mixes = states[b], states[b + 1], plan.mixes[b]
        if all(_allowed(seen[k], before[k], after[k], mixes.get(k)) for k in seen):
            return "partial"
    return None


def describe_mismatch(plan: Plan, marker: int, seen: dict) -> str:
    """Which items hold a value that the running operation never gives them."""
    lo = max(marker, 0)
    batches = plan.op_batches[lo] if lo < len(plan.op_batches) else range(len(plan.mixes), 0)
    moments = plan.states[batches.start: batches.stop + 1] or [plan.states[-1]]
    lines = []
    for key, value in seen.items():
        if not any(_same(value, s[key]) for s in moments):
            shown = np.unique(value).tolist() if isinstance(value, np.ndarray) else value
            wanted = [np.unique(s[key]).tolist() if isinstance(value, np.ndarray) else s[key]
                      for s in moments]
            lines.append(f"  {key!r}: holds {shown}, expected one of {wanted}")
    if not lines:
        first, last = moments[0], moments[-1]
        where = {key: "old" if _same(seen[key], first[key]) else
                 "new" if _same(seen[key], last[key]) else "between"
                 for key in seen if not _same(first[key], last[key])}
        lines.append("  every item holds a value of that operation, but not at one moment: "
                     f"{where}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# reading a store back


def chunk_key(cfg: Config, coords: tuple) -> str:
    return cfg.separator.join(map(str, coords))


def observe(path: Path, cfg: Config) -> dict:
    """Open the store read-only as a reader would and return every item's value; asserts
    that it opens, reads and decodes."""
    z = zl.open_array(str(path), mode="r")
    node = zl.open(str(path), mode="r")
    assert isinstance(node, zl.Array) and node.shape == z.shape, (node, z.shape)
    assert z.chunks == cfg.chunks and z.dtype == np.dtype(cfg.dtype), (z.chunks, z.dtype)
    data = z[...]  # the array API reads, whatever the state
    seen: dict[Any, Any] = {"shape": z.shape, "attrs": json.loads((path / ".zattrs").read_bytes())}
    assert seen["attrs"] == z.attrs.asdict(), "z.attrs vs .zattrs"
    store = zl.DirectoryStore(path, mode="r")
    keys = set(store)
    want = {chunk_key(cfg, c): c for c in itertools.product(*map(range, cfg.grid))}
    assert keys <= {".zarray", ".zattrs", *want}, f"unexpected keys {keys - set(want)}"
    assembled = np.full(cfg.cap, cfg.fill_value, dtype=cfg.dtype)
    for key, coords in want.items():
        out = np.full(cfg.chunks, cfg.fill_value, dtype=cfg.dtype)
        if key in keys:
            raw = store[key]
            if z.compressor is None:
                assert len(raw) == out.nbytes, f"chunk {key}: {len(raw)} bytes"
                out[...] = np.frombuffer(raw, dtype=cfg.dtype).reshape(cfg.chunks)
            else:
                z.compressor.decode(raw, out=out)  # raises CodecError if torn
        seen[coords] = out
        assembled[_box(coords, cfg.chunks)] = out
    inside = tuple(slice(0, s) for s in z.shape)
    np.testing.assert_array_equal(data, assembled[inside], err_msg="z[...] vs chunk files")
    return seen


def temp_files(path: Path) -> list[str]:
    found = []
    for dirpath, _dirs, names in os.walk(path):
        rel = os.path.relpath(dirpath, path).replace(os.sep, "/")
        for name in names:
            if name.startswith(_TMP_MARK[0]) and name.endswith(_TMP_MARK[1]):
                found.append(name if rel == "." else f"{rel}/{name}")
    return sorted(found)


def check_temp_files(path: Path) -> tuple[int, int]:
    """The temporary files an interrupted write left: invisible to readers, reported by
    repair once a minute old (their writer is dead), removed by repair().

    A replaced chunk file is swapped with its temporary file (``renameat2`` with
    ``RENAME_EXCHANGE``) and the temporary name, now holding the old bytes, unlinked: a
    kill in between leaves the old file there, with the old file's modification time.
    Those inherited from the template are dated TEMPLATE_AGE ago, so repair sees them as
    stale at once; the others are new. Returns (files left, of which old files)."""
    left = temp_files(path)
    store = zl.DirectoryStore(path)
    assert not any(_TMP_MARK[0] in key for key in store), f"iterated: {list(store)}"
    for dirpath, _dirs, _names in os.walk(path):
        rel = os.path.relpath(dirpath, path).replace(os.sep, "/")
        names = store.listdir("" if rel == "." else rel)
        assert not any(n.startswith(_TMP_MARK[0]) for n in names), f"listed: {names}"
    reported = store.repair(clean=False, min_age=0)
    assert reported == left, f"repair(clean=False, min_age=0) -> {reported}, left: {left}"
    if not left:
        return 0, 0
    now = time.time()
    ages = {name: now - (path / name).stat().st_mtime for name in left}
    old = [name for name in left if ages[name] > TEMPLATE_AGE / 2]
    assert all(ages[name] < 30 for name in left if name not in old), ages
    reported = store.repair(clean=False)
    assert reported == old, f"repair(clean=False) -> {reported}, ages {ages}"
    past = now - 120
    for name in left:
        os.utime(path / name, (past, past))
    reported = store.repair(clean=False)  # a minute old and their writer dead
    assert reported == left, f"repair(clean=False) -> {reported}, two minutes old: {left}"
    assert temp_files(path) == left, "repair(clean=False) removed files"
    reported = store.repair()
    assert reported == left, f"repair() -> {reported}, left: {left}"
    assert temp_files(path) == [], f"repair() left {temp_files(path)}"
    return len(left), len(old)


def check_grow_shows_fill(path: Path, cfg: Config, shape: tuple) -> None:
    """Growing to the largest shape shows the fill value everywhere beyond `shape`."""
    z = zl.open_array(str(path), mode="r+")
    z.resize(cfg.cap)
    data = z[...]
    beyond = np.ones(cfg.cap, dtype=bool)
    beyond[tuple(slice(0, s) for s in shape)] = False
    fill = np.asarray(cfg.fill_value, dtype=cfg.dtype)
    assert (data[beyond] == fill).all(), (
        f"after growing from {shape}, {np.unique(data[beyond]).tolist()} beyond it")


# ----------------------------------------------------------------------------------------
# running writers


class Writer:
    """Forks writers and kills them. Shared memory (an anonymous shared mapping) tells the
    parent when the writer's run began, which operation it was running, and when each
    ended: [start, marker, end of op 0, end of op 1, ...] (monotonic clock seconds)."""

    def __init__(self) -> None:
        self._mm = mmap.mmap(-1, 8 * (2 + MAX_OPS + 8))
        self.shm = np.frombuffer(self._mm, dtype=np.float64)

    def run(self, path: Path, ops: list[tuple], delay: float | None) -> dict:
        """Run `ops` on the array at `path` in a forked child; kill it `delay` seconds into
        its run (None: let it finish). Returns what the child reported."""
        shm = self.shm
        shm[:] = 0.0
        shm[1] = -1
        deadline = time.monotonic() + 30.0  # the child gives up by itself after this
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            _child(path, ops, shm, deadline)
        status = None
        try:
            limit = time.monotonic() + 20.0
            while shm[0] == 0.0 and time.monotonic() < limit:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    pid = 0
                    raise AssertionError(f"writer died before starting: {_err(path)}")
                time.sleep(0.0002)
            assert shm[0] != 0.0, "writer did not start in 20 s"
            if delay is not None:
                time.sleep(max(0.0, shm[0] + delay - time.monotonic()))
                os.kill(pid, signal.SIGKILL)  # a no-op if it has already finished
            else:
                while True:
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done:
                        pid = 0
                        break
                    assert time.monotonic() < limit, "writer did not finish in 20 s"
                    time.sleep(0.001)
        finally:
            if pid:  # killed, or to be killed: reap it
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
            raise AssertionError(f"writer failed: {_err(path)}")
        marker = int(shm[1])
        ends = [float(t) for t in shm[2: 2 + max(0, min(marker, len(ops)))]]
        return {"marker": marker, "start": float(shm[0]), "ends": ends}

    def close(self) -> None:
        del self.shm
        self._mm.close()


def _show(ops: list[tuple]) -> str:
    """The operations, with attribute documents shown by their generation only."""
    return "[" + ", ".join(f"('attrs', gen {op[1]['gen']})" if op[0] == "attrs" else repr(op)
                           for op in ops) + "]"


def _err(path: Path) -> str:
    err = Path(str(path) + ".err")
    return err.read_text() if err.exists() else "(no traceback)"


def _child(path: Path, ops: list[tuple], shm: np.ndarray, deadline: float) -> None:
    code = 1
    try:
        z = zl.open_array(str(path), mode="r+")
        shm[0] = time.monotonic()
        for i, op in enumerate(ops):
            if time.monotonic() > deadline:
                raise TimeoutError("past the deadline: the parent is gone or stuck")
            shm[1] = i  # before the operation touches anything
            apply_op(z, op)
            shm[2 + i] = time.monotonic()
        shm[1] = len(ops)
        code = 0
    except BaseException:
        try:
            Path(str(path) + ".err").write_text(traceback.format_exc())
        except BaseException:
            pass
    finally:
        os._exit(code)


def make_template(root: Path, cfg: Config) -> Path:
    path = root / f"template-{cfg.name}"
    z = zl.open_array(str(path), mode="w", shape=cfg.shape, chunks=cfg.chunks, dtype=cfg.dtype,
                      compressor=cfg.compressor, fill_value=cfg.fill_value,
                      dimension_separator=cfg.separator)
    z[...] = 1
    z.attrs.put({"gen": 1})
    past = time.time() - TEMPLATE_AGE  # copied with the files (shutil.copy2)
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            os.utime(os.path.join(dirpath, name), (past, past))
    return path


@dataclasses.dataclass
class Stats:
    trials: int = 0
    ops: int = 0
    landed: Counter = dataclasses.field(default_factory=Counter)  # kind of the running op
    moment: Counter = dataclasses.field(default_factory=Counter)  # untouched/partial/complete
    configs: Counter = dataclasses.field(default_factory=Counter)
    trials_with_temp_files: int = 0
    temp_files: int = 0
    temp_files_holding_old_bytes: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.trials} kill-9 trials, {self.ops} operations in {self.seconds:.1f} s\n"
                f"  killed while running: {dict(sorted(self.landed.items()))}\n"
                f"  state of the running operation: {dict(sorted(self.moment.items()))}\n"
                f"  temporary files left: {self.temp_files} in {self.trials_with_temp_files}"
                f" trials ({self.temp_files_holding_old_bytes} of them the replaced old file)"
                f"\n  configurations: {dict(sorted(self.configs.items()))}")


class Timing:
    """Expected duration of each kind of operation per configuration, learnt from the
    writers' reports (a moving average), so kill times spread over the whole run."""

    def __init__(self) -> None:
        self.mean: dict[tuple[str, str], float] = {}

    def expected(self, cfg: Config, ops: list[tuple]) -> float:
        return sum(self.mean.get((cfg.name, op[0]), 0.002) for op in ops)

    def learn(self, cfg: Config, ops: list[tuple], report: dict) -> None:
        t = report["start"]
        for op, end in zip(ops, report["ends"]):
            key = (cfg.name, op[0])
            old = self.mean.get(key)
            self.mean[key] = end - t if old is None else 0.8 * old + 0.2 * (end - t)
            t = end


def run_trial(writer: Writer, root: Path, template: Path, cfg: Config, ops: list[tuple],
              delay: float | None, name: str) -> tuple[dict, str, tuple[int, int]]:
    """One trial: copy the template, run and kill the writer, check the store."""
    path = root / name
    shutil.copytree(template, path)
    try:
        report = writer.run(path, ops, delay)
        plan = simulate(cfg, ops)
        marker = report["marker"]
        where = (f"trial {name} ({cfg.name}), writer killed while running op {marker} of "
                 f"{_show(ops)}")
        try:
            seen = observe(path, cfg)
        except Exception as e:
            raise AssertionError(f"{where}: the store does not read: {e!r}") from e
        moment = explain(plan, marker, seen)
        assert moment is not None, (
            f"{where}: the store is in no state that operation passes through:\n"
            f"{describe_mismatch(plan, marker, seen)}")
        ntemp = check_temp_files(path)
        check_grow_shows_fill(path, cfg, seen["shape"])
        return report, moment, ntemp
    finally:
        shutil.rmtree(path, ignore_errors=True)
        Path(str(path) + ".err").unlink(missing_ok=True)


def run_trials(root: Path, n_trials: int, seed: int, max_ops: int = MAX_OPS,
               progress: Any = None) -> Stats:
    """Calibrate on one uninterrupted run per configuration, then `n_trials` kill-9 trials
    cycling through CONFIGS; raises AssertionError at the first store that reads wrongly."""
    rng = random.Random(seed)
    stats, timing, writer = Stats(), Timing(), Writer()
    t0 = time.perf_counter()
    try:
        templates = {cfg.name: make_template(root, cfg) for cfg in CONFIGS}
        for cfg in CONFIGS:  # every kind of operation once, run to the end
            ops = make_ops(rng, cfg, max_ops)
            report, moment, ntemp = run_trial(writer, root, templates[cfg.name], cfg, ops,
                                              None, f"calibrate-{cfg.name}")
            assert (report["marker"], moment, ntemp) == (len(ops), "complete", (0, 0)), (
                f"uninterrupted writer of {cfg.name}: {report}, {moment}, {ntemp}")
            timing.learn(cfg, ops, report)
        for t in range(n_trials):
            cfg = CONFIGS[t % len(CONFIGS)]
            ops = make_ops(rng, cfg, rng.randint(1, max_ops))
            delay = rng.random() * timing.expected(cfg, ops)
            report, moment, ntemp = run_trial(writer, root, templates[cfg.name], cfg, ops,
                                              delay, f"trial-{t}")
            timing.learn(cfg, ops, report)
            marker = report["marker"]
            stats.trials += 1
            stats.ops += len(ops)
            stats.configs[cfg.name] += 1
            stats.landed["(before the first)" if marker < 0 else
                         "(after the last)" if marker >= len(ops) else ops[marker][0]] += 1
            stats.moment[moment] += 1
            stats.temp_files += ntemp[0]
            stats.temp_files_holding_old_bytes += ntemp[1]
            stats.trials_with_temp_files += ntemp[0] > 0
            if progress is not None:
                progress(t + 1, stats)
    finally:
        writer.close()
        stats.seconds = time.perf_counter() - t0
    return stats


# ----------------------------------------------------------------------------------------
# the tests


def test_model_knows_what_a_shrink_may_leave() -> None:
    """The checker itself: a half-cleared cut-off part is accepted during a shrink, old
    data under the new shape is not, and a chunk mixing two generations is not."""
    cfg = CONFIGS[0]
    ops = [("shrink", (13,)), ("write", 3)]
    plan = simulate(cfg, ops)
    seen = dict(plan.states[0])
    seen[(1,)] = seen[(1,)].copy()
    seen[(1,)][6] = cfg.fill_value  # one element of the cut-off part cleared
    assert explain(plan, 0, seen) == "partial"
    seen["shape"] = (13,)  # the new shape over chunks not yet cleared: stale data
    assert explain(plan, 0, seen) is None
    torn = dict(plan.states[3])
    torn[(0,)] = torn[(0,)].copy()
    torn[(0,)][:4] = 1  # half of generation 1, half of generation 3
    assert explain(plan, 1, torn) is None
    assert explain(plan, 1, plan.states[3]) == "complete"


def test_writers_killed_at_random_points_leave_a_readable_store(tmp_path: Path) -> None:
    stats = run_trials(tmp_path, n_trials=200, seed=20240610, max_ops=8)
    print("\n" + stats.summary())
    assert stats.trials == 200
    # the kills landed in the writes, not only before or after them
    during = stats.trials - stats.landed["(before the first)"] - stats.landed["(after the last)"]
    assert during >= stats.trials // 2, stats.summary()
    assert stats.moment["partial"] > 0, stats.summary()


def test_repair_reports_the_temporary_file_of_a_writer_killed_mid_write(tmp_path: Path) -> None:
    """Deterministic where the random trials leave temporary files only now and then: the
    writer is killed once its temporary file exists (an 8 MiB chunk takes a while)."""
    path = tmp_path / "a"
    z = zl.open_array(str(path), mode="w", shape=(1 << 20,), chunks=(1 << 20,), dtype="<f8",
                      compressor=None, fill_value=0)
    z[...] = 1
    for _attempt in range(20):  # the write may finish before the kill: then again
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                zl.open_array(str(path), mode="r+")[...] = 2
            finally:
                os._exit(0)
        try:
            limit = time.monotonic() + 10
            while not temp_files(path) and time.monotonic() < limit:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    pid = 0
                    break
        finally:
            if pid:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        if temp_files(path):
            break
    left = temp_files(path)
    assert len(left) == 1, f"no temporary file left in 20 kills: {left}"
    assert (zl.open_array(str(path), mode="r")[[0, -1]] != 0).all()  # 1 or 2, whole
    assert check_temp_files(path)[0] == 1
