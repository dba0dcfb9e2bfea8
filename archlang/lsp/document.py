"""One open document: its text, what `analyze` found in it, and positions as editors count them.

The analysis is made once per version of the text and kept with it; the
scope (the blocks the file can call, its imports') and the index of the
checked tree are worked out from it the first time a question needs them.
Positions: archlang counts 1-based lines and columns in characters; LSP
counts 0-based lines and columns in UTF-16 code units unless the editor
agreed on UTF-8 or UTF-32, so `to_point` and `to_client` convert between them.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .. import ir
from ..checker import Block, Branched, CheckedNetwork, Layer, Row
from ..checker.checked import Aside
from ..diagnostics import Diagnostic
from ..limits import DEFAULT, Limits
from ..nodes import Node, Visitor, room_to_recurse
from ..pipeline import Analysis, analyze_source
from ..records import field, record
from ..scope import Scope, build_scope
from ..source import Source, Span, displayable, text_as_read
from ..units import Shape

#: A place in a document: 1-based line and column, in characters (archlang's own count).
Point = tuple[int, int]


class Document:
    """An open file: its source (named by its path, so that imports resolve
    next to it), the analysis of this text, and, when first asked for, its
    scope and the index of its checked tree."""

    def __init__(self, text: str, path: Path | None = None, limits: Limits = DEFAULT) -> None:
        name = displayable(path) if path else "<untitled>"
        self.text = text
        self.source = Source(name, text_as_read(text), path)
        self.limits = limits
        self.analysis: Analysis = _analyze(self.source, limits)

    @property
    def module(self) -> ir.Module | None:
        return self.analysis.module

    @property
    def network(self) -> CheckedNetwork | None:
        return self.analysis.network

    @functools.cached_property
    def scope(self) -> Scope | None:
        """The blocks and lets this file sees, its own and its imports' (None if it did not parse)."""
        if self.module is None:
            return None
        if self.network is not None and self.network.scope is not None:
            return self.network.scope  # the check built it: its imports are not read and parsed again
        return build_scope(self.module, self.limits)[0]

    @functools.cached_property
    def index(self) -> Index:
        """The checked tree's layers in the rows' order, and each block call's expansions."""
        found = Index()
        tree = self.network.tree if self.network else None
        if tree is not None:
            with room_to_recurse():
                _Indexer().visit(tree, found)
        return found

    @property
    def rows(self) -> list[Row]:
        return self.network.rows if self.network else []

    def owns(self, layer: Layer) -> bool:
        """Whether a checked layer was written in this file (not in a block of an imported one)."""
        return layer.origin is None

    def text_of(self, span: Span) -> str:
        """The text a span covers, on one line (line breaks and runs of spaces as one space)."""
        return self.source.covered(span, one_line=True)


def _analyze(source: Source, limits: Limits) -> Analysis:
    """The analysis of a document's text, within the size limit `archc check` keeps for files."""
    size = len(source.text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        message = f"{source.name} is {size:,} bytes, more than the limit of {limits.max_bytes:,}"
        hint = "archc checks spec files of at most this size: split it into files that import each other"
        return Analysis(source, diagnostics=[Diagnostic("error", "E100", message, Span(1, 1, 1, 2, 0, 1), source,
                                                        hint)])
    return analyze_source(source, {}, limits)


# ---- the checked tree's index -------------------------------------------------------------------


@record(frozen=True)
class Expansion:
    """One checked call of a block: the checked node and its rows, `rows[start:end]`."""

    block: Block
    start: int
    end: int


@record
class Index:
    """The layers of the checked tree in the order of its rows (row i is
    `layers[i]`'s), and the expansions of each block call, by the call's identity."""

    layers: list[Layer] = field(default_factory=list)
    expansions: dict[int, list[Expansion]] = field(default_factory=dict)


class _Indexer(Visitor):
    """Walks the checked tree in the rows' order (a branch's join first, then
    its paths; a side output's layers in place), numbering the layers and
    recording where each block call's rows begin and end."""

    def visit_Layer(self, layer: Layer, found: Index) -> None:
        found.layers.append(layer)

    def visit_Branched(self, node: Branched, found: Index) -> None:
        found.layers.append(node.layer)
        for path in node.paths:
            self.visit(path, found)

    def visit_Block(self, node: Block, found: Index) -> None:
        start = len(found.layers)
        self.visit(node.body, found)
        found.expansions.setdefault(id(node.call), []).append(Expansion(node, start, len(found.layers)))


class _Output(Visitor):
    """The shape a checked node ends in; None for one that passes its input on (a side output)."""

    def visit_Layer(self, layer: Layer) -> Shape:
        return layer.out_shape

    def visit_Branched(self, node: Branched) -> Shape:
        return node.layer.out_shape

    def visit_Aside(self, node: Aside) -> None:
        return None

    def generic_visit(self, node: Node | None) -> Shape | None:
        # A sequence, a repeat, a condition, a block: where its last child that ends somewhere ends.
        # (None: what the walk could not check.)
        out = None
        for child in node.iter_children() if isinstance(node, Node) else ():
            out = self.visit(child) or out
        return out


def output_of(node: Node) -> Shape | None:
    """The shape a checked node (a block's expansion, a top-level item) ends in."""
    with room_to_recurse():
        return _Output().visit(node)


# ---- positions ----------------------------------------------------------------------------------


def _units(text: str, encoding: str) -> int:
    """The length of `text` in the editor's units."""
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def to_point(source: Source, line: int, character: int, encoding: str = "utf-16") -> Point:
    """An editor's position (0-based, in its units) as archlang's (1-based, in characters)."""
    text = source.line_text(line + 1)
    units = 0
    for col, char in enumerate(text):
        if units >= character:
            return line + 1, col + 1
        units += _units(char, encoding)
    return line + 1, len(text) + 1


def to_client(source: Source, line: int, col: int, encoding: str = "utf-16") -> tuple[int, int]:
    """archlang's position (1-based, in characters) as the editor's (0-based, in its units)."""
    if line < 1:
        return 0, 0
    return line - 1, _units(source.line_text(line)[:max(0, col - 1)], encoding)


def contains(span: Span, point: Point) -> bool:
    """Whether a point lies in a span (its end excluded)."""
    return (span.line, span.col) <= point < (span.end_line, span.end_col) and span.line > 0


def name_span(source: Source, name: str, span: Span) -> Span:
    """The span of the first `name` written inside `span` (a block's name in its
    `def`), or the span itself when it is not there."""
    at = source.text.find(name, span.start, span.end)
    if at < 0:
        return span
    first = source.span_at(at)
    return Span(first.line, first.col, first.line, first.col + len(name), at, at + len(name))
