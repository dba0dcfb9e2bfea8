"""An LALR(1) parser that runs on tables: the grammar's, as Lark built them, generated into `_tables.py`.

Lark builds the parse table, the contextual lexer's terminal order for each
parser state and its keyword rules from grammars/archlang.lark once, when
scripts/generate_parser.py runs; this module only runs them, so `archc check`
does not import Lark at all (it cost a third of the start) and a long spec is
parsed without building Lark's tree first. It reproduces what Lark does with
these options (LALR, contextual lexer, propagated positions, no placeholders):
the same tokens, the same reductions, the same positions, the same errors;
tests/test_parser_tables.py checks that against Lark itself.

A reduction calls the builder's method named after the rule (its alias, or
its name) with the rule's span and its children, as a Lark transformer with
`v_args(meta=True)` is called; rules whose names start with `_` are spliced
into their parent, and `?rule`s with one child pass the child on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from .records import record

#: Tokens a lexer lexes term by term before its terminals are compiled into one alternation.
COMPILE_AFTER = 200

SHIFT, REDUCE = 0, 1


class Token(str):
    """A token: its text, its terminal's name (`type`), and where it is (1-based lines and columns)."""

    __slots__ = ("column", "end_column", "end_line", "end_pos", "line", "start_pos", "type")
    type: str
    start_pos: int
    line: int
    column: int
    end_pos: int
    end_line: int
    end_column: int

    def __new__(cls, type_: str, value: str, start_pos: int, line: int, column: int, end_pos: int,  # noqa: PYI034
                end_line: int, end_column: int) -> Token:
        self = super().__new__(cls, value)
        self.type, self.start_pos, self.line, self.column = type_, start_pos, line, column
        self.end_pos, self.end_line, self.end_column = end_pos, end_line, end_column
        return self

    @property
    def value(self) -> str:
        return str(self)


@record
class Meta:
    """Where a reduced rule stands: from its first positioned child to its last."""

    line: int = 0
    column: int = 0
    start_pos: int = 0
    end_line: int = 0
    end_column: int = 0
    end_pos: int = 0
    empty: bool = True


class UnexpectedInput(Exception):
    """The parse stopped: `line`, `column` where."""

    line: int
    column: int


class UnexpectedCharacters(UnexpectedInput):
    """No terminal matches the text at `pos_in_stream`; `allowed` are the terminals the state takes."""

    def __init__(self, pos: int, line: int, column: int, allowed: set[str]):
        super().__init__(f"unexpected character at line {line}, column {column}")
        self.pos_in_stream, self.line, self.column, self.allowed = pos, line, column, allowed


class UnexpectedToken(UnexpectedInput):
    """A token the parser cannot take here; `expected` are the terminals it can,
    `state` the parser state it met (as Lark's, what `match_examples` compares)."""

    def __init__(self, token: Token, expected: set[str], state: int = -1):
        super().__init__(f"unexpected {token.type} at line {token.line}, column {token.column}")
        self.token, self.expected, self.line, self.column = token, expected, token.line, token.column
        self.state = state


@record(frozen=True)
class Rule:
    """A grammar rule as the builder sees it: the symbol it makes (`origin`),
    its callback's name, how many symbols it pops, which children it keeps
    (index, spliced), and whether it is spliced itself or passes a single
    child on."""

    origin: str
    name: str
    size: int
    keep: tuple[tuple[int, bool], ...]
    inline: bool
    expand1: bool


_EMPTY = Meta()


class _Spliced(list[Any]):
    """The children of a `_rule`, to be spliced into its parent's."""

    __slots__ = ()


