# Type stubs for the compiled core (zarrlite/_ext.pyx). Buffers are any object exporting the
# buffer protocol (bytes, memoryview, numpy arrays); offsets and strides are in bytes.
from typing import Any

import numpy as np
import numpy.typing as npt

def blosc_header(cdata: Any) -> tuple[int, int, int, int, int, int]: ...
def blosc_encode(
    data: Any, typesize: int, cname: int, clevel: int, shuffle: int, blocksize: int
) -> bytes: ...
def blosc_decode(cdata: Any, dst: Any, nthreads: int = 1) -> None: ...
def fill_region(
    dst: Any, dst_offset: int, dst_strides: tuple[int, ...], shape: tuple[int, ...], value: Any
) -> None: ...
def is_uniform(data: Any, value: Any) -> bool: ...
def blosc_decode_regions(
    cdatas: list[Any],
    scratch: Any,
    src_offsets: npt.NDArray[np.int64],
    src_strides: npt.NDArray[np.int64],
    dst: Any,
    dst_offsets: npt.NDArray[np.int64],
    dst_strides: tuple[int, ...],
    shapes: npt.NDArray[np.int64],
    itemsize: int,
    row_nbytes: int = 0,
    nthreads: int = 1,
) -> None: ...
def read_files(
    paths: list[bytes], scratch: Any, offsets: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]
) -> int: ...
def write_files(tmp_paths: list[bytes], paths: list[bytes], values: list[Any]) -> None: ...
def blosc_encode_batch(
    src: Any,
    n: int,
    chunk_nbytes: int,
    typesize: int,
    cname: int,
    clevel: int,
    shuffle: int,
    blocksize: int,
    fill_value: Any,
    dst: Any,
    encoded_nbytes: npt.NDArray[np.int64],
    nan_float_size: int = 0,
    nan_big_endian: bool = False,
) -> None: ...
def blosc1_slot_nbytes(nbytes: int) -> int: ...
def copy_regions(
    src: Any,
    src_offsets: npt.NDArray[np.int64],
    src_strides: tuple[int, ...],
    dst: Any,
    dst_offsets: npt.NDArray[np.int64],
    dst_strides: npt.NDArray[np.int64],
    shapes: npt.NDArray[np.int64],
    itemsize: int,
) -> None: ...
def is_all_nan(data: Any, float_size: int, big_endian: bool = False) -> bool: ...
def blosc_decode_blocks(
    cdata: Any, dst: Any, wanted: npt.NDArray[np.uint8], nthreads: int = 1
) -> None: ...
def gather_points(
    cdata: Any, b2nd: bool, src_offsets: npt.NDArray[np.int64], dst: Any,
    dst_offsets: npt.NDArray[np.int64], itemsize: int, scratch: Any,
) -> tuple[int, int] | int | None: ...
def b2nd_read_region_file(
    path: bytes, first_nbytes: int, max_nbytes: int, region: tuple[Any, ...], dst: Any,
    dst_offset: int, dst_strides: tuple[int, ...], itemsize: int, frame: Any, scratch: Any,
    max_fraction: float, nthreads: int = 1,
) -> int | str | tuple[str, int] | None: ...
def blosc_read_region_file(
    path: bytes, first_nbytes: int, region: tuple[Any, ...], chunk_strides: tuple[int, ...],
    dst: Any, dst_offset: int, dst_strides: tuple[int, ...], itemsize: int, frame: Any,
    scratch: Any, max_fraction: float, nthreads: int = 1,
) -> int | str | tuple[str, int] | None: ...
def copy_outer(
    src: Any, src_offsets: list[Any], dst: Any, dst_offsets: list[Any], itemsize: int
) -> None: ...
def copy_points(
    src: Any, src_offsets: npt.NDArray[np.int64], dst: Any, dst_offsets: npt.NDArray[np.int64],
    itemsize: int,
) -> None: ...
def b2nd_encode(
    data: Any, shape: tuple[int, ...], blockshape: tuple[int, ...], typesize: int, dtype: str,
    compcode: int, clevel: int, shuffle: int, nthreads: int = 1,
) -> bytes: ...
def b2nd_sizes(cdata: Any) -> tuple[int, int]: ...
def b2nd_decode(cdata: Any, dst: Any, scratch: Any = None) -> None: ...
BLOCKS_RANGED: int
BLOCKS_MASKABLE: int
BLOCKS_WHOLE: int
def blosc_block_kind(header: Any) -> int: ...
def b2nd_decode_region(
    cdata: Any, region: tuple[tuple[int, int, int], ...], dst: Any, dst_offset: int,
    dst_strides: tuple[int, ...], itemsize: int, scratch: Any, nthreads: int = 1,
) -> int: ...
MAX_BLOCKS: int
FEW_BLOCKS: int
def b2nd_region_blocks(
    cdata: Any, region: tuple[tuple[int, int, int], ...], itemsize: int
) -> npt.NDArray[np.uint8]: ...
def b2nd_item_blocks(
    cdata: Any, byte_offsets: npt.NDArray[np.int64], itemsize: int
) -> tuple[npt.NDArray[np.uint8], int]: ...
def b2nd_decode_blocks(
    cdata: Any, wanted: npt.NDArray[np.uint8], itemsize: int, dst: Any, scratch: Any,
    nthreads: int = 1,
) -> int: ...
