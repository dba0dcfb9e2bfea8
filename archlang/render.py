"""Render: a checked network as a Graphviz diagram, drawn the way the spec was written.

A `Drawer` visits the checked tree once, in network order, with one `visit_<Kind>`
method per checked node kind (`Layer`, `Group`, `Repeated`, `Block`, `Branched`,
`Aside`; the others through the generic fallback), and
collects plain data: nodes (each with the rows it stands for), edges (each with
the shapes that flow along it) and clusters. `to_graphviz` then turns that data
into a `graphviz.Digraph`; `write` saves it as .dot (no Graphviz program needed)
or pipes it through Graphviz's `dot` for .svg, .png and .pdf.

A repeat is drawn once, as a cluster marked `×N`: its later iterations replay
the nodes and edges of the first, so a node collects every row it stands for
and an edge every shape it carries, and the labels show what varies (e.g.
`1,792 / 36,928 params`, `64@224x224 … 64@14x14`). With `unroll=True` every
iteration gets nodes of its own. The `graphviz` package is imported only when a
diagram is built; torch never is.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import ir
from .checker.checked import Aside, Block, Branched, CheckedNetwork, Group, Layer, Repeated, Row
from .diagnostics import ArchError, Diagnostic
from .nodes import Visitor, room_to_recurse
from .options import describe
from .records import field, record
from .units import Shape, fmt_shape, short_count

if TYPE_CHECKING:
    import graphviz

#: Fill colours by layer family; the legend lists the families a diagram uses.
COLOURS = {
    "conv": "#cfe2f3",
    "pool": "#f4cccc",
    "fc": "#d9ead3",
    "norm": "#fff2cc",
    "act": "#e6dcf5",
    "other": "#eeeeee",
    "join": "#ffffff",
}
FONT = "Helvetica,Arial,sans-serif"
FORMATS = ("svg", "png", "pdf", "dot")
#: The most boxes Graphviz is asked to lay out. Its time grows much faster than the
#: diagram: 1,250 boxes of small concats take ~1 s, 2,500 take ~13 s, 6,000 take ~50 s
#: (a concat of 5,000 paths took 60 s), so past this an image is refused at once (E404).
#: Folded repeats draw each repeated layer once, and the .dot text is always written.
MAX_BOXES = 1_500
INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
                "conda: conda install graphviz), or write a .dot file, which needs no Graphviz program")


class RenderError(Exception):
    """A diagram could not be written: an unknown format, or Graphviz missing."""


# ---- what the walk collects ----------------------------------------------------------------


@record
class Node:
    """A box in the diagram: `role` is layer, implied (a flatten the spec did
    not write), input or output; `rows` are the layers it stands for, one per
    iteration of the repeats around it; `cluster` the key of its cluster."""

    key: str
    role: str
    cluster: str | None
    rows: list[Row] = field(default_factory=list)
    label: str = ""


@record
class Edge:
    """An arrow, with the shape of each tensor that flows along it."""

    tail: str
    head: str
    shapes: list[Shape] = field(default_factory=list)
    identity: bool = False  # a residual's identity shortcut


@record
class Cluster:
    """A box around a repeat (`×N`) or a labelled group; `parent` is the
    cluster it sits in."""

    key: str
    parent: str | None
    label: str
    style: str


# ---- the walk ----------------------------------------------------------------------------


class Drawer(Visitor):
    """Walks a checked network and collects nodes, edges and clusters.

    Every node and cluster is made through `_take`: the first iteration of a
    folded repeat records the keys it makes, and later iterations replay them,
    so they land on the same boxes. The edge that would lead from one
    iteration back into the next is not drawn: the `×N` says it.
    """

    def __init__(self, network: CheckedNetwork, unroll: bool = False):
        self.network = network
        self.unroll = unroll
        self.rows = iter(network.rows)
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str], Edge] = {}
        self.clusters: dict[str, Cluster] = {}
        self.cluster: str | None = None
        self.tail = self._new_node("input", None).key
        self.shape: Shape = network.input or ()
        self._recorders: list[list[str]] = []
        self._replay: list[str] | None = None
        self._cursor = 0
        self._skip_link = False
        self.folds = 0  # folded repeats we are inside
        self.home: str | None = None  # the cluster around the outermost of them

    def draw(self) -> Drawer:
        if self.network.tree is not None:
            self.visit(self.network.tree)
        output = self._new_node("output", None)
        if self.network.output is not None:
            self._link(output.key, self.network.output)
        return self

    # ---- one method per checked node kind
    def visit_Layer(self, layer: Layer) -> None:
        self._place(self._row(layer))

    def visit_Group(self, group: Group) -> None:
        if isinstance(group.node, ir.Seq) and group.node.label:  # `stage1: [...]`, not `fc6: fc-4096`
            self._in_cluster(group.node.label, "rounded", lambda: self._items(group.items))
        else:
            self._items(group.items)

    def visit_Repeated(self, repeated: Repeated) -> None:
        iterations = repeated.iterations
        if not iterations:
            return
        if self.unroll:
            self._items(iterations)  # every iteration its own boxes, named conv3_1, conv3_2, ...
        else:
            if not self.folds:
                self.home = self.cluster
            self.folds += 1
            self._in_cluster(f"×{len(iterations)}", "rounded", lambda: self._folded(iterations))
            self.folds -= 1

    def visit_Block(self, block: Block) -> None:
        call = block.call
        args = ", ".join(describe(value) for value in block.args.values())
        label = f"{call.label}: {call.name}({args})" if call.label else f"{call.name}({args})"
        self._in_cluster(label, "rounded,filled", lambda: self.visit(block.body))

    def visit_Branched(self, branch: Branched) -> None:
        """Paths side by side from one start (an identity path as a dashed
        arrow), then the join's box: concat, or add after a residual body."""
        join = self._row(branch.layer)  # the walk lists a join before its paths
        ends = [self._path(functools.partial(self.visit, path), identity=not path.items) for path in branch.paths]
        self._join(join, ends)

    def visit_Aside(self, aside: Aside) -> None:
        """A side output: its path ends in an output box; the main path goes on from where it left."""
        tail, shape, skip = self.tail, self.shape, self._skip_link
        self.visit(aside.body)
        out = self._take(lambda: self._new_node("side", self.cluster).key)
        self.nodes[out].label = _html([("", "side output"), ("small", shape_label([self.shape]))])
        self._link(out, self.shape)
        self.tail, self.shape, self._skip_link = tail, shape, skip

    # ---- branches
    def _path(self, draw: Callable[[], None], identity: bool = False) -> tuple[str, Shape, bool, bool]:
        """Draw one path from the current start; where it ends, the shape it
        ends in, whether it drew nothing and whether its arrow is the way back
        into the next iteration (not drawn)."""
        start, shape, skip = self.tail, self.shape, self._skip_link
        draw()
        end = (self.tail, self.shape, self.tail == start, self._skip_link or (skip and identity))
        self.tail, self.shape, self._skip_link = start, shape, skip
        return end

    def _join(self, row: Row, ends: list[tuple[str, Shape, bool, bool]]) -> None:
        key = self._take(lambda: self._new_node("layer", self.cluster).key)
        self.nodes[key].rows.append(row)
        for tail, shape, empty, skipped in ends:
            if not skipped:
                edge = self.edges.setdefault((tail, key), Edge(tail, key))
                edge.shapes.append(shape)
                edge.identity |= empty
        self.tail, self.shape, self._skip_link = key, row.layer.out_shape, False

    # ---- structure
    def _items(self, items: tuple[Any, ...]) -> None:
        for item in items:
            self.visit(item)

    def _folded(self, iterations: tuple[Any, ...]) -> None:
        """The iterations of a repeat on one set of boxes."""
        if self._replay is not None:  # inside an outer repeat's replay: its script covers these too
            self._iterate(iterations)
            return
        script: list[str] = []
        self._recorders.append(script)
        self.visit(iterations[0])
        self._recorders.pop()
        for iteration in iterations[1:]:
            self._replay, self._cursor, self._skip_link = script, 0, True
            self.visit(iteration)
        self._replay = None

    def _iterate(self, iterations: tuple[Any, ...]) -> None:
        self.visit(iterations[0])
        for iteration in iterations[1:]:
            self._skip_link = True
            self.visit(iteration)

    def _in_cluster(self, label: str, style: str, draw: Callable[[], None]) -> None:
        key = self._take(lambda: self._new_cluster(label, style))
        outer, self.cluster = self.cluster, key
        draw()
        self.cluster = outer

    # ---- making and replaying
    def _take(self, make: Callable[[], str]) -> str:
        if self._replay is not None:
            key = self._replay[self._cursor]
            self._cursor += 1
        else:
            key = make()
        for script in self._recorders:
            script.append(key)
        return key

    def _new_node(self, role: str, cluster: str | None) -> Node:
        node = Node(role if role in ("input", "output") else f"n{len(self.nodes)}", role, cluster)
        self.nodes[node.key] = node
        return node

    def _new_cluster(self, label: str, style: str) -> str:
        key = f"cluster_{len(self.clusters) + 1}"
        self.clusters[key] = Cluster(key, self.cluster, label, style)
        return key

    def _row(self, layer: Layer) -> Row:
        """The row of a layer, drawing any implied row the tree leaves out before it."""
        row = next(self.rows)
        while row.layer is not layer and row.layer.implied:
            self._place(row)
            row = next(self.rows)
        assert row.layer is layer, "rows and tree disagree"
        return row

    def _place(self, row: Row) -> None:
        role = "implied" if row.layer.implied else "layer"
        if role == "implied":
            # Only the first fc after a spatial tensor implies a flatten, so it
            # runs once: a box of its own, outside the replay and the ×N boxes.
            key = self._new_node(role, self.home if self.folds else self.cluster).key
        else:
            key = self._take(lambda: self._new_node(role, self.cluster).key)
        self.nodes[key].rows.append(row)
        self._link(key, row.layer.in_shape)

    def _link(self, head: str, shape: Shape) -> None:
        if self._skip_link:
            self._skip_link = False  # the way back into the next iteration
        else:
            self.edges.setdefault((self.tail, head), Edge(self.tail, head)).shapes.append(shape)
        self.tail = head
        self.shape = self.nodes[head].rows[-1].layer.out_shape if self.nodes[head].rows else shape


