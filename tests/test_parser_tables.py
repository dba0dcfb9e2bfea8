"""The shipped parser tables: they match the grammar, parse as Lark does, and nothing else is loaded.

archlang/_tables.py holds the LALR tables Lark builds from grammars/archlang.lark
(scripts/generate_parser.py writes it). These tests check that it was made from
the grammar as it stands, that it reads every input exactly as a parser built
from the grammar does, and that a check opens no file in the shared temporary
folder: Lark's own cache kept a pickle there, which any local user could plant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ALL_SPECS, ARCHITECTURES_DIR, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Token as LarkToken
from lark import Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from test_fuzz import mutants, specs

from archlang import _tables, lalr, records, syntax
from archlang.diagnostics import Collector
from archlang.nodes import room_to_recurse
from archlang.source import Source

#: Inputs that stop the parser, each in a different state.
BAD = [
    "input 3@32x32\nconv3-64 p=\n",
    "input 3@32x32\n[conv3-64]*\n",
    "input 3@32x32\nconv3-64 bn\n",
    "network a(\n",
    "input 3@32x32\n{conv1-8 | }\n",
    "input 3@32x32\nconv3-64 -> -> pool\n",
    "def f(a) conv3-a\n",
    "import\n",
    "input 3@28x28x\n",
    "input 3@32x32\nconv3-64 $\n",
    "input 3@32x32\nfc-(2*)\n",
]


def _dump(value: object) -> object:
    """A parse result with every span, for comparing two parsers (IR equality ignores spans)."""
    if records.is_record(value) and not isinstance(value, type):
        return (type(value).__name__, *(( f.name, _dump(getattr(value, f.name))) for f in records.fields(value)
                                         if f.name != "source"))
    if isinstance(value, (list, tuple)):
        return tuple(_dump(v) for v in value)
    if isinstance(value, str):
        return (getattr(value, "type", None), str(value))
    return value


def ours(text: str) -> object:
    """The shipped tables' parse (lalr.py): the statements, or what stopped it."""
    try:
        with room_to_recurse():  # a generated chain of 1+1+... hundreds long is as deep as the walks allow
            return _dump(syntax.parse_text(text, syntax._ToIR(Collector(Source("t", text)))))
    except lalr.UnexpectedToken as error:
        return ("token", error.token.type, str(error.token), error.line, error.column, sorted(error.expected))
    except lalr.UnexpectedCharacters as error:
        return ("character", error.pos_in_stream, error.line, error.column, sorted(error.allowed))


def _build(node: object, builder: object) -> object:
    """Lark's tree through the same builder, bottom up, as a transformer with meta."""
    if isinstance(node, LarkToken):  # as the builder meets tokens from lalr.py
        return lalr.Token(node.type, str(node), node.start_pos, node.line, node.column, node.end_pos,
                          node.end_line, node.end_column)
    if not isinstance(node, Tree):
        return node
    children = [_build(child, builder) for child in node.children]
    method = getattr(builder, node.data, None)
    return method(node.meta, children) if method else children


def theirs(parser: object, text: str) -> object:
    """Lark's own parse of the same text, built the same way."""
    try:
        tree = parser.parse(text)  # type: ignore[attr-defined]
    except UnexpectedToken as error:
        return ("token", error.token.type, str(error.token), error.line, error.column, sorted(error.expected))
    except UnexpectedCharacters as error:
        return ("character", error.pos_in_stream, error.line, error.column, sorted(error.allowed or ()))
    with room_to_recurse():
        return _dump(_build(tree, syntax._ToIR(Collector(Source("t", text)))))


@pytest.fixture(scope="module")
def lark_parser():
    return syntax.build_lark(syntax.grammar_text())


def test_tables_were_made_from_this_grammar():
    assert _tables.GRAMMAR_SHA256 == syntax.grammar_digest(syntax.grammar_text()), (
        "grammars/archlang.lark changed: run python scripts/generate_parser.py")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_parser.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_a_check_imports_no_lark():
    probe = "import sys, archlang; archlang.check('architectures/lenet5.arch'); print('lark' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.stdout.strip() == "False", result.stderr


SHIPPED = [*ALL_SPECS, *sorted((ROOT / "archlang" / "zoo").glob("*.arch"))]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_spec_parses_as_lark_parses_it(path: Path, lark_parser):
    text = path.read_text("utf-8")
    assert ours(text) == theirs(lark_parser, text)


@pytest.mark.parametrize("text", BAD)
def test_every_error_is_reported_as_lark_reports_it(text: str, lark_parser):
    expected = theirs(lark_parser, text)
    assert isinstance(expected, tuple) and expected[0] in ("token", "character"), "each of these must fail"
    assert ours(text) == expected


@settings(max_examples=int(os.environ.get("ARCHLANG_PARSER_EXAMPLES", "400")), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.one_of(specs(), mutants()))
def test_random_text_parses_as_lark_parses_it(lark_parser, text: str):
    """The fuzz tests' inputs, through both parsers: the same statements, spans and errors."""
    if "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text):
        return  # refused before parsing (E107)
    ours_, theirs_ = ours(text), theirs(lark_parser, text)
    with room_to_recurse():  # comparing nested tuples recurses in C as deep as the tree
        assert ours_ == theirs_


def test_a_check_opens_nothing_in_the_shared_temporary_folder(tmp_path: Path):
    """In a fresh process, with TMPDIR a folder of planted cache files: the
    check opens none of them and writes nothing there."""
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    marker = tmp_path / "planted-code-ran"
    payload = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')"
    planted = b"cos\nsystem\n(S" + json.dumps(f"python3 -c \"{payload}\"").encode() + b"\ntR."
    for name in (".lark_cache_root_x_3_11.tmp", f".lark_cache_{os.getuid()}.tmp"):
        (shared / name).write_bytes(planted)
    probe = (
        "import sys, tempfile\n"
        "shared = tempfile.gettempdir()\n"  # probing the folder writes a file of its own: before the hook
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None)\n"
        "import archlang\n"
        f"archlang.check({str(ARCHITECTURES_DIR / 'lenet5.arch')!r})\n"
        "print('\\n'.join(p for p in opened if p.startswith(shared)))\n"
    )
    env = {**os.environ, "TMPDIR": str(shared)}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
    assert not marker.exists()
    assert sorted(p.name for p in shared.iterdir()) == sorted([".lark_cache_root_x_3_11.tmp",
                                                               f".lark_cache_{os.getuid()}.tmp"])
    assert tempfile.gettempdir() != str(shared)  # this process's own folder is untouched


def test_fixed_terminals_are_matched_as_strings() -> None:
    """The lexer matches a terminal that is one fixed string with startswith (no regex to
    compile at start-up); everything with a class, group or repeat stays a regex."""
    assert [lalr.literal(p) for p in ("act", "\\-", "@", "\\->", "→", "//", "\\(")] == [
        "act", "-", "@", "->", "→", "//", "("]
    assert [lalr.literal(p) for p in ("[0-9]+", "\\d", "a|b", "(?:==|!=)", "x*", "\\n", "")] == [None] * 7
    fixed = {name for name, pattern in _tables.TERMINALS.items() if lalr.literal(pattern)}
    assert {"NAME", "INT", "FLOAT", "SHAPE", "STRING", "COMMENT", "WS", "_NL", "COMPARE"}.isdisjoint(fixed)
    assert {"ACT", "COMMA", "LSQB", "__ANON_0", "X"} <= fixed
