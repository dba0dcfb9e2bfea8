"""Every diagnostic the checker promises, asserted by code, line and column.

One table, one case per row (sqlglot's fixture style): the spec, then the code,
line and column of the first diagnostic, then a piece of its hint (or None).
Wording is checked only where the issue asks for it: the "did you mean", the
formula with the numbers, the pixels dropped.
"""

from __future__ import annotations

import time

import pytest
from conftest import HEAD, diagnostics  # HEAD: the layers start on line 3

import archlang
from archlang.diagnostics import CODES


def where(diagnostic: archlang.Diagnostic) -> tuple[str, int, int]:
    return diagnostic.code, diagnostic.line, diagnostic.col


# (spec, code, line, col, a piece of the hint or None)
ERRORS = [
    # ---- syntax: characters, tokens, brackets
    (HEAD + "conv3-64 $", "E101", 3, 10, None),
    (HEAD + "conv3-64 conv3-64", "E102", 3, 15, "','"),
    (HEAD + "[conv3-64, pool", "E103", 3, 1, "add ']'"),
    (HEAD + "[conv3-64, pool\nfc-10", "E103", 3, 1, "add ']'"),
    (HEAD + "fc-(2*k", "E103", 3, 4, "add ')'"),
    ("network t(k = 3\ninput 3@32x32\nconv3-k", "E103", 1, 10, "add ')'"),
    (HEAD + "conv3-64]", "E104", 3, 9, "remove it"),
    (HEAD + "conv3-64)\nfc-10", "E104", 3, 9, "remove it"),
    (HEAD + "[(conv3-64*2, pool]", "E104", 3, 19, "'(' at line 3, column 2 is closed by ')'"),
    (HEAD + "[conv3-64]*, pool", "E105", 3, 11, "[conv3-64]*2"),
    (HEAD + "[conv3-64]*\nfc-10", "E105", 3, 11, "[conv3-64]*2"),
    (HEAD + "[conv3-64]*", "E105", 3, 11, "[conv3-64]*2"),
    (HEAD + "[conv3-64]*  # the count is missing", "E105", 3, 11, "[conv3-64]*2"),
    (HEAD + "conv3-64,", "E106", 3, 9, None),
    (HEAD + "conv3-64\x00", "E107", 3, 9, None),
    (HEAD + "conv3-64 p=", "E108", 3, 11, "key=value"),
    (HEAD + "conv3-64 p=, pool", "E108", 3, 11, "key=value"),
    (HEAD + "conv3-64 p=\nfc-10", "E108", 3, 11, "key=value"),
    (HEAD + "conv3-64 p=1 g=  # no groups", "E108", 3, 15, "key=value"),
    # ---- names: layers, options, parameters
    (HEAD + "cnov3-64", "E201", 3, 1, "did you mean 'conv3'?"),
    (HEAD + "conv3-64, polo", "E201", 3, 11, "did you mean 'pool'?"),
    (HEAD + "conv3-64 -> rleu", "E201", 3, 13, "did you mean 'relu'?"),
    (HEAD + "conv3-64, frobnicate", "E201", 3, 11, None),
    ("network t\r\ninput 3@32x32\r\ncnov3-64\r\n", "E201", 3, 1, "did you mean 'conv3'?"),
    (HEAD + "conv3-64 gorups=2", "E202", 3, 10, "did you mean 'groups'?"),
    (HEAD + "conv3-64 pad=1 strid=2", "E202", 3, 16, "did you mean 'stride'?"),
    (HEAD + "FC-10 biass=false", "E202", 3, 7, "did you mean 'bias'?"),
    (HEAD + "conv3-64 zzz=1", "E202", 3, 10, "its options are: kernel, stride, pad"),
    (HEAD + "dropout-3", "E202", 3, 1, None),
    ("network t(k = 3)\ninput 3@32x32\nconv3-kk", "E203", 3, 7, "did you mean 'k'?"),
    (HEAD + "fc-(2*n)", "E203", 3, 7, None),
    (HEAD + "conv3-64 p=1 pad=1", "E204", 3, 14, None),
    ("network t(k = 3, k = 4)\ninput 3@32x32\nconv3-k", "E204", 1, 18, None),
    ("network t(k)\ninput 3@32x32\nconv3-k", "E207", 1, 11, "-D k="),
    ("network a\nnetwork b\ninput 3@32x32\nconv3-8", "E208", 2, 1, "line 1"),
    (HEAD + "conv3-8\ninput 3@32x32", "E208", 4, 1, "line 2"),
    # ---- shapes and numbers
    ("network t\nconv3-64", "E301", 1, 1, "input 3@224x224"),
    ("conv3-64, pool", "E301", 1, 1, "input 3@224x224"),
    ("network t\ninput 3@4x4\nconv5-8 p=0", "E302", 3, 1, "(4 + 2*0 - 1*(5-1) - 1)/1) + 1 = 0"),
    ("network t\ninput 3@1x1\npool", "E302", 3, 1, "(1 + 2*0 - 1*(2-1) - 1)/2) + 1 = 0"),
    ("network t\ninput 3@8x8\n[conv3-8, pool]*4", "E302", 3, 11, "(1 + 2*0 - 1*(2-1) - 1)/2) + 1 = 0"),
    (HEAD + "conv3-64 g=2", "E303", 3, 1, "3 / 2 = 1.5"),
    ("network t\ninput 4@32x32\nconv3-6 g=4", "E303", 3, 1, "6 / 4 = 1.5"),
    (HEAD + "conv3-64, maxout(3)", "E304", 3, 11, "64 / 3 = 21.3333"),
    (HEAD + "conv3-63 -> maxout k=2", "E304", 3, 13, "63 / 2 = 31.5"),
    ("network t\ninput 10\npool", "E305", 3, 1, None),
    ("network t\ninput 3@8x8x8x8\nconv3-8", "E305", 2, 1, None),
    (HEAD + "conv3-0", "E306", 3, 7, None),
    (HEAD + "conv3-1.5", "E306", 3, 7, None),
    (HEAD + "fc-99999999999", "E306", 3, 4, None),
    (HEAD + "fc-1e400", "E306", 3, 4, None),
    ("network t(k = 4)\ninput 3@32x32\nconv3-(k-8)", "E306", 3, 8, None),
    (HEAD + "conv3-64/0", "E306", 3, 10, None),
    (HEAD + "conv3-64 s=0", "E306", 3, 10, None),
    (HEAD + "conv0-64", "E306", 3, 1, None),
    (HEAD + "dropout(1.5)", "E306", 3, 9, None),
    (HEAD + "fc-(10/0)", "E306", 3, 5, None),
    ("network t\ninput 0@32x32\nconv3-8", "E306", 2, 1, None),
    ("network t\ninput 3@99999999999x2\nconv3-8", "E306", 2, 1, None),
    (HEAD + "[conv3-64]*1000000000", "E307", 3, 1, "--max-layers"),
    (HEAD + "[[conv3-64]*1000]*1000", "E307", 3, 1, "--max-layers"),
    (HEAD + "conv3-64 bias=2", "E308", 3, 10, None),
    (HEAD + "conv3-64 act=frob", "E308", 3, 10, None),
    (HEAD + "conv3-64 pad=banana", "E308", 3, 10, None),
    (HEAD + "conv3", "E309", 3, 1, "conv3-64"),
    (HEAD + "fc", "E309", 3, 1, "fc-N"),
    # Token ids: embed reads only the input, and only embed reads it (both passed the
    # checker once, and failed when the built module ran).
    ("network t\ninput 56\nfc-20\nembed-8 vocab=100", "E312", 4, 1, "right after the input line"),
    ("network t\ninput 56\n[embed-8 vocab=100]*2", "E312", 3, 2, "right after the input line"),
    ("network t\ninput 1@56x56\nembed-8 vocab=100", "E305", 3, 1, None),
    ("network t\ninput 56\ndropout(0.5), embed-8 vocab=100", "E312", 3, 1, "put the embed layers first"),
    ("network t\ninput 56\nside[fc-10], embed-8 vocab=9", "E312", 3, 6, None),
]


