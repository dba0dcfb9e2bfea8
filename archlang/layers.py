"""The table of layer kinds: one entry per kind, everything about it in one place.

An entry holds the kind's names, its options (with types, aliases and
defaults), which notation slots fill which options (`conv3-64/2`: the 3 is the
kernel, 64 the filters, 2 the stride), its shape rule, its parameter and MAC
rules, its receptive-field window and its paper-notation label. The checker,
the renderer and codegen all read this table; adding a kind is adding an entry.

Shapes are tuples: (C,) a vector, (C, L) a 1-D signal, (C, H, W) an image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

Shape = tuple[int, ...]
Opts = Mapping[str, Any]

#: Largest number accepted for a size, count, stride or repeat.
MAX_INT = 2**31 - 1


class RuleError(Exception):
    """A shape rule's complaint: a diagnostic code, a message and a hint."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


# ---- option types -------------------------------------------------------------


class OptionError(ValueError):
    """An option value of the wrong type or range (code E306 or E308)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _integer(value: Any, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError("E308", f"{what} must be a whole number, not {describe(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise OptionError("E306", f"{what} must be a whole number, not {value:g}")
    if not low <= value <= MAX_INT:
        bound = "at least 1" if low == 1 else f"at least {low}"
        if value > MAX_INT:
            bound = f"at most {MAX_INT:,}"
        raise OptionError("E306", f"{what} must be {bound}, not {int(value):,}")
    return int(value)


def positive(value: Any, what: str) -> int:
    return _integer(value, what, 1)


def natural(value: Any, what: str) -> int:
    return _integer(value, what, 0)


def real(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OptionError("E308", f"{what} must be a number, not {describe(value)}")
    return float(value)


def probability(value: Any, what: str) -> float:
    p = real(value, what)
    if not 0 <= p < 1:
        raise OptionError("E306", f"{what} must be at least 0 and below 1, not {p:g}")
    return p


def boolean(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise OptionError("E308", f"{what} must be true or false, not {describe(value)}")
    return value


def kernel(value: Any, what: str) -> tuple[int, ...]:
    """A window size: 3, or 1x7 as written after a layer's name."""
    if isinstance(value, tuple):
        return tuple(positive(v, what) for v in value)
    return (positive(value, what),)


def padding(value: Any, what: str) -> int | str:
    if value in ("same", "valid"):
        return value
    if isinstance(value, str):
        raise OptionError("E308", f"{what} must be same, valid or a number of pixels, not {value}")
    return natural(value, what)


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return f"{value[0]}({', '.join(map(str, value[1]))})"
    return str(value)


@dataclass(frozen=True)
class Option:
    """An option: its canonical name, a converter that validates a value,
    the default (None: required when `required`), aliases and a help text."""

    name: str
    convert: Callable[[Any, str], Any]
    default: Any = None
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    symbolic: bool = False  # takes words such as `same` or `relu`, not only numbers


# ---- the kind record ------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One layer kind. Rules take the resolved options and the input shape.

    `size`, `count` and `stride` name the options filled by the notation
    `NAME<size>-<count>/<stride>`; `positional` those filled by `NAME(a, b)`.
    `family` groups kinds for colours and naming (conv, pool, fc, norm, act,
    other); `weighted` kinds get the file's default activation; `defaults`
    lists the file-wide defaults (`act`, `pad`, `bn`, `bias`) the kind takes.
    """

    name: str
    family: str
    options: tuple[Option, ...]
    shape: Callable[[Opts, Shape], Shape]
    label: Callable[[Opts], str]
    params: Callable[[Opts, Shape, Shape], int] = lambda o, x, y: 0
    macs: Callable[[Opts, Shape, Shape], int] = lambda o, x, y: 0
    window: Callable[[Opts, Shape], tuple[tuple[int, ...], tuple[int, ...]] | None] = lambda o, x: None
    aliases: tuple[str, ...] = ()
    size: str | None = None
    count: str | None = None
    stride: str | None = None
    positional: tuple[str, ...] = ()
    weighted: bool = False
    defaults: frozenset[str] = frozenset()
    doc: str = ""
    option_index: dict[str, Option] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for option in self.options:
            for key in (option.name, *option.aliases):
                self.option_index[key] = option

    def option(self, key: str) -> Option | None:
        return self.option_index.get(key)


# ---- shared rules ---------------------------------------------------------------


def fmt_shape(shape: Shape | None) -> str:
    """C@HxW, C@L or C: the paper's notation for a tensor shape."""
    if shape is None:
        return "?"
    if len(shape) == 1:
        return str(shape[0])
    return f"{shape[0]}@{'x'.join(map(str, shape[1:]))}"


