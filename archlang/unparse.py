"""IR to text: a spec written out from its `ir` nodes, in the layout of `archc fmt`.

For what builds IR without text (an importer of another framework's model, a
program that edits a network): `module_text(module)` is a spec that parses
back to the same IR, laid out by the printer (printer.py), and `node_text`
writes one layer, sequence or expression. What the IR does not keep is
written in the canonical way: `,` between items (`->` and a line break read
the same), `[...]` for a group, parentheses only where an expression needs
them, a call without arguments without its `()`. Statements come in the order
their spans give (the order of the file they were parsed from, one line of
layers per line written), or else in the usual order of a spec: network,
variants, input, defaults, imports, lets, defs, layers one per line (blank
lines where the spans say the file had them). The IR holds no comments: a
file's comments are the printer's to keep (`archc fmt`).
"""

from __future__ import annotations

from typing import Any

from . import ir
from .nodes import Visitor
from .printer import format_text

__all__ = ["module_text", "node_text"]

#: Binding strength of each operator (grammars/archlang.lark, weakest first).
_PRECEDENCE = {"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6}
_IF, _NOT, _COMPARE, _UNARY, _ATOM = 0, 3, 4, 7, 8


class _Writer(Visitor):
    """One method per node kind: its text, with `strength` the binding its
    place needs (an expression weaker than that is parenthesised)."""

    # ---- expressions
    def visit_Number(self, node: ir.Number, strength: int = 0) -> str:
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        text = repr(node.value) if isinstance(node.value, float) else str(node.value)
        return _wrap(text, _UNARY if node.value < 0 else _ATOM, strength)

    def visit_Name(self, node: ir.Name, strength: int = 0) -> str:
        return node.id

    def visit_Unary(self, node: ir.Unary, strength: int = 0) -> str:
        if node.op == "not":
            return _wrap("not " + self.visit(node.operand, _NOT), _NOT, strength)
        return _wrap("-" + self.visit(node.operand, _UNARY), _UNARY, strength)

    def visit_Binary(self, node: ir.Binary, strength: int = 0) -> str:
        level = _PRECEDENCE[node.op]
        left = self.visit(node.left, level + (level == _COMPARE))  # comparisons do not chain
        right = self.visit(node.right, level + 1)
        return _wrap(f"{left} {node.op} {right}", level, strength)

    def visit_Apply(self, node: ir.Apply, strength: int = 0) -> str:
        return node.name + self._arguments(node.args, node.kwargs)

    def visit_IfElse(self, node: ir.IfElse, strength: int = 0) -> str:
        text = f"{self.visit(node.then, 1)} if {self.visit(node.test, 1)} else {self.visit(node.otherwise, 0)}"
        return _wrap(text, _IF, strength)

    def value(self, node: ir.Expr) -> str:
        """An option's value: an atom, or a minus sign and an atom (`p=-1`)."""
        if isinstance(node, ir.Unary) and node.op == "-":
            return "-" + self.visit(node.operand, _ATOM)
        return self.visit(node, _ATOM)

    def _arguments(self, args: tuple[ir.Expr, ...], kwargs: tuple[ir.Option, ...]) -> str:
        return "(" + ", ".join([*(self.visit(a) for a in args), *map(self.visit, kwargs)]) + ")"

    # ---- layers and structure
    def visit_Option(self, node: ir.Option, strength: int = 0) -> str:
        return f"{node.key}={self.value(node.value)}"

    def visit_Call(self, node: ir.Call, strength: int = 0) -> str:
        text = _label(node.label) + node.name
        if node.args or node.kwargs:
            text += self._arguments(node.args, node.kwargs)
        if node.count is not None:
            text += "-" + self.visit(node.count, _ATOM)
        if node.stride is not None:
            text += "/" + self.visit(node.stride, _ATOM)
        return text + self._options(node.options)

    def visit_Seq(self, node: ir.Seq, strength: int = 0) -> str:
        return _label(node.label) + "[" + self.items(node) + "]"

    def items(self, node: ir.Seq) -> str:
        return ", ".join(self.visit(item) for item in node.items)

    def visit_Repeat(self, node: ir.Repeat, strength: int = 0) -> str:
        body = node.body if isinstance(node.body, (ir.Call, ir.Seq, ir.Branch, ir.Side)) else ir.Seq((node.body,))
        index = f" as {node.index}" if node.index else ""
        return f"{self.visit(body)}*{self.visit(node.count, _ATOM)}{index}"

    def visit_Cond(self, node: ir.Cond, strength: int = 0) -> str:
        body = node.body if not isinstance(node.body, ir.Cond) else ir.Seq((node.body,))
        return f"{self.visit(body)} if {self.visit(node.test, 1)}"

    def visit_Identity(self, node: ir.Identity, strength: int = 0) -> str:
        return "x"

    def visit_Branch(self, node: ir.Branch, strength: int = 0) -> str:
        paths = f" {node.op} ".join(self.visit(p) if isinstance(p, ir.Identity) else self.items(p) for p in node.paths)
        return _label(node.label) + "{" + paths + "}" + self._options(node.options)

    def visit_Side(self, node: ir.Side, strength: int = 0) -> str:
        return "side[" + self.items(node.body) + "]" + self._options(node.options)

    def _options(self, options: tuple[ir.Option, ...]) -> str:
        return "".join(" " + self.visit(option) for option in options)

    # ---- statements
    def visit_Param(self, node: ir.Param, strength: int = 0) -> str:
        return node.name if node.default is None else f"{node.name} = {self.visit(node.default)}"

    def params(self, params: tuple[ir.Param, ...]) -> str:
        return "(" + ", ".join(map(self.visit, params)) + ")"

    def visit_NetworkDecl(self, node: ir.NetworkDecl, strength: int = 0) -> str:
        return f"network {node.name}" + (self.params(node.params) if node.params else "")

    def visit_Variant(self, node: ir.Variant, strength: int = 0) -> str:
        options = ", ".join(f"{o.key} = {self.value(o.value)}" for o in node.options)
        return f"variant {node.name}({options})"

    def visit_InputDecl(self, node: ir.InputDecl, strength: int = 0) -> str:
        """`input 3@224x224` where every size is a number, else `input 3@(res)x(res)`."""
        first, *sizes = node.dims
        literal = all(isinstance(d, ir.Number) and type(d.value) is int for d in sizes)
        separators = ("@", *("x" * len(sizes)))
        return f"input {self.visit(first)}" + "".join(
            sep + (self.visit(d) if literal else f"({self.visit(d)})") for sep, d in zip(separators, sizes))

    def visit_Default(self, node: ir.Default, strength: int = 0) -> str:
        if node.keyword in ("act", "pad"):
            return f"{node.keyword} {self.value(node.options[0].value)}"
        return " ".join(["default", *node.kinds, *map(self.visit, node.options)])

    def visit_Import(self, node: ir.Import, strength: int = 0) -> str:
        return f"import {node.path}" if node.library else f'import "{node.path}"'

    def visit_Let(self, node: ir.Let, strength: int = 0) -> str:
        params = self.params(node.params) if node.params is not None else ""
        return f"let {node.name}{params} = {self.visit(node.value)}"

    def visit_Def(self, node: ir.Def, strength: int = 0) -> str:
        return f"def {node.name}{self.params(node.params)} = {self.items(node.body)}"


def _wrap(text: str, level: int, strength: int) -> str:
    return f"({text})" if level < strength else text


def _label(label: str | None) -> str:
    return f"{label}: " if label else ""


def node_text(node: Any) -> str:
    """One node as text: a layer (`conv3-64/2 p=1`), a sequence (`[a, b]`), an expression."""
    return str(_Writer().visit(node))


def module_text(module: ir.Module) -> str:
    """A whole module as a spec, laid out as `archc fmt` lays it out."""
    writer = _Writer()
    declarations = [*module.networks, *module.variants, *module.inputs, *module.defaults, *module.imports,
                    *module.lets, *module.defs]
    pieces: list[tuple[Any, bool]] = sorted([*((d, False) for d in declarations), *((item, True) for item in module.body.items)],
                    key=lambda piece: piece[0].span.start if piece[0].span.line else 1 << 62)
    lines: list[str] = []
    previous: tuple[Any, bool] | None = None  # a node (every kind has a span) and whether it is a layer
    for node, is_layer in pieces:
        text = writer.visit(node)
        if is_layer and previous and previous[1] and 0 < previous[0].span.line == node.span.line:
            lines[-1] += ", " + text  # layers written on one line stay on one line
            continue
        if previous and 0 < previous[0].span.end_line < node.span.line - 1:
            lines.append("")  # a blank line where the file had one
        lines.append(text)
        previous = (node, is_layer)
    return format_text("".join(line + "\n" for line in lines))
