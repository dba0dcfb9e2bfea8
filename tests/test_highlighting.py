"""Editor support: the Pygments lexer (`archlang/lexer.py`) and the VS Code extension (`editors/vscode/`).

Both highlighters run over every spec in the repository and over snippets of the
notation that is coming (gating joins, identity paths, expression functions,
conditional expressions, input expressions, floats, comparisons, strings): the
lexer must give no `Error` token, and the TextMate grammar, run by the small
tokenizer in `tests/textmate.py`, must give every character a scope of its own
(not only `source.archlang` or a `meta.*` region) and none with `invalid`.
Exact token types pin down the distinctions that matter (a layer, its count, an
option key), and two negative cases show neither highlighter accepts anything.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import shutil
import subprocess
from typing import Any

import pygments.lexers
import pytest
from conftest import ALL_SPECS, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.token import Error, Keyword, Name, Number, Operator, Punctuation, String, Whitespace
from pygments.util import ClassNotFound
from textmate import Grammar, GrammarError, Token  # tests/textmate.py: pytest puts tests/ on sys.path

from archlang.lexer import SHAPE, ArchlangLexer

VSCODE = ROOT / "editors" / "vscode"

#: The notation coming soon, and corners of today's: none may give an error token.
SNIPPETS = {
    "brief-example": """\
import resnet                 # the standard library, or import "blocks.arch"
network vgg16(bn = false, k = 64)
input 3@224x224
act relu
pad same
default conv bn=bn bias=false
def basic(c, s = 1) = {x + conv3-c/s, conv3-c}
def inception(n1, r3) = {
    conv1-n1
  | conv1-r3 -> conv5-n1
  | maxpool3/1 p=1 -> conv1-n1
}
[conv3-64]*2, pool
[(conv3-k)*2, pool]*3 -> fc-(2*k) → dropout(0.5), fc-1000, softmax
c1: conv11-96/4 p=0 act=leakyrelu(0.1)
lrn if k > 64
side[avgpool5/3, conv1-128, fc-1024, fc-10]
{x + f(64)} shortcut=A
""",
    "gating": "{x * gap, conv1-8, hardsigmoid}",
    "identity-path": "{x | conv3-32}\n{conv3-32 | x}",
    "sum-of-paths": "{conv1-48/2 act=none + conv3-48}",
    "functions": "fc-(min(a, b)), fc-(max(a, 2*b, 3)), fc-(floor(k / 3)), fc-(ceil(k/3)),\n"
                 "fc-(round(k * 0.75))",
    "conditional-expression": "network n(big = false, k = 64 if big else 32)\nfc-(k if big else 2*k)",
    "input-expression": "input 3@(res)x(res)\ninput 3@res x res\ninput 3@(2*res)x224\ninput 56",
    "floats": "network f(lr = 1e-3, p = 0.5, q = .5, r = 2., s = 1.5e+2)\ndropout(.5), dropout(p=0.5)",
    "comparisons": "conv3-k if k == 3 or k != 4\nlrn if not k <= 5 and k >= 1\npool if k < 9 and k > 0",
    "floordiv-mod": "fc-(k // 2 % 3 + 1 - 2), conv3-(k//2)/(s%2)",
    "strings": 'import "blocks.arch"\nimport "../lib/more blocks.arch"  # a comment',
    "options": "conv3-64 p=-1 act=relu, maxpool3/2 p=(k//2) ceil=true, conv1-8 act=none table=lenet5",
    "continued-lines": "conv3-64,\n  conv3-64 ->\n  pool\n[conv3-64,\n conv3-64\n pool]*2",
    "nested-branches": "{conv1-64 | conv1-48 -> {conv1x3-384 | conv3x1-384}} if multichannel",
    "repeat-expression": "[basic(c)]*(n-1), [fc-5]*n, (conv3-k)*2",
    "labels": "i3a: inception(64, 96) if big\nstage1 : cifar_stage(16, n, 1)",
    "side-output": "side[inception_aux(classes)] if aux\nside [avgpool5/3, fc-10]",
    "statements": "default conv maxpool bias=false ceil=true act=leakyrelu(0.2)\n"
                  "act leakyrelu(0.1)\nact none\npad 1\npad valid\n"
                  "def stem() = conv7-64/2, maxpool3/2 p=1\nnetwork plain",
    "multi-line-parameters": "network wide(\n    k = 64,   # width\n    n = 2,\n)\nfc-k",
    "crlf": "network a\r\ninput 3@32x32\r\nconv3-8, pool\r\n",
    "unicode-arrow": "fc-4096 → dropout(0.5) → fc-10",
}

INPUTS = [*(pytest.param(path.read_text("utf-8"), id=path.relative_to(ROOT).as_posix()) for path in ALL_SPECS),
          *(pytest.param(text, id=name) for name, text in SNIPPETS.items())]


def test_the_inputs_are_there() -> None:
    """The glob found the repository's specs (an empty parametrization would pass vacuously)."""
    names = {path.name for path in ALL_SPECS}
    assert {"vgg16.arch", "resnet.arch", "inception_v3.arch"} <= names and len(names) > 20


