"""Compressors on the command line: ``--compressor SPEC`` read into a codec, and codecs
written back in the same syntax (what ``zarrlite ls`` shows).

A SPEC is ``none``, ``default`` (zarrlite's default, ``blosc:lz4:5:shuffle``), a JSON
codec configuration (``{"id": "zstd", "level": 3}``), or a NAME with parameters after
colons: first the positional ones of :data:`POSITIONAL`, in order, then any as
``KEY=VALUE`` (a JSON VALUE, or a string)::

    zstd            zstd:5            blosc:zstd:5:bitshuffle    b2nd:lz4:5
    gzip:6          lz4               blosc:lz4:5:shuffle:blocksize=65536
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from zarrlite.cli.errors import UserError, one_line
from zarrlite.codecs import get_codec
from zarrlite.hierarchy.creation import DEFAULT_COMPRESSOR

__all__ = ["POSITIONAL", "SHUFFLES", "b2nd_codec", "codecs_label", "compressor_label",
           "filters_label", "parse_blocks", "parse_compressor"]

#: NAME: (codec id, its positional parameters in SPEC order).
POSITIONAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "blosc": ("blosc", ("cname", "clevel", "shuffle")),
    "b2nd": ("zarrlite.b2nd", ("cname", "clevel", "shuffle")),
    "zstd": ("zstd", ("level",)),
    "gzip": ("gzip", ("level",)),
    "zlib": ("zlib", ("level",)),
    "bz2": ("bz2", ("level",)),
    "lzma": ("lzma", ("preset",)),
    "lz4": ("lz4", ("acceleration",)),
}
#: Blosc's shuffle names (the ``shuffle`` parameter of ``blosc`` and ``b2nd``).
SHUFFLES = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2, "autoshuffle": -1}
#: Compressors inside C-Blosc2 that a two-level (``b2nd``) chunk can use.
_B2ND_CNAMES = ("blosclz", "lz4", "lz4hc", "zlib", "zstd")
_NAME_OF_ID = {codec_id: name for name, (codec_id, _) in POSITIONAL.items()}


def _value(text: str, key: str) -> Any:
    """A parameter's value: a shuffle name, else JSON (``5``, ``true``), else the text."""
    if key == "shuffle" and text.lower() in SHUFFLES:
        return SHUFFLES[text.lower()]
    try:
        return json.loads(text)
    except ValueError:
        return text


def _config_of(spec: str) -> dict[str, Any] | None:
    """The codec configuration SPEC stands for (not yet checked by the codec)."""
    text = spec.strip()
    if text.lower() == "none":
        return None
    if text.lower() == "default":
        return dict(DEFAULT_COMPRESSOR)
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise UserError(f"--compressor {spec!r}: not valid JSON ({exc})") from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("id"), str):
            raise UserError(f"--compressor {spec!r}: a JSON configuration needs an \"id\"")
        return parsed
    name, *params = text.split(":")
    codec_id, positional = POSITIONAL.get(name.lower(), (name, ()))
    config: dict[str, Any] = {"id": codec_id}
    for i, param in enumerate(params):
        key, equals, value = param.partition("=")
        if equals:
            config[key] = _value(value, key)
        elif i < len(positional) and len(config) == i + 1:
            config[positional[i]] = _value(param, positional[i])
        else:
            takes = ", ".join(positional) if positional else "only KEY=VALUE parameters"
            raise UserError(f"--compressor {spec!r}: too many parameters for {name} "
                            f"(it takes {takes})")
    return config


def parse_compressor(spec: str) -> Any:
    """The compressor SPEC names: a codec, or None for ``none``.

    Raises
    ------
    UserError
        If SPEC is malformed, names an unknown codec, or gives it bad parameters.

    Examples
    --------
    >>> parse_compressor("blosc:zstd:3:bitshuffle")
    Blosc(cname='zstd', clevel=3, shuffle=BITSHUFFLE, blocksize=0)
    >>> parse_compressor('{"id": "zstd", "level": 3}'), parse_compressor("none")
    (Zstd(level=3), None)
    """
    config = _config_of(spec)
    if config is None:
        return None
    try:
        codec = get_codec(config)
        if config["id"] != "zarrlite.b2nd":  # (checks its parameters when made; its blocks
            codec.encode(np.zeros(8, dtype="u1"))  # need N-d chunks) others check them here
        return codec
    except (TypeError, ValueError) as exc:  # an unknown codec, a bad parameter
        names = ", ".join(POSITIONAL)
        raise UserError(f"--compressor {spec!r}: {one_line(str(exc))} (known names: {names}; "
                        "or 'none', 'default', or a JSON configuration)") from None


