"""`archc fmt` and the printer: one canonical layout, idempotent, meaning and comments kept.

The fixtures are in tests/fmt_cases/: `identity.arch` holds one case per
line, each a spec of one line that must come out unchanged; `pairs.arch`
holds cases of several lines, `=== what it shows`, the input, `---` and what
it must become (a case without `---` must come out unchanged). Every shipped
spec (architectures/, the standard library, the zoo) is already formatted,
is a fixed point, and checks the same once formatted; hypothesis mutates the
spacing of shipped specs and generates specs, and formatting must keep what
they check to, the comments and itself.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ARCHITECTURES, ROOT, STDLIB, archc_in_process_outputs, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import specs
from test_goldens import VARIANTS

import archlang
from archlang import zoo
from archlang.limits import DEFAULT
from archlang.pipeline import analyze_source
from archlang.printer import FormatError, diff, format_source, format_text
from archlang.serialize import analysis_json
from archlang.source import Source

CASES = ROOT / "tests" / "fmt_cases"
ZOO = sorted((ROOT / "archlang" / "zoo").glob("*.arch"))
SHIPPED = [*ARCHITECTURES, *sorted(STDLIB.glob("*.arch")), *ZOO]


def identity_cases() -> list[str]:
    return [line + "\n" for line in (CASES / "identity.arch").read_text("utf-8").splitlines() if line]


def pair_cases() -> list[tuple[str, str, str]]:
    """(name, input, expected) of pairs.arch."""
    cases = []
    for block in (CASES / "pairs.arch").read_text("utf-8").split("=== ")[1:]:
        name, _, body = block.partition("\n")
        lines = body.split("\n")[:-1]
        before, after = (lines[:lines.index("---")], lines[lines.index("---") + 1:]) if "---" in lines else (lines,
                                                                                                             lines)
        cases.append((name, "".join(line + "\n" for line in before), "".join(line + "\n" for line in after)))
    return cases


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# ---- fixtures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", identity_cases())
def test_identity(text: str) -> None:
    assert format_text(text) == text


@pytest.mark.parametrize(("name", "before", "after"), pair_cases(), ids=[c[0] for c in pair_cases()])
def test_pair(name: str, before: str, after: str) -> None:
    assert format_text(before) == after
    assert format_text(after) == after  # idempotent: the expected form is a fixed point


def test_fixtures_cover_every_rule_of_the_grammar() -> None:
    """Each rule of grammars/archlang.lark that builds a node is met by some fixture."""
    from archlang import syntax

    seen: set[str] = set()

    class Rules:
        def __default__(self, name: str, children: list[Any], meta: Any) -> None:
            seen.add(name)

    for text in [*identity_cases(), *(before for _, before, _ in pair_cases())]:
        syntax.parse_text(text, Rules())
    grammar = re.sub(r'(?<!")//(?!").*', "", syntax.grammar_text())  # less its comments
    rules = set(re.findall(r"^\??([a-z_]+):", grammar, re.MULTILINE))
    aliases = set(re.findall(r"-> ([a-z_]+)", grammar))
    expected = {r for r in rules | aliases if not r.startswith("_")} - {"start", "path", "dim", "value", "argument",
                                                                          "expr", "test", "or_test", "and_test",
                                                                          "not_test", "comparison", "sum", "product",
                                                                          "unary", "atom", "input_dim"}
    assert expected - seen == set()


def test_a_byte_order_mark_line_breaks_of_any_system_trailing_spaces_tabs_and_no_last_newline() -> None:
    assert format_text("\ufeffnetwork n\r\ninput 3 \t\r\n\tfc-10,\t pool   # c  \r\n[a]*2") == (
        "network n\ninput 3\nfc-10, pool     # c\n[a]*2\n")  # the comment keeps its column, 16


def test_a_file_that_does_not_parse_is_refused_with_its_diagnostics() -> None:
    with pytest.raises(archlang.ArchError) as info:
        format_text("network n\ninput 3\n[conv3-64, pool\nfc-10 p=\n", "bad.arch")
    assert [(d.code, d.line, d.col) for d in info.value.errors] == [("E103", 3, 1), ("E108", 4, 8)]
    with pytest.raises(archlang.ArchError) as info:
        format_text("input 3\nconv3-64 p=\nfc-10\n[a]*\n")
    assert [(d.code, d.line, d.col) for d in info.value.errors] == [("E108", 2, 11), ("E105", 4, 4)]


def test_the_printer_refuses_a_result_that_means_something_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check after printing is real: a printer that wrote `+` for `|` is caught, not written."""
    from archlang import printer

    monkeypatch.setattr(printer, "_text", lambda token: "+" if token.value == "|" else token.value)
    with pytest.raises(FormatError, match="would mean something else"):
        format_text("{a | b}\n")


