"""Diagrams: every shipped architecture renders, and the SVG shows what it must.

The SVGs are parsed as XML and read the way a person reads the picture: the
text in each node, on each edge and on each cluster. `.dot` output is checked
with Graphviz taken off PATH.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ARCHITECTURES, ARCHITECTURES_DIR, ROOT, invoke

import archlang
from archlang import notebook, render
from archlang.layers import fmt_shape

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(not __import__("shutil").which("dot"), reason="Graphviz's dot is not installed")


@dataclass
class Picture:
    """What an SVG shows: the text lines of each node, edge and cluster."""

    nodes: list[list[str]]  # the legend is not one of them
    edges: list[str]
    clusters: list[str]
    legend: list[str]

    def boxes(self, prefix: str) -> list[list[str]]:
        """Layer boxes whose operation (the bold line) starts with `prefix`."""
        return [texts for texts in self.nodes if len(texts) > 1 and texts[1].startswith(prefix)]


def picture(svg: str) -> Picture:
    root = ET.fromstring(svg)
    groups: dict[str, list[list[str]]] = {"node": [], "edge": [], "cluster": []}
    legend: list[str] = []
    for g in root.iter(f"{SVG}g"):
        texts = [(t.text or "").strip() for t in g.iter(f"{SVG}text")]
        if g.findtext(f"{SVG}title") == "legend":
            legend = texts
        elif g.get("class") in groups:
            groups[g.get("class")].append(texts)  # type: ignore[index]
    return Picture(groups["node"], [" ".join(t) for t in groups["edge"]],
                   [" ".join(t) for t in groups["cluster"]], legend)


def draw(name: str, **kwargs: object) -> Picture:
    return picture(render.svg(archlang.check(ARCHITECTURES_DIR / f"{name}.arch"), **kwargs))  # type: ignore[arg-type]


# ---- every file ------------------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize("path", ARCHITECTURES, ids=[p.stem for p in ARCHITECTURES])
def test_every_architecture_renders_to_svg(path: Path) -> None:
    network = archlang.check(path)
    shown = picture(render.svg(network, unroll=True))
    text = " ".join(" ".join(t) for t in shown.nodes)
    for row in network.rows:
        assert row.layer.op in text or row.layer.implied, row.layer.op
    assert ["input", fmt_shape(network.input)] in shown.nodes
    assert ["output", fmt_shape(network.output)] in shown.nodes
    assert fmt_shape(network.input) in shown.edges and fmt_shape(network.output) in shown.edges
    layer_boxes = [t for t in shown.nodes if len(t) > 1 and t[0] not in ("input", "output")]
    assert len(layer_boxes) == len(network.rows)  # unrolled: one box per layer, the implied flatten too
    folded = picture(render.svg(network))
    assert len(folded.nodes) <= len(shown.nodes)


# ---- vgg16 -------------------------------------------------------------------------------------


@needs_dot
def test_vgg16_unrolled_shows_13_convs_and_the_shapes() -> None:
    shown = draw("vgg16", unroll=True)
    assert len(shown.boxes("conv3-")) == 13
    assert all(box[2] == "+ relu" for box in shown.boxes("conv3-"))
    assert len(shown.boxes("fc-")) == 3
    assert "3@224x224" in shown.edges and "512@7x7" in shown.edges and "25088" in shown.edges
    assert any("224x224" in e for e in shown.edges) and any("7x7" in e for e in shown.edges)
    assert not any(c.startswith("×") for c in shown.clusters)


@needs_dot
def test_vgg16_folded_draws_each_repeat_once_in_a_cluster() -> None:
    shown = draw("vgg16")
    assert sorted(shown.clusters) == ["×2", "×2", "×3", "×3", "×3"]
    convs = shown.boxes("conv3-")
    assert len(convs) == 5
    assert convs[0] == ["conv1_1, conv1_2", "conv3-64", "+ relu", "1,792 + 36,928 params"]
    assert convs[-1] == ["conv5_1 … conv5_3", "conv3-512", "+ relu", "3 × 2,359,808 params"]
    assert ["fc6", "fc-4096", "+ relu", "102,764,544 params"] in shown.nodes
    assert ["fc8", "fc-1000", "4,097,000 params"] in shown.nodes  # the output layer: no relu
    assert "64@224x224" in shown.edges and "512@7x7" in shown.edges


@needs_dot
def test_legend_names_the_families_drawn() -> None:
    assert draw("vgg11_lrn").legend == ["conv", "pool", "fc", "norm", "act", "other"]
    assert draw("xor_relu").legend == ["fc", "act"]


# ---- structure the walk must get right ------------------------------------------------------


DESIGN_EXAMPLE = "network example\ninput 3@224x224\nact relu\n[(conv3-64)*2, pool]*5, fc-4096\n"


def test_nested_repeats_fold_with_ranges_on_edges_and_params_in_order() -> None:
    source = render.source(archlang.check(DESIGN_EXAMPLE))
    assert source.count("subgraph cluster_") == 2
    assert 'label="×5"' in source and 'label="×2"' in source
    assert "1,792 + 9 × 36,928 params" in source
    assert "conv1_1 … conv5_2" in source
    assert 'label=" 64@224x224 … 64@14x14"' in source  # conv -> pool over all ten passes
    assert 'label=" 3@224x224"' in source and 'label=" 64@7x7"' in source


def test_the_implied_flatten_is_drawn_once_outside_the_repeat() -> None:
    source = render.source(archlang.check("network t\ninput 3@8x8\nact relu\nconv3-4, [fc-10]*3\n"))
    top_level = source.split("subgraph cluster_1")[0]
    assert "flatten</i> (implied)" in top_level and "dashed" in top_level
    assert "2,570 + 2 × 110 params" in source
    assert "+ relu / no act" in source  # the last fc is the output layer: no relu


def test_unrolled_iterations_are_boxes_of_their_own() -> None:
    source = render.source(archlang.check(DESIGN_EXAMPLE), unroll=True)
    assert source.count("<b>conv3-64</b>") == 10 and source.count("<b>maxpool2</b>") == 5
    assert "subgraph cluster_" not in source


def test_rankdir() -> None:
    network = archlang.check(DESIGN_EXAMPLE)
    assert "rankdir=LR" in render.source(network, rankdir="LR")
    with pytest.raises(render.RenderError, match="TB or LR"):
        render.source(network, rankdir="BT")


def test_output_is_deterministic() -> None:
    path = ARCHITECTURES_DIR / "vgg19.arch"
    assert render.source(archlang.check(path)) == render.source(archlang.check(path))
    if __import__("shutil").which("dot"):
        assert render.svg(archlang.check(path)) == render.svg(archlang.check(path))


# ---- files, formats and a missing Graphviz ------------------------------------------------


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def test_dot_output_needs_no_graphviz_program(no_dot: None, tmp_path: Path) -> None:
    out = render.write(archlang.check(ARCHITECTURES_DIR / "vgg16.arch"), tmp_path / "vgg16.dot")
    assert out.read_text().startswith("digraph vgg16 {")


def test_the_slide_preset_writes_dot_text_without_graphviz_unwrapped(no_dot: None) -> None:
    """The preset measures its candidate columns with `dot`; without it the chain stays one column."""
    source = render.source(archlang.check(ARCHITECTURES_DIR / "resnet50.arch"), depth=1, preset="slide")
    assert 'size="13.333,7.5"' in source and "fontsize=16" in source and "turn0" not in source


@pytest.mark.parametrize("suffix", ["svg", "png", "pdf"])
def test_image_output_without_graphviz_says_how_to_install_it(no_dot: None, tmp_path: Path, suffix: str) -> None:
    network = archlang.check(ARCHITECTURES_DIR / "lenet5.arch")
    with pytest.raises(render.RenderError) as error:
        render.write(network, tmp_path / f"lenet5.{suffix}")
    message = str(error.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message and ".dot" in message
    assert not (tmp_path / f"lenet5.{suffix}").exists()
    assert notebook.svg(network) is None  # Jupyter falls back to the plain repr


def test_cli_render_without_graphviz(no_dot: None, tmp_path: Path) -> None:
    spec = str(ARCHITECTURES_DIR / "lenet5.arch")
    dot = invoke(["render", spec, "-o", str(tmp_path / "l.dot")])
    assert dot.exit_code == 0, dot.output
    png = invoke(["render", spec, "-o", str(tmp_path / "l.png")])
    assert png.exit_code == 2
    assert "apt-get install graphviz" in png.output


@needs_dot
@pytest.mark.parametrize("suffix, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_cli_render_formats(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"vgg16.{suffix}"
    spec = str(ARCHITECTURES_DIR / "vgg16.arch")
    result = invoke(["render", spec, "-o", str(out), "-D", "bn=true", "--rankdir", "LR"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


def test_cli_render_usage_and_spec_errors(tmp_path: Path) -> None:
    spec = str(ARCHITECTURES_DIR / "vgg16.arch")
    assert invoke(["render", spec, "-o", str(tmp_path / "v.gif")]).exit_code == 2  # .jpg is drawn now
    assert invoke(["render", spec]).exit_code == 2
    bad = tmp_path / "bad.arch"
    bad.write_text("network bad\ninput 3@8x8\nconv9-4 p=0\n")
    result = invoke(["render", str(bad), "-o", str(tmp_path / "bad.dot")])
    assert result.exit_code == 1 and "E302" in result.output
    assert not (tmp_path / "bad.dot").exists()


@needs_dot
def test_jupyter_repr_is_the_diagram() -> None:
    svg = notebook.svg(archlang.check(ARCHITECTURES_DIR / "lenet5.arch"))
    assert svg is not None and ET.fromstring(svg).tag == f"{SVG}svg"


def test_rendering_does_not_import_torch() -> None:
    code = ("import sys, archlang; from archlang import render; "
            "render.source(archlang.check('architectures/vgg16.arch')); assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_volumes_go_to_standard_output_too() -> None:
    """`-o -` and --format serve both styles; the volume figure is text, written even to a terminal."""
    spec = str(ARCHITECTURES_DIR / "alexnet.arch")
    result = invoke(["render", spec, "--style", "volumes", "-o", "-", "--format", "tikz"])
    assert result.exit_code == 0 and result.stdout.startswith("% ")
    result = invoke(["render", spec, "--style", "volumes", "-o", "-"])
    assert result.exit_code == 0 and result.stdout.lstrip().startswith("<")
    result = invoke(["render", spec, "--style", "volumes", "-o", "-", "--format", "png"])
    assert result.exit_code == 2 and "png is not one of svg, tex, tikz with --style volumes" in result.output


def test_the_render_commands_formats_are_the_packages() -> None:
    """cli/draw.py copies the formats so that --format's choices import neither package."""
    from archlang import render, volumes
    from archlang.cli import draw

    assert (draw.GRAPH_FORMATS, draw.VOLUME_FORMATS) == (render.FORMATS, volumes.FORMATS)
