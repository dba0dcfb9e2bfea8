"""Diagram layout and size (issue 15, part 1): paths as columns, titles no arrow
crosses, --depth, names and parameters hidden, --size/--dpi, --wrap, the
slide preset, -o - and JPEG.

Positions are read from the SVG that Graphviz's `dot -Tsvg` lays out: a node's
centre is the middle of its outline's points, a cluster title's box is its
text's anchor, font size and a generous width per character, an edge is its
cubic Bézier path sampled along its length.
"""

from __future__ import annotations

import os
import pty
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ARCHITECTURES, ARCHITECTURES_DIR, ROOT, invoke

import archlang
from archlang import render
from archlang.render import layout

SVG = "{http://www.w3.org/2000/svg}"
pytestmark = pytest.mark.skipif(not __import__("shutil").which("dot"), reason="Graphviz's dot is not installed")

# ---- reading an SVG -----------------------------------------------------------------------------


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]


def _outline(g: ET.Element) -> list[tuple[float, float]]:
    """The points of a node's or cluster's outline (path, polygon or ellipse)."""
    for shape in g:
        if shape.tag == f"{SVG}path":
            values = _numbers(shape.get("d", ""))
        elif shape.tag == f"{SVG}polygon":
            values = _numbers(shape.get("points", ""))
        elif shape.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(shape.get(k, 0)) for k in ("cx", "cy", "rx", "ry"))
            values = [cx - rx, cy - ry, cx + rx, cy + ry]
        else:
            continue
        return list(zip(values[::2], values[1::2]))
    return []


@dataclass
class Layout:
    """What `dot` placed: node centres by key, cluster title boxes, edge paths."""

    centres: dict[str, tuple[float, float]]
    titles: list[tuple[str, tuple[float, float, float, float]]]
    edges: list[tuple[str, list[tuple[float, float]]]]
    root: ET.Element


def laid_out(svg: str) -> Layout:
    root = ET.fromstring(svg)
    centres, titles, edges = {}, [], []
    for g in root.iter(f"{SVG}g"):
        kind, name = g.get("class"), g.findtext(f"{SVG}title") or ""
        if kind == "node":
            points = _outline(g)
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            centres[name] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        elif kind == "cluster":
            for text in g.iter(f"{SVG}text"):
                titles.append((text.text or "", _text_box(text)))
        elif kind == "edge":
            path = g.find(f"{SVG}path")
            if path is not None:
                edges.append((name, _sample(_numbers(path.get("d", "")))))
    return Layout(centres, titles, edges, root)


#: Helvetica's advance widths in em, rounded up: narrow punctuation, digits and lower case, capitals.
NARROW, DIGITS = set(" ,.:;()[]|!ijlft'"), set("0123456789abcdeghknopqsuvxyz_×…")


def _text_width(text: str, size: float) -> float:
    return size * sum(0.34 if c in NARROW else 0.57 if c in DIGITS else 0.72 for c in text)


def _text_box(text: ET.Element) -> tuple[float, float, float, float]:
    """x0, y0, x1, y1 of a line of text, from Helvetica's widths (a little wider than drawn)."""
    size = float(text.get("font-size", "12"))
    width = _text_width(text.text or "", size)
    x, y = float(text.get("x", 0)), float(text.get("y", 0))
    anchor = text.get("text-anchor", "start")
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return left, y - 0.8 * size, left + width, y + 0.2 * size


