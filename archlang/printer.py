"""The printer: a spec's text in archlang's one canonical layout, every comment kept (`archc fmt`).

The parser reads the file (a file that does not parse is refused with its
coded diagnostics, and never touched); each reduction claims the tokens of its
span that no rule inside it has claimed, so every `*`, `-`, `=` or `(` knows
the rule it belongs to: a repeat's `*` is written tight (`[conv3-64]*2`), a
gate's spaced (`{x * f}`); a count's `-` tight (`conv3-64`), a subtraction's
spaced (`n - 1`). The layout then:

- spaces each line's tokens by those roles (`a, b`, `a -> b`, `{a | b}`,
  `k=v` for options, `name = value` in parameter lists, `variant`s and `let`s);
- keeps every line break where the author put it (a line break inside
  brackets means "then", and long lines are the author's to break), gives a
  statement's first line no indent, and keeps a continuation line's indent,
  moved with the token it was aligned with (`conv-e/s` under `conv1-e`);
- keeps every comment's text, a trailing comment at least two spaces after
  the code and at its column, and a run of trailing comments written at one
  column at one column still;
- keeps at most one blank line, none at the start or end; writes `→` as `->`.

Options keep the order they are written in (the author's, as black keeps
keyword arguments: `conv5-256 p=2 g=2` as the paper's table has it); the IR
keeps it too. The result is checked before it is returned: it must parse to
the same IR and hold the same comments.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
from collections.abc import Sequence

from . import ir, syntax
from .diagnostics import ArchError, Diagnostic
from .lalr import Meta, Token, UnexpectedInput
from .nodes import room_to_recurse
from .records import field, record
from .source import Source, text_as_read

__all__ = ["FormatError", "diff", "format_source", "format_text"]

#: How a token wants the space on one side: none, whatever its neighbour wants, one.
NONE, ANY, SPACE = 0, 1, 2

#: By the token's text, wherever it stands: (before, after).
_BY_TEXT: dict[str, tuple[int, int]] = {
    "(": (ANY, NONE), "[": (ANY, NONE), "{": (ANY, NONE),
    ")": (NONE, ANY), "]": (NONE, ANY), "}": (NONE, ANY),
    ",": (NONE, SPACE), ":": (NONE, SPACE),
    "->": (SPACE, SPACE), "|": (SPACE, SPACE), "+": (SPACE, SPACE), "*": (SPACE, SPACE),
    "-": (SPACE, SPACE), "/": (SPACE, SPACE), "//": (SPACE, SPACE), "%": (SPACE, SPACE), "=": (SPACE, SPACE),
    "==": (SPACE, SPACE), "!=": (SPACE, SPACE), "<=": (SPACE, SPACE), ">=": (SPACE, SPACE),
    "<": (SPACE, SPACE), ">": (SPACE, SPACE),
    "if": (SPACE, SPACE), "else": (SPACE, SPACE), "as": (SPACE, SPACE), "and": (SPACE, SPACE),
    "or": (SPACE, SPACE), "not": (ANY, SPACE),
}

#: By the rule the token belongs to and its text, where that differs.
_BY_RULE: dict[tuple[str, str], tuple[int, int]] = {
    ("repeat", "*"): (NONE, NONE),        # [conv3-64]*2
    ("count", "-"): (NONE, NONE),         # conv3-64, fc-(2 * k)
    ("stride", "/"): (NONE, NONE),        # conv3-64/2
    ("neg", "-"): (ANY, NONE),            # -x, p=-1
    ("option", "="): (NONE, NONE),        # p=1 (a variant's are spaced: see _Owners)
    ("at_dim", "@"): (NONE, NONE),        # input 3@(res)x(res)
    ("by_dim", "x"): (NONE, NONE),
    ("arguments", "("): (NONE, NONE),     # inception(64, ...), min(a, b)
    ("param_list", "("): (NONE, NONE),    # network vgg16(bn = false), def basic(c, s = 1)
    ("variant_stmt", "("): (NONE, NONE),  # variant resnet18(depth = 18)
    ("side", "["): (NONE, NONE),          # side[...]
}

#: Pairs of characters that would lex as one token if written together.
_GLUED = {("-", ">"), ("/", "/"), ("=", "="), ("!", "="), ("<", "="), (">", "=")}

#: The least number of spaces between code and its trailing comment.
COMMENT_GAP = 2

#: Tokens after which a line break continues the statement (the post-lexer's rule).
_OPEN_LINE = syntax.OPEN_LINE
_OPENERS, _CLOSERS = set(syntax.OPENERS), set(syntax.CLOSERS)


class FormatError(RuntimeError):
    """The printer's result does not say what its input says: a bug in the
    printer, reported instead of writing a file that would mean something else."""


# ---- the roles of tokens ---------------------------------------------------------------


@record(eq=False)
class _Rule:
    """A reduced rule: its name, and for an option whether its `=` is spaced (in a variant)."""

    name: str
    spaced: bool = False


class _Owners:
    """A builder for the parser that makes each reduced rule the owner of the
    tokens of its span that no rule inside it owns: its children were reduced
    before it, and own theirs. Skips over owned tokens, so the cost is one
    visit per token, however deep the nesting."""

    def __init__(self) -> None:
        self.tokens: list[Token] = []
        self._starts: list[int] = []
        self._owner: list[_Rule | None] = []
        self._skip: list[int] = []  # the next token that may be unowned, at or after each

    def __default__(self, name: str, children: list[object], meta: Meta) -> _Rule:
        rule = _Rule(name)
        if name == "variant_stmt":  # variant resnet18(depth = 18): written as a parameter list
            for child in children:
                if isinstance(child, _Rule) and child.name == "option":
                    child.spaced = True
        if not meta.empty:
            self._claim(rule, meta.start_pos, meta.end_pos)
        return rule

    def fold(self, previous: str, token: Token) -> bool:
        """The parser's post-lexer, recording every token it is shown."""
        self.tokens.append(token)
        return syntax.fold_line_break(previous, token)

    def _sync(self) -> None:
        """Take in the tokens lexed since the last reduction."""
        for token in self.tokens[len(self._starts):]:
            self._starts.append(token.start_pos)
            self._owner.append(None)
            self._skip.append(len(self._skip))

    def _find(self, i: int) -> int:
        root = i
        while root < len(self._skip) and self._skip[root] != root:
            root = self._skip[root]
        while i != root:  # path compression: the next search jumps at once
            self._skip[i], i = root, self._skip[i]
        return root

    def _claim(self, rule: _Rule, start: int, end: int) -> None:
        self._sync()
        i = self._find(bisect.bisect_left(self._starts, start))
        while i < len(self._starts) and self._starts[i] < end:
            self._owner[i] = rule
            self._skip[i] = i + 1
            i = self._find(i + 1)

    def roles(self, tokens: list[Token]) -> list[tuple[Token, _Rule | None]]:
        self._sync()
        return list(zip(tokens, self._owner))


