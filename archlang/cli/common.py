"""What the commands share: the -D, limit and colour options, reading a spec (a file, stdin or a zoo name), printing diagnostics, exit statuses, and writing outputs.

Exit codes: 0 ok (warnings allowed), 1 the spec has errors, 2 usage (an
unknown -D name among them).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .. import files
from ..checker.evaluate import parse_value
from ..diagnostics import ArchError, Diagnostic
from ..limits import CEILING, DEFAULT, Limits
from ..pipeline import Analysis, analyze, analyze_source, check, check_source, sized
from ..source import Source, decode, displayable
from .args import Argument, Group, Option, UsageError, file_path, int_range

#: The FILE of render and build: the spec to draw or compile.
SPEC_FILE = Argument(
    "file",
    "FILE",
    "A spec file, a zoo name (archc zoo lists them) or - for standard input.",
    convert=file_path,
)

#: Keywords of `check` besides the network's parameters, which -D must not reach.
SIZING = ("batch", "optimizer")


#: check's limits as options of every command that checks: flag, `Limits` field, help.
LIMITS = (
    ("--max-layers", "max_layers", "Refuse specs that expand to more layers than this."),
    ("--max-bytes", "max_bytes", "Refuse spec files (and imports) larger than this many bytes."),
    ("--max-depth", "max_depth", "Refuse brackets nested deeper than this."),
    ("--max-import-depth", "max_import_depth", "Refuse imports nested deeper than this many files."),
)

#: The limits as options; the command gets them together as `limits`, one `Limits`.
LIMIT_OPTIONS = Group(
    "limits",
    tuple(
        Option(
            (flag,),
            name,
            text,
            convert=int_range(1, getattr(CEILING, name)),
            default=getattr(DEFAULT, name),
            metavar="N",
            show_default=True,
        )
        for flag, name, text in LIMITS
    ),
    DEFAULT.updated,
)


def reserved_name(name: str) -> str | None:
    """Why `name` cannot be a network parameter on the command line (-D, --sweep): it
    names a limit or sizes the memory estimate, check's own keywords; None if it can."""
    if name in Limits.names():
        return f"'{name}' is a limit: use --{name.replace('_', '-')}"
    if name == "limits":  # check's keyword for all of them: as a parameter it met check's own (a TypeError)
        return f"'limits' names check's limits: use {', '.join(flag for flag, _, _ in LIMITS)}"
    if name in SIZING:
        return f"'{name}' sizes the memory estimate: use --{name}"
    return None


def define(item: str) -> tuple[str, Any]:
    """One -D NAME=VALUE: the name and its value; `UsageError` if it is not one."""
    raw_name, sep, value = item.partition("=")
    name = raw_name.strip()
    if not sep or not name.isidentifier() or not value.strip():
        raise UsageError(f"'{item}' is not NAME=VALUE (e.g. -D k=256)")
    if "," in value:
        raise UsageError(f"'{item}': -D takes one value; archc check --sweep {item} checks each")
    problem = reserved_name(name)
    if problem:
        raise UsageError(problem)
    try:
        return name, parse_value(value)
    except ValueError as error:  # a number too long or not finite: a usage error, exit 2
        raise UsageError(f"'{name}': {error}") from None


def define_option(help: str = "") -> Option:
    """-D NAME=VALUE, repeatable: the command gets the network's parameters as a dict, `params`."""
    return Option(
        ("-D", "--define"),
        "params",
        "Set a network parameter, e.g. -D k=256 or -D bn=true. Repeatable." + help,
        convert=define,
        metavar="NAME=VALUE",
        repeat=True,
        finish=dict,
    )


#: `--color auto|always|never` on a command that prints diagnostics (colour.py decides).
COLOUR_OPTION = Option(
    ("--color",),
    "color",
    "Colour the diagnostics: auto (on a terminal, unless NO_COLOR is set), always or never.",
    choices=("auto", "always", "never"),
    default="auto",
    show_default=True,
)


def echo(text: str, nl: bool = True) -> None:
    """Print to standard output, written at once (so a closed pipe fails here, inside `run`)."""
    sys.stdout.write(text + "\n" if nl else text)
    sys.stdout.flush()


