"""The shape walk: the IR run through every kind's rules, building the checked tree.

A visitor over the spec's nodes, each visit taking the shape that reaches the
node and an explicit `Context`, and returning the checked node and the shape
it leaves. Repeats are expanded (an iteration that sees the same input as the
one before is reused, so `[conv3-64]*100000` costs two), conditionals decided,
blocks called with their arguments in their own file's context, and branches
joined by their entry in the table of joins. After a layer fails the shapes
after it are unknown: later shape errors are skipped, name errors are still
reported.
"""

from __future__ import annotations

from typing import Any

from .. import ir, layers
from ..joins import BY_SYMBOL, Join, Path, shortcut
from ..layers import Kind
from ..nodes import Visitor
from ..options import OptionError, RuleError, boolean
from ..source import Span
from ..units import Shape, fmt_shape
from .budget import bind_quietly
from .checked import Aside, Block, Branched, Group, Layer, Optional, Repeated, Row
from .context import Context
from .evaluate import evaluate_quietly, suggest
from .resolve import activation, default_act, file_act, kind_quietly, resolve, value_of
from .values import block_env

Result = tuple[Any, Shape | None]


class Walk(Visitor):
    """One visit method per IR node kind: `visit(node, x, ctx)` -> (checked, shape)."""

    # ---- structure
    def visit_Seq(self, node: ir.Seq, x: Shape | None, ctx: Context) -> tuple[Group, Shape | None]:
        if ctx.depth > 2 * ctx.run.limits.max_depth:  # brackets (max_depth in each file) inside block calls
            # Brackets are capped in each file; blocks calling blocks nest further, and every
            # later stage (the diagram, the module) walks the tree as deep.
            ctx.error("E109", f"blocks and brackets nest more than {2 * ctx.run.limits.max_depth} deep here",
                      node.span, "call fewer blocks inside each other, or raise the limit (--max-depth)")
            return Group(node, ()), None
        ctx = ctx.deeper()
        items = node.items
        weight_after = [False] * len(items)
        for i in range(len(items) - 2, -1, -1):
            weight_after[i] = weight_after[i + 1] or has_weights(items[i + 1], ctx)
        results = []
        for i, item in enumerate(items):
            act_follows = i + 1 < len(items) and is_activation(items[i + 1], ctx)
            result, x = self.visit(item, x, ctx.at(ctx.tail and not weight_after[i], act_follows))
            results.append(result)
        return Group(node, tuple(results)), x

    def visit_Repeat(self, node: ir.Repeat, x: Shape | None, ctx: Context) -> Result:
        times = value_of(ctx, node.count)
        if times is not None:
            try:
                times = layers.natural(times, "a repeat count")
            except OptionError as error:
                ctx.error(error.code, str(error), node.count.span)
                times = None
        if times is None:
            return Repeated(node, ()), None
        iterations: list[Any] = []
        while len(iterations) < times:
            last = len(iterations) == times - 1
            inner = ctx.at(ctx.tail and last)
            if node.index is not None:  # `as i`: the body sees its iteration's number, so each may differ
                inner = inner.with_env({**ctx.env, node.index: len(iterations)})
            result, y = self.visit(node.body, x, inner)
            iterations.append(result)
            if y == x and not last and node.index is None:
                # The next iterations see this same input and give the same layers:
                # reuse this one (all but a last one at the network's tail, where
                # the default activation is dropped).
                iterations.extend([result] * (times - len(iterations) - (1 if ctx.tail else 0)))
            x = y
        return Repeated(node, tuple(iterations)), x

    def visit_Cond(self, node: ir.Cond, x: Shape | None, ctx: Context) -> Result:
        test = value_of(ctx, node.test)
        if test is not None and not isinstance(test, bool):
            ctx.error("E308", f"'if' needs true or false, got {layers.describe(test)}", node.test.span)
            test = None
        if not test:
            return Optional(node, None), x
        body, x = self.visit(node.body, x, ctx.at(ctx.tail))
        return Optional(node, body), x

    def visit_Side(self, node: ir.Side, x: Shape | None, ctx: Context) -> Result:
        body, y = self.visit(node.body, x, ctx.at(True))
        return Aside(node, body, y, _side_train(node, ctx)), x

    # ---- branches
    def visit_Branch(self, node: ir.Branch, x: Shape | None, ctx: Context) -> Result:
        join = BY_SYMBOL[node.op]
        opts, act = _join_options(node, join, ctx)
        inner = ctx.at(join.act_after)  # where an activation follows the join, the paths end without one
        paths = [self._path(path, x, inner) for path in node.paths]
        if x is None or opts is None or any(y is None for _, y in paths):
            return None, None
        if join.projects:  # identity paths last, where their projections are built
            paths.sort(key=lambda path: not path[0].items and isinstance(path[0].node, ir.Identity))
        seen = [Path(y, f"{g.node.span.line}:{g.node.span.col}", isinstance(g.node, ir.Identity))  # type: ignore[arg-type]
                for g, y in paths]
        try:
            y = join.shape(opts, x, seen)
            groups = tuple(self._fit(group, join, opts, x, y, paths, ctx, node.span) for group, _ in paths)
        except RuleError as error:
            ctx.error(error.code, error.message, node.span, error.hint)
            return None, None
        if join.act_after and act is _DEFAULT:
            act = None if (ctx.tail or ctx.act_follows) else file_act(ctx)
        layer = Layer(join, opts, node.span, x, y, join.params(opts, x, y), join.macs(opts, x, y),
                      None if act is _DEFAULT else act, node.label,
                      origin=ctx.origin)
        return Branched(node, join, groups, layer, tuple(_path_out(g, p.out) for g, p in zip(groups, seen))), y

    def _path(self, path: ir.Seq | ir.Identity, x: Shape | None, ctx: Context) -> tuple[Group, Shape | None]:
        if isinstance(path, ir.Identity):
            return Group(path, ()), x
        return self.visit(path, x, ctx)

    def _fit(self, group: Group, join: Join, opts: dict[str, Any], x: Shape, y: Shape,
             paths: list[tuple[Group, Shape | None]], ctx: Context, where: Span) -> Group:
        """An identity path of a join that projects, made to fit `y` by a shortcut
        layer (written where the branch is: the branch makes it)."""
        if not join.projects or not isinstance(group.node, ir.Identity):
            return group
        settings = next((found for g, _ in paths if (found := _bn_used(g)) is not None), None)
        made = shortcut(opts["shortcut"], x, y, settings is not None, settings or {})
        if made is None:
            return group
        kind, shortcut_opts = made
        layer = Layer(kind, shortcut_opts, where, x, y, kind.params(shortcut_opts, x, y),
                      kind.macs(shortcut_opts, x, y), label="shortcut", origin=ctx.origin)
        return Group(group.node, (layer,))

    # ---- blocks and layers
    def visit_Call(self, call: ir.Call, x: Shape | None, ctx: Context) -> Result:
        if call.name in ctx.scope.blocks:
            return self._block(call, x, ctx)
        return self._layer(call, x, ctx)

    def _block(self, call: ir.Call, x: Shape | None, ctx: Context) -> Result:
        definition, home = ctx.scope.blocks[call.name]
        if call.name in ctx.stack:
            chain = [*ctx.stack[ctx.stack.index(call.name):], call.name]
            ctx.error("E213", f"block '{call.name}' calls itself", call.span, f"through {' -> '.join(chain)}")
            return None, None
        channels = x[0] if x else None
        inner = bind(call, definition, ctx, channels)
        if inner is None:
            return None, None
        env = block_env(ctx.run, home, inner, channels)
        body, y = self.visit(definition.body, x, ctx.inside(call.name, env, home))
        origin = None if home is ctx.run.root else home.source.name
        return Block(call, definition, dict(inner), body, origin), y

    def _layer(self, call: ir.Call, x: Shape | None, ctx: Context) -> Result:
        resolved = resolve(ctx, call)
        if resolved is None or x is None:
            return None, None
        kind, opts = resolved.kind, resolved.opts
        act = resolved.act
        if not resolved.act_given and kind.weighted:
            act = None if (ctx.tail or ctx.act_follows) else default_act(ctx, kind)
        flatten = None
        if kind.flatten_input and len(x) > 1:
            flatten, x = _flatten(call, x, ctx)
        try:
            y = kind.shape(opts, x)
        except RuleError as error:
            ctx.error(error.code, error.message, call.span, error.hint)
            return None, None
        _tiling(call, kind, opts, x, ctx)
        layer = Layer(kind, opts, call.span, x, y, kind.params(opts, x, y), kind.macs(opts, x, y), act, call.label,
                      origin=ctx.origin)
        return (Group(call, (flatten, layer)) if flatten else layer), y


