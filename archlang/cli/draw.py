"""`archc render` (the Graphviz diagram and the volume figure) and `archc table` (the papers' tables)."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..diagnostics import ArchError
from ..limits import Limits
from ..tables import FORMATS as TABLE_FORMATS
from ..tables import STYLES as TABLE_STYLES
from ..tables import table as paper_table
from .common import (
    DEFINE_HELP,
    checked_or_exit,
    colour_option,
    defines,
    emit,
    limit_options,
    output_format,
    print_diagnostics,
    refuse_the_input,
)

#: Formats of `--format`: the graph's and the volume figure's, as render.FORMATS and volumes.FORMATS
#: (copied so that the option's choices need neither package; tests/test_render.py keeps them equal).
GRAPH_FORMATS = ("svg", "png", "jpg", "jpeg", "pdf", "dot")
VOLUME_FORMATS = ("svg", "tex", "tikz")


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, float] | None:
    from ..render.view import parse_size

    try:
        return parse_size(value) if value is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("render")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="OUT.svg, OUT.png, OUT.jpg, OUT.pdf or OUT.dot (.dot needs no Graphviz program); "
                   "with --style volumes OUT.svg, OUT.tex or OUT.tikz; - for standard output (the format "
                   "from --format; png, jpg and pdf only when standard output is not a terminal).")
@click.option("--format", "fmt", type=click.Choice(sorted(set(GRAPH_FORMATS + VOLUME_FORMATS))),
              help="The format, whatever OUT ends in [default: from OUT's suffix; svg for -].")
@click.option("-D", "--define", "params", multiple=True, callback=defines, metavar="NAME=VALUE", help=DEFINE_HELP)
@click.option("--unroll", is_flag=True, help="Draw every iteration of a repeat, not one ×N cluster.")
@click.option("--rankdir", type=click.Choice(["TB", "LR"], case_sensitive=False), default="TB", show_default=True,
              help="Top to bottom (TB) or left to right (LR).")
@click.option("--depth", type=click.IntRange(min=0), metavar="N",
              help="Draw clusters (blocks, repeats, labelled groups) N deep; deeper ones are one box each "
                   "with their layers, params, MACs and output shape. --depth 0: every top-level block one box.")
@click.option("--no-names", "names", is_flag=True, flag_value=False, default=None,
              help="Leave the layer names (conv1_1) out of the boxes.")
@click.option("--no-params", "show_params", is_flag=True, flag_value=False, default=None,
              help="Leave the parameter (and MAC) counts out of the boxes.")
@click.option("--size", callback=_size, metavar="W,H",
              help="Fit the drawing in W by H inches (scaled down, keeping its shape), e.g. --size 13.3,7.5.")
@click.option("--dpi", type=click.FloatRange(min=1, max=2400), metavar="N", help="Resolution of .png and .jpg [Graphviz: 96].")
@click.option("--wrap", type=click.IntRange(min=1), metavar="N",
              help="Wrap the network's main chain into N columns (N rows with --rankdir LR); "
                   "never inside a block or branch.")
@click.option("--preset", type=click.Choice(["default", "slide"]), default="default", show_default=True,
              help="slide: type of 12 pt at least, the chain wrapped into the columns that give a 4:3 to "
                   "16:9 picture with the largest type, 13.33x7.5 in at 144 dpi (1920x1080 px at most); "
                   "options given beside it win.")
@click.option("--style", type=click.Choice(["graph", "volumes"]), default="graph", show_default=True,
              help="graph: a box per layer (Graphviz). volumes: the feature maps as 3-D boxes and the "
                   "kernels as pyramids, as papers draw them by hand, to OUT.svg, OUT.tex (a LaTeX "
                   "document) or OUT.tikz (the bare tikzpicture, to \\input into a paper); no Graphviz.")
@colour_option
@limit_options
def render_command(file: str, out: str, fmt: str | None, params: dict[str, Any], unroll: bool, rankdir: str,
                   style: str, limits: Limits, **look: Any) -> None:
    """Draw FILE as a diagram: a box per layer in paper notation with its
    activation and parameters, the tensor shape on every edge, repeats as
    one cluster marked ×N, the paths of a branch as columns; or, with
    --style volumes, as the 3-D volume figure of the AlexNet and LeNet
    papers (the other options are for the graph only).

    \b
    archc render vgg16.arch -o vgg16.svg
    archc render vgg16.arch -o vgg16.png --unroll --rankdir LR
    archc render resnet50.arch -o r50.png --depth 1 --preset slide   # one slide, 12 pt type
    archc render googlenet.arch -o g.jpg --no-params --size 8,10 --dpi 200
    archc render resnet18.arch -o - --format png > r18.png
    archc render alexnet.arch --style volumes -o alexnet.svg    # or .tex, .tikz
    Exit status: 0 ok, 1 errors in the spec, 2 usage or Graphviz missing.
    """
    if style == "volumes":
        _render_volumes(file, out, fmt, params, limits)
        return
    from .. import render  # graphviz is imported only to draw

    refuse_the_input(file, out)
    suffix = output_format(out, fmt, GRAPH_FORMATS, "")
    network = checked_or_exit(file, params, limits)
    look["params"] = look.pop("show_params")
    try:
        data = render.pipe(network, suffix, unroll, rankdir.upper(), **look)
    except ArchError as error:  # too large a diagram: refused before Graphviz runs
        print_diagnostics(error.diagnostics, False)
        sys.exit(1)
    except render.RenderError as error:
        click.echo(f"archc: error: {error}", err=True)
        sys.exit(2)
    emit(out, data, binary=suffix in render.BINARY)


def _render_volumes(file: str, out: str, fmt: str | None, params: dict[str, Any], limits: Limits) -> None:
    """`archc render --style volumes`: the volume figure as SVG, a LaTeX document or a tikzpicture."""
    from .. import volumes

    refuse_the_input(file, out)
    suffix = output_format(out, fmt, VOLUME_FORMATS, " with --style volumes")
    network = checked_or_exit(file, params, limits)
    emit(out, volumes.render(network, suffix).encode("utf-8"), binary=False)


@click.command("table")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="md", show_default=True,
              help="Markdown (md), LaTeX (a booktabs tabular shrunk to the line's width when wider) or HTML.")
@click.option("--style", type=click.Choice(TABLE_STYLES),
              help="The paper's table to follow. Default: from the networks' structure (inception "
                   "modules: googlenet; residual blocks in every network: resnet; else vgg).")
@click.option("--names", metavar="A,B,...", help="Column heads, one per file (default: the networks' names).")
@click.option("-D", "--define", "params", multiple=True, callback=defines, metavar="NAME=VALUE",
              help=DEFINE_HELP + " Applies to every file.")
@colour_option
@limit_options
def table_command(files: tuple[str, ...], fmt: str, style: str | None, names: str | None, params: dict[str, Any],
                  limits: Limits) -> None:
    """Set FILES out as a paper's Table 1. vgg (Simonyan & Zisserman): a
    column per network, stages aligned between the pools, the parameters
    in millions. resnet (He et al.): a row per stage with its output size,
    blocks as bracketed stacks ×n, the FLOPs (multiply-adds). googlenet
    (Szegedy et al.): a row per layer or inception module with its path
    widths, depth, parameters and operations; one table per file.

    \b
    archc table vgg11.arch vgg11_lrn.arch vgg13.arch vgg16c.arch vgg16.arch vgg19.arch
    archc table resnet18.arch resnet34.arch resnet50.arch --names 18-layer,34-layer,50-layer
    archc table googlenet.arch --format latex
    archc table resnet50.arch --style vgg     # force a form
    """
    heads = names.split(",") if names is not None else None
    if heads is not None and len(heads) != len(files):
        raise click.BadParameter(f"{len(heads)} names for {len(files)} files", param_hint="'--names'")
    networks = [checked_or_exit(path, params, limits) for path in files]
    click.echo(paper_table(networks, fmt, style, heads), nl=False)
