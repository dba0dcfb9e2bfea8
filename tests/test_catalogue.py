"""The error catalogue (docs/errors.md) documents every code, and each example
there still gives exactly what the catalogue shows.

docs/gen_errors.py holds the examples and writes the catalogue; this test runs
each example again and compares the printed diagnostics with the file.
"""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest
from conftest import ROOT

from archlang.diagnostics import CODES

DOCS = ROOT / "docs"


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


def test_the_code_table_is_exactly_the_codes_the_source_raises() -> None:
    """Every code literal in the compiler's modules is in CODES (so in the
    catalogue), and CODES holds no code that nothing raises any more."""
    raised = set()
    for module in (ROOT / "archlang").rglob("*.py"):
        if module.name != "diagnostics.py":
            raised |= set(re.findall(r"[\"']([EW]\d{3})[\"']", module.read_text(encoding="utf-8")))
    assert raised == set(CODES)


@pytest.mark.parametrize("entry", GEN.ENTRIES, ids=lambda e: e.code)
def test_example_gives_its_code_as_documented(entry) -> None:
    text = GEN.printed(entry)
    assert f"[{entry.code}]" in text
    assert GEN.section(entry) in CATALOGUE