_DEFAULT: Any = object()  # "no act= given": the file's default activation applies


def _path_out(group: Group, out: Shape) -> Shape:
    """The shape a path ends in, once its shortcut (if any) makes it fit."""
    projected = isinstance(group.node, ir.Identity) and group.items
    return group.items[-1].out_shape if projected else out


def _side_train(node: ir.Side, ctx: Context) -> bool:
    """A side output's one option, `train`: true where it is an output of
    training only (torchvision's auxiliary classifiers, built but not run in
    evaluation, so not counted in the network's MACs)."""
    train = False
    for option in node.options:
        if option.key != "train":
            ctx.error("E202", f"a side output has no option '{option.key}'", option.span,
                      suggest(option.key, ["train"]) or "its one option is train=true (an output of training only)")
            continue
        value = value_of(ctx, option.value)
        try:
            train = boolean(value, "a side output's train")
        except OptionError as error:
            ctx.error(error.code, str(error), option.span)
    return train


def _join_options(node: ir.Branch, join: Join, ctx: Context) -> tuple[dict[str, Any] | None, Any]:
    """A branch's options resolved through its join's table entry: the
    options (None if one is refused) and the activation after the join
    (`_DEFAULT` where none is written)."""
    opts: dict[str, Any] = {o.name: o.default for o in join.options if o.name != "act"}
    if join.name == "concat":
        opts["paths"] = len(node.paths)
    act, ok = _DEFAULT, True
    for option in node.options:
        spec = join.option(option.key)
        if spec is None:
            if join.options:
                ctx.error("E202", f"{join.what} has no option '{option.key}'", option.span,
                          suggest(option.key, [o.name for o in join.options]))
            else:
                ctx.error("E202", f"{join.what} takes no option '{option.key}'", option.span)
            continue  # reported; the branch is still checked
        value = value_of(ctx, option.value, symbols=True)
        try:
            if spec.name == "act":
                act = activation(value)
            else:
                opts[spec.name] = spec.convert(value, f"{join.what}'s {spec.name}")
        except OptionError as error:
            ctx.error(error.code, str(error), option.span, spec.hint or None)
            if spec.name != "act":
                ok = False
            else:
                act = None
    return (opts if ok else None), act


