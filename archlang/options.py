"""Options of layer kinds and joins: the record, and the converters that validate values.

An `Option` is a canonical name, a converter (which checks a value's type and
range and raises `OptionError` with a diagnostic code), a default, aliases
and a help text. Kinds and joins list their options; the checker resolves a
call's written options through them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .limits import MAX_INT
from .records import record


class OptionError(ValueError):
    """An option value of the wrong type or range (code E306 or E308)."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.hint = code, hint


class RuleError(Exception):
    """A shape rule's complaint: a diagnostic code, a message and a hint."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def describe(value: Any) -> str:
    """A value as the spec writes it: true, 3, leakyrelu(0.1)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return f"{value[0]}({', '.join(map(str, value[1]))})"
    return str(value)


def _integer(value: Any, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError("E308", f"{what} must be a whole number, not {describe(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise OptionError("E306", f"{what} must be a whole number, not {value:g}")
    if not low <= value <= MAX_INT:
        bound = "at least 1" if low == 1 else f"at least {low}"
        if value > MAX_INT:
            bound = f"at most {MAX_INT:,}"
        raise OptionError("E306", f"{what} must be {bound}, not {int(value):,}")
    return int(value)


def positive(value: Any, what: str) -> int:
    return _integer(value, what, 1)


def natural(value: Any, what: str) -> int:
    return _integer(value, what, 0)


def real(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OptionError("E308", f"{what} must be a number, not {describe(value)}")
    return float(value)


def probability(value: Any, what: str) -> float:
    p = real(value, what)
    if not 0 <= p < 1:
        raise OptionError("E306", f"{what} must be at least 0 and below 1, not {p:g}")
    return p


def fraction(value: Any, what: str) -> float:
    """A number from 0 to 1, both ends included (a batch norm's momentum, a drop-path rate)."""
    p = real(value, what)
    if not 0 <= p <= 1:
        raise OptionError("E306", f"{what} must be from 0 to 1, not {p:g}")
    return p


def above_zero(value: Any, what: str) -> float:
    """A number above 0 (a batch norm's epsilon: 0 would divide by a zero variance)."""
    p = real(value, what)
    if not p > 0:
        raise OptionError("E306", f"{what} must be above 0, not {p:g}")
    return p


def boolean(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise OptionError("E308", f"{what} must be true or false, not {describe(value)}")
    return value


def kernel(value: Any, what: str) -> tuple[int, ...]:
    """A window size: 3, or 1x7 as written after a layer's name."""
    if isinstance(value, tuple):
        return tuple(positive(v, what) for v in value)
    return (positive(value, what),)


def padding(value: Any, what: str) -> int | str:
    if value in ("same", "valid"):
        return value
    if isinstance(value, str):
        raise OptionError("E308", f"{what} must be same, valid or a number of pixels, not {value}")
    return natural(value, what)


def choice(*values: str) -> Callable[[Any, str], str]:
    """A converter that accepts one of `values` (words, as written)."""

    def convert(value: Any, what: str) -> str:
        if value not in values:
            raise OptionError("E308", f"{what} must be one of {', '.join(values)}, not {describe(value)}")
        return value

    return convert


def as_is(value: Any, what: str) -> Any:
    """No conversion: the checker resolves the value (an activation)."""
    return value


@record(frozen=True)
class Option:
    """An option: its canonical name, a converter that validates a value,
    the default (None: required when `required`), aliases, a help text, and
    the hint shown when a value is refused (where the message needs one)."""

    name: str
    convert: Callable[[Any, str], Any]
    default: Any = None
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    symbolic: bool = False  # takes words such as `same` or `relu`, not only numbers
    hint: str = ""
