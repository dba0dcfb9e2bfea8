"""Check: IR to a checked network: every shape, parameter, MAC and receptive field.

The checker resolves names (layer kinds, parameters, options), applies the
file's defaults, expands repeats and conditionals, and runs each kind's rules
from the layer table on the shape that reaches it. Problems are collected as
diagnostics, never thrown one by one: after a layer fails, the shapes after it
are unknown, so later shape errors are skipped, while name errors everywhere
are still reported.

A repeat whose iteration gets the same input shape as the one before produces
the same layers, so the checker reuses that iteration instead of recomputing
it: `[conv3-64]*100000` costs two iterations of work.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ir, layers, syntax
from .diagnostics import ArchError, Collector, Diagnostic
from .layers import Kind, RuleError, Shape, fmt_shape
from .scope import MAX_IMPORT_DEPTH, Scope, build_scope
from .source import MAX_SOURCE_BYTES, Source, Span, TooLarge, displayable, read_file

#: Default cap on the number of layers a spec may expand to.
MAX_LAYERS = 1_000_000

#: Sizes after a kind's name (conv1x7), matched on the reversed name: in linear time,
#: where `^(.*?[A-Za-z_])(\d+(?:x\d+)*)$` took quadratic time on a long name.
_SIZE_SUFFIX_REVERSED = re.compile(r"(?:\d+x)*\d+(?=[A-Za-z_])")


def _size_suffix(name: str) -> tuple[str, str] | None:
    """`conv1x7` -> ("conv", "1x7"): a name and the sizes written after it, if any."""
    match = _SIZE_SUFFIX_REVERSED.match(name[::-1])
    return (name[: -match.end()], name[-match.end():]) if match else None


# ---- results -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class Layer:
    """One checked layer: its kind and resolved options, where it was written,
    the shapes around it, its parameters and MACs, and the activation that
    follows it (a kind and options, or None)."""

    kind: Kind
    opts: Mapping[str, Any]
    span: Span
    in_shape: Shape
    out_shape: Shape
    params: int
    macs: int
    act: tuple[Kind, Mapping[str, Any]] | None = None
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


@dataclass(frozen=True, eq=False, slots=True)
class Row:
    """A layer in the flat listing: its name, its receptive field (size and
    jump per spatial dimension; None once the input has been flattened) and
    its depth (0 on the main path, +1 inside each branch)."""

    name: str
    layer: Layer
    rf: tuple[tuple[int, ...], tuple[int, ...]] | None
    depth: int = 0


@dataclass(frozen=True, eq=False)
class Group:
    """A checked sequence: the IR node and the checked items (a layer that
    implies a flatten is a Group of the two, with the call as its node)."""

    node: Any
    items: tuple[Any, ...]

    @property
    def children(self) -> tuple[Any, ...]:
        return self.items


@dataclass(frozen=True, eq=False)
class Repeated:
    """A checked repeat: one checked body per iteration; iterations that got
    the same input are the same object."""

    node: ir.Repeat
    iterations: tuple[Any, ...]

    @property
    def children(self) -> tuple[Any, ...]:
        return self.iterations


@dataclass(frozen=True, eq=False)
class Optional:
    """A checked conditional: the body when its test held, else None."""

    node: ir.Cond
    body: Any

    @property
    def children(self) -> tuple[Any, ...]:
        return (self.body,)


@dataclass(frozen=True, eq=False)
class Branch:
    """A checked concat: one checked sequence per path, and the join layer
    (kind concat) that holds the combined shape."""

    node: ir.Concat
    paths: tuple[Group, ...]
    join: Layer

    @property
    def parts(self) -> tuple[Any, ...]:
        return self.paths


@dataclass(frozen=True, eq=False)
class Sum:
    """A checked residual: the body, the shortcut (None for an identity, else
    a 1x1 projection conv or an option-A zeropad layer) and the join layer
    (kind add) that carries the activation after the sum."""

    node: ir.Residual
    body: Group
    shortcut: Layer | None
    join: Layer

    @property
    def parts(self) -> tuple[Any, ...]:
        return (self.body,) if self.shortcut is None else (self.body, self.shortcut)


@dataclass(frozen=True, eq=False)
class Block:
    """A checked block call: the call, the definition, the arguments bound to
    its parameters, the checked body, and the file the definition was written
    in when not the network's own (as `Layer.origin`)."""

    call: ir.Call
    definition: ir.Def
    args: dict[str, Any]
    body: Any
    origin: str | None = None


@dataclass(frozen=True, eq=False)
class Aside:
    """A checked side output: its body and the shape it ends in."""

    node: ir.Side
    body: Group
    out: Shape | None


