"""The last step of the layout: the title over the figure, and everything moved onto a canvas
with a margin, sized to what it covers.

Until here coordinates are wherever the projection put them (the first box's corner near 0, y
negative above its centre line); the canvas starts at (0, 0) so the writers need no transform.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..checker.checked import CheckedNetwork
from ..records import replace
from ..units import fmt_shape
from .geometry import text_width
from .shapes import Figure, Group, Shape2D, Text
from .style import DETAIL_SIZE, MARGIN, TITLE_SIZE


def fit(network: CheckedNetwork, groups: list[Group]) -> Figure:
    """Move everything onto a canvas with a margin, under the title."""
    xs, ys = [], []
    for item in (i for g in groups for i in g.items):
        for x, y in _extent(item):
            xs.append(x)
            ys.append(y)
    left, top = min(xs), min(ys)
    dx, dy = MARGIN - left, MARGIN + TITLE_SIZE + DETAIL_SIZE + 18 - top  # room for the two title lines
    moved = [replace(g, items=tuple(_move(i, dx, dy) for i in g.items)) for g in groups]
    title = _title(network)
    width = max(max(xs) + dx, *(MARGIN + text_width(t.text, t.size) for t in title)) + MARGIN
    height = max(ys) + dy + MARGIN
    return Figure(
        network.name, round(width, 1), round(height, 1), (Group("title", network.name, tuple(title)), *moved)
    )


def _title(network: CheckedNetwork) -> list[Text]:
    """The network's name in bold at the top left, and the subtitle under it."""
    return [
        Text(MARGIN, MARGIN + TITLE_SIZE, network.name, TITLE_SIZE, "start", True, role="title"),
        Text(
            MARGIN,
            MARGIN + TITLE_SIZE + DETAIL_SIZE + 5,
            _subtitle(network),
            DETAIL_SIZE,
            "start",
            colour="#555555",
            role="title",
        ),
    ]


def _subtitle(network: CheckedNetwork) -> str:
    """The line under the title: what goes in, what comes out, how many parameters."""
    shapes = f"input {fmt_shape(network.input)} → output {fmt_shape(network.output)}"
    return f"{shapes}, {network.params:,} parameters"


def _extent(item: Shape2D) -> Iterable[tuple[float, float]]:
    """The corners of what an item covers on the canvas (texts by their estimated width)."""
    if isinstance(item, Text) and item.angle:
        width = text_width(item.text, item.size)
        turn = math.radians(item.angle)
        return (
            (item.x, item.y),
            (item.x + width * math.cos(turn), item.y - width * math.sin(turn) - item.size),
        )
    if isinstance(item, Text):
        width = text_width(item.text, item.size)
        start = {"start": item.x, "middle": item.x - width / 2, "end": item.x - width}[item.anchor]
        return ((start, item.y - item.size), (start + width, item.y + item.size * 0.25))
    return item.points


def _move(item: Shape2D, dx: float, dy: float) -> Shape2D:
    """An item shifted on the canvas."""
    if isinstance(item, Text):
        return replace(item, x=round(item.x + dx, 2), y=round(item.y + dy, 2))
    return replace(item, points=tuple((round(x + dx, 2), round(y + dy, 2)) for x, y in item.points))
