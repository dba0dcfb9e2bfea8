"""Kinds of the Swin Transformer: shifted-window attention and patch merging.

Swin keeps its tokens as a map (torchvision's N, H, W, C tensors), so here
they are C@HxW like any map: layernorm and pointwise work on them as on
ConvNeXt's. `windowattention` is multi-head self-attention inside each WxW
window of the map (padded at the bottom and right to whole windows), with a
relative position bias per head, and, in every other block, the windows
shifted by `shift` (a cyclic roll and a mask, Liu et al. 2021, Sec. 3.2);
`v2=true` is Swin V2's form (cosine attention with a learned logit scale and
the bias from a small MLP of log-spaced coordinates, Liu et al. 2022, Sec.
3.2-3.3). `patchmerge` concatenates each 2x2 neighbourhood (4C), normalises
and halves the channels to 2C. Entries of the table of kinds (layers.KINDS),
kept here so that layers.py stays one screenful of concerns. For the receptive
field, an attention is a window at stride 1 of what one token sees: its
window (at most the map).
"""

from __future__ import annotations

from .kind import Kind, Opts
from .options import Option, RuleError, boolean, natural, positive
from .token_kinds import attention_macs, attention_params, heads_divide
from .units import Shape, fmt_shape

#: The hidden width of Swin V2's continuous position bias MLP (torchvision's cpb_mlp: 2 -> 512 -> heads).
CPB_HIDDEN = 512


def need_map(x: Shape, what: str) -> None:
    if len(x) != 3:
        raise RuleError("E305", f"{what} needs a map C@HxW, but gets {fmt_shape(x)}")


def padded(size: int, window: int) -> int:
    """A side padded at its end to whole windows, as torchvision pads before partitioning."""
    return -(-size // window) * window


def shifts(opts: Opts, x: Shape) -> tuple[int, int]:
    """The shift along each side as torchvision applies it: none where one
    window covers the whole (padded) side, the option's value elsewhere."""
    window, shift = opts["window"], opts["shift"]
    height, width = (0 if padded(n, window) <= window else shift for n in x[1:])
    return height, width


def _attention_shape(opts: Opts, x: Shape) -> Shape:
    need_map(x, "windowattention")
    window = opts["window"]
    heads_divide(x[0], opts["heads"], "windowattention", "channels ... the map has")
    if opts["v2"] and window < 2:  # its offsets are scaled by 1/(W - 1): torchvision's table would be 0/0
        raise RuleError("E308", "windowattention v2=true needs a window of at least 2, but it is 1",
                        "Swin V2 scales the offsets by 1/(W - 1)")
    if opts["shift"] >= window:
        raise RuleError("E308", f"windowattention's shift {opts['shift']} must be less than its window {window}",
                        f"Swin shifts by half the window: shift={window // 2}")
    return x


def relative_offsets(window: int) -> int:
    """Relative offsets inside a WxW window (or partition): (2W - 1)^2 of them."""
    return (2 * window - 1) ** 2


def _attention_params(opts: Opts, x: Shape, y: Shape) -> int:
    c, heads = x[0], opts["heads"]
    projections = attention_params(c)
    if opts["v2"]:  # a logit scale per head; the bias MLP: 2 -> 512 with bias, 512 -> heads without
        return projections + heads + 3 * CPB_HIDDEN + CPB_HIDDEN * heads
    return projections + relative_offsets(opts["window"]) * heads


def _attention_macs(opts: Opts, x: Shape, y: Shape) -> int:
    """The projections in (3C per token) and out (C), and the two products QK^T and AV within each window,
    over the padded map; Swin V2 adds its position-bias MLP over the (2W - 1)^2 offsets."""
    c, window = x[0], opts["window"]
    tokens = padded(x[1], window) * padded(x[2], window)
    macs = attention_macs(tokens, window * window, c)
    if opts["v2"]:
        macs += relative_offsets(window) * (2 * CPB_HIDDEN + CPB_HIDDEN * opts["heads"])
    return macs


def _attention_buffers(opts: Opts, x: Shape, y: Shape) -> int:
    """The relative position index of every pair of a window's tokens; Swin V2 also keeps the coordinates table."""
    pairs = opts["window"] ** 4
    return pairs + (2 * relative_offsets(opts["window"]) if opts["v2"] else 0)


def _attention_label(opts: Opts) -> str:
    shift = f" shift={opts['shift']}" if opts["shift"] else ""
    return f"windowattention({opts['heads']}) window={opts['window']}{shift}" + (" v2" if opts["v2"] else "")


def _merge_shape(opts: Opts, x: Shape) -> Shape:
    need_map(x, "patchmerge")
    return (2 * x[0], -(-x[1] // 2), -(-x[2] // 2))


WINDOWATTENTION = Kind(
    name="windowattention", family="fc", aliases=("window_attention", "shiftedwindowattention", "wmsa"),
    options=(Option("heads", positive, required=True, help="attention heads"),
             Option("window", positive, 7, aliases=("w",), help="the side of a square window"),
             Option("shift", natural, 0, help="the cyclic shift of the windows (Swin: 0, then half the window)"),
             Option("v2", boolean, False, help="Swin V2: cosine attention, logit scale, position-bias MLP")),
    shape=_attention_shape, params=_attention_params, macs=_attention_macs, buffers=_attention_buffers,
    window=lambda o, x: (tuple(min(o["window"], n) for n in x[1:]), (1, 1)), label=_attention_label, positional=("heads",), prefix="wattn",
    doc="windowattention(h) window=W shift=S: multi-head self-attention within each WxW window of a map "
        "C@HxW (padded to whole windows), with a learned relative position bias; shift=S rolls the map by S "
        "first and masks the pairs the roll brought together, except along a side one window covers "
        "(torchvision's ShiftedWindowAttention); v2=true is ShiftedWindowAttentionV2",
)

PATCHMERGE = Kind(
    name="patchmerge", family="conv", aliases=("patch_merge", "patchmerging", "patch_merging"),
    options=(Option("v2", boolean, False, help="Swin V2: the layer norm after the reduction, on 2C"),),
    shape=_merge_shape, params=lambda o, x, y: 8 * x[0] * x[0] + (4 if o["v2"] else 8) * x[0],
    macs=lambda o, x, y: 8 * x[0] * x[0] * y[1] * y[2],
    window=lambda o, x: ((2, 2), (2, 2)),
    label=lambda o: "patchmerge v2" if o["v2"] else "patchmerge", prefix="merge",
    doc="patchmerge: Swin's patch merging: each 2x2 neighbourhood's channels side by side (4C; an odd "
        "side padded with zeros), a layer norm on 4C and a linear 4C -> 2C without bias: C@HxW -> "
        "2C@(H/2)x(W/2) (torchvision's PatchMerging); v2=true normalises the 2C after it (PatchMergingV2)",
)

