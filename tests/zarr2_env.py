"""A Python interpreter with zarr-python 2 that imports the zarrlite under test.

zarr-python 2.18.7 needs numcodecs < 0.16, while the test environment holds zarr 3 and
numcodecs 0.16, so the zarr 2 tests run their scripts in a virtual environment of their own:

- it is made once with ``python -m venv`` and kept between runs, in
  ``$ZARRLITE_ZARR2_VENV`` if set, else ``${XDG_CACHE_HOME:-~/.cache}/zarrlite-tests/
  zarr2-venv-py<major>.<minor>``;
- pip installs :data:`ZARR2_REQUIREMENTS` there, plus zarrlite's runtime dependencies
  pinned to the versions of this environment (so the extension, built against this numpy,
  imports there too); a marker file written last records the requirements, and a venv
  without it (half made) or with other requirements is made again;
- an ``fcntl`` lock on a file beside the venv serializes that work between processes
  (pytest-xdist workers ask at the same time);
- zarrlite is not installed there: scripts run with ``PYTHONPATH`` set to a temporary
  folder holding only a symlink to the package imported here, so they use this build
  without seeing this environment's site-packages.

Failing to build the venv (no package index, for instance) raises :class:`Zarr2EnvError`:
the tests that need it fail rather than skip, since they check a feature zarrlite claims.

Example (pytest turns the AssertionError of a failed script into a test failure)::

    result = run_zarr2("import sys, zarr; print(zarr.__version__, sys.argv[1])", "x")
    assert result.stdout == "2.18.7 x\\n"
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "ENV_VAR",
    "ZARR2_REQUIREMENTS",
    "Zarr2Env",
    "Zarr2EnvError",
    "ensure_venv",
    "get_zarr2_env",
    "requirements",
    "assert_same_outcome",
    "run_scenarios",
    "run_zarr2",
    "venv_path",
    "zarrlite_dir",
]

#: Environment variable naming the venv folder, overriding the cache location.
ENV_VAR = "ZARRLITE_ZARR2_VENV"
#: What the tests need besides zarrlite's own runtime dependencies.
ZARR2_REQUIREMENTS = ("zarr==2.18.7", "numcodecs==0.15.2", "fsspec", "redis")
#: Written into the venv once everything is installed.
MARKER = "zarrlite-zarr2-complete.json"
#: Seconds allowed for making the venv and for one pip install.
BUILD_TIMEOUT = 900
#: Seconds allowed for one script, by default.
RUN_TIMEOUT = 300
_FALLBACK_RUNTIME = ("numpy>=1.24", "zstandard>=0.21", "lz4>=4.0")
# Variables that would point the venv's interpreter at this environment's packages.
_DROPPED_VARS = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "VIRTUAL_ENV",
    "__PYVENV_LAUNCHER__",
    "PYTHONEXECUTABLE",
    "PYTHONSAFEPATH",
)


class Zarr2EnvError(RuntimeError):
    """The zarr 2 venv could not be made, or zarrlite does not import in it."""


def venv_path() -> Path:
    """Where the venv lives: ``$ZARRLITE_ZARR2_VENV``, else under the user's cache folder."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Path(cache, "zarrlite-tests", f"zarr2-venv-py{version}").resolve()


def zarrlite_dir() -> Path:
    """The folder of the zarrlite package this process imports (found without importing it)."""
    spec = importlib.util.find_spec("zarrlite")
    if spec is None or spec.origin is None:
        raise Zarr2EnvError("zarrlite is not importable here")
    return Path(spec.origin).resolve().parent