def test_long_operator_chains_format_or_get_E109_never_a_recursion_error() -> None:
    assert format_text("input 3\nfc-(" + "1+" * 5000 + "1)\n") == "input 3\nfc-(" + "1 + " * 5000 + "1)\n"
    with pytest.raises(archlang.ArchError) as info:
        format_text("input 3\nfc-(" + "1+" * 25_000 + "1)\n")
    assert [(d.code, d.span) for d in info.value.errors] == [("E109", None)]


def test_fmt_reports_a_printer_bug_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archlang import printer

    spec = tmp_path / "a.arch"
    spec.write_text("{a|b}\n", "utf-8")
    monkeypatch.setattr(printer, "_text", lambda token: "+" if token.value == "|" else token.value)
    status, out, err = archc_in_process_outputs("fmt", str(spec))
    assert (status, out) == (2, "")
    assert err.startswith(f"archc: internal error, {spec} left as it is: {spec}: the formatted text would mean")
    assert spec.read_text("utf-8") == "{a|b}\n"


def test_the_docstring_example_runs() -> None:
    import doctest

    from archlang import printer

    assert doctest.testmod(printer).attempted == 1
    assert doctest.testmod(printer).failed == 0


def test_a_comment_on_the_last_line_without_a_line_break() -> None:
    assert format_text("fc-10,softmax  # the end") == "fc-10, softmax  # the end\n"
    assert format_text("fc-10\n# the end") == "fc-10\n# the end\n"


def test_diff_is_a_unified_diff() -> None:
    assert diff("fc-10,pool\n", "fc-10, pool\n", "a.arch") == (
        "--- a.arch (original)\n+++ a.arch (formatted)\n@@ -1 +1 @@\n-fc-10,pool\n+fc-10, pool\n")
    assert diff("x\n", "x\n", "a.arch") == ""


# ---- the shipped specs -------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=rel)
def test_shipped_specs_are_formatted(path: Path) -> None:
    text = path.read_text("utf-8")
    assert format_text(text, rel(path)) == text


def test_fmt_check_passes_on_every_shipped_spec() -> None:
    status, out, err = archc_in_process_outputs("fmt", "--check", *map(str, SHIPPED))
    assert (status, out, err) == (0, "", "")


