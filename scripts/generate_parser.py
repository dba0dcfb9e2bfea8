"""Regenerate archlang/_tables.py, the parser tables, from grammars/archlang.lark.

Run after every change to the grammar: `python scripts/generate_parser.py`.
`--check` exits 1 (writing nothing) when the file was made from another
grammar. Lark numbers tokens and states differently from run to run, so the
file is compared with the grammar through the grammar's digest it records, and
tests/test_parser_tables.py checks that both parsers read every input alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archlang import syntax

TABLES = ROOT / "archlang" / "_tables.py"


def main(argv: list[str]) -> int:
    grammar = syntax.grammar_text()
    if "--check" in argv:
        current = TABLES.read_text("utf-8") if TABLES.exists() else ""
        if f"GRAMMAR_SHA256 = {syntax.grammar_digest(grammar)!r}" not in current:
            print(f"{TABLES.relative_to(ROOT)} is out of date: run python scripts/generate_parser.py")
            return 1
        return 0
    text = syntax.tables_source(grammar)
    TABLES.write_text(text, "utf-8")
    print(f"wrote {TABLES.relative_to(ROOT)} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
