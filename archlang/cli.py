"""archc: the command line. I/O and exit codes only; the work is in the stages.

Exit codes: 0 ok (warnings allowed), 1 the spec has errors, 2 usage (an
unknown -D name among them).
"""

from __future__ import annotations

import errno
import functools
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import files
from ._version import __version__
from .accounting import OPTIMIZERS
from .checker.evaluate import parse_value
from .diagnostics import ArchError, Diagnostic
from .limits import CEILING, DEFAULT, Limits
from .pipeline import Analysis, analyze, analyze_source, check, check_source
from .report import table
from .serialize import analysis_json
from .source import Source, decode, displayable
from .tables import FORMATS as TABLE_FORMATS
from .tables import STYLES as TABLE_STYLES
from .tables import listing
from .tables import table as paper_table

DEFINE_HELP = "Set a network parameter, e.g. -D k=256 or -D bn=true. Repeatable."

#: Keywords of `check` besides the network's parameters, which -D must not reach.
SIZING = ("batch", "optimizer")

#: check's limits as options of every command that checks: flag, `Limits` field, help.
LIMITS = (
    ("--max-layers", "max_layers", "Refuse specs that expand to more layers than this."),
    ("--max-bytes", "max_bytes", "Refuse spec files (and imports) larger than this many bytes."),
    ("--max-depth", "max_depth", "Refuse brackets nested deeper than this."),
    ("--max-import-depth", "max_import_depth", "Refuse imports nested deeper than this many files."),
)


