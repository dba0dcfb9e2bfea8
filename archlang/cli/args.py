"""The command line's declarations: a command, its arguments and options, as records read by argparse and the shell completion alike.

Each command module declares one `Command` (its name, help, arguments,
options and the function that runs it); `parser()` turns it into an argparse
parser and `parse()` into the keyword arguments of that function. Shell
completion (completion.py) reads the same records, so an option is declared
once for the parser, the help and the completion.

argparse rather than click: `archc check`'s whole start has to stay within a
twentieth of `import torch` (the open-core issue), and click's import alone
(inspect, uuid, datetime, its types) cost about as much as archlang's own
modules and the check together. argparse costs a few milliseconds.

Usage errors print as click printed them, the usage line, how to get help,
then `Error: ...`, and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ..records import field, record, replace

Converter = Callable[[str], Any]

#: The options that ask for a command's help.
HELP = ("-h", "--help")


class UsageError(Exception):
    """A mistake of usage (exit 2): raised by a converter for one value, or by
    a command for options that do not go together. `option` names the option."""

    def __init__(self, message: str, option: str = "") -> None:
        super().__init__(message)
        self.option = option

    def __str__(self) -> str:
        message = self.args[0]
        return f"Invalid value for '{self.option}': {message}" if self.option else message


@record(frozen=True)
class Option:
    """One option. `flag`: takes no value and stores `flag_value`; `repeat`:
    may be given again, its values a tuple; `convert` turns one value into
    what the command gets (raising `UsageError` or `ValueError` to refuse it);
    `finish` turns the whole (the tuple of a repeated option) into it."""

    flags: tuple[str, ...]
    dest: str
    help: str
    choices: tuple[str, ...] = ()
    convert: Converter | None = None
    default: Any = None
    metavar: str | None = None
    flag: bool = False
    flag_value: Any = True
    repeat: bool = False
    finish: Callable[[Any], Any] | None = None
    show_default: bool = False
    case_sensitive: bool = True
    required: bool = False

    @property
    def takes_value(self) -> bool:
        return not self.flag


@record(frozen=True)
class Group:
    """Options whose values reach the command together, as one keyword `dest`: `combine` of {option dest: value}."""

    dest: str
    options: tuple[Option, ...]
    combine: Callable[[dict[str, Any]], Any]


@record(frozen=True)
class Argument:
    """A positional argument; `many`: one or more (a tuple)."""

    dest: str
    metavar: str
    help: str = ""
    many: bool = False
    optional: bool = False
    convert: Converter | None = None


@record(frozen=True)
class Command:
    """A command: its name, its line in `archc --help`, the usage after its
    name, its help, arguments, options (and groups of them) and the function
    called with them as keywords."""

    name: str
    summary: str
    usage: str
    help: str
    run: Callable[..., None]
    arguments: tuple[Argument, ...] = ()
    options: tuple[Option | Group, ...] = field(default=())

    def groups(self) -> list[Group]:
        return [item for item in self.options if isinstance(item, Group)]

    def every_option(self) -> list[Option]:
        """The options, those of groups included, in the order of the help."""
        return [o for item in self.options for o in (item.options if isinstance(item, Group) else (item,))]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """The help as written in a command's docstring, `Usage:` as click wrote it,
    and `-D, --define NAME=VALUE` for an option with two names."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        # argparse makes a formatter for every option it adds, and without a width imports
        # shutil to ask the terminal: os asks it as well, without the import
        super().__init__(prog, indent_increment, max_help_position, width or _columns())

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "Usage: ")

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        return f"{', '.join(action.option_strings)} {self._format_args(action, action.dest.upper())}"


class _Parser(argparse.ArgumentParser):
    def _print_message(self, message: str, file: Any = None) -> None:
        if (
            file is None or file is sys.stdout
        ):  # the help: a failed write is the command's error, as any output
            sys.stdout.write(message)
            sys.stdout.flush()
            return
        super()._print_message(message, file)

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.format_usage()}Try '{self.prog} -h' for help.\n\nError: {message}\n")
        sys.exit(2)


def _converter(convert: Converter | None, name: str) -> Converter:
    """argparse's `type` for an option or argument called `name`: `convert`, with a
    refusal reported as argparse reports a bad value."""
    given = convert or str

    def run(text: str) -> Any:
        try:
            return given(text)
        except (UsageError, ValueError, OverflowError) as error:
            raise argparse.ArgumentTypeError(str(error.args[0] if error.args else error)) from None

    run.__name__ = name  # what argparse names in its own messages
    return run


def _help(option: Option) -> str:
    """The help of an option, then in brackets its default, the range of its values and whether it must be given."""
    notes = [f"default: {option.default}"] if option.show_default and option.default is not None else []
    values = getattr(option.convert, "range", "")  # int_range's and float_range's bounds
    notes += [values] if values else []
    notes += ["required"] if option.required else []
    return (option.help + (f" [{'; '.join(notes)}]" if notes else "")).replace("%", "%%")


