"""Layout: where the main chain of a diagram may be cut into columns, and where it is.

A long network drawn top to bottom is a thin strip; wrapped into columns (rows
left to right) it fits a page or a slide. The chain is cut only between two
top-level items (a box, or a whole top-level cluster) joined by a single arrow,
so that no branch and no cluster is ever split. `wrap(drawer, k)` gives the
columns that make the tallest one as short as it can be.
"""

from __future__ import annotations

from itertools import pairwise

from ..records import record
from .drawer import Drawer


@record
class Column:
    """A piece of the chain: its nodes in order, and the one arrow that enters
    it from the column before (None for the first); `first` starts it."""

    keys: list[str]
    into: tuple[str, str] | None = None

    @property
    def first(self) -> str:
        return self.into[1] if self.into else self.keys[0]


def items(drawer: Drawer) -> list[list[str]]:
    """The top-level items of the chain in order: each top-level node alone,
    each top-level cluster with every node inside it."""
    tops = {key: _top(drawer, node.cluster) or key for key, node in drawer.nodes.items()}
    chain: list[list[str]] = []
    last = None
    for key in drawer.nodes:
        if tops[key] != last or drawer.nodes[key].cluster is None:
            chain.append([])
        chain[-1].append(key)
        last = tops[key]
    return chain


def _top(drawer: Drawer, cluster: str | None) -> str | None:
    while cluster is not None and drawer.clusters[cluster].parent is not None:
        cluster = drawer.clusters[cluster].parent
    return cluster


def heights(drawer: Drawer, chain: list[list[str]]) -> list[float]:
    """The ranks each item takes: its longest run of arrows, plus room for a cluster's title."""
    result = []
    for keys in chain:
        ranks = max(_settle(drawer, keys).values())
        result.append(ranks + (0.5 if drawer.nodes[keys[0]].cluster is not None else 0))
    return result


def _settle(drawer: Drawer, keys: list[str]) -> dict[str, int]:
    """The longest run of arrows into each node, in node order (edges run from earlier nodes to later ones)."""
    depth: dict[str, int] = {}
    order = {key: i for i, key in enumerate(keys)}
    inward: dict[str, list[str]] = {key: [] for key in keys}
    for edge in drawer.edges.values():
        if edge.tail in order and edge.head in order and order[edge.tail] < order[edge.head]:
            inward[edge.head].append(edge.tail)
    for key in keys:
        depth[key] = max([depth[tail] + 1 for tail in inward[key]], default=1)
    return depth


def cuts(drawer: Drawer, chain: list[list[str]]) -> list[int]:
    """The places i (between item i-1 and item i) where one arrow alone crosses."""
    index = {key: i for i, keys in enumerate(chain) for key in keys}
    crossing = [0] * (len(chain) + 1)
    for edge in drawer.edges.values():
        tail, head = index[edge.tail], index[edge.head]
        for place in range(min(tail, head) + 1, max(tail, head) + 1):
            crossing[place] += 1
    return [i for i in range(1, len(chain)) if crossing[i] == 1]


def wrap(drawer: Drawer, count: int) -> list[Column]:
    """The chain in at most `count` columns, the tallest as short as the cut places allow."""
    chain = items(drawer)
    places = cuts(drawer, chain)
    if count <= 1 or not places:
        return [Column([key for keys in chain for key in keys])]
    tall = heights(drawer, chain)
    bounds = _partition(tall, [0, *places, len(chain)], count)
    columns = [Column([key for keys in chain[a:b] for key in keys]) for a, b in pairwise(bounds)]
    for before, after in pairwise(columns):
        inside, ahead = set(before.keys), set(after.keys)
        after.into = next((e.tail, e.head) for e in drawer.edges.values() if e.tail in inside and e.head in ahead)
    return columns


def _partition(tall: list[float], places: list[int], count: int) -> list[int]:
    """Cut positions (a subset of `places`, with its ends) into at most `count`
    pieces minimising the tallest piece: a small dynamic programme."""
    prefix = [0.0]
    for value in tall:
        prefix.append(prefix[-1] + value)
    n = len(places)
    best: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [places[0]])}
    for pieces in range(1, count + 1):
        for j in range(1, n):
            options = [(max(best[(i, pieces - 1)][0], prefix[places[j]] - prefix[places[i]]), best[(i, pieces - 1)][1])
                       for i in range(j) if (i, pieces - 1) in best]
            if options:
                height, path = min(options, key=lambda option: option[0])
                best[(j, pieces)] = (height, [*path, places[j]])
    finished = [best[(n - 1, p)] for p in range(1, count + 1) if (n - 1, p) in best]
    return min(finished, key=lambda option: option[0])[1]
