"""The fuzz targets, by name. Each is a pure check function plus its seed generator; this
package does not import atheris, so the test suite replays the regression corpus
(``tests/fuzz_corpus/<target>/``) through the same checks."""

from __future__ import annotations

from fuzz.contract import Target
from fuzz.targets import b2nd, blosc, compression, metadata, objects, ranged

TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("blosc1", blosc.check_chunk, blosc.blosc1_seeds, 16384,
               "Blosc1-format chunks: codec decode, into out, blosc_decode_blocks"),
        Target("blosc2_chunk", blosc.check_chunk, blosc.blosc2_seeds, 16384,
               "C-Blosc2-format chunks (filters, dictionaries) through the same paths"),
        Target("b2nd_frame", b2nd.check_frame, b2nd.frame_seeds, 16384,
               "C-Blosc2 frames through the zarrlite.b2nd codec: b2nd_sizes, b2nd_decode"),
        Target("b2nd_partial", b2nd.check_partial, b2nd.partial_seeds, 16384,
               "b2nd_decode_region, b2nd_region_blocks, b2nd_item_blocks, b2nd_decode_blocks"),
        Target("ranged", ranged.check_reads, ranged.seeds, 16384,
               "array reads (byte ranges, partial, whole) of a fuzzed chunk in a store"),
        Target("compression", compression.check_stream, compression.seeds, 8192,
               "zstd, lz4, zlib, gzip, bz2, lzma decode, into new buffers and into out"),
        Target("objects", objects.check_objects, objects.seeds, 4096,
               "vlen-utf8, vlen-bytes, json2 decode; pickle decode refused"),
        Target("metadata", metadata.check_document, metadata.seeds, 4096,
               ".zarray, .zgroup, .zattrs parsing, and opening/reading through the API"),
    )
}
