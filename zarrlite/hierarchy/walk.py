"""Walking a group's hierarchy: `visititems` and friends, and the text `tree()` (a mixin of
`Group`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from zarrlite.hierarchy.array import Array


class Walking:
    """`visititems`, `visit`, `visitkeys`, `visitvalues` and `tree`, for `Group`."""

    if TYPE_CHECKING:  # what the mixin relies on, defined by Group
        def __iter__(self) -> Iterator[str]: ...
        def __getitem__(self, name: str) -> Any: ...

    def visititems(self, func: Callable[[str, Any], Any]) -> Any:
        """Call ``func(relative_name, node)`` on every descendant, depth first.

        Members are visited in name order, each group before its own members.

        Parameters
        ----------
        func : callable
            Called with the path relative to this group (``'sub/x'``) and the `Array`
            or `Group` there.

        Returns
        -------
        object
            The first result of `func` that is not None (the walk stops there), else None.

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> _ = g.zeros("sub/x", shape=4), g.create_group("empty")
        >>> g.visititems(lambda name, node: print(name, node))
        empty <zarrlite.Group '/empty'>
        sub <zarrlite.Group '/sub'>
        sub/x <zarrlite.Array '/sub/x' (4,) float64>
        >>> g.visititems(lambda name, node: name if isinstance(node, zl.Array) else None)
        'sub/x'
        """
        def walk(group: Any, prefix: str) -> Any:
            for name in group:
                node = group[name]
                relative = f"{prefix}{name}"
                result = func(relative, node)
                if result is not None:
                    return result
                if not isinstance(node, Array):  # a group
                    result = walk(node, relative + "/")
                    if result is not None:
                        return result
            return None

        return walk(self, "")

    def visit(self, func: Callable[[str], Any]) -> Any:
        """Call ``func(relative_name)`` on every descendant (see `visititems`)."""
        return self.visititems(lambda name, _node: func(name))

    def visitkeys(self, func: Callable[[str], Any]) -> Any:
        """The same as `visit`: ``func(relative_name)`` on every descendant."""
        return self.visit(func)

    def visitvalues(self, func: Callable[[Any], Any]) -> Any:
        """Call ``func(node)`` on every descendant (see `visititems`)."""
        return self.visititems(lambda _name, node: func(node))

    def tree(self, expand: bool = False, level: int | None = None) -> Tree:
        """A text tree of the hierarchy below this group (print it).

        Parameters
        ----------
        expand : bool, optional
            Accepted for zarr-python 2's notebook widget; the text is always complete.
        level : int, optional
            How many levels below this group to show (all by default).

        Returns
        -------
        Tree
            Renders as text with ``str`` or ``repr`` (box-drawing characters) and as ASCII
            with ``bytes``; arrays show their shape and dtype. The layout is zarr-python
            2's.

        Examples
        --------
        >>> import zarrlite as zl
        >>> g = zl.group()
        >>> _ = g.zeros("a/x", shape=(2, 3), dtype="i4"), g.create_group("b")
        >>> _ = g.ones("y", shape=5)
        >>> print(g.tree())
        /
         ├── a
         │   └── x (2, 3) int32
         ├── b
         └── y (5,) float64
        >>> print(bytes(g.tree(level=1)).decode())
        /
         +-- a
         +-- b
         +-- y (5,) float64
        """
        return Tree(self, level=level)


class Tree:
    """Text rendering of a hierarchy, as ``Group.tree()`` returns it.

    Parameters
    ----------
    group : Group
        The group at the top of the tree; the text is made each time it is printed.
    level : int, optional
        Levels below `group` to show (all when None).
    """

    _UNICODE = ("├── ", "└── ", "│   ", "    ")
    _ASCII = ("+-- ", "+-- ", "|   ", "    ")

    def __init__(self, group: Any, level: int | None = None) -> None:
        self.group = group
        self.level = level

    def _lines(self, group: Any, prefix: str, depth: int, gfx: tuple[str, ...]) -> list[str]:
        if self.level is not None and depth > self.level:
            return []
        lines = []
        names = list(group)
        for i, name in enumerate(names):
            last = i == len(names) - 1
            branch = gfx[1] if last else gfx[0]
            try:
                node = group[name]
            except ValueError as exc:  # bad metadata, a codec not installed: say so, go on
                lines.append(f"{prefix}{branch}{name} (cannot open: {type(exc).__name__})")
                continue
            if isinstance(node, Array):
                lines.append(f"{prefix}{branch}{name} {node.shape} {node.dtype}")
            else:
                lines.append(f"{prefix}{branch}{name}")
                lines += self._lines(node, prefix + (gfx[3] if last else gfx[2]), depth + 1,
                                     gfx)
        return lines

    def _text(self, gfx: tuple[str, ...]) -> str:
        top = self.group.basename or "/"
        return "\n".join([top] + self._lines(self.group, " ", 1, gfx))

    def __repr__(self) -> str:
        return self._text(self._UNICODE)

    __str__ = __repr__

    def __bytes__(self) -> bytes:
        return self._text(self._ASCII).encode()
