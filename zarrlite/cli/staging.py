"""A local destination written beside itself, then swapped into place: ``zarrlite
convert`` writes into a hidden sibling of DST, so a conversion that fails (or is
interrupted) leaves what was at DST untouched, and removes the sibling.

The sibling is ``.zarrlite-<random>-<name>`` in DST's directory: the same file system (so
renaming is cheap), and the same ending as DST (so its name picks the same kind of store:
``.zip``, ``.sqlite``, ...).
"""

from __future__ import annotations

import os
import secrets
import shutil

__all__ = ["clear_directory", "remove", "staging_path", "swap_in"]

#: The files SQLite keeps beside a database while it is open (a writer's journal, the
#: write-ahead log and its index): left beside a replaced database, they would be taken
#: for the new one's.
_SQLITE_SIDECARS = ("-journal", "-wal", "-shm")


def staging_path(path: str) -> str:
    """A new hidden sibling of `path` to write into; made a directory already when `path`
    is one (so it opens as a directory store, whatever its name)."""
    parent, name = os.path.split(os.path.abspath(path))
    staged = os.path.join(parent, f".zarrlite-{secrets.token_hex(4)}-{name}")
    if os.path.isdir(path):
        os.mkdir(staged)
    return staged


def swap_in(staged: str, path: str) -> None:
    """Put `staged` where `path` is: what `path` holds is moved aside, `staged` renamed to
    `path`, and the old one removed (with, for a file, the SQLite journal files beside
    it). If `staged` cannot be renamed, the old one is moved back (and the error
    raised)."""
    if not os.path.lexists(path):
        os.rename(staged, path)
        return
    parent, name = os.path.split(os.path.abspath(path))
    aside = os.path.join(parent, f".zarrlite-{secrets.token_hex(4)}-old-{name}")
    os.rename(path, aside)
    try:
        os.rename(staged, path)
    except BaseException:
        os.rename(aside, path)
        raise
    remove(aside)
    if os.path.isfile(path):  # the old database's journal, which must not meet the new one
        for suffix in _SQLITE_SIDECARS:
            remove(path + suffix)


def remove(path: str) -> None:
    """Remove the directory or file at `path` (a symbolic link itself, not its target)."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)


def clear_directory(path: str) -> None:
    """Remove everything inside the directory `path`, and keep the directory."""
    for entry in os.listdir(path):
        remove(os.path.join(path, entry))
