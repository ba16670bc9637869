"""The indexing layer: a selection becomes one chunk projection per touched chunk
(``projection``); ``basic``, ``orthogonal``, ``points`` and ``blocks`` for each selection
kind, ``route`` for which kind a numpy-style ``z[selection]`` is."""
