"""The documentation runs: every ```python block of the Markdown files, every doctest.

Code blocks: each Markdown file's ```python blocks run in order in one fresh namespace (so a
later block uses names from earlier ones, as a reader would), in a temporary working directory.
A block that cannot run as written (it needs a server, say) is marked on the line just before
its fence, with a reason::

    <!-- fragment: needs an S3 bucket -->
    ```python
    ...
    ```

The files are the repository's top-level ``*.md``, ``docs/*.md`` and ``benchmarks/*.md``, found
from this file's location, so the test works from a clone and from an unpacked sdist (which ships
them). Other fences (```bash, ```text, ```json, ...) are not run; the Quick start commands are
run by ``.ci/run``.

Doctests: the examples in the docstrings of every module of the installed ``zarrlite`` package.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

import zarrlite as zl

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = sorted(
    [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md"), *(ROOT / "benchmarks").glob("*.md")]
)
RUN_LANGUAGES = {"python", "py"}
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
FRAGMENT = re.compile(r"^\s*<!--\s*fragment:\s*(?P<reason>\S.*?)\s*-->\s*$")


@dataclass
class Block:
    """One fenced code block: its language, first code line (1-based) and code."""

    language: str
    line: int
    code: str
    fragment: str | None  # the reason, when marked as a fragment


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
                marker["reason"] if marker else None,
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


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    name = path.relative_to(ROOT).as_posix()
    # settings a block changes must not leak into other tests
    with zl.config.set(
        threads=zl.config.get("threads"), partial_decode=zl.config.get("partial_decode")
    ):
        for block in _runnable(path):
            failure = None
            try:  # padded so that tracebacks give the line numbers of the Markdown file
                exec(compile("\n" * (block.line - 1) + block.code, str(path), "exec"), namespace)
            except Exception as exc:
                tb = exc.__traceback__.tb_next  # from the block's frame on
                failure = "".join(traceback.format_exception(type(exc), exc, tb))
            if failure is not None:  # outside the except: no "during handling" chain
                pytest.fail(
                    f"{name}, the python block at line {block.line} failed:\n"
                    f"{block.code}\n{failure}",
                    pytrace=False,
                )


def test_readme_has_blocks_to_run() -> None:
    assert len(_runnable(ROOT / "README.md")) >= 3, "the fence parser found no python blocks"


def test_fragment_marker() -> None:
    text = "<!-- fragment: needs a server -->\n```python\nconnect()\n```\n```bash\nls\n```\n"
    blocks = code_blocks(text)
    assert [(b.language, b.line, b.fragment) for b in blocks] == [
        ("python", 3, "needs a server"),
        ("bash", 6, None),
    ]


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
