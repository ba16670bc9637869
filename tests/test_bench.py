"""The benchmark suite in the package: ``python -m zarrlite.bench`` (``zarrlite bench``).

Each run is a new process started in ``tmp_path`` with its stores under ``tmp_path``; most runs
pick a few workloads of the ``--quick`` sizes, and one runs all of them against every peer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from zarrlite.bench import add_arguments
from zarrlite.bench.options import ENGINE_NAMES, WORKLOADS

ROOT = Path(__file__).resolve().parent.parent


def bench(
    *args: str, cwd: Path, env: dict[str, str] | None = None, code: str | None = None
) -> subprocess.CompletedProcess:
    """``python -m zarrlite.bench ARGS`` (or ``python -c CODE ARGS``) in a new process."""
    command = ["-c", code, *args] if code else ["-m", "zarrlite.bench", *args]
    return subprocess.run(
        [sys.executable, *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def quick(tmp_path: Path, *args: str, **kwargs: Any) -> tuple[subprocess.CompletedProcess, Any]:
    """A ``--quick`` run with its stores under `tmp_path`; the process and its JSON document."""
    out = tmp_path / "out.json"
    stores = tmp_path / "stores"
    stores.mkdir(exist_ok=True)
    proc = bench("--quick", "--json", str(out), "--tmpdir", str(stores), *args, cwd=tmp_path,
                 **kwargs)  # fmt: skip
    doc = json.loads(out.read_text()) if out.exists() else None
    return proc, doc


def assert_timings(result: dict[str, Any], count: int) -> None:
    assert result["status"] == "ok", result
    times = result["times_s"]
    assert len(times) == count and all(t > 0 for t in times), times
    assert result["median_s"] == pytest.approx(statistics.median(times))


def test_zarrlite_alone(tmp_path):
    proc, doc = quick(tmp_path, "--engines", "zarrlite", "--only", "C_open,wind")
    assert proc.returncode == 0, proc.stderr
    assert "left out" not in proc.stderr  # only what was named takes part
    assert set(doc) >= {"machine", "config", "results", "ratios", "reference", "targets"}
    assert doc["config"]["engines"] == ["zarrlite"]
    assert doc["config"]["selected"] == ["C_open", "window"]
    assert doc["config"]["quick"] is True and doc["config"]["repeat"] == 2
    assert set(doc["results"]) == {"C_open", "window"}
    assert set(doc["results"]["C_open"]) == {"zarrlite"}
    assert_timings(doc["results"]["C_open"]["zarrlite"], 200)  # --quick: 200 opens
    assert_timings(doc["results"]["window"]["zarrlite"], 2)
    assert doc["ratios"] == {"C_open": {}, "window": {}}
    assert doc["machine"]["versions"]["zarrlite"]
    lines = proc.stdout.splitlines()
    header = next(ln for ln in lines if ln.startswith("workload"))
    assert header.split() == ["workload", "zarrlite"]  # no columns for engines not run
    row = next(ln for ln in lines if ln.startswith("C open array (per call)"))
    assert row.endswith("µs")
    assert "PASS  C open" in proc.stdout or "MISS  C open" in proc.stdout
    assert os.listdir(tmp_path / "stores") == []  # the stores are removed


def test_ratios_to_a_peer(tmp_path):
    proc, doc = quick(tmp_path, "--engines", "zarr,zarrlite", "--only", "C_open", "--repeat", "1")
    assert proc.returncode == 0, proc.stderr
    assert doc["config"]["engines"] == ["zarrlite", "zarr"]
    assert doc["config"]["repeat"] == 1
    results = doc["results"]["C_open"]
    for name in ("zarrlite", "zarr"):
        assert_timings(results[name], 200)
    ratio = doc["ratios"]["C_open"]["zarr"]
    assert ratio == pytest.approx(results["zarr"]["median_s"] / results["zarrlite"]["median_s"])
    row = next(ln for ln in proc.stdout.splitlines() if ln.startswith("C open array"))
    assert f"({ratio:.2f}×)" in row


def test_every_workload_against_every_peer(tmp_path):
    """The whole ``--quick`` run: every workload, every engine (~10 s on 2 cores)."""
    proc, doc = quick(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert doc["config"]["engines"] == list(ENGINE_NAMES)
    assert doc["config"]["left_out"] == []
    assert list(doc["results"]) == list(WORKLOADS)
    for workload, results in doc["results"].items():
        for name, result in results.items():
            assert result["status"] in ("ok", "unsupported"), (workload, name, result)
    for workload in ("A_write", "A_read", "B_write", "B_read", "C_open", "window", "points"):
        assert set(doc["ratios"][workload]) == set(ENGINE_NAMES[1:]), workload
    assert doc["reference"]["bare_decompress_best_s"] > 0
    assert doc["reference"]["B_write_1_thread_s"] > 0
    assert doc["reference"]["zarrlite_read_zarr_store_s"] > 0
    assert len(doc["targets"]) == 10
    assert all(t["status"] in ("PASS", "MISS") for t in doc["targets"]), doc["targets"]
    header = next(ln for ln in proc.stdout.splitlines() if ln.startswith("workload"))
    assert header.split() == ["workload", "zarrlite", "zarr-python", "3", "tensorstore",
                              "h5py+Blosc"]  # fmt: skip


def fake_missing(tmp_path: Path, module: str) -> dict[str, str]:
    """An environment in which importing `module` fails as if it were not installed."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / f"{module}.py").write_text(
        f'raise ModuleNotFoundError("No module named {module!r}", name={module!r})\n'
    )
    path = os.pathsep.join(p for p in (str(fake), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def test_a_peer_not_installed_is_left_out(tmp_path):
    env = fake_missing(tmp_path, "tensorstore")
    proc, doc = quick(tmp_path, "--only", "C_open", "--repeat", "1", env=env)
    assert proc.returncode == 0, proc.stderr
    said = [ln for ln in proc.stderr.splitlines() if "tensorstore" in ln]
    assert said == ["zarrlite bench: not installed, left out: tensorstore: "
                    "No module named 'tensorstore'"]  # fmt: skip
    assert doc["config"]["engines"] == ["zarrlite", "zarr", "h5py"]
    assert doc["config"]["left_out"] == ["tensorstore: No module named 'tensorstore'"]
    assert set(doc["results"]["C_open"]) == {"zarrlite", "zarr", "h5py"}
    assert "left out (not installed): tensorstore" in proc.stdout


def test_a_peer_named_but_not_installed_is_an_error(tmp_path):
    env = fake_missing(tmp_path, "h5py")
    proc, doc = quick(tmp_path, "--engines", "zarrlite,h5py", env=env)
    assert proc.returncode == 2
    assert proc.stdout == "" and doc is None
    assert proc.stderr == (
        "zarrlite bench: error: engine 'h5py' is not installed (No module named 'h5py')\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--engines", "zarrlite,fast"], "argument --engines: unknown engine 'fast'"),
        (["--only", "A_read,Z"], "argument --only: unknown workload 'Z'"),
        (["--only", ","], "argument --only: no workload named"),
        (["--repeat", "0"], "argument --repeat: expected a whole number >= 1, got '0'"),
        (["--tmpdir", "missing"], "--tmpdir 'missing' is not a directory"),
        (["--json", "missing/out.json"], "--json 'missing/out.json': directory"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_are_one_line(tmp_path, args, message):
    proc = bench("--quick", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"zarrlite bench: error: {message}"), proc.stderr
    assert proc.stderr.count("\n") == 1


WRONG_READS = """\
import sys
from zarrlite.bench import engines, main
engines.Zarrlite.read = lambda self, handle, selection: handle[selection] + 1
sys.exit(main(sys.argv[1:]))
"""


def test_a_wrong_result_is_an_error(tmp_path):
    proc, doc = quick(tmp_path, "--engines", "zarrlite", "--only", "window,C_open",
                      code=WRONG_READS)  # fmt: skip
    assert proc.returncode == 1
    assert doc["results"]["window"]["zarrlite"]["status"] == "wrong"
    assert doc["results"]["window"]["zarrlite"]["median_s"] is None
    assert doc["results"]["C_open"]["zarrlite"]["status"] == "ok"  # no read there
    row = next(ln for ln in proc.stdout.splitlines() if ln.startswith("64×64 window"))
    assert row.split()[-1] == "WRONG"
    assert "!! window zarrlite: WRONG: window: 4096 of 4096 values differ" in proc.stdout
    assert proc.stderr.splitlines()[-1] == (
        "zarrlite bench: 1 result(s) WRONG or ERROR, first: "
        "window zarrlite: WRONG: window: 4096 of 4096 values differ"
    )


def test_importing_the_package_stays_light(tmp_path):
    """``import zarrlite`` leaves the suite out; ``import zarrlite.bench`` loads no peer and
    none of the modules that do the work (the CLI imports it to build its parser)."""
    code = """\
import json, sys
import zarrlite
before = set(sys.modules)
import zarrlite.bench
print(json.dumps(sorted(set(sys.modules) - before)))
"""
    proc = bench(code=code, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    new = json.loads(proc.stdout)
    assert [m for m in new if m.startswith("zarrlite")] == ["zarrlite.bench",
                                                           "zarrlite.bench.options"]  # fmt: skip
    others = {m.partition(".")[0] for m in new if not m.startswith("zarrlite")}
    assert others <= sys.stdlib_module_names, others - sys.stdlib_module_names


def test_add_arguments_on_a_subcommand():
    parser = argparse.ArgumentParser(prog="zarrlite")
    add_arguments(parser.add_subparsers(dest="command").add_parser("bench"))
    args = parser.parse_args(["bench"])
    assert (args.quick, args.only, args.engines, args.repeat, args.json, args.tmpdir) == (
        False, None, None, None, None, None)  # fmt: skip
    args = parser.parse_args(
        ["bench", "--quick", "--only", "A", "--engines", "h5py,zarrlite", "--repeat", "3"]
    )
    assert args.quick and args.repeat == 3
    assert args.only == ("A_write", "A_read", "A_decompress")
    assert args.engines == ("zarrlite", "h5py")


def test_help(tmp_path):
    proc = bench("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for option in ("--quick", "--only", "--engines", "--repeat N", "--json FILE", "--tmpdir DIR"):
        assert option in proc.stdout


def test_the_script_in_benchmarks_runs_the_suite(tmp_path):
    """``benchmarks/bench.py`` is the same command; the scripts there that import the suite's
    old modules (``harness``, ``report``) still find them."""
    script = ROOT / "benchmarks" / "bench.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--quick", "--engines", "zarrlite", "--only", "C_open",
         "--tmpdir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "C open array (per call)" in proc.stdout
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "h5py_calls.py"), "--help"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
