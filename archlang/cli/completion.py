"""Shell completion of `archc`: the scripts for bash, zsh and fish, and the candidates they ask for.

A user puts one line in their shell's start-up file (the README says which):
`eval "$(_ARCHC_COMPLETE=bash_source archc)"` prints the bash script, as
`zsh_source` and `fish_source` print theirs. At each Tab the script runs
`archc` again with `_ARCHC_COMPLETE=complete`, the words of the command line
in `COMP_WORDS` (split at spaces) and the index of the word being completed
in `COMP_CWORD`; archc prints the candidates, one a line: the commands, a
command's options, or the choices of the option before the cursor. Where it
prints none (a file, a value without choices) the shell completes file names.
The candidates come from the commands' declarations (args.Command), so a new
option completes without a word here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .args import HELP, Command

#: The variable that asks `archc` for a script or candidates instead of running a command.
VARIABLE = "_ARCHC_COMPLETE"

SCRIPTS = {
    "bash": """\
_archc_completion() {
    local IFS=' '
    local words="${COMP_WORDS[*]}"
    IFS=$'\\n'
    COMPREPLY=($(COMP_WORDS="$words" COMP_CWORD="$COMP_CWORD" _ARCHC_COMPLETE=complete \\
        "${COMP_WORDS[0]}" 2>/dev/null))
    return 0
}
complete -o default -F _archc_completion archc
""",
    "zsh": """\
#compdef archc
_archc_completion() {
    local -a candidates
    candidates=(${(f)"$(COMP_WORDS="${words[*]}" COMP_CWORD=$((CURRENT - 1)) _ARCHC_COMPLETE=complete \\
        archc 2>/dev/null)"})
    if (( ${#candidates} )); then
        compadd -a candidates
    else
        _files
    fi
}
compdef _archc_completion archc
""",
    "fish": """\
function _archc_completion
    set -l current (commandline -ct)
    set -l words (commandline -opc) "$current"
    COMP_WORDS="$words" COMP_CWORD=(math (count $words) - 1) _ARCHC_COMPLETE=complete archc 2>/dev/null
end
complete --command archc --arguments '(_archc_completion)'
""",
}


def asked(environ: Mapping[str, str]) -> bool:
    """Whether `environ` asks for a script or for candidates (any other value of the variable, or none, runs archc)."""
    return environ.get(VARIABLE, "") in {"complete", *(f"{shell}_source" for shell in SCRIPTS)}


def respond(environ: Mapping[str, str], commands: list[str], command: Callable[[str], Command]) -> str:
    """What archc prints for the completion variable in `environ`: a script,
    or the candidates (`commands`: the names; `command`: the declaration of one)."""
    wanted = environ.get(VARIABLE, "")
    if wanted != "complete":
        return SCRIPTS.get(wanted.removesuffix("_source"), "")
    words = environ.get("COMP_WORDS", "").split(" ")
    try:
        index = int(environ.get("COMP_CWORD", ""))
    except ValueError:
        return ""
    found = candidates(words, index, commands, command)
    return "".join(f"{word}\n" for word in found)


def candidates(
    words: list[str], index: int, commands: list[str], command: Callable[[str], Command]
) -> list[str]:
    """The words that may stand at `words[index]` (the word being completed, perhaps begun)."""
    if not 1 <= index <= len(words):  # the word being completed is one of these, or the next
        return []
    current = words[index] if index < len(words) else ""
    if index == 1:
        names = [*commands, *HELP, "--version"] if current.startswith("-") else commands
        return [name for name in names if name.startswith(current)]
    if words[1] not in commands:
        return []
    options = command(words[1]).every_option()
    previous = words[index - 1]
    takes = next((o for o in options if previous in o.flags and o.takes_value), None)
    if takes is not None:
        fold = str if takes.case_sensitive else str.casefold
        return [choice for choice in takes.choices if fold(choice).startswith(fold(current))]
    if current.startswith("-"):
        return [flag for o in options for flag in o.flags if flag.startswith(current)] + [
            flag for flag in HELP if flag.startswith(current)
        ]
    return []
