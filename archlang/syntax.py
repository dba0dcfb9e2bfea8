"""Syntax: source text to IR. The only module that imports lark, and only to make tables.

The grammar lives in `grammars/archlang.lark` and ships inside the package.
Lark builds its LALR(1) tables and its contextual lexer once, when
`scripts/generate_parser.py` writes them into `_tables.py`; `lalr.py` runs
them, so a check imports no Lark and reads no cache. A small post-lexer folds
line breaks that merely continue a line, and a builder turns each reduction
into `ir` records with its span. Parse errors become located diagnostics
with names for the common mistakes (an unclosed bracket, a missing repeat
count), and the parse recovers after each, so every mistake is reported.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import ir, lalr
from .diagnostics import ArchError, Collector, Diagnostic
from .lalr import Token, UnexpectedInput
from .limits import DEFAULT, MAX_DIGITS
from .records import replace
from .source import Source, Span

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {v: k for k, v in OPENERS.items()}
# A line break right after these continues the line.
OPEN_LINE = {",", "->", "→", "(", "[", "{", "|"}
#: Deepest bracket nesting accepted by default (`Limits.max_depth`): far past any
#: real network, well inside Python's recursion limit for the stages that walk the tree.
MAX_DEPTH = DEFAULT.max_depth
_BRACKETS_AND_SKIPS = re.compile(r'[()\[\]{}#"]')
_NOT_TEXT = re.compile("[\x00\ufffd\ud800-\udfff]")


def fold_line_break(previous: str, token: Token) -> bool:
    """The post-lexer: drop a line break that only continues a line (after
    `,`, `->`, an opening bracket...) or follows another. `previous` is the
    last token kept ("\n" for a line break). It never looks ahead: the
    contextual lexer lexes each token in the parser state the previous one left."""
    return token.type == "_NL" and (previous == "\n" or previous in OPEN_LINE)


class _FoldLineBreaks:
    """The same post-lexer in Lark's form, for the Lark parser the tables are made from."""

    always_accept = ("_NL",)

    def process(self, stream: Any) -> Any:
        previous = "\n"
        for token in stream:
            if fold_line_break(previous, token):
                continue
            previous = "\n" if token.type == "_NL" else token.value
            yield token


#: The options the Lark parser is built with; the tables are theirs.
_OPTIONS = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True, "maybe_placeholders": False}


def grammar_text() -> str:
    """The grammar: `archlang/grammars/` in an installed package, `grammars/` in a checkout."""
    # The file beside the package's __init__, not importlib.resources: that import
    # alone costs `archc check` 7 ms of its start. archlang installs unzipped.
    here = Path(__file__).resolve().parent
    for folder in (here / "grammars", here.parent / "grammars"):
        if (folder / "archlang.lark").is_file():
            return (folder / "archlang.lark").read_text("utf-8")
    raise FileNotFoundError("archlang.lark is missing from the package")


def grammar_digest(text: str) -> str:
    import hashlib  # only scripts and tests compare digests

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_lark(grammar: str) -> Any:
    """Lark's own parser for the grammar (scripts and tests only: a check never builds it)."""
    from lark import Lark

    return Lark(grammar, postlex=_FoldLineBreaks(), **_OPTIONS)


def _lexer_tables(lexer: Any) -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
    """One of Lark's lexers as data: its terminals in the order it tries them,
    and its keyword rules (a NAME that is exactly `input` is the keyword)."""
    from lark.lexer import UnlessCallback

    scanner = lexer.scanner
    keywords = {name: {t.pattern.value: t.name for t in callback.scanner.terminals}
                for name, callback in lexer.callback.items() if isinstance(callback, UnlessCallback)}
    return tuple(t.name for t in scanner.terminals), keywords


