"""The shipped parser tables: they match the grammar, and nothing else is loaded.

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
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from archlang import _tables, syntax

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


def _outcome(parser, text: str) -> object:
    try:
        return parser.parse(text)
    except UnexpectedToken as error:
        return ("token", error.token.type, error.token.value, error.line, error.column, sorted(error.expected))
    except UnexpectedCharacters as error:
        return ("character", error.line, error.column, sorted(error.allowed or ()))
    except UnexpectedInput as error:  # pragma: no cover - the two above are all LALR raises
        return ("input", type(error).__name__, error.line, error.column)


@pytest.fixture(scope="module")
def fresh():
    return syntax._build_parser(syntax.grammar_text())


def test_tables_were_made_from_this_grammar():
    assert _tables.GRAMMAR_SHA256 == syntax.grammar_digest(syntax.grammar_text()), (
        "grammars/archlang.lark changed: run python scripts/generate_parser.py")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_parser.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_the_shipped_tables_are_what_parse_uses():
    syntax._parser.cache_clear()
    parser = syntax._parser()
    assert parser.source_path == "<deserialized>"  # loaded from _tables, not rebuilt


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: p.name)
def test_every_shipped_spec_parses_alike(path: Path, fresh):
    text = path.read_text("utf-8")
    assert _outcome(syntax._parser(), text) == _outcome(fresh, text)


@pytest.mark.parametrize("text", BAD)
def test_every_error_is_reported_alike(text: str, fresh):
    expected = _outcome(fresh, text)
    assert isinstance(expected, tuple), "each of these inputs must fail to parse"
    assert _outcome(syntax._parser(), text) == expected


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
