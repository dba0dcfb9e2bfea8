"""Receptive fields: how many input pixels each layer's outputs see, and how far apart.

r_out = r_in + (K_eff - 1) * j_in and j_out = j_in * S, per spatial dimension,
from each kind's window rule; through a branch, the largest over its paths.
Once the input is flattened there is no field (None).
"""

from __future__ import annotations

from typing import Any

from ..nodes import Node, Visitor
from ..units import Shape
from .checked import Aside, Block, Branched, Layer

RF = Any  # (sizes, jumps) per spatial dimension, or None once flattened

#: Fields and jumps stop growing here (2**31, past every input size): 500 pools of
#: stride 2**31 - 1 would otherwise make numbers of 4,000 digits. Shown as "> 2147483647".
CAP = 2**31


def receptive_fields(tree: Any) -> list[RF]:
    """Each layer's receptive field, in walk order (the rows' order)."""
    out: list[RF] = []
    if tree is not None:
        _Fields().visit(tree, None, out)
    return out


class _Fields(Visitor):
    """Appends each layer's field in walk order; returns the field after the node."""

    def generic_visit(self, node: Any, rf: RF, out: list[RF]) -> RF:
        if isinstance(node, Node):
            for child in node.iter_children():
                rf = self.visit(child, rf, out)
        return rf

    def visit_Layer(self, layer: Layer, rf: RF, out: list[RF]) -> RF:
        rf = _layer_rf(layer, rf)
        out.append(rf)
        return rf

    def visit_Branched(self, node: Branched, rf: RF, out: list[RF]) -> RF:
        at = len(out)
        out.append(None)  # the join's row comes first: filled in once the paths are known
        ends = [self.visit(path, rf, out) for path in node.paths]
        # A path that ends in 1x1 and is broadcast over a larger map (a squeeze-and-excite
        # gate's global pool) sees the whole input but does not set where the join's
        # outputs lie: its jump (the pool's) would be carried past the gate.
        spatial = node.layer.out_shape[1:]
        kept = [rf for rf, shape in zip(ends, node.outs) if shape[1:] == spatial] if node.outs else ends
        rf = _widest(kept or ends) if len(node.layer.out_shape) > 1 else None
        out[at] = rf
        return rf

    def visit_Block(self, node: Block, rf: RF, out: list[RF]) -> RF:
        return self.visit(node.body, rf, out)

    def visit_Aside(self, node: Aside, rf: RF, out: list[RF]) -> RF:
        self.visit(node.body, rf, out)
        return rf


def _start(x: Shape, rf: RF) -> RF:
    if rf is None or len(rf[0]) != len(x) - 1:
        return ((1,) * (len(x) - 1), (1,) * (len(x) - 1)) if len(x) > 1 else None
    return rf


def _layer_rf(layer: Layer, rf: RF) -> RF:
    rf = _start(layer.in_shape, rf)
    if len(layer.out_shape) == 1 or rf is None:
        return None
    window = layer.kind.window(layer.opts, layer.in_shape)
    if window is None:
        return rf
    sizes, strides = window
    return (tuple(min(CAP, r + (k - 1) * j) for r, k, j in zip(rf[0], sizes, rf[1])),
            tuple(min(CAP, j * s) for j, s in zip(rf[1], strides)))


def _widest(fields: list[RF]) -> RF:
    fields = [f for f in fields if f is not None]
    if not fields:
        return None
    sizes = tuple(max(f[0][i] for f in fields) for i in range(len(fields[0][0])))
    jumps = tuple(max(f[1][i] for f in fields) for i in range(len(fields[0][1])))
    return sizes, jumps
