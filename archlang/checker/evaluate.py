"""Expressions: the value of a size, a count, a test or an option as written.

A name is a parameter of the network or of the block being expanded; where
an option takes words (`pad=same`, `act=relu`), an unknown name is that word.
Numbers stay exact: `/` of two whole numbers that divide is a whole number,
and results past `MAX_DIGITS` digits are refused rather than grown.
"""

from __future__ import annotations

import contextvars
import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

from .. import ir
from ..limits import MAX_DIGITS
from ..nodes import Visitor
from ..options import describe
from ..records import record
from ..source import Span


class EvalError(Exception):
    """An expression that has no value: a diagnostic code, message, span and hint."""

    def __init__(self, code: str, message: str, span: Span, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.span, self.hint = code, message, span, hint


#: Names a check may compare for "did you mean": each search compares the word with
#: every name in scope, so 10,000 misspellings among 10,000 blocks would cost minutes.
SUGGESTIONS = 50_000
_SUGGESTIONS_LEFT: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("suggestions", default=None)


def reset_suggestions() -> None:
    """A new check starts with a fresh allowance of suggestions."""
    _SUGGESTIONS_LEFT.set([SUGGESTIONS])


def suggest(word: str, choices: Any) -> str | None:
    """'did you mean' text for the closest of `choices`, if any is close (and
    the check has suggestions left)."""
    left = _SUGGESTIONS_LEFT.get()
    if left is None:
        left = [SUGGESTIONS]
        _SUGGESTIONS_LEFT.set(left)
    if left[0] < len(choices):
        return None
    left[0] -= len(choices)
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


@record(frozen=True, eq=False)
class Function:
    """A `let` with parameters: its body is evaluated with the arguments bound,
    in the values of the file that defines it (`env`)."""

    name: str
    params: tuple[ir.Param, ...]
    body: ir.Expr
    env: Mapping[str, Any]


def _numeric(name: str, function: Callable[..., Any], arity: tuple[int, int]) -> Callable[..., Any]:
    def call(expr: ir.Apply, values: list[Any]) -> Any:
        if not arity[0] <= len(values) <= arity[1]:
            raise EvalError("E308", f"{name} takes {_arity_text(arity)}, got {len(values)}", expr.span)
        for value, arg in zip(values, expr.args):
            _number(value, arg)
        try:
            return function(*values)
        except (OverflowError, ValueError):
            raise EvalError("E306", f"{name}: the result is not a number archlang can use", expr.span) from None

    return call


def _arity_text(arity: tuple[int, int]) -> str:
    low, high = arity
    if low == high:
        return f"{low} argument{'s' * (low != 1)}"
    return f"{low} or more arguments" if high > 99 else f"{low} to {high} arguments"


#: Functions every expression may call, as Python computes them (round halves to even, as
#: torchvision's `int(round(...))` does; int truncates toward zero, as its `int(v + d / 2)`).
BUILTINS: dict[str, Callable[[ir.Apply, list[Any]], Any]] = {
    "min": _numeric("min", min, (1, 999)),
    "max": _numeric("max", max, (1, 999)),
    "floor": _numeric("floor", math.floor, (1, 1)),
    "ceil": _numeric("ceil", math.ceil, (1, 1)),
    "round": _numeric("round", round, (1, 2)),
    "int": _numeric("int", int, (1, 1)),
    "abs": _numeric("abs", abs, (1, 1)),
}

#: The functions being called: a function that calls itself is an error, not a hang.
_CALLING: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("calling", default=())


class _Evaluator(Visitor):
    """One visit method per expression node; `symbols` lets unknown names be words."""

    def visit_Number(self, expr: ir.Number, env: Mapping[str, Any], symbols: bool) -> Any:
        return expr.value

    def visit_Name(self, expr: ir.Name, env: Mapping[str, Any], symbols: bool) -> Any:
        if expr.id in env:
            return env[expr.id]
        if symbols:
            return expr.id
        raise EvalError("E203", f"undefined parameter '{expr.id}'", expr.span, suggest(expr.id, env))

    def visit_Apply(self, expr: ir.Apply, env: Mapping[str, Any], symbols: bool) -> Any:
        function = env.get(expr.name)
        if isinstance(function, Function):
            return _call(function, expr, env)
        if expr.name in BUILTINS and not expr.kwargs:
            return BUILTINS[expr.name](expr, [self.visit(a, env, False) for a in expr.args])
        if symbols:  # an activation with its arguments, as an option's value: act=leakyrelu(0.1)
            return (expr.name, tuple(self.visit(a, env, False) for a in expr.args))
        known = [*BUILTINS, *(k for k, v in env.items() if isinstance(v, Function))]
        raise EvalError("E203", f"undefined function '{expr.name}'", expr.span, suggest(expr.name, known))

    def visit_IfElse(self, expr: ir.IfElse, env: Mapping[str, Any], symbols: bool) -> Any:
        test = self.visit(expr.test, env, False)
        if not isinstance(test, bool):
            raise EvalError("E308", f"'if' needs true or false, got {describe(test)}", expr.test.span)
        return self.visit(expr.then if test else expr.otherwise, env, symbols)

    def visit_Unary(self, expr: ir.Unary, env: Mapping[str, Any], symbols: bool) -> Any:
        return _unary(expr, self.visit(expr.operand, env, False))

    def visit_Binary(self, expr: ir.Binary, env: Mapping[str, Any], symbols: bool) -> Any:
        return _binary(expr, self.visit(expr.left, env, False), self.visit(expr.right, env, False))


_EVALUATOR = _Evaluator()


def _call(function: Function, expr: ir.Apply, env: Mapping[str, Any]) -> Any:
    """A `let` function's value for the arguments of `expr` (evaluated in `env`)."""
    calling = _CALLING.get()
    if function.name in calling:
        raise EvalError("E213", f"function '{function.name}' calls itself", expr.span,
                        f"through {' -> '.join([*calling[calling.index(function.name):], function.name])}")
    names = [p.name for p in function.params]
    if len(expr.args) > len(names):
        raise EvalError("E212", f"function '{function.name}' takes {len(names)} arguments, got {len(expr.args)}",
                        expr.span)
    given = {p.name: evaluate(a, env) for p, a in zip(function.params, expr.args)}
    for option in expr.kwargs:
        if option.key not in names or option.key in given:
            raise EvalError("E212", f"function '{function.name}' has no other parameter '{option.key}'",
                            option.span, suggest(option.key, names))
        given[option.key] = evaluate(option.value, env)
    inner = dict(function.env)
    for param in function.params:
        if param.name in given:
            inner[param.name] = given[param.name]
        elif param.default is not None:
            inner[param.name] = evaluate(param.default, inner)
        else:
            raise EvalError("E212", f"function '{function.name}' needs a value for '{param.name}'", expr.span)
    token = _CALLING.set((*calling, function.name))
    try:
        return evaluate(function.body, inner)
    finally:
        _CALLING.reset(token)


def evaluate(expr: ir.Expr, env: Mapping[str, Any], symbols: bool = False) -> Any:
    """Value of an expression. A name is a parameter; where `symbols` is set
    an unknown name is a symbol such as `same` or `relu`."""
    return _EVALUATOR.visit(expr, env, symbols)


def evaluate_quietly(expr: ir.Expr | None, env: Mapping[str, Any]) -> Any:
    """A value for planning (the layer cap); errors are reported by the walk."""
    if expr is None:
        return None
    try:
        return evaluate(expr, env)
    except (EvalError, TypeError, ArithmeticError):
        return None


def _number(value: Any, expr: ir.Expr) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError("E308", f"expected a number, got {describe(value)}", expr.span)
    return value


def _unary(expr: ir.Unary, value: Any) -> Any:
    if expr.op != "not":
        return -_number(value, expr)
    if not isinstance(value, bool):
        raise EvalError("E308", f"'not' needs true or false, got {describe(value)}", expr.span)
    return not value


def _binary(expr: ir.Binary, left: Any, right: Any) -> Any:
    if expr.op in ("and", "or"):
        for value in (left, right):
            if not isinstance(value, bool):
                raise EvalError("E308", f"'{expr.op}' needs true or false, got {describe(value)}", expr.span)
        return (left and right) if expr.op == "and" else (left or right)
    if expr.op in ("==", "!="):
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
    if isinstance(value, int) and abs(value) >= 10**MAX_DIGITS:
        raise EvalError("E306", f"the result has more than {MAX_DIGITS} digits", expr.span)
    return value


def parse_value(text: str) -> Any:
    """A command-line value: true/false, an integer, a float, or a symbol."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if len(lowered) > MAX_DIGITS + 10 and any(c.isdigit() for c in lowered):
        raise ValueError(f"a number of more than {MAX_DIGITS} digits")
    for convert in (int, float):
        try:
            value = convert(text)
        except ValueError:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{text.strip()} is not a finite number")
        return value
    return text.strip()
