"""The ResNet form: networks side by side as in Table 1 of He et al. (2015).

A row per stage: its name (conv1, conv2_x, ...), its output size, and per
network the layers of the stage in the paper's notation (`7×7, 64, stride 2`,
`3×3 max pool, stride 2`) and its residual blocks as bracketed stacks
repeated n times (`[3×3, 64; 3×3, 64] ×2`); then the classifier
(`average pool, 1000-d fc, softmax`) and the FLOPs, which the paper counts
as multiply-adds (archc's MACs). A stage is a run of units with one output
size, read from the checked tree, so no stage needs a label in the spec.
"""

from __future__ import annotations

import math

from ..checker.checked import CheckedNetwork, Layer
from ..checker.depth import weight_layers
from ..records import field, record
from .paths import (
    Unit,
    body_path,
    is_residual,
    kernel_text,
    main_path,
    sides_text,
    spatial,
    stride_of,
    unit_layer,
)
from .writers import Block, Cell, Stack

#: Kinds the paper's table leaves out; the note under the table names them.
_LEFT_OUT = ("dropout", "flatten", "batchnorm")


@record
class Stage:
    """One row of the table for one network: the output size, the plain
    layers in paper notation, the blocks as stacks, and whether its first
    block downsamples (the paper's note: "performed by conv3_1")."""

    size: tuple[int, ...]
    layers: list[str] = field(default_factory=list)
    stacks: list[Stack] = field(default_factory=list)
    strided: bool = False


def resnet_label(layer: Layer, in_block: bool = False) -> str:
    """A layer as Table 1 writes it: `7×7, 64, stride 2`, `3×3, 128, C=32`
    (groups, as ResNeXt writes them), `3×3 max pool, stride 2`, `1000-d fc`.
    Inside a block the stride is left out (the note says where it is)."""
    name, opts = layer.kind.name, layer.opts
    stride = "" if in_block or stride_of(layer) == 1 else f", stride {stride_of(layer)}"
    if name == "conv":
        groups = f", C={opts['groups']}" if opts.get("groups", 1) > 1 else ""
        return f"{kernel_text(layer)}, {opts['filters']}{groups}{stride}"
    if name in ("maxpool", "avgpool"):
        return f"{kernel_text(layer)} {'max' if name == 'maxpool' else 'average'} pool{stride}"
    if name in ("gap", "adaptiveavgpool"):
        return "average pool"
    if name == "fc":
        return f"{opts['out']}-d fc"
    return "softmax" if name == "softmax" else layer.kind.paper_label(opts)


def _shown(units: list[Unit]) -> list[Unit]:
    return [u for u in units if unit_layer(u).kind.name not in _LEFT_OUT]


def _stack_lines(unit: Unit) -> tuple[tuple[str, ...], bool]:
    """A residual block's body as lines of the stack, and whether it downsamples."""
    layers = [unit_layer(u) for u in _shown(main_path(body_path(unit)))]  # type: ignore[arg-type]
    return tuple(resnet_label(layer, True) for layer in layers), any(stride_of(layer) > 1 for layer in layers)


def _is_head(unit: Unit) -> bool:
    """The classifier starts where the maps end: a vector, or 1×1 maps."""
    sizes = spatial(unit_layer(unit).out_shape)
    return not sizes or math.prod(sizes) == 1


def stages(network: CheckedNetwork) -> tuple[list[Stage], list[str]]:
    """The network's stages in order, and its classifier in paper notation."""
    units = _shown(main_path(network.tree))
    start = next((i for i, u in enumerate(units) if _is_head(u)), len(units))
    rows: list[Stage] = []
    for unit in units[:start]:
        size = spatial(unit_layer(unit).out_shape)
        if not rows or rows[-1].size != size:
            rows.append(Stage(size))
        _add(rows[-1], unit)
    return rows, [resnet_label(unit_layer(u)) for u in units[start:]]


def _add(stage: Stage, unit: Unit) -> None:
    """A unit into its stage: a block onto the stacks (one more of the last if equal), a layer onto the layers."""
    if not is_residual(unit):
        stage.layers.append(resnet_label(unit_layer(unit)))
        return
    lines, strided = _stack_lines(unit)
    stage.strided |= strided and not stage.stacks
    if stage.stacks and stage.stacks[-1].lines == lines:
        stage.stacks[-1] = Stack(lines, stage.stacks[-1].times + 1)
    else:
        stage.stacks.append(Stack(lines, 1))


