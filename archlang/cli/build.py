"""`archc build`: the PyTorch module as a .py file, with --logits and a memory guard."""

from __future__ import annotations

import re
import sys
from typing import Any

from ..diagnostics import ArchError
from ..limits import CEILING, Limits
from .args import Command, Option, file_path
from .common import (
    COLOUR_OPTION,
    LIMIT_OPTIONS,
    SPEC_FILE,
    checked_or_exit,
    define_option,
    echo,
    print_diagnostics,
    refuse_the_input,
    write_output,
)

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def _memory(value: str) -> int:
    """A size: bytes, or a number with a binary unit (512MiB, 16GiB, 1.5T)."""
    match = re.fullmatch(r"(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?", value.strip().lower())
    size = float(match[1]) * _UNITS[match[2]] if match else 0.0  # inf for 400 digits: refused before int()
    if size < 1:
        raise ValueError(f"'{value}' is not a size such as 16GiB or 512MiB")
    if size > CEILING.max_memory:
        raise ValueError(f"'{value}' is more than the most it may be, {CEILING.max_memory:,} bytes")
    return int(size)


def build_command(
    file: str,
    out: str,
    params: dict[str, Any],
    max_memory: int | None,
    logits: bool | None,
    limits: Limits,
    color: str,
) -> None:
    """Compile FILE to a standalone PyTorch module: one nn.Module class,
    an explicit forward with a comment pointing back to each spec line,
    and a main block (`python OUT.py` prints the output shape and the
    parameter count). The file needs torch only, not archlang.

    archc build vgg16.arch -o vgg16.py && python vgg16.py
    archc build alphago_policy.arch -D k=256 -o -
    archc build vgg16.arch --logits -o vgg16.py    # forward returns logits, for F.cross_entropy
    """
    from .. import codegen, runtime  # neither imports torch; imported here to keep check's start fast
    from ..logits import for_build

    refuse_the_input(file, out)
    network, warning = for_build(checked_or_exit(file, params, limits, color), logits)
    try:
        runtime.refuse_large(network, max_memory or limits.max_memory)
        source = codegen.python(network)
    except ArchError as error:
        print_diagnostics(error.diagnostics, color)
        sys.exit(1)
    if out == "-":
        echo(source, nl=False)
    else:
        write_output(out, source.encode("utf-8"))
    print_diagnostics([warning] if warning else [], color)  # W401 once the module is written: how to train it


BUILD = Command(
    "build",
    "A standalone PyTorch module as a .py file.",
    "[OPTIONS] FILE",
    build_command.__doc__ or "",
    build_command,
    arguments=(SPEC_FILE,),
    options=(
        Option(
            ("-o", "--output"),
            "out",
            "OUT.py, or - for standard output.",
            metavar="OUT",
            convert=file_path,
            required=True,
        ),
        define_option(),
        Option(
            ("--max-memory",),
            "max_memory",
            "Refuse networks whose parameters and buffers take more than this at "
            "fp32, e.g. 16GiB [default: 4GiB].",
            convert=_memory,
            metavar="SIZE",
        ),
        Option(
            ("--logits",),
            "logits",
            "A spec that ends in softmax: --logits drops it, so forward returns logits "
            "for F.cross_entropy; --no-logits keeps it. Without either it is kept, with warning W401.",
            flag=True,
        ),
        Option(
            ("--no-logits",), "logits", "Keep a final softmax (and say nothing).", flag=True, flag_value=False
        ),
        COLOUR_OPTION,
        LIMIT_OPTIONS,
    ),
)
