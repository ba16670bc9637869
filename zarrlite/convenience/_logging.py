"""What `copy_store`, `copy` and `copy_all` share: the log they write to (`CopyLog`) and
the check of their `if_exists` choice."""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from typing import Any


class CopyLog:
    """Where copy functions report: nowhere (None), a callable taking one message, a file
    path (opened for writing, closed at the end) or a file-like object (flushed after
    each line)."""

    def __init__(self, log: Any) -> None:
        self._func: Callable[[str], Any] | None = None
        self._file: Any = None
        self._owns_file = False
        if log is None:
            return
        if callable(log):
            self._func = log
        elif isinstance(log, (str, os.PathLike)):
            self._file = builtins.open(log, mode="w")
            self._owns_file = True
        elif hasattr(log, "write"):
            self._file = log
        else:
            raise TypeError("log must be a callable function, file path or file-like "
                            f"object, found {log!r}")

    def __enter__(self) -> CopyLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._owns_file:
            self._file.close()

    def __call__(self, message: str) -> None:
        if self._file is not None:
            print(message, file=self._file)
            if hasattr(self._file, "flush"):
                self._file.flush()
        elif self._func is not None:
            self._func(message)

    def summary(self, dry_run: bool, n_copied: int, n_skipped: int, n_bytes: int) -> None:
        """The last line: what was (or, in a dry run, would be) copied and skipped."""
        if dry_run:
            self(f"dry run: {n_copied:,} copied, {n_skipped:,} skipped")
        else:
            self(f"all done: {n_copied:,} copied, {n_skipped:,} skipped, "
                 f"{n_bytes:,} bytes copied")


def check_choice(name: str, value: Any, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ValueError(f"{name} must be one of {list(valid)!r}; found {value!r}")
