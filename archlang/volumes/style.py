"""The look of a volume figure: every size, distance, angle, font and colour it is drawn with.

Sizes are canvas pixels (the TikZ writer takes 1 px = 0.75 pt). The other modules hold the
rules of the figure and take their numbers from here, so that its look is tuned in one place.
"""

from __future__ import annotations

import math

# ---- sizes ----------------------------------------------------------------------------------------

SPATIAL_MAX = 120.0  # the largest spatial size in a figure is drawn this tall
SPATIAL_MIN = 22.0  # ... and the smallest no shorter than this (sizes between on a power law)
DEPTH_SCALE, DEPTH_POWER = 4.5, 0.4  # depth = 4.5·channels^0.4: 3 -> 7, 64 -> 24, 512 -> 54, 2048 -> 95
BAR_DEPTH, BAR_WIDTH = 9.0, 12.0
BAR_PER_OCTAVE = SPATIAL_MAX / 12  # a 4096-wide layer is as tall as the largest volume

# ---- the oblique projection -------------------------------------------------------------------------

RECEDE = 0.5  # how much of its size the receding (width) axis keeps
ANGLE_DEGREES = 40.0  # of the receding axis, up and to the right
ANGLE = math.radians(ANGLE_DEGREES)
KX, KY = RECEDE * math.cos(ANGLE), RECEDE * math.sin(ANGLE)

# ---- spacing and the compact form -------------------------------------------------------------------

GAP = 26.0  # between unattached elements
PYRAMID_GAP = 40.0  # room for a kernel's lines and its label
COMPACT_ABOVE = 10  # more volumes than this: runs of convs at one size become adjacent slabs
COLLAPSE_ABOVE = 4  # in compact form, longer runs of identical convs become one volume ×n
MARGIN = 12.0

# ---- text -------------------------------------------------------------------------------------------

FONT = "Helvetica, Arial, sans-serif"
EDGE_SIZE, NAME_SIZE, DETAIL_SIZE, TITLE_SIZE = 9.0, 10.0, 9.0, 14.0

# ---- colours ----------------------------------------------------------------------------------------

#: Front-face colours by role; the top is lighter and the side darker.
COLOURS = {
    "input": "#d0d0d0",
    "conv": "#8fb8de",
    "pool": "#e8a3a3",
    "residual": "#b9a7dd",
    "concat": "#f0c27e",
    "fc": "#9fd19f",
    "other": "#cccccc",
}
STROKE = "#333333"
LINK = "#777777"


def shade(hex_colour: str, towards: str, amount: float) -> str:
    """A colour mixed `amount` of the way to white or black (the lit top, the shaded side)."""
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    target = 255 if towards == "white" else 0
    return "#" + "".join(f"{round(c + (target - c) * amount):02x}" for c in rgb)
