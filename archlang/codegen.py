"""Codegen: a checked network to standalone PyTorch source.

Two steps, as in Jinja's compiler. `Lowering` visits the checked tree (one
`visit_<Node>` method per checked node kind) and collects, for the network and
for every iteration of a repeat, a `Scope`: the submodules `__init__` builds
and the lines `forward` runs. Iterations that differ only in numbers (the
input channels of a block's first conv, the filters of VGG's stages) share one
block class, and the numbers that differ become its constructor arguments:
torchvision's `_make_layer`, found rather than written. The `Emitter` then
writes the file with `write`/`writeline`/`indent`/`outdent`.

Nothing from a spec reaches the source except validated identifiers, numbers
from the layer table and comments passed through `comment_text`. The output
imports torch only, is byte-identical across runs, and is laid out the way
`ruff format` lays it out (lines of at most 88 characters, exploded calls
with a trailing comma) so that it passes `ruff format --check` under any
line length from 88 up. The runtime executes this same text.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, layers
from .check import CheckedNetwork, Layer, Row
from .diagnostics import ArchError, Diagnostic
from .layers import Shape, fmt_shape

#: Longest line written; ruff's default, so a file checked anywhere passes.
LINE_LENGTH = 88

#: Attributes of nn.Module a submodule must not shadow (tests compare this with torch).
#: Attributes the generated network class sets itself.
CLASS_ATTRIBUTES = frozenset(("input_shape", "input_dtype"))
#: Names the generated file binds at module level besides its classes.
MODULE_NAMES = frozenset(("F", "nn", "torch", "math", "LENET5_TABLE"))

MODULE_ATTRIBUTES = frozenset((
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children",
    "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward",
    "get_buffer", "get_extra_state", "get_parameter", "get_submodule", "half", "ipu",
    "load_state_dict", "modules", "mtia", "named_buffers", "named_children", "named_modules",
    "named_parameters", "parameters", "register_backward_hook", "register_buffer",
    "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
    "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter",
    "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_",
    "set_extra_state", "set_submodule", "share_memory", "smart_apply", "state_dict", "to",
    "to_empty", "train", "training", "type", "xpu", "zero_grad",
))

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")
_KEYWORD_BEFORE = re.compile(r"(\w+)=$")

# ---- the small classes for kinds PyTorch lacks ------------------------------------------

HELPERS: dict[str, str] = {
    "LocallyConnected": '''
class LocallyConnected(nn.Module):
    """A convolution with unshared weights: one filter bank per output position."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        out_size: tuple[int, ...],
        kernel_size: int | tuple[int, ...],
        stride: int = 1,
        padding: int | tuple[int, ...] = 0,
        dilation: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        rank = len(out_size)
        self.out_size = tuple(out_size)
        self.window = {
            "kernel_size": _as_2d(kernel_size, rank, 1),
            "dilation": _as_2d(dilation, rank, 1),
            "padding": _as_2d(padding, rank, 0),
            "stride": _as_2d(stride, rank, 1),
        }
        taps = in_channels
        for k in self.window["kernel_size"]:
            taps *= k
        positions = 1
        for n in self.out_size:
            positions *= n
        bound = taps**-0.5
        weight = torch.empty(positions, taps, out_channels).uniform_(-bound, bound)
        self.weight = nn.Parameter(weight)
        if bias:
            shape = (out_channels, *self.out_size)
            self.bias = nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(self.out_size) == 1:
            x = x.unsqueeze(2)
        columns = F.unfold(x, **self.window)
        y = torch.einsum("bkl,lkn->bnl", columns, self.weight)
        y = y.reshape(y.shape[0], y.shape[1], *self.out_size)
        return y if self.bias is None else y + self.bias


def _as_2d(value: int | tuple[int, ...], rank: int, fill: int) -> tuple[int, int]:
    """A 1-D window as a 2-D one of height 1, so one unfold serves both."""
    values = tuple(value) if isinstance(value, tuple) else (value,) * rank
    return (fill, *values) if rank == 1 else values
''',
    "MinPool": '''
class MinPool(nn.Module):
    """Min pooling: the negated max pool of the negated input."""

    def __init__(self, pool: nn.Module) -> None:
        super().__init__()
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -self.pool(-x)
''',
    "L2Pool": '''
