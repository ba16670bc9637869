"""The benchmark suite in the package: ``python -m zarrlite.bench`` (``zarrlite bench``).

Each run is a new process started in ``tmp_path`` with its stores under ``tmp_path``, and
times each cell in a fresh process of its own; most runs pick a few workloads of the
``--quick`` sizes, and one runs all of them against every peer, zarr-python 2 included
(through the zarr 2 venv of ``zarr2_env``).
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
from zarr2_env import get_zarr2_env

from zarrlite.bench import add_arguments
from zarrlite.bench.options import ENGINE_NAMES, WORKLOADS
from zarrlite.bench.report import TARGETS

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
    proc, doc = quick(tmp_path, "--engines", "zarrlite", "--only", "C_open,window_")
    assert proc.returncode == 0, proc.stderr
    assert "left out" not in proc.stderr  # only what was named takes part
    assert set(doc) >= {"machine", "config", "results", "ratios", "reference", "targets",
                        "memory"}  # fmt: skip
    assert doc["config"]["engines"] == ["zarrlite"]
    assert doc["config"]["selected"] == ["C_open", "window_b2nd"]
    assert doc["config"]["quick"] is True and doc["config"]["repeat"] == 2
    assert set(doc["results"]) == {"C_open", "window_b2nd"}
    assert set(doc["results"]["C_open"]) == {"zarrlite"}
    assert_timings(doc["results"]["C_open"]["zarrlite"], 2)  # 2 rounds of 100 opens ...
    assert doc["results"]["C_open"]["zarrlite"]["median_s"] < 0.01  # ... timed per open
    assert_timings(doc["results"]["window_b2nd"]["zarrlite"], 2)
    assert doc["ratios"] == {"C_open": {}, "window_b2nd": {}}
    assert doc["machine"]["versions"]["zarrlite"]
    lines = proc.stdout.splitlines()
    header = next(ln for ln in lines if ln.startswith("workload"))
    assert header.split() == ["workload", "zarrlite"]  # no columns for engines not run
    row = next(ln for ln in lines if ln.startswith("open an array (per call)"))
    assert row.endswith("%") and "µs" in row
    assert "PASS  open + metadata" in proc.stdout or "MISS  open + metadata" in proc.stdout
    assert os.listdir(tmp_path / "stores") == []  # the stores are removed


PIDS_AS_DETAIL = """\
import os
from zarrlite.bench import harness
original = harness.time_cases
def time_cases(cases, repeat):
    results = original(cases, repeat)
    for res in results.values():
        res.detail = f"{os.getpid()} {os.getppid()}"
    return results