def _bn_used(result: Any) -> dict[str, float] | None:
    """The first batch norm's epsilon and momentum in `result` (as a weighted
    layer's bn_eps and bn_momentum), or None where it has none: a projection
    shortcut normalises as its body does."""
    for layer in iter_layers(result):
        if layer.opts.get("bn"):
            settings = layers.bn_settings(layer.opts)
            return {"bn_eps": settings["eps"], "bn_momentum": settings["momentum"]}
        if layer.kind.name == "batchnorm":
            return {"bn_eps": layer.opts["eps"], "bn_momentum": layer.opts["momentum"]}
    return None


def _flatten(call: ir.Call, x: Shape, ctx: Context) -> tuple[Layer, Shape]:
    kind = layers.BY_NAME["flatten"]
    y = kind.shape({}, x)
    return Layer(kind, {}, call.span, x, y, 0, 0, implied=True, origin=ctx.origin), y


def _tiling(call: ir.Call, kind: Kind, opts: Any, x: Shape, ctx: Context) -> None:
    """W301: a window that does not tile the input leaves real pixels unread."""
    if kind.window is not layers.sliding_window or opts.get("ceil"):
        return  # an adaptive pool reads every pixel whatever the sizes
    w = layers.window_of(opts, x, kind.name)
    dropped = [_dropped(w, n, i) for i, n in enumerate(x[1:])]
    if not any(dropped):
        return
    i = next(i for i, d in enumerate(dropped) if d)
    n = x[1 + i]
    rest = (n + 2 * w.pad[i] - w.extent(i)) % w.stride[i]
    ctx.warning(
        "W301", f"{kind.label(opts)} does not tile its {fmt_shape(x)} input: the last "
        f"{dropped[i]} pixel{'s' * (dropped[i] > 1)} of {'each row and column' if len(x) > 2 else 'the signal'} "
        f"{'are' if dropped[i] > 1 else 'is'} never read",
        call.span, f"(W + 2P - K) mod S = ({n} + 2*{w.pad[i]} - {w.extent(i)}) mod {w.stride[i]} = {rest}; "
        f"an input of {n - dropped[i]} or {n + w.stride[i] - dropped[i]} would tile")