@dataclass(eq=False)
class CheckedNetwork:
    """What `check` returns: the network's name, parameter values, input and
    output shapes, the flat list of layers, the structured tree, the totals
    and every diagnostic (warnings too; errors raise instead)."""

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

    @property
    def layers(self) -> list[Row]:
        return self.rows

    @property
    def params(self) -> int:
        return sum(row.layer.params for row in self.rows)

    @property
    def macs(self) -> int:
        return sum(row.layer.macs for row in self.rows)

    @property
    def flops(self) -> int:
        """FLOPs counted as 2 x MACs (a multiply and an add)."""
        return 2 * self.macs

    @property
    def activation_elements(self) -> int:
        return sum(row.layer.elements for row in self.rows)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a checked network as its diagram (the plain repr without Graphviz)."""
        from .render import svg_or_none  # a later stage, imported only when a notebook asks

        return svg_or_none(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "network": self.name,
            "file": self.source.name,
            "input": list(self.input or ()),
            "output": list(self.output or ()),
            "side_outputs": [list(shape) for shape in self.side_outputs],
            "params": self.params,
            "macs": self.macs,
            "flops": self.flops,
            "layers": [_row_json(row) for row in self.rows],
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def _row_json(row: Row) -> dict[str, Any]:
    layer = row.layer
    return {
        "name": row.name,
        "depth": row.depth,
        "op": layer.op,
        "kind": layer.kind.name,
        "act": layer.act_name,
        "bn": bool(layer.opts.get("bn")),
        "file": layer.origin,
        "line": layer.span.line,
        "col": layer.span.col,
        "in": list(layer.in_shape),
        "out": list(layer.out_shape),
        "params": layer.params,
        "macs": layer.macs,
        "memory": layer.elements,
        "rf": list(row.rf[0]) if row.rf else None,
        "jump": list(row.rf[1]) if row.rf else None,
    }


# ---- expressions ------------------------------------------------------------------------


class EvalError(Exception):
    def __init__(self, code: str, message: str, span: Span, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.span, self.hint = code, message, span, hint


def suggest(word: str, choices: Any) -> str | None:
    """'did you mean' text for the closest of `choices`, if any is close."""
    return _suggest(word, tuple(sorted(choices)))


@functools.lru_cache(maxsize=4096)
def _suggest(word: str, choices: tuple[str, ...]) -> str | None:
    # Cached: a file that repeats one mistake thousands of times pays for difflib once.
    import difflib  # only a misspelt spec needs it: kept out of every `archc check` start

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


_ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "/": lambda a, b: a // b if a % b == 0 else a / b,
}
_COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def evaluate(expr: ir.Expr, env: Mapping[str, Any], symbols: bool = False) -> Any:
    """Value of an expression. A name is a parameter; where `symbols` is set
    an unknown name is a symbol such as `same` or `relu`."""
    if isinstance(expr, ir.Number):
        return expr.value
    if isinstance(expr, ir.Name):
        if expr.id in env:
            return env[expr.id]
        if symbols:
            return expr.id
        raise EvalError("E203", f"undefined parameter '{expr.id}'", expr.span, suggest(expr.id, env))
    if isinstance(expr, ir.Activation):
        return (expr.name, tuple(evaluate(a, env) for a in expr.args))
    if isinstance(expr, ir.Unary):
        return _unary(expr, evaluate(expr.operand, env))
    return _binary(expr, evaluate(expr.left, env), evaluate(expr.right, env))


def _number(value: Any, expr: ir.Expr) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError("E308", f"expected a number, got {layers.describe(value)}", expr.span)
    return value


def _unary(expr: ir.Unary, value: Any) -> Any:
    if expr.op != "not":
        return -_number(value, expr)
    if not isinstance(value, bool):
        raise EvalError("E308", f"'not' needs true or false, got {layers.describe(value)}", expr.span)
    return not value


def _binary(expr: ir.Binary, left: Any, right: Any) -> Any:
    if expr.op in ("and", "or"):
        for value in (left, right):
            if not isinstance(value, bool):
                raise EvalError("E308", f"'{expr.op}' needs true or false, got {layers.describe(value)}", expr.span)
        return (left and right) if expr.op == "and" else (left or right)
    if expr.op in _COMPARE and expr.op in ("==", "!="):
        return _COMPARE[expr.op](left, right)
    a, b = _number(left, expr.left), _number(right, expr.right)
    if expr.op in _COMPARE:
        return _COMPARE[expr.op](a, b)
    if b == 0 and expr.op in ("/", "//", "%"):
        raise EvalError("E306", "division by zero", expr.span)
    true_division = expr.op == "/" and not (isinstance(a, int) and isinstance(b, int))
    try:
        value = a / b if true_division else _ARITHMETIC[expr.op](a, b)
    except OverflowError:
        raise EvalError("E306", "the result is too large for a number", expr.span) from None
    if isinstance(value, int) and abs(value) >= 10**syntax.MAX_DIGITS:
        raise EvalError("E306", f"the result has more than {syntax.MAX_DIGITS} digits", expr.span)
    return value


def parse_value(text: str) -> Any:
    """A command-line value: true/false, an integer, a float, or a symbol."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text.strip()


