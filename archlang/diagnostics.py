"""Diagnostics: located errors and warnings, and the one exception that carries them.

Every problem archlang finds in a spec is a `Diagnostic` with a stable code, a
message, the span it points at, and an optional hint that shows the formula
with the numbers. Stages collect diagnostics instead of stopping at the first;
the API raises `ArchError` holding all of them once a stage is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .records import record
from .source import Source, Span

#: Every code the compiler can emit, with a short title. The docs' error
#: catalogue is checked against this table.
CODES: dict[str, str] = {
    "E100": "file cannot be read",
    "E101": "unexpected character",
    "E102": "unexpected token",
    "E103": "unclosed bracket",
    "E104": "unmatched closing bracket",
    "E105": "missing repeat count",
    "E106": "unexpected end of file",
    "E107": "not a text file",
    "E108": "option without a value",
    "E109": "nested too deeply",
    "E110": "input shape not channels@HxW",
    "E111": "a framework's notation",
    "E112": "space inside a layer",
    "E113": "unknown statement",
    "E201": "unknown layer",
    "E202": "unknown option",
    "E203": "undefined parameter",
    "E204": "defined twice",
    "E205": "unknown parameter on the command line",
    "E206": "bad parameter value",
    "E207": "missing parameter value",
    "E208": "statement allowed once",
    "E211": "undefined block",
    "E212": "wrong number of arguments",
    "E213": "block calls itself",
    "E214": "import cycle",
    "E215": "missing import",
    "E216": "unknown network name",
    "E301": "missing input",
    "E302": "output size 0 or less",
    "E303": "groups do not divide channels",
    "E304": "maxout pieces do not divide channels",
    "E305": "layer does not fit the input's rank",
    "E306": "bad number",
    "E307": "too many layers",
    "E308": "bad option value",
    "E309": "missing layer size",
    "E310": "branches of a concat disagree",
    "E311": "residual shapes disagree",
    "E312": "token ids and values mixed up",
    "E401": "name is not a Python identifier",
    "E403": "network too large to build",
    "E404": "diagram too large to draw",
    "W301": "stride does not tile the input",
    "W401": "network ends in softmax",
}


def _plain(role: str, text: str) -> str:
    return text


#: The longest source line an excerpt shows whole; of a longer one (a megabyte on
#: one line), this many characters around the caret.
EXCERPT_WIDTH = 240


@record(frozen=True)
class Diagnostic:
    """One finding: `severity` is "error" or "warning"; `span` is None only for
    problems that have no place in the text (an unreadable file)."""

    severity: str
    code: str
    message: str
    span: Span | None
    source: Source | None = None
    hint: str | None = None

    @property
    def message_and_hint(self) -> str:
        """The message, and its hint on a line of its own: where one text must say both (CI, editors)."""
        return self.message + (f"\nhint: {self.hint}" if self.hint else "")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def line(self) -> int:
        return self.span.line if self.span else 0

    @property
    def col(self) -> int:
        return self.span.col if self.span else 0

    def format(self, paint: Callable[[str, str], str] = _plain) -> str:
        """rustc-style text: `file:line:col: error[CODE]: message`, the source
        line, a caret under the span, and the hint. `paint(role, text)` styles
        each part (colour.py: roles where, error or warning, code, hint)."""
        where = self.source.name if self.source else "<input>"
        if self.span:
            where += f":{self.span.line}:{self.span.col}"
        lines = [(f"{paint('where', terminal_safe(where))}: {paint(self.severity, self.severity)}"
                 f"{paint('code', f'[{self.code}]')}: {terminal_safe(self.message)}")]
        if self.span and self.source and self.source.quotable:
            number, caret = _excerpt(self.source, self.span)
            bar = caret.index("|") + 2
            lines += [number, caret[:bar] + paint(self.severity, caret[bar:])]
        if self.hint:
            lines.append(f"  = {paint('hint', 'hint')}: {terminal_safe(self.hint)}")
        return "\n".join(lines)

    @property
    def end_line(self) -> int:
        return self.span.end_line if self.span else 0

    @property
    def end_col(self) -> int:
        return self.span.end_col if self.span else 0

    @property
    def file(self) -> str | None:
        """The file (or `<string>`) the diagnostic is in: an imported file's own name."""
        return self.source.name if self.source else None

    def to_json(self) -> dict[str, object]:
        """The diagnostic with its file and range (1-based; the end just past
        the last character), as `archc check --json` and editors read it."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "hint": self.hint,
        }


def terminal_safe(text: str) -> str:
    """Text that came from a spec or a file name, safe to print: control
    characters (an escape sequence in a file name would drive the terminal)
    written as \\xNN."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                   for c in text)


def _excerpt(source: Source, span: Span) -> list[str]:
    """The numbered source line and a caret line under the span; of a line
    longer than EXCERPT_WIDTH, the part around the caret."""
    line, col = source.line_text(span.line), span.col
    if len(line) > EXCERPT_WIDTH:
        start = max(0, min(col - 1 - EXCERPT_WIDTH // 2, len(line) - EXCERPT_WIDTH))
        head, tail = "..." if start else "", "..." if start + EXCERPT_WIDTH < len(line) else ""
        line, col = head + line[start:start + EXCERPT_WIDTH] + tail, col - start + len(head)
    # Control characters (a NUL in a binary file) would garble the terminal: show them as U+FFFD.
    text = "".join(c if c.isprintable() else "\ufffd" for c in line.expandtabs(1))
    number = str(span.line)
    gutter = " " * len(number)
    width = max(1, min(span.width, len(text) - col + 1))
    return [
        f" {number} | {text}",
        f" {gutter} | {' ' * (col - 1)}{'^' * width}",
    ]


class ArchError(Exception):
    """Raised by the API when a spec has errors; `diagnostics` holds all of
    them (warnings included), in source order."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int]:
    """Source order: by file, then line and column."""
    name = diagnostic.source.name if diagnostic.source else ""
    return (name, diagnostic.line, diagnostic.col)


class Collector:
    """Gathers diagnostics for one source while a stage runs."""

    def __init__(self, source: Source | None):
        self.source = source
        self.items: list[Diagnostic] = []
        self._seen: set[tuple[str, str, Span | None]] = set()

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self._add("error", code, message, span, hint)

    def warning(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self._add("warning", code, message, span, hint)

    def _add(self, severity: str, code: str, message: str, span: Span | None, hint: str | None) -> None:
        assert code in CODES, code
        if (code, message, span) in self._seen:
            return  # e.g. a bad file-wide default, met again by every layer it applies to
        self._seen.add((code, message, span))
        self.items.append(Diagnostic(severity, code, message, span, self.source, hint))

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise ArchError(self.items)
