"""Formatting through the printer of `archc fmt`, where it is there.

The printer (archlang/printer.py) is built beside the server; it is looked
up when the server starts, so that the server offers formatting only where
the formatter exists. A text the printer refuses (it does not parse, or
would not mean the same once printed) gets no edits: its diagnostics say why.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..diagnostics import ArchError
from .document import Document

#: The module of `archc fmt`'s printer, and its entry point.
PRINTER = "archlang.printer"


def _printer() -> ModuleType | None:
    try:
        return importlib.import_module(PRINTER)
    except ImportError:
        return None


def available() -> bool:
    """Whether the formatter is installed with this archlang."""
    return _printer() is not None


def format_document(doc: Document) -> str | None:
    """The document's text in the canonical layout; None where the printer is
    missing or refuses the text."""
    printer = _printer()
    if printer is None:
        return None
    refused: tuple[type[Exception], ...] = (ArchError, getattr(printer, "FormatError", ArchError))
    try:
        return str(printer.format_source(doc.source))
    except refused:
        return None
