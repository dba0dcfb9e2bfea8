"""Volume figures: a network drawn the way papers draw it by hand (AlexNet's Fig. 2, LeNet-5's Fig. 2).

Feature maps are boxes in an oblique projection, sized by their shape: height and
width by the spatial size, depth by the channel count (both compressed, so that
3@224x224 and 512@7x7 can be read in one figure). A kernel is a small patch on the
face of one volume with lines to a point in the next; fully connected layers are
thin tall bars whose height grows with the log of their size. A residual or concat
block is one volume (its output), named after the block call, with `×n` where
blocks of one stage repeat at the same shape. With more than 10 volumes (VGG,
GoogLeNet) the convs of one size are touching slabs and a pool the size step after
them, as in VGG's figures.

The figure is computed once, from the checked network's rows, as plain data
(`Figure`: groups of polygons, paths and texts in canvas coordinates), and two
writers turn that data into SVG (`svg`) and TikZ (`tikz`). Nothing here imports
torch or graphviz.

    >>> import archlang
    >>> fig = figure(archlang.check("architectures/alexnet.arch"))
    >>> [g.name for g in fig.groups if g.kind == "volume"][:3]
    ['input', 'conv1', 'pool1']
    >>> svg(fig).startswith("<?xml"), "tikzpicture" in tikz(fig)
    (True, True)
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .checker.checked import CheckedNetwork, Row
from .pipeline import check
from .units import Shape, fmt_shape

#: Output forms: an SVG image, a standalone LaTeX document, a bare tikzpicture for \input.
FORMATS = ("svg", "tex", "tikz")

# ---- sizes (canvas pixels; TikZ takes 1px = 0.75pt) ----------------------------------------

SPATIAL_MAX = 120.0  # the largest spatial size in a figure is drawn this tall
SPATIAL_MIN = 22.0  # ... and the smallest no shorter than this (sizes between on a power law)
DEPTH_SCALE, DEPTH_POWER = 4.5, 0.4  # depth = 4.5·channels^0.4: 3 -> 7, 64 -> 24, 512 -> 54, 2048 -> 95
BAR_DEPTH, BAR_WIDTH = 9.0, 12.0
BAR_PER_OCTAVE = SPATIAL_MAX / 12  # a 4096-wide layer is as tall as the largest volume
RECEDE = 0.5  # how much of its size the receding (width) axis keeps
ANGLE_DEGREES = 40.0  # of the receding axis, up and to the right
ANGLE = math.radians(ANGLE_DEGREES)
KX, KY = RECEDE * math.cos(ANGLE), RECEDE * math.sin(ANGLE)
GAP = 26.0  # between unattached elements
PYRAMID_GAP = 40.0  # room for a kernel's lines and its label
COMPACT_ABOVE = 10  # more volumes than this: runs of convs at one size become adjacent slabs
COLLAPSE_ABOVE = 4  # in compact form, longer runs of identical convs become one volume ×n
FONT = "Helvetica, Arial, sans-serif"
EDGE_SIZE, NAME_SIZE, DETAIL_SIZE, TITLE_SIZE = 9.0, 10.0, 9.0, 14.0
MARGIN = 12.0

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


# ---- the figure as data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Poly:
    """A filled polygon (a face of a box, a kernel patch)."""

    points: tuple[tuple[float, float], ...]
    fill: str
    stroke: str = STROKE
    width: float = 0.6
    opacity: float = 1.0


@dataclass(frozen=True)
class Line:
    """An open line: straight segments, or one cubic Bézier when `curve` (4 points)."""

    points: tuple[tuple[float, float], ...]
    stroke: str = LINK
    width: float = 0.6
    dashed: bool = False
    arrow: bool = False
    curve: bool = False


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Group:
    """A labelled part of the figure: a volume, a bar, a link between two, a frame, the title."""

    kind: str  # volume, bar, pyramid, dense, arrow, shortcut, frame, title
    name: str
    items: tuple[Shape2D, ...]
    shape: str = ""  # the tensor shape in paper notation, for volumes and bars

    def texts(self) -> list[str]:
        """The group's text lines, in drawing order."""
        return [item.text for item in self.items if isinstance(item, Text)]