# ---- labels ------------------------------------------------------------------------------------


def _distinct(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _span_text(items: list[str]) -> str:
    """One, two (`a, b`) or the first and last (`a … z`) of several names."""
    return ", ".join(items) if len(items) <= 2 else f"{items[0]} … {items[-1]}"


def shape_label(shapes: list[Shape]) -> str:
    """An edge's shape, or the first and last when the iterations differ."""
    distinct = _distinct(shapes)
    if len(distinct) == 1:
        return fmt_shape(distinct[0])
    return f"{fmt_shape(distinct[0])} … {fmt_shape(distinct[-1])}"


def params_label(rows: list[Row]) -> str:
    """`36,928 params` for one layer; for a folded repeat the values in order,
    runs counted: `295,168 + 2 × 590,080 params`."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and runs[-1][0] == row.layer.params:
            runs[-1][1] += 1
        else:
            runs.append([row.layer.params, 1])
    if all(value == 0 for value, _ in runs):
        return ""
    if len(runs) > 3:
        total = sum(row.layer.params for row in rows)
        return f"{len(rows)} layers, {total:,} params in all"
    return " + ".join(f"{n} × {v:,}" if n > 1 else f"{v:,}" for v, n in runs) + " params"


def _html(lines: list[tuple[str, str]]) -> str:
    """An HTML-like Graphviz label from (style, text) lines: title, small, bold."""
    parts = []
    for style, text in lines:
        text = html.escape(text)
        if style == "small":
            text = f'<font point-size="9" color="#444444">{text}</font>'
        parts.append(text)
    return "<" + "<br/>".join(parts) + ">"


def layer_label(node: Node) -> str:
    """Names (conv1_1), the layer in paper notation with what follows it
    (`conv3-64` + relu) and its parameters."""
    rows = node.rows
    first = rows[0].layer
    tails = _distinct([_tail(r.layer) for r in rows])
    what = tails[0] if len(tails) == 1 else " + " + " / ".join(t.lstrip(" +") or "no act" for t in tails)
    head = f"<b>{html.escape(first.op)}</b>{html.escape(what)}" if not first.implied else "<i>flatten</i> (implied)"
    names = f'<font point-size="9" color="#444444">{html.escape(_span_text([r.name for r in rows]))}</font>'
    lines = [names, head]
    params = params_label(rows)
    if params:
        lines.append(f'<font point-size="9" color="#444444">{html.escape(params)}</font>')
    return "<" + "<br/>".join(lines) + ">"


def _tail(layer: Layer) -> str:
    """What follows the operation in its display: ` + bn + relu`."""
    return layer.display[len(layer.op):] if not layer.implied else ""


def end_label(network: CheckedNetwork, role: str) -> str:
    shape = network.input if role == "input" else network.output
    return _html([("", role), ("small", fmt_shape(shape))])


def legend_label(families: list[str]) -> str:
    cells = "".join(f'<td bgcolor="{COLOURS[f]}">{f}</td>' for f in families)
    return f'<<table border="0" cellborder="1" cellspacing="2" cellpadding="3"><tr>{cells}</tr></table>>'


def title(network: CheckedNetwork) -> str:
    text = f"{network.name}: {network.params:,} params, {short_count(network.macs, smallest='M')} MACs (multiply-accumulates)"
    return dot_text(text)


def dot_text(text: str) -> str:
    """Text from a spec or a file name, safe as a quoted DOT string: no control
    characters, backslashes doubled (DOT reads `\\N`, `\\l`... as escapes, and
    a last backslash would escape the closing quote). The graphviz package
    quotes it; a string starting with `<` and ending with `>` it would pass raw
    as an HTML label, so such text gets a space at its end."""
    text = "".join(c if c.isprintable() else " " for c in text).replace("\\", "\\\\")
    return f"{text} " if text.startswith("<") and text.endswith(">") else text


def graph_name(network: CheckedNetwork) -> str:
    """The DOT graph's name: an identifier (a file's name may hold any text)."""
    return re.sub(r"\W", "_", network.name, flags=re.ASCII) or "network"


# ---- Graphviz -----------------------------------------------------------------------------


def draw(network: CheckedNetwork, unroll: bool = False) -> Drawer:
    """The nodes, edges and clusters of the diagram; E109 (ArchError) for a network
    nested past what a walk can follow (possible only with a raised --max-depth)."""
    try:
        with room_to_recurse():
            return Drawer(network, unroll).draw()
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
                drawer: Drawer | None = None) -> graphviz.Digraph:
    """The diagram of a checked network: a node per layer (or per folded
    layer of a repeat), shapes on the edges, clusters for repeats."""
    if rankdir not in ("TB", "LR"):
        raise RenderError(f"rankdir must be TB or LR, not {rankdir}")
    drawer = drawer or draw(network, unroll)
    graph = _graphviz().Digraph(graph_name(network))
    graph.attr(rankdir=rankdir, label=title(network), labelloc="t", fontname=FONT, fontsize="14",
               nodesep="0.3", ranksep="0.25", newrank="true")
    graph.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="12", margin="0.15,0.05")
    graph.attr("edge", fontname=FONT, fontsize="9", fontcolor="#333333", arrowsize="0.6", color="#555555")
    _emit_cluster(graph, drawer, None, network)
    for edge in drawer.edges.values():
        style = {"style": "dashed", "label": " identity"} if edge.identity else {"label": " " + shape_label(edge.shapes)}
        graph.edge(edge.tail, edge.head, **style)
    families = _distinct([n.rows[0].layer.kind.family for n in drawer.nodes.values() if n.rows])
    with graph.subgraph(name="legend") as legend:
        legend.attr(rank="source")
        legend.node("legend", legend_label([f for f in COLOURS if f in families]), shape="plain",
                    style="", fontsize="9")
        legend.node("input")
    return graph


def _emit_cluster(graph: Any, drawer: Drawer, key: str | None, network: CheckedNetwork) -> None:
    """The nodes of one cluster (None: the top level), then its sub-clusters."""
    for node in drawer.nodes.values():
        if node.cluster == key:
            _emit_node(graph, node, network)
    for cluster in drawer.clusters.values():
        if cluster.parent == key:
            with graph.subgraph(name=cluster.key) as sub:
                sub.attr(label=cluster.label, style=cluster.style, color="#888888", fillcolor="#f8f8f8", fontname=FONT,
                         fontsize="12", labeljust="r", margin="10")
                _emit_cluster(sub, drawer, cluster.key, network)


def _emit_node(graph: Any, node: Node, network: CheckedNetwork) -> None:
    if node.role in ("input", "output", "side"):
        label = node.label or end_label(network, node.role)
        graph.node(node.key, label, style="rounded,bold", fillcolor="white")
        return
    family = node.rows[0].layer.kind.family
    style = "rounded,filled,dashed" if node.role == "implied" else "rounded,filled"
    graph.node(node.key, layer_label(node), fillcolor=COLOURS.get(family, COLOURS["other"]), style=style)


def source(network: CheckedNetwork, unroll: bool = False, rankdir: str = "TB") -> str:
    """The diagram as DOT text: needs no Graphviz program."""
    return to_graphviz(network, unroll, rankdir).source


def pipe(network: CheckedNetwork, fmt: str, unroll: bool = False, rankdir: str = "TB") -> bytes:
    """The diagram as svg, png or pdf bytes, laid out by Graphviz's `dot`."""
    if fmt not in FORMATS:
        raise RenderError(f"cannot draw .{fmt}: choose one of {', '.join('.' + f for f in FORMATS)}")
    drawer = draw(network, unroll)
    graph = to_graphviz(network, unroll, rankdir, drawer)
    if fmt == "dot":
        return graph.source.encode()
    refuse_large_drawing(network, drawer, fmt)
    graphviz = _graphviz()
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise RenderError(f"drawing .{fmt} needs Graphviz's dot program, which is not on PATH: "
                          f"{INSTALL_HINT}") from None
    except graphviz.CalledProcessError as error:
        raise RenderError(f"Graphviz's dot failed: {error.stderr.decode(errors='replace').strip()}") from None


