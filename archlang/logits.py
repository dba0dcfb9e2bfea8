"""Logits: a network whose spec ends in softmax, met with the usual losses.

Papers end their classifiers in a softmax, and so do their specs; PyTorch's
`nn.CrossEntropyLoss` (`F.cross_entropy`) applies log-softmax itself and wants
the scores before it, the logits. Fed probabilities, it barely moves (a softmax
of a softmax is nearly flat). The decision (issue 14): the spec stays as the
paper writes it, `archc check` says nothing, and building is where it matters:

- `archlang.build(..., logits=True)` and `archc build --logits` drop the final
  softmax, so the module returns logits (the same values as the full model
  before its softmax);
- `logits=False` (`--no-logits`) keeps it, for a user who wants probabilities
  (with `F.nll_loss(torch.log(p))`), and says nothing;
- unset, the softmax is kept and warning W401 says where it is and what to do.

"Final" means the last layer of the main output: a `softmax` layer, or the
last layer's `act=softmax`, also inside a block call or a conditional that
ends the spec; side outputs (`side[...]`) keep theirs.
"""

from __future__ import annotations

from typing import Any

from .checker.checked import Aside, Block, CheckedNetwork, Group, Layer, Optional, Row
from .diagnostics import Diagnostic
from .nodes import Visitor
from .records import replace

SOFTMAX = "softmax"

HINT = ("build with logits=True (archc build --logits) to drop the softmax and train with F.cross_entropy, "
        "or keep it with logits=False (--no-logits) and train with F.nll_loss(torch.log(probabilities))")


def _ends_in_softmax(layer: Layer) -> bool:
    return layer.kind.name == SOFTMAX or (layer.act is not None and layer.act[0].name == SOFTMAX)


def _last_item(group: Group) -> int | None:
    """The index of the group's item that makes its output: the last one that
    is not a side output or a conditional that did not hold."""
    for i in range(len(group.items) - 1, -1, -1):
        item = group.items[i]
        if not isinstance(item, Aside) and not (isinstance(item, Optional) and item.body is None):
            return i
    return None


class _OutputLayer(Visitor):
    """The layer that makes a node's output; None where the walk stops: a
    repeat (its iterations share bodies) and a branch (its join makes it)."""

    def visit_Layer(self, node: Layer) -> Layer:
        return node

    def visit_Group(self, node: Group) -> Layer | None:
        index = _last_item(node)
        return None if index is None else self.visit(node.items[index])

    def visit_Block(self, node: Block) -> Layer | None:
        return self.visit(node.body)

    def visit_Optional(self, node: Optional) -> Layer | None:
        return self.visit(node.body) if node.body is not None else None

    def generic_visit(self, node: Any, *args: Any) -> None:
        return None


class _Replace(Visitor):
    """A copy of a node with the layer that makes its output replaced by `new`
    (None: removed), every node on the way copied, the rest shared."""

    def visit_Layer(self, node: Layer, new: Layer | None) -> Layer | None:
        return new

    def visit_Group(self, node: Group, new: Layer | None) -> Group:
        index = _last_item(node)
        assert index is not None  # _OutputLayer found the layer down this way
        item = self.visit(node.items[index], new)
        return replace(node, items=node.items[:index] + ((item,) if item is not None else ()) + node.items[index + 1:])

    def visit_Block(self, node: Block, new: Layer | None) -> Block:
        return replace(node, body=self.visit(node.body, new))

    def visit_Optional(self, node: Optional, new: Layer | None) -> Optional:
        return replace(node, body=self.visit(node.body, new))


def final_softmax(network: CheckedNetwork) -> Layer | None:
    """The layer whose softmax ends the network's main output, or None."""
    layer = _OutputLayer().visit(network.tree)
    return layer if layer is not None and _ends_in_softmax(layer) else None


def softmax_warning(network: CheckedNetwork) -> Diagnostic | None:
    """W401 at the final softmax (at the network's line when a block of another file holds it), or None."""
    layer = final_softmax(network)
    if layer is None:
        return None
    decls = network.module.networks
    span = layer.span if layer.origin is None else decls[0].span if decls else None
    written = "" if layer.kind.name == SOFTMAX else f" ({layer.op} act=softmax)"
    message = (f"the network ends in softmax{written}, but nn.CrossEntropyLoss (F.cross_entropy) expects "
               "logits: fed probabilities, its loss barely moves")
    return Diagnostic("warning", "W401", message, span, network.source, HINT)


def without_final_softmax(network: CheckedNetwork) -> CheckedNetwork:
    """The network returning logits: its final softmax dropped (a softmax layer
    removed, or `act=softmax` taken off the last layer), the rows to match.
    A network that does not end in softmax comes back unchanged."""
    layer = final_softmax(network)
    if layer is None:
        return network
    kept = None if layer.kind.name == SOFTMAX else replace(layer, act=None)
    tree = _Replace().visit(network.tree, kept)
    rows = [_row(row, layer, kept) for row in network.rows if row.layer is not layer or kept is not None]
    return replace(network, tree=tree, rows=rows)


def for_build(network: CheckedNetwork, logits: bool | None) -> tuple[CheckedNetwork, Diagnostic | None]:
    """What `build` and `archc build` compile, and the warning to give: the
    final softmax dropped for `logits=True`; kept otherwise, with W401 when
    `logits` was not given (None)."""
    if logits:
        return without_final_softmax(network), None
    return network, softmax_warning(network) if logits is None else None


def _row(row: Row, old: Layer, new: Layer | None) -> Row:
    return replace(row, layer=new) if row.layer is old and new is not None else row