@pytest.mark.parametrize("text, code, line, col, hint", ERRORS, ids=[f"{r[1]}-{i}" for i, r in enumerate(ERRORS)])
def test_error(text: str, code: str, line: int, col: int, hint: str | None) -> None:
    found = diagnostics(text)
    assert [where(d) for d in found[:1]] == [(code, line, col)], [d.format() for d in found]
    first = found[0]
    assert first.severity == "error"
    assert first.message
    if hint is not None:
        assert first.hint is not None and hint in first.hint, first.hint


#: The codes of the language core (issue 2); blocks and branches have their own tests.
CORE = {f"E10{i}" for i in range(10)} | {f"E20{i}" for i in range(1, 9)} | {f"E30{i}" for i in range(1, 10)} | {"W301"}


def test_every_core_code_is_covered() -> None:
    covered = {row[1] for row in ERRORS} | {"E205", "E206", "W301"}  # below
    covered |= {"E100", "E109"}  # test_bad_input.py
    assert covered <= set(CODES)
    assert CORE - covered == set()


# ---- the hints that carry numbers ---------------------------------------------------------


def test_output_size_hint_is_the_formula_with_numbers() -> None:
    [error] = diagnostics("network t\ninput 3@4x4\nconv5-8 p=0")
    assert error.message == "conv5 leaves an output of size 0 from input size 4"
    assert error.hint == ("output = floor((W + 2P - D(K-1) - 1)/S) + 1 = "
                          "floor((4 + 2*0 - 1*(5-1) - 1)/1) + 1 = 0")


