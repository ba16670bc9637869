"""numcodecs-compatible codecs: compressors, filters, checksums and object codecs.

Importing this package registers every codec, so :func:`get_codec` can build
any of them from a ``.zarray`` configuration dict.
"""

from zarrlite.codecs.abc import Codec
from zarrlite.codecs.b2nd import B2ND
from zarrlite.codecs.blosc import Blosc
from zarrlite.codecs.bytefilters import Categorize, PackBits, Shuffle
from zarrlite.codecs.checksums import CRC32, Adler32, Fletcher32
from zarrlite.codecs.compression import BZ2, LZ4, LZMA, GZip, Zlib, Zstd
from zarrlite.codecs.filters import AsType, BitRound, Delta, FixedScaleOffset, Quantize
from zarrlite.codecs.objects import JSON, Pickle, VLenBytes, VLenUTF8
from zarrlite.codecs.registry import as_codec, get_codec, register_codec

__all__ = [
    "B2ND",
    "BZ2",
    "Blosc",
    "CRC32",
    "JSON",
    "LZ4",
    "LZMA",
    "Adler32",
    "AsType",
    "BitRound",
    "Categorize",
    "Codec",
    "Delta",
    "FixedScaleOffset",
    "Fletcher32",
    "GZip",
    "PackBits",
    "Pickle",
    "Quantize",
    "Shuffle",
    "VLenBytes",
    "VLenUTF8",
    "Zlib",
    "Zstd",
    "as_codec",
    "get_codec",
    "register_codec",
]
