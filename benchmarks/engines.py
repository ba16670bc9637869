"""The benchmark's engine adapters, now `zarrlite.bench.engines`.

Kept so that scripts here can go on importing ``engines``.
"""

from zarrlite.bench.engines import (
    CLEVEL,
    CNAME,
    ENGINES,
    SHUFFLE,
    THREADS,
    Engine,
    H5py,
    TensorStore,
    Zarrlite,
    ZarrPython,
)

__all__ = [
    "CLEVEL",
    "CNAME",
    "ENGINES",
    "SHUFFLE",
    "THREADS",
    "Engine",
    "H5py",
    "TensorStore",
    "ZarrPython",
    "Zarrlite",
]