# ---- resolving calls ---------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """A call resolved to a layer kind: its options (defaults applied) and
    the explicit activation, if the spec gave one (`act=...`)."""

    kind: Kind
    opts: Mapping[str, Any]
    act: tuple[Kind, Mapping[str, Any]] | None
    act_given: bool


@dataclass(frozen=True)
class DefaultRule:
    """One option default from `act`, `pad` or `default` statements."""

    kinds: frozenset[str]
    key: str
    value: Any
    span: Span

    def applies(self, kind: Kind) -> bool:
        if self.kinds:
            return kind.name in self.kinds and kind.option(self.key) is not None
        return self.key in kind.defaults


class Checker:
    """Checks one module with one set of parameter values."""

    def __init__(self, module: ir.Module, overrides: Mapping[str, Any], max_layers: int = MAX_LAYERS,
                 limits: Mapping[str, int] | None = None):
        self.module = module
        self.out = Collector(module.source)
        self.max_layers = max_layers
        self.resolved: dict[tuple[int, int, tuple[Any, ...]], Resolved | None] = {}
        self.weighty: dict[tuple[int, int], bool] = {}
        self.counted: dict[tuple[Any, ...], int] = {}
        self.stack: list[str] = []
        self.name = self._network_name()
        self.env = self._parameters(overrides)
        self.scope, imported = build_scope(module, **(limits or {}))
        self.out.items += imported
        self.root = self.scope
        self.scope_defaults: dict[int, list[DefaultRule]] = {}
        self.defaults_of(self.scope)

    def defaults_of(self, scope: Scope) -> list[DefaultRule]:
        """A file's defaults, worked out once; the network's own file sees
        its parameters, a library file none."""
        key = id(scope)
        if key not in self.scope_defaults:
            env = self.env if scope is self.root else {}
            saved = self.out.source
            self.out.source = scope.source
            self.scope_defaults[key] = self._defaults(scope.module, env)
            self.out.source = saved
        return self.scope_defaults[key]

    # ---- declarations
    def _network_name(self) -> str:
        networks = self.module.networks
        for extra in networks[1:]:
            self.out.error("E208", "a file holds one network", extra.span,
                           f"'{networks[0].name}' is declared at line {networks[0].span.line}")
        if networks:
            return networks[0].name
        path = self.module.source.path
        return displayable(path.stem) if path else "network"

    def _parameters(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        decl = self.module.networks[0] if self.module.networks else None
        declared = decl.params if decl else ()
        env: dict[str, Any] = {}
        for param in declared:
            if param.name in env:
                self.out.error("E204", f"parameter '{param.name}' is declared twice", param.span)
            env[param.name] = self._parameter(param, overrides, env, decl)
        where = decl.span if decl else Span(1, 1, 1, 2)
        for name in overrides:
            if name not in env:
                hint = suggest(name, env) or (f"the parameters are: {', '.join(env)}" if env else "it declares none")
                self.out.error("E205", f"-D {name}: network '{self.name}' has no parameter '{name}'", where, hint)
        return env

    def _parameter(self, param: ir.Param, overrides: Mapping[str, Any], env: dict[str, Any],
                   decl: ir.NetworkDecl | None) -> Any:
        default = None
        if param.default is not None:
            default = self._eval(param.default, env)
        if param.name not in overrides:
            if param.default is None:
                self.out.error("E207", f"parameter '{param.name}' has no default and no value",
                               param.span, f"give one on the command line: -D {param.name}=...")
            return default
        value = overrides[param.name]
        if default is not None and _kind_of(value) != _kind_of(default):
            self.out.error("E206", f"-D {param.name}={layers.describe(value)}: '{param.name}' takes "
                           f"{_kind_of(default)} values (its default is {layers.describe(default)})", param.span)
            return default
        return value

    def _defaults(self, module: ir.Module, env: Mapping[str, Any]) -> list[DefaultRule]:
        rules: list[DefaultRule] = []
        seen: dict[tuple[frozenset[str], str], Span] = {}
        for statement in module.defaults:
            kinds = frozenset(self._kind_names(statement))
            for option in statement.options:
                spec = self._default_key(option, kinds)
                if spec is None:
                    continue
                key = spec.name
                if (kinds, key) in seen:
                    first = seen[(kinds, key)]
                    self.out.error("E208", f"the default for '{key}' is set twice", option.span,
                                   f"first set at line {first.line}")
                    continue
                seen[(kinds, key)] = option.span
                value = self._eval(option.value, env, symbols=spec.symbolic)
                rules.append(DefaultRule(kinds, key, value, option.span))
        return rules

    def _kind_names(self, statement: ir.Default) -> list[str]:
        names = []
        for name in statement.kinds:
            kind = layers.lookup(name)
            if kind is None:
                self.out.error("E201", f"unknown layer '{name}'", statement.span, suggest(name.lower(), layers.BY_NAME))
            else:
                names.append(kind.name)
        return names

    def _default_key(self, option: ir.Option, kinds: frozenset[str]) -> layers.Option | None:
        scope = [layers.BY_NAME[k] for k in kinds] if kinds else [k for k in layers.KINDS if k.defaults]
        found = [k.option(option.key) for k in scope if k.option(option.key)]
        if not found:
            keys = {key for k in scope for key in k.option_index}
            self.out.error("E202", f"no layer here takes the option '{option.key}'", option.span,
                           suggest(option.key, keys))
            return None
        return found[0]  # type: ignore[return-value]

    def _eval(self, expr: ir.Expr, env: Mapping[str, Any], symbols: bool = False) -> Any:
        try:
            return evaluate(expr, env, symbols)
        except EvalError as error:
            self.out.error(error.code, error.message, error.span, error.hint)
            return None

    # ---- resolving a call to a kind and options
    def resolve(self, call: ir.Call) -> Resolved | None:
        key = (id(call), id(self.scope), tuple(self.env.items()))
        if key not in self.resolved:
            self.resolved[key] = self._resolve(call)
        return self.resolved[key]

    def _resolve(self, call: ir.Call) -> Resolved | None:
        kind, size = self._kind(call)
        if kind is None:
            return None
        given = self._given(call, kind, size)
        if given is None:
            return None
        opts: dict[str, Any] = {}
        ok = True
        for option in kind.options:
            ok &= self._option(call, kind, option, given, opts)
        if not ok:
            return None
        act = opts.pop("act", None) if "act" in opts else None
        return Resolved(kind, opts, act, "act" in given)

    def _kind(self, call: ir.Call) -> tuple[Kind | None, Any]:
        kind = layers.lookup(call.name)
        if kind is not None:
            return kind, None
        match = _size_suffix(call.name)
        if match and (kind := layers.lookup(match[0])) is not None and kind.size:
            digits = max(len(s) for s in match[1].split("x"))
            if digits > syntax.MAX_DIGITS:
                self.out.error("E306", f"a size of {digits:,} digits is too long (at most {syntax.MAX_DIGITS})",
                               call.span)
                return None, None
            sizes = tuple(int(s) for s in match[1].split("x"))
            return kind, sizes
        span = Span(call.span.line, call.span.col, call.span.line, call.span.col + len(call.name),
                    call.span.start, call.span.start + len(call.name))
        if call.args or call.kwargs:
            hint = suggest(call.name, self.scope.blocks) or suggest(call.name.lower(), layers.BY_NAME)
            self.out.error("E211", f"undefined block '{call.name}'", span, hint or _blocks_hint(self.scope))
            return None, None
        head = match[0].lower() if match else call.name.lower()
        hint = suggest(head, layers.BY_NAME)
        if hint and match:
            hint = hint.replace("'?", f"{match[1]}'?")
        self.out.error("E201", f"unknown layer '{call.name}'", span, hint or suggest(call.name, self.scope.blocks))
        return None, None

    def _given(self, call: ir.Call, kind: Kind, size: Any) -> dict[str, tuple[Any, Span, bool]] | None:
        """Option values as written, by canonical option name: (expr or
        literal, span, is_literal)."""
        given: dict[str, tuple[Any, Span, bool]] = {}
        slots = [(kind.size, size, "a size", True), (kind.count, call.count, "a count (-N)", False),
                 (kind.stride, call.stride, "a stride (/S)", False)]
        ok = True
        for slot, value, what, literal in slots:
            if value is None:
                continue
            if slot is None:
                self.out.error("E202", f"{kind.name} does not take {what}", call.span)
                ok = False
            else:
                given[slot] = (value, call.span if literal else value.span, literal)
        if len(call.args) > len(kind.positional):
            self.out.error("E202", f"{kind.name} takes at most {len(kind.positional)} positional "
                           f"argument{'s' * (len(kind.positional) != 1)}, got {len(call.args)}", call.span)
            return None
        for name, arg in zip(kind.positional, call.args):
            ok &= self._give(given, kind, name, arg, arg.span)
        for option in (*call.kwargs, *call.options):
            spec = kind.option(option.key)
            if spec is None:
                keys = kind.option_index.keys()
                self.out.error("E202", f"{kind.name} has no option '{option.key}'", option.span,
                               suggest(option.key, keys) or f"its options are: {', '.join(o.name for o in kind.options)}")
                ok = False
            else:
                ok &= self._give(given, kind, spec.name, option.value, option.span)
        return given if ok else None

    def _give(self, given: dict[str, Any], kind: Kind, name: str, value: Any, span: Span) -> bool:
        if name in given:
            self.out.error("E204", f"{kind.name}: option '{name}' is given twice", span)
            return False
        given[name] = (value, span, False)
        return True

    def _option(self, call: ir.Call, kind: Kind, option: layers.Option,
                given: dict[str, Any], opts: dict[str, Any]) -> bool:
        if option.name in given:
            raw, span, literal = given[option.name]
            value = raw if literal else self._eval(raw, self.env, symbols=option.symbolic)
            if value is None:
                return False
        else:
            rule = next((r for r in reversed(self.defaults_of(self.scope))
                         if r.key == option.name and r.applies(kind)), None)
            if rule is None:
                if option.required:
                    self.out.error("E309", _missing(kind, option), call.span, _missing_hint(kind, option))
                    return False
                opts[option.name] = option.default
                return True
            value, span = rule.value, rule.span
        return self._convert(kind, option, value, span, opts)

    def _convert(self, kind: Kind, option: layers.Option, value: Any, span: Span, opts: dict[str, Any]) -> bool:
        try:
            if option.name == "act":
                opts["act"] = self._activation(value)
            else:
                opts[option.name] = option.convert(value, f"{kind.name}'s {option.name}")
        except (layers.OptionError, EvalError) as error:
            self.out.error(error.code, str(error), getattr(error, "span", span))
            return False
        return True

    def _activation(self, value: Any) -> tuple[Kind, Mapping[str, Any]] | None:
        name, args = value if isinstance(value, tuple) else (value, ())
        if name in ("none", False):
            return None
        kind = layers.ACTIVATIONS.get(str(name).lower())
        if kind is None:
            raise layers.OptionError("E308", f"'{layers.describe(name)}' is not an activation "
                                     f"(one of: none, {', '.join(sorted({k.name for k in layers.ACTIVATIONS.values()}))})")
        if len(args) > len(kind.positional):
            raise layers.OptionError("E308", f"{kind.name} takes at most {len(kind.positional)} arguments")
        given = dict(zip(kind.positional, args))
        return kind, {o.name: o.convert(given.get(o.name, o.default), f"{kind.name}'s {o.name}") for o in kind.options}


def _blocks_hint(scope: Scope) -> str:
    if scope.blocks:
        return f"the blocks here are: {', '.join(sorted(scope.blocks))}"
    return "define it with def NAME(params) = ..., or import a file that does"


def _missing(kind: Kind, option: layers.Option) -> str:
    if option.name == kind.count:
        return f"{kind.name} needs its {option.help or option.name}"
    return f"{kind.name} needs the option '{option.name}'"


def _missing_hint(kind: Kind, option: layers.Option) -> str:
    if kind is layers.CONV:
        return "write conv3-64 for 64 filters of 3x3"
    if option.name == kind.count:
        return f"write {kind.name}-N"
    if option.name == kind.size:
        return f"write the size after the name, as in {kind.name}3"
    return f"write {option.name}=..."


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "numeric"
    return "symbolic"


# ---- the walk ------------------------------------------------------------------------------


class Walker(Checker):
    """Runs the shape rules through the body, building the checked tree."""

    def run(self) -> CheckedNetwork:
        module = self.module
        shape = self._input()
        tree = None
        if shape is not None and self._within_cap(module.body):
            tree, shape = self.seq(module.body, shape, tail=True)
        rows = _rows(tree) if tree is not None else []
        self._token_ids(rows)
        return CheckedNetwork(self.name, self.env, self._declared_input(), shape,
                              rows, tree, self.out.items, module.source, module, tuple(side_outputs(tree)))

    def _token_ids(self, rows: list[Row]) -> None:
        """E312: a network that embeds takes token ids (integers), which only
        embed can read; `dropout, embed` would fail only once built and run."""
        if not any(row.layer.kind.name == "embed" for row in rows):
            return
        for row in rows:
            layer = row.layer
            if isinstance(layer.in_shape, layers.NetworkInput) and layer.kind.name != "embed" \
                    and layer.kind.family != "join":  # a join's in_shape is where its paths start
                self.out.error("E312", f"{layer.op} reads the network's input, which holds token ids "
                               "because the network embeds them; only embed reads token ids", layer.span,
                               "put the embed layers first, right after the input line")

    def _declared_input(self) -> Shape | None:
        inputs = self.module.inputs
        return inputs[0].dims if inputs else None

    def _input(self) -> Shape | None:
        inputs = self.module.inputs
        for extra in inputs[1:]:
            self.out.error("E208", "a network has one input line", extra.span,
                           f"the input is declared at line {inputs[0].span.line}")
        if not inputs:
            if self.module.body.items or not self.module.defs:
                where = self.module.networks[0].span if self.module.networks else Span(1, 1, 1, 2)
                self.out.error("E301", "the spec has no input line", where,
                               "add one after the network line, e.g. input 3@224x224 (channels@height x width)")
            return None
        dims = inputs[0].dims
        for value in dims:
            if not 1 <= value <= layers.MAX_INT:
                self.out.error("E306", f"input sizes must be between 1 and {layers.MAX_INT:,}, not {value:,}",
                               inputs[0].span)
                return None
        if len(dims) > 3:
            self.out.error("E305", f"input {fmt_shape(dims)} has {len(dims) - 1} spatial dimensions; "
                           "archlang handles vectors (C), signals (C@L) and images (C@HxW)", inputs[0].span)
            return None
        return layers.NetworkInput(dims)

    # ---- the layer cap
    def _within_cap(self, body: ir.Seq) -> bool:
        try:
            self._count(body, self.env, self.scope, ())
        except _TooMany as too_many:
            node, total = too_many.args
            self._too_many(node, total)
            return False
        return True

    def _too_many(self, node: Any, total: int) -> None:
        self.out.error("E307", f"this expands to {total:,} layers, more than the limit of "
                       f"{self.max_layers:,}", node.span,
                       "shrink the repeat count, or raise the limit (--max-layers, max_layers=)")

    def _count(self, node: ir.Node, env: Mapping[str, Any], scope: Scope, stack: tuple[str, ...]) -> int:
        """Layers a node expands to (an upper bound), refusing at once past the cap."""
        if isinstance(node, ir.Call):
            return self._count_call(node, env, scope, stack)
        if isinstance(node, ir.Repeat):
            times = evaluate_quietly(node.count, env)
            total = self._count(node.body, env, scope, stack) * (times if isinstance(times, int) and times > 0 else 1)
        else:
            # Counted twice like a call: a concat adds its join, a residual its add
            # and perhaps a projection (conv + bn); a plain group adds no layer.
            joins = {ir.Concat: 1, ir.Residual: 3}.get(type(node), 0)
            total = 2 * joins + sum(self._count(part, env, scope, stack) for part in _parts(node))
        if total > 2 * self.max_layers:
            raise _TooMany(node, total // 2)
        return total

    def _count_call(self, call: ir.Call, env: Mapping[str, Any], scope: Scope, stack: tuple[str, ...]) -> int:
        if call.name not in scope.blocks or call.name in stack:
            return 2  # a layer, plus the flatten an fc may imply
        definition, home = scope.blocks[call.name]
        inner = self._bind_quietly(call, definition, env)
        # Counted once per block and arguments: blocks that call a block twice, nested
        # forty deep, would otherwise cost 2**40 steps before the cap is reached.
        key = (id(definition), id(home), stack, tuple((k, repr(v)) for k, v in inner.items()))
        if key not in self.counted:
            try:
                self.counted[key] = 1 + self._count(definition.body, inner, home, stack + (call.name,))
            except _TooMany as too_many:
                if home is scope:
                    raise
                raise _TooMany(call, too_many.args[1]) from None  # point at the call, not into another file
        return self.counted[key]

    def _bind_quietly(self, call: ir.Call, definition: ir.Def, env: Mapping[str, Any]) -> dict[str, Any]:
        given = {p.name: evaluate_quietly(a, env) for p, a in zip(definition.params, call.args)}
        given.update({o.key: evaluate_quietly(o.value, env) for o in (*call.kwargs, *call.options)})
        inner: dict[str, Any] = {}
        for param in definition.params:
            default = evaluate_quietly(param.default, inner) if param.default is not None else None
            inner[param.name] = given.get(param.name, default)
        return inner

    # ---- structure
    def node(self, node: ir.Node, x: Shape | None, tail: bool, act_follows: bool) -> tuple[Any, Shape | None]:
        if isinstance(node, ir.Call):
            if node.name in self.scope.blocks:
                return self.block(node, x, tail, act_follows)
            return self.call(node, x, tail, act_follows)
        if isinstance(node, ir.Seq):
            return self.seq(node, x, tail)
        if isinstance(node, ir.Repeat):
            return self.repeat(node, x, tail)
        if isinstance(node, ir.Concat):
            return self.concat(node, x)
        if isinstance(node, ir.Residual):
            return self.residual(node, x, tail, act_follows)
        if isinstance(node, ir.Side):
            return self.side(node, x)
        return self.cond(node, x, tail)

    def seq(self, node: ir.Seq, x: Shape | None, tail: bool) -> tuple[Group, Shape | None]:
        items = node.items
        weight_after = [False] * len(items)
        for i in range(len(items) - 2, -1, -1):
            weight_after[i] = weight_after[i + 1] or self.has_weights(items[i + 1])
        results = []
        for i, item in enumerate(items):
            act_follows = i + 1 < len(items) and self.is_activation(items[i + 1])
            result, x = self.node(item, x, tail and not weight_after[i], act_follows)
            results.append(result)
        return Group(node, tuple(results)), x

    def repeat(self, node: ir.Repeat, x: Shape | None, tail: bool) -> tuple[Repeated, Shape | None]:
        times = self._eval(node.count, self.env)
        if times is not None:
            try:
                times = layers.natural(times, "a repeat count")
            except layers.OptionError as error:
                self.out.error(error.code, str(error), node.count.span)
                times = None
        if times is None:
            return Repeated(node, ()), None
        iterations: list[Any] = []
        while len(iterations) < times:
            last = len(iterations) == times - 1
            result, y = self.node(node.body, x, tail and last, False)
            iterations.append(result)
            if y == x and not last:
                # The next iterations see this same input and give the same layers:
                # reuse this one (all but a last one at the network's tail, where
                # the default activation is dropped).
                iterations.extend([result] * (times - len(iterations) - (1 if tail else 0)))
            x = y
        return Repeated(node, tuple(iterations)), x

    def cond(self, node: ir.Cond, x: Shape | None, tail: bool) -> tuple[Optional, Shape | None]:
        test = self._eval(node.test, self.env)
        if test is not None and not isinstance(test, bool):
            self.out.error("E308", f"'if' needs true or false, got {layers.describe(test)}", node.test.span)
            test = None
        if not test:
            return Optional(node, None), x
        body, x = self.node(node.body, x, tail, False)
        return Optional(node, body), x

    # ---- branches
    def concat(self, node: ir.Concat, x: Shape | None) -> tuple[Branch | None, Shape | None]:
        self._no_options(node.options, node.span, "a concat")
        paths = [self.seq(path, x, tail=False) for path in node.paths]
        outs = [y for _, y in paths]
        if x is None or any(y is None for y in outs):
            return None, None
        first = outs[0]
        for path, y in zip(node.paths, outs):
            if len(y) != len(first) or y[1:] != first[1:]:  # type: ignore[arg-type]
                self._concat_mismatch(node, outs)
                return None, None
        y = (sum(o[0] for o in outs), *first[1:])  # type: ignore[index]
        join = Layer(layers.BY_NAME["concat"], {"paths": len(outs)}, node.span, x, y, 0, 0, None, node.label,
                     origin=self._origin())
        return Branch(node, tuple(r for r, _ in paths), join), y

    def _concat_mismatch(self, node: ir.Concat, outs: list[Any]) -> None:
        parts = [f"path {i + 1} ({p.span.line}:{p.span.col}) gives {fmt_shape(y)}"
                 for i, (p, y) in enumerate(zip(node.paths, outs))]
        self.out.error("E310", "the paths of this concat end in different sizes; only channels may differ",
                       node.span, "; ".join(parts))

    def residual(self, node: ir.Residual, x: Shape | None, tail: bool, act_follows: bool) -> tuple[Any, Shape | None]:
        mode, act = self._residual_options(node)
        body, y = self.seq(node.body, x, tail=True)
        if x is None or y is None or mode is None:
            return None, None
        shortcut = self._shortcut(node, mode, x, y, _uses_bn(body))
        if shortcut is False:
            return None, None
        if act is _DEFAULT:
            act = None if (tail or act_follows) else self._default_act(layers.CONV, node)
        join = Layer(layers.BY_NAME["add"], {"shortcut": mode}, node.span, x, y, 0, 0, act, node.label,
                     origin=self._origin())
        return Sum(node, body, shortcut, join), y

    def _residual_options(self, node: ir.Residual) -> tuple[str | None, Any]:
        mode, act = "auto", _DEFAULT
        for option in node.options:
            value = self._eval(option.value, self.env, symbols=True)
            if option.key == "shortcut" and value in SHORTCUTS:
                mode = value
            elif option.key == "shortcut":
                self.out.error("E308", f"shortcut must be one of {', '.join(SHORTCUTS)}, not {layers.describe(value)}",
                               option.span, "auto: identity if shapes agree, else a projection (the paper's B)")
                mode = None
            elif option.key == "act":
                act = self._act_option(value, option.span)
            else:
                self.out.error("E202", f"a residual has no option '{option.key}'", option.span,
                               suggest(option.key, ("shortcut", "act")))
        return mode, act

    def _act_option(self, value: Any, span: Span) -> Any:
        try:
            return self._activation(value)
        except layers.OptionError as error:
            self.out.error(error.code, str(error), span)
            return None

    def _shortcut(self, node: ir.Residual, mode: str, x: Shape, y: Shape, bn: bool) -> Layer | None | bool:
        """None for an identity, a layer for a projection or option A, False on a mismatch."""
        if x == y and mode != "C":
            return None
        stride = _projection_stride(x, y)
        if mode == "identity" or stride is None or (mode == "A" and y[0] < x[0]):
            why = "no 1x1 convolution with a stride maps one onto the other"
            if mode == "identity":
                why = "no projection is allowed (shortcut=identity)"
            elif mode == "A" and stride is not None:
                why = "option A only pads channels with zeros, it cannot drop any"
            self.out.error("E311", f"the residual body turns {fmt_shape(x)} into {fmt_shape(y)}, and {why}",
                           node.span, "make the body keep the shape, or let archc project the shortcut (shortcut=auto)")
            return False
        if mode == "A":
            opts = {"filters": y[0], "stride": stride}
            return Layer(layers.BY_NAME["zeropad"], opts, node.span, x, y, 0, 0, label="shortcut", origin=self._origin())
        opts = {"kernel": (1,), "filters": y[0], "stride": stride, "pad": 0, "dilation": 1, "groups": 1,
                "bias": not bn, "bn": bn}
        kind = layers.CONV
        return Layer(kind, opts, node.span, x, y, kind.params(opts, x, y), kind.macs(opts, x, y),
                     label="shortcut", origin=self._origin())

    def side(self, node: ir.Side, x: Shape | None) -> tuple[Any, Shape | None]:
        body, y = self.seq(node.body, x, tail=True)
        return Aside(node, body, y), x

    def _no_options(self, options: tuple[ir.Option, ...], span: Span, what: str) -> None:
        for option in options:
            self.out.error("E202", f"{what} takes no option '{option.key}'", option.span)

    # ---- blocks
    def block(self, call: ir.Call, x: Shape | None, tail: bool, act_follows: bool) -> tuple[Any, Shape | None]:
        definition, home = self.scope.blocks[call.name]
        if call.name in self.stack:
            self.out.error("E213", f"block '{call.name}' calls itself", call.span,
                           f"through {' -> '.join(self.stack[self.stack.index(call.name):] + [call.name])}")
            return None, None
        inner = self._bind(call, definition)
        if inner is None:
            return None, None
        saved = (self.env, self.scope, self.out.source)
        self.env, self.scope, self.out.source = inner, home, home.source
        self.stack.append(call.name)
        try:
            body, y = self.node(definition.body, x, tail, act_follows)
        finally:
            self.stack.pop()
            self.env, self.scope, self.out.source = saved
        origin = None if home is self.root else home.source.name
        return Block(call, definition, dict(inner), body, origin), y

    def _bind(self, call: ir.Call, definition: ir.Def) -> dict[str, Any] | None:
        """Arguments to parameters: positional, then by name; defaults in order."""
        params = definition.params
        names = [p.name for p in params]
        if call.count is not None or call.stride is not None:
            self.out.error("E212", f"block '{call.name}' takes its arguments in parentheses", call.span,
                           f"write {call.name}({', '.join(names)})")
            return None
        given: dict[str, Any] = {}
        ok = len(call.args) <= len(params)
        if not ok:
            self._arity(call, definition, f"takes {len(params)} argument{'s' * (len(params) != 1)}, got {len(call.args)}")
        for param, arg in zip(params, call.args):
            given[param.name] = self._eval(arg, self.env)
        for option in (*call.kwargs, *call.options):
            if option.key not in names:
                self._arity(call, definition, f"has no parameter '{option.key}'", option.span,
                            suggest(option.key, names))
                ok = False
            elif option.key in given:
                self._arity(call, definition, f"gets '{option.key}' twice", option.span)
                ok = False
            else:
                given[option.key] = self._eval(option.value, self.env)
        return self._defaults_of(call, definition, given) if ok else None

    def _defaults_of(self, call: ir.Call, definition: ir.Def, given: dict[str, Any]) -> dict[str, Any] | None:
        inner: dict[str, Any] = {}
        for param in definition.params:
            if param.name in given:
                inner[param.name] = given[param.name]
            elif param.default is not None:
                inner[param.name] = self._eval(param.default, inner)
            else:
                self._arity(call, definition, f"needs a value for '{param.name}'")
                return None
        if any(v is None for v in inner.values()):
            return None
        return inner

    def _arity(self, call: ir.Call, definition: ir.Def, what: str, span: Span | None = None,
               hint: str | None = None) -> None:
        where = f"defined at {self.scope.blocks[call.name][1].source.name}:{definition.span.line}"
        signature = ", ".join(p.name if p.default is None else f"{p.name}=..." for p in definition.params)
        self.out.error("E212", f"block '{call.name}' {what}", span or call.span,
                       hint or f"{call.name}({signature}), {where}")

    def has_weights(self, node: ir.Node) -> bool:
        key = (id(node), id(self.scope))
        if key not in self.weighty:
            self.weighty[key] = self._has_weights(node)
        return self.weighty[key]

    def _has_weights(self, node: ir.Node) -> bool:
        if isinstance(node, ir.Call):
            if node.name in self.scope.blocks and node.name not in self.stack:
                definition, home = self.scope.blocks[node.name]
                saved, self.scope = self.scope, home
                self.stack.append(node.name)
                try:
                    return self.has_weights(definition.body)
                finally:
                    self.stack.pop()
                    self.scope = saved
            kind = layers.lookup(node.name) or self._kind_quietly(node.name)
            return bool(kind and kind.weighted)
        if isinstance(node, ir.Repeat):
            return evaluate_quietly(node.count, self.env) != 0 and self.has_weights(node.body)
        if isinstance(node, ir.Cond):
            return evaluate_quietly(node.test, self.env) is not False and self.has_weights(node.body)
        if isinstance(node, ir.Side):
            return False
        return any(self.has_weights(part) for part in _parts(node))

    @staticmethod
    def _kind_quietly(name: str) -> Kind | None:
        match = _size_suffix(name)
        return layers.lookup(match[0]) if match else None

    def is_activation(self, node: ir.Node) -> bool:
        if not isinstance(node, ir.Call) or node.name in self.scope.blocks:
            return False
        kind = layers.lookup(node.name)
        return kind is not None and kind.family == "act"

    # ---- one layer
    def call(self, call: ir.Call, x: Shape | None, tail: bool, act_follows: bool) -> tuple[Any, Shape | None]:
        resolved = self.resolve(call)
        if resolved is None or x is None:
            return None, None
        kind = resolved.kind
        act = resolved.act
        if not resolved.act_given and kind.weighted:
            act = None if (tail or act_follows) else self._default_act(kind, call)
        flatten = None
        if kind.name == "fc" and len(x) > 1:
            flatten, x = self._flatten(call, x)
        try:
            y = kind.shape(resolved.opts, x)
        except RuleError as error:
            self.out.error(error.code, error.message, call.span, error.hint)
            return None, None
        self._tiling(call, kind, resolved.opts, x)
        layer = Layer(kind, resolved.opts, call.span, x, y, kind.params(resolved.opts, x, y),
                      kind.macs(resolved.opts, x, y), act, call.label, origin=self._origin())
        return (Group(call, (flatten, layer)) if flatten else layer), y

    def _origin(self) -> str | None:
        return None if self.scope is self.root else self.scope.source.name

    def _default_act(self, kind: Kind, node: Any) -> tuple[Kind, Mapping[str, Any]] | None:
        rule = next((r for r in reversed(self.defaults_of(self.scope)) if r.key == "act" and r.applies(kind)), None)
        if rule is None:
            return None
        try:
            return self._activation(rule.value)
        except layers.OptionError:
            return None  # reported once, where the default is resolved

    def _flatten(self, call: ir.Call, x: Shape) -> tuple[Layer, Shape]:
        kind = layers.BY_NAME["flatten"]
        y = kind.shape({}, x)
        return Layer(kind, {}, call.span, x, y, 0, 0, implied=True, origin=self._origin()), y

    def _tiling(self, call: ir.Call, kind: Kind, opts: Mapping[str, Any], x: Shape) -> None:
        """W301: a window that does not tile the input leaves real pixels unread."""
        if kind.size is None or opts.get("ceil"):
            return
        w = layers.window_of(opts, x, kind.name)
        dropped = [_dropped(w, n, i) for i, n in enumerate(x[1:])]
        if not any(dropped):
            return
        i = next(i for i, d in enumerate(dropped) if d)
        n = x[1 + i]
        rest = (n + 2 * w.pad[i] - w.extent(i)) % w.stride[i]
        self.out.warning(
            "W301", f"{kind.label(opts)} does not tile its {fmt_shape(x)} input: the last "
            f"{dropped[i]} pixel{'s' * (dropped[i] > 1)} of each row and column {'are' if dropped[i] > 1 else 'is'} never read",
            call.span, f"(W + 2P - K) mod S = ({n} + 2*{w.pad[i]} - {w.extent(i)}) mod {w.stride[i]} = {rest}; "
            f"an input of {n - dropped[i]} or {n + w.stride[i] - dropped[i]} would tile")


_DEFAULT = object()  # "no act= given": the file's default activation applies
SHORTCUTS = ("auto", "A", "B", "C", "identity")


def _parts(node: Any) -> tuple[Any, ...]:
    """The IR children of a structural node."""
    if isinstance(node, ir.Seq):
        return node.items
    if isinstance(node, ir.Concat):
        return node.paths
    if isinstance(node, (ir.Repeat, ir.Cond, ir.Residual, ir.Side)):
        return (node.body,)
    return ()


def _projection_stride(x: Shape, y: Shape) -> int | None:
    """The stride of a 1x1 conv that maps x's positions onto y's, if any."""
    if len(x) != len(y):
        return None
    if len(x) == 1:
        return 1
    # (n - 1) // s + 1 == m holds for s from (n - 1) // m + 1 up to (n - 1) // (m - 1)
    # (no upper end when m is 1): the smallest stride that suits every dimension.
    stride = max((n - 1) // m + 1 for n, m in zip(x[1:], y[1:]))
    return stride if all((n - 1) // stride + 1 == m for n, m in zip(x[1:], y[1:])) else None


def _uses_bn(result: Any) -> bool:
    return any(layer.opts.get("bn") or layer.kind.name == "batchnorm" for layer, _ in walk_layers(result))


def _dropped(w: layers.Window, n: int, i: int) -> int:
    if w.extent(i) < w.stride[i]:
        return 0  # windows that skip pixels by design: an edge gap says nothing new
    rest = (n + 2 * w.pad[i] - w.extent(i)) % w.stride[i]
    return max(0, rest - w.pad[i])


class _TooMany(Exception):
    pass


def evaluate_quietly(expr: ir.Expr | None, env: Mapping[str, Any]) -> Any:
    """A value for planning (the layer cap); errors are reported by the walk."""
    if expr is None:
        return None
    try:
        return evaluate(expr, env)
    except (EvalError, TypeError, ArithmeticError):
        return None


# ---- walking the checked tree: rows, names, receptive fields ---------------------------------

_PREFIX = {"maxpool": "pool", "batchnorm": "bn", "dropout": "drop", "leakyrelu": "lrelu"}


def walk_layers(node: Any, depth: int = 0) -> Iterator[tuple[Layer, int]]:
    """Every layer of a checked tree in order, with its nesting depth: a
    branch's join first, then its paths one level deeper."""
    if node is None:
        return
    if isinstance(node, Layer):
        yield node, depth
    elif isinstance(node, (Branch, Sum)):
        yield node.join, depth
        for part in node.parts:
            yield from walk_layers(part, depth + 1)
    elif isinstance(node, Block):
        yield from walk_layers(node.body, depth)
    elif isinstance(node, Aside):
        yield from walk_layers(node.body, depth + 1)
    else:
        for child in node.children:
            yield from walk_layers(child, depth)


