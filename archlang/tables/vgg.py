"""The VGG form: networks side by side as in the VGG paper's Table 1, and the per-layer listing.

`compare_blocks` sets several networks side by side in the layout of the VGG
paper's Table 1: a column per network, the stages between pools aligned row
by row, layers in the paper's notation (conv3-64, LRN, maxpool, FC-4096,
soft-max) and a last row of parameters in millions (the paper's Table 2).
`listing_blocks` is `archc check`'s per-layer table (the cs231n-style listing
of output shape, memory and weights per layer).
"""

from __future__ import annotations

from ..checker.checked import CheckedNetwork, Layer
from ..checker.depth import weight_layers, weighted_layers
from ..report import HEADERS, listing_rows, memory_cells, memory_heading
from ..units import fmt_shape, fp32_size
from .writers import Block

#: Kinds the paper's table leaves out; the note under the table names them.
_LEFT_OUT = ("dropout", "flatten")


# ---- the comparison table (VGG Table 1) --------------------------------------------------


def paper_label(layer: Layer, show_act: bool) -> str:
    """A layer as the VGG paper writes it: conv3-64, LRN, maxpool, FC-4096, soft-max
    (each kind's paper name, from the table of kinds)."""
    text = layer.kind.paper_label(layer.opts)
    if layer.opts.get("bn"):
        text += " + BN"
    if show_act and layer.act_name:
        text += f" + {layer.act_name}"
    return text


def _shown(network: CheckedNetwork) -> list[Layer]:
    return [row.layer for row in network.rows if row.layer.kind.name not in _LEFT_OUT]


def hidden_activation(networks: list[CheckedNetwork]) -> str | None:
    """The activation the table may leave out, as the paper leaves out ReLU:
    one that follows every weight layer but the last, in every network."""
    names = set()
    for network in networks:
        weighted = weighted_layers(network)
        if not weighted or weighted[-1].act is not None:
            return None
        names |= {layer.act_name for layer in weighted[:-1]}
    return names.pop() if len(names) == 1 and None not in names else None


def _segments(network: CheckedNetwork, show_act: bool) -> tuple[list[list[str]], list[str], list[str]]:
    """A network's stages (layers between pools), its pools, and the head after the last pool."""
    stages: list[list[str]] = []
    pools: list[str] = []
    current: list[str] = []
    for layer in _shown(network):
        if layer.kind.family == "pool":
            stages.append(current)
            pools.append(paper_label(layer, show_act))
            current = []
        else:
            current.append(paper_label(layer, show_act))
    return stages, pools, current


def _aligned(columns: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    """Columns of different lengths as rows, top-aligned, blanks below."""
    depth = max((len(c) for c in columns), default=0)
    return tuple(tuple(c[i] if i < len(c) else "" for c in columns) for i in range(depth))


def millions(params: int) -> str:
    """Parameters in millions as the paper rounds them (133), with three
    significant figures for small networks (0.0617)."""
    value = params / 1e6
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def compare_blocks(networks: list[CheckedNetwork], names: list[str] | None = None) -> tuple[list[Block], str]:
    """The comparison table as blocks (columns headed by `names`, else the
    networks' names), and the note that says what it leaves out."""
    act = hidden_activation(networks)
    parts = [_segments(n, act is None) for n in networks]
    blocks = [
        Block((tuple(names or (n.name for n in networks)),
               tuple(f"{weight_layers(n)} weight layers" for n in networks))),
        Block(((*(f"input ({fmt_shape(n.input)})" for n in networks),),), span=True),
    ]
    for i in range(max(len(stages) for stages, _, _ in parts)):
        blocks.append(Block(_aligned([stages[i] if i < len(stages) else [] for stages, _, _ in parts])))
        blocks.append(Block(_aligned([[pools[i]] if i < len(pools) else [] for _, pools, _ in parts]), span=True))
    blocks.append(Block(_aligned([head for _, _, head in parts]), span=True))
    blocks.append(Block((tuple(f"{millions(n.params)} M params" for n in networks),)))
    return [b for b in blocks if b.rows], _note(networks, act)


def _note(networks: list[CheckedNetwork], act: str | None) -> str:
    left_out = sorted({row.layer.op for n in networks for row in n.rows if row.layer.kind.name in _LEFT_OUT})
    parts = [f"{act} after every weight layer but the last"] if act else []
    parts += left_out
    return ("Not shown, as in the paper: " + "; ".join(parts) + ".") if parts else ""


# ---- the per-layer listing (archc check --format) ---------------------------------------


def listing_blocks(network: CheckedNetwork) -> tuple[list[Block], str]:
    """`archc check`'s table as blocks: header, input and layers, totals."""
    values = network.batch * network.activation_elements
    total = ("total", "", fmt_shape(network.output), f"{network.params:,}", f"{network.macs:,}", f"{values:,}", "", "")
    examples = "per example" if network.batch == 1 else f"for a batch of {network.batch}"
    note = (f"network {network.name} ({network.source.name}): MACs are multiply-accumulates; "
            f"FLOPs = 2 × MACs = {network.flops:,}. Memory counts activation values {examples} "
            f"({fp32_size(values)} at fp32).")
    return [Block((HEADERS,)), Block(tuple(listing_rows(network))), Block((total,))], note


def accounting_blocks(network: CheckedNetwork) -> tuple[list[Block], str]:
    """The parameters by kind and the memory estimate, as `archc check` ends its text."""
    counts = (("trainable params", f"{network.trainable:,}", "", "updated by training"),
              ("frozen params", f"{network.frozen:,}", "", "frozen=true: kept fixed in training"),
              ("buffer values", f"{network.buffers:,}", "", "running statistics, fixed tables: not parameters"))
    sizes = tuple(memory_cells(network))
    note = f"Memory {memory_heading(network)}. MACs are multiply-accumulates: 1 MAC = 2 FLOPs."
    return [Block((("", "count or size", "bytes", "what it counts"),)), Block(counts), Block(sizes)], note
