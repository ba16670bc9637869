"""Root conftest of a zarr2_suite run: put zarrlite behind zarr 2's user-facing names.

Copied by run.py as ``conftest.py`` into the temporary folder that holds the copied zarr
2.18.7 test modules; pytest imports it before it collects them, so the test modules'
``from zarr.core import Array`` and ``zarr.zeros(...)`` find zarrlite's objects.

What is replaced and what is kept:

- replaced, where zarrlite has an equivalent: ``Array``, ``Group``, the creation functions,
  ``open*``/``group``, ``Attributes`` and the exception classes, in every zarr 2 module a
  test can import them from (``zarr``, ``zarr.core``, ``zarr.creation``, ``zarr.hierarchy``,
  ``zarr.convenience``, ``zarr.errors``, ``zarr.attrs``);
- kept: zarr 2's storage classes and ``zarr.storage`` functions (``init_array``,
  ``init_group``: they only write metadata), codecs, ``zarr.util``, ``zarr.tests.util``;
- kept and counted ("fallback"): user-facing zarr 2 names zarrlite lacks (``copy``,
  ``save``, ``open_like``, ...). A call to one of them is recorded for the test, as is every
  zarr 2 ``Array``/``Group`` object made, so a test that passes on zarr 2's own code is not
  counted as a zarrlite pass.

Per test, the outcome, the exception (type, message, innermost zarrlite / zarr 2 / test
frame) and the counters go as one JSON line to ``$ZL2_SUITE_RESULTS`` (written by the
controlling process only, so it also sees tests whose xdist worker crashed).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback

import pytest
import zarr
import zarr.attrs
import zarr.convenience
import zarr.core
import zarr.creation
import zarr.errors
import zarr.hierarchy
from zarr.tests.conftest import path_type  # noqa: F401  (zarr 2's own fixture)

import zarrlite
import zarrlite.errors
from zarrlite.hierarchy.attrs import Attributes as _ZlAttributes

ZARR2_ARRAY = zarr.core.Array
ZARR2_GROUP = zarr.hierarchy.Group
ZARRLITE_DIR = os.path.dirname(os.path.realpath(zarrlite.__file__))
ZARR2_DIR = os.path.dirname(os.path.realpath(zarr.__file__))

#: zarr 2 modules whose namespaces the tests import user-facing names from.
MODULES = (
    zarr,
    zarr.core,
    zarr.creation,
    zarr.hierarchy,
    zarr.convenience,
    zarr.errors,
    zarr.attrs,
)
#: zarr 2 name -> zarrlite object (None: zarrlite lacks it; zarr 2's is kept and counted).
FUNCTIONS = (
    "array",
    "create",
    "empty",
    "zeros",
    "ones",
    "full",
    "empty_like",
    "zeros_like",
    "ones_like",
    "full_like",
    "open_like",
    "open_array",
    "open_group",
    "group",
    "open",
    "consolidate_metadata",
    "open_consolidated",
    "copy",
    "copy_all",
    "copy_store",
    "save",
    "save_array",
    "save_group",
    "load",
    "tree",
)
ERRORS = (
    "MetadataError",
    "CopyError",
    "ArrayIndexError",
    "ContainsGroupError",
    "ContainsArrayError",
    "ArrayNotFoundError",
    "GroupNotFoundError",
    "PathNotFoundError",
    "BadCompressorError",
    "FSPathExistNotDir",
    "ReadOnlyError",
    "BoundsCheckError",
    "NegativeStepError",
    "VindexInvalidSelectionError",
)


def _zarrlite_equivalent(name: str):
    if name == "Attributes":
        return getattr(zarrlite, "Attributes", _ZlAttributes)
    if name in ERRORS:
        return getattr(zarrlite, name, getattr(zarrlite.errors, name, None))
    return getattr(zarrlite, name, None)


# -- per-test counters -----------------------------------------------------------------------

COUNTS: dict[str, int] = {}
FALLBACK_CALLS: dict[str, int] = {}


def _count(key: str) -> None:
    COUNTS[key] = COUNTS.get(key, 0) + 1


def _counting_init(cls, key: str) -> None:
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        _count(key)
        return original(self, *args, **kwargs)

    cls.__init__ = __init__


def _counting_fallback(name: str, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        FALLBACK_CALLS[name] = FALLBACK_CALLS.get(name, 0) + 1
        return func(*args, **kwargs)

    wrapper.__zl2_fallback__ = True
    return wrapper


# -- the shim ---------------------------------------------------------------------------------

MANIFEST: dict[str, dict[str, str]] = {"replaced": {}, "fallback": {}, "lenient": {}}

#: --lenient (ZL2_SUITE_LENIENT=1): zarr 2 keywords dropped before they reach zarrlite, when
#: their value asks for nothing zarrlite does not do anyway (the value test). Off by default:
#: the strict run is the measurement; the lenient one shows the failures behind these.
LENIENT = os.environ.get("ZL2_SUITE_LENIENT") == "1"
DROPPABLE = {
    "zarr_version": lambda v: v in (None, 2),
    "chunk_store": lambda v: v is None,
    "synchronizer": lambda v: True,
    "cache_metadata": lambda v: True,
    "cache_attrs": lambda v: True,
    "cache": lambda v: True,
    "partial_decompress": lambda v: True,
    "meta_array": lambda v: v is None,
    "storage_transformers": lambda v: not v,
}
DROPPED: dict[str, int] = {}


def _lenient(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        for key in [k for k in kwargs if k in DROPPABLE and DROPPABLE[k](kwargs[k])]:
            del kwargs[key]
            DROPPED[key] = DROPPED.get(key, 0) + 1
        return func(*args, **kwargs)

    return wrapper


def _patch(name: str, new) -> None:
    for module in MODULES:
        if hasattr(module, name):
            setattr(module, name, new)


def install_shim() -> None:
    if LENIENT:
        for cls in (zarrlite.Array, zarrlite.Group, _ZlAttributes):
            cls.__init__ = _lenient(cls.__init__)
        MANIFEST["lenient"] = {
            k: "dropped when "
            + (
                "None"
                if k in ("chunk_store", "meta_array")
                else "None or 2"
                if k == "zarr_version"
                else "empty"
                if k == "storage_transformers"
                else "any value"
            )
            for k in DROPPABLE
        }
    _counting_init(zarrlite.Array, "zarrlite.Array")
    _counting_init(zarrlite.Group, "zarrlite.Group")
    _counting_init(_ZlAttributes, "zarrlite.Attributes")
    _counting_init(ZARR2_ARRAY, "zarr2.Array")
    _counting_init(ZARR2_GROUP, "zarr2.Group")
    for name in ("Array", "Group", "Attributes", *FUNCTIONS, *ERRORS):
        new = _zarrlite_equivalent(name)
        if new is not None:
            _patch(name, _lenient(new) if LENIENT and name in FUNCTIONS else new)
            MANIFEST["replaced"][name] = f"{new.__module__}.{new.__qualname__}"
            continue
        owner = next((m for m in MODULES[1:] if hasattr(m, name)), zarr)
        old = getattr(owner, name)
        MANIFEST["fallback"][name] = f"{old.__module__}.{old.__qualname__}"
        if callable(old) and not isinstance(old, type):
            _patch(name, _counting_fallback(name, old))


install_shim()


# -- recording --------------------------------------------------------------------------------


def _frame(tb, where: str):
    """Innermost traceback entry in `where` ('zarrlite', 'zarr2' or 'test')."""
    found = None
    for entry in tb:
        path = os.path.realpath(str(entry.path))
        if where == "zarrlite":
            ok = path.startswith(ZARRLITE_DIR + os.sep)
        elif where == "zarr2":
            ok = path.startswith(ZARR2_DIR + os.sep) and os.sep + "tests" + os.sep not in path
        else:
            ok = os.path.basename(path).startswith("test_") and not path.startswith(ZARR2_DIR)
        if ok:
            rel = (
                path[len(ZARRLITE_DIR) - len("zarrlite") :]
                if where == "zarrlite"
                else (
                    os.path.relpath(path, os.path.dirname(ZARR2_DIR))
                    if where == "zarr2"
                    else os.path.basename(path)
                )
            )
            try:
                source = str(entry.statement).strip().splitlines()[0]
            except Exception:  # noqa: BLE001
                source = ""
            found = {
                "file": rel,
                "line": entry.lineno + 1,
                "func": entry.name,
                "source": source[:160],
            }
    return found


def _exception_info(excinfo) -> dict:
    exc = excinfo.value
    etype = type(exc)
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001
        message = "<str() failed>"
    return {
        "type": f"{etype.__module__}.{etype.__qualname__}".replace("builtins.", ""),
        "message": message.strip().splitlines()[0][:300] if message.strip() else "",
        "zarrlite_frame": _frame(excinfo.traceback, "zarrlite"),
        "zarr2_frame": _frame(excinfo.traceback, "zarr2"),
        "test_frame": _frame(excinfo.traceback, "test"),
    }


@pytest.fixture(autouse=True)
def _zl2_reset_counters():
    COUNTS.clear()
    FALLBACK_CALLS.clear()
    DROPPED.clear()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when == "call" or (report.failed and call.when != "call"):
        report.user_properties.append(("zl2_counts", json.dumps(COUNTS)))
        report.user_properties.append(("zl2_fallbacks", json.dumps(FALLBACK_CALLS)))
        report.user_properties.append(("zl2_dropped", json.dumps(DROPPED)))
    if report.failed and call.excinfo is not None:
        try:
            info = _exception_info(call.excinfo)
        except Exception:  # noqa: BLE001
            info = {"type": "?", "message": traceback.format_exc().splitlines()[-1]}
        report.user_properties.append(("zl2_exc", json.dumps(info)))


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def _write(record: dict) -> None:
    path = os.environ.get("ZL2_SUITE_RESULTS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")


def pytest_configure(config):
    _CONFIG.append(config)
    if not _is_worker(config):
        path = os.environ.get("ZL2_SUITE_MANIFEST")
        if path:
            with open(path, "w") as f:
                json.dump(MANIFEST, f, indent=1)


def pytest_runtest_logreport(report):
    config = _CONFIG[0] if _CONFIG else None
    if config is not None and _is_worker(config):
        return
    props = dict(report.user_properties)
    if report.when == "call" or report.failed or (report.when == "setup" and report.skipped):
        record = {
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "duration": round(report.duration, 3),
            "counts": json.loads(props.get("zl2_counts", "{}")),
            "fallbacks": json.loads(props.get("zl2_fallbacks", "{}")),
            "dropped": json.loads(props.get("zl2_dropped", "{}")),
        }
        if "zl2_exc" in props:
            record["exc"] = json.loads(props["zl2_exc"])
        elif report.failed:  # e.g. an xdist worker crash: only the text is known
            text = str(report.longrepr) if report.longrepr is not None else ""
            record["exc"] = {
                "type": "crash/unknown",
                "message": text.strip().splitlines()[0] if text.strip() else "",
            }
        if report.skipped and isinstance(report.longrepr, tuple):
            record["skip_reason"] = str(report.longrepr[2])[:200]
        if hasattr(report, "wasxfail"):
            record["xfail"] = True
        _write(record)


def pytest_collectreport(report):
    if report.failed:
        config = _CONFIG[0] if _CONFIG else None
        if config is not None and _is_worker(config):
            return
        text = str(report.longrepr)
        last = [line for line in text.splitlines() if line.startswith("E ")]
        _write(
            {
                "nodeid": report.nodeid,
                "when": "collect",
                "outcome": "error",
                "exc": {
                    "type": "collection error",
                    "message": (last[-1] if last else text[-300:]).strip(),
                },
            }
        )


_CONFIG: list = []


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _CONFIG.append(session.config)


print(
    f"zarr2_suite shim: zarr {zarr.__version__} names -> zarrlite {zarrlite.__file__}",
    file=sys.stderr,
)