def _sample(values: list[float]) -> list[tuple[float, float]]:
    """Points along an `M p C p p p p p p ...` path, 20 per Bézier piece."""
    points = list(zip(values[::2], values[1::2]))
    result = [points[0]]
    for i in range(1, len(points) - 2, 3):
        p0, p1, p2, p3 = points[i - 1], points[i], points[i + 1], points[i + 2]
        for step in range(1, 21):
            t = step / 20
            result.append(tuple(  # type: ignore[arg-type]
                (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2 * c + t ** 3 * d
                for a, b, c, d in zip(p0, p1, p2, p3)))
    return result


def network(name: str, **params: object) -> archlang.CheckedNetwork:
    return archlang.check(ARCHITECTURES_DIR / f"{name}.arch", **params)


# ---- 1. parallel paths as columns -------------------------------------------------------------


INCEPTIONS = [("googlenet", {}), ("inception_v3", {}), ("inception_v3", {"aux": True})]


@pytest.mark.parametrize(("name", "params"), INCEPTIONS, ids=["googlenet", "inception_v3", "inception_v3-aux"])
def test_the_first_box_of_every_path_is_on_one_rank_left_to_right_and_the_join_below(name: str, params: dict) -> None:
    net = network(name, **params)
    drawer = render.draw(net)
    shown = laid_out(render.svg(net))
    fans = [fan for fan in drawer.fans if len(fan.firsts) > 1]
    assert len(fans) == {"googlenet": 9, "inception_v3": 11 + 2 * 2}[name]  # v3: 11 modules, 2 nested fans in each E
    for fan in fans:
        ys = {round(shown.centres[key][1], 1) for key in fan.firsts}
        assert len(ys) == 1, f"first boxes of {fan.join}'s paths at y {sorted(ys)}"
        xs = [shown.centres[key][0] for key in fan.firsts]
        assert xs == sorted(xs), "the paths stand in the order they are written"
        assert shown.centres[fan.join][1] > ys.pop()  # SVG y grows downwards: the join is below
        assert shown.centres[fan.fork][1] < shown.centres[fan.firsts[0]][1]


def test_a_googlenet_module_is_four_columns_under_one_fork() -> None:
    net = network("googlenet")
    drawer = render.draw(net)
    i3a = next(fan for fan in drawer.fans if drawer.nodes[fan.join].rows[0].name == "i3a.concat1")
    assert [drawer.nodes[k].rows[0].name for k in i3a.firsts] == ["i3a.conv1", "i3a.conv2", "i3a.conv4", "i3a.pool1"]
    into_fork = [e for e in drawer.edges.values() if e.head == i3a.fork]
    assert len(into_fork) == 1 and into_fork[0].shapes == [(192, 28, 28)]  # one arrow enters the module
    dot = render.source(net)
    assert re.search(r"\{\s*rank=same\s+" + r"\s+".join(i3a.firsts) + r"\s*\}", dot)


@pytest.mark.parametrize("name", [p.stem for p in ARCHITECTURES])
def test_no_arrow_runs_through_a_cluster_title(name: str) -> None:
    views = [{}] if name not in ("resnet50", "googlenet") else [{}, {"depth": 1, "preset": "slide"}]
    for view in views:
        shown = laid_out(render.svg(network(name), **view))
        for text, (x0, y0, x1, y1) in shown.titles:
            for edge, points in shown.edges:
                inside = [p for p in points if x0 < p[0] < x1 and y0 < p[1] < y1]
                assert not inside, f"{edge} runs through the title {text!r} ({view})"


# ---- 2. depth, names, parameters --------------------------------------------------------------


def test_depth_0_draws_every_top_level_block_as_one_box_with_its_totals() -> None:
    net = network("resnet50")
    drawer = render.draw(net, view=render.View(depth=0))
    summaries = {n.title: n for n in drawer.nodes.values() if n.role == "summary"}
    assert list(summaries) == ["conv2_x: bottleneck_stage(64, 3, 1)", "conv3_x: bottleneck_stage(128, 4, 2)",
                               "conv4_x: bottleneck_stage(256, 6, 2)", "conv5_x: bottleneck_stage(512, 3, 2)"]
    assert not drawer.clusters
    stage = [r for r in net.rows if r.name.startswith("conv4_x.")]
    box = summaries["conv4_x: bottleneck_stage(256, 6, 2)"]
    assert len(box.rows) == len(stage) and {id(r) for r in box.rows} == {id(r) for r in stage}
    assert box.out == (1024, 14, 14)
    label = render.labels.summary_label(box, render.View())
    params = sum(r.layer.params for r in stage)
    assert params == 7_098_368 and f"{params:,} params" in label
    assert f"{len(stage)} layers" in label and "1.46 G MACs" in label and "→ 1024@14x14" in label
    drawn = sum(r.layer.params for n in drawer.nodes.values() for r in n.rows)
    assert drawn == net.params == 25_557_032  # every layer is in exactly one box


def test_depth_1_keeps_the_stages_and_folds_their_blocks() -> None:
    drawer = render.draw(network("resnet50"), view=render.View(depth=1))
    assert [c.label for c in drawer.clusters.values()] == [
        "conv2_x: bottleneck_stage(64, 3, 1)", "conv3_x: bottleneck_stage(128, 4, 2)",
        "conv4_x: bottleneck_stage(256, 6, 2)", "conv5_x: bottleneck_stage(512, 3, 2)"]
    titles = [n.title for n in drawer.nodes.values() if n.role == "summary"]
    assert titles[:2] == ["bottleneck(64, 1)", "bottleneck(64, 1) ×2"]
    assert titles[-1] == "bottleneck(512, 1) ×2" and len(titles) == 8


def test_a_collapsed_box_inside_a_folded_repeat_counts_per_iteration() -> None:
    spec = "network t\ninput 8@8x8\nact relu\ndef b(c) = conv1-c, conv1-c\n[b(8)]*3, b(16)\n"
    drawer = render.draw(archlang.check(spec), view=render.View(depth=1))
    box = next(n for n in drawer.nodes.values() if n.role == "summary" and n.title == "b(8)")
    assert len(box.groups) == 3
    assert "3 × 144 params" in render.labels.summary_label(box, render.View())


def test_no_names_and_no_params_leave_those_lines_out() -> None:
    root = laid_out(render.svg(network("vgg16"), names=False, params=False)).root
    texts = [" ".join((t.text or "").strip() for t in g.iter(f"{SVG}text"))
             for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert "conv3-64 + relu" in texts and "fc-1000" in texts
    assert not any("params" in t or "conv1_1" in t or "fc8" in t for t in texts)


# ---- 2. size, dpi, formats, stdout ----------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    return struct.unpack(">II", data[16:24])


def test_size_and_dpi_set_the_pixels() -> None:
    net = network("resnet18")
    assert _png_size(render.pipe(net, "png"))[1] > 3000  # top to bottom, unscaled
    width, height = _png_size(render.pipe(net, "png", size=(4, 4), dpi=100))
    assert max(width, height) <= 401 and height == 400  # scaled to fit 4 in at 100 dpi, the shape kept


def test_jpeg_and_stdout(tmp_path: Path) -> None:
    spec = str(ARCHITECTURES_DIR / "lenet5.arch")
    assert render.write(network("lenet5"), tmp_path / "l.jpeg").read_bytes().startswith(b"\xff\xd8\xff")
    for args, magic in ((["-o", str(tmp_path / "l.jpg")], None), (["-o", "-"], b"<?xml"),
                        (["-o", "-", "--format", "png"], b"\x89PNG"), (["-o", "-", "--format", "jpg"], b"\xff\xd8\xff"),
                        (["-o", "-", "--format", "dot"], b"digraph lenet5 {")):
        result = invoke(["render", spec, *args])
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.startswith(magic) if magic else (tmp_path / "l.jpg").read_bytes()[:2] == b"\xff\xd8"


def test_binary_output_is_not_written_to_a_terminal() -> None:
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "archlang", "render", str(ARCHITECTURES_DIR / "lenet5.arch"),
               "-o", "-", "--format", "png"]
    result = subprocess.run(command, stdout=follower, stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ}, timeout=60,
                            check=False)
    os.close(follower)
    os.close(leader)
    assert result.returncode == 2 and b"standard output is a terminal" in result.stderr


