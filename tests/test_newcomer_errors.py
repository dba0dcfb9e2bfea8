"""The first mistakes a newcomer makes, and what archc tells them (issue 14, point 3).

tests/golden/newcomer_errors.json holds, for each input below, every
diagnostic it gets: code, line, column, end, message and hint. The messages
name the mistake and the hints show the fix written from the user's own text,
so a change of wording is a change of this file, reviewed like the code:

    ARCHLANG_UPDATE_GOLDENS=1 python -m pytest tests/test_newcomer_errors.py

The other tests pin what the golden cannot say alone: that a misleading
"did you mean" is gone, that every syntax error of a file is reported with
the semantic ones, and that the table of mistakes stays true to the grammar.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import GOLDEN_DIR, HEAD

import archlang
from archlang import mistakes, syntax
from archlang.lalr import UnexpectedToken

GOLDEN = GOLDEN_DIR / "newcomer_errors.json"
UPDATE = os.environ.get("ARCHLANG_UPDATE_GOLDENS") == "1"

#: The inputs: a layer line goes after HEAD (so it is line 3); a line that starts
#: with `input` or a statement replaces the input line.
LINES = [
    # the input's shape
    "input 28x28", "input 3 @ 32 x 32", "input 32x32x3", "input 3x32x32", "input (3, 32, 32)", "input 3,32,32",
    "input: 3@32x32",
    # a framework's notation
    "Conv2D(32, (3,3), activation='relu')", "Conv2D(64, kernel_size=3, padding='same')", "nn.Conv2d(3, 64, 3)",
    "Conv2D(32, 3)", "Linear(512, 10)", "Dense(10, activation='softmax')", "MaxPool2D(2)", "MaxPool2d(3, 2)",
    "MaxPooling2D((2, 2))", "conv3-64 padding='same'", "conv3-64 act=\"relu\"", "conv3-64 activation=relu",
    "conv3-64 kernel_size=3", "conv3-64 strides=2", "conv3-64 use_bias=false", "GlobalAveragePooling2D",
    # spellings a framework accepts, which archlang does too
    "Dense(10)", "Flatten()", "ReLU", "Dropout(0.5)", "Softmax", "conv3-64 padding=same", "LayerNorm",
    "BatchNorm2d", "batchnorm(0.001, 0.01)",
    # a framework's call that would mean something else here: PyTorch's channels read as an eps
    "BatchNorm2d(64)", "LayerNorm(64)",
    # spaces and words in the notation
    "conv 3-64", "pool 2", "fc 10", "conv3 64", "dropout 0.5", "[conv 3-64]*2", "conv3-64 bn", "fc-10 softmax",
    "[conv3-64 bn, pool]", "conv3-64 -> fc-10 softmax", "[conv3-64]x2", "conv3-64;", "x = conv3-64",
    # statements
    "netwrok vgg", "Network vgg", "net vgg",
    # did you mean, and what it must not say
    "layernom", "upsample2", "upsample(2)", "deconv3-64", "lstm-128", "act rleu\nconv3-8", "conv3-8 act=rleu",
    "pool3-2", "maxpool3-2", "conx3-64",
]


def newcomer_spec(line: str) -> str:
    if line.startswith("input"):
        return "network t\n" + line + "\nconv3-8\n"
    if line.split()[0].lower() in ("netwrok", "network", "net"):
        return line + "\ninput 3@32x32\nconv3-8\n"
    return HEAD + line + "\n"


def found(line: str) -> list[dict[str, object]]:
    analysis = archlang.analyze(newcomer_spec(line))
    return [{"code": d.code, "line": d.line, "col": d.col, "end_line": d.end_line, "end_col": d.end_col,
             "message": d.message, "hint": d.hint} for d in analysis.diagnostics]


def test_newcomer_errors_match_the_golden() -> None:
    actual = {line: found(line) for line in LINES}
    if UPDATE:
        GOLDEN.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert GOLDEN.exists(), f"no golden {GOLDEN.name}: run with ARCHLANG_UPDATE_GOLDENS=1"
    expected = json.loads(GOLDEN.read_text("utf-8"))
    assert list(expected) == LINES, "the golden's inputs differ from LINES: regenerate it"
    for line in LINES:
        assert actual[line] == expected[line], line


@pytest.mark.parametrize(("line", "code", "col", "hint"), [
    ("input 28x28", "E110", 1, "input 1@28x28"),
    ("Conv2D(32, (3,3), activation='relu')", "E111", 1, "conv3-32 p=valid act=relu"),
    ("conv 3-64", "E112", 1, "write conv3-64"),
    ("pool 2", "E112", 1, "write pool2 for a 2x2 window"),
    ("fc 10", "E112", 1, "write fc-10"),
    ("netwrok vgg", "E113", 1, "did you mean 'network'?"),
    ("conv3-64 bn", "E108", 10, "conv3-64, bn"),
    ("conv3-64 padding='same'", "E101", 18, "padding=same"),
    ("conv3-64 activation=relu", "E202", 10, "act=relu"),
    ("upsample2", "E201", 1, "no upsampling layer"),
    ("act rleu\nconv3-8", "E308", 1, "did you mean 'relu'?"),
    ("pool3-2", "E202", 1, "pool3/2"),
    ("layernom", "E201", 1, "did you mean 'layernorm'?"),
    ("BatchNorm2d(64)", "E308", 13, "PyTorch's first argument is the channels"),
])
def test_each_mistake_is_named_with_its_fix(line: str, code: str, col: int, hint: str) -> None:
    (diagnostic,) = archlang.analyze(newcomer_spec(line)).diagnostics
    assert (diagnostic.code, diagnostic.col) == (code, col)
    assert diagnostic.hint is not None and hint in diagnostic.hint


@pytest.mark.parametrize("line", ["conv3-64 activation=relu", "upsample2", "upsample(2)"])
def test_no_misleading_suggestion(line: str) -> None:
    """The look-alikes difflib found: `dilation` for activation, `subsample2` for upsample2."""
    hints = " ".join(d.hint or "" for d in archlang.analyze(newcomer_spec(line)).diagnostics)
    assert "dilation" not in hints and "subsample" not in hints


def test_layernorm_is_a_kind_not_a_suggestion() -> None:
    network = archlang.check(HEAD + "layernorm\n")
    assert [row.layer.kind.name for row in network.rows if row.layer is not None][-1:] == ["layernorm"]


def test_three_syntax_and_two_semantic_errors_are_all_reported_with_ranges() -> None:
    text = HEAD + "conv 3-64\nconx3-64\npool 2\nconv3-64 q=1\nfc 10\n"
    found = [(d.code, d.line, d.col, d.end_line, d.end_col) for d in archlang.analyze(text).diagnostics]
    assert found == [("E112", 3, 1, 3, 10), ("E201", 4, 1, 4, 6), ("E112", 5, 1, 5, 7),
                     ("E202", 6, 10, 6, 13), ("E112", 7, 1, 7, 6)]


@pytest.mark.parametrize("example", [e for m in mistakes.MISTAKES for e in m.examples])
def test_every_example_of_the_table_fails_where_its_mistake_is_named(example: str) -> None:
    """The table is written in examples; each must still fail to parse (a
    grammar change could make one valid) and get its named code."""
    with pytest.raises(UnexpectedToken):
        syntax.parse_text(example, syntax._ToIR(archlang.diagnostics.Collector(None)))
    codes = {d.code for d in archlang.analyze(HEAD + example).diagnostics}
    assert codes & {"E108", "E112", "E113"}, (example, codes)


def test_a_megabyte_line_gets_the_plain_message_at_once() -> None:
    """Naming reads the line back with regular expressions: past MAX_LINE it is
    not tried (quadratic on a line of 60,000 letters), and the parser's words stand."""
    import time

    start = time.perf_counter()
    analysis = archlang.analyze(HEAD + "a" * 60_000 + " =x\n", limits={"max_bytes": 10**6})
    assert time.perf_counter() - start < 2
    assert [(d.code, d.message) for d in analysis.diagnostics] == [("E102", "unexpected '='")]


