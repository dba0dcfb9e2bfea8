"""Syntax: source text to IR. The only module that imports lark.

The grammar lives in `grammars/archlang.lark` and ships inside the package. We
parse with Lark's LALR parser (cached between runs, so `archc check` starts
fast), fold line breaks that merely continue a line in a small post-lexer, and
turn the tree into `ir` dataclasses with a Transformer that reads positions
from `meta`. Parse errors become located diagnostics with names for the common
mistakes (an unclosed bracket, a missing repeat count); Lark types never leave
this module.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from . import grammars, ir
from .diagnostics import ArchError, Collector
from .source import Source, Span

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {v: k for k, v in OPENERS.items()}
# A line break right after these continues the line.
OPEN_LINE = {",", "->", "→", "(", "[", "{", "|"}
#: Deepest bracket nesting accepted: far past any real network, well inside
#: Python's recursion limit for the stages that walk the tree.
MAX_DEPTH = 100
#: Most digits a number literal may have: far past any size (sizes stop at
#: 2**31 - 1), well inside the 4,300 digits Python turns into an int.
MAX_DIGITS = 100
_BRACKETS_AND_SKIPS = re.compile(r'[()\[\]{}#"]')
_NOT_TEXT = re.compile("[\x00\ufffd\ud800-\udfff]")


class _FoldLineBreaks:
    """Post-lexer: drop line breaks that only continue a line and fold runs of
    them into one. It never looks ahead: the contextual lexer lexes each token
    in the parser state the previous one left."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        previous = "\n"
        for token in stream:
            is_break = token.type == "_NL"
            if is_break and (previous == "\n" or previous in OPEN_LINE):
                continue
            previous = "\n" if is_break else token.value
            yield token


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    # The file beside the package's __init__, not importlib.resources: that import
    # alone costs `archc check` 7 ms of its ~130 ms start. archlang installs unzipped.
    grammar = Path(grammars.__file__).with_name("archlang.lark").read_text("utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        postlex=_FoldLineBreaks(),
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )


def _span(meta: object) -> Span:
    return Span(meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)  # type: ignore[attr-defined]


def _token_span(token: Token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column, token.start_pos, token.end_pos)


