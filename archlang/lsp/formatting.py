"""Formatting through the printer of `archc fmt` (archlang/printer.py).

A text the printer refuses (it does not parse, or would not mean the same
once printed) gets no edits: its diagnostics say why.
"""

from __future__ import annotations

from ..diagnostics import ArchError
from ..printer import FormatError, format_source
from .document import Document


def format_document(doc: Document) -> str | None:
    """The document's text in the canonical layout; None where the printer refuses the text."""
    try:
        return format_source(doc.source)
    except (ArchError, FormatError):
        return None
