# cython: language_level=3, boundscheck=False, wraparound=False
"""The only compiled module of zarrlite: a thin layer over the C core in csrc/.

Buffers and integers cross this boundary; slices, dtypes and lists stay in Python.
Every function checks sizes while holding the GIL, then calls C without it.
"""
from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF

cdef extern from "Python.h":
    char *PyBytes_AS_STRING(PyObject *o) nogil
from libc.stdint cimport int32_t, int64_t, uint8_t

from zarrlite._csrc cimport *

import os

from zarrlite.errors import BufferSizeError, CodecError

blosc2_init()


cdef extern from "Python.h":
    PyObject *new_bytes "PyBytes_FromStringAndSize"(const char *v, Py_ssize_t n) except NULL
    int _PyBytes_Resize(PyObject **bytes, Py_ssize_t newsize) except -1


#: Most blocks a two-level chunk may have for the block-flag functions (flags are bytes),
#: and the number of flags tried first.
MAX_BLOCKS = 1 << 24
FEW_BLOCKS = 1 << 12


cdef int check(int status, str what) except -1:
    """Turn a C status code into the matching Python exception."""
    if status == ZL_OK:
        return 0
    text = zl_strerror(status).decode()
    if status == ZL_ERR_NOMEM:
        raise MemoryError(f"{what}: {text}")
    if status == ZL_ERR_BUFFER:
        raise BufferSizeError(f"{what}: {text}")
    if status == ZL_ERR_ARG:
        raise ValueError(f"{what}: {text}")
    raise CodecError(f"{what}: {text} (status {status})", status)


cdef int fill_dims(tuple values, int64_t *dst, int ndim, str name) except -1:
    if len(values) != ndim:
        raise ValueError(f"{name} has {len(values)} entries, expected {ndim}")
    for i in range(ndim):
        dst[i] = values[i]
    return 0


cdef int check_extent(Py_ssize_t buf_len, int64_t offset, const int64_t *strides,
                      const int64_t *shape, int ndim, size_t itemsize, str name) except -1:
    """Raise ValueError unless every element of the region lies inside the buffer."""
    cdef int64_t lo = offset, hi = offset
    for d in range(ndim):
        if shape[d] <= 0:
            return 0
        if strides[d] >= 0:
            hi += (shape[d] - 1) * strides[d]
        else:
            lo += (shape[d] - 1) * strides[d]
    if lo < 0 or hi + <int64_t>itemsize > buf_len:
        raise ValueError(f"{name} region [{lo}, {hi + <int64_t>itemsize}) lies outside its "
                         f"buffer of {buf_len} bytes")
    return 0


def blosc_header(cdata):
    """Return (version, flags, typesize, nbytes, blocksize, cbytes) of a Blosc chunk."""
    cdef Py_buffer src
    cdef zl_blosc_header_t h
    cdef int status
    PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
    try:
        status = zl_blosc_read_header(src.buf, src.len, &h)
    finally:
        PyBuffer_Release(&src)
    check(status, "blosc header")
    return (h.version, h.flags, h.typesize, h.nbytes, h.blocksize, h.cbytes)


def blosc_encode(data, int typesize, int cname, int clevel, int shuffle, int64_t blocksize):
    """Encode a contiguous buffer as a Blosc1-format chunk (numcodecs-compatible bytes)."""
    cdef Py_buffer src
    cdef size_t encoded = 0
    cdef int status
    cdef PyObject *raw = NULL
    cdef Py_ssize_t cap
    PyObject_GetBuffer(data, &src, PyBUF_SIMPLE)
    try:
        cap = zl_blosc1_max_encoded_nbytes(src.len)
        raw = new_bytes(NULL, cap)
        with nogil:
            status = zl_blosc1_encode(src.buf, src.len, typesize, cname, clevel, shuffle,
                                      blocksize, PyBytes_AS_STRING(raw), cap, &encoded)
    finally:
        PyBuffer_Release(&src)
    try:
        check(status, "blosc encode")
        if <Py_ssize_t>encoded != cap:
            _PyBytes_Resize(&raw, encoded)  # on failure raw becomes NULL
        return <object>raw
    finally:
        if raw != NULL:
            Py_DECREF(<object>raw)


def blosc_decode(cdata, dst, int nthreads=1):
    """Decode a Blosc chunk into the writable contiguous buffer dst (exact size)."""
    cdef Py_buffer src, out
    cdef int status
    PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &out, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            with nogil:
                status = zl_blosc_decode(src.buf, src.len, out.buf, out.len, nthreads)
        finally:
            PyBuffer_Release(&out)
    finally:
        PyBuffer_Release(&src)
    check(status, "blosc decode")


