"""One node protocol for both trees: the spec's IR and the checked network.

As in Jinja's `nodes.py`, every node class names the fields that hold its
children (`fields`), so `iter_children` walks any node without knowing its
type, and a `Visitor` dispatches to `visit_<Class>` with a generic fallback
that visits the children. Render, codegen, naming, receptive fields, the
layer budget and the row listing are small visitors over this protocol.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

#: Python frames a walk may take. The trees are only as deep as the limits allow
#: (brackets and block calls, 100 each by default), but each level costs a walk
#: about ten frames (visit, dispatch, a sequence, a call): 99 nested block calls
#: met Python's default of 1,000. Walks are pure Python, so a deeper stack costs
#: no C stack; a spec deeper still (a raised --max-depth) gets E109, not a crash.
WALK_FRAMES = 20_000


@contextlib.contextmanager
def room_to_recurse(frames: int = WALK_FRAMES) -> Iterator[None]:
    """Raise Python's recursion limit to at least `frames` for one walk, then restore it."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, frames))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


class Node:
    """Base of every tree node. `fields` names the attributes that hold child
    nodes, in the order they are visited; a field may hold a node, a tuple of
    nodes, or None."""

    __slots__ = ()
    fields: ClassVar[tuple[str, ...]] = ()

    def iter_children(self) -> Iterator[Node]:
        """The child nodes, field by field, in order."""
        for name in self.fields:
            value = getattr(self, name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                yield from (item for item in value if isinstance(item, Node))


class Visitor:
    """Dispatches `visit(node, ...)` to `visit_<ClassName>(node, ...)`, or to
    `generic_visit`, which visits the children and returns None. Extra
    arguments are passed through unchanged: the walk's context goes down
    explicitly, never as state swapped on the visitor."""

    _dispatch: ClassVar[dict[type, str | None]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._dispatch = {}

    def visit(self, node: Any, *args: Any) -> Any:
        kind = type(node)
        try:
            name = self._dispatch[kind]
        except KeyError:
            name = self._method_name(kind)
        method: Callable[..., Any] = getattr(self, name) if name else self.generic_visit
        return method(node, *args)

    def _method_name(self, kind: type) -> str | None:
        # The most specific class in the node's hierarchy that has a method.
        name = next((f"visit_{k.__name__}" for k in kind.__mro__ if hasattr(self, f"visit_{k.__name__}")), None)
        type(self)._dispatch[kind] = name
        return name

    def generic_visit(self, node: Any, *args: Any) -> Any:
        if isinstance(node, Node):
            for child in node.iter_children():
                self.visit(child, *args)
        return None
