"""`archc zoo`, `archc fmt` and `archc lsp`: the zoo's names, the formatter and the language server."""

from __future__ import annotations

import sys
from pathlib import Path

from ..diagnostics import ArchError
from ..limits import DEFAULT
from ..pipeline import check
from ..source import displayable
from .args import Argument, Command, Option
from .common import echo, print_diagnostics, read_stdin, warn, write_output


def zoo_command(names: tuple[str, ...], family: str | None, fmt: str) -> None:
    """List the networks of the zoo: name, family, parameters, MACs, input
    size and what each is. Any name checks, renders and builds like a file:

    archc zoo --family efficientnet
    archc check efficientnet_b3
    archc build mobilenet_v3_small -o mobilenet_v3_small.py
    """
    from .. import zoo
    from ..units import aligned, fmt_shape, short_count

    models = [
        m
        for m in zoo.models().values()
        if (not family or m.family == family) and (not names or m.name in names)
    ]
    rows = [("name", "family", "params", "MACs", "input", "what it is")]
    for model in models:
        network = check(model.name)
        rows.append(
            (
                model.name,
                model.family,
                short_count(network.params, "M"),
                short_count(network.macs, "M"),
                fmt_shape(network.input),
                model.about,
            )
        )
    if fmt == "md":
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "---|" * len(rows[0]))
        echo("\n".join(lines))
        return
    echo("\n".join(aligned(rows, rule=False)))


def fmt_command(files: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Format FILES in place in archlang's one layout (a folder: every .arch
    file under it); `-` reads standard input and writes the result to
    standard output.

    The layout: `a, b`, `a -> b`, `{a | b}`, `{x + f}`, `{x * f}`, `[f]*2`,
    `conv3-64/2 p=1`, `n - 1`, `network n(k = 64)`; every line break and
    comment where the author put it (trailing comments aligned as written,
    at least two spaces after the code); at most one blank line. Formatting
    twice changes nothing, and never changes what `archc check` reports.
    A file with a syntax error is reported and left as it is.

    archc fmt architectures/                rewrite in place
    archc fmt --check architectures/*.arch  for CI: list what would change
    archc fmt --diff vgg16.arch             show the change, write nothing
    cat vgg16.arch | archc fmt -            a filter, for editors
    Exit status: 0 done (or nothing to change), 1 a file has errors or
    (--check) would change, 2 usage.
    """
    from .. import printer
    from ..pipeline import load

    status = 0
    folders = {f: sorted(map(str, Path(f).rglob("*.arch"))) for f in files if f != "-" and Path(f).is_dir()}
    for path in [p for f in files for p in folders.get(f, [f])]:
        try:
            source = read_stdin(DEFAULT) if path == "-" else load(Path(path), DEFAULT.max_bytes)
            formatted = printer.format_source(source)
        except ArchError as error:
            print_diagnostics(error.diagnostics)
            status = max(status, 1)
            continue
        except printer.FormatError as error:
            warn(f"archc: internal error, {displayable(path)} left as it is: {error}")
            sys.exit(2)
        changed = formatted != source.text
        if show_diff and changed:
            echo(printer.diff(source.text, formatted, displayable(source.name)), nl=False)
        if check_only and changed:
            warn(f"would reformat {displayable(source.name)}")
            status = 1
        elif path == "-" and not show_diff:
            echo(formatted, nl=False)
        elif changed and not show_diff:
            write_output(path, formatted.encode("utf-8"))
            warn(f"reformatted {displayable(path)}")
    sys.exit(status)


def lsp_command() -> None:
    """Run the language server over stdin and stdout, for editors.

    Errors as you type (every diagnostic, with its code and hint), shapes,
    parameters, MACs and receptive fields on hover, completion of layers,
    options, blocks and parameters, go to definition (into the standard
    library too), the outline, and formatting. An editor starts it itself:
    docs/editors.md has the settings for VS Code, Neovim and Helix.
    Needs pygls: pip install 'archlang[lsp]'.
    """
    from .. import lsp

    sys.exit(lsp.main())


ZOO = Command(
    "zoo",
    "The zoo's networks (torchvision's 80): name, family, params, MACs.",
    "[OPTIONS] [NAMES]...",
    zoo_command.__doc__ or "",
    zoo_command,
    arguments=(Argument("names", "NAMES", "Only these networks (default: all).", many=True, optional=True),),
    options=(
        Option(
            ("--family",),
            "family",
            "Only the networks of this family (a file of archlang/zoo/, e.g. resnet).",
            metavar="FAMILY",
        ),
        Option(
            ("--format",),
            "fmt",
            "An aligned table, or Markdown (the README's zoo table).",
            choices=("text", "md"),
            default="text",
            show_default=True,
        ),
    ),
)

FMT = Command(
    "fmt",
    "Format spec files in archlang's one layout (--check for CI).",
    "[OPTIONS] FILES...",
    fmt_command.__doc__ or "",
    fmt_command,
    arguments=(
        Argument(
            "files",
            "FILES",
            "Spec files, folders (every .arch file under them) or - for standard input.",
            many=True,
        ),
    ),
    options=(
        Option(
            ("--check",),
            "check_only",
            "Write nothing; list each file that would change (exit 1 if any would).",
            flag=True,
            default=False,
        ),
        Option(
            ("--diff",),
            "show_diff",
            "Write nothing; print a unified diff of the changes.",
            flag=True,
            default=False,
        ),
    ),
)

LSP = Command(
    "lsp", "The language server, for editors (stdin and stdout).", "", lsp_command.__doc__ or "", lsp_command
)
