"""The documentation runs: every ```python and ```console block of the Markdown files, every
doctest.

Code blocks: each Markdown file's ```python blocks run in order in one fresh namespace (so a
later block uses names from earlier ones, as a reader would), in a temporary working directory.
Its ```console blocks run there too, in document order between the python blocks: each line
starting with ``$ `` is a command for bash (a line ending in a backslash continues on the
next), with the directory of this Python first on ``PATH`` (so ``python`` and ``zarrlite`` are
the ones under test), and must exit with status 0. Other lines of a console block are output
shown to the reader, not compared.

A block that cannot run as written (a cluster's address, say) is marked on the line just
before its fence, with a reason::

    <!-- fragment: needs a dask cluster -->
    ```python
    ...
    ```

A file whose code needs a server says so on a line of its own, and gets one for its run:

- ``<!-- needs: s3 -->``: moto's S3-compatible server on 127.0.0.1 with an empty bucket
  ``my-bucket``, and the environment AWS clients read (``AWS_ENDPOINT_URL``, dummy keys, a
  region) pointing at it, so plain ``s3://my-bucket/...`` URLs work unchanged;
- ``<!-- needs: redis -->``: a Redis server on 127.0.0.1, its address in ``REDIS_URL``
  (``redis://127.0.0.1:<port>/0``).

The files are the repository's top-level ``*.md``, everything under ``docs/`` (the user guide
is ``docs/guide/``) and ``benchmarks/*.md``, found from this file's location, so the test works
from a clone and from an unpacked sdist (which ships them). Other fences (```bash, ```text,
```json, ...) are not run; the README's install commands are run by ``.ci/run``.

Doctests: the examples in the docstrings of every module of the installed ``zarrlite`` package.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import os
import pkgutil
import re
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import http_s3_servers
import pytest
import servers

import zarrlite as zl

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = sorted(
    [*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md"), *(ROOT / "benchmarks").glob("*.md")]
)
GUIDE = ROOT / "docs" / "guide"
#: The user guide's chapters, in reading order (docs/guide/README.md lists them).
GUIDE_CHAPTERS = [
    "01-quick-start.md",
    "02-from-h5py.md",
    "03-from-zarr-python.md",
    "04-stores-and-cloud.md",
    "05-codecs-and-partial-reads.md",
    "06-chunk-computing.md",
    "07-dask-and-xarray.md",
    "08-cli.md",
    "09-performance.md",
]
PYTHON = {"python", "py"}
CONSOLE = {"console"}
RUN_LANGUAGES = PYTHON | CONSOLE
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
FRAGMENT = re.compile(r"^\s*<!--\s*fragment:(?P<reason>.*?)-->\s*$")
NEEDS = re.compile(r"^\s*<!--\s*needs:\s*(?P<what>.*?)\s*-->\s*$", re.MULTILINE)
#: zarrlite.config settings, restored after each file's run (a block may change them).
SETTINGS = ("threads", "partial_decode", "write_empty_chunks", "max_chunk_nbytes",
            "max_kept_scratch_nbytes", "idle_buffer_seconds", "chunked_max_bytes")
#: Seconds one console command may run.
COMMAND_TIMEOUT = 300
#: The bucket a file that needs S3 finds, empty.
S3_BUCKET = "my-bucket"


@dataclass
class Block:
    """One fenced code block: its language, first code line (1-based) and code."""

    language: str
    line: int
    code: str
    fragment: str | None  # the reason, when marked as a fragment ("" if none is given)


def code_blocks(text: str) -> list[Block]:
    """Return the fenced code blocks of Markdown `text`, in order.

    Examples
    --------
    >>> [b.line for b in code_blocks("x\\n```python\\n1 + 1\\n```\\n")]
    [3]
    """
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        words = opening["info"].split()
        marker = FRAGMENT.match(lines[i - 1]) if i > 0 else None
        end = i + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        body = [_dedent(line, indent) for line in lines[i + 1 : end]]
        blocks.append(
            Block(
                words[0].lower() if words else "",
                i + 2,
                "\n".join(body) + "\n",
                marker["reason"].strip() if marker else None,
            )
        )
        i = end + 1
    return blocks


def _dedent(line: str, indent: int) -> str:
    """Remove up to `indent` leading spaces (the opening fence's indentation)."""
    return line[min(indent, len(line) - len(line.lstrip(" "))) :]


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def _runnable(path: Path) -> list[Block]:
    return [
        b
        for b in code_blocks(path.read_text(encoding="utf-8"))
        if b.language in RUN_LANGUAGES and b.fragment is None
    ]


@dataclass
class Command:
    """One ``$ `` command of a console block: its first line (1-based) and text."""

    line: int
    text: str


def console_commands(block: Block) -> list[Command]:
    """The commands of a console block: lines starting with ``$ ``, a trailing backslash
    continuing onto the next line; other lines are output (see test_console_commands)."""
    commands: list[Command] = []
    lines = block.code.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        first, text = i, [lines[i][2:]]
        while text[-1].endswith("\\") and i + 1 < len(lines):
            i += 1
            text.append(lines[i])
        commands.append(Command(block.line + first, "\n".join(text)))
        i += 1
    return commands


def needs(text: str) -> set[str]:
    """The servers a Markdown file asks for with ``<!-- needs: s3, redis -->`` lines.

    Examples
    --------
    >>> sorted(needs("<!-- needs: s3 -->\\ntext\\n<!-- needs: redis -->\\n"))
    ['redis', 's3']
    """
    return {w.strip() for m in NEEDS.finditer(text) for w in m["what"].split(",") if w.strip()}


@contextlib.contextmanager
def _servers(wanted: set[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Start the servers in `wanted` and point the environment at them, for one file's run."""
    unknown = wanted - {"s3", "redis"}
    if unknown:
        pytest.fail(f"unknown <!-- needs: ... --> entries {sorted(unknown)}; known: redis, s3",
                    pytrace=False)
    with contextlib.ExitStack() as stack:
        if "s3" in wanted:
            stack.enter_context(_s3_server(tmp_path, monkeypatch))
        if "redis" in wanted:
            (tmp_path / "redis-server").mkdir()
            server = servers.start_redis(tmp_path / "redis-server")
            stack.callback(server.stop)
            monkeypatch.setenv("REDIS_URL", f"redis://{server.host}:{server.port}/0")
        yield


@contextlib.contextmanager
def _s3_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's S3 server with an empty ``my-bucket``, found through ``AWS_ENDPOINT_URL`` as
    botocore (and so s3fs) reads it: the endpoint, keys and region a reader would set."""
    import s3fs  # noqa: F401 - fail here, naming it, when the s3 extra is missing

    with http_s3_servers.S3Server(bucket=S3_BUCKET) as server:
        environment = dict(server.environment)
        environment["AWS_ENDPOINT_URL"] = environment.pop("AWS_ENDPOINT_URL_S3")
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        # nothing else may steer the clients: a service-specific endpoint (the store tests
        # set one for their session), a profile, or the machine's own AWS files
        for name in ("AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
        _forget_s3_filesystems()
        try:
            yield
        finally:
            _forget_s3_filesystems()


def _forget_s3_filesystems() -> None:
    """fsspec reuses file systems made with the same arguments: one made under another
    environment would not see this one's server."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


def _run_python(block: Block, path: Path, name: str, namespace: dict) -> None:
    failure = None
    try:  # padded so that tracebacks give the line numbers of the Markdown file
        exec(compile("\n" * (block.line - 1) + block.code, str(path), "exec"), namespace)
    except Exception as exc:
        tb = exc.__traceback__.tb_next  # from the block's frame on
        failure = "".join(traceback.format_exception(type(exc), exc, tb))
    if failure is not None:  # outside the except: no "during handling" chain
        pytest.fail(
            f"{name}, the python block at line {block.line} failed:\n{block.code}\n{failure}",
            pytrace=False,
        )


def _run_console(block: Block, name: str) -> None:
    environment = dict(os.environ)
    environment["PATH"] = os.pathsep.join(
        [os.path.dirname(sys.executable), environment.get("PATH", os.defpath)]
    )
    for command in console_commands(block):
        try:
            done = subprocess.run(
                ["bash", "-c", command.text], capture_output=True, text=True, env=environment,
                timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name}, line {command.line}: `{command.text}` ran longer than "
                        f"{COMMAND_TIMEOUT} s", pytrace=False)
        if done.returncode != 0:
            pytest.fail(
                f"{name}, line {command.line}: `{command.text}` exited with status "
                f"{done.returncode}\nstderr:\n{done.stderr}\nstdout:\n{done.stdout}",
                pytrace=False,
            )


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"  # the reader's directory; servers keep their files beside it
    work.mkdir()
    monkeypatch.chdir(work)
    namespace: dict = {"__name__": "__main__"}
    name = path.relative_to(ROOT).as_posix()
    text = path.read_text(encoding="utf-8")
    silent = [b.line for b in code_blocks(text) if b.language in RUN_LANGUAGES and b.fragment == ""]
    if silent:  # a block left out must say why
        pytest.fail(f"{name}: <!-- fragment: --> without a reason before the blocks at lines "
                    f"{silent}", pytrace=False)
    # settings a block changes must not leak into other tests
    with zl.config.set(**{setting: zl.config.get(setting) for setting in SETTINGS}), _servers(
        needs(text), tmp_path, monkeypatch
    ):
        for block in _runnable(path):
            if block.language in PYTHON:
                _run_python(block, path, name, namespace)
            else:
                _run_console(block, name)


def test_readme_has_blocks_to_run() -> None:
    assert len(_runnable(ROOT / "README.md")) >= 3, "the fence parser found no python blocks"


def test_guide_has_every_chapter() -> None:
    index = (GUIDE / "README.md").read_text(encoding="utf-8")
    for chapter in GUIDE_CHAPTERS:
        assert (GUIDE / chapter).is_file(), f"docs/guide/{chapter} is missing"
        assert f"]({chapter})" in index, f"docs/guide/README.md does not link {chapter}"
    extra = {p.name for p in GUIDE.glob("*.md")} - {"README.md", *GUIDE_CHAPTERS}
    assert not extra, f"guide pages not in GUIDE_CHAPTERS (nor so in the index): {sorted(extra)}"


@pytest.mark.parametrize("chapter", GUIDE_CHAPTERS)
def test_guide_fragments_say_why(chapter: str) -> None:
    """The guide's promise is that its code runs: a python or console block left out says
    why, and each chapter has code that runs."""
    path = GUIDE / chapter
    if not path.is_file():
        pytest.fail(f"docs/guide/{chapter} is missing", pytrace=False)
    blocks = code_blocks(path.read_text(encoding="utf-8"))
    silent = [b.line for b in blocks if b.language in RUN_LANGUAGES and b.fragment == ""]
    assert not silent, f"docs/guide/{chapter}: fragments without a reason at lines {silent}"
    assert _runnable(path), f"docs/guide/{chapter} has no python or console block to run"


LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def _anchors(path: Path) -> set[str]:
    """The anchors GitHub makes for a Markdown file's headings (outside code blocks)."""
    anchors, in_code = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("chapter", ["README.md", *GUIDE_CHAPTERS])
def test_guide_links_resolve(chapter: str) -> None:
    """Every relative link of the guide names a file of the repository (and a heading of
    it, after a #), so the guide reads on GitHub without dead ends."""
    path = GUIDE / chapter
    if not path.is_file():
        pytest.fail(f"docs/guide/{chapter} is missing", pytrace=False)
    dead = []
    for match in LINK.finditer(path.read_text(encoding="utf-8")):
        target = match["target"]
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists():
            dead.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            dead.append(f"{target} (no such heading)")
    assert not dead, f"docs/guide/{chapter}: dead links: {dead}"


def test_console_commands() -> None:
    text = "```console\n$ zarrlite --version\nzarrlite 0.1.0\n$ echo a \\\n  b\n```\n"
    commands = console_commands(code_blocks(text)[0])
    assert [(c.line, c.text) for c in commands] == [
        (2, "zarrlite --version"),
        (4, "echo a \\\n  b"),
    ]


def test_needs_marker() -> None:
    assert needs("x\n<!-- needs: s3 -->\n") == {"s3"}
    assert needs("<!-- needs: s3, redis -->") == {"s3", "redis"}
    assert needs("text mentioning needs: s3 in prose\n") == set()


def test_fragment_marker() -> None:
    text = "<!-- fragment: needs a server -->\n```python\nconnect()\n```\n```bash\nls\n```\n"
    blocks = code_blocks(text)
    assert [(b.language, b.line, b.fragment) for b in blocks] == [
        ("python", 3, "needs a server"),
        ("bash", 6, None),
    ]
    assert code_blocks("<!-- fragment: -->\n```python\nx\n```\n")[0].fragment == ""


def _modules() -> list[str]:
    """Every module of the package, including packages that fail to import (their test says
    why; by default walk_packages would skip them silently)."""
    broken: list[str] = []
    found = pkgutil.walk_packages(zl.__path__, "zarrlite.", onerror=broken.append)
    return sorted({"zarrlite", *(m.name for m in found), *broken})


@pytest.mark.parametrize("module", _modules())
def test_doctests(module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:  # an optional dependency (dask, say) is not installed
        if exc.name is None or exc.name.partition(".")[0] == "zarrlite":
            raise
        pytest.skip(f"{module} needs {exc.name}")
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder().find(mod, module):
        runner.run(test, out=report.append)
    if runner.failures:
        pytest.fail(
            f"{runner.failures} doctest example(s) failed in {module}:\n" + "".join(report),
            pytrace=False,
        )
