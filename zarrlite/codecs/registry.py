"""Map codec ids to codec classes and build codecs from configuration dicts.

Every codec module registers its classes at import. An id that zarrlite does
not implement is handed to numcodecs when numcodecs is installed, so arrays
written with exotic numcodecs codecs stay readable; numcodecs is imported
only then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from zarrlite.codecs.abc import Codec, CodecLike
from zarrlite.errors import CodecNotAvailableError

_registry: dict[str, type[Codec]] = {}

CodecClass = TypeVar("CodecClass", bound=type[Codec])


def register_codec(cls: CodecClass, codec_id: str | None = None) -> CodecClass:
    """Register a codec class under `codec_id` (default ``cls.codec_id``).

    A class registered later under the same id replaces the earlier one.

    Parameters
    ----------
    cls : type
        A :class:`Codec` subclass, or any class with ``from_config``.
    codec_id : str, optional
        The id to register; defaults to ``cls.codec_id``.

    Returns
    -------
    type
        `cls`, so the function can be used as a decorator.

    Raises
    ------
    ValueError
        If no id is given and `cls` has no ``codec_id``.

    Examples
    --------
    >>> from zarrlite.codecs import Zlib, get_codec
    >>> class MyZlib(Zlib):
    ...     codec_id = "my-zlib"
    >>> _ = register_codec(MyZlib)
    >>> get_codec({"id": "my-zlib", "level": 3})
    MyZlib(level=3)
    """
    if codec_id is None:
        codec_id = getattr(cls, "codec_id", None)
    if not isinstance(codec_id, str) or not codec_id:
        raise ValueError(f"cannot register {cls!r}: expected a codec_id string, got {codec_id!r}")
    _registry[codec_id] = cls
    return cls


def get_codec(config: Mapping[str, Any]) -> Codec | CodecLike:
    """Build a codec from its configuration.

    Parameters
    ----------
    config : mapping
        ``{"id": ..., **parameters}``, as stored in ``.zarray``. It is not
        modified.

    Returns
    -------
    Codec
        A zarrlite codec, or a numcodecs codec for ids zarrlite does not
        implement when numcodecs is installed.

    Raises
    ------
    TypeError
        If `config` is not a mapping, or has parameters the codec does not take.
    ValueError
        If the id is missing, or no codec of that id is available.

    Examples
    --------
    >>> get_codec({"id": "zstd", "level": 3})
    Zstd(level=3)
    """
    if not isinstance(config, Mapping):
        raise TypeError(f"codec config must be a mapping, got {type(config).__name__}")
    params = dict(config)
    codec_id = params.pop("id", None)
    if codec_id is None:
        raise ValueError(f"codec config has no 'id' key: {dict(config)!r}")
    cls = _registry.get(codec_id)
    if cls is not None:
        return cls.from_config(params)
    try:
        import numcodecs
    except ImportError:
        raise CodecNotAvailableError(missing_codec_message(codec_id, False)) from None
    try:
        return numcodecs.get_codec(dict(config))
    except ValueError as exc:  # numcodecs' UnknownCodecError: say it in our words
        if type(exc).__name__ != "UnknownCodecError":
            raise
    raise CodecNotAvailableError(missing_codec_message(codec_id, True))


def codec_class(codec_id: str) -> Any:
    """The class of codec `codec_id` (zarrlite's, else numcodecs'), to build with arguments
    (``codec_class("gzip")(4)``); CodecNotAvailableError if there is none.

    Examples
    --------
    >>> codec_class("zlib")(level=2)
    Zlib(level=2)
    """
    cls = _registry.get(codec_id)
    if cls is not None:
        return cls
    try:
        import numcodecs
    except ImportError:
        raise CodecNotAvailableError(missing_codec_message(codec_id, False)) from None
    found = numcodecs.registry.codec_registry.get(codec_id)
    if found is None:
        raise CodecNotAvailableError(missing_codec_message(codec_id, True))
    return found


#: Packages that bring numcodecs codecs zarrlite does not implement, by codec id.
_PROVIDERS = {
    "zfpy": "zfpy",
    "pcodec": "pcodec",
    "msgpack2": "msgpack",
    "vlen-array": "numcodecs",
    "jenkins_lookup3": "numcodecs",
}


def missing_codec_message(codec_id: str, have_numcodecs: bool) -> str:
    """Say that codec `codec_id` is not available and what to install for it."""
    if not have_numcodecs:
        need = _PROVIDERS.get(codec_id, "numcodecs")
        extra = "" if need == "numcodecs" else f" and {need}"
        return (f"codec {codec_id!r} is not built into zarrlite; it may come from numcodecs: "
                f"pip install numcodecs{extra}")
    if codec_id in _PROVIDERS and _PROVIDERS[codec_id] != "numcodecs":
        return (f"codec {codec_id!r} is not built into zarrlite, and numcodecs provides it "
                f"only with {_PROVIDERS[codec_id]!r} installed: pip install "
                f"{_PROVIDERS[codec_id]}")
    return (f"codec {codec_id!r} is neither built into zarrlite nor registered with numcodecs "
            "by an installed package (numcodecs.codecs entry points)")


def as_codec(obj: Any) -> Codec | CodecLike | None:
    """Normalise a codec given as a config dict, an instance or None.

    Parameters
    ----------
    obj : mapping, codec or None
        A configuration (passed to :func:`get_codec`), any object with
        ``get_config``, ``encode`` and ``decode`` methods (zarrlite or
        numcodecs codec; returned as is), or None.

    Returns
    -------
    codec or None

    Raises
    ------
    TypeError
        For any other object.
    """
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return get_codec(obj)
    if not isinstance(obj, type) and all(
        callable(getattr(obj, name, None)) for name in ("get_config", "encode", "decode")
    ):
        return obj
    raise TypeError(
        f"expected a codec, a codec config dict or None, got {type(obj).__name__}: {obj!r}"
    )
