"""The intermediate representation: what a spec says, as frozen dataclasses.

The syntax stage builds these from Lark's tree; every later stage reads only
these. Nodes keep the spec's structure (a repeat stays a `Repeat`, a block call
stays a `Call`) so the renderer can draw one cluster and codegen can emit one
class. Every node has a `span`; spans are excluded from equality and hashing.
Names are kept as written (`conv3`, `FC`): resolving them to layer kinds,
blocks or parameters is the checker's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .source import Source, Span

NO_SPAN = Span(0, 0, 0, 0)


# ---- expressions ------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A literal: int, float or bool (`true`/`false`)."""

    value: int | float | bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Name:
    """A bare name: a parameter, or a symbol such as `same` or `relu`."""

    id: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Unary:
    """`op` is "-" or "not"."""

    op: str
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Binary:
    """`op` is one of + - * / // % == != < <= > >= and or."""

    op: str
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Activation:
    """An activation with arguments as an option value: `act=leakyrelu(0.1)`."""

    name: str
    args: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Expr = Number | Name | Unary | Binary | Activation


# ---- layers and structure ---------------------------------------------------


@dataclass(frozen=True)
class Option:
    """`key=value` after a layer, in a call's parentheses, or in `default`."""

    key: str
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Call:
    """A layer or block as written: `conv3-64/2 p=1` has name "conv3",
    count 64, stride 2 and one option; `dropout(0.5)` has one positional arg."""

    name: str
    args: tuple[Expr, ...] = ()
    kwargs: tuple[Option, ...] = ()
    count: Expr | None = None
    stride: Expr | None = None
    options: tuple[Option, ...] = ()
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Seq:
    """Items one after another (`,`, `->`, `→`, a line break)."""

    items: tuple[Node, ...]
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Repeat:
    """`body*count`."""

    body: Node
    count: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Cond:
    """`body if test`: the body is there only when the test is true."""

    body: Node
    test: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Concat:
    """`{a | b | c}`: parallel paths from one input, concatenated on channels."""

    paths: tuple[Seq, ...]
    options: tuple[Option, ...] = ()
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Residual:
    """`{x + f}`: the body's output added to a shortcut of the input. Options:
    `shortcut=` (auto, A, B, C, identity) and `act=`."""

    body: Seq
    options: tuple[Option, ...] = ()
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Side:
    """`side[...]`: a second output computed from here; the main path goes on
    with the input unchanged (Inception's auxiliary classifier)."""

    body: Seq
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Node = Call | Seq | Repeat | Cond | Concat | Residual | Side


# ---- statements ---------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A parameter of the network or of a block; `default` None means required."""

    name: str
    default: Expr | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class NetworkDecl:
    """`network NAME(params)`."""

    name: str
    params: tuple[Param, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class InputDecl:
    """`input 3@224x224`: `dims` is (C,), (C, L) or (C, H, W)."""

    dims: tuple[int, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Default:
    """A file-wide option default: `default conv bias=false`; `act relu` and
    `pad same` are written this way too (with `kinds` empty)."""

    kinds: tuple[str, ...]
    options: tuple[Option, ...]
    keyword: str = "default"
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Def:
    """`def name(params) = body`: a reusable block."""

    name: str
    params: tuple[Param, ...]
    body: Seq
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Import:
    """`import "path.arch"` (relative to the importing file) or `import resnet`
    (a module of the standard library); `library` tells which."""

    path: str
    library: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Module:
    """One parsed file: its declarations in source order and the body, which is
    every top-level line of layers joined into one sequence."""

    source: Source = field(compare=False, repr=False)
    networks: tuple[NetworkDecl, ...] = ()
    inputs: tuple[InputDecl, ...] = ()
    defaults: tuple[Default, ...] = ()
    defs: tuple[Def, ...] = ()
    imports: tuple[Import, ...] = ()
    body: Seq = Seq(())