@v_args(meta=True)
class _ToIR(Transformer):
    """Lark tree -> ir nodes. One method per grammar rule. Problems found
    here (a number too long) go to `out`."""

    def __init__(self, out: Collector):
        super().__init__()
        self.out = out
        # v_args wraps a rule method anew at every lookup (functools.update_wrapper
        # each time, a tenth of parsing a long spec): bind each one once.
        for name, member in vars(type(self)).items():
            if not name.startswith("_") and callable(member):
                setattr(self, name, getattr(self, name))

    def _whole(self, digits: str, span: Span) -> int:
        if len(digits) > MAX_DIGITS:
            self.out.error("E306", f"a number of {len(digits):,} digits is too long (at most {MAX_DIGITS})", span)
            return 0
        return int(digits)

    # ---- expressions
    def int_(self, meta, children):
        return ir.Number(self._whole(str(children[0]), _token_span(children[0])), _token_span(children[0]))

    def float_(self, meta, children):
        return ir.Number(float(children[0]), _token_span(children[0]))

    def true(self, meta, children):
        return ir.Number(True, _span(meta))

    def false(self, meta, children):
        return ir.Number(False, _span(meta))

    def name(self, meta, children):
        return ir.Name(str(children[0]), _token_span(children[0]))

    def neg(self, meta, children):
        return ir.Unary("-", children[0], _span(meta))

    def not_(self, meta, children):
        return ir.Unary("not", children[0], _span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return ir.Binary(str(op), left, right, _span(meta))

    def _binary(op: str):  # type: ignore[misc]
        def build(self, meta, children):
            left, right = children
            return ir.Binary(op, left, right, _span(meta))

        return build

    add, sub, mul, div = _binary("+"), _binary("-"), _binary("*"), _binary("/")
    floordiv, mod, and_, or_ = _binary("//"), _binary("%"), _binary("and"), _binary("or")

    def activation(self, meta, children):
        name, arguments = children
        args = tuple(a for a in arguments if not isinstance(a, ir.Option))
        return ir.Activation(str(name), args, _span(meta))

    # ---- calls and structure
    def arguments(self, meta, children):
        return list(children)

    def option(self, meta, children):
        key, value = children
        return ir.Option(str(key), value, _span(meta))

    def count(self, meta, children):
        return ("count", children[0])

    def stride(self, meta, children):
        return ("stride", children[0])

    def call(self, meta, children):
        name, *rest = children
        fields: dict[str, object] = {"args": (), "kwargs": (), "options": []}
        for part in rest:
            if isinstance(part, list):
                fields["args"] = tuple(a for a in part if not isinstance(a, ir.Option))
                fields["kwargs"] = tuple(a for a in part if isinstance(a, ir.Option))
            elif isinstance(part, tuple):
                fields[part[0]] = part[1]
            else:
                fields["options"].append(part)  # type: ignore[union-attr]
        fields["options"] = tuple(fields["options"])  # type: ignore[arg-type]
        return ir.Call(str(name), span=_span(meta), **fields)  # type: ignore[arg-type]

    def group(self, meta, children):
        return children[0]

    def body(self, meta, children):
        return ir.Seq(tuple(children), span=_span(meta))

    line = body

    def concat(self, meta, children):
        paths = tuple(c for c in children if isinstance(c, ir.Seq))
        options = tuple(c for c in children if isinstance(c, ir.Option))
        return ir.Concat(paths, options, None, _span(meta))

    def residual(self, meta, children):
        options = tuple(c for c in children[1:] if isinstance(c, ir.Option))
        return ir.Residual(children[0], options, None, _span(meta))

    def side(self, meta, children):
        return ir.Side(children[0], _span(meta))

    def labelled(self, meta, children):
        label, node = children
        return _relabel(node, str(label), _span(meta))

    def repeat(self, meta, children):
        body, count = children
        return ir.Repeat(body, count, _span(meta))

    def cond(self, meta, children):
        body, test = children
        return ir.Cond(body, test, _span(meta))

    # ---- statements
    def param(self, meta, children):
        default = children[1] if len(children) > 1 else None
        return ir.Param(str(children[0]), default, _span(meta))

    def param_list(self, meta, children):
        return tuple(children)

    def network(self, meta, children):
        params = children[1] if len(children) > 1 else ()
        return ir.NetworkDecl(str(children[0]), params, _span(meta))

    def input_stmt(self, meta, children):
        text = str(children[0])
        channels, _, rest = text.partition("@")
        dims = tuple(self._whole(d, _span(meta)) for d in [channels, *(rest.split("x") if rest else ())])
        return ir.InputDecl(dims, _span(meta))

    def act_stmt(self, meta, children):
        return ir.Default((), (ir.Option("act", children[0], _span(meta)),), "act", _span(meta))

    def pad_stmt(self, meta, children):
        return ir.Default((), (ir.Option("pad", children[0], _span(meta)),), "pad", _span(meta))

    def default_stmt(self, meta, children):
        kinds = tuple(str(c) for c in children if isinstance(c, Token))
        options = tuple(c for c in children if isinstance(c, ir.Option))
        return ir.Default(kinds, options, "default", _span(meta))

    def def_stmt(self, meta, children):
        name, params, body = children
        return ir.Def(str(name), params, body, _span(meta))

    def import_stmt(self, meta, children):
        target = children[0]
        if target.type == "STRING":
            return ir.Import(str(target)[1:-1], False, _span(meta))
        return ir.Import(str(target), True, _span(meta))


def _relabel(node: ir.Node, label: str, span: Span) -> ir.Node:
    return dataclasses.replace(node, label=label, span=span)  # type: ignore[type-var]


def _module(source: Source, statements: list[object]) -> ir.Module:
    """Sort a file's statements by kind; join its lines of layers into one body."""
    by_kind: dict[type, list[object]] = {}
    items: list[ir.Node] = []
    for statement in statements:
        if isinstance(statement, ir.Seq):
            items.extend(statement.items)
        else:
            by_kind.setdefault(type(statement), []).append(statement)
    span = items[0].span if items else Span(1, 1, 1, 1)
    return ir.Module(
        source=source,
        networks=tuple(by_kind.get(ir.NetworkDecl, ())),  # type: ignore[arg-type]
        inputs=tuple(by_kind.get(ir.InputDecl, ())),  # type: ignore[arg-type]
        defaults=tuple(by_kind.get(ir.Default, ())),  # type: ignore[arg-type]
        defs=tuple(by_kind.get(ir.Def, ())),  # type: ignore[arg-type]
        imports=tuple(by_kind.get(ir.Import, ())),  # type: ignore[arg-type]
        body=ir.Seq(tuple(items), span=span),
    )


# ---- errors -------------------------------------------------------------------


def _check_text(source: Source, out: Collector) -> bool:
    """Refuse what is not text before Lark sees it: a NUL, an undecodable byte
    (read as U+FFFD), or a lone surrogate (only a str handed to the API has one)."""
    bad = _NOT_TEXT.search(source.text)
    if bad:
        out.error("E107", "this is not a text file (it holds a NUL or undecodable byte)", source.span_at(bad.start()))
        return False
    return True


def _check_brackets(source: Source, out: Collector, max_depth: int = MAX_DEPTH) -> bool:
    """Match brackets first: 'unclosed [' at the bracket beats 'unexpected end'."""
    stack: list[tuple[str, int]] = []
    text = source.text
    i = 0
    # From one character that matters to the next: a megabyte-long token costs one regex search.
    while (match := _BRACKETS_AND_SKIPS.search(text, i)) is not None:
        i = match.start()
        ch = text[i]
        if ch == "#":
            i = text.find("\n", i)
            if i < 0:
                break
        elif ch == '"':
            end = text.find('"', i + 1)
            i = end if end >= 0 else len(text)
        elif ch in OPENERS:
            stack.append((ch, i))
            if len(stack) > max_depth:
                out.error("E109", f"brackets nest more than {max_depth} deep", source.span_at(i),
                          "a deep stack of layers is written with a repeat, as in [conv3-64]*200; "
                          "or raise the limit (--max-depth, max_depth=)")
                return False
        elif ch in CLOSERS:
            if not stack or stack[-1][0] != CLOSERS[ch]:
                _unmatched(source, out, ch, i, stack)
                return False
            stack.pop()
        i += 1
    for ch, offset in stack[:1]:
        out.error("E103", f"'{ch}' is never closed", source.span_at(offset), f"add '{OPENERS[ch]}' where the group ends")
    return not stack


def _unmatched(source: Source, out: Collector, ch: str, offset: int, stack: list[tuple[str, int]]) -> None:
    if stack:
        opener, at = stack[-1]
        where = source.span_at(at)
        hint = f"'{opener}' at line {where.line}, column {where.col} is closed by '{OPENERS[opener]}'"
        out.error("E104", f"'{ch}' does not match the open '{opener}'", source.span_at(offset), hint)
    else:
        out.error("E104", f"'{ch}' closes nothing", source.span_at(offset), "remove it, or open the group before")


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    if token.type == "_NL":
        return "a line break"
    return f"'{token.value}'"


def _expected(expected: set[str]) -> str:
    names = {
        "NAME": "a name", "INT": "a number", "FLOAT": "a number", "SHAPE": "a shape such as 3@224x224",
        "STRING": 'a quoted path', "LSQB": "'['", "LPAR": "'('", "RPAR": "')'", "RSQB": "']'",
        "EQUAL": "'='", "COMMA": "','", "STAR": "'*'", "_NL": "a line break",
    }
    words = sorted({names.get(e, "") for e in expected} - {""})
    return ", ".join(words[:5]) if words else "something else"


def _code_before(text: str) -> str:
    """The text before a bad token, less a trailing comment and blanks."""
    head, newline, last = text.rpartition("\n")
    return (head + newline + last.partition("#")[0]).rstrip(" \t\r")


def _report_parse_error(source: Source, error: UnexpectedInput, out: Collector) -> None:
    if isinstance(error, UnexpectedCharacters):
        char = source.text[error.pos_in_stream]
        out.error("E101", f"unexpected character {char!r}", source.span_at(error.pos_in_stream))
        return
    assert isinstance(error, UnexpectedToken)
    token = error.token
    span = source.end_span if token.type == "$END" else _token_span(token)
    # At the end of the file `span` is the last character, which comes before the token.
    before = _code_before(source.text[: span.end if token.type == "$END" else span.start])
    previous = source.span_at(len(before) - 1)
    if before.endswith("*"):
        out.error("E105", "'*' needs a repeat count", previous, "write the count after '*', as in [conv3-64]*2")
    elif before.endswith("=") and not before.endswith("=="):
        out.error("E108", "option has no value", previous, "write key=value, as in p=1")
    elif "EQUAL" in error.expected and token.type != "_NL":
        hint = "an option is written key=value; two layers need ',' or '->' between them"
        out.error("E102", f"unexpected {_describe(token)}", span, hint)
    elif token.type == "$END":
        out.error("E106", "the file ends in the middle of a statement", span)
    else:
        out.error("E102", f"unexpected {_describe(token)}", span, f"expected {_expected(error.expected)}")


def parse(source: Source, max_depth: int = MAX_DEPTH) -> ir.Module:
    """Parse one source into an `ir.Module`; raise `ArchError` on syntax
    errors. Brackets may nest `max_depth` deep."""
    out = Collector(source)
    if not (_check_text(source, out) and _check_brackets(source, out, max_depth)):
        out.raise_if_errors()
    try:
        tree = _parser().parse(source.text)
    except UnexpectedInput as error:
        _report_parse_error(source, error, out)
        raise ArchError(out.items) from None
    try:
        statements = _ToIR(out).transform(tree).children
    except VisitError as error:
        # Lark wraps what a rule method raises (a RecursionError on a chain of
        # thousands of operators): pass on the error itself.
        raise error.orig_exc from None
    out.raise_if_errors()
    return _module(source, statements)
