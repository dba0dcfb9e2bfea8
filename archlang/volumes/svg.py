"""The SVG writer: a `Figure` as a standalone SVG document.

Each group is a <g> whose class is its kind, with the element's name and shape as data
attributes and a <title> tooltip, so the figure can be read back (the tests parse it) and
styled. Every text from the spec goes through `xml_escape`.
"""

from __future__ import annotations

import re

from .shapes import Figure, Group, Line, Poly, Shape2D, Text, num
from .style import FONT

ARROW_MARKER = (
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
    'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>'
)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_escape(text: str) -> str:
    """Text safe inside an XML element or a double-quoted attribute; characters XML 1.0
    cannot hold at all (control characters) are dropped."""
    text = _XML_INVALID.sub("", text)
    return (
        text.replace("&", "&amp;")  # first, so the entities below are not escaped again
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def svg(fig: Figure) -> str:
    """The figure as a standalone SVG document."""
    width, height = num(fig.width), num(fig.height)
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT}">'
        ),
        f"<title>{xml_escape(fig.title)}</title>",
        ARROW_MARKER,
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    body = [_group(group, index) for index, group in enumerate(fig.groups)]
    return "\n".join([*head, *body, "</svg>", ""])


def _group(group: Group, index: int) -> str:
    """One <g>, with the element's name and shape as data attributes and a <title> tooltip."""
    attrs = f' class="{group.kind}" data-name="{xml_escape(group.name)}"'
    if group.shape:
        attrs += f' data-shape="{xml_escape(group.shape)}"'
    tip = f"{group.name} {group.shape}".strip()
    lines = [f'<g id="g{index}"{attrs}>', f"<title>{xml_escape(tip)}</title>"]
    lines += [_item(item) for item in group.items]
    return "\n".join([*lines, "</g>"])


def _item(item: Shape2D) -> str:
    """One polygon, line or text."""
    if isinstance(item, Text):
        return _text(item)
    if isinstance(item, Poly):
        return _polygon(item)
    return _line(item)


def _points(points: tuple[tuple[float, float], ...]) -> str:
    """A points attribute's value: `x,y x,y ...`."""
    return " ".join(f"{num(x)},{num(y)}" for x, y in points)


def _polygon(item: Poly) -> str:
    """A <polygon>; its opacity is written only when it is not the default 1."""
    opacity = f' fill-opacity="{num(item.opacity)}"' if item.opacity < 1 else ""
    return (
        f'<polygon points="{_points(item.points)}" fill="{item.fill}"{opacity} stroke="{item.stroke}" '
        f'stroke-width="{num(item.width)}" stroke-linejoin="round"/>'
    )


def _text(item: Text) -> str:
    """A <text>, its role as its class; sizes on edges get a white halo, to read across lines."""
    anchor = f' text-anchor="{item.anchor}"' if item.anchor != "start" else ""
    weight = ' font-weight="bold"' if item.bold else ""
    halo = (
        ' stroke="white" stroke-width="2.5" paint-order="stroke"' if item.role in ("edge", "kernel") else ""
    )
    x, y = num(item.x), num(item.y)
    # SVG turns clockwise (its y points down); the figure's angles are counter-clockwise
    turn = f' transform="rotate({num(-item.angle)} {x} {y})"' if item.angle else ""
    return (
        f'<text class="{item.role}" x="{x}" y="{y}" font-size="{num(item.size)}"{anchor}{weight}{turn} '
        f'fill="{item.colour}"{halo}>{xml_escape(item.text)}</text>'
    )


def _line(item: Line) -> str:
    """A <polyline>, or a <path> for a Bézier curve."""
    style = f'fill="none" stroke="{item.stroke}" stroke-width="{num(item.width)}"'
    style += ' stroke-dasharray="4 3"' * item.dashed + ' marker-end="url(#arrow)"' * item.arrow
    if item.curve:
        (x0, y0), *rest = item.points
        d = f"M{num(x0)},{num(y0)} C" + " ".join(f"{num(x)},{num(y)}" for x, y in rest)
        return f'<path d="{d}" {style}/>'
    return f'<polyline points="{_points(item.points)}" {style}/>'
