"""archc: the command line. I/O and exit codes only; the work is in the stages.

Exit codes: 0 ok (warnings allowed), 1 the spec has errors, 2 usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .check import MAX_LAYERS, check, parse_value
from .diagnostics import ArchError, Diagnostic
from .report import table

DEFINE_HELP = "Set a network parameter, e.g. -D k=256 or -D bn=true. Repeatable."


def _defines(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier() or not value.strip():
            raise click.BadParameter(f"'{item}' is not NAME=VALUE (e.g. -D k=256)", ctx, param)
        params[name.strip()] = parse_value(value)
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
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (a list for several files).")
@click.option("-D", "--define", "params", multiple=True, callback=_defines, metavar="NAME=VALUE", help=DEFINE_HELP)
@click.option("--max-layers", type=click.IntRange(min=1), default=MAX_LAYERS, show_default=True,
              help="Refuse specs that expand to more layers than this.")
def check_command(files: tuple[str, ...], as_json: bool, params: dict[str, Any], max_layers: int) -> None:
    """Check FILES: print each layer's output shape, parameters, MACs,
    activation memory and receptive field, then the totals.

    \b
    Problems are reported as FILE:LINE:COL: error[CODE]: message, with the
    source line, a caret and a hint. Exit status: 0 ok (warnings allowed),
    1 errors, 2 usage.
    """
    results = [_check_one(path, params, max_layers) for path in files]
    if as_json:
        objects = [result for result, _ in results]
        click.echo(json.dumps(objects[0] if len(objects) == 1 else objects, indent=2))
    sys.exit(1 if any(failed for _, failed in results) else 0)


def _check_one(path: str, params: dict[str, Any], max_layers: int) -> tuple[dict[str, Any], bool]:
    """Check one file; print its table (or diagnostics) unless JSON is asked for."""
    as_json = click.get_current_context().params["as_json"]
    try:
        network = check(Path(path), max_layers=max_layers, **params)
    except ArchError as error:
        _print_diagnostics(error.diagnostics, as_json)
        return _failed_json(path, error.diagnostics), True
    _print_diagnostics(network.diagnostics, as_json)
    if not as_json:
        click.echo(table(network))
    return network.to_json(), False


def _print_diagnostics(diagnostics: list[Diagnostic], as_json: bool) -> None:
    if as_json:
        return
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)
    errors = sum(d.is_error for d in diagnostics)
    if errors:
        click.echo(f"{errors} error{'s' * (errors != 1)}", err=True)


def _failed_json(path: str, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    return {
        "network": None,
        "file": path,
        "input": None,
        "output": None,
        "params": None,
        "macs": None,
        "layers": [],
        "diagnostics": [d.to_json() for d in diagnostics],
    }