@dataclass(frozen=True)
class Figure:
    """The whole picture: its canvas size and its groups, in painting order."""

    title: str
    width: float
    height: float
    groups: tuple[Group, ...]


# ---- which tensors get drawn ------------------------------------------------------------------


@dataclass
class Tensor:
    """A tensor the paper would draw: a volume (spatial) or a bar (a vector)."""

    name: str
    detail: str
    shape: Shape
    role: str  # input, conv, pool, residual, concat, fc, other
    kernel: tuple[int, int] | None = None
    stride: int = 1
    count: int = 1
    group: str | None = None  # the block call a tensor belongs to (`conv2_x`, `i3a`)
    key: str | None = None  # what consecutive block outputs of one stage merge on
    paths: list[str] = field(default_factory=list)  # a block output's dotted path, one per merged block
    attached: bool = False  # drawn touching the previous volume (compact form)
    bar_text: str = ""
    ends: tuple[str, str] | None = None  # the first and last name of what it stands for, when several

    @property
    def note(self) -> str:
        """What made it, with the number of blocks or layers it stands for: `basic ×2`."""
        return f"{self.detail} ×{self.count}" if self.count > 1 else self.detail

    @property
    def first(self) -> str:
        """The name a range of names starting here starts with."""
        return self.ends[0] if self.ends else self.name

    @property
    def last(self) -> str:
        """The name a range of names ending here ends with."""
        return self.ends[1] if self.ends else self.name

    @property
    def is_bar(self) -> bool:
        """A vector, or maps of 1x1: drawn as a thin bar."""
        return len(self.shape) == 1 or all(size == 1 for size in self.shape[1:])

    @property
    def spatial(self) -> tuple[int, int]:
        """(height, width); a 1-D signal has width 1."""
        return (self.shape[1], self.shape[2] if len(self.shape) > 2 else 1)


def tensors(network: CheckedNetwork, compact: bool | None = None) -> list[Tensor]:
    """The tensors to draw, left to right: the input, each conv, pool, block and fc output on
    the main path. Activations, normalisation, dropout and flattens get none of their own; the
    blocks of one stage at one shape are one volume ×n."""
    drawn = [_input(network.input or (1,))]
    for row in network.rows:
        tensor = _tensor(row) if row.depth == 0 else None
        if tensor is None:
            continue
        last = drawn[-1]
        if tensor.key and last.key == tensor.key and last.shape == tensor.shape:
            last.count += 1
            last.paths += tensor.paths
        else:
            drawn.append(tensor)
    _name_blocks(drawn)
    volumes = sum(not t.is_bar for t in drawn)
    if compact if compact is not None else volumes > COMPACT_ABOVE:
        drawn = _collapse(drawn)
        _attach(drawn)
    return drawn


def _input(shape: Shape) -> Tensor:
    """The network's input, as a volume or a bar."""
    return Tensor("input", fmt_shape(shape), shape, "input", bar_text=f"input {shape[0]}")


def _tensor(row: Row) -> Tensor | None:
    """The tensor a main-path row produces, or None for rows that draw nothing of their own."""
    layer = row.layer
    family, kind = layer.kind.family, layer.kind.name
    if family == "join":
        return _block(row)
    if family not in ("conv", "pool", "fc"):
        return None
    shape = layer.out_shape
    role = "pool" if family == "pool" else "conv" if family == "conv" else "fc"
    kernel = _kernel(layer.opts) if family in ("conv", "pool") else None
    stride = layer.opts.get("stride") or (kernel[0] if kernel and family == "pool" else 1)
    word = "dense" if kind == "fc" else kind
    group = row.name.split(".")[0] if "." in row.name else None
    return Tensor(
        row.name, layer.op, shape, role, kernel, int(stride), group=group, bar_text=f"{word} {shape[0]}"
    )


def _kernel(opts: Any) -> tuple[int, int] | None:
    """The (height, width) of a layer's window, from `kernel` (one value or one per dimension)."""
    kernel = opts.get("kernel")
    if not kernel:
        return None
    sizes = tuple(int(k) for k in kernel)
    return (sizes[0], sizes[-1])


