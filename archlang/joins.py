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
from dataclasses import dataclass, field
from typing import Any

from .layers import BY_KIND, CONV, Kind
from .options import Option, OptionError, RuleError, as_is, describe
from .units import Shape, fmt_shape

Opts = Mapping[str, Any]

#: The ways a residual's shortcut may be made when the body changes the shape.
SHORTCUTS = ("auto", "A", "B", "C", "identity")


def _none(opts: Opts, x: Shape, y: Shape) -> None:
    return None


def _zero(opts: Opts, x: Shape, y: Shape) -> int:
    return 0


@dataclass(frozen=True)
class Join:
    """One join. `shape(opts, x, outs, where)` gives the joined shape from the
    branch's input `x` and the shapes its paths end in (`where` names each
    path's place, for messages), or raises `RuleError`.

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
    shape: Callable[[Opts, Shape, list[Shape], list[str]], Shape]
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


# ---- concatenation ----------------------------------------------------------------


def _concat_shape(opts: Opts, x: Shape, outs: list[Shape], where: list[str]) -> Shape:
    first = outs[0]
    if any(len(y) != len(first) or y[1:] != first[1:] for y in outs):
        parts = [f"path {i + 1} ({w}) gives {fmt_shape(y)}" for i, (w, y) in enumerate(zip(where, outs))]
        raise RuleError("E310", "the paths of this concat end in different sizes; only channels may differ",
                        "; ".join(parts))
    return (sum(y[0] for y in outs), *first[1:])


# ---- the residual sum ---------------------------------------------------------------


def _sum_shape(opts: Opts, x: Shape, outs: list[Shape], where: list[str]) -> Shape:
    return outs[0]


def projection_stride(x: Shape, y: Shape) -> int | None:
    """The stride of a 1x1 conv that maps x's positions onto y's, if any."""
    if len(x) != len(y):
        return None
    if len(x) == 1:
        return 1
    # (n - 1) // s + 1 == m holds for s from (n - 1) // m + 1 up to (n - 1) // (m - 1)
    # (no upper end when m is 1): the smallest stride that suits every dimension.
    stride = max((n - 1) // m + 1 for n, m in zip(x[1:], y[1:]))
    return stride if all((n - 1) // stride + 1 == m for n, m in zip(x[1:], y[1:])) else None


def shortcut(mode: str, x: Shape, y: Shape, bn: bool) -> tuple[Kind, dict[str, Any]] | None:
    """The layer that makes a residual's input fit its body's output `y`:
    None where the identity fits (and `mode` is not C), else option A's
    zero-padding shortcut or a 1x1 projection conv with the stride (batch
    norm where the body uses it: the paper's option B). E311 where none fits."""
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
                  "bias": not bn, "bn": bn}


def _shortcut_mode(value: Any, what: str) -> str:
    if value not in SHORTCUTS:
        raise OptionError("E308", f"shortcut must be one of {', '.join(SHORTCUTS)}, not {describe(value)}")
    return value


JOINS: tuple[Join, ...] = (
    Join(name="concat", symbol="|", what="a concat", options=(), shape=_concat_shape, label=lambda o: "concat",
         doc="{a | b | c}: the paths, concatenated on channels (Inception); the sizes must agree"),
    Join(name="add", symbol="+", what="a residual", shape=_sum_shape, label=lambda o: "add", act_after=True, projects=True,
         options=(Option("shortcut", _shortcut_mode, "auto", symbolic=True,
                         help="how the shortcut is made when the body changes the shape",
                         hint="auto: identity if shapes agree, else a projection (the paper's B)"),
                  Option("act", as_is, None, symbolic=True, help="the activation after the sum")),
         doc="{x + f}: the body's output plus a shortcut of the input (ResNet)"),
)

#: Joins by the symbol a spec writes between paths.
BY_SYMBOL: dict[str, Join] = {j.symbol: j for j in JOINS}
