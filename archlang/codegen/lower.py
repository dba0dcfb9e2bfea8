"""Lowering: the checked tree to the bodies of module classes.

A visitor over the checked network (one `visit_<Node>` method per checked
node kind, the generic fallback for the rest) collects, for the network and
for every block instance and iteration of a repeat, a `Body`: the submodules
`__init__` builds and the lines `forward` runs, each with the FILE:LINE of
the spec it comes from. Layers are visited in the checker's walk order, so
the n-th layer visited is the n-th row and takes its name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from ..checker.checked import Aside, Block, Branched, CheckedNetwork, Group, Layer, Repeated, Row
from ..joins import body_end
from ..layers import BY_KIND, bn_settings
from ..nodes import Visitor
from ..records import field, record
from ..units import Shape
from .names import attribute, comment_text, derived
from .torch_rules import JOINS, batchnorm, constructor, layer_scale, layernorm


class ClassOf(Protocol):
    """What an instance needs of the block class it is found to be (classes.BlockClass)."""

    name: str

    def arguments(self, instance: Instance) -> list[str]: ...


@record(eq=False)
class Instance:
    """One use of a block class: the scope it was lowered from; `cls` is set
    once every use of the class is known."""

    scope: Body
    label: str | None = None
    cls: ClassOf | None = None

    def call(self) -> str:
        assert self.cls is not None
        return f"{self.cls.name}({', '.join(self.cls.arguments(self))})"


Ctor = str | Instance


@record(eq=False)
class Sub:
    """A submodule: the attribute `__init__` assigns and its constructor."""

    name: str
    ctor: Ctor

    def text(self) -> str:
        return self.ctor if isinstance(self.ctor, str) else self.ctor.call()


@record(eq=False)
class Body:
    """The body of one module class. `top` is the network itself, whose
    submodules take the rows' names; a block's are counted per kind
    (conv1, relu1). `lines` are forward's lines, each with the FILE:LINE
    of the spec it comes from; `sides` the variables of its side outputs,
    which forward returns after the main output, in the spec's order;
    `training` those of them computed in training only (None in evaluation,
    where the network's own forward leaves them out of what it returns)."""

    top: bool
    subs: list[Sub] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    suffixes: dict[tuple[str, str], int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    in_shape: Shape | None = None
    out_shape: Shape | None = None
    kinds: list[str] = field(default_factory=list)
    var: str = "x"  # the tensor forward's next line reads
    target: str = "x"  # the variable it assigns
    tensors: dict[str, int] = field(default_factory=dict)
    sides: list[str] = field(default_factory=list)
    training: set[str] = field(default_factory=set)

    def name(self, wanted: str, sep: str = "_") -> str:
        """`wanted`, or `wanted_2`, `wanted_3`... if taken. The last number
        given for each wanted name is remembered: a thousand layers labelled
        alike cost a thousand steps, not half a million."""
        name, n = wanted, self.suffixes.get((wanted, sep), 1)
        while name in self.taken:
            n += 1
            name = f"{wanted}{sep}{n}"
        self.suffixes[(wanted, sep)] = n
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
        inner = ctor.scope.sides if isinstance(ctor, Instance) else []
        sides = [self.fresh("aux") for _ in inner]
        self.emit(f"{', '.join([self.target, *sides])} = self.{name}({self.var})", where)
        self.sides += sides
        if isinstance(ctor, Instance):
            self.training.update(ours for ours, theirs in zip(sides, inner) if theirs in ctor.scope.training)
        self.var = self.target
        self.in_shape = self.in_shape or x
        self.out_shape = y

    @property
    def height(self) -> int:
        """0 for a scope of layers; one more than its deepest block instance."""
        inner = [s.ctor.scope.height for s in self.subs if isinstance(s.ctor, Instance)]
        return 1 + max(inner) if inner else 0



class Lowering(Visitor):
    """Walks a checked tree into bodies, in the checker's walk order."""

    def __init__(self, network: CheckedNetwork):
        self.network = network
        self.rows: list[Row] = network.rows
        self.cursor = 0
        self.instances: list[Instance] = []
        self.spec = comment_text(Path(network.source.name).name)
        self.file = self.spec  # the file of the lines being lowered: a block's own inside it

    def where(self, span: Any) -> str:
        return f"{self.file}:{span.line}"

    def visit_Repeated(self, node: Repeated, body: Body) -> None:
        label = getattr(node.node.body, "label", None)
        for iteration in node.iterations:
            start = self.cursor
            inner = Body(top=False)
            self.visit(iteration, inner)
            if not inner.subs:
                continue
            if _is_one_call(inner):
                # [basic(64)]*2: the block call is the block; no wrapper class around it
                instance = inner.subs[0].ctor
                assert isinstance(instance, Instance)
                name = body.numbered(attribute(instance.label or "block"))
            else:
                instance = Instance(inner, label)
                self.instances.append(instance)
                name = self._instance_name(body, inner, start, label)
            body.add(name, instance, self.where(node.node.span), inner.in_shape, inner.out_shape)  # type: ignore[arg-type]
            body.kinds += inner.kinds

    def visit_Block(self, node: Block, body: Body) -> None:
        """A block call (`inception(64, ...)`): an instance of a class named
        after the block; calls that differ only in numbers share it."""
        inner = Body(top=False)
        outer, self.file = self.file, comment_text(Path(node.origin).name) if node.origin else self.spec
        self.visit(node.body, inner)
        self.file = outer
        if not inner.subs:
            return
        instance = Instance(inner, node.definition.name)
        self.instances.append(instance)
        label = node.call.label
        name = body.name(attribute(label)) if label else body.numbered(attribute(node.definition.name))
        body.add(name, instance, self.where(node.call.span), inner.in_shape, inner.out_shape)  # type: ignore[arg-type]
        body.kinds += inner.kinds

    def visit_Aside(self, node: Aside, body: Body) -> None:
        """A side output (`side[...]`): its body reads the current tensor into
        a variable of its own, which forward returns; the main path goes on
        from the same tensor."""
        start, target = body.var, body.target
        body.target = body.fresh("aux")
        first, sides = len(body.lines), len(body.sides)
        self.visit(node.body, body)
        if body.var == start:  # an empty side output (side[[pool]*0]) is the tensor here, kept apart
            body.emit(f"{body.target} = {start}", self.where(node.node.span))
            body.var = body.target
        body.sides.append(body.var)
        if node.train:  # computed in training only: None in evaluation, as torchvision's aux classifiers
            where = self.where(node.node.span)
            made = body.sides[sides:]
            lines = [(f"    {code}", note) for code, note in body.lines[first:]]
            body.lines[first:] = [(f"{v} = None", where) for v in made] + [("if self.training:", where), *lines]
            body.training.update(made)
        body.var, body.target = start, target
        body.kinds.append("side")

    def visit_Branched(self, node: Branched, body: Body) -> None:
        """A branch; a residual with a layer scale (`scale=`) or a post-norm
        (`postnorm=`) is a module of its own that holds the scale (the norm)
        first, so it comes before the body's layers in the state_dict, as
        torchvision's CNBlock registers its layer_scale and Swin V2's block
        its norm1 and norm2."""
        end = body_end(node.layer.opts)
        if end is None:
            self._branch(node, body)
            return
        inner = Body(top=False)
        y = node.layer.out_shape
        if end[0] == "scale":
            inner.subs.append(Sub(inner.name("layer_scale"), layer_scale(y, end[1])))
        else:
            inner.subs.append(Sub(inner.name("norm"), layernorm({"eps": end[1]}, y, y)))
        self._branch(node, inner, end[0])
        instance = Instance(inner)
        self.instances.append(instance)
        body.add(body.numbered("block"), instance, self.where(node.node.span), node.layer.in_shape,
                 node.layer.out_shape)
        body.kinds += inner.kinds

    def _branch(self, node: Branched, body: Body, end: str | None = None) -> None:
        """Paths from one input, each into a variable of its own (an identity
        path is the input itself), joined by the join's expression; then the
        activation after the join, if any (a residual's). `end`: the option
        that ends the body (joins.body_end), in the module visit_Branched made."""
        join, rule = node.layer, JOINS[node.join.name]
        # A join that may carry an activation takes a name, as a layer does; the others only a row.
        name = self._layer_name(join, body) if node.join.act_after else None
        if name is None:
            self._next_row(join)  # the join's row comes first in walk order
        body.in_shape = body.in_shape or join.in_shape
        start, target = body.var, body.target
        outs = []
        for i, path in enumerate(node.paths):
            if not path.items:
                outs.append(start)
                continue
            body.var, body.target = start, body.fresh(rule.prefixes[min(i, len(rule.prefixes) - 1)])
            if end is not None:
                self._ended_path(path, body, end == "scale", self.where(node.node.span))
            else:
                self.visit(path, body)
            outs.append(body.var)
        body.emit(f"{target} = {rule.expression(outs, node.outs, join.out_shape)}", self.where(node.node.span))
        body.var, body.target, body.out_shape = target, target, join.out_shape
        body.kinds.append(rule.kind)
        if join.act is not None and name is not None:
            act, opts = join.act
            text = constructor(act, {**opts, "inplace": True}, join.out_shape, join.out_shape)
            act_name = derived(name, node.join.prefix, act.prefix)
            act_name = body.name(act_name if act_name not in body.taken else f"{name}_{act.prefix}")
            body.add(act_name, text, self.where(node.node.span), join.out_shape, join.out_shape)

    def _ended_path(self, path: Group, body: Body, scaled: bool, where: str) -> None:
        """A residual's body times its layer scale, or normalised by its
        post-norm: before a droppath that ends the body, as torchvision's
        CNBlock scales and Swin V2's block normalises, then drops."""
        items, last = path.split_droppath()
        for item in items:
            self.visit(item, body)
        end = f"self.layer_scale * {body.var}" if scaled else f"self.norm({body.var})"
        body.emit(f"{body.target} = {end}", where)
        body.var = body.target
        if last is not None:
            self.visit(last, body)

    def visit_Layer(self, layer: Layer, body: Body) -> None:
        kind = layer.kind
        name = self._layer_name(layer, body)
        line, x, y = self.where(layer.span), layer.in_shape, layer.out_shape
        body.add(name, constructor(kind, layer.opts, x, y), line, x, y)  # type: ignore[arg-type]
        body.kinds.append(kind.prefix)
        if layer.opts.get("bn"):
            bn = BY_KIND["batchnorm"]
            body.add(body.name(derived(name, kind.prefix, bn.prefix)), batchnorm(bn_settings(layer.opts), y, y), line, y, y)
        if layer.act is not None:
            act, opts = layer.act
            # In place: the input is this layer's fresh output, read by nothing else.
            text = constructor(act, {**opts, "inplace": True}, y, y)
            body.add(body.name(derived(name, kind.prefix, act.prefix)), text, line, y, y)

    # ---- names
    def _next_row(self, layer: Layer) -> Row | None:
        row = self.rows[self.cursor] if self.cursor < len(self.rows) else None
        self.cursor += 1
        return row if row is not None and row.layer is layer else None

    def _layer_name(self, layer: Layer, body: Body) -> str:
        row = self._next_row(layer)
        if body.top and row is not None:
            return body.name(attribute(row.name))
        if layer.label:
            return body.name(attribute(layer.label))
        return body.numbered(layer.kind.prefix)

    def _instance_name(self, body: Body, inner: Body, start: int, label: str | None) -> str:
        rows = self.rows[start:self.cursor]
        if len(rows) == 1 and len(inner.kinds) == 1:
            return body.name(attribute(rows[0].name)) if body.top else body.numbered(inner.kinds[0])
        return body.numbered(attribute(label) if label else "block")


def _is_one_call(inner: Body) -> bool:
    """Whether a repeat's iteration is exactly one block instance and nothing
    else: one submodule, whose one forward line reads and writes the main
    tensor and returns only the block's own side outputs. A residual or a
    side output around the call is more, and keeps a class of its own."""
    if len(inner.subs) != 1 or not isinstance(inner.subs[0].ctor, Instance) or len(inner.lines) != 1:
        return False
    targets = inner.lines[0][0].split(" = ", 1)[0].split(", ")
    return targets[0] == "x" and inner.var == "x" and len(inner.sides) == len(targets) - 1