def tables_source(grammar: str) -> str:
    """The text of `archlang/_tables.py`: the parse table, the rules and the
    contextual lexer Lark builds from the grammar, as Python literals, with
    the grammar's digest. It is written by `python scripts/generate_parser.py`
    and shipped in the package, so no run builds tables (0.2 s) or imports Lark."""
    lark = build_lark(grammar)
    table = lark.parser.parser._parse_table
    contextual = lark.parser.lexer.lexer
    rules = list(lark.rules)
    index = {id(rule): i for i, rule in enumerate(rules)}
    lexers: list[tuple[tuple[str, ...], dict[str, dict[str, str]]]] = []
    state_lexer: dict[int, int] = {}
    for state in sorted(table.states):
        entry = _lexer_tables(contextual.lexers[state])
        if entry not in lexers:
            lexers.append(entry)
        state_lexer[state] = lexers.index(entry)
    lexers.append(_lexer_tables(contextual.root_lexer))
    states = {state: {symbol: (0, arg) if action.name == "Shift" else (1, index[id(arg)])
                      for symbol, (action, arg) in sorted(actions.items())}
              for state, actions in sorted(table.states.items())}
    return "".join([
        '"""Generated by scripts/generate_parser.py from grammars/archlang.lark: do not edit.\n\n',
        "The LALR(1) tables and contextual lexer Lark builds for archlang's grammar, run\n",
        'by lalr.py. tests/test_parser_tables.py checks that they parse as Lark does."""\n\n',
        f"GRAMMAR_SHA256 = {grammar_digest(grammar)!r}\n",
        f"TERMINALS = {dict(sorted((t.name, t.pattern.to_regexp()) for t in lark.terminals))!r}\n",
        f"IGNORE = {tuple(sorted(lark.lexer_conf.ignore))!r}\n",
        f"ALWAYS_ACCEPT = {_FoldLineBreaks.always_accept!r}\n",
        f"LEXERS = {lexers!r}\n",
        f"ROOT_LEXER = {len(lexers) - 1!r}\n",
        f"STATE_LEXER = {state_lexer!r}\n",
        f"STATES = {states!r}\n",
        f"RULES = {[_rule(rule) for rule in rules]!r}\n",
        f"START = {table.start_states['start']!r}\n",
        f"END = {table.end_states['start']!r}\n",
    ])


def _rule(rule: Any) -> tuple[str, str, int, tuple[tuple[int, bool], ...], bool, bool]:
    """A rule as lalr.Rule takes it: what Lark's tree builder would do with its children."""
    options = rule.options
    keep = tuple((i, not sym.is_term and sym.name.startswith("_")) for i, sym in enumerate(rule.expansion)
                 if options.keep_all_tokens or not (sym.is_term and sym.filter_out))
    name = rule.alias or options.template_source or rule.origin.name
    return (str(rule.origin.name), str(name), len(rule.expansion), keep, rule.origin.name.startswith("_"),
            bool(options.expand1 and not rule.alias))


@functools.lru_cache(maxsize=1)
def _parser() -> lalr.Parser:
    """The parser, from the generated tables. No cache file is read or
    written: a pickle in a folder another user can write to would run their
    code (Lark's `cache=True` kept one in /tmp). That the tables were made
    from the grammar is checked by tests/test_parser_tables.py, not at every
    start (reading and hashing the grammar cost a check 3 ms)."""
    from . import _tables

    return lalr.Parser(_tables)


def parse_text(text: str, builder: Any, fold: Callable[[str, Token], bool] = fold_line_break) -> Any:
    """The start rule's value for `text` (UnexpectedInput on a syntax error);
    `fold` is the post-lexer, which sees every token (the formatter's records them)."""
    return _parser().parse(text, builder, fold)


def _parse_example(text: str) -> None:
    """Parse a mistake's example (mistakes.py learns the state it fails in)."""
    parse_text(text, _ToIR(Collector(None)))


def _span(meta: object) -> Span:
    return Span(meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)  # type: ignore[attr-defined]


def _token_span(token: Token) -> Span:
    # Tokens from the lexer always carry positions; Lark types them as optional.
    return Span(token.line or 0, token.column or 0, token.end_line or 0, token.end_column or 0,
                token.start_pos or 0, token.end_pos or 0)