def warn(text: str) -> None:
    """Print a line to standard error."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def exit_status(diagnostics: list[Diagnostic], params: dict[str, Any]) -> int:
    """The exit status of a spec with errors: 1, or 2 when one of them is a -D
    name the network does not declare (E205), a mistake of usage like any
    other bad option. A variant's unknown name (E205 too) is the spec's."""
    prefixes = tuple(f"-D {name}:" for name in params)
    usage = (
        any(d.code == "E205" and d.message.startswith(prefixes) for d in diagnostics) if prefixes else False
    )
    return 2 if usage else 1


def print_diagnostics(diagnostics: list[Diagnostic], color: str = "auto") -> None:
    """The diagnostics on standard error, coloured as `--color` says, then the count of errors."""
    if not diagnostics:  # a clean check imports no colour
        return
    import os

    from .. import colour

    paint = colour.painter(color, sys.stderr, os.environ)
    for diagnostic in diagnostics:
        warn(diagnostic.format(paint))
    errors = sum(d.is_error for d in diagnostics)
    if errors:
        warn(f"{errors} error{'s' * (errors != 1)}")


STDIN = "<stdin>"


def read_stdin(limits: Limits) -> Source:
    """The spec on standard input, named <stdin> in diagnostics, read as a file
    is (UTF-8, a BOM dropped); `ArchError` (E100) past --max-bytes."""
    data = sys.stdin.buffer.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        message = f"{STDIN} is more than the limit of {limits.max_bytes:,} bytes"
        raise ArchError([Diagnostic("error", "E100", message, None, Source(STDIN, ""), "raise --max-bytes")])
    return Source(STDIN, decode(data))


def analyze_path(path: str, params: dict[str, Any], limits: Limits, **sizing: Any) -> Analysis:
    """`analyze` of a file, a zoo name, or `-` (standard input); `sizing`: the
    batch and optimizer of the memory estimate, as `analyze` takes them."""
    if path != "-":
        return analyze(Path(path), limits=limits, **sizing, **params)
    try:
        source = read_stdin(limits)
    except ArchError as error:
        return Analysis(None, diagnostics=list(error.diagnostics))
    return sized(analyze_source(source, params, limits), **sizing)


def check_path(path: str, params: dict[str, Any], limits: Limits) -> Any:
    """`check` of a file, a zoo name, or `-` (standard input)."""
    if path != "-":
        return check(Path(path), limits=limits, **params)
    return check_source(read_stdin(limits), params, limits)


def checked_or_exit(path: str, params: dict[str, Any], limits: Limits, color: str) -> Any:
    """The checked network, its warnings on stderr; exit 1 with the diagnostics on errors."""
    try:
        network = check_path(path, params, limits)
    except ArchError as error:
        print_diagnostics(error.diagnostics, color)
        sys.exit(exit_status(error.diagnostics, params))
    print_diagnostics(network.diagnostics, color)
    return network


def output_format(out: str, fmt: str | None, formats: tuple[str, ...], what: str) -> str:
    """The output format: --format, else the suffix of OUT (svg for -); a usage error if not one of `formats`."""
    chosen = fmt or ("svg" if out == "-" else Path(out).suffix.lstrip(".").lower())
    if chosen not in formats:
        endings = ", ".join("." + f for f in formats)
        if fmt:
            raise UsageError(f"{fmt} is not one of {', '.join(formats)}{what}", "--format")
        raise UsageError(f"'{out}' must end in {endings}{what}", "-o")
    return chosen


def emit(out: str, data: bytes, binary: bool) -> None:
    """Write to OUT, or to standard output for -; binary data is not written to a terminal."""
    if out != "-":
        write_output(out, data)
        return
    if binary and sys.stdout.isatty():
        warn(
            "archc: error: that format is binary and standard output is a terminal: redirect it "
            "(> out.png) or pipe it"
        )
        sys.exit(2)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def refuse_the_input(file: str, out: str) -> None:
    """Usage error (exit 2) when the output is the input, by its name or through a link."""
    if out != "-" and files.same_file(out, file):
        raise UsageError(f"'{out}' is the input file; choose another output", "-o")


def write_output(out: str, data: bytes) -> None:
    """Write an output file, or exit 2 saying why it cannot be written."""
    try:
        files.write(Path(out), data)
    except OSError as error:
        warn(f"archc: error: cannot write {displayable(out)}: {error.strerror or error}")
        sys.exit(2)
