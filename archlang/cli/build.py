"""`archc build`: the PyTorch module as a .py file, with --logits and a memory guard."""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from ..diagnostics import ArchError
from ..limits import CEILING, Limits
from .common import (
    DEFINE_HELP,
    checked_or_exit,
    colour_option,
    defines,
    limit_options,
    print_diagnostics,
    refuse_the_input,
    write_output,
)

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


@click.command("build")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="OUT.py, or - for standard output.")
@click.option("-D", "--define", "params", multiple=True, callback=defines, metavar="NAME=VALUE", help=DEFINE_HELP)
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
    from .. import codegen, runtime  # neither imports torch; imported here to keep check's start fast
    from ..logits import for_build

    refuse_the_input(file, out)
    network, warning = for_build(checked_or_exit(file, params, limits), logits)
    try:
        runtime.refuse_large(network, max_memory or limits.max_memory)
        source = codegen.python(network)
    except ArchError as error:
        print_diagnostics(error.diagnostics, False)
        sys.exit(1)
    if out == "-":
        click.echo(source, nl=False)
    else:
        write_output(out, source.encode("utf-8"))
    print_diagnostics([warning] if warning else [], False)  # W401 once the module is written: how to train it
