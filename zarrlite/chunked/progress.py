"""One progress display for long chunk-by-chunk work (copies, ``map_chunks``): a tqdm bar
when tqdm is installed (the ``progress`` extra), else one stderr line rewritten in place."""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

#: Seconds between rewrites of the plain stderr line.
PROGRESS_INTERVAL = 0.2


class Progress:
    """Work done so far, shown on stderr; safe to advance from several threads; does
    nothing when not `enabled`.

    Parameters
    ----------
    total : int
        The amount of work (bytes, chunks, ...).
    enabled : bool
        Show anything at all.
    label : str
        What is running (the bar's description, the line's start).
    line : callable
        ``line(done, total) -> str``: the plain line's text after the label.
    **tqdm_kwargs
        For the tqdm bar (``unit=``, ``unit_scale=``, ...).
    """

    def __init__(self, total: int, enabled: bool, label: str,
                 line: Callable[[int, int], str], **tqdm_kwargs: Any) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled
        self.label = label
        self.line = line
        self.lock = threading.Lock()
        self.bar: Any = None
        self.shown_at = 0.0
        if enabled:
            try:  # an optional dependency, imported only when asked for
                tqdm = importlib.import_module("tqdm").tqdm
            except ImportError:
                self._show()
            else:
                self.bar = tqdm(total=total, desc=label, file=sys.stderr, **tqdm_kwargs)

    def __enter__(self) -> Progress:
        return self

    def advance(self, amount: int = 1) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.done += amount
            if self.bar is not None:
                self.bar.update(amount)
            elif time.monotonic() - self.shown_at >= PROGRESS_INTERVAL:
                self._show()

    def _show(self, end: str = "") -> None:
        sys.stderr.write(f"\r{self.label}: {self.line(self.done, self.total)}{end}")
        sys.stderr.flush()
        self.shown_at = time.monotonic()

    def __exit__(self, *exc_info: object) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
        else:
            self._show(end="\n")
