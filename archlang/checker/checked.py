"""The checked tree: what the walk makes of a spec, as data.

Every layer is a `Layer` with its kind, resolved options, shapes, parameters
and MACs; the structure of the spec is kept around them (a repeat stays a
`Repeated` with one body per iteration, a block call a `Block`), so that the
renderer can draw one cluster and codegen can emit one class. The nodes share
the child protocol of `nodes.Node`: every walk over the tree (rows, names,
receptive fields, the diagram, the module) is a visitor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .. import ir
from ..diagnostics import Diagnostic
from ..nodes import Node
from ..records import field, record
from ..source import Source, Span
from ..units import Shape, fmt_shape, short_count

if TYPE_CHECKING:
    from ..joins import Join
    from ..layers import Kind
    from ..scope import Scope

#: An activation as resolved: its kind and options.
Act = tuple["Kind", Mapping[str, Any]]


@record(frozen=True, eq=False, slots=True)
class Layer(Node):
    """One checked layer: its kind (a layer kind, or the join of a branch)
    and resolved options, where it was written, the shapes around it, its
    parameters and MACs, and the activation that follows it (or None)."""

    kind: Kind | Join
    opts: Mapping[str, Any]
    span: Span
    in_shape: Shape
    out_shape: Shape
    params: int
    macs: int
    act: Act | None = None
    label: str | None = None
    implied: bool = False
    origin: str | None = None  # the file it was written in, when not the network's own (a block's)

    @property
    def op(self) -> str:
        """The layer in paper notation, e.g. `conv3-64` or `maxpool3/2`."""
        return self.kind.label(self.opts)

    @property
    def act_name(self) -> str | None:
        return self.act[0].label(self.act[1]) if self.act else None

    @property
    def display(self) -> str:
        """The notation with what follows it: `conv3-64 + bn + relu`."""
        parts = [self.op]
        if self.opts.get("bn"):
            parts.append("bn")
        if self.act:
            parts.append(self.act_name)  # type: ignore[arg-type]
        text = " + ".join(parts)
        return f"({text})" if self.implied else text

    @property
    def elements(self) -> int:
        return math.prod(self.out_shape)

    @property
    def buffers(self) -> int:
        """Values the built layer keeps besides its parameters (running statistics)."""
        return self.kind.buffers(self.opts, self.in_shape, self.out_shape)

    @property
    def frozen(self) -> bool:
        """Its parameters are kept fixed in training (`frozen=true`: requires_grad off)."""
        return self.opts.get("frozen") is True


@record(frozen=True, eq=False, slots=True)
class Row:
    """A layer in the flat listing: its name, its receptive field (size and
    jump per spatial dimension; None once the input has been flattened) and
    its depth (0 on the main path, +1 inside each branch). `train`: it is in
    a side output of training only, whose MACs the network's total leaves out."""

    name: str
    layer: Layer
    rf: tuple[tuple[int, ...], tuple[int, ...]] | None
    depth: int = 0
    train: bool = False


@record(frozen=True, eq=False)
class Group(Node):
    """A checked sequence: the IR node and the checked items (a layer that
    implies a flatten is a Group of the two, with the call as its node)."""

    node: Any
    items: tuple[Any, ...]
    fields: ClassVar[tuple[str, ...]] = ("items",)

    def split_droppath(self) -> tuple[tuple[Any, ...], Layer | None]:
        """The items before a droppath that ends the group, and that droppath (None if
        none ends it): a residual's layer scale multiplies the body before its droppath,
        as torchvision's CNBlock does; the backend and the oracle both split here."""
        items = self.items
        if items and isinstance(items[-1], Layer) and items[-1].kind.name == "droppath":
            return items[:-1], items[-1]
        return items, None


@record(frozen=True, eq=False)
class Repeated(Node):
    """A checked repeat: one checked body per iteration; iterations that got
    the same input are the same object."""

    node: ir.Repeat
    iterations: tuple[Any, ...]
    fields: ClassVar[tuple[str, ...]] = ("iterations",)


@record(frozen=True, eq=False)
class Optional(Node):
    """A checked conditional: the body when its test held, else None."""

    node: ir.Cond
    body: Any
    fields: ClassVar[tuple[str, ...]] = ("body",)


