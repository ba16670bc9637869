"""What every fuzz target shares: the contract check, the target record, and a reader that
takes a target's parameters from the front of its input.

The contract: an input either decodes or raises one of the exceptions the target allows
(zarrlite's documented ones). Any other exception, a crash or a hang is a finding; so is a
broken oracle (two decoding paths that both succeed but disagree), raised as `Finding`.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from zarrlite.errors import CodecError

#: Largest decoded size a target decodes for real (bigger claims are checked for being
#: refused cleanly instead): keeps every input's memory small.
MAX_DECODED_NBYTES = 1 << 22


class Finding(AssertionError):
    """An input broke the contract in a way no exception type says: an oracle failed."""


#: What `expect` returns when the call raised one of the allowed exceptions.
#: What corrupt input may raise; and with it ValueError where a caller's buffer, mask or
#: region does not fit (as `_ext` documents).
CORRUPT: tuple[type[Exception], ...] = (CodecError,)
CORRUPT_OR_ARGUMENT: tuple[type[Exception], ...] = (CodecError, ValueError)
REFUSED: Any = object()

#: Number of coverage features `note` spreads its values over.
FEATURE_SLOTS = 8192
#: Set by the harness: marks feature i (0 <= i < FEATURE_SLOTS) as covered. None (the test
#: suite) makes `note` do nothing.
feature_hook: Callable[[int], None] | None = None


def note(*values: Any) -> None:
    """Tell the fuzzer that this input reached a state worth keeping: what the C core or a
    library did differently (a header field, an error code, a message), which atheris'
    Python coverage cannot see. Without this, every valid chunk looks alike, and the
    fuzzer keeps only the smallest."""
    if feature_hook is not None:
        feature_hook(zlib.crc32(repr(values).encode()) % FEATURE_SLOTS)


def expect(allowed: tuple[type[BaseException], ...], call: Callable[..., Any], *args: Any,
           **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``, or REFUSED when it raises one of the `allowed`
    exceptions (noting which: its type, code and message without numbers); any other
    exception propagates (a finding)."""
    try:
        return call(*args, **kwargs)
    except allowed as exc:
        note(getattr(call, "__name__", ""), type(exc).__name__, getattr(exc, "code", 0),
             _VARIABLE_TEXT.sub("#", str(exc))[:160])
        return REFUSED


#: What varies in error messages with the input (quoted text, hex and decimal numbers):
#: left out of features, or every input would be new.
_VARIABLE_TEXT = re.compile(r"'[^']*'|\"[^\"]*\"|0x[0-9a-fA-F]+|\d+")


def same_bytes(a: Any, b: Any) -> bool:
    """Whether two buffers hold the same bytes. Compared in numpy, not with ``==``: atheris
    traces every Python comparison, and tracing megabyte operands makes the fuzzer's memory
    grow until it stops."""
    return np.array_equal(_as_uint8(a), _as_uint8(b))


def _as_uint8(buf: Any) -> np.ndarray:
    if isinstance(buf, np.ndarray):
        return np.ascontiguousarray(buf).reshape(-1).view(np.uint8)
    return np.frombuffer(buf, np.uint8)


def bucket(n: int) -> int:
    """A size's order of magnitude (its bit length): a coarse feature for `note`."""
    return int(n).bit_length() if n >= 0 else -1


@dataclasses.dataclass(frozen=True)
class Target:
    """One fuzz target: `check(data)` returns or raises a finding; `seeds()` gives valid
    inputs to start from (made at run time, never stored); `max_len` bounds inputs."""

    name: str
    check: Callable[[bytes], None]
    seeds: Callable[[], Iterable[bytes]]
    max_len: int = 4096
    about: str = ""


class InputReader:
    """Reads a target's parameters from the front of a fuzz input; once the input runs
    out every read gives 0, so any input is a valid parameter set."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def uint(self, nbytes: int = 1) -> int:
        """The next `nbytes` bytes as a little-endian unsigned integer."""
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return int.from_bytes(chunk, "little")

    def sint(self, nbytes: int = 1) -> int:
        """The next `nbytes` bytes as a little-endian signed integer."""
        value = self.uint(nbytes)
        return value - (1 << (8 * nbytes)) if value >> (8 * nbytes - 1) else value

    def rest(self) -> bytes:
        """Everything not read yet (the payload: encoded data)."""
        return self.data[self.pos :]


def flags_of(pattern: int, count: int) -> list[int]:
    """`count` 0/1 flags, bit i % 16 of the 16-bit `pattern` for flag i (all set for 0, so
    that a pattern never asks for nothing)."""
    pattern = pattern or 0xFFFF
    return [(pattern >> (i % 16)) & 1 for i in range(count)]