def test_negative_output_size_is_reported_with_its_value() -> None:
    [error] = diagnostics("network t\ninput 3@4x4\nconv7-8/2 p=0")
    assert where(error) == ("E302", 3, 1)
    assert "size -1" in error.message and error.hint.endswith("= -1")


def test_caret_points_at_the_column() -> None:
    [error] = diagnostics(HEAD + "conv3-64, polo")
    assert error.format().splitlines() == [
        "<string>:3:11: error[E201]: unknown layer 'polo'",
        " 3 | conv3-64, polo",
        "   |           ^^^^",
        "  = hint: did you mean 'pool'?",
    ]


def test_unicode_arrow_counts_as_one_column() -> None:
    [error] = diagnostics(HEAD + "conv3-64 → frob")
    assert where(error) == ("E201", 3, 12)


# ---- command-line parameters (-D) ---------------------------------------------------------

PARAMETRIC = "network t(k = 3, bn = false)\ninput 3@32x32\nconv3-k bn=bn"

DEFINES = [
    ({"q": 1}, "E205", 1, 1, "the parameters are: k, bn"),
    ({"kk": 1}, "E205", 1, 1, "did you mean 'k'?"),
    ({"k": True}, "E206", 1, 11, None),
    ({"k": "abc"}, "E206", 1, 11, None),
    ({"bn": 3}, "E206", 1, 18, None),
    ({"k": 1.5}, "E306", 3, 7, None),
    ({"k": 0}, "E306", 3, 7, None),
]


@pytest.mark.parametrize("params, code, line, col, hint", DEFINES)
def test_define_error(params: dict, code: str, line: int, col: int, hint: str | None) -> None:
    found = diagnostics(PARAMETRIC, **params)
    assert [where(d) for d in found] == [(code, line, col)]
    if hint is not None:
        assert hint in found[0].hint


def test_define_without_network_parameters() -> None:
    found = diagnostics(HEAD + "conv3-8", k=1)
    assert [where(d) for d in found] == [("E205", 1, 1)]
    assert found[0].hint == "it declares none"


def test_define_overrides_default() -> None:
    assert archlang.check(PARAMETRIC, k=5, bn=True).output == (5, 32, 32)


# ---- the layer cap -------------------------------------------------------------------------


