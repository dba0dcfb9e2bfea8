"""Sizes and coordinates: how large a tensor is drawn (`Scale`), where a box's corners fall on
the canvas in the oblique projection (`Box`), and how wide a text is estimated to be.

World coordinates have x along the network, y up and z away from the viewer; the canvas has
y down. Every projected point is rounded to 0.01 px, so the output never depends on float noise.
"""

from __future__ import annotations

import math

from ..records import record
from .selection import Tensor
from .style import BAR_PER_OCTAVE, DEPTH_POWER, DEPTH_SCALE, KX, KY, SPATIAL_MAX, SPATIAL_MIN


@record(frozen=True)
class Scale:
    """Drawn sizes: spatial sizes on a power law between the figure's smallest and largest
    (linear when that fits; `SPATIAL_MIN` keeps 7x7 readable next to 224x224), channels on a
    gentler power law (so 512 is deeper than 256 but not twice as deep) and vector sizes on a log
    scale."""

    largest: int
    exponent: float

    @classmethod
    def of(cls, drawn: list[Tensor]) -> Scale:
        """The scale for a figure's volumes."""
        sizes = [size for t in drawn if not t.is_bar for size in t.spatial if size > 1] or [1]
        largest, smallest = max(sizes), min(sizes)
        if largest == smallest:
            return cls(largest, 1.0)
        return cls(largest, min(1.0, math.log(SPATIAL_MAX / SPATIAL_MIN) / math.log(largest / smallest)))

    def spatial(self, size: int) -> float:
        """The drawn length of a spatial size (a 1-D signal's width of 1 is a thin slab)."""
        return SPATIAL_MAX * (size / self.largest) ** self.exponent if size > 1 else 6.0

    @staticmethod
    def depth(channels: int) -> float:
        """The drawn depth of a channel count."""
        return max(4.0, DEPTH_SCALE * max(channels, 1) ** DEPTH_POWER)

    @staticmethod
    def bar(size: int) -> float:
        """The drawn height of a vector of `size` values."""
        return min(1.3 * SPATIAL_MAX, max(14.0, BAR_PER_OCTAVE * math.log2(size + 1)))


@record
class Box:
    """A box in world coordinates: x along the network, y up, z away from the viewer;
    centred on y = 0 and z = 0."""

    x0: float
    depth: float
    height: float
    width: float

    @property
    def x1(self) -> float:
        """The x of the right face."""
        return self.x0 + self.depth

    def point(self, x: float, y: float, z: float) -> tuple[float, float]:
        """The oblique projection onto the canvas (y down)."""
        return (round(x + z * KX, 2), round(-(y + z * KY), 2))

    def faces(self) -> tuple[tuple[tuple[float, float], ...], ...]:
        """The three visible faces: front, top and right."""
        x0, x1, h, w = self.x0, self.x1, self.height / 2, self.width / 2
        p = self.point
        front = (p(x0, -h, -w), p(x1, -h, -w), p(x1, h, -w), p(x0, h, -w))
        top = (p(x0, h, -w), p(x1, h, -w), p(x1, h, w), p(x0, h, w))
        right = (p(x1, -h, -w), p(x1, -h, w), p(x1, h, w), p(x1, h, -w))
        return front, top, right

    @property
    def left(self) -> float:
        """The canvas x of the front-left edge, the box's leftmost point."""
        return self.x0 - self.width / 2 * KX

    @property
    def right(self) -> float:
        """The canvas x of the back-right edge, the box's rightmost point."""
        return self.x1 + self.width / 2 * KX

    @property
    def top(self) -> float:
        """The canvas y of the box's highest point."""
        return -(self.height / 2 + self.width / 2 * KY)

    @property
    def bottom(self) -> float:
        """The canvas y of the box's lowest point."""
        return self.height / 2 + self.width / 2 * KY

    @property
    def front_centre(self) -> float:
        """The canvas x of the middle of the front face."""
        return self.x0 + self.depth / 2 - self.width / 2 * KX


def text_width(text: str, size: float) -> float:
    """An estimate of a text's width in a sans-serif font: enough to keep labels apart."""
    # the writers cannot measure text (the reader's fonts decide), so spacing uses this estimate
    return 0.58 * size * len(text)