def side_outputs(node: Any) -> Iterator[Shape]:
    """The shapes of the side outputs in walk order (a side inside a side
    first), every iteration of a repeat included, reused ones too."""
    if node is None or isinstance(node, Layer):
        return
    if isinstance(node, (Block, Aside)):
        children: tuple[Any, ...] = (node.body,)
    else:
        children = node.parts if isinstance(node, (Branch, Sum)) else node.children
    for child in children:
        yield from side_outputs(child)
    if isinstance(node, Aside) and node.out is not None:
        yield node.out


def _rows(tree: Any) -> list[Row]:
    fields: list[Any] = []
    _receptive_field(tree, None, fields)
    names = _names(tree)
    return [Row(name, layer, rf, depth) for (layer, depth), name, rf in zip(walk_layers(tree), names, fields)]


def _names(tree: Any) -> list[str]:
    """Names in walk order: VGG/Caffe style at the top (conv1_1, pool1, fc6);
    inside a block instance `basic3.conv1`, one counter per kind."""
    names: list[str] = []
    _name_scope(tree, "", True, names)
    return _unique(names)


def _name_scope(tree: Any, prefix: str, staged: bool, names: list[str]) -> None:
    members: list[tuple[Any, str | None]] = []
    _scope_members(tree, members)
    unlabelled = [m for m, label in members if not (label or getattr(m, "label", None))]
    keys = iter(_stage_keys(unlabelled) if staged else _counter_keys(unlabelled))
    for member, label in members:
        key = "" if label or getattr(member, "label", None) else next(keys)
        if isinstance(member, Block):
            _name_scope(member.body, f"{prefix}{label or key}.", False, names)
        else:
            names.append(f"{prefix}{member.label or key}")


