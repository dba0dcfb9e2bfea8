"""Hover: what the checker knows about the node under the cursor, as Markdown.

On a layer: each place it runs (a layer in a repeat runs once per iteration)
with its input and output shapes, parameters, MACs and receptive field, the
figures of `archc check`'s table; on a block call, its expansion's totals;
on a branch, its join; on a parameter, its value and where it is set; on an
option, what it does and its default; on an import, the blocks it brings.
The innermost node with something to say answers (a number inside a call:
the call).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .. import ir
from ..checker import Row
from ..joins import BY_SYMBOL
from ..layers import KINDS, Kind, lookup
from ..nodes import Node, Visitor
from ..options import describe
from ..records import record
from ..report import rf_text
from ..source import Span
from ..units import fmt_shape, short_count
from .document import Document, Expansion, Point, output_of
from .locate import Binding, answer_at, binding, call_target, imported_file, innermost

#: Rows a hover lists before it sums up the rest ("and 20 more").
MAX_ROWS = 12


@record(frozen=True)
class Hover:
    """The Markdown to show and the span it is about."""

    markdown: str
    span: Span


def hover(doc: Document, point: Point) -> Hover | None:
    """The hover at a point of the document, or None where there is nothing to say."""
    found = answer_at(doc, point, _Describe())
    if found is None:
        return None
    node, text = found
    return Hover(text, node.span)  # type: ignore[attr-defined]


class _Describe(Visitor):
    """The Markdown for one node of the path, or None to let an enclosing node answer."""

    def generic_visit(self, node: Any, doc: Document, path: list[Node]) -> str | None:
        return None

    def visit_Call(self, call: ir.Call, doc: Document, path: list[Node]) -> str | None:
        target = call_target(doc, call)
        if target is None:
            return None
        if target.definition is not None:
            return _block(doc, call, target.definition, target.home.source.name if target.home else "")
        assert target.kind is not None
        return _layer(doc, call.span, f"**{doc.text_of(call.span)}**", target.kind)

    def visit_Branch(self, node: ir.Branch, doc: Document, path: list[Node]) -> str | None:
        join = BY_SYMBOL.get(node.op)
        what = f"{join.what} ({join.name}): {join.doc}" if join and join.doc else join.what if join else "a branch"
        return _layer(doc, node.span, f"**{{ {node.op} }}**: {what}", None)

    def visit_Name(self, node: ir.Name, doc: Document, path: list[Node]) -> str | None:
        found = binding(doc, path, node.id)
        return _binding(doc, found) if found else None

    def visit_Param(self, node: ir.Param, doc: Document, path: list[Node]) -> str | None:
        found = binding(doc, path, node.name)
        return _binding(doc, found) if found else None

    def visit_Option(self, node: ir.Option, doc: Document, path: list[Node]) -> str | None:
        call, default = innermost(path, ir.Call), innermost(path, ir.Default)
        kinds = _option_kinds(doc, call, default)
        found = [(kind, option) for kind in kinds if (option := kind.option(node.key)) is not None]
        if not found:
            return None
        kind, option = found[0]
        names = ", ".join(f"`{n}`" for n in option.aliases)
        default_text = "required" if option.required else f"default `{value_text(option.default)}`"
        return (f"**{option.name}**{f' (also {names})' if names else ''}: option of {kind.name}, "
                f"{default_text}\n\n{option.help}")

    def visit_Import(self, node: ir.Import, doc: Document, path: list[Node]) -> str | None:
        scope = doc.scope
        if scope is None:
            return None
        file = imported_file(doc, node)  # the file itself: a suffix of its name would match myblocks.arch too
        target = file.resolve() if file is not None else None
        blocks = sorted(name for name, (_, home) in scope.blocks.items()
                        if target is not None and home.source.path is not None and home.source.path.resolve() == target)
        where = "the standard library" if node.library else "a file next to this one"
        listed = ", ".join(f"`{b}`" for b in blocks) or "none"
        return f"**import {node.path}**: {where}\n\nblocks: {listed}"

    def visit_NetworkDecl(self, node: ir.NetworkDecl, doc: Document, path: list[Node]) -> str | None:
        network = doc.network
        if network is None or network.output is None:
            return None
        return (f"**network {network.name}**: {fmt_shape(network.input)} → {fmt_shape(network.output)}\n\n"
                f"{len(network.rows):,} layers · {network.params:,} params · {network.macs:,} MACs "
                f"({short_count(network.macs)})")


# ---- layers and branches ------------------------------------------------------------------------


def _layer(doc: Document, span: Span, title: str, kind: Kind | None) -> str | None:
    """Every row written at `span` in this file: a layer, its implied flatten, a join and its shortcut."""
    rows = [row for row in doc.rows if row.layer.span == span and doc.owns(row.layer)]
    head = f"{title} — {kind.doc}" if kind is not None and kind.doc else title
    if not rows:
        return head if kind is not None else None
    lines = [head, "", "| layer | input → output | params | MACs | rf/jump |", "|---|---|--:|--:|---|"]
    lines += [f"| {row.name} `{row.layer.display}` | {fmt_shape(row.layer.in_shape)} → "
              f"{fmt_shape(row.layer.out_shape)} | {row.layer.params:,} | {row.layer.macs:,} | {rf_text(row)} |"
              for row in rows[:MAX_ROWS]]
    return "\n".join(lines + _summed(rows, "layer"))


def _summed(rows: list[Row], what: str) -> list[str]:
    """A line that sums up, under a table of more than one row (and says how many were left out)."""
    if len(rows) <= 1:
        return []
    more = f" ({len(rows) - MAX_ROWS} more not listed)" if len(rows) > MAX_ROWS else ""
    params = sum(row.layer.params for row in rows)
    macs = sum(row.layer.macs for row in rows if not row.train)
    return ["", f"{len(rows)} {what}s{more}: {params:,} params, {macs:,} MACs"]


# ---- block calls --------------------------------------------------------------------------------


def _block(doc: Document, call: ir.Call, definition: ir.Def, home: str) -> str:
    head = (f"**{doc.text_of(call.span)}**: block `{definition.name}{signature(definition)}`, "
            f"{home}:{definition.span.line}")
    expansions = doc.index.expansions.get(id(call), [])
    if not expansions:
        return head
    lines = [head, "", "| block | input → output | layers | params | MACs |", "|---|---|--:|--:|--:|"]
    for expansion in expansions[:MAX_ROWS]:
        rows = doc.rows[expansion.start:expansion.end]
        first = fmt_shape(rows[0].layer.in_shape) if rows else "?"
        lines.append(f"| {_prefix(rows)} | {first} → {fmt_shape(output_of(expansion.block))} | {len(rows):,} | "
                     f"{sum(r.layer.params for r in rows):,} | {sum(r.layer.macs for r in rows if not r.train):,} |")
    if len(expansions) > 1:
        every = [row for e in expansions for row in doc.rows[e.start:e.end]]
        more = f" ({len(expansions) - MAX_ROWS} more not listed)" if len(expansions) > MAX_ROWS else ""
        params, macs = sum(r.layer.params for r in every), sum(r.layer.macs for r in every if not r.train)
        lines += ["", f"{len(expansions)} calls{more}: {params:,} params, {macs:,} MACs"]
    args = expansions[0].block.args
    lines += ["", "arguments: " + ", ".join(f"{k} = {describe(v)}" for k, v in args.items())] if args else []
    return "\n".join(lines)


def signature(definition: ir.Def) -> str:
    """A block's parameters as its `def` writes them: `(c, s = 1)`."""
    return "(" + ", ".join(p.name if p.default is None else f"{p.name} = {doc_text(p.default)}"
                           for p in definition.params) + ")"


