"""Root conftest of an h5py_suite run: put zarrlite behind h5py's user-facing names.

run.py copies this file as ``conftest.py`` into the temporary folder above the package of
copied h5py test modules; pytest imports it before h5py's own conftest and the test modules,
so ``h5py.File(...)`` and ``from h5py import File, Dataset`` find zarrlite's objects.
h5py's internals (``h5t``, ``h5f``, ``_hl.*``, ``phil``, ``MultiBlockSlice``, ``Datatype``,
``Reference``, ...) stay real h5py.

Per test, one JSON line (outcome, exception type, first message line, innermost zarrlite /
h5py / test frame) goes to ``$H5S_RESULTS`` (written by the controlling process only).
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import h5py
import pytest

import zarrlite

#: h5py names replaced by zarrlite's (all exist at zarrlite's top level).
NAMES = (
    "File",
    "Group",
    "Dataset",
    "AttributeManager",
    "string_dtype",
    "check_string_dtype",
    "vlen_dtype",
    "check_vlen_dtype",
    "SoftLink",
    "ExternalLink",
    "HardLink",
    "Empty",
)
REAL = {name: getattr(h5py, name) for name in NAMES}
for _name in NAMES:
    setattr(h5py, _name, getattr(zarrlite, _name))

ZARRLITE_DIR = os.path.dirname(os.path.realpath(zarrlite.__file__))
H5PY_DIR = os.path.dirname(os.path.realpath(h5py.__file__))


def _frame(tb, where: str):
    found = None
    for entry in tb:
        path = os.path.realpath(str(entry.path))
        if where == "zarrlite":
            ok = path.startswith(ZARRLITE_DIR + os.sep)
        elif where == "h5py":
            ok = path.startswith(H5PY_DIR + os.sep) and os.sep + "tests" + os.sep not in path
        else:
            ok = os.path.basename(path).startswith("test_") or path.endswith("common.py")
        if ok:
            try:
                source = str(entry.statement).strip().splitlines()[0]
            except Exception:  # noqa: BLE001
                source = ""
            base = ZARRLITE_DIR if where == "zarrlite" else H5PY_DIR
            rel = (
                os.path.relpath(path, os.path.dirname(base))
                if where != "test"
                else os.path.basename(path)
            )
            found = {"file": rel, "line": entry.lineno + 1, "func": entry.name,
                     "source": source[:160]}
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
        "h5py_frame": _frame(excinfo.traceback, "h5py"),
        "test_frame": _frame(excinfo.traceback, "test"),
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        try:
            info = _exception_info(call.excinfo)
        except Exception:  # noqa: BLE001
            info = {"type": "?", "message": traceback.format_exc().splitlines()[-1]}
        report.user_properties.append(("h5s_exc", json.dumps(info)))


_CONFIG: list = []


def _is_worker() -> bool:
    return bool(_CONFIG) and hasattr(_CONFIG[0], "workerinput")


def _write(record: dict) -> None:
    path = os.environ.get("H5S_RESULTS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")


def pytest_configure(config):
    _CONFIG.append(config)


def pytest_runtest_logreport(report):
    if _is_worker():
        return
    if report.when == "call" or report.failed or (report.when == "setup" and report.skipped):
        props = dict(report.user_properties)
        record = {"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
                  "duration": round(report.duration, 3)}
        if "h5s_exc" in props:
            record["exc"] = json.loads(props["h5s_exc"])
        elif report.failed:  # e.g. an xdist worker crash: only the text is known
            text = str(report.longrepr) if report.longrepr is not None else ""
            record["exc"] = {"type": "crash/unknown",
                             "message": text.strip().splitlines()[0] if text.strip() else ""}
        if report.skipped and isinstance(report.longrepr, tuple):
            record["skip_reason"] = str(report.longrepr[2])[:200]
        if hasattr(report, "wasxfail"):
            record["xfail"] = True
        _write(record)


def pytest_collectreport(report):
    if report.failed and not _is_worker():
        text = str(report.longrepr)
        last = [line for line in text.splitlines() if line.startswith("E ")]
        _write({"nodeid": report.nodeid, "when": "collect", "outcome": "error",
                "exc": {"type": "collection error",
                        "message": (last[-1] if last else text[-300:]).strip()}})


print(f"h5py_suite shim: h5py {h5py.version.version} names {', '.join(NAMES)} -> zarrlite "
      f"{zarrlite.__file__}", file=sys.stderr)