def _dropped(w: layers.Window, n: int, i: int) -> int:
    if w.extent(i) < w.stride[i]:
        return 0  # windows that skip pixels by design: an edge gap says nothing new
    rest = (n + 2 * w.pad[i] - w.extent(i)) % w.stride[i]
    return max(0, rest - w.pad[i])


# ---- blocks' arguments ------------------------------------------------------------------


def bind(call: ir.Call, definition: ir.Def, ctx: Context, channels: int | None) -> dict[str, Any] | None:
    """Arguments to parameters: positional, then by name; defaults in order,
    each seeing the block's file, `in_channels` (the channels of its input,
    `channels`) and the parameters before it."""
    params = definition.params
    names = [p.name for p in params]
    if call.count is not None or call.stride is not None:
        ctx.error("E212", f"block '{call.name}' takes its arguments in parentheses", call.span,
                  f"write {call.name}({', '.join(names)})")
        return None
    given: dict[str, Any] = {}
    ok = len(call.args) <= len(params)
    if not ok:
        _arity(call, definition, ctx, f"takes {len(params)} argument{'s' * (len(params) != 1)}, got {len(call.args)}")
    for param, arg in zip(params, call.args):
        given[param.name] = value_of(ctx, arg)
    for option in (*call.kwargs, *call.options):
        if option.key not in names:
            _arity(call, definition, ctx, f"has no parameter '{option.key}'", option.span, suggest(option.key, names))
            ok = False
        elif option.key in given:
            _arity(call, definition, ctx, f"gets '{option.key}' twice", option.span)
            ok = False
        else:
            given[option.key] = value_of(ctx, option.value)
    return _with_defaults(call, definition, given, ctx, channels) if ok else None


def _with_defaults(call: ir.Call, definition: ir.Def, given: dict[str, Any], ctx: Context,
                   channels: int | None) -> dict[str, Any] | None:
    inner: dict[str, Any] = {}
    home = ctx.scope.blocks[call.name][1]
    for param in definition.params:
        if param.name in given:
            inner[param.name] = given[param.name]
        elif param.default is not None:
            env = block_env(ctx.run, home, inner, channels)
            inner[param.name] = value_of(Context(ctx.run, env, home), param.default)
        else:
            _arity(call, definition, ctx, f"needs a value for '{param.name}'")
            return None
    if any(v is None for v in inner.values()):
        return None
    return inner