class L2Pool(nn.Module):
    """L2-norm pooling: the square root of the sum of squares in each window."""

    def __init__(self, pool: nn.Module) -> None:
        super().__init__()
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = self.pool.kernel_size
        window = 1
        for k in size if isinstance(size, tuple) else (size,) * (x.dim() - 2):
            window *= k
        return torch.sqrt(self.pool(x * x) * window)
''',
    "PositionBias": '''
class PositionBias(nn.Module):
    """A separate bias for every value of the input (AlphaGo's last layer)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias
''',
    "ZeroPadShortcut": '''
class ZeroPadShortcut(nn.Module):
    """The ResNet paper's option A shortcut: every stride-th position, and zero
    channels appended to reach the body's width. No parameters."""

    def __init__(self, extra: int, stride: int) -> None:
        super().__init__()
        self.extra = extra
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        every = (slice(None, None, self.stride),) * (x.dim() - 2)
        x = x[(slice(None), slice(None), *every)]
        return F.pad(x, (0, 0) * (x.dim() - 2) + (0, self.extra))
''',
    "Maxout": '''
class Maxout(nn.Module):
    """Maxout: the maximum of each group of `pieces` consecutive channels."""

    def __init__(self, pieces: int) -> None:
        super().__init__()
        self.pieces = pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(1, (-1, self.pieces)).amax(2)
''',
    "Embed": '''
class Embed(nn.Embedding):
    """Word vectors for a sequence of token ids, channels first: ids of shape
    (N, L) give (N, D, L). Frozen vectors stay fixed in training but are still
    parameters (Kim's static channel)."""

    def __init__(self, vocab: int, dim: int, frozen: bool = False) -> None:
        super().__init__(vocab, dim)
        self.weight.requires_grad_(not frozen)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).transpose(1, 2)
''',
    "PartialConv": '''