def _block(row: Row) -> Tensor:
    """A residual or concat block's output. Blocks merge on their stage (`conv2_x` of
    `conv2_x.basic1`) or, for a lone call, on its name without the number (`inception_c`)."""
    parts = row.name.split(".")
    path = parts[:-1] or parts  # the join's own name (add1, concat1) is not the block's
    residual = row.layer.kind.name == "add"
    if len(path) >= 2:
        key, kind = path[0], re.sub(r"\d+$", "", path[1]) or ("residual" if residual else "concat")
    else:
        key = re.sub(r"\d+$", "", path[0]) or path[0]
        kind = "residual" if residual else f"concat of {row.layer.opts.get('paths', 2)}"
    shape = row.layer.out_shape
    word = "residual" if residual else "concat"
    return Tensor(
        ".".join(path),
        kind,
        shape,
        word,
        group=path[0],
        key=key,
        paths=[".".join(path)],
        bar_text=f"{word} {shape[0]}",
    )


def _name_blocks(drawn: list[Tensor]) -> None:
    """Names as the figure shows them: a stage drawn as one volume by its stage name (`conv2_x`),
    blocks inside a frame by their names within it (`basic1`, `basic2–3`)."""
    for run in _runs_of(drawn, lambda t: t.group):
        if run[0].group is None:
            continue
        for tensor in run:
            inner = [p.split(".", 1)[1] if "." in p else p for p in tensor.paths or [tensor.name]]
            if len(run) > 1:
                tensor.name = _span(inner[0], inner[-1])
            elif tensor.paths and "." in tensor.paths[0]:
                tensor.name = tensor.group or tensor.name
            elif tensor.count > 1:
                tensor.name, tensor.ends = (
                    _span(tensor.paths[0], tensor.paths[-1]),
                    (tensor.paths[0], tensor.paths[-1]),
                )


def _runs_of(items: list[Any], key: Any) -> list[list[Any]]:
    """Consecutive items with equal `key(item)`."""
    runs: list[list[Any]] = []
    for item in items:
        if runs and key(runs[-1][0]) == key(item):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _span(first: str, last: str) -> str:
    """`conv1_1–2` for conv1_1 to conv1_2, `inception_a2–3`, `conv1_1–pool1`: a range of names
    with the prefix they share written once."""
    if first == last:
        return first
    common = 0
    while common < min(len(first), len(last)) and first[common] == last[common]:
        common += 1
    while common and first[common - 1].isdigit():  # keep a number whole: conv12–13, not conv12–3
        common -= 1
    return f"{first}–{last[common:]}"


def _collapse(drawn: list[Tensor]) -> list[Tensor]:
    """Runs of more than COLLAPSE_ABOVE identical convs (AlphaGo's 11 conv3-192) as one volume ×n."""
    out: list[Tensor] = []
    for run in _runs_of(drawn, lambda t: (t.role, t.detail, t.shape) if t.role == "conv" else id(t)):
        if len(run) > COLLAPSE_ABOVE:
            out.append(
                replace(
                    run[0],
                    name=_span(run[0].name, run[-1].name),
                    ends=(run[0].name, run[-1].name),
                    count=len(run),
                )
            )
        else:
            out.extend(run)
    return out


def _attach(drawn: list[Tensor]) -> None:
    """Compact form (VGG's figures): a conv or block at the previous one's spatial size, and a pool
    after a conv or a block, are drawn touching it, so a stage reads as one block of slabs with the
    pool as its size step."""
    for previous, tensor in itertools.pairwise(drawn):
        if tensor.is_bar or previous.is_bar or previous.role in ("input", "pool"):
            continue
        same_size = tensor.spatial == previous.spatial and tensor.role == previous.role
        step = tensor.role == "pool"
        tensor.attached = same_size or step


# ---- sizes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
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


# ---- geometry ---------------------------------------------------------------------------------


@dataclass
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
    return 0.58 * size * len(text)


def _colour(hex_colour: str, towards: str, amount: float) -> str:
    """A colour mixed `amount` of the way to white or black (the lit top, the shaded side)."""
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    target = 255 if towards == "white" else 0
    return "#" + "".join(f"{round(c + (target - c) * amount):02x}" for c in rgb)


# ---- layout -----------------------------------------------------------------------------------


@dataclass
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


