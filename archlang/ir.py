"""The intermediate representation: what a spec says, as frozen records.

The syntax stage builds these from Lark's tree; every later stage reads only
these. Nodes keep the spec's structure (a repeat stays a `Repeat`, a block call
stays a `Call`) so the renderer can draw one cluster and codegen can emit one
class. Every node has a `span`; spans are excluded from equality and hashing.
Names are kept as written (`conv3`, `FC`): resolving them to layer kinds,
blocks or parameters is the checker's job. Every node declares its children
in `fields` (the protocol of `nodes.Node`), so any walk can visit any node.
"""

from __future__ import annotations

from typing import ClassVar

from .nodes import Node as _Node
from .records import field, record
from .source import Source, Span

NO_SPAN = Span(0, 0, 0, 0)


# ---- expressions ------------------------------------------------------------


@record(frozen=True)
class Number(_Node):
    """A literal: int, float or bool (`true`/`false`)."""

    fields: ClassVar[tuple[str, ...]] = ()

    value: int | float | bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Name(_Node):
    """A bare name: a parameter, or a symbol such as `same` or `relu`."""

    fields: ClassVar[tuple[str, ...]] = ()

    id: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Unary(_Node):
    """`op` is "-" or "not"."""

    fields: ClassVar[tuple[str, ...]] = ("operand",)

    op: str
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Binary(_Node):
    """`op` is one of + - * / // % == != < <= > >= and or."""

    fields: ClassVar[tuple[str, ...]] = ("left", "right")

    op: str
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Apply(_Node):
    """A name applied to arguments: a function (`min(a, b)`, `divisible(c)`,
    a `let` of the file) or, as an option's value, an activation with its
    arguments (`act=leakyrelu(0.1)`). Which one is the checker's to say."""

    name: str
    args: tuple[Expr, ...]
    kwargs: tuple[Option, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    fields: ClassVar[tuple[str, ...]] = ("args", "kwargs")


@record(frozen=True)
class IfElse(_Node):
    """`then if test else otherwise`: one of two values."""

    test: Expr
    then: Expr
    otherwise: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    fields: ClassVar[tuple[str, ...]] = ("test", "then", "otherwise")


Expr = Number | Name | Unary | Binary | Apply | IfElse


# ---- layers and structure ---------------------------------------------------


@record(frozen=True)
class Option(_Node):
    """`key=value` after a layer, in a call's parentheses, or in `default`."""

    fields: ClassVar[tuple[str, ...]] = ("value",)

    key: str
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Call(_Node):
    """A layer or block as written: `conv3-64/2 p=1` has name "conv3",
    count 64, stride 2 and one option; `dropout(0.5)` has one positional arg."""

    fields: ClassVar[tuple[str, ...]] = ("args", "kwargs", "count", "stride", "options")

    name: str
    args: tuple[Expr, ...] = ()
    kwargs: tuple[Option, ...] = ()
    count: Expr | None = None
    stride: Expr | None = None
    options: tuple[Option, ...] = ()
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Seq(_Node):
    """Items one after another (`,`, `->`, `→`, a line break)."""

    fields: ClassVar[tuple[str, ...]] = ("items",)

    items: tuple[Node, ...]
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Repeat(_Node):
    """`body*count`, or `body*count as i`: `index` names the iteration's
    number (0, 1, ...) inside the body."""

    fields: ClassVar[tuple[str, ...]] = ("body", "count")

    body: Node
    count: Expr
    index: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Cond(_Node):
    """`body if test`: the body is there only when the test is true."""

    fields: ClassVar[tuple[str, ...]] = ("body", "test")

    body: Node
    test: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Identity(_Node):
    """The path `x` of a branch: the branch's input, unchanged."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Branch(_Node):
    """Paths from one input, joined by `op`: `{a | b | c}` concatenates on
    channels (Inception), `{x + f}` adds (ResNet's residual). A path is a
    sequence, or `Identity` for the input itself. `op` is the join's symbol;
    the table of joins (joins.py) says what it does."""

    op: str
    paths: tuple[Seq | Identity, ...]
    options: tuple[Option, ...] = ()
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    fields: ClassVar[tuple[str, ...]] = ("paths", "options")


@record(frozen=True)
class Side(_Node):
    """`side[...]`: a second output computed from here; the main path goes on
    with the input unchanged (Inception's auxiliary classifier). Its options:
    `train=true`, an output of training only (torchvision's aux classifiers)."""

    fields: ClassVar[tuple[str, ...]] = ("body", "options")

    body: Seq
    options: tuple[Option, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Node = Call | Seq | Repeat | Cond | Branch | Side


# ---- statements ---------------------------------------------------------------


@record(frozen=True)
class Param(_Node):
    """A parameter of the network or of a block; `default` None means required."""

    fields: ClassVar[tuple[str, ...]] = ("default",)

    name: str
    default: Expr | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class NetworkDecl(_Node):
    """`network NAME(params)`."""

    fields: ClassVar[tuple[str, ...]] = ("params",)

    name: str
    params: tuple[Param, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class InputDecl(_Node):
    """`input 3@224x224`: `dims` is (C,), (C, L) or (C, H, W), each an
    expression (`input 3@(res)x(res)`)."""

    fields: ClassVar[tuple[str, ...]] = ("dims",)

    dims: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Default(_Node):
    """A file-wide option default: `default conv bias=false`; `act relu` and
    `pad same` are written this way too (with `kinds` empty)."""

    fields: ClassVar[tuple[str, ...]] = ("options",)

    kinds: tuple[str, ...]
    options: tuple[Option, ...]
    keyword: str = "default"
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Def(_Node):
    """`def name(params) = body`: a reusable block."""

    fields: ClassVar[tuple[str, ...]] = ("params", "body")

    name: str
    params: tuple[Param, ...]
    body: Seq
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Let(_Node):
    """`let name = value`, or `let name(params) = value`: a value, or a
    function of values, for the expressions of the file (and of files that
    import it)."""
    fields: ClassVar[tuple[str, ...]] = ("params", "value")

    name: str
    params: tuple[Param, ...] | None
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Variant(_Node):
    """`variant resnet18(depth = 18)`: a named network of the family the file
    declares, given by values of its parameters (a name of the zoo)."""

    name: str
    options: tuple[Option, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    fields: ClassVar[tuple[str, ...]] = ("options",)


@record(frozen=True)
class Import(_Node):
    """`import "path.arch"` (relative to the importing file) or `import resnet`
    (a module of the standard library); `library` tells which."""

    fields: ClassVar[tuple[str, ...]] = ()

    path: str
    library: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@record(frozen=True)
class Module(_Node):
    """One parsed file: its declarations in source order and the body, which is
    every top-level line of layers joined into one sequence."""

    fields: ClassVar[tuple[str, ...]] = ("networks", "inputs", "defaults", "defs", "lets", "variants", "imports", "body")

    source: Source = field(compare=False, repr=False)
    networks: tuple[NetworkDecl, ...] = ()
    inputs: tuple[InputDecl, ...] = ()
    defaults: tuple[Default, ...] = ()
    defs: tuple[Def, ...] = ()
    lets: tuple[Let, ...] = ()
    variants: tuple[Variant, ...] = ()
    imports: tuple[Import, ...] = ()
    body: Seq = Seq(())