@pytest.mark.parametrize(("call", "form"), [
    ("Conv2D(32, (3,3), activation='relu')", "conv3-32 p=valid act=relu"),     # Keras pads valid by default
    ("Conv2D(filters=32, kernel_size=(3,3), strides=(2,2))", "conv3-32/2 p=valid"),
    ("Conv2D(64, 3, padding='same')", "conv3-64"),
    ("nn.Conv2d(3, 64, kernel_size=3, stride=2, padding=1)", "conv3-64/2 p=1"),
    ("nn.Conv2d(3, 64, 3)", "conv3-64 p=0"),                                 # PyTorch pads nothing by default
    ("Conv2d(3, 64, (1, 7))", "conv1x7-64 p=0"),
    ("Dense(10, activation='softmax')", "fc-10 act=softmax"),
    ("Linear(in_features=512, out_features=10)", "fc-10"),
    ("MaxPool2D(pool_size=(2,2), strides=None)", "maxpool2"),
    ("nn.MaxPool2d(3, 2)", "maxpool3/2"),
    ("AdaptiveAvgPool2d((1, 1))", "gap"),
    ("AdaptiveAvgPool2d((7, 7))", "adaptiveavgpool7"),
    ("Dropout(rate=0.3)", "dropout(0.3)"),
    ("layers.Flatten()", "flatten"),
    ("LSTM(128)", None),
])
def test_framework_calls_translate_to_archlang(call: str, form: str | None) -> None:
    from archlang import aliases

    assert aliases.translate(call) == form
    if form is not None:  # what the hint says is itself a layer archlang checks
        archlang.check(HEAD + form.replace("softmax", "relu") + "\n")
