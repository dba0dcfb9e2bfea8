"""`archc render` (the Graphviz diagram and the volume figure) and `archc table` (the papers' tables)."""

from __future__ import annotations

import sys
from typing import Any

from ..diagnostics import ArchError
from ..limits import Limits
from ..tables import FORMATS as TABLE_FORMATS
from ..tables import STYLES as TABLE_STYLES
from ..tables import table as paper_table
from .args import Argument, Command, Option, UsageError, file_path, float_range, int_range
from .common import (
    COLOUR_OPTION,
    LIMIT_OPTIONS,
    SPEC_FILE,
    checked_or_exit,
    define_option,
    echo,
    emit,
    output_format,
    print_diagnostics,
    refuse_the_input,
    warn,
)

#: Formats of `--format`: the graph's and the volume figure's, as render.FORMATS and volumes.FORMATS
#: (copied so that the option's choices need neither package; tests/test_render.py keeps them equal).
GRAPH_FORMATS = ("svg", "png", "jpg", "jpeg", "pdf", "dot")
VOLUME_FORMATS = ("svg", "tex", "tikz")


def _size(value: str) -> tuple[float, float]:
    from ..render.view import parse_size

    return parse_size(value)  # a ValueError says what is wrong


def render_command(
    file: str,
    out: str,
    fmt: str | None,
    params: dict[str, Any],
    unroll: bool,
    rankdir: str,
    style: str,
    limits: Limits,
    color: str,
    **look: Any,
) -> None:
    """Draw FILE as a diagram: a box per layer in paper notation with its
    activation and parameters, the tensor shape on every edge, repeats as
    one cluster marked ×N, the paths of a branch as columns; or, with
    --style volumes, as the 3-D volume figure of the AlexNet and LeNet
    papers (the other options are for the graph only).

    archc render vgg16.arch -o vgg16.svg
    archc render vgg16.arch -o vgg16.png --unroll --rankdir LR
    archc render resnet50.arch -o r50.png --depth 1 --preset slide   # one slide, 12 pt type
    archc render googlenet.arch -o g.jpg --no-params --size 8,10 --dpi 200
    archc render resnet18.arch -o - --format png > r18.png
    archc render alexnet.arch --style volumes -o alexnet.svg    # or .tex, .tikz
    Exit status: 0 ok, 1 errors in the spec, 2 usage or Graphviz missing.
    """
    if style == "volumes":
        _render_volumes(file, out, fmt, params, limits, color)
        return
    from .. import render  # graphviz is imported only to draw

    refuse_the_input(file, out)
    suffix = output_format(out, fmt, GRAPH_FORMATS, "")
    network = checked_or_exit(file, params, limits, color)
    look["params"] = look.pop("show_params")
    try:
        data = render.pipe(network, suffix, unroll, rankdir.upper(), **look)
    except ArchError as error:  # too large a diagram: refused before Graphviz runs
        print_diagnostics(error.diagnostics, color)
        sys.exit(1)
    except render.RenderError as error:
        warn(f"archc: error: {error}")
        sys.exit(2)
    emit(out, data, binary=suffix in render.BINARY)


def _render_volumes(
    file: str, out: str, fmt: str | None, params: dict[str, Any], limits: Limits, color: str
) -> None:
    """`archc render --style volumes`: the volume figure as SVG, a LaTeX document or a tikzpicture."""
    from .. import volumes

    refuse_the_input(file, out)
    suffix = output_format(out, fmt, VOLUME_FORMATS, " with --style volumes")
    network = checked_or_exit(file, params, limits, color)
    emit(out, volumes.render(network, suffix).encode("utf-8"), binary=False)


def table_command(
    files: tuple[str, ...],
    fmt: str,
    style: str | None,
    names: str | None,
    params: dict[str, Any],
    limits: Limits,
    color: str,
) -> None:
    """Set FILES out as a paper's Table 1. vgg (Simonyan & Zisserman): a
    column per network, stages aligned between the pools, the parameters
    in millions. resnet (He et al.): a row per stage with its output size,
    blocks as bracketed stacks ×n, the FLOPs (multiply-adds). googlenet
    (Szegedy et al.): a row per layer or inception module with its path
    widths, depth, parameters and operations; one table per file.

    archc table vgg11.arch vgg11_lrn.arch vgg13.arch vgg16c.arch vgg16.arch vgg19.arch
    archc table resnet18.arch resnet34.arch resnet50.arch --names 18-layer,34-layer,50-layer
    archc table googlenet.arch --format latex
    archc table resnet50.arch --style vgg     # force a form
    """
    heads = names.split(",") if names is not None else None
    if heads is not None and len(heads) != len(files):
        raise UsageError(f"{len(heads)} names for {len(files)} files", "--names")
    networks = [checked_or_exit(path, params, limits, color) for path in files]
    echo(paper_table(networks, fmt, style, heads), nl=False)


