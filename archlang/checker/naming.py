"""Names of layers and blocks: VGG and Caffe style at the top, counted inside blocks.

At the top level a stage ends at each pooling layer and each fully connected
layer starts one of its own, so VGG-16's layers read conv1_1, conv1_2, pool1,
..., fc6, fc7, fc8. Inside a block instance each kind has its own counter
(`basic3.conv1`, `basic3.bn1`); a label (`c1: conv5-6`, `i3a: inception(...)`)
wins over both. Prefixes come from the table of kinds (`maxpool` is `pool`).
A visitor collects the members of one naming scope: its layers and the block
instances in it, in walk order.
"""

from __future__ import annotations

from typing import Any

from ..nodes import Visitor
from .checked import Block, Branched, Layer

Member = tuple[Any, str | None]  # a layer or a block instance, and the label of a block's call


def names(tree: Any) -> list[str]:
    """Every layer's name, in walk order, each unique."""
    found: list[str] = []
    _name_scope(tree, "", True, found)
    return _unique(found)


class _Members(Visitor):
    """The layers and block instances of one naming scope, in walk order
    (a branch's join before its paths, as in the rows)."""

    def visit_Layer(self, node: Layer, out: list[Member]) -> None:
        out.append((node, None))

    def visit_Block(self, node: Block, out: list[Member]) -> None:
        out.append((node, node.call.label))

    def visit_Branched(self, node: Branched, out: list[Member]) -> None:
        out.append((node.layer, None))
        for path in node.paths:
            self.visit(path, out)


_MEMBERS = _Members()


def _labelled(member: Any, label: str | None) -> bool:
    return bool(label or (isinstance(member, Layer) and member.label))


def _name_scope(tree: Any, prefix: str, staged: bool, out: list[str]) -> None:
    members: list[Member] = []
    if tree is not None:
        _MEMBERS.visit(tree, members)
    unlabelled = [m for m, label in members if not _labelled(m, label)]
    keys = iter(_stage_keys(unlabelled) if staged else _counter_keys(unlabelled))
    for member, label in members:
        key = "" if _labelled(member, label) else next(keys)
        if isinstance(member, Block):
            _name_scope(member.body, f"{prefix}{label or key}.", False, out)
        else:
            out.append(f"{prefix}{member.label or key}")


def _prefix(member: Any) -> str:
    if isinstance(member, Block):
        return member.definition.name
    return member.kind.prefix


def _stage_keys(members: list[Any]) -> list[str]:
    """conv1_1, conv1_2, pool1, ..., fc6: a stage ends at each pooling layer;
    each fc layer starts one of its own."""
    keys: list[tuple[int, str]] = []
    stage, has_weights = 1, False
    for member in members:
        kind = member.kind if isinstance(member, Layer) else None
        if kind is not None and kind.family == "fc" and kind.weighted and has_weights:
            stage, has_weights = stage + 1, False
        keys.append((stage, _prefix(member)))
        has_weights |= kind is None or kind.weighted
        if kind is not None and kind.family == "pool":
            stage, has_weights = stage + 1, False
    totals: dict[tuple[int, str], int] = {}
    for key in keys:
        totals[key] = totals.get(key, 0) + 1
    seen: dict[tuple[int, str], int] = {}
    result = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        result.append(f"{key[1]}{key[0]}" + (f"_{seen[key]}" if totals[key] > 1 else ""))
    blocks = iter(_counter_keys([m for m in members if isinstance(m, Block)]))
    return [next(blocks) if isinstance(m, Block) else name for m, name in zip(members, result)]


def _counter_keys(members: list[Any]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for member in members:
        prefix = _prefix(member)
        seen[prefix] = seen.get(prefix, 0) + 1
        result.append(f"{prefix}{seen[prefix]}")
    return result


def _unique(found: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for name in found:
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    result = []
    for name in found:
        if counts[name] == 1:
            result.append(name)
            continue
        seen[name] = seen.get(name, 0) + 1
        result.append(f"{name}_{seen[name]}")
    return result
