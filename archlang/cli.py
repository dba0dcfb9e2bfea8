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

from ._version import __version__
from .checker.evaluate import parse_value
from .diagnostics import ArchError, Diagnostic
from .limits import CEILING, DEFAULT, Limits
from .pipeline import Analysis, analyze, analyze_source, check, check_source
from .report import table
from .serialize import analysis_json
from .source import Source, decode, displayable
from .tables import FORMATS as TABLE_FORMATS
from .tables import compare, listing

DEFINE_HELP = "Set a network parameter, e.g. -D k=256 or -D bn=true. Repeatable."

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
        if name.strip() in Limits.names():
            raise click.BadParameter(f"'{name.strip()}' is a limit: use --{name.strip().replace('_', '-')}", ctx, param)
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
    """


@main.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (a list for several files).")
@click.option("--format", "fmt", type=click.Choice(["text", *TABLE_FORMATS]), default="text", show_default=True,
              help="The per-layer table as text, Markdown (md), LaTeX or HTML.")
@click.option("-D", "--define", "params", multiple=True, callback=_defines, metavar="NAME=VALUE", help=DEFINE_HELP)
@limit_options
def check_command(files: tuple[str, ...], as_json: bool, fmt: str, params: dict[str, Any],
                  limits: Limits) -> None:
    """Check FILES: print each layer's output shape, parameters, MACs,
    activation memory and receptive field, then the totals.

    \b
    Problems are reported as FILE:LINE:COL: error[CODE]: message, with the
    source line, a caret and a hint. Exit status: 0 ok (warnings allowed),
    1 errors, 2 usage.
    """
    results = [_check_one(path, params, limits) for path in files]
    if as_json:
        import json  # only --json needs it; every import counts in `archc check`'s start

        objects = [result for result, _ in results]
        click.echo(json.dumps(objects[0] if len(objects) == 1 else objects, indent=2))
    sys.exit(max(status for _, status in results))


def _check_one(path: str, params: dict[str, Any], limits: Limits) -> tuple[dict[str, Any], int]:
    """Check one file; print its table (or diagnostics) unless JSON is asked for.
    Returns its JSON object and its exit status."""
    as_json = click.get_current_context().params["as_json"]
    analysis = _analyze(path, params, limits)
    _print_diagnostics(analysis.diagnostics, as_json)
    failed = not analysis.ok or analysis.network is None
    if not as_json and not failed:
        fmt = click.get_current_context().params.get("fmt", "text")
        click.echo(table(analysis.network) if fmt == "text" else listing(analysis.network, fmt))  # type: ignore[arg-type]
    return analysis_json(analysis, path), _status(analysis.diagnostics, params) if failed else 0


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
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)
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


@main.command("render")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="OUT.svg, OUT.png, OUT.pdf or OUT.dot (.dot needs no Graphviz program); "
                   "with --style volumes OUT.svg, OUT.tex or OUT.tikz.")
@click.option("-D", "--define", "params", multiple=True, callback=_defines, metavar="NAME=VALUE", help=DEFINE_HELP)
@click.option("--unroll", is_flag=True, help="Draw every iteration of a repeat, not one ×N cluster.")
@click.option("--rankdir", type=click.Choice(["TB", "LR"], case_sensitive=False), default="TB", show_default=True,
              help="Top to bottom (TB) or left to right (LR).")
@click.option("--style", type=click.Choice(["graph", "volumes"]), default="graph", show_default=True,
              help="graph: a box per layer (Graphviz). volumes: the feature maps as 3-D boxes and the "
                   "kernels as pyramids, as papers draw them by hand, to OUT.svg, OUT.tex (a LaTeX "
                   "document) or OUT.tikz (the bare tikzpicture, to \\input into a paper); no Graphviz.")
@limit_options
def render_command(file: str, out: str, params: dict[str, Any], unroll: bool, rankdir: str, style: str,
                   limits: Limits) -> None:
    """Draw FILE as a diagram: a box per layer in paper notation with its
    activation and parameters, the tensor shape on every edge, repeats as
    one cluster marked ×N; or, with --style volumes, as the 3-D volume
    figure of the AlexNet and LeNet papers (--unroll and --rankdir are
    for the graph only).

    \b
    archc render vgg16.arch -o vgg16.svg
    archc render vgg16.arch -o vgg16.png --unroll --rankdir LR
    archc render alexnet.arch --style volumes -o alexnet.svg    # or .tex, .tikz
    Exit status: 0 ok, 1 errors in the spec, 2 usage or Graphviz missing.
    """
    if style == "volumes":
        _render_volumes(file, out, params, limits)
        return
    from . import render  # graphviz is imported only to draw

    _not_the_input(file, out)
    suffix = Path(out).suffix.lstrip(".").lower()
    if suffix not in render.FORMATS:
        raise click.BadParameter(f"'{out}' must end in {', '.join('.' + f for f in render.FORMATS)}",
                                 param_hint="'-o'")
    network = _checked_or_exit(file, params, limits)
    try:
        data = render.pipe(network, suffix, unroll, rankdir.upper())
    except ArchError as error:  # too large a diagram: refused before Graphviz runs
        _print_diagnostics(error.diagnostics, False)
        sys.exit(1)
    except render.RenderError as error:
        click.echo(f"archc: error: {error}", err=True)
        sys.exit(2)
    _write_output(out, data)


def _render_volumes(file: str, out: str, params: dict[str, Any], limits: Limits) -> None:
    """`archc render --style volumes`: the volume figure as SVG, a LaTeX document or a tikzpicture."""
    from . import volumes

    suffix = Path(out).suffix.lstrip(".").lower()
    if suffix not in volumes.FORMATS:
        endings = ", ".join("." + f for f in volumes.FORMATS)
        raise click.BadParameter(f"'{out}' must end in {endings} with --style volumes", param_hint="'-o'")
    network = _checked_or_exit(file, params, limits)
    _write_output(out, volumes.render(network, suffix).encode("utf-8"))


@main.command("table")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="md", show_default=True,
              help="Markdown (md), LaTeX or HTML.")
@click.option("-D", "--define", "params", multiple=True, callback=_defines, metavar="NAME=VALUE",
              help=DEFINE_HELP + " Applies to every file.")
@limit_options
def table_command(files: tuple[str, ...], fmt: str, params: dict[str, Any], limits: Limits) -> None:
    """Set FILES side by side as the VGG paper's Table 1: a column per
    network, stages aligned between the pools, layers in paper notation,
    and the parameters in millions.

    \b
    archc table vgg11.arch vgg11_lrn.arch vgg13.arch vgg16c.arch vgg16.arch vgg19.arch
    archc table vgg*.arch --format latex
    """
    networks = [_checked_or_exit(path, params, limits) for path in files]
    click.echo(compare(networks, fmt), nl=False)


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


@main.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; list each file that would change (exit 1 if any would).")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff of the changes.")
def fmt_command(files: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Format FILES in place in archlang's one layout (a folder: every .arch
    file under it); `-` reads standard input and writes the result to
    standard output.

    \b
    The layout: `a, b`, `a -> b`, `{a | b}`, `{x + f}`, `{x * f}`, `[f]*2`,
    `conv3-64/2 p=1`, `n - 1`, `network n(k = 64)`; every line break and
    comment where the author put it (trailing comments aligned as written,
    at least two spaces after the code); at most one blank line. Formatting
    twice changes nothing, and never changes what `archc check` reports.
    A file with a syntax error is reported and left as it is.

    \b
    archc fmt architectures/                rewrite in place
    archc fmt --check architectures/*.arch  for CI: list what would change
    archc fmt --diff vgg16.arch             show the change, write nothing
    cat vgg16.arch | archc fmt -            a filter, for editors
    Exit status: 0 done (or nothing to change), 1 a file has errors or
    (--check) would change, 2 usage.
    """
    from . import printer
    from .pipeline import load

    status = 0
    folders = {f: sorted(map(str, Path(f).rglob("*.arch"))) for f in files if f != "-" and Path(f).is_dir()}
    for path in [p for f in files for p in folders.get(f, [f])]:
        try:
            source = _stdin(DEFAULT) if path == "-" else load(Path(path), DEFAULT.max_bytes)
            formatted = printer.format_source(source)
        except ArchError as error:
            _print_diagnostics(error.diagnostics, False)
            status = max(status, 1)
            continue
        except printer.FormatError as error:
            click.echo(f"archc: internal error, {displayable(path)} left as it is: {error}", err=True)
            sys.exit(2)
        changed = formatted != source.text
        if show_diff and changed:
            click.echo(printer.diff(source.text, formatted, displayable(source.name)), nl=False)
        if check_only and changed:
            click.echo(f"would reformat {displayable(source.name)}", err=True)
            status = 1
        elif path == "-" and not show_diff:
            click.echo(formatted, nl=False)
        elif changed and not show_diff:
            _write_output(path, formatted.encode("utf-8"))
            click.echo(f"reformatted {displayable(path)}", err=True)
    sys.exit(status)


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
@limit_options
def build_command(file: str, out: str, params: dict[str, Any], max_memory: int | None,
                  limits: Limits) -> None:
    """Compile FILE to a standalone PyTorch module: one nn.Module class,
    an explicit forward with a comment pointing back to each spec line,
    and a main block (`python OUT.py` prints the output shape and the
    parameter count). The file needs torch only, not archlang.

    \b
    archc build vgg16.arch -o vgg16.py && python vgg16.py
    archc build alphago_policy.arch -D k=256 -o -
    """
    from . import codegen, runtime  # neither imports torch; imported here to keep check's start fast

    _not_the_input(file, out)
    network = _checked_or_exit(file, params, limits)
    try:
        runtime.refuse_large(network, max_memory or limits.max_memory)
        source = codegen.python(network)
    except ArchError as error:
        _print_diagnostics(error.diagnostics, False)
        sys.exit(1)
    if out == "-":
        click.echo(source, nl=False)
        return
    _write_output(out, source.encode("utf-8"))