class _ToIR:
    """Reductions -> ir nodes: one method per grammar rule, called with the
    rule's span (`meta`) and its children. Problems found here (a number too
    long) go to `out`."""

    def __init__(self, out: Collector):
        self.out = out

    def __default__(self, name: str, children: list[Any], meta: Any) -> Any:
        return children  # the start rule: the file's statements

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

    def apply(self, meta, children):
        name, arguments = children
        args = tuple(a for a in arguments if not isinstance(a, ir.Option))
        kwargs = tuple(a for a in arguments if isinstance(a, ir.Option))
        return ir.Apply(str(name), args, kwargs, _span(meta))

    def ifelse(self, meta, children):
        then, test, otherwise = children
        return ir.IfElse(test, then, otherwise, _span(meta))

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
                fields["options"].append(part)
        fields["options"] = tuple(fields["options"])
        return ir.Call(str(name), span=_span(meta), **fields)

    def group(self, meta, children):
        return children[0]

    def body(self, meta, children):
        return ir.Seq(tuple(children), span=_span(meta))

    line = body

    def identity(self, meta, children):
        return ir.Identity(_span(meta))

    def _branch(op: str):  # type: ignore[misc]
        def build(self, meta, children):
            paths = tuple(c for c in children if isinstance(c, (ir.Seq, ir.Identity)))
            options = tuple(c for c in children if isinstance(c, ir.Option))
            return ir.Branch(op, paths, options, None, _span(meta))

        return build

    concat, residual = _branch("|"), _branch("+")

    def gate(self, meta, children):
        options = tuple(c for c in children[1:] if isinstance(c, ir.Option))
        return ir.Branch("*", (ir.Identity(_span(meta)), children[0]), options, None, _span(meta))

    def side(self, meta, children):
        options = tuple(c for c in children[1:] if isinstance(c, ir.Option))
        return ir.Side(children[0], options, _span(meta))

    def labelled(self, meta, children):
        label, node = children
        return _relabel(node, str(label), _span(meta))

    def repeat(self, meta, children):
        body, count, *index = children
        return ir.Repeat(body, count, str(index[0]) if index else None, _span(meta))

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
        shape, *more = children
        text, span = str(shape), _span(meta)  # a number too long is reported at the statement
        channels, _, rest = text.partition("@")
        sizes = [channels, *(rest.split("x") if rest else ())]
        dims: list[ir.Expr] = [ir.Number(self._whole(d, span), span) for d in sizes]
        for kind, dim in more:
            if (kind == "@") != (len(dims) == 1):  # the channels come first, then @, then sizes joined by x
                self._bad_input(kind, dim.span, span)
            dims.append(dim)
        return ir.InputDecl(tuple(dims), _span(meta))

    def _bad_input(self, kind: str, at: Span, statement: Span) -> None:
        """`input 28x28`, `input 32x32x3`: named (mistakes.py), else the misplaced '@' or 'x'."""
        from . import mistakes  # here: only a syntax error needs the table of mistakes (start-up, issue 11)

        text = self.out.source.covered(statement) if self.out.source else ""
        named = mistakes.input_shape(text, statement)
        if named is not None:
            self.out.error(named.code, named.message, named.span, named.hint)
        else:
            self.out.error("E102", f"unexpected '{kind}' in the input's shape", at,
                           "write the input as C@HxW, e.g. input 3@(res)x(res)")

    def at_dim(self, meta, children):
        return ("@", children[0])

    def by_dim(self, meta, children):
        return ("x", children[0])

    def variant_stmt(self, meta, children):
        name, *options = children
        return ir.Variant(str(name), tuple(o for o in options if o is not None), _span(meta))

    def let_stmt(self, meta, children):
        name, *rest = children
        params = rest[0] if len(rest) == 2 else None
        return ir.Let(str(name), params, rest[-1], _span(meta))

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
    return replace(node, label=label, span=span)


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
        lets=tuple(by_kind.get(ir.Let, ())),  # type: ignore[arg-type]
        variants=tuple(by_kind.get(ir.Variant, ())),  # type: ignore[arg-type]
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


def _check_brackets(source: Source, out: Collector, max_depth: int = MAX_DEPTH, text: str | None = None) -> int | None:
    """Match brackets first: 'unclosed [' at the bracket beats 'unexpected end'.
    Returns None when they match, else the offset of the problem (reported),
    or -1 where nesting too deep makes the rest unreadable. `text` is the text
    to scan, when parts of the source have been blanked out after errors."""
    stack: list[tuple[str, int]] = []
    text = source.text if text is None else text
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
                          "or raise the limit (--max-depth, or limits=Limits(max_depth=...))")
                return -1
        elif ch in CLOSERS:
            if not stack or stack[-1][0] != CLOSERS[ch]:
                _unmatched(source, out, ch, i, stack)
                return i
            stack.pop()
        i += 1
    for ch, offset in stack[:1]:
        out.error("E103", f"'{ch}' is never closed", source.span_at(offset), f"add '{OPENERS[ch]}' where the group ends")
        return offset
    return None


