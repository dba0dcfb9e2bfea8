"""The language server's answers without a client: the node under the cursor
(position -> node, through the node protocol), what a name there means, the
index of the checked tree, positions in UTF-16, and hover, completion,
definition and outline as plain data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARCHITECTURES, ARCHITECTURES_DIR, ROOT, STDLIB, write

from archlang import ir
from archlang.lsp.complete import completions
from archlang.lsp.document import Document, to_client, to_point
from archlang.lsp.hover import hover
from archlang.lsp.locate import binding, path_at
from archlang.lsp.navigate import definition, symbols

VGG16 = ARCHITECTURES_DIR / "vgg16.arch"
RESNET = STDLIB / "resnet.arch"


def _document(path: Path) -> Document:
    return Document(path.read_text("utf-8"), path.resolve())


def _kinds(doc: Document, point: tuple[int, int]) -> list[str]:
    assert doc.module is not None
    return [type(node).__name__ for node in path_at(doc.module, point)]


# ---- position -> node ---------------------------------------------------------------------------


@pytest.mark.parametrize(("point", "path"), [
    ((12, 2), ["Seq", "Repeat", "Seq", "Call"]),     # [conv3-64]*2: on the name
    ((12, 8), ["Seq", "Repeat", "Seq", "Call", "Number"]),  # on the 64
    ((12, 11), ["Seq", "Repeat"]),                    # on the '*'
    ((12, 12), ["Seq", "Repeat", "Number"]),          # on the 2
    ((10, 17), ["Default", "Option", "Name"]),       # default conv bn=bn: the parameter
    ((6, 16), ["NetworkDecl", "Param"]),             # network vgg16(bn = false)
    ((3, 5), []),                                     # a comment
])
def test_the_path_to_the_node_under_the_cursor(point: tuple[int, int], path: list[str]) -> None:
    assert _kinds(_document(VGG16), point) == path


def test_the_innermost_node_is_the_call_with_its_own_span() -> None:
    doc = _document(VGG16)
    assert doc.module is not None
    call = path_at(doc.module, (13, 3))[-1]
    assert isinstance(call, ir.Call) and (call.name, call.span.line, call.span.col, call.span.end_col) == \
        ("conv3", 13, 2, 11)


def test_a_name_in_a_block_means_the_blocks_parameter() -> None:
    doc = _document(RESNET)
    assert doc.module is not None
    path = path_at(doc.module, (14, 39))  # def bottleneck(c, s = 1) = {x + conv1-c, ...: the c of conv1-c
    assert [type(n).__name__ for n in path] == ["Def", "Seq", "Branch", "Seq", "Call", "Name"]
    found = binding(doc, path, "c")
    assert found is not None and found.what == "block parameter"
    assert isinstance(found.owner, ir.Def) and found.owner.name == "bottleneck" and found.node.span.line == 14


def test_a_name_in_the_body_means_the_networks_parameter_or_a_let(tmp_path: Path) -> None:
    doc = Document("network n(k = 16)\ninput 3@8x8\nlet w = 2 * k\n[conv3-(w) as i]*2 if k > 8\nconv3-k\n",
                   tmp_path / "n.arch")
    assert doc.module is not None
    meanings = {(line, col): binding(doc, path_at(doc.module, (line, col)), name)
                for line, col, name in [(5, 7, "k"), (4, 9, "w"), (4, 26, "k")]}
    assert {place: (b.what, b.node.span.line) for place, b in meanings.items() if b} == {
        (5, 7): ("network parameter", 1), (4, 9): ("let", 3), (4, 26): ("network parameter", 1)}


@pytest.mark.parametrize("path", ARCHITECTURES, ids=lambda p: p.stem)
def test_the_index_lists_the_layers_in_the_rows_order(path: Path) -> None:
    """The index's walk numbers layers as the rows do, so a block call's rows are rows[start:end]."""
    doc = _document(path)
    assert [id(layer) for layer in doc.index.layers] == [id(row.layer) for row in doc.rows]


# ---- positions in the editor's units ------------------------------------------------------------


def test_positions_count_utf16_code_units() -> None:
    doc = Document("network n\ninput 3@8x8\nconv3-8  # 𝕏 wide\nfc-2\n")
    # 𝕏 is one character but two UTF-16 units: 'w' is character 13, UTF-16 column 14.
    assert to_client(doc.source, 3, 14) == (2, 14)
    assert to_point(doc.source, 2, 14) == (3, 14)
    assert to_client(doc.source, 3, 14, "utf-32") == (2, 13)
    assert to_client(doc.source, 3, 14, "utf-8") == (2, 16)
    assert to_point(doc.source, 2, 99) == (3, 18)  # past the end: the end of the line


# ---- the features as data -----------------------------------------------------------------------


def test_hover_on_a_block_parameter_lists_the_values_its_calls_give(tmp_path: Path) -> None:
    text = "network n\ninput 3@32x32\ndef pair(c) = conv3-c, conv3-c\npair(8), pair(16), pair(16)\n"
    doc = Document(text, tmp_path / "n.arch")
    found = hover(doc, (3, 21))  # the c of the second conv3-c
    assert found is not None
    assert found.markdown == ("**c**: parameter of block `pair`, required, declared at line 3\n\n"
                              "set by its calls here to: `16` (2 calls), `8` (1 call)")
    layer = hover(doc, (3, 16))  # the first conv3-c: once per call
    assert layer is not None
    assert [line.split(" | ")[0] for line in layer.markdown.splitlines() if line.startswith("| pair")] == [
        "| pair1.conv1 `conv3-8`", "| pair2.conv1 `conv3-16`", "| pair3.conv1 `conv3-16`"]
    assert layer.markdown.endswith("\n\n3 layers: 3,712 params, 3,760,128 MACs")


def test_hover_on_an_option_and_a_network_parameter() -> None:
    doc = _document(VGG16)
    option, parameter = hover(doc, (10, 14)), hover(doc, (10, 18))
    assert option is not None and option.markdown == ("**bn**: option of conv, default `false`\n\n"
                                                      "batch norm after the layer, before its activation")
    assert parameter is not None and parameter.markdown.startswith(
        "**bn** = `false`: parameter of network `vgg16`, set at line 6")


@pytest.mark.parametrize(("line", "labels"), [
    ("conv3-8/2 p=1 ", ["dilation", "groups", "bias", "bn", "bn_eps", "bn_momentum", "act"]),
    ("pool ", ["kernel", "stride", "pad", "ceil"]),
    ("dropout(0.2) ", []),
    ("fc-10 act=", ["none", "elu", "gelu", "hardsigmoid", "hardswish", "leakyrelu", "relu", "relu6", "sigmoid",
                    "silu", "softmax", "tanh", "k"]),
    ("default fc ", ["out", "bias", "bn", "bn_eps", "bn_momentum", "act"]),
    ("fc-", ["k"]),
    ("import ", ["inception", "inception_v3", "resnet"]),
    ("conv3-8  # conv", []),
])
def test_completion_reads_the_context_from_the_line(line: str, labels: list[str], tmp_path: Path) -> None:
    doc = Document(f"network n(k = 4)\ninput 3@8x8\n{line}\n", tmp_path / "n.arch")
    assert [item.label for item in completions(doc, (3, len(line) + 1))] == labels


def test_completion_of_a_stdlib_block_adds_its_import(tmp_path: Path) -> None:
    doc = Document("network n\ninput 3@8x8\nact relu\n\n", tmp_path / "n.arch")
    items = {item.label: item for item in completions(doc, (4, 1))}
    assert items["bottleneck"].import_line == (4, "import resnet\n")
    assert items["conv"].kind == "layer" and items["pool"].detail == "= maxpool"


def test_definition_of_a_block_of_the_file_and_of_a_parameter(tmp_path: Path) -> None:
    doc = Document("network n(k = 4)\ninput 3@8x8\ndef pair(c) = conv3-c, conv3-c\npair(k)\n",
                   write(tmp_path, "n.arch", ""))
    block, parameter = definition(doc, (4, 2)), definition(doc, (4, 6))
    assert block is not None and (block.span.line, block.span.col, block.span.end_col) == (3, 5, 9)
    assert parameter is not None and (parameter.span.line, parameter.span.col) == (1, 11)
    assert definition(doc, (2, 3)) is None


def test_the_outline_of_the_standard_librarys_resnet_module() -> None:
    assert [(s.name, s.kind, s.detail) for s in symbols(_document(RESNET))] == [
        ("basic", "block", "(c, s = 1)"), ("bottleneck", "block", "(c, s = 1)"),
        ("cifar_basic", "block", "(c, s = 1)"), ("basic_stage", "block", "(c, n, s = 2)"),
        ("bottleneck_stage", "block", "(c, n, s = 2)"), ("cifar_stage", "block", "(c, n, s = 2)")]


def test_the_python_example_of_docs_editors_md_runs_and_prints_what_it_says() -> None:
    (example,) = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "editors.md").read_text("utf-8"), re.DOTALL)
    done = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[]\n**conv2_x: bottleneck_stage(64, 3, 1)**: block `bottleneck_stage(c, n, s = 2)`")
    assert "| conv2_x | 64@56x56 → 256@56x56 | 13 | 215,808 | 667,942,912 |" in done.stdout
    assert "span=Span(line=22, col=5," in done.stdout and "resnet.arch" in done.stdout


def test_the_outline_of_a_file_whose_check_stopped_shows_the_shapes_it_reached() -> None:
    doc = Document("network n\ninput 3@8x8\nconv3-8\nconx3\nfc-2\n")
    assert [(s.name, s.detail) for s in symbols(doc)] == [("n", ""), ("conv3-8", "8@8x8"), ("conx3", ""),
                                                         ("fc-2", "")]
    assert hover(doc, (4, 2)) is None  # an unknown layer: nothing to say but its diagnostic


def test_a_document_past_the_size_limit_is_one_e100_not_a_parse() -> None:
    doc = Document("network n\ninput 3@8x8\n" + "conv3-8\n" * 10_000)
    assert [(d.code, d.line, d.col) for d in doc.analysis.diagnostics] == [("E100", 1, 1)]
    assert doc.module is None and hover(doc, (3, 2)) is None and symbols(doc) == []


def test_hover_on_a_branch_shows_its_join_and_its_projection_shortcut() -> None:
    doc = Document("network n\ninput 16@8x8\nact relu\n{x + conv3-32/2, conv3-32}\n")
    found = hover(doc, (4, 2))  # the 'x +' of the branch, not one of its layers
    assert found is not None and found.markdown.startswith("**{ + }**: a residual (add): {x + f}: ")
    assert [line for line in found.markdown.splitlines() if line.startswith("| ")][1:] == [
        "| add1 `add` | 16@8x8 → 32@4x4 | 0 | 0 | 7/2 |",  # the last layer: no activation
        "| shortcut `conv1-32/2` | 16@8x8 → 32@4x4 | 544 | 8,192 | 1/2 |"]


def test_hover_on_an_import_lists_the_blocks_of_that_file_only(tmp_path: Path) -> None:
    write(tmp_path, "blocks.arch", "def a(c) = conv3-c\n")
    write(tmp_path, "myblocks.arch", "def b(c) = conv3-c\n")
    doc = Document('network n\ninput 3@8x8\nimport "blocks.arch"\nimport "myblocks.arch"\na(4), b(4)\n',
                   tmp_path / "n.arch")
    first, second = hover(doc, (3, 2)), hover(doc, (4, 2))
    assert first is not None and first.markdown.endswith("blocks: `a`")  # not `a`, `b`: myblocks.arch ends alike
    assert second is not None and second.markdown.endswith("blocks: `b`")


def test_features_on_an_expression_as_deep_as_the_checker_takes_do_not_raise(tmp_path: Path) -> None:
    doc = Document("network n(k = 1" + "+1" * 800 + ")\ninput 3@8x8\nfc-k\n", tmp_path / "n.arch")
    assert doc.network is not None and doc.network.output == (801,)
    assert hover(doc, (1, 20)) is not None  # a number deep in the chain: its path has 800 nodes
    assert definition(doc, (3, 4)) is not None and [s.name for s in symbols(doc)][:1] == ["n"]


def test_the_scope_of_a_checked_document_is_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit reads and parses the imports once, in the check, not again for completion and hover."""
    from archlang.lsp import document

    doc = _document(ARCHITECTURES_DIR / "resnet50.arch")
    monkeypatch.setattr(document, "build_scope", lambda *args: pytest.fail("the scope was built again"))
    assert doc.scope is doc.network.scope and "bottleneck" in doc.scope.blocks  # type: ignore[union-attr]