def _read(source: Source) -> tuple[ir.Module, list[tuple[Token, _Rule | None]]]:
    """A source's IR, and every token with the rule it belongs to; ArchError if it does not parse."""
    module = syntax.parse(source)  # every syntax error, coded and located
    owners = _Owners()
    try:
        syntax.parse_text(source.text, owners, owners.fold)
    except UnexpectedInput as error:  # parse() accepted it: this parse must too
        raise FormatError(f"{source.name}: the second parse failed: {error}") from None
    return module, owners.roles(owners.tokens)


# ---- spacing within a line -------------------------------------------------------------


def _text(token: Token) -> str:
    return "->" if token.value == "→" else token.value


def _sides(token: Token, rule: _Rule | None) -> tuple[int, int]:
    """How the token wants the space before and after it."""
    if token.type == "NAME":
        return ANY, ANY
    text = _text(token)
    if rule is not None and not rule.spaced and (rule.name, text) in _BY_RULE:
        return _BY_RULE[(rule.name, text)]
    return _BY_TEXT.get(text, (ANY, ANY))


def _glues(left: str, right: str) -> bool:
    """Whether two tokens written together would lex as something else (`res` `x` as `resx`)."""
    word = (left[-1].isalnum() or left[-1] in "_.") and (right[0].isalnum() or right[0] in "_.")
    return word or (left[-1], right[0]) in _GLUED


