"""Every store zarrlite ships, as fixtures for the shared store suite (tests/test_store_suite.py).

Each module here is one back end. It defines a fixture named ``<module>_backend`` that
returns a :class:`Backend`: a place (a directory, a file, a key prefix on a server) and a
way to open a store on it. The fixture starts whatever the store needs (a server bound to
127.0.0.1, a temporary file) and cleans up after itself. ``conftest.py`` loads every
module here, and the suite's ``backend`` fixture is parametrized over :data:`NAMES`, so a
new store joins the suite by adding a module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The back ends, one per module in this package, in a fixed order.
NAMES = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_"))


@dataclass
class Backend:
    """A place to keep a store, and a way to open it.

    Attributes
    ----------
    name : str
        The module's name ('zip', 'sqlite', ...).
    opener : callable
        ``opener(mode) -> store``: a new store object over the same place each call
        (mode is one of zarrlite's MODES; 'r' must give a read-only store).
    url : str or None
        What ``zl.open`` takes to open the same place (a path or URL), when it can.
    """

    name: str
    opener: Callable[[str], MutableMapping[str, bytes]]
    url: str | None = None
    opened: list[Any] = field(default_factory=list)

    def open(self, mode: str = "a") -> Any:
        """A store over this back end's place, closed when the test ends."""
        store = self.opener(mode)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in reversed(self.opened):
            close = getattr(store, "close", None)
            if callable(close):
                close()
        self.opened.clear()


def fixtures() -> dict[str, Any]:
    """Every module's fixtures (and the helper fixtures they need), for conftest.py."""
    found: dict[str, Any] = {}
    for name in NAMES:
        module = importlib.import_module(f"store_backends.{name}")
        for attr, value in vars(module).items():
            if any(hasattr(value, a) for a in ("_fixture_function_marker",
                                               "_pytestfixturefunction")):
                found[attr] = value
    return found