def refuse_large_drawing(network: CheckedNetwork, drawer: Drawer, fmt: str) -> None:
    """Raise E404 before Graphviz runs if the diagram has more boxes than it lays out in seconds."""
    boxes = len(drawer.nodes)
    if boxes <= MAX_BOXES:
        return
    decls = network.module.networks
    span = decls[0].span if decls else None
    message = (f"the diagram of {network.name} has {boxes:,} boxes, more than the {MAX_BOXES:,} "
               f"Graphviz lays out in seconds")
    hint = ("fold the repeats (leave out --unroll), draw a part of the network, or write the .dot text "
            f"(-o {network.name}.dot) and lay it out by hand; the .{fmt} is not written")
    raise ArchError([Diagnostic("error", "E404", message, span, network.source, hint)])


def svg(network: CheckedNetwork, unroll: bool = False, rankdir: str = "TB") -> str:
    return pipe(network, "svg", unroll, rankdir).decode()


def write(network: CheckedNetwork, path: str | Path, unroll: bool = False, rankdir: str = "TB") -> Path:
    """Draw to a file; the suffix (.svg, .png, .pdf, .dot) picks the format."""
    path = Path(path)
    data = pipe(network, path.suffix.lstrip(".").lower(), unroll, rankdir)
    path.write_bytes(data)
    return path


def svg_or_none(network: CheckedNetwork) -> str | None:
    """For Jupyter: the SVG, or None (the plain repr) when Graphviz is missing."""
    try:
        return svg(network)
    except (RenderError, ArchError):  # no Graphviz, or too large a diagram (E404)
        return None