def _spatial(shape: Shape, what: str) -> None:
    if len(shape) < 2:
        raise RuleError("E305", f"{what} needs a spatial input (C@L or C@HxW), but gets the vector {shape[0]}",
                        "put it before the layers that flatten, or drop it")


def _per_dim(value: tuple[int, ...], rank: int, what: str) -> tuple[int, ...]:
    if len(value) == rank:
        return value
    if len(value) == 1:
        return value * rank
    raise RuleError("E305", f"{what} {'x'.join(map(str, value))} has {len(value)} sizes, "
                    f"but the input has {rank} spatial dimension{'s' * (rank > 1)}")


def _pads(opts: Opts, kernels: tuple[int, ...]) -> tuple[int, ...]:
    pad, dilation = opts.get("pad", 0), opts.get("dilation", 1)
    if pad == "same":
        return tuple(dilation * (k - 1) // 2 for k in kernels)
    if pad == "valid":
        return tuple(0 for _ in kernels)
    return tuple(pad for _ in kernels)


@dataclass(frozen=True)
class Window:
    """A sliding window over each spatial dimension, resolved for one input."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    pad: tuple[int, ...]
    dilation: int = 1
    ceil: bool = False

    def extent(self, i: int) -> int:
        return self.dilation * (self.kernel[i] - 1) + 1

    def out(self, size: int, i: int) -> int:
        span = size + 2 * self.pad[i] - self.extent(i)
        steps = -(-span // self.stride[i]) if self.ceil else span // self.stride[i]
        if self.ceil and span >= 0 and steps * self.stride[i] >= size + self.pad[i]:
            steps -= 1  # PyTorch/Caffe: a last window may not start in the right padding
        return steps + 1


def window_of(opts: Opts, x: Shape, what: str) -> Window:
    _spatial(x, what)
    rank = len(x) - 1
    kernels = _per_dim(opts["kernel"], rank, "kernel")
    stride = opts.get("stride") or kernels[0]
    return Window(kernels, (stride,) * rank, _pads(opts, kernels), opts.get("dilation", 1), opts.get("ceil", False))


def sliding(opts: Opts, x: Shape, channels: int, what: str) -> Shape:
    """Output shape of a conv or pool; E302 with the formula when it vanishes."""
    w = window_of(opts, x, what)
    sizes = tuple(w.out(n, i) for i, n in enumerate(x[1:]))
    for i, n in enumerate(x[1:]):
        if sizes[i] <= 0:
            raise RuleError("E302", f"{what} leaves an output of size {sizes[i]} from input size {n}",
                            output_formula(w, n, i, sizes[i]))
    return (channels, *sizes)


def output_formula(w: Window, n: int, i: int, result: int) -> str:
    rounding = "ceil" if w.ceil else "floor"
    return (f"output = {rounding}((W + 2P - D(K-1) - 1)/S) + 1 = "
            f"{rounding}(({n} + 2*{w.pad[i]} - {w.dilation}*({w.kernel[i]}-1) - 1)/{w.stride[i]}) + 1 = {result}")


def sliding_window(opts: Opts, x: Shape) -> tuple[tuple[int, ...], tuple[int, ...]]:
    w = window_of(opts, x, "layer")
    return tuple(w.extent(i) for i in range(len(w.kernel))), w.stride


def _volume(shape: Shape) -> int:
    return math.prod(shape)


def _kernel_text(opts: Opts) -> str:
    return "x".join(map(str, opts["kernel"]))


def _stride_text(opts: Opts, default: int = 1) -> str:
    stride = opts.get("stride")
    return f"/{stride}" if stride and stride != default else ""


def _call_text(name: str, *values: Any) -> str:
    return f"{name}({', '.join(f'{v:g}' if isinstance(v, float) else str(v) for v in values)})"


# ---- convolution, fully connected, locally connected ----------------------------


def _conv_shape(opts: Opts, x: Shape) -> Shape:
    groups, filters = opts["groups"], opts["filters"]
    if x and (x[0] % groups or filters % groups):
        raise RuleError("E303", f"groups={groups} must divide the input channels ({x[0]}) and the filters ({filters})",
                        f"{x[0]} / {groups} = {x[0] / groups:g}, {filters} / {groups} = {filters / groups:g}")
    return sliding(opts, x, filters, f"conv{_kernel_text(opts)}")


def _conv_weights(opts: Opts, x: Shape) -> int:
    kernels = _per_dim(opts["kernel"], len(x) - 1, "kernel")
    return math.prod(kernels) * (x[0] // opts["groups"]) * opts["filters"]


def _conv_params(opts: Opts, x: Shape, y: Shape) -> int:
    return _conv_weights(opts, x) + opts["bias"] * opts["filters"] + opts["bn"] * 2 * opts["filters"]


def _conv_macs(opts: Opts, x: Shape, y: Shape) -> int:
    return _conv_weights(opts, x) * _volume(y[1:])


def _conv_label(opts: Opts) -> str:
    return f"conv{_kernel_text(opts)}-{opts['filters']}{_stride_text(opts)}"


def _fc_params(opts: Opts, x: Shape, y: Shape) -> int:
    return (x[0] + opts["bias"]) * opts["out"] + opts["bn"] * 2 * opts["out"]


def _fc_shape(opts: Opts, x: Shape) -> Shape:
    if len(x) != 1:
        raise RuleError("E305", f"fc needs a vector, but gets {fmt_shape(x)}")
    return (opts["out"],)


def _lc_params(opts: Opts, x: Shape, y: Shape) -> int:
    positions = _volume(y[1:])
    weights = _conv_weights({**opts, "groups": 1}, x) * positions
    return weights + opts["bias"] * opts["filters"] * positions + opts["bn"] * 2 * opts["filters"]


def _lc_macs(opts: Opts, x: Shape, y: Shape) -> int:
    return _conv_weights({**opts, "groups": 1}, x) * _volume(y[1:])


def _weight_options(count: str, count_help: str) -> tuple[Option, ...]:
    return (
        Option(count, positive, required=True, help=count_help),
        Option("bias", boolean, True, help="add a bias per output (false: weights only)"),
        Option("bn", boolean, False, help="batch norm after the layer, before its activation"),
        Option("act", lambda v, w: v, None, help="activation after the layer (none, relu, leakyrelu(0.1), ...)",
               symbolic=True),
    )


_WINDOW_OPTIONS = (
    Option("kernel", kernel, required=True, aliases=("k", "size"), help="window size: 3 or 1x7"),
    Option("stride", positive, 1, aliases=("s",), help="step between windows"),
    Option("pad", padding, "same", aliases=("p", "padding"), help="zero padding: pixels, same or valid",
           symbolic=True),
    Option("dilation", positive, 1, aliases=("d",), help="spacing between kernel taps"),
)

CONV = Kind(
    name="conv", family="conv", aliases=("convolution", "conv1d", "conv2d"),
    options=_WINDOW_OPTIONS + (Option("groups", positive, 1, aliases=("g",), help="channel groups"),)
    + _weight_options("filters", "number of filters (output channels)"),
    shape=_conv_shape, params=_conv_params, macs=_conv_macs, window=sliding_window, label=_conv_label,
    size="kernel", count="filters", stride="stride", positional=("filters",),
    weighted=True, defaults=frozenset({"act", "pad", "bn", "bias"}),
    doc="convK-N/S: N filters of KxK (or K on a 1-D input) at stride S",
)

FC = Kind(
    name="fc", family="fc", aliases=("dense", "linear", "fully_connected"),
    options=_weight_options("out", "number of outputs"),
    shape=_fc_shape, params=_fc_params, macs=lambda o, x, y: x[0] * o["out"],
    label=lambda o: f"fc-{o['out']}", count="out", positional=("out",),
    weighted=True, defaults=frozenset({"act", "bn", "bias"}),
    doc="fc-N: a fully connected layer with N outputs (flattens a spatial input first)",
)

LOCAL = Kind(
    name="local", family="conv", aliases=("lc", "locally_connected", "local2d"),
    options=_WINDOW_OPTIONS + _weight_options("filters", "number of filters (output channels)"),
    shape=lambda o, x: sliding(o, x, o["filters"], f"local{_kernel_text(o)}"),
    params=_lc_params, macs=_lc_macs, window=sliding_window,
    label=lambda o: f"local{_kernel_text(o)}-{o['filters']}{_stride_text(o)}",
    size="kernel", count="filters", stride="stride", positional=("filters",),
    weighted=True, defaults=frozenset({"act", "pad", "bn", "bias"}),
    doc="localK-N/S: like conv, but with unshared weights: one filter bank per output position",
)


# ---- pooling ------------------------------------------------------------------------

_POOL_OPTIONS = (
    Option("kernel", kernel, (2,), aliases=("k", "size"), help="window size (default 2)"),
    Option("stride", positive, None, aliases=("s",), help="step between windows (default: the window size)"),
    Option("pad", padding, 0, aliases=("p", "padding"), help="zero padding in pixels", symbolic=True),
    Option("ceil", boolean, False, help="round the output size up (Caffe, GoogLeNet)"),
)


def _pool(name: str, aliases: tuple[str, ...], what: str) -> Kind:
    def label(opts: Opts) -> str:
        kernels = opts["kernel"]
        return f"{name}{_kernel_text(opts)}{_stride_text(opts, kernels[0])}"

    return Kind(
        name=name, family="pool", aliases=aliases, options=_POOL_OPTIONS,
        shape=lambda o, x: sliding(o, x, x[0], name), window=sliding_window, label=label,
        size="kernel", stride="stride", positional=("kernel", "stride"),
        doc=f"{name}K/S: {what} over KxK windows at stride S (pool alone: 2x2, stride 2)",
    )


def _global_shape(opts: Opts, x: Shape) -> Shape:
    _spatial(x, "a global pool")
    return (x[0],)


def _global(name: str, aliases: tuple[str, ...], what: str) -> Kind:
    return Kind(
        name=name, family="pool", aliases=aliases, options=(), shape=_global_shape,
        window=lambda o, x: (x[1:], x[1:]), label=lambda o: name,
        doc=f"{name}: {what} over all positions, giving one value per channel",
    )


# ---- shape-preserving and reshaping kinds --------------------------------------------


def _same(opts: Opts, x: Shape) -> Shape:
    return x


def _maxout_shape(opts: Opts, x: Shape) -> Shape:
    pieces = opts["pieces"]
    if x[0] % pieces:
        raise RuleError("E304", f"maxout with {pieces} pieces needs channels divisible by {pieces}, "
                        f"but the input has {x[0]}", f"{x[0]} / {pieces} = {x[0] / pieces:g}")
    return (x[0] // pieces, *x[1:])


def _act(name: str, aliases: tuple[str, ...], doc: str, *options: Option) -> Kind:
    def label(opts: Opts) -> str:
        values = [opts[o.name] for o in options if opts[o.name] != o.default]
        return _call_text(name, *values) if values else name

    return Kind(name=name, family="act", aliases=aliases, options=options, shape=_same, label=label,
                positional=tuple(o.name for o in options), doc=doc)


KINDS: tuple[Kind, ...] = (
    CONV,
    FC,
    LOCAL,
    _pool("maxpool", ("pool", "max_pool", "mp"), "the maximum"),
    _pool("avgpool", ("avg_pool", "meanpool", "mean_pool", "averagepool"), "the mean"),
    _pool("minpool", ("min_pool",), "the minimum"),
    _pool("l2pool", ("l2_pool", "l2normpool"), "the L2 norm"),
    _global("gap", ("globalavgpool", "global_avg_pool", "globalaveragepool"), "the mean"),
    _global("gmp", ("globalmaxpool", "global_max_pool", "maxovertime"), "the maximum"),
    Kind(name="flatten", family="other", options=(), shape=lambda o, x: (_volume(x),), label=lambda o: "flatten",
         doc="flatten: C@HxW to one vector of C*H*W values, in C, H, W order"),
    Kind(name="dropout", family="other", aliases=("drop",), label=lambda o: _call_text("dropout", o["p"]),
         options=(Option("p", probability, 0.5, aliases=("rate",), help="probability of zeroing a value"),),
         shape=_same, positional=("p",), doc="dropout(p): zero each value with probability p while training"),
    Kind(name="lrn", family="norm", aliases=("localresponsenorm", "norm"),
         options=(Option("size", positive, 5, aliases=("n",), help="channels in the window"),
                  Option("alpha", real, 1e-4), Option("beta", real, 0.75), Option("k", real, 2.0)),
         shape=_same, positional=("size", "alpha", "beta", "k"), label=lambda o: "lrn",
         doc="lrn: local response normalisation across channels (AlexNet: size 5, alpha 1e-4, beta 0.75, k 2)"),
    Kind(name="batchnorm", family="norm", aliases=("bn", "batch_norm", "batchnorm1d", "batchnorm2d"),
         options=(Option("eps", real, 1e-5),), shape=_same, params=lambda o, x, y: 2 * x[0],
         label=lambda o: "batchnorm", doc="batchnorm: per-channel normalisation with a scale and a shift (2C)"),
    Kind(name="posbias", family="other", aliases=("position_bias", "positionbias"), options=(),
         shape=_same, params=lambda o, x, y: _volume(x), label=lambda o: "posbias",
         doc="posbias: a separate bias for every value of the input (AlphaGo's last layer)"),
    _act("relu", ("rectifier",), "relu: max(0, x)"),
    _act("leakyrelu", ("leaky_relu", "lrelu", "leaky"), "leakyrelu(slope): max(slope*x, x)",
         Option("slope", real, 0.01, aliases=("negative_slope",))),
    _act("elu", (), "elu(alpha): x if x > 0 else alpha*(exp(x) - 1)", Option("alpha", real, 1.0)),
    _act("tanh", (), "tanh: the hyperbolic tangent"),
    _act("sigmoid", ("logistic",), "sigmoid: 1/(1 + exp(-x))"),
    _act("softmax", (), "softmax: exp(x_i)/sum_j exp(x_j) over the channels"),
    Kind(name="maxout", family="act", options=(Option("pieces", positive, 2, aliases=("k",)),),
         shape=_maxout_shape, label=lambda o: f"maxout({o['pieces']})", positional=("pieces",),
         doc="maxout(k): the maximum of each group of k channels (C -> C/k)"),
)

#: Every name and alias, lower case, to its kind.
BY_NAME: dict[str, Kind] = {n: k for k in KINDS for n in (k.name, *k.aliases)}

#: Kinds an `act=` option may name: activations that keep the shape.
ACTIVATIONS: dict[str, Kind] = {n: k for n, k in BY_NAME.items() if k.family == "act" and k.name != "maxout"}


def lookup(name: str) -> Kind | None:
    return BY_NAME.get(name.lower())
