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

The modules, each importing only those above it:

- `style`: every size, angle, font and colour;
- `shapes`: the figure as plain data (`Figure`, `Group`, `Poly`, `Line`, `Text`);
- `selection`: which tensors get drawn, from the rows (`tensors`);
- `geometry`: drawn sizes (`Scale`), the projection (`Box`), text widths;
- `links`, `labels`: kernel pyramids, dense fans, arrows and shortcuts; the sizes on edges;
- `layout`: the tensors placed left to right (`place`);
- `captions`, `canvas`: the names under the figure; the title and the move onto the canvas;
- `compose`: all of it in painting order (`figure`);
- `svg`, `tikz`: the writers, with their escaping.

    >>> import archlang
    >>> fig = figure(archlang.check("architectures/alexnet.arch"))
    >>> [g.name for g in fig.groups if g.kind == "volume"][:3]
    ['input', 'conv1', 'pool1']
    >>> svg(fig).startswith("<?xml"), "tikzpicture" in tikz(fig)
    (True, True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..checker.checked import CheckedNetwork
from ..pipeline import check
from .compose import figure
from .geometry import Box, Scale, text_width
from .selection import Tensor, tensors
from .shapes import Figure, Group, Line, Poly, Shape2D, Text

# `svg` and `tikz` name both a writer module and its function: these imports rebind the
# package's names to the functions, so that `volumes.svg(fig)` works as it did before the split
from .svg import svg, xml_escape
from .tikz import latex_escape, tikz

__all__ = [
    "FORMATS",
    "Box",
    "Figure",
    "Group",
    "Line",
    "Poly",
    "Scale",
    "Shape2D",
    "Tensor",
    "Text",
    "figure",
    "latex_escape",
    "render",
    "render_volumes",
    "svg",
    "tensors",
    "text_width",
    "tikz",
    "xml_escape",
]

#: Output forms: an SVG image, a standalone LaTeX document, a bare tikzpicture for \input.
FORMATS = ("svg", "tex", "tikz")


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
