"""The Graphviz writer: the drawer's data as a `graphviz.Digraph`, laid out in columns.

Three things shape the picture besides the boxes themselves:

- every branch is a row of columns: the first box of each path on one rank
  (a `rank=same` subgraph), left to right in the order written (invisible
  flat edges), each path's boxes in one Graphviz `group` so it runs straight
  down, and the join below them all. The paths leave from one fork point
  inside the branch's cluster, so a single arrow enters a module; an arrow
  into a cluster ends at its border (`lhead`), so none crosses a title;
- the top-level chain can be wrapped into columns (`layout.wrap`): the first
  box of each column on the input's rank, the arrow from one column's end to
  the next column's start drawn without ranking them;
- the view's fonts, page size (`size`, scaled down to fit), resolution and,
  for a slide, the aspect ratio the layout is stretched to.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from ..checker.checked import CheckedNetwork
from .drawer import Drawer, Edge, Node
from .labels import (
    COLOURS,
    FONT,
    distinct,
    end_label,
    graph_name,
    layer_label,
    legend_label,
    shape_label,
    summary_label,
    title,
)
from .layout import Column
from .view import View


def build(graphviz: Any, network: CheckedNetwork, drawer: Drawer, view: View,
          columns: list[Column] | None = None, ratio: float | None = None) -> Any:
    """The Digraph of a drawn network: clusters, boxes, fans as columns, the chain in `columns`."""
    fonts = view.fonts
    graph = graphviz.Digraph(graph_name(network))
    graph.attr(rankdir=view.rankdir, label=title(network), labelloc="t", fontname=FONT, fontsize=f"{fonts.title:g}",
               nodesep="0.3", ranksep="0.25", newrank="true", compound="true")
    if view.size is not None:
        graph.attr(size=f"{view.size[0]:g},{view.size[1]:g}")
    if view.dpi is not None:
        graph.attr(dpi=f"{view.dpi:g}")
    if ratio is not None:
        graph.attr(ratio=f"{ratio:.4f}")
    graph.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize=f"{fonts.node:g}",
               margin="0.15,0.05")
    graph.attr("edge", fontname=FONT, fontsize=f"{fonts.edge:g}", fontcolor="#333333", arrowsize="0.6",
               color="#555555")
    if columns and len(columns) > 1:
        numbered = list(enumerate(columns))
        for i, column in numbered if view.rankdir == "TB" else reversed(numbered):  # LR: dot stacks them upwards
            with graph.subgraph(name=f"cluster_column{i + 1}") as sub:  # keeps the columns in order
                sub.attr(style="invis", label="", margin="0")
                _emit_cluster(sub, drawer, None, network, view, set(column.keys))
    else:
        _emit_cluster(graph, drawer, None, network, view)
    boundaries = _boundaries(columns or [])
    for edge in drawer.edges.values():
        if (edge.tail, edge.head) in boundaries:
            _emit_turn(graph, drawer, edge, boundaries[(edge.tail, edge.head)], view)
        else:
            graph.edge(edge.tail, edge.head, **_edge_style(drawer, edge), **_clip(drawer, edge.tail, edge.head))
    _emit_top_rank(graph, drawer, columns or [], view)
    return graph


def _edge_style(drawer: Drawer, edge: Edge) -> dict[str, str]:
    if edge.identity:
        return {"style": "dashed", "label": " identity"}
    if drawer.nodes[edge.tail].role == "fork":
        return {"dir": "none"}  # the shape is on the one arrow into the fork (arrowhead=none: Graphviz 2.43 misreads it)
    return {"label": " " + shape_label(edge.shapes)}


def _clip(drawer: Drawer, tail: str, head: str) -> dict[str, str]:
    """An arrow into a cluster from outside ends at the cluster's border
    (`lhead`, the outermost cluster it enters), so that it never runs
    through the title at the cluster's top."""
    around_tail = set(_chain(drawer, drawer.nodes[tail].cluster))
    entered = [c for c in _chain(drawer, drawer.nodes[head].cluster) if c not in around_tail]
    return {"lhead": entered[-1]} if entered else {}


def _chain(drawer: Drawer, cluster: str | None) -> list[str]:
    """A cluster and the clusters around it, innermost first."""
    found = []
    while cluster is not None:
        found.append(cluster)
        cluster = drawer.clusters[cluster].parent
    return found