def literal(pattern: str) -> str | None:
    """The string a regular expression matches when it matches one string only
    (`act`, `\\-`, `@`), or None (a pattern with classes, groups or repeats)."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 == len(pattern) or pattern[i + 1].isalnum():  # \d, \n, ... are classes or escapes
                return None
            out.append(pattern[i + 1])
            i += 2
        elif char in ".^$*+?{}[]|()":
            return None
        else:
            out.append(char)
            i += 1
    return "".join(out) or None


# A stack entry: a value and the span of text it covers (None where it covers none).
_Entry = tuple[Any, tuple[int, int, int] | None, tuple[int, int, int] | None]


class Parser:
    """Runs the generated tables: `parse(text, builder, fold)` returns the
    start rule's value, or raises UnexpectedToken / UnexpectedCharacters.
    `fold(previous, token)` says whether to drop a line break (the post-lexer)."""

    def __init__(self, tables: Any):
        self.terminals: dict[str, str] = tables.TERMINALS  # name -> regex
        self.lexers: list[tuple[tuple[str, ...], dict[str, dict[str, str]]]] = tables.LEXERS
        self.root_lexer: int = tables.ROOT_LEXER
        self.state_lexer: dict[int, int] = tables.STATE_LEXER
        self.states: dict[int, dict[str, tuple[int, int]]] = tables.STATES
        self.rules = [Rule(*r) for r in tables.RULES]
        self.start, self.end = tables.START, tables.END
        self.ignore: frozenset[str] = frozenset(tables.IGNORE)
        self.always: frozenset[str] = frozenset(tables.ALWAYS_ACCEPT)
        self._compiled: dict[int, re.Pattern[str]] = {}
        self._terminal_patterns: dict[str, re.Pattern[str]] = {}
        # Most terminals are fixed strings (keywords, punctuation): matched by startswith, never compiled.
        self._literals = {name: text for name, pattern in self.terminals.items() if (text := literal(pattern))}
        self._lexed: dict[int, int] = {}  # tokens lexed in each lexer before its alternation is compiled

    # ---- the lexer
    def _regex(self, lexer: int) -> re.Pattern[str]:
        compiled = self._compiled.get(lexer)
        if compiled is None:
            order = self.lexers[lexer][0]
            compiled = re.compile("|".join(f"(?P<{name}>{self.terminals[name]})" for name in order))
            self._compiled[lexer] = compiled
        return compiled

    def _first_match(self, lexer: int, text: str, pos: int) -> tuple[str, str] | None:
        """The first terminal of the lexer that matches at `pos`, and its text.

        A lexer's alternation of all its terminals is the fast way once it is
        compiled, but compiling the ones a small spec meets is most of its
        parse (3.5 ms of 4, against a whole `archc check` of about 80): so a
        lexer tries its terminals one by one (each compiled once, small) until
        it has lexed COMPILE_AFTER tokens. Both pick the first terminal in
        order that matches, as an alternation does."""
        compiled = self._compiled.get(lexer)
        if compiled is None:
            lexed = self._lexed[lexer] = self._lexed.get(lexer, 0) + 1
            if lexed <= COMPILE_AFTER:
                return self._first_terminal(lexer, text, pos)
            compiled = self._regex(lexer)
        match = compiled.match(text, pos)
        if match is None:
            return None
        assert match.lastgroup is not None
        return match.group(0), match.lastgroup

    def _first_terminal(self, lexer: int, text: str, pos: int) -> tuple[str, str] | None:
        for name in self.lexers[lexer][0]:
            fixed = self._literals.get(name)
            if fixed is not None:
                if text.startswith(fixed, pos):
                    return fixed, name
                continue
            pattern = self._terminal_patterns.get(name)
            if pattern is None:
                pattern = self._terminal_patterns[name] = re.compile(self.terminals[name])
            match = pattern.match(text, pos)
            if match is not None:
                return match.group(0), name
        return None

    def _match(self, lexer: int, text: str, pos: int) -> tuple[str, str] | None:
        found = self._first_match(lexer, text, pos)
        if found is None:
            return None
        value, kind = found
        keyword = self.lexers[lexer][1].get(kind)
        return value, (keyword.get(value, kind) if keyword else kind)

    def tokens(self, text: str, state: Callable[[], int]) -> Iterator[Token]:
        """The tokens of `text`, each lexed in the parser state it will meet."""
        pos, line, line_start = 0, 1, 0
        while pos < len(text):
            lexer = self.state_lexer[state()]
            found = self._match(lexer, text, pos)
            if found is None:
                self._fail(lexer, text, pos, line, pos - line_start + 1, state())
            value, kind = found  # type: ignore[misc]
            start, start_line, column = pos, line, pos - line_start + 1
            pos += len(value)
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = start + value.rindex("\n") + 1
            if kind not in self.ignore:
                yield Token(kind, value, start, start_line, column, pos, line, pos - line_start + 1)

    def _fail(self, lexer: int, text: str, pos: int, line: int, column: int, state: int) -> None:
        """Lark's contextual lexer: what no terminal of the state matches may
        still be a token of the language (then the error names it)."""
        allowed = set(self.lexers[lexer][0]) - self.ignore
        found = self._match(self.root_lexer, text, pos)
        if found is not None and found[1] not in self.ignore:
            value, kind = found
            end = pos + len(value)
            raise UnexpectedToken(Token(kind, value, pos, line, column, end, line, column + len(value)), allowed, state)
        raise UnexpectedCharacters(pos, line, column, allowed)

    # ---- the parser
    def parse(self, text: str, builder: Any, fold: Callable[[str, Token], bool]) -> Any:
        states: list[int] = [self.start]
        values: list[_Entry] = []
        previous = "\n"
        last: Token | None = None
        for token in self.tokens(text, lambda: states[-1]):
            if fold(previous, token):
                continue
            previous = "\n" if token.type == "_NL" else str(token)
            self._feed(token, states, values, builder)
            last = token
        end = Token("$END", "", 0, 1, 1, 0, 1, 1)
        if last is not None:  # as Lark's, the end token stands where the last token does
            end = Token("$END", "", last.start_pos, last.line, last.column, last.end_pos, last.end_line, last.end_column)
        return self._finish(end, states, values, builder)

    def _action(self, state: int, token: Token) -> tuple[int, int]:
        try:
            return self.states[state][token.type]
        except KeyError:
            raise UnexpectedToken(token, {s for s in self.states[state] if s.isupper()}, state) from None

    def _feed(self, token: Token, states: list[int], values: list[_Entry], builder: Any) -> None:
        while True:
            action, arg = self._action(states[-1], token)
            if action == SHIFT:
                states.append(arg)
                values.append((token, (token.start_pos, token.line, token.column),
                               (token.end_pos, token.end_line, token.end_column)))
                return
            self._reduce(self.rules[arg], states, values, builder)

    def _finish(self, end: Token, states: list[int], values: list[_Entry], builder: Any) -> Any:
        while True:
            action, arg = self._action(states[-1], end)
            assert action == REDUCE, "the end of the input is never shifted"
            self._reduce(self.rules[arg], states, values, builder)
            if states[-1] == self.end:
                return values[-1][0]

    def _reduce(self, rule: Rule, states: list[int], values: list[_Entry], builder: Any) -> None:
        size = rule.size
        if size:
            entries = values[-size:]
            del states[-size:], values[-size:]
        else:
            entries = []
        start = end = None
        for entry in entries:
            if entry[1] is not None:
                start = entry[1]
                break
        for entry in reversed(entries):
            if entry[2] is not None:
                end = entry[2]
                break
        children: list[Any] = []
        for index, splice in rule.keep:
            value = entries[index][0]
            if not splice:
                children.append(value)
            elif children:
                children += value
            else:  # a left-recursive list goes on growing in place, as in Lark
                children = value
        if rule.inline:
            value = children if isinstance(children, _Spliced) else _Spliced(children)
        elif rule.expand1 and len(children) == 1:
            value = children[0]
        else:
            meta = _EMPTY if start is None or end is None else Meta(start[1], start[2], start[0], end[1], end[2],
                                                                     end[0], False)
            method = getattr(builder, rule.name, None)
            value = method(meta, children) if method is not None else builder.__default__(rule.name, children, meta)
        states.append(self.states[states[-1]][rule.origin][1])
        values.append((value, start, end))
