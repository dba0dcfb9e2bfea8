"""Source text and spans: where every token, node and diagnostic comes from.

A `Source` is one spec (a file or a string handed to the API); a `Span` is a
range inside it with 1-based line and column numbers, the way editors and
compilers print them. Spans never take part in equality: two IR nodes that say
the same thing are equal wherever they were written.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from pathlib import Path

from .limits import DEFAULT
from .records import field, record

#: Bytes read from a file at a time.
_CHUNK = 1 << 20

#: Files larger than this are refused before parsing by default (`Limits.max_bytes`).
MAX_SOURCE_BYTES = DEFAULT.max_bytes


#: What cannot be written out as UTF-8: the bytes of a file name that is not
#: UTF-8 (Python keeps each as a lone surrogate), or a lone surrogate in a str.
_SURROGATE = re.compile("[\ud800-\udfff]")


def displayable(text: str | Path) -> str:
    """A path (or name) as text that prints, encodes and serialises anywhere:
    each byte of a non-UTF-8 file name becomes U+FFFD, as in the file's text."""
    return _SURROGATE.sub("\ufffd", str(text))


class TooLarge(Exception):
    """A spec file past the size limit: `size` is how many bytes it has (at least)."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


def read_file(path: Path, max_bytes: int = MAX_SOURCE_BYTES) -> str:
    """A spec file's text: UTF-8, a byte order mark dropped, undecodable bytes
    as U+FFFD. Raises OSError if it cannot be read and TooLarge past
    `max_bytes`. Only regular files are read, without blocking: a FIFO or
    /proc/kmsg given as a spec fails at once instead of waiting forever."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except ValueError:  # a NUL, or a lone surrogate handed to the API: no file has that name
        raise OSError(errno.EINVAL, "no file can have this name (it holds a NUL or a lone surrogate)") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if info.st_size > max_bytes:
            raise TooLarge(info.st_size)
        chunks: list[bytes] = []
        size = 0
        # In chunks: a limit raised to 30 GB or 2**63 must not ask the system for one buffer that size.
        while size <= max_bytes and (chunk := os.read(fd, min(_CHUNK, max_bytes + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > max_bytes:
        raise TooLarge(size)  # a file whose size the system does not know in advance (/proc)
    return decode(b"".join(chunks))


def decode(data: bytes) -> str:
    """A spec's bytes as its text, wherever they were read (a file, standard input):
    UTF-8, a byte order mark dropped, undecodable bytes as U+FFFD, lines normalised."""
    return text_as_read(data.decode("utf-8", errors="replace"))


def text_as_read(text: str) -> str:
    """Text given as a string (to the API, the formatter, the editor) as a file's
    would be read: a byte order mark dropped, lines normalised."""
    return normalise_lines(text.removeprefix("\ufeff"))


def normalise_lines(text: str) -> str:
    """Windows and old Mac line breaks as \\n, so lines and columns count the
    same everywhere (in a file, an imported file, or text given to the API)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@record(frozen=True)
class Span:
    """A range of source text: 1-based `line`/`col` of its first character,
    `end_line`/`end_col` just past its last, and character offsets."""

    line: int
    col: int
    end_line: int
    end_col: int
    start: int = 0
    end: int = 0

    @property
    def width(self) -> int:
        """Columns to underline on the first line (at least one)."""
        if self.end_line != self.line:
            return 1
        return max(1, self.end_col - self.col)


@record(frozen=True)
class Source:
    """A spec's text and the name it is reported under (a path or `<string>`)."""

    name: str
    text: str = field(repr=False)
    path: Path | None = field(default=None, compare=False, repr=False)

    @functools.cached_property
    def lines(self) -> list[str]:
        """The lines, split once: they end at line feeds only, as the lexer
        counts them (not at U+2028 or a form feed)."""
        return self.text.split("\n")

    @property
    def quotable(self) -> bool:
        """Whether a diagnostic may quote this text: only an architecture spec
        (text given to the API, or a file named *.arch) that is text (no NUL, no
        undecodable byte). `import "/proc/self/environ"` must not print the
        environment, nor `archc check /etc/shadow` its first line."""
        if self.path is not None and self.path.suffix != ".arch":
            return False
        return "\x00" not in self.text and "\ufffd" not in self.text

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def covered(self, span: Span, one_line: bool = False) -> str:
        """The text a span covers; `one_line`: line breaks and runs of spaces as one space (for a hover, a hint)."""
        text = self.text[span.start:span.end]
        return " ".join(text.split()) if one_line else text

    def span_at(self, offset: int) -> Span:
        """The one-character span at a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = self.text.count("\n", 0, offset) + 1
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return Span(line, col, line, col + 1, offset, offset + 1)

    @property
    def end_span(self) -> Span:
        """Where the text ends: the place to point at for 'unexpected end'."""
        trimmed = len(self.text.rstrip())
        return self.span_at(max(0, trimmed - 1) if trimmed else 0)