def _emit_turn(graph: Any, drawer: Drawer, edge: Edge, turn: str, view: View) -> None:
    """The arrow from one column's foot to the next column's head, in two
    pieces: up the gap between the columns to a point on the top rank
    (not ranking the foot), then across into the head, or to the border of
    the cluster the head is in."""
    tail_port, head_port = ("e", "w") if view.rankdir == "TB" else ("s", "n")
    graph.node(turn, "", shape="point", width="0.01", color="#555555")
    graph.edge(edge.tail, turn, dir="none", constraint="false", tailport=tail_port,
               label=" " + shape_label(edge.shapes))
    across = _clip(drawer, edge.tail, edge.head) or {"headport": head_port}
    if view.rankdir == "LR":
        across["constraint"] = "false"  # rows are ordered by invisible edges, bottom to top (see _emit_top_rank)
    graph.edge(turn, edge.head, **across)


def _boundaries(columns: list[Column]) -> dict[tuple[str, str], str]:
    """Each arrow from a column's foot to the next column's head, and the name of its turning point."""
    return {column.into: f"turn{i}" for i, column in enumerate(columns[1:]) if column.into}


def _emit_top_rank(graph: Any, drawer: Drawer, columns: list[Column], view: View) -> None:
    """The legend beside the input; with columns, each column's turning point
    and head on the input's rank, left to right."""
    families = distinct([n.rows[0].layer.kind.family for n in drawer.nodes.values()
                          if n.rows and n.role in ("layer", "implied")])
    families += ["block"] if any(n.role == "summary" for n in drawer.nodes.values()) else []
    row = ["input"]
    for i, column in enumerate(columns[1:]):
        row += [f"turn{i}", column.first]
    with graph.subgraph(name="legend") as legend:
        legend.attr(rank="source" if len(row) == 1 else "same")
        legend.node("legend", legend_label([f for f in COLOURS if f in families]), shape="plain", style="",
                    fontsize=f"{view.fonts.legend:g}")
        for key in row:
            legend.node(key)
    if view.rankdir == "LR":  # dot lays LR out as TB turned, so its left-to-right order reads upwards
        for lower, upper in pairwise(row):
            graph.edge(upper, lower, style="invis")
        return
    for left, right in pairwise(row):
        if not left.startswith("turn"):  # from a turning point the arrow itself orders them
            graph.edge(left, right, style="invis")


def _emit_cluster(graph: Any, drawer: Drawer, key: str | None, network: CheckedNetwork, view: View,
                  only: set[str] | None = None) -> None:
    """The nodes of one cluster (None: the top level), its fans, then its
    sub-clusters; `only`: of the top level, those in one column."""
    def wanted(node_key: str) -> bool:
        return only is None or node_key in only

    for node in drawer.nodes.values():
        if node.cluster == key and wanted(node.key):
            _emit_node(graph, node, network, view)
    for fan in drawer.fans:
        if drawer.nodes[fan.fork].cluster == key and len(fan.firsts) > 1 and wanted(fan.fork):
            _emit_fan(graph, fan.firsts)
    firsts = {} if only is None else _first_nodes(drawer)
    for cluster in drawer.clusters.values():
        if cluster.parent == key and (only is None or firsts.get(cluster.key) in only):
            with graph.subgraph(name=cluster.key) as sub:
                sub.attr(label=cluster.label, style=cluster.style, color="#888888",
                         fillcolor=COLOURS["block"], fontname=FONT, fontsize=f"{view.fonts.cluster:g}",
                         labeljust="l", margin="10")
                _emit_cluster(sub, drawer, cluster.key, network, view)


def _first_nodes(drawer: Drawer) -> dict[str, str]:
    """The first node drawn inside each cluster (at any depth)."""
    firsts: dict[str, str] = {}
    for node in drawer.nodes.values():
        cluster = node.cluster
        while cluster is not None:
            firsts.setdefault(cluster, node.key)
            cluster = drawer.clusters[cluster].parent
    return firsts


def _emit_fan(graph: Any, firsts: list[str]) -> None:
    """The first box of every path on one rank, in the order the paths are written."""
    with graph.subgraph() as rank:
        rank.attr(rank="same")
        for key in firsts:
            rank.node(key)
    for left, right in pairwise(firsts):
        graph.edge(left, right, style="invis")


def _emit_node(graph: Any, node: Node, network: CheckedNetwork, view: View) -> None:
    extra = {"group": node.group} if node.group else {}
    if node.role in ("input", "output", "side"):
        graph.node(node.key, end_label(node, network, view), style="rounded,bold", fillcolor="white", **extra)
    elif node.role == "fork":
        graph.node(node.key, "", shape="point", width="0.08", color="#555555", **extra)
    elif node.role == "summary":
        graph.node(node.key, summary_label(node, view), fillcolor=COLOURS["block"], style="rounded,filled,bold",
                   **extra)
    else:
        family = node.rows[0].layer.kind.family
        style = "rounded,filled,dashed" if node.role == "implied" else "rounded,filled"
        graph.node(node.key, layer_label(node, view), fillcolor=COLOURS.get(family, COLOURS["other"]), style=style,
                   **extra)