class PartialConv(nn.Module):
    """A convolution whose output map j sees only the input maps table[j]
    (LeNet-5's C3, Table I). The maps that see the same number of inputs share
    one grouped convolution, so the weights are exactly the connected ones."""

    def __init__(
        self,
        table: tuple[tuple[int, ...], ...],
        conv: type[nn.Module],
        kernel_size: int | tuple[int, ...],
        stride: int = 1,
        padding: int | tuple[int, ...] = 0,
        dilation: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        window = {
            "kernel_size": kernel_size,
            "stride": stride,
            "padding": padding,
            "dilation": dilation,
        }
        self.convs = nn.ModuleList()
        self.inputs: list[list[int]] = []
        order: list[int] = []
        for width in sorted({len(row) for row in table}):
            maps = [j for j, row in enumerate(table) if len(row) == width]
            self.inputs.append([i for j in maps for i in table[j]])
            order += maps
            n = len(maps)
            self.convs.append(conv(width * n, n, groups=n, bias=bias, **window))
        self.order = [order.index(j) for j in range(len(table))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = [conv(x[:, i]) for conv, i in zip(self.convs, self.inputs)]
        return torch.cat(parts, 1)[:, self.order]
''',
    "Subsample": '''
class Subsample(nn.Module):
    """LeNet-5's trainable subsampling: the sum of each window (the average
    times the window's size), times a coefficient, plus a bias, per map."""

    def __init__(self, channels: int, pool: nn.Module) -> None:
        super().__init__()
        self.pool = pool
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rank = x.dim() - 2
        size = self.pool.kernel_size
        window = 1
        for k in size if isinstance(size, tuple) else (size,) * rank:
            window *= k
        per_map = (-1,) + (1,) * rank
        y = self.pool(x) * window
        return y * self.weight.view(per_map) + self.bias.view(per_map)
''',
    "RBF": '''
class RBF(nn.Module):
    """LeNet-5's Euclidean RBF units: unit j gives sum_i (x_i - w_ji)^2, the
    squared distance to its prototype w_j. The prototypes are fixed codes of
    -1 and +1, a buffer rather than parameters. The distances are computed
    as |x|^2 - 2 x.w + |w|^2, so the products x.w are one matrix multiply."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        codes = torch.randint(0, 2, (out_features, in_features)) * 2.0 - 1.0
        self.register_buffer("prototypes", codes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.prototypes
        squares = (x * x).sum(1, keepdim=True) + (w * w).sum(1)
        return (squares - 2 * x @ w.T).clamp_min(0)
''',
}


def _table_source(name: str, table: tuple[tuple[int, ...], ...]) -> str:
    rows = "".join(f"    {layers._py(row)},\n" for row in table)
    return (f"# The {name} connection table: row j lists the input maps output map j sees.\n"
            f"{layers.table_constant(name)} = (\n{rows})\n")


HELPERS.update({layers.table_constant(n): _table_source(n, t) for n, t in layers.TABLES.items()})

#: Helpers whose source uses torch.nn.functional.
_NEEDS_F = frozenset({"LocallyConnected", "ZeroPadShortcut"})


# ---- what the lowering collects ----------------------------------------------------------


@dataclass(eq=False)
class Instance:
    """One use of a block class: the scope it was lowered from; `cls` is set
    once every use of the class is known."""

    scope: Scope
    label: str | None = None
    cls: BlockClass | None = None

    def call(self) -> str:
        assert self.cls is not None
        return f"{self.cls.name}({', '.join(self.cls.arguments(self))})"


Ctor = str | Instance


@dataclass(eq=False)
class Sub:
    """A submodule: the attribute `__init__` assigns and its constructor."""

    name: str
    ctor: Ctor

    def text(self) -> str:
        return self.ctor if isinstance(self.ctor, str) else self.ctor.call()


@dataclass(eq=False)
class Scope:
    """The body of one module class. `top` is the network itself, whose
    submodules take the rows' names; a block's are counted per kind
    (conv1, relu1). `lines` are forward's lines, each with the FILE:LINE
    of the spec it comes from; `sides` the variables of its side outputs,
    which forward returns after the main output, in the spec's order."""

    top: bool
    subs: list[Sub] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    in_shape: Shape | None = None
    out_shape: Shape | None = None
    kinds: list[str] = field(default_factory=list)
    var: str = "x"  # the tensor forward's next line reads
    target: str = "x"  # the variable it assigns
    tensors: dict[str, int] = field(default_factory=dict)
    sides: list[str] = field(default_factory=list)

    def name(self, wanted: str, sep: str = "_") -> str:
        """`wanted`, or `wanted_2`, `wanted_3`... if taken."""
        name, n = wanted, 1
        while name in self.taken:
            n += 1
            name = f"{wanted}{sep}{n}"
        self.taken.add(name)
        return name

    def fresh(self, prefix: str) -> str:
        """A new tensor variable for forward: out, out2, ... / branch1, branch2, ..."""
        self.tensors[prefix] = self.tensors.get(prefix, 0) + 1
        n = self.tensors[prefix]
        return f"{prefix}{n}" if prefix == "branch" or n > 1 else prefix

    def emit(self, code: str, where: str) -> None:
        self.lines.append((code, where))

    def numbered(self, prefix: str) -> str:
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return self.name(f"{prefix}{self.counts[prefix]}")

    def add(self, name: str, ctor: Ctor, where: str, x: Shape, y: Shape) -> None:
        """A submodule and its forward line; a block with side outputs
        returns them after its output, and they become this scope's too."""
        self.subs.append(Sub(name, ctor))
        sides = [self.fresh("aux") for _ in ctor.scope.sides] if isinstance(ctor, Instance) else []
        self.emit(f"{', '.join([self.target, *sides])} = self.{name}({self.var})", where)
        self.sides += sides
        self.var = self.target
        self.in_shape = self.in_shape or x
        self.out_shape = y

    @property
    def height(self) -> int:
        """0 for a scope of layers; one more than its deepest block instance."""
        inner = [s.ctor.scope.height for s in self.subs if isinstance(s.ctor, Instance)]
        return 1 + max(inner) if inner else 0


# ---- block classes --------------------------------------------------------------------------


@dataclass(eq=False)
class BlockClass:
    """A block class and its uses. `slots` holds, for each number in the
    constructors (in order), the parameter it becomes, or None where every
    use has the same number."""

    name: str
    instances: list[Instance]
    slots: list[str | None] = field(default_factory=list)
    params: list[str] = field(default_factory=list)

    @property
    def scope(self) -> Scope:
        return self.instances[0].scope

    def finalize(self) -> None:
        """Give every number that differs between uses a parameter; numbers
        that always differ together share one."""
        vectors = [_numbers(i.scope) for i in self.instances]
        contexts = _number_contexts(self.scope)
        by_column: dict[tuple[str, ...], str] = {}
        for i, context in enumerate(contexts):
            column = tuple(v[i] for v in vectors)
            if len(set(column)) == 1:
                self.slots.append(None)
                continue
            if column not in by_column:
                by_column[column] = self._param_name(column, context)
                self.params.append(by_column[column])
            self.slots.append(by_column[column])

    def _param_name(self, column: tuple[str, ...], context: str) -> str:
        wanted = context or "width"
        for side, shapes in (("in", [i.scope.in_shape for i in self.instances]),
                             ("out", [i.scope.out_shape for i in self.instances])):
            if all(s is not None for s in shapes) and column == tuple(str(s[0]) for s in shapes):  # type: ignore[index]
                wanted = f"{side}_features" if len(shapes[0]) == 1 else f"{side}_channels"  # type: ignore[arg-type]
                break
        name, n = wanted, 1
        while name in self.params:
            n += 1
            name = f"{wanted}{n}"
        return name

    def arguments(self, instance: Instance) -> list[str]:
        values = _numbers(instance.scope)
        return [values[self.slots.index(p)] for p in self.params]

    def template(self, sub: Sub, start: int) -> tuple[str, int]:
        """A submodule's constructor with parameters for the numbers that vary;
        `start` is the index of its first number among the class's slots."""
        count = start

        def replace(match: re.Match[str]) -> str:
            nonlocal count
            slot = self.slots[count]
            count += 1
            return slot or match.group(0)

        return _NUMBER.sub(replace, sub.text()), count


def _numbers(scope: Scope) -> list[str]:
    return [n for sub in scope.subs for n in _NUMBER.findall(sub.text())]


def _number_contexts(scope: Scope) -> list[str]:
    """For each number, the keyword it is passed as (`stride`), or ""."""
    contexts = []
    for sub in scope.subs:
        text = sub.text()
        for match in _NUMBER.finditer(text):
            before = _KEYWORD_BEFORE.search(text[: match.start()])
            contexts.append(before.group(1) if before else "")
    return contexts


def _structure(scope: Scope) -> tuple[Any, ...]:
    """What two uses of one block class must share: everything but numbers."""
    subs = tuple((s.name, _NUMBER.sub("#", s.text())) for s in scope.subs)
    return subs, tuple(code for code, _ in scope.lines)


def _classify(instances: list[Instance], names: Scope) -> list[BlockClass]:
    """Block classes for all instances, innermost first: an outer block's
    constructor text holds its inner blocks' final constructor calls."""
    classes: list[BlockClass] = []
    for height in sorted({i.scope.height for i in instances}):
        groups: dict[tuple[Any, ...], list[Instance]] = {}
        for instance in instances:
            if instance.scope.height == height:
                groups.setdefault(_structure(instance.scope), []).append(instance)
        for members in groups.values():
            cls = BlockClass(names.name(_class_base(members[0]), sep=""), members)
            for member in members:
                member.cls = cls
            cls.finalize()
            classes.append(cls)
    return classes


def _class_base(instance: Instance) -> str:
    if instance.label:
        return camel_case(instance.label) or "Block"
    kinds = list(dict.fromkeys(instance.scope.kinds))[:3]
    return "".join(camel_case(k) for k in kinds) + "Block"


# ---- names and comments ---------------------------------------------------------------------


def camel_case(name: str) -> str:
    """vgg16 -> Vgg16, alphago_policy -> AlphagoPolicy."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def comment_text(text: str) -> str:
    """Spec text made safe for a comment: printable ASCII, escapes for the rest."""
    return "".join(c if " " <= c <= "~" else ascii(c)[1:-1] for c in text)


def attribute(name: str) -> str:
    """A row name as a submodule attribute: `basic3.conv1` -> `basic3_conv1`;
    keywords and nn.Module's own attributes get a trailing underscore."""
    name = re.sub(r"\W", "_", name, flags=re.ASCII)
    if not name or name[0].isdigit() or name[0] == "_":
        name = f"layer_{name}"  # nn.Module keeps its own state in _modules, _parameters, __dict__
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in MODULE_ATTRIBUTES | CLASS_ATTRIBUTES:
        name += "_"
    return name


def _prefix(kind: layers.Kind) -> str:
    return {"maxpool": "pool", "batchnorm": "bn", "dropout": "drop", "leakyrelu": "lrelu"}.get(kind.name, kind.name)


def _derived(name: str, old: str, new: str) -> str:
    """conv1_1 -> bn1_1, relu1_1; a name of the user's own -> c1_bn, c1_relu."""
    rest = name[len(old):]
    if name.startswith(old) and re.fullmatch(r"\d+(_\d+)*", rest):
        return new + rest
    return f"{name}_{new}"


def _error(network: CheckedNetwork, code: str, message: str, span: Any, hint: str) -> ArchError:
    return ArchError([Diagnostic("error", code, message, span, network.source, hint)])


def class_name(network: CheckedNetwork) -> str:
    """The network's class: its name in CamelCase. The name must be an ASCII
    identifier (E401): it reaches the generated source."""
    name = network.name
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name):
        decls = network.module.networks
        span = decls[0].span if decls else None
        raise _error(network, "E401", f"network name {comment_text(ascii(name))} is not a Python identifier",
                     span, "name it with letters, digits and underscores: network my_net")
    camel = camel_case(name) or "Network"
    if not camel.isidentifier() or keyword.iskeyword(camel) or camel in HELPERS or camel in MODULE_NAMES:
        camel = f"Net{camel}"  # network embed: class NetEmbed, beside the helper class Embed
    return camel


# ---- the lowering: one visit method per checked node kind -----------------------------------


class Lowering:
    """Walks a checked tree into scopes, in the checker's walk order, so that
    the n-th layer visited is the n-th row and takes its name."""

    def __init__(self, network: CheckedNetwork):
        self.network = network
        self.rows: list[Row] = network.rows
        self.cursor = 0
        self.instances: list[Instance] = []
        self.spec = comment_text(Path(network.source.name).name)
        self.file = self.spec  # the file of the lines being lowered: a block's own inside it

    def where(self, span: Any) -> str:
        return f"{self.file}:{span.line}"

    def visit(self, node: Any, scope: Scope) -> None:
        if node is None:
            return
        getattr(self, f"visit_{type(node).__name__}")(node, scope)

    def visit_Group(self, node: Any, scope: Scope) -> None:
        for item in node.items:
            self.visit(item, scope)

    def visit_Optional(self, node: Any, scope: Scope) -> None:
        self.visit(node.body, scope)

    def visit_Repeated(self, node: Any, scope: Scope) -> None:
        label = getattr(node.node.body, "label", None)
        for body in node.iterations:
            start = self.cursor
            inner = Scope(top=False)
            self.visit(body, inner)
            if not inner.subs:
                continue
            if len(inner.subs) == 1 and isinstance(inner.subs[0].ctor, Instance):
                # [basic(64)]*2: the block call is the block; no wrapper class around it
                instance = inner.subs[0].ctor
                name = scope.numbered(attribute(instance.label or "block"))
            else:
                instance = Instance(inner, label)
                self.instances.append(instance)
                name = self._instance_name(scope, inner, start, label)
            scope.add(name, instance, self.where(node.node.span), inner.in_shape, inner.out_shape)  # type: ignore[arg-type]
            scope.kinds += inner.kinds

    def visit_Block(self, node: Any, scope: Scope) -> None:
        """A block call (`inception(64, ...)`): an instance of a class named
        after the block; calls that differ only in numbers share it."""
        inner = Scope(top=False)
        outer, self.file = self.file, comment_text(Path(node.origin).name) if node.origin else self.spec
        self.visit(node.body, inner)
        self.file = outer
        if not inner.subs:
            return
        instance = Instance(inner, node.definition.name)
        self.instances.append(instance)
        label = node.call.label
        name = scope.name(attribute(label)) if label else scope.numbered(attribute(node.definition.name))
        scope.add(name, instance, self.where(node.call.span), inner.in_shape, inner.out_shape)  # type: ignore[arg-type]
        scope.kinds += inner.kinds

    def visit_Aside(self, node: Any, scope: Scope) -> None:
        """A side output (`side[...]`): its body reads the current tensor into
        a variable of its own, which forward returns; the main path goes on
        from the same tensor."""
        start, target = scope.var, scope.target
        scope.target = scope.fresh("aux")
        self.visit(node.body, scope)
        scope.sides.append(scope.var)
        scope.var, scope.target = start, target
        scope.kinds.append("side")

    def visit_Branch(self, node: Any, scope: Scope) -> None:
        """Parallel paths from one input, joined by torch.cat on channels."""
        join = node.join
        self._next_row(join)  # the join's row comes first in walk order
        scope.in_shape = scope.in_shape or join.in_shape
        start, target = scope.var, scope.target
        outs = []
        for path in node.paths:
            scope.var, scope.target = start, scope.fresh("branch")
            self.visit(path, scope)
            outs.append(scope.var)
        scope.var, scope.target = start, target
        scope.emit(f"{target} = torch.cat([{', '.join(outs)}], 1)", self.where(node.node.span))
        scope.var, scope.out_shape = target, join.out_shape
        scope.kinds.append("concat")

    def visit_Sum(self, node: Any, scope: Scope) -> None:
        """A residual: the body's output plus the shortcut (the input itself,
        or a projection), then the activation after the sum."""
        join = node.join
        name = self._layer_name(join, scope)
        scope.in_shape = scope.in_shape or join.in_shape
        start, target = scope.var, scope.target
        scope.target = scope.fresh("out")
        self.visit(node.body, scope)
        out = scope.var
        shortcut = start
        if node.shortcut is not None:
            scope.var, scope.target = start, scope.fresh("identity")
            self.visit(node.shortcut, scope)
            shortcut = scope.var
        scope.emit(f"{target} = {out} + {shortcut}", self.where(node.node.span))
        scope.var, scope.target, scope.out_shape = target, target, join.out_shape
        scope.kinds.append("residual")
        if join.act is not None:
            act, opts = join.act
            text = act.torch({**opts, "inplace": True}, join.out_shape, join.out_shape)
            act_name = _derived(name, "add", _prefix(act))
            act_name = scope.name(act_name if act_name not in scope.taken else f"{name}_{_prefix(act)}")
            scope.add(act_name, text, self.where(node.node.span), join.out_shape, join.out_shape)

    def visit_Layer(self, layer: Layer, scope: Scope) -> None:
        kind = layer.kind
        name = self._layer_name(layer, scope)
        line, x, y = self.where(layer.span), layer.in_shape, layer.out_shape
        scope.add(name, kind.torch(layer.opts, x, y), line, x, y)
        scope.kinds.append(_prefix(kind))
        if layer.opts.get("bn"):
            bn = layers.BY_NAME["batchnorm"]
            scope.add(scope.name(_derived(name, _prefix(kind), "bn")), bn.torch({}, y, y), line, y, y)
        if layer.act is not None:
            act, opts = layer.act
            # In place: the input is this layer's fresh output, read by nothing else.
            text = act.torch({**opts, "inplace": True}, y, y)
            scope.add(scope.name(_derived(name, _prefix(kind), _prefix(act))), text, line, y, y)

    # ---- names
    def _next_row(self, layer: Layer) -> Row | None:
        row = self.rows[self.cursor] if self.cursor < len(self.rows) else None
        self.cursor += 1
        return row if row is not None and row.layer is layer else None

    def _layer_name(self, layer: Layer, scope: Scope) -> str:
        row = self._next_row(layer)
        if scope.top and row is not None:
            return scope.name(attribute(row.name))
        if layer.label:
            return scope.name(attribute(layer.label))
        return scope.numbered(_prefix(layer.kind))

    def _instance_name(self, scope: Scope, inner: Scope, start: int, label: str | None) -> str:
        rows = self.rows[start:self.cursor]
        if len(rows) == 1 and len(inner.kinds) == 1:
            return scope.name(attribute(rows[0].name)) if scope.top else scope.numbered(inner.kinds[0])
        return scope.numbered(attribute(label) if label else "block")


# ---- the emitter ------------------------------------------------------------------------------


class Emitter:
    """Writes Python source into a buffer, Jinja's CodeGenerator in small."""

    def __init__(self) -> None:
        self.buffer: list[str] = []
        self.level = 0

    def write(self, text: str) -> None:
        self.buffer.append(text)

    def writeline(self, text: str = "") -> None:
        self.write(f"{'    ' * self.level}{text}\n" if text else "\n")

    def indent(self) -> None:
        self.level += 1

    def outdent(self) -> None:
        self.level -= 1

    def source(self) -> str:
        return "".join(self.buffer)

    # ---- layout ruff agrees with
    def call_line(self, head: str, call: str) -> None:
        """`head` + `call`; exploded one argument a line, with a trailing
        comma (which keeps ruff from joining it), when it does not fit."""
        if len(head + call) + 4 * self.level <= LINE_LENGTH:
            self.writeline(head + call)
            return
        function, arguments = _split_call(call)
        self.writeline(f"{head}{function}(")
        self.indent()
        for argument in arguments:
            self.writeline(f"{argument},")
        self.outdent()
        self.writeline(")")

    def commented(self, code: str, note: str) -> None:
        """A line with a trailing comment, or the comment above it when the two
        would not fit on one line."""
        if not note:
            self.writeline(code)
        elif len(f"{code}  # {note}") + 4 * self.level <= LINE_LENGTH:
            self.writeline(f"{code}  # {note}")
        else:
            self.writeline(f"# {note}")
            self.writeline(code)

    def signature(self, params: list[str]) -> None:
        args = ["self", *(f"{p}: int" for p in params)]
        line = f"def __init__({', '.join(args)}) -> None:"
        if len(line) + 4 * self.level <= LINE_LENGTH:
            self.writeline(line)
            return
        self.writeline("def __init__(")
        self.indent()
        for arg in args:
            self.writeline(f"{arg},")
        self.outdent()
        self.writeline(") -> None:")


def _split_call(text: str) -> tuple[str, list[str]]:
    """`f(a, g(b, c), k=1)` -> ("f", ["a", "g(b, c)", "k=1"])."""
    opening = text.index("(")
    depth, start, parts = 0, opening + 1, []
    for i in range(opening, len(text)):
        char = text[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                parts.append(text[start:i].strip())
                break
        elif char == "," and depth == 1:
            parts.append(text[start:i].strip())
            start = i + 1
    return text[:opening], [p for p in parts if p]


# ---- the file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    """Generated source, the class to instantiate, and the name tracebacks show."""

    source: str
    class_name: str
    filename: str


def generate(network: CheckedNetwork) -> Generated:
    """The standalone PyTorch source of a checked network."""
    name = class_name(network)
    lowering = Lowering(network)
    top = Scope(top=True)
    lowering.visit(network.tree, top)
    names = Scope(top=False, taken={name, "torch", "nn", "F", *HELPERS, "_as_2d"})
    classes = _classify(lowering.instances, names)
    spec = comment_text(Path(network.source.name).name)
    writer = FileWriter(network, spec)
    return Generated(writer.write_file(name, top, classes), name, f"<archc {spec}>")


def python(network: CheckedNetwork) -> str:
    return generate(network).source


class FileWriter(Emitter):
    """Lays out one generated file: header, helpers, block classes, the
    network class, and the script entry point, two blank lines apart."""

    def __init__(self, network: CheckedNetwork, spec: str):
        super().__init__()
        self.network = network
        self.spec = spec

    def write_file(self, name: str, top: Scope, classes: list[BlockClass]) -> str:
        helpers = _helpers_used([top, *(c.scope for c in classes)])
        self.header(helpers)
        for helper in helpers:
            self.top_level()
            self.write(HELPERS[helper].strip("\n") + "\n")
        for cls in classes:
            self.top_level()
            self.block_class(cls)
        self.top_level()
        self.network_class(name, top)
        self.top_level()
        self.main(name, top.sides)
        return self.source()

    def top_level(self) -> None:
        self.writeline()
        self.writeline()

    def header(self, helpers: list[str]) -> None:
        network = self.network
        self.writeline(f"# Generated by archc {__version__} from {self.spec}; edit the spec, then rebuild.")
        params = ", ".join(f"{k}={v!r}" for k, v in network.params_values.items())
        if params:
            self.writeline(f"# Parameters: {comment_text(params)}")
        self.writeline(f'"""{network.name}: {fmt_shape(network.input)} -> {fmt_shape(network.output)}, '
                       f"{network.params:,} parameters, {network.macs:,} MACs.")
        self.writeline()
        self.writeline("Standalone: it needs torch only. Run it to build the network and pass a")
        self.writeline("zero input through it.")
        self.writeline('"""')
        self.writeline()
        self.writeline("import torch")
        if any(h in _NEEDS_F for h in helpers):
            self.writeline("import torch.nn.functional as F")
        self.writeline("from torch import nn")

    def block_class(self, cls: BlockClass) -> None:
        uses = len(cls.instances)
        self.writeline(f"class {cls.name}(nn.Module):")
        self.indent()
        what = f"The {cls.instances[0].label} block" if cls.instances[0].label else "A repeated block"
        self.writeline(f'"""{what}, used {uses} time{"s" * (uses != 1)}."""')
        self.writeline()
        self.signature(cls.params)
        self.indent()
        self.writeline("super().__init__()")
        start = 0
        for sub in cls.scope.subs:
            text, start = cls.template(sub, start)
            self.call_line(f"self.{sub.name} = ", text)
        self.outdent()
        self.forward(cls.scope.lines, _agreed_notes(cls), cls.scope.sides)
        self.outdent()

    def network_class(self, name: str, top: Scope) -> None:
        network = self.network
        self.writeline(f"class {name}(nn.Module):")
        self.indent()
        summary = f"{network.name}: {fmt_shape(network.input)} -> {fmt_shape(network.output)}."
        if top.sides:
            self.writeline(f'"""{summary}')
            self.writeline()
            shapes = ", ".join(map(fmt_shape, network.side_outputs))
            what = "side outputs" if len(top.sides) > 1 else "side output"
            self.writeline(f"forward returns a tuple: the output, then the {what} ({shapes}).")
            self.writeline('"""')
        else:
            self.writeline(f'"""{summary}"""')
        self.writeline()
        self.writeline(f"input_shape = {layers._py(tuple(network.input or ()))}")
        self.writeline(f"input_dtype = {'torch.long' if takes_token_ids(network) else 'torch.float32'}")
        self.writeline()
        self.writeline("def __init__(self) -> None:")
        self.indent()
        self.writeline("super().__init__()")
        for sub in top.subs:
            self.call_line(f"self.{sub.name} = ", sub.text())
        self.outdent()
        self.forward(top.lines, [note for _, note in top.lines], top.sides)
        self.outdent()

    def forward(self, lines: list[tuple[str, str]], notes: list[str], sides: list[str]) -> None:
        """forward: the main output alone, or a tuple of it and the side outputs."""
        returns = "tuple[torch.Tensor, ...]" if sides else "torch.Tensor"
        self.writeline()
        self.writeline(f"def forward(self, x: torch.Tensor) -> {returns}:")
        self.indent()
        for (code, _), note in zip(lines, notes):
            self.commented(code, note)
        self.writeline(f"return {', '.join(['x', *sides])}")  # the main path ends in x in every scope
        self.outdent()

    def main(self, name: str, sides: list[str]) -> None:
        self.writeline('if __name__ == "__main__":')
        self.indent()
        self.writeline(f"model = {name}().eval()")
        self.writeline("x = torch.zeros(1, *model.input_shape, dtype=model.input_dtype)")
        self.writeline("with torch.no_grad():")
        self.indent()
        self.writeline(f"{', '.join(['y', *sides])} = model(x)")
        self.outdent()
        self.writeline("count = sum(p.numel() for p in model.parameters())")
        self.writeline(f'print(f"{self.network.name}: output {{tuple(y.shape[1:])}}, {{count:,}} parameters")')
        for side in sides:
            self.writeline(f'print(f"side output {side}: {{tuple({side}.shape[1:])}}")')
        self.outdent()


def _agreed_notes(cls: BlockClass) -> list[str]:
    """FILE:LINE comments for a block's forward: kept where every use agrees."""
    columns = zip(*([note for _, note in i.scope.lines] for i in cls.instances))
    return [c[0] if len(set(c)) == 1 else "" for c in columns]


def takes_token_ids(network: CheckedNetwork) -> bool:
    """Whether the input is a sequence of token ids (a LongTensor): it is
    when the network embeds them."""
    return any(row.layer.kind.name == "embed" for row in network.rows)


def _helpers_used(scopes: list[Scope]) -> list[str]:
    """The helpers (classes and tables) the constructors name, in HELPERS order."""
    used = {m.group(0) for s in scopes for sub in s.subs if isinstance(sub.ctor, str)
            for m in re.finditer(r"\b[A-Za-z_]\w*\b", sub.ctor)}
    return [h for h in HELPERS if h in used]