def _join(tokens: Sequence[tuple[Token, _Rule | None]], indent: int) -> tuple[str, list[int]]:
    """One line's code, spaced, after `indent` spaces; and the column of each token."""
    parts, columns, width = [" " * indent], [], indent
    previous: tuple[Token, str, int] | None = None
    for token, rule in tokens:
        text, (before, after) = _text(token), _sides(token, rule)
        if previous is not None and _spaced(previous, token, text, before):
            parts.append(" ")
            width += 1
        columns.append(width)
        parts.append(text)
        width += len(text)
        previous = (token, text, after)
    return "".join(parts), columns


def _spaced(previous: tuple[Token, str, int], token: Token, text: str, before: int) -> bool:
    """Whether a space goes between two tokens: unless one of them wants none;
    and where two would lex as one (`res` `x`), unless the author wrote them
    together and they lexed as two (`3@(res)x224`)."""
    left, left_text, after = previous
    if after != NONE and before != NONE:
        return True
    return _glues(left_text, text) and left.end_pos != token.start_pos


# ---- lines -----------------------------------------------------------------------------


@record
class _Line:
    """One line of the input, then of the output: its tokens, its comment and
    where they stood (0-based columns), and whether a statement continues on it."""

    tokens: list[tuple[Token, _Rule | None]]
    comment: str | None
    comment_col: int
    indent: int
    continues: bool = False
    code: str = ""
    anchors: dict[int, int] = field(default_factory=dict)  # a token's column in the input -> in the output
    joins_above: bool = False  # a comment line under the trailing comment above, at its column

    @property
    def blank(self) -> bool:
        return not self.tokens and self.comment is None


def _lines(text: str, tokens: list[tuple[Token, _Rule | None]]) -> list[_Line]:
    """The input's lines with their tokens and comments."""
    by_line: dict[int, list[tuple[Token, _Rule | None]]] = {}
    for token, rule in tokens:
        if token.type != "_NL":
            by_line.setdefault(token.line, []).append((token, rule))
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        mine = by_line.get(number, [])
        code_end = mine[-1][0].end_column - 1 if mine else 0
        at = raw.find("#", code_end)  # after the last token: a `#` in a string is inside a token
        comment = raw[at:].rstrip() if at >= 0 else None
        indent = mine[0][0].column - 1 if mine else max(at, 0)
        lines.append(_Line(mine, comment, at, indent))
    return lines


def _mark_continuations(lines: list[_Line]) -> None:
    """Which lines continue a statement: inside brackets, or after a line whose
    code ends with `,`, `->`, `|` or an opening bracket (the post-lexer's rule)."""
    depth, last = 0, "\n"
    for line in lines:
        line.continues = depth > 0 or last in _OPEN_LINE
        for token, _ in line.tokens:
            depth += (token.value in _OPENERS) - (token.value in _CLOSERS)
            last = token.value
    for above, line in itertools.pairwise(lines):
        line.joins_above = (not line.tokens and line.comment is not None and above.comment is not None
                            and line.comment_col == above.comment_col and (bool(above.tokens) or above.joins_above))


def _lay_out_code(lines: list[_Line]) -> None:
    """Each line's code with its indent: none for a statement's first line; a
    continuation keeps its indent, or the new column of the token on an earlier
    line of the statement that it was aligned with."""
    statement: list[_Line] = []
    for line in lines:
        if not line.continues:
            statement = []
        indent = 0
        if line.continues:
            indent = next((above.anchors[line.indent] for above in reversed(statement)
                           if line.indent in above.anchors), line.indent)
        if line.tokens:
            line.code, columns = _join(line.tokens, indent)
            line.anchors = {token.column - 1: column for (token, _), column in zip(line.tokens, columns)}
            statement.append(line)
        elif line.comment is not None:
            line.code = " " * indent  # a comment's own line: its column is its indent
            line.anchors = {line.indent: indent}
            statement.append(line)