def _scope_members(node: Any, out: list[tuple[Any, str | None]]) -> None:
    """The layers and block instances of one naming scope, in walk order."""
    if node is None:
        return
    if isinstance(node, Layer):
        out.append((node, None))
    elif isinstance(node, Block):
        out.append((node, node.call.label))
    elif isinstance(node, (Branch, Sum)):
        out.append((node.join, None))
        for part in node.parts:
            _scope_members(part, out)
    elif isinstance(node, Aside):
        _scope_members(node.body, out)
    else:
        for child in node.children:
            _scope_members(child, out)


def _prefix(member: Any) -> str:
    if isinstance(member, Block):
        return member.definition.name
    return _PREFIX.get(member.kind.name, member.kind.name)


def _stage_keys(members: list[Any]) -> list[str]:
    """conv1_1, conv1_2, pool1, ..., fc6: a stage ends at each pooling layer;
    each fc layer starts one of its own."""
    keys: list[tuple[int, str]] = []
    stage, has_weights = 1, False
    for member in members:
        kind = member.kind if isinstance(member, Layer) else None
        if kind is not None and kind.name == "fc" and has_weights:
            stage, has_weights = stage + 1, False
        keys.append((stage, _prefix(member)))
        has_weights |= kind is None or kind.weighted
        if kind is not None and kind.family == "pool":
            stage, has_weights = stage + 1, False
    totals: dict[tuple[int, str], int] = {}
    for key in keys:
        totals[key] = totals.get(key, 0) + 1
    seen: dict[tuple[int, str], int] = {}
    result = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        result.append(f"{key[1]}{key[0]}" + (f"_{seen[key]}" if totals[key] > 1 else ""))
    blocks = iter(_counter_keys([m for m in members if isinstance(m, Block)]))
    return [next(blocks) if isinstance(m, Block) else name for m, name in zip(members, result)]


