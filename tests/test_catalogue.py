"""The error catalogue (docs/errors.md) documents every code, and each example
there still gives exactly what the catalogue shows.

docs/gen_errors.py holds the examples and writes the catalogue; this test runs
each example again and compares the printed diagnostics with the file.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from archlang.diagnostics import CODES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_errors", DOCS / "gen_errors.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_errors"] = module  # dataclasses look their module up there
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


GEN = _generator()
CATALOGUE = (DOCS / "errors.md").read_text()


def test_every_code_the_compiler_can_emit_is_in_the_catalogue() -> None:
    documented = {entry.code for entry in GEN.ENTRIES}
    assert documented == set(CODES)
    for code in CODES:
        assert f"## {code}: {CODES[code]}" in CATALOGUE


@pytest.mark.parametrize("entry", GEN.ENTRIES, ids=lambda e: e.code)
def test_example_gives_its_code_as_documented(entry) -> None:
    text = GEN.printed(entry)
    assert f"[{entry.code}]" in text
    assert GEN.section(entry) in CATALOGUE
