"""The figure as plain data: polygons, lines and texts in canvas coordinates (x right, y down),
grouped by what they draw, and the one way both writers print a coordinate.

This is the boundary between the layout and the writers: the layout modules build a `Figure`,
`svg` and `tikz` only read one, and nothing here knows about networks.
"""

from __future__ import annotations

from typing import Any

from ..records import record
from .style import EDGE_SIZE, LINK, STROKE


@record(frozen=True)
class Poly:
    """A filled polygon (a face of a box, a kernel patch)."""

    points: tuple[tuple[float, float], ...]
    fill: str
    stroke: str = STROKE
    width: float = 0.6
    opacity: float = 1.0


@record(frozen=True)
class Line:
    """An open line: straight segments, or one cubic Bézier when `curve` (4 points)."""

    points: tuple[tuple[float, float], ...]
    stroke: str = LINK
    width: float = 0.6
    dashed: bool = False
    arrow: bool = False
    curve: bool = False


@record(frozen=True)
class Text:
    """One line of text; (x, y) is its baseline point, `anchor` start, middle or end."""

    x: float
    y: float
    text: str
    size: float = EDGE_SIZE
    anchor: str = "middle"
    bold: bool = False
    colour: str = "#222222"
    role: str = "edge"  # edge (a size on an edge), name, detail, kernel, slab, frame, title
    angle: float = 0.0  # degrees, counter-clockwise on the page


Shape2D = Poly | Line | Text


@record(frozen=True)
class Group:
    """A labelled part of the figure: a volume, a bar, a link between two, a frame, the title."""

    kind: str  # volume, bar, pyramid, dense, arrow, shortcut, frame, title
    name: str
    items: tuple[Shape2D, ...]
    shape: str = ""  # the tensor shape in paper notation, for volumes and bars

    def texts(self) -> list[str]:
        """The group's text lines, in drawing order."""
        return [item.text for item in self.items if isinstance(item, Text)]


@record(frozen=True)
class Figure:
    """The whole picture: its canvas size and its groups, in painting order."""

    title: str
    width: float
    height: float
    groups: tuple[Group, ...]


def text_at(x: float, y: float, text: str, anchor: str, **kwargs: Any) -> Text:
    """A text with rounded coordinates (the output must not depend on float noise)."""
    return Text(round(x, 2), round(y, 2), text, anchor=anchor, **kwargs)


def num(value: float) -> str:
    """A coordinate without float noise: 12.0 -> 12, 3.14159 -> 3.14."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
