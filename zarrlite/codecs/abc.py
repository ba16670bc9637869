"""The codec contract shared by every zarrlite codec.

A codec turns a buffer into encoded data (:meth:`Codec.encode`) and back
(:meth:`Codec.decode`). Its configuration is a JSON-serialisable dict with an
``"id"`` key, the same dict numcodecs produces for the codec of that id, so a
``.zarray`` written by zarr-python can name our codecs and the other way round.

Codec instances hold only their configuration: they keep no state between
calls and may be used from several threads at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Protocol, TypeAlias, runtime_checkable

import numpy as np
import numpy.typing as npt

#: Anything exporting the buffer protocol: bytes, bytearray, memoryview,
#: array.array or a numpy array of any shape.
BufferLike: TypeAlias = bytes | bytearray | memoryview | npt.NDArray[Any]


@runtime_checkable
class CodecLike(Protocol):
    """Structural type of a codec: ours or a numcodecs one."""

    def encode(self, buf: Any) -> Any: ...

    def decode(self, buf: Any, out: Any = None) -> Any: ...

    def get_config(self) -> dict[str, Any]: ...


class BlockCodec(CodecLike, Protocol):
    """What a codec declaring ``partial_decode = "blocks"`` gives the C core."""

    def c_params(self, itemsize: int) -> tuple[int, int, int, int, int]: ...


class RegionCodec(CodecLike, Protocol):
    """What a codec declaring ``partial_decode = "regions"`` gives the C core."""

    @property
    def max_region_ndim(self) -> int: ...

    def stored_layout(self, shape: tuple[int, ...], itemsize: int, transposed: bool = False
                      ) -> tuple[tuple[int, ...], tuple[int, ...]]: ...


def dtype_param(value: Any, codec_id: str, name: str) -> np.dtype:
    """A codec's dtype parameter as a numpy dtype. Parameters come from metadata, which may
    be anything: ValueError for whatever numpy cannot parse (its parser raises TypeError,
    ValueError, SyntaxError and more), so that opening an array reports a bad codec
    configuration as such.

    Examples
    --------
    >>> dtype_param("<i4", "delta", "dtype")
    dtype('int32')
    """
    try:
        return np.dtype(value)
    except Exception:  # numpy's dtype parser raises SyntaxError and more
        raise ValueError(f"{codec_id}: {name} {value!r} is not a dtype") from None


class Codec(ABC):
    """Abstract base class of zarrlite codecs.

    Subclasses set :attr:`codec_id`, implement :meth:`encode` and
    :meth:`decode`, and keep their constructor arguments as public attributes
    of the same names (or override :meth:`get_config`).

    Examples
    --------
    >>> from zarrlite.codecs import Zlib
    >>> codec = Zlib(level=5)
    >>> codec.get_config()
    {'id': 'zlib', 'level': 5}
    >>> bytes(codec.decode(codec.encode(b"abc")))
    b'abc'
    """

    codec_id: ClassVar[str]
    """Identifier stored in the ``"id"`` key of the configuration."""

    #: How a chunk this codec compressed can be decoded in part: ``"blocks"`` (independent
    #: 1-D blocks of the flat chunk, as Blosc stores them), ``"regions"`` (independent N-d
    #: blocks, as b2nd stores them), or None (whole chunks only). The chunk I/O layer asks
    #: this instead of testing codec classes.
    partial_decode: ClassVar[str | None] = None

    @abstractmethod
    def encode(self, buf: BufferLike) -> bytes | np.ndarray:
        """Encode the data in `buf`.

        Parameters
        ----------
        buf : buffer-like
            Data to encode: any object exporting the buffer protocol. Arrays
            are read in memory order (C order unless F-contiguous).

        Returns
        -------
        bytes or numpy.ndarray
            The encoded data.
        """

    @abstractmethod
    def decode(self, buf: BufferLike, out: Any = None) -> Any:
        """Decode the data in `buf`.

        Parameters
        ----------
        buf : buffer-like
            Encoded data: any object exporting the buffer protocol.
        out : writable buffer-like, optional
            Destination holding exactly the number of bytes decoded.

        Returns
        -------
        bytes or numpy.ndarray
            `out` when it was given, otherwise a new object.

        Raises
        ------
        CodecError
            If `buf` is corrupt or truncated.
        ValueError
            If `out` does not have the size of the decoded data.
        """

    def get_config(self) -> dict[str, Any]:
        """Return the configuration: ``"id"`` plus the constructor arguments.

        Returns
        -------
        dict
            JSON-serialisable configuration, equal to the one numcodecs
            produces for the same codec.
        """
        config: dict[str, Any] = {"id": self.codec_id}
        for name, value in vars(self).items():
            if not name.startswith("_"):
                config[name] = value
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Codec:
        """Create a codec from a configuration dict.

        Parameters
        ----------
        config : dict
            Constructor arguments; an ``"id"`` key, if present, is ignored.

        Returns
        -------
        Codec
        """
        return cls(**{k: v for k, v in config.items() if k != "id"})

    def __eq__(self, other: object) -> bool:
        get_config = getattr(other, "get_config", None)
        if not callable(get_config) or isinstance(other, type):
            return NotImplemented
        return bool(self.get_config() == get_config())

    __hash__ = None  # type: ignore[assignment]  # configs hold lists: codecs are unhashable

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "id")
        return f"{type(self).__name__}({params})"