@pytest.mark.parametrize("args", [["--size", "4"], ["--size", "a,b"], ["--size", "0,3"], ["--depth", "-1"],
                                  ["--wrap", "0"], ["--format", "gif"], ["--preset", "poster"]])
def test_bad_size_and_layout_options_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    result = invoke(["render", str(ARCHITECTURES_DIR / "lenet5.arch"), "-o", str(tmp_path / "x.svg"),
                                       *args])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "x.svg").exists()


# ---- 2. wrapping and the slide preset ---------------------------------------------------------


def test_wrap_puts_each_column_head_on_the_input_rank_left_to_right() -> None:
    net = network("resnet50")
    drawer = render.draw(net, view=render.View(depth=1))
    columns = layout.wrap(drawer, 3)
    assert len(columns) == 3 and columns[0].first == "input"
    shown = laid_out(render.svg(net, depth=1, wrap=3))
    heads = [shown.centres[c.first] for c in columns]
    assert len({round(y, 1) for _, y in heads}) == 1
    assert [x for x, _ in heads] == sorted(x for x, _ in heads)
    assert sum(len(c.keys) for c in columns) == len(drawer.nodes)  # every node in one column


def test_wrap_cuts_only_where_one_arrow_crosses() -> None:
    """Kim's three filter widths sit at the top level: no cut between the fork and the concat."""
    drawer = render.draw(network("kim2014"))
    chain = layout.items(drawer)
    places = layout.cuts(drawer, chain)
    fork = next(i for i, keys in enumerate(chain) if drawer.nodes[keys[0]].role == "fork")
    join = next(i for i, keys in enumerate(chain) if keys[0] == drawer.fans[0].join)
    assert not [p for p in places if fork < p <= join] and places
    for column in layout.wrap(drawer, 4):
        assert {drawer.fans[0].fork, drawer.fans[0].join} <= set(column.keys) or \
            not {drawer.fans[0].fork, drawer.fans[0].join} & set(column.keys)


