"""Expressions: the value of a size, a count, a test or an option as written.

A name is a parameter of the network or of the block being expanded; where
an option takes words (`pad=same`, `act=relu`), an unknown name is that word.
Numbers stay exact: `/` of two whole numbers that divide is a whole number,
and results past `MAX_DIGITS` digits are refused rather than grown.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from .. import ir
from ..limits import MAX_DIGITS
from ..nodes import Visitor
from ..options import describe
from ..source import Span


class EvalError(Exception):
    """An expression that has no value: a diagnostic code, message, span and hint."""

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

    def visit_Activation(self, expr: ir.Activation, env: Mapping[str, Any], symbols: bool) -> Any:
        return (expr.name, tuple(self.visit(a, env, False) for a in expr.args))

    def visit_Unary(self, expr: ir.Unary, env: Mapping[str, Any], symbols: bool) -> Any:
        return _unary(expr, self.visit(expr.operand, env, False))

    def visit_Binary(self, expr: ir.Binary, env: Mapping[str, Any], symbols: bool) -> Any:
        return _binary(expr, self.visit(expr.left, env, False), self.visit(expr.right, env, False))


_EVALUATOR = _Evaluator()


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
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text.strip()
