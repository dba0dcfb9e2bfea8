"""The table of joins: how the paths of a branch meet, one entry per join.

A branch is written `{a | b}` or `{x + f}`: paths from one input, and a join
between them, named by its symbol. An entry holds the join's options, its
shape rule (from the input and the shapes the paths end in), its parameter
and MAC rules, its label and prefix, and how the walk treats it: whether the
file's default activation follows it (a residual sum does), and whether an
identity path whose shape differs from the others is projected (a residual's
shortcut). The PyTorch expression of each join lives in the backend
(codegen/torch_rules.py, interpret.py). A new join (a gate, a split) is one
entry here, its grammar form and its backend rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .kind import output_bytes
from .layers import BY_KIND, CONV, Kind
from .options import Option, OptionError, RuleError, above_zero, as_is, boolean, describe
from .records import field, record
from .units import Shape, fmt_shape

Opts = Mapping[str, Any]

#: The ways a residual's shortcut may be made when the body changes the shape.
SHORTCUTS = ("auto", "A", "B", "C", "identity")


def _none(opts: Opts, x: Shape, y: Shape) -> None:
    return None


def _zero(opts: Opts, x: Shape, y: Shape) -> int:
    return 0


@record(frozen=True)
class Join:
    """One join. `shape(opts, x, paths)` gives the joined shape from the
    branch's input `x` and its paths (each path's output shape, its place for
    messages, and whether it is the identity `x`), or raises `RuleError`.

    `act_after`: the file's default activation (`act`) follows the join, as
    it follows a residual sum. `projects`: an identity path whose shape
    differs is made to fit by a shortcut (see `shortcut`), and identity paths
    come after the others in the checked tree, the rows and the built module
    (torchvision registers a ResNet block's downsample after its body).
    `what` names the branch in messages ("a concat"). The attributes after `doc` let a join's
    layer be read like a kind's."""

    name: str
    symbol: str
    what: str
    options: tuple[Option, ...]
    shape: Callable[[Opts, Shape, list[Path]], Shape]
    label: Callable[[Opts], str]
    act_after: bool = False
    projects: bool = False
    doc: str = ""
    family: str = "join"
    prefix: str = ""
    weighted: bool = False
    activation: bool = False
    reads_tokens: bool = False
    flatten_input: bool = False
    params: Callable[[Opts, Shape, Shape], int] = _zero
    macs: Callable[[Opts, Shape, Shape], int] = _zero
    buffers: Callable[[Opts, Shape, Shape], int] = _zero
    saved: Callable[[Opts, Shape, Shape], int] = output_bytes
    window: Callable[[Opts, Shape], None] = lambda o, x: None
    option_index: dict[str, Option] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for option in self.options:
            for key in (option.name, *option.aliases):
                self.option_index[key] = option
        if not self.prefix:
            object.__setattr__(self, "prefix", self.name)

    def option(self, key: str) -> Option | None:
        return self.option_index.get(key)

    def paper_label(self, opts: Opts) -> str:
        return self.label(opts)


@record(frozen=True)
class Path:
    """One path of a branch as its join sees it: the shape it ends in, where
    it is written (line:col, for messages), and whether it is the identity `x`."""

    out: Shape
    where: str
    identity: bool = False


def _listing(paths: list[Path]) -> str:
    return "; ".join(f"path {i + 1} ({p.where}) gives {fmt_shape(p.out)}" for i, p in enumerate(paths))


# ---- concatenation ----------------------------------------------------------------


def _concat_shape(opts: Opts, x: Shape, paths: list[Path]) -> Shape:
    outs = [p.out for p in paths]
    first = outs[0]
    if any(len(y) != len(first) for y in outs) or (not opts.get("crop") and any(y[1:] != first[1:] for y in outs)):
        raise RuleError("E310", "the paths of this concat end in different sizes; only channels may differ",
                        _listing(paths))
    sizes = tuple(min(y[d] for y in outs) for d in range(1, len(first)))
    return (sum(y[0] for y in outs), *sizes)


def crop_offsets(size: Shape, target: Shape) -> tuple[int, ...]:
    """Where a centre crop of `size` to `target` starts, per spatial dimension."""
    return tuple((n - m) // 2 for n, m in zip(size[1:], target[1:]))


# ---- the residual sum ---------------------------------------------------------------


#: The options that end a residual's body in a module of its own: a layer scale, or a post-norm.
BODY_ENDS = ("scale", "postnorm")


def body_end(opts: Opts) -> tuple[str, float] | None:
    """The option that ends a residual's body (`scale=` or `postnorm=`) and its value; None for a plain sum."""
    return next(((key, opts[key]) for key in BODY_ENDS if opts.get(key) is not None), None)


def _sum_shape(opts: Opts, x: Shape, paths: list[Path]) -> Shape:
    """The written paths must agree; identity paths are made to fit afterwards (a shortcut).
    A layer scale multiplies one body: it needs one written path beside the identity."""
    written = [p for p in paths if not p.identity]
    ends = [key for key in BODY_ENDS if opts.get(key) is not None]
    if ends and (len(written) != 1 or len(paths) != 2):
        raise RuleError("E311", f"{ends[0]}= ends the body of a residual {{x + f}}, but this sum has "
                        f"{len(written)} written path{'s' * (len(written) != 1)} and "
                        f"{len(paths) - len(written)} identity path{'s' * (len(paths) - len(written) != 1)}",
                        f"write {ends[0]}= on a sum of x and one body")
    if len(ends) == 2:
        raise RuleError("E311", "a residual takes a layer scale (scale=) or a post-norm (postnorm=), not both",
                        "ConvNeXt scales its body, Swin V2 normalises it")
    outs = [p.out for p in written] or [x]
    if any(y != outs[0] for y in outs):
        raise RuleError("E311", "the paths of this sum end in different shapes",
                        _listing([p for p in paths if not p.identity]))
    return outs[0]


# ---- the gate -------------------------------------------------------------------------


def _gate_shape(opts: Opts, x: Shape, paths: list[Path]) -> Shape:
    """The input times a gate computed from it: the gate's shape must
    broadcast to the input's (C@1x1 on C@HxW, as squeeze-and-excite)."""
    for path in paths:
        y = path.out
        if path.identity:
            continue
        if len(y) != len(x) or any(g not in (n, 1) or (i == 0 and g != n) for i, (g, n) in enumerate(zip(y, x))):
            raise RuleError("E310", f"the gate gives {fmt_shape(y)}, which does not scale the input "
                            f"{fmt_shape(x)}: it needs the input's channels, and each size the input's or 1",
                            "end the gate in as many channels as the input, on a 1x1 map (gap is a vector: "
                            "use adaptivepool1 to keep C@1x1)")
    return x


def _sum_label(opts: Opts) -> str:
    if opts.get("scale") is not None:
        return f"add, layer scale {opts['scale']:g}"
    if opts.get("postnorm") is not None:
        return f"add, post-norm {opts['postnorm']:g}"
    return "add"


def layer_scale_shape(y: Shape) -> Shape:
    """The shape of a residual's layer scale: one factor per channel, broadcast
    over positions (torchvision's CNBlock: (C, 1, 1))."""
    return (y[0], *(1 for _ in y[1:]))


def projection_stride(x: Shape, y: Shape) -> int | None:
    """The stride of a 1x1 conv that maps x's positions onto y's, if any."""
    if len(x) != len(y) or len(x) == 1:
        return None  # a vector has no positions for a 1x1 conv to project
    # (n - 1) // s + 1 == m holds for s from (n - 1) // m + 1 up to (n - 1) // (m - 1)
    # (no upper end when m is 1): the smallest stride that suits every dimension.
    stride = max((n - 1) // m + 1 for n, m in zip(x[1:], y[1:]))
    return stride if all((n - 1) // stride + 1 == m for n, m in zip(x[1:], y[1:])) else None


def shortcut(mode: str, x: Shape, y: Shape, bn: bool,
             bn_opts: Mapping[str, float] | None = None) -> tuple[Kind, dict[str, Any]] | None:
    """The layer that makes a residual's input fit its body's output `y`:
    None where the identity fits (and `mode` is not C), else option A's
    zero-padding shortcut or a 1x1 projection conv with the stride (batch
    norm where the body uses it, with the body's `bn_eps` and `bn_momentum`
    in `bn_opts`: the paper's option B). E311 where none fits."""
    if x == y and mode != "C":
        return None
    stride = projection_stride(x, y)
    if mode == "identity" or stride is None or (mode == "A" and y[0] < x[0]):
        why = "no 1x1 convolution with a stride maps one onto the other"
        if mode == "identity":
            why = "no projection is allowed (shortcut=identity)"
        elif mode == "A" and stride is not None:
            why = "option A only pads channels with zeros, it cannot drop any"
        raise RuleError("E311", f"the residual body turns {fmt_shape(x)} into {fmt_shape(y)}, and {why}",
                        "make the body keep the shape, or let archc project the shortcut (shortcut=auto)")
    if mode == "A":
        return BY_KIND["zeropad"], {"filters": y[0], "stride": stride}
    return CONV, {"kernel": (1,), "filters": y[0], "stride": stride, "pad": 0, "dilation": 1, "groups": 1,
                  "bias": not bn, "bn": bn, **(bn_opts or {})}


def _shortcut_mode(value: Any, what: str) -> str:
    if value not in SHORTCUTS:
        raise OptionError("E308", f"shortcut must be one of {', '.join(SHORTCUTS)}, not {describe(value)}")
    return value


JOINS: tuple[Join, ...] = (
    Join(name="concat", symbol="|", what="a concat", shape=_concat_shape,
         label=lambda o: "concat" + (" (crop)" if o.get("crop") else ""),
         options=(Option("crop", boolean, False, help="centre-crop every path to the smallest (U-Net's skips)"),),
         doc="{a | b | c}: the paths, concatenated on channels (Inception; {x | f}: DenseNet); the sizes must "
             "agree, unless crop=true"),
    Join(name="add", symbol="+", what="a residual", shape=_sum_shape,
         label=_sum_label, act_after=True, projects=True,
         options=(Option("shortcut", _shortcut_mode, "auto", symbolic=True,
                         help="how the shortcut is made when the body changes the shape",
                         hint="auto: identity if shapes agree, else a projection (the paper's B)"),
                  Option("act", as_is, None, symbolic=True, help="the activation after the sum"),
                  Option("scale", above_zero, None,
                         help="a layer scale: the body times a learned factor per channel, starting at "
                              "this value (ConvNeXt: 1e-6), before a droppath that ends the body"),
                  Option("postnorm", above_zero, None,
                         help="a post-norm: a layer norm of this epsilon on the body's output, before a "
                              "droppath that ends the body (Swin V2: 1e-5)")),
         params=lambda o, x, y: y[0] * ((o.get("scale") is not None) + 2 * (o.get("postnorm") is not None)),
         doc="{x + f}: the body's output plus a shortcut of the input (ResNet); {p + f}: two written paths "
             "added (RegNet's projection first); {x + f} scale=1e-6: the body times a learned per-channel "
             "layer scale (ConvNeXt); {x + f} postnorm=1e-5: a layer norm on the body's output (Swin V2); "
             "either's tensors come first in the block"),
    Join(name="gate", symbol="*", what="a gate", shape=_gate_shape, label=lambda o: "gate", options=(),
         doc="{x * f}: the input times a gate computed from it, broadcast over positions (squeeze-and-excite)"),
)

#: Joins by the symbol a spec writes between paths.
BY_SYMBOL: dict[str, Join] = {j.symbol: j for j in JOINS}