def limit_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command check's limits as options; it receives them together
    as `limits`, one `Limits`."""

    @functools.wraps(command)
    def run(**kwargs: Any) -> None:
        command(limits=DEFAULT.updated({field: kwargs.pop(field) for _, field, _ in LIMITS}), **kwargs)

    for flag, field, text in reversed(LIMITS):
        run = click.option(flag, field, type=click.IntRange(min=1, max=getattr(CEILING, field)),
                           default=getattr(DEFAULT, field),
                           show_default=True, help=text)(run)
    return run


def _defines(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier() or not value.strip():
            raise click.BadParameter(f"'{item}' is not NAME=VALUE (e.g. -D k=256)", ctx, param)
        if "," in value:
            raise click.BadParameter(f"'{item}': -D takes one value; archc check --sweep {item} checks each",
                                     ctx, param)
        if name.strip() in Limits.names():
            raise click.BadParameter(f"'{name.strip()}' is a limit: use --{name.strip().replace('_', '-')}", ctx, param)
        if name.strip() in SIZING:  # check's own keywords: a -D of that name would set them, not the network
            raise click.BadParameter(f"'{name.strip()}' sizes the memory estimate: use --{name.strip()}", ctx, param)
        try:
            params[name.strip()] = parse_value(value)
        except ValueError as error:  # a number too long or not finite: a usage error, exit 2
            raise click.BadParameter(f"'{name.strip()}': {error}", ctx, param) from None
    return params


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archc")
def main() -> None:
    """archc: check, draw and compile network architectures written in paper notation.

    \b
    A spec reads like the papers:
        network vgg_like
        input 3@224x224
        act relu
        [(conv3-64)*2, pool]*5, fc-4096

    \b
    archc check vgg16.arch           every shape, parameter and MAC
    archc check vgg16.arch --json    the same as one JSON object
    archc check alexnet.arch -D groups=1

    \b
    Shell completion: eval "$(_ARCHC_COMPLETE=bash_source archc)" in ~/.bashrc
    (zsh_source, fish_source for those shells).
    """


def _sweeps(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[Any, ...]:
    from . import sweep

    try:
        return tuple(sweep.parse(value) for value in values)
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param) from None


def colour_option(command: Callable[..., None]) -> Callable[..., None]:
    """`--color auto|always|never` on a command that prints diagnostics (colour.py decides)."""

    @functools.wraps(command)
    def run(color: str, **kwargs: Any) -> None:
        click.get_current_context().meta["archc.color"] = color
        command(**kwargs)

    return click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                        show_default=True, help="Colour the diagnostics: auto (on a terminal, unless "
                        "NO_COLOR is set), always or never.")(run)


CI_FORMATS = ("github", "sarif")


@main.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (a list for several files), "
              "of the schema archlang/schema/check-v1.json.")
@click.option("--format", "fmt", type=click.Choice(["text", *TABLE_FORMATS, *CI_FORMATS]), default="text",
              show_default=True, help="The per-layer table as text, Markdown (md), LaTeX or HTML; or, for CI, "
              "the problems only as GitHub workflow commands (github: annotations on a pull request) or one "
              "SARIF 2.1.0 log for all FILES (sarif: code scanning), on standard output.")
@click.option("-q", "--quiet", is_flag=True, help="Print the problems only: nothing for a file that checks "
              "(a pre-commit hook).")
@click.option("-D", "--define", "params", multiple=True, callback=_defines, metavar="NAME=VALUE", help=DEFINE_HELP)
@click.option("--batch", type=click.IntRange(min=1, max=2**31 - 1), default=1, show_default=True, metavar="N",
              help="Examples per step: shapes show N x C@HxW, memory and the estimate scale with N.")
@click.option("--optimizer", type=click.Choice(list(OPTIMIZERS)), default="sgd", show_default=True,
              help="Whose state the training step's memory counts: sgd none, momentum 1 copy of the "
                   "trainable parameters, adam and adamw 2.")
@click.option("--sweep", "sweeps", multiple=True, callback=_sweeps, metavar="NAME=V1,V2,...",
              help="Check at each value and print one row per value: params, MACs, output "
                   "(e.g. --sweep k=64,128,256; several --sweep: every combination).")
@colour_option
@limit_options
def check_command(files: tuple[str, ...], as_json: bool, fmt: str, quiet: bool, params: dict[str, Any],
                  batch: int, optimizer: str, sweeps: tuple[Any, ...], limits: Limits) -> None:
    """Check FILES: print each layer's output shape, parameters, MACs,
    activation memory and receptive field, then the totals: trainable and
    frozen parameters, buffers, and the memory of inference and of a
    training step for a batch (--batch 32 --optimizer adam).

    \b
    Problems are reported as FILE:LINE:COL: error[CODE]: message, with the
    source line, a caret and a hint. Exit status: 0 ok (warnings allowed),
    1 errors, 2 usage.
    \b
    archc check vgg16.arch --quiet                 problems only
    archc check specs/*.arch --format github       annotations in GitHub Actions
    archc check specs/*.arch --format sarif > archc.sarif
    archc check alphago_policy.arch --sweep k=128,192,256
    """
    if sweeps:
        if as_json or fmt != "text":
            raise click.UsageError("--sweep prints its own table: leave out --json and --format")
        sys.exit(max(_sweep_one(path, params, sweeps, limits) for path in files))
    results = [_check_one(path, params, limits, batch=batch, optimizer=optimizer) for path in files]
    if as_json or fmt == "sarif":
        import json  # only --json needs it; every import counts in `archc check`'s start

        from . import formats

        objects = [analysis_json(analysis, path) for path, analysis, _ in results]
        log = formats.sarif((path, analysis.diagnostics) for path, analysis, _ in results)
        click.echo(json.dumps(log if fmt == "sarif" else objects[0] if len(objects) == 1 else objects, indent=2))
    sys.exit(max(status for _, _, status in results))


def _check_one(path: str, params: dict[str, Any], limits: Limits, **sizing: Any) -> tuple[str, Analysis, int]:
    """Check one file; print its table (or diagnostics) unless JSON, a CI
    format or --quiet is asked for. Returns the path, the analysis and its
    exit status. `sizing`: the batch and optimizer of the memory estimate."""
    options = click.get_current_context().params
    as_json, fmt = options["as_json"], options.get("fmt", "text")
    analysis = _analyze(path, params, limits)
    if analysis.network is not None:
        analysis.network.batch, analysis.network.optimizer = sizing["batch"], sizing["optimizer"]
    if fmt == "github":
        from . import formats

        click.echo(formats.github(analysis.diagnostics, path), nl=False)
    elif fmt != "sarif":
        _print_diagnostics(analysis.diagnostics, as_json)
    failed = not analysis.ok or analysis.network is None
    if not (as_json or options.get("quiet") or fmt in CI_FORMATS or failed):
        click.echo(table(analysis.network) if fmt == "text" else listing(analysis.network, fmt))  # type: ignore[arg-type]
    return path, analysis, _status(analysis.diagnostics, params) if failed else 0


def _sweep_one(path: str, params: dict[str, Any], sweeps: tuple[Any, ...], limits: Limits) -> int:
    """`--sweep`: the summary table of one file over the points; the diagnostics of a point that fails."""
    from . import sweep

    try:
        source = _stdin(limits) if path == "-" else None  # read once, checked at every point
    except ArchError as error:
        _print_diagnostics(error.diagnostics, False)
        return 1
    results = sweep.run(lambda point: analyze_source(source, {**params, **point}, limits) if source
                        else _analyze(path, {**params, **point}, limits), sweeps)
    for point, analysis in results:
        if analysis.diagnostics:
            click.echo("at " + ", ".join(f"{k}={v}" for k, v in point.items()) + ":", err=True)
        _print_diagnostics(analysis.diagnostics, False)
    named = next((a.network.name for _, a in results if a.network), None) or path
    file = source.name if source else displayable(path)
    title = f"network {named} ({file}), " + ", ".join(f"--sweep {s.name}" for s in sweeps)
    click.echo(sweep.table(title, results))
    return max((_status(a.diagnostics, {**params, **point}) if not a.ok or a.network is None else 0)
               for point, a in results)


def _status(diagnostics: list[Diagnostic], params: dict[str, Any]) -> int:
    """The exit status of a spec with errors: 1, or 2 when one of them is a -D
    name the network does not declare (E205), a mistake of usage like any
    other bad option. A variant's unknown name (E205 too) is the spec's."""
    defines = tuple(f"-D {name}:" for name in params)
    usage = any(d.code == "E205" and d.message.startswith(defines) for d in diagnostics) if defines else False
    return 2 if usage else 1


def _print_diagnostics(diagnostics: list[Diagnostic], as_json: bool) -> None:
    if as_json:
        return
    import os

    from . import colour

    ctx = click.get_current_context(silent=True)
    paint = colour.painter(ctx.meta.get("archc.color", "auto") if ctx else "auto", sys.stderr, os.environ)
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(paint), err=True, color=paint is colour.ansi)
    errors = sum(d.is_error for d in diagnostics)
    if errors:
        click.echo(f"{errors} error{'s' * (errors != 1)}", err=True)


# ---- `-`: the spec on standard input ---------------------------------------------------------

STDIN = "<stdin>"


def _stdin(limits: Limits) -> Source:
    """The spec on standard input, named <stdin> in diagnostics, read as a file
    is (UTF-8, a BOM dropped); `ArchError` (E100) past --max-bytes."""
    data = sys.stdin.buffer.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        message = f"{STDIN} is more than the limit of {limits.max_bytes:,} bytes"
        raise ArchError([Diagnostic("error", "E100", message, None, Source(STDIN, ""), "raise --max-bytes")])
    return Source(STDIN, decode(data))


def _analyze(path: str, params: dict[str, Any], limits: Limits) -> Analysis:
    """`analyze` of a file, a zoo name, or `-` (standard input)."""
    if path != "-":
        return analyze(Path(path), limits=limits, **params)
    try:
        source = _stdin(limits)
    except ArchError as error:
        return Analysis(None, diagnostics=list(error.diagnostics))
    return analyze_source(source, params, limits)


def _check(path: str, params: dict[str, Any], limits: Limits) -> Any:
    """`check` of a file, a zoo name, or `-` (standard input)."""
    if path != "-":
        return check(Path(path), limits=limits, **params)
    return check_source(_stdin(limits), params, limits)


# ---- render and table (issue 5) ---------------------------------------------------------------


def _checked_or_exit(path: str, params: dict[str, Any], limits: Limits) -> Any:
    """The checked network, its warnings on stderr; exit 1 with the diagnostics on errors."""
    try:
        network = _check(path, params, limits)
    except ArchError as error:
        _print_diagnostics(error.diagnostics, False)
        sys.exit(_status(error.diagnostics, params))
    _print_diagnostics(network.diagnostics, False)
    return network


#: Formats of `--format` (the graph's, then the volume figure's).
GRAPH_FORMATS = ("svg", "png", "jpg", "jpeg", "pdf", "dot")
VOLUME_FORMATS = ("svg", "tex", "tikz")


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, float] | None:
    from .render.view import parse_size

    try:
        return parse_size(value) if value is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command("render")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="OUT.svg, OUT.png, OUT.jpg, OUT.pdf or OUT.dot (.dot needs no Graphviz program); "
                   "with --style volumes OUT.svg, OUT.tex or OUT.tikz; - for standard output (the format "
                   "from --format; png, jpg and pdf only when standard output is not a terminal).")
@click.option("--format", "fmt", type=click.Choice(sorted(set(GRAPH_FORMATS + VOLUME_FORMATS))),
              help="The format, whatever OUT ends in [default: from OUT's suffix; svg for -].")
@click.option("-D", "--define", "params", multiple=True, callback=_defines, metavar="NAME=VALUE", help=DEFINE_HELP)
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
    from . import render  # graphviz is imported only to draw

    _not_the_input(file, out)
    suffix = _format(out, fmt, GRAPH_FORMATS, "")
    network = _checked_or_exit(file, params, limits)
    look["params"] = look.pop("show_params")
    try:
        data = render.pipe(network, suffix, unroll, rankdir.upper(), **look)
    except ArchError as error:  # too large a diagram: refused before Graphviz runs
        _print_diagnostics(error.diagnostics, False)
        sys.exit(1)
    except render.RenderError as error:
        click.echo(f"archc: error: {error}", err=True)
        sys.exit(2)
    _emit(out, data, binary=suffix in render.BINARY)


def _format(out: str, fmt: str | None, formats: tuple[str, ...], what: str) -> str:
    """The output format: --format, else the suffix of OUT (svg for -); a usage error if not one of `formats`."""
    chosen = fmt or ("svg" if out == "-" else Path(out).suffix.lstrip(".").lower())
    if chosen not in formats:
        endings = ", ".join("." + f for f in formats)
        if fmt:
            raise click.BadParameter(f"{fmt} is not one of {', '.join(formats)}{what}", param_hint="'--format'")
        raise click.BadParameter(f"'{out}' must end in {endings}{what}", param_hint="'-o'")
    return chosen


def _emit(out: str, data: bytes, binary: bool) -> None:
    """Write to OUT, or to standard output for -; binary data is not written to a terminal."""
    if out != "-":
        _write_output(out, data)
        return
    if binary and sys.stdout.isatty():
        click.echo("archc: error: that format is binary and standard output is a terminal: redirect it "
                   "(> out.png) or pipe it", err=True)
        sys.exit(2)
    click.echo(data, nl=False)


def _render_volumes(file: str, out: str, fmt: str | None, params: dict[str, Any], limits: Limits) -> None:
    """`archc render --style volumes`: the volume figure as SVG, a LaTeX document or a tikzpicture."""
    from . import volumes

    _not_the_input(file, out)
    suffix = _format(out, fmt, volumes.FORMATS, " with --style volumes")
    network = _checked_or_exit(file, params, limits)
    _emit(out, volumes.render(network, suffix).encode("utf-8"), binary=False)


@main.command("table")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="md", show_default=True,
              help="Markdown (md), LaTeX (a booktabs tabular shrunk to the line's width when wider) or HTML.")
@click.option("--style", type=click.Choice(TABLE_STYLES),
              help="The paper's table to follow. Default: from the networks' structure (inception "
                   "modules: googlenet; residual blocks in every network: resnet; else vgg).")
@click.option("--names", metavar="A,B,...", help="Column heads, one per file (default: the networks' names).")
@click.option("-D", "--define", "params", multiple=True, callback=_defines, metavar="NAME=VALUE",
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
    networks = [_checked_or_exit(path, params, limits) for path in files]
    click.echo(paper_table(networks, fmt, style, heads), nl=False)


@main.command("zoo")
@click.argument("names", nargs=-1)
@click.option("--family", help="Only the networks of this family (a file of archlang/zoo/, e.g. resnet).")
@click.option("--format", "fmt", type=click.Choice(["text", "md"]), default="text", show_default=True,
              help="An aligned table, or Markdown (the README's zoo table).")
def zoo_command(names: tuple[str, ...], family: str | None, fmt: str) -> None:
    """List the networks of the zoo: name, family, parameters, MACs, input
    size and what each is. Any name checks, renders and builds like a file:

    \b
    archc zoo --family efficientnet
    archc check efficientnet_b3
    archc build mobilenet_v3_small -o mobilenet_v3_small.py
    """
    from . import zoo
    from .units import fmt_shape, short_count

    models = [m for m in zoo.models().values() if (not family or m.family == family) and (not names or m.name in names)]
    rows = [("name", "family", "params", "MACs", "input", "what it is")]
    for model in models:
        network = check(model.name)
        rows.append((model.name, model.family, short_count(network.params, "M"), short_count(network.macs, "M"),
                     fmt_shape(network.input), model.about))
    if fmt == "md":
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "---|" * len(rows[0]))
        click.echo("\n".join(lines))
        return
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def _memory(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """A size: bytes, or a number with a binary unit (512MiB, 16GiB, 1.5T)."""
    if value is None:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?", value.strip().lower())
    if not match or float(match[1]) * _UNITS[match[2]] < 1:
        raise click.BadParameter(f"'{value}' is not a size such as 16GiB or 512MiB", ctx, param)
    size = int(float(match[1]) * _UNITS[match[2]])
    if size > CEILING.max_memory:
        raise click.BadParameter(f"'{value}' is more than the most it may be, {CEILING.max_memory:,} bytes", ctx, param)
    return size


@main.command("build")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="OUT.py, or - for standard output.")
@click.option("-D", "--define", "params", multiple=True, callback=_defines, metavar="NAME=VALUE", help=DEFINE_HELP)
@click.option("--max-memory", callback=_memory, metavar="SIZE",
              help="Refuse networks whose parameters and buffers take more than this at fp32, e.g. 16GiB "
                   "[default: 4GiB].")
@click.option("--logits/--no-logits", default=None,
              help="A spec that ends in softmax: --logits drops it, so forward returns logits for "
                   "F.cross_entropy; --no-logits keeps it. Without either it is kept, with warning W401.")
@colour_option
@limit_options
def build_command(file: str, out: str, params: dict[str, Any], max_memory: int | None, logits: bool | None,
                  limits: Limits) -> None:
    """Compile FILE to a standalone PyTorch module: one nn.Module class,
    an explicit forward with a comment pointing back to each spec line,
    and a main block (`python OUT.py` prints the output shape and the
    parameter count). The file needs torch only, not archlang.

    \b
    archc build vgg16.arch -o vgg16.py && python vgg16.py
    archc build alphago_policy.arch -D k=256 -o -
    archc build vgg16.arch --logits -o vgg16.py    # forward returns logits, for F.cross_entropy
    """
    from . import codegen, runtime  # neither imports torch; imported here to keep check's start fast
    from .logits import for_build

    _not_the_input(file, out)
    network, warning = for_build(_checked_or_exit(file, params, limits), logits)
    try:
        runtime.refuse_large(network, max_memory or limits.max_memory)
        source = codegen.python(network)
    except ArchError as error:
        _print_diagnostics(error.diagnostics, False)
        sys.exit(1)
    if out == "-":
        click.echo(source, nl=False)
    else:
        _write_output(out, source.encode("utf-8"))
    _print_diagnostics([warning] if warning else [], False)  # W401 once the module is written: how to train it


def _not_the_input(file: str, out: str) -> None:
    """Usage error (exit 2) when the output is the input, by its name or through a link."""
    if out != "-" and files.same_file(out, file):
        raise click.BadParameter(f"'{out}' is the input file; choose another output", param_hint="'-o'")


@main.command("lsp")
def lsp_command() -> None:
    """Run the language server over stdin and stdout, for editors.

    \b
    Errors as you type (every diagnostic, with its code and hint), shapes,
    parameters, MACs and receptive fields on hover, completion of layers,
    options, blocks and parameters, go to definition (into the standard
    library too), the outline, and formatting. An editor starts it itself:
    docs/editors.md has the settings for VS Code, Neovim and Helix.
    Needs pygls: pip install 'archlang[lsp]'.
    """
    from . import lsp

    sys.exit(lsp.main())


def run() -> None:
    """The `archc` entry point: `main`, where a standard output that cannot be
    written (a full disk, /dev/full, a pipe closed early) ends the command
    with a message and exit status 2, not a traceback."""
    try:
        main()
    except OSError as error:
        files.quiet_stdout()
        if error.errno != errno.EPIPE:  # `archc check f.arch | head` is no error
            sys.stderr.write(f"archc: error: cannot write the output: {error.strerror or error}\n")
        sys.exit(2)


def _write_output(out: str, data: bytes) -> None:
    """Write an output file, or exit 2 saying why it cannot be written."""
    try:
        files.write(Path(out), data)
    except OSError as error:
        click.echo(f"archc: error: cannot write {displayable(out)}: {error.strerror or error}", err=True)
        sys.exit(2)
