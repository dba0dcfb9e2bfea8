"""`archc check`: the table, --json, the CI formats (github, sarif), --quiet and --sweep."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..accounting import OPTIMIZERS
from ..diagnostics import ArchError
from ..limits import Limits
from ..pipeline import Analysis, analyze_source
from ..report import table
from ..serialize import analysis_json
from ..source import displayable
from ..tables import FORMATS as TABLE_FORMATS
from ..tables import listing
from .common import (
    DEFINE_HELP,
    analyze_path,
    colour_option,
    defines,
    exit_status,
    limit_options,
    print_diagnostics,
    read_stdin,
    reserved_name,
)

CI_FORMATS = ("github", "sarif")


def _sweeps(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[Any, ...]:
    if not values:
        return ()
    from .. import sweep

    try:
        sweeps = tuple(sweep.parse(value) for value in values)
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param) from None
    for problem in filter(None, (reserved_name(s.name) for s in sweeps)):  # as -D refuses them
        raise click.BadParameter(problem, ctx, param)
    return sweeps


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (a list for several files), "
              "of the schema archlang/schema/check-v1.json.")
@click.option("--format", "fmt", type=click.Choice(["text", *TABLE_FORMATS, *CI_FORMATS]), default="text",
              show_default=True, help="The per-layer table as text, Markdown (md), LaTeX or HTML; or, for CI, "
              "the problems only as GitHub workflow commands (github: annotations on a pull request) or one "
              "SARIF 2.1.0 log for all FILES (sarif: code scanning), on standard output.")
@click.option("-q", "--quiet", is_flag=True, help="Print the problems only: nothing for a file that checks "
              "(a pre-commit hook).")
@click.option("-D", "--define", "params", multiple=True, callback=defines, metavar="NAME=VALUE", help=DEFINE_HELP)
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

        if fmt == "sarif":
            from .. import formats

            printed: Any = formats.sarif((path, analysis.diagnostics) for path, analysis, _ in results)
        else:
            objects = [analysis_json(analysis, path) for path, analysis, _ in results]
            printed = objects[0] if len(objects) == 1 else objects
        click.echo(json.dumps(printed, indent=2))
    sys.exit(max(status for _, _, status in results))


def _check_one(path: str, params: dict[str, Any], limits: Limits, **sizing: Any) -> tuple[str, Analysis, int]:
    """Check one file; print its table (or diagnostics) unless JSON, a CI
    format or --quiet is asked for. Returns the path, the analysis and its
    exit status. `sizing`: the batch and optimizer of the memory estimate."""
    options = click.get_current_context().params
    as_json, fmt = options["as_json"], options.get("fmt", "text")
    analysis = analyze_path(path, params, limits, **sizing)
    if fmt == "github":
        from .. import formats

        click.echo(formats.github(analysis.diagnostics, path), nl=False)
    elif fmt != "sarif":
        print_diagnostics(analysis.diagnostics, as_json)
    failed = not analysis.ok or analysis.network is None
    if not (as_json or options.get("quiet") or fmt in CI_FORMATS or failed):
        click.echo(table(analysis.network) if fmt == "text" else listing(analysis.network, fmt))  # type: ignore[arg-type]
    return path, analysis, exit_status(analysis.diagnostics, params) if failed else 0


def _sweep_one(path: str, params: dict[str, Any], sweeps: tuple[Any, ...], limits: Limits) -> int:
    """`--sweep`: the summary table of one file over the points; the diagnostics of a point that fails."""
    from .. import sweep

    try:
        source = read_stdin(limits) if path == "-" else None  # read once, checked at every point
    except ArchError as error:
        print_diagnostics(error.diagnostics, False)
        return 1
    results = sweep.run(lambda point: analyze_source(source, {**params, **point}, limits) if source
                        else analyze_path(path, {**params, **point}, limits), sweeps)
    for point, analysis in results:
        if analysis.diagnostics:
            click.echo("at " + ", ".join(f"{k}={v}" for k, v in point.items()) + ":", err=True)
        print_diagnostics(analysis.diagnostics, False)
    named = next((a.network.name for _, a in results if a.network), None) or path
    file = source.name if source else displayable(path)
    title = f"network {named} ({file}), " + ", ".join(f"--sweep {s.name}" for s in sweeps)
    click.echo(sweep.table(title, results))
    return max((exit_status(a.diagnostics, {**params, **point}) if not a.ok or a.network is None else 0)
               for point, a in results)
