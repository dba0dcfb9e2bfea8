"""Paper tables: `archc table` reproduces the VGG paper's Table 1 and Table 2 row,
and `archc check --format` writes the per-layer table as Markdown and LaTeX.

The VGG tables are golden files under tests/golden/, compared exactly.
Regenerate them after an intended change with ARCHLANG_UPDATE_GOLDEN=1 and
read the diff before committing it.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ARCHITECTURES_DIR, GOLDEN_DIR

import archlang
from archlang import tables
from archlang.cli import main

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
    result = CliRunner().invoke(main, ["table", *VGG_PATHS, "--format", fmt])
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
    result = CliRunner().invoke(main, ["check", path, "--format", "md"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("|")[1].strip() == "name" and set(lines[1]) <= set("|-: ")
    assert "| conv1    | conv5-6 + relu  | 6@28x28  |    156 | 117,600 |" in result.output
    assert "| total    |                 | 10       | 61,706 |" in result.output
    assert "FLOPs = 2 × MACs = 833,040" in result.output


def test_check_format_latex() -> None:
    path = str(ARCHITECTURES_DIR / "vgg16.arch")
    result = CliRunner().invoke(main, ["check", path, "--format", "latex"])
    assert result.exit_code == 0, result.output
    assert "\\begin{tabular}{lllrrrlr}" in result.output
    assert "conv1\\_1 & conv3-64 + relu & 64@224x224 & 1,792 &" in result.output
    assert "total &  & 1000 & 138,357,544 & 15,470,264,320 &" in result.output
