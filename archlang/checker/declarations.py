"""Declarations: the network's name, its parameters, and its input.

`network vgg16(bn = false)` names the network and declares its parameters
with defaults, which `-D` (or keyword arguments in Python) override; `input
3@224x224` gives the shape the walk starts from. Each is allowed once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .. import ir
from ..layers import NetworkInput
from ..limits import MAX_INT
from ..options import describe
from ..source import Span, displayable
from ..units import Shape, fmt_shape
from .context import Context
from .evaluate import evaluate_quietly, suggest
from .resolve import value_of


def network_name(ctx: Context, module: ir.Module) -> str:
    """The declared name, or the file's stem, or "network"."""
    networks = module.networks
    for extra in networks[1:]:
        ctx.error("E208", "a file holds one network", extra.span,
                  f"'{networks[0].name}' is declared at line {networks[0].span.line}")
    if networks:
        return networks[0].name
    path = module.source.path
    return displayable(path.stem) if path else "network"


def parameters(ctx: Context, module: ir.Module, name: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The network's parameter values: defaults, overridden by `overrides`."""
    decl = module.networks[0] if module.networks else None
    env: dict[str, Any] = {}
    for param in decl.params if decl else ():
        if param.name in env:
            ctx.error("E204", f"parameter '{param.name}' is declared twice", param.span)
        env[param.name] = _parameter(ctx, param, overrides, env)
    where = decl.span if decl else Span(1, 1, 1, 2)
    for key in overrides:
        if key not in env:
            hint = suggest(key, env) or (f"the parameters are: {', '.join(env)}" if env else "it declares none")
            ctx.error("E205", f"-D {key}: network '{name}' has no parameter '{key}'", where, hint)
    return env


def _parameter(ctx: Context, param: ir.Param, overrides: Mapping[str, Any], env: dict[str, Any]) -> Any:
    default = None
    if param.default is not None:
        default = value_of(Context(ctx.run, env, ctx.scope), param.default)
    if param.name not in overrides:
        if param.default is None:
            ctx.error("E207", f"parameter '{param.name}' has no default and no value",
                      param.span, f"give one on the command line: -D {param.name}=...")
        return default
    value = overrides[param.name]
    if isinstance(value, float) and not math.isfinite(value) or not isinstance(value, (bool, int, float, str)):
        # None or a list from Python would drop a layer or crash later; inf would pass every size check.
        ctx.error("E206", f"-D {param.name}={value!r}: a parameter takes a number, true or false, or a word",
                  param.span)
        return default
    if default is not None and _kind_of(value) != _kind_of(default):
        ctx.error("E206", f"-D {param.name}={describe(value)}: '{param.name}' takes "
                  f"{_kind_of(default)} values (its default is {describe(default)})", param.span)
        return default
    return value


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "numeric"
    return "symbolic"


def variants(ctx: Context, module: ir.Module, name: str) -> None:
    """Each `variant` names parameters of the network, with values of their kind (as -D would)."""
    decl = module.networks[0] if module.networks else None
    defaults = {p.name: value_of(Context(ctx.run, {}, ctx.scope), p.default) if p.default is not None else None
                for p in (decl.params if decl else ())}
    seen: dict[str, ir.Variant] = {}
    for variant in module.variants:
        if variant.name in seen:
            ctx.error("E204", f"variant '{variant.name}' is declared twice", variant.span,
                      f"first at line {seen[variant.name].span.line}")
        seen[variant.name] = variant
        for option in variant.options:
            if option.key not in defaults:
                hint = suggest(option.key, defaults) or f"the parameters are: {', '.join(defaults) or 'none'}"
                ctx.error("E205", f"variant {variant.name}: network '{name}' has no parameter '{option.key}'",
                          option.span, hint)
                continue
            value = value_of(Context(ctx.run, {}, ctx.scope), option.value, symbols=True)
            default = defaults[option.key]
            if value is not None and default is not None and _kind_of(value) != _kind_of(default):
                ctx.error("E206", f"variant {variant.name}: '{option.key}' takes {_kind_of(default)} values "
                          f"(its default is {describe(default)}), not {describe(value)}", option.span)


def declared_input(ctx: Context, module: ir.Module) -> Shape | None:
    """The input as declared (its sizes' values), whether or not they are valid."""
    inputs = module.inputs
    if not inputs:
        return None
    dims = tuple(evaluate_quietly(d, ctx.env) for d in inputs[0].dims)
    return dims if all(isinstance(d, int) and not isinstance(d, bool) for d in dims) else None


def network_input(ctx: Context, module: ir.Module) -> Shape | None:
    """The shape the walk starts from, marked as the network's input; None (reported) if there is none."""
    inputs = module.inputs
    for extra in inputs[1:]:
        ctx.error("E208", "a network has one input line", extra.span,
                  f"the input is declared at line {inputs[0].span.line}")
    if not inputs:
        if module.body.items or not module.defs:
            where = module.networks[0].span if module.networks else Span(1, 1, 1, 2)
            ctx.error("E301", "the spec has no input line", where,
                      "add one after the network line, e.g. input 3@224x224 (channels@height x width)")
        return None
    dims: list[int] = []
    for expr in inputs[0].dims:
        value = value_of(ctx, expr)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.error("E306", f"input sizes must be whole numbers, not {describe(value)}", expr.span)
            return None
        if not 1 <= value <= MAX_INT:
            ctx.error("E306", f"input sizes must be between 1 and {MAX_INT:,}, not {value:,}", inputs[0].span)
            return None
        dims.append(value)
    if len(dims) > 3:
        ctx.error("E305", f"input {fmt_shape(tuple(dims))} has {len(dims) - 1} spatial dimensions; "
                  "archlang handles vectors (C), signals (C@L) and images (C@HxW)", inputs[0].span)
        return None
    return NetworkInput(tuple(dims))
