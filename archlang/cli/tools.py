"""`archc zoo`, `archc fmt` and `archc lsp`: the zoo's names, the formatter and the language server."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..diagnostics import ArchError
from ..limits import DEFAULT
from ..pipeline import check
from ..source import displayable
from .common import print_diagnostics, read_stdin, write_output


@click.command("zoo")
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
    from .. import zoo
    from ..units import fmt_shape, short_count

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


@click.command("fmt")
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
    from .. import printer
    from ..pipeline import load

    status = 0
    folders = {f: sorted(map(str, Path(f).rglob("*.arch"))) for f in files if f != "-" and Path(f).is_dir()}
    for path in [p for f in files for p in folders.get(f, [f])]:
        try:
            source = read_stdin(DEFAULT) if path == "-" else load(Path(path), DEFAULT.max_bytes)
            formatted = printer.format_source(source)
        except ArchError as error:
            print_diagnostics(error.diagnostics, False)
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
            write_output(path, formatted.encode("utf-8"))
            click.echo(f"reformatted {displayable(path)}", err=True)
    sys.exit(status)


@click.command("lsp")
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
    from .. import lsp

    sys.exit(lsp.main())