def stripped(value: Any) -> Any:
    """A check's JSON without source positions: line and column keys, and places named in messages."""
    if isinstance(value, dict):
        return {k: stripped(v) for k, v in value.items() if k not in ("line", "col", "end_line", "end_col")}
    if isinstance(value, list):
        return [stripped(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"line \d+(, column \d+)?|:\d+(:\d+)?\b", "<at>", value)
    return value


def checked(text: str, name: str, params: dict[str, Any], path: Path | None = None) -> Any:
    analysis = analyze_source(Source(name, text, path), params, DEFAULT)
    return stripped(analysis_json(analysis, name))


CHECK_CASES = [*((ROOT / "architectures" / f"{n}.arch", p) for n, p in VARIANTS),
               *((STDLIB / p.name, {}) for p in sorted(STDLIB.glob("*.arch"))),
               *((m.path, m.params) for m in zoo.models().values())]


@pytest.mark.parametrize(("path", "params"), CHECK_CASES,
                         ids=[f"{p.stem}-{json.dumps(v, sort_keys=True)}" for p, v in CHECK_CASES])
def test_formatting_never_changes_what_a_shipped_spec_checks_to(path: Path, params: dict[str, Any]) -> None:
    """Each shipped spec, with the -D values of the goldens and every variant of
    the zoo, spaced at random, then formatted: the check's JSON is the same.
    (The spec itself is its own formatted form: test_shipped_specs_are_formatted.)"""
    text = path.read_text("utf-8")
    messy = respace(text, random.Random(path.name + json.dumps(params, sort_keys=True)), undoable=True)
    formatted = format_text(messy, rel(path))
    assert messy != text and formatted == text
    assert checked(formatted, rel(path), params, path) == checked(messy, rel(path), params, path)


# ---- hypothesis ------------------------------------------------------------------------------------


def respace(text: str, rng: random.Random, undoable: bool = False) -> str:
    """The spec with the spaces between its tokens changed at random (none,
    one, several; never joining two words), statements indented, trailing
    spaces and blank lines added: the same spec, laid out badly. `undoable`
    keeps to what formatting undoes exactly: spaces only taken away, and only
    on one-line statements (a continuation line keeps its place against the
    line above), and blank lines added only beside blank lines."""
    from archlang import printer

    lines = printer._lines(text, printer._read(Source("<messy>", text))[1])
    printer._mark_continuations(lines)
    one_line = {n for n, line in enumerate(lines, start=1)
                if not line.continues and (n == len(lines) or not lines[n].continues)}
    out, at = [], 0
    for token in (t for t, _ in printer._read(Source("<messy>", text))[1] if t.type != "_NL"):
        gap = text[at:token.start_pos]
        if "\n" not in gap and "#" not in gap and at and rng.random() < 0.5 and (
                not undoable or token.line in one_line):
            space = "" if undoable else rng.choice(["", " ", "   "])
            gap = (gap if undoable else " ") if not space and printer._glues(text[at - 1], token.value) else space
        out += [gap, token.value]
        at = token.end_pos
    messy = "".join([*out, text[at:]]).split("\n")
    if undoable:  # each trailing comment back at its column
        messy = [line if old.comment is None or not old.tokens else
                 line[:len(line) - len(old.comment)].rstrip().ljust(old.comment_col) + old.comment
                 for line, old in zip(messy, lines)]
    return "\n".join(_mess_up_line(line, rng, undoable) for line in messy)


def _mess_up_line(line: str, rng: random.Random, undoable: bool) -> str:
    if rng.random() > 0.2:
        return line
    if undoable:
        return line + "\n" if not line else line + "  "
    return rng.choice(["  ", "\n", "\t"]) + line if not line.startswith(" ") else line + "\n"


def comments(text: str) -> list[str]:
    from archlang import printer

    source = Source("<c>", text)
    return [line.comment for line in printer._lines(text, printer._read(source)[1]) if line.comment is not None]


SMALL = [p for p in SHIPPED if p.stat().st_size < 4000]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SMALL), st.randoms(use_true_random=False))
def test_respaced_shipped_specs(path: Path, rng: random.Random) -> None:
    text = respace(path.read_text("utf-8"), rng)
    formatted = format_text(text)
    assert format_text(formatted) == formatted
    assert [c.rstrip() for c in comments(text)] == comments(formatted)
    assert checked(formatted, "<s>", {}, path) == checked(text, "<s>", {}, path)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(specs())
def test_generated_specs(text: str) -> None:
    """Generated specs (valid and near-valid, comments and odd Unicode among
    them): one that parses formats to a fixed point that checks the same and
    keeps every comment; one that does not is refused with ArchError."""
    try:
        formatted = format_source(Source("<g>", text))
    except archlang.ArchError as error:
        assert error.errors
        return
    assert format_source(Source("<g>", formatted)) == formatted
    assert [c.rstrip() for c in comments(text)] == comments(formatted)
    assert checked(formatted, "<g>", {}) == checked(text, "<g>", {})


# ---- the command ---------------------------------------------------------------------------------


def test_fmt_rewrites_in_place_and_says_so(tmp_path: Path) -> None:
    ugly, neat = tmp_path / "ugly.arch", tmp_path / "neat.arch"
    ugly.write_text("network n\ninput 3\nfc-10,softmax\n", "utf-8")
    neat.write_text("network n\ninput 3\nfc-10, softmax\n", "utf-8")
    assert archc_in_process_outputs("fmt", str(ugly), str(neat)) == (0, "", f"reformatted {ugly}\n")
    assert ugly.read_text("utf-8") == neat.read_text("utf-8")
    assert archc_in_process_outputs("fmt", str(ugly)) == (0, "", "")


