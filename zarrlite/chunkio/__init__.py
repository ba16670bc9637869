"""The chunk I/O layer: batched, threaded reads and writes of chunk projections.

``engine`` (batches over the worker threads; one array's chunks), ``basic`` and ``fancy``
(the read and write paths by selection kind), ``ranged`` and ``byteranges`` (reading only
some blocks' bytes), ``plan`` (which blocks a selection needs), ``pipeline`` (filters and
compressor), ``buffers`` (per-thread scratch)."""
