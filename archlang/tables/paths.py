"""The main path of a checked network as the paper tables read it, and the papers' notation.

`main_path` walks the checked tree into the units a paper's table has rows
for: layers, residual blocks (a sum with its input) and concat modules (an
inception module: a concat of two or more paths that are not the identity).
Side outputs (auxiliary classifiers) are off the main path, as the tables
of GoogLeNet and Inception leave them out. The helpers write sizes as papers
do: `3×3` kernels, `56×56` maps.
"""

from __future__ import annotations

from typing import Any

from .. import ir
from ..checker.checked import Aside, Block, Branched, Group, Layer
from ..nodes import Visitor, room_to_recurse
from ..records import record
from ..units import Shape


@record(frozen=True)
class Module:
    """A concat module on the main path: its name (the block defining it, e.g.
    `inception`) and the branch."""

    name: str
    branch: Branched


Unit = Layer | Branched | Module


def is_identity(path: Group) -> bool:
    """The path `x` of a branch (a residual's shortcut, projected or not)."""
    return isinstance(path.node, ir.Identity)


def is_residual(unit: Any) -> bool:
    return isinstance(unit, Branched) and unit.join.name == "add" and any(is_identity(p) for p in unit.paths)


def is_module(unit: Any) -> bool:
    """A concat of two or more computed paths: an inception module (a dense layer, `x | body`, is not one)."""
    return (isinstance(unit, Branched) and unit.join.name == "concat"
            and sum(not is_identity(p) for p in unit.paths) >= 2)


def _only_branch(node: Any) -> Branched | None:
    """The branch a block's body consists of, through groups of one item; else None."""
    while isinstance(node, Group) and len(node.items) == 1:
        node = node.items[0]
    return node if isinstance(node, Branched) else None


class _MainPath(Visitor):
    """Collects the units in order: groups, repeats and conditionals are walked through."""

    def visit_Layer(self, node: Layer, out: list[Unit]) -> None:
        out.append(node)

    def visit_Branched(self, node: Branched, out: list[Unit]) -> None:
        out.append(Module("inception", node) if is_module(node) else node)

    def visit_Block(self, node: Block, out: list[Unit]) -> None:
        branch = _only_branch(node.body)
        if branch is not None and is_module(branch):
            out.append(Module(node.definition.name, branch))
        else:
            self.visit(node.body, out)

    def visit_Aside(self, node: Aside, out: list[Unit]) -> None:
        return None


def main_path(node: Any) -> list[Unit]:
    """The units of a checked node (the network's tree, a block's body, one path) in order."""
    out: list[Unit] = []
    if node is not None:
        with room_to_recurse():
            _MainPath().visit(node, out)
    return out


def unit_layer(unit: Unit) -> Layer:
    """The layer that holds a unit's output shape (a branch's is its join's)."""
    if isinstance(unit, Module):
        return unit.branch.layer
    return unit.layer if isinstance(unit, Branched) else unit


def body_path(branch: Branched) -> Group:
    """A residual block's body: its first path that is not the shortcut."""
    return next(p for p in branch.paths if not is_identity(p))


# ---- the papers' notation ---------------------------------------------------------------------


def spatial(shape: Shape | None) -> tuple[int, ...]:
    """A shape's sizes after its channels: (56, 56) for 64@56x56, () for a vector."""
    return tuple(shape[1:]) if shape else ()


def sides_text(sizes: tuple[int, ...]) -> str:
    """56×56, as the papers write map sizes."""
    return "×".join(map(str, sizes))


def kernel_text(layer: Layer) -> str:
    """A layer's window as the papers write it: 3×3 (a square kernel written once in the spec), 1×7."""
    kernel = tuple(layer.opts["kernel"])
    dims = len(spatial(layer.in_shape)) or 1
    return sides_text(kernel * dims if len(kernel) == 1 else kernel)


def stride_of(layer: Layer) -> int:
    """The largest stride of a layer's window: a pool's is its window where
    not given (`pool` is 2×2 at stride 2); 1 where it has none."""
    stride = layer.opts.get("stride")
    if stride is None:
        stride = layer.opts.get("kernel", 1) if layer.kind.family == "pool" else 1
    return max(stride) if isinstance(stride, tuple) else int(stride)