def _lay_out_comments(lines: list[_Line]) -> list[str]:
    """The output lines: a run of trailing comments written at one column
    stays at one column, moved right where the code has grown into it."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.comment is None or not line.tokens:
            out.append((line.code + (line.comment or "")).rstrip() if not line.blank else "")
            i += 1
            continue
        run = [line]
        while i + len(run) < len(lines) and _same_run(run[-1], lines[i + len(run)]):
            run.append(lines[i + len(run)])
        column = max(line.comment_col, *(len(r.code) + COMMENT_GAP for r in run if r.tokens))
        out += [r.code.ljust(column) + (r.comment or "") if r.tokens else " " * column + (r.comment or "")
                for r in run]
        i += len(run)
    return out


def _same_run(above: _Line, line: _Line) -> bool:
    return line.comment is not None and line.comment_col == above.comment_col and (
        bool(line.tokens) or line.joins_above)


def _blank_lines(out: list[str]) -> list[str]:
    """At most one blank line in a row, and none at the start or the end."""
    kept: list[str] = []
    for text in out:
        if text or (kept and kept[-1]):
            kept.append(text)
    while kept and not kept[-1]:
        kept.pop()
    return kept


# ---- the API ---------------------------------------------------------------------------


def format_source(source: Source) -> str:
    """The canonical text of a source. ArchError (with every syntax error) if
    it does not parse; FormatError if the result would not mean the same."""
    try:
        with room_to_recurse():  # comparing IR recurses as deep as the spec nests
            return _format(source)
    except RecursionError:  # thousands of operators in a row (1+1+...+1): as `archc check` says
        message = "the spec nests too deeply to format (hundreds of operators in a row)"
        raise ArchError([Diagnostic("error", "E109", message, None, source)]) from None


def _format(source: Source) -> str:
    module, tokens = _read(source)
    lines = _lines(source.text, tokens)
    _mark_continuations(lines)
    _lay_out_code(lines)
    out = _blank_lines(_lay_out_comments(lines))
    result = "\n".join(out) + "\n" if out else ""
    _verify(module, Source(source.name, result), [line.comment for line in lines if line.comment is not None])
    return result


def format_text(text: str, name: str = "<string>") -> str:
    """The canonical text of a spec given as text (line breaks of any system
    read as \\n, a byte order mark dropped); ArchError with its coded,
    located diagnostics if it does not parse.

        >>> format_text("network n\\ninput 3@32x32\\n[conv3-16 p=1,pool]*2 ,fc-10\\n")
        'network n\\ninput 3@32x32\\n[conv3-16 p=1, pool]*2, fc-10\\n'
    """
    return format_source(Source(name, text_as_read(text)))


def _verify(module: ir.Module, printed: Source, comments: list[str]) -> None:
    """The printed text parses to the same IR and holds the same comments, in order."""
    try:
        again, tokens = _read(printed)
    except ArchError as error:
        raise FormatError(f"{printed.name}: the formatted text does not parse:\n{error}") from None
    if again != module:
        raise FormatError(f"{printed.name}: the formatted text would mean something else")
    if [line.comment for line in _lines(printed.text, tokens) if line.comment is not None] != comments:
        raise FormatError(f"{printed.name}: the formatted text would lose or change a comment")


def diff(before: str, after: str, name: str) -> str:
    """A unified diff from `before` to `after`, both under `name` (empty when they are equal)."""
    lines = difflib.unified_diff(_split(before), _split(after), f"{name} (original)", f"{name} (formatted)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _split(text: str) -> list[str]:
    """Lines with their line feeds, split at line feeds only (as the lexer counts them, not at U+2028)."""
    lines = [line + "\n" for line in text.split("\n")]
    return lines[:-1] if text.endswith("\n") or not text else [*lines[:-1], lines[-1][:-1]]