# ---- Pygments ---------------------------------------------------------------------------------------------


def lex(text: str) -> list[tuple[Any, str]]:
    """The lexer's tokens of `text`, without whitespace."""
    return [(kind, value) for kind, value in ArchlangLexer().get_tokens(text) if kind not in Whitespace]


@pytest.mark.parametrize("text", INPUTS)
def test_lexer_gives_no_error_token(text: str) -> None:
    """Every spec and snippet lexes without an Error token."""
    errors = [(value, kind) for kind, value in ArchlangLexer().get_tokens(text) if kind in Error]
    assert not errors


@pytest.mark.parametrize("text", INPUTS)
def test_lexer_tokens_put_back_together_are_the_text(text: str) -> None:
    """Nothing is dropped or invented (Pygments ends the text with a line break and drops \\r)."""
    lexed = "".join(value for _, value in ArchlangLexer(stripnl=False).get_tokens(text))
    assert lexed == text.replace("\r\n", "\n").rstrip("\n") + "\n"


def test_lexer_layer_count_stride_option() -> None:
    """`conv3` is a layer, `64` its count, `2` its stride, `p` an option key."""
    assert lex("conv3-64/2 p=1") == [
        (Name.Builtin, "conv3"), (Operator, "-"), (Number.Integer, "64"), (Operator, "/"),
        (Number.Integer, "2"), (Name.Attribute, "p"), (Operator, "="), (Number.Integer, "1"),
    ]


def test_lexer_layer_block_call_and_parameter() -> None:
    """`conv1x7` and `fc` are layers, `inception(...)` a call, `c` and `k` parameters, `x` the identity."""
    assert lex("{x + conv1x7-c}, inception(64, k), fc-k, dropout(0.5)") == [
        (Punctuation, "{"), (Name.Builtin.Pseudo, "x"), (Operator, "+"), (Name.Builtin, "conv1x7"),
        (Operator, "-"), (Name.Variable, "c"), (Punctuation, "}"), (Punctuation, ","),
        (Name.Function, "inception"), (Punctuation, "("), (Number.Integer, "64"), (Punctuation, ","),
        (Name.Variable, "k"), (Punctuation, ")"), (Punctuation, ","),
        (Name.Builtin, "fc"), (Operator, "-"), (Name.Variable, "k"), (Punctuation, ","),
        (Name.Function, "dropout"), (Punctuation, "("), (Number.Float, "0.5"), (Punctuation, ")"),
    ]


def test_lexer_statements() -> None:
    """The statement keywords, a network's parameters, a literal shape, default's layer and options."""
    assert lex("network vgg16(bn = false)\ninput 3@224x224\ndefault conv bn=bn\nimport resnet") == [
        (Keyword.Declaration, "network"), (Name.Class, "vgg16"), (Punctuation, "("), (Name.Variable, "bn"),
        (Operator, "="), (Keyword.Constant, "false"), (Punctuation, ")"),
        (Keyword, "input"), (SHAPE, "3@224x224"),
        (Keyword, "default"), (Name.Builtin, "conv"), (Name.Attribute, "bn"), (Operator, "="),
        (Name.Variable, "bn"),
        (Keyword.Namespace, "import"), (Name.Namespace, "resnet"),
    ]


def test_lexer_label_condition_gating_and_expressions() -> None:
    """Labels, conditions, the gating join, expression functions, `a if c else b`, input expressions."""
    assert lex("c1: lrn if k >= 64 and not big") == [
        (Name.Label, "c1"), (Operator, ":"), (Name.Builtin, "lrn"), (Keyword, "if"), (Name.Variable, "k"),
        (Operator, ">="), (Number.Integer, "64"), (Keyword, "and"), (Keyword, "not"), (Name.Variable, "big"),
    ]
    gating = [(Name.Builtin.Pseudo, "x"), (Operator, "*"), (Name.Builtin, "gap")]
    assert lex("{x * gap, hardsigmoid}")[1:4] == gating
    assert lex("fc-(min(a, 1e-3) if b else .5)")[3:] == [
        (Name.Function, "min"), (Punctuation, "("), (Name.Variable, "a"), (Punctuation, ","),
        (Number.Float, "1e-3"), (Punctuation, ")"), (Keyword, "if"), (Name.Variable, "b"), (Keyword, "else"),
        (Number.Float, ".5"), (Punctuation, ")"),
    ]
    assert lex('input 3@(res)x(res)\nimport "b.arch"') == [
        (Keyword, "input"), (Number.Integer, "3"), (Operator, "@"),
        (Punctuation, "("), (Name.Variable, "res"), (Punctuation, ")"), (Operator, "x"),
        (Punctuation, "("), (Name.Variable, "res"), (Punctuation, ")"),
        (Keyword.Namespace, "import"), (String.Double, '"b.arch"'),
    ]


