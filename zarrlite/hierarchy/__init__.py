"""The hierarchy layer: the user-facing objects (`Array`, `Group`, attributes, info) and the
factories that make them. It never does byte arithmetic: reads and writes go to
:mod:`zarrlite.chunkio`, selections to :mod:`zarrlite.indexing`."""
