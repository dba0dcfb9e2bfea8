"""`archc check`: the table, --json, the CI formats (github, sarif), --quiet and --sweep."""

from __future__ import annotations

import sys
from typing import Any

from ..accounting import OPTIMIZERS
from ..diagnostics import ArchError
from ..limits import Limits
from ..pipeline import Analysis, analyze_source
from ..records import record
from ..report import table
from ..serialize import analysis_json
from ..source import displayable
from ..tables import FORMATS as TABLE_FORMATS
from ..tables import listing
from .args import Argument, Command, Option, UsageError, file_path, int_range
from .common import (
    COLOUR_OPTION,
    LIMIT_OPTIONS,
    analyze_path,
    define_option,
    echo,
    exit_status,
    print_diagnostics,
    read_stdin,
    reserved_name,
    warn,
)

CI_FORMATS = ("github", "sarif")


def _sweep(value: str) -> Any:
    """One --sweep NAME=V1,V2,...; `UsageError` for a bad one or a name the command line keeps for itself."""
    from .. import sweep

    parsed = sweep.parse(value)  # a ValueError says what is wrong
    problem = reserved_name(parsed.name)  # as -D refuses them
    if problem:
        raise UsageError(problem)
    return parsed


def check_command(
    files: tuple[str, ...],
    as_json: bool,
    fmt: str,
    quiet: bool,
    params: dict[str, Any],
    batch: int,
    optimizer: str,
    sweeps: tuple[Any, ...],
    limits: Limits,
    color: str,
) -> None:
    """Check FILES: print each layer's output shape, parameters, MACs,
    activation memory and receptive field, then the totals: trainable and
    frozen parameters, buffers, and the memory of inference and of a
    training step for a batch (--batch 32 --optimizer adam).

    Problems are reported as FILE:LINE:COL: error[CODE]: message, with the
    source line, a caret and a hint. Exit status: 0 ok (warnings allowed),
    1 errors, 2 usage.

    archc check vgg16.arch --quiet                 problems only
    archc check specs/*.arch --format github       annotations in GitHub Actions
    archc check specs/*.arch --format sarif > archc.sarif
    archc check alphago_policy.arch --sweep k=128,192,256
    """
    if sweeps:
        if as_json or fmt != "text":
            raise UsageError("--sweep prints its own table: leave out --json and --format")
        sys.exit(max(_sweep_one(path, params, sweeps, limits, color) for path in files))
    shown = Shown(as_json, fmt, quiet, color)
    results = [_check_one(path, params, limits, shown, batch=batch, optimizer=optimizer) for path in files]
    if as_json or fmt == "sarif":
        import json  # only --json needs it; every import counts in `archc check`'s start

        if fmt == "sarif":
            from .. import formats

            printed: Any = formats.sarif((path, analysis.diagnostics) for path, analysis, _ in results)
        else:
            objects = [analysis_json(analysis, path) for path, analysis, _ in results]
            printed = objects[0] if len(objects) == 1 else objects
        echo(json.dumps(printed, indent=2))
    sys.exit(max(status for _, _, status in results))


@record(frozen=True)
class Shown:
    """What `archc check` prints of each file: JSON, the format, --quiet and the colour of diagnostics."""

    as_json: bool
    fmt: str
    quiet: bool
    color: str


def _check_one(
    path: str, params: dict[str, Any], limits: Limits, shown: Shown, **sizing: Any
) -> tuple[str, Analysis, int]:
    """Check one file; print its table (or diagnostics) unless JSON, a CI
    format or --quiet is asked for. Returns the path, the analysis and its
    exit status. `sizing`: the batch and optimizer of the memory estimate."""
    fmt = shown.fmt
    analysis = analyze_path(path, params, limits, **sizing)
    if fmt == "github":
        from .. import formats

        echo(formats.github(analysis.diagnostics, path), nl=False)
    elif fmt != "sarif" and not shown.as_json:
        print_diagnostics(analysis.diagnostics, shown.color)
    failed = not analysis.ok or analysis.network is None
    if not (shown.as_json or shown.quiet or fmt in CI_FORMATS or failed):
        echo(table(analysis.network) if fmt == "text" else listing(analysis.network, fmt))  # type: ignore[arg-type]
    return path, analysis, exit_status(analysis.diagnostics, params) if failed else 0


def _sweep_one(path: str, params: dict[str, Any], sweeps: tuple[Any, ...], limits: Limits, color: str) -> int:
    """`--sweep`: the summary table of one file over the points; the diagnostics of a point that fails."""
    from .. import sweep

    try:
        source = read_stdin(limits) if path == "-" else None  # read once, checked at every point
    except ArchError as error:
        print_diagnostics(error.diagnostics, color)
        return 1
    results = sweep.run(
        lambda point: (
            analyze_source(source, {**params, **point}, limits)
            if source
            else analyze_path(path, {**params, **point}, limits)
        ),
        sweeps,
    )
    for point, analysis in results:
        if analysis.diagnostics:
            warn("at " + ", ".join(f"{k}={v}" for k, v in point.items()) + ":")
        print_diagnostics(analysis.diagnostics, color)
    named = next((a.network.name for _, a in results if a.network), None) or path
    file = source.name if source else displayable(path)
    title = f"network {named} ({file}), " + ", ".join(f"--sweep {s.name}" for s in sweeps)
    echo(sweep.table(title, results))
    return max(
        (exit_status(a.diagnostics, {**params, **point}) if not a.ok or a.network is None else 0)
        for point, a in results
    )


CHECK = Command(
    "check",
    "Every layer's shape, parameters, MACs and memory; the problems at FILE:LINE:COL.",
    "[OPTIONS] FILES...",
    check_command.__doc__ or "",
    check_command,
    arguments=(
        Argument(
            "files",
            "FILES",
            "Spec files, zoo names (archc zoo lists them) or - for standard input.",
            many=True,
            convert=file_path,
        ),
    ),
    options=(
        Option(
            ("--json",),
            "as_json",
            "Print one JSON object (a list for several files), of the schema archlang/schema/check-v1.json.",
            flag=True,
            default=False,
        ),
        Option(
            ("--format",),
            "fmt",
            "The per-layer table as text, Markdown (md), LaTeX or HTML; or, for CI, the "
            "problems only as GitHub workflow commands (github: annotations on a pull request) or one SARIF "
            "2.1.0 log for all FILES (sarif: code scanning), on standard output.",
            choices=("text", *TABLE_FORMATS, *CI_FORMATS),
            default="text",
            show_default=True,
        ),
        Option(
            ("-q", "--quiet"),
            "quiet",
            "Print the problems only: nothing for a file that checks (a pre-commit hook).",
            flag=True,
            default=False,
        ),
        define_option(),
        Option(
            ("--batch",),
            "batch",
            "Examples per step: shapes show N x C@HxW, memory and the estimate scale with N.",
            convert=int_range(1, 2**31 - 1),
            default=1,
            metavar="N",
            show_default=True,
        ),
        Option(
            ("--optimizer",),
            "optimizer",
            "Whose state the training step's memory counts: sgd none, momentum "
            "1 copy of the trainable parameters, adam and adamw 2.",
            choices=tuple(OPTIMIZERS),
            default="sgd",
            show_default=True,
        ),
        Option(
            ("--sweep",),
            "sweeps",
            "Check at each value and print one row per value: params, MACs, output "
            "(e.g. --sweep k=64,128,256; several --sweep: every combination).",
            convert=_sweep,
            metavar="NAME=V1,V2,...",
            repeat=True,
        ),
        COLOUR_OPTION,
        LIMIT_OPTIONS,
    ),
)
