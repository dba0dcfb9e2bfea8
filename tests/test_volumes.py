"""Volume figures (`archc render --style volumes`): what the SVG shows, read back as a person reads it.

The SVG is parsed as XML; each volume and bar is a <g class="volume"> or <g class="bar"> with its
name and shape, its edge sizes (<text class="edge">) and its caption. The TikZ forms are compiled
with pdflatex where it is installed (CI installs it), and the figure is the same bytes every time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ARCHITECTURES, ROOT, invoke

import archlang
from archlang import volumes

FIVE = ["lenet5_1998", "alexnet", "vgg16", "resnet18", "googlenet"]
SVG = "{http://www.w3.org/2000/svg}"
needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
HOSTILE = "<&>\"'#$%_{}~^\\"


@dataclass
class Element:
    """A volume or bar as the SVG draws it."""

    kind: str
    name: str
    shape: str
    texts: dict[str, list[str]]  # by role: edge, name, detail, count, slab
    left: float  # the x of its front face's left edge
    height: float  # of the front face
    depth: float  # the front face's width: the channel axis


def elements(svg: str) -> list[Element]:
    """The volumes and bars of an SVG figure, in drawing (left-to-right) order."""
    out = []
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") not in ("volume", "bar"):
            continue
        texts: dict[str, list[str]] = {}
        for text in group.iter(f"{SVG}text"):
            texts.setdefault(text.get("class", ""), []).append(text.text or "")
        front = [tuple(map(float, p.split(","))) for p in group.find(f"{SVG}polygon").get("points").split()]
        xs, ys = [p[0] for p in front], [p[1] for p in front]
        out.append(Element(group.get("class"), group.get("data-name"), group.get("data-shape"), texts,
                           min(xs), max(ys) - min(ys), max(xs) - min(xs)))
    return out


def draw(name: str, **params: object) -> str:
    return archlang.render_volumes(ROOT / "architectures" / f"{name}.arch", **params)


def by_name(svg: str) -> dict[str, Element]:
    return {element.name: element for element in elements(svg)}


# ---- the five figures -----------------------------------------------------------------------------


def test_lenet5_1998_as_fig_2() -> None:
    """INPUT 32x32, C1 6@28x28, S2 6@14x14, C3 16@10x10, S4 16@5x5, C5 120, F6 84, OUTPUT 10."""
    drawn = elements(draw("lenet5_1998"))
    assert [(e.kind, e.name, e.shape) for e in drawn] == [
        ("volume", "input", "1@32x32"), ("volume", "conv1", "6@28x28"), ("volume", "subsample1", "6@14x14"),
        ("volume", "partialconv2", "16@10x10"), ("volume", "subsample2", "16@5x5"),
        ("bar", "conv3", "120@1x1"), ("bar", "fc4", "84"), ("bar", "rbf4", "10")]
    assert [sorted(e.texts["edge"]) for e in drawn[:5]] == [
        ["1", "32", "32"], ["28", "28", "6"], ["14", "14", "6"], ["10", "10", "16"], ["16", "5", "5"]]
    assert [e.texts["detail"] for e in drawn[5:]] == [["conv 120"], ["dense 84"], ["rbf 10"]]
    assert drawn[1].texts["name"] == ["conv1"] and drawn[1].texts["detail"] == ["conv5-6"]


def test_lenet5_modern() -> None:
    drawn = elements(draw("lenet5"))
    assert [e.name for e in drawn] == ["input", "conv1", "pool1", "conv2", "pool2", "fc3", "fc4", "fc5"]
    assert sorted(drawn[1].texts["edge"]) == ["28", "28", "6"]
    assert [e.texts["detail"][0] for e in drawn[5:]] == ["dense 120", "dense 84", "dense 10"]


def test_alexnet_volumes_pyramids_and_dense_bars() -> None:
    svg = draw("alexnet")
    drawn = elements(svg)
    assert [e.name for e in drawn] == ["input", "conv1", "pool1", "conv2", "pool2", "conv3_1", "conv3_2", "conv3_3",
                                       "pool3", "fc4", "fc5", "fc6"]
    assert sorted(drawn[1].texts["edge"]) == ["55", "55", "96"]
    assert sorted(drawn[3].texts["edge"]) == ["256", "27", "27"]
    assert [e.texts["detail"][0] for e in drawn[-3:]] == ["dense 4096", "dense 4096", "dense 1000"]
    root = ET.fromstring(svg)
    kernels = [t.text for g in root.iter(f"{SVG}g") if g.get("class") == "pyramid" for t in g.iter(f"{SVG}text")]
    assert kernels == ["11×11 /4", "3×3 /2", "5×5", "3×3 /2", "3×3", "3×3", "3×3", "3×3 /2"]
    assert sum(g.get("class") == "dense" for g in root.iter(f"{SVG}g")) == 3
    lefts = [e.left for e in drawn]
    assert lefts == sorted(lefts), "volumes run left to right in network order"


def test_vgg16_stages_of_slabs() -> None:
    """A row of volumes shrinking in space and growing in depth: each stage's convs as touching
    slabs with the pool as the size step, one caption per stage in the paper's notation."""
    drawn = elements(draw("vgg16"))
    names = [e.name for e in drawn]
    assert names[:7] == ["input", "conv1_1", "conv1_2", "pool1", "conv2_1", "conv2_2", "pool2"]
    assert len([n for n in names if n.startswith("conv")]) == 13 and names[-3:] == ["fc6", "fc7", "fc8"]
    assert len(drawn) == 1 + 13 + 5 + 3
    stage = by_name(draw("vgg16"))
    assert stage["conv1_1"].texts["name"] == ["conv1_1–pool1"]
    assert stage["conv1_1"].texts["detail"] == ["conv3-64 ×2, maxpool2"]
    assert stage["conv5_1"].texts["detail"] == ["conv3-512 ×3, maxpool2"]
    assert sorted(stage["conv1_1"].texts["edge"]) == ["224", "224", "64"]
    assert stage["conv1_2"].texts["edge"] == ["64"]  # same size as its neighbour: said once
    assert stage["pool1"].texts["edge"] == ["112"]
    assert stage["conv1_2"].left == pytest.approx(stage["conv1_1"].left + stage["conv1_1"].depth, abs=0.02)
    assert [stage[f"conv{i}_1"].height for i in range(1, 6)] == sorted(
        (stage[f"conv{i}_1"].height for i in range(1, 6)), reverse=True)
    assert [stage[f"conv{i}_1"].depth for i in (1, 2, 3, 4)] == sorted(stage[f"conv{i}_1"].depth for i in (1, 2, 3, 4))