def figure(network: CheckedNetwork, compact: bool | None = None) -> Figure:
    """The volume figure of a checked network, as data for `svg` and `tikz`."""
    drawn = tensors(network, compact)
    placed = _place(drawn, Scale.of(drawn))
    groups: list[Group] = []
    for index, item in enumerate(placed):
        if index:
            groups.extend(_links(placed[index - 1], item))
        groups.append(_element(item))
    groups.extend(_frames(placed))
    return _fit(network, _captions(placed, groups))


def _place(drawn: list[Tensor], scale: Scale) -> list[Placed]:
    """Each run of touching slabs left to right, after a gap wide enough for the labels and kernel
    lines between it and the previous run, and for the two runs' captions side by side."""
    spots = _label_spots(drawn)
    placed: list[Placed] = []
    for run in _runs(drawn):
        boxes, x = [], 0.0
        for index in run:
            boxes.append(_box(drawn[index], scale))
            boxes[-1].x0, x = x, x + boxes[-1].depth
        caption = _run_caption([drawn[i] for i in run])
        width = _caption_width(caption)
        centre = (boxes[0].left + boxes[-1].x1 - boxes[-1].width / 2 * KX) / 2
        shift = _shift(placed, drawn[run[0]], boxes[0], centre, width) if placed else 0.0
        first = len(placed)
        for index, box in zip(run, boxes):
            box.x0 += shift
            labels = _edge_labels(drawn[index], box, spots[index])
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
    gap = PYRAMID_GAP if _link_kind(previous.tensor, tensor) == "pyramid" else GAP
    label = text_width(str(tensor.spatial[0]), EDGE_SIZE) + 8 if not tensor.is_bar else 0.0
    shift = previous.extent + max(gap, label) - box.left
    last = next(item for item in reversed(placed) if item.caption)
    assert last.caption is not None
    return max(shift, last.centre + (_caption_width(last.caption) + width) / 2 + 12 - centre)


def _run_caption(run: list[Tensor]) -> tuple[str, str]:
    """A run's two caption lines: its name(s) and what made it (`conv3-64 ×2, maxpool2`)."""
    if len(run) == 1:
        tensor = run[0]
        return (tensor.name, tensor.bar_text if tensor.is_bar else tensor.note)
    parts = []
    for same in _runs_of(run, lambda t: t.detail):
        total = sum(t.count for t in same)
        parts.append(f"{same[0].detail} ×{total}" if total > 1 else same[0].detail)
    return (_span(run[0].first, run[-1].last), ", ".join(parts))


def _caption_width(caption: tuple[str, str]) -> float:
    """The width of a two-line caption."""
    return max(text_width(caption[0], NAME_SIZE), text_width(caption[1], DETAIL_SIZE))


def _box(tensor: Tensor, scale: Scale) -> Box:
    """The drawn size of a tensor."""
    if tensor.is_bar:
        return Box(0.0, BAR_DEPTH, scale.bar(tensor.shape[0]), BAR_WIDTH)
    height, width = tensor.spatial
    return Box(0.0, scale.depth(tensor.shape[0]), scale.spatial(height), scale.spatial(width))


def _label_spots(drawn: list[Tensor]) -> list[set[str]]:
    """Where each volume's sizes are written, as papers do: the height left of the front face, the
    width under the right receding edge, the channels under the front. In a run of slabs at one
    size they are written once: the height on the first slab, the width on the last, or on the
    first slab's top edge when a pool is attached behind the last. An attached pool, whose left is
    the previous slab, has its width (and its height if it differs) on its right."""
    return [set() if tensor.is_bar else _spots(drawn, index) for index, tensor in enumerate(drawn)]


def _spots(drawn: list[Tensor], index: int) -> set[str]:
    """The label spots of the volume at `index` (see `_label_spots`)."""
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


