"""Mistakes: names and fixes for the syntax errors a newcomer makes first.

The parser's own words for `conv 3-64` are "unexpected '3', expected '(',
')', '*'", which only someone who knows the grammar can act on. Here each
common mistake is recognised and given a message that names it and a hint
that shows the fix, written from the user's own text (`write conv3-64`).

Two ways to recognise one, as Lark's `match_examples` does and beyond it:
- by the parser state the error happens in: each `Mistake` lists example
  inputs; the state and token their parse fails at are the mistake's keys, so
  the table is written in the language's own examples, not in state numbers
  that change with the grammar;
- by the text of the statement, for what the state cannot tell apart
  (`netwrok vgg` fails where `conv3-64 bn` does) or for a framework's
  notation (`Conv2D(32, (3,3))`, `padding='same'`), which aliases.py translates.
`syntax.py` asks `recognise` first and falls back to its generic messages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from . import aliases
from .diagnostics import Collector
from .lalr import Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from .records import record
from .source import Source, Span

#: The longest line whose mistake is named: a newcomer's lines are short, and the
#: regular expressions that read a line back from the error would take time
#: quadratic in a megabyte-long one (the fuzz tests write those).
MAX_LINE = 1_000

#: The words that start a statement (all others start a line of layers).
KEYWORDS = ("network", "input", "act", "pad", "default", "def", "let", "variant", "import")


@record(frozen=True)
class Named:
    """A recognised mistake: its code, message, where, and the fix."""

    code: str
    message: str
    span: Span
    hint: str


@record(frozen=True)
class Place:
    """Where a parse failed: the source, the offset of the bad token or
    character, the token (None for a character no token starts with), and
    the statement's line."""

    source: Source
    offset: int
    token: Token | None
    line: str
    line_start: int

    @property
    def first_word(self) -> str:
        match = re.match(r"\s*([A-Za-z_]\w*)", self.line)
        return match[1] if match else ""

    def span(self, start: int, end: int) -> Span:
        first, last = self.source.span_at(start), self.source.span_at(max(start, end - 1))
        return Span(first.line, first.col, last.line, last.end_col, first.start, last.end)

    def word_before(self) -> tuple[int, str]:
        """The offset and text of the layer written just before the error (`conv3-64`, `fc-(2*k)`)."""
        head = self.source.text[self.line_start:self.offset].rstrip()
        match = re.search(r"[A-Za-z_][\w\-/.()*]*$", head)
        return (self.line_start + match.start(), match[0]) if match else (self.offset, "")

    def item_before(self, end: int) -> str:
        """The item of a sequence that ends at `end`: back to the `,`, `->`, `|`
        or opening bracket before it, brackets inside it kept (`[conv3-64]`)."""
        text, depth, i = self.source.text, 0, end
        while i > self.line_start:
            ch = text[i - 1]
            depth += (ch in ")]}") - (ch in "([{")
            if depth < 0 or depth == 0 and (ch in ",|" or text[i - 2:i] in ("->", "→")):
                break
            i -= 1
        return text[i:end].strip().lstrip(">").strip()


_NOTATION = re.compile(r"[\w.\-/]*")
_QUOTED = re.compile(r"""(['"])([^'"\n]*)\1""")

#: Layer names whose number is a count after '-' (fc-10), as the papers write them.
COUNTED = ("fc", "dense", "linear", "embed", "pointwise", "local", "rbf")


# ---- by parser state (the examples' keys) ------------------------------------------------------


@record(frozen=True)
class Mistake:
    """A mistake recognised by the parser state: `examples` fail in the
    states that name it; `explain` writes the message and hint for a place."""

    examples: tuple[str, ...]
    explain: Callable[[Place], Named | None]


def _space_in_layer(place: Place) -> Named | None:
    """`conv 3-64`, `pool 2`, `conv3 64`, `dropout 0.5`: a space where the notation has none."""
    token = place.token
    if token is None:
        return None
    start, name = place.word_before()
    rest = _NOTATION.match(place.source.text, place.offset)  # at the offset: no copy of the text after it
    number = rest[0] if rest else str(token)
    end = place.offset + len(number)
    written = f"{name} {number}"
    if token.type == "FLOAT":
        fix = f"write {name}({number}): a layer's value goes in parentheses"
    elif "-" in number or name[-1:].isdigit() or name.lower() in COUNTED:
        fix = f"write {name}{'' if '-' in number else '-'}{number}: no space inside a layer's notation"
    elif name.lower().endswith("pool"):
        fix = f"write {name}{number} for a {number}x{number} window: no space inside a layer's notation"
    else:
        fix = (f"a size follows the name without a space: {name}{number} if {number} is a window (as pool2), "
               f"{name}-{number} if it counts filters or outputs (as fc-10)")
    return Named("E112", f"a space inside the layer '{written}'", place.span(start, end), fix)


