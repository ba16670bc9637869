"""One h5py-style program, run against real h5py (an .h5 file) and against zarrlite (a
directory store), with every value, dtype, shape, name, attribute and exception compared.

Each step of `program` is recorded by ``step(label, fn)`` as what ``fn()`` gave (described
by `describe`) or the exception it raised. Two runs agree when each step gave equal
descriptions, or both raised and zarrlite's exception is an instance of every builtin
class h5py's is (so an ``except`` clause written for h5py catches it).
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import h5py
import numpy as np
import pytest

import zarrlite as zl

BUILTIN_EXCEPTIONS = tuple(
    c for c in vars(builtins).values() if isinstance(c, type) and issubclass(c, BaseException))


def describe(value: Any) -> Any:
    """A comparable summary: numpy values keep type, dtype and shape; nodes their kind and
    name; NaN compares equal to NaN."""
    if isinstance(value, (zl.Dataset, h5py.Dataset)):
        return ("dataset", value.name, value.shape, describe_dtype(value.dtype))
    if isinstance(value, (zl.File, h5py.File)):
        return ("file", value.name, value.mode)
    if isinstance(value, (zl.Group, h5py.Group)):
        return ("group", value.name, sorted(value))
    if isinstance(value, type):
        return ("class", value.__name__)
    if isinstance(value, np.dtype):
        return ("dtype", describe_dtype(value))
    if isinstance(value, np.ndarray):
        return ("ndarray", describe_dtype(value.dtype), value.shape, _items(value))
    if isinstance(value, np.generic):
        return ("scalar", type(value).__name__, describe_dtype(value.dtype), _items(value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [describe(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


def describe_dtype(dtype: np.dtype) -> Any:
    string = h5py.check_string_dtype(dtype)
    if string is not None:
        return ("string", string.encoding, string.length)
    vlen = h5py.check_vlen_dtype(dtype)
    if vlen is not None and vlen not in (str, bytes):
        return ("vlen", np.dtype(vlen).str)
    return dtype.descr if dtype.names else dtype.str


def _items(value: Any) -> Any:
    arr = np.asarray(value)
    flat = (arr.ravel().tolist() if arr.dtype != object
            else np.asarray(value, dtype=object).ravel().tolist())
    return [("nan",) if isinstance(v, float) and v != v else
            describe(v) if isinstance(v, np.ndarray) else v for v in flat]


def run(h5: Any, path: str) -> list[tuple[str, Any]]:
    log: list[tuple[str, Any]] = []

    def step(label: str, fn: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = fn()
        except Exception as exc:  # noqa: BLE001 - every exception is an outcome
            log.append((label, ("raised", exc)))
            return None
        log.append((label, ("value", describe(result))))
        return result

    program(h5, path, step)
    return log


def program(h5: Any, path: str, step: Any) -> None:
    missing = path + "-missing"
    for mode in ("r", "r+", "bad"):
        step(f"open missing {mode}", lambda mode=mode: h5.File(missing, mode))

    for number, mode in enumerate(("w", "w-", "x", "a")):  # each creates a missing file
        made = step(f"create missing {mode}",
                    lambda number=number, mode=mode: h5.File(f"{missing}{number}", mode))
        step(f"created by {mode}", lambda made=made: (made.mode, list(made), made.close()))
        step(f"reopened after {mode}", lambda number=number: h5.File(f"{missing}{number}", "r"))

    f = step("create", lambda: h5.File(path, "w"))
    step("w- on existing", lambda: h5.File(path, "w-"))
    step("x on existing", lambda: h5.File(path, "x"))
    step("file props", lambda: (f.name, f.mode, f.parent.name, f.file.name, bool(f)))

    # ------------------------------------------------------------ groups
    g = step("create nested group", lambda: f.create_group("exp/trial1"))
    step("group names", lambda: (g.name, g.parent.name, g.parent.parent.name))
    step("create existing group", lambda: f.create_group("exp"))
    step("require existing group", lambda: f.require_group("exp"))
    step("require new group", lambda: f.require_group("other"))
    step("contains paths", lambda: ("exp/trial1" in f, "/exp" in g, "nope" in f, "exp/no" in f))
    step("getitem path", lambda: f["exp/trial1"])
    step("getitem missing", lambda: f["nope"])
    step("get missing", lambda: f.get("nope"))
    step("get default", lambda: f.get("nope", 5))
    step("get getclass", lambda: (f.get("exp", getclass=True).__name__,))

    # ------------------------------------------------------------ datasets
    d = step("create with h5py keywords", lambda: g.create_dataset(
        "temp", shape=(0, 64), maxshape=(None, 64), chunks=(256, 64), dtype="f4",
        compression="gzip", compression_opts=4, shuffle=True, fletcher32=True,
        fillvalue=np.nan))
    step("dataset props", lambda: (d.shape, d.maxshape, d.chunks, d.compression,
                                   d.compression_opts, d.shuffle, d.fletcher32, d.fillvalue,
                                   d.dtype, d.ndim, d.size, d.name, d.parent.name))
    step("resize axis", lambda: d.resize(1000, axis=0))
    rows = np.arange(1000 * 64, dtype="f4").reshape(1000, 64) / 7
    step("write all", lambda: d.__setitem__(slice(None), rows))
    step("after resize", lambda: (d.shape, d.len(), len(d), d.nbytes))
    step("read slice", lambda: d[10:12, 3:6])
    step("read item", lambda: d[999, 63])
    step("read int row", lambda: d[5])
    step("read sorted list", lambda: d[[1, 5, 9], 0])
    step("read bool mask", lambda: d[0, np.arange(64) % 5 == 0])
    step("read ellipsis", lambda: d[..., 0][:4])
    step("read out of range", lambda: d[1000])
    step("resize beyond maxshape", lambda: d.resize((1000, 65)))
    step("resize bad axis", lambda: d.resize(5, axis=2))
    step("shrink", lambda: d.resize(900, axis=0))
    step("after shrink", lambda: (d.shape, d[899, :3]))
    step("grow back reads fill", lambda: (d.resize(1000, axis=0), d[950, :2])[1])

    # h5py's indexing rules, for what h5py accepts (zarrlite accepts more: docs/h5py.md)
    sel = step("index dataset", lambda: f.create_dataset(
        "sel", data=np.arange(60, dtype="i2").reshape(3, 4, 5), chunks=(2, 2, 2)))
    selections = {
        "int": (1,), "negative int": (-1, 2), "slices": (slice(0, 2), slice(1, 3)),
        "steps": (slice(None, None, 2), slice(1, None, 3)), "ellipsis middle": (0, ..., 1),
        "ellipsis end": (..., 4), "list": ([0, 2],), "list middle": (1, [1, 3], 0),
        "empty list": ([],), "array index": (np.array([0, 1]),),
        "bool axis": (np.array([True, False, True]),),
        "full mask": (np.arange(60).reshape(3, 4, 5) % 7 == 0,), "empty slice": (slice(5, 9),),
        "slice past end": (slice(2, 100),), "all": (Ellipsis,), "empty tuple": (),
        "int out of range": (3,), "negative out of range": (-4,), "float": (1.5,),
        "too many": (0, 0, 0, 0), "string on plain": ("x",),
    }
    for label, index in selections.items():
        step(f"select {label}", lambda index=index: sel[index])
    scalar = step("scalar dset", lambda: f.create_dataset("scalar0", data=np.float32(2.5)))
    step("scalar ()", lambda: scalar[()])
    step("scalar ...", lambda: scalar[...])
    step("scalar int", lambda: scalar[0])
    step("scalar len", lambda: len(scalar))
    step("scalar shape size", lambda: (scalar.shape, scalar.size, scalar.ndim, scalar.chunks))
    step("iterate", lambda: [row for row in sel][1][0])
    step("array", lambda: np.asarray(sel)[2, 3])

    fixed = step("fixed dataset",
                 lambda: f.create_dataset("fixed", data=np.arange(12).reshape(3, 4)))
    step("fixed props", lambda: (fixed.maxshape, fixed.dtype, fixed.fillvalue, fixed.compression,
                                 fixed.shuffle, fixed.fletcher32))
    step("contiguous resize", lambda: fixed.resize((4, 4)))
    step("empty tuple read", lambda: fixed[()])
    step("scalar dataset", lambda: f.create_dataset("scalar", data=3.5)[()])
    step("shape from data reshaped", lambda: f.create_dataset("reshaped", shape=(2, 6),
                                                             data=np.arange(12))[:])
    step("shape incompatible with data", lambda: f.create_dataset("bad", shape=(5,),
                                                                 data=np.arange(12)))
    step("create existing dataset", lambda: f.create_dataset("fixed", shape=(2,), dtype="i4"))
    step("default dtype", lambda: f.create_dataset("dflt", shape=(3,)).dtype)
    step("chunks true", lambda: f.create_dataset("auto", shape=(1000, 1000), dtype="f8",
                                                 chunks=True).chunks)
    step("contiguous", lambda: f.create_dataset("contig", shape=(10, 10), dtype="i2").chunks)
    step("contiguous iter_chunks", lambda: list(f["contig"].iter_chunks()))
    step("gzip level 9", lambda: f.create_dataset("g9", data=np.zeros(100), compression="gzip",
                                                  compression_opts=9).compression_opts)
    step("gzip default level", lambda: f.create_dataset("g4", data=np.zeros(100),
                                                        compression="gzip").compression_opts)
    step("gzip as int", lambda: f.create_dataset("g1", data=np.zeros(100),
                                                 compression=3).compression)

    # ------------------------------------------------------------ require_dataset
    step("require same", lambda: f.require_dataset("fixed", shape=(3, 4), dtype="i8"))
    step("require castable", lambda: f.require_dataset("fixed", shape=(3, 4), dtype="i4"))
    step("require other shape", lambda: f.require_dataset("fixed", shape=(4, 4), dtype="i8"))
    step("require uncastable", lambda: f.require_dataset("fixed", shape=(3, 4), dtype="f8"))
    step("require inexact", lambda: f.require_dataset("fixed", shape=(3, 4), dtype="i4",
                                                      exact=True))
    step("require on group", lambda: f.require_dataset("exp", shape=(3,), dtype="i4"))
    step("require group on dataset", lambda: f.require_group("fixed"))
    step("require new dataset", lambda: f.require_dataset("new", shape=(5,), dtype="u2"))

    # ------------------------------------------------------------ chunks, direct I/O
    step("iter_chunks all", lambda: list(d.iter_chunks())[:3])
    step("iter_chunks sel", lambda: list(d.iter_chunks(np.s_[250:600, 10:20])))
    dest = np.zeros((5, 64), dtype="f4")
    step("read_direct", lambda: (d.read_direct(dest, np.s_[100:105], None), dest)[1])
    dest2 = np.zeros((10, 64), dtype="f4")
    step("read_direct dest_sel", lambda: (d.read_direct(dest2, np.s_[0:2], np.s_[4:6]),
                                          dest2[3:7, :3])[1])
    step("read_direct not contiguous", lambda: d.read_direct(np.zeros((64, 5), "f4").T,
                                                             np.s_[0:5]))
    src = np.full((2, 64), 7, dtype="f4")
    step("write_direct", lambda: (d.write_direct(src, None, np.s_[10:12]), d[9:13, 0])[1])
    step("astype", lambda: d.astype("f8")[0:2, 0])
    step("len astype", lambda: len(d.astype("i2")))

    # ------------------------------------------------------------ strings
    labels = step("vlen strings", lambda: f.create_dataset(
        "labels", data=np.array(["a", "bé", ""], dtype=h5.string_dtype())))
    step("vlen read bytes", lambda: (labels[0], labels[:], labels.dtype))
    step("asstr", lambda: (labels.asstr()[1], labels.asstr()[:]))
    step("string info", lambda: tuple(h5.check_string_dtype(labels.dtype)))
    step("assign strings", lambda: f.__setitem__("names", np.array(["x", "yy"], dtype=object)))
    step("fixed bytes", lambda: f.create_dataset("fixedbytes", data=np.array([b"ab", b"c"]))[:])
    step("asstr on numbers", lambda: d.asstr())

    # ------------------------------------------------------------ compound
    rec = np.array([(1, 2.5), (3, 4.5)], dtype=[("x", "i4"), ("y", "f8")])
    c = step("compound", lambda: f.create_dataset("rec", data=rec))
    step("compound read", lambda: c[:])
    step("compound field", lambda: c["y"])
    step("fields wrapper", lambda: c.fields(["x"])[:])
    step("fields one", lambda: c.fields("y")[1])

    # ------------------------------------------------------------ attributes
    attrs = f.attrs
    values = {
        "int": 3, "float": 1.5, "str": "hé", "bool": True, "list": [1, 2, 3],
        "f32": np.float32(2.5), "i16": np.int16(-3), "u8": np.uint8(200),
        "c128": np.complex128(1 + 2j), "arr": np.arange(6, dtype="i2").reshape(2, 3),
        "farr": np.linspace(0, 1, 3), "nan": np.nan, "bytes": b"raw",
        "bools": np.array([True, False]),
    }
    for key, value in values.items():
        step(f"attr set {key}", lambda key=key, value=value: attrs.__setitem__(key, value))
        step(f"attr get {key}", lambda key=key: attrs[key])
    step("attr keys", lambda: list(attrs))
    step("attr create", lambda: (attrs.create("made", np.arange(4), shape=(2, 2), dtype="f4"),
                                 attrs["made"])[1])
    step("attr modify", lambda: (attrs.modify("i16", 7), attrs["i16"])[1])
    step("attr missing", lambda: attrs["nope"])
    step("attr get default", lambda: attrs.get("nope", 9))
    step("attr del", lambda: (attrs.__delitem__("int"), "int" in attrs)[1])
    step("dataset attrs", lambda: (d.attrs.__setitem__("units", "K"), dict(d.attrs))[1])

    # ------------------------------------------------------------ traversal, moves, copies
    names: list[str] = []
    step("visit", lambda: (f.visit(names.append), names)[1])
    step("visit stops", lambda: f.visit(lambda n: n if n.startswith("exp/") else None))
    items: list[Any] = []
    step("visititems", lambda: (g.visititems(lambda n, o: items.append((n, o))), items)[1])
    step("keys values items", lambda: (list(f.keys()), [v.name for v in f.values()][:3],
                                       [k for k, _ in f.items()][-2:]))
    step("move", lambda: (f.move("new", "exp/moved"), "exp/moved" in f, "new" in f)[1:])
    step("move onto existing", lambda: f.move("fixed", "exp"))
    step("move missing", lambda: f.move("nope", "q"))
    step("copy by name", lambda: (f.copy("fixed", "fixed2"), f["fixed2"][:])[1])
    step("copy into group", lambda: (f.copy(f["fixed"], g), g["fixed"][:])[1])
    step("copy with name", lambda: (f.copy("exp/trial1", f, name="trial_copy"),
                                    sorted(f["trial_copy"]))[1])
    step("copy shallow", lambda: (f.copy("exp", f, name="shallow", shallow=True),
                                  sorted(f["shallow"]))[1])
    step("copy onto existing", lambda: f.copy("fixed", "fixed2"))
    step("like", lambda: f.create_dataset_like("like", d))
    step("like props", lambda: (f["like"].shape, f["like"].maxshape, f["like"].chunks,
                                f["like"].compression, f["like"].dtype))
    step("delete", lambda: (f.__delitem__("fixed2"), "fixed2" in f)[1])
    step("delete missing", lambda: f.__delitem__("fixed2"))
    step("assign existing", lambda: f.__setitem__("fixed", np.arange(3)))
    step("dims label", lambda: (d.dims.__getitem__(0).__setattr__("label", "time"),
                                d.dims[0].label, d.dims[1].label, len(d.dims))[1:])

    # ------------------------------------------------------------ close and reopen
    step("close", lambda: f.close())
    step("closed bool", lambda: (bool(f), bool(d), bool(g)))
    step("closed getitem", lambda: f["fixed"])
    step("closed read", lambda: d[0])
    step("closed shape", lambda: d.shape)
    step("closed keys", lambda: list(f.keys()))
    step("closed len", lambda: len(f))
    step("closed contains", lambda: "fixed" in f)
    step("closed create", lambda: f.create_group("z"))
    step("closed names", lambda: (f.name, d.name))
    step("closed mode", lambda: f.mode)
    step("close twice", lambda: f.close())

    r = step("reopen r", lambda: h5.File(path, "r"))
    step("reopened attrs", lambda: {k: describe(v) for k, v in r.attrs.items()})
    step("reopened data", lambda: (r["exp/trial1/temp"][10:12, 0], r["rec"][:], r["labels"][:]))
    step("ro write", lambda: r["fixed"].__setitem__(0, 1))
    step("ro attr", lambda: r.attrs.__setitem__("k", 1))
    step("ro create group", lambda: r.create_group("q"))
    step("ro delete", lambda: r.__delitem__("fixed"))
    step("ro mode", lambda: r.mode)
    r.close()
    a = step("append mode", lambda: h5.File(path, "a"))
    step("append sees data", lambda: (a.mode, a["fixed"][1]))
    a.close()
    w = step("truncate", lambda: h5.File(path, "w"))
    step("truncated", lambda: list(w))
    w.close()
    with h5.File(path, "r+") as ctx:
        step("context manager", lambda: (bool(ctx), ctx.mode))
    step("after with", lambda: bool(ctx))


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    base = tmp_path_factory.mktemp("program")
    return run(h5py, str(base / "data.h5")), run(zl, str(base / "data.zarr"))


def test_both_runs_take_the_same_steps(logs):
    ours, theirs = [label for label, _ in logs[1]], [label for label, _ in logs[0]]
    assert ours == theirs


def _mismatch(label: str, theirs: Any, ours: Any) -> str | None:
    if theirs[0] == "value":
        if ours != theirs:
            return f"{label}: h5py {theirs[1]!r}, zarrlite {ours[1]!r}"
        return None
    if ours[0] != "raised":
        return f"{label}: h5py raised {theirs[1]!r}, zarrlite gave {ours[1]!r}"
    expected = [c for c in type(theirs[1]).__mro__ if c in BUILTIN_EXCEPTIONS
                and c not in (Exception, BaseException)]
    missing = [c.__name__ for c in expected if not isinstance(ours[1], c)]
    if missing:
        return (f"{label}: h5py raised {type(theirs[1]).__name__}({theirs[1]}), zarrlite "
                f"{type(ours[1]).__name__}({ours[1]}), not a {missing}")
    return None


def test_every_step_matches_h5py(logs):
    problems = [p for (label, theirs), (_, ours) in zip(*logs)
                if (p := _mismatch(label, theirs, ours)) is not None]
    assert not problems, "\n".join(problems)


#: What zarrlite's message says for each step that raises (h5py's words differ: they come
#: from HDF5's error stack).
MESSAGES = {
    "open missing r": "no such directory",
    "open missing r+": "no such directory",
    "open missing bad": "Invalid mode",
    "w- on existing": "a Zarr hierarchy is there",
    "x on existing": "a Zarr hierarchy is there",
    "create existing group": "already exists",
    "getitem missing": "doesn't exist",
    "read out of range": "out of bounds",
    "resize beyond maxshape": "cannot exceed the maximal size",
    "resize bad axis": "Invalid axis",
    "contiguous resize": "Only chunked datasets can be resized",
    "shape incompatible with data": "Shape tuple is incompatible with data",
    "create existing dataset": "already exists",
    "contiguous iter_chunks": "Chunked dataset required",
    "require other shape": "Shapes do not match",
    "require uncastable": "cannot be safely cast",
    "require inexact": "do not exactly match",
    "require on group": "Incompatible object (Group)",
    "require group on dataset": "Incompatible object (Dataset)",
    "read_direct not contiguous": "C-contiguous",
    "asstr on numbers": "string datatype",
    "attr missing": "nope",
    "move onto existing": "already exists",
    "move missing": "doesn't exist",
    "copy onto existing": "already exists",
    "delete missing": "no such member",
    "assign existing": "already exists",
    "select int out of range": "out of bounds",
    "select negative out of range": "out of bounds",
    "select float": "valid indices",
    "select too many": "too many indices",
    "select string on plain": "has no fields",
    "scalar int": "too many indices",
    "scalar len": "unsized",
    "closed getitem": "closed",
    "closed read": "closed",
    "closed shape": "closed",
    "closed keys": "closed",
    "closed len": "closed",
    "closed create": "closed",
    "closed mode": "closed",
    "ro write": "read-only",
    "ro attr": "read-only",
    "ro create group": "read-only",
    "ro delete": "read-only",
}


def test_error_messages_say_what_was_wrong(logs):
    raised = {label: outcome[1] for label, outcome in logs[1] if outcome[0] == "raised"}
    assert sorted(raised) == sorted(MESSAGES)
    wrong = {label: str(exc) for label, exc in raised.items() if MESSAGES[label] not in str(exc)}
    assert not wrong