def test_resnet18_one_volume_per_stage() -> None:
    svg = draw("resnet18")
    drawn = elements(svg)
    assert [e.name for e in drawn] == ["input", "conv1", "pool1", "conv2_x", "conv3_x", "conv4_x", "conv5_x",
                                       "gap2", "fc3"]
    stages = drawn[3:7]
    assert [e.shape for e in stages] == ["64@56x56", "128@28x28", "256@14x14", "512@7x7"]
    assert all(e.texts["count"] == ["×2"] and e.texts["detail"] == ["basic ×2"] for e in stages)
    assert sum(g.get("class") == "shortcut" for g in ET.fromstring(svg).iter(f"{SVG}g")) == 4


def test_googlenet_inception_modules() -> None:
    drawn = elements(draw("googlenet"))
    assert [e.name for e in drawn] == [
        "input", "conv1", "pool1", "conv2_1", "conv2_2", "pool2", "i3a", "i3b", "pool3",
        "i4a", "i4b", "i4c", "i4d", "i4e", "pool4", "i5a", "i5b", "avgpool5", "fc6"]
    modules = by_name(draw("googlenet"))
    assert modules["i4e"].shape == "832@14x14" and modules["i4a"].texts["slab"] == ["i4a"]
    assert modules["i4a"].texts["name"] == ["i4a–pool4"]
    assert modules["i4a"].texts["detail"] == ["concat of 4 ×5, maxpool3/2"]
    assert modules["avgpool5"].kind == "bar"


