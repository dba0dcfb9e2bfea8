"""What is drawn between two neighbouring tensors: a kernel's pyramid into a conv or pool, the
fan of a fully connected layer, an arrow into a block, and a residual block's shortcut arc.

Links see only the two tensors and their boxes. The figure paints each link before the element
it leads into, so that element's box covers the link's ends.
"""

from __future__ import annotations

from collections.abc import Iterator

from .geometry import Box
from .selection import Tensor
from .shapes import Group, Line, Poly, Shape2D, text_at


def link_kind(previous: Tensor, tensor: Tensor) -> str | None:
    """How two neighbours are joined: a kernel pyramid into a conv or pool, the fan of a dense
    layer, an arrow into a block; nothing between touching slabs."""
    if tensor.attached:
        return None
    if tensor.kernel and not previous.is_bar:
        return "pyramid"
    if tensor.role == "fc" and tensor.is_bar:
        return "dense"
    return "arrow"


def links(previous: Tensor, src: Box, tensor: Tensor, dst: Box) -> Iterator[Group]:
    """The groups drawn between two neighbours (and a residual's shortcut over them)."""
    kind = link_kind(previous, tensor)
    name = f"{previous.name}->{tensor.name}"
    if kind == "pyramid":
        yield Group("pyramid", name, _pyramid(previous, src, tensor, dst))
    elif kind == "dense":
        yield Group("dense", name, _dense(src, dst))
    elif kind == "arrow":
        yield Group("arrow", name, _arrow(src, dst))
    if tensor.role == "residual":
        yield Group("shortcut", name, _shortcut(src, dst))


def _pyramid(previous: Tensor, src: Box, tensor: Tensor, dst: Box) -> tuple[Shape2D, ...]:
    """A kernel: its window as a patch on the previous volume's face, lines to a point in the next."""
    patch = _patch(previous, src, tensor)
    if tensor.is_bar:
        apex = dst.point(dst.x0, 0.0, 0.0)
    else:
        apex = dst.point(dst.x0, 0.2 * dst.height, -0.15 * dst.width)
    lines = tuple(Line((corner, apex), stroke="#555555", width=0.5) for corner in patch)
    assert tensor.kernel is not None
    label = f"{tensor.kernel[0]}×{tensor.kernel[1]}" + (f" /{tensor.stride}" if tensor.stride > 1 else "")
    # the label sits over the top line, nearer the apex: nearer the patch it would cover the
    # previous volume's receding top corner
    top = min(patch, key=lambda p: p[1])
    x, y = top[0] + 0.62 * (apex[0] - top[0]), top[1] + 0.62 * (apex[1] - top[1]) - 5
    return (
        Poly(patch, "#555555", width=0.4, opacity=0.6),
        *lines,
        text_at(x, y, label, "middle", role="kernel"),
    )


def _patch(previous: Tensor, src: Box, tensor: Tensor) -> tuple[tuple[float, float], ...]:
    """The corners of a kernel's window on the right face of the volume it reads, sized by the
    kernel's share of that volume (at least 3 px, to stay visible) and set above the middle."""
    assert tensor.kernel is not None
    height, width = previous.spatial
    ph = max(3.0, src.height * min(1.0, tensor.kernel[0] / height))
    pw = max(3.0, src.width * min(1.0, tensor.kernel[1] / width)) if len(previous.shape) > 2 else src.width
    yc = min(0.2 * src.height, src.height / 2 - ph / 2)
    zc = max(-0.15 * src.width, -src.width / 2 + pw / 2) if pw < src.width else 0.0
    corners = ((-1, -1), (-1, 1), (1, 1), (1, -1))
    return tuple(src.point(src.x1, yc + dy * ph / 2, zc + dz * pw / 2) for dy, dz in corners)


def _dense(src: Box, dst: Box) -> tuple[Shape2D, ...]:
    """A fully connected layer: lines from the top and bottom of one element to the next."""
    lines = []
    for y_src, y_dst in ((src.height / 2, dst.height / 2), (-src.height / 2, -dst.height / 2)):
        lines.append(Line((src.point(src.x1, y_src, 0.0), dst.point(dst.x0, y_dst, -dst.width / 2))))
    return tuple(lines)


def _arrow(src: Box, dst: Box) -> tuple[Shape2D, ...]:
    """An arrow from one element's side to the next's front edge, below the middle, where the
    height label is not."""
    y = -0.35 * min(src.height, dst.height)
    start = src.point(src.x1, y, 0.0)
    end = dst.point(dst.x0, y, -dst.width / 2)
    return (Line((start, (round(end[0] - 1, 2), start[1])), stroke="#555555", width=0.8, arrow=True),)


def _shortcut(src: Box, dst: Box) -> tuple[Shape2D, ...]:
    """A residual's shortcut: an arc over the block from its input to its output."""
    start = src.point(src.x1 - src.depth / 4, src.height / 2, 0.0)
    end = dst.point(dst.x0 + dst.depth / 4, dst.height / 2, 0.0)
    lift = min(src.top, dst.top) - 18
    return (
        Line(
            (start, (start[0], lift), (end[0], lift), end),
            stroke="#6a51a3",
            width=0.9,
            dashed=True,
            arrow=True,
            curve=True,
        ),
    )