def _not_the_input(file: str, out: str) -> None:
    """Usage error (exit 2) when the output is the input, by its name or through a link."""
    if out == "-":
        return
    try:
        same = Path(out).resolve() == Path(file).resolve() or (Path(out).exists() and Path(out).samefile(file))
    except OSError:
        same = False
    if same:
        raise click.BadParameter(f"'{out}' is the input file; choose another output", param_hint="'-o'")


def run() -> None:
    """The `archc` entry point: `main`, where a standard output that cannot be
    written (a full disk, /dev/full, a pipe closed early) ends the command
    with a message and exit status 2, not a traceback."""
    try:
        main()
    except OSError as error:
        _quiet_stdout()
        if error.errno != errno.EPIPE:  # `archc check f.arch | head` is no error
            sys.stderr.write(f"archc: error: cannot write the output: {error.strerror or error}\n")
        sys.exit(2)


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so Python's last flush at exit fails no more."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _write_output(out: str, data: bytes) -> None:
    """Write an output file, or exit 2 saying why it cannot be written."""
    try:
        _write(Path(out), data)
    except OSError as error:
        click.echo(f"archc: error: cannot write {displayable(out)}: {error.strerror or error}", err=True)
        sys.exit(2)


def _write(path: Path, data: bytes) -> None:
    """A regular file (or a new one) is written beside itself and renamed over,
    so a reader sees the old file or the new one, never half of one; a link
    is followed, and stays a link. Anything else that exists (/dev/null, a
    FIFO, a terminal) is written into: renaming over it would replace it."""
    if path.exists() and not path.is_file():
        with open(path, "wb") as handle:
            handle.write(data)
        return
    _replace(path.resolve(), data)


def _replace(path: Path, data: bytes) -> None:
    import os
    import tempfile

    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
    # A short name beside the file: one made from the file's own name fails for a long valid name.
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".archc-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, mode)  # the old file's mode, or a new file's; mkstemp's 0600 is for secrets
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    import os

    umask = os.umask(0)
    os.umask(umask)
    return umask