@pytest.mark.parametrize("name", FIVE)
def test_svg_is_well_formed_with_a_viewbox(name: str) -> None:
    root = ET.fromstring(draw(name))
    assert root.tag == f"{SVG}svg"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}" and width > 100 and height > 100
    assert root.find(f"{SVG}title").text == archlang.check(ROOT / "architectures" / f"{name}.arch").name
    for text in root.iter(f"{SVG}text"):  # every label is real text, and inside the canvas
        assert text.text and 0 <= float(text.get("x")) <= width and 0 <= float(text.get("y")) <= height


@pytest.mark.parametrize("name", FIVE)
def test_sizes_follow_shapes(name: str) -> None:
    """Larger maps are drawn larger, more channels deeper, longer vectors taller."""
    net = archlang.check(ROOT / "architectures" / f"{name}.arch")
    drawn = [e for e in elements(volumes.render(net)) if e.kind == "volume"]
    shapes = [tuple(int(n) for n in e.shape.replace("@", "x").split("x")) for e in drawn]
    for a, shape_a in zip(drawn, shapes):
        for b, shape_b in zip(drawn, shapes):
            if shape_a[1] > shape_b[1]:
                assert a.height > b.height, (a.name, b.name)
            if shape_a[0] > shape_b[0]:
                assert a.depth > b.depth - 1e-6 or a.name == "input", (a.name, b.name)


def test_224_wide_drawn_wider_than_55_and_7_still_readable() -> None:
    alex = by_name(draw("alexnet"))
    assert alex["input"].height > alex["conv1"].height > alex["pool3"].height >= 20
    vgg = by_name(draw("vgg16"))
    assert vgg["input"].height > 4 * vgg["pool5"].height > 0 and vgg["pool5"].height >= 20


# ---- every architecture, both forms -------------------------------------------------------------


@pytest.mark.parametrize("path", ARCHITECTURES, ids=lambda p: p.stem)
def test_every_architecture_draws(path: Path) -> None:
    net = archlang.check(path)
    drawn = elements(volumes.render(net, "svg"))
    assert drawn[0].name == "input" and len(drawn) >= 2
    assert volumes.render(net, "tex").startswith(r"\documentclass")
    assert volumes.render(net, "tikz").startswith("% ")


def test_compact_can_be_forced_either_way() -> None:
    loose = elements(draw("vgg16", compact=False))
    assert loose[2].left > loose[1].left + loose[1].depth + 10  # conv1_2 no longer touches conv1_1
    for compact, touching in ((True, True), (None, False)):  # alexnet has few enough volumes to draw apart
        alex = by_name(draw("alexnet", compact=compact))
        gap = alex["pool1"].left - (alex["conv1"].left + alex["conv1"].depth)  # the pool is set back: > 0
        assert (gap < 10) is touching, gap


# ---- escaping -----------------------------------------------------------------------------------


def hostile_spec(tmp_path: Path) -> Path:
    """A spec whose network name (from its file name) holds XML and LaTeX specials."""
    path = tmp_path / f"net{HOSTILE}.arch"
    path.write_text("input 3@32x32\nc_1: conv3-8, pool\nfc-10\n")
    return path


def test_svg_escapes_every_text(tmp_path: Path) -> None:
    svg = archlang.render_volumes(hostile_spec(tmp_path))
    root = ET.fromstring(svg)  # parses: every special was escaped
    assert root.find(f"{SVG}title").text == f"net{HOSTILE}"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert f"net{HOSTILE}" in texts and "c_1" in texts
    assert volumes.xml_escape("a\x01<b>") == "a&lt;b&gt;"  # XML 1.0 cannot hold \x01 at all