def _requirement_name(spec: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    if match is None:
        raise ValueError(f"cannot read a package name from requirement {spec!r}")
    return match.group(1)


def _runtime_dependencies() -> list[str]:
    """zarrlite's runtime dependencies: from the checkout's pyproject.toml when there is
    one, else from the installed metadata."""
    pyproject = zarrlite_dir().parent / "pyproject.toml"
    try:
        import tomllib

        return list(tomllib.loads(pyproject.read_text())["project"]["dependencies"])
    except (ImportError, OSError, KeyError):
        pass
    try:
        specs = importlib.metadata.requires("zarrlite") or []
    except importlib.metadata.PackageNotFoundError:
        return list(_FALLBACK_RUNTIME)
    return [s for s in specs if "extra ==" not in s] or list(_FALLBACK_RUNTIME)


def requirements() -> list[str]:
    """Everything pip installs into the venv.

    zarrlite's runtime dependencies are pinned to the versions installed here: the
    extension was compiled against this numpy, and this environment is known to work.
    """
    pinned = []
    for spec in _runtime_dependencies():
        name = _requirement_name(spec)
        try:
            pinned.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pinned.append(spec)
    return pinned + list(ZARR2_REQUIREMENTS)


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"killed by {name}"
    return f"exit status {returncode}"


def _run_build_step(args: list[str], what: str) -> None:
    try:
        proc = subprocess.run(
            args, capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=_clean_env()
        )
    except subprocess.TimeoutExpired as exc:
        raise Zarr2EnvError(
            f"{what} took more than {BUILD_TIMEOUT} s: {' '.join(args)}\n"
            f"--- stderr ---\n{exc.stderr}"
        ) from None
    if proc.returncode != 0:
        raise Zarr2EnvError(
            f"{what} failed ({_describe_exit(proc.returncode)}): {' '.join(args)}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-8000:]}"
        )


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_VARS}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _build(venv: Path, reqs: list[str]) -> None:
    if venv.exists():
        shutil.rmtree(venv)
    _run_build_step([sys.executable, "-m", "venv", str(venv)], "making the zarr 2 venv")
    pip = [
        str(_venv_python(venv)),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--retries",
        "2",
    ]
    _run_build_step(
        pip + reqs, "pip install of the zarr 2 test requirements (is the package index reachable?)"
    )
    check = "import zarr, numcodecs; print(zarr.__version__, numcodecs.__version__)"
    _run_build_step([str(_venv_python(venv)), "-c", check], "importing zarr 2 in the venv")


def ensure_venv() -> Path:
    """Make the venv unless a complete one with the same requirements exists; return it.

    Raises
    ------
    Zarr2EnvError
        If the venv cannot be made or pip cannot install the requirements.
    """
    venv = venv_path()
    reqs = requirements()
    wanted = {"python": sys.version, "requirements": reqs}
    marker = venv / MARKER
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        try:
            if json.loads(marker.read_text()) == wanted:
                return venv
        except (OSError, ValueError):
            pass
        marker.unlink(missing_ok=True)
        _build(venv, reqs)
        marker.write_text(json.dumps(wanted, indent=1))
    return venv


def _make_shim() -> Path:
    """A temporary folder holding only ``zarrlite -> <the imported zarrlite package>``."""
    shim = Path(tempfile.mkdtemp(prefix="zarrlite-zarr2-shim-"))
    atexit.register(shutil.rmtree, shim, True)
    (shim / "zarrlite").symlink_to(zarrlite_dir(), target_is_directory=True)
    return shim


class Zarr2Env:
    """The zarr 2 venv's interpreter and the environment in which it imports this zarrlite.

    Parameters
    ----------
    python : Path
        The venv's interpreter.
    shim : Path
        Folder put on ``PYTHONPATH``, holding only the ``zarrlite`` symlink.
    """

    def __init__(self, python: Path, shim: Path) -> None:
        self.python = python
        self.shim = shim
        self.env = _clean_env()
        self.env.update(PYTHONPATH=str(shim), PYTHONDONTWRITEBYTECODE="1", PYTHONFAULTHANDLER="1")

    def run(
        self,
        script: str,
        *args: str,
        cwd: str | os.PathLike[str] | None = None,
        timeout: float = RUN_TIMEOUT,
        check: bool = True,
    ) -> subprocess.CompletedProcess:
        """Run `script` (Python source) with `args` as ``sys.argv[1:]``.

        Parameters
        ----------
        script : str
            Python source, run with ``python -c``.
        *args : str
            Its command-line arguments.
        cwd : path, optional
            Working directory (default: the shim folder, so ``sys.path[0]`` adds nothing).
        timeout : float
            Seconds before the script is killed and the call fails.
        check : bool
            Raise AssertionError, showing stdout and stderr, unless the exit status is 0.

        Returns
        -------
        subprocess.CompletedProcess
            With text `stdout` and `stderr`.

        Raises
        ------
        AssertionError
            On timeout, or with `check` on a non-zero exit (a crash names its signal).
        """
        argv = [str(self.python), "-c", script, *map(str, args)]
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=str(cwd or self.shim),
                env=self.env,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(
                f"zarr 2 script {' '.join(map(str, args))} hung: killed after {timeout} s\n"
                f"--- stdout ---\n{_text(exc.stdout)}\n--- stderr ---\n{_text(exc.stderr)}"
            ) from None
        if check and proc.returncode != 0:
            raise AssertionError(
                f"zarr 2 script {' '.join(map(str, args))} failed "
                f"({_describe_exit(proc.returncode)})\n"
                f"--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-12000:]}"
            )
        return proc


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


