"""The table of layer kinds: one entry per kind, everything the checker needs in one place.

An entry holds the kind's names, its options (with types, aliases and
defaults), which notation slots fill which options (`conv3-64/2`: the 3 is the
kernel, 64 the filters, 2 the stride), its shape rule, its parameter, buffer
and MAC rules, its receptive-field window, its labels (the notation, the
paper's name, the prefix of generated names) and the flags that say how the
walk treats it (it flattens a spatial input first, it reads token ids, it may
follow a layer as `act=`). The checker, the report, the tables and the
renderer read this table; the PyTorch form of each kind lives in the backend
(codegen/torch_rules.py and interpret.py). Adding a kind is one entry here and
its rule there.

Shapes are tuples: (C,) a vector, (C, L) a 1-D signal, (C, H, W) an image.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .channel_kinds import LAYERNORM, POINTWISE, chunk_shape, shuffle_shape
from .kind import Kind, NetworkInput, Opts
from .options import (
    Option,
    OptionError,
    RuleError,
    above_zero,
    as_is,
    boolean,
    choice,
    describe,
    fraction,
    kernel,
    natural,
    padding,
    positive,
    probability,
    real,
)
from .records import record
from .token_kinds import ATTENTION, PATCHEMBED, TOKEN
from .units import Shape, fmt_shape, volume

__all__ = [
    "KINDS",
    "Kind",
    "NetworkInput",
    "Option",
    "OptionError",
    "Opts",
    "RuleError",
    "Shape",
    "describe",
    "fmt_shape",
    "lookup",
    "natural",
    "positive",
]


# ---- shared rules ---------------------------------------------------------------


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


@record(frozen=True)
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


def _kernel_text(opts: Opts) -> str:
    return "x".join(map(str, opts["kernel"]))


def _stride_text(opts: Opts, default: int = 1) -> str:
    stride = opts.get("stride")
    return f"/{stride}" if stride and stride != default else ""


def _call_text(name: str, *values: Any) -> str:
    return f"{name}({', '.join(f'{v:g}' if isinstance(v, float) else str(v) for v in values)})"


def _bn_buffers(opts: Opts, x: Shape, y: Shape) -> int:
    """A batch norm after the layer keeps a running mean and variance per channel."""
    return 2 * y[0] if opts.get("bn") else 0


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
    return _conv_weights(opts, x) * volume(y[1:])


def _conv_label(opts: Opts) -> str:
    """conv3-64, conv11-96/4; groups and dilation, which change the layer, are shown too."""
    extra = "".join(f" {key[0]}={opts[key]}" for key in ("groups", "dilation") if opts.get(key, 1) != 1)
    return f"conv{_kernel_text(opts)}-{opts['filters']}{_stride_text(opts)}{extra}"


def _fc_params(opts: Opts, x: Shape, y: Shape) -> int:
    return (x[0] + opts["bias"]) * opts["out"] + opts["bn"] * 2 * opts["out"]


def _fc_shape(opts: Opts, x: Shape) -> Shape:
    if len(x) != 1:
        raise RuleError("E305", f"fc needs a vector, but gets {fmt_shape(x)}")
    return (opts["out"],)


def _lc_params(opts: Opts, x: Shape, y: Shape) -> int:
    positions = volume(y[1:])
    weights = _conv_weights({**opts, "groups": 1}, x) * positions
    return weights + opts["bias"] * opts["filters"] * positions + opts["bn"] * 2 * opts["filters"]


def _lc_macs(opts: Opts, x: Shape, y: Shape) -> int:
    return _conv_weights({**opts, "groups": 1}, x) * volume(y[1:])


#: PyTorch's batch norm defaults (codegen writes eps= and momentum= only where a layer differs), and
#: the options setting them for `bn=true` (torchvision: Inception eps=0.001, MobileNetV3 momentum=0.01).
BN_EPS, BN_MOMENTUM = 1e-5, 0.1
BN_OPTIONS = (
    Option("bn_eps", above_zero, BN_EPS, help="the epsilon of the batch norm bn=true adds"),
    Option("bn_momentum", fraction, BN_MOMENTUM, help="the momentum of the running statistics of that batch norm"),
)


def bn_settings(opts: Opts) -> dict[str, float]:
    """A weighted layer's batch norm settings as the batchnorm kind's options."""
    return {"eps": opts.get("bn_eps", BN_EPS), "momentum": opts.get("bn_momentum", BN_MOMENTUM)}


def _weight_options(count: str, count_help: str) -> tuple[Option, ...]:
    return (
        Option(count, positive, required=True, help=count_help),
        Option("bias", boolean, True, help="add a bias per output (false: weights only)"),
        Option("bn", boolean, False, help="batch norm after the layer, before its activation"),
        *BN_OPTIONS,
        Option("act", as_is, None, help="activation after the layer (none, relu, leakyrelu(0.1), ...)",
               symbolic=True),
    )


_WINDOW_OPTIONS = (
    Option("kernel", kernel, required=True, aliases=("k", "size"), help="window size: 3 or 1x7"),
    Option("stride", positive, 1, aliases=("s",), help="step between windows"),
    Option("pad", padding, "same", aliases=("p", "padding"), help="zero padding: pixels, same or valid",
           symbolic=True),
    Option("dilation", positive, 1, aliases=("d",), help="spacing between kernel taps"),
)

_WEIGHTED_DEFAULTS = ("act", "pad", "bn", "bn_eps", "bn_momentum", "bias")

CONV = Kind(
    name="conv", family="conv", aliases=("convolution", "conv1d", "conv2d"),
    options=_WINDOW_OPTIONS + (Option("groups", positive, 1, aliases=("g",), help="channel groups"),)
    + _weight_options("filters", "number of filters (output channels)"),
    shape=_conv_shape, params=_conv_params, macs=_conv_macs, buffers=_bn_buffers, window=sliding_window,
    label=_conv_label, size="kernel", count="filters", stride="stride", positional=("filters",),
    weighted=True, defaults=_WEIGHTED_DEFAULTS,
    doc="convK-N/S: N filters of KxK (or K on a 1-D input) at stride S",
)

FC = Kind(
    name="fc", family="fc", aliases=("dense", "linear", "fully_connected"),
    options=_weight_options("out", "number of outputs"),
    shape=_fc_shape, params=_fc_params, macs=lambda o, x, y: x[0] * o["out"], buffers=_bn_buffers,
    label=lambda o: f"fc-{o['out']}", paper=lambda o: f"FC-{o['out']}", count="out", positional=("out",),
    weighted=True, defaults=("act", "bn", "bn_eps", "bn_momentum", "bias"), flatten_input=True,
    doc="fc-N: a fully connected layer with N outputs (flattens a spatial input first)",
)

LOCAL = Kind(
    name="local", family="conv", aliases=("lc", "locally_connected", "local2d"),
    options=_WINDOW_OPTIONS + _weight_options("filters", "number of filters (output channels)"),
    shape=lambda o, x: sliding(o, x, o["filters"], f"local{_kernel_text(o)}"),
    params=_lc_params, macs=_lc_macs, buffers=_bn_buffers, window=sliding_window,
    label=lambda o: f"local{_kernel_text(o)}-{o['filters']}{_stride_text(o)}",
    size="kernel", count="filters", stride="stride", positional=("filters",),
    weighted=True, defaults=_WEIGHTED_DEFAULTS,
    doc="localK-N/S: like conv, but with unshared weights: one filter bank per output position",
)


# ---- pooling ------------------------------------------------------------------------

_POOL_OPTIONS = (
    Option("kernel", kernel, (2,), aliases=("k", "size"), help="window size (default 2)"),
    Option("stride", positive, None, aliases=("s",), help="step between windows (default: the window size)"),
    Option("pad", padding, 0, aliases=("p", "padding"), help="zero padding in pixels", symbolic=True),
    Option("ceil", boolean, False, help="round the output size up (Caffe, GoogLeNet)"),
)


def _pool_label(name: str) -> Callable[[Opts], str]:
    return lambda o: f"{name}{_kernel_text(o)}{_stride_text(o, o['kernel'][0])}"


def _plain_max_pool(opts: Opts) -> str:
    """The VGG paper's plain 2x2/2 max pool is "maxpool"; others keep their notation."""
    plain = opts["kernel"] == (2,) and opts.get("stride") in (None, 2)
    return "maxpool" if plain else _pool_label("maxpool")(opts)