harness.time_cases = time_cases
"""


def test_each_cell_runs_in_a_process_of_its_own(tmp_path):
    """Every cell reports the process that timed it: one new process per cell, each a
    child of the same parent."""
    env = with_sitecustomize(tmp_path, PIDS_AS_DETAIL)
    proc, doc = quick(tmp_path, "--engines", "zarrlite,h5py", "--only", "C_open,B_files",
                      env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    pids = [tuple(map(int, r["detail"].split())) for rs in doc["results"].values()
            for r in rs.values()]  # fmt: skip
    assert len(pids) == 2 + 4  # two engines open; four plain-file limit cases
    assert len({pid for pid, _ in pids}) == len(pids)
    assert len({parent for _, parent in pids}) == 1
    assert not {parent for _, parent in pids} & {pid for pid, _ in pids}


def test_memory_is_reported(tmp_path):
    proc, doc = quick(tmp_path, "--engines", "zarrlite", "--only", "A_read")
    assert proc.returncode == 0, proc.stderr
    mem = doc["memory"]
    output = 2048 * 2048 * 4
    assert mem["A_read_output_bytes"] == output
    assert mem["A_read_allowance_bytes"] == output + 2 * 256 * 256 * 4
    # the result is allocated anew in each timed round: the peak holds at least one
    assert mem["A_read_peak_extra_bytes"] >= output
    assert "peak resident memory" in proc.stdout
    target = next(t for t in doc["targets"] if t["target"].startswith("full read peak memory"))
    assert target["value"] == pytest.approx(mem["A_read_peak_extra_bytes"]
                                            / mem["A_read_allowance_bytes"])  # fmt: skip


def test_ratios_to_a_peer(tmp_path):
    proc, doc = quick(tmp_path, "--engines", "zarr,zarrlite", "--only", "C_open", "--repeat", "1")
    assert proc.returncode == 0, proc.stderr
    assert doc["config"]["engines"] == ["zarrlite", "zarr"]
    assert doc["config"]["repeat"] == 1
    results = doc["results"]["C_open"]
    for name in ("zarrlite", "zarr"):
        assert_timings(results[name], 1)
    ratio = doc["ratios"]["C_open"]["zarr"]
    assert ratio == pytest.approx(results["zarr"]["median_s"] / results["zarrlite"]["median_s"])
    row = next(ln for ln in proc.stdout.splitlines() if ln.startswith("open an array"))
    assert f"({ratio:.2f}×)" in row


def test_every_workload_against_every_peer(tmp_path):
    """The whole ``--quick`` run: every workload, every engine, zarr-python 2 included, each
    target measured (~1 min on 2 cores)."""
    zarr2 = get_zarr2_env()
    proc, doc = quick(tmp_path, "--zarr2-python", str(zarr2.python))
    assert proc.returncode == 0, proc.stderr
    assert doc["config"]["engines"] == list(ENGINE_NAMES)
    assert doc["config"]["left_out"] == []
    assert list(doc["results"]) == list(WORKLOADS)
    for workload, results in doc["results"].items():
        for name, result in results.items():
            assert result["status"] == "ok", (workload, name, result)
    assert set(doc["ratios"]["C_open"]) == set(ENGINE_NAMES[1:])
    assert set(doc["ratios"]["band"]) == set(ENGINE_NAMES[1:])
    assert set(doc["ratios"]["B_write"]) == {"zarr", "tensorstore", "h5py"}
    assert set(doc["results"]["sliding"]) == {"zarrlite", "zarrlite:cache-off",
                                              "zarrlite:cache-cold"}  # fmt: skip
    for name, value in doc["reference"].items():
        assert value > 0, name
    assert doc["results"]["A_read"]["zarrlite@zarr-store"]["median_s"] > 0
    assert len(doc["targets"]) == len(TARGETS)
    assert all(t["status"] in ("PASS", "MISS") for t in doc["targets"]), doc["targets"]
    header = next(ln for ln in proc.stdout.splitlines() if ln.startswith("workload"))
    assert header.split() == ["workload", "zarrlite", "zarr-python", "3", "tensorstore",
                              "h5py+Blosc", "python-blosc2", "zarr-python", "2"]  # fmt: skip


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
    assert doc["config"]["engines"] == ["zarrlite", "zarr", "h5py", "blosc2"]
    assert doc["config"]["left_out"] == ["tensorstore: No module named 'tensorstore'",
                                         "zarr-python 2: no --zarr2-python interpreter given"]
    assert set(doc["results"]["C_open"]) == {"zarrlite", "zarr", "h5py", "blosc2"}
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
        (["--zarr2-python", "missing-python"], "--zarr2-python 'missing-python': "),
        (["--zarr2-python", sys.executable], f"--zarr2-python {sys.executable!r} has no zarr"),
        (["--engines", "zarr2"], "engine 'zarr2' needs --zarr2-python"),
        (["--jobs", "0"], "argument --jobs: expected a whole number >= 1, got '0'"),
    ],
)
def test_usage_errors_are_one_line(tmp_path, args, message):
    proc = bench("--quick", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"zarrlite bench: error: {message}"), proc.stderr
    assert proc.stderr.count("\n") == 1


def with_sitecustomize(tmp_path: Path, code: str) -> dict[str, str]:
    """An environment whose processes (the cells too) run `code` at start-up."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(code)
    return {**os.environ, "PYTHONPATH": str(site)}


WRONG_READS = """\
from zarrlite.bench import engines
engines.Zarrlite.read = lambda self, handle, selection: handle[selection] + 1
"""


def test_a_wrong_result_is_an_error(tmp_path):
    env = with_sitecustomize(tmp_path, WRONG_READS)
    proc, doc = quick(tmp_path, "--engines", "zarrlite", "--only", "column,C_open", env=env)
    assert proc.returncode == 1
    assert doc["results"]["column"]["zarrlite"]["status"] == "wrong"
    assert doc["results"]["column"]["zarrlite"]["median_s"] is None
    assert doc["results"]["C_open"]["zarrlite"]["status"] == "ok"  # no read there
    row = next(ln for ln in proc.stdout.splitlines() if ln.startswith("column, 1024"))
    assert row.split()[-1] == "WRONG"
    assert "!! column zarrlite: WRONG: read: 2048 of 2048 values differ" in proc.stdout
    assert proc.stderr.splitlines()[-1] == (
        "zarrlite bench: 1 result(s) WRONG or ERROR, first: "
        "column zarrlite: WRONG: read: 2048 of 2048 values differ"
    )


def test_a_cell_process_that_dies_is_an_error(tmp_path):
    env = with_sitecustomize(tmp_path, "import os\nfrom zarrlite.bench import workloads\n"
                             "workloads.Bench.case = lambda *args: os._exit(3)\n")  # fmt: skip
    proc, doc = quick(tmp_path, "--engines", "zarrlite", "--only", "C_open", env=env)
    assert proc.returncode == 1
    res = doc["results"]["C_open"]["zarrlite"]
    assert res["status"] == "error" and "exited with 3" in res["detail"], res


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
    assert args.only == ("A_write", "A_read", "A_limits")
    assert args.engines == ("zarrlite", "h5py")


def test_help(tmp_path):
    proc = bench("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for option in ("--quick", "--only", "--engines", "--repeat N", "--json FILE", "--tmpdir DIR",
                   "--jobs N", "--zarr2-python PYTHON"):  # fmt: skip
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
    assert "open an array (per call)" in proc.stdout
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "h5py_calls.py"), "--help"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
