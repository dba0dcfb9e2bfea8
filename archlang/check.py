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

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from . import ir, layers, syntax
from .diagnostics import ArchError, Collector, Diagnostic
from .layers import Kind, RuleError, Shape, fmt_shape
from .source import MAX_SOURCE_BYTES, Source, Span

#: Default cap on the number of layers a spec may expand to.
MAX_LAYERS = 1_000_000

_SIZE_SUFFIX = re.compile(r"^(.*?[A-Za-z_])(\d+(?:x\d+)*)$")


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
    """A layer in the flat listing: its name and receptive field (size and
    jump, per spatial dimension; None once the input has been flattened)."""

    name: str
    layer: Layer
    rf: tuple[tuple[int, ...], tuple[int, ...]] | None


@dataclass(frozen=True, eq=False)
class Group:
    """A checked sequence: the IR node and the checked items."""

    node: ir.Seq
    items: tuple[Any, ...]


@dataclass(frozen=True, eq=False)
class Repeated:
    """A checked repeat: one checked body per iteration; iterations that got
    the same input are the same object."""

    node: ir.Repeat
    iterations: tuple[Any, ...]


@dataclass(frozen=True, eq=False)
class Optional:
    """A checked conditional: the body when its test held, else None."""

    node: ir.Cond
    body: Any


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

    def to_json(self) -> dict[str, Any]:
        return {
            "network": self.name,
            "input": list(self.input or ()),
            "output": list(self.output or ()),
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
        "op": layer.op,
        "kind": layer.kind.name,
        "act": layer.act_name,
        "bn": bool(layer.opts.get("bn")),
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
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
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
    if expr.op == "/" and not (isinstance(a, int) and isinstance(b, int)):
        return a / b
    return _ARITHMETIC[expr.op](a, b)


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

    def __init__(self, module: ir.Module, overrides: Mapping[str, Any], max_layers: int = MAX_LAYERS):
        self.module = module
        self.out = Collector(module.source)
        self.max_layers = max_layers
        self.rows: list[Layer] = []
        self.resolved: dict[int, Resolved | None] = {}
        self.weighty: dict[int, bool] = {}
        self.name = self._network_name()
        self.env = self._parameters(overrides)
        self.defaults = self._defaults()

    # ---- declarations
    def _network_name(self) -> str:
        networks = self.module.networks
        for extra in networks[1:]:
            self.out.error("E208", "a file holds one network", extra.span,
                           f"'{networks[0].name}' is declared at line {networks[0].span.line}")
        if networks:
            return networks[0].name
        path = self.module.source.path
        return path.stem if path else "network"

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

    def _defaults(self) -> list[DefaultRule]:
        rules: list[DefaultRule] = []
        seen: dict[tuple[frozenset[str], str], Span] = {}
        for statement in self.module.defaults:
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
                value = self._eval(option.value, self.env, symbols=spec.symbolic)
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
        key = id(call)
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
        match = _SIZE_SUFFIX.match(call.name)
        if match and (kind := layers.lookup(match.group(1))) is not None and kind.size:
            sizes = tuple(int(s) for s in match.group(2).split("x"))
            return kind, sizes
        head = match.group(1).lower() if match else call.name.lower()
        hint = suggest(head, layers.BY_NAME)
        if hint and match:
            hint = hint.replace("'?", f"{match.group(2)}'?")
        span = Span(call.span.line, call.span.col, call.span.line, call.span.col + len(call.name),
                    call.span.start, call.span.start + len(call.name))
        self.out.error("E201", f"unknown layer '{call.name}'", span, hint)
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
            rule = next((r for r in reversed(self.defaults) if r.key == option.name and r.applies(kind)), None)
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
    """Runs the shape rules through the body, building rows and the tree."""

    def run(self) -> CheckedNetwork:
        module = self.module
        shape = self._input()
        tree = None
        if not self.out.has_errors or shape is not None:
            if self._within_cap(module.body):
                tree, shape = self.seq(module.body, shape, tail=True)
        rows = _rows(self.rows)
        return CheckedNetwork(self.name, self.env, self._declared_input(), shape if self.rows else None,
                              rows, tree, self.out.items, module.source, module)

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
        return dims

    # ---- the layer cap
    def _within_cap(self, body: ir.Seq) -> bool:
        try:
            self._count(body)
        except _TooMany as too_many:
            node, total = too_many.args
            self.out.error("E307", f"this expands to {total:,} layers, more than the limit of "
                           f"{self.max_layers:,}", node.span,
                           "shrink the repeat count, or raise the limit (--max-layers, max_layers=)")
            return False
        return True

    def _count(self, node: ir.Node) -> int:
        """Layers a node expands to (an upper bound), refusing at once past the cap."""
        if isinstance(node, ir.Call):
            return 2  # a layer, plus the flatten an fc may imply
        if isinstance(node, ir.Seq):
            total = 0
            for item in node.items:
                total += self._count(item)
                if total > 2 * self.max_layers:
                    raise _TooMany(node, total // 2)
            return total
        if isinstance(node, ir.Cond):
            return self._count(node.body)
        times = evaluate_quietly(node.count, self.env)
        total = self._count(node.body) * (times if isinstance(times, int) and times > 0 else 1)
        if total > 2 * self.max_layers:
            raise _TooMany(node, total // 2)
        return total

    # ---- structure
    def node(self, node: ir.Node, x: Shape | None, tail: bool, act_follows: bool) -> tuple[Any, Shape | None]:
        if isinstance(node, ir.Call):
            return self.call(node, x, tail, act_follows)
        if isinstance(node, ir.Seq):
            return self.seq(node, x, tail)
        if isinstance(node, ir.Repeat):
            return self.repeat(node, x, tail)
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
            start = len(self.rows)
            result, y = self.node(node.body, x, tail and last, False)
            iterations.append(result)
            if y == x and not last:
                # The next iterations see this same input: reuse this one (all but
                # a last one at the network's tail, where the default act is dropped).
                same = times - len(iterations) - (1 if tail else 0)
                self.rows.extend(self.rows[start:] * same)
                iterations.extend([result] * same)
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

    def has_weights(self, node: ir.Node) -> bool:
        key = id(node)
        if key not in self.weighty:
            self.weighty[key] = self._has_weights(node)
        return self.weighty[key]

    def _has_weights(self, node: ir.Node) -> bool:
        if isinstance(node, ir.Call):
            kind = layers.lookup(node.name) or self._kind_quietly(node.name)
            return bool(kind and kind.weighted)
        if isinstance(node, ir.Seq):
            return any(self.has_weights(item) for item in node.items)
        if isinstance(node, ir.Repeat):
            return evaluate_quietly(node.count, self.env) != 0 and self.has_weights(node.body)
        return evaluate_quietly(node.test, self.env) is not False and self.has_weights(node.body)

    @staticmethod
    def _kind_quietly(name: str) -> Kind | None:
        match = _SIZE_SUFFIX.match(name)
        return layers.lookup(match.group(1)) if match else None

    def is_activation(self, node: ir.Node) -> bool:
        if not isinstance(node, ir.Call):
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
        if kind is layers.FC and len(x) > 1:
            x = self._flatten(call, x)
        try:
            y = kind.shape(resolved.opts, x)
        except RuleError as error:
            self.out.error(error.code, error.message, call.span, error.hint)
            return None, None
        self._tiling(call, kind, resolved.opts, x)
        layer = Layer(kind, resolved.opts, call.span, x, y, kind.params(resolved.opts, x, y),
                      kind.macs(resolved.opts, x, y), act, call.label)
        self.rows.append(layer)
        return layer, y

    def _default_act(self, kind: Kind, call: ir.Call) -> tuple[Kind, Mapping[str, Any]] | None:
        rule = next((r for r in reversed(self.defaults) if r.key == "act" and r.applies(kind)), None)
        if rule is None:
            return None
        try:
            return self._activation(rule.value)
        except layers.OptionError:
            return None  # reported once, where the default is resolved

    def _flatten(self, call: ir.Call, x: Shape) -> Shape:
        kind = layers.BY_NAME["flatten"]
        y = kind.shape({}, x)
        self.rows.append(Layer(kind, {}, call.span, x, y, 0, 0, implied=True))
        return y

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


def _dropped(w: layers.Window, n: int, i: int) -> int:
    if w.extent(i) < w.stride[i]:
        return 0  # windows that skip pixels by design: an edge gap says nothing new
    rest = (n + 2 * w.pad[i] - w.extent(i)) % w.stride[i]
    return max(0, rest - w.pad[i])


class _TooMany(Exception):
    pass


def evaluate_quietly(expr: ir.Expr, env: Mapping[str, Any]) -> Any:
    """A value for planning (the layer cap); errors are reported by the walk."""
    try:
        return evaluate(expr, env)
    except EvalError:
        return None


# ---- naming and receptive fields ----------------------------------------------------------

_PREFIX = {"maxpool": "pool", "batchnorm": "bn", "dropout": "drop", "leakyrelu": "lrelu"}


def _rows(layer_list: list[Layer]) -> list[Row]:
    names = _names(layer_list)
    fields = _receptive_fields(layer_list)
    return [Row(name, layer, rf) for name, layer, rf in zip(names, layer_list, fields)]


def _names(layer_list: list[Layer]) -> list[str]:
    """VGG/Caffe-style names: conv1_1, conv1_2, pool1, ..., fc6, fc7. A stage
    ends at each pooling layer; each fc layer starts one of its own."""
    keys: list[tuple[int, str]] = []
    stage, has_weights = 1, False
    for layer in layer_list:
        kind = layer.kind
        if kind.name == "fc" and has_weights:
            stage, has_weights = stage + 1, False
        keys.append((stage, _PREFIX.get(kind.name, kind.name)))
        has_weights |= kind.weighted
        if kind.family == "pool":
            stage, has_weights = stage + 1, False
    totals: dict[tuple[int, str], int] = {}
    for key in keys:
        totals[key] = totals.get(key, 0) + 1
    seen: dict[tuple[int, str], int] = {}
    names = []
    for layer, key in zip(layer_list, keys):
        seen[key] = seen.get(key, 0) + 1
        base = f"{key[1]}{key[0]}" + (f"_{seen[key]}" if totals[key] > 1 else "")
        names.append(layer.label or base)
    return _unique(names)


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


def _receptive_fields(layer_list: list[Layer]) -> list[Any]:
    """Size and jump of each layer's receptive field, per spatial dimension:
    r_out = r_in + (K_eff - 1) * j_in, j_out = j_in * S."""
    fields: list[Any] = []
    rf: Any = None
    for layer in layer_list:
        x = layer.in_shape
        if rf is None or len(rf[0]) != len(x) - 1:
            rf = ((1,) * (len(x) - 1), (1,) * (len(x) - 1)) if len(x) > 1 else None
        if len(layer.out_shape) == 1:
            rf = None
        elif rf is not None:
            window = layer.kind.window(layer.opts, x)
            if window is not None:
                sizes, strides = window
                rf = (tuple(r + (k - 1) * j for r, k, j in zip(rf[0], sizes, rf[1])),
                      tuple(j * s for j, s in zip(rf[1], strides)))
        fields.append(rf)
    return fields


# ---- entry points ----------------------------------------------------------------------------


def load(path_or_text: str | Path, max_bytes: int = MAX_SOURCE_BYTES) -> Source:
    """A `Source` from a path (a `Path`, or a string naming a file or ending
    in .arch) or from spec text."""
    is_path = isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and (path_or_text.endswith(".arch") or Path(path_or_text).is_file()))
    if not is_path:
        return Source("<string>", str(path_or_text))
    path = Path(path_or_text)
    out = Collector(Source(str(path), ""))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            out.error("E100", f"{path} is {size:,} bytes, more than the limit of {max_bytes:,}", None)
        else:
            data = path.read_bytes()
            return Source(str(path), data.decode("utf-8", errors="replace"), path)
    except OSError as error:
        out.error("E100", f"cannot read {path}: {error.strerror or error}", None)
    raise ArchError(out.items)


def check(path_or_text: str | Path, max_layers: int = MAX_LAYERS, **params: Any) -> CheckedNetwork:
    """Check a spec (a path or its text), with parameters overriding the
    network's defaults. Returns the checked network (warnings in its
    `diagnostics`); raises `ArchError` with every diagnostic if any is an error."""
    return check_source(load(path_or_text), params, max_layers)


def check_source(source: Source, params: Mapping[str, Any], max_layers: int = MAX_LAYERS) -> CheckedNetwork:
    module = syntax.parse(source)
    walker = Walker(module, params, max_layers)
    network = walker.run()
    walker.out.raise_if_errors()
    return network
