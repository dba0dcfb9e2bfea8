"""Paper tables: `archc table` reproduces the VGG paper's Table 1 and Table 2 row,
and `archc check --format` writes the per-layer table as Markdown and LaTeX.

The VGG tables are golden files under tests/golden/, compared exactly.
Regenerate them after an intended change with ARCHLANG_UPDATE_GOLDEN=1 and
read the diff before committing it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ARCHITECTURES_DIR, GOLDEN_DIR, invoke

import archlang
from archlang import tables

VGG = ["vgg11", "vgg11_lrn", "vgg13", "vgg16c", "vgg16", "vgg19"]  # the paper's A, A-LRN, B, C, D, E
VGG_PATHS = [str(ARCHITECTURES_DIR / f"{name}.arch") for name in VGG]


def vgg() -> list[archlang.CheckedNetwork]:
    return [archlang.check(Path(path)) for path in VGG_PATHS]


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN_DIR / name
    if os.environ.get("ARCHLANG_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden file {path}: run with ARCHLANG_UPDATE_GOLDEN=1"
    assert text == path.read_text()


@pytest.mark.parametrize("fmt, golden", [("md", "vgg_table1.md"), ("latex", "vgg_table1.tex")])
def test_vgg_table1_golden(fmt: str, golden: str) -> None:
    assert_golden(golden, tables.compare(vgg(), fmt))


@pytest.mark.parametrize("fmt, golden", [("md", "vgg_table1.md"), ("latex", "vgg_table1.tex")])
def test_cli_table_prints_the_golden(fmt: str, golden: str) -> None:
    result = invoke(["table", *VGG_PATHS, "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.output == (GOLDEN_DIR / golden).read_text()


def test_parameter_row_is_table_2() -> None:
    blocks, _ = tables.compare_blocks(vgg())
    assert blocks[-1].rows == (tuple(f"{m} M params" for m in (133, 133, 133, 134, 138, 144)),)


def test_layout_follows_table_1() -> None:
    blocks, note = tables.compare_blocks(vgg())
    assert blocks[0].rows[1] == ("11 weight layers", "11 weight layers", "13 weight layers",
                                 "16 weight layers", "16 weight layers", "19 weight layers")
    rows = [row for block in blocks for row in block.rows]
    assert rows.count(("maxpool",) * 6) == 5
    assert ("", "LRN", "conv3-64", "conv3-64", "conv3-64", "conv3-64") in rows  # stage 1, aligned
    assert ("", "", "", "conv1-256", "conv3-256", "conv3-256") in rows  # C's 1x1 conv against D's 3x3
    assert rows[-5:-1] == [("FC-4096",) * 6, ("FC-4096",) * 6, ("FC-1000",) * 6, ("soft-max",) * 6]
    assert note == "Not shown, as in the paper: relu after every weight layer but the last; dropout(0.5); flatten."


def test_activations_are_shown_when_they_cannot_be_summed_up() -> None:
    nets = [archlang.check(ARCHITECTURES_DIR / f"{n}.arch") for n in ("xor_relu", "xor_sigmoid")]
    text = tables.compare(nets)
    assert "FC-5 + relu" in text and "FC-5 + sigmoid" in text
    assert "after every weight layer" not in text


def test_bn_is_shown() -> None:
    text = tables.compare([archlang.check(Path(VGG_PATHS[0]), bn=True)])
    assert "conv3-64 + BN" in text


def test_html_is_well_formed_with_spanning_cells() -> None:
    text = tables.compare(vgg(), "html")
    root = ET.fromstring(f"<div>{text}</div>")
    assert [td.text for td in root.iter("td") if td.get("colspan") == "6"].count("maxpool") == 5
    assert root.find("table/thead/tr/th").text == "vgg11"  # type: ignore[union-attr]


@pytest.mark.parametrize("params, text", [(132_863_336, "133"), (60_965_224, "61"), (61_706, "0.0617"),
                                          (1_234_567_890, "1,235")])
def test_millions(params: int, text: str) -> None:
    assert tables.millions(params) == text


def test_latex_escapes() -> None:
    assert tables.latex_escape("vgg11_lrn & 50% #1 ×") == r"vgg11\_lrn \& 50\% \#1 $\times$"


# ---- archc check --format ---------------------------------------------------------------------


def test_check_format_md_lists_every_layer_and_the_total() -> None:
    path = str(ARCHITECTURES_DIR / "lenet5.arch")
    result = invoke(["check", path, "--format", "md"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("|")[1].strip() == "name" and set(lines[1]) <= set("|-: ")
    assert "| conv1    | conv5-6 + relu  | 6@28x28  |    156 | 117,600 |" in result.output
    assert "| total    |                 | 10       | 61,706 |" in result.output
    assert "FLOPs = 2 × MACs = 833,040" in result.output


def test_check_format_latex() -> None:
    path = str(ARCHITECTURES_DIR / "vgg16.arch")
    result = invoke(["check", path, "--format", "latex"])
    assert result.exit_code == 0, result.output
    assert "\\begin{tabular}{lllrrrlr}" in result.output
    assert "conv1\\_1 & conv3-64 + relu & 64@224x224 & 1,792 &" in result.output
    assert "total &  & 1000 & 138,357,544 & 15,470,264,320 &" in result.output


# ---- ResNet's Table 1 (He et al. 2015) --------------------------------------------------------

RESNET = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]
RESNET_PATHS = [str(ARCHITECTURES_DIR / f"{name}.arch") for name in RESNET]
GOOGLENET_PATH = str(ARCHITECTURES_DIR / "googlenet.arch")
GOLDEN_FORMATS = [("md", "md"), ("latex", "tex"), ("html", "html")]


def resnets() -> list[archlang.CheckedNetwork]:
    return [archlang.check(Path(path)) for path in RESNET_PATHS]


def cells(blocks: list[tables.Block]) -> list[tuple[str, ...]]:
    return [tuple(str(c) for c in row) for block in blocks for row in block.rows]


def basic(c: int, n: int) -> str:
    return f"[3×3, {c}; 3×3, {c}] ×{n}"


def bottleneck(c: int, n: int) -> str:
    return f"[1×1, {c}; 3×3, {c}; 1×1, {4 * c}] ×{n}"


#: The paper's Table 1, row by row (the classifier row without its softmax: see below).
RESNET_TABLE_1 = [
    ("layer name", "output size", *RESNET),
    ("", "", "18-layer", "34-layer", "50-layer", "101-layer", "152-layer"),
    ("conv1", "112×112", *["7×7, 64, stride 2"] * 5),
    ("conv2_x", "56×56", *["3×3 max pool, stride 2"] * 5),
    ("", "", basic(64, 2), basic(64, 3), bottleneck(64, 3), bottleneck(64, 3), bottleneck(64, 3)),
    ("conv3_x", "28×28", basic(128, 2), basic(128, 4), bottleneck(128, 4), bottleneck(128, 4), bottleneck(128, 8)),
    ("conv4_x", "14×14", basic(256, 2), basic(256, 6), bottleneck(256, 6), bottleneck(256, 23),
     bottleneck(256, 36)),
    ("conv5_x", "7×7", basic(512, 2), basic(512, 3), bottleneck(512, 3), bottleneck(512, 3), bottleneck(512, 3)),
    ("", "1×1", *["average pool, 1000-d fc"] * 5),
]


def test_resnet_table_reproduces_the_papers_cells() -> None:
    blocks, note = tables.resnet_blocks(resnets())
    rows = cells(blocks)
    assert rows[:-1] == RESNET_TABLE_1
    assert "Downsampling is performed by conv3_1, conv4_1 and conv5_1 with a stride of 2." in note


def test_resnet_flops_row_against_the_papers() -> None:
    """The paper's FLOPs are multiply-adds: 1.8, 3.6, 3.8, 7.6, 11.3 ×10⁹. Ours
    (torchvision's forms) round to 1.8, 3.7, 4.1, 7.8, 11.5: ResNet-18 agrees;
    ResNet-34's 3.66 G counts the three projections (3.64 G without them, the
    paper's 3.6); the bottleneck networks stride in their 3×3 conv (v1.5),
    which costs more than the paper's stride in the first 1×1 (v1)."""
    blocks, note = tables.resnet_blocks(resnets())
    assert cells(blocks)[-1] == ("FLOPs", "", "1.8×10⁹", "3.7×10⁹", "4.1×10⁹", "7.8×10⁹", "11.5×10⁹")
    assert note.startswith("FLOPs are multiply-adds, as the paper counts them")
    assert [n.macs for n in resnets()] == [1_814_073_344, 3_663_761_408, 4_089_184_256, 7_801_405_440,
                                           11_513_626_624]


def _v1(depth: int, counts: tuple[int, ...]) -> archlang.CheckedNetwork:
    """The paper's own bottleneck (v1): the stride in the first 1×1 conv."""
    return archlang.check(
        f"network resnet{depth}_v1\ninput 3@224x224\nact relu\npad same\ndefault conv bias=false bn=true\n"
        "def b(c, s = 1) = {x + conv1-c/s, conv3-c, conv1-(4*c)}\n"
        "def stage(c, n, s = 2) = b(c, s), [b(c)]*(n-1)\nconv7-64/2, maxpool3/2 p=1\n"
        f"stage(64, {counts[0]}, 1), stage(128, {counts[1]}), stage(256, {counts[2]}), stage(512, {counts[3]})\n"
        "gap, fc-1000\n")


def test_the_papers_bottleneck_gives_the_papers_flops_for_101_and_152() -> None:
    nets = [_v1(50, (3, 4, 6, 3)), _v1(101, (3, 4, 23, 3)), _v1(152, (3, 8, 36, 3))]
    blocks, _ = tables.resnet_blocks(nets)
    assert cells(blocks)[-1][2:] == ("3.9×10⁹", "7.6×10⁹", "11.3×10⁹")  # the paper: 3.8, 7.6, 11.3
    assert [cells(blocks)[i][2] for i in (4, 5)] == [bottleneck(64, 3), bottleneck(128, 4)]  # the same stacks


def test_a_softmax_completes_the_papers_classifier_row() -> None:
    """torchvision's ResNets end in logits; with a softmax the row is the paper's."""
    text = Path(RESNET_PATHS[0]).read_text().replace("gap, fc-classes", "gap, fc-classes, softmax")
    blocks, _ = tables.resnet_blocks([archlang.check(text)])
    assert cells(blocks)[-2] == ("", "1×1", "average pool, 1000-d fc, softmax")


@pytest.mark.parametrize("fmt, ext", GOLDEN_FORMATS)
def test_resnet_table1_golden(fmt: str, ext: str) -> None:
    assert_golden(f"resnet_table1.{ext}", tables.table(resnets(), fmt))


def test_cli_chooses_the_resnet_form_and_takes_names() -> None:
    result = invoke(["table", *RESNET_PATHS])
    assert result.exit_code == 0, result.output
    assert result.output == (GOLDEN_DIR / "resnet_table1.md").read_text()
    result = invoke(["table", *RESNET_PATHS[:2], "--names", "ResNet-18,ResNet-34"])
    assert result.exit_code == 0, result.output
    head = [c.strip() for c in result.output.splitlines()[0].strip("|").split("|")]
    assert head == ["layer name", "output size", "ResNet-18", "ResNet-34"]


def test_names_must_match_the_files() -> None:
    result = invoke(["table", *RESNET_PATHS[:2], "--names", "A"])
    assert result.exit_code == 2
    assert "1 names for 2 files" in result.output


def test_html_stacks_and_spans() -> None:
    root = ET.fromstring(f"<div>{tables.table(resnets(), 'html')}</div>")
    spans = [td for td in root.iter("td") if td.get("colspan") == "5"]
    assert [td.text for td in spans] == ["7×7, 64, stride 2", "3×3 max pool, stride 2", "average pool, 1000-d fc"]
    stack = next(root.iter("span"))
    assert stack.get("class") == "stack" and stack.text == "3×3, 64" and stack.tail == " ×2"


def test_latex_writes_a_stack_as_a_bracketed_column() -> None:
    text = tables.table(resnets()[:1], "latex")
    assert r"$\left[\begin{tabular}{@{}c@{}}3$\times$3, 64\\3$\times$3, 64\end{tabular}\right]\times2$" in text
    assert r"1.8$\times$10\textsuperscript{9}" in text


# ---- GoogLeNet's Table 1 (Szegedy et al. 2014) ------------------------------------------------

#: The paper's Table 1 but its params and ops: type, patch size/stride, output size, depth,
#: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj.
GOOGLENET_TABLE_1 = [
    ("convolution", "7×7/2", "112×112×64", "1", "", "", "", "", "", ""),
    ("max pool", "3×3/2", "56×56×64", "0", "", "", "", "", "", ""),
    ("convolution", "3×3/1", "56×56×192", "2", "", "64", "192", "", "", ""),
    ("max pool", "3×3/2", "28×28×192", "0", "", "", "", "", "", ""),
    ("inception (3a)", "", "28×28×256", "2", "64", "96", "128", "16", "32", "32"),
    ("inception (3b)", "", "28×28×480", "2", "128", "128", "192", "32", "96", "64"),
    ("max pool", "3×3/2", "14×14×480", "0", "", "", "", "", "", ""),
    ("inception (4a)", "", "14×14×512", "2", "192", "96", "208", "16", "48", "64"),
    ("inception (4b)", "", "14×14×512", "2", "160", "112", "224", "24", "64", "64"),
    ("inception (4c)", "", "14×14×512", "2", "128", "128", "256", "24", "64", "64"),
    ("inception (4d)", "", "14×14×528", "2", "112", "144", "288", "32", "64", "64"),
    ("inception (4e)", "", "14×14×832", "2", "256", "160", "320", "32", "128", "128"),
    ("max pool", "3×3/2", "7×7×832", "0", "", "", "", "", "", ""),
    ("inception (5a)", "", "7×7×832", "2", "256", "160", "320", "32", "128", "128"),
    ("inception (5b)", "", "7×7×1024", "2", "384", "192", "384", "48", "128", "128"),
    ("avg pool", "7×7/1", "1×1×1024", "0", "", "", "", "", "", ""),
    ("dropout (40%)", "", "1×1×1024", "0", "", "", "", "", "", ""),
    ("linear", "", "1×1×1000", "1", "", "", "", "", "", ""),
    ("softmax", "", "1×1×1000", "0", "", "", "", "", "", ""),
]
#: The paper's params and ops, row by row (blank for pools, dropout, softmax).
PAPER_PARAMS = ["2.7K", "", "112K", "", "159K", "380K", "", "364K", "437K", "463K", "580K", "840K", "",
                "1072K", "1388K", "", "", "1000K", ""]
PAPER_OPS = ["34M", "", "360M", "", "128M", "304M", "", "73M", "88M", "100M", "119M", "170M", "", "54M", "71M",
             "", "", "1M", ""]
#: Ours (K = 1,024 as the paper's; M = 10⁶).
OUR_PARAMS = ["9.2K", "", "112K", "", "160K", "380K", "", "367K", "439K", "498K", "591K", "848K", "",
              "1019K", "1410K", "", "", "1001K", ""]
OUR_OPS = ["118M", "", "360M", "", "128M", "304M", "", "74M", "88M", "100M", "119M", "170M", "", "51M", "71M",
           "", "", "1M", ""]


@pytest.mark.parametrize("spec", [GOOGLENET_PATH, "googlenet_paper"])
def test_googlenet_table_reproduces_the_papers_cells(spec: str) -> None:
    blocks, note = tables.googlenet_blocks(archlang.check(Path(spec) if spec.endswith(".arch") else spec))
    rows = cells(blocks)
    assert rows[0] == ("type", "patch size/stride", "output size", "depth", "#1×1", "#3×3 reduce", "#3×3",
                       "#5×5 reduce", "#5×5", "pool proj", "params", "ops")
    assert [r[:-2] for r in rows[1:]] == GOOGLENET_TABLE_1
    assert "22 layers deep counting only layers with parameters" in note


def test_googlenet_params_and_ops_against_the_papers() -> None:
    """Where ours differ from the paper's figures: the first conv (the paper's
    2.7K and 34M are a third of 7×7×3×64 = 9,408 weights, which its own 34M =
    2.7K × 112² repeats), 4c (463K: ours, 498K, agrees with its own 100M ops),
    5a (1072K, 54M: more than 4e, the same module at a quarter of the maps) and
    a few K's of rounding; the ops agree but for conv1, 4a (73.6 M) and 5a."""
    rows = cells(tables.googlenet_blocks(archlang.check(Path(GOOGLENET_PATH)))[0])[1:]
    assert [r[-2] for r in rows] == OUR_PARAMS
    assert [r[-1] for r in rows] == OUR_OPS
    same = [i for i, (ours, paper) in enumerate(zip(OUR_OPS, PAPER_OPS)) if ours == paper and ours]
    assert len(same) == 9 and sum(p == o != "" for p, o in zip(PAPER_PARAMS, OUR_PARAMS)) == 2  # 112K, 380K


@pytest.mark.parametrize("fmt, ext", GOLDEN_FORMATS)
def test_googlenet_table1_golden(fmt: str, ext: str) -> None:
    assert_golden(f"googlenet_table1.{ext}", tables.table([archlang.check(Path(GOOGLENET_PATH))], fmt))


def test_torchvisions_googlenet_heads_its_five_by_five_path_as_it_is() -> None:
    """torchvision's "5×5" path is a 3×3: the heads say so instead of the paper's #5×5."""
    head = cells(tables.googlenet_blocks(archlang.check("googlenet"))[0])[0]
    assert head[4:10] == ("#1×1", "#3×3 reduce", "#3×3", "#3×3 reduce", "#3×3", "pool proj")


# ---- the form chosen from the structure, and forced -------------------------------------------


@pytest.mark.parametrize("paths, style", [(VGG_PATHS, "vgg"), (RESNET_PATHS, "resnet"), ([GOOGLENET_PATH], "googlenet"),
                                          ([VGG_PATHS[0], RESNET_PATHS[0]], "vgg")])
def test_the_form_follows_the_structure(paths: list[str], style: str) -> None:
    assert tables.choose_style([archlang.check(Path(p)) for p in paths]) == style


def _md_cells(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]


def test_a_form_can_be_forced() -> None:
    result = invoke(["table", RESNET_PATHS[0], "--style", "vgg"])
    assert result.exit_code == 0, result.output
    assert _md_cells(result.output)[2:4] == [["18 weight layers"], ["input (3@224x224)"]]
    result = invoke(["table", VGG_PATHS[0], "--style", "resnet"])
    assert result.exit_code == 0, result.output
    assert _md_cells(result.output)[3:5] == [["conv1", "224×224", "3×3, 64"], ["conv2", "112×112", "2×2 max pool, stride 2"]]


# ---- depth as the papers count it -------------------------------------------------------------


@pytest.mark.parametrize("name, depth, every", [("vgg16", 16, 16), ("resnet18", 18, 21), ("resnet50", 50, 54),
                                                ("resnet152", 152, 156), ("googlenet", 22, 58), ("alexnet", 8, 8)])
def test_weight_layers_as_the_papers_count(name: str, depth: int, every: int) -> None:
    from archlang.checker.depth import all_weight_layers, weight_layers

    network = archlang.check(ARCHITECTURES_DIR / f"{name}.arch")
    assert (weight_layers(network), all_weight_layers(network)) == (depth, every)


def test_check_summary_shows_the_depth() -> None:
    result = invoke(["check", RESNET_PATHS[0]])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    depth = lines.index("depth       18 weight layers on the longest path, as papers count depth (21 in all)")
    assert lines[depth - 1].startswith("activations ")  # the totals end with it, before the memory estimate
    result = invoke(["check", GOOGLENET_PATH])
    assert "depth       22 weight layers on the longest path, as papers count depth (58 in all)" in result.output


# ---- LaTeX that fits the article class ---------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("paths", [VGG_PATHS, RESNET_PATHS, [GOOGLENET_PATH]], ids=["vgg", "resnet", "googlenet"])
def test_latex_fits_the_article_textwidth(paths: list[str], tmp_path: Path) -> None:
    body = tables.table([archlang.check(Path(p)) for p in paths], "latex")
    (tmp_path / "t.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs,graphicx}\n"
                                    f"\\begin{{document}}\n{body}\\end{{document}}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], check=False,
                         cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    log = (tmp_path / "t.log").read_text(errors="replace")
    assert run.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log


def test_the_formats_are_the_writers() -> None:
    from archlang.tables import writers

    assert tables.FORMATS == tuple(writers.WRITERS)


def test_modules_are_named_by_the_size_of_their_maps() -> None:
    """Inception-v3's modules at 35×35, 17×17 and 8×8, its 5th, 6th and 7th map
    sizes, read 5a-5c, 6a-6e, 7a-7c (torchvision's Mixed_5b-5d, 6a-6e, 7a-7c)."""
    rows = cells(tables.googlenet_blocks(archlang.check("inception_v3"))[0])
    names = [row[0].split(" ")[-1] for row in rows if row[0].startswith("inception")]
    assert names == ["(5a)", "(5b)", "(5c)", "(6a)", "(6b)", "(6c)", "(6d)", "(6e)", "(7a)", "(7b)", "(7c)"]


def test_the_note_says_where_the_table_leaves_the_paper() -> None:
    _, note = tables.resnet_blocks(resnets()[:1])
    assert "No softmax: the classifier ends in the fc's logits (the paper's row adds a softmax)." in note
    assert "the shortcuts (identity, or a 1×1 projection where the shape changes)" in note


def _readme_commands() -> list[list[str]]:
    """The commands of the README's "Paper tables" section, continuation lines joined, globs expanded."""
    import glob
    import shlex

    from conftest import ROOT

    section = (ROOT / "README.md").read_text().split("## Paper tables", 1)[1].split("```sh", 1)[1].split("```")[0]
    commands = []
    for line in section.replace("\\\n", " ").splitlines():
        words = shlex.split(line.split("#", 1)[0])
        if words:
            commands.append([match for w in words[1:] for match in (sorted(glob.glob(str(ROOT / w))) or [w])])
    return commands


def test_the_readme_examples_run() -> None:
    commands = _readme_commands()
    assert len(commands) == 7
    for args in commands:
        result = invoke(args)
        assert result.exit_code == 0, (args, result.output)
    resnet = invoke(commands[1]).output
    assert resnet == (GOLDEN_DIR / "resnet_table1.md").read_text()


def test_googlenets_form_gives_a_table_per_network_named_by_names() -> None:
    result = invoke(["table", GOOGLENET_PATH, "googlenet", "--names", "paper,torchvision"])
    assert result.exit_code == 0, result.output
    tables_ = result.output.split("\n\n| type")
    assert len(tables_) == 2
    notes = [line for line in result.output.splitlines() if line.endswith(".") and not line.startswith("|")]
    assert [n.split(":")[0] for n in notes] == ["paper", "torchvision"]
    assert "(58 in all)" not in result.output and notes[1].startswith("torchvision: 22 layers deep")


def test_googlenet_html_has_the_papers_heads_and_rows() -> None:
    root = ET.fromstring(f"<div>{tables.table([archlang.check(Path(GOOGLENET_PATH))], 'html')}</div>")
    assert [th.text for th in root.iter("th")][4:10] == ["#1×1", "#3×3 reduce", "#3×3", "#5×5 reduce", "#5×5",
                                                          "pool proj"]
    rows = [[td.text or "" for td in tr.iter("td")] for tr in root.iter("tr")][1:]
    assert [r[:-2] for r in rows] == [list(r) for r in GOOGLENET_TABLE_1]


@pytest.mark.parametrize("path", sorted(ARCHITECTURES_DIR.glob("*.arch")), ids=lambda p: p.stem)
def test_every_form_of_every_shipped_architecture_is_a_well_formed_table(path: Path) -> None:
    """Any network in any form: Markdown rows of one width, HTML that parses, no exception."""
    network = archlang.check(path)
    for style in tables.STYLES:
        lines = [line for line in tables.table([network], "md", style).splitlines() if line.startswith("|")]
        widths = {line.replace("\\|", "").count("|") for line in lines}
        assert len(widths) == 1 and len(lines) >= 3, (style, widths)
        ET.fromstring(f"<div>{tables.table([network], 'html', style)}</div>")
