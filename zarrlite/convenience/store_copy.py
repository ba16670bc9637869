"""`copy_store`: copy the stored bytes of keys from one store to another, in batches,
without decoding anything."""

from __future__ import annotations

import re
from typing import Any

from zarrlite.convenience._logging import CopyLog, check_choice
from zarrlite.errors import CopyError
from zarrlite.metadata.keys import normalize_path
from zarrlite.stores.access import getitems, normalize_store, setitems

__all__ = ["copy_store"]

#: Keys that `copy_store` reads and writes in one batch.
COPY_STORE_BATCH = 64

_STORE_IF_EXISTS = ("raise", "replace", "skip")


def _patterns(patterns: Any, flags: int) -> list[re.Pattern[str]]:
    if patterns is None:
        return []
    if isinstance(patterns, str):
        patterns = [patterns]
    return [re.compile(p, flags) for p in patterns]


def _store_prefix(path: str | None) -> str:
    path = normalize_path(path)
    return path + "/" if path else ""


def copy_store(source: Any, dest: Any, source_path: str = "", dest_path: str = "",
               excludes: Any = None, includes: Any = None, flags: int = 0,
               if_exists: str = "raise", dry_run: bool = False,
               log: Any = None) -> tuple[int, int, int]:
    """Copy the stored bytes of every key under `source_path` to `dest_path` of another
    store, without decoding anything: the fastest copy, keeping all settings.

    Parameters
    ----------
    source : Mapping or str
        The store to copy from (a directory path is opened read-only).
    dest : MutableMapping or str
        The store to copy into.
    source_path, dest_path : str, optional
        Copy the keys below `source_path` (default: all) to the same keys below
        `dest_path` (default: the root).
    excludes : str or sequence of str, optional
        Regular expressions searched for in each source key: a key that matches is not
        copied...
    includes : str or sequence of str, optional
        ...unless it matches one of these.
    flags : int, optional
        ``re`` flags for `excludes` and `includes`.
    if_exists : {'raise', 'replace', 'skip'}, optional
        For keys present in `dest`: refuse the copy (default), overwrite them, or leave
        them as they are.
    dry_run : bool, optional
        Only log (and count) what would be copied.
    log : callable, str or file-like, optional
        Receives one line per key ("copy KEY", "skip KEY", with " -> DEST_KEY" when the
        key changes) and a summary line.

    Returns
    -------
    n_copied, n_skipped, n_bytes_copied : int
        Keys copied, keys skipped, and bytes copied (0 in a dry run).

    Raises
    ------
    CopyError
        If `if_exists` is 'raise' and a key exists in `dest` (a RuntimeError).
    ValueError
        If `if_exists` is not one of the above.

    Notes
    -----
    Keys are read and written in batches (``getitems``/``setitems``). Every conflict is
    found before anything is written, so a refused copy leaves `dest` unchanged (zarr-python
    2 copies the keys that sort before the first conflict).

    Examples
    --------
    >>> import zarrlite as zl, zarrlite.convenience as zlc
    >>> source = {}
    >>> _ = zl.group(source).create_dataset("foo/bar", data=[1.0, 1.0, 1.0, 1.0], chunks=2,
    ...                                         compressor=None)
    >>> dest = {}
    >>> zlc.copy_store(source, dest, source_path="foo", dest_path="copy", log=print)
    copy foo/.zgroup -> copy/.zgroup
    copy foo/bar/.zarray -> copy/bar/.zarray
    copy foo/bar/0 -> copy/bar/0
    copy foo/bar/1 -> copy/bar/1
    all done: 4 copied, 0 skipped, 251 bytes copied
    (4, 0, 251)
    >>> zl.open(dest, path="copy/bar")[:]
    array([1., 1., 1., 1.])
    """
    check_choice("if_exists", if_exists, _STORE_IF_EXISTS)
    source_prefix, dest_prefix = _store_prefix(source_path), _store_prefix(dest_path)
    excluded, included = _patterns(excludes, flags), _patterns(includes, flags)
    source = normalize_store(source, "r")
    dest = normalize_store(dest, "a")
    with CopyLog(log) as write_log:
        to_copy: list[tuple[str, str]] = []
        n_skipped = 0
        for key in sorted(k for k in source.keys() if k.startswith(source_prefix)):
            if (any(p.search(key) for p in excluded)
                    and not any(p.search(key) for p in included)):
                continue
            dest_key = dest_prefix + key[len(source_prefix):]
            exists = if_exists != "replace" and dest_key in dest
            if exists and if_exists == "raise":
                raise CopyError(f"key {dest_key!r} exists in destination")
            described = key if dest_key == key else f"{key} -> {dest_key}"
            if exists:
                write_log(f"skip {described}")
                n_skipped += 1
            else:
                write_log(f"copy {described}")
                to_copy.append((key, dest_key))
        n_bytes = 0 if dry_run else _copy_keys(source, dest, to_copy)
        write_log.summary(dry_run, len(to_copy), n_skipped, n_bytes)
    return len(to_copy), n_skipped, n_bytes


def _copy_keys(source: Any, dest: Any, pairs: list[tuple[str, str]]) -> int:
    """Copy the values of (source key, dest key) pairs in batches; the bytes copied."""
    n_bytes = 0
    for start in range(0, len(pairs), COPY_STORE_BATCH):
        batch = pairs[start:start + COPY_STORE_BATCH]
        values = getitems(source, [key for key, _ in batch])
        missing = [key for key, _ in batch if key not in values]
        if missing:
            raise KeyError(f"key {missing[0]!r} vanished from the source store during the copy")
        setitems(dest, {dest_key: values[key] for key, dest_key in batch})
        n_bytes += sum(memoryview(values[key]).nbytes for key, _ in batch)
    return n_bytes
