"""The names under the figure: each run's caption (its name in bold, what made it underneath),
centred under the run, and in a run of slabs each slab's own name along its top.

Captions are added last, to the groups of the elements they name, because their lines are
chosen for the whole row at once: one that would overlap its left neighbour's moves down to the
first line where it clears.
"""

from __future__ import annotations

import math

from ..records import replace
from .layout import Placed, caption_width
from .shapes import Group, Text, text_at
from .style import ANGLE, ANGLE_DEGREES, DETAIL_SIZE, EDGE_SIZE, NAME_SIZE


def captions(placed: list[Placed], groups: list[Group]) -> list[Group]:
    """Each run's name and notation under the figure, centred under it (on a second line when two
    would still overlap), and in a run of slabs each slab's own name, going off its top along the
    receding axis (so that names longer than a slab is deep do not run into each other)."""
    texts = _caption_texts(placed)
    _slab_names(placed, texts)
    out, index = [], 0
    for group in groups:  # the elements' groups come in `placed` order, among links and frames
        if group.kind in ("volume", "bar"):
            group = replace(group, items=group.items + tuple(texts[index]))
            index += 1
        out.append(group)
    return out


def _caption_texts(placed: list[Placed]) -> dict[int, list[Text]]:
    """The caption texts by index in `placed`, each on the first line where it clears the
    caption to its left."""
    baseline = max(item.box.bottom for item in placed) + EDGE_SIZE + 22
    ends: list[float] = []  # per caption line, the right end of its last caption
    texts: dict[int, list[Text]] = {}
    for index, item in enumerate(placed):
        texts[index] = []
        if item.caption:
            width = caption_width(item.caption)
            level = next((n for n, end in enumerate(ends) if item.centre - width / 2 > end + 6), len(ends))
            ends[level : level + 1] = [item.centre + width / 2]
            texts[index] += _caption(item, baseline + level * (NAME_SIZE + DETAIL_SIZE + 8))
    return texts


def _caption(item: Placed, y: float) -> list[Text]:
    """A run's caption at baseline `y`: its name in bold, what made it underneath."""
    assert item.caption is not None
    name, detail = item.caption
    return [
        text_at(item.centre, y, name, "middle", size=NAME_SIZE, bold=True, role="name"),
        text_at(
            item.centre,
            y + DETAIL_SIZE + 3,
            detail,
            "middle",
            size=DETAIL_SIZE,
            colour="#555555",
            role="detail",
        ),
    ]


def _slab_names(placed: list[Placed], texts: dict[int, list[Text]]) -> None:
    """In each run of slabs, each slab's name along its top, going off into the receding direction;
    a slab too thin for its name to clear the previous one (a 1-channel conv) goes without."""
    spacing = DETAIL_SIZE / math.sin(ANGLE)  # parallel names this far apart do not touch
    previous = -math.inf
    for index, item in enumerate(placed):
        if not item.names_above:
            continue
        box = item.box
        x, y = box.point(box.x0 + box.depth / 2, box.height / 2, box.width / 2)
        if item.tensor.attached and x - previous < spacing:
            continue
        previous = x
        name = text_at(
            x + 2, y - 3, item.tensor.name, "start", size=DETAIL_SIZE, role="slab", angle=ANGLE_DEGREES
        )
        texts[index].append(name)
