"""The package's layers: every module imports only from its own layer or the layers below,
and no modules import each other in a cycle (lazy imports inside functions count too).

Read from the installed package's source files with ``ast``, so nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import zarrlite

PACKAGE_DIR = Path(zarrlite.__file__).resolve().parent

#: Lowest first. A module's layer is the first entry its name starts with.
LAYERS: list[tuple[str, ...]] = [
    ("zarrlite.errors", "zarrlite.config", "zarrlite._ext"),
    ("zarrlite.codecs",),
    ("zarrlite.metadata",),
    ("zarrlite.stores",),
    ("zarrlite.indexing",),
    ("zarrlite.chunkio",),
    ("zarrlite.chunked",),
    ("zarrlite.hierarchy",),
    ("zarrlite.api", "zarrlite.convenience"),
    ("zarrlite.h5",),
    ("zarrlite.integrations",),
    ("zarrlite.bench", "zarrlite.cli", "zarrlite.__main__", "zarrlite.chunks", "zarrlite"),
]


def layer_of(module: str) -> int:
    for rank, names in enumerate(LAYERS):
        for name in names:
            if name != "zarrlite" and (module == name or module.startswith(name + ".")):
                return rank
    if module == "zarrlite":
        return len(LAYERS) - 1
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def module_files() -> dict[str, Path]:
    files = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def imported_modules(module: str, path: Path, known: set[str]) -> set[str]:
    """zarrlite modules that `module` imports anywhere in its file (`from x import y`
    counts as importing x.y when that is a module, else x)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if is_package else module.split(".")[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        else:
            continue
        found.update(n for n in names if n == "zarrlite" or n.startswith("zarrlite."))
    found.discard(module)
    return found


FILES = module_files()
#: Modules without a .py file: the compiled core.
EXTENSIONS = {"zarrlite._ext"}
GRAPH = {m: imported_modules(m, p, set(FILES) | EXTENSIONS) for m, p in FILES.items()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_module_imports_only_downward(module):
    rank = layer_of(module)
    upward = sorted(m for m in GRAPH[module] if layer_of(m) > rank)
    assert not upward, f"{module} (layer {rank}) imports from layers above: {upward}"


def test_no_import_cycles():
    # Tarjan-free check: a depth-first search that reports the first cycle it meets
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for dep in sorted(GRAPH.get(module, ())):
            if dep not in GRAPH:
                continue
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    # a package's __init__ importing its own submodules is not a cycle of the code
    real = [c for c in cycles if not all(c[0] == m or m.startswith(c[0] + ".")
                                         or c[0].startswith(m + ".") for m in c)]
    assert not real, "import cycles:\n" + "\n".join(" -> ".join(c) for c in real)
