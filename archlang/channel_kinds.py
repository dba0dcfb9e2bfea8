"""Kinds that work on the channels: layer norm and the pointwise Linear, and the rules of
ShuffleNet V2's channel split (`chunk`) and channel shuffle (`shuffle`).

ConvNeXt's and the vision transformers' layers: a layer norm over the C
channels of every position (torchvision's LayerNorm2d on a map, nn.LayerNorm
on a vector or a token's features) and a Linear applied to the channels of
every position without flattening (the weight of a Linear, (out, in), not a
1x1 conv's). Entries of the table of kinds (layers.KINDS), kept here so that
layers.py stays one screenful of concerns.
"""

from __future__ import annotations

import math

from .kind import Kind, Opts
from .options import Option, RuleError, above_zero, as_is, boolean, positive
from .units import Shape

#: Layer norm's epsilon where none is written: PyTorch's nn.LayerNorm default.
LN_EPS = 1e-5


def _same(opts: Opts, x: Shape) -> Shape:
    return x


def _layernorm_label(opts: Opts) -> str:
    return "layernorm" if opts["eps"] == LN_EPS else f"layernorm({opts['eps']:g})"


def _pointwise_shape(opts: Opts, x: Shape) -> Shape:
    return (opts["out"], *x[1:])


def _pointwise_params(opts: Opts, x: Shape, y: Shape) -> int:
    return (x[0] + opts["bias"]) * opts["out"]


def _pointwise_macs(opts: Opts, x: Shape, y: Shape) -> int:
    """One product per input channel, output channel and position (FlopCounterMode's mm / 2)."""
    return x[0] * opts["out"] * math.prod(x[1:])


def chunk_shape(opts: Opts, x: Shape) -> Shape:
    """One of `of` equal channel chunks: the count must divide the channels
    (torch.chunk would give a short last chunk; a spec says what it means)."""
    index, of = opts["index"], opts["of"]
    if x[0] % of:
        raise RuleError("E303", f"chunk({index}, {of}) needs channels divisible by {of}, but the input has {x[0]}",
                        f"{x[0]} / {of} = {x[0] / of:g}")
    if index >= of:
        raise RuleError("E308", f"chunk({index}, {of}) takes chunk {index} of {of}, but they are numbered "
                        f"0 to {of - 1}", f"write chunk(0, {of}) ... chunk({of - 1}, {of})")
    return (x[0] // of, *x[1:])


def shuffle_shape(opts: Opts, x: Shape) -> Shape:
    groups = opts["groups"]
    if x[0] % groups:
        raise RuleError("E303", f"shuffle({groups}) needs channels divisible by {groups}, but the input has {x[0]}",
                        f"{x[0]} / {groups} = {x[0] / groups:g}")
    return x


LAYERNORM = Kind(
    name="layernorm", family="norm", aliases=("ln", "layer_norm", "layernorm2d"),
    options=(Option("eps", above_zero, LN_EPS, help="added to the variance (ConvNeXt and ViT: 1e-6)"),),
    shape=_same, params=lambda o, x, y: 2 * x[0], positional=("eps",), prefix="ln",
    label=_layernorm_label, paper=lambda o: "LN",
    doc="layernorm: normalise the C channels at each position (a vector: its C values), with a "
        "scale and a shift per channel (2C); on C@HxW it is torchvision's LayerNorm2d (ConvNeXt)",
)

POINTWISE = Kind(
    name="pointwise", family="fc", aliases=("pwlinear", "pointwise_linear"),
    options=(Option("out", positive, required=True, help="number of output channels"),
             Option("bias", boolean, True, help="add a bias per output (false: weights only)"),
             Option("act", as_is, None, help="activation after the layer (none, gelu, ...)", symbolic=True)),
    shape=_pointwise_shape, params=_pointwise_params, macs=_pointwise_macs,
    label=lambda o: f"pointwise-{o['out']}", count="out", positional=("out",), prefix="pw",
    weighted=True, defaults=("act", "bias"),
    doc="pointwise-N: a fully connected layer applied to the channels at each position "
        "(C@HxW -> N@HxW, no flatten): an nn.Linear of weight (N, C), as ConvNeXt's and ViT's MLPs",
)