def test_repeat_bomb_is_refused_fast() -> None:
    start = time.perf_counter()
    found = diagnostics(HEAD + "[conv3-64]*1000000000")
    assert time.perf_counter() - start < 0.5
    assert [where(d) for d in found] == [("E307", 3, 1)]
    assert "1,000,000,000 layers" in found[0].message and "limit of 50,000" in found[0].message


def test_layer_cap_can_be_lowered_and_raised() -> None:
    found = diagnostics(HEAD + "[conv3-64]*2000", limits={"max_layers": 1000})
    assert [where(d) for d in found] == [("E307", 3, 1)]
    assert "limit of 1,000" in found[0].message
    assert len(archlang.check(HEAD + "[conv3-64]*2000", limits={"max_layers": 2000}).rows) == 2000


# ---- warnings ------------------------------------------------------------------------------


def test_alexnet_conv1_at_224_drops_one_pixel() -> None:
    network = archlang.check("network alex\ninput 3@224x224\nconv11-96/4 p=0")
    [warning] = network.diagnostics
    assert (warning.severity, *where(warning)) == ("warning", "W301", 3, 1)
    assert "last 1 pixel " in warning.message
    assert warning.hint == "(W + 2P - K) mod S = (224 + 2*0 - 11) mod 4 = 1; an input of 223 or 227 would tile"
    assert network.output == (96, 54, 54)


def test_alexnet_conv1_at_227_tiles() -> None:
    network = archlang.check("network alex\ninput 3@227x227\nconv11-96/4 p=0")
    assert network.diagnostics == []
    assert network.output == (96, 55, 55)


def test_warning_names_several_pixels() -> None:
    network = archlang.check("network t\ninput 3@10x10\nconv3-8 p=0, maxpool3/3")
    [warning] = network.diagnostics
    assert where(warning) == ("W301", 3, 14)
    assert "last 2 pixels" in warning.message


def test_ceil_pooling_does_not_warn() -> None:
    assert archlang.check("network t\ninput 3@10x10\nconv3-8 p=0, maxpool3/3 ceil=true").diagnostics == []


def test_warnings_ride_along_with_errors() -> None:
    found = diagnostics("network t\ninput 3@224x224\nconv11-96/4 p=0\nfrob")
    assert [(d.severity, *where(d)) for d in found] == [("warning", "W301", 3, 1), ("error", "E201", 4, 1)]


# ---- collection: every problem, in source order -----------------------------------------


def test_errors_are_collected_in_source_order() -> None:
    text = HEAD + "conv3-64\nconv3-64 g=5\nfrob\nconv3-64 bogus=1\nfc-k"
    found = diagnostics(text)
    assert [where(d) for d in found] == [
        ("E303", 4, 1),
        ("E201", 5, 1),
        ("E202", 6, 10),
        ("E203", 7, 4),
    ]


def test_errors_on_one_line_are_collected() -> None:
    found = diagnostics("network t(k = 3)\ninput 3@32x32\nconv3-zz, fc-yy, frob")
    assert [where(d) for d in found] == [("E203", 3, 7), ("E203", 3, 14), ("E201", 3, 18)]


def test_declaration_and_body_errors_are_collected() -> None:
    found = diagnostics("network a\nnetwork b\ninput 3@32x32\ncnov3-8", q=1)
    assert [where(d) for d in found] == [("E205", 1, 1), ("E208", 2, 1), ("E201", 4, 1)]


def test_bad_default_is_reported_once() -> None:
    """Not once for every layer the default applies to."""
    found = diagnostics("act frob\n" + HEAD + "[conv3-8]*5, conv5-8, fc-10")
    assert [where(d) for d in found] == [("E308", 1, 1)]
    found = diagnostics("pad frob\n" + HEAD + "conv3-8, conv5-8, conv1-8")
    assert [where(d) for d in found] == [("E308", 1, 1)]


def test_error_message_lists_every_diagnostic() -> None:
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(HEAD + "frob\nconv3-64 bogus=1")
    text = str(info.value)
    assert "<string>:3:1: error[E201]" in text and "<string>:4:10: error[E202]" in text
    assert [d.code for d in info.value.errors] == ["E201", "E202"]