def test_fmt_of_a_folder_formats_every_spec_under_it(tmp_path: Path) -> None:
    (tmp_path / "deep").mkdir()
    for name in ("b.arch", "deep/a.arch", "notes.txt"):
        (tmp_path / name).write_text("fc-10,softmax\n", "utf-8")
    status, _, err = archc_in_process_outputs("fmt", "--check", str(tmp_path))
    assert (status, err) == (1, f"would reformat {tmp_path / 'b.arch'}\nwould reformat {tmp_path / 'deep/a.arch'}\n")
    assert archc_in_process_outputs("fmt", str(tmp_path))[0] == 0
    assert [(tmp_path / n).read_text("utf-8") for n in ("b.arch", "deep/a.arch", "notes.txt")] == [
        "fc-10, softmax\n", "fc-10, softmax\n", "fc-10,softmax\n"]


def test_fmt_check_lists_what_would_change_and_writes_nothing(tmp_path: Path) -> None:
    ugly = tmp_path / "ugly.arch"
    ugly.write_text("fc-10,softmax\n", "utf-8")
    assert archc_in_process_outputs("fmt", "--check", str(ugly)) == (1, "", f"would reformat {ugly}\n")
    assert ugly.read_text("utf-8") == "fc-10,softmax\n"


def test_fmt_diff_prints_the_change_and_writes_nothing(tmp_path: Path) -> None:
    ugly = tmp_path / "ugly.arch"
    ugly.write_text("fc-10,softmax\n", "utf-8")
    status, out, err = archc_in_process_outputs("fmt", "--diff", str(ugly))
    assert (status, err) == (0, "")
    assert out.splitlines()[2:] == ["@@ -1 +1 @@", "-fc-10,softmax", "+fc-10, softmax"]
    assert ugly.read_text("utf-8") == "fc-10,softmax\n"


def test_fmt_leaves_a_file_with_errors_as_it_is(tmp_path: Path) -> None:
    bad = tmp_path / "bad.arch"
    bad.write_text("network n\ninput 3\n[fc-10 ,  pool\n", "utf-8")
    status, out, err = archc_in_process_outputs("fmt", str(bad))
    assert (status, out) == (1, "")
    assert err.startswith(f"{bad}:3:1: error[E103]: '[' is never closed")
    assert bad.read_text("utf-8") == "network n\ninput 3\n[fc-10 ,  pool\n"


def test_fmt_of_a_missing_file_is_E100() -> None:
    status, _, err = archc_in_process_outputs("fmt", "no/such.arch")
    assert status == 1
    assert err.startswith("no/such.arch: error[E100]: cannot read no/such.arch")


def test_fmt_dash_reads_standard_input_and_writes_standard_output() -> None:
    result = invoke(["fmt", "-"], input="fc-10,softmax  # out\n")
    assert (result.exit_code, result.stdout) == (0, "fc-10, softmax  # out\n")
    result = invoke(["fmt", "--check", "-"], input="fc-10,softmax\n")
    assert (result.exit_code, result.stdout) == (1, "")


def test_fmt_help_teaches() -> None:
    status, out, _ = archc_in_process_outputs("fmt", "--help")
    assert status == 0
    for taught in ("--check", "--diff", "archc fmt --check architectures/*.arch", "`{a | b}`", "standard input",
                   "a folder"):
        assert taught in out


# ---- the documentation ---------------------------------------------------------------------------


def blocks(path: Path, language: str, section: str = "") -> list[str]:
    text = path.read_text("utf-8")
    if section:
        text = text[text.index(section):]
        text = text[:text.find("\n## ", 1)]
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


def test_the_readme_example_formats_as_shown_and_checks() -> None:
    before, after = blocks(ROOT / "README.md", "arch", "## Formatting")
    assert before != after
    assert format_text(before) == after
    assert archlang.check(after).params == archlang.check(before).params == 103_930


def test_the_python_example_of_the_docs_prints_what_it_says() -> None:
    (code,) = blocks(ROOT / "docs" / "fmt.md", "python")
    call, *expected = code.strip().splitlines()[2:]
    text = eval(call.removeprefix("print(").removesuffix(', end="")'))  # the format_text(...) call
    assert text.splitlines() == [line.removeprefix("# ") for line in expected]


