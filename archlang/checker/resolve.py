"""Resolution: a call as written to a layer kind with every option's value.

`conv3-64/2 p=1` names the kind conv (the 3 after the name is its kernel),
fills the count and stride slots, and gives one option; every other option
comes from the file's defaults (`act relu`, `pad same`, `default conv bn=bn`)
or from the kind's own. Values are evaluated in the context's parameters and
checked by each option's converter; problems are reported where they were
written. A file's defaults are worked out once, in that file's own context:
the network's file sees the network's parameters and its lets, a library file
its lets only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from .. import ir, layers
from ..layers import Kind
from ..limits import MAX_DIGITS
from ..options import Option, OptionError
from ..records import record
from ..scope import Scope
from ..source import Span
from .checked import Act
from .context import Context
from .evaluate import EvalError, evaluate, suggest
from .values import file_env

#: Sizes after a kind's name (conv1x7), matched on the reversed name: in linear time,
#: where `^(.*?[A-Za-z_])(\d+(?:x\d+)*)$` took quadratic time on a long name.
_SIZE_SUFFIX_REVERSED = re.compile(r"(?:\d+x)*\d+(?=[A-Za-z_])")


def size_suffix(name: str) -> tuple[str, str] | None:
    """`conv1x7` -> ("conv", "1x7"): a name and the sizes written after it, if any."""
    match = _SIZE_SUFFIX_REVERSED.match(name[::-1])
    return (name[: -match.end()], name[-match.end():]) if match else None


def kind_quietly(name: str) -> Kind | None:
    """The kind a call names, sizes after the name allowed, without reporting."""
    kind = layers.lookup(name)
    if kind is not None:
        return kind
    match = size_suffix(name)
    return layers.lookup(match[0]) if match else None


@record(frozen=True)
class Resolved:
    """A call resolved to a layer kind: its options (defaults applied) and
    the explicit activation, if the spec gave one (`act=...`)."""

    kind: Kind
    opts: Mapping[str, Any]
    act: Act | None
    act_given: bool


@record(frozen=True)
class DefaultRule:
    """One option default from `act`, `pad` or `default` statements: `kinds`
    as written (empty: every kind that takes the file-wide defaults), the
    option `key` as written and `name`, the option it names in the first kind
    that has it, and its value."""

    kinds: tuple[str, ...]
    key: str
    name: str
    value: Any
    span: Span

    def sets(self, kind: Kind, option: str) -> bool:
        """Whether this rule sets `kind`'s option `option`. Each named kind reads
        the key as its own option (`default conv dropout p=0`: conv's pad and
        dropout's probability); a file-wide default sets the kinds that take it."""
        if self.kinds:
            found = kind.option(self.key) if kind.name in self.kinds else None
            return found is not None and found.name == option
        return self.name == option and option in kind.defaults


# ---- a file's defaults ----------------------------------------------------------------


def file_defaults(ctx: Context, scope: Scope) -> list[DefaultRule]:
    """The defaults of `scope`'s file, worked out (and reported) once."""
    key = ("defaults", id(scope))
    cache = ctx.run.cache
    if key not in cache:
        home = Context(ctx.run, file_env(ctx.run, scope), scope)
        cache[key] = _defaults(home, scope.module)
    return cache[key]


def _defaults(ctx: Context, module: ir.Module) -> list[DefaultRule]:
    rules: list[DefaultRule] = []
    seen: dict[tuple[tuple[str, ...], str], Span] = {}
    for statement in module.defaults:
        kinds = _kind_names(ctx, statement)
        for option in statement.options:
            options = _options_named(ctx, option, kinds)
            if not options:
                continue
            name = options[0].name
            if (kinds, name) in seen:
                ctx.error("E208", f"the default for '{name}' is set twice", option.span,
                          f"first set at line {seen[(kinds, name)].line}")
                continue
            seen[(kinds, name)] = option.span
            value = _eval(ctx, option.value, symbols=any(o.symbolic for o in options))
            rules.append(DefaultRule(kinds, option.key, name, value, option.span))
    return rules


def _kind_names(ctx: Context, statement: ir.Default) -> tuple[str, ...]:
    names: list[str] = []
    for name in statement.kinds:
        kind = layers.lookup(name)
        if kind is None:
            ctx.error("E201", f"unknown layer '{name}'", statement.span, suggest(name.lower(), layers.BY_NAME))
        elif kind.name not in names:
            names.append(kind.name)
    return tuple(names)


def _options_named(ctx: Context, option: ir.Option, kinds: tuple[str, ...]) -> list[Option]:
    """The options a default's key names, in the order of the kinds (as written,
    or the table's order when none is written)."""
    scope = [layers.BY_NAME[k] for k in kinds] if kinds else [k for k in layers.KINDS if k.defaults]
    found = [k.option(option.key) for k in scope if k.option(option.key)]
    if not found:
        keys = {key for k in scope for key in k.option_index}
        ctx.error("E202", f"no layer here takes the option '{option.key}'", option.span, suggest(option.key, keys))
    return found  # type: ignore[return-value]


def _eval(ctx: Context, expr: ir.Expr, symbols: bool = False) -> Any:
    try:
        return evaluate(expr, ctx.env, symbols)
    except EvalError as error:
        ctx.error(error.code, error.message, error.span, error.hint)
        return None


def value_of(ctx: Context, expr: ir.Expr, symbols: bool = False) -> Any:
    """An expression's value in the context's parameters; None (reported) if it has none."""
    return _eval(ctx, expr, symbols)


def default_for(ctx: Context, kind: Kind, option: Option) -> DefaultRule | None:
    """The last default of the context's file that sets `option` of `kind`."""
    return _last_rule(ctx, kind, option.name)


def _last_rule(ctx: Context, kind: Kind, option: str) -> DefaultRule | None:
    rules = file_defaults(ctx, ctx.scope)
    return next((r for r in reversed(rules) if r.sets(kind, option)), None)


def default_act(ctx: Context, kind: Kind) -> Act | None:
    """The activation the file's defaults give `kind` (after its layer), if any."""
    return _quiet_act(_last_rule(ctx, kind, "act"))


def file_act(ctx: Context) -> Act | None:
    """The file's own activation, from its `act` statement: what follows a residual sum."""
    rules = file_defaults(ctx, ctx.scope)
    return _quiet_act(next((r for r in reversed(rules) if not r.kinds and r.key == "act"), None))


def _quiet_act(rule: DefaultRule | None) -> Act | None:
    if rule is None:
        return None
    try:
        return activation(rule.value)
    except OptionError:
        return None  # reported once, where the default is resolved


# ---- a call -------------------------------------------------------------------------------


def resolve(ctx: Context, call: ir.Call) -> Resolved | None:
    """The kind and options of a layer call, or None (reported)."""
    key = ("resolve", id(call), id(ctx.scope), ctx.env_key)
    cache = ctx.run.cache
    if key not in cache:
        cache[key] = _resolve(ctx, call)
    return cache[key]


def _resolve(ctx: Context, call: ir.Call) -> Resolved | None:
    kind, size = _kind(ctx, call)
    if kind is None:
        return None
    given = _given(ctx, call, kind, size)
    if given is None:
        return None
    opts: dict[str, Any] = {}
    ok = True
    for option in kind.options:
        ok &= _option(ctx, call, kind, option, given, opts)
    if not ok:
        return None
    act = opts.pop("act", None) if "act" in opts else None
    return Resolved(kind, opts, act, "act" in given)


def _kind(ctx: Context, call: ir.Call) -> tuple[Kind | None, Any]:
    kind = layers.lookup(call.name)
    if kind is not None:
        return kind, None
    match = size_suffix(call.name)
    if match and (kind := layers.lookup(match[0])) is not None and kind.size:
        digits = max(len(s) for s in match[1].split("x"))
        if digits > MAX_DIGITS:
            ctx.error("E306", f"a size of {digits:,} digits is too long (at most {MAX_DIGITS})", call.span)
            return None, None
        return kind, tuple(int(s) for s in match[1].split("x"))
    span = Span(call.span.line, call.span.col, call.span.line, call.span.col + len(call.name),
                call.span.start, call.span.start + len(call.name))
    blocks = ctx.scope.blocks
    from .. import aliases  # here: only an unknown name needs the frameworks' words (start-up, issue 11)

    if call.args or call.kwargs:
        hint = (framework_hint(ctx, call) or aliases.layer_hint(call.name) or suggest(call.name, blocks)
                or suggest(call.name.lower(), layers.BY_NAME))
        ctx.error("E211", f"undefined block '{call.name}'", span, hint or blocks_hint(ctx.scope))
        return None, None
    head = match[0].lower() if match else call.name.lower()
    hint = aliases.layer_hint(call.name) or suggest(head, layers.BY_NAME)
    if hint and match and hint.startswith("did you mean"):
        hint = hint.replace("'?", f"{match[1]}'?")
    ctx.error("E201", f"unknown layer '{call.name}'", span, hint or suggest(call.name, blocks))
    return None, None


def framework_hint(ctx: Context, call: ir.Call) -> str | None:
    """`Conv2D(32, 3)`, `Linear(512, 10)`: a Keras or PyTorch layer call, and archlang's form of it."""
    from .. import aliases

    text = _text(ctx, call.span)
    form = aliases.translate(text)
    return f"{text} is {aliases.framework(text)}'s notation; archlang writes {form}" if form else None


@functools.lru_cache(maxsize=64)  # once per scope: a file may have thousands of blocks and of mistakes
def blocks_hint(scope: Scope) -> str:
    if scope.blocks:
        import heapq  # here: only a misspelt block needs it, and its import costs every check 1.3 ms

        names = heapq.nsmallest(8, scope.blocks)  # the first few in order, without sorting thousands
        more = f" and {len(scope.blocks) - 8:,} more" if len(scope.blocks) > 8 else ""
        return f"the blocks here are: {', '.join(names)}{more}"
    return "define it with def NAME(params) = ..., or import a file that does"


def _given(ctx: Context, call: ir.Call, kind: Kind, size: Any) -> dict[str, tuple[Any, Span, bool]] | None:
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
            ctx.error("E202", f"{kind.name} does not take {what}", call.span, _slot_hint(ctx, call, kind, what))
            ok = False
        else:
            given[slot] = (value, call.span if literal else value.span, literal)
    if len(call.args) > len(kind.positional):
        ctx.error("E202", f"{kind.name} takes at most {len(kind.positional)} positional "
                  f"argument{'s' * (len(kind.positional) != 1)}, got {len(call.args)}", call.span,
                  framework_hint(ctx, call))
        return None
    for name, arg in zip(kind.positional, call.args):
        channels = _channel_count(arg) if name == "eps" else None
        if channels is not None:  # BatchNorm2d(64): PyTorch's num_features, not an eps
            ctx.error("E308", f"{call.name}({channels}) would set {kind.name}'s eps to {channels}", arg.span,
                      f"PyTorch's first argument is the channels; {kind.name} takes them from the layer before: "
                      f"write {kind.name} (an eps is written {kind.name}(1e-5))")
            ok = False
            continue
        ok &= _give(ctx, given, kind, name, arg, arg.span)
    for option in (*call.kwargs, *call.options):
        spec = kind.option(option.key)
        if spec is None:
            from .. import aliases

            keys = kind.option_index.keys()
            ctx.error("E202", f"{kind.name} has no option '{option.key}'", option.span,
                      aliases.option_hint(option.key, _text(ctx, option.value.span)) or suggest(option.key, keys)
                      or f"its options are: {', '.join(o.name for o in kind.options)}")
            ok = False
        else:
            ok &= _give(ctx, given, kind, spec.name, option.value, option.span)
    return given if ok else None


def _channel_count(arg: ir.Expr) -> int | None:
    """A whole number of at least 1 written where an eps goes: a channel count, not an eps."""
    value = arg.value if isinstance(arg, ir.Number) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def _slot_hint(ctx: Context, call: ir.Call, kind: Kind, what: str) -> str | None:
    """`pool3-2`: a pool has no count; its stride follows '/' (`pool3/2`)."""
    if what != "a count (-N)" or kind.stride is None or call.count is None or call.stride is not None:
        return None
    return f"{kind.name} takes a stride after '/': {call.name}/{_text(ctx, call.count.span)}"


def _text(ctx: Context, span: Span) -> str:
    """The source text a span covers."""
    return ctx.source.covered(span)


def _give(ctx: Context, given: dict[str, Any], kind: Kind, name: str, value: Any, span: Span) -> bool:
    if name in given:
        ctx.error("E204", f"{kind.name}: option '{name}' is given twice", span)
        return False
    given[name] = (value, span, False)
    return True


def _option(ctx: Context, call: ir.Call, kind: Kind, option: Option, given: dict[str, Any],
            opts: dict[str, Any]) -> bool:
    if option.name in given:
        raw, span, literal = given[option.name]
        value = raw if literal else _eval(ctx, raw, symbols=option.symbolic)
        if value is None:
            return False
    else:
        rule = default_for(ctx, kind, option)
        if rule is None:
            if option.required:
                ctx.error("E309", _missing(kind, option), call.span, _missing_hint(kind, option))
                return False
            opts[option.name] = option.default
            return True
        value, span = rule.value, rule.span
    return _convert(ctx, kind, option, value, span, opts)


def _convert(ctx: Context, kind: Kind, option: Option, value: Any, span: Span, opts: dict[str, Any]) -> bool:
    try:
        if option.name == "act":
            opts["act"] = activation(value)
        else:
            opts[option.name] = option.convert(value, f"{kind.name}'s {option.name}")
    except (OptionError, EvalError) as error:
        ctx.error(error.code, str(error), getattr(error, "span", span), getattr(error, "hint", None))
        return False
    return True


def activation(value: Any) -> Act | None:
    """An `act=` value (a name, or a name with arguments) as a kind and its
    options; None for `none`. OptionError when it names no activation."""
    name, args = value if isinstance(value, tuple) else (value, ())
    if name in ("none", False):
        return None
    kind = layers.ACTIVATIONS.get(str(name).lower())
    if kind is None:
        names = ", ".join(sorted({k.name for k in layers.ACTIVATIONS.values()}))
        raise OptionError("E308", f"'{layers.describe(name)}' is not an activation (one of: none, {names})",
                          suggest(str(name).lower(), layers.ACTIVATIONS))
    if len(args) > len(kind.positional):
        raise OptionError("E308", f"{kind.name} takes at most {len(kind.positional)} arguments")
    given = dict(zip(kind.positional, args))
    return kind, {o.name: o.convert(given.get(o.name, o.default), f"{kind.name}'s {o.name}") for o in kind.options}


def _missing(kind: Kind, option: Option) -> str:
    if option.name == kind.count:
        return f"{kind.name} needs its {option.help or option.name}"
    return f"{kind.name} needs the option '{option.name}'"


def _missing_hint(kind: Kind, option: Option) -> str:
    if kind is layers.CONV:
        return "write conv3-64 for 64 filters of 3x3"
    if option.name == kind.count:
        return f"write {kind.name}-N"
    if option.name == kind.size:
        return f"write the size after the name, as in {kind.name}3"
    return f"write {option.name}=..."