def test_latex_escapes_specials() -> None:
    assert volumes.latex_escape("a_b#$%&{}") == r"a\_b\#\$\%\&\{\}"
    assert volumes.latex_escape("~^\\") == r"\textasciitilde{}\textasciicircum{}\textbackslash{}"
    assert volumes.latex_escape("3×3 é") == r"3$\times$3 ?"


def test_tikz_of_hostile_names_has_no_raw_specials(tmp_path: Path) -> None:
    tex = archlang.render_volumes(hostile_spec(tmp_path), fmt="tikz")
    escaped = volumes.latex_escape(f"net{HOSTILE}")
    assert f"{{{escaped}}}" in tex and f"{{net{HOSTILE}}}" not in tex
    assert r"{c\_1}" in tex


def pdflatex(tmp_path: Path, name: str, tex: str) -> Path:
    """Compile a document; return the PDF, or fail with the log's errors."""
    (tmp_path / f"{name}.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    errors = [line for line in done.stdout.splitlines() if line.startswith("!")]
    assert done.returncode == 0, "\n".join(errors) or done.stdout[-2000:]
    return tmp_path / f"{name}.pdf"


@needs_pdflatex
@pytest.mark.parametrize("name", FIVE)
def test_tikz_document_compiles(tmp_path: Path, name: str) -> None:
    pdf = pdflatex(tmp_path, name, draw(name, fmt="tex"))
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().count(b"/Type /Page\n") <= 1


@needs_pdflatex
def test_hostile_names_compile(tmp_path: Path) -> None:
    pdflatex(tmp_path, "hostile", archlang.render_volumes(hostile_spec(tmp_path), fmt="tex"))


@needs_pdflatex
def test_bare_tikzpicture_inputs_into_a_paper(tmp_path: Path) -> None:
    (tmp_path / "figure.tikz").write_text(draw("lenet5", fmt="tikz"), encoding="utf-8")
    paper = "\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\nFig.~1:\n\n" \
            "\\resizebox{\\linewidth}{!}{\\input{figure.tikz}}\n\\end{document}\n"
    pdflatex(tmp_path, "paper", paper)


# ---- determinism, the command line, no torch ------------------------------------------------------


@pytest.mark.parametrize("fmt", volumes.FORMATS)
def test_same_bytes_every_time(fmt: str) -> None:
    assert draw("googlenet", fmt=fmt) == draw("googlenet", fmt=fmt)


def test_same_bytes_across_processes(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"resnet18_{seed}.svg"
        command = [sys.executable, "-c", "from archlang.cli import main; main()", "render",
                   str(ROOT / "architectures" / "resnet18.arch"), "--style", "volumes", "-o", str(out)]
        subprocess.run(command, check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("suffix", ["svg", "tex", "tikz"])
def test_cli_writes_each_form(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"alexnet.{suffix}"
    result = invoke(["render", str(ROOT / "architectures" / "alexnet.arch"), "--style", "volumes",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text == draw("alexnet", fmt=suffix)


def test_cli_refuses_other_suffixes(tmp_path: Path) -> None:
    result = invoke(["render", str(ROOT / "architectures" / "alexnet.arch"), "--style", "volumes",
                                       "-o", str(tmp_path / "a.png")])
    assert result.exit_code == 2 and ".svg, .tex, .tikz" in result.output


def test_cli_reports_spec_errors(tmp_path: Path) -> None:
    spec = tmp_path / "bad.arch"
    spec.write_text("input 3@32x32\ncnov3-8\n")
    result = invoke(["render", str(spec), "--style", "volumes", "-o", str(tmp_path / "a.svg")])
    assert result.exit_code == 1 and "E201" in result.output and not (tmp_path / "a.svg").exists()


def test_draws_without_torch_or_graphviz() -> None:
    code = ("import sys, archlang; archlang.render_volumes('architectures/vgg16.arch', fmt='tex'); "
            "print(sorted(m for m in ('torch', 'graphviz') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
