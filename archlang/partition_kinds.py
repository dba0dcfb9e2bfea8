"""The kind of MaxViT: multi-axis attention, over the blocks or the grid of a map.

MaxViT (Tu et al. 2022, Sec. 3.2) attends within the PxP blocks of a map C@HxW
(block attention, local) and then within each of the PxP sparse grids that
take every (H/P)-th row and column (grid attention, global, dilated), both
with a relative position bias per head over the PxP positions. torchvision's
PartitionAttentionLayer partitions the map, applies a layer norm, the
attention, an MLP and the residual sums to the partitioned tokens, then
puts the map back together; all but the attention act on each token alone,
so here the map stays a map and only `partitionattention` partitions it
(the others are layernorm, pointwise and `{x + ...}` as on ConvNeXt's maps).
An entry of the table of kinds (layers.KINDS), kept here so that layers.py
stays one screenful of concerns.
"""

from __future__ import annotations

from .kind import Kind, Opts
from .options import Option, RuleError, boolean, positive
from .token_kinds import attention_macs, attention_params, heads_divide
from .units import Shape
from .window_kinds import need_map, relative_offsets


def _shape(opts: Opts, x: Shape) -> Shape:
    need_map(x, "partitionattention")
    heads_divide(x[0], opts["heads"], "partitionattention", "channels ... the map has")
    size = opts["size"]
    if x[1] % size or x[2] % size:
        raise RuleError("E308", f"partitionattention's {size}x{size} partitions do not tile the map "
                        f"{x[1]}x{x[2]}", "MaxViT needs each side a multiple of the partition size "
                        "(torchvision raises the same)")
    if opts["grid"] and x[1] != x[2]:  # torchvision spaces the grid by H/P along both sides
        raise RuleError("E308", f"partitionattention grid=true needs a square map, but gets {x[1]}x{x[2]}",
                        "torchvision's grid partition takes every (H/P)-th row and column")
    return x


def _params(opts: Opts, x: Shape, y: Shape) -> int:
    return attention_params(x[0]) + relative_offsets(opts["size"]) * opts["heads"]


def _macs(opts: Opts, x: Shape, y: Shape) -> int:
    """The projections in (3C per token) and out (C), and the two products QK^T and AV within each
    partition of P^2 tokens (blocks and grids alike)."""
    return attention_macs(x[1] * x[2], opts["size"] ** 2, x[0])


def _label(opts: Opts) -> str:
    grid = " grid" if opts["grid"] else ""
    return f"partitionattention({opts['heads']}) size={opts['size']}{grid}"


def _window(opts: Opts, x: Shape) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The receptive field, as a window at stride 1 of what one token sees: its PxP block,
    or its grid of P tokens H/P apart (spanning (P-1)H/P + 1)."""
    p = opts["size"]
    sides = tuple((p - 1) * (n // p) + 1 if opts["grid"] else p for n in x[1:])
    return sides, (1, 1)


PARTITIONATTENTION = Kind(
    name="partitionattention", family="fc",
    aliases=("partition_attention", "blockattention", "block_attention"),
    options=(Option("heads", positive, required=True, help="attention heads"),
             Option("size", positive, 7, aliases=("partition",), help="the side P of a square partition"),
             Option("grid", boolean, False, help="the grid of every (H/P)-th position, not a PxP block")),
    shape=_shape, params=_params, macs=_macs, buffers=lambda o, x, y: o["size"] ** 4, window=_window,
    label=_label, positional=("heads",), prefix="pattn",
    doc="partitionattention(h) size=P: MaxViT's multi-head self-attention within each PxP block of a map "
        "C@HxW; grid=true: within each of the PxP grids of positions (H/P) apart; a learned bias per head "
        "for each relative offset, the keys scaled by C^-1/2 (torchvision's "
        "RelativePositionalMultiHeadAttention inside PartitionAttentionLayer)",
)