_CHECK_IMPORT = """
import sys, numpy, zarr, numcodecs, zarrlite, zarrlite._ext
assert zarrlite.__file__.startswith(sys.argv[1]), zarrlite.__file__
assert zarr.__version__.startswith("2."), zarr.__version__
print(zarr.__version__, numcodecs.__version__, numpy.__version__)
"""


@functools.lru_cache(maxsize=1)
def get_zarr2_env() -> Zarr2Env:
    """The zarr 2 environment, made (or found) once per process.

    Raises
    ------
    Zarr2EnvError
        If the venv cannot be made, or the zarrlite imported here does not import there.
    """
    venv = ensure_venv()
    env = Zarr2Env(_venv_python(venv), _make_shim())
    proc = env.run(_CHECK_IMPORT, env.shim, check=False)
    if proc.returncode != 0:
        raise Zarr2EnvError(
            f"zarrlite ({zarrlite_dir()}) does not import in the zarr 2 venv "
            f"{venv} ({_describe_exit(proc.returncode)}):\n{proc.stderr[-8000:]}"
        )
    return env


def run_zarr2(
    script: str,
    *args: str,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = RUN_TIMEOUT,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run `script` in the zarr 2 venv with this zarrlite; see :meth:`Zarr2Env.run`."""
    return get_zarr2_env().run(script, *args, cwd=cwd, timeout=timeout, check=check)


# ------------------------------------------------------------ scenarios run with both

_SCENARIO_RUNNER = r'''
import json, sys, textwrap, warnings
import numpy as np
import zarr, zarrlite
{setup}
BUILTINS = [KeyError, ValueError, TypeError, IndexError, PermissionError, AttributeError,
            LookupError, RuntimeError]
results = {{}}
for name, body in json.loads(sys.argv[1]).items():
    source = ("def scenario({params}):\n" + textwrap.indent(textwrap.dedent(body), "    "))
    namespace = {{}}
    exec(source, namespace)
    results[name] = {{}}
    for lib, args in {cases}:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                value = namespace["scenario"](*args)
            outcome = ["value", json.loads(json.dumps(value, default=repr))]
        except Exception as exc:
            outcome = ["raised", type(exc).__name__,
                       sorted(b.__name__ for b in BUILTINS if isinstance(exc, b)), str(exc)]
        results[name][lib.__name__] = outcome
print(json.dumps(results))
'''


def run_scenarios(scenarios: dict[str, str], *, setup: str = "", params: str = "lib, np",
                  cases: str = "((zarr, (zarr, np)), (zarrlite, (zarrlite, np)))") -> dict:
    """Run each scenario (a function body) with zarr 2 and with zarrlite, in one script in
    the zarr 2 venv; ``{name: {"zarr": outcome, "zarrlite": outcome}}``.

    An outcome is ``["value", json_result]`` or ``["raised", class_name, builtin_bases,
    message]``. `params` names the scenario's parameters; `cases` is Python source for
    ``(library_module, argument_tuple)`` pairs (one per library); `setup` runs first (helper
    definitions the arguments may use).
    """
    script = _SCENARIO_RUNNER.format(setup=setup, params=params, cases=cases)
    result = run_zarr2(script, json.dumps(scenarios), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_same_outcome(name: str, body: str, outcomes: dict) -> None:
    """The same result as zarr 2, or an exception that code written for zarr 2 catches the
    same way: the same class name, or every builtin class zarr 2's exception is an
    instance of."""
    zarr2, ours = outcomes[name]["zarr"], outcomes[name]["zarrlite"]
    if zarr2[0] == "value":
        assert ours == zarr2, f"{name}:\n{body}\nzarr 2: {zarr2}\nzarrlite: {ours}"
        return
    assert ours[0] == "raised", f"{name}: zarr 2 raised {zarr2}, zarrlite gave {ours}"
    missing = set(zarr2[2]) - set(ours[2])
    assert ours[1] == zarr2[1] or not missing, (
        f"{name}: zarr 2 raised {zarr2[1]} ({zarr2[2]}), zarrlite {ours[1]} ({ours[2]}): "
        f"not catchable as {sorted(missing)}")
