"""Render: a checked network as a Graphviz diagram, drawn the way the spec was written.

`drawer.Drawer` walks the checked tree once and collects plain data: nodes
(each with the rows it stands for), edges (each with the shapes that flow
along it), clusters, and for every branch its fork, the first box of each
path and its join. `graph.build` turns that data into a `graphviz.Digraph`
(paths as columns, the top-level chain wrapped into columns if asked);
`write` saves it as .dot (no Graphviz program needed) or pipes it through
Graphviz's `dot` for .svg, .png, .jpg and .pdf.

What is drawn and how large is a `view.View`: `unroll`, `rankdir`, `depth`
(clusters deeper than it as one box with their totals), `names`, `params`,
`size` (inches), `dpi`, `wrap` (columns of the chain) and a `preset`
(`slide`: 12 pt type at the least, and as many columns as give the picture a
slide's shape, found by laying it out). The `graphviz` package is imported
only when a diagram is built; torch never is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checker.checked import CheckedNetwork
from ..diagnostics import ArchError, Diagnostic
from ..nodes import room_to_recurse
from ..records import replace
from . import graph as _graph
from .drawer import Cluster, Drawer, Edge, Fan, Node
from .labels import COLOURS, FONT, params_label, shape_label
from .layout import Column, wrap
from .view import PRESETS, SLIDE_SIZE, Fonts, View, make_view

if TYPE_CHECKING:
    import graphviz

__all__ = ["COLOURS", "FONT", "FORMATS", "MAX_BOXES", "PRESETS", "SLIDE_SIZE", "Cluster", "Column", "Drawer", "Edge", "Fan",
           "Fonts", "Node", "RenderError", "View", "draw", "make_view", "params_label", "pipe", "shape_label",
           "source", "svg", "svg_or_none", "to_graphviz", "write"]

FORMATS = ("svg", "png", "jpg", "jpeg", "pdf", "dot")
#: Formats that are bytes, not text: written to a terminal they would garble it.
BINARY = ("png", "jpg", "jpeg", "pdf")
#: The most boxes Graphviz is asked to lay out. Its time grows much faster than the
#: diagram: 1,250 boxes of small concats take ~1 s, 2,500 take ~13 s, 6,000 take ~50 s
#: (a concat of 5,000 paths took 60 s), so past this an image is refused at once (E404).
#: Folded repeats draw each repeated layer once, and the .dot text is always written.
MAX_BOXES = 1_500
#: The most columns the slide preset tries when it fits the chain to a slide's shape.
MAX_COLUMNS = 8
INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
                "conda: conda install graphviz), or write a .dot file, which needs no Graphviz program")


class RenderError(Exception):
    """A diagram could not be written: an unknown format or option, or Graphviz missing."""


def view_of(unroll: bool = False, rankdir: str = "TB", **options: Any) -> View:
    """The View of the keyword options (`preset`, `depth`, `names`, `params`, `size`, `dpi`, `wrap`)."""
    try:
        return make_view(options.pop("preset", None) or "default", unroll=unroll, rankdir=rankdir, **options)
    except (ValueError, TypeError) as error:
        raise RenderError(str(error)) from None


def draw(network: CheckedNetwork, unroll: bool = False, view: View | None = None) -> Drawer:
    """The nodes, edges and clusters of the diagram; E109 (ArchError) for a network
    nested past what a walk can follow (possible only with a raised --max-depth)."""
    try:
        with room_to_recurse():
            return Drawer(network, view or View(unroll=unroll)).draw()
    except RecursionError:
        raise ArchError([Diagnostic("error", "E109", "the network nests too deeply to draw", None,
                                    network.source, "lower --max-depth, or nest fewer blocks")]) from None


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise RenderError("drawing needs the graphviz Python package: pip install graphviz") from None
    return graphviz


def to_graphviz(network: CheckedNetwork, unroll: bool = False, rankdir: str = "TB",
                drawer: Drawer | None = None, **options: Any) -> graphviz.Digraph:
    """The diagram of a checked network: a node per layer (or per folded
    layer of a repeat, or per collapsed cluster), shapes on the edges,
    clusters for repeats and blocks, the paths of a branch as columns."""
    view = view_of(unroll, rankdir, **options)
    return _digraph(network, drawer or draw(network, view=view), view)


def _digraph(network: CheckedNetwork, drawer: Drawer, view: View) -> Any:
    """The Digraph of a drawing as the view asks: fitted to a slide, wrapped into columns, or one chain."""
    if view.fit:
        return _fitted(network, drawer, view)
    columns = wrap(drawer, view.wrap) if view.wrap else None
    return _graph.build(_graphviz(), network, drawer, view, columns)


def _fitted(network: CheckedNetwork, drawer: Drawer, view: View) -> Any:
    """The chain in the number of columns that shows the type largest on a
    1920x1080 screen, stretched to a shape between 4:3 and 16:9; each
    candidate is laid out by `dot` (without it, or past MAX_BOXES, the chain is not wrapped)."""
    graphviz = _graphviz()
    if box_count(drawer) > MAX_BOXES:  # each candidate would take Graphviz minutes
        return _graph.build(graphviz, network, drawer, view)
    unsized = replace(view, size=None, dpi=None)  # measured as laid out, before scaling
    best: tuple[float, Any] | None = None
    for count in range(1, MAX_COLUMNS + 1):
        columns = wrap(drawer, count)
        if best is not None and len(columns) < count:
            break  # no more places to cut
        try:
            width, height = _measure(_graph.build(graphviz, network, drawer, unsized, columns))
        except graphviz.ExecutableNotFound:
            return _graph.build(graphviz, network, drawer, view)
        for score, ratio in _shapes(width, height, view.fonts.smallest):
            if best is None or score > best[0]:
                best = (score, (columns, ratio))
    assert best is not None
    columns, ratio = best[1]
    return _graph.build(graphviz, network, drawer, view, columns, ratio)


def _measure(graph: Any) -> tuple[float, float]:
    """The laid-out size in points, read off `dot -Tsvg`."""
    head = graph.pipe(format="svg").decode()
    found = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', head)
    if found is None:
        raise RenderError("Graphviz's SVG has no size")
    return float(found[1]), float(found[2])


def _shapes(width: float, height: float, smallest: float) -> list[tuple[float, float | None]]:
    """For a landscape and a portrait target: the type's size on a 1920x1080
    screen once the layout is stretched into 4:3 to 16:9, and the ratio (height
    / width, Graphviz's `ratio`) that stretches it (None: it is in range)."""
    result = []
    for long_side_is_width in (True, False):
        long, short = (width, height) if long_side_is_width else (height, width)
        ratio: float | None = None
        if long / short > 16 / 9:
            short, ratio = long * 9 / 16, 9 / 16
        elif long / short < 4 / 3:
            long, ratio = short * 4 / 3, 3 / 4
        w, h = (long, short) if long_side_is_width else (short, long)
        if ratio is not None:
            ratio = h / w
        result.append((smallest * min(1920 / w, 1080 / h), ratio))
    return result


def source(network: CheckedNetwork, unroll: bool = False, rankdir: str = "TB", **options: Any) -> str:
    """The diagram as DOT text: needs no Graphviz program (except to fit the slide preset)."""
    return str(to_graphviz(network, unroll, rankdir, **options).source)


def pipe(network: CheckedNetwork, fmt: str, unroll: bool = False, rankdir: str = "TB", **options: Any) -> bytes:
    """The diagram as svg, png, jpg, pdf or dot bytes, laid out by Graphviz's `dot`."""
    if fmt not in FORMATS:
        raise RenderError(f"cannot draw .{fmt}: choose one of {', '.join('.' + f for f in FORMATS)}")
    view = view_of(unroll, rankdir, **options)
    if fmt in ("svg", "pdf"):
        view = replace(view, dpi=None)  # Graphviz would scale a vector image by dpi / 72
    drawer = draw(network, view=view)
    if fmt == "dot":
        return _digraph(network, drawer, view).source.encode()
    refuse_large_drawing(network, drawer, fmt)
    graphviz = _graphviz()
    try:
        graph = _digraph(network, drawer, view)
        return bytes(graph.pipe(format="jpg" if fmt == "jpeg" else fmt))
    except graphviz.ExecutableNotFound:
        raise RenderError(f"drawing .{fmt} needs Graphviz's dot program, which is not on PATH: "
                          f"{INSTALL_HINT}") from None
    except graphviz.CalledProcessError as error:
        raise RenderError(f"Graphviz's dot failed: {error.stderr.decode(errors='replace').strip()}") from None


def box_count(drawer: Drawer) -> int:
    """The boxes Graphviz lays out: every node but the forks, which are points."""
    return sum(1 for node in drawer.nodes.values() if node.role != "fork")


def refuse_large_drawing(network: CheckedNetwork, drawer: Drawer, fmt: str) -> None:
    """Raise E404 before Graphviz runs if the diagram has more boxes than it lays out in seconds."""
    boxes = box_count(drawer)
    if boxes <= MAX_BOXES:
        return
    decls = network.module.networks
    span = decls[0].span if decls else None
    message = (f"the diagram of {network.name} has {boxes:,} boxes, more than the {MAX_BOXES:,} "
               f"Graphviz lays out in seconds")
    hint = ("fold the repeats (leave out --unroll), draw blocks as single boxes (--depth N), or write the .dot text "
            f"(-o {network.name}.dot) and lay it out by hand; the .{fmt} is not written")
    raise ArchError([Diagnostic("error", "E404", message, span, network.source, hint)])


def svg(network: CheckedNetwork, unroll: bool = False, rankdir: str = "TB", **options: Any) -> str:
    return pipe(network, "svg", unroll, rankdir, **options).decode()


def write(network: CheckedNetwork, path: str | Path, unroll: bool = False, rankdir: str = "TB",
          **options: Any) -> Path:
    """Draw to a file; the suffix (.svg, .png, .jpg, .pdf, .dot) picks the format."""
    path = Path(path)
    data = pipe(network, path.suffix.lstrip(".").lower(), unroll, rankdir, **options)
    path.write_bytes(data)
    return path


def svg_or_none(network: CheckedNetwork) -> str | None:
    """For Jupyter: the SVG, or None (the plain repr) when Graphviz is missing."""
    try:
        return svg(network)
    except (RenderError, ArchError):  # no Graphviz, or too large a diagram (E404)
        return None