def doc_text(expr: ir.Expr) -> str:
    """A default's value as the spec writes a literal (`1`, `true`), or `...` for an expression."""
    value = getattr(expr, "value", None)
    if value is not None:
        return describe(value)
    return str(getattr(expr, "id", "..."))


def value_text(value: object) -> str:
    """An option's default as a spec writes it: `1x7` for a size, `none`, `true`, `0.5`."""
    if value is None:
        return "none"
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return "x".join(map(str, value))
    return describe(value)


def _prefix(rows: list[Row]) -> str:
    """The name of a block call's expansion: what its rows' names share (`conv2_x.bottleneck1`)."""
    if not rows:
        return "(empty)"
    parts = rows[0].name.split(".")
    for row in rows[1:]:
        other = row.name.split(".")
        while parts and other[:len(parts)] != parts:
            parts.pop()
    if len(rows) == 1 and len(parts) > 1:
        parts.pop()
    return ".".join(parts) or rows[0].name


# ---- names --------------------------------------------------------------------------------------


def _binding(doc: Document, found: Binding) -> str:
    line = found.node.span.line  # type: ignore[attr-defined]
    where = f"line {line}" if found.source.name == doc.source.name else f"{found.source.name}:{line}"
    if found.what == "network parameter":
        network = doc.network
        value = network.params_values.get(found.name) if network else None
        shown = "no value" if value is None else f"`{describe(value)}`"
        return (f"**{found.name}** = {shown}: parameter of network `{found.owner.name}`, "  # type: ignore[union-attr]
                f"set at {where} (`-D {found.name}=...` overrides it in archc)")
    if found.what == "block parameter":
        return _block_parameter(doc, found, where)
    if found.what == "let":
        let: ir.Let = found.node  # type: ignore[assignment]
        written = found.source.covered(let.span, one_line=True)
        return f"**{found.name}**: let, set at {where}\n\n`{written}`"
    return f"**{found.name}**: {found.what}, set at {where}"


def _block_parameter(doc: Document, found: Binding, where: str) -> str:
    param: ir.Param = found.node  # type: ignore[assignment]
    owner: ir.Def = found.owner  # type: ignore[assignment]
    default = "required" if param.default is None else f"default `{doc_text(param.default)}`"
    head = f"**{found.name}**: parameter of block `{owner.name}`, {default}, declared at {where}"
    values = Counter(describe(e.block.args.get(found.name)) for e in _expansions_of(doc, owner))
    if not values:
        return head
    listed = ", ".join(f"`{value}` ({count} call{'s' * (count != 1)})" for value, count in values.most_common())
    return f"{head}\n\nset by its calls here to: {listed}"


def _expansions_of(doc: Document, definition: ir.Def) -> list[Expansion]:
    return [e for every in doc.index.expansions.values() for e in every if e.block.definition is definition]


def _option_kinds(doc: Document, call: ir.Call | None, default: ir.Default | None) -> list[Kind]:
    """The kinds an option may belong to: the call's, or those a `default` statement names."""
    if call is not None:
        target = call_target(doc, call)
        return [target.kind] if target and target.kind else []
    if default is not None:
        named = [lookup(name) for name in default.kinds]
        return [k for k in named if k] if default.kinds else [k for k in KINDS if k.defaults]
    return []