@record(frozen=True, eq=False)
class Branched(Node):
    """A checked branch: its join (from the table of joins), one checked
    group per path in the order they run and are built (an identity path is
    an empty group; a residual's projected shortcut, a group of the
    projection), and the join's layer, which holds the joined shape and the
    activation after the join. The layer comes first, as in the rows."""

    node: ir.Branch
    join: Join
    paths: tuple[Group, ...]
    layer: Layer
    outs: tuple[Shape, ...] = ()  # the shape each path ends in (a concat with crop=true crops them)
    fields: ClassVar[tuple[str, ...]] = ("layer", "paths")


@record(frozen=True, eq=False)
class Block(Node):
    """A checked block call: the call, the definition, the arguments bound to
    its parameters, the checked body, and the file the definition was written
    in when not the network's own (as `Layer.origin`)."""

    call: ir.Call
    definition: ir.Def
    args: dict[str, Any]
    body: Any
    origin: str | None = None
    fields: ClassVar[tuple[str, ...]] = ("body",)


@record(frozen=True, eq=False)
class Aside(Node):
    """A checked side output: its body, the shape it ends in, and whether it
    is an output of training only (`train=true`)."""

    node: ir.Side
    body: Group
    out: Shape | None
    train: bool = False
    fields: ClassVar[tuple[str, ...]] = ("body",)


#: Writes a network as the table of `archc check`: set by `report` (a later
#: stage, which `archlang` imports), as `notebook` registers its display; the
#: checked tree itself does not know how it is printed.
_summary: list[Callable[[CheckedNetwork], str]] = []


def set_summary(write: Callable[[CheckedNetwork], str]) -> None:
    """Make `write` the text of `CheckedNetwork.summary()` and `str()`."""
    _summary[:] = [write]


@record(eq=False, repr=False)
class CheckedNetwork:
    """What `check` returns: the network's name, parameter values, input and
    output shapes, the flat list of layers, the structured tree, the totals
    and every diagnostic (warnings too; errors raise instead). Its repr is
    one line; `summary()` (and `str()`) is the table `archc check` prints."""

    name: str
    params_values: dict[str, Any]
    input: Shape | None
    output: Shape | None
    rows: list[Row]
    tree: Group | None
    diagnostics: list[Diagnostic]
    source: Source
    module: ir.Module = field(repr=False)
    side_outputs: tuple[Shape, ...] = ()
    batch: int = 1  # examples per step, for the memory estimate and the shapes the report shows
    optimizer: str = "sgd"  # whose state the training memory estimate counts (accounting.OPTIMIZERS)
    scope: Scope | None = field(default=None, repr=False)  # the blocks and lets it saw, its imports' too

    @property
    def layers(self) -> list[Row]:
        return self.rows

    @property
    def params(self) -> int:
        return sum(row.layer.params for row in self.rows)

    @property
    def macs(self) -> int:
        """The MACs of one forward in evaluation: side outputs of training only (`train=true`) are not run."""
        return sum(row.layer.macs for row in self.rows if not row.train)

    @property
    def train_macs(self) -> int:
        """The MACs that training adds: those of the side outputs of training only."""
        return sum(row.layer.macs for row in self.rows if row.train)

    @property
    def flops(self) -> int:
        """FLOPs counted as 2 x MACs (a multiply and an add)."""
        return 2 * self.macs

    @property
    def trainable(self) -> int:
        """Parameters that training updates (requires_grad in the built module)."""
        return self.params - self.frozen

    @property
    def frozen(self) -> int:
        """Parameters kept fixed in training (`frozen=true`), still counted in `params`."""
        return sum(row.layer.params for row in self.rows if row.layer.frozen)

    @property
    def buffers(self) -> int:
        """Values the built network keeps besides its parameters."""
        return sum(row.layer.buffers for row in self.rows)

    @property
    def activation_elements(self) -> int:
        return sum(row.layer.elements for row in self.rows)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def __repr__(self) -> str:
        """One line: `<CheckedNetwork vgg16: 3@224x224 -> 1000, 138,357,544 params, 15.47 G MACs>`."""
        return (f"<CheckedNetwork {self.name}: {fmt_shape(self.input)} -> {fmt_shape(self.output)}, "
                f"{self.params:,} params, {short_count(self.macs)} MACs>")

    def summary(self) -> str:
        """The per-layer table and the totals, as `archc check` prints them."""
        if not _summary:
            raise RuntimeError("no summary writer: import archlang (it imports archlang.report)")
        return _summary[0](self)

    def __str__(self) -> str:
        return self.summary()
