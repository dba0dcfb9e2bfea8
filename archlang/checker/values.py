"""Values of a file: the network's parameters and the file's `let`s, as one environment.

`let width = 64 * k` is a value every expression of its file may use;
`let divisible(v, d = 8) = ...` a function. A file sees its own lets and those
of the files it imports; the network's own file also sees the network's
parameters (lets may use them), a library file none. Each file's values are
worked out once per check, in source order, and reported where written.
"""

from __future__ import annotations

from typing import Any

from ..scope import Scope
from .context import Context, Run
from .evaluate import EvalError, Function, evaluate


def file_env(run: Run, scope: Scope) -> dict[str, Any]:
    """The values a file's expressions see (a fresh dict: callers may add to it)."""
    key = ("file_env", id(scope))
    if key not in run.cache:
        run.cache[key] = _values(run, scope)
    return dict(run.cache[key])


def _values(run: Run, scope: Scope) -> dict[str, Any]:
    env: dict[str, Any] = dict(run.network_env) if scope is run.root else {}
    ctx = Context(run, env, scope)
    for name, (let, home) in scope.lets.items():
        if name in env:
            ctx.error("E204", f"'{name}' is defined twice: a parameter of the network and a let", let.span)
            continue
        if home is not scope:  # imported: its value as its own file sees it
            env[name] = file_env(run, home).get(name)
        elif let.params is not None:
            env[name] = Function(name, let.params, let.value, dict(env))
        else:
            env[name] = _value(ctx, env, let.value)
    return env


def _value(ctx: Context, env: dict[str, Any], expr: Any) -> Any:
    try:
        return evaluate(expr, env)
    except EvalError as error:
        ctx.error(error.code, error.message, error.span, error.hint)
        return None


def block_env(run: Run, home: Scope, bound: dict[str, Any], in_channels: int | None) -> dict[str, Any]:
    """The values a block's body sees: its file's, the channels of its input
    (`in_channels`), and its arguments, which win."""
    env = file_env(run, home)
    if in_channels is not None:
        env["in_channels"] = in_channels
    env.update(bound)
    return env