def _arity(call: ir.Call, definition: ir.Def, ctx: Context, what: str, span: Any = None,
           hint: str | None = None) -> None:
    where = f"defined at {ctx.scope.blocks[call.name][1].source.name}:{definition.span.line}"
    signature = ", ".join(p.name if p.default is None else f"{p.name}=..." for p in definition.params)
    ctx.error("E212", f"block '{call.name}' {what}", span or call.span, hint or f"{call.name}({signature}), {where}")


# ---- what follows: weights, activations ------------------------------------------------


class _Weights(Visitor):
    """Whether a node has a layer with weights, in the context it would run in
    (a block's body with the block's arguments, in the block's own file)."""

    def generic_visit(self, node: Any, ctx: Context) -> bool:
        return False

    def visit_Seq(self, node: ir.Seq, ctx: Context) -> bool:
        return any(has_weights(item, ctx) for item in node.items)

    def visit_Branch(self, node: ir.Branch, ctx: Context) -> bool:
        return any(has_weights(path, ctx) for path in node.paths if isinstance(path, ir.Seq))

    def visit_Repeat(self, node: ir.Repeat, ctx: Context) -> bool:
        times = evaluate_quietly(node.count, ctx.env)
        if node.index is not None and isinstance(times, int) and 0 < times <= 64:
            return any(has_weights(node.body, ctx.with_env({**ctx.env, node.index: k})) for k in range(times))
        return times != 0 and has_weights(node.body, ctx)

    def visit_Cond(self, node: ir.Cond, ctx: Context) -> bool:
        return evaluate_quietly(node.test, ctx.env) is not False and has_weights(node.body, ctx)

    def visit_Call(self, node: ir.Call, ctx: Context) -> bool:
        if node.name in ctx.scope.blocks:
            if node.name in ctx.stack or len(ctx.stack) >= ctx.run.limits.max_depth:
                return False
            definition, home = ctx.scope.blocks[node.name]
            inner = bind_quietly(node, definition, ctx.env, block_env(ctx.run, home, {}, None))
            return has_weights(definition.body, ctx.inside(node.name, inner, home))
        kind = kind_quietly(node.name)
        return bool(kind and kind.weighted)


_WEIGHTS = _Weights()


def has_weights(node: ir.Node, ctx: Context) -> bool:
    key = ("weights", id(node), id(ctx.scope), ctx.env_key, ctx.stack)
    cache = ctx.run.cache
    if key not in cache:
        cache[key] = _WEIGHTS.visit(node, ctx)
    return cache[key]


def is_activation(node: ir.Node, ctx: Context) -> bool:
    if not isinstance(node, ir.Call) or node.name in ctx.scope.blocks:
        return False
    kind = layers.lookup(node.name)
    return kind is not None and kind.family == "act"


# ---- the layers of a checked tree --------------------------------------------------------


def iter_layers(node: Any) -> list[Layer]:
    """Every layer under a checked node, in walk order."""
    found: list[Layer] = []
    _LayerCollector().visit(node, found)
    return found


class _LayerCollector(Visitor):
    def visit_Layer(self, layer: Layer, found: list[Layer]) -> None:
        found.append(layer)


def check_token_ids(ctx: Context, rows: list[Row]) -> None:
    """E312: a network that embeds takes token ids (integers), which only
    embed can read; `dropout, embed` would fail only once built and run."""
    if not any(row.layer.kind.reads_tokens for row in rows):
        return
    for row in rows:
        layer = row.layer
        if isinstance(layer.in_shape, layers.NetworkInput) and not layer.kind.reads_tokens \
                and layer.kind.family != "join":  # a join's in_shape is where its paths start
            ctx.error("E312", f"{layer.op} reads the network's input, which holds token ids "
                      "because the network embeds them; only embed reads token ids", layer.span,
                      "put the embed layers first, right after the input line")
