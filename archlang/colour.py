"""Colour: ANSI styles for diagnostics on a terminal, and when to use them.

`archc` colours a diagnostic's place (`file:line:col`), its severity word
(`error` red, `warning` yellow), its code, the caret under the span and the
hint, when standard error is a terminal. `--color always|never` decides
instead, and an environment variable `NO_COLOR` that is set and not empty
turns colour off (https://no-color.org) unless `--color always` says
otherwise. Nothing here knows a diagnostic: `diagnostics.Diagnostic.format`
asks a painter for each part by its role.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TextIO

#: SGR codes by role: bold place and code, red errors, yellow warnings, cyan hints.
STYLES: dict[str, str] = {
    "where": "1",
    "error": "1;31",
    "warning": "1;33",
    "code": "1",
    "hint": "36",
}

Painter = Callable[[str, str], str]


def plain(role: str, text: str) -> str:
    """The painter that paints nothing."""
    return text


def ansi(role: str, text: str) -> str:
    """`text` in the style of `role` (unstyled for a role without one)."""
    style = STYLES.get(role)
    return f"\x1b[{style}m{text}\x1b[0m" if style and text else text


def wanted(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether to colour what goes to `stream`: `always`, `never`, or
    `auto` (a terminal, and NO_COLOR unset or empty)."""
    if choice == "always":
        return True
    if choice == "never" or environ.get("NO_COLOR", ""):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def painter(choice: str, stream: TextIO, environ: Mapping[str, str]) -> Painter:
    """The painter for `--color CHOICE` writing to `stream`."""
    return ansi if wanted(choice, stream, environ) else plain
