"""The figure of a checked network, assembled: the chosen tensors placed, each drawn as a box
or a bar with the links from its neighbour, frames around the blocks that span several
elements, the captions, and the whole moved onto the canvas.

The order of the groups is the painting order: each link, then the element it leads into, so
that boxes cover the links' ends; frames after all elements; the title first (see `canvas`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checker.checked import CheckedNetwork
from ..units import fmt_shape
from .canvas import fit
from .captions import captions
from .geometry import Scale
from .layout import Placed, place
from .links import links
from .selection import runs_of, tensors
from .shapes import Figure, Group, Line, Poly, text_at
from .style import COLOURS, EDGE_SIZE, NAME_SIZE, shade


def figure(network: CheckedNetwork, compact: bool | None = None) -> Figure:
    """The volume figure of a checked network, as data for `svg` and `tikz`."""
    drawn = tensors(network, compact)
    placed = place(drawn, Scale.of(drawn))
    groups: list[Group] = []
    for index, item in enumerate(placed):
        if index:
            previous = placed[index - 1]
            groups.extend(links(previous.tensor, previous.box, item.tensor, item.box))
        groups.append(_element(item))
    groups.extend(_frames(placed))
    return fit(network, captions(placed, groups))


def _element(item: Placed) -> Group:
    """A volume or a bar: its three faces and its edge labels."""
    tensor, box = item.tensor, item.box
    base = COLOURS.get(tensor.role, COLOURS["other"])
    front, top, right = box.faces()
    faces = (
        Poly(front, base),
        Poly(top, shade(base, "white", 0.45)),
        Poly(right, shade(base, "black", 0.18)),
    )
    labels = list(item.labels)
    if tensor.count > 1 and not tensor.is_bar:  # a stage of n blocks, n identical convs: ×n on the face
        x, y = box.point(box.x0 + box.depth / 2, 0.0, -box.width / 2)
        labels.append(
            text_at(
                x, y + NAME_SIZE * 0.35, f"×{tensor.count}", "middle", size=NAME_SIZE, bold=True, role="count"
            )
        )
    kind = "bar" if tensor.is_bar else "volume"
    return Group(kind, tensor.name, faces + tuple(labels), fmt_shape(tensor.shape))


def _frames(placed: list[Placed]) -> Iterator[Group]:
    """A dashed frame, with the block's name, around each run of two or more elements from one
    block call (a stage whose blocks change shape, a block that is a chain of convs)."""
    for run in runs_of(placed, lambda item: item.tensor.group):
        if len(run) > 1 and run[0].tensor.group:
            yield _frame(run)


def _frame(run: list[Placed]) -> Group:
    """The frame around one run, clear of its boxes and edge labels, its name in its top left."""
    left = min(item.box.left for item in run) - 14
    right = max(item.extent for item in run) + 6
    top = min(item.box.top for item in run) - 26  # room for the name above the highest box
    bottom = max(item.box.bottom for item in run) + EDGE_SIZE + 8  # below the channel labels
    name = run[0].tensor.group or ""
    corners = ((left, top), (right, top), (right, bottom), (left, bottom), (left, top))
    rounded = tuple((round(x, 2), round(y, 2)) for x, y in corners)
    return Group(
        "frame",
        name,
        (
            Line(rounded, stroke="#999999", dashed=True),
            text_at(
                left + 4,
                top + NAME_SIZE + 2,
                name,
                "start",
                size=NAME_SIZE,
                bold=True,
                colour="#666666",
                role="frame",
            ),
        ),
    )
