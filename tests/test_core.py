"""The open core: one node protocol, an explicit walk context, joins as a table.

The bugs that the first house's swapped state and hand-written dispatchers
hid each have a test here, with the structure that prevents their kind: the
child protocol every tree shares, and the stage order of the modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ARCHITECTURES_DIR, ROOT

import archlang
from archlang import codegen, ir, joins, syntax
from archlang.checker.checked import Branched
from archlang.nodes import Node, Visitor
from archlang.source import Source

PACKAGE = ROOT / "archlang"


def displays(text: str) -> list[str]:
    return [row.layer.display for row in archlang.check(text).rows]


# ---- bugs the old walker hid ------------------------------------------------------------


def test_a_block_sees_its_own_arguments_when_the_walk_looks_ahead() -> None:
    """`f(0)` expands to nothing, so fc-8 is the output layer and gets no
    activation, exactly as `[fc-4]*0` (the look-ahead used the caller's
    parameters inside the block)."""
    head = "network t\ninput 4\nact relu\ndef f(n) = [fc-4]*n\n"
    assert displays(head + "fc-8, f(0)\n") == ["fc-8"]
    assert displays(head + "fc-8, [fc-4]*0\n") == ["fc-8"]
    assert displays(head + "fc-8, f(1)\n") == ["fc-8 + relu", "fc-4"]


def test_the_file_activation_follows_a_sum_not_a_conv_default() -> None:
    """With `act none`, no activation follows the sum, whatever conv's own default says."""
    spec = "network t\ninput 8@4x4\nact none\ndefault conv act=relu\n{x + conv1-8, conv1-8 act=none}, conv1-4\n"
    assert displays(spec) == ["add", "conv1-8 + relu", "conv1-8", "conv1-4"]
    spec = "network t\ninput 8@4x4\nact relu\ndefault conv act=none\n{x + conv1-8, conv1-8}, conv1-4\n"
    assert displays(spec) == ["add + relu", "conv1-8", "conv1-8", "conv1-4"]


def _forward_lines(source: str) -> list[str]:
    return [line.strip().split("  #")[0] for line in source.splitlines() if " = " in line and "self." in line
            and "(x)" in line or line.strip().startswith(("x = out", "x = torch"))]


@pytest.mark.parametrize("count", [1, 2])
def test_a_repeated_residual_around_a_block_keeps_its_sum(count: int) -> None:
    spec = f"network t\ninput 8@4x4\nact relu\ndef body(c) = conv1-c, conv1-c\n[{{x + body(8)}}]*{count}\n"
    source = codegen.python(archlang.check(spec))
    assert source.count("x = out + x") == count


def test_a_repeated_side_output_around_a_block_stays_a_side_output() -> None:
    spec = "network t\ninput 8@4x4\nact relu\ndef body(c) = conv1-c, conv1-c\n[side[body(8)]]*2, gap\n"
    network = archlang.check(spec)
    assert network.side_outputs == ((8, 4, 4), (8, 4, 4))
    source = codegen.python(network)
    assert "tuple[torch.Tensor, ...]" in source and source.count("aux") >= 2


def test_a_default_naming_several_kinds_reads_the_key_per_kind_whatever_the_hash_seed() -> None:
    """`p` is conv's padding and dropout's probability: each takes its own."""
    network = archlang.check("network t\ninput 3@8x8\ndefault conv dropout p=0\nconv3-8, dropout\n")
    conv, dropout = (row.layer for row in network.rows)
    assert conv.out_shape == (8, 6, 6) and conv.opts["pad"] == 0
    assert dropout.opts["p"] == 0


# ---- an analysis that never raises ------------------------------------------------------------


FIVE_ERRORS = """network t(k = 8)
input 3@32x32
act relu
conv3-64 p=
conv3-k, zz3-4
[conv3-64]*
conv3-64 -> -> pool
fc-10 q=1
"""


def test_analyze_reports_three_syntax_errors_and_two_semantic_ones_each_with_a_range() -> None:
    analysis = archlang.analyze(FIVE_ERRORS)
    found = [(d.code, d.line, d.col, d.end_line, d.end_col) for d in analysis.diagnostics]
    assert found == [
        ("E108", 4, 11, 4, 12),  # option has no value
        ("E201", 5, 10, 5, 13),  # unknown layer zz3
        ("E105", 6, 11, 6, 12),  # '*' needs a repeat count
        ("E102", 7, 13, 7, 15),  # unexpected '->'
        ("E202", 8, 7, 8, 10),   # fc has no option q
    ]
    assert analysis.network is not None and analysis.network.name == "t"
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(FIVE_ERRORS)
    assert [d.code for d in info.value.diagnostics] == ["E108", "E201", "E105", "E102", "E202"]


