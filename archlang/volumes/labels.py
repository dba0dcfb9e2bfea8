"""The sizes written on a volume's edges, where papers write them: the height left of the front
face, the width under the right receding edge, the channels under the front.

In a run of touching slabs a size the neighbours share is written once, so the choice of spots
looks at the whole row of tensors (`label_spots`); `edge_labels` then writes one volume's texts.
"""

from __future__ import annotations

from .geometry import Box
from .selection import Tensor
from .shapes import Text, text_at
from .style import EDGE_SIZE, KY


def label_spots(drawn: list[Tensor]) -> list[set[str]]:
    """Where each volume's sizes are written, as papers do: the height left of the front face, the
    width under the right receding edge, the channels under the front. In a run of slabs at one
    size they are written once: the height on the first slab, the width on the last, or on the
    first slab's top edge when a pool is attached behind the last. An attached pool, whose left is
    the previous slab, has its width (and its height if it differs) on its right."""
    return [set() if tensor.is_bar else _spots(drawn, index) for index, tensor in enumerate(drawn)]


def _spots(drawn: list[Tensor], index: int) -> set[str]:
    """The label spots of the volume at `index` (see `label_spots`)."""
    tensor = drawn[index]
    before = drawn[index - 1] if index else tensor
    spots = {"depth"}
    if tensor.attached and tensor.role == "pool" and before.shape[0] == tensor.shape[0]:
        spots = set()  # a pool keeps its input's channels: no need to say so again
    continues = tensor.attached and before.spatial == tensor.spatial
    after = drawn[index + 1] if index + 1 < len(drawn) else None
    if tensor.attached and not continues:
        spots.add("width-bottom")
        if tensor.spatial[0] != tensor.spatial[1]:
            spots.add("height-right")
    elif not continues:  # the first of its size: scan to the last once
        end = _same_size_end(drawn, index)
        covered = end + 1 < len(drawn) and drawn[end + 1].attached  # a pool touches the run's right
        spots.add("height-left")
        if covered or end == index:
            spots.add("width-top" if covered else "width-bottom")
    elif after is None or not after.attached:  # the last of its size, nothing behind it
        spots.add("width-bottom")
    if len(tensor.shape) < 3:  # a 1-D signal has no width to write
        spots -= {"width-bottom", "width-top"}
    return spots


def _same_size_end(drawn: list[Tensor], index: int) -> int:
    """The index of the last slab attached after `index` at its spatial size (`index` if none)."""
    end = index
    while end + 1 < len(drawn) and drawn[end + 1].attached and drawn[end + 1].spatial == drawn[index].spatial:
        end += 1
    return end


def edge_labels(tensor: Tensor, box: Box, spots: set[str]) -> list[Text]:
    """The size labels of one volume, at the spots `label_spots` chose."""
    if tensor.is_bar:
        return []
    height, width = tensor.spatial
    h, w = box.height / 2, box.width / 2
    labels = []
    if "depth" in spots:
        labels.append(text_at(box.front_centre, h + w * KY + EDGE_SIZE + 2, str(tensor.shape[0]), "middle"))
    if "height-left" in spots:
        x, y = box.point(box.x0, 0, -w)
        labels.append(text_at(x - 3, y + EDGE_SIZE * 0.35, str(height), "end"))
    if "height-right" in spots:
        x, y = box.point(box.x1, 0, w)
        labels.append(text_at(x + 3, y + EDGE_SIZE * 0.35, str(height), "start"))
    if "width-bottom" in spots:
        x, y = box.point(box.x1, -h, 0)
        labels.append(text_at(x + 3, y + EDGE_SIZE + 1, str(width), "start"))
    if "width-top" in spots:
        x, y = box.point(box.x0, h, 0)
        labels.append(text_at(x - 3, y - 2, str(width), "end"))
    return labels