def _unmatched(source: Source, out: Collector, ch: str, offset: int, stack: list[tuple[str, int]]) -> None:
    if stack:
        opener, at = stack[-1]
        where = source.span_at(at)
        hint = f"'{opener}' at line {where.line}, column {where.col} is closed by '{OPENERS[opener]}'"
        out.error("E104", f"'{ch}' does not match the open '{opener}'", source.span_at(offset), hint)
    else:
        out.error("E104", f"'{ch}' closes nothing", source.span_at(offset), "remove it, or open the group before")


#: Syntax errors reported in one file before archc stops looking for more.
MAX_SYNTAX_ERRORS = 50


def parse(source: Source, max_depth: int = MAX_DEPTH) -> ir.Module:
    """Parse one source into an `ir.Module`; raise `ArchError` with every
    syntax error. Brackets may nest `max_depth` deep."""
    module, diagnostics = parse_recovering(source, max_depth)
    if module is None or any(d.is_error for d in diagnostics):
        raise ArchError(diagnostics)
    return module


def parse_recovering(source: Source, max_depth: int = MAX_DEPTH) -> tuple[ir.Module | None, list[Diagnostic]]:
    """Parse one source, recovering from syntax errors: each error is
    reported, the statement it is in is blanked out (spaces, so every position
    stays where it was) and the rest is parsed again, so a file with three
    mistakes reports three. Returns the module of the statements that parse
    (None when nothing can be read: not text, brackets nested too deep) and
    the diagnostics."""
    out = Collector(source)
    if not _check_text(source, out):
        return None, out.items
    text = _balanced(source, out, max_depth)
    if text is None:
        return None, out.items
    statements = None
    for _ in range(MAX_SYNTAX_ERRORS):
        attempt = Collector(source)  # what the builder finds in a parse that then fails is not reported
        try:
            statements = parse_text(text, _ToIR(attempt))
            break
        except UnexpectedInput as error:
            from . import mistakes

            mistakes.report(source, error, out, text, _parse_example)
            blanked = _blank_statement(text, mistakes.error_offset(error, text))
            if blanked == text:
                return None, out.items
            text = blanked
    if statements is None:
        return None, out.items
    out.items += attempt.items
    return _module(source, statements), out.items


def _balanced(source: Source, out: Collector, max_depth: int) -> str | None:
    """The text with the lines of unmatched brackets blanked out (each reported), or None."""
    text = source.text
    for _ in range(MAX_SYNTAX_ERRORS):
        problem = _check_brackets(source, out, max_depth, text)
        if problem is None:
            return text
        blanked = _blank_line(text, problem) if problem >= 0 else text
        if blanked == text:
            return None
        text = blanked
    return None


def _blank(text: str, start: int, end: int) -> str:
    """`text` with [start, end) turned into spaces, its line breaks kept."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _blank_line(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return _blank(text, start, len(text) if end < 0 else end)


_STRUCTURE = re.compile(r'[()\[\]{}#\n]')


def _blank_statement(text: str, offset: int) -> str:
    """`text` with the top-level statement around `offset` blanked out: from
    the line break that ends the statement before it to the one that ends it
    (a break inside brackets, or after `,` `->` `(` and the like, continues).
    It jumps from one bracket, comment or line break to the next, so a long
    line costs one regex search, not a step per character."""
    start, end, depth, i, line_start, continues = 0, len(text), 0, 0, 0, False
    while (match := _STRUCTURE.search(text, i)) is not None:
        i, ch = match.start(), match.group()
        if ch == "#":
            stop = text.find("\n", i)
            i = len(text) if stop < 0 else stop
            continue
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(0, depth - 1)
        else:  # a line break: does the code of the line it ends continue the statement?
            code = text[line_start:i].split("#", 1)[0].rstrip()
            continues = code.endswith(("->", *OPEN_LINE)) if code else continues
            line_start = i + 1
            if depth == 0 and not continues:
                if i >= offset:
                    end = i
                    break
                start = i + 1
        i += 1
    return _blank(text, start, end)
