"""Text reports for ``Array.info`` and ``Group.info``, laid out as zarr-python 2 does."""

from __future__ import annotations

from typing import Any


def human_bytes(n: int) -> str:
    """Bytes as a short human-readable string: 1536 -> '1.5K'."""
    size = float(n)
    for unit in ("", "K", "M", "G", "T", "P"):
        if size < 1024 or unit == "P":
            return f"{int(size)}" if unit == "" else f"{size:.1f}{unit}"
        size /= 1024
    return str(n)  # pragma: no cover


class InfoReport:
    """A list of (label, value) rows that prints as an aligned table."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.rows = rows

    def __repr__(self) -> str:
        width = max(len(label) for label, _ in self.rows)
        return "\n".join(f"{label:<{width}} : {value}" for label, value in self.rows) + "\n"

    def _repr_html_(self) -> str:
        cells = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
                        for k, v in self.rows)
        return f"<table>{cells}</table>"

    def __getitem__(self, label: str) -> str:
        return dict(self.rows)[label]


def _type_name(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def array_info(array: Any) -> InfoReport:
    """The report shown by ``Array.info``."""
    rows = [("Name", array.name)] if array.name is not None else []  # none at the root
    rows += [
        ("Type", "zarrlite.Array"),
        ("Data type", str(array.dtype)),
        ("Shape", str(array.shape)),
        ("Chunk shape", str(array.chunks)),
        ("Order", array.order),
        ("Read-only", str(array.read_only)),
    ]
    if array.filters:
        rows += [(f"Filter [{i}]", repr(f)) for i, f in enumerate(array.filters)]
    rows += [
        ("Compressor", repr(array.compressor)),
        ("Store type", _type_name(array.store)),
        ("No. bytes", f"{array.nbytes} ({human_bytes(array.nbytes)})"),
    ]
    stored = array.nbytes_stored
    rows.append(("No. bytes stored", f"{stored} ({human_bytes(stored)})"))
    if stored > 0:
        rows.append(("Storage ratio", f"{array.nbytes / stored:.1f}"))
    rows.append(("Chunks initialized", f"{array.nchunks_initialized}/{array.nchunks}"))
    rows.append(("Partial decoding", partial_decoding(array)))
    return InfoReport(rows)


def partial_decoding(array: Any) -> str:
    """How much of a chunk a small selection decodes: N-d blocks (``zarrlite.b2nd``), Blosc
    blocks (plain ``blosc``), or whole chunks, and why."""
    from zarrlite import config

    compressor = array.compressor
    partial = getattr(compressor, "partial_decode", None)  # numcodecs' codecs: None
    if partial is None:
        return "no: whole chunks (the compressor has no independent blocks)"
    if array.dtype.hasobject:
        return "no: whole chunks (object items)"
    if array.filters:
        names = ", ".join(type(f).__name__ for f in array.filters)
        return (f"no: whole chunks (filters before {compressor.codec_id} change what its "
                f"blocks hold: {names})")
    kind = "N-d blocks and byte ranges" if partial == "regions" else "Blosc blocks"
    if not config.get("partial_decode"):
        return f"off (zarrlite.config partial_decode=False; the chunks allow {kind})"
    return f"yes: {kind}"


def group_info(group: Any) -> InfoReport:
    """The report shown by ``Group.info``."""
    arrays = list(group.array_keys())
    groups = list(group.group_keys())
    rows = [
        ("Name", group.name),
        ("Type", "zarrlite.Group"),
        ("Read-only", str(group.read_only)),
        ("Store type", _type_name(group.store)),
        ("No. members", str(len(arrays) + len(groups))),
        ("No. arrays", str(len(arrays))),
        ("No. groups", str(len(groups))),
    ]
    if arrays:
        rows.append(("Arrays", ", ".join(arrays)))
    if groups:
        rows.append(("Groups", ", ".join(groups)))
    return InfoReport(rows)