RENDER = Command(
    "render",
    "The diagram: SVG, PNG, JPEG, PDF or DOT; or the 3-D volume figure.",
    "[OPTIONS] FILE",
    render_command.__doc__ or "",
    render_command,
    arguments=(SPEC_FILE,),
    options=(
        Option(
            ("-o", "--output"),
            "out",
            "OUT.svg, OUT.png, OUT.jpg, OUT.pdf or OUT.dot (.dot needs no Graphviz "
            "program); with --style volumes OUT.svg, OUT.tex or OUT.tikz; - for standard output (the format from "
            "--format; png, jpg and pdf only when standard output is not a terminal).",
            metavar="OUT",
            convert=file_path,
            required=True,
        ),
        Option(
            ("--format",),
            "fmt",
            "The format, whatever OUT ends in [default: from OUT's suffix; svg for -].",
            choices=tuple(sorted(set(GRAPH_FORMATS + VOLUME_FORMATS))),
        ),
        define_option(),
        Option(
            ("--unroll",),
            "unroll",
            "Draw every iteration of a repeat, not one ×N cluster.",
            flag=True,
            default=False,
        ),
        Option(
            ("--rankdir",),
            "rankdir",
            "Top to bottom (TB) or left to right (LR).",
            choices=("TB", "LR"),
            default="TB",
            show_default=True,
            case_sensitive=False,
        ),
        Option(
            ("--depth",),
            "depth",
            "Draw clusters (blocks, repeats, labelled groups) N deep; deeper ones are one "
            "box each with their layers, params, MACs and output shape. --depth 0: every top-level block one box.",
            convert=int_range(0),
            metavar="N",
        ),
        Option(
            ("--no-names",),
            "names",
            "Leave the layer names (conv1_1) out of the boxes.",
            flag=True,
            flag_value=False,
        ),
        Option(
            ("--no-params",),
            "show_params",
            "Leave the parameter (and MAC) counts out of the boxes.",
            flag=True,
            flag_value=False,
        ),
        Option(
            ("--size",),
            "size",
            "Fit the drawing in W by H inches (scaled down, keeping its shape), e.g. --size 13.3,7.5.",
            convert=_size,
            metavar="W,H",
        ),
        Option(
            ("--dpi",),
            "dpi",
            "Resolution of .png and .jpg [Graphviz: 96].",
            convert=float_range(1, 2400),
            metavar="N",
        ),
        Option(
            ("--wrap",),
            "wrap",
            "Wrap the network's main chain into N columns (N rows with --rankdir LR); never "
            "inside a block or branch.",
            convert=int_range(1),
            metavar="N",
        ),
        Option(
            ("--preset",),
            "preset",
            "slide: type of 12 pt at least, the chain wrapped into the columns that give "
            "a 4:3 to 16:9 picture with the largest type, 13.33x7.5 in at 144 dpi (1920x1080 px at most); options "
            "given beside it win.",
            choices=("default", "slide"),
            default="default",
            show_default=True,
        ),
        Option(
            ("--style",),
            "style",
            "graph: a box per layer (Graphviz). volumes: the feature maps as 3-D boxes and "
            "the kernels as pyramids, as papers draw them by hand, to OUT.svg, OUT.tex (a LaTeX document) or "
            "OUT.tikz (the bare tikzpicture, to \\input into a paper); no Graphviz.",
            choices=("graph", "volumes"),
            default="graph",
            show_default=True,
        ),
        COLOUR_OPTION,
        LIMIT_OPTIONS,
    ),
)

TABLE = Command(
    "table",
    "A paper's Table 1 (VGG, ResNet, GoogLeNet) in Markdown, LaTeX or HTML.",
    "[OPTIONS] FILES...",
    table_command.__doc__ or "",
    table_command,
    arguments=(
        Argument(
            "files",
            "FILES",
            "Spec files or zoo names, a column (or a table) each.",
            many=True,
            convert=file_path,
        ),
    ),
    options=(
        Option(
            ("--format",),
            "fmt",
            "Markdown (md), LaTeX (a booktabs tabular shrunk to the line's width when wider) or HTML.",
            choices=tuple(TABLE_FORMATS),
            default="md",
            show_default=True,
        ),
        Option(
            ("--style",),
            "style",
            "The paper's table to follow. Default: from the networks' structure "
            "(inception modules: googlenet; residual blocks in every network: resnet; else vgg).",
            choices=tuple(TABLE_STYLES),
        ),
        Option(
            ("--names",),
            "names",
            "Column heads, one per file (default: the networks' names).",
            metavar="A,B,...",
        ),
        define_option(" Applies to every file."),
        COLOUR_OPTION,
        LIMIT_OPTIONS,
    ),
)