def _edge_labels(tensor: Tensor, box: Box, spots: set[str]) -> list[Text]:
    """The size labels of one volume, at the spots `_label_spots` chose."""
    if tensor.is_bar:
        return []
    height, width = tensor.spatial
    h, w = box.height / 2, box.width / 2
    labels = []
    if "depth" in spots:
        labels.append(_text(box.front_centre, h + w * KY + EDGE_SIZE + 2, str(tensor.shape[0]), "middle"))
    if "height-left" in spots:
        x, y = box.point(box.x0, 0, -w)
        labels.append(_text(x - 3, y + EDGE_SIZE * 0.35, str(height), "end"))
    if "height-right" in spots:
        x, y = box.point(box.x1, 0, w)
        labels.append(_text(x + 3, y + EDGE_SIZE * 0.35, str(height), "start"))
    if "width-bottom" in spots:
        x, y = box.point(box.x1, -h, 0)
        labels.append(_text(x + 3, y + EDGE_SIZE + 1, str(width), "start"))
    if "width-top" in spots:
        x, y = box.point(box.x0, h, 0)
        labels.append(_text(x - 3, y - 2, str(width), "end"))
    return labels


def _text(x: float, y: float, text: str, anchor: str, **kwargs: Any) -> Text:
    """A text with rounded coordinates (the output must not depend on float noise)."""
    return Text(round(x, 2), round(y, 2), text, anchor=anchor, **kwargs)


def _element(item: Placed) -> Group:
    """A volume or a bar: its three faces and its edge labels."""
    tensor, box = item.tensor, item.box
    base = COLOURS.get(tensor.role, COLOURS["other"])
    front, top, right = box.faces()
    faces = (
        Poly(front, base),
        Poly(top, _colour(base, "white", 0.45)),
        Poly(right, _colour(base, "black", 0.18)),
    )
    labels = list(item.labels)
    if tensor.count > 1 and not tensor.is_bar:  # a stage of n blocks, n identical convs: ×n on the face
        x, y = box.point(box.x0 + box.depth / 2, 0.0, -box.width / 2)
        labels.append(
            _text(
                x, y + NAME_SIZE * 0.35, f"×{tensor.count}", "middle", size=NAME_SIZE, bold=True, role="count"
            )
        )
    kind = "bar" if tensor.is_bar else "volume"
    return Group(kind, tensor.name, faces + tuple(labels), fmt_shape(tensor.shape))


def _link_kind(previous: Tensor, tensor: Tensor) -> str | None:
    """How two neighbours are joined: a kernel pyramid into a conv or pool, the fan of a dense
    layer, an arrow into a block; nothing between touching slabs."""
    if tensor.attached:
        return None
    if tensor.kernel and not previous.is_bar:
        return "pyramid"
    if tensor.role == "fc" and tensor.is_bar:
        return "dense"
    return "arrow"


def _links(previous: Placed, item: Placed) -> Iterator[Group]:
    """The groups drawn between two neighbours (and a residual's shortcut over them)."""
    kind = _link_kind(previous.tensor, item.tensor)
    name = f"{previous.tensor.name}->{item.tensor.name}"
    if kind == "pyramid":
        yield Group("pyramid", name, _pyramid(previous, item))
    elif kind == "dense":
        yield Group("dense", name, _dense(previous.box, item.box))
    elif kind == "arrow":
        yield Group("arrow", name, _arrow(previous.box, item.box))
    if item.tensor.role == "residual":
        yield Group("shortcut", name, _shortcut(previous.box, item.box))


def _pyramid(previous: Placed, item: Placed) -> tuple[Shape2D, ...]:
    """A kernel: its window as a patch on the previous volume's face, lines to a point in the next."""
    src, dst, tensor = previous.box, item.box, item.tensor
    assert tensor.kernel is not None
    height, width = previous.tensor.spatial
    ph = max(3.0, src.height * min(1.0, tensor.kernel[0] / height))
    pw = (
        max(3.0, src.width * min(1.0, tensor.kernel[1] / width))
        if len(previous.tensor.shape) > 2
        else src.width
    )
    yc = min(0.2 * src.height, src.height / 2 - ph / 2)
    zc = max(-0.15 * src.width, -src.width / 2 + pw / 2) if pw < src.width else 0.0
    corners = ((-1, -1), (-1, 1), (1, 1), (1, -1))
    patch = tuple(src.point(src.x1, yc + dy * ph / 2, zc + dz * pw / 2) for dy, dz in corners)
    if item.tensor.is_bar:
        apex = dst.point(dst.x0, 0.0, 0.0)
    else:
        apex = dst.point(dst.x0, 0.2 * dst.height, -0.15 * dst.width)
    lines = tuple(Line((corner, apex), stroke="#555555", width=0.5) for corner in patch)
    label = f"{tensor.kernel[0]}×{tensor.kernel[1]}" + (f" /{tensor.stride}" if tensor.stride > 1 else "")
    # the label sits over the top line, nearer the apex: nearer the patch it would cover the
    # previous volume's receding top corner
    top = min(patch, key=lambda p: p[1])
    x, y = top[0] + 0.62 * (apex[0] - top[0]), top[1] + 0.62 * (apex[1] - top[1]) - 5
    return (
        Poly(patch, "#555555", width=0.4, opacity=0.6),
        *lines,
        _text(x, y, label, "middle", role="kernel"),
    )


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


