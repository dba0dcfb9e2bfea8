"""archc: the command line. I/O and exit codes only; the work is in the stages.

One module per group of commands (check; render and table; build; zoo, fmt
and lsp), each declaring its commands as `args.Command` records that argparse
reads; `main` imports a command's module only when that command runs (or
`--help` lists them all), so `archc check` pays for no other command's
imports. common.py holds what they share, args.py the declarations,
completion.py the shell completion. Exit codes: 0 ok (warnings allowed),
1 the spec has errors, 2 usage (an unknown -D name among them).
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from collections.abc import Sequence

from .. import files
from .._version import __version__
from .args import Command

PROGRAM = "archc"

#: Each command and where it is declared: module:name of this package.
COMMANDS = {
    "check": "check:CHECK",
    "render": "draw:RENDER",
    "table": "draw:TABLE",
    "zoo": "tools:ZOO",
    "fmt": "tools:FMT",
    "build": "build:BUILD",
    "lsp": "tools:LSP",
}

HELP = """\
archc: check, draw and compile network architectures written in paper notation.

A spec reads like the papers:
    network vgg_like
    input 3@224x224
    act relu
    [(conv3-64)*2, pool]*5, fc-4096

archc check vgg16.arch           every shape, parameter and MAC
archc check vgg16.arch --json    the same as one JSON object
archc check alexnet.arch -D groups=1
archc COMMAND -h                 a command's options

Shell completion: eval "$(_ARCHC_COMPLETE=bash_source archc)" in ~/.bashrc
(zsh_source, fish_source for those shells).
"""


def command(name: str) -> Command:
    """The declaration of a command, its module imported now."""
    module, attribute = COMMANDS[name].split(":")
    declared: Command = getattr(importlib.import_module(f".{module}", __name__), attribute)
    return declared


def usage() -> str:
    return f"Usage: {PROGRAM} [OPTIONS] COMMAND [ARGS]...\n"


def group_help() -> str:
    """`archc --help`: what archc is, then each command and its summary."""
    width = max(map(len, COMMANDS))
    lines = [f"  {name.ljust(width)}  {command(name).summary}" for name in sorted(COMMANDS)]
    return (
        usage() + "\n" + HELP + "\nOptions:\n  --version   Show the version and exit.\n"
        "  -h, --help  Show this message and exit.\n\nCommands:\n" + "\n".join(lines) + "\n"
    )


def _unknown(word: str) -> int:
    """Exit status 2 for a first word that is no command (or no option of archc's own), with the nearest command."""
    import difflib

    if word.startswith("-"):
        problem = f"No such option: {word} (the options of a command come after it: {PROGRAM} check -h)"
    else:
        close = difflib.get_close_matches(word, COMMANDS, n=1)
        problem = f"No such command '{word}'." + (f" Did you mean '{close[0]}'?" if close else "")
    sys.stderr.write(f"{usage()}Try '{PROGRAM} -h' for help.\n\nError: {problem}\n")
    return 2


def main(argv: Sequence[str] | None = None) -> None:
    """Run `archc` with `argv` (the process's arguments when None); exits with its status."""
    from . import completion

    if completion.asked(os.environ):
        sys.stdout.write(completion.respond(os.environ, sorted(COMMANDS), command))
        sys.exit(0)
    words = list(sys.argv[1:] if argv is None else argv)
    words = words[1:] if words[:1] == ["--"] else words  # `archc -- check f.arch`
    if not words:  # a usage mistake that teaches: the help, on stderr (as click did)
        sys.stderr.write(group_help())
        sys.exit(2)
    if words[0] in ("-h", "--help"):
        sys.stdout.write(group_help())
        sys.exit(0)
    if words[0] == "--version":
        sys.stdout.write(f"{PROGRAM}, version {__version__}\n")
        sys.exit(0)
    if words[0] not in COMMANDS:
        sys.exit(_unknown(words[0]))
    sys.exit(run_command(command(words[0]), words[1:]))


def run_command(declared: Command, argv: Sequence[str]) -> int:
    """Parse a command's arguments and run it; its exit status (0 when it returns)."""
    from .args import UsageError, parse, usage_error

    values = parse(declared, argv, PROGRAM)
    try:
        declared.run(**values)
    except UsageError as error:
        usage_error(declared, error, PROGRAM)
    return 0


def run() -> None:
    """The `archc` entry point: `main`, where a standard output that cannot be
    written (a full disk, /dev/full, a pipe closed early) ends the command
    with a message and exit status 2, not a traceback."""
    try:
        try:
            main()
        finally:  # what is still buffered fails here, not at the interpreter's exit
            sys.stdout.flush()
    except OSError as error:
        files.quiet_stdout()
        if (
            error.errno != errno.EPIPE
        ):  # `archc check f.arch | head`: the reader left on purpose, nothing to say
            sys.stderr.write(f"archc: error: cannot write the output: {error.strerror or error}\n")
        sys.exit(2)