def test_lexer_marks_what_no_spec_may_hold() -> None:
    """The no-error tests mean something: a stray character or bracket is an Error."""
    assert (Error, "$") in lex("conv3-64 $")
    assert (Error, "]") in lex("conv3-64]")


#: Pieces of specs, valid and not, for the property tests below.
PIECES = [*"x-/*+|,:=()[]{}<>!%@.#\"\n \t→$", "conv3", "if", "else", "network ", "def ", "input ", "act ", "pad ",
          "default ", "import ", "side", "k", "64", "1e-3", ".5", "->", "true", "none", "act=", "p="]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_highlighters_never_lose_text_or_hang(text: str) -> None:
    """On any text, valid or not, the lexer gives back every character and the grammar ends."""
    lexed = "".join(value for _, value in ArchlangLexer(stripnl=False).get_tokens(text))
    assert lexed == (text if text.endswith("\n") else text + "\n")  # Pygments ends the text with a line break
    tokens = load_grammar().tokenize(text)
    assert "\n".join("".join(token.text for token in line)[:-1] for line in tokens) == text


def test_lexer_imports_only_pygments() -> None:
    """Highlighting must not pull in the compiler (lark), torch, or the rest of archlang."""
    tree = ast.parse((ROOT / "archlang" / "lexer.py").read_text("utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert all(not isinstance(node, ast.ImportFrom) or node.level == 0 for node in ast.walk(tree))
    allowed = {"__future__", "collections", "re", "typing", "pygments"}
    assert {name.split(".")[0] for name in imported} <= allowed


def test_pygments_finds_the_lexer_by_name_and_file_name() -> None:
    """Through the installed `pygments.lexers` entry point, as Sphinx and MkDocs look it up."""
    try:
        by_name = pygments.lexers.get_lexer_by_name("archlang")
    except ClassNotFound:
        pytest.fail("Pygments has no 'archlang' lexer: reinstall the package (pip install -e '.[test]') "
                    "so its pygments.lexers entry point is registered")
    assert isinstance(by_name, ArchlangLexer)
    assert isinstance(pygments.lexers.get_lexer_by_name("arch"), ArchlangLexer)
    assert isinstance(pygments.lexers.get_lexer_for_filename("x.arch"), ArchlangLexer)


# ---- TextMate ---------------------------------------------------------------------------------------------

GRAMMAR_PATH = VSCODE / "syntaxes" / "archlang.tmLanguage.json"


@functools.cache
def load_grammar() -> Grammar:
    """The VS Code grammar, loaded (and its regexes compiled) once."""
    return Grammar(json.loads(GRAMMAR_PATH.read_text("utf-8")))


@pytest.fixture
def grammar() -> Grammar:
    """The VS Code grammar, for the tests that take it as an argument."""
    return load_grammar()


def own_scopes(token: Token) -> list[str]:
    """A token's scopes less the grammar's base scope and the `meta.*` regions around it."""
    return [scope for scope in token.scopes[1:] if not scope.startswith("meta.")]


def scoped(grammar: Grammar, text: str) -> list[tuple[str, list[str]]]:
    """(text, own scopes) of each token that is not whitespace, all lines in a row."""
    return [(token.text, own_scopes(token)) for line in grammar.tokenize(text) for token in line
            if token.text.strip()]


@pytest.mark.parametrize("text", INPUTS)
def test_grammar_scopes_every_character(grammar: Grammar, text: str) -> None:
    """Every character but whitespace gets a scope of its own, and none is invalid."""
    problems = []
    for number, line in enumerate(grammar.tokenize(text), 1):
        for token in line:
            if token.text.strip() and not own_scopes(token):
                problems.append(f"line {number}: {token.text!r} has only {token.scopes}")
            if any("invalid" in scope for scope in token.scopes):
                problems.append(f"line {number}: {token.text!r} is {token.scopes}")
    assert not problems, "\n".join(problems)


def test_grammar_layer_count_stride_option(grammar: Grammar) -> None:
    """The same distinctions as the lexer's, in TextMate scopes."""
    assert scoped(grammar, "conv3-64/2 p=1") == [
        ("conv3", ["support.function.layer.archlang"]), ("-", ["keyword.operator.count.archlang"]),
        ("64", ["constant.numeric.integer.archlang"]), ("/", ["keyword.operator.stride.archlang"]),
        ("2", ["constant.numeric.integer.archlang"]), ("p", ["entity.other.attribute-name.option.archlang"]),
        ("=", ["keyword.operator.assignment.archlang"]), ("1", ["constant.numeric.integer.archlang"]),
    ]


def test_grammar_layer_block_call_parameter_identity(grammar: Grammar) -> None:
    """Layers, calls, parameters, the identity, a network's name, a shape, a label, `if`."""
    tokens = dict(scoped(grammar, "{x * gap, conv1x7-c}, inception(64, k)"))
    assert tokens["x"] == ["variable.language.identity.archlang"]
    assert tokens["gap"] == tokens["conv1x7"] == ["support.function.layer.archlang"]
    assert tokens["c"] == tokens["k"] == ["variable.parameter.archlang"]
    assert tokens["inception"] == ["entity.name.function.call.archlang"]
    tokens = dict(scoped(grammar, "network n(k = 64)\ninput 3@224x224\nc1: lrn if k > 64"))
    assert tokens["n"] == ["entity.name.type.network.archlang"]
    assert tokens["3@224x224"] == ["constant.numeric.shape.archlang"]
    assert tokens["c1"] == ["entity.name.label.archlang"]
    assert tokens["if"] == ["keyword.control.conditional.archlang"]


def test_grammar_marks_what_no_spec_may_hold(grammar: Grammar) -> None:
    """The no-invalid test means something: a stray character or bracket is invalid."""
    assert ("$", ["invalid.illegal.character.archlang"]) in scoped(grammar, "conv3-64 $")
    assert ("]", ["invalid.illegal.stray-bracket.archlang"]) in scoped(grammar, "conv3-64]")


def _regexes(rules: list[dict[str, Any]], where: str) -> list[tuple[str, str]]:
    """(where, regex) of every `match`, `begin` and `end` in `rules`, nested patterns included."""
    found = []
    for index, rule in enumerate(rules):
        found += [(f"{where}[{index}].{key}", rule[key]) for key in ("match", "begin", "end") if key in rule]
        found += _regexes(rule.get("patterns", []), f"{where}[{index}].patterns")
    return found


#: Constructs only one of the two engines has (or that mean different things in them).
NOT_PORTABLE = {r"\G": "Oniguruma only", r"\h": "Oniguruma only (hex digit)", r"\K": "Oniguruma only",
                r"(?>": "atomic groups: Python 3.11+ only", r"(?P": "Python only", r"\p{": "Oniguruma only",
                r"\A": "anchors differ", r"\Z": "anchors differ", r"\z": "Oniguruma only"}


def test_grammar_regexes_compile_in_python_and_stay_portable() -> None:
    """Each regex compiles in Python and uses nothing only Oniguruma or only Python has."""
    data = json.loads(GRAMMAR_PATH.read_text("utf-8"))
    found = _regexes(data["patterns"], "patterns")
    for key, rule in data["repository"].items():
        found += _regexes([rule], f"repository.{key}")
    assert len(found) > 40
    problems = []
    for where, regex in found:
        try:
            re.compile(regex)
        except re.error as error:
            problems.append(f"{where}: {regex!r} does not compile in Python re: {error}")
        problems += [f"{where}: {regex!r} uses {construct} ({why})" for construct, why in NOT_PORTABLE.items()
                     if construct in regex]
    assert not problems, "\n".join(problems)


# The tokenizer itself, on small grammars: it must apply rules in TextMate's order.

def toy(patterns: list[dict[str, Any]], repository: dict[str, Any] | None = None) -> Grammar:
    """A grammar of a few rules, to test the tokenizer by."""
    return Grammar({"scopeName": "source.toy", "patterns": patterns, "repository": repository or {}})


def flat(grammar: Grammar, text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(text, scopes below the base scope) of each token that is not whitespace."""
    return [(token.text, token.scopes[1:]) for line in grammar.tokenize(text) for token in line
            if token.text.strip()]


def test_tokenizer_earliest_match_wins_then_the_first_listed() -> None:
    """`a` (listed second) starts first and wins; `ab` ties with it and loses, being listed later."""
    g = toy([{"match": "b", "name": "late"}, {"match": "a", "name": "early"}, {"match": "ab", "name": "tie"}])
    assert flat(g, "ab") == [("a", ("early",)), ("b", ("late",))]


def test_tokenizer_end_wins_ties_and_regions_span_lines() -> None:
    """An end beats an inner pattern at the same place; a region goes on over a line break."""
    g = toy([{"begin": r"\(", "end": r"\)", "name": "group", "contentName": "inside",
              "beginCaptures": {"0": {"name": "open"}}, "endCaptures": {"0": {"name": "close"}},
              "patterns": [{"match": r"\)|x", "name": "inner"}]}])
    assert flat(g, "(x\nx)") == [("(", ("group", "open")), ("x", ("group", "inside", "inner")),
                                 ("x", ("group", "inside", "inner")), (")", ("group", "close"))]


def test_tokenizer_includes_repository_and_self_with_nested_captures() -> None:
    """`#name` and `$self` includes nest; a capture inside a capture nests its scope."""
    g = toy([{"include": "#pair"}, {"match": "[a-z]+", "name": "word"}],
            {"pair": {"begin": r"\[", "end": r"\]", "name": "pair", "patterns": [{"include": "$self"}]},
             "unused": {"patterns": [{"include": "#unused"}]}})
    assert flat(g, "[a [b]]") == [("[", ("pair",)), ("a", ("pair", "word")), ("[", ("pair", "pair")),
                                  ("b", ("pair", "pair", "word")), ("]", ("pair", "pair")), ("]", ("pair",))]
    g = toy([{"match": "((a)b)", "captures": {"1": {"name": "outer"}, "2": {"name": "inner"}}}])
    assert flat(g, "ab") == [("a", ("outer", "inner")), ("b", ("outer",))]


def test_tokenizer_refuses_what_it_cannot_apply() -> None:
    """A regex Python cannot compile, an unknown key, and a loop are errors, not silent misreadings."""
    with pytest.raises(GrammarError, match=r"patterns\[0\]\.match: regex '\\\\G\.' does not compile in Py"):
        toy([{"match": r"\G."}])
    with pytest.raises(GrammarError, match="unsupported keys"):
        toy([{"begin": "a", "while": "b"}])
    with pytest.raises(GrammarError, match="loops"):
        toy([{"begin": "(?=a)", "end": "(?=a)"}]).tokenize("a")


# ---- the VS Code extension --------------------------------------------------------------------------------


def test_package_json_names_files_that_exist() -> None:
    """The manifest is JSON; its language, grammar and entry point exist; the settings default."""
    package = json.loads((VSCODE / "package.json").read_text("utf-8"))
    (language,) = package["contributes"]["languages"]
    assert language["id"] == "archlang" and ".arch" in language["extensions"]
    assert (VSCODE / language["configuration"]).is_file()
    (tm,) = package["contributes"]["grammars"]
    assert tm["language"] == "archlang" and (VSCODE / tm["path"]).resolve() == GRAMMAR_PATH
    assert tm["scopeName"] == json.loads(GRAMMAR_PATH.read_text("utf-8"))["scopeName"] == "source.archlang"
    assert (VSCODE / package["main"]).is_file()
    assert "vscode-languageclient" in package["dependencies"]
    settings = package["contributes"]["configuration"]["properties"]
    assert settings["archlang.server.path"]["default"] == "archc"
    assert settings["archlang.server.args"]["default"] == []


def test_language_configuration() -> None:
    """Comments, brackets, auto-closing pairs and indentation rules for the editor."""
    config = json.loads((VSCODE / "language-configuration.json").read_text("utf-8"))
    assert config["comments"] == {"lineComment": "#"}
    assert {tuple(pair) for pair in config["brackets"]} == {("[", "]"), ("(", ")"), ("{", "}")}
    assert {pair["open"] + pair["close"] for pair in config["autoClosingPairs"]} >= {"[]", "()", "{}", '""'}
    rules = config["indentationRules"]
    assert re.search(rules["increaseIndentPattern"], "def inception(n1) = {")
    assert re.search(rules["decreaseIndentPattern"], "  }")


def test_extension_starts_archc_lsp() -> None:
    """The client starts `[archlang.server.path, "lsp", ...archlang.server.args]`."""
    source = (VSCODE / "extension.js").read_text("utf-8")
    assert "vscode-languageclient/node" in source
    assert "'server.path'" in source and "'server.args'" in source and "'lsp'" in source
    if shutil.which("node"):  # a syntax check where Node.js is installed; nothing is run
        done = subprocess.run(["node", "--check", str(VSCODE / "extension.js")], capture_output=True,
                              text=True, check=False, timeout=30)
        assert done.returncode == 0, done.stderr