def _pool_shape(name: str) -> Callable[[Opts, Shape], Shape]:
    def shape(opts: Opts, x: Shape) -> Shape:
        w = window_of(opts, x, name)
        for k, p in zip(w.kernel, w.pad):
            if 2 * p > w.dilation * (k - 1) + 1:  # PyTorch's rule, found at run time otherwise
                raise RuleError("E308", f"{name} pads {p} pixels, more than half its {k}-wide window",
                                f"pad at most {(w.dilation * (k - 1) + 1) // 2}")
        return sliding(opts, x, x[0], name)

    return shape


def _pool(name: str, aliases: tuple[str, ...], what: str, prefix: str = "",
          paper: Callable[[Opts], str] | None = None) -> Kind:
    return Kind(
        name=name, family="pool", aliases=aliases, options=_POOL_OPTIONS,
        shape=_pool_shape(name), window=sliding_window, label=_pool_label(name),
        size="kernel", stride="stride", positional=("kernel", "stride"), prefix=prefix, paper=paper,
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


def _adaptive_shape(opts: Opts, x: Shape) -> Shape:
    _spatial(x, "adaptiveavgpool")
    return (x[0], *_per_dim(opts["size"], len(x) - 1, "adaptiveavgpool's output size"))


def _adaptive_window(opts: Opts, x: Shape) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """PyTorch's window i over n inputs to o outputs spans floor(i*n/o) to
    ceil((i+1)*n/o): the widest of them, and the step n/o (rounded down; exact
    where o divides n, as in VGG's 7x7 from 7x7 or 14x14)."""
    sizes = _adaptive_shape(opts, x)[1:]
    widest = tuple(max(-(-(i + 1) * n // o) - i * n // o for i in range(o)) for n, o in zip(x[1:], sizes))
    return widest, tuple(max(1, n // o) for n, o in zip(x[1:], sizes))


# ---- shape-preserving and reshaping kinds --------------------------------------------


def _same(opts: Opts, x: Shape) -> Shape:
    return x


def _spatial_same(opts: Opts, x: Shape) -> Shape:
    _spatial(x, "lrn")  # local response norm pools across channels at each position: it needs positions
    return x


def _maxout_shape(opts: Opts, x: Shape) -> Shape:
    pieces = opts["pieces"]
    if x[0] % pieces:
        raise RuleError("E304", f"maxout with {pieces} pieces needs channels divisible by {pieces}, "
                        f"but the input has {x[0]}", f"{x[0]} / {pieces} = {x[0] / pieces:g}")
    return (x[0] // pieces, *x[1:])


def _act(name: str, aliases: tuple[str, ...], doc: str, *options: Option, prefix: str = "",
         paper: str | None = None) -> Kind:
    """An activation: keeps the shape, may follow a layer as `act=NAME`; its
    options (in order) are its positional arguments: leakyrelu(0.1)."""

    def label(opts: Opts) -> str:
        values = [opts[o.name] for o in options if opts[o.name] != o.default]
        return _call_text(name, *values) if values else name

    return Kind(name=name, family="act", aliases=aliases, options=options, shape=_same, label=label,
                positional=tuple(o.name for o in options), doc=doc, activation=True, prefix=prefix,
                paper=(lambda o: paper) if paper else None)


# ---- text, LeNet-5 (1998) and the shortcut of option A ---------------------------------


def _embed_shape(opts: Opts, x: Shape) -> Shape:
    if not isinstance(x, NetworkInput):
        raise RuleError("E312", f"embed reads token ids, so it must read the network's input; here it gets "
                        f"the values {fmt_shape(x)} that the layers before it computed",
                        "move the embed layer to the start of its path, right after the input line")
    if len(x) != 1:
        raise RuleError("E305", f"embed needs a sequence of token ids (a vector such as 56), but gets {fmt_shape(x)}")
    return (opts["dim"], x[0])


#: LeNet-5's Table I: which of S2's six maps each of C3's sixteen maps sees.
LENET5_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)
TABLES = {"lenet5": LENET5_TABLE}


def _table(opts: Opts, x: Shape) -> tuple[tuple[int, ...], ...]:
    table = TABLES[opts["table"]]
    needs = max(max(row) for row in table) + 1
    if x[0] != needs or opts["filters"] != len(table):
        raise RuleError("E308", f"the {opts['table']} connection table maps {needs} maps to {len(table)}, "
                        f"but this layer maps {x[0]} to {opts['filters']}")
    return table


def _partial_shape(opts: Opts, x: Shape) -> Shape:
    _spatial(x, "partialconv")
    _table(opts, x)
    return sliding(opts, x, opts["filters"], f"partialconv{_kernel_text(opts)}")


def _partial_weights(opts: Opts, x: Shape) -> int:
    taps = math.prod(_per_dim(opts["kernel"], len(x) - 1, "kernel"))
    return taps * sum(len(row) for row in _table(opts, x))


def table_name(value: Any, what: str) -> str:
    if value not in TABLES:
        raise OptionError("E308", f"{what} must be one of {', '.join(TABLES)}, not {describe(value)}")
    return value


def _rbf_shape(opts: Opts, x: Shape) -> Shape:
    if len(x) != 1:
        raise RuleError("E305", f"rbf needs a vector, but gets {fmt_shape(x)}")
    return (opts["out"],)


def _shortcut_shape(opts: Opts, x: Shape) -> Shape:
    return (opts["filters"], *(-(-n // opts["stride"]) for n in x[1:]))


KINDS: tuple[Kind, ...] = (
    CONV,
    FC,
    LOCAL,
    _pool("maxpool", ("pool", "max_pool", "mp"), "the maximum", prefix="pool", paper=_plain_max_pool),
    _pool("avgpool", ("avg_pool", "meanpool", "mean_pool", "averagepool"), "the mean"),
    _pool("minpool", ("min_pool",), "the minimum"),
    _pool("l2pool", ("l2_pool", "l2normpool"), "the L2 norm"),
    _global("gap", ("globalavgpool", "global_avg_pool", "globalaveragepool"), "the mean"),
    _global("gmp", ("globalmaxpool", "global_max_pool", "maxovertime"), "the maximum"),
    Kind(name="adaptiveavgpool", family="pool",
         aliases=("adaptivepool", "adaptive_avg_pool", "adaptiveavgpool2d", "adaptiveavgpool1d"),
         options=(Option("size", kernel, required=True, aliases=("out", "output_size"),
                         help="the output's spatial size: 7 or 7x7"),),
         shape=_adaptive_shape, window=_adaptive_window, label=lambda o: "adaptiveavgpool" + _kernel_text({"kernel": o["size"]}),
         size="size", positional=("size",), prefix="avgpool",
         doc="adaptiveavgpoolHxW: the mean over PyTorch's adaptive windows, to an output of HxW "
             "whatever the input's size (VGG: adaptiveavgpool7, AlexNet: adaptiveavgpool6)"),
    Kind(name="droppath", family="other", aliases=("drop_path", "stochasticdepth", "stochastic_depth"),
         label=lambda o: _call_text("droppath", o["p"]) + (" batch" if o["mode"] == "batch" else ""),
         options=(Option("p", fraction, required=True, aliases=("rate",),
                         help="probability of dropping a sample's whole path"),
                  Option("mode", choice("row", "batch"), "row", symbolic=True,
                         help="row: each sample of the batch on its own; batch: the whole batch at once")),
         shape=_same, positional=("p", "mode"),
         doc="droppath(p): stochastic depth (torchvision's StochasticDepth): while training, zero a "
             "residual branch for each sample with probability p and scale the kept ones by 1/(1-p)"),
    Kind(name="flatten", family="other", options=(), shape=lambda o, x: (volume(x),), label=lambda o: "flatten",
         doc="flatten: C@HxW to one vector of C*H*W values, in C, H, W order"),
    Kind(name="dropout", family="other", aliases=("drop",), label=lambda o: _call_text("dropout", o["p"]),
         options=(Option("p", probability, 0.5, aliases=("rate",), help="probability of zeroing a value"),),
         shape=_same, positional=("p",), prefix="drop",
         doc="dropout(p): zero each value with probability p while training"),
    Kind(name="lrn", family="norm", aliases=("localresponsenorm", "norm"),
         options=(Option("size", positive, 5, aliases=("n",), help="channels in the window"),
                  Option("alpha", real, 1e-4), Option("beta", real, 0.75), Option("k", real, 2.0)),
         shape=_spatial_same, positional=("size", "alpha", "beta", "k"), label=lambda o: "lrn", paper=lambda o: "LRN",
         doc="lrn: local response normalisation across channels (AlexNet: size 5, alpha 1e-4, beta 0.75, k 2)"),
    Kind(name="batchnorm", family="norm", aliases=("bn", "batch_norm", "batchnorm1d", "batchnorm2d"),
         options=(Option("eps", above_zero, BN_EPS, help="added to the variance before its square root"),
                  Option("momentum", fraction, BN_MOMENTUM, help="the weight of each batch in the running statistics")),
         shape=_same, positional=("eps", "momentum"), params=lambda o, x, y: 2 * x[0],
         buffers=lambda o, x, y: 2 * x[0], label=lambda o: "batchnorm", paper=lambda o: "BN", prefix="bn",
         doc="batchnorm: per-channel normalisation with a scale and a shift (2C)"),
    Kind(name="chunk", family="other", aliases=("split",), shape=chunk_shape, positional=("index", "of"),
         options=(Option("index", natural, required=True), Option("of", positive, 2, aliases=("chunks",))),
         label=lambda o: _call_text("chunk", o["index"], o["of"]),
         doc="chunk(i, n): the i-th of n equal slices of the channels, C -> C/n (ShuffleNet V2's channel split)"),
    Kind(name="shuffle", family="other", aliases=("channel_shuffle",), shape=shuffle_shape, positional=("groups",),
         options=(Option("groups", positive, 2, aliases=("g",)),), label=lambda o: _call_text("shuffle", o["groups"]),
         doc="shuffle(g): ShuffleNet's channel shuffle: C channels as g groups of C/g, transposed"),
    LAYERNORM,
    POINTWISE,
    PATCHEMBED,
    ATTENTION,
    TOKEN,
    Kind(name="posbias", family="other", aliases=("position_bias", "positionbias"), options=(),
         shape=_same, params=lambda o, x, y: volume(x), label=lambda o: "posbias",
         doc="posbias: a separate bias for every value of the input (AlphaGo's last layer)"),
    Kind(name="embed", family="fc", aliases=("embedding",),
         options=(Option("dim", positive, required=True, help="size of each word vector"),
                  Option("vocab", positive, required=True, help="number of words"),
                  Option("frozen", boolean, False, help="kept fixed in training (still counted as parameters)")),
         shape=_embed_shape, params=lambda o, x, y: o["vocab"] * o["dim"], label=lambda o: f"embed-{o['dim']}",
         count="dim", positional=("dim", "vocab"), reads_tokens=True,
         doc="embed-D vocab=V: a word vector of D values for each token id of the input sequence (D@L)"),
    Kind(name="partialconv", family="conv",
         options=_WINDOW_OPTIONS + (Option("table", table_name, "lenet5", symbolic=True,
                                           help="which input maps each output map sees (lenet5: Table I)"),)
         + _weight_options("filters", "number of filters (output channels)"),
         shape=_partial_shape, window=sliding_window, buffers=_bn_buffers,
         params=lambda o, x, y: _partial_weights(o, x) + o["bias"] * o["filters"] + o["bn"] * 2 * o["filters"],
         macs=lambda o, x, y: _partial_weights(o, x) * volume(y[1:]),
         label=lambda o: f"partialconv{_kernel_text(o)}-{o['filters']}",
         size="kernel", count="filters", stride="stride", positional=("filters",),
         weighted=True, defaults=_WEIGHTED_DEFAULTS,
         doc="partialconvK-N table=lenet5: a conv whose output maps see only some input maps (LeNet-5's C3)"),
    Kind(name="subsample", family="pool", options=_POOL_OPTIONS,
         shape=lambda o, x: sliding(o, x, x[0], "subsample"), window=sliding_window,
         params=lambda o, x, y: 2 * x[0], weighted=True, defaults=("act",),
         label=lambda o: f"subsample{_kernel_text(o)}{_stride_text(o, o['kernel'][0])}",
         size="kernel", stride="stride", positional=("kernel", "stride"),
         doc="subsampleK: LeNet-5's trainable subsampling: the sum of each KxK window times a "
             "coefficient, plus a bias, per map (2C)"),
    Kind(name="rbf", family="fc", options=(Option("out", positive, required=True, help="number of classes"),),
         shape=_rbf_shape, macs=lambda o, x, y: x[0] * o["out"], buffers=lambda o, x, y: x[0] * o["out"],
         label=lambda o: f"rbf-{o['out']}", count="out", positional=("out",),
         doc="rbf-N: LeNet-5's Euclidean RBF output units; their prototypes are fixed, not trained"),
    Kind(name="zeropad", family="other", internal=True,
         options=(Option("filters", positive, required=True), Option("stride", positive, 1, aliases=("s",))),
         shape=_shortcut_shape, window=lambda o, x: ((1,) * (len(x) - 1), (o["stride"],) * (len(x) - 1)),
         label=lambda o: f"identity/{o['stride']} + zero pad", count="filters", stride="stride",
         doc="the ResNet paper's option A shortcut: every S-th position, channels padded "
             "with zeros to N; no parameters (made by a residual with shortcut=A)"),
    _act("relu", ("rectifier",), "relu: max(0, x)"),
    _act("leakyrelu", ("leaky_relu", "lrelu", "leaky"), "leakyrelu(slope): max(slope*x, x)",
         Option("slope", real, 0.01, aliases=("negative_slope",)), prefix="lrelu"),
    _act("elu", (), "elu(alpha): x if x > 0 else alpha*(exp(x) - 1)", Option("alpha", real, 1.0)),
    _act("tanh", (), "tanh: the hyperbolic tangent"),
    _act("sigmoid", ("logistic",), "sigmoid: 1/(1 + exp(-x))"),
    _act("softmax", (), "softmax: exp(x_i)/sum_j exp(x_j) over the channels", paper="soft-max"),
    _act("relu6", (), "relu6: min(max(0, x), 6) (MobileNet)"),
    _act("silu", ("swish",), "silu: x * sigmoid(x), also called swish (EfficientNet)"),
    _act("hardswish", ("hard_swish", "hswish"), "hardswish: x * relu6(x + 3) / 6 (MobileNetV3)"),
    _act("hardsigmoid", ("hard_sigmoid", "hsigmoid"), "hardsigmoid: relu6(x + 3) / 6 (MobileNetV3's gates)"),
    _act("gelu", (), "gelu: x * Phi(x), Phi the standard normal's distribution function (ViT, ConvNeXt)"),
    Kind(name="maxout", family="act", options=(Option("pieces", positive, 2, aliases=("k",)),),
         shape=_maxout_shape, label=lambda o: f"maxout({o['pieces']})", positional=("pieces",),
         doc="maxout(k): the maximum of each group of k channels (C -> C/k)"),
)

#: Every name and alias a spec may write, lower case, to its kind.
BY_NAME: dict[str, Kind] = {n: k for k in KINDS if not k.internal for n in (k.name, *k.aliases)}

#: Every kind by its canonical name, the internal ones too.
BY_KIND: dict[str, Kind] = {k.name: k for k in KINDS}

#: Kinds an `act=` option may name: activations that keep the shape.
ACTIVATIONS: dict[str, Kind] = {n: k for n, k in BY_NAME.items() if k.activation}


def lookup(name: str) -> Kind | None:
    """The kind a spec names (case-insensitive), or None."""
    return BY_NAME.get(name.lower())