@pytest.mark.parametrize("text", ["", "\x00", "input", "[[[", "}", "network", "input 3@8x8\n{x + }"])
def test_analyze_never_raises(text: str) -> None:
    analysis = archlang.analyze(text)
    assert isinstance(analysis.diagnostics, list)


def test_analyze_of_a_missing_file_is_a_diagnostic(tmp_path: Path) -> None:
    analysis = archlang.analyze(tmp_path / "missing.arch")
    assert [d.code for d in analysis.diagnostics] == ["E100"] and analysis.source is None


# ---- what the zoo needs of the language ---------------------------------------------------------


def shapes(text: str) -> list[tuple[str, str]]:
    return [(row.layer.display, archlang.fmt_shape(row.layer.out_shape)) for row in archlang.check(text).rows]


def test_lets_functions_and_conditional_expressions() -> None:
    """torchvision's _make_divisible, written in the spec."""
    spec = ("network t(width = 1.0)\n"
            "let divisible(v, d = 8, m = max(d, int(v + d / 2) // d * d)) = m + d if m < 0.9 * v else m\n"
            "let c = divisible(32 * width)\n"
            "input 3@8x8\nconv3-c, conv3-divisible(20), conv3-(min(3, 7) if c > 8 else 1)\n")
    assert [out for _, out in shapes(spec)] == ["32@8x8", "24@8x8", "3@8x8"]
    assert next(out for _, out in [*shapes(spec.replace("1.0", "0.35"))]) == "16@8x8"  # 11.2 -> 16


def test_a_let_sees_only_what_is_written_before_it() -> None:
    """So a function cannot call itself, and a spec's values never loop."""
    with pytest.raises(archlang.ArchError) as info:
        archlang.check("network t\nlet f(n) = f(n)\ninput 3@8x8\nconv3-f(1)\n")
    assert [(d.code, d.message) for d in info.value.errors] == [("E203", "undefined function 'f'")]


def test_the_input_line_takes_expressions() -> None:
    assert archlang.check("network t(res = 300)\ninput 3@(res)x(res)\nconv3-4\n").input == (3, 300, 300)
    assert archlang.check("network t(res = 240)\ninput 3@res x res\nconv3-4\n").output == (4, 240, 240)
    assert archlang.check("network t(res = 240)\ninput 3@res x res\nconv3-4\n", res=380).input == (3, 380, 380)


def test_a_repeat_can_number_its_iterations() -> None:
    assert [out for _, out in shapes("network t\ninput 3@8x8\n[conv3-(4 + 2 * i)]*3 as i\n")] == [
        "4@8x8", "6@8x8", "8@8x8"]


def test_a_block_reads_its_input_channels() -> None:
    spec = "network t\ninput 8@8x8\ndef squeeze(r = 4) = conv1-(in_channels // r), conv1-in_channels\nsqueeze(), squeeze(2)\n"
    assert [out for _, out in shapes(spec)] == ["2@8x8", "8@8x8", "4@8x8", "8@8x8"]


def test_the_joins_of_the_zoo() -> None:
    gate = shapes("network t\ninput 8@8x8\n{x * avgpool8, conv1-2, conv1-8, sigmoid}\n")
    assert gate[0] == ("gate", "8@8x8") and gate[1][1] == "8@1x1"
    dense = shapes("network t\ninput 4@8x8\n[{x | conv3-4}]*2\n")
    assert [out for _, out in dense] == ["8@8x8", "4@8x8", "12@8x8", "4@8x8"]
    crop = shapes("network t\npad valid\ninput 4@12x12\n{x | conv3-4, conv3-4} crop=true\n")
    assert crop[0] == ("concat (crop)", "8@8x8")
    written = archlang.check("network t\ninput 4@8x8\n{(conv1-8/2 act=none) + conv3-8/2}\n")
    assert [r.layer.op for r in written.rows] == ["add", "conv1-8/2", "conv3-8/2"]  # the projection first


@pytest.mark.parametrize(("spec", "code"), [
    ("network t\ninput 8@8x8\n{x * gap}\n", "E310"),
    ("network t\ninput 8@8x8\n{conv1-8 + conv1-4}\n", "E311"),
    ("network t\ninput 4@8x8\n{x | conv3-4 p=0}\n", "E310"),
    ("network t\ninput 4@8x8\n{x | conv3-4} trim=true\n", "E202"),
])
def test_joins_refuse_what_does_not_fit(spec: str, code: str) -> None:
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(spec)
    assert [d.code for d in info.value.errors] == [code]