def fill_region(dst, int64_t dst_offset, tuple dst_strides, tuple shape, value):
    """Fill a strided region of a contiguous buffer with one item (value: its bytes)."""
    cdef Py_buffer dbuf, vbuf
    cdef int64_t ds[32]
    cdef int64_t sh[32]
    cdef int ndim = len(shape)
    cdef int status
    if ndim > ZL_MAX_DIM:
        raise ValueError(f"at most {ZL_MAX_DIM} dimensions are supported, got {ndim}")
    fill_dims(dst_strides, ds, ndim, "dst_strides")
    fill_dims(shape, sh, ndim, "shape")
    PyObject_GetBuffer(value, &vbuf, PyBUF_SIMPLE)
    try:
        if vbuf.len < 1:
            raise ValueError("fill value must have at least one byte")
        PyObject_GetBuffer(dst, &dbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            check_extent(dbuf.len, dst_offset, ds, sh, ndim, vbuf.len, "destination")
            with nogil:
                status = zl_fill_strided(<char *>dbuf.buf + dst_offset, ds, sh, ndim,
                                         <const char *>vbuf.buf, vbuf.len)
        finally:
            PyBuffer_Release(&dbuf)
    finally:
        PyBuffer_Release(&vbuf)
    check(status, "fill")


def is_uniform(data, value):
    """True if every item of the contiguous buffer `data` has the bytes of `value`."""
    cdef Py_buffer dbuf, vbuf
    cdef int result
    PyObject_GetBuffer(data, &dbuf, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(value, &vbuf, PyBUF_SIMPLE)
        try:
            if vbuf.len < 1 or dbuf.len % vbuf.len != 0:
                raise ValueError(f"buffer of {dbuf.len} bytes is not a whole number of "
                                 f"{vbuf.len}-byte items")
            with nogil:
                result = zl_is_uniform(<const char *>dbuf.buf, dbuf.len,
                                       <const char *>vbuf.buf, vbuf.len)
        finally:
            PyBuffer_Release(&vbuf)
    finally:
        PyBuffer_Release(&dbuf)
    check(result if result < 0 else 0, "is_uniform")
    return result == 1


def blosc_decode_regions(list cdatas, scratch, const int64_t[::1] src_offsets,
                         const int64_t[:, ::1] src_strides, dst,
                         const int64_t[::1] dst_offsets, tuple dst_strides,
                         const int64_t[:, ::1] shapes, size_t itemsize, int64_t row_nbytes=0,
                         int nthreads=1):
    """Decode a batch of Blosc chunks (buffers, or None to skip) and copy one region of
    each into dst, in one call without the GIL. Raises CodecError carrying `.index`, the
    position in the batch of the chunk that failed."""
    cdef Py_ssize_t n = len(cdatas)
    cdef int ndim = shapes.shape[1] if shapes.shape[0] else len(dst_strides)
    cdef int64_t ds[32]
    cdef int64_t failed = -1
    cdef int status
    cdef Py_buffer sbuf, dbuf
    cdef const void **ptrs = NULL
    cdef size_t *lens = NULL
    cdef Py_buffer *views = NULL
    cdef Py_ssize_t acquired = 0
    if ndim > ZL_MAX_DIM:
        raise ValueError(f"at most {ZL_MAX_DIM} dimensions are supported, got {ndim}")
    if (src_offsets.shape[0] != n or dst_offsets.shape[0] != n or src_strides.shape[0] != n
            or shapes.shape[0] != n or (n and src_strides.shape[1] != ndim)):
        raise ValueError("per-chunk arrays must all have one row per chunk")
    if n == 0:
        return
    fill_dims(dst_strides, ds, ndim, "dst_strides")
    ptrs = <const void **>PyMem_Malloc(n * sizeof(void *))
    lens = <size_t *>PyMem_Malloc(n * sizeof(size_t))
    views = <Py_buffer *>PyMem_Malloc(n * sizeof(Py_buffer))
    if ptrs == NULL or lens == NULL or views == NULL:
        PyMem_Free(ptrs)
        PyMem_Free(lens)
        PyMem_Free(views)
        raise MemoryError()
    try:
        PyObject_GetBuffer(scratch, &sbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            PyObject_GetBuffer(dst, &dbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
            try:
                for i in range(n):
                    c = cdatas[i]
                    if c is None:
                        ptrs[i] = NULL
                        lens[i] = 0
                        continue
                    PyObject_GetBuffer(c, &views[acquired], PyBUF_SIMPLE)
                    ptrs[i] = views[acquired].buf
                    lens[i] = views[acquired].len
                    acquired += 1
                    check_extent(sbuf.len, src_offsets[i], &src_strides[i, 0], &shapes[i, 0],
                                 ndim, itemsize, "source")
                    check_extent(dbuf.len, dst_offsets[i], ds, &shapes[i, 0], ndim, itemsize,
                                 "destination")
                with nogil:
                    status = zl_blosc_decode_regions(
                        ptrs, lens, n, sbuf.buf, sbuf.len, &src_offsets[0], &src_strides[0, 0],
                        <char *>dbuf.buf, &dst_offsets[0], ds, &shapes[0, 0], ndim, itemsize,
                        row_nbytes, nthreads, &failed)
            finally:
                PyBuffer_Release(&dbuf)
        finally:
            PyBuffer_Release(&sbuf)
    finally:
        for i in range(acquired):
            PyBuffer_Release(&views[i])
        PyMem_Free(views)
        PyMem_Free(ptrs)
        PyMem_Free(lens)
    if status != ZL_OK:
        try:
            check(status, "blosc decode")
        except CodecError as err:
            err.index = failed
            raise


def read_files(list paths, scratch, int64_t[::1] offsets, int64_t[::1] sizes):
    """Read whole files (paths as bytes) into the writable buffer `scratch`, without the GIL.

    Fills offsets/sizes (size -1: no such file) and returns the bytes used, or, when the
    scratch is too small, minus the bytes needed so far (the caller grows it and calls again).
    Raises OSError naming the path on other failures.
    """
    cdef Py_ssize_t n = len(paths)
    cdef Py_buffer abuf
    cdef const char **ptrs = NULL
    cdef size_t needed = 0
    cdef int64_t failed = -1
    cdef int err = 0
    cdef int status
    if offsets.shape[0] < n or sizes.shape[0] < n:
        raise ValueError("offsets and sizes need one entry per path")
    ptrs = <const char **>PyMem_Malloc(max(n, 1) * sizeof(char *))
    if ptrs == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            p = paths[i]
            if not isinstance(p, bytes):
                raise TypeError(f"path {i}: expected bytes, got {type(p).__name__}")
            ptrs[i] = PyBytes_AS_STRING(<PyObject *>p)
        PyObject_GetBuffer(scratch, &abuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            with nogil:
                status = zl_read_files(ptrs, n, <char *>abuf.buf, abuf.len,
                                       &offsets[0] if n else NULL, &sizes[0] if n else NULL,
                                       &needed, &failed, &err)
        finally:
            PyBuffer_Release(&abuf)
    finally:
        PyMem_Free(ptrs)
    if status == ZL_ERR_BUFFER:
        return -<int64_t>needed
    if status == ZL_ERR_IO:
        raise OSError(err, os.strerror(err), os.fsdecode(paths[failed]))
    check(status, "read files")
    return <int64_t>needed


def write_files(list tmp_paths, list paths, list values):
    """Write each value (a buffer) atomically to its path (bytes): through the temporary
    path, then a rename. Without the GIL. Raises OSError naming the path that failed."""
    cdef Py_ssize_t n = len(paths)
    cdef const char **tmps = NULL
    cdef const char **finals = NULL
    cdef const char **datas = NULL
    cdef size_t *lens = NULL
    cdef Py_buffer *views = NULL
    cdef Py_ssize_t acquired = 0
    cdef int64_t failed = -1
    cdef int err = 0
    cdef int status = ZL_OK
    if len(tmp_paths) != n or len(values) != n:
        raise ValueError("tmp_paths, paths and values must have the same length")
    if n == 0:
        return
    tmps = <const char **>PyMem_Malloc(n * sizeof(char *))
    finals = <const char **>PyMem_Malloc(n * sizeof(char *))
    datas = <const char **>PyMem_Malloc(n * sizeof(char *))
    lens = <size_t *>PyMem_Malloc(n * sizeof(size_t))
    views = <Py_buffer *>PyMem_Malloc(n * sizeof(Py_buffer))
    try:
        if tmps == NULL or finals == NULL or datas == NULL or lens == NULL or views == NULL:
            raise MemoryError()
        for i in range(n):
            t = tmp_paths[i]
            f = paths[i]
            if not isinstance(t, bytes) or not isinstance(f, bytes):
                raise TypeError("paths must be bytes")
            tmps[i] = PyBytes_AS_STRING(<PyObject *>t)
            finals[i] = PyBytes_AS_STRING(<PyObject *>f)
            PyObject_GetBuffer(values[i], &views[acquired], PyBUF_SIMPLE)
            datas[i] = <const char *>views[acquired].buf
            lens[i] = views[acquired].len
            acquired += 1
        with nogil:
            status = zl_write_files(tmps, finals, datas, lens, n, &failed, &err)
    finally:
        for i in range(acquired):
            PyBuffer_Release(&views[i])
        PyMem_Free(views)
        PyMem_Free(lens)
        PyMem_Free(datas)
        PyMem_Free(finals)
        PyMem_Free(tmps)
    if status == ZL_ERR_IO:
        raise OSError(err, os.strerror(err), os.fsdecode(paths[failed]))
    check(status, "write files")


def blosc_encode_batch(src, int64_t n, size_t chunk_nbytes, int typesize, int cname,
                       int clevel, int shuffle, int64_t blocksize, fill_value, dst,
                       int64_t[::1] encoded_nbytes, size_t nan_float_size=0,
                       bint nan_big_endian=False):
    """Encode n chunks stored back to back in src into dst (slot i at
    i * blosc1_slot_nbytes(chunk_nbytes)), without the GIL. encoded_nbytes[i] gets each
    length, or 0 for a chunk holding only the fill value: every float a NaN when
    nan_float_size > 0, else every item equal to fill_value (bytes of one item; None:
    encode every chunk)."""
    cdef Py_buffer sbuf, dbuf, fbuf
    cdef int status
    cdef int has_fill = fill_value is not None
    cdef size_t slot = zl_blosc1_max_encoded_nbytes(chunk_nbytes)
    cdef const char *fptr = NULL
    cdef size_t itemsize = 1
    if encoded_nbytes.shape[0] < n:
        raise ValueError("encoded_nbytes needs one entry per chunk")
    if n == 0:
        return
    PyObject_GetBuffer(src, &sbuf, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &dbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            if has_fill:
                PyObject_GetBuffer(fill_value, &fbuf, PyBUF_SIMPLE)
            try:
                if <size_t>sbuf.len < n * chunk_nbytes or <size_t>dbuf.len < n * slot:
                    raise ValueError(f"buffers too small for {n} chunks of {chunk_nbytes} "
                                     "bytes")
                if has_fill:
                    if fbuf.len < 1 or chunk_nbytes % fbuf.len:
                        raise ValueError("fill value does not divide the chunk size")
                    fptr = <const char *>fbuf.buf
                    itemsize = fbuf.len
                with nogil:
                    status = zl_blosc1_encode_batch(
                        <const char *>sbuf.buf, n, chunk_nbytes, typesize, cname, clevel,
                        shuffle, blocksize, fptr, itemsize, nan_float_size, nan_big_endian,
                        <char *>dbuf.buf, &encoded_nbytes[0])
            finally:
                if has_fill:
                    PyBuffer_Release(&fbuf)
        finally:
            PyBuffer_Release(&dbuf)
    finally:
        PyBuffer_Release(&sbuf)
    check(status, "blosc encode")


def blosc1_slot_nbytes(size_t nbytes):
    """Room one Blosc1-format chunk of `nbytes` decoded bytes can take at most."""
    return zl_blosc1_max_encoded_nbytes(nbytes)


def copy_regions(src, const int64_t[::1] src_offsets, tuple src_strides, dst,
                 const int64_t[::1] dst_offsets, const int64_t[:, ::1] dst_strides,
                 const int64_t[:, ::1] shapes, size_t itemsize):
    """Many strided copies from one contiguous buffer into another, in one call without the
    GIL: region i starts src_offsets[i] bytes into src (common byte strides src_strides) and
    lands dst_offsets[i] bytes into dst with byte strides dst_strides[i] and shape shapes[i]."""
    cdef Py_ssize_t n = src_offsets.shape[0]
    cdef int ndim = len(src_strides)
    cdef int64_t ss[32]
    cdef int status = ZL_OK
    cdef Py_buffer sbuf, dbuf
    cdef Py_ssize_t i
    if ndim > ZL_MAX_DIM:
        raise ValueError(f"at most {ZL_MAX_DIM} dimensions are supported, got {ndim}")
    if dst_offsets.shape[0] != n or dst_strides.shape[0] != n or shapes.shape[0] != n:
        raise ValueError("per-region arrays must all have one row per region")
    if n == 0:
        return
    if dst_strides.shape[1] != ndim or shapes.shape[1] != ndim:
        raise ValueError("per-region strides and shapes need one column per dimension")
    fill_dims(src_strides, ss, ndim, "src_strides")
    PyObject_GetBuffer(src, &sbuf, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &dbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            for i in range(n):
                check_extent(sbuf.len, src_offsets[i], ss, &shapes[i, 0], ndim, itemsize,
                             "source")
                check_extent(dbuf.len, dst_offsets[i], &dst_strides[i, 0], &shapes[i, 0], ndim,
                             itemsize, "destination")
            with nogil:
                for i in range(n):
                    status = zl_copy_strided(<const char *>sbuf.buf + src_offsets[i], ss,
                                             <char *>dbuf.buf + dst_offsets[i],
                                             &dst_strides[i, 0], &shapes[i, 0], ndim, itemsize)
                    if status != ZL_OK:
                        break
        finally:
            PyBuffer_Release(&dbuf)
    finally:
        PyBuffer_Release(&sbuf)
    check(status, "copy")


def is_all_nan(data, size_t float_size, bint big_endian=False):
    """True if every float (float_size bytes) of the contiguous buffer is a NaN."""
    cdef Py_buffer dbuf
    cdef int result
    PyObject_GetBuffer(data, &dbuf, PyBUF_SIMPLE)
    try:
        with nogil:
            result = zl_is_all_nan(<const char *>dbuf.buf, dbuf.len, float_size, big_endian)
    finally:
        PyBuffer_Release(&dbuf)
    check(result if result < 0 else 0, "is_all_nan")
    return result == 1


cdef int check_offsets(const int64_t[::1] offsets, int64_t base_lo, int64_t base_hi,
                       str name) except -1:
    """Raise ValueError unless base + every offset stays within [base_lo, base_hi]."""
    cdef Py_ssize_t k
    for k in range(offsets.shape[0]):
        if offsets[k] < base_lo or offsets[k] > base_hi:
            raise ValueError(f"{name} offset {offsets[k]} lies outside its buffer")
    return 0


cdef int64_t array_min(const int64_t[::1] a) noexcept:
    cdef int64_t m = a[0]
    cdef Py_ssize_t k
    for k in range(1, a.shape[0]):
        if a[k] < m:
            m = a[k]
    return m


cdef int64_t array_max(const int64_t[::1] a) noexcept:
    cdef int64_t m = a[0]
    cdef Py_ssize_t k
    for k in range(1, a.shape[0]):
        if a[k] > m:
            m = a[k]
    return m


def copy_outer(src, list src_offsets, dst, list dst_offsets, size_t itemsize):
    """Outer-product copy (orthogonal selections): per dimension an int64 array of byte
    offsets into src and one into dst, of equal length; every combination is copied.
    Without the GIL; every offset sum is checked against the buffers first."""
    cdef int ndim = len(src_offsets)
    cdef const int64_t *sptr[32]
    cdef const int64_t *dptr[32]
    cdef int64_t counts[32]
    cdef int64_t smax = 0, dmax = 0, smin = 0, dmin = 0
    cdef const int64_t[::1] so
    cdef const int64_t[::1] do
    cdef Py_buffer sbuf, dbuf
    cdef int status
    cdef list keep = []
    if ndim < 1 or ndim > ZL_MAX_DIM or len(dst_offsets) != ndim:
        raise ValueError(f"need 1 to {ZL_MAX_DIM} dimensions of offsets on both sides")
    for d in range(ndim):
        so = src_offsets[d]
        do = dst_offsets[d]
        if so.shape[0] != do.shape[0]:
            raise ValueError(f"dimension {d}: {so.shape[0]} source and {do.shape[0]} "
                             "destination offsets")
        counts[d] = so.shape[0]
        if counts[d] == 0:
            return
        keep.append((so, do))
        sptr[d] = &so[0]
        dptr[d] = &do[0]
        smin += array_min(so)
        smax += array_max(so)
        dmin += array_min(do)
        dmax += array_max(do)
    PyObject_GetBuffer(src, &sbuf, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &dbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            if smin < 0 or smax + <int64_t>itemsize > sbuf.len:
                raise ValueError("source offsets lie outside the source buffer")
            if dmin < 0 or dmax + <int64_t>itemsize > dbuf.len:
                raise ValueError("destination offsets lie outside the destination buffer")
            with nogil:
                status = zl_copy_outer(<const char *>sbuf.buf, sptr, <char *>dbuf.buf, dptr,
                                       counts, ndim, itemsize)
        finally:
            PyBuffer_Release(&dbuf)
    finally:
        PyBuffer_Release(&sbuf)
    check(status, "copy")


def copy_points(src, const int64_t[::1] src_offsets, dst, const int64_t[::1] dst_offsets,
                size_t itemsize):
    """Point copy (coordinate and mask selections): item k moves from byte offset
    src_offsets[k] of src to dst_offsets[k] of dst, in order. Without the GIL."""
    cdef Py_buffer sbuf, dbuf
    cdef int status
    cdef Py_ssize_t n = src_offsets.shape[0]
    if dst_offsets.shape[0] != n:
        raise ValueError(f"{n} source and {dst_offsets.shape[0]} destination offsets")
    if n == 0:
        return
    PyObject_GetBuffer(src, &sbuf, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &dbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            check_offsets(src_offsets, 0, sbuf.len - <int64_t>itemsize, "source")
            check_offsets(dst_offsets, 0, dbuf.len - <int64_t>itemsize, "destination")
            with nogil:
                status = zl_copy_points(<const char *>sbuf.buf, &src_offsets[0],
                                        <char *>dbuf.buf, &dst_offsets[0], n, itemsize)
        finally:
            PyBuffer_Release(&dbuf)
    finally:
        PyBuffer_Release(&sbuf)
    check(status, "copy")


def gather_points(cdata, bint b2nd, const int64_t[::1] src_offsets, dst,
                  const int64_t[::1] dst_offsets, size_t itemsize, scratch):
    """Copy the items at byte offsets src_offsets of a coded chunk (plain Blosc, or a b2nd
    frame when `b2nd`; offsets in the decoded chunk, C order) to dst_offsets of dst,
    decoding only the blocks holding them, one at a time, into `scratch`. Returns (blocks
    decoded, blocks of the chunk); minus the bytes scratch needs when it is smaller than a
    block; None
    when the chunk's blocks cannot be decoded apart (decode it whole instead). Without
    the GIL."""
    cdef Py_buffer src, out, sbuf
    cdef int status
    cdef size_t needed = 0
    cdef int64_t decoded = 0, nblocks = 0
    cdef Py_ssize_t n = src_offsets.shape[0]
    cdef const int64_t *so = &src_offsets[0] if n else NULL
    cdef const int64_t *do = &dst_offsets[0] if n else NULL
    if dst_offsets.shape[0] != n:
        raise ValueError(f"{n} source and {dst_offsets.shape[0]} destination offsets")
    PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &out, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            if n:
                check_offsets(dst_offsets, 0, out.len - <int64_t>itemsize, "destination")
            PyObject_GetBuffer(scratch, &sbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
            try:
                with nogil:
                    if b2nd:
                        status = zl_b2nd_gather_points(src.buf, src.len, so, do, n, itemsize,
                                                       <char *>out.buf, <char *>sbuf.buf,
                                                       sbuf.len, &needed, &decoded, &nblocks)
                    else:
                        status = zl_blosc_gather_points(src.buf, src.len, so, do, n, itemsize,
                                                        <char *>out.buf, <char *>sbuf.buf,
                                                        sbuf.len, &needed, &decoded, &nblocks)
            finally:
                PyBuffer_Release(&sbuf)
        finally:
            PyBuffer_Release(&out)
    finally:
        PyBuffer_Release(&src)
    if status == ZL_ERR_BUFFER and needed > 0:
        return -<int64_t>needed
    if status == ZL_ERR_UNSUPPORTED:
        return None
    check(status, "b2nd gather" if b2nd else "blosc gather")
    return decoded, nblocks


def blosc_decode_blocks(cdata, dst, const uint8_t[::1] wanted, int nthreads=1):
    """Decode only the blocks of a Blosc chunk whose flag in `wanted` is set (one flag per
    block) into their places in dst (the chunk's full size). Without the GIL."""
    cdef Py_buffer src, out
    cdef int status
    cdef int64_t nblocks = wanted.shape[0]
    if nblocks == 0:
        raise ValueError("wanted needs one flag per block")
    PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &out, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            with nogil:
                status = zl_blosc_decode_blocks(src.buf, src.len, out.buf, out.len,
                                                &wanted[0], nblocks, nthreads)
        finally:
            PyBuffer_Release(&out)
    finally:
        PyBuffer_Release(&src)
    check(status, "blosc decode")


def b2nd_encode(data, tuple shape, tuple blockshape, int typesize, str dtype, int compcode,
                int clevel, int shuffle, int nthreads=1):
    """Encode a C-contiguous chunk of `shape` as a one-chunk b2nd frame with blocks of
    `blockshape` (C-Blosc2 compcode and shuffle filter codes). Returns bytes."""
    cdef Py_buffer src
    cdef int ndim = len(shape)
    cdef int64_t sh[16]
    cdef int32_t bs[16]
    cdef uint8_t *frame = NULL
    cdef int64_t frame_len = 0
    cdef int status
    cdef bytes dtype_b = dtype.encode("ascii")
    cdef const char *dtype_c = dtype_b
    if ndim < 1 or ndim > 16 or len(blockshape) != ndim:
        raise ValueError(f"shape and blockshape need 1 to 16 matching dimensions, got "
                         f"{shape} and {blockshape}")
    for d in range(ndim):
        sh[d] = shape[d]
        bs[d] = blockshape[d]
    PyObject_GetBuffer(data, &src, PyBUF_SIMPLE)
    try:
        with nogil:
            status = zl_b2nd_encode(src.buf, src.len, ndim, sh, bs, typesize, dtype_c, compcode,
                                    clevel, shuffle, nthreads, &frame, &frame_len)
    finally:
        PyBuffer_Release(&src)
    check(status, "b2nd encode")
    try:
        return (<char *>frame)[:frame_len]
    finally:
        zl_free(frame)


def b2nd_decode(cdata, dst, scratch=None):
    """Decode a whole b2nd frame into the writable buffer dst (exact size), C order;
    `scratch` (at least b2nd_sizes()[1] bytes) saves allocating one when blocks need it."""
    cdef Py_buffer src, out, sbuf
    cdef int status
    cdef bint has_scratch = scratch is not None
    PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &out, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            if has_scratch:
                PyObject_GetBuffer(scratch, &sbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
            try:
                with nogil:
                    status = zl_b2nd_decode(src.buf, src.len, out.buf, out.len,
                                            <char *>sbuf.buf if has_scratch else NULL,
                                            sbuf.len if has_scratch else 0)
            finally:
                if has_scratch:
                    PyBuffer_Release(&sbuf)
        finally:
            PyBuffer_Release(&out)
    finally:
        PyBuffer_Release(&src)
    check(status, "b2nd decode")


def blosc_block_kind(header):
    """How independently the blocks of a Blosc chunk decode, from its first 32 bytes (16
    for format versions 1-2): BLOCKS_RANGED, BLOCKS_MASKABLE or BLOCKS_WHOLE (see
    csrc/zl_blosc_decode.c); CodecError for a corrupt header."""
    cdef Py_buffer src
    cdef int kind
    PyObject_GetBuffer(header, &src, PyBUF_SIMPLE)
    try:
        kind = zl_blosc_block_kind(src.buf, src.len)
    finally:
        PyBuffer_Release(&src)
    check(kind if kind < 0 else 0, "blosc header")
    return kind


BLOCKS_RANGED, BLOCKS_MASKABLE, BLOCKS_WHOLE = 0, 1, 2


def b2nd_sizes(cdata):
    """(decoded bytes, scratch bytes for b2nd_decode_region) of a b2nd frame; CodecError if
    it is not one."""
    cdef Py_buffer src
    cdef int64_t decoded, padded
    PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
    try:
        with nogil:
            decoded = zl_b2nd_decoded_nbytes(src.buf, src.len)
            padded = zl_b2nd_scratch_nbytes(src.buf, src.len)
    finally:
        PyBuffer_Release(&src)
    check(<int>decoded if decoded < 0 else (<int>padded if padded < 0 else 0), "b2nd frame")
    return decoded, padded

def b2nd_decode_region(cdata, tuple region, dst, int64_t dst_offset, tuple dst_strides,
                       size_t itemsize, scratch, int nthreads=1):
    """Decode only the blocks of a b2nd frame that `region` ((start, step, count) per
    dimension of the stored array) touches, copying the region into dst at dst_offset with
    byte strides dst_strides. Returns the number of blocks decompressed."""
    cdef Py_buffer src, out, sbuf
    cdef int ndim = len(region)
    cdef int64_t st[16]
    cdef int64_t sp[16]
    cdef int64_t ct[16]
    cdef int64_t ds[32]
    cdef int64_t nblocks = 0
    cdef int status
    if ndim < 1 or ndim > 16:
        raise ValueError(f"b2nd regions have 1 to 16 dimensions, got {ndim}")
    fill_dims(dst_strides, ds, ndim, "dst_strides")
    for d in range(ndim):
        st[d], sp[d], ct[d] = region[d]
    PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &out, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            PyObject_GetBuffer(scratch, &sbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
            try:
                check_extent(out.len, dst_offset, ds, ct, ndim, itemsize, "destination")
                with nogil:
                    status = zl_b2nd_decode_region(src.buf, src.len, st, sp, ct, ndim,
                                                   <char *>out.buf + dst_offset, ds, itemsize,
                                                   <char *>sbuf.buf, sbuf.len, nthreads,
                                                   &nblocks)
            finally:
                PyBuffer_Release(&sbuf)
        finally:
            PyBuffer_Release(&out)
    finally:
        PyBuffer_Release(&src)
    check(status, "b2nd decode")
    return nblocks


def b2nd_read_region_file(bytes path, int64_t first_nbytes, int64_t max_nbytes,
                          tuple region, dst, int64_t dst_offset, tuple dst_strides,
                          size_t itemsize, frame, scratch, double max_fraction,
                          int nthreads=1):
    """Read `region` of the two-level chunk in file `path` into dst (as b2nd_decode_region),
    reading only the frame's header, block table and the touched blocks into `frame` (a
    buffer of the file's size); `scratch` takes the decoded blocks. Returns the blocks
    decoded; "missing" when there is no such file; ("frame", n) or ("scratch", n) when that
    buffer needs n bytes; None when the general byte-range reader should read it. Without
    the GIL."""
    cdef Py_buffer out, fbuf, sbuf
    cdef int ndim = len(region)
    cdef int64_t st[32]
    cdef int64_t sp[32]
    cdef int64_t ct[32]
    cdef int64_t ds[32]
    cdef int64_t need_f = 0, need_s = 0, nblocks = 0
    cdef const char *cpath = path
    cdef int status
    if ndim < 1 or ndim > 16:
        raise ValueError(f"b2nd regions have 1 to 16 dimensions, got {ndim}")
    fill_dims(dst_strides, ds, ndim, "dst_strides")
    for d in range(ndim):
        st[d], sp[d], ct[d] = region[d]
    PyObject_GetBuffer(dst, &out, PyBUF_SIMPLE | PyBUF_WRITABLE)
    try:
        PyObject_GetBuffer(frame, &fbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            PyObject_GetBuffer(scratch, &sbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
            try:
                check_extent(out.len, dst_offset, ds, ct, ndim, itemsize, "destination")
                with nogil:
                    status = zl_b2nd_read_region_file(
                        cpath, first_nbytes, max_nbytes, st, sp, ct, ndim,
                        <char *>out.buf + dst_offset, ds, itemsize, <char *>fbuf.buf,
                        fbuf.len, <char *>sbuf.buf, sbuf.len, max_fraction, nthreads,
                        &need_f, &need_s, &nblocks)
            finally:
                PyBuffer_Release(&sbuf)
        finally:
            PyBuffer_Release(&fbuf)
    finally:
        PyBuffer_Release(&out)
    return _file_read_result(status, need_f, need_s, nblocks, "b2nd decode")


def blosc_read_region_file(bytes path, int64_t first_nbytes, tuple region,
                           tuple chunk_strides, dst, int64_t dst_offset, tuple dst_strides,
                           size_t itemsize, frame, scratch, double max_fraction,
                           int nthreads=1):
    """Read `region` ((start, step, count) per dimension, C order of the chunk's bytes with
    byte strides chunk_strides) of the plain Blosc chunk in file `path` into dst at
    dst_offset, reading only its header, block table and the touched blocks into `frame`;
    `scratch` (the decoded chunk's size) takes the decoded blocks. Returns 0; "missing"
    when there is no such file; ("frame", n) when frame needs n bytes; None when the
    general byte-range reader should read it. Without the GIL."""
    cdef Py_buffer out, fbuf, sbuf
    cdef int ndim = len(region)
    cdef int64_t st[32]
    cdef int64_t sp[32]
    cdef int64_t ct[32]
    cdef int64_t cs[32]
    cdef int64_t ss[32]
    cdef int64_t ds[32]
    cdef int64_t need_f = 0, src_offset
    cdef const char *cpath = path
    cdef int status
    if ndim < 1 or ndim > ZL_MAX_DIM:
        raise ValueError(f"regions have 1 to {ZL_MAX_DIM} dimensions, got {ndim}")
    fill_dims(dst_strides, ds, ndim, "dst_strides")
    fill_dims(chunk_strides, cs, ndim, "chunk_strides")
    for d in range(ndim):
        st[d], sp[d], ct[d] = region[d]
    PyObject_GetBuffer(dst, &out, PyBUF_SIMPLE | PyBUF_WRITABLE)
    try:
        PyObject_GetBuffer(frame, &fbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            PyObject_GetBuffer(scratch, &sbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
            try:
                check_extent(out.len, dst_offset, ds, ct, ndim, itemsize, "destination")
                src_offset = 0
                for d in range(ndim):
                    ss[d] = sp[d] * cs[d]
                    src_offset += st[d] * cs[d]
                check_extent(sbuf.len, src_offset, ss, ct, ndim, itemsize, "chunk")
                with nogil:
                    status = zl_blosc_read_region_file(
                        cpath, first_nbytes, sbuf.len, st, sp, ct, cs, ndim,
                        <char *>out.buf + dst_offset, ds, itemsize, <char *>fbuf.buf,
                        fbuf.len, <char *>sbuf.buf, sbuf.len, max_fraction, nthreads,
                        &need_f)
            finally:
                PyBuffer_Release(&sbuf)
        finally:
            PyBuffer_Release(&fbuf)
    finally:
        PyBuffer_Release(&out)
    return _file_read_result(status, need_f, 0, 0, "blosc decode")


cdef object _file_read_result(int status, int64_t need_f, int64_t need_s, object done,
                              str what):
    """What the chunk file readers return: `done` on success, "missing" when there is no
    such file, None when the general reader should read it, ("frame" or "scratch", n)
    when that buffer needs n bytes; raises for other errors."""
    if status == ZL_FILE_MISSING:
        return "missing"
    if status == ZL_ERR_UNSUPPORTED:
        return None
    if status == ZL_ERR_BUFFER and need_f > 0:
        return ("frame", need_f)
    if status == ZL_ERR_BUFFER and need_s > 0:
        return ("scratch", need_s)
    check(status, what)
    return done


def b2nd_region_blocks(cdata, tuple region, size_t itemsize):
    """uint8 flags of the blocks of a b2nd frame that `region` touches. The frame needs
    only its header, block table and trailer; block data is not read."""
    import numpy as np
    cdef Py_buffer src
    cdef int ndim = len(region)
    cdef int64_t st[16]
    cdef int64_t sp[16]
    cdef int64_t ct[16]
    cdef int64_t nblocks = FEW_BLOCKS
    cdef int status = ZL_ERR_BUFFER
    cdef uint8_t[::1] flags
    if ndim < 1 or ndim > 16:
        raise ValueError(f"b2nd regions have 1 to 16 dimensions, got {ndim}")
    for d in range(ndim):
        st[d], sp[d], ct[d] = region[d]
    while status == ZL_ERR_BUFFER and 0 < nblocks <= MAX_BLOCKS:
        wanted = np.empty(nblocks, dtype=np.uint8)  # too few: the call says how many
        flags = wanted
        PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
        try:
            with nogil:
                status = zl_b2nd_region_blocks(src.buf, src.len, st, sp, ct, ndim, itemsize,
                                               &flags[0], flags.shape[0], &nblocks)
        finally:
            PyBuffer_Release(&src)
    check(status, "b2nd frame")
    return wanted[:nblocks]



def b2nd_item_blocks(cdata, const int64_t[::1] byte_offsets, size_t itemsize):
    """(uint8 flags of the blocks of a b2nd frame holding the items at these byte offsets
    of its decoded chunk, number of flagged blocks). Block data is not read."""
    import numpy as np
    cdef Py_buffer src
    cdef int64_t nblocks = FEW_BLOCKS, touched = 0
    cdef int status = ZL_ERR_BUFFER
    cdef uint8_t[::1] flags
    cdef const int64_t *offsets = &byte_offsets[0] if byte_offsets.shape[0] else NULL
    while status == ZL_ERR_BUFFER and 0 < nblocks <= MAX_BLOCKS:
        wanted = np.empty(nblocks, dtype=np.uint8)  # too few: the call says how many
        flags = wanted
        PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
        try:
            with nogil:
                status = zl_b2nd_item_blocks(src.buf, src.len, offsets, byte_offsets.shape[0],
                                             itemsize, &flags[0], flags.shape[0], &nblocks,
                                             &touched)
        finally:
            PyBuffer_Release(&src)
    check(status, "b2nd frame")
    return wanted[:nblocks], touched


def b2nd_decode_blocks(cdata, const uint8_t[::1] wanted, size_t itemsize, dst, scratch,
                       int nthreads=1):
    """Decode the flagged blocks of a b2nd frame into their places in dst (the whole decoded
    chunk, C order); other bytes of dst are left alone. Returns the blocks decompressed."""
    cdef Py_buffer src, out, sbuf
    cdef int64_t decoded = 0
    cdef int status
    if wanted.shape[0] == 0:
        raise ValueError("b2nd_decode_blocks needs one flag per block")
    PyObject_GetBuffer(cdata, &src, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &out, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            PyObject_GetBuffer(scratch, &sbuf, PyBUF_SIMPLE | PyBUF_WRITABLE)
            try:
                with nogil:
                    status = zl_b2nd_decode_blocks(src.buf, src.len, &wanted[0],
                                                   wanted.shape[0], itemsize,
                                                   <char *>out.buf, out.len, <char *>sbuf.buf,
                                                   sbuf.len, nthreads, &decoded)
            finally:
                PyBuffer_Release(&sbuf)
        finally:
            PyBuffer_Release(&out)
    finally:
        PyBuffer_Release(&src)
    check(status, "b2nd decode")
    return decoded
