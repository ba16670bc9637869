"""The benchmark's reference measurements ("floors"), now `zarrlite.bench.floors`.

Kept so that scripts here can go on importing ``floors``.
"""

from zarrlite.bench.floors import decompress, files

__all__ = ["decompress", "files"]
