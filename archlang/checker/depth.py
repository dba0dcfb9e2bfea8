"""Depth as papers count it: the weight layers on the longest path through the network.

VGG-16 has 16 weight layers, ResNet-18 18 and GoogLeNet is "22 layers deep
when counting only layers with parameters". All three are the same count:
the weight layers (convolutions, fully connected layers) met on the longest
path from the input to the output. A branch adds its deepest path, so a
residual block adds its body and not its shortcut projection, and an
inception module adds 2 (a 1x1 reduce, then the 3x3 or 5x5), not its six
convolutions; side outputs (auxiliary classifiers) are off that path.
"""

from __future__ import annotations

from typing import Any

from ..nodes import Node, Visitor, room_to_recurse
from .checked import Aside, Branched, CheckedNetwork, Layer


class _Depth(Visitor):
    """The weight layers on the deepest path through a node: a sequence adds
    up its items (the generic case: groups, repeats, block calls, conditionals)."""

    def visit_Layer(self, node: Layer) -> int:
        return int(node.kind.weighted)

    def visit_Branched(self, node: Branched) -> int:
        return self.visit(node.layer) + max((self.visit(path) for path in node.paths), default=0)

    def visit_Aside(self, node: Aside) -> int:
        return 0

    def generic_visit(self, node: Any) -> int:
        return sum(self.visit(child) for child in node.iter_children()) if isinstance(node, Node) else 0


def weight_depth(node: Any) -> int:
    """The weight layers on the longest path through a checked node (0 for None)."""
    if node is None:
        return 0
    with room_to_recurse():  # as deep as the spec's nesting, as every walk
        return int(_Depth().visit(node))


def weight_layers(network: CheckedNetwork) -> int:
    """The network's depth as the papers count it (VGG-16: 16, ResNet-18: 18, GoogLeNet: 22)."""
    return weight_depth(network.tree)


def weighted_layers(network: CheckedNetwork) -> list[Layer]:
    """Every weight layer of the network, on any path, in the rows' order."""
    return [row.layer for row in network.rows if row.layer.kind.weighted]


def all_weight_layers(network: CheckedNetwork) -> int:
    """Every weight layer of the network, on any path (ResNet-18: 21, with its three projections)."""
    return len(weighted_layers(network))
