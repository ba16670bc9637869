"""The benchmark's sizes and the arrays it writes: A (float32), B (int32), W (A's values in
big chunks), T (W with N-d blocks inside its chunks), S (float32, small chunks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Sizes:
    """Array shapes, chunks and call counts of one benchmark run."""

    a_shape: tuple[int, int]
    a_chunks: tuple[int, int]
    b_shape: tuple[int, int]
    b_chunks: tuple[int, int]
    w_chunks: tuple[int, int]  # window array: A's data in big chunks
    window_start: tuple[int, int]
    window: int
    column: int
    npoints: int
    open_calls: int
    repeat: int
    band_rows: int = 16  # the row band z[band_start : band_start + band_rows, :] of W
    band_start: int = 1000
    sparse_points: int = 100  # random points of the two-level array T
    slide_window: int = 256  # a window slid along one chunk row of A ...
    slide_step: int = 64  # ... by this many columns
    s_shape: tuple[int, int] = (4096, 4096)  # scalar reads: array S of float32 ...
    s_chunks: tuple[int, int] = (256, 256)
    scalar_region: int = 512  # ... read at random places of its first 512x512 corner
    scalar_calls: int = 10_000


FULL = Sizes(
    a_shape=(8192, 8192), a_chunks=(1024, 1024), b_shape=(4096, 4096), b_chunks=(64, 64),
    w_chunks=(4096, 4096), window_start=(1000, 2000), window=64, column=1234, npoints=10_000,
    open_calls=2000, repeat=5,
)  # fmt: skip
QUICK = Sizes(
    a_shape=(2048, 2048), a_chunks=(256, 256), b_shape=(1024, 1024), b_chunks=(64, 64),
    w_chunks=(1024, 1024), window_start=(300, 500), window=64, column=1234, npoints=1000,
    open_calls=200, repeat=2, band_start=300, s_shape=(1024, 1024), scalar_calls=1000,
)  # fmt: skip


def make_float_data(shape: tuple[int, int]) -> npt.NDArray[np.float32]:
    """Smooth field plus small noise: compresses like measured data (not like zeros).

    Examples
    --------
    >>> make_float_data((4, 6)).dtype
    dtype('float32')
    """
    rng = np.random.default_rng(42)
    y = np.linspace(0, 12 * np.pi, shape[0], dtype=np.float32)[:, None]
    x = np.linspace(0, 9 * np.pi, shape[1], dtype=np.float32)[None, :]
    a = 100 * np.sin(y) * np.cos(x)
    a += rng.standard_normal(shape, dtype=np.float32) * np.float32(0.01)
    return a


def make_int_data(shape: tuple[int, int]) -> npt.NDArray[np.int32]:
    """Slowly varying integer counts with a little noise.

    Examples
    --------
    >>> make_int_data((4, 6)).dtype
    dtype('int32')
    """
    rng = np.random.default_rng(7)
    i = np.arange(shape[0], dtype=np.int32)[:, None] // 7
    j = np.arange(shape[1], dtype=np.int32)[None, :] // 11
    return ((i * 31 + j * 17) % 10_000 + rng.integers(0, 8, shape, dtype=np.int32)).astype(np.int32)
