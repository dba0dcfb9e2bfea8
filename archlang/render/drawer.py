"""The walk: a checked network as plain data, nodes, edges, clusters and branches.

A `Drawer` visits the checked tree once, in network order, with one `visit_<Kind>`
method per checked node kind (`Layer`, `Group`, `Repeated`, `Block`, `Branched`,
`Aside`; the others through the generic fallback), and collects nodes (each with
the rows it stands for), edges (each with the shapes that flow along it),
clusters and, for every branch, its fork, the first box of each path and the
join, from which the writer lays the paths out as columns.

A repeat is drawn once, as a cluster marked `×N`: its later iterations replay
the nodes and edges of the first, so a node collects every row it stands for
and an edge every shape it carries. With `unroll` every iteration gets nodes of
its own. A cluster nested deeper than `depth` is one summary box: its rows are
collected (the walk runs as usual, making no boxes) and the box shows their totals.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import ir
from ..checker.checked import Aside, Block, Branched, CheckedNetwork, Group, Layer, Repeated, Row
from ..nodes import Visitor
from ..options import describe
from ..records import field, record
from ..units import Shape
from .view import View


@record
class Node:
    """A box in the diagram: `role` is layer, implied (a flatten the spec did
    not write), summary (a collapsed cluster), fork (where paths part), input,
    output or side; `rows` are the layers it stands for, one per iteration of
    the repeats around it (a summary's `groups` split them per iteration);
    `cluster` the key of its cluster; `out` the shape it ends in, where its
    last row does not say it."""

    key: str
    role: str
    cluster: str | None
    rows: list[Row] = field(default_factory=list)
    label: str = ""
    title: str = ""
    groups: list[list[Row]] = field(default_factory=list)
    out: Shape | None = None
    group: str | None = None  # the path it is in: Graphviz keeps a path's edges straight


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


@record
class Fan:
    """A branch as drawn: where its paths part, the first box of each path
    that has one (left to right) and the join they meet at."""

    fork: str
    firsts: list[str]
    join: str


class Drawer(Visitor):
    """Walks a checked network and collects nodes, edges, clusters and fans.

    Every node and cluster is made through `_take`: the first iteration of a
    folded repeat records the keys it makes, and later iterations replay them,
    so they land on the same boxes. The edge that would lead from one
    iteration back into the next is not drawn: the `×N` says it.
    """

    def __init__(self, network: CheckedNetwork, view: View | None = None):
        self.network = network
        self.view = view or View()
        self.rows = iter(network.rows)
        self.nodes: dict[str, Node] = {}  # in the order made (a path's new ones are the last of them)
        self.edges: dict[tuple[str, str], Edge] = {}
        self.clusters: dict[str, Cluster] = {}
        self.fans: list[Fan] = []
        self.cluster: str | None = None
        self.level = 0  # clusters drawn around the walk's position
        self.tail = self._new_node("input", None).key
        self.shape: Shape = network.input or ()
        self._recorders: list[list[str]] = []
        self._replay: list[str] | None = None
        self._cursor = 0
        self._skip_link = False
        self._sink: list[Row] | None = None  # inside a collapsed cluster: its rows, no boxes
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
        if self.view.unroll:
            self._items(iterations)  # every iteration its own boxes, named conv3_1, conv3_2, ...
            return
        if not self.folds:
            self.home = self.cluster
        self.folds += 1
        summary = f"{describe_item(iterations[0])} ×{len(iterations)}"
        self._in_cluster(f"×{len(iterations)}", "rounded", lambda: self._folded(iterations), summary)
        self.folds -= 1

    def visit_Block(self, block: Block) -> None:
        self._in_cluster(block_title(block), "rounded,filled", lambda: self.visit(block.body))

    def visit_Branched(self, branch: Branched) -> None:
        """Paths side by side from one fork (an identity path as a dashed
        arrow), then the join's box: concat, or add after a residual body."""
        join = self._row(branch.layer)  # the walk lists a join before its paths
        if self._sink is not None:
            for path in branch.paths:
                self._path(functools.partial(self.visit, path))
            self._join(join, [])
            return
        fork = self._take(lambda: self._new_node("fork", self.cluster).key)
        self._link(fork, self.shape)
        ends: list[tuple[str, Shape, bool, bool]] = []
        firsts: list[str | None] = []
        for path in branch.paths:
            made = len(self.nodes)
            ends.append(self._path(functools.partial(self.visit, path), identity=not path.items))
            firsts.append(self._mark_path(made, fork, len(firsts)))
        self._join(join, ends)
        if self._replay is None:
            self.fans.append(Fan(fork, [f for f in firsts if f], self.tail))

    def visit_Aside(self, aside: Aside) -> None:
        """A side output: its path ends in an output box; the main path goes on from where it left."""
        tail, shape, skip = self.tail, self.shape, self._skip_link
        self.visit(aside.body)
        if self._sink is None:
            out = self._take(lambda: self._new_node("side", self.cluster).key)
            self.nodes[out].out = self.shape
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

    def _mark_path(self, made: int, fork: str, index: int) -> str | None:
        """The first box a path made (None for an identity path, or on a replay,
        which makes none); its boxes not yet in an inner path join its group."""
        keys = list(self.nodes)[made:]
        for key in keys:
            if self.nodes[key].group is None:
                self.nodes[key].group = f"{fork}p{index}"
        return keys[0] if keys else None

    def _join(self, row: Row, ends: list[tuple[str, Shape, bool, bool]]) -> None:
        if self._sink is not None:
            self._sink.append(row)
            self.shape = row.layer.out_shape
            return
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
        if self._replay is not None or self._sink is not None:  # an outer replay's script covers these too
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
            self._skip_link = self._sink is None
            self.visit(iteration)

    def _in_cluster(self, label: str, style: str, draw: Callable[[], None], summary: str | None = None) -> None:
        if self._sink is not None:
            draw()
        elif self.view.depth is not None and self.level >= self.view.depth:
            self._collapse(summary or label, draw)
        else:
            key = self._take(lambda: self._new_cluster(label, style))
            outer, self.cluster = self.cluster, key
            self.level += 1
            draw()
            self.level -= 1
            self.cluster = outer

    def _collapse(self, title: str, draw: Callable[[], None]) -> None:
        """A cluster as one box: the walk goes through it collecting rows, then one box stands for them."""
        start, shape, skip = self.tail, self.shape, self._skip_link
        self._sink = []
        draw()
        rows, out, self._sink = self._sink, self.shape, None
        key = self._take(lambda: self._new_node("summary", self.cluster).key)
        node = self.nodes[key]
        node.title, node.out = title, out
        node.rows.extend(rows)
        node.groups.append(rows)
        self.tail, self.shape, self._skip_link = start, shape, skip
        self._link(key, shape)

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
        if self._sink is not None:
            self._sink.append(row)
            self.shape = row.layer.out_shape
            return
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
        node = self.nodes[head]
        self.shape = node.out if node.out is not None else node.rows[-1].layer.out_shape if node.rows else shape


def block_title(block: Block) -> str:
    """`i3a: inception(64, 96, 128, 16, 32, 32)`: the call as written, with its label."""
    call = block.call
    args = ", ".join(describe(value) for value in block.args.values())
    return f"{call.label}: {call.name}({args})" if call.label else f"{call.name}({args})"


def describe_item(item: Any) -> str:
    """A short name for what a collapsed repeat repeats (see `Describer`)."""
    return str(Describer().visit(item) or "")


class Describer(Visitor):
    """A block's call, a group's label, a layer's notation, a sequence of
    those in brackets (cut at 40 characters)."""

    ROOM = 40

    def visit_Block(self, block: Block) -> str:
        return block_title(block)

    def visit_Layer(self, layer: Layer) -> str:
        return layer.op

    def visit_Repeated(self, repeated: Repeated) -> str:
        return f"{self.visit(repeated.iterations[0])} ×{len(repeated.iterations)}" if repeated.iterations else ""

    def visit_Branched(self, branch: Branched) -> str:
        return f"{branch.layer.op} of {len(branch.paths)} paths"

    def visit_Group(self, group: Group) -> str:
        if isinstance(group.node, ir.Seq) and group.node.label:
            return str(group.node.label)
        parts = [text for text in (self.visit(child) for child in group.items) if text]
        text = ", ".join(parts)
        text = text if len(text) <= self.ROOM else text[: self.ROOM - 1] + "…"
        return f"[{text}]" if len(parts) > 1 else text

    def generic_visit(self, node: Any, *args: Any) -> str:
        return ""