def _bare_word(place: Place) -> Named | None:
    """`conv3-64 bn`, `fc-10 softmax`: a word after a layer, neither an option (no `=`) nor a layer (no `,`)."""
    unknown = _unknown_statement(place)
    if unknown is not None:
        return unknown
    text = place.source.text[place.line_start:place.offset].rstrip()
    word = re.search(r"(\w+)$", text)
    if word is None:
        return None
    start = place.line_start + word.start()
    head, key = place.item_before(start), word[1]
    if not head:
        return None
    return Named("E108", f"'{key}' after '{head}' is neither an option (no '=') nor a layer (no ',')",
                 place.span(start, start + len(key)),
                 f"write {head}, {key} for a layer after it, or {head} {key}=VALUE for an option")


MISTAKES = (
    Mistake(("conv 3-64\n", "pool 2\n", "conv3 64\n", "dropout 0.5\n", "[conv 3-64]*2\n", "[pool 2]\n",
             "conv3-64, pool 2\n", "[conv3-64, pool 2]\n", "def b(c) = conv 3-c\n", "{conv 1-8 | pool 2}\n"),
            _space_in_layer),
    Mistake(("conv3-64 bn\n", "fc-10 softmax\n", "[conv3-64 bn]\n", "[conv3-64 bn, pool]\n",
             "conv3-64 bn, pool\n", "conv3-64 bn -> pool\n", "[conv3-64 bn\n]\n", "{conv1-8 bn | pool}\n"),
            _bare_word),
)


@functools.lru_cache(maxsize=4)
def _keys(parse: Callable[[str], None]) -> dict[tuple[int, str], Mistake]:
    """Each example's (state, token type) at its failure -> its mistake; computed once, on the first error."""
    keys: dict[tuple[int, str], Mistake] = {}
    for mistake in MISTAKES:
        for example in mistake.examples:
            try:
                parse(example)
            except UnexpectedToken as error:
                keys.setdefault((error.state, error.token.type), mistake)
    return keys


# ---- by text ---------------------------------------------------------------------------------