# ---- the node protocol ------------------------------------------------------------------


def _every_subclass(base: type) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | _every_subclass(sub)
    return found


def test_every_node_names_only_real_fields_as_children() -> None:
    from archlang import records

    for cls in _every_subclass(Node):
        if records.is_record(cls):
            names = {f.name for f in records.fields(cls)}
            assert set(cls.fields) <= names, f"{cls.__name__}.fields names {set(cls.fields) - names}"


def test_a_generic_visitor_reaches_every_layer_call_of_a_spec() -> None:
    """A visitor with one method finds every call in the IR, through every
    kind of node, without a line about the others."""
    text = (ARCHITECTURES_DIR / "inception_v3.arch").read_text()
    module = syntax.parse(Source("inception_v3.arch", text))

    class Calls(Visitor):
        def __init__(self) -> None:
            self.names: list[str] = []

        def visit_Call(self, node: ir.Call) -> None:
            self.names.append(node.name)
            self.generic_visit(node)

    calls = Calls()
    calls.visit(module)
    assert calls.names.count("inception_a") == 3 and "conv3" in calls.names and "fc" in calls.names


def test_branches_are_one_node_with_their_join_from_the_table() -> None:
    network = archlang.check("network t\ninput 8@8x8\n{conv1-4 | conv3-4}, {x + conv3-8}\n")
    branches = [n for n in network.tree.items if isinstance(n, Branched)]
    assert [b.join.name for b in branches] == ["concat", "add"]
    assert [j.symbol for j in joins.JOINS] == ["|", "+", "*"]
    assert all(j.name in codegen.torch_rules.JOINS for j in joins.JOINS)


# ---- the stage order ---------------------------------------------------------------------

#: The stages, lowest first: a module may import only from its own stage or those before it.
STAGES = [
    {"records"},
    {"_version", "limits", "nodes", "units", "_tables", "zoo", "lalr", "aliases", "colour"},
    {"source", "options"},
    {"diagnostics"},
    {"ir", "mistakes"},
    {"syntax"},
    {"scope", "printer", "unparse"},
    {"layers", "kind", "channel_kinds", "token_kinds", "window_kinds", "partition_kinds"},
    {"joins"},
    {"checker"},
    {"pipeline", "accounting"},
    {"serialize", "report", "render", "codegen", "interpret", "logits", "formats", "sweep"},
    {"tables", "runtime", "volumes"},
    {"notebook", "lexer"},
    {"files", "cli", "__init__", "__main__", "lsp"},
]


def _stage(module: str) -> int:
    top = module.split(".")[0]
    return next(i for i, stage in enumerate(STAGES) if top in stage)


def _imports(path: Path) -> set[str]:
    """The archlang modules a file imports (relative imports resolved), at any depth of the file."""
    package = path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level]
            target = [*base, *(node.module.split(".") if node.module else [])]
            if node.module is None or not target:
                found |= {".".join([*base, alias.name]) for alias in node.names}
            else:
                found.add(".".join(target))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("archlang"):
            found.add(node.module.removeprefix("archlang").lstrip(".") or "__init__")
    return {f for f in found if f}


def test_imports_follow_the_stage_order() -> None:
    """No module imports from a later stage; inside the checker and codegen
    packages the arrows form no cycle either."""
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        if module.split(".")[0] in ("stdlib",):
            continue
        for target in _imports(path):
            if target.split(".")[0] == module.split(".")[0]:
                continue
            assert _stage(target) <= _stage(module), f"{module} imports {target}, a later stage"


def test_no_cycles_between_modules() -> None:
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        graph[module] = {t.removesuffix(".__init__") for t in _imports(path)}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in graph.get(node, ()):
            if target not in graph or target == node:
                continue
            assert state.get(target) != 1, f"import cycle: {' -> '.join([*trail, node, target])}"
            if target not in state:
                visit(target, [*trail, node])
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module, [])


def test_no_module_is_over_about_600_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if p.name != "_tables.py"
            and (n := len(p.read_text("utf-8").splitlines())) > 620}
    assert not long, long


def test_value_classes_are_records_not_dataclasses() -> None:
    """One way to make a value class: archlang.records (a dataclass costs ten
    times as much to create, and archc check imports some fifty of them)."""
    found = [str(path.relative_to(PACKAGE)) for path in sorted(PACKAGE.rglob("*.py"))
             if any(isinstance(node, (ast.Import, ast.ImportFrom))
                    and "dataclasses" in ([node.module] if isinstance(node, ast.ImportFrom) else
                                          [alias.name for alias in node.names])
                    for node in ast.walk(ast.parse(path.read_text("utf-8"))))]
    assert found == []
