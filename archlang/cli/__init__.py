"""archc: the command line. I/O and exit codes only; the work is in the stages.

One module per group of commands (check; render and table; build; zoo, fmt
and lsp), each a plain click command; the `archc` group imports a command's
module only when that command runs (or --help lists them all), so `archc
check` pays for no other command's imports. common.py holds what they share. Exit codes: 0 ok (warnings
allowed), 1 the spec has errors, 2 usage (an unknown -D name among them).
"""

from __future__ import annotations

import errno
import importlib
import sys

import click

from .. import files
from .._version import __version__

#: Each command and where it lives: module:function of this package.
COMMANDS = {
    "check": "check:check_command",
    "render": "draw:render_command",
    "table": "draw:table_command",
    "zoo": "tools:zoo_command",
    "fmt": "tools:fmt_command",
    "build": "build:build_command",
    "lsp": "tools:lsp_command",
}


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for
    (click's documented pattern for lazily loaded subcommands)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(f".{module}", __name__), name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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

    \b
    Shell completion: eval "$(_ARCHC_COMPLETE=bash_source archc)" in ~/.bashrc
    (zsh_source, fish_source for those shells).
    """


def run() -> None:
    """The `archc` entry point: `main`, where a standard output that cannot be
    written (a full disk, /dev/full, a pipe closed early) ends the command
    with a message and exit status 2, not a traceback."""
    try:
        main()
    except OSError as error:
        files.quiet_stdout()
        if error.errno != errno.EPIPE:  # `archc check f.arch | head` is no error
            sys.stderr.write(f"archc: error: cannot write the output: {error.strerror or error}\n")
        sys.exit(2)