def _close_keyword(word: str) -> str | None:
    import difflib  # only a misspelt statement needs it

    if word.lower() in KEYWORDS:
        return word.lower()
    prefixed = [k for k in KEYWORDS if len(word) >= 3 and k.startswith(word.lower())]
    if prefixed:
        return prefixed[0]  # `net` is short for network, not a misspelt `let`
    close = difflib.get_close_matches(word.lower(), KEYWORDS, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_statement(place: Place) -> Named | None:
    """`netwrok vgg`, `Network vgg`, `net vgg`: a misspelt keyword, read as a layer."""
    word = place.first_word
    keyword = _close_keyword(word) if word and word not in KEYWORDS else None
    if keyword is None or keyword == "input" and "@" not in place.line:
        return None
    start = place.line_start + place.line.index(word)
    return Named("E113", f"unknown statement '{word}'", place.span(start, start + len(word)),
                 f"did you mean '{keyword}'? (keywords are lower case: {', '.join(KEYWORDS)})")


_INPUT_SIZES = re.compile(r"\(?\s*(\d+)\s*[x,X*]\s*(\d+)(?:\s*[x,X*]\s*(\d+))?\s*\)?")


def input_shape(text: str, span: Span) -> Named | None:
    """`input 28x28` (no channels), `input 32x32x3` (channels last), `input 3x32x32`,
    `input (3, 32, 32)`: the input's shape as a framework writes it."""
    if len(text) > MAX_LINE:
        return None
    written = text.strip().removeprefix("input").strip()
    if written.startswith(("=", ":")):
        return Named("E110", f"'{written[0]}' after input", span, f"write input {written[1:].strip()}")
    match = _INPUT_SIZES.fullmatch(written)
    if match is None:
        return None
    a, b, c = match[1], match[2], match[3]
    if c is None:
        return Named("E110", f"the input {written} has no channels", span,
                     f"write channels@HxW: input 1@{a}x{b} for one channel (grey), input 3@{a}x{b} for RGB")
    if int(c) <= 4 < int(a):  # channels last, as Keras and images store them
        return Named("E110", f"the input {written} is written channels last", span,
                     f"write channels first, with @: input {c}@{a}x{b}")
    return Named("E110", f"the input {written} is not written channels@HxW", span,
                 f"write input {a}@{b}x{c}")


def _framework_call(place: Place) -> Named | None:
    """`Conv2D(32, (3,3), activation='relu')`, `nn.Linear(512, 10)`: a framework's layer call."""
    for match in re.finditer(r"(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*\(", place.line):
        start, depth, end = match.start(), 0, len(place.line)
        for i in range(match.end() - 1, len(place.line)):
            depth += (place.line[i] == "(") - (place.line[i] == ")")
            if depth == 0:
                end = i + 1
                break
        offset = place.line_start + start
        if not offset <= place.offset < place.line_start + end:
            continue
        call = place.line[start:end]
        form = aliases.translate(call)
        if form is not None:
            return Named("E111", f"{call} is {aliases.framework(call)}'s notation, not archlang's",
                         place.span(offset, offset + len(call)), f"archlang writes {form}")
    return None


def _quoted_value(place: Place) -> Named | None:
    """`padding='same'`, `act="relu"`: a quoted value."""
    match = _QUOTED.match(place.source.text, place.offset)
    if match is None:
        return None
    key = re.search(r"(\w+)\s*=\s*$", place.source.text[place.line_start:place.offset])
    written = f"{key[1]}=" if key else ""
    return Named("E101", f"a quoted value {match[0]}", place.span(place.offset, place.offset + len(match[0])),
                 f"values are not quoted: write {written}{match[2]}")


def _by_text(place: Place) -> Named | None:
    text, at = place.source.text, place.offset
    if place.first_word == "input":
        end = place.line_start + len(place.line)
        return input_shape(place.line, place.span(place.line_start + place.line.index("input"), end))
    for check in (_framework_call, _unknown_statement):
        named = check(place)
        if named is not None:
            return named
    if text[at:at + 1] in "'\"":
        return _quoted_value(place)
    if text[at:at + 1] == ";":
        return Named("E101", "unexpected ';'", place.span(at, at + 1),
                     "archlang has no ';': layers follow each other with ',', '->' or a line break")
    token = place.token
    if token is not None and re.fullmatch(r"x\d+", str(token)):
        count = str(token)[1:]
        return Named("E105", f"'{token}' is not a repeat", place.span(at, at + len(token)),
                     f"a repeat is written with '*': {place.item_before(at)}*{count}")
    if token is not None and token.type == "EQUAL" and re.match(r"\s*\w+\s*=", place.line):
        name = place.first_word
        return Named("E102", f"an assignment '{name} = ...'", place.span(at, at + 1),
                     f"a label is written {name}: conv3-64, a value let {name} = 64")
    return None


def recognise(source: Source, error: UnexpectedInput, offset: int, parse: Callable[[str], None]) -> Named | None:
    """The named mistake a parse error is, if it is one of the common ones.
    `source` holds the text that was parsed; `offset` is where it failed;
    `parse` parses a text (to learn the examples' states)."""
    token = error.token if isinstance(error, UnexpectedToken) else None
    if token is not None and token.type == "$END":
        return None
    line_start = source.text.rfind("\n", 0, offset) + 1
    line_end = source.text.find("\n", offset)
    line = source.text[line_start:len(source.text) if line_end < 0 else line_end]
    if len(line) > MAX_LINE:
        return None
    place = Place(source, offset, token, line, line_start)
    named = _by_text(place)
    if named is not None or not isinstance(error, UnexpectedToken):
        return named
    mistake = _keys(parse).get((error.state, error.token.type))
    return mistake.explain(place) if mistake else None



# ---- the report: a named mistake, else the parser's own words ---------------------------------


def error_offset(error: UnexpectedInput, text: str) -> int:
    """Where in `text` a parse error stands (at the end of the file: its last character)."""
    if isinstance(error, UnexpectedCharacters):
        return error.pos_in_stream or 0
    token = error.token  # type: ignore[attr-defined]
    if token.type == "$END":
        return max(0, len(text.rstrip()) - 1)
    return token.start_pos or 0


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "end of the file"
    if token.type == "_NL":
        return "line break"
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


def report(source: Source, error: UnexpectedInput, out: Collector, text: str, parse: Callable[[str], None]) -> None:
    """A located diagnostic for a parse error: a named mistake when it is a
    common one, else what the parser met and expected. `text` is what was
    parsed (the source with earlier mistakes blanked out), positions as in
    the source; `parse` parses an example (see `recognise`)."""
    source = Source(source.name, text)
    named = recognise(source, error, error_offset(error, text), parse)
    if named is not None:
        out.error(named.code, named.message, named.span, named.hint)
        return
    if isinstance(error, UnexpectedCharacters):
        at = error.pos_in_stream or 0
        out.error("E101", f"unexpected character {source.text[at]!r}", source.span_at(at))
        return
    assert isinstance(error, UnexpectedToken)
    token = error.token
    span = source.end_span if token.type == "$END" else Span(token.line, token.column, token.end_line,
                                                               token.end_column, token.start_pos, token.end_pos)
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
