"""Formats for CI: the diagnostics of a check as GitHub workflow commands and as SARIF 2.1.0.

`archc check --format github` prints one workflow command a diagnostic
(`::error file=F,line=L,col=C,endLine=L,endColumn=C,title=E201::message`), which
GitHub Actions turns into annotations on the pull request's lines; `--format
sarif` prints one SARIF log (the OASIS Static Analysis Results Interchange
Format) for all the files checked, which GitHub code scanning and other tools
read: a rule per code of the error catalogue, a result per diagnostic, with
its file and region. Both take the diagnostics as `analyze` gives them, each
with the file it is in (an imported file's own name), so nothing here checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from ._version import __version__
from .diagnostics import CODES, Diagnostic

#: Where a code's entry of the error catalogue is read.
CATALOGUE = "docs/errors.md"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


# ---- GitHub workflow commands ------------------------------------------------------------------


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF percent-encoded (GitHub's
    toolkit `escapeData`), so a message of two lines stays one command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, and `:` and `,` too,
    which would end the value (`escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def ci_path(name: str) -> str:
    """A file's name as CI tools match it to the checkout: an imported file
    (named by its absolute path) relative to the working folder when it is
    under it; other names as they are."""
    import os

    if os.path.isabs(name):
        relative = os.path.relpath(name)
        if not relative.startswith(".."):
            return relative
    return name


def github_line(diagnostic: Diagnostic, fallback_file: str) -> str:
    """One diagnostic as `::error ...::message` (or `::warning`); the hint
    follows the message on a second line of the annotation. GitHub's columns
    are 1-based and its end column is the last one underlined."""
    properties = {"file": ci_path(diagnostic.file or fallback_file)}
    if diagnostic.span is not None:
        properties.update(line=str(diagnostic.line), col=str(diagnostic.col), endLine=str(diagnostic.end_line),
                          endColumn=str(max(diagnostic.col, diagnostic.end_col - 1)))
    properties["title"] = f"{diagnostic.code} {CODES.get(diagnostic.code, '')}".strip()
    fields = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = diagnostic.message_and_hint
    command = "error" if diagnostic.is_error else "warning"
    return f"::{command} {fields}::{escape_data(message)}"


def github(diagnostics: Iterable[Diagnostic], fallback_file: str) -> str:
    """The workflow commands of a file's diagnostics, one a line ('' for none)."""
    return "".join(github_line(d, fallback_file) + "\n" for d in diagnostics)


# ---- SARIF 2.1.0 -------------------------------------------------------------------------------


def _uri(name: str) -> str:
    """A file's name as a URI reference: relative stays relative (to the
    checkout, %SRCROOT%), spaces and the like percent-encoded."""
    return quote(name.replace("\\", "/"), safe="/:")


def _rules() -> list[dict[str, Any]]:
    """A rule per code of the catalogue; its help names the catalogue's section."""
    return [{"id": code, "name": "".join(word.capitalize() for word in re.findall(r"[A-Za-z0-9]+", title)),
             "shortDescription": {"text": title},
             "help": {"text": f"{code} ({title}): an example, what archc prints and the fix are in the error "
                              f"catalogue, {CATALOGUE}, section '{code}: {title}'"},
             "defaultConfiguration": {"level": "warning" if code.startswith("W") else "error"}}
            for code, title in CODES.items()]


def _region(diagnostic: Diagnostic) -> dict[str, int]:
    # SARIF's endColumn is the column just past the region, as archlang's end_col.
    return {"startLine": diagnostic.line, "startColumn": diagnostic.col,
            "endLine": diagnostic.end_line, "endColumn": max(diagnostic.end_col, diagnostic.col + 1)}


def _result(diagnostic: Diagnostic, fallback_file: str, index: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(ci_path(diagnostic.file or fallback_file))}}
    if diagnostic.span is not None:
        location["region"] = _region(diagnostic)
    text = diagnostic.message_and_hint
    return {"ruleId": diagnostic.code, "ruleIndex": index[diagnostic.code],
            "level": "error" if diagnostic.is_error else "warning",
            "message": {"text": text}, "locations": [{"physicalLocation": location}]}


def sarif(checked: Iterable[tuple[str, Iterable[Diagnostic]]]) -> dict[str, Any]:
    """One SARIF log for the files checked: (file as given, its diagnostics) for each."""
    index = {code: i for i, code in enumerate(CODES)}
    results = [_result(d, name, index) for name, diagnostics in checked for d in diagnostics]
    driver = {"name": "archc", "version": __version__, "semanticVersion": __version__, "rules": _rules()}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}]}
