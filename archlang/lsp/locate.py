"""The node under the cursor, and what the names there refer to.

`path_at` walks a parsed module with the node protocol (every node lists its
children in `fields`): the nodes whose span holds the point, outermost first,
so the last one is the innermost (a `Name` inside an `Option` inside a
`Call`). `binding` says what a name written there means, looking outwards
through that path the way the checker does: a block's or a let's parameter, a
repeat's index, a parameter of the network, a `let` of the file or its
imports. `call_target` says whether a call names a block (and which) or a layer kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import ir
from ..checker.resolve import kind_quietly
from ..layers import Kind
from ..nodes import Node, Visitor, room_to_recurse
from ..records import record
from ..scope import Scope, library_entry, resolve_import
from ..source import Source
from .document import Document, Point, contains


class _Enclosing(Visitor):
    """Appends, in pre-order, every node whose span holds the point: an
    enclosing node always comes before what it encloses."""

    def generic_visit(self, node: Node, point: Point, path: list[Node]) -> None:
        span = getattr(node, "span", None)
        if span is not None and contains(span, point):
            path.append(node)
        for child in node.iter_children():
            self.visit(child, point, path)


def path_at(module: ir.Module, point: Point) -> list[Node]:
    """The nodes of `module` whose span holds `point`, outermost first."""
    path: list[Node] = []
    with room_to_recurse():  # as deep as the spec's nesting, as every walk (a chain 1+1+... of 800)
        _Enclosing().visit(module, point, path)
    return path


def answer_at(doc: Document, point: Point, asker: Visitor) -> tuple[Node, Any] | None:
    """The first answer `asker.visit(node, doc, path)` gives for the nodes whose span
    holds `point`, innermost first (None or "" lets an enclosing node answer), and its node."""
    if doc.module is None:
        return None
    path = path_at(doc.module, point)
    for node in reversed(path):
        answer = asker.visit(node, doc, path)
        if answer:
            return node, answer
    return None


def imported_file(doc: Document, node: ir.Import) -> Path | None:
    """The file an import names, if it exists: a module of the standard library, or a path next to the document."""
    if node.library:
        entry = library_entry(node.path)
        return Path(str(entry)) if entry else None
    try:
        file = resolve_import(node, doc.source)
    except (OSError, RuntimeError):
        return None
    return file if file.is_file() else None


@record(frozen=True)
class Binding:
    """What a name means where it is written: `what` is "block parameter",
    "let parameter", "repeat index", "network parameter" or "let"; `node` the
    parameter, repeat or let that declares it; `owner` the block, let or
    network declaration it belongs to (None for a repeat's index); `source`
    the file it is written in."""

    what: str
    name: str
    node: Node
    owner: Node | None
    source: Source


class _Declares(Visitor):
    """Whether an enclosing node declares a name: a block's or a let's
    parameters, a repeat's index. Returns the binding, or None."""

    def visit_Def(self, node: ir.Def, name: str, source: Source) -> Binding | None:
        param = next((p for p in node.params if p.name == name), None)
        return Binding("block parameter", name, param, node, source) if param else None

    def visit_Let(self, node: ir.Let, name: str, source: Source) -> Binding | None:
        param = next((p for p in node.params or () if p.name == name), None)
        return Binding("let parameter", name, param, node, source) if param else None

    def visit_Repeat(self, node: ir.Repeat, name: str, source: Source) -> Binding | None:
        return Binding("repeat index", name, node, None, source) if node.index == name else None

    def generic_visit(self, node: Any, name: str, source: Source) -> None:
        return None


def binding(doc: Document, path: list[Node], name: str) -> Binding | None:
    """What `name`, written at the end of `path`, refers to (None: a word such as `same` or `relu`)."""
    module = doc.module
    if module is None:
        return None
    declares = _Declares()
    for node in reversed(path):
        found = declares.visit(node, name, doc.source)
        if found is not None:
            return found
    for network in module.networks[:1]:
        param = next((p for p in network.params if p.name == name), None)
        if param is not None:
            return Binding("network parameter", name, param, network, doc.source)
    scope = doc.scope
    if scope is not None and name in scope.lets:
        let, home = scope.lets[name]
        return Binding("let", name, let, None, home.source)
    return None


@record(frozen=True)
class Target:
    """What a call names: a block (its definition and the scope it was written in) or a layer kind."""

    definition: ir.Def | None = None
    home: Scope | None = None
    kind: Kind | None = None


def call_target(doc: Document, call: ir.Call) -> Target | None:
    """The block a call names (the file's blocks first, as the checker looks), else its layer kind."""
    scope = doc.scope
    if scope is not None and call.name in scope.blocks:
        definition, home = scope.blocks[call.name]
        return Target(definition=definition, home=home)
    kind = kind_quietly(call.name)
    return Target(kind=kind) if kind is not None else None


def innermost(path: list[Node], kind: type) -> Any:
    """The innermost node of a type in a path (the enclosing `Def` of a name), or None."""
    return next((node for node in reversed(path) if type(node) is kind), None)