def _frames(placed: list[Placed]) -> Iterator[Group]:
    """A dashed frame, with the block's name, around each run of two or more elements from one
    block call (a stage whose blocks change shape, a block that is a chain of convs)."""
    for run in _runs_of(placed, lambda item: item.tensor.group):
        if len(run) > 1 and run[0].tensor.group:
            yield _frame(run)


def _frame(run: list[Placed]) -> Group:
    """The frame around one run."""
    left = min(item.box.left for item in run) - 14
    right = max(item.extent for item in run) + 6
    top = min(item.box.top for item in run) - 26
    bottom = max(item.box.bottom for item in run) + EDGE_SIZE + 8
    name = run[0].tensor.group or ""
    corners = ((left, top), (right, top), (right, bottom), (left, bottom), (left, top))
    rounded = tuple((round(x, 2), round(y, 2)) for x, y in corners)
    return Group(
        "frame",
        name,
        (
            Line(rounded, stroke="#999999", dashed=True),
            _text(
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


def _captions(placed: list[Placed], groups: list[Group]) -> list[Group]:
    """Each run's name and notation under the figure, centred under it (on a second line when two
    would still overlap), and in a run of slabs each slab's own name, going off its top along the
    receding axis (so that names longer than a slab is deep do not run into each other)."""
    baseline = max(item.box.bottom for item in placed) + EDGE_SIZE + 22
    ends: list[float] = []  # per caption line, the right end of its last caption
    texts: dict[int, list[Text]] = {}
    for index, item in enumerate(placed):
        texts[index] = []
        if item.caption:
            width = _caption_width(item.caption)
            level = next((n for n, end in enumerate(ends) if item.centre - width / 2 > end + 6), len(ends))
            ends[level : level + 1] = [item.centre + width / 2]
            texts[index] += _caption(item, baseline + level * (NAME_SIZE + DETAIL_SIZE + 8))
    _slab_names(placed, texts)
    out, index = [], 0
    for group in groups:
        if group.kind in ("volume", "bar"):
            group = replace(group, items=group.items + tuple(texts[index]))
            index += 1
        out.append(group)
    return out


def _caption(item: Placed, y: float) -> list[Text]:
    """A run's caption at baseline `y`: its name in bold, what made it underneath."""
    assert item.caption is not None
    name, detail = item.caption
    return [
        _text(item.centre, y, name, "middle", size=NAME_SIZE, bold=True, role="name"),
        _text(
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
        name = _text(
            x + 2, y - 3, item.tensor.name, "start", size=DETAIL_SIZE, role="slab", angle=ANGLE_DEGREES
        )
        texts[index].append(name)


def _fit(network: CheckedNetwork, groups: list[Group]) -> Figure:
    """Move everything onto a canvas with a margin, under the title."""
    title = [
        Text(0, 0, network.name, TITLE_SIZE, "start", True, role="title"),
        Text(0, 0, _subtitle(network), DETAIL_SIZE, "start", colour="#555555", role="title"),
    ]
    xs, ys = [], []
    for item in (i for g in groups for i in g.items):
        for x, y in _extent(item):
            xs.append(x)
            ys.append(y)
    left, top = min(xs), min(ys)
    dx, dy = MARGIN - left, MARGIN + TITLE_SIZE + DETAIL_SIZE + 18 - top
    moved = [replace(g, items=tuple(_move(i, dx, dy) for i in g.items)) for g in groups]
    title[0] = replace(title[0], x=MARGIN, y=MARGIN + TITLE_SIZE)
    title[1] = replace(title[1], x=MARGIN, y=MARGIN + TITLE_SIZE + DETAIL_SIZE + 5)
    width = max(max(xs) + dx, *(MARGIN + text_width(t.text, t.size) for t in title)) + MARGIN
    height = max(ys) + dy + MARGIN
    return Figure(
        network.name, round(width, 1), round(height, 1), (Group("title", network.name, tuple(title)), *moved)
    )


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


# ---- SVG --------------------------------------------------------------------------------------

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
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _num(value: float) -> str:
    """A coordinate without float noise: 12.0 -> 12, 3.14159 -> 3.14."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def svg(fig: Figure) -> str:
    """The figure as a standalone SVG document."""
    width, height = _num(fig.width), _num(fig.height)
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
    body = [_svg_group(group, index) for index, group in enumerate(fig.groups)]
    return "\n".join([*head, *body, "</svg>", ""])


def _svg_group(group: Group, index: int) -> str:
    """One <g>, with the element's name and shape as data attributes and a <title> tooltip."""
    attrs = f' class="{group.kind}" data-name="{xml_escape(group.name)}"'
    if group.shape:
        attrs += f' data-shape="{xml_escape(group.shape)}"'
    tip = f"{group.name} {group.shape}".strip()
    lines = [f'<g id="g{index}"{attrs}>', f"<title>{xml_escape(tip)}</title>"]
    lines += [_svg_item(item) for item in group.items]
    return "\n".join([*lines, "</g>"])


def _svg_item(item: Shape2D) -> str:
    """One polygon, line or text."""
    if isinstance(item, Text):
        return _svg_text(item)
    if isinstance(item, Poly):
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in item.points)
        opacity = f' fill-opacity="{_num(item.opacity)}"' if item.opacity < 1 else ""
        return (
            f'<polygon points="{points}" fill="{item.fill}"{opacity} stroke="{item.stroke}" '
            f'stroke-width="{_num(item.width)}" stroke-linejoin="round"/>'
        )
    return _svg_line(item)


def _svg_text(item: Text) -> str:
    """A <text>, its role as its class; sizes on edges get a white halo, to read across lines."""
    anchor = f' text-anchor="{item.anchor}"' if item.anchor != "start" else ""
    weight = ' font-weight="bold"' if item.bold else ""
    halo = (
        ' stroke="white" stroke-width="2.5" paint-order="stroke"' if item.role in ("edge", "kernel") else ""
    )
    x, y = _num(item.x), _num(item.y)
    turn = f' transform="rotate({_num(-item.angle)} {x} {y})"' if item.angle else ""
    return (
        f'<text class="{item.role}" x="{x}" y="{y}" font-size="{_num(item.size)}"{anchor}{weight}{turn} '
        f'fill="{item.colour}"{halo}>{xml_escape(item.text)}</text>'
    )


def _svg_line(item: Line) -> str:
    """A <polyline>, or a <path> for a Bézier curve."""
    style = f'fill="none" stroke="{item.stroke}" stroke-width="{_num(item.width)}"'
    style += ' stroke-dasharray="4 3"' * item.dashed + ' marker-end="url(#arrow)"' * item.arrow
    if item.curve:
        (x0, y0), *rest = item.points
        d = f"M{_num(x0)},{_num(y0)} C" + " ".join(f"{_num(x)},{_num(y)}" for x, y in rest)
        return f'<path d="{d}" {style}/>'
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in item.points)
    return f'<polyline points="{points}" {style}/>'


# ---- TikZ -------------------------------------------------------------------------------------

_LATEX = {
    "\\": r"\textbackslash{}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': "{''}",
    "'": "{'}",
    "`": "{`}",
    "-": "-{}",
    "×": r"$\times$",
    "→": r"$\rightarrow$",
    "…": r"\dots{}",
    "–": "--",
}


def latex_escape(text: str) -> str:
    """Text that LaTeX typesets as written, in the default (OT1) fonts: its specials escaped,
    control characters dropped, and characters outside ASCII that pdflatex's fonts may lack
    written as `?`."""
    out = []
    for char in text:
        if char in _LATEX:
            out.append(_LATEX[char])
        elif " " <= char <= "~":
            out.append(char)
        elif char.isprintable():
            out.append("?")
    return "".join(out)


def tikz(fig: Figure, standalone: bool = True) -> str:
    """The figure as a tikzpicture (1 px = 0.75 pt, y down as in the SVG), wrapped in a LaTeX
    document whose page is the figure unless `standalone` is False (then \\input it into a
    document that loads tikz). The document needs only tikz and geometry, not the standalone class."""
    width, height = _num(fig.width), _num(fig.height)
    picture = [
        f"% {latex_escape(fig.title)}: archc render --style volumes",
        r"\begin{tikzpicture}[x=0.75pt, y=-0.75pt, line join=round, >=stealth]",
        rf"\useasboundingbox (0,0) rectangle ({width},{height});",
    ]
    for group in fig.groups:
        picture.append(f"% {group.kind} {latex_escape(group.name)}")
        picture += [_tikz_item(item) for item in group.items]
    picture.append(r"\end{tikzpicture}")
    if not standalone:
        return "\n".join([*picture, ""])
    page = f"paperwidth={_num(fig.width * 0.75)}pt, paperheight={_num(fig.height * 0.75)}pt, margin=0pt"
    head = [
        r"\documentclass{article}",
        rf"\usepackage[{page}]{{geometry}}",
        r"\usepackage{tikz}",
        r"\pagestyle{empty}",
        r"\begin{document}",
        r"\noindent",
    ]
    return "\n".join([*head, *picture, r"\end{document}", ""])


def _tikz_colour(hex_colour: str) -> str:
    """#rrggbb as an xcolor specification, so the document needs no colour definitions."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{{rgb,255:red,{red};green,{green};blue,{blue}}}"


def _tikz_item(item: Shape2D) -> str:
    """One polygon, path or text as a TikZ command."""
    if isinstance(item, Text):
        anchor = {"start": "base west", "middle": "base", "end": "base east"}[item.anchor]
        font = rf"\sffamily\fontsize{{{_num(item.size * 0.75)}}}{{{_num(item.size * 0.9)}}}\selectfont"
        font += r"\bfseries" if item.bold else ""
        turn = f", rotate={_num(item.angle)}" if item.angle else ""
        return (
            rf"\node[anchor={anchor}, inner sep=0pt, font={font}, text={_tikz_colour(item.colour)}{turn}] "
            rf"at ({_num(item.x)},{_num(item.y)}) {{{latex_escape(item.text)}}};"
        )
    coords = [f"({_num(x)},{_num(y)})" for x, y in item.points]
    if isinstance(item, Poly):
        opacity = f", fill opacity={_num(item.opacity)}" if item.opacity < 1 else ""
        return (
            rf"\filldraw[fill={_tikz_colour(item.fill)}, draw={_tikz_colour(item.stroke)}, "
            rf"line width={_num(item.width * 0.75)}pt{opacity}] {' -- '.join(coords)} -- cycle;"
        )
    options = [f"draw={_tikz_colour(item.stroke)}", f"line width={_num(item.width * 0.75)}pt"]
    options += ["dashed"] * item.dashed + ["->"] * item.arrow
    path = (
        f"{coords[0]} .. controls {coords[1]} and {coords[2]} .. {coords[3]}"
        if item.curve
        else " -- ".join(coords)
    )
    return rf"\draw[{', '.join(options)}] {path};"


# ---- entry points -----------------------------------------------------------------------------


def render(network: CheckedNetwork, fmt: str = "svg", compact: bool | None = None) -> str:
    """A checked network's volume figure as SVG (`svg`), a LaTeX document (`tex`) or a bare
    tikzpicture (`tikz`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown volume figure format {fmt!r}: use one of {', '.join(FORMATS)}")
    fig = figure(network, compact)
    return svg(fig) if fmt == "svg" else tikz(fig, standalone=fmt == "tex")


def render_volumes(
    source: CheckedNetwork | str | Path, fmt: str = "svg", compact: bool | None = None, **params: Any
) -> str:
    """The volume figure of a network: a checked network, or a spec (a path or its text) checked
    with `params` first. `fmt` is svg, tex or tikz; `compact` forces (or refuses) adjacent slabs
    for runs of convs at one size, which are otherwise used above 10 volumes."""
    network = source if isinstance(source, CheckedNetwork) else check(source, **params)
    return render(network, fmt, compact)
