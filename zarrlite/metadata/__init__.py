"""The metadata layer: ``.zarray`` (``array_meta``), ``.zgroup`` (``group_meta``), their
JSON (``documents``), dtypes and fill values (``dtypes``), paths and chunk keys (``keys``)."""