def test_the_git_hook_of_the_docs_refuses_a_commit_of_an_unformatted_spec(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("git") is None:
        pytest.skip("no git")
    (hook,) = blocks(ROOT / "docs" / "fmt.md", "sh", "## A pre-commit hook")
    bin_dir = tmp_path / "bin"  # `archc` on PATH: this interpreter's archlang
    bin_dir.mkdir()
    (bin_dir / "archc").write_text(f"#!/bin/sh\nexec {sys.executable} -m archlang \"$@\"\n")
    (bin_dir / "archc").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    repo = tmp_path / "repo"

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60,
                              check=False)

    repo.mkdir()
    git("init", "-q")
    (repo / ".git" / "hooks" / "pre-commit").write_text(hook)
    (repo / ".git" / "hooks" / "pre-commit").chmod(0o755)
    (repo / "net.arch").write_text("network n\ninput 3\nfc-10,softmax\n")
    git("add", "net.arch")
    refused = git("commit", "-q", "-m", "unformatted")
    assert refused.returncode == 1
    assert "would reformat net.arch" in refused.stderr
    assert "run: archc fmt net.arch" in refused.stderr
    (repo / "net.arch").write_text(format_text((repo / "net.arch").read_text()))
    git("add", "net.arch")
    assert git("commit", "-q", "-m", "formatted").returncode == 0


def test_fmt_does_not_import_torch() -> None:
    from test_no_torch import probe

    assert probe("fmt", "--check", "architectures/vgg16.arch") == "EXIT 0 HEAVY -"


# ---- IR to text (archlang/unparse.py) --------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=rel)
def test_ir_to_text_parses_back_to_the_same_ir(path: Path) -> None:
    from archlang import syntax
    from archlang.unparse import module_text

    module = syntax.parse(Source(rel(path), path.read_text("utf-8")))
    text = module_text(module)
    assert syntax.parse(Source(rel(path), text)) == module
    assert format_text(text) == text


def test_ir_to_text_of_every_fixture() -> None:
    from archlang import syntax
    from archlang.unparse import module_text

    for case in [*identity_cases(), *(before for _, before, _ in pair_cases())]:
        module = syntax.parse(Source("<case>", case))
        assert syntax.parse(Source("<case>", module_text(module))) == module, case


def test_ir_built_by_a_program_is_written_as_a_spec() -> None:
    """IR without spans (an importer's): the usual order, one layer a line, parentheses where needed."""
    from archlang import ir
    from archlang.unparse import module_text, node_text

    k, c = ir.Name("k"), ir.Name("c")
    module = ir.Module(
        Source("<built>", ""),
        networks=(ir.NetworkDecl("net", (ir.Param("k", ir.Number(16)), ir.Param("c", None))),),
        inputs=(ir.InputDecl((ir.Number(3), ir.Binary("*", k, ir.Number(2)), ir.Number(32))),),
        defaults=(ir.Default((), (ir.Option("act", ir.Name("relu")),), "act"),
                  ir.Default(("conv",), (ir.Option("bn", ir.Number(True)),))),
        defs=(ir.Def("block", (ir.Param("c", None),), ir.Seq((ir.Branch("+", (ir.Identity(), ir.Seq((
            ir.Call("conv3", count=c), ir.Call("conv3", count=c))))),))),),
        body=ir.Seq((ir.Repeat(ir.Call("block", (ir.Binary("*", ir.Binary("+", k, ir.Number(1)), ir.Number(2)),)),
                               ir.Binary("-", c, ir.Number(1))),
                     ir.Call("fc", count=ir.Number(10), options=(ir.Option("p", ir.Unary("-", ir.Number(1))),)))),
    )
    assert module_text(module) == (
        "network net(k = 16, c)\n"
        "input 3@(k * 2)x(32)\n"
        "act relu\n"
        "default conv bn=true\n"
        "def block(c) = {x + conv3-c, conv3-c}\n"
        "block((k + 1) * 2)*(c - 1)\n"
        "fc-10 p=-1\n")
    assert node_text(ir.Binary("-", k, ir.Binary("-", c, ir.Number(1)))) == "k - (c - 1)"
    assert node_text(ir.IfElse(ir.Name("t"), ir.Number(1.5e-6), ir.Number(0))) == "1.5e-06 if t else 0"