def paper_flops(macs: int) -> str:
    """Multiply-adds as Table 1 writes them: 1.8×10⁹ (one decimal; 10⁹ from a billion up)."""
    exponent = 9 if macs >= 1e9 else max(0, int(math.log10(max(macs, 1))))
    superscript = "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(d)] for d in str(exponent))
    return f"{macs / 10 ** exponent:.1f}×10{superscript}"


def _column(cells: list[list[Cell]], depth: int) -> list[list[Cell]]:
    """Per network its cells, as `depth` rows (blank below)."""
    return [[c[i] if i < len(c) else "" for c in cells] for i in range(depth)]


def _stage_blocks(name: str, size: str, row: list[Stage | None]) -> list[Block]:
    """One stage of all the networks: the plain layers spanning where they agree, then the stacks."""
    layers: list[list[Cell]] = [list(s.layers) if s else [] for s in row]
    stacks: list[list[Cell]] = [list(s.stacks) if s else [] for s in row]
    plain = _column(layers, max(map(len, layers)))
    stacked = _column(stacks, max(map(len, stacks)))
    lead: list[tuple[Cell, ...]] = [(name, size), *[("", "")] * (len(plain) + len(stacked))]
    blocks = []
    if plain:
        blocks.append(Block(tuple((*lead[i], *r) for i, r in enumerate(plain)), span=True, lead=2))
    if stacked:
        first = len(plain)
        blocks.append(Block(tuple((*lead[first + i], *r) for i, r in enumerate(stacked)), lead=2, rule=not plain))
    return blocks


def _size(row: list[Stage | None]) -> str:
    sizes = list(dict.fromkeys(sides_text(s.size) for s in row if s))
    return " / ".join(sizes)


def resnet_blocks(networks: list[CheckedNetwork], names: list[str] | None = None) -> tuple[list[Block], str]:
    """Table 1 of the ResNet paper for the networks, as blocks, and its note."""
    parts = [stages(n) for n in networks]
    depth = max(len(rows) for rows, _ in parts)
    blocks = [Block((("layer name", "output size", *(names or (n.name for n in networks))),
                     ("", "", *(f"{weight_layers(n)}-layer" for n in networks))))]
    for i in range(depth):
        row = [rows[i] if i < len(rows) else None for rows, _ in parts]
        name = f"conv{i + 1}_x" if any(s and s.stacks for s in row) else f"conv{i + 1}"
        blocks += _stage_blocks(name, _size(row), row)
    heads = [", ".join(head) for _, head in parts]
    blocks.append(Block((("", "1×1" if any(heads) else "", *heads),), span=True, lead=2))
    blocks.append(Block((("FLOPs", "", *(paper_flops(n.macs) for n in networks)),), lead=2))
    return blocks, _note(networks, parts)


def _note(networks: list[CheckedNetwork], tables: list[tuple[list[Stage], list[str]]]) -> str:
    """What the table counts and leaves out, as the paper's caption says it."""
    parts = [rows for rows, _ in tables]
    strided = sorted({i + 1 for rows in parts for i, s in enumerate(rows) if s.strided and s.stacks})
    names = [f"conv{i}_1" for i in strided]
    sentences = ["FLOPs are multiply-adds, as the paper counts them (archc's MACs; FLOPs = 2 × MACs elsewhere)."]
    if names:
        listed = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
        sentences.append(f"Downsampling is performed by {listed} with a stride of 2.")
    if any(head and head[-1].endswith("-d fc") for _, head in tables):
        sentences.append("No softmax: the classifier ends in the fc's logits (the paper's row adds a softmax).")
    left_out = _left_out(networks)
    if left_out:
        sentences.append("Not shown, as in the paper: " + "; ".join(left_out) + ".")
    return " ".join(sentences)


def _left_out(networks: list[CheckedNetwork]) -> list[str]:
    rows = [row for n in networks for row in n.rows]
    parts = []
    if any(row.layer.opts.get("bn") for row in rows):
        parts.append("batch norm after the convolutions")
    acts = sorted({row.layer.act_name for row in rows if row.layer.act_name})
    parts += [f"{act} after the convolutions and the sums" for act in acts]
    if any(row.layer.label == "shortcut" for row in rows):
        parts.append("the shortcuts (identity, or a 1×1 projection where the shape changes)")
    parts += sorted({row.layer.op for row in rows if row.layer.kind.name in _LEFT_OUT and row.layer.kind.name != "batchnorm"})
    return parts