def _slide_figures(svg: str) -> tuple[float, float, float]:
    """The picture's aspect (long side over short), its smallest type in pt when
    shown 1920 px wide, and when shown as large as fits a 1920x1080 screen."""
    root = ET.fromstring(svg)
    width, height = (float(root.get(k, "0").removesuffix("pt")) for k in ("width", "height"))
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph")
    scale = float(re.search(r"scale\(([\d.]+)", graph.get("transform", "")).group(1))  # type: ignore[union-attr]
    smallest = min(float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text"))
    return (max(width, height) / min(width, height), smallest * scale * 1920 / width,
            smallest * scale * min(1920 / width, 1080 / height))


def test_resnet50_at_depth_1_fits_a_slide_with_12_pt_type() -> None:
    svg = render.svg(network("resnet50"), depth=1, preset="slide")
    aspect, smallest, on_screen = _slide_figures(svg)
    assert 4 / 3 - 0.01 <= aspect <= 16 / 9 + 0.01
    assert smallest >= 12
    assert on_screen >= 16  # on a 1920x1080 screen, even 12 pt read as 96 dpi pixels (16 px)
    png = render.pipe(network("resnet50"), "png", depth=1, preset="slide")
    width, height = _png_size(png)
    assert width <= 1921 and height <= 1081 and 4 / 3 - 0.01 <= width / height <= 16 / 9 + 0.01


def test_without_the_preset_resnet50_is_a_strip() -> None:
    """The figure the issue started from: too tall for a slide, its 9 pt type tiny on one."""
    aspect, _, on_screen = _slide_figures(render.svg(network("resnet50")))
    assert aspect > 5 and on_screen < 3


def test_cli_slide_preset_with_depth(tmp_path: Path) -> None:
    out = tmp_path / "r50.svg"
    result = invoke(["render", str(ARCHITECTURES_DIR / "resnet50.arch"), "-o", str(out),
                                       "--depth", "1", "--preset", "slide"])
    assert result.exit_code == 0, result.output
    aspect, smallest, _ = _slide_figures(out.read_text())
    assert 4 / 3 - 0.01 <= aspect <= 16 / 9 + 0.01 and smallest >= 12


@pytest.mark.parametrize("name", ["kim2014", "resnet_cifar", "googlenet", "inception_v3", "resnet50"])
def test_graphviz_lays_out_the_slide_preset_without_a_warning(name: str) -> None:
    """Graphviz 2.43 misread `arrowhead=none` on some edges as an arrow named after
    another attribute's value (`Arrow type "12" unknown`), and could not route an
    arrow into a wrapped column that an invisible edge doubled."""
    dot = render.source(network(name), depth=1, preset="slide")
    result = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=True, timeout=120)
    assert result.stderr == b""


def test_wrap_left_to_right_stacks_the_rows_top_down() -> None:
    """dot lays LR out as TB turned, which stacked the rows upwards, input at the bottom."""
    net = network("resnet18")
    columns = layout.wrap(render.draw(net), 4)
    shown = laid_out(render.svg(net, rankdir="LR", wrap=4))
    heads = [shown.centres[c.first] for c in columns]
    assert len(columns) == 4 and len({round(x, 1) for x, _ in heads}) == 1
    assert [y for _, y in heads] == sorted(y for _, y in heads)  # SVG y grows downwards