def _add(parser: argparse.ArgumentParser, option: Option) -> None:
    if option.flag:
        parser.add_argument(
            *option.flags,
            dest=option.dest,
            action="store_const",
            const=option.flag_value,
            default=option.default,
            help=_help(option),
        )
        return
    choices = option.choices
    if choices and not option.case_sensitive:  # `--rankdir lr` is LR
        by_fold = {choice.casefold(): choice for choice in choices}
        option = replace(option, convert=lambda text: by_fold.get(text.casefold(), text))
    parser.add_argument(
        *option.flags,
        dest=option.dest,
        action="append" if option.repeat else "store",
        type=_converter(option.convert, option.metavar or option.dest),
        choices=choices or None,
        default=None if option.repeat else option.default,
        metavar=option.metavar or ("{" + ",".join(choices) + "}" if choices else None),
        required=option.required,
        help=_help(option),
    )


def parser(command: Command, program: str = "archc") -> argparse.ArgumentParser:
    """The argparse parser of a command."""
    made = _Parser(
        prog=f"{program} {command.name}",
        usage=f"{program} {command.name} {command.usage}".rstrip(),
        description=_dedent(command.help),
        formatter_class=_Formatter,
        allow_abbrev=False,
    )
    for argument in command.arguments:
        nargs = ("*" if argument.optional else "+") if argument.many else ("?" if argument.optional else None)
        convert = _converter(argument.convert, argument.metavar)
        made.add_argument(
            argument.dest, metavar=argument.metavar, nargs=nargs, type=convert, help=argument.help or None
        )
    for option in command.every_option():
        _add(made, option)
    return made


def parse(command: Command, argv: Sequence[str], program: str = "archc") -> dict[str, Any]:
    """The keyword arguments of `command.run` for `argv` (exit 2 with the usage on a mistake).

    As click read a command line, and as users write one: options may stand
    between the files (`archc check a.arch --json b.arch`), an option that
    takes a value takes the next word whatever it is (`--names -a`), and
    `-h` shows the help wherever it stands, before any mistake is reported."""
    made = parser(command, program)
    words = _values_attached(
        argv, {flag for o in command.every_option() if o.takes_value for flag in o.flags}
    )
    if any(word in HELP for word in words[: words.index("--") if "--" in words else len(words)]):
        made.print_help()
        sys.exit(0)
    values = vars(made.parse_intermixed_args(words))
    for argument in command.arguments:
        if argument.many:
            values[argument.dest] = tuple(values[argument.dest] or ())
    for option in command.every_option():
        if option.repeat:
            values[option.dest] = tuple(values[option.dest] or ())
        if option.finish:
            values[option.dest] = option.finish(values[option.dest])
    for group in command.groups():
        values[group.dest] = group.combine({option.dest: values.pop(option.dest) for option in group.options})
    return values


def _values_attached(argv: Sequence[str], takes_value: set[str]) -> list[str]:
    """The words with each value written onto its option (`--names=-a`, `-D=k=8`), so that
    argparse reads a value that begins with a dash as the value; after `--` nothing changes."""
    words: list[str] = []
    rest = iter(argv)
    for word in rest:
        if word == "--":
            return [*words, word, *rest]
        following = next(rest, None) if word in takes_value else None
        words.append(word if following is None else f"{word}={following}")
    return words


def usage_error(command: Command, error: UsageError, program: str = "archc") -> NoReturn:
    """Exit 2 for a mistake of usage that the command found: its usage line and the message."""
    parser(command, program).error(str(error))


def _columns() -> int:
    """The width to fill: the terminal's (at most 100 columns), else 80, less argparse's margin."""
    given = os.environ.get("COLUMNS", "")
    if given.isdigit() and int(given) > 0:
        return min(int(given), 100) - 2
    try:
        columns = os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):  # not a terminal, or a stream without a descriptor
        columns = 80
    return min(columns, 100) - 2


def _dedent(text: str) -> str:
    """A docstring's text without its indentation (textwrap's import spared: the parser is made at every run)."""
    first, _, rest = text.strip("\n").partition("\n")
    lines = rest.split("\n")
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
    return "\n".join([first.strip(), *(line[indent:].rstrip() for line in lines)]).rstrip() + "\n"


def file_path(text: str) -> str:
    """A file to read or write (or `-`, a standard stream): a folder is a mistake of usage."""
    if text != "-" and os.path.isdir(text):
        raise ValueError(f"'{text}' is a directory, not a file")
    return text


def int_range(low: int | None = None, high: int | None = None) -> Converter:
    """A converter to an integer from `low` to `high` (either end open when None)."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a valid integer") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{value} is not in the range {_range(low, high)}")
        return value

    convert.range = _range(low, high)  # type: ignore[attr-defined]  # shown in the help
    return convert


def float_range(low: float, high: float) -> Converter:
    """A converter to a number from `low` to `high`."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a valid number") from None
        if not low <= value <= high:  # nan too
            raise ValueError(f"{text} is not in the range {_range(low, high)}")
        return value

    convert.range = _range(low, high)  # type: ignore[attr-defined]  # shown in the help
    return convert


def _range(low: float | None, high: float | None) -> str:
    return f"{'' if low is None else f'{low}<='}x{'' if high is None else f'<={high}'}"