def _counter_keys(members: list[Any]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for member in members:
        prefix = _prefix(member)
        seen[prefix] = seen.get(prefix, 0) + 1
        result.append(f"{prefix}{seen[prefix]}")
    return result


def _unique(names: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    result = []
    for name in names:
        if counts[name] == 1:
            result.append(name)
            continue
        seen[name] = seen.get(name, 0) + 1
        result.append(f"{name}_{seen[name]}")
    return result


RF = Any  # (sizes, jumps) per spatial dimension, or None once flattened


def _receptive_field(node: Any, rf: RF, out: list[RF]) -> RF:
    """Appends each layer's receptive field in walk order and returns the
    field after the node: r_out = r_in + (K_eff - 1)*j_in, j_out = j_in*S.
    Through a branch, the largest over the paths."""
    if node is None:
        return rf
    if isinstance(node, Layer):
        rf = _layer_rf(node, rf)
        out.append(rf)
        return rf
    if isinstance(node, (Branch, Sum)):
        at = len(out)
        out.append(None)
        ends = [_receptive_field(part, rf, out) for part in node.parts]
        if isinstance(node, Sum) and node.shortcut is None:
            ends.append(_start(node.join.in_shape, rf))
        rf = _widest(ends) if len(node.join.out_shape) > 1 else None
        out[at] = rf
        return rf
    if isinstance(node, Block):
        return _receptive_field(node.body, rf, out)
    if isinstance(node, Aside):
        _receptive_field(node.body, rf, out)
        return rf
    for child in node.children:
        rf = _receptive_field(child, rf, out)
    return rf


def _start(x: Shape, rf: RF) -> RF:
    if rf is None or len(rf[0]) != len(x) - 1:
        return ((1,) * (len(x) - 1), (1,) * (len(x) - 1)) if len(x) > 1 else None
    return rf


def _layer_rf(layer: Layer, rf: RF) -> RF:
    rf = _start(layer.in_shape, rf)
    if len(layer.out_shape) == 1 or rf is None:
        return None
    window = layer.kind.window(layer.opts, layer.in_shape)
    if window is None:
        return rf
    sizes, strides = window
    return (tuple(r + (k - 1) * j for r, k, j in zip(rf[0], sizes, rf[1])),
            tuple(j * s for j, s in zip(rf[1], strides)))


def _widest(fields: list[RF]) -> RF:
    fields = [f for f in fields if f is not None]
    if not fields:
        return None
    sizes = tuple(max(f[0][i] for f in fields) for i in range(len(fields[0][0])))
    jumps = tuple(max(f[1][i] for f in fields) for i in range(len(fields[0][1])))
    return sizes, jumps


# ---- entry points ----------------------------------------------------------------------------


_BYTES_HINT = "raise the limit (--max-bytes, max_bytes=)"


def _exists(text: str) -> bool:
    """Whether one line of text names something on disk; a name the system
    refuses (too long, say) names nothing, so the line is spec text."""
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


def _lines(text: str) -> str:
    """Windows and old Mac line breaks as \\n, so lines and columns count the same everywhere."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load(path_or_text: str | Path, max_bytes: int = MAX_SOURCE_BYTES) -> Source:
    """A `Source` from a path (a `Path`, or a string naming a file or ending
    in .arch) or from spec text."""
    is_path = isinstance(path_or_text, Path) or (
        path_or_text.strip() and "\n" not in path_or_text
        and (path_or_text.endswith(".arch") or _exists(path_or_text)))
    if not is_path:
        text = str(path_or_text)
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise ArchError([Diagnostic("error", "E100", f"the spec is {size:,} bytes, more than the limit of "
                                        f"{max_bytes:,}", None, Source("<string>", ""), _BYTES_HINT)])
        return Source("<string>", _lines(text))
    path = Path(path_or_text)
    name = displayable(path)
    out = Collector(Source(name, ""))
    try:
        return Source(name, _lines(read_file(path, max_bytes)), path)
    except TooLarge as error:
        out.error("E100", f"{name} is {error.size:,} bytes, more than the limit of {max_bytes:,}", None, _BYTES_HINT)
    except OSError as error:
        out.error("E100", f"cannot read {name}: {error.strerror or error}", None)
    raise ArchError(out.items)


def check(path_or_text: str | Path, max_layers: int = MAX_LAYERS, max_bytes: int = MAX_SOURCE_BYTES,
          max_depth: int = syntax.MAX_DEPTH, max_import_depth: int = MAX_IMPORT_DEPTH,
          **params: Any) -> CheckedNetwork:
    """Check a spec (a path or its text), with parameters overriding the
    network's defaults. Returns the checked network (warnings in its
    `diagnostics`); raises `ArchError` with every diagnostic if any is an error.

    The limits refuse what no real network needs, each with its own error:
    more than `max_layers` layers once repeats are expanded (E307), files or
    text of more than `max_bytes` bytes (E100), brackets nested more than
    `max_depth` deep (E109), imports nested more than `max_import_depth`
    files deep (E215)."""
    limits = {"max_depth": max_depth, "max_bytes": max_bytes, "max_import_depth": max_import_depth}
    return check_source(load(path_or_text, max_bytes), params, max_layers, limits)


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a spec is checked: a long spec is
    hundreds of thousands of young objects (Lark's tree, the IR, the layers)
    and no cycles, and the collector's passes over them doubled the time of a
    40,000-layer spec. Whatever cycles arise are collected once it is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_cycle_collector_paused()
def check_source(source: Source, params: Mapping[str, Any], max_layers: int = MAX_LAYERS,
                 limits: Mapping[str, int] | None = None) -> CheckedNetwork:
    try:
        module = syntax.parse(source, (limits or {}).get("max_depth", syntax.MAX_DEPTH))
        walker = Walker(module, params, max_layers, limits)
        network = walker.run()
    except RecursionError:
        # Brackets are capped by the syntax stage; a chain of hundreds of
        # operators (1+1+...+1, ------1) still nests the tree past Python's limit.
        out = Collector(source)
        out.error("E109", "the spec nests too deeply to check (hundreds of operators in a row, or "
                  "brackets past what Python can follow)", None)
        raise ArchError(out.items) from None
    walker.out.raise_if_errors()
    return network
