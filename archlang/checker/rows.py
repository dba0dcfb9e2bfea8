"""The flat listing of a checked tree: one row per layer, and the side outputs.

A branch's join comes first, then its paths one level deeper; a side output's
layers one level deeper too; a repeat's iterations in order (reused ones
again). Names (naming.py) and receptive fields (receptive.py) are worked out
in the same order and zipped in.
"""

from __future__ import annotations

from typing import Any

from ..nodes import Visitor
from ..units import Shape
from .checked import Aside, Branched, Layer, Row
from .naming import names
from .receptive import receptive_fields


class _Layers(Visitor):
    def visit_Layer(self, layer: Layer, depth: int, out: list[tuple[Layer, int]]) -> None:
        out.append((layer, depth))

    def visit_Branched(self, node: Branched, depth: int, out: list[tuple[Layer, int]]) -> None:
        out.append((node.layer, depth))
        for path in node.paths:
            self.visit(path, depth + 1, out)

    def visit_Aside(self, node: Aside, depth: int, out: list[tuple[Layer, int]]) -> None:
        self.visit(node.body, depth + 1, out)


class _Training(Visitor):
    """Whether each layer, in walk order, is inside a side output of training only."""

    def visit_Layer(self, layer: Layer, train: bool, out: list[bool]) -> None:
        out.append(train)

    def visit_Branched(self, node: Branched, train: bool, out: list[bool]) -> None:
        out.append(train)
        for path in node.paths:
            self.visit(path, train, out)

    def visit_Aside(self, node: Aside, train: bool, out: list[bool]) -> None:
        self.visit(node.body, train or node.train, out)


def walk_layers(tree: Any) -> list[tuple[Layer, int]]:
    """Every layer of a checked tree in order, with its nesting depth."""
    out: list[tuple[Layer, int]] = []
    if tree is not None:
        _Layers().visit(tree, 0, out)
    return out


class _Sides(Visitor):
    def visit_Aside(self, node: Aside, out: list[Shape]) -> None:
        self.visit(node.body, out)  # a side inside a side comes first
        if node.out is not None:
            out.append(node.out)


def side_outputs(tree: Any) -> tuple[Shape, ...]:
    """The shapes of the side outputs in walk order, every iteration of a repeat included."""
    out: list[Shape] = []
    if tree is not None:
        _Sides().visit(tree, out)
    return tuple(out)


def rows(tree: Any) -> list[Row]:
    """The rows of a checked tree: each layer with its name, receptive field and depth."""
    fields = receptive_fields(tree)
    training: list[bool] = []
    if tree is not None:
        _Training().visit(tree, False, training)
    return [Row(name, layer, rf, depth, train)
            for (layer, depth), name, rf, train in zip(walk_layers(tree), names(tree), fields, training)]
