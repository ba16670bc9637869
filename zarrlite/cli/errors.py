"""`UserError`, and which exceptions of zarrlite and the system are the user's to fix.

A user error is reported by the command in one line, ``zarrlite: error: <message>``, with
exit status 2 and no traceback. Everything else (a bug in zarrlite, say) keeps its
traceback: :func:`user_message` names the exceptions that are the user's, and no other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zarrlite.errors import (
    CodecError,
    CodecNotAvailableError,
    ContainsArrayError,
    ContainsGroupError,
    CopyError,
    MetadataError,
    PathNotFoundError,
)

__all__ = ["UserError", "one_line", "os_message", "storage_option_message", "user_message"]

#: zarrlite's exceptions that describe what the user asked for or what a store holds (a
#: missing path, bad metadata, corrupt chunks, a codec that is not installed); their
#: messages already name what was wrong.
_ZARRLITE_USER_ERRORS = (
    PathNotFoundError,
    ContainsArrayError,
    ContainsGroupError,
    MetadataError,
    CodecNotAvailableError,
    CodecError,
    CopyError,
)

#: Optional packages a store or a command needs, and what to install for each.
_INSTALL_HINTS = {
    "h5py": "h5py",
    "fsspec": "fsspec",
    "s3fs": "s3fs",
    "gcsfs": "gcsfs",
    "adlfs": "adlfs",
    "aiohttp": "aiohttp",
    "requests": "requests",
    "redis": "redis",
    "lmdb": "lmdb",
}


#: How Python says a call had a keyword argument it does not take.
_UNEXPECTED_KEYWORD = re.compile(r"unexpected keyword argument '(?P<key>[^']+)'")


class UserError(Exception):
    """Something the user asked for cannot be done (a bad path, say): the command prints
    ``zarrlite: error: <message>`` and exits with status 2, without a traceback."""


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) made one space."""
    return " ".join(text.split())


def os_message(exc: OSError) -> str:
    """An OSError as ``"<reason>: '<file>'"`` (without ``[Errno N]``) when it names a
    file, else its text."""
    if exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename!r}"
    return str(exc) or type(exc).__name__


def user_message(exc: BaseException) -> str | None:
    """The one-line message for `exc` when it is a user error, else None (a bug: let the
    traceback show).

    User errors are :class:`UserError`; zarrlite's errors about paths, metadata, codecs
    and stored data; ``OSError`` (missing files, permissions, a full disk, network
    failures: not zarrlite's doing), except a broken pipe; and an ``ImportError`` of an
    optional package a store needs (fsspec, s3fs, h5py, ...).

    Examples
    --------
    >>> user_message(FileNotFoundError(2, "No such file or directory", "x.zarr"))
    "No such file or directory: 'x.zarr'"
    >>> user_message(ZeroDivisionError("a bug")) is None
    True
    """
    if isinstance(exc, BrokenPipeError):
        return None
    if isinstance(exc, (UserError, *_ZARRLITE_USER_ERRORS)):
        return one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, OSError):
        return one_line(os_message(exc))
    if isinstance(exc, ImportError):
        package = (exc.name or "").split(".")[0]
        if package in _INSTALL_HINTS:
            return (f"this needs the package {package!r}, which is not installed "
                    f"(pip install {_INSTALL_HINTS[package]})")
    return None


def storage_option_message(exc: BaseException, keys: Iterable[str]) -> str | None:
    """The one-line message for `exc` when it (or an exception it was raised from) is the
    TypeError of a file system that does not take one of the ``--storage-option`` `keys`
    given (``... got an unexpected keyword argument 'KEY'``); else None. A TypeError that
    names no key the user gave is not theirs.

    Examples
    --------
    >>> exc = TypeError("f() got an unexpected keyword argument 'x'")
    >>> storage_option_message(exc, ["x"]).split(" (")[0]
    "--storage-option x: not an option of this URL's file system"
    >>> storage_option_message(exc, ["anon"]) is None
    True
    """
    given = set(keys)
    found = None  # the innermost such TypeError says it most plainly
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        match = _UNEXPECTED_KEYWORD.search(str(current))
        if isinstance(current, TypeError) and match and match["key"] in given:
            found = (match["key"], one_line(str(current)))
        current = current.__cause__ or current.__context__
    if found is None:
        return None
    key, text = found
    return f"--storage-option {key}: not an option of this URL's file system ({text})"
