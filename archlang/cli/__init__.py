"""archc: the command line. I/O and exit codes only; the work is in the stages.

One module per group of commands (check; render and table; build; zoo, fmt
and lsp), each a plain click command that this package adds to the `archc`
group; common.py holds what they share. Exit codes: 0 ok (warnings
allowed), 1 the spec has errors, 2 usage (an unknown -D name among them).
"""

from __future__ import annotations

import errno
import sys

import click

from .. import files
from .._version import __version__


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


from .build import build_command
from .check import check_command
from .draw import render_command, table_command
from .tools import fmt_command, lsp_command, zoo_command

for _command in (check_command, render_command, table_command, zoo_command, fmt_command, build_command, lsp_command):
    main.add_command(_command)
