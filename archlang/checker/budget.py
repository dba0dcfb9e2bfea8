"""The layer budget: how many layers a spec expands to, counted before anything is expanded.

`[conv3-64]*1000000000` must be refused in milliseconds, not after building a
billion layers, so the budget counts the IR: a repeat multiplies its body's
count, a block call counts its body once per distinct arguments, a branch
adds its join (and a residual its possible projection). The count is an upper
bound; past the cap (`Limits.max_layers`) it stops at once with E307 at the
node that crossed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import ir
from ..joins import BY_SYMBOL
from ..nodes import Node, Visitor
from ..options import OptionError, natural
from ..scope import Scope
from .context import Context, Run
from .evaluate import evaluate_quietly
from .values import block_env

#: A repeat with `as i` counted iteration by iteration up to this many; beyond, as copies of one.
_EXACT_ITERATIONS = 10_000


class TooMany(Exception):
    """The count passed the cap at `node`, which expands to `total` layers (at least)."""

    def __init__(self, node: Any, total: int):
        super().__init__(node, total)
        self.node, self.total = node, total


class TooDeep(Exception):
    """Block calls nest past `Limits.max_depth` at `call`."""

    def __init__(self, call: ir.Call):
        super().__init__(call)
        self.call = call


class _Budget(Visitor):
    """Counts twice each layer a node may expand to: a layer call counts 2 (the
    layer and a flatten it may imply), so halving gives the layers."""

    def __init__(self, cap: int, run: Run):
        self.cap = 2 * cap
        self.run = run
        self.depth = run.limits.max_depth
        self.counted: dict[tuple[Any, ...], int] = {}

    def count(self, node: Any, env: Mapping[str, Any], scope: Scope, stack: tuple[str, ...]) -> int:
        total = self.visit(node, env, scope, stack) or 0
        if total > self.cap:
            raise TooMany(node, total // 2)
        return total

    def generic_visit(self, node: Any, *context: Any) -> int:
        if not isinstance(node, Node):
            return 0
        return sum(self.count(child, *context) for child in node.iter_children())

    def visit_Repeat(self, node: ir.Repeat, env: Mapping[str, Any], scope: Scope, stack: tuple[str, ...]) -> int:
        times = _count(evaluate_quietly(node.count, env))
        if node.index is None or times > _EXACT_ITERATIONS:
            return self.count(node.body, env, scope, stack) * times
        # `as i`: each iteration may differ, so each is counted with its number.
        return sum(self.count(node.body, {**env, node.index: k}, scope, stack) for k in range(times))

    def visit_Branch(self, node: ir.Branch, env: Mapping[str, Any], scope: Scope, stack: tuple[str, ...]) -> int:
        # The join, and for a residual a projection (conv + bn) too.
        join = BY_SYMBOL.get(node.op)
        joins = 3 if join is not None and join.projects else 1
        return 2 * joins + sum(self.count(path, env, scope, stack) for path in node.paths)

    def visit_Call(self, call: ir.Call, env: Mapping[str, Any], scope: Scope, stack: tuple[str, ...]) -> int:
        if call.name not in scope.blocks or call.name in stack:
            return 2  # a layer, plus the flatten an fc may imply
        if len(stack) >= self.depth:
            raise TooDeep(call)
        definition, home = scope.blocks[call.name]
        inner = bind_quietly(call, definition, env, block_env(self.run, home, {}, None))
        # Counted once per block and arguments: blocks that call a block twice, nested
        # forty deep, would otherwise cost 2**40 steps before the cap is reached.
        key = (id(definition), id(home), stack, tuple((p.name, repr(inner.get(p.name))) for p in definition.params))
        if key not in self.counted:
            try:
                self.counted[key] = 1 + self.count(definition.body, inner, home, (*stack, call.name))
            except TooMany as too_many:
                if home is scope:
                    raise
                raise TooMany(call, too_many.total) from None  # point at the call, not into another file
        return self.counted[key]

    def visit_Option(self, node: ir.Option, *context: Any) -> int:
        return 0  # expressions expand to no layers

    def visit_Identity(self, node: ir.Identity, *context: Any) -> int:
        return 0


def _count(value: Any) -> int:
    """A repeat count as the walk will read it (2e6 is 2,000,000), or 1 where it has none."""
    try:
        times = natural(value, "a repeat count")
    except OptionError:  # not a count the walk takes; but a huge one is still too many layers
        huge = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 1
        return int(min(value, 2**62)) if huge and float(value).is_integer() else 1
    return times if times > 0 else 1


def bind_quietly(call: ir.Call, definition: ir.Def, env: Mapping[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """A block's values for planning (its arguments evaluated in the caller's
    `env`, over `base`, its file's values); errors are reported by the walk."""
    given = {p.name: evaluate_quietly(a, env) for p, a in zip(definition.params, call.args)}
    given.update({o.key: evaluate_quietly(o.value, env) for o in (*call.kwargs, *call.options)})
    inner = base
    for param in definition.params:
        default = evaluate_quietly(param.default, inner) if param.default is not None else None
        inner[param.name] = given.get(param.name, default)
    return inner


def within_budget(ctx: Context, body: ir.Seq) -> bool:
    """Whether the network's body stays within `max_layers`; E307 if not."""
    cap = ctx.run.limits.max_layers
    try:
        _Budget(cap, ctx.run).count(body, ctx.env, ctx.scope, ())
    except TooDeep as too_deep:
        ctx.error("E109", f"blocks call blocks more than {ctx.run.limits.max_depth} deep",
                  too_deep.call.span, "call fewer blocks inside each other, or raise the limit (--max-depth)")
        return False
    except TooMany as too_many:
        ctx.error("E307", f"this expands to {too_many.total:,} layers, more than the limit of {cap:,}",
                  too_many.node.span, "shrink the repeat count, or raise the limit (--max-layers, or limits=Limits(max_layers=...))")
        return False
    return True