def parse_blocks(text: str) -> tuple[int, ...]:
    """``--blocks 64,64`` as a tuple of positive ints."""
    try:
        blocks = tuple(int(part) for part in text.split(","))
    except ValueError:
        blocks = ()
    if not blocks or any(b < 1 for b in blocks):
        raise UserError(f"--blocks {text!r}: expected positive integers separated by commas, "
                        "e.g. 64,64")
    return blocks


def b2nd_codec(compressor: Any, blocks: tuple[int, ...] | None) -> Any:
    """The two-level (``zarrlite.b2nd``) codec for ``--b2nd``: its compression from
    `compressor` (a ``b2nd`` or ``blosc`` codec: its cname, clevel and shuffle; ``zstd``,
    ``zlib``: that cname and level; ``lz4``: cname lz4; None or "default": zstd level 5),
    its blocks `blocks` (None: about 256 KiB each).

    Raises
    ------
    UserError
        For another compressor, or a level two-level chunks do not take (0 to 9).
    """
    params: dict[str, Any] = {"cname": "zstd", "clevel": 5, "shuffle": 1}
    config = compressor.get_config() if compressor not in (None, "default") else None
    codec_id = config["id"] if config else None
    if codec_id in ("blosc", "zarrlite.b2nd"):
        params.update(cname=config["cname"], clevel=config["clevel"],  # type: ignore[index]
                      shuffle=max(0, config["shuffle"]))  # type: ignore[index]
    elif codec_id in ("zstd", "zlib"):
        level = config.get("level", 5) or 5  # type: ignore[union-attr]
        params.update(cname=codec_id, clevel=level)
    elif codec_id == "lz4":
        params.update(cname="lz4")
    elif codec_id is not None:
        raise UserError(f"--b2nd: two-level chunks compress with one of {_B2ND_CNAMES} inside "
                        f"C-Blosc2, not {codec_id!r} (give --compressor zstd:5, lz4, "
                        "blosc:lz4:5:bitshuffle, ...)")
    if not 0 <= params["clevel"] <= 9:
        raise UserError(f"--b2nd: compression level {params['clevel']} is out of range for "
                        "two-level chunks (0 to 9)")
    return get_codec({"id": "zarrlite.b2nd", **params, "blocks": blocks})


def _defaults(codec_id: str) -> Mapping[str, Any]:
    """The configuration of codec `codec_id` made without parameters (empty if it needs
    some)."""
    try:
        return dict(get_codec({"id": codec_id}).get_config())
    except (TypeError, ValueError):
        return {}


def compressor_label(codec: Any) -> str:
    """A codec in SPEC syntax: its short name, its positional parameters, and any other
    parameter that is not the codec's default, as ``KEY=VALUE``.

    Examples
    --------
    >>> import zarrlite as zl
    >>> compressor_label(zl.Blosc(cname="zstd", clevel=3, shuffle=2))
    'blosc:zstd:3:bitshuffle'
    >>> compressor_label(zl.Zstd(level=5, checksum=True)), compressor_label(None)
    ('zstd:5:checksum=true', 'none')
    """
    if codec is None:
        return "none"
    config = dict(codec.get_config())
    codec_id = str(config.pop("id"))
    name = _NAME_OF_ID.get(codec_id, codec_id)
    parts = [name]
    positional = POSITIONAL[name][1] if name in POSITIONAL else ()
    for key in positional:
        if key not in config:
            break
        value = config.pop(key)
        if key == "shuffle":
            parts.append({v: k for k, v in SHUFFLES.items()}.get(value, str(value)))
        else:
            parts.append(value if isinstance(value, str) else json.dumps(value))
    defaults = _defaults(codec_id)
    for key, value in config.items():
        if key not in defaults or defaults[key] != value:
            parts.append(f"{key}={json.dumps(value, separators=(',', ':'))}")
    return ":".join(parts)


def filters_label(filters: Any) -> str:
    """The filters' codec ids joined by ``+`` (``delta+astype``), or ``""``."""
    return "+".join(str(f.get_config()["id"]) for f in filters or ())


def codecs_label(array: Any) -> str:
    """An array's codecs as ``zarrlite ls`` and ``convert -v`` show them: the filters'
    ids, then the compressor in SPEC syntax, joined by ``+`` (``delta+zstd:3``,
    ``vlen-utf8+blosc:lz4:5:shuffle``, ``none``)."""
    return "+".join(part for part in (filters_label(array.filters),
                                      compressor_label(array.compressor)) if part)
