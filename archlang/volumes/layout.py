"""Placing the tensors left to right: each run of touching slabs gets its boxes and edge labels,
after a gap wide enough for what lies between it and the previous run.

A run is an element and the slabs attached after it (the compact form); it has one caption,
whose text and width are decided here because the gap must leave room for two captions side
by side. The result (`Placed`) is in the coordinates of the boxes' projection; `canvas` moves
everything onto the page at the end.
"""

from __future__ import annotations

from ..records import field, record
from .geometry import Box, Scale, text_width
from .labels import edge_labels, label_spots
from .links import link_kind
from .selection import Tensor, runs_of, span
from .shapes import Text
from .style import BAR_DEPTH, BAR_WIDTH, DETAIL_SIZE, EDGE_SIZE, GAP, KX, NAME_SIZE, PYRAMID_GAP


@record
class Placed:
    """A tensor with its box, the texts on its edges, and (on the first element of a run of
    touching slabs) the run's caption: two lines and the x they are centred on."""

    tensor: Tensor
    box: Box
    labels: list[Text] = field(default_factory=list)
    caption: tuple[str, str] | None = None
    centre: float = 0.0
    names_above: bool = False  # in a run of slabs, each carries its own name along its top

    @property
    def extent(self) -> float:
        """The canvas x right of which nothing of this element is drawn."""
        ends = [self.box.right] + [
            t.x + text_width(t.text, t.size) for t in self.labels if t.anchor == "start"
        ]
        return max(ends)


def place(drawn: list[Tensor], scale: Scale) -> list[Placed]:
    """Each run of touching slabs left to right, after a gap wide enough for the labels and kernel
    lines between it and the previous run, and for the two runs' captions side by side."""
    spots = label_spots(drawn)
    placed: list[Placed] = []
    for run in _runs(drawn):
        boxes, x = [], 0.0
        for index in run:  # the slabs of a run touch: each starts where the previous ends
            boxes.append(_box(drawn[index], scale))
            boxes[-1].x0, x = x, x + boxes[-1].depth
        caption = _run_caption([drawn[i] for i in run])
        width = caption_width(caption)
        centre = (boxes[0].left + boxes[-1].x1 - boxes[-1].width / 2 * KX) / 2
        shift = _shift(placed, drawn[run[0]], boxes[0], centre, width) if placed else 0.0
        first = len(placed)
        for index, box in zip(run, boxes):
            box.x0 += shift
            labels = edge_labels(drawn[index], box, spots[index])
            placed.append(Placed(drawn[index], box, labels, names_above=len(run) > 1))
        placed[first].caption, placed[first].centre = caption, centre + shift
    return placed


def _runs(drawn: list[Tensor]) -> list[list[int]]:
    """The indices of each run of touching slabs: an element and those attached after it."""
    runs: list[list[int]] = []
    for index, tensor in enumerate(drawn):
        if tensor.attached and runs:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _shift(placed: list[Placed], tensor: Tensor, box: Box, centre: float, width: float) -> float:
    """How far right a run must start: past the previous element and its labels by a gap (wider
    for a kernel's lines), and far enough that its caption clears the previous run's."""
    previous = placed[-1]
    gap = PYRAMID_GAP if link_kind(previous.tensor, tensor) == "pyramid" else GAP
    label = text_width(str(tensor.spatial[0]), EDGE_SIZE) + 8 if not tensor.is_bar else 0.0
    shift = previous.extent + max(gap, label) - box.left
    last = next(item for item in reversed(placed) if item.caption)
    assert last.caption is not None
    return max(shift, last.centre + (caption_width(last.caption) + width) / 2 + 12 - centre)


def _run_caption(run: list[Tensor]) -> tuple[str, str]:
    """A run's two caption lines: its name(s) and what made it (`conv3-64 ×2, maxpool2`)."""
    if len(run) == 1:
        tensor = run[0]
        return (tensor.name, tensor.bar_text if tensor.is_bar else tensor.note)
    parts = []
    for same in runs_of(run, lambda t: t.detail):
        total = sum(t.count for t in same)
        parts.append(f"{same[0].detail} ×{total}" if total > 1 else same[0].detail)
    return (span(run[0].first, run[-1].last), ", ".join(parts))


def caption_width(caption: tuple[str, str]) -> float:
    """The width of a two-line caption."""
    return max(text_width(caption[0], NAME_SIZE), text_width(caption[1], DETAIL_SIZE))


def _box(tensor: Tensor, scale: Scale) -> Box:
    """The drawn size of a tensor."""
    if tensor.is_bar:
        return Box(0.0, BAR_DEPTH, scale.bar(tensor.shape[0]), BAR_WIDTH)
    height, width = tensor.spatial
    return Box(0.0, scale.depth(tensor.shape[0]), scale.spatial(height), scale.spatial(width))
