"""The PyTorch side of every kind and join: constructor text and join expressions.

For each layer kind, the expression codegen writes into `__init__` to build
it, as text (codegen never imports torch); for each join, how `forward`
combines the paths' tensors and what its variables are called. Names without
`nn.` are the helper classes of `codegen/helpers`. The table of kinds says
what a kind is; this module says how PyTorch spells it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..joins import crop_offsets, layer_scale_shape
from ..layers import BN_EPS, BN_MOMENTUM, Kind, window_of
from ..records import record
from ..units import Shape
from .helpers import table_constant

Opts = Mapping[str, Any]
Rule = Callable[[Opts, Shape, Shape], str]


def py(value: Any) -> str:
    """A Python literal: 3, 0.0001, True, (1, 7)."""
    if isinstance(value, tuple):
        return f"({py(value[0])},)" if len(value) == 1 else f"({', '.join(map(py, value))})"
    return repr(value)


def _one(values: tuple[int, ...]) -> int | tuple[int, ...]:
    """One number where every dimension agrees (PyTorch's int shorthand)."""
    return values[0] if len(set(values)) == 1 else values


def _unless(value: Any, default: Any) -> Any:
    return None if value == default and type(value) is type(default) else value


def torch_call(name: str, *args: Any, **kwargs: Any) -> str:
    """`name(a, b, key=value)`, leaving out keywords whose value is None; a
    str argument is written as it is (an expression), others as literals."""
    parts = [a if isinstance(a, str) else py(a) for a in args]
    parts += [f"{k}={py(v)}" for k, v in kwargs.items() if v is not None]
    return f"{name}({', '.join(parts)})"


def _window(opts: Opts, x: Shape) -> dict[str, Any]:
    w = window_of(opts, x, "layer")
    return {"kernel_size": _one(w.kernel), "stride": _unless(_one(w.stride), 1),
            "padding": _unless(_one(w.pad), 0), "dilation": _unless(w.dilation, 1)}


def _conv(opts: Opts, x: Shape, y: Shape) -> str:
    return torch_call(f"nn.Conv{len(x) - 1}d", x[0], opts["filters"], **_window(opts, x),
                      groups=_unless(opts["groups"], 1), bias=_unless(opts["bias"], True))


def _local(opts: Opts, x: Shape, y: Shape) -> str:
    return torch_call("LocallyConnected", x[0], opts["filters"], y[1:], **_window(opts, x),
                      bias=_unless(opts["bias"], True))


def _pool(module: str, wrapper: str = "") -> Rule:
    """`nn.MaxPool2d(...)`; min and L2 pools wrap the max and average pools."""

    def rule(opts: Opts, x: Shape, y: Shape) -> str:
        window = _window(opts, x)
        window["stride"] = window["stride"] or 1  # PyTorch pools default to stride = kernel
        pool = torch_call(f"{module}{len(x) - 1}d", **window, ceil_mode=_unless(opts["ceil"], False))
        return torch_call(wrapper, pool) if wrapper else pool

    return rule


def _global(module: str) -> Rule:
    return lambda o, x, y: f"nn.Sequential({module}{len(x) - 1}d(1), nn.Flatten())"


def _adaptive_size(opts: Opts, x: Shape) -> int | tuple[int, ...]:
    """The output size as torchvision writes it: (7, 7) on an image, 7 on a 1-D signal."""
    sizes = opts["size"] * (len(x) - 1) if len(opts["size"]) == 1 else opts["size"]
    return sizes[0] if len(sizes) == 1 else sizes


def batchnorm(opts: Opts, x: Shape, y: Shape) -> str:
    """`nn.BatchNorm2d(C)`, with eps= and momentum= only where they differ from
    PyTorch's defaults (so files that never set them generate what they did)."""
    return torch_call(f"nn.BatchNorm{1 if len(x) < 3 else 2}d", x[0], eps=_unless(opts.get("eps", BN_EPS), BN_EPS),
                      momentum=_unless(opts.get("momentum", BN_MOMENTUM), BN_MOMENTUM))


def layernorm(opts: Opts, x: Shape, y: Shape) -> str:
    """nn.LayerNorm on a vector; over the channels of a map, the helper that
    moves them last and back (torchvision's LayerNorm2d)."""
    module = "nn.LayerNorm" if len(x) == 1 else "ChannelLayerNorm"
    return torch_call(module, x[0], eps=_unless(opts["eps"], 1e-5))


def layer_scale(y: Shape, value: float) -> str:
    """A residual's layer scale: a parameter of one factor per channel (torchvision's CNBlock)."""
    return f"nn.Parameter(torch.full({py(layer_scale_shape(y))}, {py(value)}))"


def _partial(opts: Opts, x: Shape, y: Shape) -> str:
    return torch_call("PartialConv", table_constant(opts["table"]), f"nn.Conv{len(x) - 1}d",
                      **_window(opts, x), bias=_unless(opts["bias"], True))


def _act(module: str, *fixed: str, inplace: bool = False) -> Rule:
    """An activation module; options in table order are its arguments. Codegen
    sets opts["inplace"] where the input is a fresh output nobody else reads."""

    def rule(opts: Opts, x: Shape, y: Shape) -> str:
        values = [v for k, v in opts.items() if k != "inplace"]
        return torch_call(module, *values, *fixed, inplace=True if inplace and opts.get("inplace") else None)

    return rule


#: Each kind's constructor, by the kind's name.
CONSTRUCTORS: dict[str, Rule] = {
    "conv": _conv,
    "fc": lambda o, x, y: torch_call("nn.Linear", x[0], o["out"], bias=_unless(o["bias"], True)),
    "local": _local,
    "maxpool": _pool("nn.MaxPool"),
    "avgpool": _pool("nn.AvgPool"),
    "minpool": _pool("nn.MaxPool", "MinPool"),
    "l2pool": _pool("nn.AvgPool", "L2Pool"),
    "gap": _global("nn.AdaptiveAvgPool"),
    "gmp": _global("nn.AdaptiveMaxPool"),
    "adaptiveavgpool": lambda o, x, y: torch_call(f"nn.AdaptiveAvgPool{len(x) - 1}d", _adaptive_size(o, x)),
    "droppath": lambda o, x, y: torch_call("StochasticDepth", o["p"], mode=_unless(o["mode"], "row")),
    "flatten": lambda o, x, y: "nn.Flatten()",
    "dropout": lambda o, x, y: torch_call("nn.Dropout", p=o["p"]),
    "lrn": lambda o, x, y: torch_call("nn.LocalResponseNorm", o["size"], alpha=o["alpha"], beta=o["beta"], k=o["k"]),
    "batchnorm": batchnorm,
    "posbias": lambda o, x, y: torch_call("PositionBias", x),
    "embed": lambda o, x, y: torch_call("Embed", o["vocab"], o["dim"], frozen=_unless(o["frozen"], False)),
    "partialconv": _partial,
    "subsample": lambda o, x, y: torch_call("Subsample", x[0], _pool("nn.AvgPool")(o, x, y)),
    "rbf": lambda o, x, y: torch_call("RBF", x[0], o["out"]),
    "zeropad": lambda o, x, y: torch_call("ZeroPadShortcut", y[0] - x[0], o["stride"]),
    "layernorm": layernorm,
    "pointwise": lambda o, x, y: torch_call("nn.Linear" if len(x) == 1 else "Pointwise", x[0], o["out"],
                                            bias=_unless(o["bias"], True)),
    "patchembed": lambda o, x, y: torch_call("PatchEmbed", x[0], o["dim"], o["patch"], y[1]),
    "attention": lambda o, x, y: torch_call("SelfAttention", x[0], o["heads"]),
    "token": lambda o, x, y: torch_call("TakeToken", o["index"]),
    "relu": _act("nn.ReLU", inplace=True),
    "leakyrelu": _act("nn.LeakyReLU", inplace=True),
    "elu": _act("nn.ELU", inplace=True),
    "tanh": _act("nn.Tanh"),
    "sigmoid": _act("nn.Sigmoid"),
    "softmax": _act("nn.Softmax", "dim=1"),
    "relu6": _act("nn.ReLU6", inplace=True),
    "silu": _act("nn.SiLU", inplace=True),
    "hardswish": _act("nn.Hardswish", inplace=True),
    "hardsigmoid": _act("nn.Hardsigmoid", inplace=True),
    "gelu": _act("nn.GELU"),
    "maxout": lambda o, x, y: torch_call("Maxout", o["pieces"]),
    "chunk": lambda o, x, y: torch_call("Chunk", o["index"], o["of"]),
    "shuffle": lambda o, x, y: torch_call("ChannelShuffle", o["groups"]),
}


def constructor(kind: Kind, opts: Opts, x: Shape, y: Shape) -> str:
    """The constructor expression of a layer of `kind`."""
    return CONSTRUCTORS[kind.name](opts, x, y)


@record(frozen=True)
class JoinRule:
    """How forward writes a join: the variable prefix of each path's output
    (the last repeats for further paths), the expression of the outputs (the
    variables, the shapes the paths end in, and the joined shape), and the
    word block classes are named by (ConvResidualBlock)."""

    prefixes: tuple[str, ...]
    expression: Callable[[list[str], tuple[Shape, ...], Shape], str]
    kind: str


def _cropped(var: str, size: Shape, target: Shape) -> str:
    """`var` centre-cropped to `target`'s spatial size, as a slice (static sizes)."""
    if size[1:] == target[1:]:
        return var
    starts = crop_offsets(size, target)
    spans = ", ".join(f"{a}:{a + n}" for a, n in zip(starts, target[1:]))
    return f"{var}[:, :, {spans}]"


def _concat(outs: list[str], sizes: tuple[Shape, ...], joined: Shape) -> str:
    parts = [_cropped(v, s, joined) for v, s in zip(outs, sizes)] if sizes else outs
    return f"torch.cat([{', '.join(parts)}], 1)"


#: Each join's forward form, by the join's name.
JOINS: dict[str, JoinRule] = {
    "concat": JoinRule(("branch",), _concat, "concat"),
    "add": JoinRule(("out", "identity"), lambda outs, sizes, joined: " + ".join(outs), "residual"),
    "gate": JoinRule(("scale",), lambda outs, sizes, joined: " * ".join(outs), "gate"),
}
