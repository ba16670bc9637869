"""Path normalization, store keys for chunks and metadata.

A *path* names a node (array or group) in a hierarchy: ``""`` is the root and
nested nodes are separated by ``"/"`` (``"a/b"``). A *key* names one value in a
store: a path joined with a metadata name (``"a/b/.zarray"``) or a chunk key
(``"a/b/0.3"``, or ``"a/b/0/3"`` with the ``"/"`` dimension separator).
"""

from __future__ import annotations

__all__ = [
    "ARRAY_META_KEY",
    "ATTRS_KEY",
    "CONSOLIDATED_KEY",
    "GROUP_META_KEY",
    "chunk_key",
    "join_path",
    "meta_key",
    "normalize_path",
    "validate_key",
]

ARRAY_META_KEY = ".zarray"
GROUP_META_KEY = ".zgroup"
ATTRS_KEY = ".zattrs"
#: Where consolidated metadata is kept, at the hierarchy's root (zarr-python's default).
CONSOLIDATED_KEY = ".zmetadata"


def normalize_path(path: str | None) -> str:
    """Return the canonical form of a node path.

    Leading and trailing slashes are stripped and repeated slashes collapsed;
    ``None`` and ``""`` both give the root path ``""``.

    Parameters
    ----------
    path : str or None
        Path such as ``"/a//b/"``.

    Returns
    -------
    str
        Normalized path such as ``"a/b"``.

    Raises
    ------
    TypeError
        If `path` is neither a str nor None.
    ValueError
        If `path` contains a backslash or a ``"."`` or ``".."`` segment.

    Examples
    --------
    >>> normalize_path("/a//b/")
    'a/b'
    >>> normalize_path(None)
    ''
    """
    if path is None:
        return ""
    if not isinstance(path, str):
        raise TypeError(f"expected a str path or None, found {type(path).__name__}")
    if "\\" in path:
        raise ValueError(f"invalid path {path!r}: backslashes are not allowed, use '/'")
    segments = [s for s in path.split("/") if s]
    for segment in segments:
        if segment == "." or segment == "..":
            raise ValueError(f"invalid path {path!r}: '.' and '..' segments are not allowed")
    return "/".join(segments)


def validate_key(key: str) -> str:
    """Check that `key` is a normalized, relative store key and return it.

    This is the cheap check every store applies before touching storage; it
    does not rewrite the key (use :func:`normalize_path` for that).

    Parameters
    ----------
    key : str
        Store key such as ``"a/b/0.0"``.

    Returns
    -------
    str
        `key`, unchanged.

    Raises
    ------
    TypeError
        If `key` is not a str.
    ValueError
        If `key` is empty, absolute, has empty, ``"."`` or ``".."`` segments,
        a trailing slash or a backslash.
    """
    if not isinstance(key, str):
        raise TypeError(f"store keys must be str, found {type(key).__name__}")
    if (
        not key
        or key[0] == "/"
        or key[-1] == "/"
        or "//" in key
        or "\\" in key
        or "\0" in key
        # only keys with a segment starting with "." can contain "." or "..":
        or ((key[0] == "." or "/." in key) and _has_dot_segment(key))
    ):
        raise ValueError(
            f"invalid store key {key!r}: expected a relative '/'-separated key without "
            "empty, '.' or '..' segments, backslashes or NUL characters"
        )
    return key


def _has_dot_segment(key: str) -> bool:
    for segment in key.split("/"):
        if segment == "." or segment == "..":
            return True
    return False


def join_path(prefix: str, name: str) -> str:
    """Join two normalized paths with ``"/"``, skipping empty parts.

    Parameters
    ----------
    prefix : str
        Normalized parent path; ``""`` for the root.
    name : str
        Normalized child path or key; may be ``""``.

    Returns
    -------
    str
        The joined path.

    Examples
    --------
    >>> join_path("", "a")
    'a'
    >>> join_path("a", "b/c")
    'a/b/c'
    """
    if not prefix:
        return name
    if not name:
        return prefix
    return prefix + "/" + name


def meta_key(prefix: str, name: str) -> str:
    """Return the store key of metadata document `name` for the node at `prefix`.

    Parameters
    ----------
    prefix : str
        Normalized node path; ``""`` for the root.
    name : str
        One of :data:`ARRAY_META_KEY`, :data:`GROUP_META_KEY`, :data:`ATTRS_KEY`.

    Returns
    -------
    str
        Store key such as ``"a/b/.zarray"``.

    Examples
    --------
    >>> meta_key("a/b", ARRAY_META_KEY)
    'a/b/.zarray'
    >>> meta_key("", GROUP_META_KEY)
    '.zgroup'
    """
    return prefix + "/" + name if prefix else name


def chunk_key(prefix: str, coords: tuple[int, ...], separator: str) -> str:
    """Return the store key of the chunk at grid position `coords`.

    Parameters
    ----------
    prefix : str
        Normalized array path; ``""`` for the root.
    coords : tuple of int
        Chunk grid coordinates; ``()`` for the single chunk of a 0-d array.
    separator : str
        Dimension separator, ``"."`` or ``"/"``.

    Returns
    -------
    str
        Store key such as ``"a/0.3"`` (or ``"a/0/3"``); a 0-d array's chunk is ``"0"``.

    Examples
    --------
    >>> chunk_key("a", (0, 3), ".")
    'a/0.3'
    >>> chunk_key("", (), ".")
    '0'
    """
    # One "%" format per (prefix, ndim, separator): much faster than str.join(map(str, ...)).
    fmt = _chunk_key_formats.get((prefix, len(coords), separator))
    if fmt is None:
        fmt = _chunk_key_format(prefix, len(coords), separator)
    return fmt % tuple(coords)


_chunk_key_formats: dict[tuple[str, int, str], str] = {}


def _chunk_key_format(prefix: str, ndim: int, separator: str) -> str:
    if len(_chunk_key_formats) > 4096:  # bound the cache for programs that make many arrays
        _chunk_key_formats.clear()
    name = separator.replace("%", "%%").join(["%d"] * ndim) if ndim else "0"
    fmt = prefix.replace("%", "%%") + "/" + name if prefix else name
    _chunk_key_formats[(prefix, ndim, separator)] = fmt
    return fmt
