"""Navigation: go to definition, and the outline of a document.

A block call goes to its `def`, in this file, a file it imports or the
standard library (archlang/stdlib/*.arch, where `import resnet` finds it); an
import goes to the file; a parameter or a let to where it is declared. The
outline lists the network (its parameters inside), the imports, lets, blocks
and variants, and each top-level line of layers, named by its label or as
written, with the shape it ends in.
"""

from __future__ import annotations

from typing import Any

from .. import ir
from ..nodes import Node, Visitor
from ..records import record
from ..source import Source, Span, displayable
from ..units import fmt_shape
from .document import Document, Point, name_span, output_of
from .hover import signature
from .locate import answer_at, binding, call_target, imported_file

#: The first character of a file: where going to an import lands.
FILE_START = Span(1, 1, 1, 1, 0, 0)

#: How much of a top-level line the outline shows when it has no label.
NAME_WIDTH = 60


@record(frozen=True)
class Location:
    """A span of a file (its source, for its path and to count positions in its lines)."""

    source: Source
    span: Span


def definition(doc: Document, point: Point) -> Location | None:
    """Where the name under the cursor is defined, or None."""
    found = answer_at(doc, point, _Definition())
    return found[1] if found else None


class _Definition(Visitor):
    def generic_visit(self, node: Any, doc: Document, path: list[Node]) -> None:
        return None

    def visit_Call(self, call: ir.Call, doc: Document, path: list[Node]) -> Location | None:
        target = call_target(doc, call)
        if target is None or target.definition is None or target.home is None:
            return None
        source = target.home.source
        return Location(source, name_span(source, target.definition.name, target.definition.span))

    def visit_Import(self, node: ir.Import, doc: Document, path: list[Node]) -> Location | None:
        file = imported_file(doc, node)
        return Location(Source(displayable(file), "", file), FILE_START) if file else None

    def visit_Name(self, node: ir.Name, doc: Document, path: list[Node]) -> Location | None:
        found = binding(doc, path, node.id)
        return Location(found.source, found.node.span) if found else None  # type: ignore[attr-defined]


# ---- the outline --------------------------------------------------------------------------------


@record(frozen=True)
class Symbol:
    """One entry of the outline: its name, its kind (network, parameter,
    module, let, block, variant, layer, block call, repeat, group, branch,
    condition, side), a detail, the span it covers, the span of its name,
    and the entries inside it."""

    name: str
    kind: str
    detail: str
    span: Span
    selection: Span
    children: tuple[Symbol, ...] = ()


def symbols(doc: Document) -> list[Symbol]:
    """The outline of the document, in source order."""
    module = doc.module
    if module is None:
        return []
    found = [*(_network(doc, n) for n in module.networks), *(_import(doc, i) for i in module.imports),
             *(_named(doc, let.name, "let", "", let.span) for let in module.lets),
             *(_named(doc, d.name, "block", signature(d), d.span) for d in module.defs),
             *(_named(doc, v.name, "variant", doc.text_of(v.span), v.span) for v in module.variants),
             *_body(doc, module)]
    return sorted(found, key=lambda s: (s.span.line, s.span.col))


def _named(doc: Document, name: str, kind: str, detail: str, span: Span) -> Symbol:
    return Symbol(name, kind, detail, span, name_span(doc.source, name, span))


def _network(doc: Document, decl: ir.NetworkDecl) -> Symbol:
    network = doc.network
    detail = ""
    if network is not None and network.output is not None and doc.analysis.ok:
        detail = f"{fmt_shape(network.input)} → {fmt_shape(network.output)}, {network.params:,} params"
    values = network.params_values if network else {}
    params = tuple(_named(doc, p.name, "parameter", f"= {values.get(p.name)!s}".replace("= None", "no value"),
                          p.span) for p in decl.params)
    symbol = _named(doc, decl.name, "network", detail, decl.span)
    return Symbol(symbol.name, symbol.kind, symbol.detail, symbol.span, symbol.selection, params)


def _import(doc: Document, node: ir.Import) -> Symbol:
    where = "standard library" if node.library else "file"
    return Symbol(node.path, "module", where, node.span, node.span)


def _body(doc: Document, module: ir.Module) -> list[Symbol]:
    """A symbol for each top-level item, with the shape it ends in when the check reached it."""
    items = module.body.items
    tree = doc.network.tree if doc.network else None
    checked = tree.items if tree is not None and tree.node is module.body and len(tree.items) == len(items) else None
    kinds = _ItemKind()
    found = []
    for number, item in enumerate(items):
        label = getattr(item, "label", None)
        text = doc.text_of(item.span)
        name = label or (text if len(text) <= NAME_WIDTH else text[:NAME_WIDTH - 3] + "...")
        shape = output_of(checked[number]) if checked is not None else None
        call = text.split(":", 1)[1].strip() if label else ""
        ends = fmt_shape(shape) if shape is not None else ""
        detail = f"{call} → {ends}" if call and ends else call or ends
        found.append(Symbol(name, kinds.visit(item, doc), detail, item.span, item.span))
    return found


class _ItemKind(Visitor):
    """What a top-level item is, for the outline's icon."""

    def generic_visit(self, node: Any, doc: Document) -> str:
        return "group"

    def visit_Call(self, node: ir.Call, doc: Document) -> str:
        target = call_target(doc, node)
        return "block call" if target is not None and target.definition is not None else "layer"

    def visit_Repeat(self, node: ir.Repeat, doc: Document) -> str:
        return "repeat"

    def visit_Branch(self, node: ir.Branch, doc: Document) -> str:
        return "branch"

    def visit_Cond(self, node: ir.Cond, doc: Document) -> str:
        return "condition"

    def visit_Side(self, node: ir.Side, doc: Document) -> str:
        return "side"
